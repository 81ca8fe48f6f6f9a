/* SPDX-License-Identifier: BSD-3-Clause */
/* bootchain fleet VERB: the fleet store (fleet-init.c, fleet-add.c, fleet-remove.c,
 * fleet-list.c), and what the verbs share: --db and opening the store. */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli/cli.h"
#include "cli/fleet.h"

static const char fleet_usage[] =
    "Usage: bootchain fleet VERB [--db URL] [OPTIONS]\n"
    "\n"
    "init     create the fleet store, or migrate it to this bootchain's schema\n"
    "enrol    enrol machines served by `attest serve` into the fleet\n"
    "add      add the machines of enrolment records (`attest enrol`)\n"
    "remove   take machines out of the fleet (their history stays)\n"
    "list     the machines of the fleet\n"
    "run      attest the fleet on a schedule, storing every attestation\n"
    "status   counts by verdict, failing machines, machines not seen, a history\n"
    "report   the fleet as one self-contained HTML page\n"
    "serve    the page, JSON and Prometheus metrics over HTTP (read-only)\n"
    "whatif   which machines an update would fail, or leave unable to unseal\n"
    "\n"
    "--db URL: a path or sqlite:/PATH (SQLite), or postgresql://... (PostgreSQL);\n"
    "default " BC_FLEET_DEFAULT_DB ".\n"
    "`bootchain fleet VERB --help` tells more; see bootchain-fleet(1).\n";

const cli_verb cli_fleet_verbs[] = {
    {"init", fleet_init, NULL},
    {"enrol", fleet_enrol, NULL},
    {"add", fleet_add, NULL},
    {"remove", fleet_remove, NULL},
    {"list", fleet_list, NULL},
    {"run", fleet_run, NULL},
    {"status", fleet_status, NULL},
    {"report", fleet_report, NULL},
    {"serve", fleet_serve, NULL},
    {"whatif", fleet_whatif, NULL},
    {NULL, NULL, NULL},
};

int cmd_fleet(int argc, char **argv)
{
	if (argc < 2 || argv[1][0] == '-') {
		if (argc >= 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")))
			return fputs(fleet_usage, stdout), BC_EXIT_OK;
		return cli_usage_error("fleet", "expected a verb: init, enrol, add, remove, list, "
						"run, status, report, serve or whatif");
	}
	const cli_verb *verb = cli_find_verb(cli_fleet_verbs, argv[1]);
	if (verb)
		return verb->run(argc - 1, argv + 1);
	return cli_usage_error("fleet", "unknown verb '%s'", argv[1]);
}

int fleet_open_store(const char *cmd, const char *url, bool create, bc_fleet_store **out)
{
	bc_error err = {0};
	if (bc_fleet_store_open(url, create, out, &err) != BC_OK)
		return cli_fail(cmd, &err);
	return 0;
}

enum { OPT_DB = 256, OPT_JSON };

int fleet_parse_options(const char *cmd, int argc, char **argv, const char **db, bool *json,
			bool *help)
{
	static const struct option options[] = {
	    {"db", required_argument, NULL, OPT_DB},
	    {"json", no_argument, NULL, OPT_JSON},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	int o;
	*db = BC_FLEET_DEFAULT_DB;
	*help = false;
	while ((o = getopt_long(argc, argv, ":h", options, NULL)) != -1) {
		switch (o) {
		case OPT_DB:
			if (!*optarg)
				return cli_usage_error(cmd, "--db: the URL is empty");
			*db = optarg;
			break;
		case OPT_JSON:
			if (!json)
				return cli_usage_error(cmd, "unknown option '--json'");
			*json = true;
			break;
		case 'h': *help = true; return 0;
		default: return cli_bad_option(cmd, o, argv);
		}
	}
	return 0;
}

bool fleet_parse_duration(const char *text, uint64_t max_ms, uint64_t *ms)
{
	static const struct {
		const char *suffix;
		uint64_t ms;
	} units[] = {{"ms", 1}, {"s", 1000}, {"m", 60000}, {"h", 3600000}, {"", 1000}};
	char *end;
	if (!text || *text < '0' || *text > '9')
		return false;
	errno = 0;
	unsigned long long v = strtoull(text, &end, 10);
	if (errno)
		return false;
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++)
		if (strcmp(end, units[i].suffix) == 0) {
			if (v > max_ms / units[i].ms)
				return false;
			*ms = v * units[i].ms;
			return true;
		}
	return false;
}

void fleet_iso_time(int64_t t, char *out, size_t size)
{
	time_t when = (time_t)t;
	struct tm tm;
	if (!gmtime_r(&when, &tm) || !strftime(out, size, "%Y-%m-%dT%H:%M:%SZ", &tm))
		snprintf(out, size, "?");
}

/* ---- what status, report and serve share ---- */

#define MAX_INTERVAL_MS (365ull * 24 * 3600 * 1000)

static int parse_history(const char *cmd, const char *arg, fleet_view_opts *v)
{
	if (v->history_all) {
		if (!cli_parse_uint(arg, 1000000000, &v->history))
			return cli_usage_error(cmd, "--history: a number");
	} else if (!cli_parse_uint(arg, 100000, &v->history) || v->history == 0) {
		return cli_usage_error(cmd, "--history: a number from 1 to 100000");
	}
	return 0;
}

int fleet_view_option(const char *cmd, int o, const char *arg, fleet_view_opts *v)
{
	switch (o) {
	case FLEET_OPT_DB: v->db = arg; return 0;
	case FLEET_OPT_INTERVAL:
		if (!fleet_parse_duration(arg, MAX_INTERVAL_MS, &v->interval_ms) ||
		    v->interval_ms < 1000)
			return cli_usage_error(cmd, "--interval: a duration of 1s or more "
						    "(60s, 5m, 1h)");
		return 0;
	case 'g': v->golden = arg; return 0;
	case FLEET_OPT_PUBKEY: v->pubkey = arg; return 0;
	case FLEET_OPT_HISTORY: return parse_history(cmd, arg, v);
	default: return FLEET_OPT_OTHER;
	}
}

int fleet_view_check(const char *cmd, const fleet_view_opts *v)
{
	if (v->pubkey && !v->golden)
		return cli_usage_error(cmd, "--pubkey goes with --golden");
	return 0;
}

int fleet_view_open(const char *cmd, const fleet_view_opts *v, bc_fleet_store **store,
		    bc_golden **golden)
{
	bc_error err = {0};
	int rc;
	if (golden && v->golden &&
	    bc_golden_load(v->golden, v->pubkey, NULL, golden, &err) != BC_OK)
		return cli_fail(cmd, &err);
	if ((rc = fleet_open_store(cmd, v->db, false, store)) != 0 && golden) {
		bc_golden_free(*golden);
		*golden = NULL;
	}
	return rc;
}

bc_fleet_report_opts fleet_view_report_opts(const fleet_view_opts *v, const bc_golden *golden)
{
	return (bc_fleet_report_opts){
	    .now = (int64_t)time(NULL),
	    .interval = (int64_t)(v->interval_ms / 1000),
	    .history = v->history_all && v->history == 0 ? SIZE_MAX : v->history,
	    .golden = golden,
	};
}
