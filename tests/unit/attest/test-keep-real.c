/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Real Keep reports, taken from public repositories (tests/data/keep-real/README.md
 * names each source and licence): an Intel TDX quote (v4) with the collateral Intel's
 * PCS served for its platform, verified up to the real Intel SGX Root CA
 * (attest/dcap.c, attest/dcap-collateral.c); and an AMD SEV-SNP report from a Milan
 * part with its VCEK, verified up AMD's real ARK-Milan and SEV-Milan
 * (attest/keep.c). Each must verify, and fail with one byte changed.
 *
 * Expected values come from outside the code under test: Intel's QE identity (the
 * QE's MRSIGNER and ISVPRODID), the PCK certificate and VCEK as openssl prints them,
 * and the TCB level worked out by hand from the TCB info (see the README).
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "attest/dcap.h"
#include "attest/keep.h"
#include "util/file.h"
#include "util/hex.h"

#define FILE_MAX (1 << 20)

/*
 * The quote's data and the collateral were fetched in September 2025: the collateral
 * is in force from 2025-09-02 07:41:59 (TCB info issueDate) to 2025-10-02 07:03:51 (the
 * PCK CRL's nextUpdate). Verification is done at 2025-09-15 00:00:00 UTC.
 */
#define TDX_ERA		     ((time_t)1757894400)
#define TDX_AFTER_COLLATERAL ((time_t)1759449600) /* 2025-10-03 00:00:00 UTC */

/* The quote proper: 636 bytes up to the signature data, whose length (at offset 632)
 * is 4300. The file holds the quote as its platform returned it, 70 zero bytes more. */
#define TDX_QUOTE_SIZE	  4936
#define TDX_FILE_SIZE	  5006
#define TDX_BODY_OFFSET	  48
#define TDX_SIG_OFFSET	  636  /* quote signature r || s */
#define TDX_QE_REPORT_SIG 1154 /* 636 + 64 + 64 + 6 + 384: the QE report's signature */

static uint8_t *read_data(const char *name, size_t *size)
{
	char path[512];
	uint8_t *data = NULL;
	bc_error err = {0};
	snprintf(path, sizeof(path), "%s/%s", KEEP_REAL_DIR, name);
	if (bc_read_file(path, FILE_MAX, &data, size, &err) != BC_OK)
		fail_msg("%s: %s", path, err.msg);
	return data;
}

/* The bytes a hex file stands for (white space between digits ignored). */
static uint8_t *read_hex(const char *name, size_t *size)
{
	size_t text_size = 0, digits = 0;
	char *text = (char *)read_data(name, &text_size);
	for (size_t i = 0; i < text_size; i++)
		if (!strchr(" \n\r\t", text[i]))
			text[digits++] = text[i];
	uint8_t *out = malloc(digits / 2 + 1);
	assert_non_null(out);
	if (!bc_hex_decode(text, digits, out, digits / 2 + 1, size))
		fail_msg("%s: not hex", name);
	free(text);
	return out;
}

static void assert_hex(const uint8_t *got, const char *want_hex)
{
	uint8_t want[256];
	size_t len = 0;
	assert_true(bc_hex_decode(want_hex, strlen(want_hex), want, sizeof(want), &len));
	for (size_t i = 0; i < len; i++)
		if (got[i] != want[i])
			fail_msg("byte %zu: 0x%02x, want 0x%02x (%s)", i, got[i], want[i],
				 want_hex);
}

/* ---- Intel TDX ---- */

static struct tdx_fixture {
	uint8_t *quote, *root, *pck_crl, *root_crl, *tcb_info, *qe_identity, *tcb_chain;
	size_t quote_size, root_size, pck_crl_size, root_crl_size, tcb_info_size, qe_identity_size,
	    tcb_chain_size;
} tdx;

