/* SPDX-License-Identifier: BSD-3-Clause */
/* The verbs of `bootchain fleet`, one file each (cli/fleet-VERB.c): argv[0] is the verb. */
#ifndef BC_CLI_FLEET_H
#define BC_CLI_FLEET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <bootchain/fleet.h>

int fleet_init(int argc, char **argv);
int fleet_add(int argc, char **argv);
int fleet_enrol(int argc, char **argv); /* in cli/attest-enrol.c, with attest enrol */
int fleet_remove(int argc, char **argv);
int fleet_list(int argc, char **argv);
int fleet_run(int argc, char **argv);
int fleet_status(int argc, char **argv);
int fleet_report(int argc, char **argv);
int fleet_serve(int argc, char **argv);
int fleet_whatif(int argc, char **argv);

/* A duration: a number with ms, s, m or h (no unit: seconds), at most max_ms; false
 * when it is not one. */
bool fleet_parse_duration(const char *text, uint64_t max_ms, uint64_t *ms);

/* ---- notifications of fleet run (cli/fleet-notify.c) ---- */

typedef struct fleet_notify_opts {
	const char *webhook; /* POST the event there; NULL: none */
	const char *secret;  /* sign it: X-Bootchain-Signature: sha256=HMAC-SHA256 hex */
	const char *exec;    /* run this (/bin/sh -c) with the event on stdin; NULL: none */
} fleet_notify_opts;

/* The event (a BC_FLEET_EVENT_* bit) of a result as one JSON line, malloc'd; NULL when
 * out of memory. */
char *fleet_event_json(const bc_fleet_run_result *r, unsigned event);

/* Send an event to the webhook (3 attempts) and the command; false (each failure
 * reported on stderr) when one failed. */
bool fleet_notify(const char *cmd, const fleet_notify_opts *o, const char *event_json);

/* Unix time t as ISO 8601 UTC, "2026-12-02T00:44:29Z" ("?" when it cannot be). */
void fleet_iso_time(int64_t t, char *out, size_t size);

/* Open the store at url (create: for init); on failure reports and returns the exit
 * status, else 0. */
int fleet_open_store(const char *cmd, const char *url, bool create, bc_fleet_store **out);

/* The options every verb takes: --db URL, -h/--help, and --json where json is not NULL;
 * anything else is a usage error. *db defaults to BC_FLEET_DEFAULT_DB. Returns 0, or
 * the exit status; *help is set for --help. */
int fleet_parse_options(const char *cmd, int argc, char **argv, const char **db, bool *json,
			bool *help);

/* ---- what status, report and serve share: options and what they load ---- */

/* The codes of the shared options in a verb's getopt_long table, --golden as 'g' (the
 * verb's own options from FLEET_OPT_OWN on). */
enum { FLEET_OPT_DB = 256, FLEET_OPT_INTERVAL, FLEET_OPT_PUBKEY, FLEET_OPT_HISTORY, FLEET_OPT_OWN };

typedef struct fleet_view_opts {
	const char *db;
	uint64_t interval_ms; /* of fleet run */
	const char *golden, *pubkey;
	unsigned history; /* 0: the library's default, or all where history_all */
	bool history_all; /* --history takes 0 (all) to 10^9; else 1 to 100000 */
} fleet_view_opts;

#define FLEET_VIEW_OPTS_DEFAULT                                 \
	{                                                       \
		.db = BC_FLEET_DEFAULT_DB, .interval_ms = 60000 \
	}

/* Take option o of getopt_long (its argument arg) when it is a shared one: 0 when taken,
 * the usage error's exit status when its argument is wrong, FLEET_OPT_OTHER when o is
 * none of them. */
#define FLEET_OPT_OTHER (-1)
int fleet_view_option(const char *cmd, int o, const char *arg, fleet_view_opts *v);

/* After the options: their checks across options (--pubkey goes with --golden); 0 or the
 * exit status. */
int fleet_view_check(const char *cmd, const fleet_view_opts *v);

/* Load the golden database into *golden (NULL first; it stays NULL without --golden;
 * golden itself may be NULL when the verb takes none) and open the store; on failure
 * reports, frees what it loaded and returns the exit status, else 0. */
int fleet_view_open(const char *cmd, const fleet_view_opts *v, bc_fleet_store **store,
		    bc_golden **golden);

/* What the library's reports read, as of now. */
bc_fleet_report_opts fleet_view_report_opts(const fleet_view_opts *v, const bc_golden *golden);

#endif
