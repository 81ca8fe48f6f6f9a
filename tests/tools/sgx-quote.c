/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * SGX enclave quotes (DCAP quote v3) made with test keys, for
 * tests/integration/attest/keep-sgx.sh: what an enclave's host gets from Intel's quote
 * library, with the REPORTDATA the test computed itself.
 *
 *   sgx-quote init DIR
 *       a test PKI (tests/tools/dcap-sign.h) in DIR, and its collateral for SGX:
 *       DIR/tcb-info.json (id "SGX") and DIR/qe-identity.json (id "QE")
 *   sgx-quote quote DIR --report-data HEX64 --out QUOTE [--mrenclave HEX32]
 *       [--mrsigner HEX32] [--isvprodid N] [--isvsvn N] [--debug] [--swap-att-key]
 *       a quote of an enclave signed with DIR's keys; --swap-att-key: the quote carries
 *       and is signed by another attestation key than the one the QE report vouches
 *       for (the QE report is left as it was)
 *
 * Exit 0, or 1 with a message on stderr.
 */
#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "attest/dcap.h"
#include "dcap-sign.h"
#include "util/hex.h"

/* Offsets of the SGX report body (attest/dcap.h) and of the v3 signature data. */
#define BODY_ATTRIBUTES 48
#define BODY_MRENCLAVE	64
#define BODY_MRSIGNER	128
#define BODY_ISVPRODID	256
#define BODY_ISVSVN	258
#define ATT_KEY_OFFSET	(BC_DCAP_HEADER_SIZE + BC_DCAP_SGX_BODY_SIZE + 4 + BC_DCAP_SIG_SIZE)

static int usage(void)
{
	fputs("usage: sgx-quote init DIR\n"
	      "       sgx-quote quote DIR --report-data HEX64 --out QUOTE [--mrenclave HEX32]\n"
	      "             [--mrsigner HEX32] [--isvprodid N] [--isvsvn N] [--debug]\n"
	      "             [--swap-att-key]\n",
	      stderr);
	return 1;
}

static int write_file(const char *path, const void *data, size_t size)
{
	FILE *f = fopen(path, "wb");
	int ok = f && fwrite(data, 1, size, f) == size;
	if (f && fclose(f) != 0)
		ok = 0;
	if (!ok)
		fprintf(stderr, "sgx-quote: %s: cannot write\n", path);
	return ok ? 0 : -1;
}

static int write_text(const char *dir, const char *name, const char *text)
{
	char path[4096];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	return write_file(path, text, strlen(text));
}

static int cmd_init(const char *dir)
{
	dcap_sim s;
	char *tcb = NULL, *qe = NULL;
	dcap_collateral_spec tcb_spec = {.id = "SGX"}, qe_spec = {.id = "QE", .version = 2};
	int rc = dcap_sim_init(&s) || dcap_sim_save(&s, dir) ||
		 dcap_sim_tcb_info(&s, &tcb_spec, &tcb) ||
		 dcap_sim_qe_identity(&s, &qe_spec, &qe) || write_text(dir, "tcb-info.json", tcb) ||
		 write_text(dir, "qe-identity.json", qe);
	free(tcb);
	free(qe);
	dcap_sim_free(&s);
	return rc ? 1 : 0;
}

static int hex_arg(const char *name, const char *hex, uint8_t *out, size_t size)
{
	size_t n = 0;
	if (!bc_hex_decode(hex, strlen(hex), out, size, &n) || n != size) {
		fprintf(stderr, "sgx-quote: %s: expected %zu bytes in hex\n", name, size);
		return -1;
	}
	return 0;
}

