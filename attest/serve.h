/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * An attestation server (internal to libbootchain, run by `bootchain attest serve`):
 * HTTP/1.1 on libmicrohttpd, answering
 *
 *   GET /v1/evidence?nonce=HEX[&pcrs=SEL]  an evidence file (bootchain-evidence(5))
 *                                           with "batch": the requester's Merkle path
 *   GET /v1/ak                              {"public", "pem", "name"} of the AK
 *   GET /v1/eventlog                        the event log, application/octet-stream
 *   GET /v1/identity                        what enrolment needs (bootchain-enrolment(5)):
 *                                           the EK, its certificate and NV intermediates,
 *                                           the AK, the Keep's chip
 *   POST /v1/activate                       a credential challenge (as `attest challenge`
 *                                           writes) in, {"secret": base64} out, recovered
 *                                           by TPM2_ActivateCredential with the EK and AK
 *   GET /healthz                            {"status": "ok", "quotes": n, ...}
 *
 * Errors are JSON ({"error": "...", "status": n}) with their HTTP status: 400 a bad
 * nonce or selection, 401 a missing or wrong bearer token, 404, 405, 413 a request
 * larger than max_request, 422 a credential the TPM refused (not made for this EK and
 * AK), 429 over the client's rate, 503 the TPM failed.
 *
 * One thread owns the TPM: requests for evidence wait (their connection suspended, no
 * thread held) while it collects the nonces that arrive within batch_ms, then quotes
 * once over the root of a Merkle tree of them (attest/merkle.h) and answers them all.
 * Activations wait in the same queue, one at a time.
 */
#ifndef BC_ATTEST_SERVE_H
#define BC_ATTEST_SERVE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <bootchain/attest.h>

#include "attest/keys.h"

typedef struct bc_serve_opts {
	const char *listen;	      /* "ADDR:PORT", "[ADDR6]:PORT"; port 0 picks a free one */
	const char *tcti;	      /* NULL: the tss2 default */
	const char *ak;		      /* a persistent handle or a context file */
	bc_key_type ek_type;	      /* the EK of /v1/identity and /v1/activate: RSA (0), ECC */
	const char *log_path;	      /* the event log to include; NULL: none */
	const bc_pcr_selection *pcrs; /* default selection; NULL: PCRs 0-9 of every bank */
	unsigned batch_ms;	      /* the batch window; 0: one quote a request */
	unsigned max_batch;	      /* nonces in one quote at most; 0: 1024 */
	unsigned threads;	      /* HTTP threads (epoll each); 0: 1 */
	unsigned max_connections;     /* 0: 1000 */
	unsigned max_per_ip;	      /* concurrent connections of one client; 0: no limit */
	unsigned rate;		      /* requests a second of one client; 0: no limit */
	size_t max_request;	      /* request line, headers and body; 0: 8192 */
	unsigned timeout_s;	      /* an idle or slow connection is closed; 0: 10 */
	const char *token;	      /* bearer token required but for /healthz; NULL: none */
	const char *tls_cert;	      /* PEM text of the certificate chain; NULL: plain HTTP */
	const char *tls_key;	      /* PEM text of its key */
	bool keep;		      /* bind the Keep: a TEE report per quote (its root) */
	const char *tsm_root;	      /* configfs-tsm reports; NULL: the kernel's */
	const char *tdquote_url;      /* an Azure TDX VM's TD quote service; NULL: Azure's */
	const uint8_t *keep_vcek;     /* the VCEK certificate to include; may be NULL */
	size_t keep_vcek_size;
} bc_serve_opts;

typedef struct bc_serve_stats {
	uint64_t requests;     /* HTTP requests seen */
	uint64_t evidence;     /* evidence answers sent (status 200) */
	uint64_t quotes;       /* TPM2_Quote made (one a batch) */
	uint64_t tpm_errors;   /* batches answered 503 */
	uint64_t rate_limited; /* requests answered 429 */
	uint64_t pending;      /* requests waiting for a quote now */
	uint64_t max_leaves;   /* the largest batch so far */
} bc_serve_stats;

typedef struct bc_server bc_server;

/* Open the TPM, read the AK, bind and start serving. The TPM and listening errors are
 * reported here, before anything is served. */
bc_status bc_server_start(const bc_serve_opts *opts, bc_server **out, bc_error *err);

/* "http://127.0.0.1:PORT" (https with TLS): where the server listens. */
const char *bc_server_url(const bc_server *srv);

void bc_server_stats(bc_server *srv, bc_serve_stats *out);

/* Stop accepting connections, answer the requests in flight (waiting at most grace_ms
 * for them), then stop and free everything; final (may be NULL) gets the last counts.
 * NULL is allowed. */
void bc_server_stop(bc_server *srv, unsigned grace_ms, bc_serve_stats *final);

#endif
