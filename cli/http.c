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
