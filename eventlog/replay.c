/* SPDX-License-Identifier: BSD-3-Clause */
/* Replaying an event log into the PCR values it implies. */
#include "config.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <sched.h>
#include <string.h>

#include <bootchain/eventlog.h>

#include "eventlog/eventlog-internal.h"
#include "pcr/digest-internal.h"

/* PCRs 17-22 are the D-RTM PCRs: they reset to all ones, and only a D-RTM event
 * (locality 4) sets them to zero. */
#define DRTM_FIRST 17
#define DRTM_LAST  22

/* One bank being replayed. */
typedef struct replay_bank {
	bc_pcr_bank *bank;
	uint32_t pcrs;	       /* the PCRs replayed; the others keep their reset value */
	bool incomplete;       /* an extending event has no digest for this bank */
	uint32_t unreplayable; /* PCRs with an event that lacks this bank */
	uint32_t first_without[BC_PCR_COUNT]; /* per such PCR: the first such event */
} replay_bank;

static bc_status extend(replay_bank *rb, unsigned pcr, const uint8_t *digest, bc_error *err)
{
	if (!bc_extend_value(rb->bank->alg, rb->bank->size, rb->bank->values[pcr], digest))
		return bc_fail(err, BC_E_UNSUPPORTED, "OpenSSL failed to extend a %s PCR",
			       bc_hash_alg_name(rb->bank->alg));
	return BC_OK;
}

static void reset_bank(bc_pcr_bank *bank)
{
	memset(bank->values, 0, sizeof(bank->values));
	for (unsigned pcr = DRTM_FIRST; pcr <= DRTM_LAST; pcr++)
		memset(bank->values[pcr], 0xff, bank->size);
	bank->mask = BC_PCR_ALL_MASK;
}

/* Set up a bank for every algorithm of the log that this library can compute. */
static bc_status start_banks(const bc_log *log, const bc_pcr_selection *sel, bc_pcr_values *out,
			     replay_bank *banks, size_t *count, bc_error *err)
{
	size_t n;
	const bc_log_alg *algs = bc_log_algorithms(log, &n);
	*out = (bc_pcr_values){0};
	*count = 0;
	for (size_t i = 0; i < n; i++) {
		if (!bc_hash_alg_available(algs[i].alg))
			continue; /* unknown to us: its digests are skipped, not replayed */
		replay_bank *rb = &banks[(*count)++];
		rb->pcrs = sel ? bc_pcr_selection_mask(sel, algs[i].alg) : BC_PCR_ALL_MASK;
		bc_status s = bc_pcr_values_add_bank(out, algs[i].alg, &rb->bank, err);
		if (s != BC_OK)
			return s;
		reset_bank(rb->bank);
	}
	if (*count == 0)
		return bc_fail(err, BC_E_UNSUPPORTED,
			       "%s: the log has no bank this build can replay", bc_log_name(log));
	return BC_OK;
}

/* StartupLocality 3 or 4 sets the initial value of PCR 0: zero but its last byte. */
static void apply_startup_locality(replay_bank *banks, size_t count, uint8_t locality,
				   uint32_t extended0)
{
	if ((locality != 3 && locality != 4) || extended0)
		return;
	for (size_t i = 0; i < count; i++) {
		bc_pcr_bank *bank = banks[i].bank;
		memset(bank->values[0], 0, bank->size);
		bank->values[0][bank->size - 1] = locality;
	}
}

static bc_status apply_event(const bc_log *log, const bc_event *ev, replay_bank *banks,
			     size_t count, bc_error *err)
{
	(void)log;
	for (size_t i = 0; i < count; i++) {
		if (!(banks[i].pcrs & (1u << ev->pcr)))
			continue; /* not asked for: a verifier replays only what was quoted */
		const bc_event_digest *d = bc_event_find_digest(ev, banks[i].bank->alg);
		if (!d) {
			/* Firmware that declares banks it does not fill (seen in real logs):
			 * such a bank has no knowable value; tpm2-tools leaves it out too. */
			banks[i].incomplete = true;
			if (!(banks[i].unreplayable & (1u << ev->pcr)))
				banks[i].first_without[ev->pcr] = ev->number;
			banks[i].unreplayable |= 1u << ev->pcr;
			continue;
		}
		bc_status s = extend(&banks[i], ev->pcr, d->bytes, err);
		if (s != BC_OK)
			return s;
	}
	return BC_OK;
}

