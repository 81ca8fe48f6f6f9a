/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Checking an event log against a golden database: a verdict for every extending
 * event, the required components never measured, and the final PCR values against
 * the database's allowed values.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <bootchain/eventlog.h>
#include <bootchain/golden.h>

#include "golden/golden-internal.h"
#include "eventlog/event-data.h"
#include "eventlog/eventlog-internal.h"
#include "util/buf.h"
#include "util/cleanup.h"

#define MAX_HITS 8

DEFINE_TRIVIAL_CLEANUP_FUNC(bc_golden_report *, bc_golden_report_free)

const char *bc_golden_event_verdict_name(bc_golden_event_verdict v)
{
	switch (v) {
	case BC_EVENT_KNOWN: return "known";
	case BC_EVENT_CHANGED: return "changed";
	case BC_EVENT_UNEXPECTED: return "unexpected";
	case BC_EVENT_NOT_COVERED: return "not-covered";
	}
	return "unknown";
}

void bc_golden_report_free(bc_golden_report *r)
{
	if (!r)
		return;
	free(r->events);
	free(r->missing);
	free(r->pcr_mismatches);
	free(r);
}

/* Per PCR, the components in database order and how far the log has got. */
typedef struct expectation {
	size_t *order; /* component indices, grouped by PCR */
	size_t start[BC_PCR_COUNT + 1];
	size_t next[BC_PCR_COUNT];
	size_t *position; /* per component: its index in order */
	bool *seen;	  /* per component: measured (known or changed) */
} expectation;

static void expectation_free(expectation *x)
{
	free(x->order);
	free(x->position);
	free(x->seen);
}

static bc_status expectation_init(const bc_golden *db, expectation *x, bc_error *err)
{
	size_t fill[BC_PCR_COUNT] = {0};
	*x = (expectation){.order = calloc(db->count + 1, sizeof(size_t)),
			   .position = calloc(db->count + 1, sizeof(size_t)),
			   .seen = calloc(db->count + 1, sizeof(bool))};
	if (!x->order || !x->position || !x->seen)
		return bc_fail(err, BC_E_NOMEM, "out of memory");
	for (size_t i = 0; i < db->count; i++)
		x->start[db->components[i].pcr + 1]++;
	for (size_t p = 0; p < BC_PCR_COUNT; p++)
		x->start[p + 1] += x->start[p];
	for (size_t i = 0; i < db->count; i++) {
		uint32_t p = db->components[i].pcr;
		x->position[i] = x->start[p] + fill[p];
		x->order[x->start[p] + fill[p]++] = i;
	}
	for (size_t p = 0; p < BC_PCR_COUNT; p++)
		x->next[p] = x->start[p];
	return BC_OK;
}

static bool component_has(const bc_golden_component *c, const bc_digest_set *d, size_t *version)
{
	for (size_t v = 0; v < c->version_count; v++) {
		if (bc_golden_version_compare(&c->versions[v], d) == 1) {
			*version = v;
			return true;
		}
	}
	return false;
}

/* A component with an event type takes only events of that type. */
static bool type_fits(const bc_golden_component *c, uint32_t type)
{
	return !c->has_event_type || c->event_type == type;
}

/* Any component of the PCR with these digests, through the index: constant time. */
static bool lookup_any(const bc_golden *db, uint32_t pcr, uint32_t type, const bc_digest_set *d,
		       bc_golden_hit *found)
{
	bc_golden_hit hits[MAX_HITS];
	for (size_t b = 0; b < d->count; b++) {
		size_t n = bc_golden_lookup(db, pcr, &d->digests[b], hits, MAX_HITS);
		for (size_t i = 0; i < n && i < MAX_HITS; i++) {
			const bc_golden_component *c = hits[i].component;
			if (type_fits(c, type) &&
			    bc_golden_version_compare(&c->versions[hits[i].version], d) == 1) {
				*found = hits[i];
				return true;
			}
		}
	}
	return false;
}

