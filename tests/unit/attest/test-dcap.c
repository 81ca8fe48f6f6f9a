/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Intel DCAP quotes (attest/dcap.c, attest/dcap-collateral.c): quotes v3, v4 and v5
 * made by tests/tools/dcap-sign.c with a test PKI, checked here at the byte offsets of
 * Intel's quote library specifications; each verification failing for one
 * substitution; lengths broken at each level; collateral signatures, dates and TCB
 * levels; the real Intel SGX Root CA as the pinned root.
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

#include <openssl/core_names.h>
#include <openssl/evp.h>

#include "attest/dcap.h"
#include "tests/tools/dcap-sign.h"
#include "util/file.h"

#define DAY (24L * 3600)

static struct fixtures {
	dcap_sim sim, other;
	uint8_t *root, *other_root, *tcb_chain, *pck_crl, *root_crl;
	size_t root_size, other_root_size, tcb_chain_size, pck_crl_size, root_crl_size;
} fx;

static int setup(void **state)
{
	(void)state;
	if (dcap_sim_init(&fx.sim) || dcap_sim_init(&fx.other) ||
	    dcap_sim_cert_pem(fx.sim.root, &fx.root, &fx.root_size) ||
	    dcap_sim_cert_pem(fx.other.root, &fx.other_root, &fx.other_root_size) ||
	    dcap_sim_tcb_chain(&fx.sim, &fx.tcb_chain, &fx.tcb_chain_size) ||
	    dcap_sim_crl_der(fx.sim.pck_crl, &fx.pck_crl, &fx.pck_crl_size) ||
	    dcap_sim_crl_der(fx.sim.root_crl, &fx.root_crl, &fx.root_crl_size))
		return -1;
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	dcap_sim_free(&fx.sim);
	dcap_sim_free(&fx.other);
	free(fx.root);
	free(fx.other_root);
	free(fx.tcb_chain);
	free(fx.pck_crl);
	free(fx.root_crl);
	return 0;
}

typedef struct quote {
	uint8_t *data;
	size_t size;
} quote;

static quote make_quote(unsigned version, unsigned body_type, const uint8_t *report_data)
{
	quote q = {0};
	dcap_quote_spec spec = {
	    .version = version, .body_type = body_type, .report_data = report_data};
	assert_int_equal(dcap_sim_quote(&fx.sim, &spec, &q.data, &q.size), 0);
	return q;
}

static bc_dcap_trust base_trust(void)
{
	return (bc_dcap_trust){.root = fx.root, .root_size = fx.root_size};
}

/* The quote's collateral, for its TEE. */
typedef struct collateral {
	char *tcb_info, *qe_identity;
} collateral;

static collateral make_collateral(bool tdx, const dcap_collateral_spec *tcb,
				  const dcap_collateral_spec *qe)
{
	collateral c = {0};
	dcap_collateral_spec t = tcb ? *tcb : (dcap_collateral_spec){0};
	dcap_collateral_spec i = qe ? *qe : (dcap_collateral_spec){0};
	if (!t.id)
		t.id = tdx ? "TDX" : "SGX";
	if (!i.id)
		i.id = tdx ? "TD_QE" : "QE";
	assert_int_equal(dcap_sim_tcb_info(&fx.sim, &t, &c.tcb_info), 0);
	assert_int_equal(dcap_sim_qe_identity(&fx.sim, &i, &c.qe_identity), 0);
	return c;
}

static bc_dcap_trust with_collateral(const collateral *c)
{
	bc_dcap_trust t = base_trust();
	t.tcb_info = (const uint8_t *)c->tcb_info;
	t.tcb_info_size = strlen(c->tcb_info);
	t.qe_identity = (const uint8_t *)c->qe_identity;
	t.qe_identity_size = strlen(c->qe_identity);
	t.tcb_chain = fx.tcb_chain;
	t.tcb_chain_size = fx.tcb_chain_size;
	return t;
}

static void collateral_free(collateral *c)
{
	free(c->tcb_info);
	free(c->qe_identity);
}

/* Verification fails with status and a message holding want. */
static void expect_fail(const quote *q, const bc_dcap_trust *t, bc_status status, const char *want)
{
	bc_dcap_result res;
	bc_error err = {0};
	bc_status s = bc_dcap_verify(q->data, q->size, t, &res, &err);
	if (s != status || !strstr(err.msg, want))
		fail_msg("expected %s with \"%s\", got %s: %s", bc_strerror(status), want,
			 bc_strerror(s), err.msg);
}

static void expect_pass(const quote *q, const bc_dcap_trust *t, bc_dcap_result *res)
{
	bc_error err = {0};
	bc_status s = bc_dcap_verify(q->data, q->size, t, res, &err);
	if (s != BC_OK)
		fail_msg("verification failed: %s", err.msg);
}

static uint16_t le16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

/* ---- parsing ---- */

static void test_parse_v3_sgx(void **state)
{
	(void)state;
	uint8_t rd[64];
	memset(rd, 0xA5, sizeof(rd));
	quote q = make_quote(3, 0, rd);
	bc_dcap_quote p;
	bc_error err = {0};
	assert_int_equal(bc_dcap_quote_parse(q.data, q.size, &p, &err), BC_OK);
	/* the spec's offsets, read here: header 48, then sgx_report_body_t */
	assert_int_equal(le16(q.data), 3);
	assert_int_equal(p.version, 3);
	assert_int_equal(p.att_key_type, 2);
	assert_int_equal(p.body_type, BC_DCAP_BODY_SGX);
	assert_int_equal(p.qe_svn, le16(q.data + 8));
	assert_int_equal(p.pce_svn, DCAP_SIM_PCESVN);
	assert_memory_equal(p.sgx.mrenclave, q.data + 48 + 64, 32);
	assert_int_equal(p.sgx.mrenclave[0], 0x11);
	assert_int_equal(p.sgx.mrsigner[31], 0x22);
	assert_int_equal(p.sgx.isvprodid, 3);
	assert_int_equal(p.sgx.isvsvn, 4);
	assert_false(p.sgx.attributes_flags & BC_SGX_ATTR_DEBUG);
	assert_memory_equal(p.sgx.report_data, rd, 64);
	assert_memory_equal(q.data + 48 + 320, rd, 64);
	assert_int_equal(p.signed_size, 48 + 384);
	/* signature data: length, sig, key, QE report at 432 + 4 + 128 */
	assert_memory_equal(p.qe_report_raw, q.data + 432 + 4 + 128, 384);
	assert_int_equal(p.qe_report.isvprodid, 1);
	assert_int_equal(p.qe_auth_size, 32);
	assert_non_null(p.pck_chain);
	assert_memory_equal(p.pck_chain, "-----BEGIN CERTIFICATE-----", 27);
	assert_int_equal(p.pck_chain + p.pck_chain_size, q.data + q.size);
	free(q.data);
}

