/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The core's PE parser and Authenticode digest (freestanding/pe.c, hashed with freestanding/sha.c):
 * - on images built byte by byte (tests/unit/pe-images.h), the ranges are those the specification
 * names, and the digests in SHA-1, SHA-256 and SHA-384 equal OpenSSL's digest of those ranges
 *   concatenated by hand;
 * - CheckSum and the Certificate Table entry are not hashed, nor the certificate table;
 * - every malformation is refused with a message that names the image, the offset of the
 *   defect and what is wrong, and the files of tests/data/pe with the text of their README;
 * - no range ever leaves the image, whatever the truncation or corruption (run under
 *   ASan: every image lives in a buffer of exactly its size);
 * - on the real EFI binaries of this machine, the digests equal those of the userspace
 *   library (OpenSSL). tests/integration/measure/core-pe.sh compares them with pesign.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <bootchain/core.h>
#include <bootchain/digest.h>
#include <bootchain/pe.h>

#include "util/file.h"

#include "../pe-images.h"

/* ---- the expected ranges, from the specification ---- */

typedef struct ranges {
	size_t count;
	bc_core_range r[16];
} ranges;

static void add(ranges *rs, uint64_t from, uint64_t to)
{
	assert_true(rs->count < 16);
	if (from < to)
		rs->r[rs->count++] = (bc_core_range){from, to};
}

/* The headers without CheckSum and the Certificate Table entry. */
static void add_headers(ranges *rs, const image *img, const pe_spec *spec)
{
	add(rs, 0, CHECKSUM_AT);
	if (img->cert_entry_at) {
		add(rs, CHECKSUM_AT + 4, img->cert_entry_at);
		add(rs, img->cert_entry_at + 8, spec->headers);
	} else {
		add(rs, CHECKSUM_AT + 4, spec->headers);
	}
}

/* The standard case: sections given in file order; trailing data up to the table. */
static ranges expected_ranges(const image *img, const pe_spec *spec)
{
	ranges rs = {0};
	size_t hashed = spec->headers;
	add_headers(&rs, img, spec);
	for (size_t i = 0; i < spec->nsec; i++) {
		add(&rs, spec->sec[i].offset, spec->sec[i].offset + spec->sec[i].size);
		hashed += spec->sec[i].size;
	}
	add(&rs, hashed, img->cert_at);
	return rs;
}

static const uint16_t all_algs[] = {BC_CORE_ALG_SHA1, BC_CORE_ALG_SHA256, BC_CORE_ALG_SHA384};

static void assert_core_ranges(const image *img, const ranges *want)
{
	bc_core_pe got;
	bc_core_error err = {0};
	if (bc_core_pe_ranges(img->bytes, img->len, "test.efi", &got, &err) != BC_CORE_OK)
		fail_msg("bc_core_pe_ranges: %s", err.msg);
	assert_int_equal(got.count, want->count);
	for (size_t i = 0; i < want->count; i++) {
		if (got.ranges[i].from != want->r[i].from || got.ranges[i].to != want->r[i].to)
			fail_msg("range %zu: 0x%llx-0x%llx, expected 0x%llx-0x%llx", i,
				 (unsigned long long)got.ranges[i].from,
				 (unsigned long long)got.ranges[i].to,
				 (unsigned long long)want->r[i].from,
				 (unsigned long long)want->r[i].to);
	}
}

/* The core's digests equal OpenSSL's of the ranges, and the userspace library's. */
static void assert_core_digests(const image *img, const ranges *want)
{
	bc_core_digests core;
	bc_core_error err = {0};
	if (bc_core_pe_authenticode(img->bytes, img->len, "test.efi", all_algs, 3, &core, &err) !=
	    BC_CORE_OK)
		fail_msg("bc_core_pe_authenticode: %s", err.msg);
	bc_digest_set lib;
	bc_error lib_err = {0};
	if (bc_pe_authenticode(img->bytes, img->len, "test.efi", all_algs, 3, &lib, &lib_err) !=
	    BC_OK)
		fail_msg("bc_pe_authenticode: %s", lib_err.msg);
	assert_int_equal(core.count, 3);
	for (size_t i = 0; i < 3; i++) {
		bc_digest d = openssl_digest(img, want->r, want->count, all_algs[i]);
		assert_int_equal(core.d[i].alg, all_algs[i]); /* in the order asked */
		assert_int_equal(core.d[i].size, d.size);
		assert_memory_equal(core.d[i].bytes, d.bytes, d.size);
		assert_memory_equal(core.d[i].bytes, lib.digests[i].bytes, d.size);
	}
}

