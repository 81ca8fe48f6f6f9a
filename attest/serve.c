/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The attestation server (attest/serve.h). libmicrohttpd runs the HTTP side on a pool
 * of epoll threads; one more thread, the quoter, owns the TPM (ESAPI contexts are not
 * thread-safe). A request for evidence is checked, put in the quoter's queue and its
 * connection suspended, so that no HTTP thread waits for the TPM. The quoter takes the
 * requests that arrived within the batch window (and those that arrived while it was
 * quoting), builds a Merkle tree of their nonces, quotes once over its root, writes the
 * evidence once and gives every request a response that shares it, followed by its own
 * nonce and path; then it resumes their connections.
 *
 * Requests are counted from their first call to their completion, so that a stop can
 * wait for those in flight; the queue refuses new ones once the quoter has gone.
 *
 * A stop never calls MHD_quiesce_daemon: with a pool of epoll threads it removes the
 * listen socket from each worker's epoll set while the worker may be removing it too,
 * and libmicrohttpd aborts the process when the second removal fails ("Failed to remove
 * listen FD from epoll set", tests/bench/serve-sigterm.sh). Instead the accept policy
 * closes every connection that arrives once the server is closing; the workers alone
 * touch their epoll sets until MHD_stop_daemon.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <microhttpd.h>
#include <openssl/crypto.h>
#include <openssl/sha.h>

#include <bootchain/attest.h>
#include <bootchain/ekcert.h>
#include <bootchain/enrolment.h>

#include "attest/attest-internal.h"
#include "attest/credential.h"
#include "attest/keep-azure.h"
#include "attest/keep-kinds.h"
#include "attest/keep.h"
#include "attest/keys.h"
#include "attest/merkle.h"
#include "attest/serve.h"
#include "attest/tpm-public.h"
#include "util/buf.h"
#include "util/cleanup.h"
#include "util/file.h"
#include "util/hex.h"
#include "util/json.h"

#define DEFAULT_MAX_BATCH	1024
#define DEFAULT_MAX_CONNECTIONS 1000
#define DEFAULT_MAX_REQUEST	8192
#define DEFAULT_TIMEOUT_S	10
#define DEFAULT_PCR_MASK	0x3ffu /* PCRs 0-9, as `attest quote` */
#define RATE_SLOTS		4096
#define LISTEN_BACKLOG		1024
#define SMALL_ANSWER_MAX	((size_t)1 << 20)
#define NS_PER_MS		1000000ull

#ifndef MHD_HTTP_CONTENT_TOO_LARGE /* before libmicrohttpd 0.9.74 */
#define MHD_HTTP_CONTENT_TOO_LARGE 413
#endif
#define HTTP_UNPROCESSABLE 422 /* a credential the TPM refused */

DEFINE_TRIVIAL_CLEANUP_FUNC(bc_evidence *, bc_evidence_free)
DEFINE_TRIVIAL_CLEANUP_FUNC(bc_merkle *, bc_merkle_free)
DEFINE_TRIVIAL_CLEANUP_FUNC(EVP_PKEY *, EVP_PKEY_free)

typedef enum route {
	ROUTE_NONE,
	ROUTE_EVIDENCE,
	ROUTE_AK,
	ROUTE_EVENTLOG,
	ROUTE_HEALTH,
	ROUTE_IDENTITY,
	ROUTE_ACTIVATE, /* POST: a credential challenge, answered by the quoter */
} route;

typedef enum rq_state {
	RQ_NEW,	     /* headers seen, checks passed, body (if any) coming */
	RQ_WAITING,  /* in the quoter's queue, connection suspended */
	RQ_ANSWERED, /* the quoter made its response and resumed it */
	RQ_DONE,     /* a response is queued */
} rq_state;

typedef struct request {
	struct request *next; /* in the quoter's queue */
	struct MHD_Connection *conn;
	route route;
	rq_state state;
	size_t size; /* bytes of the request so far */
	uint64_t arrival_ns;
	uint8_t nonce[BC_NONCE_MAX];
	size_t nonce_size;
	bc_pcr_selection sel;
	unsigned status;      /* of response */
	bc_buf body;	      /* ROUTE_ACTIVATE: the challenge */
	TPM2B_ID_OBJECT blob; /* ...parsed */
	TPM2B_ENCRYPTED_SECRET enc_seed;
	struct MHD_Response *response; /* made by the quoter */
} request;

/* The evidence of one quote, as JSON up to (not including) "nonce" and "batch", shared by
 * the responses of the batch. */
typedef struct shared_body {
	atomic_uint refs;
	bc_buf json;
} shared_body;

/* What one evidence response points to: freed by libmicrohttpd with the response. */
typedef struct answer {
	shared_body *body;
	bc_buf tail;
} answer;

typedef struct rate_slot {
	uint8_t ip[16];
	bool used;
	double tokens;
	uint64_t last_ns;
} rate_slot;

struct bc_server {
	/* settings */
	char *tcti, *ak, *log_path, *tls_cert, *tls_key, *tsm_root, *tdquote_url;
	bc_key_type ek_type;
	bool keep; /* a Keep report bound to every quote: the batch's root is its nonce */
	uint8_t *keep_vcek;
	size_t keep_vcek_size;
	bool has_pcrs;
	bc_pcr_selection pcrs;
	unsigned batch_ms, max_batch, threads, max_connections, max_per_ip, rate, timeout_s;
	size_t max_request;
	bool has_token;
	uint8_t token_digest[SHA256_DIGEST_LENGTH];
	char url[160];

	/* what the quoter found at start */
	bc_pcr_selection allocated, default_sel;
	char *ak_json;
	size_t ak_json_len;
	char *identity_json;
	size_t identity_json_len;
	char identity_error[BC_ERROR_MSG_MAX]; /* why there is none */

	/* the HTTP side */
	struct MHD_Daemon *mhd;
	int listen_fd;
	atomic_bool closing;
	atomic_uint_fast64_t inflight;

	/* the quoter and its queue (lock, cond) */
	pthread_t quoter;
	bool quoter_started;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	request *head, *tail;
	size_t queued;
	bool draining;	  /* stopping: quote what is queued without waiting */
	bool stopping;	  /* drain the queue, then exit */
	bool quoter_gone; /* the queue takes no more requests */
	bool ready;	  /* the start handshake: */
	bc_status init_status;
	bc_error init_err;
	bc_tpm *tpm; /* the quoter's only */

	/* the per-client rate */
	pthread_mutex_t rate_lock;
	rate_slot *slots;

	/* libmicrohttpd's last complaint, for a failed start */
	pthread_mutex_t log_lock;
	char mhd_log[256];

	atomic_uint_fast64_t n_requests, n_evidence, n_quotes, n_tpm_errors, n_rate_limited,
	    n_pending, n_max_leaves;
};

static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* ---- responses ---- */

static bool add_common_headers(bc_server *srv, struct MHD_Response *r, const char *type)
{
	bool ok = MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type) == MHD_YES &&
		  MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store") == MHD_YES;
	if (ok && atomic_load(&srv->closing))
		ok = MHD_add_response_header(r, MHD_HTTP_HEADER_CONNECTION, "close") == MHD_YES;
	return ok;
}

/* Queue r (which may be NULL: out of memory) and drop our reference. */
static enum MHD_Result send_response(request *rq, unsigned status, struct MHD_Response *r)
{
	if (!r)
		return MHD_NO;
	enum MHD_Result ok = MHD_queue_response(rq->conn, status, r);
	MHD_destroy_response(r);
	rq->state = RQ_DONE;
	return ok;
}

static struct MHD_Response *json_response(bc_server *srv, bc_buf *body)
{
	if (body->failed)
		return NULL;
	struct MHD_Response *r =
	    MHD_create_response_from_buffer(body->len, body->data, MHD_RESPMEM_MUST_COPY);
	if (r && !add_common_headers(srv, r, "application/json")) {
		MHD_destroy_response(r);
		return NULL;
	}
	return r;
}

