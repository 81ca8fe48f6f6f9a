/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * bootchain fleet report: the fleet as one self-contained HTML page (bc_fleet_report_html),
 * written atomically so that a web server or a browser never reads half a page.
 */
#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include <bootchain/fleet.h>

#include "cli/cli.h"
#include "cli/fleet.h"
#include "util/file.h"

#define MAX_INTERVAL_MS (365ull * 24 * 3600 * 1000)

static const char report_usage[] =
    "Usage: bootchain fleet report [--db URL] --html FILE [--interval 60s]\n"
    "                              [--golden DB [--pubkey PUB]] [--history N]\n"
    "\n"
    "Write the fleet as one self-contained HTML page: the machines with their latest\n"
    "verdict (sortable by verdict and last seen), a timeline of each machine's latest\n"
    "attestations with its reboots and rollbacks, and for each failing machine the\n"
    "events that differ, with the versions the golden database allows.\n"
    "\n"
    "Options:\n"
    "      --db URL       the store (default " BC_FLEET_DEFAULT_DB ")\n"
    "      --html FILE    the page to write (replaced atomically)\n"
    "      --interval D   the interval of `fleet run` (default 60s): machines without a\n"
    "                     quote for 3 intervals are marked not seen\n"
    "  -g, --golden DB    show the versions this golden database allows\n"
    "      --pubkey PUB   verify the golden database's signature with this key\n"
    "      --history N    attestations per machine in the timeline (default 30)\n"
    "  -h, --help         show this help\n";

static struct {
	const char *db, *html, *golden, *pubkey;
	uint64_t interval_ms;
	unsigned history;
} opt;

enum { OPT_DB = 256, OPT_HTML, OPT_INTERVAL, OPT_PUBKEY, OPT_HISTORY };

static int parse_options(const char *cmd, int argc, char **argv, bool *help)
{
	static const struct option options[] = {
	    {"db", required_argument, NULL, OPT_DB},
	    {"html", required_argument, NULL, OPT_HTML},
	    {"interval", required_argument, NULL, OPT_INTERVAL},
	    {"golden", required_argument, NULL, 'g'},
	    {"pubkey", required_argument, NULL, OPT_PUBKEY},
	    {"history", required_argument, NULL, OPT_HISTORY},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	int o;
	*help = false;
	while ((o = getopt_long(argc, argv, ":g:h", options, NULL)) != -1) {
		switch (o) {
		case OPT_DB: opt.db = optarg; break;
		case OPT_HTML: opt.html = optarg; break;
		case OPT_INTERVAL:
			if (!fleet_parse_duration(optarg, MAX_INTERVAL_MS, &opt.interval_ms) ||
			    opt.interval_ms < 1000)
				return cli_usage_error(cmd, "--interval: a duration of 1s or more "
							    "(60s, 5m, 1h)");
			break;
		case 'g': opt.golden = optarg; break;
		case OPT_PUBKEY: opt.pubkey = optarg; break;
		case OPT_HISTORY:
			if (!cli_parse_uint(optarg, 100000, &opt.history) || opt.history == 0)
				return cli_usage_error(cmd, "--history: a number from 1 to 100000");
			break;
		case 'h': *help = true; return 0;
		default: return cli_bad_option(cmd, o, argv);
		}
	}
	if (optind < argc)
		return cli_usage_error(cmd, "unexpected argument '%s'", argv[optind]);
	if (!opt.html || !*opt.html)
		return cli_usage_error(cmd, "--html FILE is required");
	if (opt.pubkey && !opt.golden)
		return cli_usage_error(cmd, "--pubkey goes with --golden");
	return 0;
}

int fleet_report(int argc, char **argv)
{
	const char *cmd = "fleet report";
	bc_fleet_store *store = NULL;
	bc_golden *golden = NULL;
	bc_error err = {0};
	char *page = NULL;
	size_t size = 0;
	bool help;
	opt = (typeof(opt)){.db = BC_FLEET_DEFAULT_DB, .interval_ms = 60000};
	int rc = parse_options(cmd, argc, argv, &help);
	if (rc || help)
		return rc ? rc : (fputs(report_usage, stdout), BC_EXIT_OK);
	if (opt.golden && bc_golden_load(opt.golden, opt.pubkey, NULL, &golden, &err) != BC_OK)
		return cli_fail(cmd, &err);
	if ((rc = fleet_open_store(cmd, opt.db, false, &store)) != 0) {
		bc_golden_free(golden);
		return rc;
	}
	bc_fleet_report_opts ro = {
	    .now = (int64_t)time(NULL),
	    .interval = (int64_t)(opt.interval_ms / 1000),
	    .history = opt.history,
	    .golden = golden,
	};
	if (bc_fleet_report_html(store, &ro, &page, &size, &err) != BC_OK ||
	    bc_write_file_atomic(opt.html, page, size, 0644, &err) != BC_OK)
		rc = cli_fail(cmd, &err);
	free(page);
	bc_fleet_store_close(store);
	bc_golden_free(golden);
	return rc;
}
