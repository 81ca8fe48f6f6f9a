/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef BC_MEASURE_CEL_H
#define BC_MEASURE_CEL_H

#include <bootchain/eventlog.h>

#include "util/json.h"

/*
 * The log in the JSON encoding of the TCG Canonical Event Log: an array of records
 * {"recnum", "pcr", "digests": [{"hashAlg", "digest"}], "content_type": "pcclient_std",
 * "content": {"event_type", "event_data" (base64)}}. Fails on a malformed log (the
 * JSON written so far is then incomplete and must be discarded).
 */
bc_status bc_log_to_cel_json(const bc_log *log, bc_json *j, bc_error *err);

#endif
