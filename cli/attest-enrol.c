/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * bootchain attest enrol and bootchain fleet enrol: enrol machines served by `attest
 * serve`. For each URL the enrolment of fleet/enrol.c (GET /v1/identity, the checks of
 * bc_enrolment_check_identity(), a credential challenge for the AK under the EK, POST
 * /v1/activate, the secret compared); then the enrolment record DIR/HOST.json
 * (bootchain-enrolment(5)) and, for fleet enrol, the machine in the fleet store.
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>

#include <bootchain/enrolment.h>

#include "cli/attest.h"
#include "cli/ca-store.h"
#include "cli/cli.h"
#include "cli/fleet.h"
#include "cli/http.h"
#include "fleet/enrol.h"
#include "util/buf.h"
#include "util/cleanup.h"
#include "util/hex.h"
#include "util/json.h"
#include "util/text.h"

#define DEFAULT_TIMEOUT 10000

static const char enrol_usage[] =
    "Usage: bootchain attest enrol URL... --out-dir DIR [OPTIONS]\n"
    "\n"
    "Enrol the machines that `bootchain attest serve` serves at URL: GET URL/v1/identity,\n"
    "verify the EK certificate's chain against the CA store and that it certifies the EK,\n"
    "check that the AK is a restricted signing key, make a credential challenge for the\n"
    "AK under the EK (TPM2_MakeCredential, a fresh random secret), POST it to\n"
    "URL/v1/activate and compare the secret the TPM recovered. Then write the enrolment\n"
    "record DIR/HOST.json (bootchain-enrolment(5)), which `attest verify --enrolment` and\n"
    "`attest poll --enrolment` take. Exit status 3 when a machine is refused (the reason\n"
    "is printed), 1 when one cannot be reached.\n"
    "\n"
    "Options:\n"
    "  -o, --out-dir DIR      where the records go (DIR/HOST[:PORT].json)\n"
    "      --ca-dir DIR       the certificates of DIR are trust anchors of the EK\n"
    "                         certificates (repeatable)\n"
    "      --ca-file PEM      so are those of PEM (repeatable); with neither, the\n"
    "                         store `make install` ships (the TPM manufacturers' CAs)\n"
    "      --allow-uncertified  enrol a machine that has no EK certificate (the record\n"
    "                         says \"certified\": false); a certificate that is there is\n"
    "                         verified all the same\n"
    "      --token TOKEN      send \"Authorization: Bearer TOKEN\"\n"
    "      --token-file FILE  the same, the token read from FILE\n"
    "      --cacert PEM       the CA of the servers' HTTPS certificates\n"
    "  -t, --timeout MS       for each request (default 10000)\n"
    "  -f, --force            replace a machine's existing record (else: an error, before\n"
    "                         any machine is asked)\n"
    "      --json             one JSON object a line, one line a URL\n"
    "  -h, --help             show this help\n";

static const char fleet_enrol_usage[] =
    "Usage: bootchain fleet enrol [--db URL] URL... [OPTIONS]\n"
    "\n"
    "Enrol the machines that `bootchain attest serve` serves at URL, with the checks of\n"
    "`bootchain attest enrol` (the EK certificate against the CA store, the AK a\n"
    "restricted signing key, the credential challenge), and add each machine enrolled to\n"
    "the fleet store, as `bootchain fleet add` adds a record. A machine refused is not\n"
    "stored. Exit status 3 when a machine is refused (the reason is printed), 1 when one\n"
    "cannot be reached or stored.\n"
    "\n"
    "Options:\n"
    "      --db URL           the store (default " BC_FLEET_DEFAULT_DB ")\n"
    "  -o, --out-dir DIR      write the enrolment records there too (DIR/HOST[:PORT].json)\n"
    "      --ca-dir DIR, --ca-file PEM, --allow-uncertified, --token TOKEN,\n"
    "      --token-file FILE, --cacert PEM, -t, --timeout MS, -f, --force\n"
    "                         as for `bootchain attest enrol`\n"
    "      --json             one JSON object a line, one line a URL\n"
    "  -h, --help             show this help\n";

static struct {
	const char *out_dir, *db, *token, *token_file, *cacert;
	cli_ca_options ca; /* no --crl */
	unsigned timeout;
	bool fleet, allow_uncertified, json, force;
} opt;

enum {
	OPT_ALLOW_UNCERTIFIED = 256,
	OPT_TOKEN,
	OPT_TOKEN_FILE,
	OPT_CACERT,
	OPT_JSON,
	OPT_DB,
};