static void test_parse_v4_tdx(void **state)
{
	(void)state;
	uint8_t rd[64];
	for (int i = 0; i < 64; i++)
		rd[i] = (uint8_t)i;
	quote q = make_quote(4, 0, rd);
	bc_dcap_quote p;
	bc_error err = {0};
	assert_int_equal(bc_dcap_quote_parse(q.data, q.size, &p, &err), BC_OK);
	assert_int_equal(p.version, 4);
	assert_int_equal(p.tee_type, 0x81);
	assert_int_equal(q.data[4], 0x81);
	assert_int_equal(p.body_type, BC_DCAP_BODY_TD10);
	assert_memory_equal(p.td.mrtd, q.data + 48 + 136, 48);
	assert_int_equal(p.td.mrtd[0], 0x33);
	for (int i = 0; i < 4; i++) {
		assert_memory_equal(p.td.rtmr[i], q.data + 48 + 328 + 48 * i, 48);
		assert_int_equal(p.td.rtmr[i][47], 0x40 + i);
	}
	assert_int_equal(p.td.xfam, 0xe7);
	assert_int_equal(p.td.td_attributes, 0);
	assert_memory_equal(p.td.report_data, rd, 64);
	assert_memory_equal(q.data + 48 + 520, rd, 64);
	assert_int_equal(p.td.tee_tcb_svn[0], 3);
	assert_int_equal(p.signed_size, 48 + 584);
	/* certification data type 6 after sig and key */
	assert_int_equal(le16(q.data + 632 + 4 + 128), 6);
	assert_memory_equal(p.qe_report_raw, q.data + 632 + 4 + 128 + 6, 384);
	assert_int_equal(p.qe_report.isvprodid, 2);
	free(q.data);
}

static void test_parse_v5(void **state)
{
	(void)state;
	bc_dcap_quote p;
	bc_error err = {0};
	quote q = make_quote(5, 3, NULL);
	assert_int_equal(bc_dcap_quote_parse(q.data, q.size, &p, &err), BC_OK);
	assert_int_equal(p.body_type, BC_DCAP_BODY_TD15);
	assert_int_equal(le16(q.data + 48), 3);
	assert_int_equal(q.data[50] | q.data[51] << 8, 648);
	assert_int_equal(p.body_offset, 54);
	assert_int_equal(p.signed_size, 54 + 648);
	assert_memory_equal(p.td.tee_tcb_svn2, q.data + 54 + 584, 16);
	assert_int_equal(p.td.tee_tcb_svn2[0], 3);
	assert_memory_equal(p.td.mrservicetd, q.data + 54 + 600, 48);
	free(q.data);

	q = make_quote(5, 2, NULL);
	assert_int_equal(bc_dcap_quote_parse(q.data, q.size, &p, &err), BC_OK);
	assert_int_equal(p.body_type, BC_DCAP_BODY_TD10);
	assert_int_equal(p.signed_size, 54 + 584);
	free(q.data);

	q = make_quote(5, 1, NULL);
	assert_int_equal(bc_dcap_quote_parse(q.data, q.size, &p, &err), BC_OK);
	assert_int_equal(p.body_type, BC_DCAP_BODY_SGX);
	assert_int_equal(p.sgx.isvprodid, 3);
	free(q.data);
}

static void test_parse_debug_bits(void **state)
{
	(void)state;
	bc_dcap_quote p;
	bc_error err = {0};
	quote q = make_quote(3, 0, NULL);
	q.data[48 + 48] |= 0x02; /* ATTRIBUTES.FLAGS bit 1 */
	assert_int_equal(bc_dcap_quote_parse(q.data, q.size, &p, &err), BC_OK);
	assert_true(p.sgx.attributes_flags & BC_SGX_ATTR_DEBUG);
	free(q.data);
	q = make_quote(4, 0, NULL);
	q.data[48 + 120] |= 0x01; /* TDATTRIBUTES bit 0 */
	assert_int_equal(bc_dcap_quote_parse(q.data, q.size, &p, &err), BC_OK);
	assert_true(p.td.td_attributes & BC_TD_ATTR_DEBUG);
	free(q.data);
}

static void expect_parse_fail(const uint8_t *data, size_t size, bc_status status, const char *want)
{
	bc_dcap_quote p;
	bc_error err = {0};
	bc_status s = bc_dcap_quote_parse(data, size, &p, &err);
	if (s != status || !strstr(err.msg, want))
		fail_msg("expected %s with \"%s\", got %s: %s", bc_strerror(status), want,
			 bc_strerror(s), err.msg);
}

