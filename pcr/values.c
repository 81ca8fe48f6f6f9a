/* SPDX-License-Identifier: BSD-3-Clause */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <bootchain/pcr.h>

#include "pcr/digest-internal.h"

bc_pcr_bank *bc_pcr_values_bank(bc_pcr_values *values, uint16_t alg)
{
	for (size_t i = 0; i < values->count; i++)
		if (values->banks[i].alg == alg)
			return &values->banks[i];
	return NULL;
}

bc_status bc_pcr_values_add_bank(bc_pcr_values *values, uint16_t alg, bc_pcr_bank **out,
				 bc_error *err)
{
	bc_pcr_bank *bank = bc_pcr_values_bank(values, alg);
	if (!bank) {
		const bc_hash_alg *a = bc_hash_alg_by_id(alg);
		if (!a)
			return bc_fail(err, BC_E_UNSUPPORTED, "unknown hash algorithm 0x%04x", alg);
		if (values->count >= BC_MAX_BANKS)
			return bc_fail(err, BC_E_LIMIT, "more than %d banks", BC_MAX_BANKS);
		bank = &values->banks[values->count++];
		memset(bank, 0, sizeof(*bank));
		bank->alg = alg;
		bank->size = a->size;
	}
	*out = bank;
	return BC_OK;
}

void bc_pcr_values_selection(const bc_pcr_values *values, bc_pcr_selection *out)
{
	*out = (bc_pcr_selection){.count = values->count};
	for (size_t i = 0; i < values->count; i++)
		out->banks[i] = (bc_pcr_bank_selection){.alg = values->banks[i].alg,
							.mask = values->banks[i].mask};
}

static int compare_banks(const void *a, const void *b)
{
	const bc_pcr_bank *x = a, *y = b;
	return (int)x->alg - (int)y->alg;
}

void bc_pcr_values_sort(bc_pcr_values *values)
{
	qsort(values->banks, values->count, sizeof(values->banks[0]), compare_banks);
}

bc_status bc_pcr_bank_extend(bc_pcr_bank *bank, unsigned pcr, const uint8_t *digest, bc_error *err)
{
	if (pcr >= BC_PCR_COUNT)
		return bc_fail(err, BC_E_INVALID, "PCR %u is out of range (0-%d)", pcr,
			       BC_PCR_COUNT - 1);
	if (!bc_extend_value(bank->alg, bank->size, bank->values[pcr], digest))
		return bc_fail(err, BC_E_UNSUPPORTED, "hash algorithm 0x%04x is not available",
			       bank->alg);
	bank->mask |= 1u << pcr;
	return BC_OK;
}
