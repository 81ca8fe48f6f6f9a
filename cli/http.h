/* SPDX-License-Identifier: BSD-3-Clause */
/* What the clients of `attest serve` in the CLI (attest poll, attest enrol) share on top
 * of the library's fleet/http.h: the bearer token of --token or --token-file. */
#ifndef BC_CLI_HTTP_H
#define BC_CLI_HTTP_H

#include <curl/curl.h>

#include "fleet/http.h"

/* The token of token_arg, else the first line of token_file, else NULL into *out (to
 * free with cli_http_token_free). Reports and returns the exit status, or 0. */
int cli_http_token(const char *cmd, const char *token_arg, const char *token_file, char **out);

/* Wipe and free a token; NULL is fine. */
void cli_http_token_free(char *token);

/* The request headers (bc_http_headers) with the token of cli_http_token. Reports and
 * returns the exit status, or 0. */
int cli_http_headers(const char *cmd, const char *token, const char *token_file,
		     struct curl_slist **out);

#endif