static struct MHD_Response *error_response(bc_server *srv, unsigned status, const char *msg)
{
	_cleanup_(bc_buf_free) bc_buf body = {0};
	bc_json j;
	bc_buf_init(&body, SMALL_ANSWER_MAX);
	bc_json_init(&j, &body);
	bc_json_object_begin(&j);
	bc_json_key(&j, "error");
	bc_json_string(&j, msg);
	bc_json_key(&j, "status");
	bc_json_uint(&j, status);
	bc_json_object_end(&j);
	bc_buf_putc(&body, '\n');
	struct MHD_Response *r = json_response(srv, &body);
	if (!r)
		return NULL;
	bool ok = true;
	if (status == MHD_HTTP_UNAUTHORIZED)
		ok = MHD_add_response_header(r, MHD_HTTP_HEADER_WWW_AUTHENTICATE,
					     "Bearer realm=\"bootchain\"") == MHD_YES;
	else if (status == MHD_HTTP_TOO_MANY_REQUESTS)
		ok = MHD_add_response_header(r, MHD_HTTP_HEADER_RETRY_AFTER, "1") == MHD_YES;
	else if (status == MHD_HTTP_CONTENT_TOO_LARGE || status == MHD_HTTP_BAD_REQUEST)
		ok = MHD_add_response_header(r, MHD_HTTP_HEADER_CONNECTION, "close") == MHD_YES;
	if (!ok) {
		MHD_destroy_response(r);
		return NULL;
	}
	return r;
}

static enum MHD_Result reject(bc_server *srv, request *rq, unsigned status, const char *fmt, ...)
    BC_PRINTF(4, 5);
static enum MHD_Result reject(bc_server *srv, request *rq, unsigned status, const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return send_response(rq, status, error_response(srv, status, msg));
}

/* ---- evidence responses ---- */

static void shared_body_unref(shared_body *b)
{
	if (b && atomic_fetch_sub(&b->refs, 1) == 1) {
		bc_buf_free(&b->json);
		free(b);
	}
}

static void answer_free(void *cls)
{
	answer *a = cls;
	shared_body_unref(a->body);
	bc_buf_free(&a->tail);
	free(a);
}

/* The evidence of the quote, shared by the answers of its batch: each appends its own
 * "nonce" and "batch" (see bc_evidence_json_open()). */
static bc_status make_shared_body(const bc_evidence *ev, shared_body **out, bc_error *err)
{
	bc_json j;
	shared_body *b = calloc(1, sizeof(*b));
	if (!b)
		return bc_fail(err, BC_E_NOMEM, "out of memory");
	atomic_init(&b->refs, 1);
	bc_buf_init(&b->json, BC_EVIDENCE_MAX_SIZE);
	bc_json_init(&j, &b->json);
	bc_evidence_json_open(&j, ev);
	bc_status s = bc_buf_status(&b->json, err, "evidence");
	if (s != BC_OK) {
		shared_body_unref(b);
		return s;
	}
	*out = b;
	return BC_OK;
}

/* ,"nonce":"..","batch":{"root":"..","index":i,"leaves":n,"path":[..]}} */
static void write_tail(bc_buf *out, const request *rq, const bc_merkle *tree, size_t index)
{
	uint8_t path[BC_MERKLE_MAX_DEPTH][BC_MERKLE_HASH_SIZE];
	char hex[2 * BC_NONCE_MAX + 1];
	size_t len = bc_merkle_path(tree, index, path);
	bc_buf_printf(out, ",\"nonce\":\"%s\"", bc_hex_encode(rq->nonce, rq->nonce_size, hex));
	bc_buf_printf(out, ",\"batch\":{\"root\":\"%s\",\"index\":%zu,\"leaves\":%zu,\"path\":[",
		      bc_hex_encode(bc_merkle_root(tree), BC_MERKLE_HASH_SIZE, hex), index,
		      bc_merkle_leaves(tree));
	for (size_t i = 0; i < len; i++)
		bc_buf_printf(out, "%s\"%s\"", i ? "," : "",
			      bc_hex_encode(path[i], BC_MERKLE_HASH_SIZE, hex));
	bc_buf_puts(out, "]}}\n");
}

static struct MHD_Response *evidence_response(bc_server *srv, const request *rq,
					      const bc_merkle *tree, size_t index,
					      shared_body *body)
{
	answer *a = calloc(1, sizeof(*a));
	if (!a)
		return NULL;
	bc_buf_init(&a->tail, 4096);
	write_tail(&a->tail, rq, tree, index);
	if (a->tail.failed) {
		answer_free(a);
		return NULL;
	}
	atomic_fetch_add(&body->refs, 1);
	a->body = body;
	const struct MHD_IoVec iov[2] = {
	    {.iov_base = body->json.data, .iov_len = body->json.len},
	    {.iov_base = a->tail.data, .iov_len = a->tail.len},
	};
	struct MHD_Response *r = MHD_create_response_from_iovec(iov, 2, answer_free, a);
	if (!r) {
		answer_free(a);
		return NULL;
	}
	if (!add_common_headers(srv, r, "application/json")) {
		MHD_destroy_response(r);
		return NULL;
	}
	return r;
}

/* ---- the quoter ---- */

static bool same_selection(const bc_pcr_selection *a, const bc_pcr_selection *b)
{
	if (a->count != b->count)
		return false;
	for (size_t i = 0; i < a->count; i++)
		if (a->banks[i].alg != b->banks[i].alg || a->banks[i].mask != b->banks[i].mask)
			return false;
	return true;
}

/* Whether sel names only allocated PCRs; why says which does not. */
static bool selection_allocated(const bc_server *srv, const bc_pcr_selection *sel, char *why,
				size_t size)
{
	uint32_t any = 0;
	for (size_t i = 0; i < sel->count; i++) {
		uint32_t have = bc_pcr_selection_mask(&srv->allocated, sel->banks[i].alg);
		const char *name = bc_hash_alg_name(sel->banks[i].alg);
		if (sel->banks[i].mask & ~have) {
			snprintf(why, size, "the %s bank of this TPM lacks some of these PCRs",
				 name ? name : "unknown");
			return false;
		}
		any |= sel->banks[i].mask;
	}
	if (!any)
		snprintf(why, size, "no PCR selected");
	return any != 0;
}

static bc_status read_ak(bc_server *srv, bc_error *err)
{
	bc_ak ak = {.handle = ESYS_TR_NONE};
	uint8_t pub[sizeof(TPM2B_PUBLIC)];
	size_t pub_len = 0;
	char name[2 * sizeof(TPMU_NAME) + 1];
	_cleanup_(EVP_PKEY_freep) EVP_PKEY *pkey = NULL;
	_cleanup_free_ char *pem = NULL;
	_cleanup_(bc_buf_free) bc_buf out = {0};
	bc_json j;
	bc_status s = bc_ak_open(srv->tpm, srv->ak, &ak, err);
	if (s != BC_OK)
		return s;
	s = bc_tpm_public_marshal(&ak.pub, pub, sizeof(pub), &pub_len, err);
	if (s == BC_OK)
		s = bc_tpm_public_to_pkey(&ak.pub.publicArea, &pkey, err);
	if (s == BC_OK)
		s = bc_pkey_to_pem(pkey, &pem, err);
	bc_hex_encode(ak.name.name, ak.name.size, name);
	bc_ak_close(srv->tpm, &ak);
	if (s != BC_OK)
		return s;
	bc_buf_init(&out, SMALL_ANSWER_MAX);
	bc_json_init(&j, &out);
	bc_json_object_begin(&j);
	bc_json_key(&j, "public");
	bc_json_base64(&j, pub, pub_len);
	bc_json_key(&j, "pem");
	bc_json_string(&j, pem);
	bc_json_key(&j, "name");
	bc_json_string(&j, name);
	bc_json_object_end(&j);
	bc_buf_putc(&out, '\n');
	if ((s = bc_buf_status(&out, err, "the AK")) != BC_OK)
		return s;
	srv->ak_json_len = out.len;
	srv->ak_json = (char *)TAKE_PTR(out.data);
	return BC_OK;
}

