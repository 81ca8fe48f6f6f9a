/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target for the stage's decisions: the input is a .bcchain section
 * (bootchain-bcchain(5)), parsed with bc_core_chain_parse as bootchain.efi parses its
 * own; a chain that parses is run by bc_core_stage_run in trusted and in measured mode,
 * on a test platform whose files and failures come from the chain:
 *   - a path holding "missing" cannot be read; a path ending in ".efi" reads a small PE
 *     image (tests/fuzz/pe-seeds.h, seed 0); any other path reads its own bytes;
 *   - PCR 23 refuses every extend but the failure marker's;
 *   - a path holding "refuse" is refused by start_image (as Secure Boot would);
 *   - the banks are chosen by the chain's timeout (timeout % 6).
 * Every file is in a buffer of its exact size (ASan sees a read past it). Besides a crash
 * or a sanitizer report, it aborts when a property fails:
 *   - every allocation is freed once, and only images read and not yet freed are started;
 *   - the layer events extended are those of the layers marked extended, in order, in
 *     their PCRs, and the core's digests equal OpenSSL's of the bytes extended;
 *   - a halt happens only in trusted mode, and its last extend is the failure marker
 *     (EV_SEPARATOR, 01 00 00 00) in the PCR of the layer that failed: nothing is
 *     extended or started after it, and nothing is started at all unless it was a start
 *     that failed;
 *   - in trusted mode, an image started means every layer matched a golden version, and
 *     a run that did not halt checked, matched and extended every layer;
 *   - in measured mode every layer is tried, and no failure marker is ever extended.
 * Seeds (fuzz_seed, written out by `fuzz-stage-corpus -w DIR`) are chains encoded here
 * from the format's description, with golden digests computed with OpenSSL.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <bootchain/core.h>
#include <bootchain/digest.h>
#include <bootchain/pe.h>

#include "tests/fuzz/pe-seeds.h"
#include "tests/fuzz/seeds.h"

#define MAX_RECORDS (2 * BC_CORE_CHAIN_MAX_LAYERS + 2)
#define REFUSED_PCR 23

static unsigned long parsed, refused, halts, starts;

static void property(bool holds, const char *what)
{
	if (holds)
		return;
	fprintf(stderr, "fuzz-stage: property failed: %s\n", what);
	abort();
}

/* ---- the files ---- */

static uint8_t *pe_file;
static size_t pe_file_size;

static void load_pe_file(void)
{
	if (!pe_file)
		property(pe_seed(0, &pe_file, &pe_file_size), "the PE seed is built");
}

static bool ends_with(const char *s, const char *end)
{
	size_t n = strlen(s), m = strlen(end);
	return n >= m && strcmp(s + n - m, end) == 0;
}

/* What path reads: NULL when it cannot be read. */
static const uint8_t *file_content(const char *path, size_t *size)
{
	if (strstr(path, "missing"))
		return NULL;
	if (ends_with(path, ".efi")) {
		load_pe_file();
		*size = pe_file_size;
		return pe_file;
	}
	*size = strlen(path);
	return (const uint8_t *)path;
}

/* ---- the platform ---- */

typedef struct record {
	char what; /* 'e' extended, 's' started, 'S' a start refused */
	uint32_t pcr;
	bool marker;
	bc_digest_set digests; /* OpenSSL's, of what was extended */
} record;

typedef struct platform {
	size_t alg_count;
	uint16_t algs[BC_CORE_MAX_BANKS];
	record records[MAX_RECORDS];
	size_t count;
	void *live[BC_CORE_CHAIN_MAX_LAYERS + 1]; /* allocations not freed */
	size_t live_size[BC_CORE_CHAIN_MAX_LAYERS + 1];
	size_t live_count;
} platform;

static record *add_record(platform *t, char what, uint32_t pcr)
{
	property(t->count < MAX_RECORDS, "at most one extend per layer, a marker and a start");
	record *r = &t->records[t->count++];
	*r = (record){.what = what, .pcr = pcr};
	return r;
}

static void *platform_alloc(void *ctx, size_t size)
{
	platform *t = ctx;
	property(t->live_count < BC_CORE_CHAIN_MAX_LAYERS + 1, "at most one image per layer live");
	void *p = malloc(size ? size : 1);
	if (!p)
		abort();
	t->live[t->live_count] = p;
	t->live_size[t->live_count++] = size;
	return p;
}

