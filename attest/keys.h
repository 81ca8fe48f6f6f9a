/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Endorsement and attestation keys (internal to libbootchain).
 *
 * The EK is the TCG EK Credential Profile's default key (template L-1 for RSA 2048,
 * L-2 for ECC NIST P-256), created with TPM2_CreatePrimary under the endorsement
 * hierarchy, or the persistent EK the TCG provisioning guidance puts at 0x81010001
 * (RSA) or 0x81010002 (ECC) when there is one. Its certificate, when the manufacturer
 * provisioned one, lives in NV at 0x01c00002 (RSA) or 0x01c0000a (ECC).
 *
 * The AK is a restricted signing key created under the EK (ECC P-256/ECDSA-SHA256 by
 * default, RSA 2048/RSASSA-SHA256 as an option) with an empty auth value. It is made
 * persistent (default BC_AK_DEFAULT_HANDLE) or saved to a context file in the format
 * of tpm2-tools (`tpm2_quote -c ak.ctx` loads it).
 */
#ifndef BC_ATTEST_KEYS_H
#define BC_ATTEST_KEYS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <tss2/tss2_esys.h>

#include <bootchain/status.h>
#include <bootchain/tpm.h>

typedef enum bc_key_type {
	BC_KEY_RSA, /* RSA 2048 */
	BC_KEY_ECC, /* ECC NIST P-256 */
} bc_key_type;

/* TCG handles (TPM v2.0 Provisioning Guidance, EK Credential Profile). */
#define BC_EK_RSA_HANDLE     0x81010001u
#define BC_EK_ECC_HANDLE     0x81010002u
#define BC_EK_RSA_CERT_INDEX 0x01c00002u
#define BC_EK_ECC_CERT_INDEX 0x01c0000au

/*
 * Where `attest ak create` persists the AK and `attest quote`/`activate` look for it
 * unless told otherwise: the first handle after the two EK handles of the TCG TPM v2.0
 * Provisioning Guidance (0x81010001 RSA, 0x81010002 ECC), which an AK must not take
 * (tpm2-tools' examples put their AK at 0x81010002: not us). The TCG registry of
 * reserved handles sets 0x81010000-0x8101FFFF aside for endorsement-hierarchy keys;
 * any owner persistent handle (0x81000000-0x817FFFFF) may be chosen instead.
 */
#define BC_AK_DEFAULT_HANDLE 0x81010003u

/* Whether a TPM handle is a persistent object's (0x81xxxxxx). tss2's TPM2_HR_PERSISTENT
 * shifts a signed int into its sign bit, which UBSan rejects. */
static inline bool bc_handle_is_persistent(uint32_t handle)
{
	return handle >> 24 == 0x81u;
}

/* "rsa" or "ecc"; false on anything else. */
bool bc_key_type_parse(const char *text, bc_key_type *out);
const char *bc_key_type_name(bc_key_type type);

/*
 * The EK: the persistent one at the TCG handle when it exists (its public area must
 * be of the requested type), else a transient primary created from the default
 * template and tracked with bc_tpm_track(). Call bc_ek_close() when done. pub may be
 * NULL.
 */
bc_status bc_ek_open(bc_tpm *tpm, bc_key_type type, ESYS_TR *handle, TPM2B_PUBLIC *pub,
		     bc_error *err);
/*
 * TPM2_CreatePrimary of an EK of template tmpl in the endorsement hierarchy (empty
 * endorsement auth, no outside info, no creation PCRs): bc_ek_open()'s transient EK and
 * the EKs of the high-range templates (ekcert-nv.c). On success *handle is the new
 * transient object, not tracked, and *pub (when not NULL) its public area. Returns the
 * TPM's response code for the caller to judge and word.
 */
TSS2_RC bc_ek_create_primary(bc_tpm *tpm, const TPM2B_PUBLIC *tmpl, ESYS_TR *handle,
			     TPM2B_PUBLIC *pub);
/* Flush a transient EK; of a persistent one, only release the ESYS_TR. */
void bc_ek_close(bc_tpm *tpm, ESYS_TR handle);

/* The default EK template (TCG EK Credential Profile L-1 or L-2). */
void bc_ek_default_template(bc_key_type type, TPM2B_PUBLIC *out);

/* The EK certificate (DER, *der malloc'd) from its NV index; BC_E_NOTFOUND when the
 * index is not defined. */
bc_status bc_ek_cert_read(bc_tpm *tpm, bc_key_type type, uint8_t **der, size_t *len, bc_error *err);

/* The whole content of an existing NV index (a certificate, or certificates one after
 * the other, as the TPM keeps them: padding included), in chunks of the TPM's
 * TPM2_PT_NV_BUFFER_MAX; *der is malloc'd. */
