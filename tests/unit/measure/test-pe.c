/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The userspace Authenticode digest (measure/pe.c), a wrapper of the core's PE parser. The
 * parser itself (its ranges, every malformation it refuses, every truncation and
 * corruption) is tested in tests/unit/freestanding/test-pe.c. Here what the wrapper adds:
 * - its digests, in every bank asked and in that order (SHA-512 too, which the core lacks),
 *   are OpenSSL's of the core's ranges, and equal the core's own;
 * - the core's errors keep their message, naming the image, with the library's status;
 * - the file API: a file and a pipe give the digest of the same bytes in memory, errors
 *   name the file, and a file over BC_PE_MAX_SIZE is refused before it is read.
 */
#include "config.h"

#include <fcntl.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include <bootchain/core.h>
#include <bootchain/digest.h>
#include <bootchain/pe.h>

#include "../pe-images.h"

static const uint16_t sha256[] = {BC_ALG_SHA256};

static bc_digest_set authenticode_ok(const image *img, const uint16_t *algs, size_t count)
{
	bc_digest_set set;
	bc_error err = {0};
	if (bc_pe_authenticode(img->bytes, img->len, "test.efi", algs, count, &set, &err) != BC_OK)
		fail_msg("authenticode failed: %s", err.msg);
	assert_int_equal(set.count, count);
	return set;
}

/* ---- digests ---- */

static void check_digests(const pe_spec *spec)
{
	static const uint16_t algs[] = {BC_ALG_SHA1, BC_ALG_SHA256, BC_ALG_SHA384, BC_ALG_SHA512};
	image img = build(spec);
	bc_core_pe pe;
	bc_core_digests core;
	bc_core_error err = {0};
	if (bc_core_pe_ranges(img.bytes, img.len, "test.efi", &pe, &err) != BC_CORE_OK ||
	    bc_core_pe_authenticode(img.bytes, img.len, "test.efi", algs, 3, &core, &err) !=
		BC_CORE_OK)
		fail_msg("core: %s", err.msg);
	bc_digest_set set = authenticode_ok(&img, algs, 4);
	for (size_t i = 0; i < 4; i++) {
		bc_digest want = openssl_digest(&img, pe.ranges, pe.count, algs[i]);
		assert_int_equal(set.digests[i].alg, algs[i]); /* in the order asked */
		assert_int_equal(set.digests[i].size, want.size);
		assert_memory_equal(set.digests[i].bytes, want.bytes, want.size);
		if (i < core.count)
			assert_memory_equal(set.digests[i].bytes, core.d[i].bytes, want.size);
	}
	free(img.bytes);
}

static void test_digests_are_those_of_the_core_ranges(void **state)
{
	(void)state;
	pe_spec spec = default_spec(0x10b);
	check_digests(&spec);
	spec = default_spec(0x20b);
	check_digests(&spec);
	spec.trailing = 16;
	spec.cert_size = 0x98;
	check_digests(&spec);
	spec.sec[2].offset = 0xa00; /* a gap before .reloc */
	check_digests(&spec);
}

static void test_detect(void **state)
{
	(void)state;
	pe_spec spec = default_spec(0x10b);
	image img = build(&spec);
	assert_true(bc_pe_detect(img.bytes, img.len));
	assert_false(bc_pe_detect(img.bytes, PE_AT + 3));
	assert_false(bc_pe_detect("MZ", 2));
	free(img.bytes);
}

/* ---- the core's errors, with the library's status ---- */

static void test_malformed_image_keeps_the_core_message(void **state)
{
	(void)state;
	pe_spec spec = default_spec(0x20b);
	image img = build(&spec);
	put32(img.bytes + SEC(1, RAW_PTR), 0x500);
	bc_core_pe pe;
	bc_core_error core_err = {0};
	assert_int_equal(bc_core_pe_ranges(img.bytes, img.len, "x.efi", &pe, &core_err),
			 BC_CORE_E_FORMAT);
	bc_digest_set set;
	bc_error err = {0};
	assert_int_equal(bc_pe_authenticode(img.bytes, img.len, "x.efi", sha256, 1, &set, &err),
			 BC_E_FORMAT);
	assert_string_equal(err.msg, core_err.msg);
	assert_string_equal(err.msg, "x.efi: offset 0x1b0: section 1 (.data) at 0x500-0x700 "
				     "overlaps section 0 (.text) at 0x200-0x600");
	assert_int_equal(set.count, 0);
	free(img.bytes);
}

