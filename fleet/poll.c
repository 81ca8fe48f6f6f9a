/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The polling engine of the fleet (bootchain/fleet.h). Hosts are taken in list order
 * into at most opts->jobs slots; a slot holds one host from its first attempt to its
 * verdict (a transfer in flight, or a retry waiting for its time), so memory follows
 * the number of jobs, not of hosts. One libcurl multi handle drives the transfers; each
 * slot keeps its easy handle for the hosts after it.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <curl/curl.h>
#include <openssl/rand.h>

#include <bootchain/fleet.h>

#include "attest/merkle.h"
#include "fleet/http.h"
#include "util/buf.h"
#include "util/cleanup.h"
#include "util/hex.h"

typedef enum slot_state { SLOT_FREE, SLOT_ACTIVE, SLOT_WAITING } slot_state;

typedef struct slot {
	slot_state state;
	size_t index; /* of the host */
	const bc_poll_host *host;
	bc_verify_key *own_key; /* made from the host's enrolment record */
	const bc_verify_key *key;
	const uint8_t *chip_id; /* the Keep report required with this CHIP_ID, or NULL */
	const char *keep_kind;	/* a Keep of this kind required ("sev-snp", "tdx"), or NULL */
	/* the transfer */
	CURL *easy;
	bc_buf body;
	char curl_error[CURL_ERROR_SIZE];
	uint8_t nonce[BC_POLL_NONCE_SIZE];
	bool has_nonce;
	unsigned attempts;
	uint64_t start_ns, retry_at_ns;
	long http_status;
} slot;

typedef struct poller {
	const bc_poll_host *hosts;
	size_t count, next, done;
	const bc_poll_opts *opts;
	unsigned jobs, timeout_ms;
	slot *slots;
	CURLM *multi;
	struct curl_slist *headers;
	char *pcrs_query; /* "&pcrs=..." escaped, or "" */
	bc_poll_callback callback;
	void *user;
} poller;

void bc_poll_opts_init(bc_poll_opts *opts)
{
	*opts = (bc_poll_opts){.jobs = BC_POLL_DEFAULT_JOBS,
			       .timeout_ms = BC_POLL_DEFAULT_TIMEOUT_MS,
			       .retries = BC_POLL_DEFAULT_RETRIES};
}

const char *bc_poll_verdict_name(bc_poll_verdict verdict)
{
	switch (verdict) {
	case BC_POLL_PASS: return "pass";
	case BC_POLL_FAIL: return "fail";
	default: return "error";
	}
}

static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* ---- verdicts ---- */

/* The slot's host is done: free what was its own, keep the easy handle for the next. */
static void slot_release(slot *s)
{
	bc_verify_key_free(s->own_key);
	bc_buf_free(&s->body);
	*s = (slot){.easy = s->easy, .body = s->body};
}

/* Fill the rest of r from the slot, hand it to the callback, free the slot. */
static void vdeliver(poller *p, slot *s, bc_poll_result *r, const char *fmt, va_list ap)
{
	char detail[512];
	vsnprintf(detail, sizeof(detail), fmt, ap);
	r->index = s->index;
	r->host = s->host;
	r->detail = detail;
	r->attempts = s->attempts;
	r->http_status = s->http_status > 0 ? s->http_status : 0;
	r->ms = (now_ns() - s->start_ns) / 1000000;
	r->nonce = s->has_nonce ? s->nonce : NULL;
	r->nonce_size = s->has_nonce ? sizeof(s->nonce) : 0;
	p->callback(r, p->user);
	slot_release(s);
	p->done++;
}

static void deliver(poller *p, slot *s, bc_poll_result *r, const char *fmt, ...) BC_PRINTF(4, 5);
static void deliver(poller *p, slot *s, bc_poll_result *r, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vdeliver(p, s, r, fmt, ap);
	va_end(ap);
}

/* A verdict without verified evidence. */
static void give_up(poller *p, slot *s, bc_poll_verdict v, const char *fmt, ...) BC_PRINTF(4, 5);
static void give_up(poller *p, slot *s, bc_poll_verdict v, const char *fmt, ...)
{
	bc_poll_result r = {.verdict = v};
	va_list ap;
	va_start(ap, fmt);
	vdeliver(p, s, &r, fmt, ap);
	va_end(ap);
}

