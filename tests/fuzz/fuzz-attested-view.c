/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Property target for the attested view (issue 11). Start from a good evidence file
 * made on swtpm (tests/data/evidence/swtpm-full.json: PCRs 0-9 of four banks, or
 * swtpm-small.json: sha256:0,4,8,9) and rewrite its event log as an attacker would:
 * drop, duplicate, move or add events, drop or change digests, put in the golden
 * database's known-good digests, change PCR indices. The input is the program of
 * rewrites. Whenever the rewritten evidence passes verification with the golden
 * database, every digest the golden check judged must be in the attested view and equal
 * to the digest the TPM extended at that place of that (bank, PCR) in the original log.
 * Anything else aborts: a forged log that passes.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <bootchain/attest.h>
#include <bootchain/eventlog.h>
#include <bootchain/golden.h>

#include "tests/fuzz/evidence-fixture.h"
#include "tests/tools/log-rewrite.h"
#include "util/file.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#ifndef EVIDENCE_DIR
#define EVIDENCE_DIR "tests/data/evidence"
#endif

typedef struct base {
	bc_evidence *ev;
	rw_log log; /* its event log, as the TPM extended it */
} base;

static base bases[2];
static bc_verify_key *key;
static bc_golden *golden;
static unsigned long long runs, passed, judged; /* what the property was tried on */

static void report(void)
{
	fprintf(stderr,
		"fuzz-attested-view: %llu forged logs, %llu passed verification, %llu digests "
		"judged in them: every one attested and the TPM's\n",
		runs, passed, judged);
}

static void load_base(const char *file, base *b)
{
	char path[512];
	const char *dir = getenv("BC_EVIDENCE_DIR");
	bc_log *log = NULL;
	snprintf(path, sizeof(path), "%s/%s", dir ? dir : EVIDENCE_DIR, file);
	if (bc_evidence_load(path, &b->ev, NULL) != BC_OK || !b->ev->eventlog ||
	    bc_log_from_memory(b->ev->eventlog, b->ev->eventlog_size, file, &log, NULL) != BC_OK ||
	    !rw_log_read(log, &b->log)) {
		fprintf(stderr, "fuzz-attested-view: cannot load %s\n", path);
		abort();
	}
	bc_log_free(log);
}

static void init(void)
{
	if (key)
		return;
	key = fixture_key();
	golden = fixture_golden(false);
	atexit(report);
	load_base("swtpm-full.json", &bases[0]);
	load_base("swtpm-small.json", &bases[1]);
}

/* ---- the rewrites ---- */

typedef struct program {
	const uint8_t *p, *end;
} program;

static unsigned next(program *pr)
{
	return pr->p < pr->end ? *pr->p++ : 0;
}

/* A known-good digest of the golden database, or a copy of another event's. */
static void good_digest(program *pr, const rw_log *log, rw_digest *out)
{
	unsigned pick = next(pr);
	if (pick & 1 && log->count) {
		const rw_event *other = &log->events[(pick >> 1) % log->count];
		if (other->digest_count) {
			*out = other->digests[next(pr) % other->digest_count];
			return;
		}
	}
	const bc_golden_component *c =
	    bc_golden_component_at(golden, (pick >> 1) % bc_golden_component_count(golden));
	const bc_digest_set *d = &c->versions[0].digests;
	const bc_digest *g = &d->digests[next(pr) % d->count];
	*out = (rw_digest){.alg = g->alg, .size = g->size};
	memcpy(out->bytes, g->bytes, g->size);
}

/* Put d into ev, replacing the digest of its bank or adding it. */
static void put_digest(rw_event *ev, const rw_digest *d)
{
	for (size_t i = 0; i < ev->digest_count; i++)
		if (ev->digests[i].alg == d->alg) {
			ev->digests[i] = *d;
			return;
		}
	if (ev->digest_count < BC_MAX_BANKS)
		ev->digests[ev->digest_count++] = *d;
}

static void rewrite_one(program *pr, rw_log *log)
{
	unsigned op = next(pr) % 8;
	size_t n = log->count;
	size_t i = n ? next(pr) % n : 0, j = n ? next(pr) % (n + 1) : 0;
	rw_event *ev = n ? &log->events[i] : NULL;
	rw_digest d;
	switch (op) {
	case 0: rw_log_remove(log, i); break;
	case 1:
		if (ev) {
			rw_event copy = *ev;
			rw_log_insert(log, j, &copy);
		}
		break;
	case 2: /* move: a copy in its new place (the data copied), then the old one out */
		if (ev) {
			rw_event copy = *ev;
			if (rw_log_insert(log, j, &copy))
				rw_log_remove(log, j <= i ? i + 1 : i);
		}
		break;
	case 3:
		if (ev && ev->digest_count)
			rw_event_drop_digest(ev, ev->digests[next(pr) % ev->digest_count].alg);
		break;
	case 4:
		if (ev && ev->digest_count)
			ev->digests[next(pr) % ev->digest_count].bytes[next(pr) % 20] ^=
			    (uint8_t)(1 + next(pr) % 255);
		break;
	case 5:
		if (ev) {
			good_digest(pr, log, &d);
			put_digest(ev, &d);
		}
		break;
	case 6:
		if (ev)
			ev->pcr = next(pr) % 24;
		break;
	case 7: { /* a new event of known-good digests */
		rw_event fresh = {.pcr = next(pr) % 24, .type = BC_EV_EVENT_TAG};
		unsigned count = 1 + next(pr) % 4;
		for (unsigned k = 0; k < count; k++) {
			good_digest(pr, log, &d);
			put_digest(&fresh, &d);
		}
		rw_log_insert(log, j, &fresh);
		break;
	}
	}
}