static void judge(const bc_golden *db, expectation *x, bc_golden_event_result *r)
{
	uint32_t p = r->pcr;
	const bc_golden_component *next =
	    x->next[p] < x->start[p + 1] ? &db->components[x->order[x->next[p]]] : NULL;
	bc_golden_hit hit;
	if (next && type_fits(next, r->type) && component_has(next, &r->digests, &r->version)) {
		r->verdict = BC_EVENT_KNOWN;
		r->component = next;
		x->next[p]++;
	} else if (lookup_any(db, p, r->type, &r->digests, &hit)) {
		r->verdict = BC_EVENT_KNOWN;
		r->component = hit.component;
		r->version = hit.version;
		/* later in the database: the components before it were skipped */
		size_t at = x->position[bc_golden_component_index(db, hit.component)];
		if (at >= x->next[p])
			x->next[p] = at + 1;
	} else if (next && type_fits(next, r->type)) {
		r->verdict = BC_EVENT_CHANGED;
		r->component = next;
		x->next[p]++;
	} else {
		r->verdict =
		    db->explained_mask & (1u << p) ? BC_EVENT_UNEXPECTED : BC_EVENT_NOT_COVERED;
	}
	if (r->component)
		x->seen[bc_golden_component_index(db, r->component)] = true;
}

static void count_verdict(bc_golden_report *rep, bc_golden_event_verdict v)
{
	switch (v) {
	case BC_EVENT_KNOWN: rep->known++; break;
	case BC_EVENT_CHANGED: rep->changed++; break;
	case BC_EVENT_UNEXPECTED: rep->unexpected++; break;
	case BC_EVENT_NOT_COVERED: rep->not_covered++; break;
	}
}

static bc_status store_event(bc_golden_report *rep, size_t *cap, const bc_golden_event_result *r,
			     const bc_event *ev, bc_error *err)
{
	if (rep->event_count == *cap) {
		size_t grown = *cap ? 2 * *cap : 64;
		bc_golden_event_result *e = realloc(rep->events, grown * sizeof(*e));
		if (!e)
			return bc_fail(err, BC_E_NOMEM, "out of memory");
		rep->events = e;
		*cap = grown;
	}
	bc_golden_event_result *stored = &rep->events[rep->event_count++];
	*stored = *r;
	if (r->verdict != BC_EVENT_KNOWN) { /* worth the words only where there is a problem */
		bc_buf s = {0};
		bc_buf_init(&s, sizeof(r->summary) * 4);
		bc_event_data_summary(ev, &s, sizeof(r->summary) - 8);
		snprintf(stored->summary, sizeof(stored->summary), "%s",
			 s.data ? (char *)s.data : "");
		bc_buf_free(&s);
	}
	return BC_OK;
}

static bc_status add_event(bc_golden_report *rep, size_t *cap, bool all_events, const bc_golden *db,
			   expectation *x, const bc_event *ev, bc_error *err)
{
	bc_golden_event_result r = {
	    .number = ev->number, .pcr = ev->pcr, .type = ev->type, .offset = ev->offset};
	bc_event_digest_set(ev, &r.digests);
	judge(db, x, &r);
	count_verdict(rep, r.verdict);
	if (!all_events && r.verdict == BC_EVENT_KNOWN)
		return BC_OK; /* counted; a good log costs no memory per event */
	return store_event(rep, cap, &r, ev, err);
}

static bc_status check_events(const bc_golden *db, const bc_log *log, uint32_t pcrs,
			      bool all_events, expectation *x, bc_golden_report *rep, bc_error *err)
{
	bc_log_iter it;
	size_t cap = 0;
	bc_log_iter_init(log, &it);
	for (;;) {
		bc_event ev;
		bool done;
		bc_status s = bc_log_next(&it, &ev, &done, err);
		if (s != BC_OK)
			return s;
		if (done)
			return BC_OK;
		if (!bc_event_extends(&ev) || ev.pcr >= BC_PCR_COUNT || !(pcrs & (1u << ev.pcr)))
			continue;
		if ((s = add_event(rep, &cap, all_events, db, x, &ev, err)) != BC_OK)
			return s;
	}
}