static int tdx_setup(void **state)
{
	(void)state;
	tdx.quote = read_hex("tdx-quote.hex", &tdx.quote_size);
	tdx.pck_crl = read_data("tdx-pck-crl.pem", &tdx.pck_crl_size);
	tdx.root_crl = read_data("tdx-root-crl.pem", &tdx.root_crl_size);
	tdx.tcb_info = read_data("tdx-tcb-info.json", &tdx.tcb_info_size);
	tdx.qe_identity = read_data("tdx-qe-identity.json", &tdx.qe_identity_size);
	tdx.tcb_chain = read_data("tdx-tcb-chain.pem", &tdx.tcb_chain_size);
	bc_error err = {0};
	if (bc_read_file(KEEP_ROOTS_DIR "/intel-sgx-root-ca.pem", FILE_MAX, &tdx.root,
			 &tdx.root_size, &err) != BC_OK)
		fail_msg("%s", err.msg);
	return 0;
}

static int tdx_teardown(void **state)
{
	(void)state;
	free(tdx.quote);
	free(tdx.root);
	free(tdx.pck_crl);
	free(tdx.root_crl);
	free(tdx.tcb_info);
	free(tdx.qe_identity);
	free(tdx.tcb_chain);
	return 0;
}

/* Only the pinned root: the PCK chain, the QE report and the quote signature. */
static bc_dcap_trust tdx_root_only(void)
{
	return (bc_dcap_trust){.root = tdx.root, .root_size = tdx.root_size, .now = TDX_ERA};
}

static bc_dcap_trust tdx_full_trust(void)
{
	bc_dcap_trust t = tdx_root_only();
	t.pck_crl = tdx.pck_crl;
	t.pck_crl_size = tdx.pck_crl_size;
	t.root_crl = tdx.root_crl;
	t.root_crl_size = tdx.root_crl_size;
	t.tcb_info = tdx.tcb_info;
	t.tcb_info_size = tdx.tcb_info_size;
	t.qe_identity = tdx.qe_identity;
	t.qe_identity_size = tdx.qe_identity_size;
	t.tcb_chain = tdx.tcb_chain;
	t.tcb_chain_size = tdx.tcb_chain_size;
	return t;
}

/* A copy of the quote proper with the byte at offset changed. */
static uint8_t *tdx_changed(size_t offset)
{
	uint8_t *q = malloc(TDX_QUOTE_SIZE);
	assert_non_null(q);
	memcpy(q, tdx.quote, TDX_QUOTE_SIZE);
	q[offset] ^= 0x01;
	return q;
}

#define QUOTE_SIG_FAILS "the DCAP quote's signature does not verify"

/* Verification fails with BC_E_MISMATCH, its message naming the check (why). */
static void tdx_expect_mismatch(const uint8_t *q, const bc_dcap_trust *t, const char *why)
{
	bc_dcap_result res;
	bc_error err = {0};
	assert_int_equal(bc_dcap_verify(q, TDX_QUOTE_SIZE, t, &res, &err), BC_E_MISMATCH);
	if (!strstr(err.msg, why))
		fail_msg("\"%s\" does not say \"%s\"", err.msg, why);
}

static void test_tdx_file_is_the_platform_output(void **state)
{
	(void)state;
	assert_int_equal(tdx.quote_size, TDX_FILE_SIZE);
	for (size_t i = TDX_QUOTE_SIZE; i < TDX_FILE_SIZE; i++)
		assert_int_equal(tdx.quote[i], 0);
}

/* The fields, against Intel's published values. */
static void test_tdx_parses(void **state)
{
	(void)state;
	bc_dcap_quote q;
	bc_error err = {0};
	assert_int_equal(bc_dcap_quote_parse(tdx.quote, TDX_QUOTE_SIZE, &q, &err), BC_OK);
	assert_int_equal(q.version, 4);
	assert_int_equal(q.att_key_type, BC_DCAP_ATT_KEY_ECDSA_P256);
	assert_int_equal(q.tee_type, BC_DCAP_TEE_TDX);
	assert_int_equal(q.body_type, BC_DCAP_BODY_TD10);
	assert_int_equal(q.body_offset, TDX_BODY_OFFSET);
	assert_int_equal(q.body_size, BC_DCAP_TD10_BODY_SIZE);
	assert_int_equal(q.signed_size, TDX_BODY_OFFSET + BC_DCAP_TD10_BODY_SIZE);
	/* Intel's QE vendor ID */
	assert_hex(q.qe_vendor_id, "939a7233f79c4ca9940a0db3957f0607");
	/* TEE_TCB_SVN: TDX module 1.6 (bytes 0 and 1), late microcode 4 */
	assert_hex(q.td.tee_tcb_svn, "06010400000000000000000000000000");
	/* Intel's TD QE, as its QE identity names it */
	assert_hex(q.qe_report.mrsigner,
		   "dc9e2a7c6f948f17474e34a7fc43ed030f7c1563f1babddf6340c82e0e54a8c5");
	assert_int_equal(q.qe_report.isvprodid, 2);
	assert_int_equal(q.qe_report.isvsvn, 6);
	assert_int_equal(q.pck_chain_size, 3678);
	assert_memory_equal(q.pck_chain, "-----BEGIN CERTIFICATE-----", 27);
}

