/* SPDX-License-Identifier: BSD-3-Clause */
/* The HTTP client side of the fleet (internal to libbootchain), shared by the polling
 * engine and the clients of `attest serve` in the CLI (attest enrol): libcurl set up
 * once per process, easy handles set up alike, the bearer token, the words of an error
 * answer. */
#ifndef BC_FLEET_HTTP_H
#define BC_FLEET_HTTP_H

#include <stdbool.h>
#include <stddef.h>

#include <curl/curl.h>

#include <bootchain/status.h>

#include "util/buf.h"

/* curl_global_init, once per process (pthread_once); never cleaned up. */
bc_status bc_http_init(bc_error *err);

/* The request headers: "Accept: application/json", and "Authorization: Bearer TOKEN"
 * when token is not NULL. NULL when out of memory. */
struct curl_slist *bc_http_headers(const char *token);

/*
 * Reset e for a GET of url (http or https only): the answer goes to body (whose cap
 * stops the transfer), libcurl's words to errbuf (CURL_ERROR_SIZE), at most timeout_ms;
 * cacert (may be NULL) is the CA of the server's HTTPS certificate. False when libcurl
 * refuses an option.
 */
bool bc_http_setup(CURL *e, const char *url, long timeout_ms, struct curl_slist *headers,
		   const char *cacert, bc_buf *body, char *errbuf);

/* The "error" of a JSON error answer, or "no explanation". */
void bc_http_error_text(const bc_buf *body, char *out, size_t size);

/* Whether a failed transfer is worth another attempt: a network error, 429 or 5xx (the
 * host or the network may do better in a moment); not an answer too large, a bad URL or
 * a certificate that does not verify. */
bool bc_http_transient(CURLcode rc, long status);

#endif
