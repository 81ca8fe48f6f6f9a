/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The Keep (attest/keep.c): SEV-SNP reports built here byte by byte at the offsets of
 * the AMD ABI specification, parsed and refused; their signature made here with a
 * P-384 key and verified, alone and up a chain VCEK <- ASK <- ARK made here (RSA,
 * RSASSA-PSS with SHA-384 as AMD's); the VCEK matched to the report's chip and TCB
 * through its extensions (written here in DER as AMD's VCEK specification gives them),
 * and every certificate's dates; and bc_tsm_report() against a fake provider thread
 * serving a plain folder, honest and racing.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "attest/keep.h"
#include "tests/tools/snp-sign.h"

/* ---- fixtures: keys and certificates, made once ---- */

typedef struct cert {
	uint8_t *data;
	size_t size;
} cert;

static struct fixtures {
	EVP_PKEY *vcek_key, *other_vcek_key, *p256_key;
	EVP_PKEY *ark_key, *ask_key, *rogue_key;
	cert ark, ask, vcek, vcek_der, other_vcek, vcek_p256, vcek_rsa;
	cert ask_by_rogue, ask_other_issuer, ark_by_rogue, vcek_by_rogue;
} fx;

/* What a VCEK says of the chip and the TCB it was made for, and a certificate's dates.
 * The reports of build_signed_report() are of the chip 0xA0 0xA1 ... 0xDF and the TCB
 * bootloader 2, tee 0, snp 7, microcode 114 (REPORTED_TCB 0x7207000000000002). */
#define DAY		  (3600L * 24)
#define OID_HWID	  "1.3.6.1.4.1.3704.1.4"
#define OID_BL_SPL	  "1.3.6.1.4.1.3704.1.3.1"
#define OID_TEE_SPL	  "1.3.6.1.4.1.3704.1.3.2"
#define OID_SNP_SPL	  "1.3.6.1.4.1.3704.1.3.3"
#define OID_UCODE_SPL	  "1.3.6.1.4.1.3704.1.3.8"
#define OID_FMC_SPL	  "1.3.6.1.4.1.3704.1.3.9"
#define REPORT_CHIP_FIRST 0xA0
#define REPORT_TCB	  UINT64_C(0x7207000000000002)

typedef struct cert_opts {
	long not_before, not_after; /* seconds from now */
	bool vcek_ids;		    /* hwID and the SPLs below */
	uint8_t chip_id[64];
	size_t hwid_size;	 /* 64, or 8 on Turin */
	bool bare_hwid, no_hwid; /* the 64 bytes without DER; none at all */
	int spl[5];		 /* bootloader, tee, snp, microcode, fmc; -1: none */
	const char *extra_oid;	 /* one more extension, with the DER extra_der */
	const uint8_t *extra_der;
	size_t extra_size;
} cert_opts;

/* A VCEK of the reports' chip and TCB, valid for a year. */
static cert_opts vcek_opts(void)
{
	cert_opts o = {
	    .not_after = 365 * DAY, .vcek_ids = true, .hwid_size = 64, .spl = {2, 0, 7, 114, -1}};
	for (int i = 0; i < 64; i++)
		o.chip_id[i] = (uint8_t)(REPORT_CHIP_FIRST + i);
	return o;
}

static void add_ext_der(X509 *x, const char *oid, const uint8_t *der, size_t size)
{
	ASN1_OBJECT *obj = OBJ_txt2obj(oid, 1);
	ASN1_OCTET_STRING *v = ASN1_OCTET_STRING_new();
	assert_non_null(obj);
	assert_non_null(v);
	assert_int_equal(ASN1_OCTET_STRING_set(v, der, (int)size), 1);
	X509_EXTENSION *e = X509_EXTENSION_create_by_OBJ(NULL, obj, 0, v);
	assert_non_null(e);
	assert_int_equal(X509_add_ext(x, e, -1), 1);
	X509_EXTENSION_free(e);
	ASN1_OCTET_STRING_free(v);
	ASN1_OBJECT_free(obj);
}

static void add_spl(X509 *x, const char *oid, int spl)
{
	/* a DER INTEGER: 02 01 n, or 02 02 00 n when the high bit is set */
	uint8_t der[4] = {0x02, 0x01, (uint8_t)spl};
	if (spl < 0)
		return;
	if (spl > 0x7f) {
		der[1] = 2, der[2] = 0, der[3] = (uint8_t)spl;
		add_ext_der(x, oid, der, 4);
	} else {
		add_ext_der(x, oid, der, 3);
	}
}

static void add_vcek_ids(X509 *x, const cert_opts *o)
{
	static const char *const oids[] = {OID_BL_SPL, OID_TEE_SPL, OID_SNP_SPL, OID_UCODE_SPL,
					   OID_FMC_SPL};
	uint8_t hwid[2 + 64] = {0x04, (uint8_t)o->hwid_size}; /* an OCTET STRING */
	memcpy(hwid + 2, o->chip_id, o->hwid_size);
	if (o->bare_hwid)
		add_ext_der(x, OID_HWID, o->chip_id, 64);
	else if (!o->no_hwid)
		add_ext_der(x, OID_HWID, hwid, 2 + o->hwid_size);
	for (int i = 0; i < 5; i++)
		add_spl(x, oids[i], o->spl[i]);
}

static X509 *make_x509_opts(const char *cn, EVP_PKEY *key, const char *issuer_cn,
			    EVP_PKEY *issuer_key, bool ca, long serial, const cert_opts *o)
{
	X509 *x = X509_new();
	assert_non_null(x);
	assert_int_equal(X509_set_version(x, X509_VERSION_3), 1);
	assert_int_equal(ASN1_INTEGER_set(X509_get_serialNumber(x), serial), 1);
	assert_non_null(X509_gmtime_adj(X509_getm_notBefore(x), o->not_before));
	assert_non_null(X509_gmtime_adj(X509_getm_notAfter(x), o->not_after));
	if (o->vcek_ids)
		add_vcek_ids(x, o);
	if (o->extra_oid)
		add_ext_der(x, o->extra_oid, o->extra_der, o->extra_size);
	X509_NAME *subject = X509_get_subject_name(x), *issuer = X509_get_issuer_name(x);
	assert_int_equal(X509_NAME_add_entry_by_txt(subject, "O", MBSTRING_ASC,
						    (const unsigned char *)"Test AMD", -1, -1, 0),
			 1);
	assert_int_equal(X509_NAME_add_entry_by_txt(subject, "CN", MBSTRING_ASC,
						    (const unsigned char *)cn, -1, -1, 0),
			 1);
	assert_int_equal(X509_NAME_add_entry_by_txt(issuer, "O", MBSTRING_ASC,
						    (const unsigned char *)"Test AMD", -1, -1, 0),
			 1);
	assert_int_equal(X509_NAME_add_entry_by_txt(issuer, "CN", MBSTRING_ASC,
						    (const unsigned char *)issuer_cn, -1, -1, 0),
			 1);
	assert_int_equal(X509_set_pubkey(x, key), 1);
	if (ca) {
		X509_EXTENSION *bc =
		    X509V3_EXT_nconf_nid(NULL, NULL, NID_basic_constraints, "critical,CA:TRUE");
		X509_EXTENSION *ku =
		    X509V3_EXT_nconf_nid(NULL, NULL, NID_key_usage, "critical,keyCertSign,cRLSign");
		assert_non_null(bc);
		assert_non_null(ku);
		assert_int_equal(X509_add_ext(x, bc, -1), 1);
		assert_int_equal(X509_add_ext(x, ku, -1), 1);
		X509_EXTENSION_free(bc);
		X509_EXTENSION_free(ku);
	}
	/* RSASSA-PSS with SHA-384 and a 48-byte salt, as AMD signs */
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	EVP_PKEY_CTX *pctx = NULL;
	assert_non_null(md);
	assert_int_equal(EVP_DigestSignInit(md, &pctx, EVP_sha384(), NULL, issuer_key), 1);
	if (EVP_PKEY_is_a(issuer_key, "RSA")) {
		assert_true(EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) > 0);
		assert_true(EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, 48) > 0);
	}
	assert_true(X509_sign_ctx(x, md) > 0);
	EVP_MD_CTX_free(md);
	return x;
}

