/* SPDX-License-Identifier: BSD-3-Clause */
/* What the clients of `attest serve` in the CLI (attest poll, attest enrol, fleet run)
 * share on top of the library's fleet/http.h: the bearer token of --token or
 * --token-file, and what the verifying options of poll and fleet run name. */
#ifndef BC_CLI_HTTP_H
#define BC_CLI_HTTP_H

#include <curl/curl.h>

#include <bootchain/fleet.h>

#include "cli/keep-intel.h"
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

/* The options of `attest poll` and `fleet run` that say how to poll and verify. */
typedef struct cli_poll_args {
	const char *golden, *pubkey, *pcrs, *require, *token, *token_file, *cacert;
	const char *keep_ark, *keep_ask;
	cli_intel_args intel; /* --intel-root and Intel's collateral */
	bool keep;
	unsigned jobs, timeout_ms, retries;
} cli_poll_args;

/* What those options name, read. */
typedef struct cli_poll_inputs {
	bc_pcr_selection pcrs, require;
	char *token;
	uint8_t *keep_ark, *keep_ask;
	size_t keep_ark_size, keep_ask_size;
	bc_keep_intel_collateral intel;
	bc_golden *golden;
} cli_poll_inputs;

/* The PCR selections (--pcrs, --require-pcrs): usage errors, before any file is read.
 * Reports and returns the exit status, or 0. */
int cli_poll_selections(const char *cmd, const cli_poll_args *a, cli_poll_inputs *in);

/* The token, the golden database and the Keep's ARK and ASK. Reports and returns the
 * exit status, or 0. */
int cli_poll_inputs_read(const char *cmd, const cli_poll_args *a, cli_poll_inputs *in);
void cli_poll_inputs_free(cli_poll_inputs *in);

/* The options of bc_poll for a and in (which must outlive them). */
void cli_poll_opts_fill(const cli_poll_args *a, const cli_poll_inputs *in, bc_poll_opts *po);

#endif