/* The first check that failed, or -1. */
static int first_failed(const bc_verify_result *r)
{
	for (int c = 0; c < BC_CHECK_COUNT; c++)
		if (r->status[c] == BC_CHECK_FAIL)
			return c;
	return -1;
}

DEFINE_TRIVIAL_CLEANUP_FUNC(bc_evidence *, bc_evidence_free)

static void verify_answer(poller *p, slot *s)
{
	_cleanup_(bc_evidence_freep) bc_evidence *ev = NULL;
	const bc_poll_opts *o = p->opts;
	bc_evidence_batch batch;
	bc_verify_result res;
	bc_error err = {0};
	bool batched = false;
	bc_verify_opts vo = {.key = s->key,
			     .nonce = s->nonce,
			     .nonce_size = sizeof(s->nonce),
			     .golden = o->golden,
			     .require = o->require,
			     .keep_required = o->keep_required || s->chip_id || s->keep_kind,
			     .keep_chip_id = s->chip_id,
			     .keep_kind = s->keep_kind,
			     .keep_ark = o->keep_ark,
			     .keep_ark_size = o->keep_ark_size,
			     .keep_ask = o->keep_ask,
			     .keep_ask_size = o->keep_ask_size,
			     .keep_intel = o->keep_intel,
			     .keep_only = s->host->keep_only};
	const char *json = (const char *)s->body.data;
	const char *name = s->host->name;
	if (bc_evidence_parse(json, s->body.len, name, &ev, &err) != BC_OK ||
	    bc_evidence_batch_parse(json, s->body.len, name, &batched, &batch, &err) != BC_OK) {
		give_up(p, s, BC_POLL_FAIL, "evidence: %s", bc_error_message(&err));
		return;
	}
	/* evidence from a server that does not batch names the verifier's nonce itself */
	bc_status st = batched ? bc_verify_batched_evidence(ev, &batch, &vo, &res, &err)
			       : bc_verify_evidence(ev, &vo, &res, &err);
	if (st != BC_OK) {
		give_up(p, s, BC_POLL_ERROR, "%s", bc_error_message(&err));
		return;
	}
	bc_poll_result r = {.verdict = res.pass ? BC_POLL_PASS : BC_POLL_FAIL,
			    .verify = &res,
			    .batched = batched,
			    .batch_index = batched ? batch.index : 0,
			    .batch_leaves = batched ? batch.leaves : 0,
			    .log = ev->eventlog,
			    .log_size = ev->eventlog ? ev->eventlog_size : 0,
			    .pcrs = &ev->pcrs};
	int failed = first_failed(&res);
	if (res.pass)
		deliver(p, s, &r, "every check passed");
	else
		deliver(p, s, &r, "%s: %s", bc_check_name((bc_check)failed),
			failed >= 0 ? res.message[failed] : "");
	bc_verify_result_free(&res);
}

/* ---- transfers ---- */

static bool start_transfer(poller *p, slot *s)
{
	char hex[2 * BC_POLL_NONCE_SIZE + 1];
	_cleanup_free_ char *url = NULL;
	const char *root = s->host->url;
	size_t len = strlen(root);
	while (len > 0 && root[len - 1] == '/')
		len--;
	if (len > 4096 || RAND_bytes(s->nonce, sizeof(s->nonce)) != 1)
		return false;
	s->has_nonce = true;
	bc_hex_encode(s->nonce, sizeof(s->nonce), hex);
	if (asprintf(&url, "%.*s/v1/evidence?nonce=%s%s", (int)len, root, hex, p->pcrs_query) < 0)
		return false;
	bc_buf_reset(&s->body);
	s->curl_error[0] = 0;
	s->http_status = 0;
	s->attempts++;
	if (!s->easy && !(s->easy = curl_easy_init()))
		return false;
	if (!bc_http_setup(s->easy, url, (long)p->timeout_ms, p->headers, p->opts->cacert, &s->body,
			   s->curl_error) ||
	    curl_easy_setopt(s->easy, CURLOPT_PRIVATE, s) != CURLE_OK ||
	    curl_multi_add_handle(p->multi, s->easy) != CURLM_OK)
		return false;
	s->state = SLOT_ACTIVE;
	return true;
}

static void start_or_give_up(poller *p, slot *s)
{
	if (!start_transfer(p, s))
		give_up(p, s, BC_POLL_ERROR, "cannot start the transfer");
}