static void check_spec(const pe_spec *spec)
{
	image img = build(spec);
	ranges want = expected_ranges(&img, spec);
	assert_core_ranges(&img, &want);
	assert_core_digests(&img, &want);
	free(img.bytes);
}

/* The ranges given by hand: the headers, the sections' (n of them), then the trailing data
 * from trailing_from to the end of the image. */
static void check_listed_ranges(const pe_spec *spec, const bc_core_range *sections, size_t n,
				uint64_t trailing_from)
{
	image img = build(spec);
	ranges want = {0};
	add_headers(&want, &img, spec);
	for (size_t i = 0; i < n; i++)
		add(&want, sections[i].from, sections[i].to);
	add(&want, trailing_from, img.len);
	assert_core_ranges(&img, &want);
	assert_core_digests(&img, &want);
	free(img.bytes);
}

static bc_core_digests core_digests(const image *img)
{
	bc_core_digests d;
	assert_int_equal(bc_core_pe_authenticode(img->bytes, img->len, NULL, all_algs, 3, &d, NULL),
			 BC_CORE_OK);
	return d;
}

static void assert_same_digests(const bc_core_digests *a, const bc_core_digests *b, bool same)
{
	for (size_t i = 0; i < 3; i++) {
		if (same)
			assert_memory_equal(a->d[i].bytes, b->d[i].bytes, a->d[i].size);
		else
			assert_memory_not_equal(a->d[i].bytes, b->d[i].bytes, a->d[i].size);
	}
}

/* ---- ranges and digests ---- */

static void test_pe32_and_pe32plus_ranges_are_the_specified_ones(void **state)
{
	(void)state;
	pe_spec spec = default_spec(0x10b);
	check_spec(&spec);
	spec = default_spec(0x20b);
	check_spec(&spec);
}

static void test_certificate_table_is_excluded(void **state)
{
	(void)state;
	pe_spec spec = default_spec(0x20b);
	spec.trailing = 16; /* as sbsign leaves it: padded to 8 bytes before the table */
	spec.cert_size = 0x98;
	check_spec(&spec);

	/* signing changes nothing the digest covers: the same digests as unsigned */
	image signed_img = build(&spec);
	spec.cert_size = 0;
	image unsigned_img = build(&spec);
	bc_core_digests a = core_digests(&signed_img), b = core_digests(&unsigned_img);
	assert_same_digests(&a, &b, true);
	free(signed_img.bytes);
	free(unsigned_img.bytes);
}

/* What the parse tells beside the ranges (golden embed finds .bcchain with it). */
static void test_sections_and_certificate_table_are_described(void **state)
{
	(void)state;
	pe_spec spec = default_spec(0x20b);
	spec.sec[0] = (section_spec){".bcchain", 0xa00, 0x300}; /* last in the file */
	spec.trailing = 16;
	spec.cert_size = 0x98;
	image img = build(&spec);
	put32(img.bytes + SEC(0, 8), 0x123); /* a VirtualSize smaller than the raw data */
	bc_core_pe pe;
	bc_core_error err = {0};
	assert_int_equal(bc_core_pe_ranges(img.bytes, img.len, "x.efi", &pe, &err), BC_CORE_OK);
	assert_int_equal(pe.section_count, 3);
	/* by file offset, not table order */
	assert_string_equal(pe.sections[0].name, ".data");
	assert_string_equal(pe.sections[2].name, ".bcchain");
	assert_int_equal(pe.sections[2].offset, 0xa00);
	assert_int_equal(pe.sections[2].size, 0x300);
	assert_int_equal(pe.sections[2].virtual_size, 0x123);
	assert_int_equal(pe.sections[2].header_at, SEC(0, 0));
	assert_int_equal(pe.cert_entry_at, img.cert_entry_at);
	assert_int_equal(pe.cert_offset, img.cert_at);
	assert_int_equal(pe.cert_size, 0x98);
	/* a refused image describes nothing */
	put32(img.bytes + SEC(1, RAW_PTR), 0x100); /* .data inside the headers */
	assert_int_equal(bc_core_pe_ranges(img.bytes, img.len, "x.efi", &pe, &err),
			 BC_CORE_E_FORMAT);
	assert_int_equal(pe.section_count, 0);
	assert_int_equal(pe.cert_size, 0);
	free(img.bytes);
}

