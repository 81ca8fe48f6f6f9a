/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What an update would do to the fleet (bootchain/fleet.h, bc_fleet_whatif): each
 * machine's last attested log, replayed with the candidate images in place of the
 * components they are new versions of, judged against the golden database with the
 * candidates added and against a signed policy. The log is rewritten rather than only
 * its values recomputed, so that the judging is the very golden check a verifier runs.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <bootchain/eventlog.h>
#include <bootchain/fleet.h>
#include <bootchain/policy.h>

#include "util/cleanup.h"

DEFINE_TRIVIAL_CLEANUP_FUNC(bc_log *, bc_log_free)
DEFINE_TRIVIAL_CLEANUP_FUNC(bc_golden_report *, bc_golden_report_free)
DEFINE_TRIVIAL_CLEANUP_FUNC(bc_golden *, bc_golden_free)

const char *bc_whatif_verdict_name(bc_whatif_verdict v)
{
	switch (v) {
	case BC_WHATIF_PASS: return "pass";
	case BC_WHATIF_FAIL: return "fail";
	default: return "unknown";
	}
}

const char *bc_whatif_unseal_name(bc_whatif_unseal u)
{
	switch (u) {
	case BC_WHATIF_UNSEALS: return "unseals";
	case BC_WHATIF_SEALED: return "sealed";
	case BC_WHATIF_UNSEAL_UNKNOWN: return "unknown";
	default: return "";
	}
}

/* ---- one log ---- */

typedef struct whatif {
	const bc_whatif_opts *opts;
	bc_golden *judge; /* the database with the candidates added */
	bc_whatif_callback callback;
	void *user;
	/* the outcome of the log of the machines before (they come grouped by log) */
	bool has_last;
	uint8_t last_sha256[32];
	bc_pcr_selection last_attested;
	bc_whatif_outcome outcome;
	bc_status status; /* no memory: the rest is not judged */
	bc_error *err;
} whatif;

static void unknown(bc_whatif_outcome *o, const char *fmt, ...) BC_PRINTF(2, 3);
static void unknown(bc_whatif_outcome *o, const char *fmt, ...)
{
	va_list ap;
	o->verdict = BC_WHATIF_UNKNOWN;
	va_start(ap, fmt);
	vsnprintf(o->why, sizeof(o->why), fmt, ap);
	va_end(ap);
}

static const bc_golden_candidate *candidate_of(const bc_whatif_opts *opts,
					       const bc_golden_component *c)
{
	for (size_t i = 0; c && i < opts->candidate_count; i++)
		if (!strcmp(opts->candidates[i].name, c->name))
			return &opts->candidates[i];
	return NULL;
}

/* The candidate whose component the report says event number is, or NULL. The report
 * holds every extending event in log order, as the log is walked: *next is where the
 * search goes on from. */
static const bc_golden_candidate *replacement(const bc_whatif_opts *opts, const bc_golden_report *r,
					      uint32_t number, size_t *next)
{
	while (*next < r->event_count && r->events[*next].number < number)
		(*next)++;
	if (*next == r->event_count || r->events[*next].number != number)
		return NULL;
	const bc_golden_event_result *e = &r->events[*next];
	if (e->verdict == BC_EVENT_UNEXPECTED || e->verdict == BC_EVENT_NOT_COVERED)
		return NULL;
	return candidate_of(opts, e->component);
}

/* Put c's digests into the event's record in out (a copy of the log's bytes, at the same
 * offsets); false, with why, when c has none in a bank attested for the event's PCR (a
 * bank not attested keeps its old digest: nothing judges it). */
static bool put_digests(const bc_event *ev, const uint8_t *base, const bc_golden_candidate *c,
			uint8_t *out, bc_whatif_outcome *o)
{
	for (size_t d = 0; d < ev->digest_count; d++) {
		const bc_event_digest *e = &ev->digests[d];
		const bc_digest *want = bc_digest_set_find(&c->digests, e->alg);
		bool attested = ev->pcr < BC_PCR_COUNT &&
				(bc_pcr_selection_mask(&o->attested, e->alg) & (1u << ev->pcr));
		if ((!want || want->size != e->size) && !attested)
			continue;
		if (!want || want->size != e->size) {
			unknown(o, "event %u of PCR %u: candidate %s has no %s digest", ev->number,
				ev->pcr, c->name,
				bc_hash_alg_name(e->alg) ? bc_hash_alg_name(e->alg) : "?");
			return false;
		}
		memcpy(out + (e->bytes - base), want->bytes, want->size);
	}
	return true;
}