/* A CA certificate valid for a year, or a VCEK of the reports' chip and TCB. */
static X509 *make_x509(const char *cn, EVP_PKEY *key, const char *issuer_cn, EVP_PKEY *issuer_key,
		       bool ca, long serial)
{
	cert_opts o = ca ? (cert_opts){.not_after = 365 * DAY} : vcek_opts();
	return make_x509_opts(cn, key, issuer_cn, issuer_key, ca, serial, &o);
}

static cert to_pem(X509 *x)
{
	BIO *bio = BIO_new(BIO_s_mem());
	char *p = NULL;
	assert_non_null(bio);
	assert_int_equal(PEM_write_bio_X509(bio, x), 1);
	long n = BIO_get_mem_data(bio, &p);
	cert c = {.data = malloc((size_t)n), .size = (size_t)n};
	assert_non_null(c.data);
	memcpy(c.data, p, (size_t)n);
	BIO_free(bio);
	return c;
}

static cert to_der(X509 *x)
{
	unsigned char *der = NULL;
	int n = i2d_X509(x, &der);
	assert_true(n > 0);
	cert c = {.data = malloc((size_t)n), .size = (size_t)n};
	assert_non_null(c.data);
	memcpy(c.data, der, (size_t)n);
	OPENSSL_free(der);
	return c;
}

static cert make_cert(const char *cn, EVP_PKEY *key, const char *issuer_cn, EVP_PKEY *issuer_key,
		      bool ca, long serial)
{
	X509 *x = make_x509(cn, key, issuer_cn, issuer_key, ca, serial);
	cert c = to_pem(x);
	X509_free(x);
	return c;
}

static cert make_cert_opts(const char *cn, EVP_PKEY *key, const char *issuer_cn,
			   EVP_PKEY *issuer_key, bool ca, long serial, const cert_opts *o)
{
	X509 *x = make_x509_opts(cn, key, issuer_cn, issuer_key, ca, serial, o);
	cert c = to_pem(x);
	X509_free(x);
	return c;
}

static int setup_fixtures(void **state)
{
	(void)state;
	fx.vcek_key = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-384");
	fx.other_vcek_key = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-384");
	fx.p256_key = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	fx.ark_key = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048);
	fx.ask_key = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048);
	fx.rogue_key = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048);
	if (!fx.vcek_key || !fx.other_vcek_key || !fx.p256_key || !fx.ark_key || !fx.ask_key ||
	    !fx.rogue_key)
		return -1;
	fx.ark = make_cert("ARK-Test", fx.ark_key, "ARK-Test", fx.ark_key, true, 1);
	fx.ask = make_cert("SEV-Test", fx.ask_key, "ARK-Test", fx.ark_key, true, 2);
	X509 *vcek = make_x509("SEV-VCEK", fx.vcek_key, "SEV-Test", fx.ask_key, false, 3);
	fx.vcek = to_pem(vcek);
	fx.vcek_der = to_der(vcek);
	X509_free(vcek);
	fx.other_vcek = make_cert("SEV-VCEK", fx.other_vcek_key, "SEV-Test", fx.ask_key, false, 4);
	fx.vcek_p256 = make_cert("SEV-VCEK", fx.p256_key, "SEV-Test", fx.ask_key, false, 5);
	fx.vcek_rsa = make_cert("SEV-VCEK", fx.rogue_key, "SEV-Test", fx.ask_key, false, 6);
	/* the right names, the wrong signer; or the wrong issuer name */
	fx.ask_by_rogue = make_cert("SEV-Test", fx.ask_key, "ARK-Test", fx.rogue_key, true, 7);
	fx.ask_other_issuer = make_cert("SEV-Test", fx.ask_key, "ARK-Other", fx.ark_key, true, 8);
	fx.ark_by_rogue = make_cert("ARK-Test", fx.ark_key, "ARK-Test", fx.rogue_key, true, 9);
	fx.vcek_by_rogue = make_cert("SEV-VCEK", fx.vcek_key, "SEV-Test", fx.rogue_key, false, 10);
	return 0;
}

static int teardown_fixtures(void **state)
{
	(void)state;
	cert *certs[] = {&fx.ark,	   &fx.ask,	     &fx.vcek,
			 &fx.vcek_der,	   &fx.other_vcek,   &fx.vcek_p256,
			 &fx.vcek_rsa,	   &fx.ask_by_rogue, &fx.ask_other_issuer,
			 &fx.ark_by_rogue, &fx.vcek_by_rogue};
	for (size_t i = 0; i < sizeof(certs) / sizeof(certs[0]); i++)
		free(certs[i]->data);
	EVP_PKEY *keys[] = {fx.vcek_key, fx.other_vcek_key, fx.p256_key,
			    fx.ark_key,	 fx.ask_key,	    fx.rogue_key};
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		EVP_PKEY_free(keys[i]);
	return 0;
}

/* ---- reports, written at the offsets of the ABI specification ---- */

static void fill(uint8_t *p, size_t n, uint8_t first)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (uint8_t)(first + i);
}

static void build_report(uint8_t *r, uint32_t version)
{
	memset(r, 0, BC_SNP_REPORT_SIZE);
	snp_put_u32le(r + 0x000, version);
	snp_put_u32le(r + 0x004, 0x11223344);			/* guest_svn */
	snp_put_u64le(r + 0x008, UINT64_C(0x00000000000b0001)); /* policy: debug, smt, 0.1 */
	fill(r + 0x010, 16, 0x10);				/* family_id */
	fill(r + 0x020, 16, 0x20);				/* image_id */
	snp_put_u32le(r + 0x030, 2);				/* vmpl */
	snp_put_u32le(r + 0x034, 1);				/* signature_algo */
	snp_put_u64le(r + 0x038, UINT64_C(0x7308000000000103)); /* current_tcb */
	snp_put_u64le(r + 0x040, 0x25);				/* platform_info */
	snp_put_u32le(r + 0x048, 0x1);				/* key_info: author key */
	snp_put_u32le(r + 0x04C, 0xdeadbeef);			/* reserved: ignored */
	fill(r + 0x050, 64, 0x50);				/* report_data */
	fill(r + 0x090, 48, 0x90);				/* measurement */
	fill(r + 0x0C0, 32, 0xC0);				/* host_data */
	fill(r + 0x0E0, 48, 0xE0);				/* id_key_digest */
	fill(r + 0x110, 48, 0x11);				/* author_key_digest */
	fill(r + 0x140, 32, 0x40);				/* report_id */
	fill(r + 0x160, 32, 0x60);				/* report_id_ma */
	snp_put_u64le(r + 0x180, UINT64_C(0x7207000000000002)); /* reported_tcb */
	r[0x188] = 0x19;					/* cpuid_fam_id */
	r[0x189] = 0x11;					/* cpuid_mod_id */
	r[0x18A] = 0x01;					/* cpuid_step */
	fill(r + 0x1A0, 64, 0xA0);				/* chip_id */
	snp_put_u64le(r + 0x1E0, UINT64_C(0x7106000000000001)); /* committed_tcb */
	r[0x1E8] = 21, r[0x1E9] = 55, r[0x1EA] = 1;		/* current 1.55.21 */
	r[0x1EC] = 20, r[0x1ED] = 54, r[0x1EE] = 1;		/* committed 1.54.20 */
	snp_put_u64le(r + 0x1F0, UINT64_C(0x7005000000000000)); /* launch_tcb */
	snp_put_u64le(r + 0x1F8, UINT64_C(0x0102030405060708)); /* launch_mit_vector */
	snp_put_u64le(r + 0x200, UINT64_C(0x1112131415161718)); /* current_mit_vector */
	fill(r + 0x2A0, 72, 0x01);				/* signature r */
	fill(r + 0x2E8, 72, 0x81);				/* signature s */
}