static void test_checksum_and_certificate_entry_are_not_hashed(void **state)
{
	(void)state;
	pe_spec spec = default_spec(0x10b);
	image img = build(&spec);
	bc_core_digests a = core_digests(&img), b;
	put32(img.bytes + CHECKSUM_AT, 0x12345678);
	put32(img.bytes + img.cert_entry_at, 0x4444); /* size 0: no table, address ignored */
	b = core_digests(&img);
	assert_same_digests(&a, &b, true);
	img.bytes[CHECKSUM_AT + 4] ^= 1; /* the byte after CheckSum is hashed */
	b = core_digests(&img);
	assert_same_digests(&a, &b, false);
	free(img.bytes);
}

static void test_sections_are_listed_in_file_order(void **state)
{
	(void)state;
	pe_spec spec = default_spec(0x20b);
	/* table order .reloc, .text, .data; file order .text, .data, .reloc */
	spec.sec[0] = (section_spec){".reloc", 0x800, 0x200};
	spec.sec[1] = (section_spec){".text", 0x200, 0x400};
	spec.sec[2] = (section_spec){".data", 0x600, 0x200};
	static const bc_core_range file_order[] = {{0x200, 0x600}, {0x600, 0x800}, {0x800, 0xa00}};
	check_listed_ranges(&spec, file_order, 3, 0xa00);
}

static void test_sections_without_raw_data_are_skipped(void **state)
{
	(void)state;
	pe_spec spec = default_spec(0x20b);
	spec.sec[3] = (section_spec){".bss", 0, 0}; /* PointerToRawData 0: ignored */
	spec.nsec = 4;
	spec.headers = 0x400; /* four section headers end past 0x200 */
	spec.sec[0] = (section_spec){".text", 0x400, 0x200};
	check_spec(&spec);
}

static void test_no_certificate_entry_hashes_the_headers_whole(void **state)
{
	(void)state;
	for (uint16_t magic = 0x10b; magic <= 0x20b; magic += 0x100) {
		pe_spec spec = default_spec(magic);
		/* no Certificate Table entry: EDK2 skips only CheckSum */
		spec.rva_count = 4;
		check_spec(&spec);
		spec.rva_count = 0;
		check_spec(&spec);
	}
}

static void test_trailing_data_is_hashed_without_padding(void **state)
{
	(void)state;
	for (size_t trailing = 0; trailing <= 9; trailing++) {
		pe_spec spec = default_spec(0x20b);
		spec.trailing = trailing;
		check_spec(&spec);
	}
}

/* A gap between sections: step 16 of the specification starts the trailing data at
 * SizeOfHeaders + the sizes of the sections, whatever their offsets, as firmware does. */
static void test_gap_between_sections_follows_the_specification(void **state)
{
	(void)state;
	pe_spec spec = default_spec(0x20b);
	spec.sec[2].offset = 0xa00; /* a gap of 0x200 before .reloc */
	static const bc_core_range sections[] = {{0x200, 0x600}, {0x600, 0x800}, {0xa00, 0xc00}};
	check_listed_ranges(&spec, sections, 3, 0x200 + 0x400 + 0x200 + 0x200);
}

/* A digest of the wrong bytes must not pass: a changed section byte changes it. */
static void test_a_changed_section_byte_changes_the_digest(void **state)
{
	(void)state;
	pe_spec spec = default_spec(0x20b);
	image img = build(&spec);
	bc_core_digests a = core_digests(&img);
	img.bytes[0x700] ^= 0xff;
	bc_core_digests b = core_digests(&img);
	assert_same_digests(&a, &b, false);
	free(img.bytes);
}

static void test_detect(void **state)
{
	(void)state;
	pe_spec spec = default_spec(0x10b);
	image img = build(&spec);
	assert_true(bc_core_pe_detect(img.bytes, img.len));
	assert_true(bc_core_pe_detect(img.bytes, PE_AT + 4));
	assert_false(bc_core_pe_detect(img.bytes, PE_AT + 3));
	assert_false(bc_core_pe_detect(img.bytes, 2));
	assert_false(bc_core_pe_detect(img.bytes, 0));
	assert_false(bc_core_pe_detect(NULL, 0));
	assert_false(bc_core_pe_detect("MZ", 2));
	put32(img.bytes + 0x3c, 0xfffffffe);
	assert_false(bc_core_pe_detect(img.bytes, img.len));
	put32(img.bytes + 0x3c, PE_AT);
	img.bytes[PE_AT + 2] = 1;
	assert_false(bc_core_pe_detect(img.bytes, img.len));
	free(img.bytes);
}

