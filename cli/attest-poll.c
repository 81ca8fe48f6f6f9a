/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * bootchain attest poll: attest a fleet. For every host of a hosts file, a fresh random
 * nonce, GET /v1/evidence from its `attest serve` (libcurl multi: many hosts at once,
 * a timeout per attempt, retries with backoff), then every check of `attest verify`;
 * batched evidence is verified through its Merkle path first. One verdict a host, as a
 * table or as JSON lines.
 */
#include "config.h"

#include <ctype.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <curl/curl.h>
#include <openssl/rand.h>

#include <bootchain/attest.h>
#include <bootchain/enrolment.h>

#include "attest/merkle.h"
#include "cli/attest.h"
#include "cli/cli.h"
#include "cli/http.h"
#include "util/buf.h"
#include "util/cleanup.h"
#include "util/file.h"
#include "util/hex.h"
#include "util/text.h"
#include "util/jscan.h"
#include "util/json.h"

#define HOSTS_FILE_MAX	((size_t)16 << 20)
#define MAX_HOSTS	100000
#define MAX_JOBS	1024
#define DEFAULT_JOBS	32
#define DEFAULT_TIMEOUT 10000
#define DEFAULT_RETRIES 2
#define BACKOFF_MS	200 /* before the first retry; doubled for each next one */
#define NONCE_SIZE	32
#define KEY_MAX		(64 * 1024)

static const char poll_usage[] =
    "Usage: bootchain attest poll --hosts FILE (--enrolment FILE|DIR | --ak-dir DIR |\n"
    "                             --ak AKPUB) --golden DB [OPTIONS]\n"
    "\n"
    "Attest every host of FILE (one `NAME URL [AKPUB]` a line, # comments) served by\n"
    "`bootchain attest serve`: a fresh nonce each, GET URL/v1/evidence, and every check of\n"
    "`attest verify` (batched evidence through its Merkle path). Prints a verdict a host;\n"
    "exits 3 when a host fails or cannot be reached.\n"
    "\n"
    "Options:\n"
    "  -H, --hosts FILE       the hosts; a relative AKPUB is taken from FILE's folder\n"
    "  -a, --ak AKPUB         the AK of the hosts that name none: its TPM2B_PUBLIC, which\n"
    "                         must be a restricted signing key made in a TPM\n"
    "  -E, --enrolment FILE|DIR  the enrolment records (bootchain-enrolment(5)): the AK\n"
    "                         of a host is that of the record of its URL's HOST[:PORT]\n"
    "                         (else of the record named NAME.json); a record with a\n"
    "                         Keep requires the Keep report, its CHIP_ID the enrolled\n"
    "                         one\n"
    "      --ak-pem-checked   also accept PEM keys as AKs, whose attributes they do not\n"
    "                         show: their origin was checked elsewhere\n"
    "  -g, --golden DB        the golden database every event is checked against\n"
    "      --pubkey PUB       refuse DB unless signed by this key\n"
    "  -p, --pcrs SEL         ask for these PCRs (default: the server's)\n"
    "      --require-pcrs SEL the PCRs each quote must cover (default: those the golden\n"
    "                         database judges)\n"
    "  -j, --jobs N           hosts polled at a time (default 32)\n"
    "  -t, --timeout MS       for one attempt (default 10000)\n"
    "  -r, --retries N        attempts after a failed one (default 2); the wait doubles\n"
    "                         from 200 ms; a verdict on evidence is never retried\n"
    "      --token TOKEN      send \"Authorization: Bearer TOKEN\"\n"
    "      --token-file FILE  the same, the token read from FILE\n"
    "      --cacert PEM       the CA of the hosts' HTTPS certificates\n"
    "      --json             one JSON object a line, one line a host\n"
    "      --keep             require each machine's Keep report, bound to its quote\n"
    "      --keep-ark PEM     the ARK the Keep reports' VCEKs must chain to\n"
    "      --keep-ask PEM     the ASK between them\n"
    "  -h, --help             show this help\n";

static struct {
	const char *hosts, *ak, *ak_dir, *golden, *pubkey, *pcrs, *token, *token_file, *cacert;
	const char *keep_ark, *keep_ask, *require, *enrolment;
	unsigned jobs, timeout, retries;
	bool json, keep, ak_pem_checked;
} opt;

