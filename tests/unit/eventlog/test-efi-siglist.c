/* SPDX-License-Identifier: BSD-3-Clause */
/* EFI_SIGNATURE_LIST and .auth parsing (eventlog/efi-siglist.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <bootchain/efi-siglist.h>

#define SHA256_SIG (16 + 32) /* owner GUID and a SHA-256 */

static const uint8_t sha256_type[16] = {0x26, 0x16, 0xc4, 0xc1, 0x4c, 0x50, 0x92, 0x40,
					0xac, 0xa9, 0x41, 0xf9, 0x36, 0x93, 0x43, 0x28};
static const uint8_t pkcs7_guid[16] = {0x9d, 0xd2, 0xaf, 0x4a, 0xdf, 0x68, 0xee, 0x49,
				       0x8a, 0xa9, 0x34, 0x7d, 0x37, 0x56, 0x65, 0xa7};

static void put32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

/* A list of SHA-256 entries whose data bytes are fill, fill+1, ...; returns its size. */
static size_t make_list(uint8_t *p, size_t entries, uint8_t fill)
{
	size_t size = 28 + entries * SHA256_SIG;
	memcpy(p, sha256_type, 16);
	put32(p + 16, (uint32_t)size);
	put32(p + 20, 0);
	put32(p + 24, SHA256_SIG);
	for (size_t i = 0; i < entries; i++) {
		memset(p + 28 + i * SHA256_SIG, 0x11, 16);
		memset(p + 28 + i * SHA256_SIG + 16, fill + (int)i, 32);
	}
	return size;
}

static void expect_format_error(const uint8_t *data, size_t size, const char *words)
{
	bc_error err = {0};
	assert_int_equal(bc_esl_check(data, size, "x.esl", 0, NULL, NULL, &err), BC_E_FORMAT);
	assert_non_null(strstr(err.msg, "x.esl: offset 0x"));
	if (!strstr(err.msg, words))
		fail_msg("'%s' not in '%s'", words, err.msg);
}

static void test_check_counts_lists_and_signatures(void **state)
{
	(void)state;
	uint8_t buf[512];
	size_t n = make_list(buf, 2, 1);
	n += make_list(buf + n, 3, 9);
	size_t lists, sigs;
	assert_int_equal(bc_esl_check(buf, n, "x.esl", 0, &lists, &sigs, NULL), BC_OK);
	assert_int_equal(lists, 2);
	assert_int_equal(sigs, 5);
}

static void test_rejects_truncated_header(void **state)
{
	(void)state;
	uint8_t buf[512];
	size_t n = make_list(buf, 1, 1);
	expect_format_error(buf, 20, "truncated: 20 bytes left");
	/* a second list cut short: the message gives its offset */
	make_list(buf + n, 1, 2);
	expect_format_error(buf, n + 10, "offset 0x4c: EFI_SIGNATURE_LIST truncated");
}

static void test_rejects_list_size_smaller_than_header(void **state)
{
	(void)state;
	uint8_t buf[512];
	size_t n = make_list(buf, 1, 1);
	put32(buf + 16, 20);
	expect_format_error(buf, n, "offset 0x10: SignatureListSize 20 is smaller than its header");
	put32(buf + 16, (uint32_t)n);
	put32(buf + 20, 60); /* a header larger than the list */
	expect_format_error(buf, n, "is smaller than its header");
}

static void test_rejects_signature_size_zero(void **state)
{
	(void)state;
	uint8_t buf[512];
	size_t n = make_list(buf, 1, 1);
	put32(buf + 24, 0);
	expect_format_error(buf, n, "offset 0x18: SignatureSize 0 is less than");
}

static void test_rejects_sizes_that_overflow(void **state)
{
	(void)state;
	uint8_t buf[512];
	size_t n = make_list(buf, 1, 1);
	/* 28 + 0xfffffff0 wraps in 32 bits to 12, "less" than 0xffffffff */
	put32(buf + 16, 0xffffffffu);
	put32(buf + 20, 0xfffffff0u);
	expect_format_error(buf, n, "SignatureListSize 4294967295 is smaller than its header");
	put32(buf + 20, 0);
	expect_format_error(buf, n, "SignatureListSize 4294967295 exceeds the 76 bytes left");
}

static void test_rejects_partial_signature(void **state)
{
	(void)state;
	uint8_t buf[512];
	size_t n = make_list(buf, 1, 1);
	put32(buf + 24, SHA256_SIG - 1);
	expect_format_error(buf, n, "are not a multiple of SignatureSize 47");
}

/* An .auth: [attributes] EFI_TIME, WIN_CERTIFICATE_UEFI_GUID with cert bytes, lists. */
static size_t make_auth(uint8_t *p, bool attrs, uint32_t cert, const uint8_t *esl, size_t n)
{
	size_t at = 0;
	if (attrs) {
		put32(p, 0x67); /* ..., APPEND_WRITE */
		at = 4;
	}
	memset(p + at, 0, 16);
	p[at] = 0xe8; /* 2024 */
	p[at + 1] = 0x07;
	put32(p + at + 16, 24 + cert);
	p[at + 20] = 0x00;
	p[at + 21] = 0x02;
	p[at + 22] = 0xf1;
	p[at + 23] = 0x0e;
	memcpy(p + at + 24, pkcs7_guid, 16);
	memset(p + at + 40, 0x30, cert);
	memcpy(p + at + 40 + cert, esl, n);
	return at + 40 + cert + n;
}