typedef struct result {
	const char *url;
	bc_enrol_result e;
	char record[4096];	   /* the record file written, or "" */
	bc_fleet_add_result added; /* with --db: what the store did */
} result;

static int parse_options(const char *cmd, int argc, char **argv, bool *help)
{
	static const struct option options[] = {
	    {"out-dir", required_argument, NULL, 'o'},
	    {"db", required_argument, NULL, OPT_DB},
	    {"ca-dir", required_argument, NULL, CLI_OPT_CA_DIR},
	    {"ca-file", required_argument, NULL, CLI_OPT_CA_FILE},
	    {"allow-uncertified", no_argument, NULL, OPT_ALLOW_UNCERTIFIED},
	    {"token", required_argument, NULL, OPT_TOKEN},
	    {"token-file", required_argument, NULL, OPT_TOKEN_FILE},
	    {"cacert", required_argument, NULL, OPT_CACERT},
	    {"timeout", required_argument, NULL, 't'},
	    {"json", no_argument, NULL, OPT_JSON},
	    {"force", no_argument, NULL, 'f'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	int o, rc = 0;
	*help = false;
	while (rc == 0 && (o = getopt_long(argc, argv, ":o:t:fh", options, NULL)) != -1) {
		switch (o) {
		case 'o': opt.out_dir = optarg; break;
		case OPT_DB:
			/* attest enrol has no store */
			if (!opt.fleet)
				return cli_usage_error(cmd, "unknown option '--db'");
			if (!*optarg)
				return cli_usage_error(cmd, "--db: the URL is empty");
			opt.db = optarg;
			break;
		case CLI_OPT_CA_DIR:
		case CLI_OPT_CA_FILE: rc = cli_ca_option(cmd, &opt.ca, o, optarg); break;
		case OPT_ALLOW_UNCERTIFIED: opt.allow_uncertified = true; break;
		case OPT_TOKEN: opt.token = optarg; break;
		case OPT_TOKEN_FILE: opt.token_file = optarg; break;
		case OPT_CACERT: opt.cacert = optarg; break;
		case 't':
			if (!cli_parse_uint(optarg, 3600000, &opt.timeout) || !opt.timeout)
				return cli_usage_error(cmd, "--timeout: 1 to 3600000 ms");
			break;
		case OPT_JSON: opt.json = true; break;
		case 'f': opt.force = true; break;
		case 'h': *help = true; return 0;
		default: return cli_bad_option(cmd, o, argv);
		}
	}
	if (rc || *help)
		return rc;
	if (optind == argc)
		return cli_usage_error(cmd, "expected the URL of at least one machine");
	if (!opt.out_dir && !opt.fleet)
		return cli_usage_error(cmd, "--out-dir DIR is required");
	if (opt.token && opt.token_file)
		return cli_usage_error(cmd, "--token and --token-file exclude each other");
	return 0;
}

/* The records' folder, made when missing, and writable: checked before any machine is
 * asked, so that an enrolment is never done and then lost. */
static int out_dir_ready(const char *cmd)
{
	struct stat st;
	if (!opt.out_dir)
		return 0;
	if (mkdir(opt.out_dir, 0755) != 0 && errno != EEXIST) {
		cli_error(cmd, "--out-dir %s: %s", opt.out_dir, strerror(errno));
		return BC_EXIT_ERROR;
	}
	if (stat(opt.out_dir, &st) != 0 || !S_ISDIR(st.st_mode) ||
	    access(opt.out_dir, W_OK | X_OK) != 0) {
		cli_error(cmd, "--out-dir %s: not a folder this user can write to", opt.out_dir);
		return BC_EXIT_ERROR;
	}
	return 0;
}

/* A machine's record is replaced only with --force: checked for every URL before any
 * machine is asked (the record's name comes from the URL, not from the machine). */
static int records_free(const char *cmd, char **urls, size_t count)
{
	char host[sizeof((bc_enrolment){0}.host)];
	for (size_t i = 0; opt.out_dir && !opt.force && i < count; i++) {
		_cleanup_free_ char *path = NULL;
		if (!bc_enrolment_host_of_url(urls[i], host, sizeof(host)))
			continue; /* refused with the reason when its turn comes */
		if (asprintf(&path, "%s/%s.json", opt.out_dir, host) < 0) {
			cli_error(cmd, "out of memory");
			return BC_EXIT_ERROR;
		}
		int rc = cli_check_output(cmd, path, false);
		if (rc)
			return rc;
	}
	return 0;
}

static void set_error(result *r, const char *why)
{
	r->e.outcome = BC_ENROL_ERROR;
	snprintf(r->e.reason, sizeof(r->e.reason), "%s", why);
}

/* Enrol (fleet/enrol.c), then keep what was learnt: the record file, the fleet store. */
static void enrol_one(const bc_enrol_client *c, const bc_ca_store *store, bc_fleet_store *fleet,
		      result *r)
{
	_cleanup_free_ char *path = NULL;
	bc_error err = {0};
	bc_enrol_url(c, store, opt.allow_uncertified, r->url, &r->e);
	if (r->e.outcome != BC_ENROL_DONE)
		return;
	if (opt.out_dir) {
		if (asprintf(&path, "%s/%s.json", opt.out_dir, r->e.host) < 0 ||
		    (size_t)snprintf(r->record, sizeof(r->record), "%s", path) >=
			sizeof(r->record)) {
			set_error(r, "the record's path is too long");
			return;
		}
		if (bc_enrolment_write(&r->e.rec, path, &err) != BC_OK) {
			set_error(r, bc_error_message(&err));
			return;
		}
	}
	if (fleet &&
	    bc_fleet_store_add(fleet, &r->e.rec, (int64_t)time(NULL), &r->added, &err) != BC_OK)
		set_error(r, bc_error_message(&err));
}

/* ---- the report ---- */

static const char *const added_words[] = {
    [BC_FLEET_ADDED] = "added",
    [BC_FLEET_READDED] = "added again",
    [BC_FLEET_UPDATED] = "updated",
    [BC_FLEET_UNCHANGED] = "unchanged",
};

static void json_result(bc_buf *out, const result *r)
{
	char hex[2 * BC_KEY_NAME_MAX + 1];
	bool ok = r->e.outcome == BC_ENROL_DONE;
	bc_json j;
	bc_json_init(&j, out);
	bc_json_object_begin(&j);
	bc_json_key(&j, "url");
	bc_json_string(&j, r->url);
	bc_json_key(&j, "host");
	bc_json_string(&j, r->e.host);
	bc_json_key(&j, "enrolled");
	bc_json_bool(&j, ok);
	bc_json_key(&j, "verdict");
	bc_json_string(&j, ok				      ? "enrolled"
			   : r->e.outcome == BC_ENROL_REFUSED ? "refused"
							      : "error");
	bc_json_key(&j, "reason");
	if (ok)
		bc_json_null(&j);
	else
		bc_json_string(&j, r->e.reason);
	bc_json_key(&j, "certified");
	bc_json_bool(&j, ok && r->e.rec.certified);
	bc_json_key(&j, "anchor");
	if (ok && r->e.rec.certified)
		bc_json_string(&j, r->e.rec.anchor_subject);
	else
		bc_json_null(&j);
	bc_json_key(&j, "ak_name");
	if (ok)
		bc_json_string(&j, bc_hex_encode(r->e.rec.ak_name, r->e.rec.ak_name_size, hex));
	else
		bc_json_null(&j);
	bc_json_key(&j, "record");
	if (ok && r->record[0])
		bc_json_string(&j, r->record);
	else
		bc_json_null(&j);
	if (opt.fleet) {
		bc_json_key(&j, "fleet");
		if (ok)
			bc_json_string(&j, added_words[r->added]);
		else
			bc_json_null(&j);
	}
	bc_json_object_end(&j);
	bc_buf_putc(out, '\n');
}

static void text_result(bc_buf *out, const result *r)
{
	char hex[2 * BC_KEY_NAME_MAX + 1];
	const bc_enrolment *rec = &r->e.rec;
	/* reasons quote the server: untrusted text */
	if (r->e.outcome != BC_ENROL_DONE) {
		bc_buf_printf(out, "%s: %s: ", r->e.host[0] ? r->e.host : r->url,
			      r->e.outcome == BC_ENROL_REFUSED ? "REFUSED" : "ERROR");
		bc_text_escape(out, r->e.reason, strlen(r->e.reason));
		bc_buf_putc(out, '\n');
		return;
	}
	bc_buf_printf(out, "%s: enrolled, AK %s, ", r->e.host,
		      bc_hex_encode(rec->ak_name, rec->ak_name_size, hex));
	if (rec->certified) {
		bc_buf_puts(out, "EK certified by ");
		bc_text_escape(out, rec->anchor_subject, strlen(rec->anchor_subject));
	} else {
		bc_buf_puts(out, "NO EK certificate (--allow-uncertified)");
	}
	if (rec->has_keep) /* a kind this build knows: the record parsed */
		bc_buf_printf(out, ", with its Keep (%s)", rec->keep_kind);
	if (r->record[0])
		bc_buf_printf(out, ": %s", r->record);
	if (opt.fleet)
		bc_buf_printf(out, "; fleet: %s", added_words[r->added]);
	bc_buf_putc(out, '\n');
}

/* The HTTP handle and the headers of every request; reports and returns the exit
 * status, or 0. */
static int client_setup(const char *cmd, bc_enrol_client *c)
{
	bc_error err = {0};
	if (bc_http_init(&err) != BC_OK)
		return cli_fail(cmd, &err);
	c->cacert = opt.cacert;
	c->timeout_ms = (long)opt.timeout;
	int rc = cli_http_headers(cmd, opt.token, opt.token_file, &c->headers);
	if (rc == 0 &&
	    (rc = cli_http_headers(cmd, opt.token, opt.token_file, &c->post_headers)) == 0)
		c->post_headers =
		    curl_slist_append(c->post_headers, "Content-Type: application/json");
	if (rc == 0 && (!c->post_headers || !(c->easy = curl_easy_init()))) {
		cli_error(cmd, "out of memory");
		rc = BC_EXIT_ERROR;
	}
	return rc;
}

static void client_free(bc_enrol_client *c)
{
	if (c->easy)
		curl_easy_cleanup(c->easy);
	curl_slist_free_all(c->headers);
	curl_slist_free_all(c->post_headers);
}

/* Exit status 3 when a machine was refused, else 1 when one failed otherwise. */
static int worst_status(const result *results, size_t count)
{
	int worst = BC_EXIT_OK;
	for (size_t i = 0; i < count; i++)
		if (results[i].e.outcome == BC_ENROL_REFUSED)
			worst = BC_EXIT_MISMATCH;
		else if (results[i].e.outcome == BC_ENROL_ERROR && worst == BC_EXIT_OK)
			worst = BC_EXIT_ERROR;
	return worst;
}

/* attest enrol, and fleet enrol (fleet: --db, the machines stored). Where the records
 * go (the folder, the store) is made ready before any machine is asked, so that an
 * enrolment is never done and then lost. */
static int enrol_main(const char *cmd, const char *usage, bool fleet, int argc, char **argv)
{
	bc_ca_store *store = NULL;
	bc_fleet_store *fleet_store = NULL;
	bc_enrol_client c = {0};
	bool help;
	opt = (typeof(opt)){.timeout = DEFAULT_TIMEOUT, .fleet = fleet, .db = BC_FLEET_DEFAULT_DB};
	int rc = parse_options(cmd, argc, argv, &help);
	if (rc || help)
		return rc ? rc : (fputs(usage, stdout), BC_EXIT_OK);
	size_t count = (size_t)(argc - optind);
	_cleanup_free_ result *results = calloc(count, sizeof(*results));
	if (!results) {
		cli_error(cmd, "out of memory");
		return BC_EXIT_ERROR;
	}
	if ((rc = out_dir_ready(cmd)) == 0 && (rc = records_free(cmd, argv + optind, count)) == 0 &&
	    (rc = cli_ca_store_load(cmd, &opt.ca, bc_ca_store_default_dir(), &store)) == 0 &&
	    (!fleet || (rc = fleet_open_store(cmd, opt.db, false, &fleet_store)) == 0))
		rc = client_setup(cmd, &c);
	_cleanup_(bc_buf_free) bc_buf out = {0};
	bc_buf_init(&out, CLI_JSON_MAX);
	for (size_t i = 0; rc == 0 && i < count; i++) {
		result *r = &results[i];
		r->url = argv[optind + i];
		enrol_one(&c, store, fleet_store, r);
		(opt.json ? json_result : text_result)(&out, r);
	}
	if (rc == 0)
		rc = cli_emit_text(cmd, &out);
	client_free(&c);
	bc_fleet_store_close(fleet_store);
	bc_ca_store_free(store);
	return rc ? rc : worst_status(results, count);
}

int attest_enrol(int argc, char **argv)
{
	return enrol_main("attest enrol", enrol_usage, false, argc, argv);
}

int fleet_enrol(int argc, char **argv)
{
	return enrol_main("fleet enrol", fleet_enrol_usage, true, argc, argv);
}
