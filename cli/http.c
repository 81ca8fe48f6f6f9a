/* SPDX-License-Identifier: BSD-3-Clause */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/http.h"
#include "util/cleanup.h"
#include "util/file.h"

#define TOKEN_MAX (64 * 1024)

void cli_http_token_free(char *token)
{
	if (token)
		explicit_bzero(token, strlen(token));
	free(token);
}
DEFINE_TRIVIAL_CLEANUP_FUNC(char *, cli_http_token_free)

int cli_http_token(const char *cmd, const char *token_arg, const char *token_file, char **out)
{
	uint8_t *data = NULL;
	size_t size = 0;
	bc_error err = {0};
	*out = NULL;
	if (token_file) {
		if (bc_read_file(token_file, TOKEN_MAX, &data, &size, &err) != BC_OK)
			return cli_fail(cmd, &err);
		data[size] = 0;
		*out = (char *)data;
		(*out)[strcspn(*out, "\r\n")] = 0;
	} else if (token_arg && !(*out = strdup(token_arg))) {
		cli_error(cmd, "out of memory");
		return BC_EXIT_ERROR;
	}
	return 0;
}

int cli_http_headers(const char *cmd, const char *token_arg, const char *token_file,
		     struct curl_slist **out)
{
	_cleanup_(cli_http_token_freep) char *token = NULL;
	int rc = cli_http_token(cmd, token_arg, token_file, &token);
	if (rc)
		return rc;
	if (!(*out = bc_http_headers(token))) {
		cli_error(cmd, "out of memory");
		return BC_EXIT_ERROR;
	}
	return 0;
}

#define KEEP_CERT_MAX (64 * 1024)

/* --jobs (o 'j') and --retries ('r'): counts within the bounds bc_poll takes. */
static int poll_count_option(const char *cmd, int o, const char *value, cli_poll_args *a)
{
	if (o == 'j' && (!cli_parse_uint(value, BC_POLL_MAX_JOBS, &a->jobs) || !a->jobs))
		return cli_usage_error(cmd, "--jobs: 1 to %d", BC_POLL_MAX_JOBS);
	if (o == 'r' && !cli_parse_uint(value, 10, &a->retries))
		return cli_usage_error(cmd, "--retries: 0 to 10");
	return 0;
}

bool cli_poll_option(const char *cmd, int o, const char *value, cli_poll_args *a, int *rc)
{
	*rc = 0;
	switch (o) {
	case 'g': a->golden = value; return true;
	case CLI_OPT_POLL_PUBKEY: a->pubkey = value; return true;
	case CLI_OPT_POLL_REQUIRE_PCRS: a->require = value; return true;
	case 'j':
	case 'r': *rc = poll_count_option(cmd, o, value, a); return true;
	case CLI_OPT_POLL_TOKEN: a->token = value; return true;
	case CLI_OPT_POLL_TOKEN_FILE: a->token_file = value; return true;
	case CLI_OPT_POLL_CACERT: a->cacert = value; return true;
	case CLI_OPT_POLL_KEEP: a->keep = true; return true;
	case CLI_OPT_POLL_KEEP_ARK: a->keep_ark = value; return true;
	case CLI_OPT_POLL_KEEP_ASK: a->keep_ask = value; return true;
	default: return cli_intel_option(o, value, &a->intel);
	}
}

int cli_poll_check(const char *cmd, const cli_poll_args *a)
{
	if (a->token && a->token_file)
		return cli_usage_error(cmd, "--token and --token-file exclude each other");
	if (!a->keep_ark != !a->keep_ask)
		return cli_usage_error(cmd, "--keep-ark and --keep-ask go together");
	return cli_intel_check(cmd, &a->intel);
}

int cli_poll_selections(const char *cmd, const cli_poll_args *a, cli_poll_inputs *in)
{
	bc_error err = {0};
	if (a->pcrs && bc_pcr_selection_parse(a->pcrs, &in->pcrs, &err) != BC_OK)
		return cli_usage_error(cmd, "--pcrs: %s", bc_error_message(&err));
	if (a->require && bc_pcr_selection_parse(a->require, &in->require, &err) != BC_OK)
		return cli_usage_error(cmd, "--require-pcrs: %s", bc_error_message(&err));
	return 0;
}

int cli_poll_inputs_read(const char *cmd, const cli_poll_args *a, cli_poll_inputs *in)
{
	bc_error err = {0};
	int rc = cli_http_token(cmd, a->token, a->token_file, &in->token);
	if (rc)
		return rc;
	if (a->golden && bc_golden_load(a->golden, a->pubkey, NULL, &in->golden, &err) != BC_OK)
		return cli_fail(cmd, &err);
	if (a->keep_ark && (bc_read_file(a->keep_ark, KEEP_CERT_MAX, &in->keep_ark,
					 &in->keep_ark_size, &err) != BC_OK ||
			    bc_read_file(a->keep_ask, KEEP_CERT_MAX, &in->keep_ask,
					 &in->keep_ask_size, &err) != BC_OK))
		return cli_fail(cmd, &err);
	return cli_intel_read(cmd, &a->intel, &in->intel);
}

void cli_poll_inputs_free(cli_poll_inputs *in)
{
	cli_http_token_free(in->token);
	free(in->keep_ark);
	free(in->keep_ask);
	cli_intel_free(&in->intel);
	bc_golden_free(in->golden);
}

void cli_poll_opts_fill(const cli_poll_args *a, const cli_poll_inputs *in, bc_poll_opts *po)
{
	bc_poll_opts_init(po);
	po->jobs = a->jobs;
	po->timeout_ms = a->timeout_ms;
	po->retries = a->retries;
	po->token = in->token;
	po->cacert = a->cacert;
	po->pcrs = a->pcrs ? &in->pcrs : NULL;
	po->golden = in->golden;
	po->require = a->require ? &in->require : NULL;
	po->keep_required = a->keep;
	po->keep_ark = in->keep_ark;
	po->keep_ark_size = in->keep_ark_size;
	po->keep_ask = in->keep_ask;
	po->keep_ask_size = in->keep_ask_size;
	po->keep_intel = in->intel;
}
