/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * PCR selections in the tpm2-tools syntax ("sha256:0,1,2+sha1:all", ranges "0-7")
 * and sets of PCR values, one row of values per bank.
 */
#ifndef BOOTCHAIN_PCR_H
#define BOOTCHAIN_PCR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <bootchain/digest.h>
#include <bootchain/status.h>

#ifdef __cplusplus
extern "C" {
#endif

#define BC_PCR_COUNT	24
#define BC_PCR_ALL_MASK 0x00ffffffu

typedef struct bc_pcr_bank_selection {
	uint16_t alg;
	uint32_t mask; /* bit n selects PCR n */
} bc_pcr_bank_selection;

typedef struct bc_pcr_selection {
	size_t count;
	bc_pcr_bank_selection banks[BC_MAX_BANKS];
} bc_pcr_selection;

/* Parse the tpm2-tools syntax. A bank named twice has its PCRs merged. */
BC_EXPORT bc_status bc_pcr_selection_parse(const char *text, bc_pcr_selection *out, bc_error *err);

/* Format as "sha1:0,1,2+sha256:0-7" (ranges folded); returns the length that the full
 * text needs, like snprintf. */
BC_EXPORT size_t bc_pcr_selection_format(const bc_pcr_selection *sel, char *buf, size_t size);

/* Select the same PCRs (mask) in every bank of banks. */
BC_EXPORT void bc_pcr_selection_from_banks(const bc_pcr_selection *banks, uint32_t mask,
					   bc_pcr_selection *out);

/* Add PCRs of one bank to sel. */
BC_EXPORT bc_status bc_pcr_selection_add(bc_pcr_selection *sel, uint16_t alg, uint32_t mask,
					 bc_error *err);

/* Mask of alg in sel, 0 when the bank is not selected. */
BC_EXPORT uint32_t bc_pcr_selection_mask(const bc_pcr_selection *sel, uint16_t alg);

typedef struct bc_pcr_bank {
	uint16_t alg;
	uint16_t size;
	uint32_t mask; /* which values are set */
	uint8_t values[BC_PCR_COUNT][BC_MAX_DIGEST_SIZE];
} bc_pcr_bank;

typedef struct bc_pcr_values {
	size_t count;
	bc_pcr_bank banks[BC_MAX_BANKS];
} bc_pcr_values;

/* The bank of alg, or NULL. */
BC_EXPORT bc_pcr_bank *bc_pcr_values_bank(bc_pcr_values *values, uint16_t alg);

/* The bank of alg, created (all values unset) when missing. */
BC_EXPORT bc_status bc_pcr_values_add_bank(bc_pcr_values *values, uint16_t alg, bc_pcr_bank **out,
					   bc_error *err);

/* The selection of every value that is set. */
BC_EXPORT void bc_pcr_values_selection(const bc_pcr_values *values, bc_pcr_selection *out);

/* Sort banks by algorithm id, so that output is in a stable order. */
BC_EXPORT void bc_pcr_values_sort(bc_pcr_values *values);

/* values[pcr] = H(values[pcr] || digest), digest being bank->size bytes; marks it set. */
BC_EXPORT bc_status bc_pcr_bank_extend(bc_pcr_bank *bank, unsigned pcr, const uint8_t *digest,
				       bc_error *err);

#ifdef __cplusplus
}
#endif
#endif