/* The log's bytes with the candidates' digests in the events of their components (as
 * the report of the old view maps them); *out malloc'd. false: unknown (o says why) or
 * no memory (*out NULL). */
static bool rewrite(const whatif *w, const bc_log *log, const bc_golden_report *r, uint8_t **out,
		    bc_whatif_outcome *o)
{
	size_t size = 0;
	const uint8_t *base = bc_log_bytes(log, &size);
	bc_log_iter it;
	bc_event ev;
	bool done = false;
	bc_error err = {0};
	size_t next = 0;
	*out = malloc(size ? size : 1);
	if (!*out)
		return false;
	memcpy(*out, base, size);
	bc_log_iter_init(log, &it);
	while (bc_log_next(&it, &ev, &done, &err) == BC_OK && !done) {
		const bc_golden_candidate *c =
		    bc_event_extends(&ev) ? replacement(w->opts, r, ev.number, &next) : NULL;
		if (!c)
			continue;
		if (!put_digests(&ev, base, c, *out, o))
			return false;
		o->replaced++;
	}
	if (!done) {
		unknown(o, "the log cannot be read to its end: %s", bc_error_message(&err));
		return false;
	}
	return true;
}

/* The first reason the report does not match, in words, into o. */
static void golden_failure(const bc_golden_report *r, bc_whatif_outcome *o)
{
	o->verdict = BC_WHATIF_FAIL;
	snprintf(o->check, sizeof(o->check), "golden");
	for (size_t i = 0; i < r->event_count; i++) {
		const bc_golden_event_result *e = &r->events[i];
		if (e->verdict == BC_EVENT_KNOWN || e->verdict == BC_EVENT_NOT_COVERED)
			continue;
		snprintf(o->why, sizeof(o->why), "PCR %u, event %u: %s%s%s%s", e->pcr, e->number,
			 bc_golden_event_verdict_name(e->verdict), e->component ? " (" : "",
			 e->component ? e->component->name : "", e->component ? ")" : "");
		return;
	}
	if (r->missing_count) {
		snprintf(o->why, sizeof(o->why), "%s (PCR %u): required, never measured",
			 r->missing[0]->name, r->missing[0]->pcr);
		return;
	}
	if (r->pcr_mismatch_count) {
		const bc_golden_pcr_result *m = &r->pcr_mismatches[0];
		snprintf(o->why, sizeof(o->why), "%s PCR %u: %s final value",
			 bc_hash_alg_name(m->alg), m->pcr,
			 m->value.size ? "not an allowed" : "no attested");
		return;
	}
	snprintf(o->why, sizeof(o->why), "the golden database does not match");
}

/* The values of v restricted to the pairs of sel. */
static void restrict_values(bc_pcr_values *v, const bc_pcr_selection *sel)
{
	for (size_t b = 0; b < v->count; b++)
		v->banks[b].mask &= bc_pcr_selection_mask(sel, v->banks[b].alg);
}

static const bc_pcr_bank *bank_of(const bc_pcr_values *v, uint16_t alg)
{
	for (size_t i = 0; i < v->count; i++)
		if (v->banks[i].alg == alg)
			return &v->banks[i];
	return NULL;
}

/* The pairs of sel whose values differ between a and b, into changed. */
static void changed_pairs(const bc_pcr_values *a, const bc_pcr_values *b,
			  const bc_pcr_selection *sel, bc_pcr_selection *changed)
{
	*changed = (bc_pcr_selection){0};
	for (size_t i = 0; i < sel->count; i++) {
		uint16_t alg = sel->banks[i].alg;
		const bc_pcr_bank *x = bank_of(a, alg), *y = bank_of(b, alg);
		uint32_t mask = 0;
		for (unsigned pcr = 0; x && y && pcr < BC_PCR_COUNT; pcr++)
			if ((sel->banks[i].mask & (1u << pcr)) &&
			    memcmp(x->values[pcr], y->values[pcr], x->size))
				mask |= 1u << pcr;
		if (mask)
			bc_pcr_selection_add(changed, alg, mask, NULL);
	}
}