static size_t find_live(const platform *t, const void *p)
{
	for (size_t i = 0; i < t->live_count; i++)
		if (t->live[i] == p)
			return i;
	return t->live_count;
}

static void platform_free(void *ctx, void *p)
{
	platform *t = ctx;
	size_t i = find_live(t, p);
	property(i < t->live_count, "only what the platform allocated is freed, and once");
	t->live[i] = t->live[t->live_count - 1];
	t->live_size[i] = t->live_size[t->live_count - 1];
	t->live_count--;
	free(p);
}

static bc_core_status platform_read(void *ctx, const char *path, void **data, size_t *size,
				    bc_core_error *err)
{
	size_t n = 0;
	const uint8_t *content = file_content(path, &n);
	if (!content)
		return bc_core_fail(err, BC_CORE_E_IO, "%s: not found", path);
	*data = platform_alloc(ctx, n);
	memcpy(*data, content, n);
	*size = n;
	return BC_CORE_OK;
}

static void openssl_digests(const platform *t, const void *data, size_t size, bool pe,
			    bc_digest_set *out)
{
	if (pe) {
		/* the core extends as a PE image only what its parser accepted */
		property(bc_pe_authenticode(data, size, "extended", t->algs, t->alg_count, out,
					    NULL) == BC_OK,
			 "an image extended as PE is one the library accepts");
		return;
	}
	*out = (bc_digest_set){.count = t->alg_count};
	for (size_t i = 0; i < t->alg_count; i++)
		property(bc_digest_compute(t->algs[i], data, size, &out->digests[i], NULL) == BC_OK,
			 "OpenSSL hashes");
}

static bool is_marker(uint32_t type, const void *event, size_t event_size, const void *data,
		      size_t size, bool pe)
{
	return type == BC_CORE_EV_SEPARATOR && !pe && event_size == 4 && size == 4 &&
	       memcmp(event, "\x01\0\0\0", 4) == 0 && memcmp(data, "\x01\0\0\0", 4) == 0;
}

static bc_core_status platform_extend(void *ctx, uint32_t pcr, uint32_t type, const void *event,
				      size_t event_size, const void *data, size_t size, bool pe,
				      bc_core_error *err)
{
	platform *t = ctx;
	bool marker = is_marker(type, event, event_size, data, size, pe);
	property(pcr < 24 && event_size > 0 && event_size <= BC_CORE_EVENT_MAX,
		 "an extend names a PCR and has event data");
	property(marker || type != BC_CORE_EV_SEPARATOR, "an EV_SEPARATOR is the marker");
	if (pcr == REFUSED_PCR && !marker)
		return bc_core_fail(err, BC_CORE_E_PLATFORM, "PCR %u refused the extend", pcr);
	record *r = add_record(t, 'e', pcr);
	r->marker = marker;
	openssl_digests(t, data, size, pe, &r->digests);
	return BC_CORE_OK;
}

static void platform_print(void *ctx, const char *line)
{
	(void)ctx;
	property(strlen(line) < 2 * BC_CORE_MSG_MAX, "a console line is bounded");
}

static bc_core_status platform_start(void *ctx, const char *path, const void *image, size_t size,
				     bc_core_error *err)
{
	platform *t = ctx;
	size_t i = find_live(t, image);
	property(i < t->live_count && t->live_size[i] == size,
		 "an image is started from the bytes read, not yet freed");
	if (strstr(path, "refuse")) {
		add_record(t, 'S', 0);
		return bc_core_fail(err, BC_CORE_E_PLATFORM, "%s: refused", path);
	}
	add_record(t, 's', 0);
	return BC_CORE_OK;
}

/* the banks, by timeout % 6 */
static void choose_banks(platform *t, uint32_t timeout)
{
	static const uint16_t sets[6][3] = {
	    {BC_CORE_ALG_SHA256},
	    {BC_CORE_ALG_SHA1},
	    {BC_CORE_ALG_SHA384},
	    {BC_CORE_ALG_SHA1, BC_CORE_ALG_SHA256},
	    {BC_CORE_ALG_SHA256, BC_CORE_ALG_SHA384},
	    {BC_CORE_ALG_SHA1, BC_CORE_ALG_SHA256, BC_CORE_ALG_SHA384},
	};
	static const size_t counts[6] = {1, 1, 1, 2, 2, 3};
	t->alg_count = counts[timeout % 6];
	memcpy(t->algs, sets[timeout % 6], sizeof(sets[0]));
}