static bool is_http_url(const char *url)
{
	return strncmp(url, "http://", 7) == 0 || strncmp(url, "https://", 8) == 0;
}

/* The AK to expect from the slot's host, and the Keep chip; false after an error
 * verdict. */
static bool expected_key(poller *p, slot *s)
{
	const bc_poll_host *h = s->host;
	const bc_enrolment *rec = h->enrolment;
	bc_error err = {0};
	s->chip_id = h->keep_chip_id;
	s->keep_kind = h->keep_kind;
	if (h->keep_only) /* an enclave: no AK, its Keep report is everything */
		return true;
	if (h->key) {
		s->key = h->key;
		return true;
	}
	if (!rec) {
		give_up(p, s, BC_POLL_ERROR, "no AK: neither a key nor an enrolment record");
		return false;
	}
	if (bc_verify_key_new(rec->ak_public, rec->ak_public_size, 0, &s->own_key, &err) != BC_OK) {
		give_up(p, s, BC_POLL_ERROR, "enrolled AK: %s", bc_error_message(&err));
		return false;
	}
	s->key = s->own_key;
	if (!s->keep_kind && rec->has_keep)
		s->keep_kind = rec->keep_kind;
	if (!s->chip_id && rec->has_keep && bc_keep_kind_has_chip_id(rec->keep_kind))
		s->chip_id = rec->keep_chip_id;
	return true;
}

/* The next host of the list into the free slot s: its first attempt, or its verdict
 * when it cannot be polled. */
static void take_host(poller *p, slot *s)
{
	s->index = p->next++;
	s->host = &p->hosts[s->index];
	s->start_ns = now_ns();
	bc_buf_init(&s->body, BC_EVIDENCE_MAX_SIZE);
	if (!is_http_url(s->host->url))
		give_up(p, s, BC_POLL_ERROR, "%s: not an http:// or https:// URL", s->host->url);
	else if (expected_key(p, s))
		start_or_give_up(p, s);
}

/* A transfer is over: a verdict, or a retry scheduled. */
static void complete(poller *p, slot *s, CURLcode rc)
{
	char why[320];
	unsigned n = s->attempts;
	curl_multi_remove_handle(p->multi, s->easy);
	curl_easy_getinfo(s->easy, CURLINFO_RESPONSE_CODE, &s->http_status);
	if (rc == CURLE_OK && s->http_status == 200) {
		verify_answer(p, s);
		return;
	}
	if (bc_http_transient(rc, s->http_status) && n <= p->opts->retries) {
		uint64_t wait = (uint64_t)BC_POLL_BACKOFF_MS << (n - 1);
		uint8_t jitter = 0;
		RAND_bytes(&jitter, 1);
		wait += wait * jitter / 1024; /* up to a quarter more: hosts do not retry in step */
		s->retry_at_ns = now_ns() + wait * 1000000;
		s->state = SLOT_WAITING;
		return;
	}
	if (rc == CURLE_WRITE_ERROR)
		give_up(p, s, BC_POLL_ERROR, "fetch: the answer is larger than %zu bytes",
			BC_EVIDENCE_MAX_SIZE);
	else if (rc != CURLE_OK)
		give_up(p, s, BC_POLL_ERROR, "fetch: %s (%u attempt%s)",
			s->curl_error[0] ? s->curl_error : curl_easy_strerror(rc), n,
			n == 1 ? "" : "s");
	else {
		bc_http_error_text(&s->body, why, sizeof(why));
		give_up(p, s, BC_POLL_ERROR, "HTTP %ld: %s (%u attempt%s)", s->http_status, why, n,
			n == 1 ? "" : "s");
	}
}

/* Start what can start: due retries, then new hosts in free slots. Returns when the
 * next retry is due (or in 100 ms at most). */
static uint64_t start_due(poller *p)
{
	uint64_t now = now_ns(), wake = now + 100 * 1000000ull;
	for (unsigned i = 0; i < p->jobs; i++) {
		slot *s = &p->slots[i];
		if (s->state == SLOT_WAITING && s->retry_at_ns > now) {
			wake = s->retry_at_ns < wake ? s->retry_at_ns : wake;
			continue;
		}
		if (s->state == SLOT_WAITING)
			start_or_give_up(p, s);
		/* a host that cannot be polled frees its slot at once for the next */
		while (s->state == SLOT_FREE && p->next < p->count)
			take_host(p, s);
	}
	return wake;
}

