/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The stage's decisions (freestanding/stage.c) on a test platform: files in memory, extends and
 * starts recorded in order. The chains are encoded here by hand from bootchain-bcchain(5),
 * not by `golden embed`, and the digests the platform extends are OpenSSL's.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <openssl/evp.h>

#include <bootchain/core.h>
#include <bootchain/pe.h>

/* ---- a chain encoder, from the format's description ---- */

typedef struct enc {
	uint8_t data[8192];
	size_t len;
} enc;

static void put(enc *e, const void *p, size_t n)
{
	assert_true(e->len + n <= sizeof(e->data));
	memcpy(e->data + e->len, p, n);
	e->len += n;
}

static void put16(enc *e, uint32_t v)
{
	uint8_t b[2] = {(uint8_t)v, (uint8_t)(v >> 8)};
	put(e, b, 2);
}

static void put32(enc *e, uint32_t v)
{
	uint8_t b[4] = {(uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24)};
	put(e, b, 4);
}

static void header(enc *e, uint32_t flags, uint32_t layers)
{
	put(e, "BCCHAIN1", 8);
	put32(e, 0); /* size, set by finish */
	put32(e, flags);
	put32(e, 5);
	put32(e, BC_CORE_HALT_POWEROFF);
	put32(e, layers);
}

static void layer(enc *e, const char *name, const char *file, uint32_t pcr, uint8_t kind,
		  uint16_t versions)
{
	put16(e, (uint32_t)strlen(name));
	put(e, name, strlen(name));
	put16(e, (uint32_t)strlen(file));
	put(e, file, strlen(file));
	put32(e, pcr);
	put32(e, 0);
	uint8_t k[2] = {kind, 0};
	put(e, k, 2);
	put16(e, versions);
}

static void version(enc *e, uint16_t alg, const uint8_t *digest, size_t size)
{
	put16(e, 1);
	put16(e, alg);
	put16(e, (uint32_t)size);
	put(e, digest, size);
}

static void finish(enc *e)
{
	uint32_t n = (uint32_t)e->len;
	uint8_t b[4] = {(uint8_t)n, (uint8_t)(n >> 8), (uint8_t)(n >> 16), (uint8_t)(n >> 24)};
	memcpy(e->data + 8, b, 4);
}

static void sha256(const void *data, size_t size, uint8_t out[32])
{
	unsigned len = 0;
	assert_int_equal(EVP_Digest(data, size, out, &len, EVP_sha256(), NULL), 1);
}

/* ---- a minimal PE32+ image: headers, one section ---- */

static uint8_t pe_image[0x400];

static void make_pe(void)
{
	memset(pe_image, 0, sizeof(pe_image));
	pe_image[0] = 'M';
	pe_image[1] = 'Z';
	pe_image[0x3c] = 0x40;
	memcpy(pe_image + 0x40, "PE\0\0", 4);
	uint8_t *coff = pe_image + 0x44;
	coff[0] = 0x64, coff[1] = 0x86; /* x86-64 */
	coff[2] = 1;			/* one section */
	coff[16] = 240;			/* SizeOfOptionalHeader */
	uint8_t *opt = coff + 20;
	opt[0] = 0x0b, opt[1] = 0x02;	/* PE32+ */
	opt[60] = 0x00, opt[61] = 0x02; /* SizeOfHeaders 0x200 */
	opt[108] = 16;			/* NumberOfRvaAndSizes */
	uint8_t *sec = opt + 240;
	memcpy(sec, ".text", 5);
	sec[17] = 0x02; /* SizeOfRawData 0x200 */
	sec[21] = 0x02; /* PointerToRawData 0x200 */
	for (size_t i = 0x200; i < sizeof(pe_image); i++)
		pe_image[i] = (uint8_t)(i * 7);
}

static void pe_sha256(const uint8_t *image, size_t size, uint8_t out[32])
{
	static const uint16_t alg = 0x000B;
	bc_digest_set set;
	bc_error err = {0};
	assert_int_equal(bc_pe_authenticode(image, size, "test", &alg, 1, &set, &err), BC_OK);
	memcpy(out, set.digests[0].bytes, 32);
}

/* ---- the test platform ---- */

typedef struct file {
	const char *path;
	const uint8_t *data;
	size_t size;
} file;

typedef struct record {
	char what; /* 'e' extend, 's' start */
	uint32_t pcr, type;
	uint8_t event[BC_CORE_EVENT_MAX];
	size_t event_size;
	uint8_t digest[32];
	char path[64];
} record;

