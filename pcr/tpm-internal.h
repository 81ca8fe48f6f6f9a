/* SPDX-License-Identifier: BSD-3-Clause */
/* What other library components need of a bc_tpm beyond the public API. */
#ifndef BC_PCR_TPM_INTERNAL_H
#define BC_PCR_TPM_INTERNAL_H

#include <tss2/tss2_esys.h>

#include <bootchain/tpm.h>

ESYS_CONTEXT *bc_tpm_esys(bc_tpm *tpm);

/* Remember a transient object or session so that bc_tpm_close() flushes it even when
 * the caller returns early on an error. */
bc_status bc_tpm_track(bc_tpm *tpm, ESYS_TR handle, bc_error *err);

/* Flush a tracked handle now and forget it. */
void bc_tpm_flush(bc_tpm *tpm, ESYS_TR handle);

/* Whether a handle (persistent object or NV index) exists, from TPM2_GetCapability. */
bc_status bc_tpm_handle_exists(bc_tpm *tpm, TPM2_HANDLE handle, bool *exists, bc_error *err);

/* Fill err from a TSS2_RC: BC_E_TCTI for transport failures, BC_E_TPM otherwise, with
 * what failed, the tss2-rc text of rc and the TCTI. Returns the status. */
bc_status bc_tpm_fail(bc_tpm *tpm, bc_error *err, TSS2_RC rc, const char *what);

/* After a command over sel failed with rc: BC_E_INVALID naming a bank of sel that the TPM
 * does not have, else as bc_tpm_fail. */
bc_status bc_tpm_selection_fail(bc_tpm *tpm, const bc_pcr_selection *sel, TSS2_RC rc,
				const char *what, bc_error *err);

/* A selection as the TPM takes it (banks without PCRs left out), and back. */
void bc_selection_to_tpml(const bc_pcr_selection *sel, TPML_PCR_SELECTION *out);

#endif