static bc_status replay_events(const bc_log *log, replay_bank *banks, size_t count,
			       uint32_t *extended, bc_error *err)
{
	bc_log_iter it;
	bc_log_iter_init(log, &it);
	for (;;) {
		bc_event ev;
		bool done;
		uint8_t locality;
		bc_status s = bc_log_next(&it, &ev, &done, err);
		if (s != BC_OK || done)
			return s;
		if (bc_event_startup_locality(&ev, &locality))
			apply_startup_locality(banks, count, locality, *extended & 1u);
		if (!bc_event_extends(&ev))
			continue;
		if ((s = apply_event(log, &ev, banks, count, err)) != BC_OK)
			return s;
		*extended |= 1u << ev.pcr;
	}
}

/* Remove the incomplete banks from out, compacting it in its own order (banks may list
 * them in another order, and point into out). */
static void drop_incomplete_banks(bc_pcr_values *out, const replay_bank *banks, size_t count)
{
	size_t kept = 0;
	for (size_t i = 0; i < out->count; i++) {
		bool incomplete = false;
		for (size_t k = 0; k < count; k++)
			if (banks[k].bank == &out->banks[i])
				incomplete = banks[k].incomplete;
		if (!incomplete)
			out->banks[kept++] = out->banks[i];
	}
	out->count = kept;
}

/* Banks are independent, so a large log is replayed by two threads, each walking the
 * log and extending its share of the banks: hashing is most of the work, parsing is
 * little. Small logs are not worth a thread. */
#define PARALLEL_MIN_LOG_SIZE (256 * 1024)

typedef struct replay_job {
	const bc_log *log;
	replay_bank *banks;
	size_t count;
	uint32_t extended;
	bc_status status;
	bc_error err;
} replay_job;

static void *replay_job_run(void *arg)
{
	replay_job *job = arg;
	job->status = replay_events(job->log, job->banks, job->count, &job->extended, &job->err);
	return NULL;
}

/* Relative cost of one extend: compression blocks times their cost. */
static unsigned extend_cost(uint16_t alg)
{
	switch (alg) {
	case BC_ALG_SHA1: return 1;
	case BC_ALG_SHA256: return 2;
	case BC_ALG_SHA384: return 2;
	default: return 4;
	}
}

static bool worth_two_threads(const bc_log *log, size_t count)
{
	size_t size;
	cpu_set_t cpus;
	bc_log_bytes(log, &size);
	if (count < 2 || size < PARALLEL_MIN_LOG_SIZE)
		return false;
	return sched_getaffinity(0, sizeof(cpus), &cpus) == 0 && CPU_COUNT(&cpus) >= 2;
}

/* Order banks so that banks[0..*split) and banks[*split..count) cost about the same. */
static void split_banks(replay_bank *banks, size_t count, size_t *split)
{
	replay_bank first[BC_MAX_BANKS], second[BC_MAX_BANKS];
	size_t n1 = 0, n2 = 0;
	unsigned cost1 = 0, cost2 = 0;
	/* most expensive first, each to the cheaper side: near even for a few banks */
	for (size_t i = 1; i < count; i++)
		for (size_t k = i;
		     k > 0 && extend_cost(banks[k].bank->alg) > extend_cost(banks[k - 1].bank->alg);
		     k--) {
			replay_bank t = banks[k];
			banks[k] = banks[k - 1];
			banks[k - 1] = t;
		}
	for (size_t i = 0; i < count; i++) {
		unsigned c = extend_cost(banks[i].bank->alg);
		if (cost1 <= cost2) {
			first[n1++] = banks[i];
			cost1 += c;
		} else {
			second[n2++] = banks[i];
			cost2 += c;
		}
	}
	memcpy(banks, first, n1 * sizeof(*banks));
	memcpy(banks + n1, second, n2 * sizeof(*banks));
	*split = n1;
}

