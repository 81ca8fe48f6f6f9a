/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The TPM side of signed policies, for the seal/ files that talk to the TPM: the public
 * area under which TPM2_LoadExternal loads the signing key (the template of
 * bootchain-policy(5)), the digest TPM2_VerifySignature checks, and a policy's signature
 * as a TPMT_SIGNATURE.
 */
#ifndef BC_SEAL_POLICY_INTERNAL_H
#define BC_SEAL_POLICY_INTERNAL_H

#include <openssl/evp.h>
#include <tss2/tss2_tpm2_types.h>

#include <bootchain/policy.h>

/* The public area of the key in pubkey_path (PEM public key) with the template of
 * bootchain-policy(5): as `tpm2_loadexternal -G ecc|rsa -a "sign|decrypt|userwithauth"
 * -u PUB.pem` loads it. */
bc_status bc_policy_key_public(const char *pubkey_path, TPM2B_PUBLIC *out, bc_error *err);

/* The same from a key in memory (a private key's public half); name is for messages. */
bc_status bc_policy_pkey_public(EVP_PKEY *key, const char *name, TPM2B_PUBLIC *out, bc_error *err);

/* The TPM name of a public area: nameAlg (SHA-256) || SHA-256(TPMT_PUBLIC). */
bc_status bc_policy_public_name(const TPM2B_PUBLIC *pub, uint8_t *name, size_t *name_size,
				bc_error *err);

/* aHash, the digest the key signs and TPM2_VerifySignature checks:
 * SHA-256(approved || ref). */
bc_status bc_policy_approved_hash(const bc_signed_policy *p, uint8_t out[BC_POLICY_DIGEST_SIZE],
				  bc_error *err);

/* p's signature for TPM2_VerifySignature with the key key (its public area, as
 * bc_policy_key_public gives it): TPM2_ALG_ECDSA (r and s padded to the curve's size) or
 * TPM2_ALG_RSASSA, both with hash SHA-256. */
bc_status bc_policy_tpm_signature(const bc_signed_policy *p, const TPM2B_PUBLIC *key,
				  TPMT_SIGNATURE *out, bc_error *err);

#endif
