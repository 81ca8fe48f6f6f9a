/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * One round of `fleet run` (bootchain/fleet.h, "running"): lease the due machines a
 * batch at a time, attest them with the polling engine, and store each attestation with
 * what changed since the machine's previous one. Leasing by batches keeps a lease as
 * short as one batch's polling, and lets several workers share a round.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <bootchain/fleet.h>

#include "util/buf.h"
#include "util/cleanup.h"
#include "util/json.h"

#define DIFFERING_EVENTS_MAX 64		 /* events kept per attestation; the rest counted */
#define DIFFERING_JSON_MAX   (64 * 1024) /* their JSON */
#define LEASE_POLL_MS	     200	 /* how often a round looks for leases ended */

static const char *const event_names[BC_FLEET_EVENT_COUNT] = {
    "fail", "pass", "unreachable", "reboot", "rollback", "ak-changed", "chip-changed",
};

const char *bc_fleet_event_name(unsigned event)
{
	for (unsigned i = 0; i < BC_FLEET_EVENT_COUNT; i++)
		if (event == 1u << i)
			return event_names[i];
	return NULL;
}

/* ---- what changed ---- */

static bool same_chip(const bc_fleet_attestation *a, const bc_fleet_attestation *b)
{
	if (a->has_keep_chip != b->has_keep_chip)
		return false;
	return !a->has_keep_chip || !memcmp(a->keep_chip_id, b->keep_chip_id, BC_CHIP_ID_SIZE);
}

unsigned bc_fleet_compare(const bc_fleet_attestation *prev, const bc_fleet_attestation *cur)
{
	unsigned flags = 0;
	if (!prev)
		return 0;
	if (prev->ak_name_size && cur->ak_name_size &&
	    (prev->ak_name_size != cur->ak_name_size ||
	     memcmp(prev->ak_name, cur->ak_name, cur->ak_name_size)))
		flags |= BC_FLEET_FLAG_AK_CHANGED;
	if (!same_chip(prev, cur))
		flags |= BC_FLEET_FLAG_CHIP_CHANGED;
	if (!prev->has_clock_info || !cur->has_clock_info)
		return flags;
	if (cur->reset_count > prev->reset_count)
		return flags | BC_FLEET_FLAG_REBOOT;
	if (cur->reset_count < prev->reset_count) /* a TPM state from before a reboot */
		return flags | BC_FLEET_FLAG_ROLLBACK;
	if (cur->restart_count < prev->restart_count)
		flags |= BC_FLEET_FLAG_ROLLBACK;
	if (cur->clock < prev->clock)
		flags |= BC_FLEET_FLAG_CLOCK_BACK;
	return flags;
}

unsigned bc_fleet_events(const bc_fleet_attestation *last, const bc_fleet_attestation *cur)
{
	unsigned events = 0;
	const char *was = last ? last->verdict : "";
	if (strcmp(was, cur->verdict) != 0) {
		if (!strcmp(cur->verdict, "fail"))
			events |= BC_FLEET_EVENT_FAIL;
		else if (!strcmp(cur->verdict, "pass") && last)
			events |= BC_FLEET_EVENT_PASS;
		else if (!strcmp(cur->verdict, "error"))
			events |= BC_FLEET_EVENT_UNREACHABLE;
	}
	if (cur->flags & BC_FLEET_FLAG_REBOOT)
		events |= BC_FLEET_EVENT_REBOOT;
	if (cur->flags & (BC_FLEET_FLAG_ROLLBACK | BC_FLEET_FLAG_CLOCK_BACK))
		events |= BC_FLEET_EVENT_ROLLBACK;
	if (cur->flags & BC_FLEET_FLAG_AK_CHANGED)
		events |= BC_FLEET_EVENT_AK_CHANGED;
	if (cur->flags & BC_FLEET_FLAG_CHIP_CHANGED)
		events |= BC_FLEET_EVENT_CHIP_CHANGED;
	return events;
}

/* ---- an attestation from a poll result ---- */

