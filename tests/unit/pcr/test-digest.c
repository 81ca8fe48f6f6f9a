/* SPDX-License-Identifier: BSD-3-Clause */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include <bootchain/bootchain.h>

#include "util/hex.h"

/* FIPS 180-2 test vectors for "abc" */
#define ABC_SHA1   "a9993e364706816aba3e25717850c26c9cd0d89d"
#define ABC_SHA256 "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"

static void assert_digest_hex(const bc_digest *d, const char *hex)
{
	char buf[2 * BC_MAX_DIGEST_SIZE + 1];
	assert_string_equal(bc_digest_hex(d, buf), hex);
}

static void test_alg_lookup_by_name_and_id(void **state)
{
	(void)state;
	assert_int_equal(bc_hash_alg_by_name("sha256")->id, 0x000b);
	assert_int_equal(bc_hash_alg_by_name("SHA1")->size, 20);
	assert_int_equal(bc_hash_alg_by_name("0x000c")->id, BC_ALG_SHA384);
	assert_int_equal(bc_hash_alg_by_name("13")->id, BC_ALG_SHA512);
	assert_string_equal(bc_hash_alg_name(BC_ALG_SM3_256), "sm3_256");
	assert_null(bc_hash_alg_by_name("sha999"));
	assert_null(bc_hash_alg_by_name(""));
	assert_null(bc_hash_alg_by_name("0x10000"));
	assert_null(bc_hash_alg_by_id(0x0001)); /* TPM2_ALG_RSA is no hash */
}

static void test_compute_matches_fips_vectors(void **state)
{
	(void)state;
	bc_digest d;
	assert_int_equal(bc_digest_compute(BC_ALG_SHA1, "abc", 3, &d, NULL), BC_OK);
	assert_digest_hex(&d, ABC_SHA1);
	assert_int_equal(bc_digest_compute(BC_ALG_SHA256, "abc", 3, &d, NULL), BC_OK);
	assert_int_equal(d.size, 32);
	assert_digest_hex(&d, ABC_SHA256);
}

static void test_compute_rejects_unknown_alg(void **state)
{
	(void)state;
	bc_digest d;
	bc_error err = {0};
	assert_int_equal(bc_digest_compute(0x0001, "abc", 3, &d, &err), BC_E_UNSUPPORTED);
	assert_non_null(strstr(err.msg, "0x0001"));
}

static void test_hasher_streams_several_banks(void **state)
{
	(void)state;
	const uint16_t algs[] = {BC_ALG_SHA256, BC_ALG_SHA1, BC_ALG_SHA384};
	bc_hasher *h = NULL;
	bc_digest_set set;
	bc_digest single;
	assert_int_equal(bc_hasher_new(algs, 3, &h, NULL), BC_OK);
	assert_int_equal(bc_hasher_update(h, "a", 1, NULL), BC_OK);
	assert_int_equal(bc_hasher_update(h, "bc", 2, NULL), BC_OK);
	assert_int_equal(bc_hasher_final(h, &set, NULL), BC_OK);
	assert_int_equal(set.count, 3);
	assert_digest_hex(bc_digest_set_find(&set, BC_ALG_SHA1), ABC_SHA1);
	assert_digest_hex(bc_digest_set_find(&set, BC_ALG_SHA256), ABC_SHA256);
	assert_int_equal(bc_digest_compute(BC_ALG_SHA384, "abc", 3, &single, NULL), BC_OK);
	assert_memory_equal(bc_digest_set_find(&set, BC_ALG_SHA384)->bytes, single.bytes, 48);
	/* final resets: the next message starts from scratch */
	assert_int_equal(bc_hasher_update(h, "abc", 3, NULL), BC_OK);
	assert_int_equal(bc_hasher_final(h, &set, NULL), BC_OK);
	assert_digest_hex(bc_digest_set_find(&set, BC_ALG_SHA1), ABC_SHA1);
	bc_hasher_free(h);
}

static void test_hasher_rejects_no_banks(void **state)
{
	(void)state;
	bc_hasher *h = NULL;
	assert_int_equal(bc_hasher_new(NULL, 0, &h, NULL), BC_E_INVALID);
	assert_null(h);
}

static void test_hash_file_reads_whole_file(void **state)
{
	(void)state;
	char path[] = "/tmp/bootchain-test-XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "abc", 3), 3);
	close(fd);
	const uint16_t algs[] = {BC_ALG_SHA1, BC_ALG_SHA256};
	bc_digest_set set;
	assert_int_equal(bc_hash_file(path, algs, 2, &set, NULL), BC_OK);
	unlink(path);
	assert_digest_hex(&set.digests[0], ABC_SHA1);
	assert_digest_hex(&set.digests[1], ABC_SHA256);
}

