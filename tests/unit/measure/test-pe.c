/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The Authenticode digest of PE32 and PE32+ images built byte by byte here, checked
 * against the digest of the ranges the specification names, concatenated by hand; the
 * rejection of every malformation with the offset of its defect; and no crash on any
 * truncation or corruption of the headers (run under ASan: every image lives in a
 * buffer of exactly its size).
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

#include <bootchain/digest.h>
#include <bootchain/pe.h>

/* ---- a tiny PE builder ---- */

#define PE_AT	     0x80 /* e_lfanew */
#define OPT_AT	     (PE_AT + 4 + 20)
#define CHECKSUM_AT  (OPT_AT + 64)
#define SOH_AT	     (OPT_AT + 60)
#define MAX_SECTIONS 4

typedef struct section_spec {
	const char *name;
	uint32_t offset, size;
} section_spec;

typedef struct pe_spec {
	uint16_t magic;	    /* 0x10b or 0x20b */
	uint32_t rva_count; /* NumberOfRvaAndSizes */
	uint32_t headers;   /* SizeOfHeaders */
	size_t nsec;	    /* in section table order */
	section_spec sec[MAX_SECTIONS];
	size_t trailing;    /* bytes after the last section (before the certificate table) */
	uint32_t cert_size; /* a certificate table at the end of the file; 0 for none */
} pe_spec;

typedef struct image {
	uint8_t *bytes; /* exactly len bytes, for ASan */
	size_t len;
	size_t table_at;      /* the section table */
	size_t cert_entry_at; /* the Certificate Table data directory entry, 0 if none */
	size_t cert_at;
} image;

