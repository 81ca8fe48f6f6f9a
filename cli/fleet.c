/* SPDX-License-Identifier: BSD-3-Clause */
/* bootchain fleet VERB: the fleet store (fleet-init.c, fleet-add.c, fleet-remove.c,
 * fleet-list.c), and what the verbs share: --db and opening the store. */
#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/fleet.h"

static const char fleet_usage[] =
    "Usage: bootchain fleet VERB [--db URL] [OPTIONS]\n"
    "\n"
    "init     create the fleet store, or migrate it to this bootchain's schema\n"
    "add      add the machines of enrolment records (`attest enrol`)\n"
    "remove   take machines out of the fleet (their history stays)\n"
    "list     the machines of the fleet\n"
    "\n"
    "--db URL: a path or sqlite:/PATH (SQLite), or postgresql://... (PostgreSQL);\n"
    "default " BC_FLEET_DEFAULT_DB ".\n"
    "`bootchain fleet VERB --help` tells more; see bootchain-fleet(1).\n";

static const struct {
	const char *name;
	int (*run)(int argc, char **argv);
} verbs[] = {
    {"init", fleet_init},
    {"add", fleet_add},
    {"remove", fleet_remove},
    {"list", fleet_list},
};

int cmd_fleet(int argc, char **argv)
{
	if (argc < 2 || argv[1][0] == '-') {
		if (argc >= 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")))
			return fputs(fleet_usage, stdout), BC_EXIT_OK;
		return cli_usage_error("fleet", "expected a verb: init, add, remove or list");
	}
	for (size_t i = 0; i < sizeof(verbs) / sizeof(verbs[0]); i++)
		if (strcmp(argv[1], verbs[i].name) == 0)
			return verbs[i].run(argc - 1, argv + 1);
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
