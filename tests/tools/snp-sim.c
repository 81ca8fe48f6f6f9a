/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * snp-sim: a simulated AMD SEV-SNP provider behind a configfs-tsm-like folder, for the
 * tests and the demo on machines without SEV-SNP.
 *
 *   snp-sim --root DIR --vcek-key KEY.pem [--measurement HEX48] [--policy HEX]
 *           [--chip-id HEX64] [--report-version 2|3|5] [--cpuid HEX6] [--tcb HEX]
 *           [--vlek] [--generation-step N] [--once | --daemon] [--pid FILE]
 *
 * It watches DIR with inotify (tests/tools/tsm-sim.c). When an entry folder appears
 * it creates its `generation` (0); when the entry's `inblob` is written and closed, it
 * writes `outblob` (an SEV-SNP ATTESTATION_REPORT, version 2, REPORT_DATA = inblob,
 * signed with KEY: ECDSA P-384, SHA-384), `provider` ("sev_guest") and then bumps
 * `generation` (by N, default 1: 2 emulates another writer racing the client). Its
 * CHIP_ID is --chip-id, default the test chip (bytes 0xc0 to 0xff), and its TCB is
 * SNP_SIM_TCB (snp-sign.h): what tests/tools/make-snp-certs.sh puts in a VCEK by
 * default. The client removes the entry. SIGTERM or SIGINT stops it cleanly; --once
 * stops it after one report; --daemon detaches once it watches DIR, and --pid names a
 * file that gets its PID then (removed at exit).
 *
 * --report-version makes reports of version 3 or 5 (3 adds the CPUID family, model and
 * stepping, --cpuid, default 19 01 01, a Milan part; 5 the mitigation vectors);
 * --tcb sets the TCB_VERSION (hex, the four TCBs of the report) for another TCB or a
 * Turin layout; --vlek sets KEY_INFO's signing key to 1: KEY.pem is then a VLEK's key
 * (make-snp-certs.sh --vlek).
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/pem.h>

#include "attest/keep.h"
#include "tests/tools/snp-sign.h"
#include "tests/tools/tsm-sim.h"
#include "util/cleanup.h"
#include "util/hex.h"

#define PROG "snp-sim"

static struct ctx {
	tsm_sim tsm;
	const char *key_path;
	EVP_PKEY *key;
	snp_report_params report; /* but for REPORT_DATA */
} ctx;

static void usage(FILE *f)
{
	fprintf(f, "usage: " PROG " --root DIR --vcek-key KEY.pem [--measurement HEX48] "
		   "[--policy HEX]\n"
		   "       [--chip-id HEX64] [--report-version 2|3|5] [--cpuid HEX6] [--tcb HEX]\n"
		   "       [--vlek] [--generation-step N] [--once | --daemon] [--pid FILE]\n");
}

static bool parse_generation_step(const char *arg)
{
	char *end;
	errno = 0;
	unsigned long v = strtoul(arg, &end, 10);
	if (errno || !*arg || *end || v == 0 || v > 1000) {
		fprintf(stderr, PROG ": --generation-step: 1 to 1000\n");
		return false;
	}
	ctx.tsm.step = (unsigned)v;
	return true;
}

static bool parse_options(int argc, char **argv)
{
	static const struct option opts[] = {
	    TSM_SIM_OPTIONS,
	    SNP_SIM_REPORT_OPTIONS,
	    {"vcek-key", required_argument, NULL, 'k'},
	    {"generation-step", required_argument, NULL, 'g'},
	    {"cpuid", required_argument, NULL, 'C'},
	    {"tcb", required_argument, NULL, 'T'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	snp_report_params *r = &ctx.report;
	bool ok = true, usage_error = false;
	int c;
	snp_sim_default_params(r);
	while (ok && (c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		bool bad = false;
		if (tsm_sim_option(&ctx.tsm, c, optarg) ||
		    snp_sim_report_option(PROG, c, optarg, r, &bad)) {
			ok = !bad;
			continue;
		}
		switch (c) {
		case 'k': ctx.key_path = optarg; break;
		case 'g': ok = parse_generation_step(optarg); break;
		case 'C':
			ok = snp_sim_parse_hex(PROG, "--cpuid", optarg, r->cpuid, sizeof(r->cpuid));
			break;
		case 'T': ok = snp_sim_parse_u64(PROG, "--tcb", optarg, &r->tcb); break;
		case 'h': usage(stdout); exit(0);
		default: usage(stderr); return false;
		}
	}
	if (!ok)
		return false;
	if (optind < argc || !ctx.key_path) {
		usage(stderr);
		return false;
	}
	ok = tsm_sim_options_done(&ctx.tsm, &usage_error);
	if (usage_error)
		usage(stderr);
	return ok;
}

static bool load_key(void)
{
	FILE *f = fopen(ctx.key_path, "r");
	if (!f) {
		fprintf(stderr, PROG ": %s: %s\n", ctx.key_path, strerror(errno));
		return false;
	}
	ctx.key = PEM_read_PrivateKey(f, NULL, NULL, NULL);
	fclose(f);
	if (!ctx.key || !EVP_PKEY_is_a(ctx.key, "EC")) {
		fprintf(stderr, PROG ": %s: not an EC private key in PEM\n", ctx.key_path);
		return false;
	}
	return true;
}

/* The report over inblob, signed (tsm-sim.h). */
static bool make_report(const uint8_t *inblob, size_t size, uint8_t **report, size_t *report_size)
{
	if (!(*report = malloc(BC_SNP_REPORT_SIZE)))
		return false;
	snp_report_params p = ctx.report;
	memcpy(p.report_data, inblob, size);
	snp_build_report(*report, &p);
	if (snp_sign_report(*report, ctx.key) < 0) {
		fprintf(stderr, PROG ": cannot sign the report with %s\n", ctx.key_path);
		free(*report);
		*report = NULL;
		return false;
	}
	*report_size = BC_SNP_REPORT_SIZE;
	return true;
}

int main(int argc, char **argv)
{
	ctx.tsm = (tsm_sim){.prog = PROG, .provider = "sev_guest", .make_report = make_report};
	if (!parse_options(argc, argv))
		return 2;
	if (!load_key())
		return 1;
	int status = tsm_sim_run(&ctx.tsm);
	EVP_PKEY_free(ctx.key);
	return status;
}
