/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Runs a fuzz target over RUNS random inputs (1 to 64 bytes) from a fixed seed, without
 * libFuzzer: `make check` runs the property targets this way under the sanitizers, and
 * tests/bench or a person runs millions (`fuzz-attested-view-random 1000000 SEED`).
 * The same seed gives the same inputs, so a failure can be run again.
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint64_t state;

static uint64_t next_random(void) /* xorshift64* */
{
	state ^= state >> 12;
	state ^= state << 25;
	state ^= state >> 27;
	return state * 2685821657736338717ull;
}

int main(int argc, char **argv)
{
	unsigned long long runs = argc > 1 ? strtoull(argv[1], NULL, 10) : 10000;
	state = argc > 2 ? strtoull(argv[2], NULL, 0) : 0x9e3779b97f4a7c15ull;
	if (!state)
		state = 1;
	uint8_t input[64];
	for (unsigned long long r = 0; r < runs; r++) {
		size_t size = 1 + next_random() % sizeof(input);
		for (size_t i = 0; i < size; i++)
			input[i] = (uint8_t)next_random();
		LLVMFuzzerTestOneInput(input, size);
	}
	printf("%llu runs, seed %s: the property held\n", runs, argc > 2 ? argv[2] : "default");
	fflush(stdout);
	return 0;
}
