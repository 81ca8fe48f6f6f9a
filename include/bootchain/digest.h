/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Hash algorithms (PCR banks) and digests. Algorithms are named by their TPM2_ALG
 * id, as in event logs and TPM structures; names follow tpm2-tools ("sha256").
 */
#ifndef BOOTCHAIN_DIGEST_H
#define BOOTCHAIN_DIGEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <bootchain/status.h>

#ifdef __cplusplus
extern "C" {
#endif

#define BC_MAX_DIGEST_SIZE 64
#define BC_MAX_BANKS	   16 /* TPM2_NUM_PCR_BANKS */

/* TPM2_ALG ids of the hash algorithms the library knows. */
enum {
	BC_ALG_SHA1 = 0x0004,
	BC_ALG_SHA256 = 0x000B,
	BC_ALG_SHA384 = 0x000C,
	BC_ALG_SHA512 = 0x000D,
	BC_ALG_SM3_256 = 0x0012,
	BC_ALG_SHA3_256 = 0x0027,
	BC_ALG_SHA3_384 = 0x0028,
	BC_ALG_SHA3_512 = 0x0029,
};

typedef struct bc_hash_alg {
	uint16_t id;	  /* TPM2_ALG id */
	const char *name; /* tpm2-tools name: "sha256" */
	uint16_t size;	  /* digest size in bytes */
} bc_hash_alg;

/* Lookup by TPM2_ALG id or by name (also accepts numeric ids: "0x000b", "11").
 * NULL when unknown. */
BC_EXPORT const bc_hash_alg *bc_hash_alg_by_id(uint16_t id);
BC_EXPORT const bc_hash_alg *bc_hash_alg_by_name(const char *name);

/* Name of an id, or NULL when unknown. */
BC_EXPORT const char *bc_hash_alg_name(uint16_t id);

/* Whether this build of OpenSSL can compute the algorithm. */
BC_EXPORT bool bc_hash_alg_available(uint16_t id);

typedef struct bc_digest {
	uint16_t alg;
	uint16_t size;
	uint8_t bytes[BC_MAX_DIGEST_SIZE];
} bc_digest;

/* One digest per bank, as extended by TPM2_PCR_Extend or recorded in TCG_PCR_EVENT2. */
typedef struct bc_digest_set {
	size_t count;
	bc_digest digests[BC_MAX_BANKS];
} bc_digest_set;

/* The digest for alg in set, or NULL. */
BC_EXPORT const bc_digest *bc_digest_set_find(const bc_digest_set *set, uint16_t alg);

/* Add or replace the digest of one bank. */
BC_EXPORT bc_status bc_digest_set_put(bc_digest_set *set, const bc_digest *d, bc_error *err);

/* Parse "ALG:HEX[,ALG:HEX...]" as given to `bootchain pcr extend`. */
BC_EXPORT bc_status bc_digest_set_parse(const char *text, bc_digest_set *out, bc_error *err);

/* Hash data with one algorithm. */
BC_EXPORT bc_status bc_digest_compute(uint16_t alg, const void *data, size_t len, bc_digest *out,
				      bc_error *err);

/*
 * Hash a stream in several banks at once, in one pass over the data.
 */
typedef struct bc_hasher bc_hasher;

BC_EXPORT bc_status bc_hasher_new(const uint16_t *algs, size_t count, bc_hasher **out,
				  bc_error *err);
BC_EXPORT bc_status bc_hasher_update(bc_hasher *h, const void *data, size_t len, bc_error *err);
/* Finish every bank into out (in the order given to bc_hasher_new) and reset h. */
BC_EXPORT bc_status bc_hasher_final(bc_hasher *h, bc_digest_set *out, bc_error *err);
BC_EXPORT void bc_hasher_free(bc_hasher *h);

/* Hash a whole file (or pipe) in every bank of algs, reading it once. */
BC_EXPORT bc_status bc_hash_file(const char *path, const uint16_t *algs, size_t count,
				 bc_digest_set *out, bc_error *err);

/* Lowercase hex of a digest into buf (at least 2*BC_MAX_DIGEST_SIZE+1 bytes). */
BC_EXPORT const char *bc_digest_hex(const bc_digest *d, char *buf);

#ifdef __cplusplus
}
#endif
#endif
