/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * bootchain fleet serve: the report of the store, read-only over HTTP (libmicrohttpd):
 * the page of `fleet report`, the machines as JSON, and Prometheus metrics. One internal
 * thread polls the sockets and answers every request in turn, so that the one store
 * connection is only ever used by one thread; a report is a few queries per machine,
 * and dashboards ask every few seconds at most. Runs until SIGTERM or SIGINT.
 */
#include "config.h"

#include <getopt.h>
#include <netdb.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include <microhttpd.h>
#include <openssl/crypto.h>
#include <openssl/sha.h>

#include <bootchain/fleet.h>

#include "cli/cli.h"
#include "cli/fleet.h"
#include "cli/notify.h"
#include "util/buf.h"
#include "util/file.h"
#include "util/json.h"

#define TOKEN_FILE_MAX	4096
#define MAX_CONNECTIONS 64
#define IDLE_TIMEOUT_S	30
#define MACHINES_PREFIX "/v1/machines/"
#define PAGE_SECURITY_POLICY                              \
	"default-src 'none'; style-src 'unsafe-inline'; " \
	"script-src 'unsafe-inline'"

static const char serve_usage[] =
    "Usage: bootchain fleet serve [--db URL] --listen ADDR:PORT [--token T|--token-file F]\n"
    "                             [--metrics] [--interval 60s] [--golden DB [--pubkey PUB]]\n"
    "\n"
    "Serve the store read-only over HTTP: GET / (the page of `fleet report`),\n"
    "GET /v1/machines (each machine's latest attestation), GET /v1/machines/NAME (its\n"
    "history), and with --metrics GET /metrics (Prometheus text format). Stops on\n"
    "SIGTERM or SIGINT.\n"
    "\n"
    "Options:\n"
    "      --db URL           the store (default " BC_FLEET_DEFAULT_DB ")\n"
    "      --listen ADDR:PORT where to listen ([ADDR6]:PORT for IPv6)\n"
    "      --token TOKEN      require \"Authorization: Bearer TOKEN\" on every request\n"
    "      --token-file FILE  the same, the token read from FILE\n"
    "      --metrics          serve /metrics\n"
    "      --interval D       the interval of `fleet run` (default 60s)\n"
    "  -g, --golden DB        show the versions this golden database allows\n"
    "      --pubkey PUB       verify the golden database's signature with this key\n"
    "      --history N        attestations per machine (default 30)\n"
    "  -h, --help             show this help\n";

static struct {
	fleet_view_opts view;
	const char *listen, *token, *token_file;
	bool metrics;
} opt;

/* What the request handler reads: set before the daemon starts, then only read. */
typedef struct server {
	bc_fleet_store *store; /* used by the daemon's one thread only */
	bc_golden *golden;
	bool has_token, metrics;
	uint8_t token_digest[SHA256_DIGEST_LENGTH];
} server;

enum { OPT_LISTEN = FLEET_OPT_OWN, OPT_TOKEN, OPT_TOKEN_FILE, OPT_METRICS };

