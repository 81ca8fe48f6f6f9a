/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Decoding of event data for people (log show) and programs (--json). The data is
 * untrusted: every decoder checks every length, and what it cannot decode it shows
 * as hex. Unknown event types are never an error.
 */
#ifndef BC_MEASURE_EVENT_DATA_H
#define BC_MEASURE_EVENT_DATA_H

#include <stddef.h>

#include <bootchain/eventlog.h>

#include "util/buf.h"
#include "util/json.h"

/* One line for `bootchain log show`: the essence of the data ("SecureBoot = 01",
 * "\EFI\BOOT\BOOTX64.EFI", "grub_cmd: linux /vmlinuz ..."), at most max_chars
 * characters (longer text ends in "..."), no control characters. */
void bc_event_data_summary(const bc_event *ev, bc_buf *out, size_t max_chars);

/* Every decoded field, one "name: value" line each, every line starting with indent;
 * for `bootchain log show --verbose`. */
void bc_event_data_describe(const bc_event *ev, bc_buf *out, const char *indent);

/* The decoded data as one JSON object written to j (the caller has written the key). */
void bc_event_data_json(const bc_event *ev, bc_json *j);

#endif
