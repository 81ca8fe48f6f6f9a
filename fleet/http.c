/* SPDX-License-Identifier: BSD-3-Clause */
#include "config.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fleet/http.h"
#include "util/cleanup.h"
#include "util/jscan.h"

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static CURLcode curl_init_rc = CURLE_FAILED_INIT;

static void curl_init_once(void)
{
	curl_init_rc = curl_global_init(CURL_GLOBAL_DEFAULT);
}

bc_status bc_http_init(bc_error *err)
{
	pthread_once(&curl_once, curl_init_once);
	if (curl_init_rc != CURLE_OK)
		return bc_fail(err, BC_E_IO, "cannot initialise libcurl: %s",
			       curl_easy_strerror(curl_init_rc));
	return BC_OK;
}

static void wipe_free(char *secret)
{
	if (secret)
		explicit_bzero(secret, strlen(secret));
	free(secret);
}
DEFINE_TRIVIAL_CLEANUP_FUNC(char *, wipe_free)

struct curl_slist *bc_http_headers(const char *token)
{
	_cleanup_(wipe_freep) char *line = NULL;
	struct curl_slist *list = curl_slist_append(NULL, "Accept: application/json"), *more;
	if (!list || !token)
		return list;
	if (asprintf(&line, "Authorization: Bearer %s", token) < 0 ||
	    !(more = curl_slist_append(list, line))) {
		curl_slist_free_all(list);
		return NULL;
	}
	return more;
}

static size_t on_data(char *data, size_t size, size_t n, void *cls)
{
	return bc_buf_append(cls, data, size * n) == BC_OK ? size * n : 0;
}

bool bc_http_setup(CURL *e, const char *url, long timeout_ms, struct curl_slist *headers,
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

void bc_http_error_text(const bc_buf *body, char *out, size_t size)
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

bool bc_http_transient(CURLcode rc, long status)
{
	if (rc == CURLE_OK)
		return status == 429 || status == 500 || status == 502 || status == 503 ||
		       status == 504;
	switch (rc) {
	case CURLE_WRITE_ERROR: /* the answer is too large: it will be again */
	case CURLE_URL_MALFORMAT:
	case CURLE_UNSUPPORTED_PROTOCOL:
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_SSL_CACERT_BADFILE:
	case CURLE_OUT_OF_MEMORY: return false;
	default: return true;
	}
}