static void test_update_auth_finds_the_lists(void **state)
{
	(void)state;
	uint8_t esl[128], file[512];
	size_t n = make_list(esl, 1, 1);
	for (int attrs = 0; attrs < 2; attrs++) {
		size_t size = make_auth(file, attrs, 100, esl, n);
		bc_efi_update *u = NULL;
		assert_int_equal(bc_efi_update_from_memory(file, size, "x.auth", &u, NULL), BC_OK);
		assert_true(u->authenticated);
		assert_int_equal(u->has_attributes, attrs);
		assert_int_equal(u->timestamp.year, 2024);
		assert_int_equal(u->esl_offset, 140 + 4 * attrs);
		assert_int_equal(u->esl_size, n);
		assert_int_equal(u->signatures, 1);
		bc_efi_update_free(u);
	}
}

static void expect_update_error(const uint8_t *data, size_t size, const char *words)
{
	bc_error err = {0};
	bc_efi_update *u = NULL;
	assert_int_equal(bc_efi_update_from_memory(data, size, "x.auth", &u, &err), BC_E_FORMAT);
	assert_null(u);
	if (!strstr(err.msg, words))
		fail_msg("'%s' not in '%s'", words, err.msg);
}

static void test_update_auth_rejects_bad_certificate(void **state)
{
	(void)state;
	uint8_t esl[128], file[512];
	size_t n = make_list(esl, 1, 1);
	size_t size = make_auth(file, false, 100, esl, n);
	expect_update_error(file, 100, "offset 0x10: WIN_CERTIFICATE dwLength 124 exceeds");
	put32(file + 16, 8);
	expect_update_error(file, size, "dwLength 8 is smaller than its header");
	put32(file + 16, 124);
	file[24] ^= 1;
	expect_update_error(file, size, "offset 0x18: CertType is not EFI_CERT_TYPE_PKCS7_GUID");
	file[24] ^= 1;
	put32(file + 140 + 24, 0); /* the list inside: the offset is the file's */
	expect_update_error(file, size, "x.auth: offset 0xa4: SignatureSize 0");
}

static void test_update_rejects_empty_list_file(void **state)
{
	(void)state;
	expect_update_error((const uint8_t *)"", 0, "empty");
}

static void test_append_skips_signatures_present(void **state)
{
	(void)state;
	uint8_t old[256], add[256];
	size_t old_n = make_list(old, 2, 1);   /* data 1, 2 */
	size_t add_n = make_list(add, 2, 2);   /* data 2 (present), 3 (new) */
	add_n += make_list(add + add_n, 1, 1); /* data 1: present, the list is dropped */
	uint8_t *out = NULL;
	size_t size, added, present;
	assert_int_equal(bc_esl_append(old, old_n, "old", add, add_n, "add", 0, &out, &size, &added,
				       &present, NULL),
			 BC_OK);
	assert_int_equal(added, 1);
	assert_int_equal(present, 2);
	assert_int_equal(size, old_n + 28 + SHA256_SIG);
	assert_memory_equal(out, old, old_n);
	assert_int_equal(out[old_n + 16], 28 + SHA256_SIG); /* SignatureListSize rewritten */
	assert_int_equal(out[old_n + 28 + 16], 3);
	size_t lists, sigs;
	assert_int_equal(bc_esl_check(out, size, "out", 0, &lists, &sigs, NULL), BC_OK);
	assert_int_equal(lists, 2);
	assert_int_equal(sigs, 3);
	free(out);
}

static void test_append_to_empty_variable(void **state)
{
	(void)state;
	uint8_t add[256];
	size_t add_n = make_list(add, 2, 5);
	uint8_t *out = NULL;
	size_t size, added;
	assert_int_equal(
	    bc_esl_append(NULL, 0, "old", add, add_n, "add", 0, &out, &size, &added, NULL, NULL),
	    BC_OK);
	assert_int_equal(added, 2);
	assert_int_equal(size, add_n);
	assert_memory_equal(out, add, add_n);
	free(out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_check_counts_lists_and_signatures),
	    cmocka_unit_test(test_rejects_truncated_header),
	    cmocka_unit_test(test_rejects_list_size_smaller_than_header),
	    cmocka_unit_test(test_rejects_signature_size_zero),
	    cmocka_unit_test(test_rejects_sizes_that_overflow),
	    cmocka_unit_test(test_rejects_partial_signature),
	    cmocka_unit_test(test_update_auth_finds_the_lists),
	    cmocka_unit_test(test_update_auth_rejects_bad_certificate),
	    cmocka_unit_test(test_update_rejects_empty_list_file),
	    cmocka_unit_test(test_append_skips_signatures_present),
	    cmocka_unit_test(test_append_to_empty_variable),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