typedef struct platform {
	file files[4];
	size_t file_count;
	record records[16];
	size_t count;
	char lines[2048];
	int fail_extend_at; /* the n-th extend fails (1-based); 0: none */
	bool fail_start;
	int allocated;
} platform;

static void *platform_alloc(void *ctx, size_t size)
{
	((platform *)ctx)->allocated++;
	return malloc(size);
}

static void platform_free(void *ctx, void *p)
{
	((platform *)ctx)->allocated--;
	free(p);
}

static bc_core_status test_read(void *ctx, const char *path, void **data, size_t *size,
				bc_core_error *err)
{
	platform *t = ctx;
	for (size_t i = 0; i < t->file_count; i++) {
		if (strcmp(t->files[i].path, path) != 0)
			continue;
		*data = platform_alloc(ctx, t->files[i].size + 1);
		memcpy(*data, t->files[i].data, t->files[i].size);
		*size = t->files[i].size;
		return BC_CORE_OK;
	}
	return bc_core_fail(err, BC_CORE_E_IO, "%s: not found", path);
}

static bc_core_status test_extend(void *ctx, uint32_t pcr, uint32_t type, const void *event,
				  size_t event_size, const void *data, size_t size, bool pe,
				  bc_core_error *err)
{
	platform *t = ctx;
	record *r = &t->records[t->count];
	assert_true(t->count < 16 && event_size <= sizeof(r->event));
	if (t->fail_extend_at && (int)t->count + 1 == t->fail_extend_at) {
		t->fail_extend_at = 0; /* once: the failure marker goes in after it */
		return bc_core_fail(err, BC_CORE_E_PLATFORM, "the TPM refused");
	}
	*r = (record){.what = 'e', .pcr = pcr, .type = type, .event_size = event_size};
	memcpy(r->event, event, event_size);
	if (pe)
		pe_sha256(data, size, r->digest);
	else
		sha256(data, size, r->digest);
	t->count++;
	return BC_CORE_OK;
}

static void test_print(void *ctx, const char *line)
{
	platform *t = ctx;
	size_t n = strlen(t->lines);
	snprintf(t->lines + n, sizeof(t->lines) - n, "%s\n", line);
}

static bc_core_status test_start(void *ctx, const char *path, const void *image, size_t size,
				 bc_core_error *err)
{
	platform *t = ctx;
	(void)image, (void)size;
	if (t->fail_start)
		return bc_core_fail(err, BC_CORE_E_PLATFORM, "%s: Secure Boot refused it", path);
	record *r = &t->records[t->count++];
	*r = (record){.what = 's'};
	snprintf(r->path, sizeof(r->path), "%s", path);
	return BC_CORE_OK;
}

static bc_core_platform make_platform(platform *t)
{
	return (bc_core_platform){.ctx = t,
				  .alg_count = 1,
				  .algs = {BC_CORE_ALG_SHA256},
				  .alloc = platform_alloc,
				  .free = platform_free,
				  .read_file = test_read,
				  .extend_log = test_extend,
				  .print = test_print,
				  .start_image = test_start};
}

static const uint8_t initrd[] = "an initrd, or anything else that is not a PE image";

/* platform with \EFI\x.efi (PE) and \initrd (raw) */
static void two_files(platform *t)
{
	make_pe();
	t->files[0] = (file){"\\EFI\\x.efi", pe_image, sizeof(pe_image)};
	t->files[1] = (file){"\\initrd", initrd, sizeof(initrd)};
	t->file_count = 2;
}

/* a chain: x.efi (PE, PCR 4) then the initrd (raw, PCR 9), golden versions of both */
static void good_chain(enc *e, uint32_t flags, const uint8_t *initrd_golden)
{
	uint8_t d[32];
	header(e, flags, 2);
	layer(e, "loader", "\\EFI\\x.efi", 4, BC_CORE_KIND_AUTO, 1);
	make_pe();
	pe_sha256(pe_image, sizeof(pe_image), d);
	version(e, BC_CORE_ALG_SHA256, d, 32);
	layer(e, "initrd", "\\initrd", 9, BC_CORE_KIND_RAW, 1);
	if (initrd_golden)
		memcpy(d, initrd_golden, 32);
	else
		sha256(initrd, sizeof(initrd), d);
	version(e, BC_CORE_ALG_SHA256, d, 32);
	finish(e);
}

