/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * bootchain attest poll: attest a fleet. Reads the hosts file and each host's expected
 * AK (an AKPUB, or an enrolment record), has the library's polling engine attest them
 * all (bc_poll, bootchain/fleet.h: a fresh nonce each, libcurl multi, retries, every
 * check of `attest verify`), and prints one verdict a host, as a table or as JSON
 * lines, in the order of the hosts file.
 */
#include "config.h"

#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bootchain/attest.h>
#include <bootchain/enrolment.h>
#include <bootchain/fleet.h>

#include "cli/attest.h"
#include "cli/cli.h"
#include "cli/http.h"
#include "cli/verify-json.h"
#include "util/buf.h"
#include "util/cleanup.h"
#include "util/file.h"
#include "util/text.h"
#include "util/json.h"

#define HOSTS_FILE_MAX ((size_t)16 << 20)
#define MAX_HOSTS      100000
#define KEY_MAX	       (64 * 1024)

static const char poll_usage[] =
    "Usage: bootchain attest poll --hosts FILE [--enrolment FILE|DIR | --ak-dir DIR |\n"
    "                             --ak AKPUB] --golden DB [OPTIONS]\n"
    "\n"
    "Attest every host of FILE (one `NAME URL [AKPUB|keep-only]` a line, # comments;\n"
    "keep-only: an SGX enclave, whose evidence is its Keep report alone) served by\n"
    "`bootchain attest serve`: a fresh nonce each, GET URL/v1/evidence, and every check of\n"
    "`attest verify` (batched evidence through its Merkle path). Prints a verdict a host;\n"
    "exits 3 when a host fails or cannot be reached.\n"
    "\n"
    "Options:\n"
    "  -H, --hosts FILE       the hosts; a relative AKPUB is taken from FILE's folder\n"
    "  -a, --ak AKPUB         the AK of the hosts that name none: its TPM2B_PUBLIC, which\n"
    "                         must be a restricted signing key made in a TPM\n"
    "  -E, --enrolment FILE|DIR  the enrolment records (bootchain-enrolment(5)): the AK\n"
    "                         of a host is that of the record of its URL's HOST[:PORT]\n"
    "                         (else of the record named NAME.json); a record with a\n"
    "                         Keep requires the Keep report, its CHIP_ID the enrolled\n"
    "                         one\n"
    "      --ak-pem-checked   also accept PEM keys as AKs, whose attributes they do not\n"
    "                         show: their origin was checked elsewhere\n"
    "  -g, --golden DB        the golden database every event is checked against\n"
    "      --pubkey PUB       refuse DB unless signed by this key\n"
    "  -l, -p, --pcrs SEL     ask for these PCRs (default: the server's)\n"
    "      --require-pcrs SEL the PCRs each quote must cover (default: those the golden\n"
    "                         database judges)\n"
    "  -j, --jobs N           hosts polled at a time (default 32)\n"
    "  -t, --timeout MS       for one attempt (default 10000)\n"
    "  -r, --retries N        attempts after a failed one (default 2); the wait doubles\n"
    "                         from 200 ms; a verdict on evidence is never retried\n"
    "      --token TOKEN      send \"Authorization: Bearer TOKEN\"\n"
    "      --token-file FILE  the same, the token read from FILE\n"
    "      --cacert PEM       the CA of the hosts' HTTPS certificates\n"
    "      --json             one JSON object a line, one line a host\n"
    "      --keep             require each machine's Keep report, bound to its quote\n"
    "      --keep-ark PEM     the ARK the Keep reports' VCEKs must chain to\n"
    "      --keep-ask PEM     the ASK between them\n" CLI_INTEL_HELP(
	" ", " ") "  -h, --help             show this help\n";

static struct {
	const char *hosts, *ak, *ak_dir, *enrolment;
	cli_poll_args poll; /* how to poll and verify: shared with fleet run */
	bool json, ak_pem_checked;
} opt;

enum {
	OPT_JSON = 256,
	OPT_AK_PEM_CHECKED,
};

