/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The freestanding hashes (freestanding/sha.c): the example vectors of FIPS 180-2 (appendices
 * A, B, D: "abc", the 448-bit and 896-bit messages, one million 'a'), then OpenSSL's
 * EVP_Digest on the same inputs: every length from 0 to 300 bytes, the same data fed in
 * random pieces (empty ones included), and a few MiB through bc_core_hash_buffer; and
 * the refusals of unknown algorithms and bad bank counts.
 *
 * The random data come from a small generator seeded from the clock; the seed is
 * printed, and SHA_TEST_SEED=N replays a run.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include <openssl/evp.h>

#include <bootchain/core.h>

#define MSG_448 "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"
#define MSG_896                                                                                    \
	"abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqr" \
	"lmn"                                                                                      \
	"opqrsmnopqrstnopqrstu"

/* FIPS 180-2, appendices A (SHA-1), B (SHA-256) and D (SHA-384) */
#define SHA1_ABC       "a9993e364706816aba3e25717850c26c9cd0d89d"
#define SHA1_448       "84983e441c3bd26ebaae4aa1f95129e5e54670f1"
#define SHA1_MILLION   "34aa973cd4c4daa4f61eeb2bdbad27316534016f"
#define SHA256_ABC     "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
#define SHA256_448     "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"
#define SHA256_MILLION "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0"
#define SHA384_ABC                                                                                 \
	"cb00753f45a35e8bb5a03d699ac65007272c32ab0eded1631a8b605a43ff5bed8086072ba1e7cc2358baeca1" \
	"34c825a7"
#define SHA384_896                                                                                 \
	"09330c33f71147e83d192fc782cd1b4753111b173b3b05d22fa08086e3b0f712fcc7c71a557e2db966c3e9fa" \
	"91746039"
#define SHA384_MILLION                                                                             \
	"9d0e1809716474cb086e834e310a4a1ced149e9c00f248527972cec5704c2a5b07b8b3dc38ecc4ebae97ddd8" \
	"7f3d8985"

#define MILLION 1000000
#define BIG	(5 * 1024 * 1024 + 77) /* several of hash_buffer's chunks, and a tail */

static const uint16_t all_algs[] = {BC_CORE_ALG_SHA1, BC_CORE_ALG_SHA256, BC_CORE_ALG_SHA384};

/* xorshift64*: reproducible from its seed, unlike rand() across libcs */
static uint64_t rng_state;

static uint64_t rng_next(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545f4914f6cdd1dULL;
}

static size_t rng_below(size_t n)
{
	return (size_t)(rng_next() % n);
}

static void rng_fill(uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (uint8_t)(rng_next() >> 56);
}

static const EVP_MD *openssl_md(uint16_t alg)
{
	switch (alg) {
	case BC_CORE_ALG_SHA1: return EVP_sha1();
	case BC_CORE_ALG_SHA256: return EVP_sha256();
	case BC_CORE_ALG_SHA384: return EVP_sha384();
	default: fail_msg("no OpenSSL digest for 0x%04x", alg); return NULL;
	}
}

static void to_hex(const uint8_t *bytes, size_t size, char *out)
{
	for (size_t i = 0; i < size; i++)
		sprintf(out + 2 * i, "%02x", bytes[i]);
	out[2 * size] = '\0';
}

/* OpenSSL's digest of data, in hex */
static void openssl_hex(uint16_t alg, const void *data, size_t size, char *out)
{
	uint8_t md[EVP_MAX_MD_SIZE];
	unsigned len = 0;
	assert_int_equal(EVP_Digest(data, size, md, &len, openssl_md(alg), NULL), 1);
	assert_int_equal(len, bc_core_hash_size(alg));
	to_hex(md, len, out);
}

/* the core's digest of data in one update, in hex */
static void core_hex(uint16_t alg, const void *data, size_t size, char *out)
{
	bc_core_hash h;
	uint8_t md[BC_CORE_MAX_DIGEST];
	assert_true(bc_core_hash_init(&h, alg));
	bc_core_hash_update(&h, data, size);
	bc_core_hash_final(&h, md);
	to_hex(md, bc_core_hash_size(alg), out);
}

