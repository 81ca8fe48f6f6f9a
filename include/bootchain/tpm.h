/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Access to a TPM 2.0 through the tpm2-tss TCTI loader and ESAPI.
 */
#ifndef BOOTCHAIN_TPM_H
#define BOOTCHAIN_TPM_H

#include <bootchain/digest.h>
#include <bootchain/pcr.h>
#include <bootchain/status.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct bc_tpm bc_tpm;

/*
 * Open a TPM. tcti is a TCTI configuration as tpm2-tools takes it
 * ("device:/dev/tpmrm0", "swtpm:host=127.0.0.1,port=2321", "tabrmd"), or NULL for the
 * tss2 default (/dev/tpmrm0, then tabrmd). Choosing among -T, BOOTCHAIN_TCTI and
 * TPM2TOOLS_TCTI is the caller's business: the library does not read the environment.
 * Fails with BC_E_TCTI, naming the TCTI, when the TPM cannot be reached.
 */
BC_EXPORT bc_status bc_tpm_open(const char *tcti, bc_tpm **out, bc_error *err);

/* Flush what the context created and close it; NULL is allowed. */
BC_EXPORT void bc_tpm_close(bc_tpm *tpm);

/* The TCTI configuration this context was opened with ("default" for NULL). */
BC_EXPORT const char *bc_tpm_tcti(const bc_tpm *tpm);

/* Which banks are allocated, and which PCRs of each (TPM2_GetCapability). */
BC_EXPORT bc_status bc_tpm_allocated_banks(bc_tpm *tpm, bc_pcr_selection *out, bc_error *err);

/* Read the selected PCRs; loops because TPM2_PCR_Read returns at most 8 a call. */
BC_EXPORT bc_status bc_tpm_pcr_read(bc_tpm *tpm, const bc_pcr_selection *sel, bc_pcr_values *out,
				    bc_error *err);

/* Extend one PCR in every bank of digests with a single TPM2_PCR_Extend. A digest for a
 * bank the TPM has not allocated is BC_E_INVALID, and nothing is extended. */
BC_EXPORT bc_status bc_tpm_pcr_extend(bc_tpm *tpm, unsigned pcr, const bc_digest_set *digests,
				      bc_error *err);

/* Count the transient objects and loaded sessions now in the TPM (for tests). */
BC_EXPORT bc_status bc_tpm_count_transients(bc_tpm *tpm, unsigned *objects, unsigned *sessions,
					    bc_error *err);

#ifdef __cplusplus
}
#endif
#endif