/* ---- rejection ---- */

static void expect_rejected(const uint8_t *bytes, size_t len, const char *want)
{
	bc_core_pe pe;
	bc_core_error err = {0};
	uint8_t *copy = malloc(len ? len : 1);
	assert_non_null(copy);
	memcpy(copy, bytes, len);
	bc_core_status s = bc_core_pe_ranges(copy, len, "test.efi", &pe, &err);
	bc_core_digests d;
	bc_core_error err2 = {0};
	bc_core_status s2 = bc_core_pe_authenticode(copy, len, "test.efi", all_algs, 3, &d, &err2);
	free(copy);
	if (s != BC_CORE_E_FORMAT)
		fail_msg("expected a rejection with '%s', got status %d: %s", want, s, err.msg);
	if (!strstr(err.msg, want))
		fail_msg("message '%s' lacks '%s'", err.msg, want);
	assert_int_equal(err.status, BC_CORE_E_FORMAT);
	assert_int_equal(s2, BC_CORE_E_FORMAT);
	assert_string_equal(err2.msg, err.msg);
	assert_int_equal(d.count, 0);
}

typedef struct mutation {
	size_t at; /* where to write */
	int width; /* 2 or 4 bytes; 0: truncate the file to len */
	uint32_t value;
	const char *want;
} mutation;

static const mutation mutations[] = {
    {0, 0, 0, "test.efi: offset 0x0: truncated DOS header: 0 bytes, need 64"},
    {0, 0, 40, "test.efi: offset 0x0: truncated DOS header: 40 bytes, need 64"},
    {0, 2, 0x5a4e, "test.efi: offset 0x0: not a PE image: no MZ signature"},
    {0x3c, 4, 0xa0e, "test.efi: offset 0x3c: e_lfanew 0xa0e points past the end of the file"},
    {0x3c, 4, 0xffffffff, "test.efi: offset 0x3c: e_lfanew 0xffffffff points past the end"},
    {PE_AT, 2, 0x4550 + 1, "test.efi: offset 0x80: no PE signature"},
    {0, 0, PE_AT + 10, "test.efi: offset 0x84: truncated COFF file header: 20 bytes, 6 left"},
    {PE_AT + 6, 2, 97, "test.efi: offset 0x86: NumberOfSections 97 exceeds the 96 sections"},
    {0, 0, 0x100, "test.efi: offset 0x98: truncated optional header: SizeOfOptionalHeader is 240"},
    {PE_AT + 20, 2, 1, "test.efi: offset 0x98: SizeOfOptionalHeader 1 leaves no room for Magic"},
    {OPT_AT, 2, 0x10c, "test.efi: offset 0x98: optional header magic 0x010c is neither"},
    {PE_AT + 20, 2, 100,
     "test.efi: offset 0x98: SizeOfOptionalHeader 100 is smaller than the 112 bytes of a PE32+"},
    {OPT_AT + 108, 4, 0xffffffff,
     "test.efi: offset 0x104: NumberOfRvaAndSizes 4294967295 does not fit"},
    {OPT_AT + 108, 4, 17, "test.efi: offset 0x104: NumberOfRvaAndSizes 17 does not fit"},
    {PE_AT + 6, 2, 96, "test.efi: offset 0x188: section table (96 entries, 3840 bytes) runs past"},
    {SOH_AT, 4, 0x100000, "test.efi: offset 0xd4: SizeOfHeaders 0x100000 exceeds the file size"},
    {SOH_AT, 4, 0x1ff, "test.efi: offset 0xd4: SizeOfHeaders 0x1ff is smaller than the headers"},
    {SEC(1, RAW_SIZE), 4, 0x10000,
     "test.efi: offset 0x1b0: section 1 (.data): raw data at 0x600, 0x10000 bytes, ends at "
     "0x10600, past the end of the file (0xa0d bytes)"},
    {SEC(2, RAW_PTR), 4, 0xffffff00,
     "test.efi: offset 0x1d8: section 2 (.reloc): raw data at 0xffffff00, 0x200 bytes, ends at "
     "0x100000100, past the end"},
    {SEC(0, RAW_PTR), 4, 0x1f0,
     "test.efi: offset 0x188: section 0 (.text): raw data at 0x1f0 starts inside the headers "
     "(SizeOfHeaders 0x200)"},
    {SEC(1, RAW_PTR), 4, 0x500,
     "test.efi: offset 0x1b0: section 1 (.data) at 0x500-0x700 overlaps section 0 (.text) at "
     "0x200-0x600"},
    {SEC(2, RAW_PTR), 4, 0x300,
     "test.efi: offset 0x1d8: section 2 (.reloc) at 0x300-0x500 overlaps section 0 (.text) at "
     "0x200-0x600"},
};