/* the core's digest of data fed in random pieces of 0 to max bytes, in hex */
static void core_pieces_hex(uint16_t alg, const uint8_t *data, size_t size, size_t max, char *out)
{
	bc_core_hash h;
	uint8_t md[BC_CORE_MAX_DIGEST];
	assert_true(bc_core_hash_init(&h, alg));
	for (size_t done = 0; done < size;) {
		size_t n = rng_below(max + 1);
		if (n > size - done)
			n = size - done;
		bc_core_hash_update(&h, data + done, n);
		done += n;
	}
	bc_core_hash_update(&h, data + size, 0);
	bc_core_hash_final(&h, md);
	to_hex(md, bc_core_hash_size(alg), out);
}

static void assert_vector(uint16_t alg, const char *msg, const char *expected)
{
	char hex[2 * BC_CORE_MAX_DIGEST + 1];
	core_hex(alg, msg, strlen(msg), hex);
	assert_string_equal(hex, expected);
}

/* one million 'a', fed 1000 bytes at a time, and through bc_core_hash_buffer */
static void assert_million(uint16_t alg, const char *expected)
{
	char *a = malloc(MILLION);
	assert_non_null(a);
	memset(a, 'a', MILLION);
	bc_core_hash h;
	uint8_t md[BC_CORE_MAX_DIGEST];
	char hex[2 * BC_CORE_MAX_DIGEST + 1];
	assert_true(bc_core_hash_init(&h, alg));
	for (size_t i = 0; i < MILLION; i += 1000)
		bc_core_hash_update(&h, a + i, 1000);
	bc_core_hash_final(&h, md);
	to_hex(md, bc_core_hash_size(alg), hex);
	assert_string_equal(hex, expected);

	bc_core_digests out;
	bc_core_error err = {0};
	assert_int_equal(bc_core_hash_buffer(a, MILLION, &alg, 1, &out, &err), BC_CORE_OK);
	assert_int_equal(out.count, 1);
	to_hex(out.d[0].bytes, out.d[0].size, hex);
	assert_string_equal(hex, expected);
	free(a);
}

static void test_sha1_fips_vectors(void **state)
{
	(void)state;
	assert_vector(BC_CORE_ALG_SHA1, "abc", SHA1_ABC);
	assert_vector(BC_CORE_ALG_SHA1, MSG_448, SHA1_448);
	assert_million(BC_CORE_ALG_SHA1, SHA1_MILLION);
}

static void test_sha256_fips_vectors(void **state)
{
	(void)state;
	assert_vector(BC_CORE_ALG_SHA256, "abc", SHA256_ABC);
	assert_vector(BC_CORE_ALG_SHA256, MSG_448, SHA256_448);
	assert_million(BC_CORE_ALG_SHA256, SHA256_MILLION);
}

static void test_sha384_fips_vectors(void **state)
{
	(void)state;
	assert_vector(BC_CORE_ALG_SHA384, "abc", SHA384_ABC);
	assert_vector(BC_CORE_ALG_SHA384, MSG_896, SHA384_896);
	assert_million(BC_CORE_ALG_SHA384, SHA384_MILLION);
}

/* 0 to 300 bytes crosses every padding case of both block sizes: the length field
 * fitting after the 0x80 byte or spilling into one more block */
static void test_every_length_to_300_matches_openssl(void **state)
{
	(void)state;
	uint8_t data[300];
	char want[2 * BC_CORE_MAX_DIGEST + 1], got[2 * BC_CORE_MAX_DIGEST + 1];
	for (size_t a = 0; a < 3; a++) {
		for (size_t len = 0; len <= sizeof(data); len++) {
			rng_fill(data, len);
			openssl_hex(all_algs[a], data, len, want);
			core_hex(all_algs[a], data, len, got);
			if (strcmp(want, got) != 0)
				fail_msg("%s of %zu bytes: %s, OpenSSL %s",
					 bc_core_hash_name(all_algs[a]), len, got, want);
		}
	}
}

