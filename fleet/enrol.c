/* SPDX-License-Identifier: BSD-3-Clause */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fleet/enrol.h"
#include "fleet/http.h"
#include "util/buf.h"
#include "util/cleanup.h"

static void set_outcome(bc_enrol_result *r, bc_enrol_outcome o, const char *fmt, ...)
    BC_PRINTF(3, 4);
static void set_outcome(bc_enrol_result *r, bc_enrol_outcome o, const char *fmt, ...)
{
	va_list ap;
	r->outcome = o;
	va_start(ap, fmt);
	vsnprintf(r->reason, sizeof(r->reason), fmt, ap);
	va_end(ap);
}

/* One request: GET, or POST of body (JSON). false with r set when there is no 200
 * answer (refused: the server's error answer to an activation). */
static bool request(const bc_enrol_client *c, bc_enrol_result *r, const char *base,
		    const char *path, const char *body, size_t body_size, bc_buf *answer)
{
	char errbuf[CURL_ERROR_SIZE] = "", why[320];
	_cleanup_free_ char *url = NULL;
	long status = 0;
	if (asprintf(&url, "%s%s", base, path) < 0) {
		set_outcome(r, BC_ENROL_ERROR, "out of memory");
		return false;
	}
	bc_buf_reset(answer);
	answer->failed = false;
	bool ok = bc_http_setup(c->easy, url, c->timeout_ms, body ? c->post_headers : c->headers,
				c->cacert, answer, errbuf);
	if (ok && body)
		ok = curl_easy_setopt(c->easy, CURLOPT_POSTFIELDS, body) == CURLE_OK &&
		     curl_easy_setopt(c->easy, CURLOPT_POSTFIELDSIZE, (long)body_size) == CURLE_OK;
	if (!ok) {
		set_outcome(r, BC_ENROL_ERROR, "%s: cannot set up the request", path);
		return false;
	}
	CURLcode rc = curl_easy_perform(c->easy);
	curl_easy_getinfo(c->easy, CURLINFO_RESPONSE_CODE, &status);
	if (rc != CURLE_OK) {
		set_outcome(r, BC_ENROL_ERROR, "%s: %s", path,
			    rc == CURLE_WRITE_ERROR ? "the answer is too large"
			    : errbuf[0]		    ? errbuf
						    : curl_easy_strerror(rc));
		return false;
	}
	if (status != 200) {
		bc_http_error_text(answer, why, sizeof(why));
		/* the TPM refused the challenge: the AK is not in the TPM of that EK */
		if (body && status == 422)
			set_outcome(r, BC_ENROL_REFUSED, "activation failed: %s", why);
		else
			set_outcome(r, BC_ENROL_ERROR, "%s: HTTP %ld: %s", path, status, why);
		return false;
	}
	return true;
}

static void wipe(uint8_t (*secret)[BC_ENROLMENT_SECRET_SIZE])
{
	explicit_bzero(*secret, sizeof(*secret));
}

/* The challenge, its answer, and the secret compared. */
static void activate(const bc_enrol_client *c, bc_enrol_result *r, const char *base, bc_buf *answer)
{
	_cleanup_(wipe) uint8_t secret[BC_ENROLMENT_SECRET_SIZE];
	_cleanup_free_ char *body = NULL;
	size_t size = 0;
	bc_error err = {0};
	if (bc_enrolment_challenge(&r->rec, secret, &body, &size, &err) != BC_OK) {
		set_outcome(r, BC_ENROL_ERROR, "challenge: %s", bc_error_message(&err));
		return;
	}
	if (!request(c, r, base, "/v1/activate", body, size, answer))
		return;
	bc_status s = bc_enrolment_check_answer(answer->data, answer->len, secret, &err);
	if (s != BC_OK)
		set_outcome(r, BC_ENROL_REFUSED, "activation: %s", bc_error_message(&err));
}

static void iso_time(char *out, size_t size)
{
	time_t now = time(NULL);
	struct tm tm;
	gmtime_r(&now, &tm);
	strftime(out, size, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

void bc_enrol_url(const bc_enrol_client *c, const bc_ca_store *store, bool allow_uncertified,
		  const char *url, bc_enrol_result *r)
{
	_cleanup_free_ char *base = strdup(url);
	_cleanup_(bc_buf_free) bc_buf answer = {0};
	bc_identity id;
	bc_error err = {0};
	memset(r, 0, sizeof(*r));
	r->outcome = BC_ENROL_DONE;
	if (!base || !bc_enrolment_host_of_url(url, r->host, sizeof(r->host))) {
		set_outcome(r, BC_ENROL_ERROR, "not an http:// or https:// URL");
		return;
	}
	for (size_t len = strlen(base); len && base[len - 1] == '/'; len--)
		base[len - 1] = 0;
	bc_buf_init(&answer, BC_IDENTITY_MAX);
	if (!request(c, r, base, "/v1/identity", NULL, 0, &answer))
		return;
	if (bc_identity_parse(answer.data, answer.len, "the identity", &id, &err) != BC_OK) {
		set_outcome(r, BC_ENROL_REFUSED, "%s", bc_error_message(&err));
		return;
	}
	bc_status s = bc_enrolment_check_identity(&id, store, allow_uncertified, 0, &r->rec, &err);
	bc_identity_free(&id);
	if (s != BC_OK) {
		set_outcome(r, s == BC_E_MISMATCH ? BC_ENROL_REFUSED : BC_ENROL_ERROR, "%s",
			    bc_error_message(&err));
		return;
	}
	activate(c, r, base, &answer);
	if (r->outcome != BC_ENROL_DONE)
		return;
	snprintf(r->rec.host, sizeof(r->rec.host), "%s", r->host);
	snprintf(r->rec.url, sizeof(r->rec.url), "%s", base);
	iso_time(r->rec.time, sizeof(r->rec.time));
}