static int parse_options(const char *cmd, int argc, char **argv, bool *help)
{
	static const struct option options[] = {
	    {"db", required_argument, NULL, FLEET_OPT_DB},
	    {"listen", required_argument, NULL, OPT_LISTEN},
	    {"token", required_argument, NULL, OPT_TOKEN},
	    {"token-file", required_argument, NULL, OPT_TOKEN_FILE},
	    {"metrics", no_argument, NULL, OPT_METRICS},
	    {"interval", required_argument, NULL, FLEET_OPT_INTERVAL},
	    {"golden", required_argument, NULL, 'g'},
	    {"pubkey", required_argument, NULL, FLEET_OPT_PUBKEY},
	    {"history", required_argument, NULL, FLEET_OPT_HISTORY},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	int o, rc;
	*help = false;
	while ((o = getopt_long(argc, argv, ":g:h", options, NULL)) != -1) {
		if ((rc = fleet_view_option(cmd, o, optarg, &opt.view)) != FLEET_OPT_OTHER) {
			if (rc)
				return rc;
			continue;
		}
		switch (o) {
		case OPT_LISTEN: opt.listen = optarg; break;
		case OPT_TOKEN: opt.token = optarg; break;
		case OPT_TOKEN_FILE: opt.token_file = optarg; break;
		case OPT_METRICS: opt.metrics = true; break;
		case 'h': *help = true; return 0;
		default: return cli_bad_option(cmd, o, argv);
		}
	}
	if (optind < argc)
		return cli_usage_error(cmd, "unexpected argument '%s'", argv[optind]);
	if (!opt.listen)
		return cli_usage_error(cmd, "--listen ADDR:PORT is required");
	if (opt.token && opt.token_file)
		return cli_usage_error(cmd, "--token and --token-file exclude each other");
	return fleet_view_check(cmd, &opt.view);
}

/* ---- the token ---- */

/* The digest of the token of --token or --token-file (its first line); the token itself
 * is wiped at once. */
static int load_token(const char *cmd, server *srv)
{
	uint8_t *data = NULL;
	size_t size = 0;
	bc_error err = {0};
	if (!opt.token && !opt.token_file)
		return 0;
	if (opt.token) {
		size = strlen(opt.token);
		if (!(data = (uint8_t *)strdup(opt.token))) {
			cli_error(cmd, "out of memory");
			return BC_EXIT_ERROR;
		}
	} else if (bc_read_file(opt.token_file, TOKEN_FILE_MAX, &data, &size, &err) != BC_OK) {
		return cli_fail(cmd, &err);
	}
	data[size] = 0; /* bc_read_file leaves room for it */
	size_t len = strcspn((const char *)data, "\r\n");
	if (len)
		SHA256(data, len, srv->token_digest);
	explicit_bzero(data, size);
	free(data);
	if (!len)
		return cli_usage_error(cmd, "the token is empty");
	srv->has_token = true;
	return 0;
}

static bool token_ok(const server *srv, struct MHD_Connection *c)
{
	uint8_t got[SHA256_DIGEST_LENGTH];
	const char *h =
	    MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_AUTHORIZATION);
	if (!srv->has_token)
		return true;
	if (!h || strncasecmp(h, "Bearer ", 7) != 0)
		return false;
	for (h += 7; *h == ' '; h++)
		;
	/* digests compared in constant time: neither the token's bytes nor its length show
	 * in the time taken (as attest serve) */
	SHA256((const uint8_t *)h, strlen(h), got);
	return CRYPTO_memcmp(got, srv->token_digest, sizeof(got)) == 0;
}

/* ---- answers ---- */

/* Answer with body (malloc'd; libmicrohttpd frees it). */
static enum MHD_Result answer(struct MHD_Connection *c, unsigned status, const char *type,
			      char *body, size_t size)
{
	struct MHD_Response *r = MHD_create_response_from_buffer(size, body, MHD_RESPMEM_MUST_FREE);
	if (!r) {
		free(body);
		return MHD_NO;
	}
	enum MHD_Result ok =
	    MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type) == MHD_YES &&
		    MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store") ==
			MHD_YES &&
		    MHD_add_response_header(r, "X-Content-Type-Options", "nosniff") == MHD_YES
		? MHD_YES
		: MHD_NO;
	if (ok == MHD_YES && !strncmp(type, "text/html", 9))
		ok = MHD_add_response_header(r, "Content-Security-Policy", PAGE_SECURITY_POLICY);
	if (ok == MHD_YES && status == MHD_HTTP_UNAUTHORIZED)
		ok = MHD_add_response_header(r, MHD_HTTP_HEADER_WWW_AUTHENTICATE,
					     "Bearer realm=\"bootchain\"");
	if (ok == MHD_YES && status == MHD_HTTP_METHOD_NOT_ALLOWED)
		ok = MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, "GET, HEAD");
	if (ok == MHD_YES)
		ok = MHD_queue_response(c, status, r);
	MHD_destroy_response(r);
	return ok;
}

