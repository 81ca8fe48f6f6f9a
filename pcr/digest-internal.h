/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef BC_PCR_DIGEST_INTERNAL_H
#define BC_PCR_DIGEST_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

#include <openssl/evp.h>

/* The OpenSSL digest of a TPM2_ALG id, fetched once per process; NULL if unavailable. */
const EVP_MD *bc_hash_alg_md(uint16_t id);

/* value = H(value || digest), both size bytes (the digest size of alg), without
 * allocating. False when alg cannot be computed. */
bool bc_extend_value(uint16_t alg, uint16_t size, uint8_t *value, const uint8_t *digest);

#endif
