/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * tdx-sim: a simulated Intel TDX guest behind a configfs-tsm-like folder (provider
 * "tdx_guest"), for the tests and the demo on machines without TDX. Test keys only.
 *
 *   tdx-sim --root DIR --pki PKI [--event MR:TEXT]... [--unlogged MR:TEXT]...
 *           [--mrtd HEX48] [--td-attributes HEX] [--xfam HEX] [--version 4|5]
 *           [--tee-tcb-svn HEX16] [--pad N] [--once | --daemon] [--pid FILE]
 *
 * PKI is a folder of `dcap-sim certs` (tests/tools/dcap-sign.h). At start it writes
 * DIR/CCEL, the TD's CC event log as the ACPI CCEL table's log area holds it: a TCG
 * crypto-agile log with SHA-384 alone, one EV_IPL event per --event (in order; MR is
 * the MR index, 1 = RTMR0 ... 4 = RTMR3; the digest is SHA-384 of TEXT, which is the
 * event data), followed by N bytes of 0xFF (default 4096): the area's free space.
 * Every RTMR is then the replay of those events from zero; --unlogged also extends
 * MR's RTMR with SHA-384 of TEXT without logging it (a log that no longer replays).
 *
 * It watches DIR with inotify like tests/tools/snp-sim: when an entry folder appears
 * it creates its `generation` (0); when the entry's `inblob` is written and closed, it
 * writes `outblob` (a TD quote of dcap-sim's layout, version 4 or 5, REPORTDATA =
 * inblob, MRTD --mrtd (default 0x33...), TDATTRIBUTES --td-attributes (default 0),
 * XFAM --xfam (default 0xe7), TEE_TCB_SVN --tee-tcb-svn (16 bytes in hex, default
 * DCAP_SIM_TEE_TCB_SVN; byte 0 is the TDX module's SVN, byte 1 its major version), signed with
 * PKI's keys), `provider` ("tdx_guest") and bumps `generation`. SIGTERM or SIGINT stops it; --once
 * after one quote; --daemon detaches once it watches DIR, and --pid names a file that gets its PID.
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "attest/dcap.h"
#include "attest/keep.h"
#include "tests/tools/dcap-sign.h"
#include "tests/tools/tsm-sim.h"
#include "util/hex.h"

#define PROG	     "tdx-sim"
#define MAX_EVENTS   64
#define SHA384_SIZE  48
#define EV_NO_ACTION 0x3
#define EV_IPL	     0xd
#define ALG_SHA384   0x000c

typedef struct sim_event {
	unsigned mr; /* 1 to 4 */
	const char *text;
	bool logged;
} sim_event;

static struct ctx {
	tsm_sim tsm;
	const char *pki;
	dcap_sim sim;
	sim_event events[MAX_EVENTS];
	size_t n_events;
	uint8_t mrtd[48];
	uint64_t td_attributes, xfam;
	uint8_t tee_tcb_svn[16];
	bool has_tee_tcb_svn;
	unsigned version;
	size_t pad;
	uint8_t rtmr[4][SHA384_SIZE];
} ctx = {.xfam = 0xe7, .version = 4, .pad = 4096};

static void usage(FILE *f)
{
	fprintf(f, "usage: " PROG
		   " --root DIR --pki PKI [--event MR:TEXT]... [--unlogged MR:TEXT]...\n"
		   "       [--mrtd HEX48] [--td-attributes HEX] [--xfam HEX] [--version 4|5]\n"
		   "       [--tee-tcb-svn HEX16] [--pad N] [--once | --daemon] [--pid FILE]\n");
}

static bool parse_event(const char *arg, bool logged)
{
	char *end;
	unsigned long mr = strtoul(arg, &end, 10);
	if (end == arg || *end != ':' || mr < 1 || mr > 4 || ctx.n_events == MAX_EVENTS) {
		fprintf(stderr, PROG ": %s: expected MR:TEXT, MR 1 to 4 (at most %d events)\n", arg,
			MAX_EVENTS);
		return false;
	}
	ctx.events[ctx.n_events++] =
	    (sim_event){.mr = (unsigned)mr, .text = end + 1, .logged = logged};
	return true;
}

static bool parse_u64_hex(const char *arg, uint64_t *out, const char *what)
{
	char *end;
	errno = 0;
	*out = strtoull(arg, &end, 16);
	if (errno || !*arg || *end) {
		fprintf(stderr, PROG ": %s: not a hex number: %s\n", what, arg);
		return false;
	}
	return true;
}

static bool parse_options(int argc, char **argv)
{
	static const struct option opts[] = {
	    TSM_SIM_OPTIONS,
	    {"pki", required_argument, NULL, 'k'},
	    {"event", required_argument, NULL, 'e'},
	    {"unlogged", required_argument, NULL, 'u'},
	    {"mrtd", required_argument, NULL, 'm'},
	    {"td-attributes", required_argument, NULL, 'a'},
	    {"xfam", required_argument, NULL, 'x'},
	    {"version", required_argument, NULL, 'v'},
	    {"tee-tcb-svn", required_argument, NULL, 's'},
	    {"pad", required_argument, NULL, 'p'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	bool usage_error = false;
	size_t len = 0;
	int c;
	memset(ctx.mrtd, 0x33, sizeof(ctx.mrtd)); /* dcap-sign.h's default body */
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		if (tsm_sim_option(&ctx.tsm, c, optarg))
			continue;
		switch (c) {
		case 'k': ctx.pki = optarg; break;
		case 'e':
		case 'u':
			if (!parse_event(optarg, c == 'e'))
				return false;
			break;
		case 'm':
			if (strlen(optarg) != 96 ||
			    !bc_hex_decode(optarg, 96, ctx.mrtd, sizeof(ctx.mrtd), &len)) {
				fprintf(stderr, PROG ": --mrtd: expected 96 hex digits\n");
				return false;
			}
			break;
		case 's':
			if (strlen(optarg) != 32 || !bc_hex_decode(optarg, 32, ctx.tee_tcb_svn,
								   sizeof(ctx.tee_tcb_svn), &len)) {
				fprintf(stderr, PROG ": --tee-tcb-svn: expected 32 hex digits\n");
				return false;
			}
			ctx.has_tee_tcb_svn = true;
			break;
		case 'a':
			if (!parse_u64_hex(optarg, &ctx.td_attributes, "--td-attributes"))
				return false;
			break;
		case 'x':
			if (!parse_u64_hex(optarg, &ctx.xfam, "--xfam"))
				return false;
			break;
		case 'v':
			if (strcmp(optarg, "4") != 0 && strcmp(optarg, "5") != 0) {
				fprintf(stderr, PROG ": --version: 4 or 5\n");
				return false;
			}
			ctx.version = (unsigned)(optarg[0] - '0');
			break;
		case 'p': {
			char *end;
			unsigned long v = strtoul(optarg, &end, 10);
			if (!*optarg || *end || v > (1u << 20)) {
				fprintf(stderr, PROG ": --pad: 0 to 1048576\n");
				return false;
			}
			ctx.pad = v;
			break;
		}
		case 'h': usage(stdout); exit(0);
		default: usage(stderr); return false;
		}
	}
	if (optind < argc || !ctx.pki) {
		usage(stderr);
		return false;
	}
	bool ok = tsm_sim_options_done(&ctx.tsm, &usage_error);
	if (usage_error)
		usage(stderr);
	return ok;
}

static void put_u16le(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static void put_u32le(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static void put_u64le(uint8_t *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static bool sha384(const void *data, size_t size, uint8_t out[SHA384_SIZE])
{
	unsigned int len = 0;
	return EVP_Digest(data, size, out, &len, EVP_sha384(), NULL) == 1 && len == SHA384_SIZE;
}

/* The Spec ID event (TCG PC Client PFP, TCG_EfiSpecIdEvent), SHA-384 alone. */
static size_t spec_id_event(uint8_t *p)
{
	static const char signature[16] = "Spec ID Event03";
	uint8_t *data = p + 32;
	memcpy(data, signature, 16);
	put_u32le(data + 16, 0); /* platformClass */
	data[20] = 0;		 /* specVersionMinor */
	data[21] = 2;		 /* specVersionMajor */
	data[22] = 0;		 /* specErrata */
	data[23] = 2;		 /* uintnSize: UINT64 */
	put_u32le(data + 24, 1); /* numberOfAlgorithms */
	put_u16le(data + 28, ALG_SHA384);
	put_u16le(data + 30, SHA384_SIZE);
	data[32] = 0; /* vendorInfoSize */
	const size_t size = 33;
	put_u32le(p, 0); /* PCRIndex */
	put_u32le(p + 4, EV_NO_ACTION);
	memset(p + 8, 0, 20); /* SHA-1 digest */
	put_u32le(p + 28, (uint32_t)size);
	return 32 + size;
}

/* Build the CCEL (written to ROOT/CCEL) and the RTMRs: the replay of every event. */
static bool make_ccel(void)
{
	size_t cap = 128 + ctx.pad;
	for (size_t i = 0; i < ctx.n_events; i++)
		cap += 4 + 4 + 4 + 2 + SHA384_SIZE + 4 + strlen(ctx.events[i].text);
	uint8_t *log = malloc(cap);
	if (!log)
		return false;
	size_t n = spec_id_event(log);
	for (size_t i = 0; i < ctx.n_events; i++) {
		const sim_event *e = &ctx.events[i];
		uint8_t digest[SHA384_SIZE], both[2 * SHA384_SIZE];
		size_t text = strlen(e->text);
		uint8_t *rtmr = ctx.rtmr[e->mr - 1];
		if (!sha384(e->text, text, digest))
			goto fail;
		memcpy(both, rtmr, SHA384_SIZE);
		memcpy(both + SHA384_SIZE, digest, SHA384_SIZE);
		if (!sha384(both, sizeof(both), rtmr))
			goto fail;
		if (!e->logged)
			continue;
		put_u32le(log + n, e->mr);
		put_u32le(log + n + 4, EV_IPL);
		put_u32le(log + n + 8, 1); /* digests */
		put_u16le(log + n + 12, ALG_SHA384);
		memcpy(log + n + 14, digest, SHA384_SIZE);
		put_u32le(log + n + 14 + SHA384_SIZE, (uint32_t)text);
		memcpy(log + n + 18 + SHA384_SIZE, e->text, text);
		n += 18 + SHA384_SIZE + text;
	}
	memset(log + n, 0xff, ctx.pad);
	n += ctx.pad;
	char path[PATH_MAX];
	bool ok = (size_t)snprintf(path, sizeof(path), "%s/CCEL", ctx.tsm.root) < sizeof(path) &&
		  tsm_sim_write_file(path, log, n);
	if (!ok)
		fprintf(stderr, PROG ": %s/CCEL: cannot write\n", ctx.tsm.root);
	free(log);
	return ok;
fail:
	free(log);
	return false;
}

/* The TD report body: dcap-sign.h's default with our fields, at attest/dcap.h's offsets. */
static size_t build_body(uint8_t *body, unsigned type)
{
	size_t size = dcap_sim_default_body(type, body);
	if (ctx.has_tee_tcb_svn)
		memcpy(body, ctx.tee_tcb_svn, sizeof(ctx.tee_tcb_svn));
	put_u64le(body + 120, ctx.td_attributes);
	put_u64le(body + 128, ctx.xfam);
	memcpy(body + 136, ctx.mrtd, sizeof(ctx.mrtd));
	for (int i = 0; i < 4; i++)
		memcpy(body + 328 + 48 * i, ctx.rtmr[i], SHA384_SIZE);
	return size;
}

/* The TD quote over inblob (tsm-sim.h). */
static bool make_report(const uint8_t *inblob, size_t size, uint8_t **report, size_t *report_size)
{
	uint8_t report_data[BC_TSM_INBLOB_SIZE] = {0}, body[BC_DCAP_TD15_BODY_SIZE];
	unsigned type = ctx.version == 5 ? 3 : 2;
	memcpy(report_data, inblob, size);
	dcap_quote_spec spec = {.version = ctx.version,
				.body_type = type,
				.body = body,
				.body_size = build_body(body, type),
				.report_data = report_data};
	return dcap_sim_quote(&ctx.sim, &spec, report, report_size) == 0;
}

int main(int argc, char **argv)
{
	ctx.tsm = (tsm_sim){.prog = PROG, .provider = "tdx_guest", .make_report = make_report};
	if (!parse_options(argc, argv))
		return 2;
	if (dcap_sim_load(&ctx.sim, ctx.pki) < 0 || !make_ccel())
		return 1;
	int status = tsm_sim_run(&ctx.tsm);
	dcap_sim_free(&ctx.sim);
	return status;
}
