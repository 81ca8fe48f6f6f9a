/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * bootchain attest serve: answer verifiers over HTTP with evidence, nonces batched into
 * shared quotes (attest/serve.h). Runs until SIGTERM or SIGINT, then finishes the
 * requests in flight and exits 0. Under systemd (Type=notify) it says READY=1 once it
 * listens, and keeps the watchdog fed while it answers GET /healthz (cli/notify.h).
 */
#include "config.h"

#include <getopt.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bootchain/attest.h>

#include "attest/keys.h"
#include "attest/serve.h"
#include "cli/attest.h"
#include "cli/cli.h"
#include "cli/notify.h"
#include "util/cleanup.h"
#include "util/file.h"

#define STOP_GRACE_MS	 10000
#define DEFAULT_BATCH_MS 20
#define MAX_THREADS	 64
#define SECRET_MAX	 (64 * 1024)

static const char serve_usage[] =
    "Usage: bootchain attest serve --listen ADDR:PORT [OPTIONS]\n"
    "\n"
    "Serve attestation evidence over HTTP/1.1: GET /v1/evidence?nonce=HEX[&pcrs=SEL],\n"
    "/v1/ak, /v1/eventlog, /v1/identity (for `attest enrol`), POST /v1/activate (a\n"
    "credential challenge, answered with TPM2_ActivateCredential) and /healthz. The\n"
    "nonces of the requests that arrive within the batch window share one TPM2_Quote\n"
    "over the root of a Merkle tree of them; each answer carries its own nonce and path\n"
    "(\"batch\"). Stops on SIGTERM or SIGINT after answering the requests in flight.\n"
    "\n"
    "Options:\n"
    "      --listen ADDR:PORT   where to listen ([ADDR6]:PORT for IPv6; port 0 picks\n"
    "                           a free one); the URL is printed on stderr\n"
    "  -a, --ak AK              persistent handle or context file (default: 0x81010003)\n"
    "  -e, --ek-type rsa|ecc    the EK that /v1/identity shows and /v1/activate uses\n"
    "                           (default: rsa)\n"
    "  -L, --log LOG            event log to serve and include (default: the one\n"
    "                           `measure` writes, $BOOTCHAIN_EVENTLOG or\n"
    "                           /run/bootchain/eventlog, when it exists, else the\n"
    "                           firmware's, when readable)\n"
    "      --no-log             include and serve no event log\n"
    "  -l, -p, --pcrs SEL       PCRs quoted unless a request asks for others\n"
    "                           (default: 0-9 of every allocated bank)\n"
    "      --batch-ms N         batch window in milliseconds (default 20; 0: one quote\n"
    "                           per request)\n"
    "      --max-batch N        nonces in one quote at most (default 1024)\n"
    "      --threads N          HTTP threads (default: the number of cores)\n"
    "      --max-connections N  concurrent connections (default 1000)\n"
    "      --max-per-ip N       concurrent connections of one address (default: no limit)\n"
    "      --rate N             requests a second from one address (default: no limit)\n"
    "      --max-request BYTES  request line, headers and body (default 8192)\n"
    "      --idle-timeout S     close a connection idle or slow for S seconds (default 10)\n"
    "      --token TOKEN        require \"Authorization: Bearer TOKEN\" (but on /healthz)\n"
    "      --token-file FILE    the same, the token read from FILE\n"
    "      --tls-cert PEM       serve HTTPS with this certificate (chain)...\n"
    "      --tls-key PEM        ...and its private key\n"
    "      --keep               bind the Keep: a TEE report (configfs-tsm, or the\n"
    "                           vTPM's HCL report) per quote, bound to the batch's root\n"
    "                           and the AK\n"
    "      --tsm-root DIR       configfs-tsm reports (default: the kernel's)\n"
    "      --keep-vcek FILE     the VCEK certificate to include in the evidence\n"
    "      --tdquote-url URL    where an Azure TDX VM gets the TD quote of its HCL\n"
    "                           report's TDREPORT (default: $BOOTCHAIN_AZURE_TDQUOTE_URL,\n"
    "                           else http://169.254.169.254/acc/tdquote)\n"
    "  -T, --tcti TCTI          TPM to use\n"
    "  -h, --help               show this help\n";

static struct {
	const char *listen, *ak, *log, *pcrs, *token, *token_file, *tls_cert, *tls_key, *tcti;
	const char *tsm_root, *keep_vcek, *ek_type, *tdquote_url;
	bool no_log, keep;
	unsigned batch_ms, max_batch, threads, max_connections, max_per_ip, rate, max_request,
	    idle_timeout;
} opt;