/* As the platform returned it, with its zero padding: read as the quote it holds; a
 * non-zero byte in the padding is refused. */
static void test_tdx_padded_quote(void **state)
{
	(void)state;
	bc_dcap_quote q;
	bc_error err = {0};
	uint8_t padded[6000];
	assert_true(tdx.quote_size <= sizeof(padded));
	if (bc_dcap_quote_parse(tdx.quote, tdx.quote_size, &q, &err) != BC_OK)
		fail_msg("%s", err.msg);
	assert_int_equal(q.pck_chain_size, 3678);
	memcpy(padded, tdx.quote, tdx.quote_size);
	padded[tdx.quote_size - 1] = 1;
	assert_int_equal(bc_dcap_quote_parse(padded, tdx.quote_size, &q, &err), BC_E_FORMAT);
	assert_non_null(strstr(err.msg, "not all of the rest zero padding"));
}

static void test_tdx_verifies_to_intel_root(void **state)
{
	(void)state;
	bc_dcap_trust t = tdx_root_only();
	bc_dcap_result res;
	bc_error err = {0};
	if (bc_dcap_verify(tdx.quote, TDX_QUOTE_SIZE, &t, &res, &err) != BC_OK)
		fail_msg("%s", err.msg);
	/* as openssl prints the PCK certificate's SGX extensions */
	assert_hex(res.pck.fmspc, "20a06f000000");
	assert_hex(res.pck.pceid, "0000");
	assert_int_equal(res.pck.pcesvn, 13);
	assert_hex(res.pck.comp_svn, "0404020205ff00020000000000000000");
	assert_string_equal(res.pck.issuer_cn, "Intel SGX PCK Platform CA");
	assert_false(res.tcb_checked);
	assert_false(res.qe_checked);
}

/*
 * With Intel's collateral: the PCK's SVNs (4,4,2,2,5,255,0,2,0...; PCESVN 13) and
 * TEE_TCB_SVN[2] = 4 meet the first TCB level (2,2,2,2,2,255,0,2; 13; TDX late
 * microcode 2): UpToDate; the QE's ISVSVN 6 meets the QE identity's level 4: UpToDate.
 */
static void test_tdx_verifies_with_collateral(void **state)
{
	(void)state;
	bc_dcap_trust t = tdx_full_trust();
	bc_dcap_result res;
	bc_error err = {0};
	if (bc_dcap_verify(tdx.quote, TDX_QUOTE_SIZE, &t, &res, &err) != BC_OK)
		fail_msg("%s", err.msg);
	assert_true(res.tcb_checked);
	assert_true(res.qe_checked);
	assert_string_equal(res.tcb_id, "TDX");
	assert_int_equal(res.tcb_evaluation_data_number, 17);
	assert_int_equal(res.tcb_status, BC_DCAP_TCB_UP_TO_DATE);
	assert_string_equal(res.tcb_date, "2024-03-13T00:00:00Z");
	assert_int_equal(res.qe_status, BC_DCAP_TCB_UP_TO_DATE);
	/* TEE_TCB_SVN 06 01: the TDX module of major version 1 at SVN 6, whose identity
	 * TDX_01 in Intel's TCB info has the levels 4 UpToDate and 2 OutOfDate */
	assert_true(res.module_checked);
	assert_string_equal(res.module_id, "TDX_01");
	assert_int_equal(res.module_svn, 6);
	assert_int_equal(res.module_status, BC_DCAP_TCB_UP_TO_DATE);
	assert_int_equal(res.status, BC_DCAP_TCB_UP_TO_DATE);
}

