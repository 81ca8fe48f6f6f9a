/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * bootchain fleet status: the fleet at a glance from the store (counts by each machine's
 * latest verdict, the machines failing, those not seen for 3 intervals), or one
 * machine's history; as text or JSON (one table, two renderings).
 */
#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <bootchain/fleet.h>

#include "cli/cli.h"
#include "cli/fleet.h"
#include "util/buf.h"
#include "util/json.h"
#include "util/text.h"

#define NOT_SEEN_INTERVALS 3
#define DEFAULT_HISTORY	   20
#define MAX_INTERVAL_MS	   (365ull * 24 * 3600 * 1000)

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
	const char *db, *host;
	uint64_t interval_ms;
	unsigned history;
	bool json;
} opt;

enum { OPT_DB = 256, OPT_JSON, OPT_INTERVAL, OPT_HOST, OPT_HISTORY };

static int parse_options(const char *cmd, int argc, char **argv, bool *help)
{
	static const struct option options[] = {
	    {"db", required_argument, NULL, OPT_DB},
	    {"json", no_argument, NULL, OPT_JSON},
	    {"interval", required_argument, NULL, OPT_INTERVAL},
	    {"host", required_argument, NULL, OPT_HOST},
	    {"history", required_argument, NULL, OPT_HISTORY},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	int o;
	*help = false;
	while ((o = getopt_long(argc, argv, ":h", options, NULL)) != -1) {
		switch (o) {
		case OPT_DB: opt.db = optarg; break;
		case OPT_JSON: opt.json = true; break;
		case OPT_INTERVAL:
			if (!fleet_parse_duration(optarg, MAX_INTERVAL_MS, &opt.interval_ms) ||
			    opt.interval_ms < 1000)
				return cli_usage_error(cmd, "--interval: a duration of 1s or more "
							    "(60s, 5m, 1h)");
			break;
		case OPT_HOST: opt.host = optarg; break;
		case OPT_HISTORY:
			if (!cli_parse_uint(optarg, 1000000000, &opt.history))
				return cli_usage_error(cmd, "--history: a number");
			break;
		case 'h': *help = true; return 0;
		default: return cli_bad_option(cmd, o, argv);
		}
	}
	if (optind < argc)
		return cli_usage_error(cmd, "unexpected argument '%s'", argv[optind]);
	return 0;
}

/* ---- one attestation ---- */

static void json_time(bc_json *j, int64_t t)
{
	char iso[32];
	fleet_iso_time(t, iso, sizeof(iso));
	bc_json_string(j, iso);
}

static void json_flags(bc_json *j, unsigned flags)
{
	bc_json_array_begin(j);
	for (unsigned bit = 1; bit && bit <= BC_FLEET_FLAG_LAST; bit <<= 1)
		if (flags & bit)
			bc_json_string(j, bc_fleet_flag_name(bit));
	bc_json_array_end(j);
}

static void json_optional_string(bc_json *j, const char *key, const char *s)
{
	bc_json_key(j, key);
	if (s && *s)
		bc_json_string(j, s);
	else
		bc_json_null(j);
}

static void json_attestation(bc_json *j, const bc_fleet_attestation *a)
{
	bc_json_object_begin(j);
	bc_json_key(j, "time");
	json_time(j, a->time);
	bc_json_key(j, "verdict");
	bc_json_string(j, a->verdict);
	json_optional_string(j, "first_failing_check", a->first_failing_check);
	json_optional_string(j, "detail", a->detail);
	bc_json_key(j, "differing_events");
	if (a->differing_events) /* JSON that fleet run wrote */
		bc_json_raw(j, a->differing_events);
	else
		bc_json_raw(j, "[]");
	const char *keys[] = {"reset_count", "restart_count", "clock", "firmware_version"};
	uint64_t values[] = {a->reset_count, a->restart_count, a->clock, a->firmware_version};
	for (size_t i = 0; i < 4; i++) {
		bc_json_key(j, keys[i]);
		if (a->has_clock_info)
			bc_json_uint(j, values[i]);
		else
			bc_json_null(j);
	}
	bc_json_key(j, "flags");
	json_flags(j, a->flags);
	bc_json_object_end(j);
}

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

/* ---- one machine's history ---- */

static int show_history(const char *cmd, bc_fleet_store *store, bc_buf *out)
{
	bc_fleet_machine m;
	bc_fleet_attestation *list = NULL;
	size_t count = 0;
	bc_error err = {0};
	if (bc_fleet_store_find(store, opt.host, &m, &err) != BC_OK ||
	    bc_fleet_store_history(store, m.id, opt.history, &list, &count, &err) != BC_OK)
		return cli_fail(cmd, &err);
	if (opt.json) {
		bc_json j;
		bc_json_init(&j, out);
		bc_json_object_begin(&j);
		bc_json_key(&j, "host");
		bc_json_string(&j, m.name);
		bc_json_key(&j, "url");
		bc_json_string(&j, m.url);
		bc_json_key(&j, "removed");
		bc_json_bool(&j, m.removed_at != 0);
		bc_json_key(&j, "history");
		bc_json_array_begin(&j);
		for (size_t i = 0; i < count; i++)
			json_attestation(&j, &list[i]);
		bc_json_array_end(&j);
		bc_json_object_end(&j);
	} else {
		bc_text_escape(out, m.name, strlen(m.name));
		bc_buf_puts(out, " ");
		bc_text_escape(out, m.url, strlen(m.url));
		bc_buf_printf(out, "%s: %zu attestation%s\n", m.removed_at ? " (removed)" : "",
			      count, count == 1 ? "" : "s");
		for (size_t i = 0; i < count; i++)
			text_attestation(out, &list[i]);
	}
	bc_fleet_attestations_free(list, count);
	return 0;
}

/* ---- the fleet ---- */

typedef struct machine_state {
	const bc_fleet_machine *m;
	bc_fleet_attestation last; /* verdict "" when never attested */
	int64_t seen;		   /* of its latest quote; 0: never */
} machine_state;

typedef struct summary {
	machine_state *machines;
	size_t count;
	size_t pass, fail, error, never;
	int64_t now, not_seen_after; /* seen before this: not seen */
} summary;

static void summary_free(summary *s)
{
	for (size_t i = 0; s->machines && i < s->count; i++)
		bc_fleet_attestation_clear(&s->machines[i].last);
	free(s->machines);
}

static bc_status latest(bc_fleet_store *store, machine_state *ms, bc_error *err)
{
	bc_fleet_attestation quoted;
	bc_status s = bc_fleet_store_last(store, ms->m->id, &ms->last, err);
	if (s == BC_E_NOTFOUND)
		return BC_OK;
	if (s != BC_OK)
		return s;
	s = bc_fleet_store_last_quoted(store, ms->m->id, &quoted, err);
	if (s == BC_E_NOTFOUND)
		return BC_OK;
	if (s == BC_OK)
		ms->seen = quoted.time;
	bc_fleet_attestation_clear(&quoted);
	return s;
}

static bool not_seen(const summary *s, const machine_state *ms)
{
	int64_t since = ms->seen ? ms->seen : ms->m->added_at;
	return since < s->not_seen_after;
}

static bc_status summarise(bc_fleet_store *store, const bc_fleet_machine *list, size_t count,
			   summary *s, bc_error *err)
{
	s->now = (int64_t)time(NULL);
	s->not_seen_after = s->now - (int64_t)(opt.interval_ms / 1000) * NOT_SEEN_INTERVALS;
	s->count = count;
	if (count && !(s->machines = calloc(count, sizeof(*s->machines))))
		return bc_fail(err, BC_E_NOMEM, "out of memory");
	for (size_t i = 0; i < count; i++) {
		machine_state *ms = &s->machines[i];
		ms->m = &list[i];
		bc_status st = latest(store, ms, err);
		if (st != BC_OK)
			return st;
		const char *v = ms->last.verdict;
		if (!v[0])
			s->never++;
		else if (!strcmp(v, "pass"))
			s->pass++;
		else if (!strcmp(v, "fail"))
			s->fail++;
		else
			s->error++;
	}
	return BC_OK;
}

static void json_summary(bc_buf *out, const summary *s)
{
	bc_json j;
	bc_json_init(&j, out);
	bc_json_object_begin(&j);
	bc_json_key(&j, "time");
	json_time(&j, s->now);
	bc_json_key(&j, "machines");
	bc_json_uint(&j, s->count);
	bc_json_key(&j, "verdicts");
	bc_json_object_begin(&j);
	const char *names[] = {"pass", "fail", "error", "never"};
	size_t counts[] = {s->pass, s->fail, s->error, s->never};
	for (size_t i = 0; i < 4; i++) {
		bc_json_key(&j, names[i]);
		bc_json_uint(&j, counts[i]);
	}
	bc_json_object_end(&j);
	bc_json_key(&j, "hosts");
	bc_json_array_begin(&j);
	for (size_t i = 0; i < s->count; i++) {
		const machine_state *ms = &s->machines[i];
		bc_json_object_begin(&j);
		bc_json_key(&j, "name");
		bc_json_string(&j, ms->m->name);
		bc_json_key(&j, "url");
		bc_json_string(&j, ms->m->url);
		bc_json_key(&j, "last_seen");
		if (ms->seen)
			json_time(&j, ms->seen);
		else
			bc_json_null(&j);
		bc_json_key(&j, "not_seen");
		bc_json_bool(&j, not_seen(s, ms));
		bc_json_key(&j, "last");
		if (ms->last.verdict[0])
			json_attestation(&j, &ms->last);
		else
			bc_json_null(&j);
		bc_json_object_end(&j);
	}
	bc_json_array_end(&j);
	bc_json_object_end(&j);
}

static void text_summary(bc_buf *out, const summary *s)
{
	size_t failing = 0, unseen = 0;
	bc_buf_printf(out, "%zu machine%s: %zu pass, %zu fail, %zu error, %zu never attested\n",
		      s->count, s->count == 1 ? "" : "s", s->pass, s->fail, s->error, s->never);
	for (size_t i = 0; i < s->count; i++) {
		const machine_state *ms = &s->machines[i];
		if (!ms->last.verdict[0] || !strcmp(ms->last.verdict, "pass"))
			continue;
		if (failing++ == 0)
			bc_buf_puts(out, "\nfailing:\n");
		bc_buf_puts(out, "  ");
		bc_text_escape(out, ms->m->name, strlen(ms->m->name));
		bc_buf_puts(out, "  ");
		text_attestation(out, &ms->last);
	}
	for (size_t i = 0; i < s->count; i++) {
		const machine_state *ms = &s->machines[i];
		char when[32] = "never";
		if (!not_seen(s, ms))
			continue;
		if (unseen++ == 0)
			bc_buf_printf(
			    out, "\nnot seen for %d intervals (%llu s):\n", NOT_SEEN_INTERVALS,
			    (unsigned long long)(opt.interval_ms / 1000) * NOT_SEEN_INTERVALS);
		if (ms->seen)
			fleet_iso_time(ms->seen, when, sizeof(when));
		bc_buf_puts(out, "  ");
		bc_text_escape(out, ms->m->name, strlen(ms->m->name));
		bc_buf_printf(out, "  last seen %s\n", when);
	}
}

static int show_fleet(const char *cmd, bc_fleet_store *store, bc_buf *out)
{
	bc_fleet_machine *list = NULL;
	size_t count = 0;
	summary s = {0};
	bc_error err = {0};
	int rc = 0;
	if (bc_fleet_store_list(store, false, &list, &count, &err) != BC_OK ||
	    summarise(store, list, count, &s, &err) != BC_OK)
		rc = cli_fail(cmd, &err);
	else if (opt.json)
		json_summary(out, &s);
	else
		text_summary(out, &s);
	summary_free(&s);
	free(list);
	return rc;
}

int fleet_status(int argc, char **argv)
{
	const char *cmd = "fleet status";
	bc_fleet_store *store = NULL;
	bool help;
	opt = (typeof(opt)){
	    .db = BC_FLEET_DEFAULT_DB, .interval_ms = 60000, .history = DEFAULT_HISTORY};
	int rc = parse_options(cmd, argc, argv, &help);
	if (rc || help)
		return rc ? rc : (fputs(status_usage, stdout), BC_EXIT_OK);
	if ((rc = fleet_open_store(cmd, opt.db, false, &store)) != 0)
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
