/* SPDX-License-Identifier: BSD-3-Clause */
/* The JSON of one verification (bc_verify_result), written the same way by `attest
 * verify` (one evidence file) and `attest poll` (one host's evidence, under "verify"),
 * so that a program reading either finds the same fields. */
#ifndef BC_CLI_VERIFY_JSON_H
#define BC_CLI_VERIFY_JSON_H

#include <bootchain/attest.h>

#include "util/json.h"

/* The object {"pass", "fresh", "attested", "failed", "checks", "clock", "golden"} of r;
 * "clock" and "golden" only when r has them. */
void cli_json_verify_result(bc_json *j, const bc_verify_result *r);

/* Its members only, into an object the caller has begun (and ends). */
void cli_json_verify_members(bc_json *j, const bc_verify_result *r);

#endif