bc_status bc_nv_cert_read(bc_tpm *tpm, uint32_t index, uint8_t **der, size_t *len, bc_error *err);

/* The TPM handle behind an ESYS_TR (0x81... for a persistent key), or 0. */
uint32_t bc_key_tpm_handle(bc_tpm *tpm, ESYS_TR handle);

/* Whether the public key of the EK certificate (DER) is the EK's; BC_E_FORMAT when the
 * certificate does not parse. */
bc_status bc_ek_cert_matches(const uint8_t *der, size_t len, const TPMT_PUBLIC *ek, bool *match,
			     bc_error *err);

/* TPM2_ActivateCredential of a challenge with the EK of ek_type and the AK named by
 * ak_spec (as bc_ak_open takes it): the secret it recovers proves the AK is in the
 * EK's TPM (`attest activate`, POST /v1/activate). */
bc_status bc_activate_with_keys(bc_tpm *tpm, bc_key_type ek_type, const char *ak_spec,
				const TPM2B_ID_OBJECT *blob, const TPM2B_ENCRYPTED_SECRET *seed,
				TPM2B_DIGEST *secret, bc_error *err);

/* The PEM text of a DER certificate; *pem is malloc'd. */
bc_status bc_cert_to_pem(const uint8_t *der, size_t len, char **pem, bc_error *err);

/*
 * An EK public key as the verifier has it, in software: a marshalled TPM2B_PUBLIC (as
 * `attest ek --out-public` and tpm2_createek -u write it), or PEM: a public key or the
 * EK certificate. A PEM key is taken to be an EK of the default template (nameAlg
 * SHA-256, AES-128-CFB): give the TPM2B_PUBLIC for any other.
 */
bc_status bc_ek_public_load(const uint8_t *data, size_t size, const char *name, TPM2B_PUBLIC *out,
			    bc_error *err);

/* A key name: 2 bytes of hash algorithm then a digest of that algorithm. */
bc_status bc_name_parse(const uint8_t *data, size_t size, const char *what, TPM2B_NAME *out,
			bc_error *err);

/* A policy session satisfying the EK's authPolicy: PolicySecret(TPM_RH_ENDORSEMENT)
 * with an empty endorsement auth. Tracked; flush it with bc_tpm_flush(). */
bc_status bc_ek_policy_session(bc_tpm *tpm, ESYS_TR *session, bc_error *err);

typedef struct bc_ak {
	ESYS_TR handle;
	bool transient; /* loaded from a context file: bc_ak_close() flushes it */
	TPM2B_PUBLIC pub;
	TPM2B_NAME name;
} bc_ak;

/* How to keep the AK made by bc_ak_create(). */
typedef struct bc_ak_create_opts {
	bc_key_type type;    /* of the AK */
	bc_key_type ek_type; /* of the EK it is created under */
	uint32_t persistent; /* a persistent handle, or 0 to save a context */
	bool force;	     /* evict whatever already is at persistent */
	const char *context; /* with persistent == 0: write the context file here */
	/* NULL-terminated, or NULL: files the caller writes once the AK is made, checked
	 * (folder exists and is writable, not a folder) before the first TPM change */
	const char *const *outputs;
} bc_ak_create_opts;

/*
 * Check every output path (opts->context, opts->outputs), then create an AK under the
 * EK, load it, and either persist it (TPM2_EvictControl with an
 * empty owner auth; an occupied handle is BC_E_INVALID unless opts->force) or save its
 * context to opts->context (atomically). out gets its public area and name; out->handle
 * is the persistent handle's ESYS_TR, or ESYS_TR_NONE once saved to a file.
 */
bc_status bc_ak_create(bc_tpm *tpm, const bc_ak_create_opts *opts, bc_ak *out, bc_error *err);

/* spec: a persistent handle ("0x81010003") or a context file as `attest ak create
 * --context` and tpm2-tools write. */
bc_status bc_ak_open(bc_tpm *tpm, const char *spec, bc_ak *out, bc_error *err);
void bc_ak_close(bc_tpm *tpm, bc_ak *ak);

/* Parse a persistent handle ("0x81010003", hex): false unless in 0x81000000-0x81FFFFFF. */
bool bc_persistent_handle_parse(const char *text, uint32_t *out);

/*
 * tpm2-tools' context file format (files_save_tpm_context_to_file): big-endian
 * u32 magic 0xBADCC0DE, u32 version 1, u32 hierarchy, u32 savedHandle, u64 sequence,
 * u16 size, context blob.
 */
bc_status bc_context_marshal(const TPMS_CONTEXT *ctx, uint8_t *buf, size_t size, size_t *len,
			     bc_error *err);
bc_status bc_context_unmarshal(const uint8_t *data, size_t size, const char *name,
			       TPMS_CONTEXT *out, bc_error *err);

#endif
