/* SPDX-License-Identifier: BSD-3-Clause */
#include "config.h"

#include <stdio.h>

#include "pcr/pcr-json.h"

void bc_pcr_values_to_json(const bc_pcr_values *values, bc_json *j)
{
	bc_json_object_begin(j);
	for (size_t i = 0; i < values->count; i++) {
		const bc_pcr_bank *bank = &values->banks[i];
		char name[16];
		const char *alg = bc_hash_alg_name(bank->alg);
		if (!alg) {
			snprintf(name, sizeof(name), "0x%04x", bank->alg);
			alg = name;
		}
		bc_json_key(j, alg);
		bc_json_object_begin(j);
		for (unsigned pcr = 0; pcr < BC_PCR_COUNT; pcr++) {
			if (!(bank->mask & (1u << pcr)))
				continue;
			char key[4];
			snprintf(key, sizeof(key), "%u", pcr);
			bc_json_key(j, key);
			bc_json_hex(j, bank->values[pcr], bank->size);
		}
		bc_json_object_end(j);
	}
	bc_json_object_end(j);
}