/* The EK certificate of the EK that activations use, and the NV intermediates. */
static bc_status identity_certs(bc_server *srv, bc_ek_nv_certs *nv, bc_identity *id, bc_error *err)
{
	bc_ek_template want =
	    srv->ek_type == BC_KEY_ECC ? BC_EK_TEMPLATE_ECCP256_L : BC_EK_TEMPLATE_RSA2048_L;
	bc_status s = bc_ek_nv_certs_read(srv->tpm, nv, err);
	if (s != BC_OK)
		return s;
	for (size_t i = 0; i < nv->count; i++)
		if (nv->certs[i].template_id == want) {
			id->ek_certificate = nv->certs[i].der;
			id->ek_certificate_size = nv->certs[i].size;
		}
	for (size_t i = 0; i < nv->intermediate_count && i < BC_IDENTITY_MAX_INTERMEDIATES; i++) {
		id->intermediates[i] = nv->intermediates[i].der;
		id->intermediate_sizes[i] = nv->intermediates[i].size;
		id->intermediate_count = i + 1;
	}
	return BC_OK;
}

/* The kind and CHIP_ID of a Keep report: SEV-SNP, and an Azure HCL report over
 * SEV-SNP, have a chip id; a TD (TDX) has none. *has false for a Keep that is neither
 * (SGX, an HCL report over TDX): the identity names no Keep. */
static bc_status keep_of_report(const bc_evidence *keep, bc_identity *id, bc_error *err)
{
	const uint8_t *report = keep->keep_report;
	size_t size = keep->keep_report_size;
	bc_azure_hcl hcl;
	bc_snp_report r;
	bc_status s = BC_OK;
	id->has_keep = false;
	switch (bc_keep_kind_of(keep->keep_provider)) {
	case BC_KEEP_SEV_SNP: break;
	case BC_KEEP_TDX:
		snprintf(id->keep_kind, sizeof(id->keep_kind), "%s", BC_KEEP_KIND_TDX);
		id->has_keep = true;
		return BC_OK;
	case BC_KEEP_AZURE_HCL:
		s = bc_azure_hcl_parse(report, size, &hcl, err);
		if (s == BC_OK && hcl.report_type != BC_AZURE_HCL_REPORT_TYPE_SNP)
			return BC_OK;
		report = hcl.hw_report;
		size = BC_AZURE_HCL_HW_REPORT_SIZE;
		break;
	default: return BC_OK;
	}
	if (s == BC_OK)
		s = bc_snp_report_parse(report, size, &r, err);
	if (s != BC_OK)
		return s;
	snprintf(id->keep_kind, sizeof(id->keep_kind), "%s", BC_KEEP_KIND_SEV_SNP);
	memcpy(id->keep_chip_id, r.chip_id, BC_CHIP_ID_SIZE);
	id->has_keep = true;
	return BC_OK;
}

/* The Keep's kind, provider and chip, from a report read now as quotes read it (its
 * REPORT_DATA names the AK, though nothing relies on it: the kind and chip id are
 * taken on trust at enrolment, and every later report is checked against them). */
static bc_status identity_keep(bc_server *srv, const TPM2B_NAME *ak_name, bc_identity *id,
			       bc_error *err)
{
	static const char label[] = "bootchain identity";
	_cleanup_(bc_evidence_freep) bc_evidence *keep = calloc(1, sizeof(*keep));
	if (!keep)
		return bc_fail(err, BC_E_NOMEM, "out of memory");
	memcpy(keep->nonce, label, sizeof(label) - 1);
	keep->nonce_size = sizeof(label) - 1;
	bc_status s =
	    bc_keep_gather(srv->tpm, srv->tsm_root, ak_name->name, ak_name->size, keep, err);
	if (s == BC_OK)
		s = keep_of_report(keep, id, err);
	if (s == BC_OK && id->has_keep)
		snprintf(id->keep_provider, sizeof(id->keep_provider), "%s", keep->keep_provider);
	return s;
}

/* GET /v1/identity, made once: the EK, its certificates, the AK, the Keep's chip. */
static bc_status read_identity(bc_server *srv, bc_error *err)
{
	bc_identity id = {.ek_certificate = NULL};
	bc_ek_nv_certs nv;
	bc_ak ak = {.handle = ESYS_TR_NONE};
	ESYS_TR ek = ESYS_TR_NONE;
	TPM2B_PUBLIC ek_pub;
	memset(&nv, 0, sizeof(nv));
	snprintf(id.ek_type, sizeof(id.ek_type), "%s", bc_key_type_name(srv->ek_type));
	bc_status s = bc_ek_open(srv->tpm, srv->ek_type, &ek, &ek_pub, err);
	if (s != BC_OK)
		return s;
	bc_ek_close(srv->tpm, ek);
	s = bc_tpm_public_marshal(&ek_pub, id.ek_public, sizeof(id.ek_public), &id.ek_public_size,
				  err);
	if (s == BC_OK && (s = bc_ak_open(srv->tpm, srv->ak, &ak, err)) == BC_OK) {
		s = bc_tpm_public_marshal(&ak.pub, id.ak_public, sizeof(id.ak_public),
					  &id.ak_public_size, err);
		memcpy(id.ak_name, ak.name.name, ak.name.size);
		id.ak_name_size = ak.name.size;
		if (s == BC_OK && srv->keep)
			s = identity_keep(srv, &ak.name, &id, err);
		bc_ak_close(srv->tpm, &ak);
	}
	if (s == BC_OK)
		s = identity_certs(srv, &nv, &id, err);
	if (s == BC_OK)
		s = bc_identity_to_json(&id, &srv->identity_json, &srv->identity_json_len, err);
	bc_ek_nv_certs_free(&nv); /* the identity only borrowed its certificates */
	return s;
}

static bc_status quoter_init(bc_server *srv, bc_error *err)
{
	char why[128];
	bc_status s = bc_tpm_open(srv->tcti, &srv->tpm, err);
	if (s == BC_OK)
		s = bc_tpm_allocated_banks(srv->tpm, &srv->allocated, err);
	if (s != BC_OK)
		return s;
	if (srv->has_pcrs)
		srv->default_sel = srv->pcrs;
	else
		bc_pcr_selection_from_banks(&srv->allocated, DEFAULT_PCR_MASK, &srv->default_sel);
	if (!selection_allocated(srv, &srv->default_sel, why, sizeof(why)))
		return bc_fail(err, BC_E_INVALID, "--pcrs: %s", why);
	if ((s = read_ak(srv, err)) != BC_OK)
		return s;
	/* not fatal: evidence can be served all the same; /v1/identity says what failed */
	bc_error why_not = {0};
	if (read_identity(srv, &why_not) != BC_OK)
		snprintf(srv->identity_error, sizeof(srv->identity_error), "%s",
			 bc_error_message(&why_not));
	return BC_OK;
}

