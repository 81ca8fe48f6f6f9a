/* SPDX-License-Identifier: BSD-3-Clause */
/* bootchain fleet remove: take machines out of the fleet; their history stays. */
#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <time.h>

#include "cli/cli.h"
#include "cli/fleet.h"
#include "util/text.h"

static const char remove_usage[] =
    "Usage: bootchain fleet remove [--db URL] NAME...\n"
    "\n"
    "Take the machines NAME (as `fleet list` names them) out of the fleet: they are\n"
    "attested no more, and their history stays in the store; `fleet add` brings one\n"
    "back. Exit status 1 when a NAME is not in the fleet (the others are removed).\n"
    "\n"
    "Options:\n"
    "      --db URL   the store (default " BC_FLEET_DEFAULT_DB ")\n"
    "  -h, --help     show this help\n";

int fleet_remove(int argc, char **argv)
{
	const char *cmd = "fleet remove", *db;
	bc_fleet_store *store = NULL;
	bool help;
	char name[BC_FLEET_NAME_MAX * 4];
	int rc = fleet_parse_options(cmd, argc, argv, &db, NULL, &help);
	if (rc || help)
		return rc ? rc : (fputs(remove_usage, stdout), BC_EXIT_OK);
	if (optind == argc)
		return cli_usage_error(cmd, "expected the names of machines");
	if ((rc = fleet_open_store(cmd, db, false, &store)) != 0)
		return rc;
	for (int i = optind; i < argc; i++) {
		bc_error err = {0};
		if (bc_fleet_store_remove(store, argv[i], (int64_t)time(NULL), &err) != BC_OK) {
			int status = cli_fail(cmd, &err);
			if (rc == 0 || status != BC_EXIT_ERROR)
				rc = status;
			continue;
		}
		printf("%s: removed\n", bc_text_escaped(argv[i], name, sizeof(name)));
	}
	bc_fleet_store_close(store);
	return rc;
}
