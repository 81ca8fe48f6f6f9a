/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * util/base64.h, strict base64 for untrusted input: the RFC 4648 test vectors, padding,
 * the canonical form (bits dropped by padding must be zero), every byte outside the
 * alphabet in the fast path (the groups before the last) and in the last group, wrong
 * lengths, the cap on the output, and agreement with OpenSSL's encoder at every length
 * up to 300 bytes; base64url (RFC 4648 section 5) both ways against OpenSSL's encoding
 * in that alphabet, with and without padding.
 */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <openssl/evp.h>

#include "util/base64.h"

static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/* text (len bytes) decodes to want (want_len bytes) with a cap of max. */
static void decodes_n(const char *text, size_t len, size_t max, const void *want, size_t want_len)
{
	uint8_t *out = NULL;
	size_t size = 99;
	if (!bc_base64_decode(text, len, max, &out, &size))
		fail_msg("'%.*s' (max %zu) refused", (int)len, text, max);
	assert_non_null(out);
	assert_int_equal(size, want_len);
	if (want_len)
		assert_memory_equal(out, want, want_len);
	free(out);
}

static void decodes(const char *text, const char *want)
{
	decodes_n(text, strlen(text), SIZE_MAX, want, strlen(want));
}

static void refused_n(const char *text, size_t len, size_t max)
{
	uint8_t *out = (uint8_t *)1;
	size_t size = 99;
	if (bc_base64_decode(text, len, max, &out, &size)) {
		free(out);
		fail_msg("'%.*s' (%zu characters, max %zu) accepted", (int)len, text, len, max);
	}
	assert_null(out);
	assert_int_equal(size, 0);
}

static void refused(const char *text)
{
	refused_n(text, strlen(text), SIZE_MAX);
}

/* OpenSSL's encoding of data, NUL-terminated; the caller frees. */
static char *encode(const uint8_t *data, size_t len)
{
	char *text = malloc(4 * ((len + 2) / 3) + 1);
	assert_non_null(text);
	int n = EVP_EncodeBlock((unsigned char *)text, data, (int)len);
	assert_int_equal(n, 4 * ((len + 2) / 3));
	return text;
}

static void test_rfc_4648_vectors(void **state)
{
	(void)state;
	decodes("", "");
	decodes("Zg==", "f");
	decodes("Zm8=", "fo");
	decodes("Zm9v", "foo");
	decodes("Zm9vYg==", "foob");
	decodes("Zm9vYmE=", "fooba");
	decodes("Zm9vYmFy", "foobar");
}

static void test_every_character_of_the_alphabet(void **state)
{
	uint8_t want[48];
	(void)state;
	/* the 64 characters in order are the 6-bit values 0..63: 48 bytes */
	for (size_t i = 0; i < 16; i++) {
		uint32_t group = (uint32_t)(4 * i) << 18 | (uint32_t)(4 * i + 1) << 12 |
				 (uint32_t)(4 * i + 2) << 6 | (uint32_t)(4 * i + 3);
		want[3 * i] = (uint8_t)(group >> 16);
		want[3 * i + 1] = (uint8_t)(group >> 8);
		want[3 * i + 2] = (uint8_t)group;
	}
	decodes_n(alphabet, 64, 48, want, 48);
	decodes_n("////", 4, 3, "\xff\xff\xff", 3);
	decodes_n("+/+/", 4, 3, "\xfb\xff\xbf", 3);
	decodes_n("AAAA", 4, 3, "\0\0\0", 3);
	decodes_n("AA==", 4, 1, "\0", 1);
	decodes_n("AAA=", 4, 2, "\0\0", 2);
	decodes_n("/w==", 4, 1, "\xff", 1);
	decodes_n("//8=", 4, 2, "\xff\xff", 2);
}