static void build_signed_report(uint8_t *r, EVP_PKEY *key)
{
	build_report(r, 2);
	memset(r + 0x188, 0, 3); /* version 2: reserved */
	memset(r + 0x1F8, 0, 16);
	memset(r + 0x2A0, 0, BC_SNP_REPORT_SIZE - 0x2A0);
	assert_int_equal(snp_sign_report(r, key), 0);
}

static void assert_bytes_from(const uint8_t *p, size_t n, uint8_t first)
{
	for (size_t i = 0; i < n; i++)
		assert_int_equal(p[i], (uint8_t)(first + i));
}

static void test_parse_reads_every_field_at_its_offset(void **state)
{
	(void)state;
	uint8_t raw[BC_SNP_REPORT_SIZE];
	bc_snp_report r;
	bc_error err = {0};
	build_report(raw, 5);
	assert_int_equal(bc_snp_report_parse(raw, sizeof(raw), &r, &err), BC_OK);
	assert_int_equal(r.version, 5);
	assert_int_equal(r.guest_svn, 0x11223344);
	assert_int_equal(r.policy, 0xb0001);
	assert_bytes_from(r.family_id, 16, 0x10);
	assert_bytes_from(r.image_id, 16, 0x20);
	assert_int_equal(r.vmpl, 2);
	assert_int_equal(r.signature_algo, 1);
	assert_int_equal(r.current_tcb, UINT64_C(0x7308000000000103));
	assert_int_equal(r.platform_info, 0x25);
	assert_int_equal(r.key_info, 1);
	assert_bytes_from(r.report_data, 64, 0x50);
	assert_bytes_from(r.measurement, 48, 0x90);
	assert_bytes_from(r.host_data, 32, 0xC0);
	assert_bytes_from(r.id_key_digest, 48, 0xE0);
	assert_bytes_from(r.author_key_digest, 48, 0x11);
	assert_bytes_from(r.report_id, 32, 0x40);
	assert_bytes_from(r.report_id_ma, 32, 0x60);
	assert_int_equal(r.reported_tcb, UINT64_C(0x7207000000000002));
	assert_int_equal(r.cpuid_fam_id, 0x19);
	assert_int_equal(r.cpuid_mod_id, 0x11);
	assert_int_equal(r.cpuid_step, 0x01);
	assert_bytes_from(r.chip_id, 64, 0xA0);
	assert_int_equal(r.committed_tcb, UINT64_C(0x7106000000000001));
	assert_int_equal(r.current_build, 21);
	assert_int_equal(r.current_minor, 55);
	assert_int_equal(r.current_major, 1);
	assert_int_equal(r.committed_build, 20);
	assert_int_equal(r.committed_minor, 54);
	assert_int_equal(r.committed_major, 1);
	assert_int_equal(r.launch_tcb, UINT64_C(0x7005000000000000));
	assert_int_equal(r.launch_mit_vector, UINT64_C(0x0102030405060708));
	assert_int_equal(r.current_mit_vector, UINT64_C(0x1112131415161718));
	assert_bytes_from(r.signature_r, 72, 0x01);
	assert_bytes_from(r.signature_s, 72, 0x81);
}

static void test_parse_zeroes_fields_a_version_lacks(void **state)
{
	(void)state;
	uint8_t raw[BC_SNP_REPORT_SIZE];
	bc_snp_report r;
	build_report(raw, 2); /* the builder fills the reserved bytes */
	assert_int_equal(bc_snp_report_parse(raw, sizeof(raw), &r, NULL), BC_OK);
	assert_int_equal(r.cpuid_fam_id, 0);
	assert_int_equal(r.cpuid_mod_id, 0);
	assert_int_equal(r.cpuid_step, 0);
	assert_int_equal(r.launch_mit_vector, 0);
	assert_int_equal(r.current_mit_vector, 0);
	for (uint32_t v = 3; v <= 4; v++) {
		build_report(raw, v);
		assert_int_equal(bc_snp_report_parse(raw, sizeof(raw), &r, NULL), BC_OK);
		assert_int_equal(r.version, v);
		assert_int_equal(r.cpuid_fam_id, 0x19);
		assert_int_equal(r.launch_mit_vector, 0);
		assert_int_equal(r.current_mit_vector, 0);
	}
}

static void test_parse_rejects_wrong_sizes(void **state)
{
	(void)state;
	static uint8_t raw[BC_SNP_REPORT_SIZE + 1];
	const size_t sizes[] = {0, 1, BC_SNP_SIGNED_SIZE, BC_SNP_REPORT_SIZE - 1,
				BC_SNP_REPORT_SIZE + 1};
	bc_snp_report r;
	build_report(raw, 2);
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		bc_error err = {0};
		assert_int_equal(bc_snp_report_parse(raw, sizes[i], &r, &err), BC_E_FORMAT);
		assert_non_null(strstr(err.msg, "1184"));
		assert_int_equal(r.version, 0); /* nothing half-filled */
	}
	bc_error err = {0};
	assert_int_equal(bc_snp_report_parse(NULL, BC_SNP_REPORT_SIZE, &r, &err), BC_E_FORMAT);
}

static void test_parse_rejects_unknown_versions(void **state)
{
	(void)state;
	const uint32_t versions[] = {0, 1, 6, 0x100, 0x02000000, UINT32_MAX};
	uint8_t raw[BC_SNP_REPORT_SIZE];
	bc_snp_report r;
	for (size_t i = 0; i < sizeof(versions) / sizeof(versions[0]); i++) {
		bc_error err = {0};
		build_report(raw, versions[i]);
		assert_int_equal(bc_snp_report_parse(raw, sizeof(raw), &r, &err), BC_E_UNSUPPORTED);
		assert_non_null(strstr(err.msg, "version"));
	}
}

static void test_parse_rejects_other_signature_algorithms(void **state)
{
	(void)state;
	const uint32_t algos[] = {0, 2, 0x100, UINT32_MAX};
	uint8_t raw[BC_SNP_REPORT_SIZE];
	bc_snp_report r;
	for (size_t i = 0; i < sizeof(algos) / sizeof(algos[0]); i++) {
		bc_error err = {0};
		build_report(raw, 2);
		snp_put_u32le(raw + 0x34, algos[i]);
		assert_int_equal(bc_snp_report_parse(raw, sizeof(raw), &r, &err), BC_E_UNSUPPORTED);
		assert_non_null(strstr(err.msg, "signature algorithm"));
	}
}

