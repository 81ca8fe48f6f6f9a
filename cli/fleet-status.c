/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * bootchain fleet status: the fleet at a glance from the store (counts by each machine's
 * latest verdict, the machines failing, those not seen for 3 intervals), or one
 * machine's history; as text or JSON. The library reads the fleet (bc_fleet_view_load)
 * and writes the JSON (bc_fleet_status_json, bc_fleet_report_machine_json), the same
 * that fleet serve answers with; this file prints the text.
 */
#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <bootchain/fleet.h>

#include "cli/cli.h"
#include "cli/fleet.h"
#include "util/buf.h"
#include "util/text.h"

#define DEFAULT_HISTORY 20

static const char status_usage[] =
    "Usage: bootchain fleet status [--db URL] [--json] [--interval 60s]\n"
    "       bootchain fleet status [--db URL] [--json] --host NAME [--history N]\n"
    "\n"
    "The fleet: how many machines pass, fail, are in error or were never attested (by\n"
    "each one's latest attestation), the machines failing with their first failing\n"
    "check, and those not seen (no quote) for 3 intervals. With --host, the latest\n"
    "attestations of one machine, newest first, with what changed at each.\n"
    "\n"
    "Options:\n"
    "      --db URL       the store (default " BC_FLEET_DEFAULT_DB ")\n"
    "      --interval D   the interval of `fleet run` (default 60s)\n"
    "      --host NAME    one machine's history\n"
    "      --history N    its N latest attestations (default 20; 0: all)\n"
    "      --json         JSON (see bootchain-fleet(1))\n"
    "  -h, --help         show this help\n";

static struct {
	fleet_view_opts view;
	const char *host;
	bool json;
} opt;

enum { OPT_JSON = FLEET_OPT_OWN, OPT_HOST };

