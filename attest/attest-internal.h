/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef BC_ATTEST_INTERNAL_H
#define BC_ATTEST_INTERNAL_H

#include <bootchain/attest.h>

#include "util/json.h"

/* H(the selected values, bank by bank in selection order, PCRs ascending) in alg: the
 * pcrDigest of TPM2_Quote. false when a selected value is missing. */
bool bc_pcr_values_digest(const bc_pcr_values *values, const bc_pcr_selection *sel, uint16_t alg,
			  bc_digest *out);

/* Whether the quote in ev is over the PCR values in ev (digest only, no signature). */
bool bc_quote_digest_matches(const bc_evidence *ev);

/* The evidence document but for "nonce", the object left open: `attest serve` shares it
 * between the answers of a batch, each adding its own nonce and Merkle path. */
void bc_evidence_json_open(bc_json *j, const bc_evidence *ev);

/* The evidence file's text (what bc_evidence_write() writes), appended to out: for a
 * caller that writes it elsewhere (standard output). */
bc_status bc_evidence_render(const bc_evidence *ev, bc_buf *out, bc_error *err);

/*
 * The machine's Keep report for ev's nonce and the AK named ak_name, into ev's
 * keep_report, keep_provider and (TDX) keep_eventlog: configfs-tsm under tsm_root when
 * given; else the vTPM's HCL report when the TPM has one (an Azure confidential VM);
 * else configfs-tsm under the kernel's root. `attest quote --keep` and `attest serve`
 * (its quotes and its identity) read the Keep through this one function.
 */
bc_status bc_keep_gather(bc_tpm *tpm, const char *tsm_root, const uint8_t *ak_name,
			 size_t ak_name_size, bc_evidence *ev, bc_error *err);

#endif
