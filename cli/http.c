/* SPDX-License-Identifier: BSD-3-Clause */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/http.h"
#include "util/cleanup.h"
#include "util/file.h"
#include "util/jscan.h"

#define TOKEN_MAX (64 * 1024)

static void wipe_free(char *secret)
{
	if (secret)
		explicit_bzero(secret, strlen(secret));
	free(secret);
}
DEFINE_TRIVIAL_CLEANUP_FUNC(char *, wipe_free)

int cli_http_headers(const char *cmd, const char *token_arg, const char *token_file,
		     struct curl_slist **out)
{
	_cleanup_(wipe_freep) char *token = NULL, *line = NULL;
	uint8_t *data = NULL;
	size_t size = 0;
	bc_error err = {0};
	if (token_file) {
		if (bc_read_file(token_file, TOKEN_MAX, &data, &size, &err) != BC_OK)
			return cli_fail(cmd, &err);
		data[size] = 0;
		token = (char *)data;
		token[strcspn(token, "\r\n")] = 0;
	} else if (token_arg && !(token = strdup(token_arg))) {
		return BC_EXIT_ERROR;
	}
	*out = curl_slist_append(NULL, "Accept: application/json");
	if (token && (asprintf(&line, "Authorization: Bearer %s", token) < 0 ||
		      !(*out = curl_slist_append(*out, line))))
		return BC_EXIT_ERROR;
	return *out ? 0 : BC_EXIT_ERROR;
}

static size_t on_data(char *data, size_t size, size_t n, void *cls)
{
	return bc_buf_append(cls, data, size * n) == BC_OK ? size * n : 0;
}

bool cli_http_setup(CURL *e, const char *url, long timeout_ms, struct curl_slist *headers,
		    const char *cacert, bc_buf *body, char *errbuf)
{
	curl_easy_reset(e);
	return curl_easy_setopt(e, CURLOPT_URL, url) == CURLE_OK &&
#if LIBCURL_VERSION_NUM >= 0x075500
	       curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https") == CURLE_OK &&
#else
	       curl_easy_setopt(e, CURLOPT_PROTOCOLS, CURLPROTO_HTTP | CURLPROTO_HTTPS) ==
		   CURLE_OK &&
#endif
	       curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L) == CURLE_OK &&
	       curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, timeout_ms) == CURLE_OK &&
	       curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_data) == CURLE_OK &&
	       curl_easy_setopt(e, CURLOPT_WRITEDATA, body) == CURLE_OK &&
	       curl_easy_setopt(e, CURLOPT_ERRORBUFFER, errbuf) == CURLE_OK &&
	       curl_easy_setopt(e, CURLOPT_HTTPHEADER, headers) == CURLE_OK &&
	       (!cacert || curl_easy_setopt(e, CURLOPT_CAINFO, cacert) == CURLE_OK);
}

void cli_http_error_text(const bc_buf *body, char *out, size_t size)
{
	bc_jdoc doc;
	const char *s = NULL;
	size_t len = 0;
	_cleanup_free_ char *owned = NULL;
	snprintf(out, size, "no explanation");
	if (body->len == 0 ||
	    bc_jdoc_parse((const char *)body->data, body->len, "answer", &doc, NULL) != BC_OK)
		return;
	const bc_jnode *e = bc_jget(&doc, bc_jroot(&doc), "error");
	if (e && e->type == BC_JSTRING && bc_jstring(&doc, e, &s, &len, &owned))
		snprintf(out, size, "%.*s", (int)(len < 300 ? len : 300), s);
	bc_jdoc_free(&doc);
}