static void put_u16le(uint8_t *p, unsigned v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

/* x || y of an EC P-256 key, as the quote holds the attestation key. */
static int ec_xy(EVP_PKEY *key, uint8_t out[64])
{
	uint8_t point[65];
	size_t n = 0;
	if (!EVP_PKEY_get_octet_string_param(key, "encoded-pub-key", point, sizeof(point), &n) ||
	    n != 65 || point[0] != 4) {
		fputs("sgx-quote: cannot read the attestation key\n", stderr);
		return -1;
	}
	memcpy(out, point + 1, 64);
	return 0;
}

/* Put another attestation key in the quote and sign it with that key: the QE report
 * still vouches for the first. */
static int swap_att_key(dcap_sim *s, uint8_t *quote, size_t size)
{
	EVP_PKEY *other = EVP_EC_gen("P-256");
	if (!other || size < ATT_KEY_OFFSET + 64 || ec_xy(other, quote + ATT_KEY_OFFSET)) {
		EVP_PKEY_free(other);
		return -1;
	}
	EVP_PKEY_free(s->att_key);
	s->att_key = other;
	return dcap_sim_resign_quote(s, quote, size);
}

typedef struct quote_args {
	const char *dir, *out;
	uint8_t report_data[64];
	bool has_report_data, debug, swap;
	uint8_t body[BC_DCAP_SGX_BODY_SIZE];
} quote_args;

static int parse_quote_args(int argc, char **argv, quote_args *a)
{
	static const struct option opts[] = {{"report-data", required_argument, NULL, 'r'},
					     {"out", required_argument, NULL, 'o'},
					     {"mrenclave", required_argument, NULL, 'e'},
					     {"mrsigner", required_argument, NULL, 's'},
					     {"isvprodid", required_argument, NULL, 'p'},
					     {"isvsvn", required_argument, NULL, 'v'},
					     {"debug", no_argument, NULL, 'd'},
					     {"swap-att-key", no_argument, NULL, 'k'},
					     {NULL, 0, NULL, 0}};
	int c;
	dcap_sim_default_body(BC_DCAP_BODY_SGX, a->body);
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'r':
			if (hex_arg("--report-data", optarg, a->report_data, 64))
				return -1;
			a->has_report_data = true;
			break;
		case 'o': a->out = optarg; break;
		case 'e':
			if (hex_arg("--mrenclave", optarg, a->body + BODY_MRENCLAVE, 32))
				return -1;
			break;
		case 's':
			if (hex_arg("--mrsigner", optarg, a->body + BODY_MRSIGNER, 32))
				return -1;
			break;
		case 'p':
			put_u16le(a->body + BODY_ISVPRODID, (unsigned)strtoul(optarg, NULL, 0));
			break;
		case 'v':
			put_u16le(a->body + BODY_ISVSVN, (unsigned)strtoul(optarg, NULL, 0));
			break;
		case 'd': a->debug = true; break;
		case 'k': a->swap = true; break;
		default: return -1;
		}
	}
	if (optind != argc - 1 || !a->out || !a->has_report_data)
		return -1;
	a->dir = argv[optind];
	if (a->debug) /* ATTRIBUTES.FLAGS is a u64 LE: DEBUG is bit 1 of its first byte */
		a->body[BODY_ATTRIBUTES] |= (uint8_t)BC_SGX_ATTR_DEBUG;
	return 0;
}

static int cmd_quote(int argc, char **argv)
{
	quote_args a = {0};
	dcap_sim s;
	uint8_t *quote = NULL;
	size_t size = 0;
	if (parse_quote_args(argc, argv, &a))
		return usage();
	if (dcap_sim_load(&s, a.dir))
		return 1;
	dcap_quote_spec spec = {.version = 3,
				.body_type = BC_DCAP_BODY_SGX,
				.body = a.body,
				.body_size = sizeof(a.body),
				.report_data = a.report_data};
	int rc = dcap_sim_quote(&s, &spec, &quote, &size) ||
		 (a.swap && swap_att_key(&s, quote, size)) || write_file(a.out, quote, size);
	free(quote);
	dcap_sim_free(&s);
	return rc ? 1 : 0;
}

int main(int argc, char **argv)
{
	if (argc == 3 && !strcmp(argv[1], "init"))
		return cmd_init(argv[2]);
	if (argc > 2 && !strcmp(argv[1], "quote"))
		return cmd_quote(argc - 1, argv + 1);
	return usage();
}
