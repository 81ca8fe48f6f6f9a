/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * fleet-fill URL < SPEC: a fleet store made to order, for the tests of what reads it
 * (tests/integration/fleet/report.sh). It creates the store at URL, then reads one
 * record a line, fields separated by tabs ("-" for an empty one):
 *
 *   machine NAME URL ADDED_AT
 *   attest  NAME TIME VERDICT CHECK RESET RESTART FLAGS DETAIL DIFFERING_EVENTS_JSON
 *           DURATION_MS
 *
 * RESET "-": no clock information (unreachable); FLAGS a number (BC_FLEET_FLAG_*);
 * DURATION_MS "-": not timed.
 * Exit 0 when every line was stored, 1 otherwise (said on stderr).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <bootchain/fleet.h>

#define MAX_FIELDS 11

static int fail(unsigned line, const char *what)
{
	fprintf(stderr, "fleet-fill: line %u: %s\n", line, what);
	return 1;
}

/* The tab-separated fields of line, "-" as "". */
static size_t split(char *line, char **fields)
{
	size_t n = 0;
	line[strcspn(line, "\n")] = 0;
	for (char *save = NULL, *f = strtok_r(line, "\t", &save); f && n < MAX_FIELDS;
	     f = strtok_r(NULL, "\t", &save))
		fields[n++] = strcmp(f, "-") ? f : "";
	return n;
}

static bc_status add_machine(bc_fleet_store *store, char **f, bc_error *err)
{
	bc_enrolment rec = {.ak_name_size = 2, .ak_public_size = 2, .ek_public_size = 2};
	bc_fleet_add_result result;
	snprintf(rec.host, sizeof(rec.host), "%s", f[1]);
	snprintf(rec.url, sizeof(rec.url), "%s", f[2]);
	return bc_fleet_store_add(store, &rec, strtoll(f[3], NULL, 10), &result, err);
}

static bc_status add_attestation(bc_fleet_store *store, char **f, bc_error *err)
{
	bc_fleet_machine m;
	bc_status s = bc_fleet_store_find(store, f[1], &m, err);
	if (s != BC_OK)
		return s;
	bc_fleet_attestation a = {
	    .machine_id = m.id,
	    .time = strtoll(f[2], NULL, 10),
	    .has_clock_info = f[5][0] != 0,
	    .reset_count = (uint32_t)strtoul(f[5], NULL, 10),
	    .restart_count = (uint32_t)strtoul(f[6], NULL, 10),
	    .flags = (unsigned)strtoul(f[7], NULL, 10),
	    .detail = f[8][0] ? f[8] : NULL,
	    .differing_events = f[9][0] ? f[9] : NULL,
	    .has_duration = f[10][0] != 0,
	    .duration_ms = strtoull(f[10], NULL, 10),
	};
	snprintf(a.verdict, sizeof(a.verdict), "%s", f[3]);
	snprintf(a.first_failing_check, sizeof(a.first_failing_check), "%s", f[4]);
	return bc_fleet_store_record(store, &a, NULL, err);
}

int main(int argc, char **argv)
{
	bc_fleet_store *store = NULL;
	bc_error err = {0};
	char line[8192];
	unsigned number = 0;
	int rc = 0;
	if (argc != 2) {
		fprintf(stderr, "usage: fleet-fill URL < SPEC\n");
		return 2;
	}
	if (bc_fleet_store_open(argv[1], true, &store, &err) != BC_OK ||
	    bc_fleet_store_migrate(store, NULL, &err) != BC_OK)
		return fail(0, bc_error_message(&err));
	while (rc == 0 && fgets(line, sizeof(line), stdin)) {
		char *f[MAX_FIELDS];
		size_t n = split(line, f);
		bc_status s = BC_OK;
		number++;
		if (n == 0)
			continue;
		if (!strcmp(f[0], "machine") && n == 4)
			s = add_machine(store, f, &err);
		else if (!strcmp(f[0], "attest") && n == 11)
			s = add_attestation(store, f, &err);
		else
			rc = fail(number, "expected machine (4 fields) or attest (11 fields)");
		if (rc == 0 && s != BC_OK)
			rc = fail(number, bc_error_message(&err));
	}
	bc_fleet_store_close(store);
	return rc;
}