/* Wait for requests; take those of one selection that the batch window gathered. */
static request *take_batch(bc_server *srv, size_t *count)
{
	request *taken = NULL, **tail = &taken, *kept = NULL, **kept_tail = &kept,
		*kept_last = NULL;
	size_t n = 0, max = 0;
	pthread_mutex_lock(&srv->lock);
	while (!srv->head && !srv->stopping)
		pthread_cond_wait(&srv->cond, &srv->lock);
	if (!srv->head) {
		srv->quoter_gone = true;
		pthread_mutex_unlock(&srv->lock);
		return NULL;
	}
	/* an activation goes alone, at once */
	const route kind = srv->head->route;
	max = kind == ROUTE_ACTIVATE ? 1 : srv->batch_ms ? srv->max_batch : 1;
	if (srv->batch_ms && kind == ROUTE_EVIDENCE) {
		uint64_t deadline = srv->head->arrival_ns + srv->batch_ms * NS_PER_MS;
		struct timespec ts = {.tv_sec = (time_t)(deadline / 1000000000ull),
				      .tv_nsec = (long)(deadline % 1000000000ull)};
		while (!srv->draining && srv->queued < srv->max_batch && now_ns() < deadline)
			if (pthread_cond_timedwait(&srv->cond, &srv->lock, &ts) == ETIMEDOUT)
				break;
	}
	const bc_pcr_selection sel = srv->head->sel;
	for (request *rq = srv->head, *next; rq; rq = next) {
		next = rq->next;
		rq->next = NULL;
		if (n < max && rq->route == kind && same_selection(&rq->sel, &sel)) {
			*tail = rq;
			tail = &rq->next;
			n++;
		} else {
			*kept_tail = rq;
			kept_tail = &rq->next;
			kept_last = rq;
		}
	}
	srv->head = kept;
	srv->tail = kept_last;
	srv->queued -= n;
	pthread_mutex_unlock(&srv->lock);
	*count = n;
	return taken;
}

static bc_status quote(bc_server *srv, const uint8_t *root, const bc_pcr_selection *sel,
		       bc_evidence **ev, bc_error *err)
{
	bc_status s = BC_OK;
	if (!srv->tpm)
		s = bc_tpm_open(srv->tcti, &srv->tpm, err);
	if (s == BC_OK && srv->keep) /* the Keep bound to the root, as to a single nonce */
		s = bc_evidence_quote_keep(srv->tpm, srv->ak, root, BC_MERKLE_HASH_SIZE, sel,
					   srv->log_path, srv->tsm_root, srv->tdquote_url, ev, err);
	else if (s == BC_OK)
		s = bc_evidence_quote(srv->tpm, srv->ak, root, BC_MERKLE_HASH_SIZE, sel,
				      srv->log_path, ev, err);
	if (s == BC_OK && srv->keep_vcek) {
		(*ev)->keep_vcek = malloc(srv->keep_vcek_size);
		if (!(*ev)->keep_vcek)
			s = bc_fail(err, BC_E_NOMEM, "out of memory");
		else
			memcpy((*ev)->keep_vcek, srv->keep_vcek, srv->keep_vcek_size);
		(*ev)->keep_vcek_size = (*ev)->keep_vcek ? srv->keep_vcek_size : 0;
	}
	if (s == BC_E_TCTI) { /* swtpm restarted, a resource manager gone: reconnect next time */
		bc_tpm_close(srv->tpm);
		srv->tpm = NULL;
	}
	return s;
}

static void answer_batch(bc_server *srv, request *list, const bc_merkle *tree, shared_body *body,
			 const bc_error *err)
{
	size_t index = 0;
	unsigned fail = err->status == BC_E_TPM || err->status == BC_E_TCTI
			    ? MHD_HTTP_SERVICE_UNAVAILABLE
			    : MHD_HTTP_INTERNAL_SERVER_ERROR;
	for (request *rq = list, *next; rq; rq = next, index++) {
		next = rq->next;
		if (body && (rq->response = evidence_response(srv, rq, tree, index, body))) {
			rq->status = MHD_HTTP_OK;
			atomic_fetch_add(&srv->n_evidence, 1);
		} else {
			rq->status = body ? MHD_HTTP_INTERNAL_SERVER_ERROR : fail;
			rq->response = error_response(
			    srv, rq->status, body ? "out of memory" : bc_error_message(err));
		}
		rq->state = RQ_ANSWERED;
		atomic_fetch_sub(&srv->n_pending, 1);
		/* from here on the request belongs to its HTTP thread */
		MHD_resume_connection(rq->conn);
	}
}

static void run_batch(bc_server *srv, request *list, size_t n)
{
	_cleanup_free_ uint8_t(*leaves)[BC_MERKLE_HASH_SIZE] = malloc(n * BC_MERKLE_HASH_SIZE);
	_cleanup_(bc_merkle_freep) bc_merkle *tree = NULL;
	_cleanup_(bc_evidence_freep) bc_evidence *ev = NULL;
	shared_body *body = NULL;
	bc_error err = {0};
	size_t i = 0;
	if (!leaves) {
		bc_fail(&err, BC_E_NOMEM, "out of memory");
		answer_batch(srv, list, NULL, NULL, &err);
		return;
	}
	for (request *rq = list; rq; rq = rq->next)
		bc_merkle_leaf(rq->nonce, rq->nonce_size, leaves[i++]);
	bc_status s =
	    bc_merkle_build((const uint8_t(*)[BC_MERKLE_HASH_SIZE])leaves, n, &tree, &err);
	if (s == BC_OK)
		s = quote(srv, bc_merkle_root(tree), &list->sel, &ev, &err);
	if (s == BC_OK) {
		atomic_fetch_add(&srv->n_quotes, 1);
		uint64_t max = atomic_load(&srv->n_max_leaves);
		if (n > max)
			atomic_store(&srv->n_max_leaves, n);
		s = make_shared_body(ev, &body, &err);
	} else if (s == BC_E_TPM || s == BC_E_TCTI) {
		atomic_fetch_add(&srv->n_tpm_errors, 1);
	}
	answer_batch(srv, list, tree, s == BC_OK ? body : NULL, &err);
	shared_body_unref(body);
}

/* TPM2_ActivateCredential of a challenge with the EK and the AK (`attest activate`). */
static bc_status activate(bc_server *srv, const request *rq, TPM2B_DIGEST *secret, bc_error *err)
{
	bc_status s = BC_OK;
	if (!srv->tpm)
		s = bc_tpm_open(srv->tcti, &srv->tpm, err);
	if (s == BC_OK)
		s = bc_activate_with_keys(srv->tpm, srv->ek_type, srv->ak, &rq->blob, &rq->enc_seed,
					  secret, err);
	if (s == BC_E_TCTI) { /* reconnect next time, as quote() */
		bc_tpm_close(srv->tpm);
		srv->tpm = NULL;
	}
	return s;
}

static struct MHD_Response *secret_response(bc_server *srv, const TPM2B_DIGEST *secret)
{
	bc_buf body;
	bc_json j;
	bc_buf_init(&body, SMALL_ANSWER_MAX);
	bc_json_init(&j, &body);
	bc_json_object_begin(&j);
	bc_json_key(&j, "secret");
	bc_json_base64(&j, secret->buffer, secret->size);
	bc_json_object_end(&j);
	bc_buf_putc(&body, '\n');
	struct MHD_Response *r = json_response(srv, &body);
	if (body.data)
		explicit_bzero(body.data, body.len);
	bc_buf_free(&body);
	return r;
}

static void run_activation(bc_server *srv, request *rq)
{
	TPM2B_DIGEST secret = {.size = 0};
	bc_error err = {0};
	bc_status s = activate(srv, rq, &secret, &err);
	if (s == BC_OK && (rq->response = secret_response(srv, &secret))) {
		rq->status = MHD_HTTP_OK;
	} else {
		rq->status = s == BC_OK			       ? MHD_HTTP_INTERNAL_SERVER_ERROR
			     : s == BC_E_MISMATCH	       ? HTTP_UNPROCESSABLE
			     : s == BC_E_TPM || s == BC_E_TCTI ? MHD_HTTP_SERVICE_UNAVAILABLE
							       : MHD_HTTP_INTERNAL_SERVER_ERROR;
		if (s == BC_E_TPM || s == BC_E_TCTI)
			atomic_fetch_add(&srv->n_tpm_errors, 1);
		rq->response = error_response(
		    srv, rq->status, s == BC_OK ? "out of memory" : bc_error_message(&err));
	}
	explicit_bzero(&secret, sizeof(secret));
	rq->state = RQ_ANSWERED;
	atomic_fetch_sub(&srv->n_pending, 1);
	MHD_resume_connection(rq->conn); /* the request is its HTTP thread's again */
}