static bool copy_log(const rw_log *from, rw_log *to)
{
	*to = (rw_log){.header = malloc(from->header_size), .header_size = from->header_size};
	if (!to->header)
		return false;
	memcpy(to->header, from->header, from->header_size);
	for (size_t i = 0; i < from->count; i++)
		if (!rw_log_insert(to, i, &from->events[i]))
			return false;
	return true;
}

/* ---- the property ---- */

/* The digest of alg in the k-th extending event of pcr in log, or NULL. */
static const rw_digest *nth_extended(const rw_log *log, uint16_t alg, uint32_t pcr, size_t k)
{
	for (size_t i = 0; i < log->count; i++) {
		const rw_event *e = &log->events[i];
		if (e->pcr != pcr || e->type == BC_EV_NO_ACTION || k--)
			continue;
		for (size_t d = 0; d < e->digest_count; d++)
			if (e->digests[d].alg == alg)
				return &e->digests[d];
		return NULL;
	}
	return NULL;
}

/* Every digest judged is attested and is what the TPM extended there. */
static void check_property(const base *b, const rw_log *forged, const bc_log *log,
			   const bc_verify_result *res)
{
	bc_attested_view view;
	bc_golden_report *rep = NULL;
	if (bc_log_attest(log, &b->ev->selection, &b->ev->pcrs, &view, NULL) != BC_OK ||
	    bc_golden_check_view(golden, log, &view, true, &rep, NULL) != BC_OK)
		abort(); /* verify passed on this very log */
	for (size_t i = 0; i < res->attested.count; i++)
		if (res->attested.banks[i].mask !=
		    bc_attested_view_banks_mask(&view, res->attested.banks[i].alg))
			abort(); /* the result names another view */
	/* events are numbered from the Spec ID event (0): events[n - 1] is event n */
	for (size_t i = 0; i < rep->event_count; i++) {
		const bc_golden_event_result *r = &rep->events[i];
		const rw_event *e = &forged->events[r->number - 1];
		size_t k = 0;
		for (size_t m = 0; m + 1 < r->number; m++)
			k += forged->events[m].pcr == e->pcr &&
			     forged->events[m].type != BC_EV_NO_ACTION;
		for (size_t d = 0; d < r->digests.count; d++) {
			const bc_digest *got = &r->digests.digests[d];
			const rw_digest *want = nth_extended(&b->log, got->alg, r->pcr, k);
			if (!(bc_attested_view_banks_mask(&view, got->alg) & (1u << r->pcr)))
				abort(); /* judged a digest the quote does not vouch for */
			if (!want || want->size != got->size ||
			    memcmp(want->bytes, got->bytes, got->size) != 0)
				abort(); /* judged a digest the TPM never extended there */
			judged++;
		}
	}
	bc_golden_report_free(rep);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	program pr = {data, data + size};
	rw_log forged;
	bc_log *log = NULL;
	uint8_t *bytes = NULL;
	size_t len = 0;
	init();
	const base *b = &bases[next(&pr) & 1];
	if (!copy_log(&b->log, &forged))
		abort();
	while (pr.p < pr.end)
		rewrite_one(&pr, &forged);
	if (!rw_log_write(&forged, &bytes, &len))
		abort();
	if (bc_log_from_memory(bytes, len, "forged", &log, NULL) == BC_OK) {
		bc_evidence ev = *b->ev;
		bc_verify_result res;
		ev.eventlog = bytes;
		ev.eventlog_size = len;
		bc_verify_opts opts = {.key = key,
				       .nonce = fixture_nonce,
				       .nonce_size = sizeof(fixture_nonce),
				       .golden = golden};
		if (bc_verify_evidence(&ev, &opts, &res, NULL) != BC_OK)
			abort();
		runs++;
		if (res.pass) {
			passed++;
			check_property(b, &forged, log, &res);
		}
		bc_verify_result_free(&res);
		bc_log_free(log);
	}
	free(bytes);
	rw_log_free(&forged);
	return 0;
}