static void test_random_pieces_match_openssl(void **state)
{
	(void)state;
	uint8_t data[1000];
	char want[2 * BC_CORE_MAX_DIGEST + 1], got[2 * BC_CORE_MAX_DIGEST + 1];
	static const size_t max_piece[] = {1, 3, 63, 64, 65, 127, 128, 129, 300};
	for (size_t a = 0; a < 3; a++) {
		for (size_t len = 0; len <= 300; len++) {
			rng_fill(data, len);
			openssl_hex(all_algs[a], data, len, want);
			size_t max = max_piece[rng_below(sizeof(max_piece) / sizeof(max_piece[0]))];
			core_pieces_hex(all_algs[a], data, len, max, got);
			if (strcmp(want, got) != 0)
				fail_msg("%s of %zu bytes in pieces up to %zu: %s, OpenSSL %s",
					 bc_core_hash_name(all_algs[a]), len, max, got, want);
		}
		rng_fill(data, sizeof(data));
		openssl_hex(all_algs[a], data, sizeof(data), want);
		for (int round = 0; round < 50; round++) {
			core_pieces_hex(all_algs[a], data, sizeof(data), 1 + rng_below(400), got);
			assert_string_equal(got, want);
		}
	}
}

static void test_several_mib_match_openssl(void **state)
{
	(void)state;
	uint8_t *data = malloc(BIG);
	assert_non_null(data);
	rng_fill(data, BIG);
	bc_core_digests out;
	bc_core_error err = {0};
	assert_int_equal(bc_core_hash_buffer(data, BIG, all_algs, 3, &out, &err), BC_CORE_OK);
	assert_int_equal(out.count, 3);
	char want[2 * BC_CORE_MAX_DIGEST + 1], got[2 * BC_CORE_MAX_DIGEST + 1];
	for (size_t a = 0; a < 3; a++) {
		assert_int_equal(out.d[a].alg, all_algs[a]);
		assert_int_equal(out.d[a].size, bc_core_hash_size(all_algs[a]));
		openssl_hex(all_algs[a], data, BIG, want);
		to_hex(out.d[a].bytes, out.d[a].size, got);
		assert_string_equal(got, want);
		core_pieces_hex(all_algs[a], data, BIG, 100000, got);
		assert_string_equal(got, want);
	}
	free(data);
}

static void test_buffer_of_nothing_is_the_empty_digest(void **state)
{
	(void)state;
	bc_core_digests out;
	char want[2 * BC_CORE_MAX_DIGEST + 1], got[2 * BC_CORE_MAX_DIGEST + 1];
	assert_int_equal(bc_core_hash_buffer(NULL, 0, all_algs, 3, &out, NULL), BC_CORE_OK);
	assert_int_equal(out.count, 3);
	for (size_t a = 0; a < 3; a++) {
		openssl_hex(all_algs[a], "", 0, want);
		to_hex(out.d[a].bytes, out.d[a].size, got);
		assert_string_equal(got, want);
	}
}

static void test_sizes_and_names(void **state)
{
	(void)state;
	assert_int_equal(bc_core_hash_size(BC_CORE_ALG_SHA1), 20);
	assert_int_equal(bc_core_hash_size(BC_CORE_ALG_SHA256), 32);
	assert_int_equal(bc_core_hash_size(BC_CORE_ALG_SHA384), 48);
	assert_int_equal(bc_core_hash_size(0x000D), 0); /* SHA-512 */
	assert_int_equal(bc_core_hash_size(0x0012), 0);
	assert_string_equal(bc_core_hash_name(BC_CORE_ALG_SHA1), "sha1");
	assert_string_equal(bc_core_hash_name(BC_CORE_ALG_SHA256), "sha256");
	assert_string_equal(bc_core_hash_name(BC_CORE_ALG_SHA384), "sha384");
	assert_null(bc_core_hash_name(0x0012));
	assert_null(bc_core_hash_name(0));
}