static void put32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static void test_parse_malformed_lengths(void **state)
{
	(void)state;
	quote q = make_quote(4, 0, NULL);
	uint8_t *c = malloc(q.size);
	size_t sig = 48 + 584;		    /* signature data length */
	size_t outer = sig + 4 + 128;	    /* certification data type 6 */
	size_t auth = outer + 6 + 384 + 64; /* QE authentication data size */
	size_t inner = auth + 2 + 32;	    /* certification data type 5 */

	expect_parse_fail(q.data, 20, BC_E_FORMAT, "header at offset 0x0: needs 48 bytes, only 20");
	expect_parse_fail(q.data, 100, BC_E_FORMAT, "TD report body at offset 0x30");

	memcpy(c, q.data, q.size);
	put32(c + sig, 7);
	expect_parse_fail(c, q.size, BC_E_FORMAT, "signature data length at offset 0x278 is 7");

	memcpy(c, q.data, q.size);
	put32(c + outer + 2, 100000);
	expect_parse_fail(c, q.size, BC_E_FORMAT,
			  "QE report certification data at offset 0x302: needs 100000 bytes");

	memcpy(c, q.data, q.size);
	c[auth] = 0xff;
	c[auth + 1] = 0x7f;
	char want[64];
	snprintf(want, sizeof(want), "QE authentication data at offset 0x%zx", auth + 2);
	expect_parse_fail(c, q.size, BC_E_FORMAT, want);

	memcpy(c, q.data, q.size);
	put32(c + inner + 2, 0x10000);
	snprintf(want, sizeof(want), "PCK certificate chain at offset 0x%zx", inner + 6);
	expect_parse_fail(c, q.size, BC_E_FORMAT, want);

	memcpy(c, q.data, q.size);
	c[inner] = 4; /* certification data type 4 */
	expect_parse_fail(c, q.size, BC_E_UNSUPPORTED, "certification data type 4, expected 5");

	memcpy(c, q.data, q.size);
	c[outer] = 5;
	expect_parse_fail(c, q.size, BC_E_UNSUPPORTED, "certification data type 5, expected 6");

	memcpy(c, q.data, q.size);
	c[0] = 6;
	expect_parse_fail(c, q.size, BC_E_UNSUPPORTED, "version 6");
	memcpy(c, q.data, q.size);
	c[2] = 3;
	expect_parse_fail(c, q.size, BC_E_UNSUPPORTED, "attestation key type 3");
	memcpy(c, q.data, q.size);
	c[4] = 0x80;
	expect_parse_fail(c, q.size, BC_E_UNSUPPORTED, "TEE type 0x80");

	/* every truncation fails cleanly, naming an offset */
	for (size_t n = 0; n < q.size; n++) {
		bc_dcap_quote p;
		bc_error err = {0};
		assert_int_not_equal(bc_dcap_quote_parse(q.data, n, &p, &err), BC_OK);
		assert_non_null(strstr(err.msg, "offset"));
	}
	/* one more byte at the end: zero padding is no part of the quote, anything else
	 * is refused */
	uint8_t *longer = malloc(q.size + 1);
	bc_dcap_quote exact, padded;
	memcpy(longer, q.data, q.size);
	longer[q.size] = 0;
	assert_int_equal(bc_dcap_quote_parse(q.data, q.size, &exact, NULL), BC_OK);
	assert_int_equal(bc_dcap_quote_parse(longer, q.size + 1, &padded, NULL), BC_OK);
	assert_int_equal(padded.pck_chain_size, exact.pck_chain_size);
	assert_int_equal(padded.signed_size, exact.signed_size);
	longer[q.size] = 0x80;
	expect_parse_fail(longer, q.size + 1, BC_E_FORMAT, "zero padding");
	free(longer);
	free(c);
	free(q.data);

	/* v5: the body size must be its type's */
	q = make_quote(5, 2, NULL);
	q.data[50] = 0x49; /* 585 */
	expect_parse_fail(q.data, q.size, BC_E_FORMAT, "body size 585 at offset 0x32 is not 584");
	q.data[50] = 0x48;
	q.data[48] = 9;
	expect_parse_fail(q.data, q.size, BC_E_UNSUPPORTED, "body type 9 at offset 0x30");
	free(q.data);

	/* v3: the certification data directly */
	q = make_quote(3, 0, NULL);
	size_t v3_auth = 432 + 4 + 128 + 384 + 64;
	q.data[v3_auth] = 0xff;
	q.data[v3_auth + 1] = 0xff;
	snprintf(want, sizeof(want), "QE authentication data at offset 0x%zx", v3_auth + 2);
	expect_parse_fail(q.data, q.size, BC_E_FORMAT, want);
	free(q.data);
}

/* Random bytes changed: never a crash, never a pass. */
static void test_no_crash_on_mutations(void **state)
{
	(void)state;
	quote q = make_quote(4, 0, NULL);
	bc_dcap_trust t = base_trust();
	bc_dcap_quote p;
	bc_error perr = {0};
	assert_int_equal(bc_dcap_quote_parse(q.data, q.size, &p, &perr), BC_OK);
	size_t chain_at = (size_t)(p.pck_chain - q.data);
	srand(15);
	for (int i = 0; i < 300; i++) {
		uint8_t *c = malloc(q.size);
		memcpy(c, q.data, q.size);
		for (int k = 0; k < 1 + i % 4; k++)
			c[(size_t)rand() % q.size] ^= (uint8_t)(1 + rand() % 255);
		bc_dcap_result res;
		bc_error err = {0};
		bc_status s = bc_dcap_verify(c, q.size, &t, &res, &err);
		/* outside the PEM text (where white space may change for white space) a
		 * changed byte never passes */
		if (memcmp(c, q.data, chain_at) != 0)
			assert_int_not_equal(s, BC_OK);
		free(c);
	}
	free(q.data);
}

/* ---- verification ---- */

static void test_verify_each_version(void **state)
{
	(void)state;
	static const unsigned cases[][2] = {{3, 1}, {4, 1}, {4, 2}, {5, 1}, {5, 2}, {5, 3}};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		bool tdx = cases[i][1] != 1;
		quote q = make_quote(cases[i][0], cases[i][1], NULL);
		collateral c = make_collateral(tdx, NULL, NULL);
		bc_dcap_trust t = with_collateral(&c);
		t.pck_crl = fx.pck_crl;
		t.pck_crl_size = fx.pck_crl_size;
		t.root_crl = fx.root_crl;
		t.root_crl_size = fx.root_crl_size;
		bc_dcap_result res;
		expect_pass(&q, &t, &res);
		assert_true(res.tcb_checked);
		assert_true(res.qe_checked);
		assert_int_equal(res.tcb_status, BC_DCAP_TCB_UP_TO_DATE);
		assert_int_equal(res.qe_status, BC_DCAP_TCB_UP_TO_DATE);
		assert_int_equal(res.status, BC_DCAP_TCB_UP_TO_DATE);
		assert_string_equal(res.tcb_id, tdx ? "TDX" : "SGX");
		assert_int_equal(res.tcb_evaluation_data_number, 17);
		assert_string_equal(res.tcb_date, "2024-03-13T00:00:00Z");
		collateral_free(&c);
		free(q.data);
	}
}

static void test_pck_extensions(void **state)
{
	(void)state;
	quote q = make_quote(4, 0, NULL);
	bc_dcap_result res;
	bc_dcap_trust t = base_trust();
	expect_pass(&q, &t, &res);
	static const uint8_t fmspc[6] = {0x00, 0x90, 0x6e, 0xd5, 0x00, 0x00};
	assert_memory_equal(res.pck.fmspc, fmspc, 6);
	assert_int_equal(res.pck.pcesvn, DCAP_SIM_PCESVN);
	assert_int_equal(res.pck.comp_svn[0], DCAP_SIM_COMP_SVN_1);
	assert_int_equal(res.pck.comp_svn[7], 3);
	assert_int_equal(res.pck.cpusvn[0], DCAP_SIM_COMP_SVN_1);
	assert_int_equal(res.pck.ppid[0], 0x70);
	assert_string_equal(res.pck.issuer_cn, "Test SGX PCK Platform CA");
	/* without collateral nothing is judged */
	assert_false(res.tcb_checked);
	assert_false(res.qe_checked);
	free(q.data);
}

