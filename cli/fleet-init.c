/* SPDX-License-Identifier: BSD-3-Clause */
/* bootchain fleet init: create the fleet store, or migrate it to this code's schema. */
#include "config.h"

#include <getopt.h>
#include <stdio.h>

#include "cli/cli.h"
#include "cli/fleet.h"

static const char init_usage[] =
    "Usage: bootchain fleet init [--db URL]\n"
    "\n"
    "Create the fleet store at URL, or migrate it to this bootchain's schema (all the\n"
    "migrations in one transaction); say so when it is up to date already. A store of a\n"
    "newer bootchain is refused and left as it is.\n"
    "\n"
    "Options:\n"
    "      --db URL   a path or sqlite:/PATH (made with its folder when missing), or\n"
    "                 postgresql://... (the database must exist); default\n"
    "                 " BC_FLEET_DEFAULT_DB "\n"
    "  -h, --help     show this help\n";

int fleet_init(int argc, char **argv)
{
	const char *cmd = "fleet init", *db;
	bc_fleet_store *store = NULL;
	bc_error err = {0};
	bool help;
	int from = 0;
	int rc = fleet_parse_options(cmd, argc, argv, &db, NULL, &help);
	if (rc || help)
		return rc ? rc : (fputs(init_usage, stdout), BC_EXIT_OK);
	if (optind < argc)
		return cli_usage_error(cmd, "unexpected argument '%s'", argv[optind]);
	if ((rc = fleet_open_store(cmd, db, true, &store)) != 0)
		return rc;
	bc_status s = bc_fleet_store_migrate(store, &from, &err);
	if (s != BC_OK)
		rc = cli_fail(cmd, &err);
	else if (from == BC_FLEET_SCHEMA_VERSION)
		printf("%s: up to date (schema version %d)\n", bc_fleet_store_name(store), from);
	else if (from == 0)
		printf("%s: created (schema version %d)\n", bc_fleet_store_name(store),
		       BC_FLEET_SCHEMA_VERSION);
	else
		printf("%s: migrated from schema version %d to %d\n", bc_fleet_store_name(store),
		       from, BC_FLEET_SCHEMA_VERSION);
	bc_fleet_store_close(store);
	return rc;
}