static bc_status replay_parallel(const bc_log *log, replay_bank *banks, size_t count,
				 uint32_t *extended, bc_error *err)
{
	size_t split;
	pthread_t thread;
	split_banks(banks, count, &split);
	replay_job jobs[2] = {
	    {.log = log, .banks = banks, .count = split},
	    {.log = log, .banks = banks + split, .count = count - split},
	};
	if (pthread_create(&thread, NULL, replay_job_run, &jobs[1]) != 0)
		return replay_events(log, banks, count, extended, err);
	replay_job_run(&jobs[0]);
	pthread_join(thread, NULL);
	for (size_t i = 0; i < 2; i++) {
		if (jobs[i].status != BC_OK) {
			if (err)
				*err = jobs[i].err;
			return jobs[i].status;
		}
	}
	*extended = jobs[0].extended | jobs[1].extended;
	return BC_OK;
}

bc_status bc_log_replay(const bc_log *log, bc_pcr_values *out, bc_pcr_selection *extended,
			bc_error *err)
{
	return bc_log_replay_selection(log, NULL, out, extended, err);
}

/* Replay every bank of the log (the PCRs of sel), keeping the incomplete ones. */
static bc_status replay_banks(const bc_log *log, const bc_pcr_selection *sel, bc_pcr_values *out,
			      replay_bank *banks, size_t *count, uint32_t *extended_mask,
			      bc_error *err)
{
	bc_status s = start_banks(log, sel, out, banks, count, err);
	if (s == BC_OK && worth_two_threads(log, *count))
		s = replay_parallel(log, banks, *count, extended_mask, err);
	else if (s == BC_OK)
		s = replay_events(log, banks, *count, extended_mask, err);
	return s;
}

bc_status bc_log_replay_selection(const bc_log *log, const bc_pcr_selection *sel,
				  bc_pcr_values *out, bc_pcr_selection *extended, bc_error *err)
{
	replay_bank banks[BC_MAX_BANKS] = {0};
	size_t count = 0;
	uint32_t extended_mask = 0;
	bc_status s = replay_banks(log, sel, out, banks, &count, &extended_mask, err);
	if (s != BC_OK)
		return s;
	drop_incomplete_banks(out, banks, count);
	if (out->count == 0)
		return bc_fail(err, BC_E_FORMAT, "%s: no bank has a digest in every event",
			       bc_log_name(log));
	bc_pcr_values_sort(out);
	if (extended) {
		*extended = (bc_pcr_selection){0};
		for (size_t i = 0; i < out->count; i++)
			bc_pcr_selection_add(extended, out->banks[i].alg, extended_mask, NULL);
	}
	return BC_OK;
}

/* ---- the attested view ---- */

static const replay_bank *find_replay_bank(const replay_bank *banks, size_t count, uint16_t alg)
{
	for (size_t i = 0; i < count; i++)
		if (banks[i].bank->alg == alg)
			return &banks[i];
	return NULL;
}

/* The first quoted pair that was not attested, in words, into view->problem. */
static void note_problem(bc_attested_view *view, const char *fmt, ...) BC_PRINTF(2, 3);
static void note_problem(bc_attested_view *view, const char *fmt, ...)
{
	va_list ap;
	if (view->problem[0])
		return;
	va_start(ap, fmt);
	vsnprintf(view->problem, sizeof(view->problem), fmt, ap);
	va_end(ap);
}

/* One quoted (bank, PCR) pair: attested when the log replays it, event by event, to the
 * value the quote signed. */
