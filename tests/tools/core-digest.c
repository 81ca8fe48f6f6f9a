/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * core-digest: the Authenticode digest of a PE image as the freestanding core computes
 * it (freestanding/pe.c with freestanding/sha.c: what bootchain.efi extends), for
 * tests/integration/measure/core-pe.sh to compare with pesign and OpenSSL:
 *   core-digest [--raw] FILE ALG...  one line "ALG HEX" per algorithm (sha1, sha256,
 *                                    sha384); --raw: the digest of the bytes (freestanding/sha.c)
 * (tests/bench/core-digest.sh times it against openssl and pesign).
 * Exit 0, 1 with the core's message on stderr, 2 for a usage error.
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <bootchain/core.h>

#include "util/cleanup.h"
#include "util/file.h"

static const struct {
	const char *name;
	uint16_t alg;
} algs[] = {
    {"sha1", BC_CORE_ALG_SHA1},
    {"sha256", BC_CORE_ALG_SHA256},
    {"sha384", BC_CORE_ALG_SHA384},
};

static bool alg_of(const char *name, uint16_t *alg)
{
	for (size_t i = 0; i < sizeof(algs) / sizeof(algs[0]); i++)
		if (strcmp(algs[i].name, name) == 0) {
			*alg = algs[i].alg;
			return true;
		}
	return false;
}

int main(int argc, char **argv)
{
	uint16_t wanted[BC_CORE_MAX_BANKS];
	bool raw = argc > 1 && strcmp(argv[1], "--raw") == 0;
	if (raw)
		argc--, argv++;
	size_t count = (size_t)argc - 2;
	if (argc < 3 || count > BC_CORE_MAX_BANKS) {
		fprintf(stderr,
			"usage: core-digest [--raw] FILE ALG... (sha1, sha256, sha384; at most "
			"%d)\n",
			BC_CORE_MAX_BANKS);
		return 2;
	}
	for (size_t i = 0; i < count; i++)
		if (!alg_of(argv[i + 2], &wanted[i])) {
			fprintf(stderr, "core-digest: unknown algorithm %s\n", argv[i + 2]);
			return 2;
		}
	_cleanup_free_ uint8_t *data = NULL;
	size_t size = 0;
	bc_error err = {0};
	if (bc_read_file(argv[1], BC_CORE_PE_MAX_SIZE, &data, &size, &err) != BC_OK) {
		fprintf(stderr, "core-digest: %s\n", err.msg);
		return 1;
	}
	bc_core_digests out;
	bc_core_error core_err = {0};
	bc_core_status s =
	    raw ? bc_core_hash_buffer(data, size, wanted, count, &out, &core_err)
		: bc_core_pe_authenticode(data, size, argv[1], wanted, count, &out, &core_err);
	if (s != BC_CORE_OK) {
		fprintf(stderr, "core-digest: %s\n", core_err.msg);
		return 1;
	}
	for (size_t i = 0; i < out.count; i++) {
		char hex[2 * BC_CORE_MAX_DIGEST + 1];
		bc_core_hex(out.d[i].bytes, out.d[i].size, hex);
		printf("%s %s\n", argv[i + 2], hex);
	}
	return 0;
}