/* the tagged event bootchain measure logs, built from its description */
static size_t tag_event(const char *text, uint8_t *out)
{
	uint32_t id = BC_CORE_LAYER_TAG_ID, n = (uint32_t)strlen(text);
	memcpy(out, &id, 4); /* little-endian host: x86-64, the only target */
	memcpy(out + 4, &n, 4);
	memcpy(out + 8, text, n);
	return 8 + n;
}

static void assert_tag(const record *r, const char *text)
{
	uint8_t want[256];
	size_t n = tag_event(text, want);
	assert_int_equal(r->type, BC_CORE_EV_EVENT_TAG);
	assert_int_equal(r->event_size, n);
	assert_memory_equal(r->event, want, n);
}

static void parse(const enc *e, bc_core_chain *chain)
{
	static uint8_t section[BC_CORE_CHAIN_SPACE];
	bc_core_error err = {0};
	memset(section, 0, sizeof(section));
	memcpy(section, e->data, e->len);
	assert_int_equal(bc_core_chain_parse(section, sizeof(section), chain, &err), BC_CORE_OK);
}

/* One run of the stage on the test platform; set_up gives it the good chain (flags: trusted
 * mode or not; initrd_golden: another golden initrd digest, or NULL) over two_files, and a
 * test changes what it needs before run_stage. */
typedef struct fixture {
	platform t;
	enc e;
	bc_core_chain chain;
	bc_core_run run;
	bc_core_error err;
	bc_core_platform p;
} fixture;

static void set_up(fixture *f, uint32_t flags, const uint8_t *initrd_golden)
{
	memset(f, 0, sizeof(*f));
	good_chain(&f->e, flags, initrd_golden);
	parse(&f->e, &f->chain);
	two_files(&f->t);
	f->p = make_platform(&f->t);
}

static bc_core_status run_stage(fixture *f)
{
	return bc_core_stage_run(&f->p, &f->chain, &f->run, &f->err);
}

/* ---- tests ---- */

static void trusted_match_measures_all_then_starts(void **state)
{
	(void)state;
	fixture f;
	set_up(&f, BC_CORE_CHAIN_TRUSTED, NULL);
	assert_int_equal(run_stage(&f), BC_CORE_OK);
	assert_false(f.run.halted);
	/* both extended before anything starts, then the PE layer starts */
	assert_int_equal(f.t.count, 3);
	assert_int_equal(f.t.records[0].pcr, 4);
	assert_tag(&f.t.records[0], "layer=loader kind=pe file=\\EFI\\x.efi");
	assert_int_equal(f.t.records[1].pcr, 9);
	assert_tag(&f.t.records[1], "layer=initrd kind=raw file=\\initrd");
	uint8_t d[32];
	sha256(initrd, sizeof(initrd), d);
	assert_memory_equal(f.t.records[1].digest, d, 32);
	assert_int_equal(f.t.records[2].what, 's');
	assert_string_equal(f.t.records[2].path, "\\EFI\\x.efi");
	assert_true(f.run.layers[0].started && !f.run.layers[1].started);
	assert_int_equal(f.run.layers[0].kind, BC_CORE_KIND_PE);
	assert_non_null(strstr(f.t.lines, "layer loader (\\EFI\\x.efi), PCR 4: sha256"));
	assert_int_equal(f.t.allocated, 0);
}

static void trusted_mismatch_extends_truth_then_marker_and_halts(void **state)
{
	(void)state;
	fixture f;
	uint8_t other[32] = {0xab}, found[32];
	char hex[65];
	set_up(&f, BC_CORE_CHAIN_TRUSTED, other);
	assert_int_equal(run_stage(&f), BC_CORE_E_MISMATCH);
	assert_true(f.run.halted);
	assert_int_equal(f.t.count, 3); /* loader, the real initrd digest, the marker; no start */
	sha256(initrd, sizeof(initrd), found);
	assert_memory_equal(f.t.records[1].digest, found, 32);
	assert_int_equal(f.t.records[2].pcr, 9);
	assert_int_equal(f.t.records[2].type, BC_CORE_EV_SEPARATOR);
	assert_int_equal(f.t.records[2].event_size, 4);
	assert_memory_equal(f.t.records[2].event, "\x01\x00\x00\x00", 4);
	uint8_t marker[32];
	sha256("\x01\x00\x00\x00", 4, marker);
	assert_memory_equal(f.t.records[2].digest, marker, 32);
	for (int i = 0; i < 32; i++)
		snprintf(hex + 2 * i, 3, "%02x", found[i]);
	assert_non_null(strstr(f.err.msg, "layer initrd (\\initrd), PCR 9: sha256 digest"));
	assert_non_null(strstr(f.err.msg, hex));
	assert_non_null(strstr(f.err.msg, "allowed: ab00"));
	assert_non_null(strstr(f.t.lines, "HALT"));
	assert_true(f.run.layers[1].capped);
	assert_int_equal(f.t.allocated, 0);
}

