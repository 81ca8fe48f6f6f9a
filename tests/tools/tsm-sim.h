/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The configfs-tsm side of a simulated TEE provider (snp-sim, tdx-sim): it watches ROOT
 * with inotify; when an entry folder appears it creates its `generation` (0); when the
 * entry's `inblob` is written and closed, it writes `outblob` (the simulator's report
 * over inblob), `provider` and then bumps `generation` by step. The client removes the
 * entry. SIGTERM or SIGINT stops it cleanly; once stops it after one report; daemon
 * detaches once it watches ROOT, and pid_file gets its PID then (removed at exit).
 */
#ifndef BC_TESTS_TSM_SIM_H
#define BC_TESTS_TSM_SIM_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The report over inblob (1 to 64 bytes), malloc'd into *report; false when there is
 * none (having said why on stderr). */
typedef bool (*tsm_sim_report_fn)(const uint8_t *inblob, size_t size, uint8_t **report,
				  size_t *report_size);

typedef struct tsm_sim {
	const char *prog;     /* for messages */
	const char *provider; /* the text of `provider`: "sev_guest", "tdx_guest" */
	tsm_sim_report_fn make_report;
	unsigned step; /* the generation's bump (0: 1); 2 emulates another writer racing */
	bool once, daemon;
	const char *root_arg, *pid_arg; /* --root, --pid as given */
	char root[PATH_MAX];		/* absolute: a daemon leaves the working folder */
	char pid_file[PATH_MAX];	/* absolute, or "" */
	/* the watcher's own */
	int inotify_fd, root_wd;
	struct tsm_sim_entry *entries;
	size_t n_entries, cap_entries;
} tsm_sim;

/* The options every simulator takes, as getopt_long entries: --root DIR, --once,
 * --daemon, --pid FILE. */
#define TSM_SIM_OPTIONS                                                           \
	{"root", required_argument, NULL, 'r'}, {"once", no_argument, NULL, 'o'}, \
	    {"daemon", no_argument, NULL, 'd'},                                   \
	{                                                                         \
		"pid", required_argument, NULL, 'P'                               \
	}

/* Whether getopt's c is one of TSM_SIM_OPTIONS (its value arg kept in s). */
bool tsm_sim_option(tsm_sim *s, int c, const char *arg);

/* After the options: false for a usage error (no --root, --once with --daemon); else
 * whether s->root and s->pid_file could be made absolute (false after saying why). */
bool tsm_sim_options_done(tsm_sim *s, bool *usage_error);

/* Write size bytes to path (created 0600, truncated). */
bool tsm_sim_write_file(const char *path, const void *data, size_t size);

/* Watch s->root and serve reports until stopped: the exit status. */
int tsm_sim_run(tsm_sim *s);

#endif
