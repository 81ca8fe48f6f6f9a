/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Azure HCL reports (attest/keep-azure.c): parsing, every length and field refused by
 * name, and the binding of the runtime data: REPORT_DATA = SHA-256(runtime data), and
 * the HCLAkPub JWK against an AK's public area. The signature is bc_snp_report_verify()'s
 * (tests/unit/attest/test-snp.c) and the whole chain is tested on swtpm
 * (tests/integration/attest/keep-azure.sh).
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include <openssl/evp.h>

#include "attest/keep-azure.h"
#include "tests/tools/snp-sign.h"

#define BUF_MAX 4096

/* An RSA AK of a 16-byte "modulus" 0x80 0x81 ... (its JWK n: "gIGCg4SFhoeIiYqLjI2Ojw") */
#define N_B64URL "gIGCg4SFhoeIiYqLjI2Ojw"

static TPMT_PUBLIC test_ak(void)
{
	TPMT_PUBLIC ak = {.type = TPM2_ALG_RSA};
	ak.unique.rsa.size = 16;
	for (int i = 0; i < 16; i++)
		ak.unique.rsa.buffer[i] = (uint8_t)(0x80 + i);
	return ak; /* exponent 0: 65537 */
}

/* An HCL report over json into buf; its size. REPORT_DATA = SHA-256(json) unless
 * wrong_hash. */
static size_t build_hcl(uint8_t *buf, const char *json, bool wrong_hash)
{
	size_t json_size = strlen(json);
	size_t total = BC_AZURE_HCL_RUNTIME_OFFSET + BC_AZURE_HCL_RUNTIME_HDR_SIZE + json_size;
	assert_true(total <= BUF_MAX);
	memset(buf, 0, BUF_MAX);
	snp_put_u32le(buf + 0x00, BC_AZURE_HCL_SIGNATURE);
	snp_put_u32le(buf + 0x04, 2);
	snp_put_u32le(buf + 0x08, (uint32_t)total);
	snp_put_u32le(buf + 0x0c, BC_AZURE_HCL_REQUEST_AK_CERT);
	snp_report_params p = {.version = 2, .policy = 0x30000};
	assert_int_equal(EVP_Digest(json, json_size, p.report_data, NULL, EVP_sha256(), NULL), 1);
	if (wrong_hash)
		p.report_data[31] ^= 1;
	snp_build_report(buf + BC_AZURE_HCL_HEADER_SIZE, &p);
	uint8_t *rt = buf + BC_AZURE_HCL_RUNTIME_OFFSET;
	snp_put_u32le(rt + 0, (uint32_t)(BC_AZURE_HCL_RUNTIME_HDR_SIZE + json_size));
	snp_put_u32le(rt + 4, 1);
	snp_put_u32le(rt + 8, BC_AZURE_HCL_REPORT_TYPE_SNP);
	snp_put_u32le(rt + 12, BC_AZURE_HCL_HASH_SHA256);
	snp_put_u32le(rt + 16, (uint32_t)json_size);
	memcpy(rt + BC_AZURE_HCL_RUNTIME_HDR_SIZE, json, json_size);
	return total;
}

static const char good_json[] =
    "{\"keys\":[{\"kid\":\"HCLAkPub\",\"kty\":\"RSA\",\"e\":\"AQAB\",\"n\":\"" N_B64URL "\"}],"
    "\"vm-configuration\":{},\"user-data\":\"00\"}";

static void expect(bc_status got, bc_status want, const bc_error *err, const char *text)
{
	assert_int_equal(got, want);
	if (!strstr(err->msg, text))
		fail_msg("message '%s' lacks '%s'", err->msg, text);
}

