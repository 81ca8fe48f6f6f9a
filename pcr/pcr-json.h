/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef BC_PCR_PCR_JSON_H
#define BC_PCR_PCR_JSON_H

#include <bootchain/pcr.h>

#include "util/json.h"

/* {"sha256": {"0": "<hex>", ...}, ...}: the value of the "pcrs" key that every command
 * printing PCR values uses. Banks in the order of values, PCRs in ascending order. */
void bc_pcr_values_to_json(const bc_pcr_values *values, bc_json *j);

#endif