static void *quoter_main(void *arg)
{
	bc_server *srv = arg;
	bc_error err = {0};
	bc_status s = quoter_init(srv, &err);
	pthread_mutex_lock(&srv->lock);
	srv->init_status = s;
	srv->init_err = err;
	srv->ready = true;
	if (s != BC_OK)
		srv->quoter_gone = true;
	pthread_cond_broadcast(&srv->cond);
	pthread_mutex_unlock(&srv->lock);
	for (request *list; s == BC_OK;) {
		size_t n = 0;
		if (!(list = take_batch(srv, &n)))
			break;
		if (list->route == ROUTE_ACTIVATE)
			run_activation(srv, list);
		else
			run_batch(srv, list, n);
	}
	bc_tpm_close(srv->tpm);
	srv->tpm = NULL;
	return NULL;
}

/* Queue an evidence request for the quoter and suspend its connection. */
static enum MHD_Result enqueue(bc_server *srv, request *rq)
{
	pthread_mutex_lock(&srv->lock);
	if (srv->quoter_gone) {
		pthread_mutex_unlock(&srv->lock);
		return reject(srv, rq, MHD_HTTP_SERVICE_UNAVAILABLE, "the server is stopping");
	}
	rq->state = RQ_WAITING;
	MHD_suspend_connection(rq->conn);
	if (srv->tail)
		srv->tail->next = rq;
	else
		srv->head = rq;
	srv->tail = rq;
	srv->queued++;
	atomic_fetch_add(&srv->n_pending, 1);
	if (srv->queued == 1 || srv->queued == srv->max_batch)
		pthread_cond_signal(&srv->cond);
	pthread_mutex_unlock(&srv->lock);
	return MHD_YES;
}

/* ---- limits ---- */

/* The client's address as 16 bytes (IPv4 as ::ffff:a.b.c.d); false when unknown. */
static bool client_ip(struct MHD_Connection *c, uint8_t ip[16])
{
	const union MHD_ConnectionInfo *ci =
	    MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	memset(ip, 0, 16);
	if (!ci || !ci->client_addr)
		return false;
	if (ci->client_addr->sa_family == AF_INET) {
		const struct sockaddr_in *in = (const struct sockaddr_in *)ci->client_addr;
		ip[10] = ip[11] = 0xff;
		memcpy(ip + 12, &in->sin_addr, 4);
		return true;
	}
	if (ci->client_addr->sa_family == AF_INET6) {
		memcpy(ip, &((const struct sockaddr_in6 *)ci->client_addr)->sin6_addr, 16);
		return true;
	}
	return false;
}

/*
 * A token bucket per client address (rate a second, bursts of rate), in a fixed table:
 * a client hashed onto a slot that another uses takes it over once that one's bucket is
 * full again (idle for a second), and shares it until then, which only ever limits more.
 */
static bool rate_allow(bc_server *srv, struct MHD_Connection *c)
{
	uint8_t ip[16];
	uint64_t h = 1469598103934665603ull;
	if (!srv->rate)
		return true;
	client_ip(c, ip);
	for (int i = 0; i < 16; i++)
		h = (h ^ ip[i]) * 1099511628211ull;
	uint64_t now = now_ns();
	double burst = srv->rate;
	pthread_mutex_lock(&srv->rate_lock);
	rate_slot *s = &srv->slots[h % RATE_SLOTS];
	double tokens = s->tokens + (double)(now - s->last_ns) * 1e-9 * srv->rate;
	if (tokens > burst)
		tokens = burst;
	if (!s->used || (memcmp(s->ip, ip, 16) != 0 && tokens >= burst)) {
		memcpy(s->ip, ip, 16);
		s->used = true;
		tokens = burst;
	}
	bool ok = tokens >= 1.0;
	s->tokens = ok ? tokens - 1.0 : tokens;
	s->last_ns = now;
	pthread_mutex_unlock(&srv->rate_lock);
	return ok;
}

static enum MHD_Result add_size(void *cls, enum MHD_ValueKind kind, const char *key,
				const char *value)
{
	size_t *size = cls;
	(void)kind;
	*size += strlen(key) + (value ? strlen(value) : 0) + 4; /* ": " CRLF, or = & */
	return MHD_YES;
}

/* The request line and headers, as received (near enough: unescaping shortens). */
static size_t head_size(struct MHD_Connection *c, const char *url, const char *method)
{
	size_t size = strlen(method) + strlen(url) + 12; /* " ", " HTTP/1.1", CRLF */
	MHD_get_connection_values(c, MHD_HEADER_KIND, add_size, &size);
	MHD_get_connection_values(c, MHD_GET_ARGUMENT_KIND, add_size, &size);
	return size + 2;
}

/* Content-Length when given and valid; 0 otherwise (chunked bodies are counted as they
 * come). */
static uint64_t content_length(struct MHD_Connection *c)
{
	const char *v =
	    MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
	uint64_t n = 0;
	for (; v && *v >= '0' && *v <= '9'; v++) {
		if (n > UINT64_MAX / 10 - 10)
			return UINT64_MAX;
		n = n * 10 + (uint64_t)(*v - '0');
	}
	return n;
}

static bool token_ok(bc_server *srv, struct MHD_Connection *c)
{
	uint8_t got[SHA256_DIGEST_LENGTH];
	const char *h =
	    MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_AUTHORIZATION);
	if (!h || strncasecmp(h, "Bearer ", 7) != 0)
		return false;
	for (h += 7; *h == ' '; h++)
		;
	/* the digests of the two, compared in constant time: neither the token's bytes nor
	 * its length show in the time taken */
	SHA256((const uint8_t *)h, strlen(h), got);
	return CRYPTO_memcmp(got, srv->token_digest, sizeof(got)) == 0;
}

/* ---- routes ---- */

static route route_of(const char *url)
{
	static const struct {
		const char *path;
		route route;
	} routes[] = {
	    {"/v1/evidence", ROUTE_EVIDENCE}, {"/v1/ak", ROUTE_AK},
	    {"/v1/eventlog", ROUTE_EVENTLOG}, {"/healthz", ROUTE_HEALTH},
	    {"/v1/identity", ROUTE_IDENTITY}, {"/v1/activate", ROUTE_ACTIVATE},
	};
	for (size_t i = 0; i < ELEMENTSOF(routes); i++)
		if (strcmp(url, routes[i].path) == 0)
			return routes[i].route;
	return ROUTE_NONE;
}

static enum MHD_Result parse_evidence_args(bc_server *srv, request *rq)
{
	char text[256], why[128];
	bc_error err = {0};
	const char *nonce = MHD_lookup_connection_value(rq->conn, MHD_GET_ARGUMENT_KIND, "nonce");
	const char *pcrs = MHD_lookup_connection_value(rq->conn, MHD_GET_ARGUMENT_KIND, "pcrs");
	if (!nonce ||
	    !bc_hex_decode(nonce, strlen(nonce), rq->nonce, sizeof(rq->nonce), &rq->nonce_size) ||
	    rq->nonce_size == 0)
		return reject(srv, rq, MHD_HTTP_BAD_REQUEST, "nonce: expected 1 to %d bytes in hex",
			      BC_NONCE_MAX);
	rq->sel = srv->default_sel;
	if (!pcrs)
		return MHD_YES;
	if (strlen(pcrs) >= sizeof(text))
		return reject(srv, rq, MHD_HTTP_BAD_REQUEST, "pcrs: too long");
	/* a '+' left unescaped in a query string reads as a space */
	for (size_t i = 0; (text[i] = pcrs[i] == ' ' ? '+' : pcrs[i]); i++)
		;
	if (bc_pcr_selection_parse(text, &rq->sel, &err) != BC_OK)
		return reject(srv, rq, MHD_HTTP_BAD_REQUEST, "pcrs: %s", bc_error_message(&err));
	if (!selection_allocated(srv, &rq->sel, why, sizeof(why)))
		return reject(srv, rq, MHD_HTTP_BAD_REQUEST, "pcrs: %s", why);
	return MHD_YES;
}