static void test_policy_and_tcb_helpers(void **state)
{
	(void)state;
	uint8_t raw[BC_SNP_REPORT_SIZE];
	bc_snp_report r;
	assert_false(bc_snp_policy_debug(0x30000));
	assert_true(bc_snp_policy_smt(0x30000));
	assert_true(bc_snp_policy_debug(0x80000));
	assert_false(bc_snp_policy_migrate_ma(0x30000));
	assert_true(bc_snp_policy_migrate_ma(0x40000));
	assert_true(bc_snp_policy_single_socket(0x100000));
	assert_int_equal(bc_snp_policy_abi_major(0x31f02), 0x1f);
	assert_int_equal(bc_snp_policy_abi_minor(0x31f02), 0x02);

	build_report(raw, 3);
	assert_int_equal(bc_snp_report_parse(raw, sizeof(raw), &r, NULL), BC_OK);
	assert_true(bc_snp_policy_debug(r.policy));
	assert_false(bc_snp_report_is_turin(&r));
	assert_int_equal(bc_snp_signing_key(&r), BC_SNP_KEY_SIGNING_VCEK);
	bc_snp_tcb t = bc_snp_tcb_split(r.current_tcb, false);
	assert_int_equal(t.fmc, 0);
	assert_int_equal(t.bootloader, 3);
	assert_int_equal(t.tee, 1);
	assert_int_equal(t.snp, 8);
	assert_int_equal(t.microcode, 0x73);

	raw[0x188] = 0x1A;		    /* Turin */
	snp_put_u32le(raw + 0x48, 1u << 2); /* VLEK */
	snp_put_u64le(raw + 0x38, UINT64_C(0x4800000004030201));
	assert_int_equal(bc_snp_report_parse(raw, sizeof(raw), &r, NULL), BC_OK);
	assert_true(bc_snp_report_is_turin(&r));
	assert_int_equal(bc_snp_signing_key(&r), BC_SNP_KEY_SIGNING_VLEK);
	t = bc_snp_tcb_split(r.current_tcb, bc_snp_report_is_turin(&r));
	assert_int_equal(t.fmc, 1);
	assert_int_equal(t.bootloader, 2);
	assert_int_equal(t.tee, 3);
	assert_int_equal(t.snp, 4);
	assert_int_equal(t.microcode, 0x48);
}

/* ---- signature ---- */

static bc_status verify(const uint8_t *report, const cert *vcek, const cert *ask, const cert *ark,
			bc_error *err)
{
	return bc_snp_report_verify(report, BC_SNP_REPORT_SIZE, vcek->data, vcek->size,
				    ask ? ask->data : NULL, ask ? ask->size : 0,
				    ark ? ark->data : NULL, ark ? ark->size : 0, err);
}

static void test_verify_accepts_a_good_signature(void **state)
{
	(void)state;
	uint8_t raw[BC_SNP_REPORT_SIZE];
	bc_error err = {0};
	build_signed_report(raw, fx.vcek_key);
	assert_int_equal(verify(raw, &fx.vcek, NULL, NULL, &err), BC_OK);
	assert_int_equal(verify(raw, &fx.vcek_der, NULL, NULL, &err), BC_OK);
	/* the signature's reserved tail is not signed */
	raw[BC_SNP_REPORT_SIZE - 1] ^= 0xff;
	assert_int_equal(verify(raw, &fx.vcek, NULL, NULL, &err), BC_OK);
}

static void test_verify_refuses_a_flipped_signed_byte(void **state)
{
	(void)state;
	const size_t offsets[] = {0x000, 0x008, 0x050, 0x08F, 0x090, 0x1A0, 0x29F};
	uint8_t raw[BC_SNP_REPORT_SIZE];
	build_signed_report(raw, fx.vcek_key);
	for (size_t i = 0; i < sizeof(offsets) / sizeof(offsets[0]); i++) {
		bc_error err = {0};
		raw[offsets[i]] ^= 0x01;
		assert_int_equal(verify(raw, &fx.vcek, NULL, NULL, &err), BC_E_MISMATCH);
		assert_non_null(strstr(err.msg, "signature does not verify"));
		raw[offsets[i]] ^= 0x01;
	}
}

static void test_verify_refuses_a_flipped_signature_byte(void **state)
{
	(void)state;
	/* r and s, low and high significant bytes, and the zero extension past 48 bytes */
	const size_t offsets[] = {0x2A0, 0x2A0 + 47, 0x2A0 + 48, 0x2A0 + 71,
				  0x2E8, 0x2E8 + 47, 0x2E8 + 48, 0x2E8 + 71};
	uint8_t raw[BC_SNP_REPORT_SIZE];
	build_signed_report(raw, fx.vcek_key);
	for (size_t i = 0; i < sizeof(offsets) / sizeof(offsets[0]); i++) {
		bc_error err = {0};
		raw[offsets[i]] ^= 0x80;
		assert_int_equal(verify(raw, &fx.vcek, NULL, NULL, &err), BC_E_MISMATCH);
		raw[offsets[i]] ^= 0x80;
	}
	bc_error err = {0};
	memset(raw + 0x2A0, 0, 144); /* r = s = 0 */
	assert_int_equal(verify(raw, &fx.vcek, NULL, NULL, &err), BC_E_MISMATCH);
}

static void test_verify_refuses_another_vcek(void **state)
{
	(void)state;
	uint8_t raw[BC_SNP_REPORT_SIZE];
	bc_error err = {0};
	build_signed_report(raw, fx.vcek_key);
	assert_int_equal(verify(raw, &fx.other_vcek, NULL, NULL, &err), BC_E_MISMATCH);
	assert_int_equal(verify(raw, &fx.other_vcek, &fx.ask, &fx.ark, &err), BC_E_MISMATCH);
	assert_non_null(strstr(err.msg, "VCEK"));
}

static void test_verify_refuses_a_vcek_not_p384(void **state)
{
	(void)state;
	uint8_t raw[BC_SNP_REPORT_SIZE];
	bc_error err = {0};
	build_signed_report(raw, fx.vcek_key);
	assert_int_equal(verify(raw, &fx.vcek_p256, NULL, NULL, &err), BC_E_FORMAT);
	assert_non_null(strstr(err.msg, "prime256v1"));
	assert_non_null(strstr(err.msg, "P-384"));
	assert_int_equal(verify(raw, &fx.vcek_rsa, NULL, NULL, &err), BC_E_FORMAT);
	assert_non_null(strstr(err.msg, "RSA"));
}