static void attest_pair(bc_attested_view *view, const replay_bank *rb, const bc_pcr_bank *quoted,
			unsigned pcr)
{
	const char *bank = bc_hash_alg_name(quoted->alg);
	if (!rb) {
		note_problem(view, "%s PCR %u: the log has no %s digests", bank, pcr, bank);
		return;
	}
	if (rb->unreplayable & (1u << pcr)) {
		note_problem(view, "%s PCR %u: event %u has no %s digest", bank, pcr,
			     rb->first_without[pcr], bank);
		return;
	}
	if (!(quoted->mask & (1u << pcr)) ||
	    memcmp(rb->bank->values[pcr], quoted->values[pcr], quoted->size) != 0) {
		note_problem(view, "%s PCR %u: the log replays to another value", bank, pcr);
		return;
	}
	bc_pcr_selection_add(&view->attested, quoted->alg, 1u << pcr, NULL);
	bc_pcr_bank *kept = bc_pcr_values_bank(&view->values, quoted->alg);
	if (!kept && bc_pcr_values_add_bank(&view->values, quoted->alg, &kept, NULL) != BC_OK)
		return;
	memcpy(kept->values[pcr], quoted->values[pcr], quoted->size);
	kept->mask |= 1u << pcr;
	view->pairs_attested++;
}

bc_status bc_log_attest(const bc_log *log, const bc_pcr_selection *quoted,
			const bc_pcr_values *values, bc_attested_view *view, bc_error *err)
{
	replay_bank banks[BC_MAX_BANKS] = {0};
	size_t count = 0;
	uint32_t extended = 0;
	bc_pcr_values *replayed = malloc(sizeof(*replayed));
	*view = (bc_attested_view){.quoted = *quoted};
	if (!replayed)
		return bc_fail(err, BC_E_NOMEM, "out of memory");
	bc_status s = replay_banks(log, quoted, replayed, banks, &count, &extended, err);
	if (s == BC_E_UNSUPPORTED) /* no bank we can compute: nothing attested, said below */
		s = BC_OK, count = 0;
	for (size_t b = 0; s == BC_OK && b < quoted->count; b++) {
		const bc_pcr_bank *q =
		    bc_pcr_values_bank((bc_pcr_values *)values, quoted->banks[b].alg);
		for (unsigned p = 0; p < BC_PCR_COUNT; p++) {
			if (!(quoted->banks[b].mask & (1u << p)))
				continue;
			view->pairs_quoted++;
			if (q)
				attest_pair(view, find_replay_bank(banks, count, q->alg), q, p);
			else
				note_problem(view, "%s PCR %u: no quoted value",
					     bc_hash_alg_name(quoted->banks[b].alg), p);
		}
	}
	free(replayed);
	if (s != BC_OK)
		return s;
	for (size_t b = 0; b < view->attested.count; b++)
		view->pcrs |= view->attested.banks[b].mask;
	view->complete = view->pairs_quoted && view->pairs_attested == view->pairs_quoted;
	if (!view->pairs_quoted)
		note_problem(view, "the quote covers no PCR");
	return BC_OK;
}

void bc_attested_view_all(const bc_log *log, bc_attested_view *view)
{
	size_t n;
	const bc_log_alg *algs = bc_log_algorithms(log, &n);
	*view = (bc_attested_view){.complete = true, .trust_log = true};
	for (size_t i = 0; i < n; i++)
		if (bc_hash_alg_available(algs[i].alg))
			bc_pcr_selection_add(&view->attested, algs[i].alg, BC_PCR_ALL_MASK, NULL);
	view->quoted = view->attested;
	view->pcrs = view->attested.count ? BC_PCR_ALL_MASK : 0;
}

uint32_t bc_attested_view_banks_mask(const bc_attested_view *view, uint16_t alg)
{
	return bc_pcr_selection_mask(&view->attested, alg);
}

void bc_attested_view_digests(const bc_attested_view *view, const bc_event *ev, bc_digest_set *out)
{
	bc_digest_set all;
	bc_event_digest_set(ev, &all);
	out->count = 0;
	if (ev->pcr >= BC_PCR_COUNT)
		return;
	for (size_t i = 0; i < all.count; i++)
		if (bc_attested_view_banks_mask(view, all.digests[i].alg) & (1u << ev->pcr))
			out->digests[out->count++] = all.digests[i];
}
