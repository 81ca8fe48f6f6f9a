/* SPDX-License-Identifier: BSD-3-Clause */
/* The verbs of `bootchain fleet`, one file each (cli/fleet-VERB.c): argv[0] is the verb. */
#ifndef BC_CLI_FLEET_H
#define BC_CLI_FLEET_H

#include <stdbool.h>

#include <bootchain/fleet.h>

int fleet_init(int argc, char **argv);
int fleet_add(int argc, char **argv);
int fleet_remove(int argc, char **argv);
int fleet_list(int argc, char **argv);

/* Open the store at url (create: for init); on failure reports and returns the exit
 * status, else 0. */
int fleet_open_store(const char *cmd, const char *url, bool create, bc_fleet_store **out);

/* The options every verb takes: --db URL, -h/--help, and --json where json is not NULL;
 * anything else is a usage error. *db defaults to BC_FLEET_DEFAULT_DB. Returns 0, or
 * the exit status; *help is set for --help. */
int fleet_parse_options(const char *cmd, int argc, char **argv, const char **db, bool *json,
			bool *help);

#endif
