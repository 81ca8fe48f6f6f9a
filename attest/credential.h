/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Credential activation (TPM 2.0 Part 1, 24 "Credential Protection"; Part 3,
 * TPM2_MakeCredential and TPM2_ActivateCredential), internal to libbootchain.
 *
 * The verifier, with no TPM, wraps a secret for one AK name under an EK public key
 * (bc_make_credential); only the TPM that holds that EK, with that AK loaded, can
 * unwrap it (bc_activate_credential). That proves the AK lives in the same TPM as the
 * EK.
 *
 * seed: RSA EK: random, nameAlg-digest-sized, RSA-OAEP(nameAlg, label "IDENTITY\0");
 *       ECC EK: KDFe(nameAlg, Z, "IDENTITY", ephemeral.x, EK.x) with Z from an
 *       ephemeral ECDH; the encrypted seed is the ephemeral point (TPMS_ECC_POINT).
 * symKey = KDFa(nameAlg, seed, "STORAGE", name, -, EK's symmetric key bits)
 * encIdentity = AES-CFB(symKey, IV 0) over the secret as a TPM2B_DIGEST
 * hmacKey = KDFa(nameAlg, seed, "INTEGRITY", -, -, digest bits)
 * credentialBlob = TPM2B_DIGEST(HMAC(hmacKey, encIdentity || name)) || encIdentity
 */
#ifndef BC_ATTEST_CREDENTIAL_H
#define BC_ATTEST_CREDENTIAL_H

#include <stddef.h>
#include <stdint.h>

#include <tss2/tss2_esys.h>

#include <bootchain/status.h>
#include <bootchain/tpm.h>

#include "util/buf.h"

#define BC_CHALLENGE_FORMAT "bootchain-challenge-v1"
/* A challenge file is a few hundred bytes of JSON. */
#define BC_CHALLENGE_MAX ((size_t)64 << 10)

/*
 * TPM2_MakeCredential in software: wrap secret (1 to the digest size of the EK's
 * nameAlg bytes: 32 for the TCG EKs) for the key named ak_name under ek_pub (RSA, or
 * ECC on NIST P-256/P-384/P-521; a restricted decryption key with an AES-CFB symmetric).
 */
bc_status bc_make_credential(const TPM2B_PUBLIC *ek_pub, const TPM2B_NAME *ak_name,
			     const uint8_t *secret, size_t len, TPM2B_ID_OBJECT *blob,
			     TPM2B_ENCRYPTED_SECRET *enc_seed, bc_error *err);

/*
 * TPM2_ActivateCredential: ak is the key the credential names (empty auth), ek the EK
 * that wraps it (authorised by a PolicySecret(TPM_RH_ENDORSEMENT) session, flushed
 * before returning). A credential for another name or another EK fails with BC_E_TPM.
 * The caller wipes *secret when done.
 */
bc_status bc_activate_credential(bc_tpm *tpm, ESYS_TR ak, ESYS_TR ek, const TPM2B_ID_OBJECT *blob,
				 const TPM2B_ENCRYPTED_SECRET *enc_seed, TPM2B_DIGEST *secret,
				 bc_error *err);

/* The challenge file: {"format": "bootchain-challenge-v1", "credential": base64 of the
 * marshalled TPM2B_ID_OBJECT, "secret": base64 of the marshalled TPM2B_ENCRYPTED_SECRET}
 * (the two halves of tpm2_makecredential's output). */
bc_status bc_challenge_write(const TPM2B_ID_OBJECT *blob, const TPM2B_ENCRYPTED_SECRET *enc_seed,
			     const char *path, bc_error *err);
/* The same JSON (and a newline) into out: the body of `attest serve`'s POST /v1/activate. */
bc_status bc_challenge_json(const TPM2B_ID_OBJECT *blob, const TPM2B_ENCRYPTED_SECRET *enc_seed,
			    bc_buf *out, bc_error *err);
bc_status bc_challenge_parse(const void *data, size_t size, const char *name, TPM2B_ID_OBJECT *blob,
			     TPM2B_ENCRYPTED_SECRET *enc_seed, bc_error *err);

/* ---- the pieces, exposed for tests ---- */

/* KDFa (SP 800-108 counter mode with HMAC, Part 1 11.4.10.2): bits / 8 bytes into out.
 * label is a C string, used with its terminating NUL. bits must be a multiple of 8. */
bc_status bc_kdfa(uint16_t alg, const uint8_t *key, size_t key_len, const char *label,
		  const uint8_t *context_u, size_t u_len, const uint8_t *context_v, size_t v_len,
		  uint32_t bits, uint8_t *out, bc_error *err);

/* KDFe (SP 800-56A concatenation, Part 1 11.4.10.3), label used with its NUL. */
bc_status bc_kdfe(uint16_t alg, const uint8_t *z, size_t z_len, const char *label,
		  const uint8_t *party_u, size_t u_len, const uint8_t *party_v, size_t v_len,
		  uint32_t bits, uint8_t *out, bc_error *err);

/* The credential blob for a known seed (what MakeCredential does after choosing it). */
bc_status bc_credential_wrap(const TPMT_PUBLIC *ek, const uint8_t *seed, size_t seed_len,
			     const TPM2B_NAME *name, const uint8_t *secret, size_t len,
			     TPM2B_ID_OBJECT *blob, bc_error *err);

/* The reverse, in software, for a known seed: checks the HMAC (BC_E_MISMATCH when the
 * blob was made for another name or seed) and decrypts. */
bc_status bc_credential_unwrap(const TPMT_PUBLIC *ek, const uint8_t *seed, size_t seed_len,
			       const TPM2B_NAME *name, const TPM2B_ID_OBJECT *blob,
			       TPM2B_DIGEST *secret, bc_error *err);

#endif
