/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A load generator for `bootchain attest serve`, for tests/bench/serve-load.sh: C
 * keep-alive HTTP/1.1 connections on one thread (epoll, raw sockets), each asking for
 * evidence with a fresh random nonce as soon as its last answer is in, for a bounded
 * time, to a loopback address only. Every answer is checked: status 200, JSON, a
 * "batch" whose Merkle path leads from the nonce sent to the root. Prints one JSON
 * line: answers a second, latency percentiles, failures, and the quotes the answers
 * came from (the sum of 1/leaves). --save DIR keeps the first answers and their
 * nonces, for `bootchain attest verify`.
 *
 *   load-gen --url http://127.0.0.1:PORT [--connections 64] [--seconds 10]
 *            [--token TOKEN] [--save DIR] [--save-count 20]
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "attest/merkle.h"
#include "util/hex.h"

#define MAX_CONNECTIONS 4096
#define ANSWER_MAX	((size_t)16 << 20)
#define NONCE_SIZE	16
#define DRAIN_NS	(10 * 1000000000ull) /* for the answers in flight at the end */

typedef enum cstate { C_CLOSED, C_CONNECTING, C_SENDING, C_READING } cstate;

typedef struct conn {
	int fd;
	cstate st;
	char req[1024];
	size_t req_len, req_off;
	uint8_t nonce[NONCE_SIZE];
	uint8_t *buf;
	size_t len, cap;
	uint64_t t0;
} conn;

static struct {
	struct sockaddr_in addr;
	char host[96];
	char token[256];
	unsigned connections, seconds, save_count;
	const char *save_dir;
	int ep;
	bool stopping;
	uint64_t rng;
	/* results */
	uint64_t ok, failed, malformed, io_errors, saved;
	double quotes;
	uint32_t *lat_us;
	size_t lat_count, lat_cap;
	unsigned first_failure_status;
} g;

static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static uint64_t next_random(void)
{
	/* xorshift64*: nonces need to differ, not to be secret, for a load test */
	g.rng ^= g.rng >> 12;
	g.rng ^= g.rng << 25;
	g.rng ^= g.rng >> 27;
	return g.rng * 2685821657736338717ull;
}

static void die(const char *msg)
{
	fprintf(stderr, "load-gen: %s\n", msg);
	exit(2);
}

static void parse_url(const char *url)
{
	unsigned port = 0;
	char host[64];
	if (sscanf(url, "http://%63[^:/]:%u", host, &port) != 2 || port == 0 || port > 65535)
		die("--url: expected http://ADDR:PORT");
	if (strcmp(host, "localhost") == 0)
		snprintf(host, sizeof(host), "127.0.0.1");
	g.addr.sin_family = AF_INET;
	g.addr.sin_port = htons((uint16_t)port);
	if (inet_pton(AF_INET, host, &g.addr.sin_addr) != 1)
		die("--url: the address must be numeric IPv4");
	/* loopback only: this tool floods what it is pointed at */
	if ((ntohl(g.addr.sin_addr.s_addr) >> 24) != 127)
		die("--url: only loopback addresses (127.0.0.0/8) are allowed");
	snprintf(g.host, sizeof(g.host), "%s:%u", host, port);
}

static void record_latency(uint64_t ns)
{
	if (g.lat_count == g.lat_cap) {
		g.lat_cap = g.lat_cap ? 2 * g.lat_cap : 65536;
		g.lat_us = realloc(g.lat_us, g.lat_cap * sizeof(*g.lat_us));
		if (!g.lat_us)
			die("out of memory");
	}
	g.lat_us[g.lat_count++] = (uint32_t)(ns / 1000);
}

static void conn_close(conn *c)
{
	if (c->fd >= 0) {
		epoll_ctl(g.ep, EPOLL_CTL_DEL, c->fd, NULL);
		close(c->fd);
	}
	c->fd = -1;
	c->st = C_CLOSED;
	c->len = 0;
}

static void watch(conn *c, uint32_t events)
{
	struct epoll_event ev = {.events = events, .data.ptr = c};
	if (epoll_ctl(g.ep, EPOLL_CTL_MOD, c->fd, &ev) < 0)
		epoll_ctl(g.ep, EPOLL_CTL_ADD, c->fd, &ev);
}

static void send_some(conn *c)
{
	while (c->req_off < c->req_len) {
		ssize_t n = send(c->fd, c->req + c->req_off, c->req_len - c->req_off, MSG_NOSIGNAL);
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			watch(c, EPOLLOUT);
			return;
		}
		if (n <= 0) {
			g.io_errors++;
			conn_close(c);
			return;
		}
		c->req_off += (size_t)n;
	}
	c->st = C_READING;
	watch(c, EPOLLIN);
}

