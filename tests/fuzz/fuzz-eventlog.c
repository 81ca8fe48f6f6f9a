/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target for the event log: parse, walk, decode every event for people and
 * for JSON, check payloads, replay, export CEL. Any crash, hang, leak or sanitizer
 * report is a bug: logs come from buggy firmware and from attackers.
 */
#include "config.h"

#include <stddef.h>
#include <stdint.h>

#include <bootchain/eventlog.h>

#include "eventlog/cel.h"
#include "eventlog/event-data.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void decode_events(const bc_log *log, bc_buf *out)
{
	bc_log_iter it;
	bc_json j;
	bc_log_iter_init(log, &it);
	for (;;) {
		bc_event ev;
		bool done;
		if (bc_log_next(&it, &ev, &done, NULL) != BC_OK || done)
			return;
		bc_buf_reset(out);
		bc_event_data_summary(&ev, out, 72);
		bc_event_data_describe(&ev, out, "  ");
		bc_json_init(&j, out);
		bc_event_data_json(&ev, &j);
		bc_event_check_payload(&ev, NULL);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	bc_log *log = NULL;
	bc_buf out;
	bc_json j;
	bc_pcr_values values;
	if (bc_log_from_memory(data, size, "fuzz", &log, NULL) != BC_OK)
		return 0;
	bc_buf_init(&out, 1 << 24);
	decode_events(log, &out);
	bc_log_replay(log, &values, NULL, NULL);
	bc_buf_reset(&out);
	bc_json_init(&j, &out);
	bc_log_to_cel_json(log, &j, NULL);
	bc_buf_free(&out);
	bc_log_free(log);
	return 0;
}
