/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * bootchain fleet run: rounds of the library's bc_fleet_run_round() every interval,
 * until SIGTERM or SIGINT (the round in progress finishes its batch and stores it) or
 * --rounds N. Prints a line per round and one per change of a machine.
 */
#include "config.h"

#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <bootchain/fleet.h>

#include "cli/cli.h"
#include "cli/fleet.h"
#include "cli/http.h"
#include "util/buf.h"
#include "util/file.h"
#include "util/text.h"

#define DAY_MS	       (24ull * 3600 * 1000)
#define MAX_TIMEOUT_MS 3600000

static const char run_usage[] =
    "Usage: bootchain fleet run [--db URL] [--interval 60s] [--golden DB [--pubkey PUB]]\n"
    "                           [--rounds N] [OPTIONS]\n"
    "\n"
    "Attest the machines of the fleet every interval (a fresh nonce each, every check of\n"
    "`attest verify`), store each attestation with what changed since the machine's\n"
    "previous one, until SIGTERM or SIGINT. Prints a line per round and one per change:\n"
    "pass -> fail, fail -> pass, unreachable, reboot, rollback, AK or Keep chip changed.\n"
    "\n"
    "Options:\n"
    "      --db URL           the store (default " BC_FLEET_DEFAULT_DB ")\n"
    "      --interval D       from a round to the next (default 60s; 500ms, 5m, 1h...;\n"
    "                         whole seconds, 1s at least)\n"
    "      --rounds N         stop after N rounds (default: run until a signal)\n"
    "      --worker NAME      the name leases are held under (default HOSTNAME:PID)\n"
    "      --lease D          how long a batch of machines is held (default 120s)\n"
    "      --batch N          machines leased at a time (default 1024)\n"
    "  -g, --golden DB        the golden database every event is checked against\n"
    "      --pubkey PUB       refuse DB unless signed by this key\n"
    "      --require-pcrs SEL the PCRs each quote must cover (default: those the golden\n"
    "                         database judges)\n"
    "  -j, --jobs N           machines polled at a time (default 32)\n"
    "  -t, --timeout D        for one attempt (default 10000 ms; a number alone is ms)\n"
    "  -r, --retries N        attempts after a failed one (default 2)\n"
    "      --token TOKEN      send \"Authorization: Bearer TOKEN\"\n"
    "      --token-file FILE  the same, the token read from FILE\n"
    "      --cacert PEM       the CA of the machines' HTTPS certificates\n"
    "      --keep             require each machine's Keep report, bound to its quote\n"
    "      --keep-ark PEM     the ARK the Keep reports' VCEKs must chain to\n"
    "      --keep-ask PEM     the ASK between them\n" CLI_INTEL_HELP(
	" ",
	" ") "      --webhook URL      POST each change as JSON (fail, pass, unreachable,\n"
	     "                         reboot, rollback, ak-changed, chip-changed)\n"
	     "      --webhook-secret S sign it: X-Bootchain-Signature: sha256=HMAC-SHA256 hex\n"
	     "      --exec CMD         run CMD (/bin/sh -c) with each change's JSON on stdin\n"
	     "  -h, --help             show this help\n";

static struct {
	const char *db, *worker;
	cli_poll_args poll; /* how to poll and verify: shared with attest poll */
	fleet_notify_opts notify;
	uint64_t interval_ms, lease_ms, timeout_ms;
	unsigned rounds, batch;
} opt;

static volatile int stop_requested;

static void on_signal(int sig)
{
	(void)sig;
	stop_requested = 1;
}

enum {
	OPT_DB = 256,
	OPT_INTERVAL,
	OPT_ROUNDS,
	OPT_WORKER,
	OPT_LEASE,
	OPT_BATCH,
	OPT_WEBHOOK,
	OPT_WEBHOOK_SECRET,
	OPT_EXEC,
};

static int parse_duration_option(const char *cmd, const char *name, uint64_t min_ms,
				 uint64_t max_ms, uint64_t *ms)
{
	if (!fleet_parse_duration(optarg, max_ms, ms) || *ms < min_ms)
		return cli_usage_error(
		    cmd, "%s: a duration from %llu ms to %llu ms (60s, 5m, 500ms)", name,
		    (unsigned long long)min_ms, (unsigned long long)max_ms);
	return 0;
}