static void apply(uint8_t *bytes, size_t *len, const mutation *m)
{
	if (m->width == 0)
		*len = m->value;
	else if (m->width == 2)
		put16(bytes + m->at, (uint16_t)m->value);
	else
		put32(bytes + m->at, m->value);
}

static void test_malformed_headers_are_rejected_with_offset(void **state)
{
	(void)state;
	pe_spec spec = default_spec(0x20b);
	image img = build(&spec);
	assert_int_equal(img.len, 0xa0d);
	for (size_t i = 0; i < sizeof(mutations) / sizeof(mutations[0]); i++) {
		uint8_t *bytes = malloc(img.len);
		size_t len = img.len;
		assert_non_null(bytes);
		memcpy(bytes, img.bytes, img.len);
		apply(bytes, &len, &mutations[i]);
		expect_rejected(bytes, len, mutations[i].want);
		free(bytes);
	}
	free(img.bytes);
}

/* The certificate table entry (at 0x128) of the default PE32+ image. */
static void expect_cert_rejected(uint32_t offset, uint32_t size, const char *want)
{
	pe_spec spec = default_spec(0x20b);
	image img = build(&spec);
	put32(img.bytes + 0x128, offset);
	put32(img.bytes + 0x12c, size);
	expect_rejected(img.bytes, img.len, want);
	free(img.bytes);
}

static void test_bad_certificate_tables_are_rejected(void **state)
{
	(void)state;
	expect_cert_rejected(0xa00, 0x100,
			     "test.efi: offset 0x128: certificate table at 0xa00, 0x100 bytes, "
			     "ends at 0xb00, past the end of the file (0xa0d bytes)");
	expect_cert_rejected(0xfffffff8, 0x10, "ends at 0x100000008, past the end of the file");
	expect_cert_rejected(0, 0x10,
			     "test.efi: offset 0x128: certificate table at 0x0 starts "
			     "inside the headers (SizeOfHeaders 0x200)");
	expect_cert_rejected(0x700, 0xa0d - 0x700,
			     "test.efi: offset 0x128: certificate table at 0x700-0xa0d overlaps "
			     "section 1 (.data) at 0x600-0x800");
	expect_cert_rejected(0xa00, 8,
			     "test.efi: offset 0x128: certificate table at 0xa00-0xa08 is followed "
			     "by 0x5 bytes: it must end the file");
}

static void test_bad_arguments(void **state)
{
	(void)state;
	pe_spec spec = default_spec(0x20b);
	image img = build(&spec);
	bc_core_pe pe;
	bc_core_digests d;
	bc_core_error err = {0};
	assert_int_equal(bc_core_pe_ranges(NULL, 10, NULL, &pe, &err), BC_CORE_E_INVALID);
	assert_string_equal(err.msg, "(memory): no image data");
	assert_int_equal(bc_core_pe_ranges(img.bytes, img.len, NULL, NULL, &err),
			 BC_CORE_E_INVALID);
	/* the size is checked before any byte is read */
	assert_int_equal(
	    bc_core_pe_ranges(img.bytes, BC_CORE_PE_MAX_SIZE + 1, "big.efi", &pe, &err),
	    BC_CORE_E_LIMIT);
	assert_string_equal(
	    err.msg, "big.efi: 4294967297 bytes exceed the limit of 4294967296 for a PE image");
	assert_int_equal(bc_core_pe_authenticode(img.bytes, img.len, NULL, all_algs, 0, &d, &err),
			 BC_CORE_E_INVALID);
	static const uint16_t four[] = {4, 11, 12, 4};
	assert_int_equal(bc_core_pe_authenticode(img.bytes, img.len, NULL, four, 4, &d, &err),
			 BC_CORE_E_INVALID);
	static const uint16_t sha512[] = {0x000d};
	assert_int_equal(bc_core_pe_authenticode(img.bytes, img.len, NULL, sha512, 1, &d, &err),
			 BC_CORE_E_UNSUPPORTED);
	assert_int_equal(d.count, 0);
	/* err may be NULL */
	assert_int_equal(bc_core_pe_ranges(img.bytes, 10, NULL, &pe, NULL), BC_CORE_E_FORMAT);
	free(img.bytes);
}