static void test_init_refuses_unknown_alg(void **state)
{
	(void)state;
	static const uint16_t unknown[] = {0x0012 /* SHA3-256 */, 0x000D /* SHA-512 */,
					   0x0001 /* RSA */, 0, 0xffff};
	for (size_t i = 0; i < sizeof(unknown) / sizeof(unknown[0]); i++) {
		bc_core_hash h;
		memset(&h, 0x5a, sizeof(h));
		assert_false(bc_core_hash_init(&h, unknown[i]));
		/* a hash that was refused stays inert: final writes nothing */
		uint8_t md[BC_CORE_MAX_DIGEST];
		memset(md, 0xee, sizeof(md));
		bc_core_hash_update(&h, "abc", 3);
		bc_core_hash_final(&h, md);
		for (size_t j = 0; j < sizeof(md); j++)
			assert_int_equal(md[j], 0xee);
	}
}

static void test_buffer_refuses_bad_bank_counts(void **state)
{
	(void)state;
	static const uint16_t four[] = {BC_CORE_ALG_SHA1, BC_CORE_ALG_SHA256, BC_CORE_ALG_SHA384,
					BC_CORE_ALG_SHA256};
	bc_core_digests out;
	bc_core_error err = {0};
	assert_int_equal(bc_core_hash_buffer("abc", 3, all_algs, 0, &out, &err), BC_CORE_E_INVALID);
	assert_int_equal(err.status, BC_CORE_E_INVALID);
	assert_non_null(strstr(err.msg, "0 algorithms"));
	assert_int_equal(out.count, 0);

	memset(&err, 0, sizeof(err));
	assert_int_equal(bc_core_hash_buffer("abc", 3, four, 4, &out, &err), BC_CORE_E_INVALID);
	assert_non_null(strstr(err.msg, "4 algorithms"));
	assert_int_equal(out.count, 0);

	/* and with no error context at all */
	assert_int_equal(bc_core_hash_buffer("abc", 3, four, 4, &out, NULL), BC_CORE_E_INVALID);
	assert_int_equal(bc_core_hash_buffer("abc", 3, all_algs, 3, NULL, NULL), BC_CORE_E_INVALID);
	assert_int_equal(bc_core_hash_buffer(NULL, 3, all_algs, 3, &out, NULL), BC_CORE_E_INVALID);
}

static void test_buffer_refuses_unknown_alg(void **state)
{
	(void)state;
	const uint16_t algs[] = {BC_CORE_ALG_SHA256, 0x0012};
	bc_core_digests out;
	bc_core_error err = {0};
	assert_int_equal(bc_core_hash_buffer("abc", 3, algs, 2, &out, &err), BC_CORE_E_UNSUPPORTED);
	assert_int_equal(err.status, BC_CORE_E_UNSUPPORTED);
	assert_non_null(strstr(err.msg, "0x0012"));
	assert_int_equal(out.count, 0);
}

int main(void)
{
	const char *seed = getenv("SHA_TEST_SEED");
	rng_state = seed != NULL ? strtoull(seed, NULL, 0) : (uint64_t)time(NULL);
	if (rng_state == 0)
		rng_state = 1; /* xorshift's one fixed point */
	printf("# SHA_TEST_SEED=%llu\n", (unsigned long long)rng_state);

	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_sha1_fips_vectors),
	    cmocka_unit_test(test_sha256_fips_vectors),
	    cmocka_unit_test(test_sha384_fips_vectors),
	    cmocka_unit_test(test_every_length_to_300_matches_openssl),
	    cmocka_unit_test(test_random_pieces_match_openssl),
	    cmocka_unit_test(test_several_mib_match_openssl),
	    cmocka_unit_test(test_buffer_of_nothing_is_the_empty_digest),
	    cmocka_unit_test(test_sizes_and_names),
	    cmocka_unit_test(test_init_refuses_unknown_alg),
	    cmocka_unit_test(test_buffer_refuses_bad_bank_counts),
	    cmocka_unit_test(test_buffer_refuses_unknown_alg),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