static bc_core_platform make_platform(platform *t)
{
	bc_core_platform p = {.ctx = t,
			      .alg_count = t->alg_count,
			      .alloc = platform_alloc,
			      .free = platform_free,
			      .read_file = platform_read,
			      .extend_log = platform_extend,
			      .print = platform_print,
			      .start_image = platform_start};
	memcpy(p.algs, t->algs, sizeof(p.algs));
	return p;
}

/* ---- the properties of one run ---- */

static bool digests_equal(const bc_core_digests *core, const bc_digest_set *openssl)
{
	if (core->count != openssl->count)
		return false;
	for (size_t i = 0; i < core->count; i++)
		if (core->d[i].alg != openssl->digests[i].alg ||
		    core->d[i].size != openssl->digests[i].size ||
		    memcmp(core->d[i].bytes, openssl->digests[i].bytes, core->d[i].size) != 0)
			return false;
	return true;
}

/* The layer events extended, in order, are those of the layers marked extended. */
static void check_extends(const bc_core_chain *chain, const bc_core_run *run, const platform *t)
{
	size_t k = 0;
	for (size_t i = 0; i < run->done; i++) {
		const bc_core_layer_result *r = &run->layers[i];
		if (!r->extended)
			continue;
		while (k < t->count && (t->records[k].what != 'e' || t->records[k].marker))
			k++;
		property(k < t->count && t->records[k].pcr == chain->layers[i].pcr,
			 "a layer marked extended was extended into its PCR");
		property(digests_equal(&r->digests, &t->records[k].digests),
			 "the core's digest of a layer equals OpenSSL's of what was extended");
		k++;
	}
	for (; k < t->count; k++)
		property(t->records[k].what != 'e' || t->records[k].marker,
			 "no layer event extended for a layer not marked extended");
}

/* Which layer halted: the one whose start was refused, else the last one tried. */
static size_t halted_layer(const bc_core_chain *chain, const bc_core_run *run, const platform *t)
{
	size_t start = 0, refused_start = MAX_RECORDS;
	for (size_t k = 0; k < t->count; k++) {
		if (t->records[k].what == 'S')
			refused_start = start;
		start += t->records[k].what != 'e';
	}
	if (refused_start == MAX_RECORDS)
		return run->done - 1;
	/* in trusted mode, every layer was read: the n-th start is the n-th PE layer */
	for (size_t i = 0; i < chain->count; i++)
		if (run->layers[i].kind == BC_CORE_KIND_PE && refused_start-- == 0)
			return i;
	property(false, "a refused start belongs to a PE layer");
	return 0;
}

static void check_halt(const bc_core_chain *chain, const bc_core_run *run, const platform *t)
{
	property(run->done > 0 && t->count > 0, "a halt follows a layer");
	size_t failed = halted_layer(chain, run, t);
	const record *last = &t->records[t->count - 1];
	property(last->what == 'e' && last->marker && last->pcr == chain->layers[failed].pcr &&
		     run->layers[failed].capped,
		 "a halt ends with the failure marker in the failing layer's PCR");
	bool start_refused = false;
	for (size_t k = 0; k < t->count; k++)
		start_refused |= t->records[k].what == 'S';
	for (size_t k = 0; k < t->count && !start_refused; k++)
		property(t->records[k].what == 'e', "nothing is started when a check halts");
}

static void check_trusted(const bc_core_chain *chain, const bc_core_run *run, const platform *t,
			  bc_core_status s)
{
	bool started = false;
	for (size_t i = 0; i < chain->count; i++)
		started |= run->layers[i].started;
	if (run->halted) {
		halts++;
		property(s != BC_CORE_OK, "a halt is an error");
		check_halt(chain, run, t);
	}
	if (!started && run->halted)
		return;
	for (size_t i = 0; i < chain->count; i++) {
		const bc_core_layer_result *r = &run->layers[i];
		property(r->read && r->checked && r->verdict == BC_CORE_MATCH && r->extended,
			 "an image starts in trusted mode only when every layer matched");
	}
	property(run->done == chain->count && (run->halted || s == BC_CORE_OK),
		 "a trusted run that did not halt is a success");
}