static void json_event(bc_json *j, const bc_golden_event_result *e)
{
	bc_json_object_begin(j);
	bc_json_key(j, "pcr");
	bc_json_uint(j, e->pcr);
	bc_json_key(j, "event");
	bc_json_uint(j, e->number);
	bc_json_key(j, "verdict");
	bc_json_string(j, bc_golden_event_verdict_name(e->verdict));
	bc_json_key(j, "component");
	if (e->component)
		bc_json_string(j, e->component->name);
	else
		bc_json_null(j);
	bc_json_object_end(j);
}

/* [{"pcr", "event", "verdict", "component"}...] of the events the golden database did not
 * know, then {"pcr", "event": null, "verdict": "missing", "component"} for each required
 * component never measured; malloc'd, or NULL when the report has none (or no memory). */
static char *differing_events(const bc_golden_report *g)
{
	bc_buf out;
	bc_json j;
	size_t kept = 0;
	if (!g || (g->event_count == 0 && g->missing_count == 0))
		return NULL;
	bc_buf_init(&out, DIFFERING_JSON_MAX);
	bc_json_init(&j, &out);
	bc_json_array_begin(&j);
	for (size_t i = 0; i < g->event_count && kept < DIFFERING_EVENTS_MAX; i++)
		if (g->events[i].verdict != BC_EVENT_KNOWN) {
			json_event(&j, &g->events[i]);
			kept++;
		}
	for (size_t i = 0; i < g->missing_count && kept < DIFFERING_EVENTS_MAX; i++, kept++) {
		bc_json_object_begin(&j);
		bc_json_key(&j, "pcr");
		bc_json_uint(&j, g->missing[i]->pcr);
		bc_json_key(&j, "event");
		bc_json_null(&j);
		bc_json_key(&j, "verdict");
		bc_json_string(&j, "missing");
		bc_json_key(&j, "component");
		bc_json_string(&j, g->missing[i]->name);
		bc_json_object_end(&j);
	}
	bc_json_array_end(&j);
	bc_buf_str(&out);
	if (out.failed || kept == 0) {
		bc_buf_free(&out);
		return NULL;
	}
	return (char *)out.data;
}

/* The check to name for a verdict: the first that failed; for an error, why there is no
 * verdict on evidence. */
static const char *first_failing_check(const bc_poll_result *r)
{
	if (r->verdict == BC_POLL_PASS)
		return "";
	if (r->verdict == BC_POLL_FAIL) {
		for (int c = 0; r->verify && c < BC_CHECK_COUNT; c++)
			if (r->verify->status[c] == BC_CHECK_FAIL)
				return bc_check_name((bc_check)c);
		return "evidence";
	}
	if (r->attempts == 0)
		return "enrolment"; /* nothing could be sent: the enrolled AK, the URL */
	if (r->http_status == 0)
		return "unreachable";
	return r->http_status == 200 ? "verify" : "http";
}

/* The log of the evidence r verified, for the store to keep with the attestation (what
 * `fleet whatif` replays); false when there is none. */
static bool evidence_log(const bc_poll_result *r, bc_fleet_log *log)
{
	if (!r->verify || !r->log_size)
		return false;
	log->data = r->log;
	log->size = r->log_size;
	log->attested = r->verify->attested;
	return true;
}

/* The attestation of m from r at time t, before its flags; false: out of memory. */
static bool make_attestation(const bc_fleet_machine *m, const bc_poll_result *r, int64_t t,
			     bc_fleet_attestation *a)
{
	const bc_verify_result *v = r->verify;
	*a = (bc_fleet_attestation){.machine_id = m->id, .time = t};
	/* without a transfer (a key that would not load) there was nothing to time */
	a->has_duration = r->attempts > 0;
	a->duration_ms = r->attempts > 0 ? r->ms : 0;
	snprintf(a->verdict, sizeof(a->verdict), "%s", bc_poll_verdict_name(r->verdict));
	snprintf(a->first_failing_check, sizeof(a->first_failing_check), "%s",
		 first_failing_check(r));
	if (v && v->has_clock) {
		a->has_clock_info = true;
		a->reset_count = v->reset_count;
		a->restart_count = v->restart_count;
		a->clock = v->clock;
		a->firmware_version = v->firmware_version;
	}
	memcpy(a->ak_name, m->ak_name, m->ak_name_size);
	a->ak_name_size = m->ak_name_size;
	a->has_keep_chip = m->has_keep && bc_keep_kind_has_chip_id(m->keep_kind);
	memcpy(a->keep_chip_id, m->keep_chip_id, sizeof(a->keep_chip_id));
	a->detail = strdup(r->detail ? r->detail : "");
	if (v && v->golden && !(a->differing_events = differing_events(v->golden)) &&
	    (v->golden->event_count || v->golden->missing_count))
		return false;
	return a->detail != NULL;
}

