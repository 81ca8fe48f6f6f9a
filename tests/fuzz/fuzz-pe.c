/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target for the freestanding core's PE parser (freestanding/pe.c), which
 * bootchain.efi runs on images from the ESP before anything has checked them. Besides a
 * crash or a sanitizer report, it aborts when a property fails:
 * - an accepted image is one bc_core_pe_detect sees, and its ranges lie in it, are not
 *   empty, and are laid out as pe.c promises: the headers up to SizeOfHeaders without
 *   the CheckSum and the Certificate Table entry (those offsets read here, not by the
 *   parser), then the sections at or after SizeOfHeaders in increasing file order without
 *   overlap, then at most one range of the specification's step 5, from SizeOfHeaders +
 *   the sections' sizes to the certificate table (which may overlap a section);
 * - the core's digests (its own SHA-1, SHA-256 and SHA-384, as bootchain.efi hashes)
 *   equal the userspace library's (bc_pe_authenticode, OpenSSL), and both accept and
 *   refuse the same images, a refusal naming the image.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <bootchain/core.h>
#include <bootchain/pe.h>

#include "tests/fuzz/pe-seeds.h"
#include "tests/fuzz/seeds.h"

#define NAME "fuzz"

static const uint16_t algs[] = {BC_CORE_ALG_SHA1, BC_CORE_ALG_SHA256, BC_CORE_ALG_SHA384};
#define ALG_COUNT (sizeof(algs) / sizeof(algs[0]))

static unsigned long accepted, refused;

static void property(bool holds, const char *what)
{
	if (holds)
		return;
	fprintf(stderr, "fuzz-pe: property failed: %s\n", what);
	abort();
}

/* ---- the header fields the layout depends on, read here from the PE/COFF format ---- */

typedef struct layout {
	uint64_t checksum_at;
	bool has_cert_entry;
	uint64_t cert_entry_at;
	uint64_t headers_size;
	uint64_t cert_size;
} layout;

static uint32_t field(const uint8_t *data, size_t size, uint64_t at, size_t width)
{
	/* the parser accepted the image: a field it used lying outside is a bug */
	property(at <= size && width <= size - at, "a header field the parser used is outside");
	uint32_t v = 0;
	for (size_t i = 0; i < width; i++)
		v |= (uint32_t)data[at + i] << (8 * i);
	return v;
}

static layout read_layout(const uint8_t *data, size_t size)
{
	layout l = {0};
	uint64_t opt = (uint64_t)field(data, size, 0x3c, 4) + 4 + 20;
	bool pe32 = field(data, size, opt, 2) == 0x10b;
	uint32_t rva_count = field(data, size, opt + (pe32 ? 92 : 108), 4);
	l.checksum_at = opt + 64;
	l.headers_size = field(data, size, opt + 60, 4);
	l.has_cert_entry = rva_count > 4;
	if (l.has_cert_entry) {
		l.cert_entry_at = opt + (pe32 ? 96 : 112) + 4 * 8;
		l.cert_size = field(data, size, l.cert_entry_at + 4, 4);
	}
	return l;
}

/* ---- the layout of the ranges ---- */

static size_t check_header_ranges(const bc_core_pe *pe, const layout *l)
{
	bc_core_range want[3];
	size_t n = 0, k = 0;
	uint64_t end = l->has_cert_entry ? l->cert_entry_at : l->headers_size;
	want[n++] = (bc_core_range){0, l->checksum_at};
	want[n++] = (bc_core_range){l->checksum_at + 4, end};
	if (l->has_cert_entry)
		want[n++] = (bc_core_range){l->cert_entry_at + 8, l->headers_size};
	for (size_t i = 0; i < n; i++) {
		if (want[i].from == want[i].to)
			continue; /* an empty range is not listed */
		property(k < pe->count && pe->ranges[k].from == want[i].from &&
			     pe->ranges[k].to == want[i].to,
			 "the header ranges are the headers without CheckSum and the entry");
		k++;
	}
	return k;
}

/* ranges r[0..n) in increasing order, none overlapping the next */
static bool in_order(const bc_core_range *r, size_t n)
{
	for (size_t i = 1; i < n; i++)
		if (r[i - 1].to > r[i].from)
			return false;
	return true;
}

