/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The TD quote of an Azure TDX confidential VM's TDREPORT. The paravisor's HCL report
 * holds a TDREPORT, which is MAC'd for the CPU and not signed: a verifier needs the TD
 * quote of the same TD, which the host's quoting service makes and the Instance
 * Metadata Service hands to the guest (the protocol, and the clients it follows:
 * keep-azure.h). The quote is checked here only to be a TD quote of the TDREPORT's TD,
 * so that a wrong answer fails on the machine, naming the service, rather than later at
 * the verifier; its signature is the verifier's to check.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <curl/curl.h>

#include "attest/dcap.h"
#include "attest/keep-azure.h"
#include "fleet/http.h"
#include "util/base64.h"
#include "util/buf.h"
#include "util/cleanup.h"
#include "util/jscan.h"

/* The answer's cap: the quote in base64 with padding, and room for other members. */
#define ANSWER_MAX ((BC_AZURE_TDQUOTE_MAX + 2) / 3 * 4 + 4096)

static void curl_cleanupp(CURL **e)
{
	curl_easy_cleanup(*e);
}

static void slist_freep(struct curl_slist **list)
{
	curl_slist_free_all(*list);
}

static void sleep_ms(long ms)
{
	struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = ms % 1000 * 1000000L};
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

/* {"report": TDREPORT in base64url without padding}, as encoder.py's base64url_encode. */
static char *request_body(const uint8_t *tdreport)
{
	char report[BC_BASE64URL_LEN(BC_AZURE_TDREPORT_SIZE) + 1];
	char *body = NULL;
	bc_base64url_encode(tdreport, BC_AZURE_TDREPORT_SIZE, report);
	return asprintf(&body, "{\"report\":\"%s\"}", report) < 0 ? NULL : body;
}

/* JSON both ways; no "Expect: 100-continue", which libcurl sends for a body past 1 KiB
 * (before 8.0) and Microsoft's Python client (requests) never does. */
static struct curl_slist *request_headers(void)
{
	static const char *const more[] = {"Content-Type: application/json", "Expect:"};
	struct curl_slist *list = bc_http_headers(NULL);
	for (size_t i = 0; list && i < ELEMENTSOF(more); i++) {
		struct curl_slist *longer = curl_slist_append(list, more[i]);
		if (!longer)
			curl_slist_free_all(list);
		list = longer;
	}
	return list;
}

/* One POST of body to url; libcurl's result in *rc and the HTTP status in *status. */
static bc_status post_once(CURL *e, const char *url, struct curl_slist *headers, const char *body,
			   bc_buf *answer, char *errbuf, CURLcode *rc, long *status, bc_error *err)
{
	bc_buf_reset(answer);
	errbuf[0] = 0;
	*status = 0;
	/* never through a proxy: the metadata service is link-local, and Azure does not
	 * support reaching it through one */
	if (!bc_http_setup(e, url, BC_AZURE_TDQUOTE_TIMEOUT_MS, headers, NULL, answer, errbuf) ||
	    curl_easy_setopt(e, CURLOPT_NOPROXY, "*") != CURLE_OK ||
	    curl_easy_setopt(e, CURLOPT_POSTFIELDS, body) != CURLE_OK ||
	    curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE, (long)strlen(body)) != CURLE_OK)
		return bc_fail(err, BC_E_INVALID, "TD quote from %s: cannot set up the request",
			       url);
	*rc = curl_easy_perform(e);
	curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, status);
	return BC_OK;
}

/* Why the last try got no good answer. */
static bc_status fetch_failure(const char *url, CURLcode rc, long status, const char *errbuf,
			       const bc_buf *answer, int tries, bc_error *err)
{
	char why[320];
	if (rc == CURLE_WRITE_ERROR && answer->failed)
		return bc_fail(err, BC_E_LIMIT,
			       "TD quote from %s: the answer is larger than %zu bytes", url,
			       (size_t)ANSWER_MAX);
	if (rc != CURLE_OK)
		return bc_fail(err, BC_E_IO, "TD quote from %s: no answer (%d %s): %s", url, tries,
			       tries == 1 ? "try" : "tries",
			       errbuf[0] ? errbuf : curl_easy_strerror(rc));
	bc_http_error_text(answer, why, sizeof(why));
	return bc_fail(err, BC_E_IO, "TD quote from %s: HTTP status %ld (%d %s): %s", url, status,
		       tries, tries == 1 ? "try" : "tries", why);
}

