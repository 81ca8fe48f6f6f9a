/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * bootchain attest ek verify: an EK certificate (a file, or every one in the TPM's NV)
 * against a store of TPM manufacturers' CA certificates.
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <bootchain/ekcert.h>

#include "cli/attest.h"
#include "cli/ca-store.h"
#include "cli/cli.h"
#include "util/buf.h"
#include "util/cleanup.h"
#include "util/file.h"
#include "util/hex.h"
#include "util/json.h"
#include "util/text.h"

#define CERT_FILE_MAX ((size_t)1 << 20)

DEFINE_TRIVIAL_CLEANUP_FUNC(bc_tpm *, bc_tpm_close)
DEFINE_TRIVIAL_CLEANUP_FUNC(bc_ca_store *, bc_ca_store_free)

static const char verify_usage[] =
    "Usage: bootchain attest ek verify [CERT] [--ca-dir DIR]... [--ca-file FILE]...\n"
    "                                  [--crl FILE]... [OPTIONS]\n"
    "\n"
    "Verify an EK certificate (CERT: DER or PEM; '-': standard input) or, without CERT,\n"
    "every EK certificate in the TPM's NV (the indices of the TCG EK Credential Profile,\n"
    "with the certificates the TPM keeps at 0x01c00100-0x01c001ff as untrusted\n"
    "intermediates), against a store of TPM manufacturers' certificates, each a trust\n"
    "anchor. An EK certificate from NV must also certify the EK the TPM derives from the\n"
    "template of its index.\n"
    "\n"
    "Options:\n"
    "      --ca-dir DIR   add every *.pem, *.crt, *.cer, *.der of DIR to the store\n"
    "      --ca-file FILE add the certificates of FILE (PEM or DER) to the store\n"
    "                     (without either: the default store, below, or\n"
    "                     $BOOTCHAIN_TPM_CA_DIR when set)\n"
    "      --crl FILE     a CRL (PEM or DER); with any, every certificate of a chain must\n"
    "                     be shown unrevoked by a CRL of its issuer\n"
    "      --at EPOCH     check validity at this time (seconds since 1970) instead of now\n"
    "  -T, --tcti TCTI    TPM to use (without CERT)\n"
    "      --json         print {\"trusted\", \"certificates\": [...]} (bootchain-attest(1))\n"
    "  -h, --help         show this help\n"
    "\n"
    "Exit status: 0 trusted, 3 not trusted (the reason is printed), 1 unreadable input.\n"
    "\n"
    "Default store: ";

static struct {
	cli_ca_options ca;
	const char *cert, *tcti;
	int64_t at;
	bool json;
} opt;

enum { OPT_AT = 256, OPT_JSON };

static int parse_epoch(const char *cmd, const char *text, int64_t *out)
{
	char *end = NULL;
	errno = 0;
	long long v = strtoll(text, &end, 10);
	if (errno || end == text || *end || v <= 0)
		return cli_usage_error(cmd, "--at: '%s' is not a time in seconds since 1970", text);
	*out = v;
	return 0;
}

static int verify_parse(const char *cmd, int argc, char **argv, bool *help)
{
	static const struct option options[] = {
	    {"ca-dir", required_argument, NULL, CLI_OPT_CA_DIR},
	    {"ca-file", required_argument, NULL, CLI_OPT_CA_FILE},
	    {"crl", required_argument, NULL, CLI_OPT_CRL},
	    {"at", required_argument, NULL, OPT_AT},
	    {"tcti", required_argument, NULL, 'T'},
	    {"json", no_argument, NULL, OPT_JSON},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	int o, rc = 0;
	*help = false;
	while (rc == 0 && (o = getopt_long(argc, argv, ":T:h", options, NULL)) != -1) {
		switch (o) {
		case CLI_OPT_CA_DIR:
		case CLI_OPT_CA_FILE:
		case CLI_OPT_CRL: rc = cli_ca_option(cmd, &opt.ca, o, optarg); break;
		case OPT_AT: rc = parse_epoch(cmd, optarg, &opt.at); break;
		case 'T': opt.tcti = optarg; break;
		case OPT_JSON: opt.json = true; break;
		case 'h': *help = true; return 0;
		default: return cli_bad_option(cmd, o, argv);
		}
	}
	if (rc)
		return rc;
	if (optind < argc)
		opt.cert = argv[optind++];
	if (optind != argc)
		return cli_usage_error(cmd, "unexpected argument '%s'", argv[optind]);
	if (opt.cert && opt.tcti)
		return cli_usage_error(cmd, "--tcti is for the TPM's NV: not with a CERT file");
	return 0;
}

/* The default store: $BOOTCHAIN_TPM_CA_DIR when set (tests; a store kept elsewhere),
 * else the one `make install` put in place. */
static const char *default_store(void)
{
	const char *dir = getenv("BOOTCHAIN_TPM_CA_DIR");
	return dir && *dir ? dir : bc_ca_store_default_dir();
}

/* One verified certificate: from a file (nv NULL) or from NV. */
typedef struct checked {
	const bc_ek_nv_cert *nv;
	bc_ek_cert_verdict verdict;
	bc_ek_cert_info info;
	char why[512];
} checked;

static bool is_trusted(const checked *c)
{
	return c->verdict == BC_EK_CERT_TRUSTED && (!c->nv || c->nv->matches_ek);
}

static void format_time(int64_t t, char *out, size_t size)
{
	time_t tt = (time_t)t;
	struct tm tm;
	if (!gmtime_r(&tt, &tm) || !strftime(out, size, "%Y-%m-%dT%H:%M:%SZ", &tm))
		snprintf(out, size, "%lld", (long long)t);
}

static void json_hex(bc_json *j, const char *key, const uint8_t *data, size_t len)
{
	bc_json_key(j, key);
	bc_json_hex(j, data, len);
}

static void json_text(bc_json *j, const char *key, const char *text)
{
	bc_json_key(j, key);
	bc_json_string(j, text);
}

static void json_checked(bc_json *j, const checked *c)
{
	char text[32];
	const bc_ek_cert_info *info = &c->info;
	bc_json_object_begin(j);
	bc_json_key(j, "source");
	bc_json_string(j, c->nv ? "nv" : "file");
	bc_json_key(j, "nv_index");
	if (c->nv) {
		snprintf(text, sizeof(text), "0x%08x", c->nv->index);
		bc_json_string(j, text);
	} else {
		bc_json_null(j);
	}
	bc_json_key(j, "template");
	if (c->nv)
		bc_json_string(j, bc_ek_template_name(c->nv->template_id));
	else
		bc_json_null(j);
	bc_json_key(j, "file");
	if (c->nv)
		bc_json_null(j);
	else
		bc_json_string(j, opt.cert);
	json_text(j, "verdict", bc_ek_cert_verdict_name(c->verdict));
	json_text(j, "reason", c->why);
	bc_json_key(j, "trusted");
	bc_json_bool(j, is_trusted(c));
	bc_json_key(j, "matches_ek");
	if (c->nv)
		bc_json_bool(j, c->nv->matches_ek);
	else
		bc_json_null(j);
	json_text(j, "subject", info->subject);
	json_text(j, "issuer", info->issuer);
	json_text(j, "manufacturer", info->manufacturer);
	json_text(j, "model", info->model);
	json_text(j, "version", info->version);
	bc_json_key(j, "ek_eku");
	bc_json_bool(j, info->has_ek_eku);
	bc_json_key(j, "not_before");
	bc_json_int(j, info->not_before);
	bc_json_key(j, "not_after");
	bc_json_int(j, info->not_after);
	json_hex(j, "sha256", info->fingerprint, sizeof(info->fingerprint));
	bc_json_key(j, "chain");
	bc_json_array_begin(j);
	for (size_t i = 0; i < info->chain_len; i++)
		bc_json_hex(j, info->chain_fingerprints[i], 32);
	bc_json_array_end(j);
	bc_json_key(j, "anchor");
	if (info->chain_len) {
		bc_json_object_begin(j);
		json_text(j, "subject", info->anchor_subject);
		json_text(j, "file", info->anchor_file);
		bc_json_object_end(j);
	} else {
		bc_json_null(j);
	}
	bc_json_object_end(j);
}

/* One line "label: untrusted text", escaped. */
static void text_line(bc_buf *out, const char *label, const char *value)
{
	char escaped[1024];
	bc_buf_printf(out, "%-14s%s\n", label, bc_text_escaped(value, escaped, sizeof(escaped)));
}

static void text_checked(bc_buf *out, const checked *c)
{
	const bc_ek_cert_info *info = &c->info;
	char line[1024], from[32], until[32], hex[65];
	if (c->nv)
		bc_buf_printf(out, "%-14s0x%08x (%s, template %s)\n", "certificate:", c->nv->index,
			      bc_ek_template_name(c->nv->template_id),
			      bc_ek_template_label(c->nv->template_id));
	else
		text_line(out, "certificate:", opt.cert);
	snprintf(line, sizeof(line), "%s: %s", bc_ek_cert_verdict_name(c->verdict), c->why);
	text_line(out, "verdict:", line);
	if (!info->parsed)
		return;
	if (c->nv)
		text_line(out, "matches ek:",
			  c->nv->matches_ek ? "yes"
					    : "NO: its key is not the TPM's EK of the template");
	text_line(out, "subject:", info->subject);
	text_line(out, "issuer:", info->issuer);
	text_line(out, "manufacturer:", info->manufacturer);
	text_line(out, "model:", info->model);
	text_line(out, "version:", info->version);
	text_line(out, "ek eku:", info->has_ek_eku ? "yes (2.23.133.8.1)" : "no");
	format_time(info->not_before, from, sizeof(from));
	format_time(info->not_after, until, sizeof(until));
	bc_buf_printf(out, "%-14s%s to %s\n", "valid:", from, until);
	bc_buf_printf(out, "%-14s%s\n", "sha256:", bc_hex_encode(info->fingerprint, 32, hex));
	for (size_t i = 0; i < info->chain_len; i++)
		bc_buf_printf(out, "%-14s%zu %s%s\n", i ? "" : "chain:", i,
			      bc_hex_encode(info->chain_fingerprints[i], 32, hex),
			      i + 1 == info->chain_len ? " (anchor)" : "");
	if (info->chain_len) {
		snprintf(line, sizeof(line), "%s (%s)", info->anchor_subject, info->anchor_file);
		text_line(out, "anchor:", line);
	}
}

static int print_checked(const char *cmd, const checked *list, size_t count)
{
	_cleanup_(bc_buf_free) bc_buf out = {.data = NULL};
	bool all = count > 0;
	for (size_t i = 0; i < count; i++)
		all &= is_trusted(&list[i]);
	bc_buf_init(&out, CLI_JSON_MAX);
	if (opt.json) {
		bc_json j;
		bc_json_init(&j, &out);
		bc_json_object_begin(&j);
		bc_json_key(&j, "trusted");
		bc_json_bool(&j, all);
		bc_json_key(&j, "certificates");
		bc_json_array_begin(&j);
		for (size_t i = 0; i < count; i++)
			json_checked(&j, &list[i]);
		bc_json_array_end(&j);
		bc_json_object_end(&j);
		return cli_emit_json(cmd, &out);
	}
	for (size_t i = 0; i < count; i++) {
		if (i)
			bc_buf_putc(&out, '\n');
		text_checked(&out, &list[i]);
	}
	return cli_emit_text(cmd, &out);
}

/* The outcome: 0 when every certificate is trusted, else 3 with the reasons. */
static int report(const char *cmd, const checked *list, size_t count)
{
	int rc = print_checked(cmd, list, count);
	char escaped[600];
	if (rc)
		return rc;
	for (size_t i = 0; i < count; i++) {
		const checked *c = &list[i];
		char what[32] = "";
		if (c->nv)
			snprintf(what, sizeof(what), "0x%08x: ", c->nv->index);
		if (c->verdict != BC_EK_CERT_TRUSTED)
			cli_error(cmd, "%snot trusted: %s: %s", what,
				  bc_ek_cert_verdict_name(c->verdict),
				  bc_text_escaped(c->why, escaped, sizeof(escaped)));
		else if (!is_trusted(c))
			cli_error(
			    cmd, "%snot trusted: its public key is not the TPM's EK of template %s",
			    what, bc_ek_template_label(c->nv->template_id));
		if (!is_trusted(c))
			rc = BC_EXIT_MISMATCH;
	}
	return rc;
}

static int verify_file(const char *cmd, const bc_ca_store *store)
{
	_cleanup_free_ uint8_t *data = NULL;
	size_t size = 0;
	bc_error err = {0};
	checked c = {.nv = NULL};
	char escaped[512];
	bc_status s =
	    cli_is_stdio(opt.cert)
		? bc_read_fd(STDIN_FILENO, "standard input", CERT_FILE_MAX, &data, &size, &err)
		: bc_read_file(opt.cert, CERT_FILE_MAX, &data, &size, &err);
	if (s != BC_OK)
		return cli_fail(cmd, &err);
	if (bc_ek_cert_verify(store, data, size, NULL, NULL, 0, opt.at, &c.verdict, &c.info, c.why,
			      sizeof(c.why), &err) != BC_OK)
		return cli_fail(cmd, &err);
	if (!c.info.parsed) {
		cli_error(cmd, "%s: not an X.509 certificate (DER or PEM)",
			  cli_is_stdio(opt.cert)
			      ? "standard input"
			      : bc_text_escaped(opt.cert, escaped, sizeof(escaped)));
		return BC_EXIT_ERROR;
	}
	return report(cmd, &c, 1);
}

static int verify_nv(const char *cmd, const bc_ca_store *store)
{
	_cleanup_(bc_tpm_closep) bc_tpm *tpm = NULL;
	bc_ek_nv_certs nv;
	checked list[BC_EK_TEMPLATE_COUNT];
	const uint8_t *helpers[ELEMENTSOF(nv.intermediates)];
	size_t helper_sizes[ELEMENTSOF(nv.intermediates)];
	bc_error err = {0};
	int rc = cli_open_tpm(cmd, opt.tcti, &tpm);
	if (rc)
		return rc;
	if (bc_ek_nv_certs_read(tpm, &nv, &err) != BC_OK)
		return cli_fail(cmd, &err);
	if (nv.count == 0) {
		bc_ek_nv_certs_free(&nv);
		cli_error(cmd, "not trusted: the TPM has no EK certificate in NV");
		return BC_EXIT_MISMATCH;
	}
	for (size_t i = 0; i < nv.intermediate_count; i++) {
		helpers[i] = nv.intermediates[i].der;
		helper_sizes[i] = nv.intermediates[i].size;
	}
	for (size_t i = 0; i < nv.count && rc == 0; i++) {
		checked *c = &list[i];
		*c = (checked){.nv = &nv.certs[i]};
		if (bc_ek_cert_verify(store, c->nv->der, c->nv->size, helpers, helper_sizes,
				      nv.intermediate_count, opt.at, &c->verdict, &c->info, c->why,
				      sizeof(c->why), &err) != BC_OK)
			rc = cli_fail(cmd, &err);
	}
	if (rc == 0)
		rc = report(cmd, list, nv.count);
	bc_ek_nv_certs_free(&nv);
	return rc;
}

int attest_ek_verify(int argc, char **argv)
{
	const char *cmd = "attest ek verify";
	_cleanup_(bc_ca_store_freep) bc_ca_store *store = NULL;
	bool help;
	opt = (typeof(opt)){.cert = NULL};
	int rc = verify_parse(cmd, argc, argv, &help);
	if (rc || help)
		return rc ? rc : (printf("%s%s\n", verify_usage, default_store()), BC_EXIT_OK);
	if ((rc = cli_ca_store_load(cmd, &opt.ca, default_store(), &store)) != 0)
		return rc;
	return opt.cert ? verify_file(cmd, store) : verify_nv(cmd, store);
}