/* ---- a batch ---- */

typedef struct leased {
	bc_fleet_attestation last, quoted; /* its latest, and latest with a quote */
	bool has_last, has_quoted, done;
	bool in_lease; /* found among the lease's machines by the batch's look-up */
	bc_verify_key *key;
	char key_error[300];
} leased;

typedef struct batch {
	bc_fleet_store *store;
	const bc_fleet_run_opts *opts;
	const bc_fleet_machine *machines;
	leased *state;
	bc_poll_host *hosts;
	size_t *which; /* the machine of each host polled */
	size_t count;
	int64_t now;	     /* the round's */
	int64_t lease_until; /* of the batch's lease: with the worker, names it */
	bc_fleet_run_callback callback;
	void *user;
	bc_fleet_round *round;
	bc_status status; /* the first store error; the rest of the batch is given back */
	bc_error *err;
} batch;

static void batch_free(batch *b)
{
	for (size_t i = 0; b->state && i < b->count; i++) {
		bc_fleet_attestation_clear(&b->state[i].last);
		bc_fleet_attestation_clear(&b->state[i].quoted);
		bc_verify_key_free(b->state[i].key);
	}
	free(b->state);
	free(b->hosts);
	free(b->which);
}

/* BC_E_NOTFOUND (nothing stored yet) is no error here. */
static bc_status found(bc_status s, bool *has, bc_error *err)
{
	*has = s == BC_OK;
	if (s == BC_E_NOTFOUND) {
		*err = (bc_error){0};
		return BC_OK;
	}
	return s;
}

/* The machine of the batch with this id, or NULL. */
static leased *leased_of(batch *b, int64_t machine_id)
{
	for (size_t i = 0; i < b->count; i++)
		if (b->machines[i].id == machine_id)
			return &b->state[i];
	return NULL;
}

static void take_last(int64_t machine_id, bc_fleet_attestation *a, void *user)
{
	leased *l = leased_of(user, machine_id);
	if (l) {
		l->in_lease = true;
		if (a && !l->has_last) {
			l->last = *a;
			l->has_last = true;
			return;
		}
	}
	if (a)
		bc_fleet_attestation_clear(a);
}

static void take_quoted(int64_t machine_id, bc_fleet_attestation *a, void *user)
{
	leased *l = leased_of(user, machine_id);
	if (l && a && !l->has_quoted) {
		l->quoted = *a;
		l->has_quoted = true;
		return;
	}
	if (a)
		bc_fleet_attestation_clear(a);
}

/* What each machine of the batch is compared with: its latest attestations, looked up
 * for the whole lease at once, and one by one for a machine whose lease was lost since. */
static bc_status look_up_latest(batch *b)
{
	const char *worker = b->opts->worker;
	bc_status s = bc_fleet_store_latest_of_lease(b->store, worker, b->lease_until, false,
						     take_last, b, b->err);
	if (s == BC_OK)
		s = bc_fleet_store_latest_of_lease(b->store, worker, b->lease_until, true,
						   take_quoted, b, b->err);
	for (size_t i = 0; s == BC_OK && i < b->count; i++) {
		leased *l = &b->state[i];
		if (l->in_lease)
			continue;
		s = found(bc_fleet_store_last(b->store, b->machines[i].id, &l->last, b->err),
			  &l->has_last, b->err);
		if (s == BC_OK)
			s = found(bc_fleet_store_last_quoted(b->store, b->machines[i].id,
							     &l->quoted, b->err),
				  &l->has_quoted, b->err);
	}
	return s;
}

