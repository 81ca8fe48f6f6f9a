/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * bootchain attest enrol: enrol machines served by `attest serve`. For each URL: GET
 * /v1/identity, the checks of bc_enrolment_check_identity() (the EK certificate chains
 * to the CA store and certifies the EK; the AK is a restricted signing key), a
 * credential challenge for the AK under the EK, POST /v1/activate, the secret compared;
 * then the enrolment record DIR/HOST.json (bootchain-enrolment(5)).
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
#include "cli/http.h"
#include "util/buf.h"
#include "util/cleanup.h"
#include "util/hex.h"
#include "util/json.h"
#include "util/text.h"

#define DEFAULT_TIMEOUT 10000
#define ANSWER_MAX	((size_t)1 << 16)

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
    "      --json             one JSON object a line, one line a URL\n"
    "  -h, --help             show this help\n";

static struct {
	const char *out_dir, *token, *token_file, *cacert;
	cli_ca_options ca; /* no --crl */
	unsigned timeout;
	bool allow_uncertified, json;
} opt;

enum {
	OPT_ALLOW_UNCERTIFIED = 256,
	OPT_TOKEN,
	OPT_TOKEN_FILE,
	OPT_CACERT,
	OPT_JSON,
};

/* What became of one URL. */
typedef enum outcome {
	ENROLLED,
	REFUSED,     /* the machine failed a check: exit 3 */
	UNREACHABLE, /* or any other error: exit 1 */
} outcome;

typedef struct result {
	const char *url;
	char host[256];
	outcome outcome;
	char reason[1024];
	char record[4096]; /* the record file written */
	bc_enrolment rec;
} result;

static void set_outcome(result *r, outcome o, const char *fmt, ...) BC_PRINTF(3, 4);
static void set_outcome(result *r, outcome o, const char *fmt, ...)
{
	va_list ap;
	r->outcome = o;
	va_start(ap, fmt);
	vsnprintf(r->reason, sizeof(r->reason), fmt, ap);
	va_end(ap);
}