static void test_tdx_fails_changed_body_byte(void **state)
{
	(void)state;
	bc_dcap_trust t = tdx_root_only();
	/* the first byte of MRTD, and the last of REPORTDATA */
	size_t offsets[] = {TDX_BODY_OFFSET + 136, TDX_BODY_OFFSET + 583};
	for (size_t i = 0; i < sizeof(offsets) / sizeof(offsets[0]); i++) {
		uint8_t *q = tdx_changed(offsets[i]);
		tdx_expect_mismatch(q, &t, QUOTE_SIG_FAILS);
		free(q);
	}
}

static void test_tdx_fails_changed_header_byte(void **state)
{
	(void)state;
	bc_dcap_trust t = tdx_root_only();
	uint8_t *q = tdx_changed(28); /* user data */
	tdx_expect_mismatch(q, &t, QUOTE_SIG_FAILS);
	free(q);
}

static void test_tdx_fails_changed_signature_byte(void **state)
{
	(void)state;
	bc_dcap_trust t = tdx_root_only();
	/* r and s */
	size_t offsets[] = {TDX_SIG_OFFSET, TDX_SIG_OFFSET + 63};
	for (size_t i = 0; i < sizeof(offsets) / sizeof(offsets[0]); i++) {
		uint8_t *q = tdx_changed(offsets[i]);
		tdx_expect_mismatch(q, &t, QUOTE_SIG_FAILS);
		free(q);
	}
	/* the QE report's signature by the PCK key */
	uint8_t *q = tdx_changed(TDX_QE_REPORT_SIG + 5);
	tdx_expect_mismatch(q, &t, "the QE report's signature does not verify");
	free(q);
}

static void test_tdx_fails_changed_attestation_key(void **state)
{
	(void)state;
	bc_dcap_trust t = tdx_root_only();
	uint8_t *q = tdx_changed(TDX_SIG_OFFSET + 64 + 10);
	tdx_expect_mismatch(q, &t, "the QE does not vouch for this attestation key");
	free(q);
}

/* The collateral is a month's: past its nextUpdate it is refused. */
static void test_tdx_collateral_out_of_date(void **state)
{
	(void)state;
	bc_dcap_trust t = tdx_full_trust();
	t.now = TDX_AFTER_COLLATERAL;
	bc_dcap_result res;
	bc_error err = {0};
	assert_int_equal(bc_dcap_verify(tdx.quote, TDX_QUOTE_SIZE, &t, &res, &err), BC_E_MISMATCH);
	assert_non_null(strstr(err.msg, "expired"));
}

/* One byte of Intel's signed TCB info changed: its signature fails. */
static void test_tdx_fails_changed_tcb_info(void **state)
{
	(void)state;
	uint8_t *info = malloc(tdx.tcb_info_size);
	assert_non_null(info);
	memcpy(info, tdx.tcb_info, tdx.tcb_info_size);
	char *date = strstr((char *)info, "\"tcbEvaluationDataNumber\":17");
	assert_non_null(date);
	date[strlen("\"tcbEvaluationDataNumber\":1")] = '8';
	bc_dcap_trust t = tdx_full_trust();
	t.tcb_info = info;
	bc_dcap_result res;
	bc_error err = {0};
	assert_int_equal(bc_dcap_verify(tdx.quote, TDX_QUOTE_SIZE, &t, &res, &err), BC_E_MISMATCH);
	assert_non_null(strstr(err.msg, "TCB info: the signature does not verify"));
	free(info);
}

/* ---- AMD SEV-SNP ---- */

static struct snp_fixture {
	uint8_t *report, *vcek, *ask, *ark;
	size_t report_size, vcek_size, ask_size, ark_size;
} snp;

