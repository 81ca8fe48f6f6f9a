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
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/pem.h>

#include "attest/keep-azure.h"
#include "attest/keep.h"
#include "attest/tpm-public.h"
#include "tests/tools/snp-sign.h"
#include "util/cleanup.h"
#include "util/file.h"
#include "util/hex.h"

#define PROG	      "hcl-sim"
#define USER_DATA_MAX 64
#define JSON_MAX      4096

static struct ctx {
	const char *ak_path, *key_path, *out;
	snp_report_params report; /* but for REPORT_DATA */
	uint8_t user_data[USER_DATA_MAX];
	size_t user_data_size;
} ctx = {.user_data_size = USER_DATA_MAX};

static void usage(FILE *f)
{
	fprintf(f, "usage: " PROG " --ak-public AK.pub --vcek-key KEY.pem --out FILE "
		   "[--measurement HEX48]\n"
		   "       [--policy HEX] [--chip-id HEX64] [--user-data HEX] [--vlek] "
		   "[--report-version 2|3|5]\n");
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

static bool parse_options(int argc, char **argv)
{
	static const struct option opts[] = {
	    SNP_SIM_REPORT_OPTIONS,
	    {"ak-public", required_argument, NULL, 'a'},
	    {"vcek-key", required_argument, NULL, 'k'},
	    {"out", required_argument, NULL, 'o'},
	    {"user-data", required_argument, NULL, 'u'},
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
		case 'h': usage(stdout); exit(0);
		default: usage(stderr); return false;
		}
	}
	if (ok && (optind < argc || !ctx.ak_path || !ctx.key_path || !ctx.out)) {
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
	/* the SEV-SNP report over SHA-256(runtime data) */
	snp_report_params p = ctx.report;
	unsigned digest_len = 0;
	if (EVP_Digest(json, json_size, p.report_data, &digest_len, EVP_sha256(), NULL) != 1)
		return 1;
	uint8_t *report = hcl + BC_AZURE_HCL_HEADER_SIZE;
	snp_build_report(report, &p);
	if (snp_sign_report(report, key) < 0) {
		fprintf(stderr, PROG ": cannot sign the report with %s\n", ctx.key_path);
		return 1;
	}
	/* the runtime data header and data */
	uint8_t *rt = hcl + BC_AZURE_HCL_RUNTIME_OFFSET;
	put_u32(rt + 0, (uint32_t)(BC_AZURE_HCL_RUNTIME_HDR_SIZE + json_size)); /* data_size */
	put_u32(rt + 4, 1);							/* version */
	put_u32(rt + 8, BC_AZURE_HCL_REPORT_TYPE_SNP);
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