static void start_request(conn *c)
{
	char hex[2 * NONCE_SIZE + 1];
	if (g.stopping) {
		conn_close(c);
		return;
	}
	if (c->fd < 0) {
		c->fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
		int one = 1;
		if (c->fd < 0)
			die("socket");
		setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		if (connect(c->fd, (struct sockaddr *)&g.addr, sizeof(g.addr)) < 0 &&
		    errno != EINPROGRESS) {
			g.io_errors++;
			conn_close(c);
			return;
		}
	}
	for (size_t i = 0; i < NONCE_SIZE; i += 8) {
		uint64_t r = next_random();
		memcpy(c->nonce + i, &r, 8);
	}
	bc_hex_encode(c->nonce, NONCE_SIZE, hex);
	int n =
	    snprintf(c->req, sizeof(c->req),
		     "GET /v1/evidence?nonce=%s HTTP/1.1\r\nHost: %s\r\n%s%s%s\r\n", hex, g.host,
		     g.token[0] ? "Authorization: Bearer " : "", g.token, g.token[0] ? "\r\n" : "");
	c->req_len = (size_t)n;
	c->req_off = 0;
	c->len = 0;
	c->st = C_SENDING;
	c->t0 = now_ns();
	send_some(c);
}

static void save_answer(const conn *c, const uint8_t *body, size_t len)
{
	char path[4096], hex[2 * NONCE_SIZE + 1];
	FILE *f;
	snprintf(path, sizeof(path), "%s/answer-%llu.json", g.save_dir,
		 (unsigned long long)g.saved);
	if ((f = fopen(path, "w"))) {
		fwrite(body, 1, len, f);
		fclose(f);
	}
	snprintf(path, sizeof(path), "%s/answer-%llu.nonce", g.save_dir,
		 (unsigned long long)g.saved);
	if ((f = fopen(path, "w"))) {
		fprintf(f, "%s\n", bc_hex_encode(c->nonce, NONCE_SIZE, hex));
		fclose(f);
	}
	g.saved++;
}

/* A 200 answer must be JSON with a batch whose path leads from our nonce to its root. */
static void check_answer(const conn *c, const uint8_t *body, size_t len)
{
	bc_evidence_batch b;
	bool present = false;
	if (bc_evidence_batch_parse(body, len, "answer", &present, &b, NULL) != BC_OK || !present ||
	    !bc_merkle_verify(c->nonce, NONCE_SIZE, b.index, b.leaves,
			      (const uint8_t(*)[BC_MERKLE_HASH_SIZE])b.path, b.path_len, b.root) ||
	    memmem(body, len, "\"format\":\"bootchain-evidence-v1\"", 32) == NULL) {
		g.malformed++;
		return;
	}
	g.ok++;
	g.quotes += 1.0 / (double)b.leaves;
	if (g.save_dir && g.saved < g.save_count)
		save_answer(c, body, len);
}

/* Whether buf holds a whole answer; then handle it. */
static bool try_answer(conn *c, bool *close_after)
{
	const uint8_t *end = memmem(c->buf, c->len, "\r\n\r\n", 4);
	unsigned status = 0;
	size_t length = 0;
	bool have_length = false;
	if (!end)
		return false;
	size_t head = (size_t)(end - c->buf) + 4;
	*close_after = false;
	if (sscanf((const char *)c->buf, "HTTP/1.%*c %u", &status) != 1)
		status = 0;
	for (const char *p = (const char *)c->buf; p < (const char *)end;) {
		const char *eol = memmem(p, (size_t)((const char *)end - p) + 2, "\r\n", 2);
		if (!eol)
			break;
		if (strncasecmp(p, "Content-Length:", 15) == 0) {
			length = strtoul(p + 15, NULL, 10);
			have_length = true;
		} else if (strncasecmp(p, "Connection: close", 17) == 0) {
			*close_after = true;
		}
		p = eol + 2;
	}
	if (!have_length) {
		g.malformed++;
		*close_after = true;
		return true;
	}
	if (c->len < head + length)
		return false;
	record_latency(now_ns() - c->t0);
	if (status == 200) {
		check_answer(c, c->buf + head, length);
	} else {
		if (!g.first_failure_status)
			g.first_failure_status = status;
		g.failed++;
	}
	return true;
}

static void read_some(conn *c)
{
	bool eof = false, close_after = false;
	for (;;) {
		if (c->cap - c->len < 65536) {
			if (c->cap >= ANSWER_MAX) {
				g.malformed++;
				conn_close(c);
				return;
			}
			c->cap = c->cap ? 2 * c->cap : 131072;
			if (!(c->buf = realloc(c->buf, c->cap)))
				die("out of memory");
		}
		ssize_t n = recv(c->fd, c->buf + c->len, c->cap - c->len, 0);
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			break;
		if (n <= 0) { /* the server closed: after an answer, or before it was whole */
			eof = true;
			break;
		}
		c->len += (size_t)n;
	}
	if (try_answer(c, &close_after)) {
		if (close_after || eof)
			conn_close(c);
		start_request(c);
	} else if (eof) {
		g.io_errors++;
		conn_close(c);
		start_request(c);
	}
}