static bool method_allowed(route r, const char *method)
{
	if (r == ROUTE_ACTIVATE)
		return strcmp(method, MHD_HTTP_METHOD_POST) == 0;
	if (strcmp(method, MHD_HTTP_METHOD_GET) == 0)
		return true;
	return r != ROUTE_EVIDENCE && strcmp(method, MHD_HTTP_METHOD_HEAD) == 0;
}

static const char *allowed_methods(route r)
{
	return r == ROUTE_ACTIVATE ? "POST" : r == ROUTE_EVIDENCE ? "GET" : "GET, HEAD";
}

/* The first call: the request line and headers are in. Every check that can refuse the
 * request is made here, before any body is read. */
static enum MHD_Result begin(bc_server *srv, struct MHD_Connection *c, const char *url,
			     const char *method, void **con_cls)
{
	request *rq = calloc(1, sizeof(*rq));
	if (!rq)
		return MHD_NO;
	*con_cls = rq;
	rq->conn = c;
	rq->arrival_ns = now_ns();
	atomic_fetch_add(&srv->inflight, 1);
	atomic_fetch_add(&srv->n_requests, 1);
	if (!rate_allow(srv, c)) {
		atomic_fetch_add(&srv->n_rate_limited, 1);
		return reject(srv, rq, MHD_HTTP_TOO_MANY_REQUESTS,
			      "too many requests: at most %u a second from one client", srv->rate);
	}
	rq->size = head_size(c, url, method);
	uint64_t body = content_length(c);
	if (rq->size > srv->max_request || body > srv->max_request - rq->size)
		return reject(srv, rq, MHD_HTTP_CONTENT_TOO_LARGE,
			      "the request is larger than %zu bytes", srv->max_request);
	rq->route = route_of(url);
	if (rq->route == ROUTE_NONE)
		return reject(srv, rq, MHD_HTTP_NOT_FOUND, "no such resource: %s", url);
	if (!method_allowed(rq->route, method)) {
		struct MHD_Response *r =
		    error_response(srv, MHD_HTTP_METHOD_NOT_ALLOWED, "method not allowed");
		if (r && MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW,
						 allowed_methods(rq->route)) != MHD_YES) {
			MHD_destroy_response(r);
			r = NULL;
		}
		return send_response(rq, MHD_HTTP_METHOD_NOT_ALLOWED, r);
	}
	if (srv->has_token && rq->route != ROUTE_HEALTH && !token_ok(srv, c))
		return reject(srv, rq, MHD_HTTP_UNAUTHORIZED,
			      "a missing or wrong bearer token (Authorization: Bearer TOKEN)");
	if (rq->route == ROUTE_EVIDENCE)
		return parse_evidence_args(srv, rq);
	if (rq->route == ROUTE_ACTIVATE)
		bc_buf_init(&rq->body, srv->max_request);
	return MHD_YES;
}

static enum MHD_Result health(bc_server *srv, request *rq)
{
	_cleanup_(bc_buf_free) bc_buf body = {0};
	bc_serve_stats st;
	bc_json j;
	bc_server_stats(srv, &st);
	bc_buf_init(&body, SMALL_ANSWER_MAX);
	bc_json_init(&j, &body);
	bc_json_object_begin(&j);
	bc_json_key(&j, "status");
	bc_json_string(&j, atomic_load(&srv->closing) ? "stopping" : "ok");
	bc_json_key(&j, "quotes");
	bc_json_uint(&j, st.quotes);
	bc_json_key(&j, "evidence");
	bc_json_uint(&j, st.evidence);
	bc_json_key(&j, "requests");
	bc_json_uint(&j, st.requests);
	bc_json_key(&j, "pending");
	bc_json_uint(&j, st.pending);
	bc_json_key(&j, "max_leaves");
	bc_json_uint(&j, st.max_leaves);
	bc_json_key(&j, "tpm_errors");
	bc_json_uint(&j, st.tpm_errors);
	bc_json_key(&j, "rate_limited");
	bc_json_uint(&j, st.rate_limited);
	bc_json_object_end(&j);
	bc_buf_putc(&body, '\n');
	return send_response(rq, MHD_HTTP_OK, json_response(srv, &body));
}

static enum MHD_Result eventlog(bc_server *srv, request *rq)
{
	uint8_t *data = NULL;
	size_t size = 0;
	bc_error err = {0};
	if (!srv->log_path)
		return reject(srv, rq, MHD_HTTP_NOT_FOUND, "this server has no event log");
	if (bc_read_file(srv->log_path, BC_EVIDENCE_MAX_LOG, &data, &size, &err) != BC_OK)
		return reject(srv, rq, MHD_HTTP_INTERNAL_SERVER_ERROR, "the event log: %s",
			      bc_error_message(&err));
	struct MHD_Response *r = MHD_create_response_from_buffer(size, data, MHD_RESPMEM_MUST_FREE);
	if (!r) {
		free(data);
		return MHD_NO;
	}
	if (!add_common_headers(srv, r, "application/octet-stream")) {
		MHD_destroy_response(r);
		return MHD_NO;
	}
	return send_response(rq, MHD_HTTP_OK, r);
}

static enum MHD_Result identity(bc_server *srv, request *rq)
{
	if (!srv->identity_json)
		return reject(srv, rq, MHD_HTTP_INTERNAL_SERVER_ERROR, "the identity: %s",
			      srv->identity_error);
	bc_buf body = {.data = (uint8_t *)srv->identity_json, .len = srv->identity_json_len};
	return send_response(rq, MHD_HTTP_OK, json_response(srv, &body));
}

/* The body of POST /v1/activate, a challenge file: parsed here, answered by the quoter. */
static enum MHD_Result parse_challenge(bc_server *srv, request *rq)
{
	bc_error err = {0};
	if (rq->body.failed)
		return reject(srv, rq, MHD_HTTP_CONTENT_TOO_LARGE,
			      "the request is larger than %zu bytes", srv->max_request);
	if (bc_challenge_parse(rq->body.data, rq->body.len, "the challenge", &rq->blob,
			       &rq->enc_seed, &err) != BC_OK)
		return reject(srv, rq, MHD_HTTP_BAD_REQUEST, "%s", bc_error_message(&err));
	return enqueue(srv, rq);
}