static void test_fails_changed_body_byte(void **state)
{
	(void)state;
	quote q = make_quote(4, 0, NULL);
	bc_dcap_trust t = base_trust();
	q.data[48 + 136] ^= 1; /* MRTD */
	expect_fail(&q, &t, BC_E_MISMATCH, "quote's signature does not verify");
	free(q.data);
	q = make_quote(5, 3, NULL);
	q.data[54 + 600] ^= 1; /* MRSERVICETD */
	expect_fail(&q, &t, BC_E_MISMATCH, "quote's signature does not verify");
	q.data[54 + 600] ^= 1;
	q.data[10] ^= 1; /* a header byte */
	expect_fail(&q, &t, BC_E_MISMATCH, "quote's signature does not verify");
	free(q.data);
}

static void test_fails_other_attestation_key(void **state)
{
	(void)state;
	quote q = make_quote(4, 0, NULL);
	bc_dcap_trust t = base_trust();
	uint8_t xy[65];
	size_t len = 0;
	size_t key_at = 48 + 584 + 4 + 64;
	/* another key, and the quote signed by it: the QE did not vouch for it */
	EVP_PKEY *mine = fx.sim.att_key;
	fx.sim.att_key = fx.other.att_key;
	assert_int_equal(EVP_PKEY_get_octet_string_param(fx.other.att_key, OSSL_PKEY_PARAM_PUB_KEY,
							 xy, sizeof(xy), &len),
			 1);
	memcpy(q.data + key_at, xy + 1, 64);
	assert_int_equal(dcap_sim_resign_quote(&fx.sim, q.data, q.size), 0);
	fx.sim.att_key = mine;
	expect_fail(&q, &t, BC_E_MISMATCH, "REPORTDATA is not SHA-256(attestation key");
	free(q.data);
}

static void test_fails_changed_qe_report(void **state)
{
	(void)state;
	quote q = make_quote(4, 0, NULL);
	bc_dcap_trust t = base_trust();
	size_t qe_at = 48 + 584 + 4 + 128 + 6;
	q.data[qe_at + 258] ^= 1; /* the QE's ISVSVN */
	expect_fail(&q, &t, BC_E_MISMATCH, "QE report's signature does not verify");
	free(q.data);
	q = make_quote(3, 0, NULL);
	q.data[432 + 4 + 128 + 64] ^= 1; /* v3: MRENCLAVE of the QE */
	expect_fail(&q, &t, BC_E_MISMATCH, "QE report's signature does not verify");
	free(q.data);
}

static void test_fails_changed_qe_auth_data(void **state)
{
	(void)state;
	quote q = make_quote(4, 0, NULL);
	bc_dcap_trust t = base_trust();
	size_t auth_at = 48 + 584 + 4 + 128 + 6 + 384 + 64 + 2;
	q.data[auth_at + 5] ^= 1;
	expect_fail(&q, &t, BC_E_MISMATCH, "REPORTDATA is not SHA-256");
	free(q.data);
}

static void test_fails_chain_to_other_root(void **state)
{
	(void)state;
	quote q = make_quote(4, 0, NULL);
	bc_dcap_trust t = base_trust();
	t.root = fx.other_root;
	t.root_size = fx.other_root_size;
	expect_fail(&q, &t, BC_E_MISMATCH, "which is not the pinned root");
	free(q.data);
}

static void test_fails_revoked(void **state)
{
	(void)state;
	quote q = make_quote(4, 0, NULL);
	bc_dcap_trust t = base_trust();
	uint8_t *crl = NULL;
	size_t size = 0;
	long pck_serial = 4, pck_ca_serial = 2;
	/* the PCK in the PCK CA's CRL */
	assert_int_equal(dcap_sim_revoke(&fx.sim, false, &pck_serial, 1), 0);
	assert_int_equal(dcap_sim_crl_der(fx.sim.pck_crl, &crl, &size), 0);
	t.pck_crl = crl;
	t.pck_crl_size = size;
	expect_fail(&q, &t, BC_E_MISMATCH,
		    "PCK certificate \"Test SGX PCK Certificate\" is revoked");
	free(crl);
	/* the PCK CA in the root's CRL */
	t.pck_crl = fx.pck_crl;
	t.pck_crl_size = fx.pck_crl_size;
	assert_int_equal(dcap_sim_revoke(&fx.sim, true, &pck_ca_serial, 1), 0);
	assert_int_equal(dcap_sim_crl_der(fx.sim.root_crl, &crl, &size), 0);
	t.root_crl = crl;
	t.root_crl_size = size;
	expect_fail(&q, &t, BC_E_MISMATCH,
		    "PCK CA certificate \"Test SGX PCK Platform CA\" is revoked");
	free(crl);
	/* a CRL signed by another key */
	t.root_crl = NULL;
	t.root_crl_size = 0;
	assert_int_equal(dcap_sim_crl_der(fx.other.pck_crl, &crl, &size), 0);
	t.pck_crl = crl;
	t.pck_crl_size = size;
	expect_fail(&q, &t, BC_E_MISMATCH, "PCK CRL's signature does not verify");
	free(crl);
	assert_int_equal(dcap_sim_revoke(&fx.sim, false, NULL, 0), 0);
	assert_int_equal(dcap_sim_revoke(&fx.sim, true, NULL, 0), 0);
	free(q.data);
}

static void test_fails_expired_certificates(void **state)
{
	(void)state;
	quote q = make_quote(4, 0, NULL);
	bc_dcap_trust t = base_trust();
	t.now = time(NULL) + 11 * 365 * DAY;
	expect_fail(&q, &t, BC_E_MISMATCH, "certificate has expired");
	free(q.data);
}

static void test_fails_expired_collateral(void **state)
{
	(void)state;
	quote q = make_quote(4, 0, NULL);
	time_t now = time(NULL);
	dcap_collateral_spec old = {.issue = now - 60 * DAY, .next = now - DAY};
	collateral c = make_collateral(true, &old, NULL);
	bc_dcap_trust t = with_collateral(&c);
	expect_fail(&q, &t, BC_E_MISMATCH, "DCAP TCB info: expired (nextUpdate");
	collateral_free(&c);
	c = make_collateral(true, NULL, &old);
	t = with_collateral(&c);
	expect_fail(&q, &t, BC_E_MISMATCH, "DCAP QE identity: expired");
	collateral_free(&c);
	dcap_collateral_spec future = {.issue = now + DAY, .next = now + 30 * DAY};
	c = make_collateral(true, &future, NULL);
	t = with_collateral(&c);
	expect_fail(&q, &t, BC_E_MISMATCH, "issued in the future");
	collateral_free(&c);
	free(q.data);
}

