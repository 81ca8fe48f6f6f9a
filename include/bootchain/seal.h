/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Sealing a secret (a disk key) in the TPM so that it unseals only when the boot
 * matched, and unsealing it. The secret becomes a sealed data object (keyedhash,
 * fixedTPM|fixedParent|noDA, no userWithAuth) under the storage hierarchy, whose authPolicy
 * is either
 *   - "authorize": PolicyAuthorize(key name of a golden database's signing key, ref):
 *     any PCR policy that key signs (bootchain-policy(5)) unseals it, so an update
 *     needs a newly signed policy, not a reseal; or
 *   - "pcr": the PolicyOR tree root of PolicyPCR branches (the current values, or the
 *     combinations a golden database predicts), for users without a signing key.
 * The parent is the persistent SRK at BC_SEAL_SRK_HANDLE when the TPM has one, else a
 * transient primary from the SRK template of the TCG provisioning guidance (ECC NIST
 * P-256, AES-128-CFB, noDA), derived again at each unseal.
 * The sealed file is JSON, format "bootchain-sealed-v1" (bootchain-sealed(5)).
 */
#ifndef BOOTCHAIN_SEAL_H
#define BOOTCHAIN_SEAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <bootchain/golden.h>
#include <bootchain/pcr.h>
#include <bootchain/policy.h>
#include <bootchain/status.h>
#include <bootchain/tpm.h>

#ifdef __cplusplus
extern "C" {
#endif

#define BC_SEALED_FORMAT   "bootchain-sealed-v1"
#define BC_SEAL_SECRET_MAX 128	       /* MAX_SYM_DATA: what TPM2_Create seals at most */
#define BC_SEAL_SRK_HANDLE 0x81000001u /* TCG provisioning guidance: the storage root key */
/* Branches a PCR-mode sealed file keeps (an OR tree of 3 levels). */
#define BC_SEAL_BRANCHES_MAX 512
/* Marshalled TPM2B_PUBLIC / TPM2B_PRIVATE of a sealed object: a few hundred bytes. */
#define BC_SEAL_BLOB_MAX 1024

typedef enum bc_seal_mode {
	BC_SEAL_AUTHORIZE, /* PolicyAuthorize by a signing key */
	BC_SEAL_PCR,	   /* PolicyOR of PolicyPCR branches */
} bc_seal_mode;

typedef struct bc_sealed {
	bc_seal_mode mode;
	/* the parent: the persistent handle, or 0 for the transient primary of the template */
	uint32_t parent_handle;
	uint8_t parent_name[BC_POLICY_KEY_NAME_MAX];
	size_t parent_name_size;
	/* the object, marshalled as TPM2_Load takes it (and tpm2_create -u/-r write it) */
	uint8_t public_blob[BC_SEAL_BLOB_MAX];
	size_t public_size;
	uint8_t private_blob[BC_SEAL_BLOB_MAX];
	size_t private_size;
	uint8_t policy[BC_POLICY_DIGEST_SIZE]; /* the object's authPolicy */
	/* authorize mode */
	uint8_t key_name[BC_POLICY_KEY_NAME_MAX];
	size_t key_name_size;
	uint8_t ref[BC_POLICY_REF_MAX];
	size_t ref_size;
	/* pcr mode: the leaves of the OR tree, in order */
	bc_pcr_selection sel;
	bc_policy_branch *branches;
	size_t branch_count;
} bc_sealed;

/* What to seal to. */
typedef struct bc_seal_opts {
	bc_seal_mode mode;
	/* authorize: the signing key's public key (PEM) and the policyRef */
	const char *pubkey_path;
	const uint8_t *ref;
	size_t ref_size;
	/* pcr: the branches (1 to BC_SEAL_BRANCHES_MAX, all of one selection of one bank) */
	const bc_policy_branch *branches;
	size_t branch_count;
} bc_seal_opts;

/* The branch of the values the TPM holds now for the PCRs of sel (one bank). */
BC_EXPORT bc_status bc_seal_current_branch(bc_tpm *tpm, const bc_pcr_selection *sel,
					   bc_policy_branch *out, bc_error *err);

/* Every combination of the values bc_golden_predict allows for the PCRs of sel (one
 * bank), at most max; *out malloc'd. A PCR of sel without components, a version without
 * a digest in the bank, or more combinations than max is an error naming it. */
BC_EXPORT bc_status bc_seal_predicted_branches(const bc_golden *db, const bc_pcr_selection *sel,
					       size_t max, bc_policy_branch **out, size_t *count,
					       bc_error *err);

/* Seal secret (1 to BC_SEAL_SECRET_MAX bytes; more is BC_E_LIMIT naming the limit). */
BC_EXPORT bc_status bc_seal(bc_tpm *tpm, const bc_seal_opts *opts, const uint8_t *secret,
			    size_t size, bc_sealed **out, bc_error *err);

/* The sealed file, written atomically (mode 0600), and read back: strict, every field
 * checked (the authPolicy recomputed from the branches or the key name and ref) before
 * any TPM command. */
BC_EXPORT bc_status bc_sealed_write(const bc_sealed *s, const char *path, bc_error *err);
/* The file's text (NUL-terminated, *text malloc'd). */
BC_EXPORT bc_status bc_sealed_format(const bc_sealed *s, char **text, size_t *size, bc_error *err);
BC_EXPORT bc_status bc_sealed_load(const char *path, bc_sealed **out, bc_error *err);
/* The same from memory (name is used in messages). */
BC_EXPORT bc_status bc_sealed_parse(const void *data, size_t size, const char *name,
				    bc_sealed **out, bc_error *err);
BC_EXPORT void bc_sealed_free(bc_sealed *s);

typedef struct bc_unseal_opts {
	/* authorize mode: the signed policy and the public key of the signing key (PEM),
	 * whose name must be the sealed object's key name */
	const bc_signed_policy *policy;
	const char *policy_path; /* for messages */
	const char *pubkey_path;
} bc_unseal_opts;

typedef struct bc_unseal_result {
	uint8_t secret[BC_SEAL_SECRET_MAX];
	size_t size;
	size_t branch; /* the index of the branch the PCRs matched */
} bc_unseal_result;

/*
 * Unseal: load under the parent, satisfy the policy in a SHA-256 policy session (salted
 * with the parent, so the secret crosses the bus encrypted) and TPM2_Unseal. Every handle
 * is flushed on every path. BC_E_MISMATCH when the PCRs are in no branch, the policy is
 * signed by another key or the TPM refuses the policy (TPM_RC_POLICY_FAIL...); BC_E_TPM
 * for other TPM failures. Wipe out->secret when done.
 */
BC_EXPORT bc_status bc_unseal(bc_tpm *tpm, const bc_sealed *s, const bc_unseal_opts *opts,
			      bc_unseal_result *out, bc_error *err);

#ifdef __cplusplus
}
#endif
#endif
