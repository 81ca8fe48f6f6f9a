/* SPDX-License-Identifier: BSD-3-Clause */
/* Tests: a key pair made in software that stands in for an EK, so that a credential can
 * be unwrapped without a TPM (or one made by the TPM can be checked byte for byte). */
#ifndef BC_TESTS_SOFT_EK_H
#define BC_TESTS_SOFT_EK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>
#include <tss2/tss2_tpm2_types.h>

#include "attest/keys.h"

/* A new RSA 2048 or ECC P-256 key pair, and its public area with the default EK
 * template; NULL on failure. */
EVP_PKEY *soft_ek_new(bc_key_type type, TPM2B_PUBLIC *pub);

/* An AK's public area: ECC P-256, ECDSA-SHA256, nameAlg SHA-256, these attributes and
 * the point of a new OpenSSL key; false on failure. */
bool soft_ak_public(TPMA_OBJECT attributes, TPM2B_PUBLIC *out);

/* That public area (ECC P-256, ECDSA-SHA256) for a given point: x then y, 32 bytes
 * each. */
void soft_ecc_public(const uint8_t point[64], TPMA_OBJECT attributes, TPM2B_PUBLIC *out);

/* The seed of an encrypted secret, recovered with the private key as the TPM does at
 * the start of TPM2_ActivateCredential: RSA-OAEP decryption with the label "IDENTITY",
 * or ECDH with the ephemeral point then KDFe. */
bool soft_ek_seed(EVP_PKEY *key, const TPM2B_PUBLIC *pub, const TPM2B_ENCRYPTED_SECRET *enc,
		  uint8_t *seed, size_t *len);

#endif