static void test_limit_and_invalid_arguments(void **state)
{
	(void)state;
	pe_spec spec = default_spec(0x20b);
	image img = build(&spec);
	bc_digest_set set;
	bc_error err = {0};
	/* the size is checked before any byte is read */
	assert_int_equal(bc_pe_authenticode(img.bytes, (size_t)BC_PE_MAX_SIZE + 1, "big.efi",
					    sha256, 1, &set, &err),
			 BC_E_LIMIT);
	assert_string_equal(
	    err.msg, "big.efi: 4294967297 bytes exceed the limit of 4294967296 for a PE image");
	assert_int_equal(bc_pe_authenticode(NULL, 1, NULL, sha256, 1, &set, &err), BC_E_INVALID);
	free(img.bytes);
}

/* ---- files ---- */

static char *write_temp(const uint8_t *bytes, size_t len)
{
	char *path = strdup("/tmp/bootchain-test-pe.XXXXXX");
	assert_non_null(path);
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, bytes, len), (ssize_t)len);
	close(fd);
	return path;
}

static void test_file_matches_memory(void **state)
{
	(void)state;
	pe_spec spec = default_spec(0x20b);
	spec.cert_size = 0x40;
	image img = build(&spec);
	char *path = write_temp(img.bytes, img.len);
	bc_digest_set mem = authenticode_ok(&img, sha256, 1), file;
	bc_error err = {0};
	if (bc_pe_authenticode_file(path, sha256, 1, &file, &err) != BC_OK)
		fail_msg("%s", err.msg);
	assert_memory_equal(mem.digests[0].bytes, file.digests[0].bytes, 32);

	/* a pipe is read into memory */
	int fds[2];
	char fdpath[64];
	assert_int_equal(pipe(fds), 0);
	assert_int_equal(write(fds[1], img.bytes, img.len), (ssize_t)img.len);
	close(fds[1]);
	snprintf(fdpath, sizeof(fdpath), "/dev/fd/%d", fds[0]);
	if (bc_pe_authenticode_file(fdpath, sha256, 1, &file, &err) != BC_OK)
		fail_msg("%s", err.msg);
	close(fds[0]);
	assert_memory_equal(mem.digests[0].bytes, file.digests[0].bytes, 32);
	unlink(path);
	free(path);
	free(img.bytes);
}

static void test_file_errors_name_the_file(void **state)
{
	(void)state;
	bc_digest_set set;
	bc_error err = {0};
	assert_int_equal(bc_pe_authenticode_file("/nonexistent/x.efi", sha256, 1, &set, &err),
			 BC_E_IO);
	assert_non_null(strstr(err.msg, "/nonexistent/x.efi: "));
	char *path = write_temp((const uint8_t *)"", 0);
	assert_int_equal(bc_pe_authenticode_file(path, sha256, 1, &set, &err), BC_E_FORMAT);
	assert_true(strncmp(err.msg, path, strlen(path)) == 0);
	assert_non_null(strstr(err.msg, ": offset 0x0: truncated DOS header: 0 bytes"));
	unlink(path);
	free(path);
}

/* A sparse file one byte over the limit: refused by its size, never mapped. */
static void test_file_over_the_size_limit_is_refused(void **state)
{
	(void)state;
	char *path = write_temp((const uint8_t *)"MZ", 2);
	if (truncate(path, (off_t)BC_PE_MAX_SIZE + 1) != 0) {
		unlink(path);
		free(path);
		skip(); /* a file system without sparse files that large */
	}
	bc_digest_set set;
	bc_error err = {0};
	char want[256];
	snprintf(want, sizeof(want),
		 "%s: 4294967297 bytes exceed the limit of 4294967296 for a PE image", path);
	assert_int_equal(bc_pe_authenticode_file(path, sha256, 1, &set, &err), BC_E_LIMIT);
	assert_string_equal(err.msg, want);
	unlink(path);
	free(path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_digests_are_those_of_the_core_ranges),
	    cmocka_unit_test(test_detect),
	    cmocka_unit_test(test_malformed_image_keeps_the_core_message),
	    cmocka_unit_test(test_limit_and_invalid_arguments),
	    cmocka_unit_test(test_file_matches_memory),
	    cmocka_unit_test(test_file_errors_name_the_file),
	    cmocka_unit_test(test_file_over_the_size_limit_is_refused),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