static int snp_setup(void **state)
{
	(void)state;
	snp.report = read_hex("snp-milan-report.hex", &snp.report_size);
	snp.vcek = read_data("snp-milan-vcek.pem", &snp.vcek_size);
	snp.ask = read_data("amd-milan-ask.pem", &snp.ask_size);
	snp.ark = read_data("amd-milan-ark.pem", &snp.ark_size);
	return 0;
}

static int snp_teardown(void **state)
{
	(void)state;
	free(snp.report);
	free(snp.vcek);
	free(snp.ask);
	free(snp.ark);
	return 0;
}

/* The report is verified at TDX_ERA (2025-09-15), in the VCEK's validity (openssl x509
 * -dates: 2024-03-21 07:02:36 to 2031-03-21 07:02:36 UTC), not at the time the test
 * runs: the vector must keep verifying after the VCEK expires. */
#define SNP_VCEK_NOT_BEFORE ((time_t)1711004556) /* 2024-03-21 07:02:36 UTC */
#define SNP_VCEK_NOT_AFTER  ((time_t)1931842956) /* 2031-03-21 07:02:36 UTC */

static bc_status snp_verify(const uint8_t *report, bc_error *err)
{
	return bc_snp_report_verify_at(report, snp.report_size, snp.vcek, snp.vcek_size, snp.ask,
				       snp.ask_size, snp.ark, snp.ark_size, TDX_ERA, err);
}

/* The fields, against the VCEK's extensions as openssl prints them. */
static void test_snp_parses(void **state)
{
	(void)state;
	bc_snp_report r;
	bc_error err = {0};
	assert_int_equal(snp.report_size, BC_SNP_REPORT_SIZE);
	assert_int_equal(bc_snp_report_parse(snp.report, snp.report_size, &r, &err), BC_OK);
	assert_int_equal(r.version, 2);
	assert_int_equal(r.policy, 0x30000);
	assert_int_equal(r.signature_algo, BC_SNP_SIG_ALGO_ECDSA_P384_SHA384);
	assert_int_equal(bc_snp_signing_key(&r), BC_SNP_KEY_SIGNING_VCEK);
	bc_snp_tcb tcb = bc_snp_tcb_split(r.reported_tcb, false);
	assert_int_equal(tcb.bootloader, 3);  /* blSPL */
	assert_int_equal(tcb.tee, 0);	      /* teeSPL */
	assert_int_equal(tcb.snp, 20);	      /* snpSPL */
	assert_int_equal(tcb.microcode, 209); /* ucodeSPL */
	/* the VCEK's hwID */
	assert_hex(r.chip_id, "42e1f92660cc2bf7d996a4db5ebeafe83361eac6f96db350a70c7e07115fad60"
			      "a85f5ae98b8fb87ec76ce2a3f81ad70df8aebbde1c3c21797897a04b616235ef");
}

static void test_snp_verifies_to_amd_milan(void **state)
{
	(void)state;
	bc_error err = {0};
	if (snp_verify(snp.report, &err) != BC_OK)
		fail_msg("%s", err.msg);
}

static void snp_expect_mismatch_at(size_t offset)
{
	uint8_t *r = malloc(snp.report_size);
	assert_non_null(r);
	memcpy(r, snp.report, snp.report_size);
	r[offset] ^= 0x01;
	bc_error err = {0};
	assert_int_equal(snp_verify(r, &err), BC_E_MISMATCH);
	if (!strstr(err.msg, "the SEV-SNP report's signature does not verify"))
		fail_msg("offset 0x%zx: %s", offset, err.msg);
	free(r);
}

static void test_snp_fails_changed_body_byte(void **state)
{
	(void)state;
	snp_expect_mismatch_at(0x050); /* REPORT_DATA */
	snp_expect_mismatch_at(0x090); /* MEASUREMENT */
	snp_expect_mismatch_at(0x29F); /* the last signed byte */
}

static void test_snp_fails_changed_signature_byte(void **state)
{
	(void)state;
	snp_expect_mismatch_at(BC_SNP_SIGNED_SIZE);	   /* R */
	snp_expect_mismatch_at(BC_SNP_SIGNED_SIZE + 0x48); /* S */
}