static uint64_t total(const bc_core_range *r, size_t n)
{
	uint64_t sum = 0;
	for (size_t i = 0; i < n; i++)
		sum += r[i].to - r[i].from;
	return sum;
}

/* After the headers: the sections, then step 5's range when there is data left (which
 * of the two a range equal to both is does not matter). */
static void check_section_ranges(const bc_core_range *t, size_t n, const layout *l, uint64_t size)
{
	uint64_t limit = size - l->cert_size;
	for (size_t i = 0; i < n; i++)
		property(t[i].from >= l->headers_size && t[i].to <= limit,
			 "a range after the headers lies between them and the certificate table");
	uint64_t sum_all = l->headers_size + total(t, n);
	bool without_tail = in_order(t, n) && size <= sum_all + l->cert_size;
	bool with_tail = false;
	if (n > 0) {
		uint64_t sum = l->headers_size + total(t, n - 1);
		with_tail = in_order(t, n - 1) && size > sum + l->cert_size &&
			    t[n - 1].from == sum && t[n - 1].to == limit;
	}
	property(without_tail || with_tail,
		 "the sections in file order without overlap, then step 5's range");
}

static void check_ranges(const uint8_t *data, size_t size)
{
	bc_core_pe pe;
	bc_core_error err = {0};
	if (bc_core_pe_ranges(data, size, NAME, &pe, &err) != BC_CORE_OK)
		return;
	property(bc_core_pe_detect(data, size), "an accepted image is detected as PE");
	for (size_t i = 0; i < pe.count; i++)
		property(pe.ranges[i].from < pe.ranges[i].to && pe.ranges[i].to <= size,
			 "every range is in the image and not empty");
	layout l = read_layout(data, size);
	property(l.cert_size <= size, "the certificate table is in the image");
	size_t k = check_header_ranges(&pe, &l);
	check_section_ranges(pe.ranges + k, pe.count - k, &l, size);
}

/* ---- the digests: core and OpenSSL ---- */

static void check_digests(const uint8_t *data, size_t size)
{
	bc_core_pe pe;
	bc_core_digests core;
	bc_core_error core_err = {0}, ranges_err = {0};
	bc_digest_set user;
	bc_error user_err = {0};
	bc_core_status rs = bc_core_pe_ranges(data, size, NAME, &pe, &ranges_err);
	bc_core_status cs =
	    bc_core_pe_authenticode(data, size, NAME, algs, ALG_COUNT, &core, &core_err);
	bc_status us = bc_pe_authenticode(data, size, NAME, algs, ALG_COUNT, &user, &user_err);
	property((cs == BC_CORE_OK) == (us == BC_OK) && cs == rs,
		 "the core and the library accept and refuse the same images");
	if (cs != BC_CORE_OK) {
		refused++;
		property(cs == BC_CORE_E_FORMAT || cs == BC_CORE_E_LIMIT,
			 "a refusal is a format or limit error");
		property(strncmp(core_err.msg, NAME ": ", strlen(NAME) + 2) == 0 &&
			     strncmp(user_err.msg, NAME ": ", strlen(NAME) + 2) == 0,
			 "a refusal names the image");
		return;
	}
	accepted++;
	property(core.count == ALG_COUNT && user.count == ALG_COUNT, "a digest in every bank");
	for (size_t i = 0; i < ALG_COUNT; i++)
		property(core.d[i].alg == algs[i] && user.digests[i].alg == algs[i] &&
			     core.d[i].size == user.digests[i].size &&
			     memcmp(core.d[i].bytes, user.digests[i].bytes, core.d[i].size) == 0,
			 "the core's digest equals OpenSSL's");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	check_ranges(data, size);
	check_digests(data, size);
	return 0;
}

bool fuzz_seed(size_t index, uint8_t **data, size_t *size)
{
	return pe_seed(index, data, size);
}

const char *fuzz_summary(void)
{
	static char line[128];
	snprintf(line, sizeof(line), "%lu images accepted (digests compared), %lu refused",
		 accepted, refused);
	return line;
}
