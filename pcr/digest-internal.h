/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef BC_PCR_DIGEST_INTERNAL_H
#define BC_PCR_DIGEST_INTERNAL_H

#include <stdint.h>

#include <openssl/evp.h>

/* The OpenSSL digest of a TPM2_ALG id, fetched once per process; NULL if unavailable. */
const EVP_MD *bc_hash_alg_md(uint16_t id);

#endif