static int parse_options(const char *cmd, int argc, char **argv, bool *help)
{
	static const struct option options[] = {
	    {"out-dir", required_argument, NULL, 'o'},
	    {"ca-dir", required_argument, NULL, CLI_OPT_CA_DIR},
	    {"ca-file", required_argument, NULL, CLI_OPT_CA_FILE},
	    {"allow-uncertified", no_argument, NULL, OPT_ALLOW_UNCERTIFIED},
	    {"token", required_argument, NULL, OPT_TOKEN},
	    {"token-file", required_argument, NULL, OPT_TOKEN_FILE},
	    {"cacert", required_argument, NULL, OPT_CACERT},
	    {"timeout", required_argument, NULL, 't'},
	    {"json", no_argument, NULL, OPT_JSON},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	int o, rc = 0;
	*help = false;
	while (rc == 0 && (o = getopt_long(argc, argv, ":o:t:h", options, NULL)) != -1) {
		switch (o) {
		case 'o': opt.out_dir = optarg; break;
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
		case 'h': *help = true; return 0;
		default: return cli_bad_option(cmd, o, argv);
		}
	}
	if (rc || *help)
		return rc;
	if (optind == argc)
		return cli_usage_error(cmd, "expected the URL of at least one machine");
	if (!opt.out_dir)
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

/* ---- HTTP ---- */

typedef struct client {
	CURL *easy;
	struct curl_slist *headers, *post_headers;
} client;

/* One request: GET, or POST of body (JSON). false with r set when there is no 200
 * answer (refused: the server's error answer to an activation). */
static bool request(client *c, result *r, const char *base, const char *path, const char *body,
		    size_t body_size, bc_buf *answer)
{
	char errbuf[CURL_ERROR_SIZE] = "", why[320];
	_cleanup_free_ char *url = NULL;
	long status = 0;
	if (asprintf(&url, "%s%s", base, path) < 0) {
		set_outcome(r, UNREACHABLE, "out of memory");
		return false;
	}
	bc_buf_reset(answer);
	answer->failed = false;
	bool ok = bc_http_setup(c->easy, url, (long)opt.timeout,
				body ? c->post_headers : c->headers, opt.cacert, answer, errbuf);
	if (ok && body)
		ok = curl_easy_setopt(c->easy, CURLOPT_POSTFIELDS, body) == CURLE_OK &&
		     curl_easy_setopt(c->easy, CURLOPT_POSTFIELDSIZE, (long)body_size) == CURLE_OK;
	if (!ok) {
		set_outcome(r, UNREACHABLE, "%s: cannot set up the request", path);
		return false;
	}
	CURLcode rc = curl_easy_perform(c->easy);
	curl_easy_getinfo(c->easy, CURLINFO_RESPONSE_CODE, &status);
	if (rc != CURLE_OK) {
		set_outcome(r, UNREACHABLE, "%s: %s", path,
			    rc == CURLE_WRITE_ERROR ? "the answer is too large"
			    : errbuf[0]		    ? errbuf
						    : curl_easy_strerror(rc));
		return false;
	}
	if (status != 200) {
		bc_http_error_text(answer, why, sizeof(why));
		/* the TPM refused the challenge: the AK is not in the TPM of that EK */
		if (body && status == 422)
			set_outcome(r, REFUSED, "activation failed: %s", why);
		else
			set_outcome(r, UNREACHABLE, "%s: HTTP %ld: %s", path, status, why);
		return false;
	}
	return true;
}

/* ---- one machine ---- */

static void wipe(uint8_t (*secret)[BC_ENROLMENT_SECRET_SIZE])
{
	explicit_bzero(*secret, sizeof(*secret));
}

/* The challenge, its answer, and the secret compared. */
static void activate(client *c, result *r, const char *base, bc_buf *answer)
{
	_cleanup_(wipe) uint8_t secret[BC_ENROLMENT_SECRET_SIZE];
	_cleanup_free_ char *body = NULL;
	size_t size = 0;
	bc_error err = {0};
	if (bc_enrolment_challenge(&r->rec, secret, &body, &size, &err) != BC_OK) {
		set_outcome(r, UNREACHABLE, "challenge: %s", bc_error_message(&err));
		return;
	}
	if (!request(c, r, base, "/v1/activate", body, size, answer))
		return;
	bc_status s = bc_enrolment_check_answer(answer->data, answer->len, secret, &err);
	if (s != BC_OK)
		set_outcome(r, REFUSED, "activation: %s", bc_error_message(&err));
}

static void iso_time(char *out, size_t size)
{
	time_t now = time(NULL);
	struct tm tm;
	gmtime_r(&now, &tm);
	strftime(out, size, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static void enrol_one(client *c, const bc_ca_store *store, result *r)
{
	_cleanup_free_ char *base = strdup(r->url), *path = NULL;
	_cleanup_(bc_buf_free) bc_buf answer = {0};
	bc_identity id;
	bc_error err = {0};
	r->outcome = ENROLLED;
	if (!base || !bc_enrolment_host_of_url(r->url, r->host, sizeof(r->host))) {
		set_outcome(r, UNREACHABLE, "not an http:// or https:// URL");
		return;
	}
	for (size_t len = strlen(base); len && base[len - 1] == '/'; len--)
		base[len - 1] = 0;
	bc_buf_init(&answer, BC_IDENTITY_MAX);
	if (!request(c, r, base, "/v1/identity", NULL, 0, &answer))
		return;
	if (bc_identity_parse(answer.data, answer.len, "the identity", &id, &err) != BC_OK) {
		set_outcome(r, REFUSED, "%s", bc_error_message(&err));
		return;
	}
	bc_status s =
	    bc_enrolment_check_identity(&id, store, opt.allow_uncertified, 0, &r->rec, &err);
	bc_identity_free(&id);
	if (s != BC_OK) {
		set_outcome(r, s == BC_E_MISMATCH ? REFUSED : UNREACHABLE, "%s",
			    bc_error_message(&err));
		return;
	}
	activate(c, r, base, &answer);
	if (r->outcome != ENROLLED)
		return;
	snprintf(r->rec.host, sizeof(r->rec.host), "%s", r->host);
	snprintf(r->rec.url, sizeof(r->rec.url), "%s", base);
	iso_time(r->rec.time, sizeof(r->rec.time));
	if (asprintf(&path, "%s/%s.json", opt.out_dir, r->host) < 0 ||
	    (size_t)snprintf(r->record, sizeof(r->record), "%s", path) >= sizeof(r->record)) {
		set_outcome(r, UNREACHABLE, "the record's path is too long");
		return;
	}
	if (bc_enrolment_write(&r->rec, path, &err) != BC_OK)
		set_outcome(r, UNREACHABLE, "%s", bc_error_message(&err));
}

/* ---- the report ---- */

static void json_result(bc_buf *out, const result *r)
{
	char hex[2 * BC_KEY_NAME_MAX + 1];
	bool ok = r->outcome == ENROLLED;
	bc_json j;
	bc_json_init(&j, out);
	bc_json_object_begin(&j);
	bc_json_key(&j, "url");
	bc_json_string(&j, r->url);
	bc_json_key(&j, "host");
	bc_json_string(&j, r->host);
	bc_json_key(&j, "enrolled");
	bc_json_bool(&j, ok);
	bc_json_key(&j, "verdict");
	bc_json_string(&j, ok ? "enrolled" : r->outcome == REFUSED ? "refused" : "error");
	bc_json_key(&j, "reason");
	if (ok)
		bc_json_null(&j);
	else
		bc_json_string(&j, r->reason);
	bc_json_key(&j, "certified");
	bc_json_bool(&j, ok && r->rec.certified);
	bc_json_key(&j, "anchor");
	if (ok && r->rec.certified)
		bc_json_string(&j, r->rec.anchor_subject);
	else
		bc_json_null(&j);
	bc_json_key(&j, "ak_name");
	if (ok)
		bc_json_string(&j, bc_hex_encode(r->rec.ak_name, r->rec.ak_name_size, hex));
	else
		bc_json_null(&j);
	bc_json_key(&j, "record");
	if (ok)
		bc_json_string(&j, r->record);
	else
		bc_json_null(&j);
	bc_json_object_end(&j);
	bc_buf_putc(out, '\n');
}

static void text_result(bc_buf *out, const result *r)
{
	char hex[2 * BC_KEY_NAME_MAX + 1];
	/* reasons quote the server: untrusted text */
	if (r->outcome != ENROLLED) {
		bc_buf_printf(out, "%s: %s: ", r->host[0] ? r->host : r->url,
			      r->outcome == REFUSED ? "REFUSED" : "ERROR");
		bc_text_escape(out, r->reason, strlen(r->reason));
		bc_buf_putc(out, '\n');
		return;
	}
	bc_buf_printf(out, "%s: enrolled, AK %s, ", r->host,
		      bc_hex_encode(r->rec.ak_name, r->rec.ak_name_size, hex));
	if (r->rec.certified) {
		bc_buf_puts(out, "EK certified by ");
		bc_text_escape(out, r->rec.anchor_subject, strlen(r->rec.anchor_subject));
	} else {
		bc_buf_puts(out, "NO EK certificate (--allow-uncertified)");
	}
	bc_buf_printf(out, "%s: %s\n", r->rec.has_keep ? ", with its Keep" : "", r->record);
}

int attest_enrol(int argc, char **argv)
{
	const char *cmd = "attest enrol";
	bc_ca_store *store = NULL;
	client c = {0};
	bool help;
	opt = (typeof(opt)){.timeout = DEFAULT_TIMEOUT};
	int rc = parse_options(cmd, argc, argv, &help);
	if (rc || help)
		return rc ? rc : (fputs(enrol_usage, stdout), BC_EXIT_OK);
	size_t count = (size_t)(argc - optind);
	_cleanup_free_ result *results = calloc(count, sizeof(*results));
	if (!results) {
		cli_error(cmd, "out of memory");
		return BC_EXIT_ERROR;
	}
	if ((rc = out_dir_ready(cmd)) != 0 ||
	    (rc = cli_ca_store_load(cmd, &opt.ca, bc_ca_store_default_dir(), &store)) != 0)
		return rc;
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		bc_ca_store_free(store);
		cli_error(cmd, "cannot initialise libcurl");
		return BC_EXIT_ERROR;
	}
	rc = cli_http_headers(cmd, opt.token, opt.token_file, &c.headers);
	if (rc == 0 &&
	    (rc = cli_http_headers(cmd, opt.token, opt.token_file, &c.post_headers)) == 0)
		c.post_headers =
		    curl_slist_append(c.post_headers, "Content-Type: application/json");
	if (rc == 0 && (!c.post_headers || !(c.easy = curl_easy_init()))) {
		cli_error(cmd, "out of memory");
		rc = BC_EXIT_ERROR;
	}
	_cleanup_(bc_buf_free) bc_buf out = {0};
	bc_buf_init(&out, CLI_JSON_MAX);
	for (size_t i = 0; rc == 0 && i < count; i++) {
		result *r = &results[i];
		r->url = argv[optind + i];
		enrol_one(&c, store, r);
		(opt.json ? json_result : text_result)(&out, r);
	}
	int worst = BC_EXIT_OK;
	for (size_t i = 0; rc == 0 && i < count; i++)
		if (results[i].outcome == REFUSED)
			worst = BC_EXIT_MISMATCH;
		else if (results[i].outcome == UNREACHABLE && worst == BC_EXIT_OK)
			worst = BC_EXIT_ERROR;
	if (rc == 0)
		rc = cli_emit_text(cmd, &out);
	if (c.easy)
		curl_easy_cleanup(c.easy);
	curl_slist_free_all(c.headers);
	curl_slist_free_all(c.post_headers);
	curl_global_cleanup();
	bc_ca_store_free(store);
	return rc ? rc : worst;
}