static void test_fails_collateral_signature(void **state)
{
	(void)state;
	quote q = make_quote(4, 0, NULL);
	dcap_collateral_spec bad = {.bad_signature = true};
	collateral c = make_collateral(true, &bad, NULL);
	bc_dcap_trust t = with_collateral(&c);
	expect_fail(&q, &t, BC_E_MISMATCH, "DCAP TCB info: the signature does not verify");
	collateral_free(&c);
	c = make_collateral(true, NULL, &bad);
	t = with_collateral(&c);
	expect_fail(&q, &t, BC_E_MISMATCH, "DCAP QE identity: the signature does not verify");
	collateral_free(&c);

	/* one byte of the signed object changed: a space added in the object's text */
	c = make_collateral(true, NULL, NULL);
	char *p = strstr(c.tcb_info, "\"version\":3");
	assert_non_null(p);
	p[10] = '4'; /* "version":4, the signature no longer covers it */
	t = with_collateral(&c);
	expect_fail(&q, &t, BC_E_MISMATCH, "DCAP TCB info: the signature does not verify");
	collateral_free(&c);

	/* signed by a TCB signing key of another root */
	dcap_collateral_spec other = {.signer = fx.other.tcb_key};
	c = make_collateral(true, &other, NULL);
	t = with_collateral(&c);
	expect_fail(&q, &t, BC_E_MISMATCH, "the signature does not verify");
	/* and its chain: the other PKI's TCB chain does not lead to our root */
	uint8_t *chain = NULL;
	size_t chain_size = 0;
	assert_int_equal(dcap_sim_tcb_chain(&fx.other, &chain, &chain_size), 0);
	t.tcb_chain = chain;
	t.tcb_chain_size = chain_size;
	expect_fail(&q, &t, BC_E_MISMATCH, "TCB signing certificate chain does not verify");
	free(chain);
	collateral_free(&c);
	free(q.data);
}

static void test_tcb_status_levels(void **state)
{
	(void)state;
	quote q = make_quote(4, 0, NULL);
	char *up = dcap_sim_tcb_level("UpToDate", 1, true, 3);
	char *sw = dcap_sim_tcb_level("SWHardeningNeeded", 0, true, 3);
	char *rev = dcap_sim_tcb_level("Revoked", 0, true, 3);
	char levels[8192];
	snprintf(levels, sizeof(levels), "[%s,%s]", up, sw);
	dcap_collateral_spec spec = {.levels = levels};
	collateral c = make_collateral(true, &spec, NULL);
	bc_dcap_trust t = with_collateral(&c);
	bc_dcap_result res;
	expect_pass(&q, &t, &res);
	assert_int_equal(res.tcb_status, BC_DCAP_TCB_SW_HARDENING_NEEDED);
	assert_int_equal(res.status, BC_DCAP_TCB_SW_HARDENING_NEEDED);
	assert_false(bc_dcap_tcb_meets(res.status, BC_DCAP_TCB_UP_TO_DATE));
	assert_true(bc_dcap_tcb_meets(res.status, BC_DCAP_TCB_SW_HARDENING_NEEDED));
	assert_true(bc_dcap_tcb_meets(res.status, BC_DCAP_TCB_OUT_OF_DATE));
	collateral_free(&c);

	snprintf(levels, sizeof(levels), "[%s,%s]", up, rev);
	c = make_collateral(true, &spec, NULL);
	t = with_collateral(&c);
	expect_pass(&q, &t, &res);
	assert_int_equal(res.status, BC_DCAP_TCB_REVOKED);
	assert_false(bc_dcap_tcb_meets(res.status, BC_DCAP_TCB_REVOKED));
	collateral_free(&c);

	snprintf(levels, sizeof(levels), "[%s]", up); /* no level the platform reaches */
	c = make_collateral(true, &spec, NULL);
	t = with_collateral(&c);
	expect_pass(&q, &t, &res);
	assert_int_equal(res.status, BC_DCAP_TCB_NONE);
	assert_false(bc_dcap_tcb_meets(res.status, BC_DCAP_TCB_OUT_OF_DATE_CONFIGURATION_NEEDED));
	collateral_free(&c);

	/* the QE's ISVSVN below the identity's UpToDate level */
	dcap_quote_spec old_qe = {.version = 4, .qe_isvsvn = 5};
	quote q2 = {0};
	assert_int_equal(dcap_sim_quote(&fx.sim, &old_qe, &q2.data, &q2.size), 0);
	c = make_collateral(true, NULL, NULL);
	t = with_collateral(&c);
	expect_pass(&q2, &t, &res);
	assert_int_equal(res.tcb_status, BC_DCAP_TCB_UP_TO_DATE);
	assert_int_equal(res.qe_status, BC_DCAP_TCB_OUT_OF_DATE);
	assert_int_equal(res.status, BC_DCAP_TCB_OUT_OF_DATE);
	collateral_free(&c);
	free(q2.data);
	free(up);
	free(sw);
	free(rev);
	free(q.data);
}

/* ---- the TDX module's identity (tdxModuleIdentities), as Intel's QVL judges it ---- */

/* A v4 TD quote whose TEE_TCB_SVN is the default with [0] = svn, [1] = major (byte 2,
 * 6, still meets the default platform level's tdxtcbcomponents). */
static quote make_td_quote(uint8_t svn, uint8_t major)
{
	uint8_t body[BC_DCAP_TD15_BODY_SIZE];
	size_t size = dcap_sim_default_body(2, body);
	body[0] = svn;
	body[1] = major;
	quote q = {0};
	dcap_quote_spec spec = {.version = 4, .body_type = 2, .body = body, .body_size = size};
	assert_int_equal(dcap_sim_quote(&fx.sim, &spec, &q.data, &q.size), 0);
	return q;
}

/* TCB info with identities (a JSON array's text), the default levels otherwise. */
static collateral module_collateral(const char *identities)
{
	dcap_collateral_spec spec = {.module_identities = identities};
	return make_collateral(true, &spec, NULL);
}

