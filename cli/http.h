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

/* The options of cli_poll_args that attest poll and fleet run share, with the same
 * meaning: each lists CLI_POLL_OPTIONS in its long options (and g:j:r: in its short
 * ones), hands an option to cli_poll_option() before its own cases, and checks them
 * with cli_poll_check(). --pcrs (attest poll alone) and --timeout (a duration in fleet
 * run, milliseconds in attest poll) stay each command's own. */
enum {
	CLI_POLL_OPT_FIRST = 0xc00, /* above every command's own option values */
	CLI_OPT_POLL_PUBKEY = CLI_POLL_OPT_FIRST,
	CLI_OPT_POLL_REQUIRE_PCRS,
	CLI_OPT_POLL_TOKEN,
	CLI_OPT_POLL_TOKEN_FILE,
	CLI_OPT_POLL_CACERT,
	CLI_OPT_POLL_KEEP,
	CLI_OPT_POLL_KEEP_ARK,
	CLI_OPT_POLL_KEEP_ASK,
};

#define CLI_POLL_OPTION(name, has_arg, value) \
	{                                     \
		name, has_arg, NULL, value    \
	}
#define CLI_POLL_OPTIONS                                                                   \
	CLI_POLL_OPTION("golden", required_argument, 'g'),                                 \
	    CLI_POLL_OPTION("pubkey", required_argument, CLI_OPT_POLL_PUBKEY),             \
	    CLI_POLL_OPTION("require-pcrs", required_argument, CLI_OPT_POLL_REQUIRE_PCRS), \
	    CLI_POLL_OPTION("jobs", required_argument, 'j'),                               \
	    CLI_POLL_OPTION("retries", required_argument, 'r'),                            \
	    CLI_POLL_OPTION("token", required_argument, CLI_OPT_POLL_TOKEN),               \
	    CLI_POLL_OPTION("token-file", required_argument, CLI_OPT_POLL_TOKEN_FILE),     \
	    CLI_POLL_OPTION("cacert", required_argument, CLI_OPT_POLL_CACERT),             \
	    CLI_POLL_OPTION("keep", no_argument, CLI_OPT_POLL_KEEP),                       \
	    CLI_POLL_OPTION("keep-ark", required_argument, CLI_OPT_POLL_KEEP_ARK),         \
	    CLI_POLL_OPTION("keep-ask", required_argument, CLI_OPT_POLL_KEEP_ASK),         \
	    CLI_INTEL_OPTIONS

/* Whether o is one of CLI_POLL_OPTIONS; if so its value is kept in a, and *rc is 0 or
 * the usage error reported. */
bool cli_poll_option(const char *cmd, int o, const char *value, cli_poll_args *a, int *rc);

/* Options that go together (--keep-ark and --keep-ask; Intel's collateral and its
 * chain) or exclude each other (--token and --token-file). Reports and returns the
 * usage error, or 0. */
int cli_poll_check(const char *cmd, const cli_poll_args *a);

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