enum {
	OPT_PUBKEY = 256,
	OPT_TOKEN,
	OPT_TOKEN_FILE,
	OPT_CACERT,
	OPT_JSON,
	OPT_KEEP,
	OPT_KEEP_ARK,
	OPT_KEEP_ASK,
	OPT_AK_PEM_CHECKED,
	OPT_REQUIRE_PCRS,
};

typedef enum verdict { V_PENDING, V_PASS, V_FAIL, V_ERROR } verdict;

typedef struct host {
	char *name, *url, *ak_path; /* ak_path: resolved, or NULL */
	bc_verify_key *own_key;
	const bc_verify_key *key;
	const uint8_t *chip_id; /* enrolled with a Keep: its CHIP_ID, the Keep required */
	/* the transfer */
	CURL *easy;
	bc_buf body;
	char curl_error[CURL_ERROR_SIZE];
	uint8_t nonce[NONCE_SIZE];
	unsigned attempts;
	uint64_t start_ns, retry_at_ns;
	long http_status;
	/* the verdict */
	verdict verdict;
	char detail[512];
	bool has_result, batched;
	bc_verify_result res;
	size_t batch_index, batch_leaves;
	uint64_t ms;
} host;

typedef struct fleet {
	host *hosts;
	size_t count;
	CURLM *multi;
	struct curl_slist *headers;
	const bc_golden *golden;
	const bc_pcr_selection *require; /* what each quote must cover, or NULL */
	char *pcrs_query;		 /* "&pcrs=..." escaped, or "" */
	uint8_t *keep_ark, *keep_ask;	 /* the chain a Keep report's VCEK must lead to */
	size_t keep_ark_size, keep_ask_size;
	bc_enrolment_set *enrolled; /* --enrolment */
} fleet;