/* "[{id, mrsigner (NULL: zeros), tcbLevels: [{isvsvn, status}...]}]", malloc'ed. */
static char *identities_of(const char *id, const char *mrsigner, size_t n, const unsigned *svns,
			   const char *const *statuses)
{
	char levels[4096] = "[", *ident, *out;
	size_t used = 1;
	for (size_t i = 0; i < n; i++) {
		char *l = dcap_sim_module_level(svns[i], statuses[i]);
		assert_non_null(l);
		int k = snprintf(levels + used, sizeof(levels) - used, "%s%s", i ? "," : "", l);
		assert_true(k > 0 && (size_t)k < sizeof(levels) - used);
		used += (size_t)k;
		free(l);
	}
	assert_true(used + 1 < sizeof(levels));
	levels[used] = ']';
	levels[used + 1] = '\0';
	ident = dcap_sim_module_identity(id, mrsigner, levels);
	assert_non_null(ident);
	size_t size = strlen(ident) + 3;
	out = malloc(size);
	assert_non_null(out);
	snprintf(out, size, "[%s]", ident);
	free(ident);
	return out;
}

/* The module's status for its SVN, the platform being UpToDate and the QE too. */
static bc_dcap_tcb_status module_status_for(uint8_t svn, const char *identities,
					    bc_dcap_result *res)
{
	quote q = make_td_quote(svn, 1);
	collateral c = module_collateral(identities);
	bc_dcap_trust t = with_collateral(&c);
	expect_pass(&q, &t, res);
	assert_true(res->module_checked);
	assert_string_equal(res->module_id, "TDX_01");
	assert_int_equal(res->module_svn, svn);
	assert_int_equal(res->tcb_status, BC_DCAP_TCB_UP_TO_DATE);
	assert_int_equal(res->qe_status, BC_DCAP_TCB_UP_TO_DATE);
	collateral_free(&c);
	free(q.data);
	return res->module_status;
}

/* The level of the highest isvsvn <= TEE_TCB_SVN[0], whatever the file's order (QVL
 * keeps them in a set ordered by isvsvn); none is None; the worse status wins. */
static void test_tdx_module_level_selection(void **state)
{
	(void)state;
	static const unsigned svns[] = {2, 5, 3};
	static const char *const statuses[] = {"OutOfDate", "UpToDate", "Revoked"};
	char *ids = identities_of("TDX_01", NULL, 3, svns, statuses);
	bc_dcap_result res;
	assert_int_equal(module_status_for(9, ids, &res), BC_DCAP_TCB_UP_TO_DATE);
	assert_int_equal(res.status, BC_DCAP_TCB_UP_TO_DATE);
	assert_int_equal(module_status_for(5, ids, &res), BC_DCAP_TCB_UP_TO_DATE);
	assert_int_equal(module_status_for(4, ids, &res), BC_DCAP_TCB_REVOKED);
	assert_int_equal(res.status, BC_DCAP_TCB_REVOKED);
	assert_int_equal(module_status_for(3, ids, &res), BC_DCAP_TCB_REVOKED);
	assert_int_equal(module_status_for(2, ids, &res), BC_DCAP_TCB_OUT_OF_DATE);
	assert_int_equal(res.status, BC_DCAP_TCB_OUT_OF_DATE);
	assert_int_equal(module_status_for(1, ids, &res), BC_DCAP_TCB_NONE);
	assert_int_equal(res.status, BC_DCAP_TCB_NONE);
	char words[80];
	assert_string_equal(bc_dcap_module_words(&res, words, sizeof(words)),
			    ", TDX module TDX_01 at SVN 1 below every level (not supported)");
	free(ids);
	/* the document's id is compared upper-cased */
	ids = identities_of("tdx_01", NULL, 2, svns, statuses);
	assert_int_equal(module_status_for(6, ids, &res), BC_DCAP_TCB_UP_TO_DATE);
	assert_string_equal(bc_dcap_module_words(&res, words, sizeof(words)),
			    ", TDX module TDX_01 at SVN 6 UpToDate");
	free(ids);
}

/* "TDX_" and the major version in two upper-case hex digits: 10 is TDX_0A. */
static void test_tdx_module_id_is_hex(void **state)
{
	(void)state;
	static const unsigned svn[] = {0};
	static const char *const up[] = {"UpToDate"};
	quote q = make_td_quote(3, 10);
	char *ids = identities_of("TDX_0A", NULL, 1, svn, up);
	collateral c = module_collateral(ids);
	bc_dcap_trust t = with_collateral(&c);
	bc_dcap_result res;
	expect_pass(&q, &t, &res);
	assert_true(res.module_checked);
	assert_string_equal(res.module_id, "TDX_0A");
	collateral_free(&c);
	free(ids);
	ids = identities_of("TDX_10", NULL, 1, svn, up);
	c = module_collateral(ids);
	t = with_collateral(&c);
	expect_fail(&q, &t, BC_E_MISMATCH, "no tdxModuleIdentities entry \"TDX_0A\"");
	collateral_free(&c);
	free(ids);
	free(q.data);
}

static void test_tdx_module_mismatches(void **state)
{
	(void)state;
	static const unsigned svn[] = {0};
	static const char *const up[] = {"UpToDate"};
	quote q = make_td_quote(3, 2);
	/* no identity for major version 2 */
	char *ids = identities_of("TDX_01", NULL, 1, svn, up);
	collateral c = module_collateral(ids);
	bc_dcap_trust t = with_collateral(&c);
	expect_fail(&q, &t, BC_E_MISMATCH,
		    "no tdxModuleIdentities entry \"TDX_02\" for the quote's TDX module of major "
		    "version 2");
	collateral_free(&c);
	free(ids);
	/* no tdxModuleIdentities at all */
	c = module_collateral(NULL);
	t = with_collateral(&c);
	expect_fail(&q, &t, BC_E_MISMATCH, "no tdxModuleIdentities, and the quote's TDX module");
	collateral_free(&c);
	/* another signer than the quote's MRSIGNERSEAM (zeros) */
	char other[97];
	memset(other, 'A', 96);
	other[96] = '\0';
	ids = identities_of("TDX_02", other, 1, svn, up);
	c = module_collateral(ids);
	t = with_collateral(&c);
	expect_fail(&q, &t, BC_E_MISMATCH,
		    "MRSIGNERSEAM is not tdxModuleIdentities \"TDX_02\".mrsigner");
	collateral_free(&c);
	free(ids);
	/* attributes 1 under the mask: the quote's SEAMATTRIBUTES are 0 */
	ids = identities_of("TDX_02", NULL, 1, svn, up);
	char *attr = strstr(ids, "\"attributes\":\"00");
	assert_non_null(attr);
	attr[strlen("\"attributes\":\"0")] = '1';
	c = module_collateral(ids);
	t = with_collateral(&c);
	expect_fail(&q, &t, BC_E_MISMATCH,
		    "SEAMATTRIBUTES differ from tdxModuleIdentities \"TDX_02\".attributes");
	collateral_free(&c);
	free(ids);
	free(q.data);
	/* major version 0: the identities are read, not used (another signer passes) */
	q = make_td_quote(3, 0);
	ids = identities_of("TDX_00", other, 1, svn, up);
	c = module_collateral(ids);
	t = with_collateral(&c);
	bc_dcap_result res;
	expect_pass(&q, &t, &res);
	assert_false(res.module_checked);
	assert_int_equal(res.status, BC_DCAP_TCB_UP_TO_DATE);
	collateral_free(&c);
	free(ids);
	free(q.data);
}

