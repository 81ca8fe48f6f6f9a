/* SPDX-License-Identifier: BSD-3-Clause */
/* The chain a UEFI stage carries, as `stage show` and `golden embed` print it. */
#ifndef BC_CLI_STAGE_H
#define BC_CLI_STAGE_H

#include <stdbool.h>
#include <stddef.h>

#include <bootchain/core.h>

#include "util/buf.h"
#include "util/json.h"

/* "trusted", "measured" */
const char *stage_mode_name(const bc_core_chain *chain);

/* "wait", "reset", "poweroff" */
const char *stage_on_halt_name(bc_core_on_halt on_halt);

/* The chain as text: its mode and halt, then a line per layer; with digests, every
 * version's digests under it, else the count of versions on the layer's line. */
void stage_chain_text(bc_buf *out, const bc_core_chain *chain, bool digests);

/* The chain as a JSON object: mode, timeout, on_halt, size (of the encoding), layers
 * with their versions' digests. */
void stage_chain_json(bc_json *j, const bc_core_chain *chain, size_t size);

#endif
