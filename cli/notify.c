/* SPDX-License-Identifier: BSD-3-Clause */
/* sd_notify readiness and a watchdog that checks the server answers (cli/notify.h). */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>

#include "cli/cli.h"
#include "cli/notify.h"
#include "fleet/http.h"
#include "util/buf.h"
#include "util/sd-notify.h"

#define HEALTH_BODY_MAX (64 * 1024)
#define MIN_PING_MS	50

struct cli_notifier {
	const char *cmd;
	char *socket; /* NOTIFY_SOCKET, copied: the environment may change */
	char *health_url;
	long want_status;
	uint64_t ping_ms; /* half of WATCHDOG_USEC */
	pthread_t thread;
	bool thread_started;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	bool stop;
};

static void notify(const cli_notifier *n, const char *state)
{
	bc_error err = {0};
	if (bc_sd_notify(n->socket, state, &err) != BC_OK)
		cli_error(n->cmd, "%s", bc_error_message(&err));
}

/* One GET of the health URL: whether the server answered as it should. */
static bool server_answers(cli_notifier *n, CURL *e)
{
	char errbuf[CURL_ERROR_SIZE] = "";
	bc_buf body;
	long status = 0;
	bc_buf_init(&body, HEALTH_BODY_MAX);
	long timeout_ms = n->ping_ms > 1000 ? (long)n->ping_ms : 1000;
	bool ok = bc_http_setup(e, n->health_url, timeout_ms, NULL, NULL, &body, errbuf) &&
		  curl_easy_setopt(e, CURLOPT_NOPROXY, "*") == CURLE_OK &&
		  /* a kept-alive connection would take one of the server's for good */
		  curl_easy_setopt(e, CURLOPT_FORBID_REUSE, 1L) == CURLE_OK &&
		  curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 0L) == CURLE_OK &&
		  curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 0L) == CURLE_OK &&
		  curl_easy_perform(e) == CURLE_OK &&
		  curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &status) == CURLE_OK && status > 0 &&
		  (n->want_status == 0 || status == n->want_status);
	bc_buf_free(&body);
	return ok;
}

static struct timespec deadline_after(uint64_t ms)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	t.tv_sec += (time_t)(ms / 1000);
	t.tv_nsec += (long)(ms % 1000) * 1000000L;
	if (t.tv_nsec >= 1000000000L) {
		t.tv_sec++;
		t.tv_nsec -= 1000000000L;
	}
	return t;
}

/* Every half interval: ask the server, and ping systemd when it answered. A missed
 * answer is not reported on each round: systemd's watchdog timeout says it. */
static void *watchdog_main(void *arg)
{
	cli_notifier *n = arg;
	CURL *e = curl_easy_init();
	pthread_mutex_lock(&n->lock);
	while (!n->stop) {
		pthread_mutex_unlock(&n->lock);
		bool alive = e && server_answers(n, e);
		pthread_mutex_lock(&n->lock);
		if (alive && !n->stop)
			notify(n, "WATCHDOG=1");
		struct timespec until = deadline_after(n->ping_ms);
		while (!n->stop && pthread_cond_timedwait(&n->cond, &n->lock, &until) != ETIMEDOUT)
			;
	}
	pthread_mutex_unlock(&n->lock);
	if (e)
		curl_easy_cleanup(e);
	return NULL;
}

static void notifier_free(cli_notifier *n)
{
	if (!n)
		return;
	pthread_mutex_destroy(&n->lock);
	pthread_cond_destroy(&n->cond);
	free(n->socket);
	free(n->health_url);
	free(n);
}

static cli_notifier *notifier_new(const char *cmd, const char *sock, const char *url,
				  long want_status)
{
	cli_notifier *n = calloc(1, sizeof(*n));
	pthread_condattr_t attr;
	if (!n)
		return NULL;
	n->cmd = cmd;
	n->want_status = want_status;
	pthread_mutex_init(&n->lock, NULL);
	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	pthread_cond_init(&n->cond, &attr);
	pthread_condattr_destroy(&attr);
	n->socket = strdup(sock);
	n->health_url = strdup(url);
	if (!n->socket || !n->health_url) {
		notifier_free(n);
		return NULL;
	}
	return n;
}

static int start_watchdog(const char *cmd, cli_notifier *n, uint64_t usec)
{
	bc_error err = {0};
	n->ping_ms = usec / 2000 > MIN_PING_MS ? usec / 2000 : MIN_PING_MS;
	if (bc_http_init(&err) != BC_OK)
		return cli_fail(cmd, &err);
	int e = pthread_create(&n->thread, NULL, watchdog_main, n);
	if (e != 0) {
		cli_error(cmd, "the watchdog thread: %s", strerror(e));
		return BC_EXIT_ERROR;
	}
	n->thread_started = true;
	return 0;
}

int cli_notify_ready(const char *cmd, const char *health_url, long want_status, cli_notifier **out)
{
	const char *sock = getenv("NOTIFY_SOCKET");
	uint64_t usec = 0;
	*out = NULL;
	if (!sock || !*sock)
		return 0;
	cli_notifier *n = notifier_new(cmd, sock, health_url, want_status);
	if (!n) {
		cli_error(cmd, "out of memory");
		return BC_EXIT_ERROR;
	}
	notify(n, "READY=1");
	if (bc_sd_watchdog_usec(getenv("WATCHDOG_USEC"), getenv("WATCHDOG_PID"), getpid(), &usec)) {
		int rc = start_watchdog(cmd, n, usec);
		if (rc) {
			notifier_free(n);
			return rc;
		}
	}
	*out = n;
	return 0;
}

void cli_notify_stopping(cli_notifier *n)
{
	if (!n)
		return;
	notify(n, "STOPPING=1");
	if (n->thread_started) {
		pthread_mutex_lock(&n->lock);
		n->stop = true;
		pthread_cond_signal(&n->cond);
		pthread_mutex_unlock(&n->lock);
		pthread_join(n->thread, NULL);
	}
	notifier_free(n);
}
