/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * hcl-sim: a simulated Azure paravisor, for the tests: the HCL report it would leave in
 * the vTPM's NV index 0x01400001 (layout: attest/keep-azure.h), for the test to write
 * there with tpm2_nvdefine and tpm2_nvwrite.
 *
 *   hcl-sim --ak-public AK.pub --vcek-key KEY.pem --out FILE [--measurement HEX48]
 *           [--policy HEX] [--chip-id HEX64] [--user-data HEX] [--vlek]
 *           [--report-version 2|3|5]
 *
 * AK.pub is the vTPM's AK as `bootchain attest ak create --type rsa --out-public` writes
 * it (a TPM2B_PUBLIC of an RSA key). The runtime data are JSON, as the paravisor writes
 * them: {"keys": [{"kid": "HCLAkPub", "key_ops": ["sign"], "kty": "RSA", "e", "n"}],
 * "vm-configuration": {...}, "user-data": HEX}, with the AK's exponent and modulus in
 * base64url. The SEV-SNP report (version 2, or --report-version; KEY_INFO's signing key
 * 1 with --vlek) carries SHA-256(runtime data) in REPORT_DATA's first 32 bytes and is
 * signed with KEY (ECDSA P-384, SHA-384). Its CHIP_ID and TCB are snp-sim's defaults,
 * which tests/tools/make-snp-certs.sh puts in a VCEK.
 *
 *   hcl-sim --ak-public AK.pub --tdx PKI --quote-out QUOTE --out FILE [--mrtd HEX48]
 *           [--quote-mrtd HEX48] [--user-data HEX]
 *
 * An Azure TDX CVM's instead: report type 4, the slot holding a TDREPORT_STRUCT (layout:
 * keep-azure.h) of the TD of dcap-sign.h's default TD body (MRTD --mrtd), REPORTDATA
 * SHA-256(runtime data) || zeros; and in QUOTE the TD quote Azure's quoting service
 * would make of it (v4, TDX 1.0), signed by the test DCAP PKI in directory PKI
 * (`dcap-sim certs PKI`). --quote-mrtd: a quote of another TD (that MRTD) instead.
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/pem.h>

#include "attest/dcap.h"
#include "attest/keep-azure.h"
#include "attest/keep.h"
#include "attest/tpm-public.h"
#include "tests/tools/dcap-sign.h"
#include "tests/tools/snp-sign.h"
#include "util/cleanup.h"
#include "util/file.h"
#include "util/hex.h"

#define PROG	      "hcl-sim"
#define USER_DATA_MAX 64
#define JSON_MAX      4096

static struct ctx {
	const char *ak_path, *key_path, *out;
	const char *tdx_pki, *quote_out; /* --tdx */
	uint8_t mrtd[48], quote_mrtd[48];
	bool has_mrtd, has_quote_mrtd;
	snp_report_params report; /* but for REPORT_DATA */
	uint8_t user_data[USER_DATA_MAX];
	size_t user_data_size;
} ctx = {.user_data_size = USER_DATA_MAX};

static void usage(FILE *f)
{
	fprintf(f, "usage: " PROG " --ak-public AK.pub --vcek-key KEY.pem --out FILE "
		   "[--measurement HEX48]\n"
		   "       [--policy HEX] [--chip-id HEX64] [--user-data HEX] [--vlek] "
		   "[--report-version 2|3|5]\n"
		   "       " PROG " --ak-public AK.pub --tdx PKI --quote-out QUOTE --out FILE "
		   "[--mrtd HEX48]\n"
		   "       [--quote-mrtd HEX48] [--user-data HEX]\n");
}

/* At most size bytes in hex (--user-data). */
static bool parse_hex(const char *hex, uint8_t *out, size_t size, size_t *got, const char *what)
{
	size_t len = strlen(hex);
	if (len > 2 * size || len % 2 || !bc_hex_decode(hex, len, out, size, got)) {
		fprintf(stderr, PROG ": %s: expected at most %zu hex digits\n", what, 2 * size);
		return false;
	}
	return true;
}

