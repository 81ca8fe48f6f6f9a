/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Runs a fuzz target without libFuzzer: over the seeds it makes (fuzz_seed), the files
 * given, and MUTATIONS mutations of each, from a fixed seed, so that `make check` runs
 * the target's properties under the sanitizers of its build and a failure can be run
 * again. A mutation is one to four edits of the kinds libFuzzer makes most: a bit
 * flipped, a byte or a little-endian 16/32-bit field set to a boundary value, the input
 * cut short or lengthened, a piece copied over another. Each mutated input is in a
 * buffer of its exact size, for ASan.
 *
 *   fuzz-X-corpus [-m MUTATIONS] [-s SEED] [FILE...]   run (default: 1000 mutations)
 *   fuzz-X-corpus -w DIR                               write the seeds as files, for
 *                                                      libFuzzer's corpus (scripts/fuzz)
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tests/fuzz/seeds.h"

#define MAX_INPUT  (1u << 24)
#define MAX_GROWTH 512 /* bytes a mutation may add */

static uint64_t state;

static uint64_t next_random(void) /* xorshift64*, as random-main.c */
{
	state ^= state >> 12;
	state ^= state << 25;
	state ^= state >> 27;
	return state * 2685821657736338717ull;
}

static uint64_t below(uint64_t n)
{
	return n ? next_random() % n : 0;
}

/* a value at a boundary of a field of the input, or a random one */
static uint32_t boundary_value(size_t size)
{
	static const uint32_t fixed[] = {0,	     1,		 2,	    4,		8,
					 0x7f,	     0x80,	 0xff,	    0x100,	0x7fff,
					 0x8000,     0xffff,	 0x10000,   0x7fffffff, 0x80000000,
					 0xfffffff0, 0xfffffffc, 0xffffffff};
	size_t n = sizeof(fixed) / sizeof(fixed[0]);
	uint64_t pick = below(n + 4);
	if (pick < n)
		return fixed[pick];
	if (pick == n)
		return (uint32_t)size;
	if (pick == n + 1)
		return (uint32_t)size - 1;
	if (pick == n + 2)
		return (uint32_t)below(size + 1);
	return (uint32_t)next_random();
}

static void put_le(uint8_t *p, uint32_t v, size_t width)
{
	for (size_t i = 0; i < width; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

/* One edit of buf (size bytes, room for max): the new size. */
static size_t edit(uint8_t *buf, size_t size, size_t max)
{
	uint64_t kind = size ? below(6) : 4;
	size_t at = (size_t)below(size);
	switch (kind) {
	case 0: buf[at] ^= (uint8_t)(1u << below(8)); return size;
	case 1: buf[at] = (uint8_t)boundary_value(size); return size;
	case 2: /* a 16- or 32-bit field */
	{
		size_t width = below(2) ? 4 : 2;
		if (size < width)
			return size;
		/* one draw after the other: the order of a call's arguments is the compiler's */
		size_t field_at = (size_t)below(size - width + 1);
		put_le(buf + field_at, boundary_value(size), width);
		return size;
	}
	case 3: return (size_t)below(size); /* cut short */
	case 4:				    /* lengthened with random bytes */
	{
		size_t add = 1 + (size_t)below(64);
		if (size + add > max)
			return size;
		for (size_t i = 0; i < add; i++)
			buf[size + i] = (uint8_t)next_random();
		return size + add;
	}
	default: /* a piece copied over another */
	{
		size_t from = (size_t)below(size), n = 1 + (size_t)below(16);
		if (n > size - from)
			n = size - from;
		if (n > size - at)
			n = size - at;
		memmove(buf + at, buf + from, n);
		return size;
	}
	}
}

static void run(const uint8_t *data, size_t size)
{
	/* the exact size, so that a read past the end is caught */
	uint8_t *copy = malloc(size ? size : 1);
	if (!copy) {
		perror("malloc");
		exit(1);
	}
	memcpy(copy, data, size);
	LLVMFuzzerTestOneInput(copy, size);
	free(copy);
}

static void run_mutations(const uint8_t *data, size_t size, unsigned long mutations)
{
	size_t max = size + MAX_GROWTH;
	uint8_t *buf = malloc(max);
	if (!buf) {
		perror("malloc");
		exit(1);
	}
	run(data, size);
	for (unsigned long m = 0; m < mutations; m++) {
		size_t n = size;
		memcpy(buf, data, size);
		for (uint64_t e = 1 + below(4); e > 0; e--)
			n = edit(buf, n, max);
		run(buf, n);
	}
	free(buf);
}

static int read_file(const char *path, uint8_t **data, size_t *size)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		perror(path);
		return -1;
	}
	*data = malloc(MAX_INPUT);
	*size = *data ? fread(*data, 1, MAX_INPUT, f) : 0;
	int failed = !*data || ferror(f);
	fclose(f);
	if (!failed)
		return 0;
	fprintf(stderr, "%s: cannot read it\n", path);
	free(*data);
	return -1;
}

static int write_seeds(const char *dir)
{
	uint8_t *data;
	size_t size, i;
	for (i = 0; fuzz_seed(i, &data, &size); i++) {
		char path[4096];
		snprintf(path, sizeof(path), "%s/seed-%zu", dir, i);
		FILE *f = fopen(path, "wb");
		int failed = !f || fwrite(data, 1, size, f) != size;
		if (f && fclose(f) != 0)
			failed = 1;
		free(data);
		if (failed) {
			perror(path);
			return 1;
		}
	}
	printf("%zu seeds written to %s\n", i, dir);
	return 0;
}

int main(int argc, char **argv)
{
	unsigned long mutations = 1000;
	const char *seed_text = "default";
	int opt;
	state = 0x9e3779b97f4a7c15ull;
	while ((opt = getopt(argc, argv, "m:s:w:")) != -1) {
		switch (opt) {
		case 'm': mutations = strtoul(optarg, NULL, 10); break;
		case 's':
			seed_text = optarg;
			state = strtoull(optarg, NULL, 0);
			state = state ? state : 1;
			break;
		case 'w': return write_seeds(optarg);
		default:
			fprintf(stderr, "usage: %s [-m MUTATIONS] [-s SEED] [FILE...] | -w DIR\n",
				argv[0]);
			return 2;
		}
	}
	uint8_t *data;
	size_t size, inputs = 0;
	for (size_t i = 0; fuzz_seed(i, &data, &size); i++, inputs++) {
		run_mutations(data, size, mutations);
		free(data);
	}
	for (int i = optind; i < argc; i++, inputs++) {
		if (read_file(argv[i], &data, &size) != 0)
			return 1;
		run_mutations(data, size, mutations);
		free(data);
	}
	printf("%zu inputs, %lu mutations of each, seed %s: %s\n", inputs, mutations, seed_text,
	       fuzz_summary());
	return 0;
}
