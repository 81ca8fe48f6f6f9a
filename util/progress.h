/* SPDX-License-Identifier: BSD-3-Clause */
/* Progress on a terminal: one line on stderr, rewritten in place, for the CLI only (the
 * library never prints). Shown only when stderr is a terminal and the user did not ask
 * for quiet, so that logs, pipes and JSON readers never see it. Threads may share one. */
#ifndef BC_UTIL_PROGRESS_H
#define BC_UTIL_PROGRESS_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

typedef struct bc_progress {
	pthread_mutex_t lock;
	bool on;	  /* stderr is a terminal, and not quiet */
	bool shown;	  /* a line is on the screen, to be cleared */
	uint64_t last_ms; /* of the start or the last line drawn: ten a second at most */
} bc_progress;

/* Set up p: on when stderr is a terminal and not quiet. */
void bc_progress_init(bc_progress *p, bool quiet);

/* "LABEL: DONE of TOTAL UNIT (P%)", or "LABEL: DONE UNIT" when total is 0, drawn at
 * most every 100 ms and not before 100 ms from the start; done == total clears it. Byte
 * counts (unit "MiB") are given in bytes. */
void bc_progress_update(bc_progress *p, const char *label, uint64_t done, uint64_t total,
			const char *unit);

/* A bc_image_progress_fn (bootchain/measure.h) drawing to the bc_progress progress:
 * "PATH: 12 of 40 MiB (30%)". */
void bc_progress_bytes(const char *path, uint64_t done, uint64_t total, void *progress);

/* Clear the line, if one was drawn. */
void bc_progress_end(bc_progress *p);

#endif