/* What each machine of the batch is compared with, and the key it is polled with. */
static bc_status prepare(batch *b)
{
	b->state = calloc(b->count, sizeof(*b->state));
	b->hosts = calloc(b->count, sizeof(*b->hosts));
	b->which = calloc(b->count, sizeof(*b->which));
	if (!b->state || !b->hosts || !b->which)
		return bc_fail(b->err, BC_E_NOMEM, "out of memory");
	bc_status s = look_up_latest(b);
	for (size_t i = 0; s == BC_OK && i < b->count; i++) {
		const bc_fleet_machine *m = &b->machines[i];
		leased *l = &b->state[i];
		bc_error why = {0};
		if (bc_verify_key_new(m->ak_public, m->ak_public_size, 0, &l->key, &why) != BC_OK)
			snprintf(l->key_error, sizeof(l->key_error), "enrolled AK: %s",
				 bc_error_message(&why));
	}
	return s;
}

static void count_verdict(bc_fleet_round *round, const char *verdict)
{
	round->attested++;
	if (!strcmp(verdict, "pass"))
		round->pass++;
	else if (!strcmp(verdict, "fail"))
		round->fail++;
	else
		round->error++;
}

/* Store the attestation of machine i from r, complete its lease, report it. */
static void conclude(batch *b, size_t i, const bc_poll_result *r)
{
	const bc_fleet_machine *m = &b->machines[i];
	leased *l = &b->state[i];
	bc_fleet_attestation a;
	bc_fleet_log log;
	if (b->status != BC_OK || l->done)
		return;
	l->done = true;
	if (!make_attestation(m, r, (int64_t)time(NULL), &a)) {
		bc_fleet_attestation_clear(&a);
		b->status = bc_fail(b->err, BC_E_NOMEM, "out of memory");
		return;
	}
	if (evidence_log(r, &log))
		a.log = &log;
	a.flags = bc_fleet_compare(l->has_quoted ? &l->quoted : NULL, &a);
	bool lost = false;
	bc_status s = bc_fleet_store_conclude(b->store, &a, b->opts->worker,
					      b->now + b->opts->interval, &a.id, &lost, b->err);
	if (lost) /* stored all the same; another worker has it now */
		b->round->lost++;
	if (s == BC_OK) {
		bc_fleet_run_result res = {.machine = m,
					   .attestation = &a,
					   .last = l->has_last ? &l->last : NULL,
					   .events =
					       bc_fleet_events(l->has_last ? &l->last : NULL, &a),
					   .poll = r->attempts ? r : NULL};
		count_verdict(b->round, a.verdict);
		if (b->callback)
			b->callback(&res, b->user);
	}
	b->status = s;
	bc_fleet_attestation_clear(&a);
}

static void on_poll(const bc_poll_result *r, void *user)
{
	batch *b = user;
	conclude(b, b->which[r->index], r);
}

/* Give back the leases of the machines not concluded (after a store error). */
static void release_rest(batch *b)
{
	bc_error ignored = {0};
	for (size_t i = 0; i < b->count; i++)
		if (!b->state[i].done)
			bc_fleet_store_release(b->store, b->machines[i].id, b->opts->worker,
					       &ignored);
}

static bc_status run_batch(batch *b)
{
	size_t n = 0;
	bc_status s = prepare(b);
	for (size_t i = 0; s == BC_OK && i < b->count; i++) {
		const bc_fleet_machine *m = &b->machines[i];
		leased *l = &b->state[i];
		if (!l->key) { /* its verdict without a poll */
			conclude(
			    b, i,
			    &(bc_poll_result){.verdict = BC_POLL_ERROR, .detail = l->key_error});
			s = b->status;
			continue;
		}
		b->which[n] = i;
		b->hosts[n++] = (bc_poll_host){
		    .name = m->name,
		    .url = m->url,
		    .key = l->key,
		    /* a Keep without a chip id (TDX) is zeros: required all the same */
		    .keep_chip_id = m->has_keep ? m->keep_chip_id : NULL,
		    .keep_kind = m->has_keep ? m->keep_kind : NULL};
	}
	if (s == BC_OK)
		s = bc_poll(b->hosts, n, &b->opts->poll, on_poll, b, b->err);
	if (s == BC_OK)
		s = b->status;
	if (s != BC_OK && b->state)
		release_rest(b);
	return s;
}

