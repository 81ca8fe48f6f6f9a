/* SPDX-License-Identifier: BSD-3-Clause */
/* What the clients of `attest serve` (attest poll, attest enrol) share: libcurl handles
 * set up alike, the bearer token, and the words of an error answer. */
#ifndef BC_CLI_HTTP_H
#define BC_CLI_HTTP_H

#include <stdbool.h>

#include <curl/curl.h>

#include "util/buf.h"

/* The request headers: "Accept: application/json", and the bearer token of token or of
 * token_file (its first line) when one is given. Reports and returns the exit status,
 * or 0. */
int cli_http_headers(const char *cmd, const char *token, const char *token_file,
		     struct curl_slist **out);

/*
 * Reset e for a GET of url (http or https only): the answer goes to body (whose cap
 * stops the transfer), libcurl's words to errbuf (CURL_ERROR_SIZE), at most timeout_ms;
 * cacert (may be NULL) is the CA of the server's HTTPS certificate. False when libcurl
 * refuses an option.
 */
bool cli_http_setup(CURL *e, const char *url, long timeout_ms, struct curl_slist *headers,
		    const char *cacert, bc_buf *body, char *errbuf);

/* The "error" of a JSON error answer, or "no explanation". */
void cli_http_error_text(const bc_buf *body, char *out, size_t size);

#endif