/* Would a secret sealed to the policy unseal with the new values? */
static void judge_unseal(const bc_signed_policy *p, bc_whatif_outcome *o)
{
	bc_error why = {0};
	size_t branch = 0;
	for (size_t i = 0; i < p->sel.count; i++) {
		uint32_t missing = p->sel.banks[i].mask &
				   ~bc_pcr_selection_mask(&o->attested, p->sel.banks[i].alg);
		if (missing) {
			o->unseal = BC_WHATIF_UNSEAL_UNKNOWN;
			snprintf(o->unseal_why, sizeof(o->unseal_why),
				 "%s PCR %d of the policy is not attested by the log",
				 bc_hash_alg_name(p->sel.banks[i].alg), __builtin_ctz(missing));
			return;
		}
	}
	if (bc_signed_policy_find(p, &o->values, &branch, &why) == BC_OK) {
		o->unseal = BC_WHATIF_UNSEALS;
		return;
	}
	o->unseal = BC_WHATIF_SEALED;
	snprintf(o->unseal_why, sizeof(o->unseal_why), "%s", bc_error_message(&why));
}

/* The new log: replayed, attested as a quote of its new values would be, and judged. */
static void judge_new_log(const whatif *w, const uint8_t *bytes, size_t size,
			  const bc_fleet_log *stored, const bc_pcr_values *old,
			  bc_attested_view *view, bc_whatif_outcome *o)
{
	_cleanup_(bc_log_freep) bc_log *log = NULL;
	_cleanup_(bc_golden_report_freep) bc_golden_report *r = NULL;
	bc_error err = {0};
	char missing[160];
	if (bc_log_from_memory(bytes, size, "the replayed log", &log, &err) != BC_OK ||
	    bc_log_replay_selection(log, &stored->attested, &o->values, NULL, &err) != BC_OK) {
		unknown(o, "the replayed log: %s", bc_error_message(&err));
		return;
	}
	restrict_values(&o->values, &stored->attested);
	changed_pairs(old, &o->values, &stored->attested, &o->changed);
	if (bc_log_attest(log, &stored->attested, &o->values, view, &err) != BC_OK ||
	    !view->complete) {
		unknown(o, "the replayed log: %s",
			view->complete ? bc_error_message(&err) : view->problem);
		return;
	}
	if (!bc_golden_quote_covers(w->judge, &stored->attested, missing, sizeof(missing))) {
		o->verdict = BC_WHATIF_FAIL;
		snprintf(o->check, sizeof(o->check), "pcr-selection");
		snprintf(o->why, sizeof(o->why),
			 "the attested PCRs do not cover what the database judges: %s", missing);
	} else if (bc_golden_check_view(w->judge, log, view, false, &r, &err) != BC_OK) {
		unknown(o, "golden check: %s", bc_error_message(&err));
		return;
	} else if (!r->match) {
		golden_failure(r, o);
	}
	if (w->opts->policy)
		judge_unseal(w->opts->policy, o);
}

/* The attested view of a stored log. The quoted values of its attested pairs are the
 * log's replay (that is what made them attested), so they are recomputed into old
 * rather than stored. */
static bc_status stored_view(bc_log *log, const bc_pcr_selection *attested, bc_pcr_values *old,
			     bc_attested_view *view, bc_error *err)
{
	bc_status s = bc_log_replay_selection(log, attested, old, NULL, err);
	if (s != BC_OK)
		return s;
	restrict_values(old, attested);
	return bc_log_attest(log, attested, old, view, err);
}

/* The outcome of one stored log (o cleared first). */
static void judge(whatif *w, const bc_fleet_log *stored, bc_whatif_outcome *o)
{
	_cleanup_(bc_log_freep) bc_log *log = NULL;
	_cleanup_(bc_golden_report_freep) bc_golden_report *r = NULL;
	_cleanup_free_ bc_attested_view *view = calloc(1, sizeof(*view));
	_cleanup_free_ bc_pcr_values *old = calloc(1, sizeof(*old));
	_cleanup_free_ uint8_t *bytes = NULL;
	bc_error err = {0};
	*o = (bc_whatif_outcome){.attested = stored->attested};
	if (!view || !old) {
		w->status = bc_fail(w->err, BC_E_NOMEM, "out of memory");
		return;
	}
	if (bc_log_from_memory(stored->data, stored->size, "log", &log, &err) != BC_OK ||
	    stored_view(log, &stored->attested, old, view, &err) != BC_OK) {
		unknown(o, "its last log: %s", bc_error_message(&err));
		return;
	}
	if (view->pairs_attested == 0 || !view->complete) {
		unknown(o, "its last log: %s",
			view->pairs_attested ? view->problem : "no PCR of it was attested");
		return;
	}
	/* the old view maps events to components, as the verifier did */
	if (bc_golden_check_view(w->opts->golden, log, view, true, &r, &err) != BC_OK) {
		unknown(o, "golden check of its last log: %s", bc_error_message(&err));
		return;
	}
	if (!rewrite(w, log, r, &bytes, o)) {
		if (!bytes)
			w->status = bc_fail(w->err, BC_E_NOMEM, "out of memory");
		return;
	}
	size_t size = 0;
	bc_log_bytes(log, &size);
	judge_new_log(w, bytes, size, stored, old, view, o);
}