/* ---- robustness: never a range outside the image ---- */

static void check_survives(const uint8_t *bytes, size_t len)
{
	bc_core_pe pe;
	bc_core_error err = {0};
	uint8_t *copy = malloc(len ? len : 1);
	assert_non_null(copy);
	memcpy(copy, bytes, len);
	bc_core_status s = bc_core_pe_ranges(copy, len, "test.efi", &pe, &err);
	if (s == BC_CORE_OK) {
		assert_true(pe.count <= BC_CORE_PE_MAX_SECTIONS + 4);
		for (size_t i = 0; i < pe.count; i++)
			assert_true(pe.ranges[i].from < pe.ranges[i].to && pe.ranges[i].to <= len);
		bc_core_digests d;
		assert_int_equal(
		    bc_core_pe_authenticode(copy, len, "test.efi", all_algs, 2, &d, &err),
		    BC_CORE_OK);
	} else {
		assert_int_equal(s, BC_CORE_E_FORMAT);
		if (strncmp(err.msg, "test.efi: offset 0x", 19) != 0)
			fail_msg("message '%s' does not name the image and an offset", err.msg);
	}
	free(copy);
}

static void test_every_truncation_is_handled(void **state)
{
	(void)state;
	pe_spec specs[] = {default_spec(0x10b), default_spec(0x20b)};
	specs[1].cert_size = 0x20;
	for (size_t k = 0; k < 2; k++) {
		image img = build(&specs[k]);
		for (size_t len = 0; len <= img.len; len++)
			check_survives(img.bytes, len);
		free(img.bytes);
	}
}

/* xorshift: the same corruptions on every run */
static uint32_t next_random(uint32_t *x)
{
	*x ^= *x << 13;
	*x ^= *x >> 17;
	*x ^= *x << 5;
	return *x;
}

static void test_corrupted_headers_are_handled(void **state)
{
	(void)state;
	static const uint8_t values[] = {0x00, 0xff, 0x80, 0x7f, 0x01};
	pe_spec spec = default_spec(0x20b);
	spec.cert_size = 0x20;
	image img = build(&spec);
	uint8_t *bytes = malloc(img.len);
	assert_non_null(bytes);
	/* every header byte set to each of a few values */
	for (size_t at = 0; at < spec.headers; at++) {
		for (size_t v = 0; v < sizeof(values); v++) {
			memcpy(bytes, img.bytes, img.len);
			bytes[at] = values[v];
			check_survives(bytes, img.len);
		}
	}
	/* and a few random bytes at once, in the fields that matter most */
	uint32_t seed = 0x2545f491;
	for (int round = 0; round < 20000; round++) {
		memcpy(bytes, img.bytes, img.len);
		int n = 1 + (int)(next_random(&seed) % 4);
		for (int i = 0; i < n; i++)
			bytes[next_random(&seed) % spec.headers] = (uint8_t)next_random(&seed);
		check_survives(bytes, img.len);
	}
	free(bytes);
	free(img.bytes);
}

/* ---- files ---- */

static bool read_whole(const char *path, uint8_t **data, size_t *size)
{
	bc_error err = {0};
	return bc_read_file(path, (size_t)BC_PE_MAX_SIZE, data, size, &err) == BC_OK;
}

/* Every file of tests/data/pe is refused by the core with the text its README gives:
 * | `file` | what is wrong | `expected text` | */
