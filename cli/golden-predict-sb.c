/* SPDX-License-Identifier: BSD-3-Clause */
/* bootchain golden predict DB --log REFLOG --with-db|--with-dbx|--replace-db|... FILE:
 * PCR 7 after a Secure Boot database update (golden/predict-sb.c). */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include <bootchain/eventlog.h>
#include <bootchain/golden.h>

#include "cli/cli.h"
#include "cli/golden.h"
#include "util/buf.h"
#include "util/json.h"

static void json_digest_set(bc_json *j, const bc_digest_set *d)
{
	bc_json_object_begin(j);
	for (size_t i = 0; i < d->count; i++) {
		bc_json_key(j, bc_hash_alg_name(d->digests[i].alg));
		bc_json_hex(j, d->digests[i].bytes, d->digests[i].size);
	}
	bc_json_object_end(j);
}

/* {"sha256": {"7": [VALUE]}}, the shape of `golden predict --json`'s "pcrs". */
static void json_pcr7(bc_json *j, const bc_digest_set *d)
{
	bc_json_object_begin(j);
	for (size_t i = 0; i < d->count; i++) {
		bc_json_key(j, bc_hash_alg_name(d->digests[i].alg));
		bc_json_object_begin(j);
		bc_json_key(j, "7");
		bc_json_array_begin(j);
		bc_json_hex(j, d->digests[i].bytes, d->digests[i].size);
		bc_json_array_end(j);
		bc_json_object_end(j);
	}
	bc_json_object_end(j);
}

static void json_changed(bc_json *j, const bc_sb_changed *c, const bc_golden *db)
{
	bc_json_object_begin(j);
	bc_json_key(j, "event");
	bc_json_uint(j, c->event);
	bc_json_key(j, "component");
	bc_json_string(j, c->component);
	bc_json_key(j, "in_database");
	bc_json_bool(j, bc_golden_find(db, c->component) != NULL);
	bc_json_key(j, "variable");
	bc_json_string(j, c->variable);
	bc_json_key(j, "write");
	bc_json_string(j, c->replaced ? "replace" : "append");
	bc_json_key(j, "signatures_added");
	bc_json_uint(j, c->added);
	bc_json_key(j, "signatures_present");
	bc_json_uint(j, c->present);
	bc_json_key(j, "old_size");
	bc_json_uint(j, c->old_size);
	bc_json_key(j, "new_size");
	bc_json_uint(j, c->new_size);
	bc_json_key(j, "old_digests");
	json_digest_set(j, &c->old_digests);
	bc_json_key(j, "digests");
	json_digest_set(j, &c->new_digests);
	bc_json_object_end(j);
}

static void emit_json(bc_buf *out, const char *log, const bc_sb_prediction *p, const bc_golden *db)
{
	bc_json j;
	bc_json_init(&j, out);
	bc_json_object_begin(&j);
	bc_json_key(&j, "log");
	bc_json_string(&j, log);
	bc_json_key(&j, "pcrs");
	json_pcr7(&j, &p->after);
	bc_json_key(&j, "logged");
	json_pcr7(&j, &p->before);
	bc_json_key(&j, "changed");
	bc_json_array_begin(&j);
	for (size_t i = 0; i < p->changed_count; i++)
		json_changed(&j, &p->changed[i], db);
	bc_json_array_end(&j);
	bc_json_object_end(&j);
}

static void text_changed(bc_buf *out, const bc_sb_changed *c, const bc_golden *db)
{
	char hex[2 * BC_MAX_DIGEST_SIZE + 1];
	bc_buf_printf(out, "event %u, %s: ", c->event, c->variable);
	if (c->replaced)
		bc_buf_printf(out, "replaced, %zu signatures", c->added);
	else
		bc_buf_printf(out, "%zu signature%s appended, %zu already there", c->added,
			      c->added == 1 ? "" : "s", c->present);
	bc_buf_printf(out, " (%zu -> %zu bytes)\n", c->old_size, c->new_size);
	bc_buf_printf(out, "  component `%s`%s:\n", c->component,
		      bc_golden_find(db, c->component) ? "" : " (not in the database)");
	for (size_t i = 0; i < c->new_digests.count; i++)
		bc_buf_printf(out, "    %-8s %s\n", bc_hash_alg_name(c->new_digests.digests[i].alg),
			      bc_digest_hex(&c->new_digests.digests[i], hex));
}

static void emit_text(bc_buf *out, const char *log, const bc_sb_prediction *p, const bc_golden *db)
{
	char hex[2 * BC_MAX_DIGEST_SIZE + 1];
	bc_buf_printf(out, "PCR 7 after the update (reference log %s):\n", log);
	for (size_t i = 0; i < p->after.count; i++)
		bc_buf_printf(out, "  %-8s %s\n", bc_hash_alg_name(p->after.digests[i].alg),
			      bc_digest_hex(&p->after.digests[i], hex));
	bc_buf_puts(out, "changed events (new digests):\n");
	for (size_t i = 0; i < p->changed_count; i++)
		text_changed(out, &p->changed[i], db);
}

int golden_predict_sb(const char *cmd, const bc_golden *db, const char *log_path,
		      const bc_sb_update *updates, size_t count, bool json)
{
	bc_error err = {0};
	bc_log *log = NULL;
	bc_sb_prediction *p = NULL;
	if (bc_log_read_file(log_path, &log, &err) != BC_OK ||
	    bc_sb_predict(log, updates, count, &p, &err) != BC_OK) {
		bc_log_free(log);
		return cli_fail(cmd, &err);
	}
	bc_buf out = {0};
	bc_buf_init(&out, CLI_JSON_MAX);
	if (json)
		emit_json(&out, log_path, p, db);
	else
		emit_text(&out, log_path, p, db);
	int rc = json ? cli_emit_json(cmd, &out) : cli_emit_text(cmd, &out);
	bc_buf_free(&out);
	bc_sb_prediction_free(p);
	bc_log_free(log);
	return rc;
}