static void trusted_first_layer_changed_stops_there(void **state)
{
	(void)state;
	fixture f;
	static uint8_t changed[sizeof(pe_image)];
	set_up(&f, BC_CORE_CHAIN_TRUSTED, NULL);
	memcpy(changed, pe_image, sizeof(changed));
	changed[0x300] ^= 0xff;
	f.t.files[0].data = changed;
	assert_int_equal(run_stage(&f), BC_CORE_E_MISMATCH);
	assert_int_equal(f.t.count, 2); /* the changed loader, the marker; the initrd unread */
	assert_int_equal(f.t.records[1].type, BC_CORE_EV_SEPARATOR);
	assert_int_equal(f.run.done, 1);
	assert_false(f.run.layers[1].read);
	assert_int_equal(f.t.allocated, 0);
}

static void trusted_errors_halt(void **state)
{
	(void)state;
	for (int c = 0; c < 4; c++) {
		fixture f;
		static uint8_t broken[sizeof(pe_image)];
		set_up(&f, BC_CORE_CHAIN_TRUSTED, NULL);
		if (c == 0) /* the initrd missing */
			f.t.file_count = 1;
		if (c == 1) { /* a malformed PE: its section past the end */
			memcpy(broken, pe_image, sizeof(broken));
			broken[0x44 + 20 + 240 + 21] = 0x7f;
			f.t.files[0].data = broken;
			f.chain.layers[0].kind = BC_CORE_KIND_PE;
		}
		if (c == 2) /* the second extend fails */
			f.t.fail_extend_at = 2;
		if (c == 3)
			f.t.fail_start = true;
		assert_int_not_equal(run_stage(&f), BC_CORE_OK);
		assert_true(f.run.halted);
		/* the last record is the failure marker; nothing was started */
		assert_true(f.t.count > 0);
		assert_int_equal(f.t.records[f.t.count - 1].type, BC_CORE_EV_SEPARATOR);
		for (size_t i = 0; i < f.t.count; i++)
			assert_int_equal(f.t.records[i].what, 'e');
		assert_int_equal(f.t.allocated, 0);
		if (c == 0)
			assert_non_null(strstr(f.err.msg, "\\initrd: not found"));
		if (c == 1)
			assert_non_null(strstr(f.err.msg, "offset 0x"));
		if (c == 3)
			assert_non_null(strstr(f.err.msg, "Secure Boot refused"));
	}
}

static void measured_mode_goes_on(void **state)
{
	(void)state;
	fixture f;
	uint8_t other[32] = {0xab};
	set_up(&f, 0, other);
	f.t.files[1].path = "\\elsewhere"; /* the initrd cannot be read */
	assert_int_equal(run_stage(&f), BC_CORE_E_IO);
	assert_false(f.run.halted);
	assert_int_equal(f.t.count, 2); /* the loader extended, then started */
	assert_int_equal(f.t.records[1].what, 's');
	assert_non_null(strstr(f.t.lines, "measured mode: going on"));

	/* a mismatch alone is not an error in measured mode */
	set_up(&f, 0, other);
	assert_int_equal(run_stage(&f), BC_CORE_OK);
	assert_int_equal(f.t.count, 3);
	assert_int_equal(f.run.layers[1].verdict, BC_CORE_DIFFERS);
	assert_int_equal(f.t.allocated, 0);
}