static void test_verify_refuses_malformed_input(void **state)
{
	(void)state;
	uint8_t raw[BC_SNP_REPORT_SIZE];
	bc_error err = {0};
	build_signed_report(raw, fx.vcek_key);
	const uint8_t junk[] = "not a certificate";
	assert_int_equal(
	    bc_snp_report_verify(raw, sizeof(raw), junk, sizeof(junk), NULL, 0, NULL, 0, &err),
	    BC_E_FORMAT);
	assert_non_null(strstr(err.msg, "VCEK"));
	const uint8_t pem[] = "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n";
	assert_int_equal(
	    bc_snp_report_verify(raw, sizeof(raw), pem, sizeof(pem), NULL, 0, NULL, 0, &err),
	    BC_E_FORMAT);
	/* DER with a byte after it */
	uint8_t *der = malloc(fx.vcek_der.size + 1);
	assert_non_null(der);
	memcpy(der, fx.vcek_der.data, fx.vcek_der.size);
	der[fx.vcek_der.size] = 0;
	assert_int_equal(bc_snp_report_verify(raw, sizeof(raw), der, fx.vcek_der.size + 1, NULL, 0,
					      NULL, 0, &err),
			 BC_E_FORMAT);
	assert_non_null(strstr(err.msg, "after it"));
	free(der);
	/* a report of the wrong size, or version */
	assert_int_equal(bc_snp_report_verify(raw, sizeof(raw) - 1, fx.vcek.data, fx.vcek.size,
					      NULL, 0, NULL, 0, &err),
			 BC_E_FORMAT);
	raw[0] = 9;
	assert_int_equal(verify(raw, &fx.vcek, NULL, NULL, &err), BC_E_UNSUPPORTED);
	raw[0] = 2;
	/* a truncated ARK */
	assert_int_equal(bc_snp_report_verify(raw, sizeof(raw), fx.vcek.data, fx.vcek.size,
					      fx.ask.data, fx.ask.size, fx.ark.data,
					      fx.ark.size / 2, &err),
			 BC_E_FORMAT);
	assert_non_null(strstr(err.msg, "ARK"));
}

/* ---- chain ---- */

static void test_chain_accepts_amd_shaped_certificates(void **state)
{
	(void)state;
	uint8_t raw[BC_SNP_REPORT_SIZE];
	bc_error err = {0};
	build_signed_report(raw, fx.vcek_key);
	assert_int_equal(verify(raw, &fx.vcek, &fx.ask, &fx.ark, &err), BC_OK);
	assert_int_equal(verify(raw, &fx.vcek_der, &fx.ask, &fx.ark, &err), BC_OK);
}

static void test_chain_refuses_an_ask_not_signed_by_the_ark(void **state)
{
	(void)state;
	uint8_t raw[BC_SNP_REPORT_SIZE];
	bc_error err = {0};
	build_signed_report(raw, fx.vcek_key);
	assert_int_equal(verify(raw, &fx.vcek, &fx.ask_by_rogue, &fx.ark, &err), BC_E_MISMATCH);
	assert_non_null(strstr(err.msg, "the ASK's signature does not verify with the ARK's"));
	assert_int_equal(verify(raw, &fx.vcek, &fx.ask_other_issuer, &fx.ark, &err), BC_E_MISMATCH);
	assert_non_null(strstr(err.msg, "the ASK is not issued by the ARK"));
	/* the ASK in place of the ARK */
	assert_int_equal(verify(raw, &fx.vcek, &fx.ask, &fx.ask, &err), BC_E_MISMATCH);
}

static void test_chain_refuses_a_vcek_not_signed_by_the_ask(void **state)
{
	(void)state;
	uint8_t raw[BC_SNP_REPORT_SIZE];
	bc_error err = {0};
	build_signed_report(raw, fx.vcek_key);
	assert_int_equal(verify(raw, &fx.vcek_by_rogue, &fx.ask, &fx.ark, &err), BC_E_MISMATCH);
	assert_non_null(strstr(err.msg, "the VCEK's signature does not verify with the ASK's"));
	/* the signature alone is good */
	assert_int_equal(verify(raw, &fx.vcek_by_rogue, NULL, NULL, &err), BC_OK);
}

static void test_chain_refuses_an_ark_not_self_signed(void **state)
{
	(void)state;
	uint8_t raw[BC_SNP_REPORT_SIZE];
	bc_error err = {0};
	build_signed_report(raw, fx.vcek_key);
	assert_int_equal(verify(raw, &fx.vcek, &fx.ask, &fx.ark_by_rogue, &err), BC_E_MISMATCH);
	assert_non_null(strstr(err.msg, "self-signed"));
}

/* ---- the VCEK of this chip and TCB, certificates in force ---- */

/* A VCEK of the reports' key with o, signed by the test ASK, verified up the chain. */
static bc_status verify_vcek(const uint8_t *raw, const cert_opts *o, bc_error *err)
{
	cert c = make_cert_opts("SEV-VCEK", fx.vcek_key, "SEV-Test", fx.ask_key, false, 20, o);
	bc_status s = verify(raw, &c, &fx.ask, &fx.ark, err);
	free(c.data);
	return s;
}

static void resign(uint8_t *raw)
{
	memset(raw + 0x2A0, 0, BC_SNP_REPORT_SIZE - 0x2A0);
	assert_int_equal(snp_sign_report(raw, fx.vcek_key), 0);
}

static void expect_failure(bc_status got, bc_status want, const bc_error *err, const char *text)
{
	assert_int_equal(got, want);
	if (!strstr(err->msg, text))
		fail_msg("message '%s' lacks '%s'", err->msg, text);
}

static void test_vcek_must_be_of_the_reports_chip(void **state)
{
	(void)state;
	uint8_t raw[BC_SNP_REPORT_SIZE];
	uint8_t dup_hwid[2 + 64] = {0x04, 64};
	bc_error err = {0};
	cert_opts o = vcek_opts();
	build_signed_report(raw, fx.vcek_key);
	assert_int_equal(verify_vcek(raw, &o, &err), BC_OK);
	o.chip_id[63] ^= 0x01; /* another chip */
	expect_failure(verify_vcek(raw, &o, &err), BC_E_MISMATCH, &err,
		       "another chip's: its hwID (1.3.6.1.4.1.3704.1.4) a0a1a2a3a4a5a6a7...");
	o = vcek_opts();
	o.bare_hwid = true; /* as VCEKs of 2021: the 64 bytes without DER */
	assert_int_equal(verify_vcek(raw, &o, &err), BC_OK);
	o = vcek_opts();
	o.no_hwid = true;
	expect_failure(verify_vcek(raw, &o, &err), BC_E_MISMATCH, &err, "no hwID extension");
	o = vcek_opts();
	o.hwid_size = 63;
	expect_failure(verify_vcek(raw, &o, &err), BC_E_FORMAT, &err, "octet string of 64");
	o = vcek_opts();
	memcpy(dup_hwid + 2, o.chip_id, 64);
	o.extra_oid = OID_HWID, o.extra_der = dup_hwid, o.extra_size = sizeof(dup_hwid);
	expect_failure(verify_vcek(raw, &o, &err), BC_E_MISMATCH, &err, "two hwID extensions");
	/* a masked (zero) CHIP_ID cannot be matched to any VCEK */
	o = vcek_opts();
	memset(raw + 0x1A0, 0, 64);
	resign(raw);
	expect_failure(verify_vcek(raw, &o, &err), BC_E_MISMATCH, &err, "CHIP_ID is zero");
}

/* A VLEK (KEY_INFO bits 4:2 = 1) is certified by AMD's ASVK ("SEV-VLEK-<product>") under
 * the same ARK; its certificate names no chip, and its SPLs are still the report's. */
static bc_status verify_vlek(const uint8_t *raw, const cert_opts *o, const char *asvk_cn,
			     bc_error *err)
{
	cert asvk = make_cert(asvk_cn, fx.ask_key, "ARK-Test", fx.ark_key, true, 30);
	cert c = make_cert_opts("SEV-VLEK", fx.vcek_key, asvk_cn, fx.ask_key, false, 31, o);
	bc_status s = verify(raw, &c, &asvk, &fx.ark, err);
	free(c.data);
	free(asvk.data);
	return s;
}

