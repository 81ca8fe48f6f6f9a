/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Enrolment of a machine (bootchain-enrolment(5)): the verifier learns a machine's
 * identity from its `attest serve` (GET /v1/identity), checks that the EK certificate
 * chains to a manufacturer's CA and certifies the EK, that the AK is a restricted
 * signing key, and that the AK lives in the TPM of that EK (a credential challenge
 * that only that TPM can answer, POST /v1/activate); then it keeps an enrolment record
 * that `attest verify` and `attest poll` take instead of a bare AK.
 *
 * The library makes the checks and reads and writes the records; the HTTP is the
 * caller's.
 */
#ifndef BOOTCHAIN_ENROLMENT_H
#define BOOTCHAIN_ENROLMENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <bootchain/attest.h>
#include <bootchain/ekcert.h>
#include <bootchain/status.h>

#ifdef __cplusplus
extern "C" {
#endif

#define BC_ENROLMENT_FORMAT	      "bootchain-enrolment-v1"
#define BC_ENROLMENT_MAX	      ((size_t)1 << 20) /* a record is a few kilobytes */
#define BC_IDENTITY_MAX		      ((size_t)1 << 20) /* an identity answer, certificates and all */
#define BC_IDENTITY_MAX_CERT	      16384
#define BC_IDENTITY_MAX_INTERMEDIATES 16
#define BC_KEY_NAME_MAX		      66 /* 2 bytes of algorithm, a digest up to SHA-512 */
#define BC_CHIP_ID_SIZE		      64 /* SEV-SNP CHIP_ID */
#define BC_ENROLMENT_SECRET_SIZE      32

/* The kinds of Keep an identity and a record name ("keep": {"kind"}); a "keep" without
 * "kind" (records and identities before kinds) is SEV-SNP. */
#define BC_KEEP_KIND_SEV_SNP "sev-snp" /* SEV-SNP, and an Azure HCL report over SEV-SNP */
#define BC_KEEP_KIND_TDX     "tdx"     /* a TD: no chip id */

/* Whether a Keep of that kind has a chip id (keep_chip_id is meaningful). */
static inline bool bc_keep_kind_has_chip_id(const char *kind)
{
	return strcmp(kind, BC_KEEP_KIND_SEV_SNP) == 0;
}

/* What a machine says of itself (GET /v1/identity). Nothing in it is trusted until
 * bc_enrolment_check_identity() and the activation have vouched for it. */
typedef struct bc_identity {
	uint8_t *ek_certificate; /* DER; NULL: the machine has none */
	size_t ek_certificate_size;
	size_t intermediate_count; /* certificates from the TPM's NV, untrusted helpers */
	uint8_t *intermediates[BC_IDENTITY_MAX_INTERMEDIATES];
	size_t intermediate_sizes[BC_IDENTITY_MAX_INTERMEDIATES];
	char ek_type[16];			   /* "rsa" or "ecc" */
	uint8_t ek_public[BC_EVIDENCE_MAX_PUBLIC]; /* TPM2B_PUBLIC, marshalled */
	size_t ek_public_size;
	uint8_t ak_public[BC_EVIDENCE_MAX_PUBLIC]; /* TPM2B_PUBLIC, marshalled */
	size_t ak_public_size;
	uint8_t ak_name[BC_KEY_NAME_MAX];
	size_t ak_name_size;
	/* the Keep (TEE) the machine runs in: its kind (BC_KEEP_KIND_*), the configfs-tsm
	 * provider of its reports, and the chip id when the kind has one (SEV-SNP) */
	bool has_keep;
	char keep_kind[16];
	char keep_provider[64];
	uint8_t keep_chip_id[BC_CHIP_ID_SIZE];
} bc_identity;

/* The JSON of GET /v1/identity and back. Parsing refuses missing fields, bad base64 or
 * hex and oversized values, naming the field. *json (malloc'd) ends with a newline. */
BC_EXPORT bc_status bc_identity_to_json(const bc_identity *id, char **json, size_t *size,
					bc_error *err);
BC_EXPORT bc_status bc_identity_parse(const void *data, size_t size, const char *name,
				      bc_identity *out, bc_error *err);
BC_EXPORT void bc_identity_free(bc_identity *id);

/* An enrolment record. */
typedef struct bc_enrolment {
	char host[256]; /* HOST[:PORT] of the URL */
	char url[1024];
	char time[32];	/* ISO 8601 UTC, "2026-12-02T00:44:29Z" */
	bool certified; /* false: enrolled without an EK certificate (--allow-uncertified) */
	/* certified: SHA-256 of the EK certificate (0) up to the store certificate that
	 * anchored it (chain_len - 1), the anchor's subject and the store file it came from */
	size_t chain_len;
	uint8_t chain[BC_EK_CHAIN_MAX][32];
	char anchor_subject[256], anchor_file[256];
	char ek_type[16];
	uint8_t ek_public[BC_EVIDENCE_MAX_PUBLIC];
	size_t ek_public_size;
	uint8_t ak_public[BC_EVIDENCE_MAX_PUBLIC];
	size_t ak_public_size;
	uint8_t ak_name[BC_KEY_NAME_MAX];
	size_t ak_name_size;
	/* enrolled with its Keep: later evidence must carry a report of that kind (and of
	 * that chip, when the kind has a chip id) */
	bool has_keep;
	char keep_kind[16];
	char keep_provider[64];
	uint8_t keep_chip_id[BC_CHIP_ID_SIZE];
} bc_enrolment;

/*
 * Judge an identity for enrolment; on success fill rec (but host, url and time) from
 * it. Refusals are BC_E_MISMATCH with the reason: no EK certificate (unless
 * allow_uncertified), an EK certificate not trusted by store (the verdict and why; a
 * certificate present is always verified, allow_uncertified or not), a certificate
 * whose key is not the EK given, an AK public area that is not a restricted signing
 * key, an AK name that is not its public area's. at: the time to check certificates
 * at (0: now).
 */
BC_EXPORT bc_status bc_enrolment_check_identity(const bc_identity *id, const bc_ca_store *store,
						bool allow_uncertified, int64_t at,
						bc_enrolment *rec, bc_error *err);

/*
 * The credential challenge (TPM2_MakeCredential in software) for rec's AK name under its
 * EK, with a fresh random secret of BC_ENROLMENT_SECRET_SIZE bytes into secret: *body
 * (malloc'd) is the POST /v1/activate body, a challenge file of `attest challenge`
 * ({"format": "bootchain-challenge-v1", "credential", "secret"}). The caller wipes
 * secret.
 */
BC_EXPORT bc_status bc_enrolment_challenge(const bc_enrolment *rec,
					   uint8_t secret[BC_ENROLMENT_SECRET_SIZE], char **body,
					   size_t *size, bc_error *err);

/* The answer of POST /v1/activate, {"secret": base64}, must hold secret (compared in
 * constant time): else BC_E_MISMATCH (a wrong, replayed or forged answer), or
 * BC_E_FORMAT when it does not parse. */
BC_EXPORT bc_status bc_enrolment_check_answer(const void *answer, size_t size,
					      const uint8_t secret[BC_ENROLMENT_SECRET_SIZE],
					      bc_error *err);

/* HOST[:PORT] of an http:// or https:// URL ("[::1]:8080" for IPv6), lower-cased;
 * false when it is not one. */
BC_EXPORT bool bc_enrolment_host_of_url(const char *url, char *host, size_t size);

/* The record as JSON, and written atomically (mode 0644) to path. */
BC_EXPORT bc_status bc_enrolment_to_json(const bc_enrolment *rec, char **json, size_t *size,
					 bc_error *err);
BC_EXPORT bc_status bc_enrolment_write(const bc_enrolment *rec, const char *path, bc_error *err);
BC_EXPORT bc_status bc_enrolment_parse(const void *data, size_t size, const char *name,
				       bc_enrolment *out, bc_error *err);

/* The records of a file, or of every *.json file of a folder (an empty folder is an
 * error; so is a file that is not a record, named). */
typedef struct bc_enrolment_set bc_enrolment_set;

BC_EXPORT bc_status bc_enrolment_set_load(const char *path, bc_enrolment_set **out, bc_error *err);
BC_EXPORT void bc_enrolment_set_free(bc_enrolment_set *set);
BC_EXPORT size_t bc_enrolment_set_count(const bc_enrolment_set *set);
BC_EXPORT const bc_enrolment *bc_enrolment_set_get(const bc_enrolment_set *set, size_t i);
/* The record of the AK of that name, or of that host (HOST[:PORT], or a record file's
 * name without .json); NULL when none. */
BC_EXPORT const bc_enrolment *bc_enrolment_set_find_ak(const bc_enrolment_set *set,
						       const uint8_t *name, size_t size);
BC_EXPORT const bc_enrolment *bc_enrolment_set_find_host(const bc_enrolment_set *set,
							 const char *host);

#ifdef __cplusplus
}
#endif
#endif
