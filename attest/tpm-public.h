/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * TPM public areas (TPM2B_PUBLIC / TPMT_PUBLIC) and OpenSSL keys: converting an AK's or
 * EK's public area to an EVP_PKEY (verification, PEM output), computing its name, and
 * (un)marshalling it as tpm2-tools writes it.
 */
#ifndef BC_ATTEST_TPM_PUBLIC_H
#define BC_ATTEST_TPM_PUBLIC_H

#include <openssl/evp.h>
#include <tss2/tss2_tpm2_types.h>

#include <bootchain/status.h>

/* An RSA or ECC (NIST P-256/P-384/P-521) public area as an OpenSSL public key. */
bc_status bc_tpm_public_to_pkey(const TPMT_PUBLIC *pub, EVP_PKEY **out, bc_error *err);

/* An ECC public area's point as OpenSSL writes it: 0x04, then x and y left-padded to the
 * field size. false for anything else, or a point that does not fit max. */
bool bc_tpm_ecc_point(const TPMT_PUBLIC *pub, uint8_t *out, size_t max, size_t *len);

/* The name of a public area: nameAlg (2 bytes, big-endian) || H_nameAlg(TPMT_PUBLIC). */
bc_status bc_tpm_public_name(const TPMT_PUBLIC *pub, TPM2B_NAME *out, bc_error *err);

/*
 * The objectAttributes an AK must have: restricted and sign, so that the TPM signs with
 * it only digests it computed itself (a quote, a certification) and never bytes that
 * begin with TPM_GENERATED; fixedTPM, fixedParent and sensitiveDataOrigin, so that its
 * private part was made in this TPM and never leaves it. And not decrypt.
 */
#define BC_AK_REQUIRED_ATTRIBUTES                                                   \
	(TPMA_OBJECT_RESTRICTED | TPMA_OBJECT_SIGN_ENCRYPT | TPMA_OBJECT_FIXEDTPM | \
	 TPMA_OBJECT_FIXEDPARENT | TPMA_OBJECT_SENSITIVEDATAORIGIN)
#define BC_AK_FORBIDDEN_ATTRIBUTES TPMA_OBJECT_DECRYPT

/* Whether pub may serve as an AK: BC_E_MISMATCH naming each required attribute it lacks
 * (in tpm2-tools' spelling: "restricted", "sign", "fixedtpm"...) and "decrypt" when it has
 * it; an RSA or ECC key only. name is used in messages. */
bc_status bc_ak_public_check(const TPMT_PUBLIC *pub, const char *name, bc_error *err);

/* Parse a marshalled TPM2B_PUBLIC (as tpm2_createak -u and tpm2_readpublic -o write it)
 * that fills size bytes exactly; name is used in messages. */
bc_status bc_tpm_public_unmarshal(const uint8_t *data, size_t size, const char *name,
				  TPM2B_PUBLIC *out, bc_error *err);

/* Marshal a TPM2B_PUBLIC into buf (at least sizeof(TPM2B_PUBLIC) bytes). */
bc_status bc_tpm_public_marshal(const TPM2B_PUBLIC *pub, uint8_t *buf, size_t size, size_t *len,
				bc_error *err);

/* The PEM text (SubjectPublicKeyInfo) of a public key; *pem is malloc'd. */
bc_status bc_pkey_to_pem(EVP_PKEY *key, char **pem, bc_error *err);

#endif
