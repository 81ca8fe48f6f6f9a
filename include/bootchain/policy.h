/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * TPM 2.0 authorization policies for sealing, computed in software (no TPM needed) and
 * equal to what a SHA-256 policy session (or tpm2_policypcr, tpm2_policyor,
 * tpm2_policyauthorize) computes:
 *   - PolicyPCR: one combination of PCR values (a "branch");
 *   - PolicyOR: several branches, at most 8 a PolicyOR, as a tree when more;
 *   - PolicyAuthorize: the policy a golden database's signing key approves, so that the
 *     publisher of the database, not the machine, decides which values may unseal.
 * And signed PCR policies, format "bootchain-policy-v1" (bootchain-policy(5)): the
 * branches a golden database allows, their PolicyOR root, signed by the database's key.
 */
#ifndef BOOTCHAIN_POLICY_H
#define BOOTCHAIN_POLICY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <bootchain/digest.h>
#include <bootchain/pcr.h>
#include <bootchain/status.h>

#ifdef __cplusplus
extern "C" {
#endif

#define BC_POLICY_FORMAT       "bootchain-policy-v1"
#define BC_POLICY_DIGEST_SIZE  32 /* policies are SHA-256 sessions */
#define BC_POLICY_OR_MAX       8  /* digests one TPM2_PolicyOR takes */
#define BC_POLICY_REF_MAX      64 /* bytes of a policyRef */
#define BC_POLICY_KEY_NAME_MAX 66

typedef struct bc_golden bc_golden;

/* One combination of PCR values: the values of the PCRs of sel (one bank), in PCR order,
 * and its PolicyPCR digest (from a zero session digest). */
typedef struct bc_policy_branch {
	bc_pcr_selection sel;
	size_t count;
	bc_digest values[BC_PCR_COUNT];
	uint8_t digest[BC_POLICY_DIGEST_SIZE];
} bc_policy_branch;

/* PolicyPCR from the session digest before (NULL: zero) over values (count, PCR order of
 * sel): policy' = H(policy || TPM_CC_PolicyPCR || TPML_PCR_SELECTION || H(values)). */
BC_EXPORT bc_status bc_policy_pcr(const uint8_t *before, const bc_pcr_selection *sel,
				  const bc_digest *values, size_t count,
				  uint8_t out[BC_POLICY_DIGEST_SIZE], bc_error *err);

/* Fill b->digest from b->sel and b->values. */
BC_EXPORT bc_status bc_policy_branch_digest(bc_policy_branch *b, bc_error *err);

/* The root of the PolicyOR tree over leaves (count >= 1): leaves are grouped by 8 in
 * order, each group's PolicyOR is a node of the level above, again until one is left; a
 * group of one digest is passed up unchanged (PolicyOR needs two), so one leaf is its own
 * root. */
BC_EXPORT bc_status bc_policy_or_root(const uint8_t (*leaves)[BC_POLICY_DIGEST_SIZE], size_t count,
				      uint8_t root[BC_POLICY_DIGEST_SIZE], bc_error *err);

/* One TPM2_PolicyOR call on the way from a leaf to the root: its digest list. */
typedef struct bc_policy_or_step {
	size_t count;
	uint8_t digests[BC_POLICY_OR_MAX][BC_POLICY_DIGEST_SIZE];
} bc_policy_or_step;

/* The PolicyOR calls that take a session holding leaves[index] to the root, in order;
 * *steps malloc'd (none for a single leaf). */
BC_EXPORT bc_status bc_policy_or_path(const uint8_t (*leaves)[BC_POLICY_DIGEST_SIZE], size_t count,
				      size_t index, bc_policy_or_step **steps, size_t *step_count,
				      bc_error *err);

/* The TPM name of the public key in pubkey_path (PEM: ECDSA P-256/P-384 or RSA 2048-4096)
 * as TPM2_LoadExternal loads it with the template of bootchain-policy(5) (nameAlg SHA-256,
 * attributes sign|decrypt|userWithAuth, no scheme): nameAlg || H(TPMT_PUBLIC). */
BC_EXPORT bc_status bc_policy_key_name(const char *pubkey_path, uint8_t *name, size_t *name_size,
				       bc_error *err);

/* PolicyAuthorize from a zero session digest:
 * H(H(0 || TPM_CC_PolicyAuthorize || key_name) || ref). */
BC_EXPORT bc_status bc_policy_authorize(const uint8_t *key_name, size_t name_size,
					const uint8_t *ref, size_t ref_size,
					uint8_t out[BC_POLICY_DIGEST_SIZE], bc_error *err);

/* ---- signed PCR policies ---- */

typedef struct bc_signed_policy {
	char *golden_sha256;	    /* hex SHA-256 of the database file it was made from, or NULL */
	bc_pcr_selection sel;	    /* one bank */
	bc_policy_branch *branches; /* in file order: the leaves of the OR tree */
	size_t branch_count;
	uint8_t approved[BC_POLICY_DIGEST_SIZE]; /* the OR root */
	uint8_t ref[BC_POLICY_REF_MAX];
	size_t ref_size;
	uint8_t key_name[BC_POLICY_KEY_NAME_MAX];
	size_t key_name_size;
	uint8_t *signature; /* DER (ECDSA) or PKCS#1 v1.5 (RSA), over SHA-256(approved || ref) */
	size_t signature_size;
} bc_signed_policy;

/*
 * Make the signed policy of every combination of values that bc_golden_predict allows
 * for the PCRs of sel (one bank), at most max_branches combinations (else BC_E_LIMIT,
 * naming the count), signed with key_path (the database's signing key, PEM).
 * Branches are the product of each PCR's values, the last PCR varying fastest. A PCR of
 * sel without a component holds its reset value when the database explains it
 * ("explained_pcrs"), else BC_E_INVALID naming it; so does a PCR whose value is unknown
 * (a version without a digest in that bank). golden_sha256 is the hash of the file
 * db_path (NULL: none).
 */
BC_EXPORT bc_status bc_signed_policy_make(const bc_golden *db, const char *db_path,
					  const bc_pcr_selection *sel, size_t max_branches,
					  const uint8_t *ref, size_t ref_size, const char *key_path,
					  bc_signed_policy **out, bc_error *err);

/* The PCRs a signed policy of db covers when none are chosen: in the sha256 bank, each
 * PCR db has a component in (the PCRs its versions decide). BC_E_INVALID when db has
 * no component. */
BC_EXPORT bc_status bc_signed_policy_default_pcrs(const bc_golden *db, bc_pcr_selection *sel,
						  bc_error *err);

/* Read a policy file: strict, as golden databases are (messages name the file and the
 * JSON path); the branch digests and the OR root are recomputed and must equal. The
 * signature is not checked here (the TPM checks it, or bc_signed_policy_verify). */
BC_EXPORT bc_status bc_signed_policy_load(const char *path, bc_signed_policy **out, bc_error *err);
BC_EXPORT bc_status bc_signed_policy_write(const bc_signed_policy *p, const char *path,
					   bc_error *err);
/* Check the signature with pubkey_path and that the key name is that key's. */
BC_EXPORT bc_status bc_signed_policy_verify(const bc_signed_policy *p, const char *pubkey_path,
					    bc_error *err);
/* The branch whose values equal current's (the PCRs of p->sel), or BC_E_NOTFOUND with
 * a message naming the first PCR whose value no branch allows. */
BC_EXPORT bc_status bc_signed_policy_find(const bc_signed_policy *p, const bc_pcr_values *current,
					  size_t *index, bc_error *err);
BC_EXPORT void bc_signed_policy_free(bc_signed_policy *p);

#ifdef __cplusplus
}
#endif
#endif