/* The last call: the whole request is in. */
static enum MHD_Result finish(bc_server *srv, request *rq)
{
	switch (rq->route) {
	case ROUTE_EVIDENCE: return enqueue(srv, rq);
	case ROUTE_HEALTH: return health(srv, rq);
	case ROUTE_EVENTLOG: return eventlog(srv, rq);
	case ROUTE_AK: {
		bc_buf body = {.data = (uint8_t *)srv->ak_json, .len = srv->ak_json_len};
		return send_response(rq, MHD_HTTP_OK, json_response(srv, &body));
	}
	case ROUTE_IDENTITY: return identity(srv, rq);
	case ROUTE_ACTIVATE: return parse_challenge(srv, rq);
	default: return reject(srv, rq, MHD_HTTP_NOT_FOUND, "no such resource");
	}
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
				  const char *method, const char *version, const char *upload,
				  size_t *upload_size, void **con_cls)
{
	bc_server *srv = cls;
	request *rq = *con_cls;
	(void)version;
	if (!rq)
		return begin(srv, c, url, method, con_cls);
	switch (rq->state) {
	case RQ_ANSWERED: {
		struct MHD_Response *r = TAKE_PTR(rq->response);
		return send_response(rq, rq->status, r);
	}
	case RQ_WAITING: return MHD_YES; /* not called while suspended */
	case RQ_DONE: *upload_size = 0; return MHD_YES;
	case RQ_NEW: break;
	}
	if (*upload_size) {
		/* a body nobody needs, counted against the limit; a chunked one (no length
		 * to refuse up front) is read on to its end for the 413, up to a point */
		size_t got = *upload_size;
		*upload_size = 0;
		if (rq->route == ROUTE_ACTIVATE)
			bc_buf_append(&rq->body, upload, got); /* its cap: max_request */
		rq->size = got > SIZE_MAX - rq->size ? SIZE_MAX : rq->size + got;
		return rq->size / 4 > srv->max_request ? MHD_NO : MHD_YES;
	}
	if (rq->size > srv->max_request)
		return reject(srv, rq, MHD_HTTP_CONTENT_TOO_LARGE,
			      "the request is larger than %zu bytes", srv->max_request);
	return finish(srv, rq);
}

static void on_completed(void *cls, struct MHD_Connection *c, void **con_cls,
			 enum MHD_RequestTerminationCode toe)
{
	bc_server *srv = cls;
	request *rq = *con_cls;
	(void)c;
	(void)toe;
	if (!rq)
		return;
	if (rq->response)
		MHD_destroy_response(rq->response);
	bc_buf_free(&rq->body);
	free(rq);
	*con_cls = NULL;
	atomic_fetch_sub(&srv->inflight, 1);
}

/* New connections while stopping are closed at once (the header comment says why not
 * quiesce). */
static enum MHD_Result on_accept(void *cls, const struct sockaddr *addr, socklen_t addrlen)
{
	bc_server *srv = cls;
	(void)addr;
	(void)addrlen;
	return atomic_load(&srv->closing) ? MHD_NO : MHD_YES;
}

__attribute__((format(printf, 2, 0))) static void on_mhd_log(void *cls, const char *fmt, va_list ap)
{
	bc_server *srv = cls;
	pthread_mutex_lock(&srv->log_lock);
	vsnprintf(srv->mhd_log, sizeof(srv->mhd_log), fmt, ap);
	srv->mhd_log[strcspn(srv->mhd_log, "\n")] = 0;
	pthread_mutex_unlock(&srv->log_lock);
}

/* ---- start and stop ---- */

/* "ADDR:PORT" or "[ADDR6]:PORT" into host and port. */
static bc_status split_listen(const char *listen, char *host, size_t host_size, char *port,
			      size_t port_size, bc_error *err)
{
	const char *h = listen, *end = NULL, *colon = NULL;
	if (listen[0] == '[') {
		h = listen + 1;
		end = strchr(listen, ']');
		colon = end && end[1] == ':' ? end + 1 : NULL;
	} else {
		end = colon = strrchr(listen, ':');
	}
	size_t host_len = colon ? (size_t)(end - h) : 0, port_len = colon ? strlen(colon + 1) : 0;
	if (!colon || host_len == 0 || host_len >= host_size || port_len == 0 || port_len > 5 ||
	    port_len >= port_size || strspn(colon + 1, "0123456789") != port_len ||
	    strtoul(colon + 1, NULL, 10) > 65535)
		return bc_fail(err, BC_E_INVALID,
			       "--listen %s: expected ADDR:PORT or [ADDR6]:PORT, PORT up to 65535",
			       listen);
	memcpy(host, h, host_len);
	host[host_len] = 0;
	memcpy(port, colon + 1, port_len + 1);
	return BC_OK;
}

static bc_status open_listener(bc_server *srv, const char *where, bool *v6, bc_error *err)
{
	char host[128], port[16], addr[INET6_ADDRSTRLEN];
	struct addrinfo hints = {.ai_socktype = SOCK_STREAM,
				 .ai_flags = AI_PASSIVE | AI_NUMERICSERV},
			*ai = NULL;
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	int one = 1;
	bc_status s = split_listen(where, host, sizeof(host), port, sizeof(port), err);
	if (s != BC_OK)
		return s;
	int rc = getaddrinfo(host, port, &hints, &ai);
	if (rc != 0)
		return bc_fail(err, BC_E_INVALID, "--listen %s: %s", where, gai_strerror(rc));
	int fd = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	*v6 = ai->ai_family == AF_INET6;
	if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
	    bind(fd, ai->ai_addr, ai->ai_addrlen) < 0 || listen(fd, LISTEN_BACKLOG) < 0 ||
	    getsockname(fd, (struct sockaddr *)&ss, &len) < 0) {
		s = bc_fail(err, BC_E_IO, "--listen %s: %s", where, strerror(errno));
		if (fd >= 0)
			close(fd);
		freeaddrinfo(ai);
		return s;
	}
	freeaddrinfo(ai);
	srv->listen_fd = fd;
	unsigned p = 0;
	if (ss.ss_family == AF_INET6)
		p = ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
	else
		p = ntohs(((struct sockaddr_in *)&ss)->sin_port);
	getnameinfo((struct sockaddr *)&ss, len, addr, sizeof(addr), NULL, 0, NI_NUMERICHOST);
	snprintf(srv->url, sizeof(srv->url), "%s://%s%s%s:%u", srv->tls_cert ? "https" : "http",
		 *v6 ? "[" : "", addr, *v6 ? "]" : "", p);
	return BC_OK;
}

static bc_status start_mhd(bc_server *srv, bool v6, bc_error *err)
{
	unsigned flags = MHD_USE_EPOLL_INTERNAL_THREAD | MHD_ALLOW_SUSPEND_RESUME |
			 MHD_USE_ERROR_LOG | (v6 ? MHD_USE_IPv6 : 0);
	size_t memory = srv->max_request * 2 + 16384;
	struct MHD_OptionItem ops[16];
	size_t n = 0;
	if (memory < 32768)
		memory = 32768;
#define OPT(o, v, p) ops[n++] = (struct MHD_OptionItem){(o), (intptr_t)(v), (p)}
	OPT(MHD_OPTION_LISTEN_SOCKET, srv->listen_fd, NULL);
	OPT(MHD_OPTION_THREAD_POOL_SIZE, srv->threads, NULL);
	OPT(MHD_OPTION_CONNECTION_LIMIT, srv->max_connections, NULL);
	OPT(MHD_OPTION_PER_IP_CONNECTION_LIMIT, srv->max_per_ip, NULL);
	OPT(MHD_OPTION_CONNECTION_TIMEOUT, srv->timeout_s, NULL);
	OPT(MHD_OPTION_CONNECTION_MEMORY_LIMIT, memory, NULL);
	OPT(MHD_OPTION_LISTEN_BACKLOG_SIZE, LISTEN_BACKLOG, NULL);
	OPT(MHD_OPTION_STRICT_FOR_CLIENT, 1, NULL); /* e.g. HTTP/1.1 without Host: 400 */
	OPT(MHD_OPTION_NOTIFY_COMPLETED, (intptr_t)on_completed, srv);
	OPT(MHD_OPTION_EXTERNAL_LOGGER, (intptr_t)on_mhd_log, srv);
	if (srv->tls_cert) {
		if (MHD_is_feature_supported(MHD_FEATURE_TLS) != MHD_YES)
			return bc_fail(err, BC_E_UNSUPPORTED,
				       "this libmicrohttpd was built without TLS");
		flags |= MHD_USE_TLS;
		OPT(MHD_OPTION_HTTPS_MEM_CERT, 0, srv->tls_cert);
		OPT(MHD_OPTION_HTTPS_MEM_KEY, 0, srv->tls_key);
	}
	OPT(MHD_OPTION_END, 0, NULL);
#undef OPT
	srv->mhd = MHD_start_daemon(flags, 0, on_accept, srv, on_request, srv, MHD_OPTION_ARRAY,
				    ops, MHD_OPTION_END);
	if (!srv->mhd)
		return bc_fail(err, BC_E_IO, "cannot start the HTTP server%s%s",
			       srv->mhd_log[0] ? ": " : "", srv->mhd_log);
	srv->listen_fd = -1; /* libmicrohttpd's now */
	return BC_OK;
}

