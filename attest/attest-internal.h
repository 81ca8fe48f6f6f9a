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

#endif