/* .text, .data and .reloc in file order, 13 bytes of trailing data (not a multiple of 8) */
static pe_spec default_spec(uint16_t magic)
{
	return (pe_spec){
	    .magic = magic,
	    .rva_count = 16,
	    .headers = 0x200,
	    .nsec = 3,
	    .sec = {{".text", 0x200, 0x400}, {".data", 0x600, 0x200}, {".reloc", 0x800, 0x200}},
	    .trailing = 13,
	};
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static void put32(uint8_t *p, uint32_t v)
{
	put16(p, (uint16_t)v);
	put16(p + 2, (uint16_t)(v >> 16));
}

static uint32_t dirs_at(uint16_t magic)
{
	return magic == 0x10b ? 96 : 112;
}

static image build(const pe_spec *spec)
{
	image img = {0};
	size_t end = spec->headers;
	for (size_t i = 0; i < spec->nsec; i++)
		if (spec->sec[i].offset + spec->sec[i].size > end)
			end = spec->sec[i].offset + spec->sec[i].size;
	img.cert_at = end + spec->trailing;
	img.len = img.cert_at + spec->cert_size;
	img.bytes = malloc(img.len);
	assert_non_null(img.bytes);
	/* every byte distinct enough that hashing a wrong range changes the digest */
	for (size_t i = 0; i < img.len; i++)
		img.bytes[i] = (uint8_t)(i * 31 + (i >> 8) + 7);
	uint8_t *p = img.bytes;
	uint16_t opt_size = (uint16_t)(dirs_at(spec->magic) + 8 * spec->rva_count);
	memcpy(p, "MZ", 2);
	put32(p + 0x3c, PE_AT);
	memcpy(p + PE_AT, "PE\0\0", 4);
	put16(p + PE_AT + 4, 0x8664);
	put16(p + PE_AT + 6, (uint16_t)spec->nsec);
	put16(p + PE_AT + 20, opt_size);
	put16(p + OPT_AT, spec->magic);
	put32(p + SOH_AT, spec->headers);
	put32(p + CHECKSUM_AT, 0xdeadbeef);
	put32(p + OPT_AT + (spec->magic == 0x10b ? 92 : 108), spec->rva_count);
	if (spec->rva_count > 4) {
		img.cert_entry_at = OPT_AT + dirs_at(spec->magic) + 4 * 8;
		put32(p + img.cert_entry_at, spec->cert_size ? (uint32_t)img.cert_at : 0);
		put32(p + img.cert_entry_at + 4, spec->cert_size);
	}
	img.table_at = OPT_AT + opt_size;
	for (size_t i = 0; i < spec->nsec; i++) {
		uint8_t *h = p + img.table_at + 40 * i;
		memset(h, 0, 40);
		strncpy((char *)h, spec->sec[i].name, 8);
		put32(h + 8, spec->sec[i].size);	   /* VirtualSize */
		put32(h + 12, 0x1000 * (uint32_t)(i + 1)); /* VirtualAddress */
		put32(h + 16, spec->sec[i].size);	   /* SizeOfRawData */
		put32(h + 20, spec->sec[i].offset);	   /* PointerToRawData */
		put32(h + 36, 0x60000020);		   /* Characteristics */
	}
	return img;
}

/* ---- the expected digest, from the ranges concatenated by hand ---- */

typedef struct concat {
	uint8_t *bytes;
	size_t len;
} concat;

static void add(concat *c, const image *img, size_t from, size_t to)
{
	assert_true(from <= to && to <= img->len);
	c->bytes = realloc(c->bytes, c->len + (to - from) + 1);
	assert_non_null(c->bytes);
	memcpy(c->bytes + c->len, img->bytes + from, to - from);
	c->len += to - from;
}

/* The headers without CheckSum and the Certificate Table entry. */
static void add_headers(concat *c, const image *img, const pe_spec *spec)
{
	add(c, img, 0, CHECKSUM_AT);
	if (img->cert_entry_at) {
		add(c, img, CHECKSUM_AT + 4, img->cert_entry_at);
		add(c, img, img->cert_entry_at + 8, spec->headers);
	} else {
		add(c, img, CHECKSUM_AT + 4, spec->headers);
	}
}

static bc_digest digest_of(const concat *c, uint16_t alg)
{
	bc_digest d;
	assert_int_equal(bc_digest_compute(alg, c->bytes, c->len, &d, NULL), BC_OK);
	return d;
}

/* The standard case: sections given in file order; trailing data up to the table. */
static concat expected_ranges(const image *img, const pe_spec *spec)
{
	concat c = {0};
	size_t hashed = spec->headers;
	add_headers(&c, img, spec);
	for (size_t i = 0; i < spec->nsec; i++) {
		add(&c, img, spec->sec[i].offset, spec->sec[i].offset + spec->sec[i].size);
		hashed += spec->sec[i].size;
	}
	add(&c, img, hashed, img->cert_at);
	return c;
}

static bc_digest_set authenticode_ok(const image *img, const uint16_t *algs, size_t count)
{
	bc_digest_set set;
	bc_error err = {0};
	if (bc_pe_authenticode(img->bytes, img->len, "test.efi", algs, count, &set, &err) != BC_OK)
		fail_msg("authenticode failed: %s", err.msg);
	assert_int_equal(set.count, count);
	return set;
}

static void assert_digest(const bc_digest_set *set, const concat *c, uint16_t alg)
{
	bc_digest want = digest_of(c, alg);
	const bc_digest *got = bc_digest_set_find(set, alg);
	assert_non_null(got);
	assert_int_equal(got->size, want.size);
	assert_memory_equal(got->bytes, want.bytes, want.size);
}

static const uint16_t sha256[] = {BC_ALG_SHA256};

static void check_matches_ranges(const pe_spec *spec)
{
	static const uint16_t algs[] = {BC_ALG_SHA1, BC_ALG_SHA256, BC_ALG_SHA384, BC_ALG_SHA512};
	image img = build(spec);
	concat c = expected_ranges(&img, spec);
	bc_digest_set set = authenticode_ok(&img, algs, 4);
	for (size_t i = 0; i < 4; i++) {
		assert_int_equal(set.digests[i].alg, algs[i]); /* in the order asked */
		assert_digest(&set, &c, algs[i]);
	}
	free(c.bytes);
	free(img.bytes);
}

/* ---- digests ---- */

static void test_pe32_digest_is_that_of_the_specified_ranges(void **state)
{
	(void)state;
	pe_spec spec = default_spec(0x10b);
	check_matches_ranges(&spec);
}

static void test_pe32plus_digest_is_that_of_the_specified_ranges(void **state)
{
	(void)state;
	pe_spec spec = default_spec(0x20b);
	check_matches_ranges(&spec);
}

static void test_certificate_table_is_excluded(void **state)
{
	(void)state;
	pe_spec spec = default_spec(0x20b);
	spec.trailing = 16; /* as sbsign leaves it: padded to 8 bytes before the table */
	spec.cert_size = 0x98;
	check_matches_ranges(&spec);

	/* signing changes nothing the digest covers: the same digest as unsigned */
	image signed_img = build(&spec);
	spec.cert_size = 0;
	image unsigned_img = build(&spec);
	bc_digest_set a = authenticode_ok(&signed_img, sha256, 1);
	bc_digest_set b = authenticode_ok(&unsigned_img, sha256, 1);
	assert_memory_equal(a.digests[0].bytes, b.digests[0].bytes, 32);
	free(signed_img.bytes);
	free(unsigned_img.bytes);
}

static void test_checksum_and_certificate_entry_are_not_hashed(void **state)
{
	(void)state;
	pe_spec spec = default_spec(0x10b);
	image img = build(&spec);
	bc_digest_set a = authenticode_ok(&img, sha256, 1);
	put32(img.bytes + CHECKSUM_AT, 0x12345678);
	put32(img.bytes + img.cert_entry_at, 0x4444); /* size 0: no table, address ignored */
	bc_digest_set b = authenticode_ok(&img, sha256, 1);
	assert_memory_equal(a.digests[0].bytes, b.digests[0].bytes, 32);
	img.bytes[CHECKSUM_AT + 4] ^= 1; /* the byte after CheckSum is hashed */
	b = authenticode_ok(&img, sha256, 1);
	assert_memory_not_equal(a.digests[0].bytes, b.digests[0].bytes, 32);
	free(img.bytes);
}

static void test_sections_are_hashed_in_file_order(void **state)
{
	(void)state;
	pe_spec spec = default_spec(0x20b);
	/* table order .reloc, .text, .data; file order .text, .data, .reloc */
	spec.sec[0] = (section_spec){".reloc", 0x800, 0x200};
	spec.sec[1] = (section_spec){".text", 0x200, 0x400};
	spec.sec[2] = (section_spec){".data", 0x600, 0x200};
	image img = build(&spec);
	concat file_order = {0}, table_order = {0};
	add_headers(&file_order, &img, &spec);
	add(&file_order, &img, 0x200, 0x600);
	add(&file_order, &img, 0x600, 0x800);
	add(&file_order, &img, 0x800, 0xa00);
	add(&file_order, &img, 0xa00, img.len);
	add_headers(&table_order, &img, &spec);
	add(&table_order, &img, 0x800, 0xa00);
	add(&table_order, &img, 0x200, 0x800);
	add(&table_order, &img, 0xa00, img.len);
	bc_digest_set set = authenticode_ok(&img, sha256, 1);
	assert_digest(&set, &file_order, BC_ALG_SHA256);
	bc_digest wrong = digest_of(&table_order, BC_ALG_SHA256);
	assert_memory_not_equal(set.digests[0].bytes, wrong.bytes, 32);
	free(file_order.bytes);
	free(table_order.bytes);
	free(img.bytes);
}

static void test_sections_without_raw_data_are_skipped(void **state)
{
	(void)state;
	pe_spec spec = default_spec(0x20b);
	spec.sec[3] = (section_spec){".bss", 0, 0}; /* PointerToRawData 0: ignored */
	spec.nsec = 4;
	spec.headers = 0x400; /* four section headers end past 0x200 */
	spec.sec[0] = (section_spec){".text", 0x400, 0x200};
	check_matches_ranges(&spec);
}

static void test_no_certificate_entry_hashes_the_headers_whole(void **state)
{
	(void)state;
	/* NumberOfRvaAndSizes 4: no Certificate Table entry; EDK2 skips only CheckSum */
	for (uint16_t magic = 0x10b; magic <= 0x20b; magic += 0x100) {
		pe_spec spec = default_spec(magic);
		spec.rva_count = 4;
		check_matches_ranges(&spec);
		spec.rva_count = 0;
		check_matches_ranges(&spec);
	}
}

static void test_trailing_data_is_hashed_without_padding(void **state)
{
	(void)state;
	for (size_t trailing = 0; trailing <= 9; trailing++) {
		pe_spec spec = default_spec(0x20b);
		spec.trailing = trailing;
		check_matches_ranges(&spec);
	}
}

/* A gap between sections: step 16 of the specification starts the trailing data at
 * SizeOfHeaders + the sizes of the sections, whatever their offsets, as firmware does. */
static void test_gap_between_sections_follows_the_specification(void **state)
{
	(void)state;
	pe_spec spec = default_spec(0x20b);
	spec.sec[2].offset = 0xa00; /* a gap of 0x200 before .reloc */
	image img = build(&spec);
	concat c = {0};
	add_headers(&c, &img, &spec);
	add(&c, &img, 0x200, 0x800);
	add(&c, &img, 0xa00, 0xc00);
	add(&c, &img, 0x200 + 0x400 + 0x200 + 0x200, img.len);
	bc_digest_set set = authenticode_ok(&img, sha256, 1);
	assert_digest(&set, &c, BC_ALG_SHA256);
	free(c.bytes);
	free(img.bytes);
}

static void test_detect(void **state)
{
	(void)state;
	pe_spec spec = default_spec(0x10b);
	image img = build(&spec);
	assert_true(bc_pe_detect(img.bytes, img.len));
	assert_true(bc_pe_detect(img.bytes, PE_AT + 4));
	assert_false(bc_pe_detect(img.bytes, PE_AT + 3));
	assert_false(bc_pe_detect(img.bytes, 2));
	assert_false(bc_pe_detect(img.bytes, 0));
	assert_false(bc_pe_detect("MZ", 2));
	put32(img.bytes + 0x3c, 0xfffffffe);
	assert_false(bc_pe_detect(img.bytes, img.len));
	put32(img.bytes + 0x3c, PE_AT);
	img.bytes[PE_AT + 2] = 1;
	assert_false(bc_pe_detect(img.bytes, img.len));
	free(img.bytes);
}

/* ---- rejection ---- */

static void expect_rejected(const uint8_t *bytes, size_t len, const char *want)
{
	bc_digest_set set;
	bc_error err = {0};
	uint8_t *copy = malloc(len ? len : 1);
	assert_non_null(copy);
	memcpy(copy, bytes, len);
	bc_status s = bc_pe_authenticode(copy, len, "test.efi", sha256, 1, &set, &err);
	free(copy);
	if (s != BC_E_FORMAT)
		fail_msg("expected a rejection with '%s', got status %d: %s", want, s, err.msg);
	if (!strstr(err.msg, want))
		fail_msg("message '%s' lacks '%s'", err.msg, want);
	assert_int_equal(set.count, 0);
}

typedef struct mutation {
	size_t at; /* where to write */
	int width; /* 2 or 4 bytes; 0: truncate the file to len */
	uint32_t value;
	const char *want;
} mutation;

/* Offsets in the default PE32+ image: table at 0x188, certificate entry at 0x128. */
#define SEC(i, field) (0x188 + 40 * (i) + (field))
#define RAW_SIZE      16
#define RAW_PTR	      20
static const mutation mutations[] = {
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

/* ---- robustness: never crash, never read outside the image ---- */

static void check_survives(const uint8_t *bytes, size_t len)
{
	static const uint16_t algs[] = {BC_ALG_SHA256, BC_ALG_SHA1};
	bc_digest_set set;
	bc_error err = {0};
	uint8_t *copy = malloc(len ? len : 1);
	assert_non_null(copy);
	memcpy(copy, bytes, len);
	bc_status s = bc_pe_authenticode(copy, len, "test.efi", algs, 2, &set, &err);
	free(copy);
	if (s == BC_OK) {
		assert_int_equal(set.count, 2);
		return;
	}
	assert_int_equal(s, BC_E_FORMAT);
	if (strncmp(err.msg, "test.efi: offset 0x", 19) != 0)
		fail_msg("message '%s' does not name the image and an offset", err.msg);
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

/* Every file of tests/data/pe is rejected with the text its README table gives:
 * | `file` | what is wrong | `expected text` | */
static void test_sample_files_are_rejected_as_documented(void **state)
{
	(void)state;
	const char *data = getenv("TESTS_DATA");
	if (!data)
		skip();
	char path[4096], line[1024];
	snprintf(path, sizeof(path), "%s/pe/README.md", data);
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
		snprintf(path, sizeof(path), "%s/pe/%s", data, name);
		bc_digest_set set;
		bc_error err = {0};
		bc_status s = bc_pe_authenticode_file(path, sha256, 1, &set, &err);
		if (s != BC_E_FORMAT || strncmp(err.msg, path, strlen(path)) != 0 ||
		    !strstr(err.msg, want))
			fail_msg("%s: status %d, message '%s', expected '%s'", name, s, err.msg,
				 want);
		rows++;
	}
	fclose(f);
	assert_true(rows >= 15);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_pe32_digest_is_that_of_the_specified_ranges),
	    cmocka_unit_test(test_pe32plus_digest_is_that_of_the_specified_ranges),
	    cmocka_unit_test(test_certificate_table_is_excluded),
	    cmocka_unit_test(test_checksum_and_certificate_entry_are_not_hashed),
	    cmocka_unit_test(test_sections_are_hashed_in_file_order),
	    cmocka_unit_test(test_sections_without_raw_data_are_skipped),
	    cmocka_unit_test(test_no_certificate_entry_hashes_the_headers_whole),
	    cmocka_unit_test(test_trailing_data_is_hashed_without_padding),
	    cmocka_unit_test(test_gap_between_sections_follows_the_specification),
	    cmocka_unit_test(test_detect),
	    cmocka_unit_test(test_malformed_headers_are_rejected_with_offset),
	    cmocka_unit_test(test_bad_certificate_tables_are_rejected),
	    cmocka_unit_test(test_every_truncation_is_handled),
	    cmocka_unit_test(test_corrupted_headers_are_handled),
	    cmocka_unit_test(test_file_matches_memory),
	    cmocka_unit_test(test_file_errors_name_the_file),
	    cmocka_unit_test(test_sample_files_are_rejected_as_documented),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
