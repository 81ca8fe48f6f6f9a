/* SPDX-License-Identifier: BSD-3-Clause */
#include "config.h"

#include <stdio.h>

#include "eventlog/cel.h"

static void cel_digests(bc_json *j, const bc_event *ev)
{
	bc_json_array_begin(j);
	for (size_t i = 0; i < ev->digest_count; i++) {
		const bc_event_digest *d = &ev->digests[i];
		char alg[16];
		const char *name = bc_hash_alg_name(d->alg);
		if (!name) {
			snprintf(alg, sizeof(alg), "0x%04x", d->alg);
			name = alg;
		}
		bc_json_object_begin(j);
		bc_json_key(j, "hashAlg");
		bc_json_string(j, name);
		bc_json_key(j, "digest");
		bc_json_hex(j, d->bytes, d->size);
		bc_json_object_end(j);
	}
	bc_json_array_end(j);
}

static void cel_record(bc_json *j, const bc_event *ev)
{
	bc_json_object_begin(j);
	bc_json_key(j, "recnum");
	bc_json_uint(j, ev->number);
	bc_json_key(j, "pcr");
	bc_json_uint(j, ev->pcr);
	bc_json_key(j, "digests");
	cel_digests(j, ev);
	bc_json_key(j, "content_type");
	bc_json_string(j, "pcclient_std");
	bc_json_key(j, "content");
	bc_json_object_begin(j);
	bc_json_key(j, "event_type");
	bc_json_uint(j, ev->type);
	bc_json_key(j, "event_data");
	bc_json_base64(j, ev->data, ev->data_size);
	bc_json_object_end(j);
	bc_json_object_end(j);
}

bc_status bc_log_to_cel_json(const bc_log *log, bc_json *j, bc_error *err)
{
	bc_log_iter it;
	bc_log_iter_init(log, &it);
	bc_json_array_begin(j);
	for (;;) {
		bc_event ev;
		bool done;
		bc_status s = bc_log_next(&it, &ev, &done, err);
		if (s != BC_OK)
			return s;
		if (done)
			break;
		cel_record(j, &ev);
	}
	bc_json_array_end(j);
	return BC_OK;
}