static void test_parse_reads_the_parts(void **state)
{
	(void)state;
	uint8_t buf[BUF_MAX];
	bc_azure_hcl h;
	bc_error err = {0};
	size_t size = build_hcl(buf, good_json, false);
	/* the NV index's padding after the runtime data is not read */
	assert_int_equal(bc_azure_hcl_parse(buf, size + 100, &h, &err), BC_OK);
	assert_int_equal(h.version, 2);
	assert_int_equal(h.report_size, size);
	assert_ptr_equal(h.hw_report, buf + 0x20);
	assert_ptr_equal(h.runtime_data, buf + 0x4D4);
	assert_int_equal(h.runtime_data_size, strlen(good_json));
	assert_int_equal(h.report_type, BC_AZURE_HCL_REPORT_TYPE_SNP);
}

static void test_parse_refuses_each_field(void **state)
{
	(void)state;
	static const struct {
		size_t offset;
		uint32_t value;
		bc_status status;
		const char *message;
	} cases[] = {
	    {0x00, 0x41434c48, BC_E_FORMAT, "not \"HCLA\""},
	    {0x0c, 1, BC_E_FORMAT, "request type 1 at offset 0xc, not 2"},
	    {0x4C4, 2, BC_E_UNSUPPORTED, "runtime data version 2 (offset 0x4c4), only 1"},
	    {0x4C8, 5, BC_E_FORMAT, "report type 5 at offset 0x4c8, not 2 (SEV-SNP) nor 4 (TDX)"},
	    {0x4C8, 3, BC_E_FORMAT, "report type 3 at offset 0x4c8, not 2"},
	    {0x4CC, 2, BC_E_UNSUPPORTED, "hash type 2 (offset 0x4cc): only 1, SHA-256"},
	    {0x4D0, 0, BC_E_FORMAT, "runtime data of 0 bytes (offset 0x4d0): 1 to 8192"},
	    {0x4D0, 8193, BC_E_FORMAT, "runtime data of 8193 bytes (offset 0x4d0)"},
	    {0x4D0, UINT32_MAX, BC_E_FORMAT, "runtime data of 4294967295 bytes"},
	};
	uint8_t buf[BUF_MAX];
	bc_azure_hcl h;
	bc_error err = {0};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		size_t size = build_hcl(buf, good_json, false);
		snp_put_u32le(buf + cases[i].offset, cases[i].value);
		expect(bc_azure_hcl_parse(buf, size, &h, &err), cases[i].status, &err,
		       cases[i].message);
	}
	/* a TDX one (report type 4) parses; its TDREPORT is verified through a TD quote */
	size_t size = build_hcl(buf, good_json, false);
	snp_put_u32le(buf + 0x4C8, BC_AZURE_HCL_REPORT_TYPE_TDX);
	assert_int_equal(bc_azure_hcl_parse(buf, size, &h, &err), BC_OK);
	assert_int_equal(h.report_type, BC_AZURE_HCL_REPORT_TYPE_TDX);
	/* cut short in each part, to the byte */
	size = build_hcl(buf, good_json, false);
	static const size_t cuts[] = {0, 31, 32, 0x4BF, 0x4C0, 0x4D3};
	for (size_t i = 0; i < sizeof(cuts) / sizeof(cuts[0]); i++)
		expect(bc_azure_hcl_parse(buf, cuts[i], &h, &err), BC_E_FORMAT, &err,
		       "shorter than");
	expect(bc_azure_hcl_parse(buf, size - 1, &h, &err), BC_E_FORMAT, &err, "bytes left");
}

static void test_binding_accepts_the_runtime_datas_ak(void **state)
{
	(void)state;
	uint8_t buf[BUF_MAX];
	bc_error err = {0};
	TPMT_PUBLIC ak = test_ak();
	size_t size = build_hcl(buf, good_json, false);
	assert_int_equal(bc_azure_hcl_check_binding(buf, size, &ak, &err), BC_OK);
	ak.parameters.rsaDetail.exponent = 65537; /* the same key, its exponent spelt out */
	assert_int_equal(bc_azure_hcl_check_binding(buf, size, &ak, &err), BC_OK);
}