static int parse_options(int argc, char **argv, bool *help)
{
	static const struct option options[] = {
	    {"hosts", required_argument, NULL, 'H'},
	    {"ak", required_argument, NULL, 'a'},
	    {"ak-dir", required_argument, NULL, 'd'},
	    {"enrolment", required_argument, NULL, 'E'},
	    {"ak-pem-checked", no_argument, NULL, OPT_AK_PEM_CHECKED},
	    {"golden", required_argument, NULL, 'g'},
	    {"pubkey", required_argument, NULL, OPT_PUBKEY},
	    {"pcrs", required_argument, NULL, 'p'},
	    {"require-pcrs", required_argument, NULL, OPT_REQUIRE_PCRS},
	    {"jobs", required_argument, NULL, 'j'},
	    {"timeout", required_argument, NULL, 't'},
	    {"retries", required_argument, NULL, 'r'},
	    {"token", required_argument, NULL, OPT_TOKEN},
	    {"token-file", required_argument, NULL, OPT_TOKEN_FILE},
	    {"cacert", required_argument, NULL, OPT_CACERT},
	    {"keep", no_argument, NULL, OPT_KEEP},
	    {"keep-ark", required_argument, NULL, OPT_KEEP_ARK},
	    {"keep-ask", required_argument, NULL, OPT_KEEP_ASK},
	    {"json", no_argument, NULL, OPT_JSON},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	const char *cmd = "attest poll";
	int o;
	*help = false;
	while ((o = getopt_long(argc, argv, ":H:a:d:E:g:p:j:t:r:h", options, NULL)) != -1) {
		switch (o) {
		case 'H': opt.hosts = optarg; break;
		case 'a': opt.ak = optarg; break;
		case 'd': opt.ak_dir = optarg; break;
		case 'E': opt.enrolment = optarg; break;
		case OPT_AK_PEM_CHECKED: opt.ak_pem_checked = true; break;
		case 'g': opt.golden = optarg; break;
		case OPT_PUBKEY: opt.pubkey = optarg; break;
		case 'p': opt.pcrs = optarg; break;
		case OPT_REQUIRE_PCRS: opt.require = optarg; break;
		case 'j':
			if (!cli_parse_uint(optarg, MAX_JOBS, &opt.jobs) || !opt.jobs)
				return cli_usage_error(cmd, "--jobs: 1 to %d", MAX_JOBS);
			break;
		case 't':
			if (!cli_parse_uint(optarg, 3600000, &opt.timeout) || !opt.timeout)
				return cli_usage_error(cmd, "--timeout: 1 to 3600000 ms");
			break;
		case 'r':
			if (!cli_parse_uint(optarg, 10, &opt.retries))
				return cli_usage_error(cmd, "--retries: 0 to 10");
			break;
		case OPT_TOKEN: opt.token = optarg; break;
		case OPT_TOKEN_FILE: opt.token_file = optarg; break;
		case OPT_CACERT: opt.cacert = optarg; break;
		case OPT_KEEP: opt.keep = true; break;
		case OPT_KEEP_ARK: opt.keep_ark = optarg; break;
		case OPT_KEEP_ASK: opt.keep_ask = optarg; break;
		case OPT_JSON: opt.json = true; break;
		case 'h': *help = true; return 0;
		default: return cli_bad_option(cmd, o, argv);
		}
	}
	return 0;
}

static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void set_verdict(host *h, verdict v, const char *fmt, ...) BC_PRINTF(3, 4);
static void set_verdict(host *h, verdict v, const char *fmt, ...)
{
	va_list ap;
	h->verdict = v;
	va_start(ap, fmt);
	vsnprintf(h->detail, sizeof(h->detail), fmt, ap);
	va_end(ap);
	h->ms = (now_ns() - h->start_ns) / 1000000;
}

/* ---- the hosts file ---- */

static void host_free(host *h)
{
	free(h->name);
	free(h->url);
	free(h->ak_path);
	bc_verify_key_free(h->own_key);
	if (h->easy)
		curl_easy_cleanup(h->easy);
	bc_buf_free(&h->body);
	if (h->has_result)
		bc_verify_result_free(&h->res);
}

static void fleet_free(fleet *f)
{
	for (size_t i = 0; i < f->count; i++)
		host_free(&f->hosts[i]);
	free(f->hosts);
	curl_slist_free_all(f->headers);
	free(f->pcrs_query);
	if (f->multi)
		curl_multi_cleanup(f->multi);
	bc_enrolment_set_free(f->enrolled);
}

/* path as given when absolute, else relative to the folder of the hosts file. */
static char *resolve(const char *hosts_file, const char *path)
{
	char *out = NULL;
	const char *slash = strrchr(hosts_file, '/');
	if (path[0] == '/' || !slash)
		return strdup(path);
	if (asprintf(&out, "%.*s/%s", (int)(slash - hosts_file), hosts_file, path) < 0)
		return NULL;
	return out;
}

static int parse_line(const char *cmd, char *line, unsigned number, fleet *f)
{
	char *fields[4] = {0}, *save = NULL;
	size_t n = 0;
	for (char *tok = strtok_r(line, " \t\r", &save); tok && tok[0] != '#';
	     tok = strtok_r(NULL, " \t\r", &save))
		if (n < ELEMENTSOF(fields))
			fields[n++] = tok;
	if (n == 0) /* blank, or a comment */
		return 0;
	if (n < 2 || n > 3) {
		cli_error(cmd, "%s:%u: expected NAME URL [AKPUB]", opt.hosts, number);
		return BC_EXIT_ERROR;
	}
	if (strncmp(fields[1], "http://", 7) != 0 && strncmp(fields[1], "https://", 8) != 0) {
		cli_error(cmd, "%s:%u: %s: not an http:// or https:// URL", opt.hosts, number,
			  fields[1]);
		return BC_EXIT_ERROR;
	}
	for (size_t i = 0; i < f->count; i++)
		if (strcmp(f->hosts[i].name, fields[0]) == 0) {
			cli_error(cmd, "%s:%u: host %s named twice", opt.hosts, number, fields[0]);
			return BC_EXIT_ERROR;
		}
	if (f->count == MAX_HOSTS) {
		cli_error(cmd, "%s: more than %d hosts", opt.hosts, MAX_HOSTS);
		return BC_EXIT_ERROR;
	}
	host *h = &f->hosts[f->count++];
	size_t url_len = strlen(fields[1]);
	while (url_len > 0 && fields[1][url_len - 1] == '/')
		url_len--;
	h->name = strdup(fields[0]);
	h->url = strndup(fields[1], url_len);
	h->ak_path = n == 3 ? resolve(opt.hosts, fields[2]) : NULL;
	if (!h->name || !h->url || (n == 3 && !h->ak_path)) {
		cli_error(cmd, "out of memory");
		return BC_EXIT_ERROR;
	}
	return 0;
}

static int read_hosts(const char *cmd, fleet *f)
{
	_cleanup_free_ uint8_t *data = NULL;
	size_t size = 0, lines = 1;
	bc_error err = {0};
	if (bc_read_file(opt.hosts, HOSTS_FILE_MAX, &data, &size, &err) != BC_OK)
		return cli_fail(cmd, &err);
	data[size] = 0;
	if (memchr(data, 0, size)) {
		cli_error(cmd, "%s: not a text file", opt.hosts);
		return BC_EXIT_ERROR;
	}
	for (size_t i = 0; i < size; i++)
		lines += data[i] == '\n';
	f->hosts = calloc(lines < MAX_HOSTS ? lines : MAX_HOSTS, sizeof(*f->hosts));
	if (!f->hosts) {
		cli_error(cmd, "out of memory");
		return BC_EXIT_ERROR;
	}
	char *save = NULL, *text = (char *)data;
	unsigned number = 0;
	for (char *line = text; line; line = save) {
		save = strchr(line, '\n');
		if (save)
			*save++ = 0;
		number++;
		int rc = parse_line(cmd, line, number, f);
		if (rc)
			return rc;
	}
	if (f->count == 0) {
		cli_error(cmd, "%s: no hosts", opt.hosts);
		return BC_EXIT_ERROR;
	}
	return 0;
}

static bc_status load_key(const char *path, bc_verify_key **out, bc_error *err)
{
	_cleanup_free_ uint8_t *data = NULL;
	size_t size = 0;
	bc_error why = {0};
	bc_status s = bc_read_file(path, KEY_MAX, &data, &size, err);
	if (s != BC_OK)
		return s;
	s = bc_verify_key_new(data, size, opt.ak_pem_checked ? BC_VERIFY_KEY_PEM_CHECKED : 0, out,
			      &why);
	return s == BC_OK ? BC_OK : bc_fail(err, s, "%s: %s", path, bc_error_message(&why));
}

static bool exists(const char *path)
{
	return access(path, R_OK) == 0;
}

/* The AK (and Keep chip) of a host from its enrolment record, found by its URL's host,
 * else by its name. */
static void enrolled_key(const bc_enrolment_set *set, host *h)
{
	char where[256];
	bc_error err = {0};
	const bc_enrolment *rec = NULL;
	if (h->ak_path) {
		set_verdict(h, V_ERROR, "an AKPUB column and --enrolment exclude each other");
		return;
	}
	if (bc_enrolment_host_of_url(h->url, where, sizeof(where)))
		rec = bc_enrolment_set_find_host(set, where);
	if (!rec)
		rec = bc_enrolment_set_find_host(set, h->name);
	if (!rec) {
		set_verdict(h, V_ERROR, "not enrolled: no record of %s or %s", where, h->name);
		return;
	}
	if (bc_verify_key_new(rec->ak_public, rec->ak_public_size, 0, &h->own_key, &err) != BC_OK) {
		set_verdict(h, V_ERROR, "enrolled AK: %s", bc_error_message(&err));
		return;
	}
	h->key = h->own_key;
	h->chip_id = rec->has_keep ? rec->keep_chip_id : NULL;
}

/* The AK of each host: its enrolment record with --enrolment, else its own column, else
 * --ak-dir, else --ak. A host whose key cannot be had gets an error verdict (the others
 * are polled all the same). */
static int load_keys(fleet *f, const bc_verify_key *shared)
{
	for (size_t i = 0; i < f->count; i++) {
		host *h = &f->hosts[i];
		bc_error err = {0};
		h->start_ns = now_ns();
		if (f->enrolled) {
			enrolled_key(f->enrolled, h);
			continue;
		}
		if (!h->ak_path && opt.ak_dir) {
			_cleanup_free_ char *pub = NULL, *pem = NULL;
			if (asprintf(&pub, "%s/%s.pub", opt.ak_dir, h->name) < 0 ||
			    asprintf(&pem, "%s/%s.pem", opt.ak_dir, h->name) < 0)
				return BC_EXIT_ERROR;
			if (exists(pub))
				h->ak_path = TAKE_PTR(pub);
			else if (exists(pem))
				h->ak_path = TAKE_PTR(pem);
		}
		if (h->ak_path) {
			if (load_key(h->ak_path, &h->own_key, &err) != BC_OK)
				set_verdict(h, V_ERROR, "AK: %s", bc_error_message(&err));
			h->key = h->own_key;
		} else if (shared) {
			h->key = shared;
		} else {
			set_verdict(h, V_ERROR, "no AK: neither %s/%s.pub nor %s/%s.pem",
				    opt.ak_dir, h->name, opt.ak_dir, h->name);
		}
	}
	return 0;
}

/* ---- fetching ---- */

static bool start_transfer(fleet *f, host *h)
{
	char hex[2 * NONCE_SIZE + 1];
	_cleanup_free_ char *url = NULL;
	if (RAND_bytes(h->nonce, sizeof(h->nonce)) != 1)
		return false;
	bc_hex_encode(h->nonce, sizeof(h->nonce), hex);
	if (asprintf(&url, "%s/v1/evidence?nonce=%s%s", h->url, hex, f->pcrs_query) < 0)
		return false;
	bc_buf_reset(&h->body);
	h->body.failed = false;
	h->curl_error[0] = 0;
	h->http_status = 0;
	h->attempts++;
	if (!h->easy && !(h->easy = curl_easy_init()))
		return false;
	CURL *e = h->easy;
	bool ok = cli_http_setup(e, url, (long)opt.timeout, f->headers, opt.cacert, &h->body,
				 h->curl_error) &&
		  curl_easy_setopt(e, CURLOPT_PRIVATE, h) == CURLE_OK;
	return ok && curl_multi_add_handle(f->multi, e) == CURLM_OK;
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

static void verify_answer(fleet *f, host *h)
{
	_cleanup_(bc_evidence_freep) bc_evidence *ev = NULL;
	bc_evidence_batch batch;
	bc_error err = {0};
	bool batched = false;
	bc_verify_opts vo = {.key = h->key,
			     .nonce = h->nonce,
			     .nonce_size = sizeof(h->nonce),
			     .golden = f->golden,
			     .require = f->require,
			     .keep_required = opt.keep || h->chip_id,
			     .keep_chip_id = h->chip_id,
			     .keep_ark = f->keep_ark,
			     .keep_ark_size = f->keep_ark_size,
			     .keep_ask = f->keep_ask,
			     .keep_ask_size = f->keep_ask_size};
	const char *json = (const char *)h->body.data;
	if (bc_evidence_parse(json, h->body.len, h->name, &ev, &err) != BC_OK ||
	    bc_evidence_batch_parse(json, h->body.len, h->name, &batched, &batch, &err) != BC_OK) {
		set_verdict(h, V_FAIL, "evidence: %s", bc_error_message(&err));
		return;
	}
	/* evidence from a server that does not batch names the verifier's nonce itself */
	bc_status s = batched ? bc_verify_batched_evidence(ev, &batch, &vo, &h->res, &err)
			      : bc_verify_evidence(ev, &vo, &h->res, &err);
	if (s != BC_OK) {
		set_verdict(h, V_ERROR, "%s", bc_error_message(&err));
		return;
	}
	h->has_result = true;
	h->batched = batched;
	h->batch_index = batched ? batch.index : 0;
	h->batch_leaves = batched ? batch.leaves : 0;
	int failed = first_failed(&h->res);
	if (h->res.pass)
		set_verdict(h, V_PASS, "every check passed");
	else
		set_verdict(h, V_FAIL, "%s: %s", bc_check_name((bc_check)failed),
			    failed >= 0 ? h->res.message[failed] : "");
}

/* Failures worth another attempt: the host or the network may do better in a moment. */
static bool transient(CURLcode rc, long status)
{
	if (rc == CURLE_OK)
		return status == 429 || status == 500 || status == 502 || status == 503 ||
		       status == 504;
	switch (rc) {
	case CURLE_WRITE_ERROR: /* the answer is too large: it will be again */
	case CURLE_URL_MALFORMAT:
	case CURLE_UNSUPPORTED_PROTOCOL:
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_SSL_CACERT_BADFILE:
	case CURLE_OUT_OF_MEMORY: return false;
	default: return true;
	}
}

/* A transfer is over: a verdict, or a retry to schedule (true). */
static bool complete(fleet *f, host *h, CURLcode rc)
{
	char why[320];
	curl_multi_remove_handle(f->multi, h->easy);
	curl_easy_getinfo(h->easy, CURLINFO_RESPONSE_CODE, &h->http_status);
	if (rc == CURLE_OK && h->http_status == 200) {
		verify_answer(f, h);
		return false;
	}
	if (transient(rc, h->http_status) && h->attempts <= opt.retries) {
		uint64_t wait = (uint64_t)BACKOFF_MS << (h->attempts - 1);
		uint8_t jitter = 0;
		RAND_bytes(&jitter, 1);
		wait += wait * jitter / 1024; /* up to a quarter more: hosts do not retry in step */
		h->retry_at_ns = now_ns() + wait * 1000000;
		return true;
	}
	if (rc == CURLE_WRITE_ERROR)
		set_verdict(h, V_ERROR, "fetch: the answer is larger than %zu bytes",
			    BC_EVIDENCE_MAX_SIZE);
	else if (rc != CURLE_OK)
		set_verdict(h, V_ERROR, "fetch: %s (%u attempt%s)",
			    h->curl_error[0] ? h->curl_error : curl_easy_strerror(rc), h->attempts,
			    h->attempts == 1 ? "" : "s");
	else {
		cli_http_error_text(&h->body, why, sizeof(why));
		set_verdict(h, V_ERROR, "HTTP %ld: %s (%u attempt%s)", h->http_status, why,
			    h->attempts, h->attempts == 1 ? "" : "s");
	}
	return false;
}

static int poll_all(fleet *f)
{
	size_t next = 0, active = 0, left = 0, waiting = 0;
	_cleanup_free_ host **retry = calloc(opt.jobs, sizeof(*retry));
	if (!retry)
		return BC_EXIT_ERROR;
	for (size_t i = 0; i < f->count; i++)
		left += f->hosts[i].verdict == V_PENDING;
	while (left) {
		uint64_t now = now_ns(), wake = now + 100 * 1000000ull;
		/* retries that are due first, then hosts not tried yet */
		for (size_t i = 0; i < waiting && active < opt.jobs;) {
			if (retry[i]->retry_at_ns > now) {
				if (retry[i]->retry_at_ns < wake)
					wake = retry[i]->retry_at_ns;
				i++;
				continue;
			}
			host *h = retry[i];
			retry[i] = retry[--waiting];
			if (!start_transfer(f, h)) {
				set_verdict(h, V_ERROR, "cannot start the transfer");
				left--;
			} else {
				active++;
			}
		}
		for (; next < f->count && active + waiting < opt.jobs; next++) {
			host *h = &f->hosts[next];
			if (h->verdict != V_PENDING)
				continue;
			h->start_ns = now_ns();
			bc_buf_init(&h->body, BC_EVIDENCE_MAX_SIZE);
			if (!start_transfer(f, h)) {
				set_verdict(h, V_ERROR, "cannot start the transfer");
				left--;
			} else {
				active++;
			}
		}
		int running = 0;
		curl_multi_perform(f->multi, &running);
		CURLMsg *msg;
		int queued = 0;
		while ((msg = curl_multi_info_read(f->multi, &queued))) {
			host *h = NULL;
			if (msg->msg != CURLMSG_DONE)
				continue;
			curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&h);
			active--;
			if (complete(f, h, msg->data.result))
				retry[waiting++] = h;
			else
				left--;
		}
		if (!left)
			break;
		now = now_ns();
		int ms = wake > now ? (int)((wake - now) / 1000000) : 0;
		curl_multi_poll(f->multi, NULL, 0, ms ? ms : 1, NULL);
	}
	return 0;
}

/* ---- the report ---- */

static const char *verdict_name(verdict v, bool json)
{
	switch (v) {
	case V_PASS: return "pass";
	case V_FAIL: return json ? "fail" : "FAIL";
	default: return json ? "error" : "ERROR";
	}
}

static void json_host(bc_buf *out, const host *h)
{
	bc_json j;
	bc_json_init(&j, out);
	bc_json_object_begin(&j);
	bc_json_key(&j, "host");
	bc_json_string(&j, h->name);
	bc_json_key(&j, "url");
	bc_json_string(&j, h->url);
	bc_json_key(&j, "pass");
	bc_json_bool(&j, h->verdict == V_PASS);
	bc_json_key(&j, "verdict");
	bc_json_string(&j, verdict_name(h->verdict, true));
	bc_json_key(&j, "detail");
	bc_json_string(&j, h->detail);
	bc_json_key(&j, "failed");
	bc_json_array_begin(&j);
	if (h->has_result) {
		for (int c = 0; c < BC_CHECK_COUNT; c++)
			if (h->res.status[c] == BC_CHECK_FAIL)
				bc_json_string(&j, bc_check_name((bc_check)c));
	} else if (h->verdict == V_FAIL) {
		bc_json_string(&j, "evidence");
	}
	bc_json_array_end(&j);
	bc_json_key(&j, "http_status");
	bc_json_uint(&j, h->http_status > 0 ? (uint64_t)h->http_status : 0);
	bc_json_key(&j, "attempts");
	bc_json_uint(&j, h->attempts);
	bc_json_key(&j, "ms");
	bc_json_uint(&j, h->ms);
	bc_json_key(&j, "batch");
	if (h->batched) {
		bc_json_object_begin(&j);
		bc_json_key(&j, "index");
		bc_json_uint(&j, h->batch_index);
		bc_json_key(&j, "leaves");
		bc_json_uint(&j, h->batch_leaves);
		bc_json_object_end(&j);
	} else {
		bc_json_null(&j);
	}
	if (h->has_result) {
		bc_json_key(&j, "checks");
		bc_json_object_begin(&j);
		for (int c = 0; c < BC_CHECK_COUNT; c++) {
			bc_json_key(&j, bc_check_name((bc_check)c));
			bc_json_object_begin(&j);
			bc_json_key(&j, "status");
			bc_json_string(&j, h->res.status[c] == BC_CHECK_PASS   ? "pass"
					   : h->res.status[c] == BC_CHECK_FAIL ? "fail"
									       : "skip");
			bc_json_key(&j, "message");
			bc_json_string(&j, h->res.message[c]);
			bc_json_object_end(&j);
		}
		bc_json_object_end(&j);
	}
	bc_json_object_end(&j);
	bc_buf_putc(out, '\n');
}

static int report(const char *cmd, const fleet *f)
{
	_cleanup_(bc_buf_free) bc_buf out = {0};
	size_t width = 4, counts[4] = {0};
	bc_buf_init(&out, CLI_JSON_MAX);
	for (size_t i = 0; i < f->count; i++) {
		size_t len = strlen(f->hosts[i].name);
		width = len > width ? len : width;
		counts[f->hosts[i].verdict]++;
	}
	if (!opt.json)
		bc_buf_printf(&out, "%-*s  %-7s  %s\n", (int)width, "HOST", "VERDICT", "DETAIL");
	for (size_t i = 0; i < f->count; i++) {
		const host *h = &f->hosts[i];
		if (opt.json) {
			json_host(&out, h);
			continue;
		}
		/* the detail quotes the server and its evidence: untrusted text */
		bc_buf_printf(&out, "%-*s  %-7s  ", (int)width, h->name,
			      verdict_name(h->verdict, false));
		bc_text_escape(&out, h->detail, strlen(h->detail));
		if (h->batched)
			bc_buf_printf(&out, " (batch of %zu)", h->batch_leaves);
		bc_buf_putc(&out, '\n');
	}
	if (!opt.json)
		bc_buf_printf(&out, "\n%zu host%s: %zu passed, %zu failed, %zu in error\n",
			      f->count, f->count == 1 ? "" : "s", counts[V_PASS], counts[V_FAIL],
			      counts[V_ERROR]);
	int rc = cli_emit_text(cmd, &out);
	if (rc)
		return rc;
	return counts[V_PASS] == f->count ? BC_EXIT_OK : BC_EXIT_MISMATCH;
}

/* ---- the command ---- */

static int check_args(const char *cmd, int extra, char **argv)
{
	if (extra)
		return cli_usage_error(cmd, "unexpected argument '%s'", argv[0]);
	if (!opt.hosts || !opt.golden)
		return cli_usage_error(cmd, "--hosts FILE and --golden DB are required");
	if (!opt.ak && !opt.ak_dir && !opt.enrolment)
		return cli_usage_error(cmd, "--enrolment FILE|DIR, --ak AKPUB or --ak-dir DIR is "
					    "required");
	if (opt.enrolment && (opt.ak || opt.ak_dir || opt.ak_pem_checked))
		return cli_usage_error(cmd, "--enrolment excludes --ak, --ak-dir and "
					    "--ak-pem-checked");
	if (opt.token && opt.token_file)
		return cli_usage_error(cmd, "--token and --token-file exclude each other");
	if (!opt.keep_ark != !opt.keep_ask)
		return cli_usage_error(cmd, "--keep-ark and --keep-ask go together");
	return 0;
}

/* The request headers: the bearer token when there is one. */
static int make_headers(const char *cmd, fleet *f)
{
	return cli_http_headers(cmd, opt.token, opt.token_file, &f->headers);
}

static int pcrs_query(const char *cmd, fleet *f)
{
	bc_pcr_selection sel;
	bc_error err = {0};
	if (!opt.pcrs) {
		f->pcrs_query = strdup("");
		return f->pcrs_query ? 0 : BC_EXIT_ERROR;
	}
	if (bc_pcr_selection_parse(opt.pcrs, &sel, &err) != BC_OK)
		return cli_usage_error(cmd, "--pcrs: %s", bc_error_message(&err));
	char *escaped = curl_easy_escape(NULL, opt.pcrs, 0);
	int n = escaped ? asprintf(&f->pcrs_query, "&pcrs=%s", escaped) : -1;
	curl_free(escaped);
	return n < 0 ? BC_EXIT_ERROR : 0;
}

int attest_poll(int argc, char **argv)
{
	const char *cmd = "attest poll";
	fleet f = {0};
	bc_golden *db = NULL;
	bc_verify_key *shared = NULL;
	bc_error err = {0};
	bool help;
	opt = (typeof(opt)){
	    .jobs = DEFAULT_JOBS, .timeout = DEFAULT_TIMEOUT, .retries = DEFAULT_RETRIES};
	int rc = parse_options(argc, argv, &help);
	if (rc || help)
		return rc ? rc : (fputs(poll_usage, stdout), BC_EXIT_OK);
	if ((rc = check_args(cmd, argc - optind, argv + optind)) != 0)
		return rc;
	bc_pcr_selection require;
	if (opt.require && bc_pcr_selection_parse(opt.require, &require, &err) != BC_OK)
		return cli_usage_error(cmd, "--require-pcrs: %s", bc_error_message(&err));
	f.require = opt.require ? &require : NULL;
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		cli_error(cmd, "cannot initialise libcurl");
		return BC_EXIT_ERROR;
	}
	if ((rc = pcrs_query(cmd, &f)) == 0 && (rc = read_hosts(cmd, &f)) == 0 &&
	    (rc = make_headers(cmd, &f)) == 0) {
		if (opt.ak && load_key(opt.ak, &shared, &err) != BC_OK)
			rc = cli_fail(cmd, &err);
		else if (opt.enrolment &&
			 bc_enrolment_set_load(opt.enrolment, &f.enrolled, &err) != BC_OK)
			rc = cli_fail(cmd, &err);
		else if (bc_golden_load(opt.golden, opt.pubkey, NULL, &db, &err) != BC_OK)
			rc = cli_fail(cmd, &err);
		else if (opt.keep_ark && (bc_read_file(opt.keep_ark, 64 * 1024, &f.keep_ark,
						       &f.keep_ark_size, &err) ||
					  bc_read_file(opt.keep_ask, 64 * 1024, &f.keep_ask,
						       &f.keep_ask_size, &err)))
			rc = cli_fail(cmd, &err);
	}
	if (rc == 0 && (rc = load_keys(&f, shared)) == 0) {
		f.golden = db;
		f.multi = curl_multi_init();
		if (!f.multi || curl_multi_setopt(f.multi, CURLMOPT_MAX_TOTAL_CONNECTIONS,
						  (long)opt.jobs) != CURLM_OK)
			rc = BC_EXIT_ERROR;
		if (rc == 0)
			rc = poll_all(&f);
		if (rc == 0)
			rc = report(cmd, &f);
		else
			cli_error(cmd, "out of memory");
	}
	free(f.keep_ark);
	free(f.keep_ask);
	fleet_free(&f);
	bc_verify_key_free(shared);
	bc_golden_free(db);
	curl_global_cleanup();
	return rc;
}