static void on_event(conn *c, uint32_t events)
{
	if (c->st == C_SENDING && (events & EPOLLOUT)) {
		int err = 0;
		socklen_t len = sizeof(err);
		getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len);
		if (err) {
			g.io_errors++;
			conn_close(c);
			start_request(c);
			return;
		}
		send_some(c);
	} else if (c->st == C_READING && (events & (EPOLLIN | EPOLLHUP | EPOLLERR))) {
		read_some(c);
	}
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	return x < y ? -1 : x > y;
}

static double percentile_ms(double p)
{
	if (!g.lat_count)
		return 0;
	size_t i = (size_t)(p * (double)(g.lat_count - 1) + 0.5);
	return g.lat_us[i] / 1000.0;
}

int main(int argc, char **argv)
{
	static const struct option options[] = {
	    {"url", required_argument, NULL, 'u'},
	    {"connections", required_argument, NULL, 'c'},
	    {"seconds", required_argument, NULL, 's'},
	    {"token", required_argument, NULL, 't'},
	    {"save", required_argument, NULL, 'S'},
	    {"save-count", required_argument, NULL, 'n'},
	    {NULL, 0, NULL, 0},
	};
	const char *url = NULL;
	int o;
	g.connections = 64;
	g.seconds = 10;
	g.save_count = 20;
	while ((o = getopt_long(argc, argv, "u:c:s:t:S:n:", options, NULL)) != -1) {
		switch (o) {
		case 'u': url = optarg; break;
		case 'c': g.connections = (unsigned)strtoul(optarg, NULL, 10); break;
		case 's': g.seconds = (unsigned)strtoul(optarg, NULL, 10); break;
		case 't': snprintf(g.token, sizeof(g.token), "%s", optarg); break;
		case 'S': g.save_dir = optarg; break;
		case 'n': g.save_count = (unsigned)strtoul(optarg, NULL, 10); break;
		default:
			die("usage: load-gen --url http://127.0.0.1:PORT [--connections N] "
			    "[--seconds S] [--token T] [--save DIR] [--save-count N]");
		}
	}
	if (!url)
		die("--url is required");
	if (g.connections == 0 || g.connections > MAX_CONNECTIONS)
		die("--connections: 1 to 4096");
	if (g.seconds == 0 || g.seconds > 600)
		die("--seconds: 1 to 600");
	parse_url(url);
	if (getrandom(&g.rng, sizeof(g.rng), 0) != sizeof(g.rng) || !g.rng)
		g.rng = 0x9e3779b97f4a7c15ull;
	if ((g.ep = epoll_create1(EPOLL_CLOEXEC)) < 0)
		die("epoll_create1");
	conn *conns = calloc(g.connections, sizeof(*conns));
	if (!conns)
		die("out of memory");
	uint64_t start = now_ns(), end = start + g.seconds * 1000000000ull;
	for (unsigned i = 0; i < g.connections; i++) {
		conns[i].fd = -1;
		start_request(&conns[i]);
	}
	struct epoll_event events[256];
	uint64_t stop_at = 0;
	for (;;) {
		int n = epoll_wait(g.ep, events, 256, 50);
		for (int i = 0; i < n; i++)
			on_event(events[i].data.ptr, events[i].events);
		uint64_t now = now_ns();
		if (!g.stopping && now >= end) {
			g.stopping = true;
			stop_at = now;
		}
		if (g.stopping) {
			unsigned open = 0;
			for (unsigned i = 0; i < g.connections; i++)
				open += conns[i].st == C_SENDING || conns[i].st == C_READING;
			if (!open || now - stop_at > DRAIN_NS)
				break;
		}
	}
	double secs = (double)(now_ns() - start) / 1e9;
	unsigned unanswered = 0;
	for (unsigned i = 0; i < g.connections; i++) {
		unanswered += conns[i].st == C_SENDING || conns[i].st == C_READING;
		conn_close(&conns[i]);
		free(conns[i].buf);
	}
	qsort(g.lat_us, g.lat_count, sizeof(*g.lat_us), cmp_u32);
	printf("{\"connections\":%u,\"seconds\":%.2f,\"answers\":%llu,\"per_second\":%.0f,"
	       "\"failed\":%llu,\"first_failed_status\":%u,\"malformed\":%llu,"
	       "\"io_errors\":%llu,\"unanswered\":%u,\"quotes\":%.0f,"
	       "\"p50_ms\":%.2f,\"p95_ms\":%.2f,\"p99_ms\":%.2f,\"max_ms\":%.2f}\n",
	       g.connections, secs, (unsigned long long)g.ok, (double)g.ok / secs,
	       (unsigned long long)g.failed, g.first_failure_status,
	       (unsigned long long)g.malformed, (unsigned long long)g.io_errors, unanswered,
	       g.quotes, percentile_ms(0.50), percentile_ms(0.95), percentile_ms(0.99),
	       percentile_ms(1.0));
	free(conns);
	free(g.lat_us);
	close(g.ep);
	return g.failed || g.malformed || unanswered ? 1 : 0;
}