static void test_padding_variants(void **state)
{
	static const char *const bad[] = {
	    "Zg",      "Zg=",	   "Zg===",	"Zm8",	    "Zm8==",	 "Z===",
	    "====",    "=",	   "==",	"===",	    "A",	 "Zm=8",
	    "Z=g=",    "=Zm8",	   "Zg==Zg==",	"Zm8=Zm9v", "Zm9v====",	 "Zm9v=",
	    "Zm9vZg=", "Zm9vZ===", "Zm9vYmFy=", "Zg=\0",    "Zm9vYmF=y",
	};
	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		refused(bad[i]);
	refused_n("Zg=\0", 4, SIZE_MAX);
	refused_n("Zg\0\0", 4, SIZE_MAX);
	/* padding only ever at the end, and canonical groups before it */
	decodes("Zm9vZg==", "foof");
	decodes("Zm9vZm8=", "foofo");
}

static void test_non_canonical_padding_bits_are_refused(void **state)
{
	static const char *const bad[] = {
	    "QR==", "Zh==", "AB==", "AP==",	"Zn==",	    "Zm9=",	    "Zm+=",
	    "AAB=", "AAD=", "//9=", "Zm9vQR==", "Zm9vZm9=", "Zm9vYmFyQR==", /* after fast-path
									       groups */
	};
	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		refused(bad[i]);
	/* the canonical neighbours */
	decodes("QQ==", "A");
	decodes_n("AQ==", 4, 1, "\x01", 1);
	decodes_n("AAA=", 4, 2, "\0\0", 2);
	decodes_n("AAE=", 4, 2, "\0\x01", 2);
	decodes("Zm8=", "fo");
}

static void test_bytes_outside_the_alphabet_are_refused_everywhere(void **state)
{
	(void)state;
	for (int c = 0; c < 256; c++) {
		if (c && strchr(alphabet, c))
			continue;
		if (c == '=')
			continue;
		/* 12 characters: each of the 4 positions of a fast-path group and of the last */
		for (size_t pos = 0; pos < 12; pos++) {
			char text[13] = "Zm9vYmFyYmF6";
			text[pos] = (char)c;
			refused_n(text, 12, SIZE_MAX);
		}
		/* in the last group before padding */
		char padded[9] = "Zm9vZm8=";
		padded[5] = (char)c;
		refused_n(padded, 8, SIZE_MAX);
	}
	/* '=' in the middle of a group of the fast path */
	refused("Zm=vYmFy");
	refused("Zm9vYm=y");
}

static void test_whitespace_and_line_breaks_are_refused(void **state)
{
	static const char *const bad[] = {
	    " Zm9v",	    "Zm9v ",  "Zm 9v", "Zm9v\n", "Zm9v\r\n",  "Zm9v\nYmFy",
	    "Zm9v\r\nYmFy", "Zm\t9v", "Zm9 ",  " Zm9",	 "Zm9v YmFy", "Zm9vYmF\n",
	};
	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		refused(bad[i]);
}

static void test_wrong_lengths_are_refused(void **state)
{
	static const char full[] = "Zm9vYmFyYmF6cXV4";
	(void)state;
	for (size_t len = 1; len < sizeof(full) - 1; len++)
		if (len % 4)
			refused_n(full, len, SIZE_MAX);
	decodes_n(full, 16, SIZE_MAX, "foobarbazqux", 12);
}

static void test_the_cap_is_respected(void **state)
{
	(void)state;
	decodes_n("", 0, 0, "", 0);
	decodes_n("Zg==", 4, 1, "f", 1);
	refused_n("Zg==", 4, 0);
	decodes_n("Zm8=", 4, 2, "fo", 2);
	refused_n("Zm8=", 4, 1);
	decodes_n("Zm9v", 4, 3, "foo", 3);
	refused_n("Zm9v", 4, 2);
	decodes_n("Zm9vYg==", 8, 4, "foob", 4);
	refused_n("Zm9vYg==", 8, 3);
	decodes_n("Zm9vYmFy", 8, 6, "foobar", 6);
	refused_n("Zm9vYmFy", 8, 5);
	refused_n("Zm9vYmFy", 8, 0);
}

/* 4, 8, 12 and 100 characters: the last group alone, then after 1, 2 and 24 groups of
 * the fast path; with no, one and two padding characters. */