static int parse_options(const char *cmd, int argc, char **argv, bool *help)
{
	static const struct option options[] = {
	    {"db", required_argument, NULL, FLEET_OPT_DB},
	    {"json", no_argument, NULL, OPT_JSON},
	    {"interval", required_argument, NULL, FLEET_OPT_INTERVAL},
	    {"host", required_argument, NULL, OPT_HOST},
	    {"history", required_argument, NULL, FLEET_OPT_HISTORY},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	int o, rc;
	*help = false;
	while ((o = getopt_long(argc, argv, ":h", options, NULL)) != -1) {
		if ((rc = fleet_view_option(cmd, o, optarg, &opt.view)) != FLEET_OPT_OTHER) {
			if (rc)
				return rc;
			continue;
		}
		switch (o) {
		case OPT_JSON: opt.json = true; break;
		case OPT_HOST: opt.host = optarg; break;
		case 'h': *help = true; return 0;
		default: return cli_bad_option(cmd, o, argv);
		}
	}
	if (optind < argc)
		return cli_usage_error(cmd, "unexpected argument '%s'", argv[optind]);
	return 0;
}

/* ---- one attestation ---- */

static void text_flags(bc_buf *out, unsigned flags)
{
	for (unsigned bit = 1; bit && bit <= BC_FLEET_FLAG_LAST; bit <<= 1)
		if (flags & bit)
			bc_buf_printf(out, " %s", bc_fleet_flag_name(bit));
}

/* TIME VERDICT [CHECK] [reset R restart S] [FLAGS...]: DETAIL */
static void text_attestation(bc_buf *out, const bc_fleet_attestation *a)
{
	char when[32];
	fleet_iso_time(a->time, when, sizeof(when));
	bc_buf_printf(out, "%s  %-5s", when, a->verdict);
	if (a->first_failing_check[0])
		bc_buf_printf(out, "  %s", a->first_failing_check);
	if (a->has_clock_info)
		bc_buf_printf(out, "  reset %u restart %u", a->reset_count, a->restart_count);
	text_flags(out, a->flags);
	if (a->verdict[0] && strcmp(a->verdict, "pass") && a->detail) {
		bc_buf_puts(out, ": ");
		bc_text_escape(out, a->detail, strlen(a->detail)); /* quotes the machine */
	}
	bc_buf_putc(out, '\n');
}

/* The JSON of one of the library's reports, into out. */
typedef bc_status (*report_json_fn)(bc_fleet_store *store, const bc_fleet_report_opts *o,
				    char **json, size_t *size, bc_error *err);

static int show_json(const char *cmd, bc_fleet_store *store, report_json_fn fn, bc_buf *out)
{
	bc_fleet_report_opts ro = fleet_view_report_opts(&opt.view, NULL);
	bc_error err = {0};
	char *json = NULL;
	size_t size = 0;
	if (fn(store, &ro, &json, &size, &err) != BC_OK)
		return cli_fail(cmd, &err);
	bc_buf_append(out, json, size);
	free(json);
	return 0;
}

/* ---- one machine's history ---- */

static bc_status host_json(bc_fleet_store *store, const bc_fleet_report_opts *o, char **json,
			   size_t *size, bc_error *err)
{
	return bc_fleet_report_machine_json(store, opt.host, o, json, size, err);
}

static int show_history(const char *cmd, bc_fleet_store *store, bc_buf *out)
{
	bc_fleet_machine m;
	bc_fleet_attestation *list = NULL;
	size_t count = 0;
	bc_error err = {0};
	if (opt.json)
		return show_json(cmd, store, host_json, out);
	if (bc_fleet_store_find(store, opt.host, &m, &err) != BC_OK ||
	    bc_fleet_store_history(store, m.id, opt.view.history, &list, &count, &err) != BC_OK)
		return cli_fail(cmd, &err);
	bc_text_escape(out, m.name, strlen(m.name));
	bc_buf_puts(out, " ");
	bc_text_escape(out, m.url, strlen(m.url));
	bc_buf_printf(out, "%s: %zu attestation%s\n", m.removed_at ? " (removed)" : "", count,
		      count == 1 ? "" : "s");
	for (size_t i = 0; i < count; i++)
		text_attestation(out, &list[i]);
	bc_fleet_attestations_free(list, count);
	return 0;
}

/* ---- the fleet ---- */

static void text_summary(bc_buf *out, const bc_fleet_view *v)
{
	size_t failing = 0, unseen = 0;
	bc_buf_printf(out, "%zu machine%s: %zu pass, %zu fail, %zu error, %zu never attested\n",
		      v->count, v->count == 1 ? "" : "s", v->pass, v->fail, v->error, v->never);
	for (size_t i = 0; i < v->count; i++) {
		const bc_fleet_host *h = &v->hosts[i];
		const char *verdict = h->count ? h->history[0].verdict : "";
		if (!verdict[0] || !strcmp(verdict, "pass"))
			continue;
		if (failing++ == 0)
			bc_buf_puts(out, "\nfailing:\n");
		bc_buf_puts(out, "  ");
		bc_text_escape(out, h->machine->name, strlen(h->machine->name));
		bc_buf_puts(out, "  ");
		text_attestation(out, &h->history[0]);
	}
	for (size_t i = 0; i < v->count; i++) {
		const bc_fleet_host *h = &v->hosts[i];
		char when[32] = "never";
		if (!h->not_seen)
			continue;
		if (unseen++ == 0)
			bc_buf_printf(out, "\nnot seen for %d intervals (%llu s):\n",
				      BC_FLEET_NOT_SEEN_INTERVALS,
				      (unsigned long long)(opt.view.interval_ms / 1000) *
					  BC_FLEET_NOT_SEEN_INTERVALS);
		if (h->last_seen)
			fleet_iso_time(h->last_seen, when, sizeof(when));
		bc_buf_puts(out, "  ");
		bc_text_escape(out, h->machine->name, strlen(h->machine->name));
		bc_buf_printf(out, "  last seen %s\n", when);
	}
}

static int show_fleet(const char *cmd, bc_fleet_store *store, bc_buf *out)
{
	bc_fleet_report_opts ro = fleet_view_report_opts(&opt.view, NULL);
	bc_fleet_view v;
	bc_error err = {0};
	if (opt.json)
		return show_json(cmd, store, bc_fleet_status_json, out);
	if (bc_fleet_view_load(store, &ro, 1, &v, &err) != BC_OK)
		return cli_fail(cmd, &err);
	text_summary(out, &v);
	bc_fleet_view_free(&v);
	return 0;
}

int fleet_status(int argc, char **argv)
{
	const char *cmd = "fleet status";
	bc_fleet_store *store = NULL;
	bool help;
	opt = (typeof(opt)){.view = FLEET_VIEW_OPTS_DEFAULT};
	opt.view.history = DEFAULT_HISTORY;
	opt.view.history_all = true;
	int rc = parse_options(cmd, argc, argv, &help);
	if (rc || help)
		return rc ? rc : (fputs(status_usage, stdout), BC_EXIT_OK);
	if ((rc = fleet_view_open(cmd, &opt.view, &store, NULL)) != 0)
		return rc;
	bc_buf out;
	bc_buf_init(&out, CLI_JSON_MAX);
	rc = opt.host ? show_history(cmd, store, &out) : show_fleet(cmd, store, &out);
	bc_fleet_store_close(store);
	if (rc == 0)
		rc = opt.json ? cli_emit_json(cmd, &out) : cli_emit_text(cmd, &out);
	bc_buf_free(&out);
	return rc;
}