/* tdxModuleIdentities is read strictly, every entry; errors name the entry and field. */
static void test_tdx_module_identities_malformed(void **state)
{
	(void)state;
	static const struct {
		const char *ids, *want;
	} bad[] = {
	    {"{}", "tdxModuleIdentities: not an array"},
	    {"[]", "tdxModuleIdentities: an empty array"},
	    {"[1]", "tdxModuleIdentities[0]: (entry): not an object"},
	    {"[{\"mrsigner\":\"00\"}]", "tdxModuleIdentities[0]: id: missing"},
	    {"[{\"id\":\"TDX_01\",\"mrsigner\":\"00\"}]",
	     "tdxModuleIdentities[0]: mrsigner: not 96 hex digits"},
	};
	quote q = make_td_quote(3, 1);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		collateral c = module_collateral(bad[i].ids);
		bc_dcap_trust t = with_collateral(&c);
		expect_fail(&q, &t, BC_E_FORMAT, bad[i].want);
		collateral_free(&c);
	}
	/* levels: none, two of one isvsvn, a status a module level has not, a bad date */
	static const unsigned two[] = {4, 4}, one[] = {4};
	static const char *const up2[] = {"UpToDate", "OutOfDate"};
	static const char *const sw[] = {"SWHardeningNeeded"};
	struct {
		char *ids;
		const char *want;
	} levels[] = {
	    {identities_of("TDX_01", NULL, 0, NULL, NULL), "tcbLevels: missing, empty"},
	    {identities_of("TDX_01", NULL, 2, two, up2), "two levels of one isvsvn"},
	    {identities_of("TDX_01", NULL, 1, one, sw), "is not one a TDX module level has"},
	    {identities_of("TDX_01", NULL, 1, one, up2), "tcbDate: not a date"},
	};
	char *date = strstr(levels[3].ids, "2024-03-13T");
	assert_non_null(date);
	date[10] = ' ';
	for (size_t i = 0; i < sizeof(levels) / sizeof(levels[0]); i++) {
		collateral c = module_collateral(levels[i].ids);
		bc_dcap_trust t = with_collateral(&c);
		expect_fail(&q, &t, BC_E_FORMAT, levels[i].want);
		collateral_free(&c);
		free(levels[i].ids);
	}
	free(q.data);
}