static void test_binding_refuses_another_key_or_data(void **state)
{
	(void)state;
	uint8_t buf[BUF_MAX];
	bc_error err = {0};
	TPMT_PUBLIC ak = test_ak();
	size_t size = build_hcl(buf, good_json, true);
	expect(bc_azure_hcl_check_binding(buf, size, &ak, &err), BC_E_MISMATCH, &err,
	       "is not SHA-256 of the runtime data");
	size = build_hcl(buf, good_json, false);
	ak.unique.rsa.buffer[15] ^= 1; /* another modulus */
	expect(bc_azure_hcl_check_binding(buf, size, &ak, &err), BC_E_MISMATCH, &err,
	       "is not the quoting AK");
	ak = test_ak();
	ak.parameters.rsaDetail.exponent = 3; /* another exponent */
	expect(bc_azure_hcl_check_binding(buf, size, &ak, &err), BC_E_MISMATCH, &err,
	       "is not the quoting AK");
	ak = (TPMT_PUBLIC){.type = TPM2_ALG_ECC};
	expect(bc_azure_hcl_check_binding(buf, size, &ak, &err), BC_E_MISMATCH, &err,
	       "and the quoting AK is not");
}

static void test_binding_refuses_malformed_runtime_data(void **state)
{
	(void)state;
	static const struct {
		const char *json, *message;
	} cases[] = {
	    {"[1]", "not a JSON object"},
	    {"{\"keys\":", "runtime data: "},
	    {"{\"a\":1,\"a\":2}", "duplicate"},
	    {"{}", "no \"keys\" array"},
	    {"{\"keys\":[{\"kid\":\"HCLEkPub\",\"kty\":\"RSA\"}]}", "no key \"HCLAkPub\""},
	    {"{\"keys\":[{\"kid\":\"HCLAkPub\",\"kty\":\"RSA\",\"e\":\"AQAB\",\"n\":\"" N_B64URL
	     "\"},{\"kid\":\"HCLAkPub\",\"kty\":\"RSA\",\"e\":\"AQAB\",\"n\":\"" N_B64URL "\"}]}",
	     "two \"HCLAkPub\" keys"},
	    {"{\"keys\":[{\"kid\":\"HCLAkPub\",\"kty\":\"EC\"}]}", "is not an RSA key"},
	    {"{\"keys\":[{\"kid\":\"HCLAkPub\",\"kty\":\"RSA\",\"e\":\"AQAB\"}]}",
	     "no string \"n\""},
	    {"{\"keys\":[{\"kid\":\"HCLAkPub\",\"kty\":\"RSA\",\"e\":\"AQAB\",\"n\":\"gIGCg4SF+"
	     "oeI\"}]}",
	     "is not base64url"},
	    {"{\"keys\":[{\"kid\":\"HCLAkPub\",\"kty\":\"RSA\",\"e\":\"AQAB\",\"n\":"
	     "\"gIGCg4SFhoeIiYqLjI2Ojw==\"}]}",
	     "is not base64url"},
	    {"{\"keys\":[{\"kid\":\"HCLAkPub\",\"kty\":\"RSA\",\"e\":\"AQAB\",\"n\":"
	     "\"gIGCg4SFhoeIiYqLjI2Ojx\"}]}",
	     "is not base64url of at most"},
	    {"{\"keys\":[{\"kid\":\"HCLAkPub\",\"kty\":\"RSA\",\"e\":\"AQIDBAUGBwgJ\",\"n\":"
	     "\"" N_B64URL "\"}]}",
	     "\"HCLAkPub\".e is too large"},
	};
	uint8_t buf[BUF_MAX];
	bc_error err = {0};
	TPMT_PUBLIC ak = test_ak();
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		size_t size = build_hcl(buf, cases[i].json, false);
		expect(bc_azure_hcl_check_binding(buf, size, &ak, &err), BC_E_FORMAT, &err,
		       cases[i].message);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_parse_reads_the_parts),
	    cmocka_unit_test(test_parse_refuses_each_field),
	    cmocka_unit_test(test_binding_accepts_the_runtime_datas_ak),
	    cmocka_unit_test(test_binding_refuses_another_key_or_data),
	    cmocka_unit_test(test_binding_refuses_malformed_runtime_data),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