static void parse_refuses_bad_sections(void **state)
{
	(void)state;
	static uint8_t section[BC_CORE_CHAIN_SPACE];
	bc_core_chain chain;
	bc_core_error err = {0};
	enc e = {0};
	memset(section, 0, sizeof(section));
	assert_int_equal(bc_core_chain_parse(section, sizeof(section), &chain, &err),
			 BC_CORE_E_FORMAT);
	assert_non_null(strstr(err.msg, "no chain is embedded"));
	good_chain(&e, BC_CORE_CHAIN_TRUSTED, NULL);
	/* every prefix of the encoding, its size field kept: truncated, refused */
	for (size_t n = 1; n < e.len; n++) {
		memset(section, 0, sizeof(section));
		memcpy(section, e.data, n);
		assert_int_equal(bc_core_chain_parse(section, n, &chain, &err), BC_CORE_E_FORMAT);
		assert_int_equal(chain.count, 0);
	}
	/* any one byte changed: refused or parsed, never a read past the data (ASan) */
	srand(17);
	for (int i = 0; i < 20000; i++) {
		uint8_t *copy = malloc(e.len);
		memcpy(copy, e.data, e.len);
		copy[rand() % e.len] ^= (uint8_t)(1 + rand() % 255);
		bc_core_status s = bc_core_chain_parse(copy, e.len, &chain, &err);
		assert_true(s == BC_CORE_OK || s == BC_CORE_E_FORMAT);
		free(copy);
	}
	/* garbage after the chain */
	memset(section, 0, sizeof(section));
	memcpy(section, e.data, e.len);
	section[e.len + 10] = 1;
	assert_int_equal(bc_core_chain_parse(section, sizeof(section), &chain, &err),
			 BC_CORE_E_FORMAT);
	assert_non_null(strstr(err.msg, "not zero after the chain"));
	assert_int_equal(chain.count, 0); /* its layers parsed, but it is refused */
}

static void match_follows_golden_rules(void **state)
{
	(void)state;
	enc e = {0};
	bc_core_chain chain;
	uint8_t a[32], b[32], s1[20];
	memset(a, 1, 32), memset(b, 2, 32), memset(s1, 3, 20);
	header(&e, BC_CORE_CHAIN_TRUSTED, 1);
	layer(&e, "k", "\\k", 4, BC_CORE_KIND_RAW, 3);
	version(&e, BC_CORE_ALG_SHA1, s1, 20); /* no sha256 digest: no common bank */
	version(&e, BC_CORE_ALG_SHA256, a, 32);
	version(&e, BC_CORE_ALG_SHA256, b, 32);
	finish(&e);
	parse(&e, &chain);
	bc_core_digests d = {.count = 1, .d = {{.alg = BC_CORE_ALG_SHA256, .size = 32}}};
	size_t v = 99;
	memcpy(d.d[0].bytes, b, 32);
	assert_int_equal(bc_core_layer_match(&chain.layers[0], &d, &v), BC_CORE_MATCH);
	assert_int_equal(v, 2);
	d.d[0].bytes[0] ^= 1;
	assert_int_equal(bc_core_layer_match(&chain.layers[0], &d, &v), BC_CORE_DIFFERS);
	d.d[0].alg = BC_CORE_ALG_SHA384, d.d[0].size = 48;
	assert_int_equal(bc_core_layer_match(&chain.layers[0], &d, &v), BC_CORE_NO_COMMON_BANK);
}

static void image_load_event_of_a_file(void **state)
{
	(void)state;
	uint8_t out[256], want[256] = {0};
	const char *path = "\\EFI\\a.efi"; /* 10 characters */
	size_t n = bc_core_layer_event(BC_CORE_EV_EFI_BOOT_SERVICES_APPLICATION, "a",
				       BC_CORE_KIND_PE, path, 0x1234, out, sizeof(out));
	/* 32 bytes of UEFI_IMAGE_LOAD_EVENT, a File node of 4 + 22 bytes, the end node */
	assert_int_equal(n, 32 + 26 + 4);
	want[8] = 0x34, want[9] = 0x12;
	want[24] = 30;
	want[32] = 4, want[33] = 4, want[34] = 26;
	for (size_t i = 0; i < 10; i++)
		want[36 + 2 * i] = (uint8_t)path[i];
	memcpy(want + 58, "\x7f\xff\x04\x00", 4);
	assert_memory_equal(out, want, n);
	/* too small a buffer: nothing */
	assert_int_equal(bc_core_layer_event(0, "a", BC_CORE_KIND_RAW, NULL, 0, out, 10), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(trusted_match_measures_all_then_starts),
	    cmocka_unit_test(trusted_mismatch_extends_truth_then_marker_and_halts),
	    cmocka_unit_test(trusted_first_layer_changed_stops_there),
	    cmocka_unit_test(trusted_errors_halt),
	    cmocka_unit_test(measured_mode_goes_on),
	    cmocka_unit_test(parse_refuses_bad_sections),
	    cmocka_unit_test(match_follows_golden_rules),
	    cmocka_unit_test(image_load_event_of_a_file),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