static bool same_selection(const bc_pcr_selection *a, const bc_pcr_selection *b)
{
	if (a->count != b->count)
		return false;
	for (size_t i = 0; i < a->count; i++)
		if (a->banks[i].alg != b->banks[i].alg || a->banks[i].mask != b->banks[i].mask)
			return false;
	return true;
}

/* Whether log is the one the outcome at hand was judged from. */
static bool same_log(const whatif *w, const bc_fleet_log *log)
{
	return w->has_last && !memcmp(w->last_sha256, log->sha256, sizeof(w->last_sha256)) &&
	       same_selection(&w->last_attested, &log->attested);
}

static void on_machine(const bc_fleet_machine *m, const bc_fleet_attestation *a,
		       const bc_fleet_log *log, void *user)
{
	whatif *w = user;
	bc_whatif_outcome none = {.verdict = BC_WHATIF_UNKNOWN};
	if (w->status != BC_OK)
		return;
	if (!log) {
		snprintf(none.why, sizeof(none.why), "no attestation with an event log is stored");
		w->callback(&(bc_whatif_result){.machine = m, .outcome = &none}, w->user);
		return;
	}
	if (!same_log(w, log)) {
		judge(w, log, &w->outcome);
		if (w->status != BC_OK)
			return;
		w->has_last = true;
		memcpy(w->last_sha256, log->sha256, sizeof(w->last_sha256));
		w->last_attested = log->attested;
	}
	w->callback(&(bc_whatif_result){.machine = m, .attestation = a, .outcome = &w->outcome},
		    w->user);
}

/* The database the new boots are judged against: the candidates that are versions of
 * its components added. */
static bc_status judging_database(const bc_whatif_opts *o, bc_golden **out, bc_error *err)
{
	_cleanup_free_ bc_golden_candidate *known = calloc(o->candidate_count + 1, sizeof(*known));
	size_t n = 0;
	if (!known)
		return bc_fail(err, BC_E_NOMEM, "out of memory");
	for (size_t i = 0; i < o->candidate_count; i++) {
		if (!o->candidates[i].digested)
			return bc_fail(err, BC_E_INVALID, "candidate %s: not digested",
				       o->candidates[i].name);
		if (bc_golden_find(o->golden, o->candidates[i].name))
			known[n++] = o->candidates[i]; /* a shallow copy: only read */
	}
	return bc_golden_apply_candidates(o->golden, known, n, BC_GOLDEN_ADD, out, err);
}

bc_status bc_fleet_whatif(bc_fleet_store *store, const bc_whatif_opts *opts,
			  bc_whatif_callback callback, void *user, bc_error *err)
{
	_cleanup_(bc_golden_freep) bc_golden *judge_db = NULL;
	if (!opts || !opts->golden || !callback || (opts->candidate_count && !opts->candidates))
		return bc_fail(err, BC_E_INVALID, "fleet whatif: no golden database or callback");
	bc_status s = judging_database(opts, &judge_db, err);
	if (s != BC_OK)
		return s;
	whatif *w = calloc(1, sizeof(*w));
	if (!w)
		return bc_fail(err, BC_E_NOMEM, "out of memory");
	*w = (whatif){.opts = opts,
		      .judge = judge_db,
		      .callback = callback,
		      .user = user,
		      .status = BC_OK,
		      .err = err};
	s = bc_fleet_store_last_logs(store, on_machine, w, err);
	if (s == BC_OK)
		s = w->status;
	free(w);
	return s;
}