static void test_fast_path_and_last_group(void **state)
{
	static const size_t lengths[] = {4, 8, 12, 100};
	uint8_t data[75];
	(void)state;
	for (size_t i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)(i * 37 + 11);
	for (size_t l = 0; l < sizeof(lengths) / sizeof(lengths[0]); l++) {
		for (size_t pad = 0; pad < 3; pad++) {
			size_t bytes = lengths[l] / 4 * 3 - pad;
			char *text = encode(data, bytes);
			assert_int_equal(strlen(text), lengths[l]);
			decodes_n(text, lengths[l], bytes, data, bytes);
			refused_n(text, lengths[l], bytes - 1);
			/* a bad character in the first and in the last group */
			char saved = text[0];
			text[0] = '.';
			refused_n(text, lengths[l], SIZE_MAX);
			text[0] = saved;
			text[lengths[l] - 1 - pad] = '-';
			refused_n(text, lengths[l], SIZE_MAX);
			free(text);
		}
	}
}

static void test_agrees_with_openssl_at_every_length(void **state)
{
	uint8_t data[300];
	(void)state;
	for (size_t i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)(i * 151 + 7);
	for (size_t len = 0; len <= sizeof(data); len++) {
		char *text = encode(data, len);
		decodes_n(text, strlen(text), len, data, len);
		if (len)
			refused_n(text, strlen(text), len - 1);
		free(text);
	}
}

/* OpenSSL's encoding in the URL alphabet without padding (RFC 4648 section 5, by hand
 * from section 4's): what bc_base64url_encode() must write and decode again. */
static char *encode_url(const uint8_t *data, size_t len)
{
	char *text = encode(data, len);
	for (char *c = text; *c; c++)
		*c = *c == '+' ? '-' : *c == '/' ? '_' : *c;
	text[strcspn(text, "=")] = 0;
	return text;
}

static void test_base64url_agrees_with_openssl_at_every_length(void **state)
{
	uint8_t data[300], *out = NULL;
	char mine[BC_BASE64URL_LEN(sizeof(data)) + 1];
	size_t size = 0;
	(void)state;
	for (size_t i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)(i * 151 + 7);
	for (size_t len = 0; len <= sizeof(data); len++) {
		char *want = encode_url(data, len);
		bc_base64url_encode(data, len, mine);
		assert_string_equal(mine, want);
		assert_int_equal(strlen(want), BC_BASE64URL_LEN(len));
		assert_true(bc_base64url_decode(want, strlen(want), len, &out, &size));
		assert_int_equal(size, len);
		if (len)
			assert_memory_equal(out, data, len);
		free(out);
		if (len) {
			assert_false(bc_base64url_decode(want, strlen(want), len - 1, &out, &size));
			assert_null(out);
		}
		free(want);
	}
}

static void test_base64url_takes_padding_and_refuses_the_standard_alphabet(void **state)
{
	uint8_t *out = NULL;
	size_t size = 0;
	(void)state;
	assert_true(bc_base64url_decode("-_8", 3, 2, &out, &size)); /* fb ff */
	assert_int_equal(size, 2);
	assert_memory_equal(out, "\xfb\xff", 2);
	free(out);
	assert_true(bc_base64url_decode("-_8=", 4, 2, &out, &size));
	assert_memory_equal(out, "\xfb\xff", 2);
	free(out);
	static const char *const bad[] = {"+_8", "-/8", "+/8=", "-_8==", "-_", "-_9", "A", "-_8 "};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (bc_base64url_decode(bad[i], strlen(bad[i]), SIZE_MAX, &out, &size))
			fail_msg("'%s' accepted", bad[i]);
		assert_null(out);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_rfc_4648_vectors),
	    cmocka_unit_test(test_every_character_of_the_alphabet),
	    cmocka_unit_test(test_padding_variants),
	    cmocka_unit_test(test_non_canonical_padding_bits_are_refused),
	    cmocka_unit_test(test_bytes_outside_the_alphabet_are_refused_everywhere),
	    cmocka_unit_test(test_whitespace_and_line_breaks_are_refused),
	    cmocka_unit_test(test_wrong_lengths_are_refused),
	    cmocka_unit_test(test_the_cap_is_respected),
	    cmocka_unit_test(test_fast_path_and_last_group),
	    cmocka_unit_test(test_agrees_with_openssl_at_every_length),
	    cmocka_unit_test(test_base64url_agrees_with_openssl_at_every_length),
	    cmocka_unit_test(test_base64url_takes_padding_and_refuses_the_standard_alphabet),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