/* A host of the hosts file. */
typedef struct host {
	char *name, *url, *ak_path; /* ak_path: resolved, or NULL */
	bool keep_only;		    /* `keep-only` in the AKPUB column: no TPM, no AK */
	bc_verify_key *own_key;
	const bc_verify_key *key;
	const bc_enrolment *enrolled; /* --enrolment: its record */
	char *error;		      /* why it cannot be polled (no AK...), or NULL */
	bc_poll_verdict verdict;
	char *line; /* its line of the report, once it has a verdict */
} host;

typedef struct fleet {
	host *hosts;
	size_t count;
	size_t width;		    /* of the HOST column */
	bc_enrolment_set *enrolled; /* --enrolment */
	size_t *which;		    /* the host of each one polled */
	bool out_of_memory;	    /* a report line could not be made */
} fleet;

static int parse_options(int argc, char **argv, bool *help)
{
	static const struct option options[] = {
	    {"hosts", required_argument, NULL, 'H'},
	    {"ak", required_argument, NULL, 'a'},
	    {"ak-dir", required_argument, NULL, 'd'},
	    {"enrolment", required_argument, NULL, 'E'},
	    {"ak-pem-checked", no_argument, NULL, OPT_AK_PEM_CHECKED},
	    {"pcrs", required_argument, NULL, 'p'},
	    {"timeout", required_argument, NULL, 't'},
	    CLI_POLL_OPTIONS,
	    {"json", no_argument, NULL, OPT_JSON},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	const char *cmd = "attest poll";
	int o, rc;
	*help = false;
	while ((o = getopt_long(argc, argv, ":H:a:d:E:g:l:p:j:t:r:h", options, NULL)) != -1) {
		if (cli_poll_option(cmd, o, optarg, &opt.poll, &rc)) {
			if (rc)
				return rc;
			continue;
		}
		switch (o) {
		case 'H': opt.hosts = optarg; break;
		case 'a': opt.ak = optarg; break;
		case 'd': opt.ak_dir = optarg; break;
		case 'E': opt.enrolment = optarg; break;
		case OPT_AK_PEM_CHECKED: opt.ak_pem_checked = true; break;
		case 'l':
		case 'p': opt.poll.pcrs = optarg; break;
		case 't':
			if (!cli_parse_uint(optarg, 3600000, &opt.poll.timeout_ms) ||
			    !opt.poll.timeout_ms)
				return cli_usage_error(cmd, "--timeout: 1 to 3600000 ms");
			break;
		case OPT_JSON: opt.json = true; break;
		case 'h': *help = true; return 0;
		default: return cli_bad_option(cmd, o, argv);
		}
	}
	return 0;
}

/* ---- the hosts file ---- */

static void host_free(host *h)
{
	free(h->name);
	free(h->url);
	free(h->ak_path);
	bc_verify_key_free(h->own_key);
	free(h->error);
	free(h->line);
}

static void fleet_free(fleet *f)
{
	for (size_t i = 0; i < f->count; i++)
		host_free(&f->hosts[i]);
	free(f->hosts);
	free(f->which);
	bc_enrolment_set_free(f->enrolled);
}

/* path as given when absolute, else relative to the folder of the hosts file. */
static char *resolve(const char *hosts_file, const char *path)
{
	char *out = NULL;
	const char *slash = strrchr(hosts_file, '/');
	if (path[0] == '/' || !slash)
		return strdup(path);
	if (asprintf(&out, "%.*s/%s", (int)(slash - hosts_file), hosts_file, path) < 0)
		return NULL;
	return out;
}

static int parse_line(const char *cmd, char *line, unsigned number, fleet *f)
{
	char *fields[4] = {0}, *save = NULL;
	size_t n = 0;
	for (char *tok = strtok_r(line, " \t\r", &save); tok && tok[0] != '#';
	     tok = strtok_r(NULL, " \t\r", &save))
		if (n < ELEMENTSOF(fields))
			fields[n++] = tok;
	if (n == 0) /* blank, or a comment */
		return 0;
	if (n < 2 || n > 3) {
		cli_error(cmd, "%s:%u: expected NAME URL [AKPUB|keep-only]", opt.hosts, number);
		return BC_EXIT_ERROR;
	}
	if (strncmp(fields[1], "http://", 7) != 0 && strncmp(fields[1], "https://", 8) != 0) {
		cli_error(cmd, "%s:%u: %s: not an http:// or https:// URL", opt.hosts, number,
			  fields[1]);
		return BC_EXIT_ERROR;
	}
	for (size_t i = 0; i < f->count; i++)
		if (strcmp(f->hosts[i].name, fields[0]) == 0) {
			cli_error(cmd, "%s:%u: host %s named twice", opt.hosts, number, fields[0]);
			return BC_EXIT_ERROR;
		}
	if (f->count == MAX_HOSTS) {
		cli_error(cmd, "%s: more than %d hosts", opt.hosts, MAX_HOSTS);
		return BC_EXIT_ERROR;
	}
	host *h = &f->hosts[f->count++];
	size_t url_len = strlen(fields[1]);
	while (url_len > 0 && fields[1][url_len - 1] == '/')
		url_len--;
	h->name = strdup(fields[0]);
	h->url = strndup(fields[1], url_len);
	/* an AK file of that name is written ./keep-only */
	h->keep_only = n == 3 && strcmp(fields[2], "keep-only") == 0;
	h->ak_path = n == 3 && !h->keep_only ? resolve(opt.hosts, fields[2]) : NULL;
	if (!h->name || !h->url || (n == 3 && !h->keep_only && !h->ak_path)) {
		cli_error(cmd, "out of memory");
		return BC_EXIT_ERROR;
	}
	return 0;
}

static int read_hosts(const char *cmd, fleet *f)
{
	_cleanup_free_ uint8_t *data = NULL;
	size_t size = 0, lines = 1;
	bc_error err = {0};
	if (bc_read_file(opt.hosts, HOSTS_FILE_MAX, &data, &size, &err) != BC_OK)
		return cli_fail(cmd, &err);
	data[size] = 0;
	if (memchr(data, 0, size)) {
		cli_error(cmd, "%s: not a text file", opt.hosts);
		return BC_EXIT_ERROR;
	}
	for (size_t i = 0; i < size; i++)
		lines += data[i] == '\n';
	f->hosts = calloc(lines < MAX_HOSTS ? lines : MAX_HOSTS, sizeof(*f->hosts));
	if (!f->hosts) {
		cli_error(cmd, "out of memory");
		return BC_EXIT_ERROR;
	}
	char *save = NULL, *text = (char *)data;
	unsigned number = 0;
	for (char *line = text; line; line = save) {
		save = strchr(line, '\n');
		if (save)
			*save++ = 0;
		number++;
		int rc = parse_line(cmd, line, number, f);
		if (rc)
			return rc;
	}
	if (f->count == 0) {
		cli_error(cmd, "%s: no hosts", opt.hosts);
		return BC_EXIT_ERROR;
	}
	return 0;
}

/* ---- the expected AKs ---- */

static bc_status load_key(const char *path, bc_verify_key **out, bc_error *err)
{
	_cleanup_free_ uint8_t *data = NULL;
	size_t size = 0;
	bc_error why = {0};
	bc_status s = bc_read_file(path, KEY_MAX, &data, &size, err);
	if (s != BC_OK)
		return s;
	s = bc_verify_key_new(data, size, opt.ak_pem_checked ? BC_VERIFY_KEY_PEM_CHECKED : 0, out,
			      &why);
	return s == BC_OK ? BC_OK : bc_fail(err, s, "%s: %s", path, bc_error_message(&why));
}

static bool exists(const char *path)
{
	return access(path, R_OK) == 0;
}

/* h cannot be polled: why, for the report. False when out of memory. */
static bool set_error(host *h, const char *fmt, ...) BC_PRINTF(2, 3);
static bool set_error(host *h, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vasprintf(&h->error, fmt, ap);
	va_end(ap);
	if (n < 0)
		h->error = NULL;
	return n >= 0;
}

/* The enrolment record of a host, found by its URL's host, else by its name; the
 * library takes the AK (and Keep chip) from it. */
static bool enrolled_record(const bc_enrolment_set *set, host *h)
{
	char where[256];
	const bc_enrolment *rec = NULL;
	if (h->keep_only) /* an enclave is not enrolled: it has no AK */
		return true;
	if (h->ak_path)
		return set_error(h, "an AKPUB column and --enrolment exclude each other");
	if (bc_enrolment_host_of_url(h->url, where, sizeof(where)))
		rec = bc_enrolment_set_find_host(set, where);
	if (!rec)
		rec = bc_enrolment_set_find_host(set, h->name);
	if (!rec)
		return set_error(h, "not enrolled: no record of %s or %s", where, h->name);
	h->enrolled = rec;
	return true;
}

/* The AK of a host from its own column, else --ak-dir, else --ak. False when out of
 * memory. */
static bool own_key(host *h, const bc_verify_key *shared)
{
	bc_error err = {0};
	if (h->keep_only)
		return true;
	if (!h->ak_path && opt.ak_dir) {
		_cleanup_free_ char *pub = NULL, *pem = NULL;
		if (asprintf(&pub, "%s/%s.pub", opt.ak_dir, h->name) < 0 ||
		    asprintf(&pem, "%s/%s.pem", opt.ak_dir, h->name) < 0)
			return false;
		if (exists(pub))
			h->ak_path = TAKE_PTR(pub);
		else if (exists(pem))
			h->ak_path = TAKE_PTR(pem);
	}
	if (h->ak_path) {
		if (load_key(h->ak_path, &h->own_key, &err) != BC_OK)
			return set_error(h, "AK: %s", bc_error_message(&err));
		h->key = h->own_key;
		return true;
	}
	if (shared) {
		h->key = shared;
		return true;
	}
	return set_error(h, "no AK: neither %s/%s.pub nor %s/%s.pem", opt.ak_dir, h->name,
			 opt.ak_dir, h->name);
}

/* The expected AK of each host: its enrolment record with --enrolment, else its own
 * column, else --ak-dir, else --ak. A host whose key cannot be had gets an error verdict
 * (the others are polled all the same). */
static int expected_keys(const char *cmd, fleet *f, const bc_verify_key *shared)
{
	for (size_t i = 0; i < f->count; i++) {
		host *h = &f->hosts[i];
		if (!(f->enrolled ? enrolled_record(f->enrolled, h) : own_key(h, shared))) {
			cli_error(cmd, "out of memory");
			return BC_EXIT_ERROR;
		}
	}
	return 0;
}

/* ---- the report ---- */

static const char *verdict_word(bc_poll_verdict v)
{
	return v == BC_POLL_PASS ? "pass" : v == BC_POLL_FAIL ? "FAIL" : "ERROR";
}

static void json_host(bc_buf *out, const host *h, const bc_poll_result *r)
{
	bc_json j;
	bc_json_init(&j, out);
	bc_json_object_begin(&j);
	bc_json_key(&j, "host");
	bc_json_string(&j, h->name);
	bc_json_key(&j, "url");
	bc_json_string(&j, h->url);
	bc_json_key(&j, "pass");
	bc_json_bool(&j, r->verdict == BC_POLL_PASS);
	bc_json_key(&j, "verdict");
	bc_json_string(&j, bc_poll_verdict_name(r->verdict));
	bc_json_key(&j, "detail");
	bc_json_string(&j, r->detail);
	bc_json_key(&j, "failed");
	bc_json_array_begin(&j);
	if (r->verify) {
		for (int c = 0; c < BC_CHECK_COUNT; c++)
			if (r->verify->status[c] == BC_CHECK_FAIL)
				bc_json_string(&j, bc_check_name((bc_check)c));
	} else if (r->verdict == BC_POLL_FAIL) {
		bc_json_string(&j, "evidence");
	}
	bc_json_array_end(&j);
	bc_json_key(&j, "http_status");
	bc_json_uint(&j, (uint64_t)r->http_status);
	bc_json_key(&j, "attempts");
	bc_json_uint(&j, r->attempts);
	bc_json_key(&j, "ms");
	bc_json_uint(&j, r->ms);
	bc_json_key(&j, "batch");
	if (r->batched) {
		bc_json_object_begin(&j);
		bc_json_key(&j, "index");
		bc_json_uint(&j, r->batch_index);
		bc_json_key(&j, "leaves");
		bc_json_uint(&j, r->batch_leaves);
		bc_json_object_end(&j);
	} else {
		bc_json_null(&j);
	}
	/* what `attest verify --json` says of the same evidence, to the same fields */
	bc_json_key(&j, "verify");
	if (r->verify)
		cli_json_verify_result(&j, r->verify);
	else
		bc_json_null(&j);
	bc_json_object_end(&j);
	bc_buf_putc(out, '\n');
}

/* The host's line of the report, kept until every host has one: the report follows the
 * order of the hosts file, the verdicts come in any order. */
static void record(fleet *f, host *h, const bc_poll_result *r)
{
	_cleanup_(bc_buf_free) bc_buf line = {0};
	bc_buf_init(&line, CLI_JSON_MAX);
	h->verdict = r->verdict;
	if (opt.json) {
		json_host(&line, h, r);
	} else {
		/* the detail quotes the server and its evidence: untrusted text */
		bc_buf_printf(&line, "%-*s  %-7s  ", (int)f->width, h->name,
			      verdict_word(r->verdict));
		bc_text_escape(&line, r->detail, strlen(r->detail));
		if (r->batched)
			bc_buf_printf(&line, " (batch of %zu)", r->batch_leaves);
		bc_buf_putc(&line, '\n');
	}
	if (line.failed || !(h->line = strdup(bc_buf_str(&line))))
		f->out_of_memory = true;
}

static void on_result(const bc_poll_result *r, void *user)
{
	fleet *f = user;
	record(f, &f->hosts[f->which[r->index]], r);
}

static int report(const char *cmd, const fleet *f)
{
	_cleanup_(bc_buf_free) bc_buf out = {0};
	size_t counts[3] = {0};
	if (f->out_of_memory) {
		cli_error(cmd, "out of memory");
		return BC_EXIT_ERROR;
	}
	bc_buf_init(&out, CLI_JSON_MAX);
	if (!opt.json)
		bc_buf_printf(&out, "%-*s  %-7s  %s\n", (int)f->width, "HOST", "VERDICT", "DETAIL");
	for (size_t i = 0; i < f->count; i++) {
		counts[f->hosts[i].verdict]++;
		bc_buf_puts(&out, f->hosts[i].line);
	}
	if (!opt.json)
		bc_buf_printf(&out, "\n%zu host%s: %zu passed, %zu failed, %zu in error\n",
			      f->count, f->count == 1 ? "" : "s", counts[BC_POLL_PASS],
			      counts[BC_POLL_FAIL], counts[BC_POLL_ERROR]);
	int rc = cli_emit_text(cmd, &out);
	if (rc)
		return rc;
	return counts[BC_POLL_PASS] == f->count ? BC_EXIT_OK : BC_EXIT_MISMATCH;
}

/* ---- the command ---- */

static int check_args(const char *cmd, int extra, char **argv)
{
	if (extra)
		return cli_usage_error(cmd, "unexpected argument '%s'", argv[0]);
	if (!opt.hosts || !opt.poll.golden)
		return cli_usage_error(cmd, "--hosts FILE and --golden DB are required");
	if (opt.enrolment && (opt.ak || opt.ak_dir || opt.ak_pem_checked))
		return cli_usage_error(cmd, "--enrolment excludes --ak, --ak-dir and "
					    "--ak-pem-checked");
	return cli_poll_check(cmd, &opt.poll);
}

/* What the options name: how to poll and verify (shared with fleet run), and --ak. */
typedef struct inputs {
	cli_poll_inputs poll;
	bc_verify_key *shared; /* --ak */
} inputs;

static void inputs_free(inputs *in)
{
	cli_poll_inputs_free(&in->poll);
	bc_verify_key_free(in->shared);
}

/* Without --ak, --ak-dir and --enrolment, each host names its AK or is keep-only. */
static int check_ak_sources(const char *cmd, const fleet *f)
{
	if (opt.ak || opt.ak_dir || opt.enrolment)
		return 0;
	for (size_t i = 0; i < f->count; i++)
		if (!f->hosts[i].ak_path && !f->hosts[i].keep_only)
			return cli_usage_error(cmd,
					       "--enrolment FILE|DIR, --ak AKPUB or --ak-dir "
					       "DIR is required: host %s has no AKPUB column "
					       "(nor keep-only, for an SGX enclave)",
					       f->hosts[i].name);
	return 0;
}

static int read_inputs(const char *cmd, fleet *f, inputs *in)
{
	bc_error err = {0};
	int rc = read_hosts(cmd, f);
	if (rc || (rc = check_ak_sources(cmd, f)) != 0 ||
	    (rc = cli_poll_inputs_read(cmd, &opt.poll, &in->poll)) != 0)
		return rc;
	if (opt.ak && load_key(opt.ak, &in->shared, &err) != BC_OK)
		return cli_fail(cmd, &err);
	if (opt.enrolment && bc_enrolment_set_load(opt.enrolment, &f->enrolled, &err) != BC_OK)
		return cli_fail(cmd, &err);
	return expected_keys(cmd, f, in->shared);
}

/* Poll the hosts that have an AK; the others get their error verdict here. */
static int poll_hosts(const char *cmd, fleet *f, const inputs *in)
{
	_cleanup_free_ bc_poll_host *targets = calloc(f->count, sizeof(*targets));
	bc_poll_opts po;
	bc_error err = {0};
	size_t n = 0;
	f->which = calloc(f->count, sizeof(*f->which));
	if (!targets || !f->which) {
		cli_error(cmd, "out of memory");
		return BC_EXIT_ERROR;
	}
	for (size_t i = 0; i < f->count; i++) {
		host *h = &f->hosts[i];
		size_t len = strlen(h->name);
		f->width = len > f->width ? len : f->width;
		if (h->error)
			continue;
		f->which[n] = i;
		targets[n++] = (bc_poll_host){.name = h->name,
					      .url = h->url,
					      .key = h->key,
					      .enrolment = h->enrolled,
					      .keep_only = h->keep_only};
	}
	for (size_t i = 0; i < f->count; i++)
		if (f->hosts[i].error)
			record(f, &f->hosts[i],
			       &(bc_poll_result){.verdict = BC_POLL_ERROR,
						 .detail = f->hosts[i].error});
	cli_poll_opts_fill(&opt.poll, &in->poll, &po);
	if (bc_poll(targets, n, &po, on_result, f, &err) != BC_OK)
		return cli_fail(cmd, &err);
	return 0;
}

int attest_poll(int argc, char **argv)
{
	const char *cmd = "attest poll";
	fleet f = {.width = 4};
	inputs in = {0};
	bool help;
	opt = (typeof(opt)){.poll = {.jobs = BC_POLL_DEFAULT_JOBS,
				     .timeout_ms = BC_POLL_DEFAULT_TIMEOUT_MS,
				     .retries = BC_POLL_DEFAULT_RETRIES}};
	int rc = parse_options(argc, argv, &help);
	if (rc || help)
		return rc ? rc : (fputs(poll_usage, stdout), BC_EXIT_OK);
	if ((rc = check_args(cmd, argc - optind, argv + optind)) == 0 &&
	    (rc = cli_poll_selections(cmd, &opt.poll, &in.poll)) == 0 &&
	    (rc = read_inputs(cmd, &f, &in)) == 0 && (rc = poll_hosts(cmd, &f, &in)) == 0)
		rc = report(cmd, &f);
	inputs_free(&in);
	fleet_free(&f);
	return rc;
}