static void test_vlek_signed_report(void **state)
{
	(void)state;
	uint8_t raw[BC_SNP_REPORT_SIZE];
	bc_error err = {0};
	cert_opts o = vcek_opts();
	build_signed_report(raw, fx.vcek_key);
	memset(raw + 0x1A0, 0, 64); /* a VLEK-signed report may mask its CHIP_ID */
	snp_put_u32le(raw + 0x048, BC_SNP_KEY_SIGNING_VLEK << BC_SNP_KEY_SIGNING_SHIFT);
	resign(raw);
	o.no_hwid = true;
	assert_int_equal(verify_vlek(raw, &o, "SEV-VLEK-Test", &err), BC_OK);
	/* a VLEK through an ASK: the chain of the VCEK's kind */
	expect_failure(verify_vlek(raw, &o, "SEV-Test", &err), BC_E_MISMATCH, &err,
		       "the ASVK is named \"SEV-Test\", not \"SEV-VLEK-Test\"");
	/* a certificate naming a chip is a VCEK: it cannot vouch for a VLEK's report */
	o.no_hwid = false;
	expect_failure(verify_vlek(raw, &o, "SEV-VLEK-Test", &err), BC_E_MISMATCH, &err,
		       "signed by a VLEK (KEY_INFO signing key 1), and the certificate given is "
		       "a VCEK");
	/* the VLEK's SPLs are still the report's TCB */
	o = vcek_opts();
	o.no_hwid = true;
	o.spl[3] = 113;
	expect_failure(verify_vlek(raw, &o, "SEV-VLEK-Test", &err), BC_E_MISMATCH, &err,
		       "the VLEK is for another TCB: its ucodeSPL (1.3.6.1.4.1.3704.1.3.8) is 113");
	/* a VCEK-signed report through an ASVK */
	build_signed_report(raw, fx.vcek_key);
	o = vcek_opts();
	expect_failure(verify_vlek(raw, &o, "SEV-VLEK-Test", &err), BC_E_MISMATCH, &err,
		       "the ASK is named \"SEV-VLEK-Test\", not \"SEV-Test\"");
}

static void test_unsigned_or_reserved_signing_key(void **state)
{
	(void)state;
	uint8_t raw[BC_SNP_REPORT_SIZE];
	bc_error err = {0};
	build_signed_report(raw, fx.vcek_key);
	snp_put_u32le(raw + 0x048, BC_SNP_KEY_SIGNING_NONE << BC_SNP_KEY_SIGNING_SHIFT);
	resign(raw);
	expect_failure(verify(raw, &fx.vcek, NULL, NULL, &err), BC_E_MISMATCH, &err,
		       "not signed (KEY_INFO 0x1c: signing key 7, none)");
	snp_put_u32le(raw + 0x048, 2u << BC_SNP_KEY_SIGNING_SHIFT);
	resign(raw);
	expect_failure(verify(raw, &fx.vcek, NULL, NULL, &err), BC_E_UNSUPPORTED, &err,
		       "reserved signing key 2");
}

/* AMD's names: ARK-<product>, SEV-<product>; a report of version 3 names its product. */
static void test_chain_of_the_reports_product(void **state)
{
	(void)state;
	static const struct {
		uint8_t family, model;
		const char *product;
	} parts[] = {{0x19, 0x01, "Milan"},
		     {0x19, 0x11, "Genoa"},
		     {0x19, 0xA0, "Genoa"},
		     {0x1A, 0x02, "Turin"}};
	static const char *const products[] = {"Milan", "Genoa", "Turin"};
	uint8_t raw[BC_SNP_REPORT_SIZE];
	bc_error err = {0};
	cert_opts o = vcek_opts();
	for (size_t p = 0; p < 3; p++) {
		char ark_cn[32], ask_cn[32];
		snprintf(ark_cn, sizeof(ark_cn), "ARK-%s", products[p]);
		snprintf(ask_cn, sizeof(ask_cn), "SEV-%s", products[p]);
		cert ark = make_cert(ark_cn, fx.ark_key, ark_cn, fx.ark_key, true, 40);
		cert ask = make_cert(ask_cn, fx.ask_key, ark_cn, fx.ark_key, true, 41);
		for (size_t i = 0; i < sizeof(parts) / sizeof(parts[0]); i++) {
			bool turin = parts[i].family == BC_SNP_CPUID_FAMILY_TURIN;
			build_report(raw, 3);
			snp_put_u32le(raw + 0x048, 0);
			raw[0x188] = parts[i].family, raw[0x189] = parts[i].model;
			if (turin) /* fmc 0, bootloader 2, tee 0, snp 7, microcode 114 */
				snp_put_u64le(raw + 0x180, UINT64_C(0x7200000007000200));
			resign(raw);
			cert_opts oo = o;
			if (turin)
				oo.hwid_size = 8, oo.spl[4] = 0;
			cert c = make_cert_opts("SEV-VCEK", fx.vcek_key, ask_cn, fx.ask_key, false,
						42, &oo);
			bc_status s = verify(raw, &c, &ask, &ark, &err);
			if (!strcmp(parts[i].product, products[p]))
				assert_int_equal(s, BC_OK);
			else
				expect_failure(s, BC_E_MISMATCH, &err, "and the ARK is ARK-");
			free(c.data);
		}
		/* version 2 does not name its product: not judged */
		build_signed_report(raw, fx.vcek_key);
		cert c = make_cert_opts("SEV-VCEK", fx.vcek_key, ask_cn, fx.ask_key, false, 43, &o);
		assert_int_equal(verify(raw, &c, &ask, &ark, &err), BC_OK);
		free(c.data);
		free(ark.data);
		free(ask.data);
	}
}

static void test_vcek_must_be_of_the_reports_tcb(void **state)
{
	(void)state;
	static const char *const names[] = {"its blSPL (1.3.6.1.4.1.3704.1.3.1) is 3, "
					    "REPORTED_TCB's bootloader is 2",
					    "its teeSPL (1.3.6.1.4.1.3704.1.3.2) is 1, "
					    "REPORTED_TCB's tee is 0",
					    "its snpSPL (1.3.6.1.4.1.3704.1.3.3) is 8, "
					    "REPORTED_TCB's snp is 7",
					    "its ucodeSPL (1.3.6.1.4.1.3704.1.3.8) is 115, "
					    "REPORTED_TCB's microcode is 114"};
	static const uint8_t not_integer[] = {0x04, 0x01, 0x72};
	static const uint8_t too_big[] = {0x02, 0x02, 0x01, 0x2c};
	static const uint8_t trailing[] = {0x02, 0x01, 0x72, 0x00};
	uint8_t raw[BC_SNP_REPORT_SIZE];
	bc_error err = {0};
	build_signed_report(raw, fx.vcek_key);
	for (int i = 0; i < 4; i++) {
		cert_opts o = vcek_opts();
		o.spl[i]++;
		expect_failure(verify_vcek(raw, &o, &err), BC_E_MISMATCH, &err, names[i]);
		assert_non_null(strstr(err.msg, "the VCEK is for another TCB"));
	}
	cert_opts o = vcek_opts();
	o.spl[3] = -1;
	expect_failure(verify_vcek(raw, &o, &err), BC_E_MISMATCH, &err, "no ucodeSPL extension");
	const uint8_t *bad[] = {not_integer, too_big, trailing};
	const size_t sizes[] = {sizeof(not_integer), sizeof(too_big), sizeof(trailing)};
	for (int i = 0; i < 3; i++) {
		o.extra_oid = OID_UCODE_SPL, o.extra_der = bad[i], o.extra_size = sizes[i];
		expect_failure(verify_vcek(raw, &o, &err), BC_E_FORMAT, &err,
			       "ucodeSPL extension (1.3.6.1.4.1.3704.1.3.8) is not an integer");
	}
	/* microcode 200: a DER INTEGER of two bytes (a leading zero) */
	snp_put_u64le(raw + 0x180, (REPORT_TCB & ~(UINT64_C(0xff) << 56)) | UINT64_C(200) << 56);
	resign(raw);
	o = vcek_opts();
	o.spl[3] = 200;
	assert_int_equal(verify_vcek(raw, &o, &err), BC_OK);
}