/* POST body to url until a 200 answer, a failure not worth another try, or the last try. */
static bc_status fetch(const char *url, const char *body, bc_buf *answer, bc_error *err)
{
	/* the handle goes first, the headers it points to after it */
	_cleanup_(slist_freep) struct curl_slist *headers = NULL;
	_cleanup_(curl_cleanupp) CURL *e = NULL;
	char errbuf[CURL_ERROR_SIZE];
	CURLcode rc = CURLE_OK;
	long status = 0;
	int tries = 0;
	bc_status s = bc_http_init(err);
	if (s != BC_OK)
		return s;
	if (!(e = curl_easy_init()) || !(headers = request_headers()))
		return bc_fail(err, BC_E_NOMEM, "out of memory");
	for (;;) {
		if (tries)
			sleep_ms(BC_AZURE_TDQUOTE_RETRY_MS);
		tries++;
		s = post_once(e, url, headers, body, answer, errbuf, &rc, &status, err);
		if (s != BC_OK || (rc == CURLE_OK && status == 200))
			return s;
		if (tries == BC_AZURE_TDQUOTE_ATTEMPTS || !bc_http_transient(rc, status))
			return fetch_failure(url, rc, status, errbuf, answer, tries, err);
	}
}

/* The answer's "quote", decoded: a JSON object of a base64url string. */
static bc_status answer_quote(const char *url, const bc_buf *answer, uint8_t **quote, size_t *size,
			      bc_error *err)
{
	_cleanup_(bc_jdoc_free) bc_jdoc doc = {0};
	_cleanup_free_ char *owned = NULL;
	bc_error why = {0};
	const char *text = NULL;
	size_t len = 0;
	if (answer->len == 0)
		return bc_fail(err, BC_E_FORMAT, "TD quote from %s: an empty answer", url);
	if (bc_jdoc_parse((const char *)answer->data, answer->len, "the answer", &doc, &why) !=
	    BC_OK)
		return bc_fail(err, BC_E_FORMAT, "TD quote from %s: not JSON: %s", url,
			       bc_error_message(&why));
	const bc_jnode *root = bc_jroot(&doc);
	if (root->type != BC_JOBJECT)
		return bc_fail(err, BC_E_FORMAT,
			       "TD quote from %s: the answer is not a JSON object", url);
	const bc_jnode *q = bc_jget(&doc, root, "quote");
	if (!q || q->type != BC_JSTRING || !bc_jstring(&doc, q, &text, &len, &owned))
		return bc_fail(err, BC_E_FORMAT,
			       "TD quote from %s: the answer has no string \"quote\"", url);
	if (len == 0 || !bc_base64url_decode(text, len, BC_AZURE_TDQUOTE_MAX, quote, size))
		return bc_fail(err, BC_E_FORMAT,
			       "TD quote from %s: \"quote\" is not base64url of 1 to %zu bytes",
			       url, (size_t)BC_AZURE_TDQUOTE_MAX);
	return BC_OK;
}

/* The quote is a TD quote of the TDREPORT's TD. */
static bc_status check_quote(const char *url, const uint8_t *tdreport, const uint8_t *quote,
			     size_t size, bc_error *err)
{
	bc_dcap_quote q;
	bc_error why = {0};
	if (bc_dcap_quote_parse(quote, size, &q, &why) != BC_OK)
		return bc_fail(err, BC_E_FORMAT, "TD quote from %s: not a quote: %s", url,
			       bc_error_message(&why));
	if (q.body_type != BC_DCAP_BODY_TD10 && q.body_type != BC_DCAP_BODY_TD15)
		return bc_fail(err, BC_E_FORMAT, "TD quote from %s: an SGX quote, not a TD quote",
			       url);
	const char *field = bc_azure_tdreport_mismatch(tdreport, &q.td);
	if (field)
		return bc_fail(err, BC_E_FORMAT,
			       "TD quote from %s: a quote of another TD than the HCL report's "
			       "TDREPORT: its %s differs",
			       url, field);
	return BC_OK;
}

bc_status bc_azure_td_quote(const char *url, const uint8_t *hcl, size_t hcl_size, uint8_t **quote,
			    size_t *quote_size, bc_error *err)
{
	_cleanup_(bc_buf_free) bc_buf answer = {0};
	_cleanup_free_ char *body = NULL;
	_cleanup_free_ uint8_t *bytes = NULL;
	bc_azure_hcl h;
	size_t size = 0;
	if (!url)
		url = BC_AZURE_TDQUOTE_URL;
	bc_status s = bc_azure_hcl_parse(hcl, hcl_size, &h, err);
	if (s != BC_OK)
		return s;
	if (h.report_type != BC_AZURE_HCL_REPORT_TYPE_TDX)
		return bc_fail(err, BC_E_INVALID, "HCL report: report type %u, not %d (TDX)",
			       h.report_type, BC_AZURE_HCL_REPORT_TYPE_TDX);
	if (!(body = request_body(h.hw_report)))
		return bc_fail(err, BC_E_NOMEM, "out of memory");
	bc_buf_init(&answer, ANSWER_MAX);
	s = fetch(url, body, &answer, err);
	if (s == BC_OK)
		s = answer_quote(url, &answer, &bytes, &size, err);
	if (s == BC_OK)
		s = check_quote(url, h.hw_report, bytes, size, err);
	if (s != BC_OK)
		return s;
	*quote = TAKE_PTR(bytes);
	*quote_size = size;
	return BC_OK;
}