static bc_status find_missing(const bc_golden *db, const expectation *x, uint32_t pcrs,
			      bc_golden_report *rep, bc_error *err)
{
	rep->missing = calloc(db->count + 1, sizeof(*rep->missing));
	if (!rep->missing)
		return bc_fail(err, BC_E_NOMEM, "out of memory");
	for (size_t i = 0; i < db->count; i++)
		/* in a PCR not judged, a component cannot be shown to be there */
		if (db->components[i].required &&
		    (!x->seen[i] || !(pcrs & (1u << db->components[i].pcr))))
			rep->missing[rep->missing_count++] = &db->components[i];
	return BC_OK;
}

static bool value_allowed(const bc_golden *db, uint16_t alg, uint32_t pcr, const uint8_t *value,
			  bool *listed)
{
	for (size_t i = 0; i < db->expected_count; i++) {
		const bc_golden_expected *e = &db->expected[i];
		const bc_digest *d = &e->value.digests[0];
		if (e->pcr != pcr || d->alg != alg)
			continue;
		*listed = true;
		if (memcmp(d->bytes, value, d->size) == 0)
			return true;
	}
	return false;
}

static bool already_judged(const bc_golden_report *rep, uint16_t alg, uint32_t pcr)
{
	for (size_t i = 0; i < rep->pcr_mismatch_count; i++)
		if (rep->pcr_mismatches[i].alg == alg && rep->pcr_mismatches[i].pcr == pcr)
			return true;
	return false;
}

/* The replayed PCR values against "pcrs" of the database. */
static bc_status check_final_values(const bc_golden *db, const bc_log *log, bc_golden_report *rep,
				    bc_error *err)
{
	bc_pcr_values values;
	if (!db->expected_count)
		return BC_OK;
	bc_status s = bc_log_replay(log, &values, NULL, err);
	if (s != BC_OK)
		return s;
	rep->pcr_mismatches = calloc(db->expected_count, sizeof(*rep->pcr_mismatches));
	if (!rep->pcr_mismatches)
		return bc_fail(err, BC_E_NOMEM, "out of memory");
	/* every (bank, PCR) the database lists: one the log cannot replay fails too */
	for (size_t i = 0; i < db->expected_count; i++) {
		const bc_golden_expected *e = &db->expected[i];
		uint16_t alg = e->value.digests[0].alg;
		if (already_judged(rep, alg, e->pcr))
			continue;
		const bc_pcr_bank *bank = bc_pcr_values_bank(&values, alg);
		bool replayed = bank && (bank->mask & (1u << e->pcr));
		bool listed = false;
		if (replayed && value_allowed(db, alg, e->pcr, bank->values[e->pcr], &listed))
			continue;
		bc_golden_pcr_result *m = &rep->pcr_mismatches[rep->pcr_mismatch_count++];
		*m = (bc_golden_pcr_result){.alg = alg, .pcr = e->pcr, .value = {.alg = alg}};
		if (replayed) {
			m->value.size = bank->size;
			memcpy(m->value.bytes, bank->values[e->pcr], bank->size);
		}
	}
	return BC_OK;
}

bc_status bc_golden_check_log(const bc_golden *db, const bc_log *log, bool all_events,
			      bc_golden_report **out, bc_error *err)
{
	return bc_golden_check_log_pcrs(db, log, BC_PCR_ALL_MASK, all_events, out, err);
}

bc_status bc_golden_check_log_pcrs(const bc_golden *db, const bc_log *log, uint32_t pcrs,
				   bool all_events, bc_golden_report **out, bc_error *err)
{
	_cleanup_(bc_golden_report_freep) bc_golden_report *rep = calloc(1, sizeof(*rep));
	expectation x;
	if (!rep)
		return bc_fail(err, BC_E_NOMEM, "out of memory");
	bc_status s = expectation_init(db, &x, err);
	if (s == BC_OK)
		s = check_events(db, log, pcrs, all_events, &x, rep, err);
	if (s == BC_OK)
		s = find_missing(db, &x, pcrs, rep, err);
	expectation_free(&x);
	if (s == BC_OK)
		s = check_final_values(db, log, rep, err);
	if (s != BC_OK)
		return s;
	rep->match =
	    !rep->changed && !rep->unexpected && !rep->missing_count && !rep->pcr_mismatch_count;
	*out = TAKE_PTR(rep);
	return BC_OK;
}