static void check_measured(const bc_core_chain *chain, const bc_core_run *run, const platform *t)
{
	property(!run->halted && run->done == chain->count,
		 "measured mode never halts and tries every layer");
	for (size_t k = 0; k < t->count; k++)
		property(!t->records[k].marker, "measured mode extends no failure marker");
}

static void run_chain(const bc_core_chain *chain)
{
	platform t = {0};
	bc_core_run run;
	bc_core_error err = {0};
	choose_banks(&t, chain->timeout);
	bc_core_platform p = make_platform(&t);
	bc_core_status s = bc_core_stage_run(&p, chain, &run, &err);
	property(t.live_count == 0, "every file read is freed");
	property(s == BC_CORE_OK || err.msg[0], "an error has a message");
	property(run.done <= chain->count, "results only for the chain's layers");
	check_extends(chain, &run, &t);
	for (size_t i = 0; i < chain->count; i++) {
		const bc_core_layer_result *r = &run.layers[i];
		property(!r->started || (r->kind == BC_CORE_KIND_PE && r->extended),
			 "only a PE layer that was extended is started");
		starts += r->started;
	}
	if (chain->flags & BC_CORE_CHAIN_TRUSTED)
		check_trusted(chain, &run, &t, s);
	else
		check_measured(chain, &run, &t);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	bc_core_chain chain;
	bc_core_error err = {0};
	if (bc_core_chain_parse(data, size, &chain, &err) != BC_CORE_OK) {
		refused++;
		property(chain.count == 0 && err.msg[0],
			 "a refused chain has no layers, a message");
		return 0;
	}
	parsed++;
	run_chain(&chain);
	chain.flags ^= BC_CORE_CHAIN_TRUSTED; /* the other mode */
	run_chain(&chain);
	return 0;
}

/* ---- the seeds: chains encoded from bootchain-bcchain(5) ---- */

typedef struct encoder {
	uint8_t *data;
	size_t len;
} encoder;

static void put(encoder *e, const void *p, size_t n)
{
	property(e->len + n <= BC_CORE_CHAIN_SPACE, "a seed fits in the section");
	memcpy(e->data + e->len, p, n);
	e->len += n;
}

static void put_u16(encoder *e, uint32_t v)
{
	uint8_t b[2] = {(uint8_t)v, (uint8_t)(v >> 8)};
	put(e, b, 2);
}

static void put_u32(encoder *e, uint32_t v)
{
	uint8_t b[4] = {(uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24)};
	put(e, b, 4);
}

typedef struct seed_layer {
	const char *name, *file;
	uint32_t pcr, event_type;
	uint8_t kind;
	bool matches;	/* its golden version is its digest; else one byte differs */
	uint16_t banks; /* the golden digests: 1 sha1, 2 sha256, 4 sha384 */
} seed_layer;

typedef struct seed_chain {
	uint32_t flags, timeout;
	size_t count;
	seed_layer layers[4];
} seed_chain;

/* Bank sets by timeout % 6 (choose_banks): 0 sha256, 3 sha1+sha256, 5 all three. */
static const seed_chain seeds[] = {
    /* trusted, everything matches: the loader starts */
    {BC_CORE_CHAIN_TRUSTED,
     0,
     2,
     {{"loader", "\\EFI\\BOOT\\loader.efi", 4, 0, BC_CORE_KIND_AUTO, true, 2},
      {"initrd", "\\initrd.img", 9, 0, BC_CORE_KIND_RAW, true, 2}}},
    /* measured, the initrd differs, a layer without versions (hence checked: none) */
    {0,
     3,
     3,
     {{"loader", "\\EFI\\BOOT\\loader.efi", 4, 0x80000003, BC_CORE_KIND_PE, true, 3},
      {"initrd", "\\initrd.img", 9, 0, BC_CORE_KIND_RAW, false, 1},
      {"cmdline", "\\cmdline", 12, 0xd, BC_CORE_KIND_AUTO, true, 0}}},
    /* trusted, sha1 and sha256 measured; golden digests in those banks and in sha384 */
    {BC_CORE_CHAIN_TRUSTED,
     3,
     3,
     {{"shim", "\\EFI\\shim.efi", 4, 0x80000003, BC_CORE_KIND_PE, true, 7},
      {"kernel", "\\vmlinuz", 8, 0, BC_CORE_KIND_AUTO, true, 6},
      {"grub", "\\EFI\\grub.efi", 4, 0, BC_CORE_KIND_AUTO, true, 3}}},
    /* trusted, the second layer cannot be read: a halt */
    {BC_CORE_CHAIN_TRUSTED,
     0,
     2,
     {{"loader", "\\EFI\\loader.efi", 4, 0, BC_CORE_KIND_AUTO, true, 2},
      {"initrd", "\\missing", 9, 0, BC_CORE_KIND_RAW, true, 2}}},
    /* trusted, the second image's start is refused after the first started */
    {BC_CORE_CHAIN_TRUSTED,
     0,
     2,
     {{"loader", "\\EFI\\loader.efi", 4, 0, BC_CORE_KIND_AUTO, true, 2},
      {"uki", "\\EFI\\refuse.efi", 4, 0, BC_CORE_KIND_AUTO, true, 2}}},
    /* trusted, PCR 23 refuses the extend: a halt */
    {BC_CORE_CHAIN_TRUSTED, 0, 1, {{"tag", "\\tag", 23, 0, BC_CORE_KIND_RAW, true, 2}}},
    /* trusted, a raw file taken as PE: malformed, a halt */
    {BC_CORE_CHAIN_TRUSTED, 0, 1, {{"bad", "\\bad.bin", 4, 0, BC_CORE_KIND_PE, true, 2}}},
};

