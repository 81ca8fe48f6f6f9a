/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * bootchain fleet report: the fleet as one self-contained HTML page (bc_fleet_report_html),
 * written atomically so that a web server or a browser never reads half a page.
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <bootchain/fleet.h>

#include "cli/cli.h"
#include "cli/fleet.h"
#include "util/file.h"

static const char report_usage[] =
    "Usage: bootchain fleet report [--db URL] --html FILE [--force] [--interval 60s]\n"
    "                              [--golden DB [--pubkey PUB]] [--history N]\n"
    "\n"
    "Write the fleet as one self-contained HTML page: the machines with their latest\n"
    "verdict (sortable by verdict and last seen), a timeline of each machine's latest\n"
    "attestations with its reboots and rollbacks, and for each failing machine the\n"
    "events that differ, with the versions the golden database allows.\n"
    "\n"
    "Options:\n"
    "      --db URL       the store (default " BC_FLEET_DEFAULT_DB ")\n"
    "      --html FILE    the page to write (atomically; '-': standard output)\n"
    "  -f, --force        replace an existing FILE\n"
    "      --interval D   the interval of `fleet run` (default 60s): machines without a\n"
    "                     quote for 3 intervals are marked not seen\n"
    "  -g, --golden DB    show the versions this golden database allows\n"
    "      --pubkey PUB   verify the golden database's signature with this key\n"
    "      --history N    attestations per machine in the timeline (default 30)\n"
    "  -h, --help         show this help\n";

static struct {
	fleet_view_opts view;
	const char *html;
	bool force;
} opt;

enum { OPT_HTML = FLEET_OPT_OWN };

static int parse_options(const char *cmd, int argc, char **argv, bool *help)
{
	static const struct option options[] = {
	    {"db", required_argument, NULL, FLEET_OPT_DB},
	    {"html", required_argument, NULL, OPT_HTML},
	    {"force", no_argument, NULL, 'f'},
	    {"interval", required_argument, NULL, FLEET_OPT_INTERVAL},
	    {"golden", required_argument, NULL, 'g'},
	    {"pubkey", required_argument, NULL, FLEET_OPT_PUBKEY},
	    {"history", required_argument, NULL, FLEET_OPT_HISTORY},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	int o, rc;
	*help = false;
	while ((o = getopt_long(argc, argv, ":g:fh", options, NULL)) != -1) {
		if ((rc = fleet_view_option(cmd, o, optarg, &opt.view)) != FLEET_OPT_OTHER) {
			if (rc)
				return rc;
			continue;
		}
		switch (o) {
		case OPT_HTML: opt.html = optarg; break;
		case 'f': opt.force = true; break;
		case 'h': *help = true; return 0;
		default: return cli_bad_option(cmd, o, argv);
		}
	}
	if (optind < argc)
		return cli_usage_error(cmd, "unexpected argument '%s'", argv[optind]);
	if (!opt.html || !*opt.html)
		return cli_usage_error(cmd, "--html FILE is required");
	if ((rc = cli_check_output(cmd, opt.html, opt.force)) != 0)
		return rc;
	return fleet_view_check(cmd, &opt.view);
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
	opt = (typeof(opt)){.view = FLEET_VIEW_OPTS_DEFAULT};
	int rc = parse_options(cmd, argc, argv, &help);
	if (rc || help)
		return rc ? rc : (fputs(report_usage, stdout), BC_EXIT_OK);
	if ((rc = fleet_view_open(cmd, &opt.view, &store, &golden)) != 0)
		return rc;
	bc_fleet_report_opts ro = fleet_view_report_opts(&opt.view, golden);
	if (bc_fleet_report_html(store, &ro, &page, &size, &err) != BC_OK)
		rc = cli_fail(cmd, &err);
	else if (!cli_is_stdio(opt.html) &&
		 bc_write_file_atomic(opt.html, page, size, 0644, &err) != BC_OK)
		rc = cli_fail(cmd, &err);
	else if (cli_is_stdio(opt.html) &&
		 (fwrite(page, 1, size, stdout) != size || fflush(stdout))) {
		cli_error(cmd, "cannot write to standard output: %s", strerror(errno));
		rc = BC_EXIT_ERROR;
	}
	free(page);
	bc_fleet_store_close(store);
	bc_golden_free(golden);
	return rc;
}