enum {
	OPT_NO_LOG = 256,
	OPT_KEEP,
	OPT_TSM_ROOT,
	OPT_KEEP_VCEK,
	OPT_TDQUOTE_URL,
	OPT_BATCH_MS,
	OPT_MAX_BATCH,
	OPT_THREADS,
	OPT_MAX_CONNECTIONS,
	OPT_MAX_PER_IP,
	OPT_RATE,
	OPT_MAX_REQUEST,
	OPT_IDLE_TIMEOUT,
	OPT_TOKEN,
	OPT_TOKEN_FILE,
	OPT_TLS_CERT,
	OPT_TLS_KEY,
	OPT_LISTEN,
};

static int number(const char *name, unsigned min, unsigned max, unsigned *out)
{
	if (!cli_parse_uint(optarg, max, out) || *out < min)
		return cli_usage_error("attest serve", "--%s: %u to %u", name, min, max);
	return 0;
}

static int parse_options(int argc, char **argv, bool *help)
{
	static const struct option options[] = {
	    {"listen", required_argument, NULL, OPT_LISTEN},
	    {"ak", required_argument, NULL, 'a'},
	    {"ek-type", required_argument, NULL, 'e'},
	    {"log", required_argument, NULL, 'L'},
	    {"no-log", no_argument, NULL, OPT_NO_LOG},
	    {"pcrs", required_argument, NULL, 'p'},
	    {"batch-ms", required_argument, NULL, OPT_BATCH_MS},
	    {"max-batch", required_argument, NULL, OPT_MAX_BATCH},
	    {"threads", required_argument, NULL, OPT_THREADS},
	    {"max-connections", required_argument, NULL, OPT_MAX_CONNECTIONS},
	    {"max-per-ip", required_argument, NULL, OPT_MAX_PER_IP},
	    {"rate", required_argument, NULL, OPT_RATE},
	    {"max-request", required_argument, NULL, OPT_MAX_REQUEST},
	    {"idle-timeout", required_argument, NULL, OPT_IDLE_TIMEOUT},
	    {"token", required_argument, NULL, OPT_TOKEN},
	    {"token-file", required_argument, NULL, OPT_TOKEN_FILE},
	    {"tls-cert", required_argument, NULL, OPT_TLS_CERT},
	    {"tls-key", required_argument, NULL, OPT_TLS_KEY},
	    {"keep", no_argument, NULL, OPT_KEEP},
	    {"tsm-root", required_argument, NULL, OPT_TSM_ROOT},
	    {"keep-vcek", required_argument, NULL, OPT_KEEP_VCEK},
	    {"tdquote-url", required_argument, NULL, OPT_TDQUOTE_URL},
	    {"tcti", required_argument, NULL, 'T'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	int o, rc = 0;
	*help = false;
	while (rc == 0 && (o = getopt_long(argc, argv, ":a:e:L:l:p:T:h", options, NULL)) != -1) {
		switch (o) {
		case OPT_LISTEN: opt.listen = optarg; break;
		case 'a': opt.ak = optarg; break;
		case 'e': opt.ek_type = optarg; break;
		case 'L': opt.log = optarg; break;
		case OPT_NO_LOG: opt.no_log = true; break;
		case OPT_KEEP: opt.keep = true; break;
		case OPT_TSM_ROOT: opt.tsm_root = optarg; break;
		case OPT_KEEP_VCEK: opt.keep_vcek = optarg; break;
		case OPT_TDQUOTE_URL: opt.tdquote_url = optarg; break;
		case 'l':
		case 'p': opt.pcrs = optarg; break;
		case OPT_BATCH_MS: rc = number("batch-ms", 0, 10000, &opt.batch_ms); break;
		case OPT_MAX_BATCH: rc = number("max-batch", 1, 1u << 20, &opt.max_batch); break;
		case OPT_THREADS: rc = number("threads", 1, MAX_THREADS, &opt.threads); break;
		case OPT_MAX_CONNECTIONS:
			rc = number("max-connections", 1, 1u << 20, &opt.max_connections);
			break;
		case OPT_MAX_PER_IP: rc = number("max-per-ip", 1, 1u << 20, &opt.max_per_ip); break;
		case OPT_RATE: rc = number("rate", 1, 1u << 24, &opt.rate); break;
		case OPT_MAX_REQUEST:
			rc = number("max-request", 256, 1u << 24, &opt.max_request);
			break;
		case OPT_IDLE_TIMEOUT:
			rc = number("idle-timeout", 1, 3600, &opt.idle_timeout);
			break;
		case OPT_TOKEN: opt.token = optarg; break;
		case OPT_TOKEN_FILE: opt.token_file = optarg; break;
		case OPT_TLS_CERT: opt.tls_cert = optarg; break;
		case OPT_TLS_KEY: opt.tls_key = optarg; break;
		case 'T': opt.tcti = optarg; break;
		case 'h': *help = true; return 0;
		default: return cli_bad_option("attest serve", o, argv);
		}
	}
	return rc;
}

static const char *log_path(void)
{
	if (opt.no_log)
		return NULL;
	if (opt.log)
		return opt.log;
	/* the firmware's log is root's to read: without it, no log, as an unprivileged run */
	const char *path = cli_default_log();
	if (path && strcmp(path, CLI_FIRMWARE_LOG) == 0 && access(path, R_OK) != 0)
		return NULL;
	return path;
}

static void wipe_free(char *secret)
{
	if (secret)
		explicit_bzero(secret, strlen(secret));
	free(secret);
}
DEFINE_TRIVIAL_CLEANUP_FUNC(char *, wipe_free)

/* A text file (a PEM file, a token) as a NUL-terminated string. */
static int read_text(const char *cmd, const char *path, char **out)
{
	uint8_t *data = NULL;
	size_t size = 0;
	bc_error err = {0};
	if (bc_read_file(path, SECRET_MAX, &data, &size, &err) != BC_OK)
		return cli_fail(cmd, &err);
	data[size] = 0; /* bc_read_file leaves room for it */
	if (memchr(data, 0, size)) {
		explicit_bzero(data, size);
		free(data);
		cli_error(cmd, "%s: not a text file", path);
		return BC_EXIT_ERROR;
	}
	*out = (char *)data;
	return 0;
}

static int check_args(const char *cmd)
{
	const char *port = opt.listen ? strrchr(opt.listen, ':') : NULL;
	unsigned port_number;
	if (!opt.listen)
		return cli_usage_error(cmd, "--listen ADDR:PORT is required");
	if (!port || port == opt.listen || !cli_parse_uint(port + 1, 65535, &port_number))
		return cli_usage_error(cmd, "--listen: expected ADDR:PORT or [ADDR6]:PORT");
	if (opt.log && opt.no_log)
		return cli_usage_error(cmd, "--log and --no-log exclude each other");
	if ((opt.tsm_root || opt.keep_vcek || opt.tdquote_url) && !opt.keep)
		return cli_usage_error(cmd, "--tsm-root, --keep-vcek and --tdquote-url belong to "
					    "--keep");
	if (opt.tdquote_url && !*opt.tdquote_url)
		return cli_usage_error(cmd, "--tdquote-url: an empty URL");
	if (opt.token && opt.token_file)
		return cli_usage_error(cmd, "--token and --token-file exclude each other");
	if (!opt.tls_cert != !opt.tls_key)
		return cli_usage_error(cmd, "--tls-cert and --tls-key go together");
	return 0;
}

/* The token from --token or --token-file, without the file's trailing newline. */
static int load_token(const char *cmd, char **out)
{
	int rc;
	if (opt.token) {
		*out = strdup(opt.token);
	} else if (opt.token_file) {
		if ((rc = read_text(cmd, opt.token_file, out)) != 0)
			return rc;
		(*out)[strcspn(*out, "\r\n")] = 0;
	} else {
		return 0;
	}
	if (!*out) {
		cli_error(cmd, "out of memory");
		return BC_EXIT_ERROR;
	}
	if (!**out)
		return cli_usage_error(cmd, "the token is empty");
	return 0;
}

/* Block the stop signals in every thread (the server's inherit the mask) and wait for one
 * here. */
static int wait_for_stop(const sigset_t *set)
{
	int sig = 0;
	while (sigwait(set, &sig) != 0)
		;
	return sig;
}

int attest_serve(int argc, char **argv)
{
	const char *cmd = "attest serve";
	bc_pcr_selection sel;
	bc_error err = {0};
	bool help;
	char ak_default[16];
	_cleanup_(wipe_freep) char *token = NULL;
	_cleanup_(wipe_freep) char *tls_key = NULL;
	_cleanup_free_ char *tls_cert = NULL;
	opt = (typeof(opt)){.batch_ms = DEFAULT_BATCH_MS};
	int rc = parse_options(argc, argv, &help);
	if (rc || help)
		return rc ? rc : (fputs(serve_usage, stdout), BC_EXIT_OK);
	if (optind != argc)
		return cli_usage_error(cmd, "unexpected argument '%s'", argv[optind]);
	if ((rc = check_args(cmd)) != 0)
		return rc;
	bc_key_type ek_type = BC_KEY_RSA;
	if (opt.ek_type && !bc_key_type_parse(opt.ek_type, &ek_type))
		return cli_usage_error(cmd, "--ek-type %s: expected rsa or ecc", opt.ek_type);
	if (opt.pcrs && bc_pcr_selection_parse(opt.pcrs, &sel, &err) != BC_OK)
		return cli_usage_error(cmd, "--pcrs: %s", bc_error_message(&err));
	if ((rc = load_token(cmd, &token)) != 0)
		return rc;
	if (opt.tls_cert && ((rc = read_text(cmd, opt.tls_cert, &tls_cert)) != 0 ||
			     (rc = read_text(cmd, opt.tls_key, &tls_key)) != 0))
		return rc;
	snprintf(ak_default, sizeof(ak_default), "0x%08x", BC_AK_DEFAULT_HANDLE);
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	bc_serve_opts so = {
	    .listen = opt.listen,
	    .tcti = cli_tcti(opt.tcti),
	    .ak = opt.ak ? opt.ak : ak_default,
	    .ek_type = ek_type,
	    .log_path = log_path(),
	    .pcrs = opt.pcrs ? &sel : NULL,
	    .batch_ms = opt.batch_ms,
	    .max_batch = opt.max_batch,
	    .threads =
		opt.threads ? opt.threads : (cpus > 0 && cpus < MAX_THREADS ? (unsigned)cpus : 1),
	    .max_connections = opt.max_connections,
	    .max_per_ip = opt.max_per_ip,
	    .rate = opt.rate,
	    .max_request = opt.max_request,
	    .timeout_s = opt.idle_timeout,
	    .token = token,
	    .tls_cert = tls_cert,
	    .tls_key = tls_key,
	    .keep = opt.keep,
	    .tsm_root = opt.tsm_root,
	    .tdquote_url = attest_tdquote_url(opt.tdquote_url),
	};
	uint8_t *vcek = NULL;
	if (opt.keep_vcek && bc_read_file(opt.keep_vcek, BC_EVIDENCE_MAX_KEEP, &vcek,
					  &so.keep_vcek_size, &err) != BC_OK)
		return cli_fail(cmd, &err);
	so.keep_vcek = vcek;

	sigset_t stop;
	sigemptyset(&stop);
	sigaddset(&stop, SIGTERM);
	sigaddset(&stop, SIGINT);
	pthread_sigmask(SIG_BLOCK, &stop, NULL);
	signal(SIGPIPE, SIG_IGN);
	bc_server *srv = NULL;
	bc_status started = bc_server_start(&so, &srv, &err);
	free(vcek); /* the server keeps its own copy */
	if (started != BC_OK)
		return cli_fail(cmd, &err);
	fprintf(stderr, "bootchain: %s: listening on %s (batch window %u ms, %u threads)\n", cmd,
		bc_server_url(srv), opt.batch_ms, so.threads);
	char health[sizeof("/healthz") + 200];
	cli_notifier *notifier = NULL;
	snprintf(health, sizeof(health), "%s/healthz", bc_server_url(srv));
	if ((rc = cli_notify_ready(cmd, health, 200, &notifier)) != 0) {
		bc_server_stop(srv, 0, NULL);
		return rc;
	}
	int sig = wait_for_stop(&stop);
	fprintf(stderr, "bootchain: %s: %s: finishing the requests in flight\n", cmd,
		sig == SIGINT ? "SIGINT" : "SIGTERM");
	cli_notify_stopping(notifier);
	bc_serve_stats st;
	bc_server_stop(srv, STOP_GRACE_MS, &st);
	fprintf(stderr,
		"bootchain: %s: stopped: %llu requests, %llu evidence answers, %llu quotes\n", cmd,
		(unsigned long long)st.requests, (unsigned long long)st.evidence,
		(unsigned long long)st.quotes);
	return BC_EXIT_OK;
}