static int parse_option(const char *cmd, int o, char **argv)
{
	int rc;
	if (cli_poll_option(cmd, o, optarg, &opt.poll, &rc))
		return rc;
	switch (o) {
	case OPT_DB: opt.db = optarg; return 0;
	case OPT_INTERVAL:
		return parse_duration_option(cmd, "--interval", 1000, 365 * DAY_MS,
					     &opt.interval_ms);
	case OPT_LEASE: return parse_duration_option(cmd, "--lease", 1000, DAY_MS, &opt.lease_ms);
	case OPT_BATCH:
		if (!cli_parse_uint(optarg, 1000000, &opt.batch) || !opt.batch)
			return cli_usage_error(cmd, "--batch: 1 to 1000000");
		return 0;
	case 't': { /* a bare number is ms here, as in attest poll */
		unsigned ms = 0;
		if (cli_parse_uint(optarg, MAX_TIMEOUT_MS, &ms) && ms) {
			opt.timeout_ms = ms;
			return 0;
		}
	}
		return parse_duration_option(cmd, "--timeout", 1, MAX_TIMEOUT_MS, &opt.timeout_ms);
	case OPT_ROUNDS:
		if (!cli_parse_uint(optarg, 1000000000, &opt.rounds) || !opt.rounds)
			return cli_usage_error(cmd, "--rounds: 1 or more");
		return 0;
	case OPT_WORKER:
		if (!*optarg || strlen(optarg) >= BC_FLEET_NAME_MAX)
			return cli_usage_error(cmd, "--worker: 1 to %d characters",
					       BC_FLEET_NAME_MAX - 1);
		opt.worker = optarg;
		return 0;
	case OPT_WEBHOOK:
		if (strncmp(optarg, "http://", 7) != 0 && strncmp(optarg, "https://", 8) != 0)
			return cli_usage_error(cmd, "--webhook: not an http:// or https:// URL");
		opt.notify.webhook = optarg;
		return 0;
	case OPT_WEBHOOK_SECRET: opt.notify.secret = optarg; return 0;
	case OPT_EXEC: opt.notify.exec = optarg; return 0;
	default: return cli_bad_option(cmd, o, argv);
	}
}