/* The VCEK alone verifies the report; with a chain, the root must be self-signed. */
static void test_snp_vcek_alone(void **state)
{
	(void)state;
	bc_error err = {0};
	if (bc_snp_report_verify_at(snp.report, snp.report_size, snp.vcek, snp.vcek_size, NULL, 0,
				    NULL, 0, TDX_ERA, &err) != BC_OK)
		fail_msg("%s", err.msg);
	/* the ASK in the ARK's place: not self-signed */
	assert_int_equal(bc_snp_report_verify_at(snp.report, snp.report_size, snp.vcek,
						 snp.vcek_size, snp.ask, snp.ask_size, snp.ask,
						 snp.ask_size, TDX_ERA, &err),
			 BC_E_MISMATCH);
	assert_non_null(strstr(err.msg, "is not self-signed"));
}

static void snp_expect_out_of_validity(time_t at, const char *why)
{
	bc_error err = {0};
	assert_int_equal(bc_snp_report_verify_at(snp.report, snp.report_size, snp.vcek,
						 snp.vcek_size, snp.ask, snp.ask_size, snp.ark,
						 snp.ark_size, at, &err),
			 BC_E_MISMATCH);
	if (!strstr(err.msg, why))
		fail_msg("at %lld: %s", (long long)at, err.msg);
}

/* The VCEK's validity is judged at the time given, to the second, both ends (as OpenSSL's
 * X509_cmp_time() judges: the notAfter second itself is past). */
static void test_snp_judged_at_the_time_given(void **state)
{
	(void)state;
	bc_error err = {0};
	time_t in_force[] = {SNP_VCEK_NOT_BEFORE, SNP_VCEK_NOT_AFTER - 1};
	for (size_t i = 0; i < sizeof(in_force) / sizeof(in_force[0]); i++)
		if (bc_snp_report_verify_at(snp.report, snp.report_size, snp.vcek, snp.vcek_size,
					    snp.ask, snp.ask_size, snp.ark, snp.ark_size,
					    in_force[i], &err) != BC_OK)
			fail_msg("at %lld: %s", (long long)in_force[i], err.msg);
	snp_expect_out_of_validity(SNP_VCEK_NOT_BEFORE - 1,
				   "the VCEK is not valid before 2024-03-21 07:02:36 UTC");
	snp_expect_out_of_validity(SNP_VCEK_NOT_AFTER,
				   "the VCEK expired at 2031-03-21 07:02:36 UTC");
}

int main(void)
{
	const struct CMUnitTest tdx_tests[] = {
	    cmocka_unit_test(test_tdx_file_is_the_platform_output),
	    cmocka_unit_test(test_tdx_parses),
	    cmocka_unit_test(test_tdx_padded_quote),
	    cmocka_unit_test(test_tdx_verifies_to_intel_root),
	    cmocka_unit_test(test_tdx_verifies_with_collateral),
	    cmocka_unit_test(test_tdx_fails_changed_body_byte),
	    cmocka_unit_test(test_tdx_fails_changed_header_byte),
	    cmocka_unit_test(test_tdx_fails_changed_signature_byte),
	    cmocka_unit_test(test_tdx_fails_changed_attestation_key),
	    cmocka_unit_test(test_tdx_collateral_out_of_date),
	    cmocka_unit_test(test_tdx_fails_changed_tcb_info),
	};
	const struct CMUnitTest snp_tests[] = {
	    cmocka_unit_test(test_snp_parses),
	    cmocka_unit_test(test_snp_verifies_to_amd_milan),
	    cmocka_unit_test(test_snp_fails_changed_body_byte),
	    cmocka_unit_test(test_snp_fails_changed_signature_byte),
	    cmocka_unit_test(test_snp_vcek_alone),
	    cmocka_unit_test(test_snp_judged_at_the_time_given),
	};
	int failed = cmocka_run_group_tests_name("tdx", tdx_tests, tdx_setup, tdx_teardown);
	failed += cmocka_run_group_tests_name("snp", snp_tests, snp_setup, snp_teardown);
	return failed;
}