/* {"error": message} */
static enum MHD_Result answer_error(struct MHD_Connection *c, unsigned status, const char *msg)
{
	bc_buf b;
	bc_json j;
	bc_buf_init(&b, 4096);
	bc_json_init(&j, &b);
	bc_json_object_begin(&j);
	bc_json_key(&j, "error");
	bc_json_string(&j, msg);
	bc_json_object_end(&j);
	bc_buf_putc(&b, '\n');
	bc_buf_str(&b);
	if (b.failed) {
		bc_buf_free(&b);
		return MHD_NO;
	}
	return answer(c, status, "application/json", (char *)b.data, b.len);
}

typedef bc_status (*report_fn)(bc_fleet_store *store, const char *name,
			       const bc_fleet_report_opts *o, char **out, size_t *size,
			       bc_error *err);

static bc_status page(bc_fleet_store *s, const char *name, const bc_fleet_report_opts *o,
		      char **out, size_t *size, bc_error *err)
{
	(void)name;
	return bc_fleet_report_html(s, o, out, size, err);
}

static bc_status machines(bc_fleet_store *s, const char *name, const bc_fleet_report_opts *o,
			  char **out, size_t *size, bc_error *err)
{
	(void)name;
	return bc_fleet_report_machines_json(s, o, out, size, err);
}

static bc_status metrics(bc_fleet_store *s, const char *name, const bc_fleet_report_opts *o,
			 char **out, size_t *size, bc_error *err)
{
	(void)name;
	return bc_fleet_report_metrics(s, o, out, size, err);
}

static enum MHD_Result answer_report(server *srv, struct MHD_Connection *c, report_fn fn,
				     const char *name, const char *type)
{
	bc_fleet_report_opts ro = fleet_view_report_opts(&opt.view, srv->golden);
	bc_error err = {0};
	char *body = NULL;
	size_t size = 0;
	bc_status s = fn(srv->store, name, &ro, &body, &size, &err);
	if (s == BC_E_NOTFOUND && name)
		return answer_error(c, MHD_HTTP_NOT_FOUND, "no machine of that name");
	if (s != BC_OK) {
		fprintf(stderr, "bootchain: fleet serve: %s\n", bc_error_message(&err));
		return answer_error(c, MHD_HTTP_INTERNAL_SERVER_ERROR, "the store cannot be read");
	}
	return answer(c, MHD_HTTP_OK, type, body, size);
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
				  const char *method, const char *version, const char *upload_data,
				  size_t *upload_size, void **state)
{
	static int seen;
	server *srv = cls;
	(void)version;
	(void)upload_data;
	if (!*state) { /* the headers: answer once the request is complete */
		*state = &seen;
		return MHD_YES;
	}
	if (*upload_size) { /* a body: read-only, ignored */
		*upload_size = 0;
		return MHD_YES;
	}
	if (strcmp(method, MHD_HTTP_METHOD_GET) && strcmp(method, MHD_HTTP_METHOD_HEAD))
		return answer_error(c, MHD_HTTP_METHOD_NOT_ALLOWED, "read-only: GET only");
	if (!token_ok(srv, c))
		return answer_error(c, MHD_HTTP_UNAUTHORIZED, "a valid bearer token is required");
	if (!strcmp(url, "/"))
		return answer_report(srv, c, page, NULL, "text/html; charset=utf-8");
	if (!strcmp(url, "/v1/machines"))
		return answer_report(srv, c, machines, NULL, "application/json");
	if (!strncmp(url, MACHINES_PREFIX, strlen(MACHINES_PREFIX)) && url[strlen(MACHINES_PREFIX)])
		return answer_report(srv, c, bc_fleet_report_machine_json,
				     url + strlen(MACHINES_PREFIX), "application/json");
	if (srv->metrics && !strcmp(url, "/metrics"))
		return answer_report(srv, c, metrics, NULL, "text/plain; version=0.0.4");
	return answer_error(c, MHD_HTTP_NOT_FOUND, "no such resource");
}

/* ---- the daemon ---- */

