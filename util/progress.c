/* SPDX-License-Identifier: BSD-3-Clause */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "util/progress.h"

#define REDRAW_MS 100

static uint64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

void bc_progress_init(bc_progress *p, bool quiet)
{
	*p = (bc_progress){.on = !quiet && isatty(STDERR_FILENO), .last_ms = now_ms()};
	pthread_mutex_init(&p->lock, NULL);
}

static void draw(const char *label, uint64_t done, uint64_t total, const char *unit)
{
	bool bytes = strcmp(unit, "MiB") == 0;
	uint64_t d = bytes ? done >> 20 : done, t = bytes ? total >> 20 : total;
	/* \r and erase to the end of the line: the line is rewritten in place */
	if (total)
		fprintf(stderr, "\r\033[K%s: %" PRIu64 " of %" PRIu64 " %s (%u%%)", label, d, t,
			unit, (unsigned)(done * 100 / total));
	else
		fprintf(stderr, "\r\033[K%s: %" PRIu64 " %s", label, d, unit);
	fflush(stderr);
}

void bc_progress_update(bc_progress *p, const char *label, uint64_t done, uint64_t total,
			const char *unit)
{
	if (!p->on)
		return;
	if (total && done >= total) { /* finished: the line goes */
		bc_progress_end(p);
		return;
	}
	pthread_mutex_lock(&p->lock);
	uint64_t t = now_ms();
	/* the first line too waits REDRAW_MS: what is done sooner needs none */
	if (t - p->last_ms >= REDRAW_MS) {
		draw(label, done, total, unit);
		p->shown = true;
		p->last_ms = t;
	}
	pthread_mutex_unlock(&p->lock);
}

void bc_progress_end(bc_progress *p)
{
	if (!p->on)
		return;
	pthread_mutex_lock(&p->lock);
	if (p->shown)
		fputs("\r\033[K", stderr);
	fflush(stderr);
	p->shown = false;
	p->last_ms = now_ms();
	pthread_mutex_unlock(&p->lock);
}

void bc_progress_bytes(const char *path, uint64_t done, uint64_t total, void *progress)
{
	bc_progress_update(progress, path, done, total, "MiB");
}
