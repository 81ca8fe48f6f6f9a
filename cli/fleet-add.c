/* SPDX-License-Identifier: BSD-3-Clause */
/* bootchain fleet add: the machines of enrolment records into the fleet store. */
#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <bootchain/enrolment.h>

#include "cli/cli.h"
#include "cli/fleet.h"
#include "util/text.h"

static const char add_usage[] =
    "Usage: bootchain fleet add [--db URL] RECORD|DIR...\n"
    "\n"
    "Add to the fleet the machines of enrolment records (bootchain-enrolment(5), as\n"
    "`bootchain attest enrol` writes them): a record file, or every *.json of a folder.\n"
    "A machine is named by its record's host. Every record is read and checked before\n"
    "any is added. A machine removed before comes back with its history; one in the\n"
    "fleet under another record (enrolled again) takes the new one; the same record\n"
    "again changes nothing.\n"
    "\n"
    "Options:\n"
    "      --db URL   the store (default " BC_FLEET_DEFAULT_DB ")\n"
    "  -h, --help     show this help\n";

static const char *const result_words[] = {
    [BC_FLEET_ADDED] = "added",
    [BC_FLEET_READDED] = "added again",
    [BC_FLEET_UPDATED] = "updated (a new enrolment record)",
    [BC_FLEET_UNCHANGED] = "unchanged",
};

static void free_sets(bc_enrolment_set **sets, size_t count)
{
	for (size_t i = 0; sets && i < count; i++)
		bc_enrolment_set_free(sets[i]);
	free(sets);
}

static int add_set(const char *cmd, bc_fleet_store *store, const bc_enrolment_set *set)
{
	bc_error err = {0};
	char name[BC_FLEET_NAME_MAX * 4];
	for (size_t i = 0; i < bc_enrolment_set_count(set); i++) {
		const bc_enrolment *rec = bc_enrolment_set_get(set, i);
		bc_fleet_add_result result;
		if (bc_fleet_store_add(store, rec, (int64_t)time(NULL), &result, &err) != BC_OK) {
			cli_error(cmd, "%s: %s", rec->host, bc_error_message(&err));
			return cli_exit_status(err.status);
		}
		/* the host comes from a record: untrusted text */
		printf("%s: %s\n", bc_text_escaped(rec->host, name, sizeof(name)),
		       result_words[result]);
	}
	return 0;
}

int fleet_add(int argc, char **argv)
{
	const char *cmd = "fleet add", *db;
	bc_fleet_store *store = NULL;
	bc_error err = {0};
	bool help;
	int rc = fleet_parse_options(cmd, argc, argv, &db, NULL, &help);
	if (rc || help)
		return rc ? rc : (fputs(add_usage, stdout), BC_EXIT_OK);
	if (optind == argc)
		return cli_usage_error(cmd, "expected enrolment records or folders of them");
	size_t count = (size_t)(argc - optind);
	bc_enrolment_set **sets = calloc(count, sizeof(*sets));
	if (!sets) {
		cli_error(cmd, "out of memory");
		return BC_EXIT_ERROR;
	}
	for (size_t i = 0; rc == 0 && i < count; i++)
		if (bc_enrolment_set_load(argv[optind + i], &sets[i], &err) != BC_OK)
			rc = cli_fail(cmd, &err);
	if (rc == 0)
		rc = fleet_open_store(cmd, db, false, &store);
	for (size_t i = 0; rc == 0 && i < count; i++)
		rc = add_set(cmd, store, sets[i]);
	bc_fleet_store_close(store);
	free_sets(sets, count);
	return rc;
}