static void test_vcek_of_a_turin_chip(void **state)
{
	(void)state;
	uint8_t raw[BC_SNP_REPORT_SIZE];
	bc_error err = {0};
	build_report(raw, 3);
	raw[0x188] = BC_SNP_CPUID_FAMILY_TURIN;
	/* Turin's TCB_VERSION: fmc 1, bootloader 2, tee 3, snp 4, 3 reserved, microcode 5 */
	snp_put_u64le(raw + 0x180, UINT64_C(0x0500000004030201));
	resign(raw);
	cert_opts o = vcek_opts();
	o.hwid_size = 8; /* CHIP_ID's first 8 bytes */
	o.spl[0] = 2, o.spl[1] = 3, o.spl[2] = 4, o.spl[3] = 5, o.spl[4] = 1;
	assert_int_equal(verify_vcek(raw, &o, &err), BC_OK);
	o.spl[4] = 2;
	expect_failure(verify_vcek(raw, &o, &err), BC_E_MISMATCH, &err,
		       "fmcSPL (1.3.6.1.4.1.3704.1.3.9) is 2, REPORTED_TCB's fmc is 1");
	o.spl[4] = -1;
	expect_failure(verify_vcek(raw, &o, &err), BC_E_MISMATCH, &err, "no fmcSPL extension");
	o.spl[4] = 1;
	o.hwid_size = 64;
	expect_failure(verify_vcek(raw, &o, &err), BC_E_FORMAT, &err, "octet string of 8 bytes");
}

static void test_certificates_must_be_in_force(void **state)
{
	(void)state;
	uint8_t raw[BC_SNP_REPORT_SIZE];
	bc_error err = {0};
	build_signed_report(raw, fx.vcek_key);
	cert_opts o = vcek_opts();
	o.not_before = -2 * 365 * DAY, o.not_after = -DAY;
	expect_failure(verify_vcek(raw, &o, &err), BC_E_MISMATCH, &err, "the VCEK expired at ");
	cert old = make_cert_opts("SEV-VCEK", fx.vcek_key, "SEV-Test", fx.ask_key, false, 21, &o);
	expect_failure(verify(raw, &old, NULL, NULL, &err), BC_E_MISMATCH, &err,
		       "the VCEK expired at "); /* without a chain too */
	free(old.data);
	o.not_before = DAY, o.not_after = 2 * DAY;
	expect_failure(verify_vcek(raw, &o, &err), BC_E_MISMATCH, &err,
		       "the VCEK is not valid before ");
	/* an expired ASK or ARK, each with the right names and keys */
	cert_opts ca = {.not_before = -2 * 365 * DAY, .not_after = -DAY};
	cert ask = make_cert_opts("SEV-Test", fx.ask_key, "ARK-Test", fx.ark_key, true, 22, &ca);
	cert ark = make_cert_opts("ARK-Test", fx.ark_key, "ARK-Test", fx.ark_key, true, 23, &ca);
	expect_failure(verify(raw, &fx.vcek, &ask, &fx.ark, &err), BC_E_MISMATCH, &err,
		       "the ASK expired at ");
	expect_failure(verify(raw, &fx.vcek, &fx.ask, &ark, &err), BC_E_MISMATCH, &err,
		       "the ARK expired at ");
	free(ask.data);
	free(ark.data);
}

static void test_chain_needs_both_ask_and_ark(void **state)
{
	(void)state;
	uint8_t raw[BC_SNP_REPORT_SIZE];
	bc_error err = {0};
	build_signed_report(raw, fx.vcek_key);
	assert_int_equal(verify(raw, &fx.vcek, &fx.ask, NULL, &err), BC_E_INVALID);
	assert_int_equal(verify(raw, &fx.vcek, NULL, &fx.ark, &err), BC_E_INVALID);
}

/* ---- configfs-tsm, against a fake provider thread on a plain folder ---- */

typedef enum fake_mode {
	FAKE_SERVE,  /* generation 0, then a report per inblob */
	FAKE_SILENT, /* generation 0, no report */
} fake_mode;

typedef struct fake {
	char root[64];
	fake_mode mode;
	unsigned step; /* generation increment per report: 2 emulates a racing writer */
	atomic_bool stop;
	atomic_int served;
	char seen[16][NAME_MAX + 1];
	size_t n_seen;
	pthread_t thread;
} fake;

static void fake_write(const char *dir, const char *name, const void *data, size_t size)
{
	char tmp[512], path[512];
	snprintf(tmp, sizeof(tmp), "%s/.%s.tmp", dir, name);
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	FILE *f = fopen(tmp, "w");
	if (!f)
		return;
	fwrite(data, 1, size, f);
	fclose(f);
	rename(tmp, path);
}

static void fake_serve(fake *fk, const char *dir)
{
	char path[512];
	uint8_t inblob[BC_TSM_INBLOB_SIZE], out[BC_TSM_INBLOB_SIZE + 4];
	snprintf(path, sizeof(path), "%s/inblob", dir);
	struct stat st;
	if (stat(path, &st) < 0 || st.st_size != BC_TSM_INBLOB_SIZE)
		return;
	FILE *f = fopen(path, "r");
	if (!f)
		return;
	size_t n = fread(inblob, 1, sizeof(inblob), f);
	fclose(f);
	if (n != sizeof(inblob))
		return;
	unlink(path); /* consumed: the client writes it again on a retry */
	memcpy(out, "OUT:", 4);
	memcpy(out + 4, inblob, sizeof(inblob));
	fake_write(dir, "outblob", out, sizeof(out));
	fake_write(dir, "provider", "fake_guest\n", 11);
	char text[32];
	unsigned long long gen = 0;
	snprintf(path, sizeof(path), "%s/generation", dir);
	f = fopen(path, "r");
	if (f) {
		if (fscanf(f, "%llu", &gen) != 1)
			gen = 0;
		fclose(f);
	}
	snprintf(text, sizeof(text), "%llu\n", gen + fk->step);
	fake_write(dir, "generation", text, strlen(text));
	atomic_fetch_add(&fk->served, 1);
}

