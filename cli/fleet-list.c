/* SPDX-License-Identifier: BSD-3-Clause */
/* bootchain fleet list: the machines of the fleet, as text or JSON (one table, two
 * renderings). */
#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli/cli.h"
#include "cli/fleet.h"
#include "util/hex.h"
#include "util/text.h"

static const char list_usage[] =
    "Usage: bootchain fleet list [--db URL] [--json]\n"
    "\n"
    "The machines of the fleet, by name: URL, AK name, whether the EK was certified,\n"
    "the Keep's kind and chip id, when it was added.\n"
    "\n"
    "Options:\n"
    "      --db URL   the store (default " BC_FLEET_DEFAULT_DB ")\n"
    "      --json     {\"machines\": [{\"name\", \"url\", \"ak_name\", \"certified\",\n"
    "                 \"keep_kind\", \"keep_chip_id\", \"added\"}...]}\n"
    "  -h, --help     show this help\n";

static void iso_time(int64_t t, char *out, size_t size)
{
	time_t when = (time_t)t;
	struct tm tm;
	if (!gmtime_r(&when, &tm) || !strftime(out, size, "%Y-%m-%dT%H:%M:%SZ", &tm))
		snprintf(out, size, "?");
}

static void json_machine(bc_json *j, const bc_fleet_machine *m)
{
	char added[32];
	iso_time(m->added_at, added, sizeof(added));
	bc_json_object_begin(j);
	bc_json_key(j, "name");
	bc_json_string(j, m->name);
	bc_json_key(j, "url");
	bc_json_string(j, m->url);
	bc_json_key(j, "ak_name");
	bc_json_hex(j, m->ak_name, m->ak_name_size);
	bc_json_key(j, "certified");
	bc_json_bool(j, m->certified);
	bc_json_key(j, "keep_kind");
	if (m->has_keep)
		bc_json_string(j, m->keep_kind);
	else
		bc_json_null(j);
	bc_json_key(j, "keep_chip_id"); /* null for a Keep without one (TDX) */
	if (m->has_keep && bc_keep_kind_has_chip_id(m->keep_kind))
		bc_json_hex(j, m->keep_chip_id, sizeof(m->keep_chip_id));
	else
		bc_json_null(j);
	bc_json_key(j, "added");
	bc_json_string(j, added);
	bc_json_object_end(j);
}

/* NAME URL AK certified|uncertified [keep:KIND] added: names and URLs come from records,
 * escaped */
static void text_machine(bc_buf *out, const bc_fleet_machine *m)
{
	char added[32], hex[2 * BC_KEY_NAME_MAX + 1];
	iso_time(m->added_at, added, sizeof(added));
	bc_text_escape(out, m->name, strlen(m->name));
	bc_buf_putc(out, ' ');
	bc_text_escape(out, m->url, strlen(m->url));
	bc_buf_printf(out, " ak:%s %s%s%s added %s\n",
		      bc_hex_encode(m->ak_name, m->ak_name_size, hex),
		      m->certified ? "certified" : "UNCERTIFIED", m->has_keep ? " keep:" : "",
		      m->has_keep ? m->keep_kind : "", added);
}

int fleet_list(int argc, char **argv)
{
	const char *cmd = "fleet list", *db;
	bc_fleet_store *store = NULL;
	bc_fleet_machine *machines = NULL;
	size_t count = 0;
	bc_error err = {0};
	bool help, json = false;
	int rc = fleet_parse_options(cmd, argc, argv, &db, &json, &help);
	if (rc || help)
		return rc ? rc : (fputs(list_usage, stdout), BC_EXIT_OK);
	if (optind < argc)
		return cli_usage_error(cmd, "unexpected argument '%s'", argv[optind]);
	if ((rc = fleet_open_store(cmd, db, false, &store)) != 0)
		return rc;
	bc_status s = bc_fleet_store_list(store, false, &machines, &count, &err);
	bc_fleet_store_close(store);
	if (s != BC_OK)
		return cli_fail(cmd, &err);
	bc_buf out;
	bc_buf_init(&out, CLI_JSON_MAX);
	if (json) {
		bc_json j;
		bc_json_init(&j, &out);
		bc_json_object_begin(&j);
		bc_json_key(&j, "machines");
		bc_json_array_begin(&j);
		for (size_t i = 0; i < count; i++)
			json_machine(&j, &machines[i]);
		bc_json_array_end(&j);
		bc_json_object_end(&j);
		rc = cli_emit_json(cmd, &out);
	} else {
		for (size_t i = 0; i < count; i++)
			text_machine(&out, &machines[i]);
		rc = cli_emit_text(cmd, &out);
	}
	bc_buf_free(&out);
	free(machines);
	return rc;
}
