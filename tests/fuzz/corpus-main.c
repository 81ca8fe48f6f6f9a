/* SPDX-License-Identifier: BSD-3-Clause */
/* Runs the fuzz target once over each file given, without libFuzzer: `make check`
 * runs every sample and broken log through it under the sanitizers. */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int main(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		FILE *f = fopen(argv[i], "rb");
		if (!f) {
			perror(argv[i]);
			return 1;
		}
		uint8_t *buf = malloc(1 << 24);
		size_t n = buf ? fread(buf, 1, 1 << 24, f) : 0;
		fclose(f);
		if (!buf)
			return 1;
		LLVMFuzzerTestOneInput(buf, n);
		free(buf);
	}
	printf("%d inputs\n", argc - 1);
	return 0;
}