static void *fake_main(void *arg)
{
	fake *fk = arg;
	while (!atomic_load(&fk->stop)) {
		DIR *d = opendir(fk->root);
		struct dirent *de;
		while (d && (de = readdir(d))) {
			char dir[sizeof(fk->root) + NAME_MAX + 2];
			if (de->d_name[0] == '.')
				continue;
			snprintf(dir, sizeof(dir), "%s/%s", fk->root, de->d_name);
			bool seen = false;
			for (size_t i = 0; i < fk->n_seen; i++)
				seen = seen || strcmp(fk->seen[i], de->d_name) == 0;
			if (!seen && fk->n_seen < 16) { /* a new entry: its generation */
				snprintf(fk->seen[fk->n_seen++], NAME_MAX + 1, "%s", de->d_name);
				fake_write(dir, "generation", "0\n", 2);
			}
			if (fk->mode == FAKE_SERVE)
				fake_serve(fk, dir);
		}
		if (d)
			closedir(d);
		struct timespec ts = {.tv_nsec = 500000};
		nanosleep(&ts, NULL);
	}
	return NULL;
}

static fake *fake_start(fake_mode mode, unsigned step)
{
	fake *fk = calloc(1, sizeof(*fk));
	assert_non_null(fk);
	snprintf(fk->root, sizeof(fk->root), "%s/bc-tsm-XXXXXX", P_tmpdir);
	assert_non_null(mkdtemp(fk->root));
	fk->mode = mode;
	fk->step = step;
	assert_int_equal(pthread_create(&fk->thread, NULL, fake_main, fk), 0);
	return fk;
}

/* Stops the fake; the root must be empty: the client removed its entry. */
static void fake_stop(fake *fk)
{
	atomic_store(&fk->stop, true);
	pthread_join(fk->thread, NULL);
	assert_int_equal(rmdir(fk->root), 0);
	free(fk);
}

static void test_tsm_report_returns_the_outblob(void **state)
{
	(void)state;
	fake *fk = fake_start(FAKE_SERVE, 1);
	uint8_t inblob[BC_TSM_INBLOB_SIZE], *out = NULL;
	size_t size = 0;
	char provider[BC_TSM_PROVIDER_MAX];
	bc_error err = {0};
	fill(inblob, sizeof(inblob), 0x30);
	assert_int_equal(bc_tsm_report(fk->root, inblob, &out, &size, provider, &err), BC_OK);
	assert_int_equal(size, 4 + sizeof(inblob));
	assert_memory_equal(out, "OUT:", 4);
	assert_memory_equal(out + 4, inblob, sizeof(inblob));
	assert_string_equal(provider, "fake_guest");
	assert_int_equal(atomic_load(&fk->served), 1);
	free(out);
	/* twice in a process: a fresh entry each time */
	fill(inblob, sizeof(inblob), 0x70);
	assert_int_equal(bc_tsm_report(fk->root, inblob, &out, &size, provider, &err), BC_OK);
	assert_memory_equal(out + 4, inblob, sizeof(inblob));
	free(out);
	fake_stop(fk);
}

static void test_tsm_report_retries_then_refuses_a_raced_generation(void **state)
{
	(void)state;
	fake *fk = fake_start(FAKE_SERVE, 2);
	uint8_t inblob[BC_TSM_INBLOB_SIZE] = {0}, *out = NULL;
	size_t size = 1;
	char provider[BC_TSM_PROVIDER_MAX];
	bc_error err = {0};
	assert_int_equal(bc_tsm_report(fk->root, inblob, &out, &size, provider, &err),
			 BC_E_MISMATCH);
	assert_null(out);
	assert_int_equal(size, 0);
	assert_int_equal(atomic_load(&fk->served), BC_TSM_ATTEMPTS);
	assert_non_null(strstr(err.msg, "another writer"));
	assert_non_null(strstr(err.msg, "/generation"));
	fake_stop(fk);
}

static void test_tsm_report_times_out_without_a_provider(void **state)
{
	(void)state;
	fake *fk = fake_start(FAKE_SILENT, 1);
	uint8_t inblob[BC_TSM_INBLOB_SIZE] = {0}, *out = NULL;
	size_t size = 0;
	char provider[BC_TSM_PROVIDER_MAX];
	bc_error err = {0};
	assert_int_equal(bc_tsm_report(fk->root, inblob, &out, &size, provider, &err), BC_E_IO);
	assert_null(out);
	assert_non_null(strstr(err.msg, fk->root));
	assert_non_null(strstr(err.msg, "did not answer"));
	fake_stop(fk);

	/* a folder nobody serves: no generation ever */
	char root[64];
	snprintf(root, sizeof(root), "%s/bc-tsm-XXXXXX", P_tmpdir);
	assert_non_null(mkdtemp(root));
	assert_int_equal(bc_tsm_report(root, inblob, &out, &size, provider, &err), BC_E_IO);
	assert_non_null(strstr(err.msg, "no TSM provider"));
	assert_int_equal(rmdir(root), 0); /* the entry is gone */
}

static void test_tsm_report_names_a_missing_root(void **state)
{
	(void)state;
	uint8_t inblob[BC_TSM_INBLOB_SIZE] = {0}, *out = NULL;
	size_t size = 0;
	char provider[BC_TSM_PROVIDER_MAX];
	bc_error err = {0};
	assert_int_equal(
	    bc_tsm_report("/nonexistent/tsm/report", inblob, &out, &size, provider, &err), BC_E_IO);
	assert_non_null(strstr(err.msg, "/nonexistent/tsm/report/bootchain-"));
	assert_non_null(strstr(err.msg, "configfs"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_parse_reads_every_field_at_its_offset),
	    cmocka_unit_test(test_parse_zeroes_fields_a_version_lacks),
	    cmocka_unit_test(test_parse_rejects_wrong_sizes),
	    cmocka_unit_test(test_parse_rejects_unknown_versions),
	    cmocka_unit_test(test_parse_rejects_other_signature_algorithms),
	    cmocka_unit_test(test_policy_and_tcb_helpers),
	    cmocka_unit_test(test_verify_accepts_a_good_signature),
	    cmocka_unit_test(test_verify_refuses_a_flipped_signed_byte),
	    cmocka_unit_test(test_verify_refuses_a_flipped_signature_byte),
	    cmocka_unit_test(test_verify_refuses_another_vcek),
	    cmocka_unit_test(test_verify_refuses_a_vcek_not_p384),
	    cmocka_unit_test(test_verify_refuses_malformed_input),
	    cmocka_unit_test(test_chain_accepts_amd_shaped_certificates),
	    cmocka_unit_test(test_chain_refuses_an_ask_not_signed_by_the_ark),
	    cmocka_unit_test(test_chain_refuses_a_vcek_not_signed_by_the_ask),
	    cmocka_unit_test(test_chain_refuses_an_ark_not_self_signed),
	    cmocka_unit_test(test_chain_needs_both_ask_and_ark),
	    cmocka_unit_test(test_vcek_must_be_of_the_reports_chip),
	    cmocka_unit_test(test_vlek_signed_report),
	    cmocka_unit_test(test_unsigned_or_reserved_signing_key),
	    cmocka_unit_test(test_chain_of_the_reports_product),
	    cmocka_unit_test(test_vcek_must_be_of_the_reports_tcb),
	    cmocka_unit_test(test_vcek_of_a_turin_chip),
	    cmocka_unit_test(test_certificates_must_be_in_force),
	    cmocka_unit_test(test_tsm_report_returns_the_outblob),
	    cmocka_unit_test(test_tsm_report_retries_then_refuses_a_raced_generation),
	    cmocka_unit_test(test_tsm_report_times_out_without_a_provider),
	    cmocka_unit_test(test_tsm_report_names_a_missing_root),
	};
	return cmocka_run_group_tests(tests, setup_fixtures, teardown_fixtures);
}
