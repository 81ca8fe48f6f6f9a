/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * dcap-sim: a test Intel DCAP PKI, quotes and collateral, for the tests and the demo on
 * machines without SGX or TDX (test keys only: nothing here verifies to Intel's root).
 *
 *   dcap-sim certs DIR
 *       a new PKI in DIR (see tests/tools/dcap-sign.h for the files): root.pem is the
 *       root to pin, pck-chain.pem, tcb-chain.pem, pck-crl.der and root-crl.der the
 *       rest a verifier reads
 *   dcap-sim revoke DIR [--root] SERIAL...
 *       reissue pck-crl.der (root-crl.der with --root) listing SERIALs (the PCK is
 *       serial 4, the PCK CA 2, the TCB signing certificate 3)
 *   dcap-sim quote DIR [--version 3|4|5] [--body-type 1|2|3] [--body FILE]
 *       [--report-data HEX128] [--qe-isvsvn N] [-o FILE]
 *       a signed quote (default v4, TDX 1.0, the default body of dcap-sign.h)
 *   dcap-sim tcb-info DIR [--id SGX|TDX] [--version 2|3] [--levels JSON]
 *       [--module-identities JSON] [--expired] [--bad-signature] [-o FILE]
 *       --module-identities: the JSON array of tdxModuleIdentities (TDX only)
 *   dcap-sim qe-identity DIR [--id QE|TD_QE] [--levels JSON] [--expired]
 *       [--bad-signature] [-o FILE]
 * Output goes to FILE or standard output. Exit status 0, 1 on failure, 2 on usage.
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tests/tools/dcap-sign.h"
#include "util/file.h"
#include "util/hex.h"

#define PROG "dcap-sim"
#define DAY  (24L * 3600)

static void usage(FILE *f)
{
	fprintf(f, "usage: " PROG " certs DIR\n"
		   "       " PROG " revoke DIR [--root] SERIAL...\n"
		   "       " PROG " quote DIR [--version 3|4|5] [--body-type 1|2|3] [--body FILE]\n"
		   "                [--report-data HEX128] [--qe-isvsvn N] [-o FILE]\n"
		   "       " PROG " tcb-info DIR [--id SGX|TDX] [--version 2|3] [--levels JSON]\n"
		   "                [--module-identities JSON] [--expired] [--bad-signature]\n"
		   "                [-o FILE]\n"
		   "       " PROG " qe-identity DIR [--id QE|TD_QE] [--levels JSON] [--expired]\n"
		   "                [--bad-signature] [-o FILE]\n");
}

static struct ctx {
	const char *out;
	unsigned version, body_type, qe_isvsvn;
	const char *body_path, *id, *levels, *module_identities;
	uint8_t report_data[64];
	bool has_report_data, expired, bad_signature, root;
} ctx;

static int write_out(const void *data, size_t size)
{
	FILE *f = ctx.out ? fopen(ctx.out, "wb") : stdout;
	if (!f) {
		fprintf(stderr, PROG ": %s: %s\n", ctx.out, strerror(errno));
		return 1;
	}
	size_t n = fwrite(data, 1, size, f);
	int rc = (f == stdout ? fflush(f) : fclose(f)) == 0 && n == size ? 0 : 1;
	if (rc)
		fprintf(stderr, PROG ": %s: cannot write\n", ctx.out ? ctx.out : "(stdout)");
	return rc;
}

static bool number(const char *text, unsigned max, unsigned *out)
{
	char *end;
	errno = 0;
	unsigned long v = strtoul(text, &end, 10);
	if (errno || !*text || *end || v > max) {
		fprintf(stderr, PROG ": not a number up to %u: %s\n", max, text);
		return false;
	}
	*out = (unsigned)v;
	return true;
}

static bool parse_options(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"version", required_argument, NULL, 'v'},
	    {"body-type", required_argument, NULL, 't'},
	    {"body", required_argument, NULL, 'b'},
	    {"report-data", required_argument, NULL, 'r'},
	    {"qe-isvsvn", required_argument, NULL, 'q'},
	    {"id", required_argument, NULL, 'i'},
	    {"levels", required_argument, NULL, 'l'},
	    {"module-identities", required_argument, NULL, 'M'},
	    {"expired", no_argument, NULL, 'e'},
	    {"bad-signature", no_argument, NULL, 'x'},
	    {"root", no_argument, NULL, 'R'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	int c;
	size_t len = 0;
	while ((c = getopt_long(argc, argv, "o:h", opts, NULL)) != -1) {
		switch (c) {
		case 'o': ctx.out = optarg; break;
		case 'v':
			if (!number(optarg, 5, &ctx.version))
				return false;
			break;
		case 't':
			if (!number(optarg, 3, &ctx.body_type))
				return false;
			break;
		case 'b': ctx.body_path = optarg; break;
		case 'r':
			if (strlen(optarg) != 128 ||
			    !bc_hex_decode(optarg, 128, ctx.report_data, 64, &len)) {
				fprintf(stderr, PROG ": --report-data: 128 hex digits\n");
				return false;
			}
			ctx.has_report_data = true;
			break;
		case 'q':
			if (!number(optarg, 65535, &ctx.qe_isvsvn))
				return false;
			break;
		case 'i': ctx.id = optarg; break;
		case 'l': ctx.levels = optarg; break;
		case 'M': ctx.module_identities = optarg; break;
		case 'e': ctx.expired = true; break;
		case 'x': ctx.bad_signature = true; break;
		case 'R': ctx.root = true; break;
		case 'h': usage(stdout); exit(0);
		default: return false;
		}
	}
	return true;
}

static int cmd_quote(const dcap_sim *s)
{
	uint8_t *body = NULL, *quote = NULL;
	size_t body_size = 0, size = 0;
	bc_error err;
	if (ctx.body_path && bc_read_file(ctx.body_path, 4096, &body, &body_size, &err) != BC_OK) {
		fprintf(stderr, PROG ": %s\n", bc_error_message(&err));
		return 1;
	}
	dcap_quote_spec spec = {
	    .version = ctx.version,
	    .body_type = ctx.body_type,
	    .body = body,
	    .body_size = body_size,
	    .report_data = ctx.has_report_data ? ctx.report_data : NULL,
	    .qe_isvsvn = (uint16_t)ctx.qe_isvsvn,
	};
	int rc = dcap_sim_quote(s, &spec, &quote, &size) ? 1 : write_out(quote, size);
	free(body);
	free(quote);
	return rc;
}

static int cmd_collateral(const dcap_sim *s, bool tcb_info)
{
	time_t now = time(NULL);
	dcap_collateral_spec c = {
	    .id = ctx.id,
	    .version = ctx.version,
	    .levels = ctx.levels,
	    .module_identities = ctx.module_identities,
	    .bad_signature = ctx.bad_signature,
	    .issue = ctx.expired ? now - 60 * DAY : 0,
	    .next = ctx.expired ? now - 30 * DAY : 0,
	};
	char *text = NULL;
	int rc = tcb_info ? dcap_sim_tcb_info(s, &c, &text) : dcap_sim_qe_identity(s, &c, &text);
	if (rc == 0)
		rc = write_out(text, strlen(text));
	free(text);
	return rc ? 1 : 0;
}

static int cmd_revoke(dcap_sim *s, const char *dir, int n, char **serials)
{
	long list[64];
	if (n > 64) {
		fprintf(stderr, PROG ": at most 64 serial numbers\n");
		return 2;
	}
	for (int i = 0; i < n; i++) {
		unsigned v = 0;
		if (!number(serials[i], 1u << 30, &v))
			return 2;
		list[i] = (long)v;
	}
	return dcap_sim_revoke(s, ctx.root, list, (size_t)n) || dcap_sim_save(s, dir) ? 1 : 0;
}

int main(int argc, char **argv)
{
	if (argc < 3) {
		usage(stderr);
		return 2;
	}
	const char *cmd = argv[1], *dir = argv[2];
	if (!parse_options(argc - 2, argv + 2)) {
		usage(stderr);
		return 2;
	}
	int rest = argc - 2 - optind;
	char **args = argv + 2 + optind;
	dcap_sim s;
	if (strcmp(cmd, "certs") == 0) {
		if (rest) {
			usage(stderr);
			return 2;
		}
		int rc = dcap_sim_init(&s) || dcap_sim_save(&s, dir) ? 1 : 0;
		dcap_sim_free(&s);
		return rc;
	}
	bool known = strcmp(cmd, "quote") == 0 || strcmp(cmd, "tcb-info") == 0 ||
		     strcmp(cmd, "qe-identity") == 0 || strcmp(cmd, "revoke") == 0;
	if (!known || (rest && strcmp(cmd, "revoke") != 0)) {
		usage(stderr);
		return 2;
	}
	if (dcap_sim_load(&s, dir))
		return 1;
	int rc;
	if (strcmp(cmd, "quote") == 0)
		rc = cmd_quote(&s);
	else if (strcmp(cmd, "revoke") == 0)
		rc = cmd_revoke(&s, dir, rest, args);
	else
		rc = cmd_collateral(&s, strcmp(cmd, "tcb-info") == 0);
	dcap_sim_free(&s);
	return rc;
}