/* Exactly 48 bytes in hex (--mrtd, --quote-mrtd). */
static bool parse_mrtd(const char *hex, uint8_t out[48], const char *what)
{
	size_t got = 0;
	if (!parse_hex(hex, out, 48, &got, what))
		return false;
	if (got != 48) {
		fprintf(stderr, PROG ": %s: expected 96 hex digits\n", what);
		return false;
	}
	return true;
}

static bool parse_options(int argc, char **argv)
{
	static const struct option opts[] = {
	    SNP_SIM_REPORT_OPTIONS,
	    {"ak-public", required_argument, NULL, 'a'},
	    {"vcek-key", required_argument, NULL, 'k'},
	    {"out", required_argument, NULL, 'o'},
	    {"user-data", required_argument, NULL, 'u'},
	    {"tdx", required_argument, NULL, 't'},
	    {"quote-out", required_argument, NULL, 'q'},
	    {"mrtd", required_argument, NULL, 'M'},
	    {"quote-mrtd", required_argument, NULL, 'Q'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	bool ok = true;
	int c;
	snp_sim_default_params(&ctx.report);
	while (ok && (c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		bool bad = false;
		if (snp_sim_report_option(PROG, c, optarg, &ctx.report, &bad)) {
			ok = !bad;
			continue;
		}
		switch (c) {
		case 'a': ctx.ak_path = optarg; break;
		case 'k': ctx.key_path = optarg; break;
		case 'o': ctx.out = optarg; break;
		case 'u':
			ok = parse_hex(optarg, ctx.user_data, USER_DATA_MAX, &ctx.user_data_size,
				       "--user-data");
			break;
		case 't': ctx.tdx_pki = optarg; break;
		case 'q': ctx.quote_out = optarg; break;
		case 'M': ok = ctx.has_mrtd = parse_mrtd(optarg, ctx.mrtd, "--mrtd"); break;
		case 'Q':
			ok = ctx.has_quote_mrtd =
			    parse_mrtd(optarg, ctx.quote_mrtd, "--quote-mrtd");
			break;
		case 'h': usage(stdout); exit(0);
		default: usage(stderr); return false;
		}
	}
	if (ok && (optind < argc || !ctx.ak_path || !ctx.out ||
		   (ctx.tdx_pki ? !ctx.quote_out : !ctx.key_path))) {
		usage(stderr);
		return false;
	}
	return ok;
}

/* base64url without padding (RFC 7515, appendix C) */
static void base64url(const uint8_t *p, size_t n, char *out)
{
	static const char abc[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
	size_t o = 0;
	for (size_t i = 0; i < n; i += 3) {
		uint32_t v = (uint32_t)p[i] << 16;
		if (i + 1 < n)
			v |= (uint32_t)p[i + 1] << 8;
		if (i + 2 < n)
			v |= p[i + 2];
		out[o++] = abc[(v >> 18) & 63];
		out[o++] = abc[(v >> 12) & 63];
		if (i + 1 < n)
			out[o++] = abc[(v >> 6) & 63];
		if (i + 2 < n)
			out[o++] = abc[v & 63];
	}
	out[o] = '\0';
}

/* The runtime data JSON for the AK (an RSA TPMT_PUBLIC); its length, or 0. */
static size_t runtime_data(const TPMT_PUBLIC *ak, char *json, size_t cap)
{
	uint32_t exponent =
	    ak->parameters.rsaDetail.exponent ? ak->parameters.rsaDetail.exponent : 65537;
	uint8_t e[4] = {(uint8_t)(exponent >> 24), (uint8_t)(exponent >> 16),
			(uint8_t)(exponent >> 8), (uint8_t)exponent};
	size_t skip = 0;
	while (skip < 3 && e[skip] == 0)
		skip++;
	char e64[8], n64[4 * TPM2_MAX_RSA_KEY_BYTES / 3 + 4];
	char user[2 * USER_DATA_MAX + 1];
	base64url(e + skip, 4 - skip, e64);
	base64url(ak->unique.rsa.buffer, ak->unique.rsa.size, n64);
	bc_hex_encode(ctx.user_data, ctx.user_data_size, user);
	int n = snprintf(json, cap,
			 "{\"keys\":[{\"e\":\"%s\",\"key_ops\":[\"sign\"],\"kid\":\"HCLAkPub\","
			 "\"kty\":\"RSA\",\"n\":\"%s\"}],\"vm-configuration\":{\"console-enabled\":"
			 "true,\"root-cert-thumbprint\":\"\",\"secure-boot\":true,\"tpm-enabled\":"
			 "true,\"tpm-persisted\":true,\"vmUniqueId\":\"00000000-0000-4000-8000-"
			 "000000000001\"},\"user-data\":\"%s\"}",
			 e64, n64, user);
	return n > 0 && (size_t)n < cap ? (size_t)n : 0;
}

static void put_u32(uint8_t *p, uint32_t v)
{
	snp_put_u32le(p, v);
}

/* The TD body's fields in a TDREPORT_STRUCT (TEE_TCB_INFO at 256, TDINFO at 512). */
static void build_tdreport(uint8_t *tdr, const uint8_t *body, const uint8_t report_data[64])
{
	tdr[0] = 0x81; /* REPORTTYPE: TDX */
	memcpy(tdr + BC_AZURE_TDREPORT_REPORT_DATA, report_data, 64);
	memset(tdr + 256, 0xff, 8);		/* TEE_TCB_INFO.VALID */
	memcpy(tdr + 256 + 8, body, 16);	/* TEE_TCB_SVN */
	memcpy(tdr + 256 + 24, body + 16, 96);	/* MRSEAM, MRSIGNERSEAM */
	memcpy(tdr + 256 + 120, body + 112, 8); /* ATTRIBUTES */
	/* TDINFO: ATTRIBUTES, XFAM, MRTD, MRCONFIGID, MROWNER, MROWNERCONFIG, RTMR0-3 */
	memcpy(tdr + 512, body + 120, 8 + 8 + 4 * 48 + 4 * 48);
}

/* The TDREPORT in the slot and its TD quote in ctx.quote_out; 0 or 1. */
static int tdx_report(uint8_t *slot, const uint8_t digest[32])
{
	uint8_t report_data[64] = {0}, body[BC_DCAP_TD10_BODY_SIZE];
	dcap_sim sim = {0};
	_cleanup_free_ uint8_t *quote = NULL;
	size_t quote_size = 0;
	bc_error err = {0};
	memcpy(report_data, digest, 32);
	dcap_sim_default_body(BC_DCAP_BODY_TD10, body);
	if (ctx.has_mrtd)
		memcpy(body + 136, ctx.mrtd, 48);
	build_tdreport(slot, body, report_data);
	if (ctx.has_quote_mrtd) /* the quote of another TD */
		memcpy(body + 136, ctx.quote_mrtd, 48);
	dcap_quote_spec spec = {.version = 4,
				.body_type = BC_DCAP_BODY_TD10,
				.body = body,
				.body_size = sizeof(body),
				.report_data = report_data};
	int rc =
	    dcap_sim_load(&sim, ctx.tdx_pki) || dcap_sim_quote(&sim, &spec, &quote, &quote_size);
	dcap_sim_free(&sim);
	if (rc) {
		fprintf(stderr, PROG ": cannot make the TD quote with the PKI in %s\n",
			ctx.tdx_pki);
		return 1;
	}
	if (bc_write_file_atomic(ctx.quote_out, quote, quote_size, 0644, &err) != BC_OK) {
		fprintf(stderr, PROG ": %s\n", bc_error_message(&err));
		return 1;
	}
	return 0;
}

/* The SEV-SNP report in the slot, over SHA-256(runtime data); 0 or 1. */
static int snp_report(uint8_t *slot, const uint8_t digest[32], EVP_PKEY *key)
{
	snp_report_params p = ctx.report;
	memcpy(p.report_data, digest, 32);
	snp_build_report(slot, &p);
	if (snp_sign_report(slot, key) < 0) {
		fprintf(stderr, PROG ": cannot sign the report with %s\n", ctx.key_path);
		return 1;
	}
	return 0;
}

static int build(const TPMT_PUBLIC *ak, EVP_PKEY *key)
{
	char json[JSON_MAX];
	size_t json_size = runtime_data(ak, json, sizeof(json));
	if (!json_size) {
		fprintf(stderr, PROG ": the runtime data do not fit in %d bytes\n", JSON_MAX);
		return 1;
	}
	size_t total = BC_AZURE_HCL_RUNTIME_OFFSET + BC_AZURE_HCL_RUNTIME_HDR_SIZE + json_size;
	_cleanup_free_ uint8_t *hcl = calloc(1, total);
	if (!hcl)
		return 1;
	/* the attestation header */
	put_u32(hcl + 0x00, BC_AZURE_HCL_SIGNATURE);
	put_u32(hcl + 0x04, 2); /* version */
	put_u32(hcl + 0x08, (uint32_t)total);
	put_u32(hcl + 0x0c, BC_AZURE_HCL_REQUEST_AK_CERT);
	put_u32(hcl + 0x10, 0); /* status */
	/* the hardware report over SHA-256(runtime data) */
	uint8_t digest[32];
	if (EVP_Digest(json, json_size, digest, NULL, EVP_sha256(), NULL) != 1)
		return 1;
	uint8_t *slot = hcl + BC_AZURE_HCL_HEADER_SIZE;
	if (ctx.tdx_pki ? tdx_report(slot, digest) : snp_report(slot, digest, key))
		return 1;
	/* the runtime data header and data */
	uint8_t *rt = hcl + BC_AZURE_HCL_RUNTIME_OFFSET;
	put_u32(rt + 0, (uint32_t)(BC_AZURE_HCL_RUNTIME_HDR_SIZE + json_size)); /* data_size */
	put_u32(rt + 4, 1);							/* version */
	put_u32(rt + 8, ctx.tdx_pki ? BC_AZURE_HCL_REPORT_TYPE_TDX : BC_AZURE_HCL_REPORT_TYPE_SNP);
	put_u32(rt + 12, BC_AZURE_HCL_HASH_SHA256);
	put_u32(rt + 16, (uint32_t)json_size);
	memcpy(rt + BC_AZURE_HCL_RUNTIME_HDR_SIZE, json, json_size);
	bc_error err = {0};
	if (bc_write_file_atomic(ctx.out, hcl, total, 0644, &err) != BC_OK) {
		fprintf(stderr, PROG ": %s\n", bc_error_message(&err));
		return 1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	bc_error err = {0};
	_cleanup_free_ uint8_t *ak_data = NULL;
	size_t ak_size = 0;
	TPM2B_PUBLIC ak;
	if (!parse_options(argc, argv))
		return 2;
	if (bc_read_file(ctx.ak_path, 4096, &ak_data, &ak_size, &err) != BC_OK ||
	    bc_tpm_public_unmarshal(ak_data, ak_size, ctx.ak_path, &ak, &err) != BC_OK) {
		fprintf(stderr, PROG ": %s\n", bc_error_message(&err));
		return 1;
	}
	if (ak.publicArea.type != TPM2_ALG_RSA) {
		fprintf(stderr, PROG ": %s: not an RSA key (the vTPM's AK is RSA)\n", ctx.ak_path);
		return 1;
	}
	if (ctx.tdx_pki)
		return build(&ak.publicArea, NULL);
	FILE *f = fopen(ctx.key_path, "r");
	if (!f) {
		fprintf(stderr, PROG ": %s: %s\n", ctx.key_path, strerror(errno));
		return 1;
	}
	EVP_PKEY *key = PEM_read_PrivateKey(f, NULL, NULL, NULL);
	fclose(f);
	if (!key || !EVP_PKEY_is_a(key, "EC")) {
		fprintf(stderr, PROG ": %s: not an EC private key in PEM\n", ctx.key_path);
		EVP_PKEY_free(key);
		return 1;
	}
	int status = build(&ak.publicArea, key);
	EVP_PKEY_free(key);
	return status;
}