/* QVL's convergence of the platform's status with the module's (or the QE's). */
static void test_tcb_converge(void **state)
{
	(void)state;
	static const struct {
		bc_dcap_tcb_status platform, part, want;
	} cases[] = {
	    {BC_DCAP_TCB_UP_TO_DATE, BC_DCAP_TCB_UP_TO_DATE, BC_DCAP_TCB_UP_TO_DATE},
	    {BC_DCAP_TCB_SW_HARDENING_NEEDED, BC_DCAP_TCB_UP_TO_DATE,
	     BC_DCAP_TCB_SW_HARDENING_NEEDED},
	    {BC_DCAP_TCB_UP_TO_DATE, BC_DCAP_TCB_OUT_OF_DATE, BC_DCAP_TCB_OUT_OF_DATE},
	    {BC_DCAP_TCB_SW_HARDENING_NEEDED, BC_DCAP_TCB_OUT_OF_DATE, BC_DCAP_TCB_OUT_OF_DATE},
	    {BC_DCAP_TCB_CONFIGURATION_NEEDED, BC_DCAP_TCB_OUT_OF_DATE,
	     BC_DCAP_TCB_OUT_OF_DATE_CONFIGURATION_NEEDED},
	    {BC_DCAP_TCB_CONFIGURATION_AND_SW_HARDENING_NEEDED, BC_DCAP_TCB_OUT_OF_DATE,
	     BC_DCAP_TCB_OUT_OF_DATE_CONFIGURATION_NEEDED},
	    {BC_DCAP_TCB_OUT_OF_DATE_CONFIGURATION_NEEDED, BC_DCAP_TCB_OUT_OF_DATE,
	     BC_DCAP_TCB_OUT_OF_DATE_CONFIGURATION_NEEDED},
	    {BC_DCAP_TCB_REVOKED, BC_DCAP_TCB_OUT_OF_DATE, BC_DCAP_TCB_REVOKED},
	    {BC_DCAP_TCB_UP_TO_DATE, BC_DCAP_TCB_REVOKED, BC_DCAP_TCB_REVOKED},
	    {BC_DCAP_TCB_UP_TO_DATE, BC_DCAP_TCB_NONE, BC_DCAP_TCB_NONE},
	    {BC_DCAP_TCB_NONE, BC_DCAP_TCB_UP_TO_DATE, BC_DCAP_TCB_NONE},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		assert_int_equal(bc_dcap_tcb_converge(cases[i].platform, cases[i].part),
				 cases[i].want);
}

static void test_tcb_info_v2_sgx(void **state)
{
	(void)state;
	quote q = make_quote(3, 0, NULL);
	char *up = dcap_sim_tcb_level("UpToDate", 1, false, 2);
	char *cfg = dcap_sim_tcb_level("ConfigurationNeeded", 0, false, 2);
	char levels[8192];
	snprintf(levels, sizeof(levels), "[%s,%s]", up, cfg);
	dcap_collateral_spec spec = {.version = 2, .levels = levels};
	collateral c = make_collateral(false, &spec, NULL);
	bc_dcap_trust t = with_collateral(&c);
	bc_dcap_result res;
	expect_pass(&q, &t, &res);
	assert_string_equal(res.tcb_id, "SGX");
	assert_int_equal(res.tcb_status, BC_DCAP_TCB_CONFIGURATION_NEEDED);
	collateral_free(&c);
	free(up);
	free(cfg);
	free(q.data);
}

static void test_collateral_for_other_platform(void **state)
{
	(void)state;
	quote q = make_quote(4, 0, NULL);
	dcap_collateral_spec spec = {.fmspc = "00906ea10000"};
	collateral c = make_collateral(true, &spec, NULL);
	bc_dcap_trust t = with_collateral(&c);
	expect_fail(&q, &t, BC_E_MISMATCH, "its fmspc is not the PCK certificate's");
	collateral_free(&c);
	/* SGX collateral for a TDX quote */
	c = make_collateral(false, NULL, NULL);
	t = with_collateral(&c);
	expect_fail(&q, &t, BC_E_MISMATCH, "its id is \"SGX\"");
	collateral_free(&c);
	/* the identity of the SGX QE for a TD's */
	dcap_collateral_spec qe = {.id = "QE"};
	c = make_collateral(true, NULL, &qe);
	t = with_collateral(&c);
	expect_fail(&q, &t, BC_E_MISMATCH, "its id is \"QE\"");
	collateral_free(&c);
	/* collateral without the TCB signing chain */
	c = make_collateral(true, NULL, NULL);
	t = with_collateral(&c);
	t.tcb_chain = NULL;
	expect_fail(&q, &t, BC_E_INVALID, "TCB signing certificate chain");
	collateral_free(&c);
	free(q.data);
}

static void test_collateral_malformed(void **state)
{
	(void)state;
	quote q = make_quote(4, 0, NULL);
	collateral c = make_collateral(true, NULL, NULL);
	bc_dcap_trust t = with_collateral(&c);
	static const char *const bad[] = {
	    "",
	    "{}",
	    "{\"tcbInfo\":{}}",
	    "{\"tcbInfo\":{},\"signature\":\"00\"}",
	    "[1,2]",
	    "{\"tcbInfo\":{\"version\":3},\"signature\":\"zz\"}",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		t.tcb_info = (const uint8_t *)bad[i];
		t.tcb_info_size = strlen(bad[i]);
		bc_dcap_result res;
		bc_error err = {0};
		assert_int_equal(bc_dcap_verify(q.data, q.size, &t, &res, &err), BC_E_FORMAT);
	}
	/* a truncated file at every length */
	size_t n = strlen(c.tcb_info);
	for (size_t k = 0; k < n; k += 7) {
		t.tcb_info = (const uint8_t *)c.tcb_info;
		t.tcb_info_size = k;
		bc_dcap_result res;
		bc_error err = {0};
		assert_int_not_equal(bc_dcap_verify(q.data, q.size, &t, &res, &err), BC_OK);
	}
	collateral_free(&c);
	free(q.data);
}

static void test_status_names_and_order(void **state)
{
	(void)state;
	static const char *const names[] = {
	    "UpToDate",
	    "SWHardeningNeeded",
	    "ConfigurationNeeded",
	    "ConfigurationAndSWHardeningNeeded",
	    "OutOfDate",
	    "OutOfDateConfigurationNeeded",
	    "Revoked",
	};
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		bc_dcap_tcb_status s;
		assert_true(bc_dcap_tcb_status_parse(names[i], &s));
		assert_int_equal(s, i);
		assert_string_equal(bc_dcap_tcb_status_name(s), names[i]);
		for (size_t m = 0; m < sizeof(names) / sizeof(names[0]); m++)
			assert_int_equal(bc_dcap_tcb_meets(s, (bc_dcap_tcb_status)m),
					 i <= m && s != BC_DCAP_TCB_REVOKED);
	}
	bc_dcap_tcb_status s;
	assert_false(bc_dcap_tcb_status_parse("uptodate", &s));
	assert_false(bc_dcap_tcb_status_parse("None", &s));
}

/* The real Intel SGX Root CA loads, and pinned, a chain to the test root fails. */
static void test_real_intel_root_pinned(void **state)
{
	(void)state;
	uint8_t *pem = NULL;
	size_t size = 0;
	bc_error err = {0};
	assert_int_equal(
	    bc_read_file(KEEP_ROOTS_DIR "/intel-sgx-root-ca.pem", 1 << 16, &pem, &size, &err),
	    BC_OK);
	quote q = make_quote(4, 0, NULL);
	bc_dcap_trust t = {.root = pem, .root_size = size};
	expect_fail(&q, &t, BC_E_MISMATCH, "which is not the pinned root");
	/* the test root passes where Intel's fails: the failure is the pin */
	t = base_trust();
	bc_dcap_result res;
	expect_pass(&q, &t, &res);
	free(pem);
	free(q.data);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_parse_v3_sgx),
	    cmocka_unit_test(test_parse_v4_tdx),
	    cmocka_unit_test(test_parse_v5),
	    cmocka_unit_test(test_parse_debug_bits),
	    cmocka_unit_test(test_parse_malformed_lengths),
	    cmocka_unit_test(test_no_crash_on_mutations),
	    cmocka_unit_test(test_verify_each_version),
	    cmocka_unit_test(test_pck_extensions),
	    cmocka_unit_test(test_fails_changed_body_byte),
	    cmocka_unit_test(test_fails_other_attestation_key),
	    cmocka_unit_test(test_fails_changed_qe_report),
	    cmocka_unit_test(test_fails_changed_qe_auth_data),
	    cmocka_unit_test(test_fails_chain_to_other_root),
	    cmocka_unit_test(test_fails_revoked),
	    cmocka_unit_test(test_fails_expired_certificates),
	    cmocka_unit_test(test_fails_expired_collateral),
	    cmocka_unit_test(test_fails_collateral_signature),
	    cmocka_unit_test(test_tcb_status_levels),
	    cmocka_unit_test(test_tdx_module_level_selection),
	    cmocka_unit_test(test_tdx_module_id_is_hex),
	    cmocka_unit_test(test_tdx_module_mismatches),
	    cmocka_unit_test(test_tdx_module_identities_malformed),
	    cmocka_unit_test(test_tcb_converge),
	    cmocka_unit_test(test_tcb_info_v2_sgx),
	    cmocka_unit_test(test_collateral_for_other_platform),
	    cmocka_unit_test(test_collateral_malformed),
	    cmocka_unit_test(test_status_names_and_order),
	    cmocka_unit_test(test_real_intel_root_pinned),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