static int parse_options(const char *cmd, int argc, char **argv, bool *help)
{
	static const struct option options[] = {
	    {"db", required_argument, NULL, OPT_DB},
	    {"interval", required_argument, NULL, OPT_INTERVAL},
	    {"rounds", required_argument, NULL, OPT_ROUNDS},
	    {"worker", required_argument, NULL, OPT_WORKER},
	    {"lease", required_argument, NULL, OPT_LEASE},
	    {"batch", required_argument, NULL, OPT_BATCH},
	    {"timeout", required_argument, NULL, 't'},
	    CLI_POLL_OPTIONS,
	    {"webhook", required_argument, NULL, OPT_WEBHOOK},
	    {"webhook-secret", required_argument, NULL, OPT_WEBHOOK_SECRET},
	    {"exec", required_argument, NULL, OPT_EXEC},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	int o, rc;
	*help = false;
	while ((o = getopt_long(argc, argv, ":g:j:t:r:h", options, NULL)) != -1) {
		if (o == 'h') {
			*help = true;
			return 0;
		}
		if ((rc = parse_option(cmd, o, argv)) != 0)
			return rc;
	}
	if (optind < argc)
		return cli_usage_error(cmd, "unexpected argument '%s'", argv[optind]);
	if (opt.poll.pubkey && !opt.poll.golden)
		return cli_usage_error(cmd, "--pubkey goes with --golden");
	if ((rc = cli_poll_check(cmd, &opt.poll)) != 0)
		return rc;
	if (opt.notify.secret && !opt.notify.webhook)
		return cli_usage_error(cmd, "--webhook-secret goes with --webhook");
	return 0;
}

/* ---- what the options name ---- */

typedef struct inputs {
	cli_poll_inputs poll; /* how to poll and verify, shared with attest poll */
	char worker[BC_FLEET_NAME_MAX];
} inputs;

/* The poll options, with --timeout (a duration here) in milliseconds. */
static cli_poll_args poll_args(void)
{
	cli_poll_args a = opt.poll;
	a.timeout_ms = (unsigned)opt.timeout_ms; /* at most MAX_TIMEOUT_MS */
	return a;
}

static int read_inputs(const char *cmd, inputs *in)
{
	cli_poll_args a = poll_args();
	int rc = cli_poll_selections(cmd, &a, &in->poll);
	if (rc || (rc = cli_poll_inputs_read(cmd, &a, &in->poll)) != 0)
		return rc;
	if (opt.worker) {
		snprintf(in->worker, sizeof(in->worker), "%s", opt.worker);
	} else {
		char host[128] = "localhost";
		gethostname(host, sizeof(host) - 1);
		snprintf(in->worker, sizeof(in->worker), "%s:%ld", host, (long)getpid());
	}
	return 0;
}

static void run_options(const inputs *in, bc_fleet_run_opts *ro)
{
	cli_poll_args a = poll_args();
	*ro = (bc_fleet_run_opts){.worker = in->worker,
				  .interval = (int64_t)(opt.interval_ms / 1000),
				  .lease = (int64_t)((opt.lease_ms + 999) / 1000),
				  .batch = opt.batch,
				  .stop = &stop_requested};
	cli_poll_opts_fill(&a, &in->poll, &ro->poll);
}

/* ---- the report ---- */

typedef struct reporter {
	bc_buf out;   /* the lines of a round, written when it ends */
	char **queue; /* the events to notify after the round, JSON */
	size_t queued, room;
	bool out_of_memory;
} reporter;

static bool grow_queue(reporter *rep)
{
	size_t room = rep->room ? 2 * rep->room : 16;
	char **q = realloc(rep->queue, room * sizeof(*q));
	if (!q)
		return false;
	rep->queue = q;
	rep->room = room;
	return true;
}

static void queue_event(reporter *rep, char *json)
{
	if (!json || (rep->queued == rep->room && !grow_queue(rep))) {
		free(json);
		rep->out_of_memory = true;
		return;
	}
	rep->queue[rep->queued++] = json;
}

static void put_escaped(bc_buf *out, const char *s)
{
	if (s)
		bc_text_escape(out, s, strlen(s));
}

/* "NAME: EVENT: WHAT" for each event of an attestation. */
static void report_events(bc_buf *out, const bc_fleet_run_result *r)
{
	const bc_fleet_attestation *a = r->attestation, *l = r->last;
	for (unsigned i = 0; i < BC_FLEET_EVENT_COUNT; i++) {
		unsigned e = 1u << i;
		if (!(r->events & e))
			continue;
		put_escaped(out, r->machine->name);
		bc_buf_printf(out, ": %s: ", bc_fleet_event_name(e));
		if (e == BC_FLEET_EVENT_FAIL || e == BC_FLEET_EVENT_PASS ||
		    e == BC_FLEET_EVENT_UNREACHABLE) {
			bc_buf_printf(out, "%s -> %s", l ? l->verdict : "(none)", a->verdict);
			if (e != BC_FLEET_EVENT_PASS) {
				bc_buf_puts(out, ": ");
				put_escaped(out, a->detail); /* quotes the machine: escaped */
			}
		} else if (e == BC_FLEET_EVENT_REBOOT || e == BC_FLEET_EVENT_ROLLBACK) {
			bc_buf_printf(out, "reset count %u, restart count %u, clock %llu ms",
				      a->reset_count, a->restart_count,
				      (unsigned long long)a->clock);
			if (a->flags & BC_FLEET_FLAG_CLOCK_BACK)
				bc_buf_puts(out, " (the clock went back)");
		} else {
			bc_buf_puts(out, "the machine was enrolled again");
		}
		bc_buf_putc(out, '\n');
	}
}

static void on_result(const bc_fleet_run_result *r, void *user)
{
	reporter *rep = user;
	report_events(&rep->out, r);
	if (!opt.notify.webhook && !opt.notify.exec)
		return;
	for (unsigned i = 0; i < BC_FLEET_EVENT_COUNT; i++)
		if (r->events & (1u << i))
			queue_event(rep, fleet_event_json(r, 1u << i));
}

/* Send the round's events; a receiver that fails is reported and does not stop the run
 * (the events are in the store all the same). */
static void notify_all(const char *cmd, reporter *rep)
{
	if (rep->out_of_memory)
		cli_error(cmd, "out of memory: some events were not notified");
	for (size_t i = 0; i < rep->queued; i++) {
		fleet_notify(cmd, &opt.notify, rep->queue[i]);
		free(rep->queue[i]);
	}
	rep->queued = 0;
	rep->out_of_memory = false;
}

static int report_round(const char *cmd, reporter *rep, unsigned number,
			const bc_fleet_round *round)
{
	char now[32];
	fleet_iso_time((int64_t)time(NULL), now, sizeof(now));
	bc_buf_printf(&rep->out,
		      "%s round %u: %zu machine%s attested: %zu pass, %zu fail, %zu error, "
		      "%llu ms%s\n",
		      now, number, round->attested, round->attested == 1 ? "" : "s", round->pass,
		      round->fail, round->error, (unsigned long long)round->ms,
		      round->stopped ? " (stopped)" : "");
	if (round->lost)
		bc_buf_printf(&rep->out, "%zu lease%s expired before the attestation was stored\n",
			      round->lost, round->lost == 1 ? "" : "s");
	int rc = cli_emit_text(cmd, &rep->out);
	fflush(stdout);
	bc_buf_reset(&rep->out);
	return rc;
}

/* ---- the loop ---- */

/* Sleep until the monotonic time deadline_ms, or a signal. */
static void wait_until(uint64_t deadline_ms)
{
	for (;;) {
		struct timespec ts;
		clock_gettime(CLOCK_MONOTONIC, &ts);
		uint64_t now = (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
		if (stop_requested || now >= deadline_ms)
			return;
		uint64_t step = deadline_ms - now < 100 ? deadline_ms - now : 100;
		nanosleep(&(struct timespec){.tv_nsec = (long)step * 1000000}, NULL);
	}
}

static uint64_t monotonic_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static int run_rounds(const char *cmd, bc_fleet_store *store, const bc_fleet_run_opts *ro)
{
	reporter rep = {0};
	int rc = 0;
	bc_buf_init(&rep.out, CLI_JSON_MAX);
	for (unsigned n = 1; !stop_requested && (!opt.rounds || n <= opt.rounds); n++) {
		uint64_t start = monotonic_ms();
		bc_fleet_round round;
		bc_error err = {0};
		bc_status s = bc_fleet_run_round(store, ro, (int64_t)time(NULL), on_result, &rep,
						 &round, &err);
		if ((rc = report_round(cmd, &rep, n, &round)) != 0)
			break;
		notify_all(cmd, &rep);
		if (s != BC_OK) {
			rc = cli_fail(cmd, &err);
			break;
		}
		if (!opt.rounds || n < opt.rounds)
			wait_until(start + opt.interval_ms);
	}
	notify_all(cmd, &rep); /* after a failed round too: what was stored happened */
	free(rep.queue);
	bc_buf_free(&rep.out);
	return rc;
}

int fleet_run(int argc, char **argv)
{
	const char *cmd = "fleet run";
	bc_fleet_store *store = NULL;
	inputs in = {0};
	bool help;
	opt = (typeof(opt)){
	    .db = BC_FLEET_DEFAULT_DB,
	    .interval_ms = 60000,
	    .lease_ms = 120000,
	    .timeout_ms = BC_POLL_DEFAULT_TIMEOUT_MS,
	    .poll = {.jobs = BC_POLL_DEFAULT_JOBS, .retries = BC_POLL_DEFAULT_RETRIES}};
	int rc = parse_options(cmd, argc, argv, &help);
	if (rc || help)
		return rc ? rc : (fputs(run_usage, stdout), BC_EXIT_OK);
	if ((rc = read_inputs(cmd, &in)) == 0 &&
	    (rc = fleet_open_store(cmd, opt.db, false, &store)) == 0) {
		struct sigaction sa = {.sa_handler = on_signal}; /* no SA_RESTART: wake sleeps */
		bc_fleet_run_opts ro;
		sigemptyset(&sa.sa_mask);
		sigaction(SIGTERM, &sa, NULL);
		sigaction(SIGINT, &sa, NULL);
		run_options(&in, &ro);
		rc = run_rounds(cmd, store, &ro);
	}
	bc_fleet_store_close(store);
	cli_poll_inputs_free(&in.poll);
	return rc;
}