static void test_hash_file_reports_missing_file(void **state)
{
	(void)state;
	const uint16_t algs[] = {BC_ALG_SHA256};
	bc_digest_set set;
	bc_error err = {0};
	assert_int_equal(bc_hash_file("/nonexistent/x", algs, 1, &set, &err), BC_E_IO);
	assert_non_null(strstr(err.msg, "/nonexistent/x"));
}

static void test_digest_set_parse_accepts_banks(void **state)
{
	(void)state;
	bc_digest_set set;
	assert_int_equal(bc_digest_set_parse("sha1:" ABC_SHA1 ",sha256:0x" ABC_SHA256, &set, NULL),
			 BC_OK);
	assert_int_equal(set.count, 2);
	assert_digest_hex(bc_digest_set_find(&set, BC_ALG_SHA256), ABC_SHA256);
}

static void test_digest_set_parse_rejects_bad_input(void **state)
{
	(void)state;
	static const char *bad[] = {
	    "",
	    "sha1",
	    "sha1:",
	    "sha1:abcd",				     /* too short */
	    "sha1:" ABC_SHA1 "00",			     /* too long */
	    "sha1:" ABC_SHA1 ",",			     /* empty item */
	    "sha999:" ABC_SHA1,				     /* unknown bank */
	    "sha1:a9993e364706816aba3e25717850c26c9cd0d8zz", /* not hex */
	    "sha1:" ABC_SHA1 ",sha1:" ABC_SHA1,		     /* bank twice */
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		bc_digest_set set;
		bc_error err = {0};
		if (bc_digest_set_parse(bad[i], &set, &err) != BC_E_INVALID)
			fail_msg("accepted '%s'", bad[i]);
		assert_true(err.msg[0] != 0);
	}
}

static void test_bank_extend_is_hash_of_old_and_digest(void **state)
{
	(void)state;
	bc_pcr_values values = {0};
	bc_pcr_bank *bank;
	uint8_t joined[64];
	bc_digest d, expect;
	assert_int_equal(bc_pcr_values_add_bank(&values, BC_ALG_SHA256, &bank, NULL), BC_OK);
	assert_int_equal(bc_digest_compute(BC_ALG_SHA256, "abc", 3, &d, NULL), BC_OK);
	assert_int_equal(bc_pcr_bank_extend(bank, 7, d.bytes, NULL), BC_OK);
	memset(joined, 0, 32); /* PCR 7 started at zero */
	memcpy(joined + 32, d.bytes, 32);
	assert_int_equal(bc_digest_compute(BC_ALG_SHA256, joined, 64, &expect, NULL), BC_OK);
	assert_memory_equal(bank->values[7], expect.bytes, 32);
	assert_int_equal(bank->mask, 1u << 7);
	assert_int_equal(bc_pcr_bank_extend(bank, 24, d.bytes, NULL), BC_E_INVALID);
}

static void test_hex_decode_checks_everything(void **state)
{
	(void)state;
	uint8_t out[4];
	size_t n;
	assert_true(bc_hex_decode("00fFa1", 6, out, sizeof(out), &n));
	assert_int_equal(n, 3);
	assert_int_equal(out[1], 0xff);
	assert_false(bc_hex_decode("abc", 3, out, sizeof(out), &n));	     /* odd */
	assert_false(bc_hex_decode("0011223344", 10, out, sizeof(out), &n)); /* too long */
	assert_false(bc_hex_decode("0g", 2, out, sizeof(out), &n));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_alg_lookup_by_name_and_id),
	    cmocka_unit_test(test_compute_matches_fips_vectors),
	    cmocka_unit_test(test_compute_rejects_unknown_alg),
	    cmocka_unit_test(test_hasher_streams_several_banks),
	    cmocka_unit_test(test_hasher_rejects_no_banks),
	    cmocka_unit_test(test_hash_file_reads_whole_file),
	    cmocka_unit_test(test_hash_file_reports_missing_file),
	    cmocka_unit_test(test_digest_set_parse_accepts_banks),
	    cmocka_unit_test(test_digest_set_parse_rejects_bad_input),
	    cmocka_unit_test(test_bank_extend_is_hash_of_old_and_digest),
	    cmocka_unit_test(test_hex_decode_checks_everything),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