static void run(poller *p)
{
	while (p->done < p->count) {
		uint64_t wake = start_due(p), now;
		int running = 0, queued = 0;
		CURLMsg *msg;
		curl_multi_perform(p->multi, &running);
		while ((msg = curl_multi_info_read(p->multi, &queued))) {
			slot *s = NULL;
			if (msg->msg != CURLMSG_DONE)
				continue;
			curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&s);
			complete(p, s, msg->data.result);
		}
		if (p->done == p->count)
			break;
		now = now_ns();
		int ms = wake > now ? (int)((wake - now) / 1000000) : 0;
		curl_multi_poll(p->multi, NULL, 0, ms ? ms : 1, NULL);
	}
}

/* ---- setting up ---- */

static bc_status make_pcrs_query(const bc_pcr_selection *sel, char **out, bc_error *err)
{
	char text[1024];
	if (!sel) {
		*out = strdup("");
		return *out ? BC_OK : bc_fail(err, BC_E_NOMEM, "out of memory");
	}
	if (bc_pcr_selection_format(sel, text, sizeof(text)) >= sizeof(text))
		return bc_fail(err, BC_E_INVALID, "pcrs: the selection is too long");
	char *escaped = curl_easy_escape(NULL, text, 0);
	int n = escaped ? asprintf(out, "&pcrs=%s", escaped) : -1;
	curl_free(escaped);
	return n < 0 ? bc_fail(err, BC_E_NOMEM, "out of memory") : BC_OK;
}

static bc_status check_input(const bc_poll_host *hosts, size_t count, const bc_poll_opts *opts,
			     bc_poll_callback callback, bc_error *err)
{
	if ((count && !hosts) || !opts || !callback)
		return bc_fail(err, BC_E_INVALID, "poll: no hosts, options or callback");
	if (opts->jobs > BC_POLL_MAX_JOBS)
		return bc_fail(err, BC_E_INVALID, "poll: jobs: 1 to %d", BC_POLL_MAX_JOBS);
	for (size_t i = 0; i < count; i++)
		if (!hosts[i].name || !hosts[i].url)
			return bc_fail(err, BC_E_INVALID, "poll: host %zu has no %s", i,
				       hosts[i].name ? "URL" : "name");
	return BC_OK;
}

static void poller_free(poller *p)
{
	for (unsigned i = 0; p->slots && i < p->jobs; i++) {
		slot *s = &p->slots[i];
		if (s->easy && s->state == SLOT_ACTIVE)
			curl_multi_remove_handle(p->multi, s->easy);
		if (s->easy)
			curl_easy_cleanup(s->easy);
		bc_buf_free(&s->body);
		bc_verify_key_free(s->own_key);
	}
	free(p->slots);
	curl_slist_free_all(p->headers);
	free(p->pcrs_query);
	if (p->multi)
		curl_multi_cleanup(p->multi);
}

bc_status bc_poll(const bc_poll_host *hosts, size_t count, const bc_poll_opts *opts,
		  bc_poll_callback callback, void *user, bc_error *err)
{
	bc_status st = check_input(hosts, count, opts, callback, err);
	if (st != BC_OK || count == 0 || (st = bc_http_init(err)) != BC_OK)
		return st;
	unsigned jobs = opts->jobs ? opts->jobs : BC_POLL_DEFAULT_JOBS;
	poller p = {.hosts = hosts,
		    .count = count,
		    .opts = opts,
		    .jobs = count < jobs ? (unsigned)count : jobs,
		    .timeout_ms = opts->timeout_ms ? opts->timeout_ms : BC_POLL_DEFAULT_TIMEOUT_MS,
		    .callback = callback,
		    .user = user};
	if ((st = make_pcrs_query(opts->pcrs, &p.pcrs_query, err)) == BC_OK) {
		p.slots = calloc(p.jobs, sizeof(*p.slots));
		p.multi = curl_multi_init();
		p.headers = bc_http_headers(opts->token);
		if (!p.slots || !p.multi || !p.headers ||
		    curl_multi_setopt(p.multi, CURLMOPT_MAX_TOTAL_CONNECTIONS, (long)jobs) !=
			CURLM_OK)
			st = bc_fail(err, BC_E_NOMEM, "out of memory");
	}
	if (st == BC_OK)
		run(&p);
	poller_free(&p);
	return st;
}