static void test_sample_files_are_rejected_as_documented(void **state)
{
	(void)state;
	const char *dir = getenv("TESTS_DATA");
	if (!dir)
		skip();
	char path[4096], line[1024];
	snprintf(path, sizeof(path), "%s/pe/README.md", dir);
	FILE *f = fopen(path, "r");
	assert_non_null(f);
	int rows = 0;
	while (fgets(line, sizeof(line), f)) {
		if (strncmp(line, "| `", 3) != 0)
			continue;
		char *name = line + 3, *name_end = strchr(name, '`');
		char *want_end = strrchr(line, '`');
		assert_non_null(name_end);
		*name_end = 0;
		*want_end = 0;
		char *want = strrchr(name_end + 1, '`');
		assert_non_null(want);
		want++;
		snprintf(path, sizeof(path), "%s/pe/%s", dir, name);
		uint8_t *data = NULL;
		size_t size = 0;
		assert_true(read_whole(path, &data, &size));
		bc_core_pe pe;
		bc_core_error err = {0};
		bc_core_status s = bc_core_pe_ranges(data, size, path, &pe, &err);
		free(data);
		if (s != BC_CORE_E_FORMAT || strncmp(err.msg, path, strlen(path)) != 0 ||
		    !strstr(err.msg, want))
			fail_msg("%s: status %d, message '%s', expected '%s'", name, s, err.msg,
				 want);
		rows++;
	}
	fclose(f);
	assert_true(rows >= 15);
}

/* The real EFI binaries of this machine: the core's digests equal OpenSSL's. */
static void test_real_binaries_match_the_library(void **state)
{
	(void)state;
	static const char *const files[] = {
	    "/usr/lib/systemd/boot/efi/systemd-bootx64.efi",
	    "/usr/lib/systemd/boot/efi/linuxx64.efi.stub",
	    "/var/cache/bootchain/vmlinuz",
	    "/usr/lib/shim/shimx64.efi",
	    "/usr/lib/shim/mmx64.efi",
	    "/usr/lib/grub/x86_64-efi/monolithic/grubx64.efi",
	};
	int compared = 0;
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		uint8_t *data = NULL;
		size_t size = 0;
		if (!read_whole(files[i], &data, &size)) {
			print_message("SKIP: %s: absent (scripts/deps installs or fetches it)\n",
				      files[i]);
			continue;
		}
		bc_core_digests core;
		bc_core_error err = {0};
		if (bc_core_pe_authenticode(data, size, files[i], all_algs, 3, &core, &err) !=
		    BC_CORE_OK)
			fail_msg("core: %s", err.msg);
		bc_digest_set lib;
		bc_error lib_err = {0};
		if (bc_pe_authenticode_file(files[i], all_algs, 3, &lib, &lib_err) != BC_OK)
			fail_msg("library: %s", lib_err.msg);
		for (size_t k = 0; k < 3; k++) {
			assert_int_equal(core.d[k].size, lib.digests[k].size);
			if (memcmp(core.d[k].bytes, lib.digests[k].bytes, core.d[k].size) != 0)
				fail_msg("%s: the core's %s digest differs from OpenSSL's",
					 files[i], bc_core_hash_name(all_algs[k]));
		}
		free(data);
		compared++;
	}
	assert_true(compared >= 2); /* systemd-boot-efi is a build dependency of the tests */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_pe32_and_pe32plus_ranges_are_the_specified_ones),
	    cmocka_unit_test(test_certificate_table_is_excluded),
	    cmocka_unit_test(test_sections_and_certificate_table_are_described),
	    cmocka_unit_test(test_checksum_and_certificate_entry_are_not_hashed),
	    cmocka_unit_test(test_sections_are_listed_in_file_order),
	    cmocka_unit_test(test_sections_without_raw_data_are_skipped),
	    cmocka_unit_test(test_no_certificate_entry_hashes_the_headers_whole),
	    cmocka_unit_test(test_trailing_data_is_hashed_without_padding),
	    cmocka_unit_test(test_gap_between_sections_follows_the_specification),
	    cmocka_unit_test(test_a_changed_section_byte_changes_the_digest),
	    cmocka_unit_test(test_detect),
	    cmocka_unit_test(test_malformed_headers_are_rejected_with_offset),
	    cmocka_unit_test(test_bad_certificate_tables_are_rejected),
	    cmocka_unit_test(test_bad_arguments),
	    cmocka_unit_test(test_every_truncation_is_handled),
	    cmocka_unit_test(test_corrupted_headers_are_handled),
	    cmocka_unit_test(test_sample_files_are_rejected_as_documented),
	    cmocka_unit_test(test_real_binaries_match_the_library),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
