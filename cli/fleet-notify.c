/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The notifications of `fleet run` (--webhook, --exec): an event as JSON, posted to a URL
 * (libcurl, retried, signed with HMAC-SHA256 when a secret is given) or written to a
 * command's stdin. Sent after the round that saw them, so that polling never waits on a
 * receiver.
 */
#include "config.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>

#include <curl/curl.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "cli/cli.h"
#include "cli/fleet.h"
#include "cli/http.h"
#include "util/hex.h"
#include "util/json.h"

#define NOTIFY_ATTEMPTS	  3
#define NOTIFY_TIMEOUT_MS 10000
#define NOTIFY_BACKOFF_MS 200
#define EVENT_JSON_MAX	  ((size_t)1 << 20)

static void json_attestation_fields(bc_json *j, const bc_fleet_attestation *a)
{
	char when[32];
	fleet_iso_time(a->time, when, sizeof(when));
	bc_json_key(j, "time");
	bc_json_string(j, when);
	bc_json_key(j, "verdict");
	bc_json_string(j, a->verdict);
	bc_json_key(j, "first_failing_check");
	if (a->first_failing_check[0])
		bc_json_string(j, a->first_failing_check);
	else
		bc_json_null(j);
	bc_json_key(j, "detail");
	bc_json_string(j, a->detail ? a->detail : "");
	bc_json_key(j, "differing_events");
	bc_json_raw(j, a->differing_events ? a->differing_events : "[]");
	bc_json_key(j, "reset_count");
	a->has_clock_info ? bc_json_uint(j, a->reset_count) : bc_json_null(j);
	bc_json_key(j, "restart_count");
	a->has_clock_info ? bc_json_uint(j, a->restart_count) : bc_json_null(j);
	bc_json_key(j, "clock");
	a->has_clock_info ? bc_json_uint(j, a->clock) : bc_json_null(j);
	bc_json_key(j, "flags");
	bc_json_array_begin(j);
	for (unsigned bit = 1; bit && bit <= BC_FLEET_FLAG_LAST; bit <<= 1)
		if (a->flags & bit)
			bc_json_string(j, bc_fleet_flag_name(bit));
	bc_json_array_end(j);
}

char *fleet_event_json(const bc_fleet_run_result *r, unsigned event)
{
	bc_buf out;
	bc_json j;
	bc_buf_init(&out, EVENT_JSON_MAX);
	bc_json_init(&j, &out);
	bc_json_object_begin(&j);
	bc_json_key(&j, "event");
	bc_json_string(&j, bc_fleet_event_name(event));
	bc_json_key(&j, "host");
	bc_json_string(&j, r->machine->name);
	bc_json_key(&j, "url");
	bc_json_string(&j, r->machine->url);
	json_attestation_fields(&j, r->attestation);
	bc_json_key(&j, "previous");
	if (r->last) {
		bc_json_object_begin(&j);
		json_attestation_fields(&j, r->last);
		bc_json_object_end(&j);
	} else {
		bc_json_null(&j);
	}
	bc_json_object_end(&j);
	bc_buf_putc(&out, '\n');
	bc_buf_str(&out);
	if (out.failed) {
		bc_buf_free(&out);
		return NULL;
	}
	return (char *)out.data;
}

/* "sha256=" and the hex of HMAC-SHA256(secret, body) into out (7 + 65 bytes). */
static bool signature(const char *secret, const char *body, char *out, size_t size)
{
	uint8_t mac[EVP_MAX_MD_SIZE];
	unsigned len = 0;
	char hex[2 * EVP_MAX_MD_SIZE + 1];
	if (!HMAC(EVP_sha256(), secret, (int)strlen(secret), (const uint8_t *)body, strlen(body),
		  mac, &len))
		return false;
	return (size_t)snprintf(out, size, "sha256=%s", bc_hex_encode(mac, len, hex)) < size;
}

static size_t discard(char *data, size_t size, size_t n, void *user)
{
	(void)data;
	(void)user;
	return size * n;
}

/* One POST, retried on network errors, 429 and 5xx; false (reported) when it failed. */
static bool post(const char *cmd, const char *url, const char *secret, const char *body)
{
	char sig[128], header[160], why[CURL_ERROR_SIZE] = "";
	struct curl_slist *headers = curl_slist_append(NULL, "Content-Type: application/json");
	/* no "Expect: 100-continue" round trip: the event is small */
	headers = headers ? curl_slist_append(headers, "Expect:") : NULL;
	CURL *e = curl_easy_init();
	CURLcode rc = CURLE_FAILED_INIT;
	long status = 0;
	bool ok = false;
	if (secret && signature(secret, body, sig, sizeof(sig))) {
		snprintf(header, sizeof(header), "X-Bootchain-Signature: %s", sig);
		headers = curl_slist_append(headers, header);
	}
	for (unsigned attempt = 1; e && headers && attempt <= NOTIFY_ATTEMPTS; attempt++) {
		curl_easy_reset(e);
		curl_easy_setopt(e, CURLOPT_URL, url);
		curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
		curl_easy_setopt(e, CURLOPT_HTTPHEADER, headers);
		curl_easy_setopt(e, CURLOPT_POSTFIELDS, body);
		curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, (long)NOTIFY_TIMEOUT_MS);
		curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
		curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, discard);
		curl_easy_setopt(e, CURLOPT_ERRORBUFFER, why);
		rc = curl_easy_perform(e);
		status = 0;
		curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &status);
		if (rc == CURLE_OK && status >= 200 && status < 300) {
			ok = true;
			break;
		}
		if (!bc_http_transient(rc, status) || attempt == NOTIFY_ATTEMPTS)
			break;
		nanosleep(&(struct timespec){.tv_nsec = (long)(NOTIFY_BACKOFF_MS << (attempt - 1)) *
							1000000L},
			  NULL);
	}
	if (!ok && rc != CURLE_OK)
		cli_error(cmd, "--webhook: %s", why[0] ? why : curl_easy_strerror(rc));
	else if (!ok)
		cli_error(cmd, "--webhook: HTTP %ld", status);
	curl_easy_cleanup(e);
	curl_slist_free_all(headers);
	return ok;
}

/* CMD run by /bin/sh with the event on its stdin; false (reported) when it failed. */
static bool run_command(const char *cmd, const char *command, const char *body)
{
	FILE *p = popen(command, "w");
	if (!p) {
		cli_error(cmd, "--exec: cannot run the command");
		return false;
	}
	void (*old)(int) = signal(SIGPIPE, SIG_IGN); /* a command that does not read */
	fputs(body, p);
	int status = pclose(p);
	signal(SIGPIPE, old);
	if (status == -1 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		cli_error(cmd, "--exec: the command failed (status %d)",
			  WIFEXITED(status) ? WEXITSTATUS(status) : -1);
		return false;
	}
	return true;
}

bool fleet_notify(const char *cmd, const fleet_notify_opts *o, const char *event_json)
{
	bool ok = true;
	bc_error err = {0};
	if (o->webhook && bc_http_init(&err) != BC_OK) {
		cli_fail(cmd, &err);
		return false;
	}
	if (o->webhook)
		ok = post(cmd, o->webhook, o->secret, event_json) && ok;
	if (o->exec)
		ok = run_command(cmd, o->exec, event_json) && ok;
	return ok;
}