static char *dup_or_null(const char *s, bool *ok)
{
	char *d = s ? strdup(s) : NULL;
	if (s && !d)
		*ok = false;
	return d;
}

static bc_server *server_new(const bc_serve_opts *o)
{
	bool ok = true;
	pthread_condattr_t ca;
	bc_server *srv = calloc(1, sizeof(*srv));
	if (!srv)
		return NULL;
	srv->listen_fd = -1;
	srv->tcti = dup_or_null(o->tcti, &ok);
	srv->ak = dup_or_null(o->ak, &ok);
	srv->log_path = dup_or_null(o->log_path, &ok);
	srv->tsm_root = dup_or_null(o->tsm_root, &ok);
	srv->tdquote_url = dup_or_null(o->tdquote_url, &ok);
	srv->keep = o->keep;
	srv->ek_type = o->ek_type;
	if (o->keep_vcek && (srv->keep_vcek = malloc(o->keep_vcek_size))) {
		memcpy(srv->keep_vcek, o->keep_vcek, o->keep_vcek_size);
		srv->keep_vcek_size = o->keep_vcek_size;
	} else if (o->keep_vcek) {
		ok = false;
	}
	srv->tls_cert = dup_or_null(o->tls_cert, &ok);
	srv->tls_key = dup_or_null(o->tls_key, &ok);
	srv->slots = calloc(RATE_SLOTS, sizeof(*srv->slots));
	srv->has_pcrs = o->pcrs != NULL;
	if (o->pcrs)
		srv->pcrs = *o->pcrs;
	srv->batch_ms = o->batch_ms;
	srv->max_batch = o->max_batch ? o->max_batch : DEFAULT_MAX_BATCH;
	srv->threads = o->threads ? o->threads : 1;
	srv->max_connections = o->max_connections ? o->max_connections : DEFAULT_MAX_CONNECTIONS;
	srv->max_per_ip = o->max_per_ip;
	srv->rate = o->rate;
	srv->max_request = o->max_request ? o->max_request : DEFAULT_MAX_REQUEST;
	srv->timeout_s = o->timeout_s ? o->timeout_s : DEFAULT_TIMEOUT_S;
	if (o->token) {
		srv->has_token = true;
		SHA256((const uint8_t *)o->token, strlen(o->token), srv->token_digest);
	}
	pthread_mutex_init(&srv->lock, NULL);
	pthread_mutex_init(&srv->rate_lock, NULL);
	pthread_mutex_init(&srv->log_lock, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC); /* the batch window's clock */
	pthread_cond_init(&srv->cond, &ca);
	pthread_condattr_destroy(&ca);
	if (!ok || !srv->slots || (!o->ak) || (o->tls_cert && !o->tls_key)) {
		bc_server_stop(srv, 0, NULL);
		return NULL;
	}
	return srv;
}

bc_status bc_server_start(const bc_serve_opts *o, bc_server **out, bc_error *err)
{
	bool v6 = false;
	if (!o->ak || !o->listen || (o->tls_cert && !o->tls_key))
		return bc_fail(err, BC_E_INVALID,
			       "the server needs an AK, an address, and a "
			       "key with its certificate");
	if (o->max_batch > BC_MERKLE_MAX_LEAVES)
		return bc_fail(err, BC_E_INVALID, "at most %zu nonces a quote",
			       BC_MERKLE_MAX_LEAVES);
	if (o->log_path && access(o->log_path, R_OK) != 0)
		return bc_fail(err, BC_E_IO, "%s: %s", o->log_path, strerror(errno));
	bc_server *srv = server_new(o);
	if (!srv)
		return bc_fail(err, BC_E_NOMEM, "out of memory");
	bc_status s = open_listener(srv, o->listen, &v6, err);
	if (s == BC_OK && pthread_create(&srv->quoter, NULL, quoter_main, srv) != 0)
		s = bc_fail(err, BC_E_NOMEM, "cannot start the quoting thread");
	if (s == BC_OK) {
		srv->quoter_started = true;
		pthread_mutex_lock(&srv->lock);
		while (!srv->ready)
			pthread_cond_wait(&srv->cond, &srv->lock);
		pthread_mutex_unlock(&srv->lock);
		if ((s = srv->init_status) != BC_OK && err)
			*err = srv->init_err;
	}
	if (s == BC_OK)
		s = start_mhd(srv, v6, err);
	if (s != BC_OK) {
		bc_server_stop(srv, 0, NULL);
		return s;
	}
	*out = srv;
	return BC_OK;
}

const char *bc_server_url(const bc_server *srv)
{
	return srv->url;
}

void bc_server_stats(bc_server *srv, bc_serve_stats *out)
{
	*out = (bc_serve_stats){
	    .requests = atomic_load(&srv->n_requests),
	    .evidence = atomic_load(&srv->n_evidence),
	    .quotes = atomic_load(&srv->n_quotes),
	    .tpm_errors = atomic_load(&srv->n_tpm_errors),
	    .rate_limited = atomic_load(&srv->n_rate_limited),
	    .pending = atomic_load(&srv->n_pending),
	    .max_leaves = atomic_load(&srv->n_max_leaves),
	};
}

void bc_server_stop(bc_server *srv, unsigned grace_ms, bc_serve_stats *final)
{
	if (!srv)
		return;
	atomic_store(&srv->closing, true);
	pthread_mutex_lock(&srv->lock);
	srv->draining = true;
	pthread_cond_broadcast(&srv->cond);
	pthread_mutex_unlock(&srv->lock);
	if (srv->mhd) {
		/* new connections are closed (on_accept); those open finish their requests */
		for (uint64_t end = now_ns() + grace_ms * NS_PER_MS;
		     atomic_load(&srv->inflight) > 0 && now_ns() < end;)
			usleep(5000);
	}
	if (srv->quoter_started) { /* it answers what is queued, then exits */
		pthread_mutex_lock(&srv->lock);
		srv->draining = srv->stopping = true;
		pthread_cond_broadcast(&srv->cond);
		pthread_mutex_unlock(&srv->lock);
		pthread_join(srv->quoter, NULL);
	}
	if (srv->mhd)
		MHD_stop_daemon(srv->mhd);
	if (final)
		bc_server_stats(srv, final);
	if (srv->listen_fd >= 0)
		close(srv->listen_fd);
	pthread_mutex_destroy(&srv->lock);
	pthread_mutex_destroy(&srv->rate_lock);
	pthread_mutex_destroy(&srv->log_lock);
	pthread_cond_destroy(&srv->cond);
	free(srv->tcti);
	free(srv->ak);
	free(srv->log_path);
	free(srv->tsm_root);
	free(srv->tdquote_url);
	free(srv->keep_vcek);
	if (srv->tls_key)
		explicit_bzero(srv->tls_key, strlen(srv->tls_key));
	free(srv->tls_key);
	free(srv->tls_cert);
	free(srv->ak_json);
	free(srv->identity_json);
	free(srv->slots);
	explicit_bzero(srv->token_digest, sizeof(srv->token_digest));
	free(srv);
}
