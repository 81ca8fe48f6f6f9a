/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Checking an event log against a golden database: a verdict for every extending
 * event, the required components never measured, and the final PCR values against
 * the database's allowed values.
 */
#include "config.h"

#include <stdio.h>
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
	case BC_EVENT_UNVERIFIABLE: return "unverifiable";
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

/* Whether some version of c has a digest in a bank of d: otherwise the event cannot be
 * shown to be c or not (its digests in c's banks are not attested). */
static bool shares_a_bank(const bc_golden_component *c, const bc_digest_set *d)
{
	for (size_t v = 0; v < c->version_count; v++)
		if (bc_golden_version_compare(&c->versions[v], d) >= 0)
			return true;
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
		r->verdict =
		    shares_a_bank(next, &r->digests) ? BC_EVENT_CHANGED : BC_EVENT_UNVERIFIABLE;
		r->component = next;
		x->next[p]++;
	} else {
		r->verdict =
		    db->closed_mask & (1u << p) ? BC_EVENT_UNEXPECTED : BC_EVENT_NOT_COVERED;
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
	case BC_EVENT_UNVERIFIABLE: rep->unverifiable++; break;
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
			   const bc_attested_view *view, expectation *x, const bc_event *ev,
			   bc_error *err)
{
	bc_golden_event_result r = {
	    .number = ev->number, .pcr = ev->pcr, .type = ev->type, .offset = ev->offset};
	bc_attested_view_digests(view, ev, &r.digests);
	judge(db, x, &r);
	count_verdict(rep, r.verdict);
	if (!all_events && r.verdict == BC_EVENT_KNOWN)
		return BC_OK; /* counted; a good log costs no memory per event */
	return store_event(rep, cap, &r, ev, err);
}

static bc_status check_events(const bc_golden *db, const bc_log *log, const bc_attested_view *view,
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
		/* only the events of attested PCRs: the others are the machine's word */
		if (!bc_event_extends(&ev) || ev.pcr >= BC_PCR_COUNT ||
		    !(view->pcrs & (1u << ev.pcr)))
			continue;
		if ((s = add_event(rep, &cap, all_events, db, view, x, &ev, err)) != BC_OK)
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

/* The attested PCR values against "pcrs" of the database: a value listed for a pair
 * that the view does not attest fails, as the machine's word for it proves nothing. */
static bc_status check_final_values(const bc_golden *db, const bc_attested_view *view,
				    bc_golden_report *rep, bc_error *err)
{
	if (!db->expected_count)
		return BC_OK;
	rep->pcr_mismatches = calloc(db->expected_count, sizeof(*rep->pcr_mismatches));
	if (!rep->pcr_mismatches)
		return bc_fail(err, BC_E_NOMEM, "out of memory");
	for (size_t i = 0; i < db->expected_count; i++) {
		const bc_golden_expected *e = &db->expected[i];
		uint16_t alg = e->value.digests[0].alg;
		if (already_judged(rep, alg, e->pcr))
			continue;
		const bc_pcr_bank *bank = bc_pcr_values_bank((bc_pcr_values *)&view->values, alg);
		bool attested = bank && (bc_attested_view_banks_mask(view, alg) & (1u << e->pcr)) &&
				(bank->mask & (1u << e->pcr));
		bool listed = false;
		if (attested && value_allowed(db, alg, e->pcr, bank->values[e->pcr], &listed))
			continue;
		bc_golden_pcr_result *m = &rep->pcr_mismatches[rep->pcr_mismatch_count++];
		*m = (bc_golden_pcr_result){.alg = alg, .pcr = e->pcr, .value = {.alg = alg}};
		if (attested) {
			m->value.size = bank->size;
			memcpy(m->value.bytes, bank->values[e->pcr], bank->size);
		}
	}
	return BC_OK;
}

/* The PCRs the database speaks of: components, explained, final values. */
static uint32_t pcrs_spoken_of(const bc_golden *db)
{
	uint32_t mask = db->closed_mask;
	for (size_t i = 0; i < db->count; i++)
		mask |= 1u << db->components[i].pcr;
	for (size_t i = 0; i < db->expected_count; i++)
		mask |= 1u << db->expected[i].pcr;
	return mask;
}

bc_status bc_golden_check_view(const bc_golden *db, const bc_log *log, const bc_attested_view *view,
			       bool all_events, bc_golden_report **out, bc_error *err)
{
	_cleanup_(bc_golden_report_freep) bc_golden_report *rep = calloc(1, sizeof(*rep));
	expectation x;
	if (!rep)
		return bc_fail(err, BC_E_NOMEM, "out of memory");
	rep->judged_pcrs = view->pcrs & BC_PCR_ALL_MASK;
	rep->unjudged_pcrs = pcrs_spoken_of(db) & ~rep->judged_pcrs;
	bc_status s = expectation_init(db, &x, err);
	if (s == BC_OK)
		s = check_events(db, log, view, all_events, &x, rep, err);
	if (s == BC_OK)
		s = find_missing(db, &x, view->pcrs, rep, err);
	expectation_free(&x);
	if (s == BC_OK)
		s = check_final_values(db, view, rep, err);
	if (s != BC_OK)
		return s;
	rep->match = !rep->changed && !rep->unexpected && !rep->unverifiable &&
		     !rep->missing_count && !rep->pcr_mismatch_count;
	*out = TAKE_PTR(rep);
	return BC_OK;
}

/* A log no quote covers: every bank it can replay, at its word. The final values are
 * its replayed ones. */
bc_status bc_golden_check_log(const bc_golden *db, const bc_log *log, bool all_events,
			      bc_golden_report **out, bc_error *err)
{
	bc_attested_view *view = malloc(sizeof(*view));
	if (!view)
		return bc_fail(err, BC_E_NOMEM, "out of memory");
	bc_status s = BC_OK;
	bc_attested_view_all(log, view);
	if (db->expected_count)
		s = bc_log_replay(log, &view->values, NULL, err);
	if (s == BC_OK)
		s = bc_golden_check_view(db, log, view, all_events, out, err);
	free(view);
	return s;
}

static bool pcr_covered(const bc_golden *db, uint32_t pcr, const bc_pcr_selection *quoted)
{
	for (size_t b = 0; b < quoted->count; b++) {
		if (!(quoted->banks[b].mask & (1u << pcr)))
			continue;
		bool every = true;
		for (size_t i = 0; every && i < db->count; i++) {
			const bc_golden_component *c = &db->components[i];
			for (size_t v = 0; every && c->pcr == pcr && v < c->version_count; v++)
				every = bc_digest_set_find(&c->versions[v].digests,
							   quoted->banks[b].alg) != NULL;
		}
		if (every)
			return true;
	}
	return false;
}

bool bc_golden_quote_covers(const bc_golden *db, const bc_pcr_selection *quoted, char *missing,
			    size_t missing_size)
{
	for (uint32_t p = 0; p < BC_PCR_COUNT; p++) {
		if ((db->closed_mask & (1u << p)) && !pcr_covered(db, p, quoted)) {
			snprintf(missing, missing_size,
				 "PCR %u in a bank the database has digests in", p);
			return false;
		}
	}
	for (size_t i = 0; i < db->expected_count; i++) {
		const bc_golden_expected *e = &db->expected[i];
		uint16_t alg = e->value.digests[0].alg;
		if (!(bc_pcr_selection_mask(quoted, alg) & (1u << e->pcr))) {
			snprintf(missing, missing_size, "%s PCR %u, which has a final value",
				 bc_hash_alg_name(alg), e->pcr);
			return false;
		}
	}
	return true;
}