static void put_digest(encoder *e, const seed_layer *l, uint16_t alg)
{
	size_t size = 0;
	const uint8_t *content = file_content(l->file, &size);
	static const uint8_t none[1];
	bc_digest_set set = {0};
	bool pe = l->kind == BC_CORE_KIND_PE ||
		  (l->kind == BC_CORE_KIND_AUTO && content && bc_pe_detect(content, size));
	if (!content)
		content = none, size = 0;
	if (!pe || bc_pe_authenticode(content, size, l->file, &alg, 1, &set, NULL) != BC_OK) {
		set.count = 1;
		property(bc_digest_compute(alg, content, size, &set.digests[0], NULL) == BC_OK,
			 "OpenSSL hashes");
	}
	if (!l->matches)
		set.digests[0].bytes[0] ^= 0xff;
	put_u16(e, alg);
	put_u16(e, set.digests[0].size);
	put(e, set.digests[0].bytes, set.digests[0].size);
}

static void put_layer(encoder *e, const seed_layer *l)
{
	static const uint16_t algs[] = {BC_CORE_ALG_SHA1, BC_CORE_ALG_SHA256, BC_CORE_ALG_SHA384};
	uint16_t count = 0;
	for (size_t b = 0; b < 3; b++)
		count += (l->banks >> b) & 1;
	put_u16(e, (uint32_t)strlen(l->name));
	put(e, l->name, strlen(l->name));
	put_u16(e, (uint32_t)strlen(l->file));
	put(e, l->file, strlen(l->file));
	put_u32(e, l->pcr);
	put_u32(e, l->event_type);
	uint8_t kind[2] = {l->kind, 0};
	put(e, kind, 2);
	put_u16(e, count ? 1 : 0); /* one version, of count digests */
	if (!count)
		return;
	put_u16(e, count);
	for (size_t b = 0; b < 3; b++)
		if ((l->banks >> b) & 1)
			put_digest(e, l, algs[b]);
}

bool fuzz_seed(size_t index, uint8_t **data, size_t *size)
{
	if (index >= sizeof(seeds) / sizeof(seeds[0]))
		return false;
	const seed_chain *c = &seeds[index];
	encoder e = {.data = calloc(1, BC_CORE_CHAIN_SPACE)};
	if (!e.data)
		abort();
	put(&e, BC_CORE_CHAIN_MAGIC, 8);
	put_u32(&e, 0); /* the size, once known */
	put_u32(&e, c->flags);
	put_u32(&e, c->timeout);
	put_u32(&e, BC_CORE_HALT_POWEROFF);
	put_u32(&e, (uint32_t)c->count);
	for (size_t i = 0; i < c->count; i++)
		put_layer(&e, &c->layers[i]);
	size_t len = e.len;
	e.len = 8;
	put_u32(&e, (uint32_t)len);
	*data = e.data;
	*size = len;
	return true;
}

const char *fuzz_summary(void)
{
	static char line[160];
	snprintf(line, sizeof(line),
		 "%lu chains run in both modes, %lu refused; %lu trusted halts, %lu images "
		 "started",
		 parsed, refused, halts, starts);
	return line;
}
