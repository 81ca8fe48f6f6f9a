/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * tsm-report: one configfs-tsm report through bc_tsm_report(), for the tests.
 *
 *   tsm-report [--root DIR] --inblob HEX --out FILE
 *              [--verify-vcek VCEK [--ask ASK --ark ARK]]
 *
 * HEX is up to 64 bytes, zero-padded to 64. Prints "provider: NAME"; with
 * --verify-vcek it also parses the report as SEV-SNP, verifies it with
 * bc_snp_report_verify() and prints "verified". Exit status: 0, 1 error, 2 usage,
 * 3 verification failed.
 */
#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "attest/keep.h"
#include "util/cleanup.h"
#include "util/file.h"
#include "util/hex.h"

#define PROG "tsm-report"

static struct ctx {
	const char *root, *inblob_hex, *out, *vcek, *ask, *ark;
} ctx;

static void usage(FILE *f)
{
	fprintf(f, "usage: " PROG " [--root DIR] --inblob HEX --out FILE "
		   "[--verify-vcek VCEK [--ask ASK --ark ARK]]\n");
}

static int fail(const bc_error *err)
{
	fprintf(stderr, PROG ": %s\n", bc_error_message(err));
	return err->status == BC_E_MISMATCH ? 3 : 1;
}

static int verify(const uint8_t *report, size_t size)
{
	bc_error err = {.status = BC_OK};
	_cleanup_free_ uint8_t *vcek = NULL;
	_cleanup_free_ uint8_t *ask = NULL;
	_cleanup_free_ uint8_t *ark = NULL;
	size_t vcek_size = 0, ask_size = 0, ark_size = 0;
	bc_snp_report rep;
	if (bc_read_file(ctx.vcek, 1 << 20, &vcek, &vcek_size, &err) != BC_OK ||
	    (ctx.ask && bc_read_file(ctx.ask, 1 << 20, &ask, &ask_size, &err) != BC_OK) ||
	    (ctx.ark && bc_read_file(ctx.ark, 1 << 20, &ark, &ark_size, &err) != BC_OK) ||
	    bc_snp_report_parse(report, size, &rep, &err) != BC_OK ||
	    bc_snp_report_verify(report, size, vcek, vcek_size, ask, ask_size, ark, ark_size,
				 &err) != BC_OK)
		return fail(&err);
	char measurement[2 * sizeof(rep.measurement) + 1];
	printf("version: %u\nmeasurement: %s\ndebug: %s\nverified\n", rep.version,
	       bc_hex_encode(rep.measurement, sizeof(rep.measurement), measurement),
	       bc_snp_policy_debug(rep.policy) ? "yes" : "no");
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"root", required_argument, NULL, 'r'},
	    {"inblob", required_argument, NULL, 'i'},
	    {"out", required_argument, NULL, 'o'},
	    {"verify-vcek", required_argument, NULL, 'v'},
	    {"ask", required_argument, NULL, 'a'},
	    {"ark", required_argument, NULL, 'A'},
	    {NULL, 0, NULL, 0},
	};
	int c;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'r': ctx.root = optarg; break;
		case 'i': ctx.inblob_hex = optarg; break;
		case 'o': ctx.out = optarg; break;
		case 'v': ctx.vcek = optarg; break;
		case 'a': ctx.ask = optarg; break;
		case 'A': ctx.ark = optarg; break;
		default: usage(stderr); return 2;
		}
	}
	if (optind < argc || !ctx.inblob_hex || !ctx.out || (!ctx.ask != !ctx.ark) ||
	    (ctx.ask && !ctx.vcek)) {
		usage(stderr);
		return 2;
	}
	uint8_t inblob[BC_TSM_INBLOB_SIZE] = {0};
	size_t len = 0;
	if (!bc_hex_decode(ctx.inblob_hex, strlen(ctx.inblob_hex), inblob, sizeof(inblob), &len)) {
		fprintf(stderr, PROG ": --inblob: up to %d bytes in hex\n", BC_TSM_INBLOB_SIZE);
		return 2;
	}

	bc_error err = {.status = BC_OK};
	_cleanup_free_ uint8_t *report = NULL;
	size_t size = 0;
	char provider[BC_TSM_PROVIDER_MAX];
	if (bc_tsm_report(ctx.root, inblob, &report, &size, provider, &err) != BC_OK ||
	    bc_write_file_atomic(ctx.out, report, size, 0644, &err) != BC_OK)
		return fail(&err);
	printf("provider: %s\n", provider);
	return ctx.vcek ? verify(report, size) : 0;
}