static uint64_t monotonic_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* Once nothing more can be leased, whether the round should lease again: while a machine
 * due in it is held by a lease that ends before the next round (its worker killed, or
 * still attesting it), poll the store every LEASE_POLL_MS. A worker that completes its
 * batch ends its leases, which ends the wait at once; an expired one is taken over. */
static bc_status wait_for_leases(bc_fleet_store *store, const bc_fleet_run_opts *opts, int64_t now,
				 bool *again, bc_error *err)
{
	int64_t until;
	bc_status s = bc_fleet_store_lease_expiry(store, now, now + opts->interval, &until, err);
	*again = s == BC_OK;
	if (s == BC_E_NOTFOUND) {
		*err = (bc_error){0};
		return BC_OK;
	}
	if (s == BC_OK)
		nanosleep(&(struct timespec){.tv_nsec = LEASE_POLL_MS * 1000000L}, NULL);
	return s;
}

static bc_status check_opts(const bc_fleet_run_opts *o, bc_error *err)
{
	if (!o || !o->worker || !*o->worker)
		return bc_fail(err, BC_E_INVALID, "fleet run: no worker name");
	if (o->interval < 1 || o->lease < 1)
		return bc_fail(err, BC_E_INVALID,
			       "fleet run: the interval and the lease must be "
			       "a second or more");
	return BC_OK;
}

bc_status bc_fleet_run_round(bc_fleet_store *store, const bc_fleet_run_opts *opts, int64_t now,
			     bc_fleet_run_callback callback, void *user, bc_fleet_round *round,
			     bc_error *err)
{
	uint64_t start = monotonic_ms();
	size_t max = opts && opts->batch ? opts->batch : BC_FLEET_DEFAULT_BATCH;
	bc_status s = check_opts(opts, err);
	*round = (bc_fleet_round){0};
	while (s == BC_OK) {
		if (opts->stop && *opts->stop) {
			round->stopped = true;
			break;
		}
		bc_fleet_machine *machines = NULL;
		size_t count = 0;
		int64_t t = (int64_t)time(NULL);
		if (t < now)
			t = now;
		/* due at the round's time: a machine attested in this round is not again; the
		 * leases compared with the current time: one expired since is taken over */
		s = bc_fleet_store_lease_due(store, opts->worker, now, t, t + opts->lease, max,
					     &machines, &count, err);
		if (s == BC_OK && count == 0) {
			bool again;
			free(machines);
			s = wait_for_leases(store, opts, now, &again, err);
			if (s == BC_OK && again)
				continue;
			break;
		}
		if (s != BC_OK) {
			free(machines);
			break;
		}
		batch b = {.store = store,
			   .opts = opts,
			   .machines = machines,
			   .count = count,
			   .now = now,
			   .lease_until = t + opts->lease,
			   .callback = callback,
			   .user = user,
			   .round = round,
			   .err = err};
		s = run_batch(&b);
		batch_free(&b);
		free(machines);
	}
	round->ms = monotonic_ms() - start;
	return s;
}

const char *bc_fleet_flag_name(unsigned flag)
{
	switch (flag) {
	case BC_FLEET_FLAG_REBOOT: return "reboot";
	case BC_FLEET_FLAG_CLOCK_BACK: return "clock-back";
	case BC_FLEET_FLAG_ROLLBACK: return "rollback";
	case BC_FLEET_FLAG_AK_CHANGED: return "ak-changed";
	case BC_FLEET_FLAG_CHIP_CHANGED: return "chip-changed";
	default: return NULL;
	}
}