/* ADDR:PORT or [ADDR6]:PORT, numeric, as a socket address. */
static int resolve_listen(const char *cmd, struct addrinfo **out)
{
	char host[256];
	const char *colon = strrchr(opt.listen, ':');
	const char *h = opt.listen;
	size_t len = colon ? (size_t)(colon - h) : 0;
	unsigned port;
	if (len && h[0] == '[' && h[len - 1] == ']')
		h++, len -= 2;
	if (!colon || !len || len >= sizeof(host) || !cli_parse_uint(colon + 1, 65535, &port))
		return cli_usage_error(cmd, "--listen %s: expected ADDR:PORT or [ADDR6]:PORT",
				       opt.listen);
	memcpy(host, h, len);
	host[len] = 0;
	struct addrinfo hints = {.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV | AI_PASSIVE,
				 .ai_socktype = SOCK_STREAM};
	int rc = getaddrinfo(host, colon + 1, &hints, out);
	if (rc != 0)
		return cli_usage_error(cmd, "--listen %s: %s", opt.listen, gai_strerror(rc));
	return 0;
}

static struct MHD_Daemon *start(const char *cmd, server *srv, const struct addrinfo *ai)
{
	unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_POLL | MHD_USE_ERROR_LOG;
	if (ai->ai_family == AF_INET6)
		flags |= MHD_USE_IPv6;
	struct MHD_Daemon *d = MHD_start_daemon(
	    flags, 0, NULL, NULL, on_request, srv, MHD_OPTION_SOCK_ADDR, ai->ai_addr,
	    MHD_OPTION_CONNECTION_LIMIT, (unsigned)MAX_CONNECTIONS, MHD_OPTION_CONNECTION_TIMEOUT,
	    (unsigned)IDLE_TIMEOUT_S, MHD_OPTION_END);
	if (!d)
		cli_error(cmd, "--listen %s: cannot start the HTTP server", opt.listen);
	return d;
}

static int wait_for_stop(const sigset_t *set)
{
	int sig = 0;
	while (sigwait(set, &sig) != 0)
		;
	return sig;
}

static int serve(const char *cmd, server *srv)
{
	struct addrinfo *ai = NULL;
	sigset_t stop;
	int rc = resolve_listen(cmd, &ai);
	if (rc)
		return rc;
	/* blocked here, so in the daemon's thread too: only sigwait() takes them */
	sigemptyset(&stop);
	sigaddset(&stop, SIGTERM);
	sigaddset(&stop, SIGINT);
	pthread_sigmask(SIG_BLOCK, &stop, NULL);
	signal(SIGPIPE, SIG_IGN);
	struct MHD_Daemon *d = start(cmd, srv, ai);
	freeaddrinfo(ai);
	if (!d)
		return BC_EXIT_ERROR;
	fprintf(stderr, "bootchain: %s: serving %s on http://%s/\n", cmd,
		bc_fleet_store_name(srv->store), opt.listen);
	/* any answer proves the HTTP thread alive: /healthz is not a page of this server,
	 * and the token, when one is required, is not the watchdog's to hold */
	char health[300];
	cli_notifier *notifier = NULL;
	snprintf(health, sizeof(health), "http://%s/healthz", opt.listen);
	if ((rc = cli_notify_ready(cmd, health, 0, &notifier)) != 0) {
		MHD_stop_daemon(d);
		return rc;
	}
	int sig = wait_for_stop(&stop);
	cli_notify_stopping(notifier);
	/* one polling thread: MHD_stop_daemon ends it and closes every connection (no
	 * MHD_quiesce_daemon: see attest/serve.c) */
	MHD_stop_daemon(d);
	fprintf(stderr, "bootchain: %s: %s: stopped\n", cmd, sig == SIGINT ? "SIGINT" : "SIGTERM");
	return BC_EXIT_OK;
}

int fleet_serve(int argc, char **argv)
{
	const char *cmd = "fleet serve";
	server srv = {0};
	bool help;
	opt = (typeof(opt)){.view = FLEET_VIEW_OPTS_DEFAULT};
	int rc = parse_options(cmd, argc, argv, &help);
	if (rc || help)
		return rc ? rc : (fputs(serve_usage, stdout), BC_EXIT_OK);
	if ((rc = load_token(cmd, &srv)) != 0)
		return rc;
	srv.metrics = opt.metrics;
	if ((rc = fleet_view_open(cmd, &opt.view, &srv.store, &srv.golden)) != 0)
		return rc;
	rc = serve(cmd, &srv);
	bc_fleet_store_close(srv.store);
	bc_golden_free(srv.golden);
	return rc;
}
