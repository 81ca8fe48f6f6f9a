/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * attest/ekcert.c: the CA store and the verdicts on EK certificates, with a PKI made
 * here by OpenSSL (a root, an intermediate, EK certificates with the TCG subject
 * alternative name and EKU), and the manufacturers' certificates of data/tpm-ca.
 */
#include "config.h"

#include <dirent.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <bootchain/ekcert.h>

#ifndef TPM_CA_DIR
#error "TPM_CA_DIR must name data/tpm-ca of the source tree"
#endif

#define DAY 86400L

/* The PKI of every test: root -> intermediate -> EK certificates; another root that
 * issued nothing of it. */
static struct {
	char dir[64];
	EVP_PKEY *root_key, *inter_key, *other_key, *ek_key, *rsa_key;
	X509 *root, *inter, *other;
	char root_file[128], inter_file[128], other_file[128];
} pki;

typedef struct cert_opts {
	const char *cn;
	long serial;
	long not_before, not_after; /* seconds from now */
	bool ca;
	const char *key_usage; /* NULL: none */
	const char *eku;       /* NULL: none */
	bool tcg_san;
} cert_opts;

static void add_ext(X509 *cert, X509V3_CTX *ctx, int nid, const char *value)
{
	X509_EXTENSION *ext = X509V3_EXT_conf_nid(NULL, ctx, nid, value);
	assert_non_null(ext);
	assert_int_equal(X509_add_ext(cert, ext, -1), 1);
	X509_EXTENSION_free(ext);
}

/* The subject alternative name of the EK Credential Profile, as swtpm writes it. */
static void add_tcg_san(X509 *cert)
{
	X509_NAME *dn = X509_NAME_new();
	static const char *const attrs[][2] = {
	    {"2.23.133.2.1", "id:00001014"},
	    {"2.23.133.2.2", "swtpm"},
	    {"2.23.133.2.3", "id:20191023"},
	};
	for (size_t i = 0; i < 3; i++)
		assert_int_equal(X509_NAME_add_entry_by_txt(dn, attrs[i][0], MBSTRING_UTF8,
							    (const unsigned char *)attrs[i][1], -1,
							    -1, 0),
				 1);
	GENERAL_NAME *gn = GENERAL_NAME_new();
	GENERAL_NAMES *names = sk_GENERAL_NAME_new_null();
	GENERAL_NAME_set0_value(gn, GEN_DIRNAME, dn);
	sk_GENERAL_NAME_push(names, gn);
	assert_int_equal(
	    X509_add1_ext_i2d(cert, NID_subject_alt_name, names, 1, X509V3_ADD_DEFAULT), 1);
	GENERAL_NAMES_free(names);
}

static X509 *make_cert(const cert_opts *o, EVP_PKEY *key, X509 *issuer, EVP_PKEY *issuer_key)
{
	X509 *cert = X509_new();
	X509V3_CTX ctx;
	assert_non_null(cert);
	X509_set_version(cert, 2);
	ASN1_INTEGER_set(X509_get_serialNumber(cert), o->serial);
	X509_gmtime_adj(X509_getm_notBefore(cert), o->not_before);
	X509_gmtime_adj(X509_getm_notAfter(cert), o->not_after);
	X509_set_pubkey(cert, key);
	X509_NAME *name = X509_get_subject_name(cert);
	X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, (const unsigned char *)o->cn, -1, -1,
				   0);
	X509_set_issuer_name(cert, issuer ? X509_get_subject_name(issuer) : name);
	X509V3_set_ctx_nodb(&ctx);
	X509V3_set_ctx(&ctx, issuer ? issuer : cert, cert, NULL, NULL, 0);
	add_ext(cert, &ctx, NID_basic_constraints,
		o->ca ? "critical,CA:TRUE" : "critical,CA:FALSE");
	if (o->ca)
		add_ext(cert, &ctx, NID_key_usage, "critical,keyCertSign,cRLSign");
	else if (o->key_usage)
		add_ext(cert, &ctx, NID_key_usage, o->key_usage);
	if (o->eku)
		add_ext(cert, &ctx, NID_ext_key_usage, o->eku);
	if (o->tcg_san)
		add_tcg_san(cert);
	assert_true(X509_sign(cert, issuer_key ? issuer_key : key, EVP_sha256()) > 0);
	return cert;
}

/* An ECC EK certificate as the profile has it, issued by the intermediate. */
static cert_opts ek_opts(void)
{
	return (cert_opts){.cn = "",
			   .serial = 100,
			   .not_before = -DAY,
			   .not_after = 3650 * DAY,
			   .key_usage = "critical,keyAgreement",
			   .eku = "2.23.133.8.1",
			   .tcg_san = true};
}

static X509 *make_ek(const cert_opts *o)
{
	return make_cert(o, pki.ek_key, pki.inter, pki.inter_key);
}

static void write_pem(const char *path, X509 *cert)
{
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	assert_int_equal(PEM_write_X509(f, cert), 1);
	fclose(f);
}

static void write_crl(const char *path, X509_CRL *crl)
{
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	assert_int_equal(PEM_write_X509_CRL(f, crl), 1);
	fclose(f);
}

static void write_bytes(const char *path, const void *data, size_t size)
{
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	assert_int_equal(fwrite(data, 1, size, f), size);
	fclose(f);
}

static X509_CRL *make_crl(X509 *issuer, EVP_PKEY *key, long revoked_serial)
{
	X509_CRL *crl = X509_CRL_new();
	ASN1_TIME *t;
	X509_CRL_set_version(crl, 1);
	X509_CRL_set_issuer_name(crl, X509_get_subject_name(issuer));
	t = X509_gmtime_adj(NULL, -3600);
	X509_CRL_set1_lastUpdate(crl, t);
	ASN1_TIME_free(t);
	t = X509_gmtime_adj(NULL, 30 * DAY);
	X509_CRL_set1_nextUpdate(crl, t);
	ASN1_TIME_free(t);
	if (revoked_serial) {
		X509_REVOKED *r = X509_REVOKED_new();
		ASN1_INTEGER *serial = ASN1_INTEGER_new();
		ASN1_INTEGER_set(serial, revoked_serial);
		X509_REVOKED_set_serialNumber(r, serial);
		ASN1_INTEGER_free(serial);
		t = X509_gmtime_adj(NULL, -60);
		X509_REVOKED_set_revocationDate(r, t);
		ASN1_TIME_free(t);
		X509_CRL_add0_revoked(crl, r);
	}
	X509_CRL_sort(crl);
	assert_true(X509_CRL_sign(crl, key, EVP_sha256()) > 0);
	return crl;
}

static int setup_pki(void **state)
{
	(void)state;
	snprintf(pki.dir, sizeof(pki.dir), "/tmp/test-ekcert.XXXXXX");
	if (!mkdtemp(pki.dir))
		return -1;
	pki.root_key = EVP_EC_gen("P-256");
	pki.inter_key = EVP_EC_gen("P-256");
	pki.other_key = EVP_EC_gen("P-256");
	pki.ek_key = EVP_EC_gen("P-384");
	pki.rsa_key = EVP_RSA_gen(2048);
	cert_opts ca = {.serial = 1, .not_before = -DAY, .not_after = 7300 * DAY, .ca = true};
	ca.cn = "Test TPM Root CA";
	pki.root = make_cert(&ca, pki.root_key, NULL, NULL);
	ca.cn = "Test TPM Intermediate CA";
	ca.serial = 2;
	pki.inter = make_cert(&ca, pki.inter_key, pki.root, pki.root_key);
	ca.cn = "Other TPM Root CA";
	pki.other = make_cert(&ca, pki.other_key, NULL, NULL);
	snprintf(pki.root_file, sizeof(pki.root_file), "%s/root.pem", pki.dir);
	snprintf(pki.inter_file, sizeof(pki.inter_file), "%s/inter.pem", pki.dir);
	snprintf(pki.other_file, sizeof(pki.other_file), "%s/other.pem", pki.dir);
	write_pem(pki.root_file, pki.root);
	write_pem(pki.inter_file, pki.inter);
	write_pem(pki.other_file, pki.other);
	return 0;
}

static int teardown_pki(void **state)
{
	(void)state;
	char cmd[128];
	X509_free(pki.root);
	X509_free(pki.inter);
	X509_free(pki.other);
	EVP_PKEY_free(pki.root_key);
	EVP_PKEY_free(pki.inter_key);
	EVP_PKEY_free(pki.other_key);
	EVP_PKEY_free(pki.ek_key);
	EVP_PKEY_free(pki.rsa_key);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", pki.dir);
	return system(cmd) == 0 ? 0 : -1;
}

static bc_ca_store *store_of(const char *const *files)
{
	bc_ca_store *store = NULL;
	bc_error err = {0};
	assert_int_equal(bc_ca_store_new(&store, &err), BC_OK);
	for (size_t i = 0; files[i]; i++)
		assert_int_equal(bc_ca_store_add_file(store, files[i], &err), BC_OK);
	return store;
}

typedef struct outcome {
	bc_ek_cert_verdict verdict;
	bc_ek_cert_info info;
	char why[512];
} outcome;

/* Verify cert against store, the intermediate given as an untrusted helper when
 * with_inter. */
static outcome verify_at(const bc_ca_store *store, const uint8_t *der, size_t size, bool with_inter,
			 int64_t at)
{
	outcome o;
	bc_error err = {0};
	unsigned char *inter = NULL;
	int inter_len = i2d_X509(pki.inter, &inter);
	const uint8_t *helpers[] = {inter};
	size_t sizes[] = {(size_t)inter_len};
	assert_true(inter_len > 0);
	assert_int_equal(bc_ek_cert_verify(store, der, size, helpers, sizes, with_inter ? 1 : 0, at,
					   &o.verdict, &o.info, o.why, sizeof(o.why), &err),
			 BC_OK);
	OPENSSL_free(inter);
	return o;
}

static outcome verify_cert(const bc_ca_store *store, X509 *cert, bool with_inter)
{
	unsigned char *der = NULL;
	int len = i2d_X509(cert, &der);
	assert_true(len > 0);
	outcome o = verify_at(store, der, (size_t)len, with_inter, 0);
	OPENSSL_free(der);
	return o;
}

static void test_trusted_through_intermediate_to_root(void **state)
{
	(void)state;
	const char *files[] = {pki.root_file, NULL};
	bc_ca_store *store = store_of(files);
	cert_opts o = ek_opts();
	X509 *ek = make_ek(&o);
	unsigned char *der = NULL;
	int len = i2d_X509(ek, &der);
	uint8_t digest[32];
	unsigned int dlen = 0;
	/* the fingerprint, computed apart from the code under test */
	assert_int_equal(EVP_Digest(der, (size_t)len, digest, &dlen, EVP_sha256(), NULL), 1);

	outcome r = verify_at(store, der, (size_t)len, true, 0);
	assert_int_equal(r.verdict, BC_EK_CERT_TRUSTED);
	assert_true(r.info.parsed);
	assert_string_equal(r.info.manufacturer, "id:00001014");
	assert_string_equal(r.info.model, "swtpm");
	assert_string_equal(r.info.version, "id:20191023");
	assert_true(r.info.has_ek_eku);
	assert_string_equal(r.info.issuer, "CN = Test TPM Intermediate CA");
	assert_memory_equal(r.info.fingerprint, digest, 32);
	assert_int_equal(r.info.chain_len, 3);
	assert_memory_equal(r.info.chain_fingerprints[0], digest, 32);
	assert_string_equal(r.info.anchor_subject, "CN = Test TPM Root CA");
	assert_string_equal(r.info.anchor_file, pki.root_file);
	assert_true(r.info.not_before < (int64_t)time(NULL));
	assert_true(r.info.not_after > (int64_t)time(NULL) + 3000 * DAY);
	OPENSSL_free(der);
	X509_free(ek);
	bc_ca_store_free(store);
}

static void test_intermediate_in_store_is_an_anchor(void **state)
{
	(void)state;
	const char *files[] = {pki.inter_file, NULL};
	bc_ca_store *store = store_of(files);
	cert_opts o = ek_opts();
	X509 *ek = make_ek(&o);
	outcome r = verify_cert(store, ek, false);
	assert_int_equal(r.verdict, BC_EK_CERT_TRUSTED);
	assert_int_equal(r.info.chain_len, 2);
	assert_string_equal(r.info.anchor_subject, "CN = Test TPM Intermediate CA");
	X509_free(ek);
	bc_ca_store_free(store);
}

static void test_unknown_issuer(void **state)
{
	(void)state;
	const char *other[] = {pki.other_file, NULL}, *root[] = {pki.root_file, NULL};
	bc_ca_store *store = store_of(other);
	cert_opts o = ek_opts();
	X509 *ek = make_ek(&o);
	outcome r = verify_cert(store, ek, true);
	assert_int_equal(r.verdict, BC_EK_CERT_UNKNOWN_ISSUER);
	assert_int_equal(r.info.chain_len, 0);
	assert_non_null(strstr(r.why, "Test TPM"));
	bc_ca_store_free(store);
	/* the root alone, without the intermediate to fill the gap */
	store = store_of(root);
	r = verify_cert(store, ek, false);
	assert_int_equal(r.verdict, BC_EK_CERT_UNKNOWN_ISSUER);
	X509_free(ek);
	bc_ca_store_free(store);
}

static void test_changed_byte_is_a_bad_signature(void **state)
{
	(void)state;
	const char *files[] = {pki.root_file, NULL};
	bc_ca_store *store = store_of(files);
	cert_opts o = ek_opts();
	X509 *ek = make_ek(&o);
	unsigned char *der = NULL;
	int len = i2d_X509(ek, &der);
	outcome r = verify_at(store, der, (size_t)len, true, 0);
	assert_int_equal(r.verdict, BC_EK_CERT_TRUSTED);
	der[len - 1] ^= 0x01; /* the last byte of the signature value */
	r = verify_at(store, der, (size_t)len, true, 0);
	assert_int_equal(r.verdict, BC_EK_CERT_BAD_SIGNATURE);
	OPENSSL_free(der);
	X509_free(ek);
	bc_ca_store_free(store);
}

static void test_expired_and_not_yet_valid(void **state)
{
	(void)state;
	const char *files[] = {pki.root_file, NULL};
	bc_ca_store *store = store_of(files);
	cert_opts o = ek_opts();
	o.not_before = -20 * DAY;
	o.not_after = -10 * DAY;
	X509 *old = make_ek(&o);
	outcome r = verify_cert(store, old, true);
	assert_int_equal(r.verdict, BC_EK_CERT_EXPIRED);
	assert_non_null(strstr(r.why, "expired"));
	o.not_before = 10 * DAY;
	o.not_after = 20 * DAY;
	X509 *early = make_ek(&o);
	r = verify_cert(store, early, true);
	assert_int_equal(r.verdict, BC_EK_CERT_EXPIRED);
	X509_free(old);
	X509_free(early);
	bc_ca_store_free(store);
}

static void test_validity_at_another_time(void **state)
{
	(void)state;
	const char *files[] = {pki.root_file, NULL};
	bc_ca_store *store = store_of(files);
	cert_opts o = ek_opts();
	o.not_after = 10 * DAY;
	X509 *ek = make_ek(&o);
	unsigned char *der = NULL;
	int len = i2d_X509(ek, &der);
	int64_t now = (int64_t)time(NULL);
	assert_int_equal(verify_at(store, der, (size_t)len, true, now + 5 * DAY).verdict,
			 BC_EK_CERT_TRUSTED);
	assert_int_equal(verify_at(store, der, (size_t)len, true, now + 11 * DAY).verdict,
			 BC_EK_CERT_EXPIRED);
	assert_int_equal(verify_at(store, der, (size_t)len, true, now - 2 * DAY).verdict,
			 BC_EK_CERT_EXPIRED);
	OPENSSL_free(der);
	X509_free(ek);
	bc_ca_store_free(store);
}

static void test_revoked_by_crl(void **state)
{
	(void)state;
	const char *files[] = {pki.root_file, NULL};
	char inter_crl[160], inter_crl_clean[160], root_crl[160];
	bc_error err = {0};
	cert_opts o = ek_opts();
	o.serial = 4242;
	X509 *ek = make_ek(&o);
	X509_CRL *revoking = make_crl(pki.inter, pki.inter_key, 4242);
	X509_CRL *clean = make_crl(pki.inter, pki.inter_key, 0);
	X509_CRL *of_root = make_crl(pki.root, pki.root_key, 0);
	snprintf(inter_crl, sizeof(inter_crl), "%s/inter-revoking.crl", pki.dir);
	snprintf(inter_crl_clean, sizeof(inter_crl_clean), "%s/inter-clean.crl", pki.dir);
	snprintf(root_crl, sizeof(root_crl), "%s/root.crl", pki.dir);
	write_crl(inter_crl, revoking);
	write_crl(inter_crl_clean, clean);
	write_crl(root_crl, of_root);

	bc_ca_store *store = store_of(files);
	assert_int_equal(bc_ca_store_add_crl(store, inter_crl, &err), BC_OK);
	assert_int_equal(bc_ca_store_add_crl(store, root_crl, &err), BC_OK);
	outcome r = verify_cert(store, ek, true);
	assert_int_equal(r.verdict, BC_EK_CERT_REVOKED);
	assert_non_null(strstr(r.why, "revoked"));
	bc_ca_store_free(store);

	store = store_of(files);
	assert_int_equal(bc_ca_store_add_crl(store, inter_crl_clean, &err), BC_OK);
	assert_int_equal(bc_ca_store_add_crl(store, root_crl, &err), BC_OK);
	assert_int_equal(verify_cert(store, ek, true).verdict, BC_EK_CERT_TRUSTED);
	bc_ca_store_free(store);

	/* once CRLs are given, the root's CRL is needed too: without it the intermediate
	 * cannot be shown unrevoked */
	store = store_of(files);
	assert_int_equal(bc_ca_store_add_crl(store, inter_crl_clean, &err), BC_OK);
	assert_int_equal(verify_cert(store, ek, true).verdict, BC_EK_CERT_REVOKED);
	bc_ca_store_free(store);
	X509_CRL_free(revoking);
	X509_CRL_free(clean);
	X509_CRL_free(of_root);
	X509_free(ek);
}

static void test_ca_certificate_is_not_an_ek(void **state)
{
	(void)state;
	const char *files[] = {pki.root_file, NULL};
	bc_ca_store *store = store_of(files);
	outcome r = verify_cert(store, pki.inter, false);
	assert_int_equal(r.verdict, BC_EK_CERT_WRONG_USAGE);
	assert_non_null(strstr(r.why, "CA"));
	bc_ca_store_free(store);
}

static void test_key_usage_of_the_key_type(void **state)
{
	(void)state;
	const char *files[] = {pki.root_file, NULL};
	bc_ca_store *store = store_of(files);
	cert_opts o = ek_opts();
	/* ECC: keyAgreement, not digitalSignature */
	o.key_usage = "critical,digitalSignature";
	X509 *ecc_signing = make_ek(&o);
	assert_int_equal(verify_cert(store, ecc_signing, true).verdict, BC_EK_CERT_WRONG_USAGE);
	/* RSA: keyEncipherment */
	o.key_usage = "critical,keyEncipherment";
	X509 *rsa_ok = make_cert(&o, pki.rsa_key, pki.inter, pki.inter_key);
	assert_int_equal(verify_cert(store, rsa_ok, true).verdict, BC_EK_CERT_TRUSTED);
	o.key_usage = "critical,keyAgreement";
	X509 *rsa_wrong = make_cert(&o, pki.rsa_key, pki.inter, pki.inter_key);
	assert_int_equal(verify_cert(store, rsa_wrong, true).verdict, BC_EK_CERT_WRONG_USAGE);
	/* no key usage at all: allowed */
	o.key_usage = NULL;
	X509 *no_ku = make_ek(&o);
	assert_int_equal(verify_cert(store, no_ku, true).verdict, BC_EK_CERT_TRUSTED);
	X509_free(ecc_signing);
	X509_free(rsa_ok);
	X509_free(rsa_wrong);
	X509_free(no_ku);
	bc_ca_store_free(store);
}

static void test_eku_other_than_the_ek(void **state)
{
	(void)state;
	const char *files[] = {pki.root_file, NULL};
	bc_ca_store *store = store_of(files);
	cert_opts o = ek_opts();
	o.eku = "serverAuth";
	X509 *tls = make_ek(&o);
	outcome r = verify_cert(store, tls, true);
	assert_int_equal(r.verdict, BC_EK_CERT_WRONG_USAGE);
	assert_false(r.info.has_ek_eku);
	o.eku = NULL; /* none: many EK certificates have none */
	X509 *none = make_ek(&o);
	r = verify_cert(store, none, true);
	assert_int_equal(r.verdict, BC_EK_CERT_TRUSTED);
	assert_false(r.info.has_ek_eku);
	X509_free(tls);
	X509_free(none);
	bc_ca_store_free(store);
}

static void test_not_a_certificate(void **state)
{
	(void)state;
	const char *files[] = {pki.root_file, NULL};
	bc_ca_store *store = store_of(files);
	static const uint8_t junk[] = {0x30, 0x03, 0x02, 0x01, 0x05};
	outcome r = verify_at(store, junk, sizeof(junk), false, 0);
	assert_int_equal(r.verdict, BC_EK_CERT_MALFORMED);
	assert_false(r.info.parsed);
	r = verify_at(store, (const uint8_t *)"hello", 5, false, 0);
	assert_int_equal(r.verdict, BC_EK_CERT_MALFORMED);
	bc_ca_store_free(store);
}

static void test_pem_input_and_padding(void **state)
{
	(void)state;
	const char *files[] = {pki.root_file, NULL};
	bc_ca_store *store = store_of(files);
	cert_opts o = ek_opts();
	X509 *ek = make_ek(&o);
	BIO *bio = BIO_new(BIO_s_mem());
	char *pem;
	PEM_write_bio_X509(bio, ek);
	long n = BIO_get_mem_data(bio, &pem);
	assert_int_equal(verify_at(store, (const uint8_t *)pem, (size_t)n, true, 0).verdict,
			 BC_EK_CERT_TRUSTED);
	/* DER padded with 0xff to the size of an NV index */
	unsigned char *der = NULL;
	int len = i2d_X509(ek, &der);
	uint8_t padded[4096];
	assert_true((size_t)len < sizeof(padded));
	memset(padded, 0xff, sizeof(padded));
	memcpy(padded, der, (size_t)len);
	assert_int_equal(verify_at(store, padded, sizeof(padded), true, 0).verdict,
			 BC_EK_CERT_TRUSTED);
	OPENSSL_free(der);
	BIO_free(bio);
	X509_free(ek);
	bc_ca_store_free(store);
}

static void test_store_file_errors(void **state)
{
	(void)state;
	bc_ca_store *store = NULL;
	bc_error err = {0};
	char path[160], nonl[160];
	assert_int_equal(bc_ca_store_new(&store, &err), BC_OK);
	snprintf(path, sizeof(path), "%s/not-a-cert.pem", pki.dir);
	write_bytes(path, "hello\n", 6);
	assert_int_equal(bc_ca_store_add_file(store, path, &err), BC_E_FORMAT);
	assert_non_null(strstr(err.msg, path));
	snprintf(path, sizeof(path), "%s/missing.pem", pki.dir);
	assert_int_equal(bc_ca_store_add_file(store, path, &err), BC_E_IO);
	assert_int_equal(bc_ca_store_add_dir(store, "/nonexistent/tpm-ca", &err), BC_E_IO);
	/* PEM without its final newline, and DER */
	BIO *bio = BIO_new(BIO_s_mem());
	char *pem;
	PEM_write_bio_X509(bio, pki.root);
	long n = BIO_get_mem_data(bio, &pem);
	snprintf(nonl, sizeof(nonl), "%s/nonl.pem", pki.dir);
	write_bytes(nonl, pem, (size_t)n - 1);
	assert_int_equal(bc_ca_store_add_file(store, nonl, &err), BC_OK);
	unsigned char *der = NULL;
	int len = i2d_X509(pki.inter, &der);
	snprintf(path, sizeof(path), "%s/inter.der", pki.dir);
	write_bytes(path, der, (size_t)len);
	assert_int_equal(bc_ca_store_add_file(store, path, &err), BC_OK);
	assert_int_equal(bc_ca_store_count(store), 2);
	OPENSSL_free(der);
	BIO_free(bio);
	bc_ca_store_free(store);
}

static bool has_cert_suffix(const char *name)
{
	size_t n = strlen(name);
	return n > 4 &&
	       (strcasecmp(name + n - 4, ".pem") == 0 || strcasecmp(name + n - 4, ".crt") == 0 ||
		strcasecmp(name + n - 4, ".cer") == 0 || strcasecmp(name + n - 4, ".der") == 0);
}

/* Every manufacturer file loads, Nuvoton's root that is not strict DER included: one
 * certificate per file. */
static void test_every_shipped_ca_file_loads(void **state)
{
	(void)state;
	bc_ca_store *store = NULL;
	bc_error err = {0};
	size_t files = 0;
	DIR *d = opendir(TPM_CA_DIR);
	struct dirent *e;
	assert_non_null(d);
	while ((e = readdir(d)))
		files += e->d_name[0] != '.' && has_cert_suffix(e->d_name);
	closedir(d);
	assert_true(files >= 50);
	assert_int_equal(bc_ca_store_new(&store, &err), BC_OK);
	assert_int_equal(bc_ca_store_add_dir(store, TPM_CA_DIR, &err), BC_OK);
	assert_int_equal(bc_ca_store_count(store), files);
	bc_ca_store_free(store);

	assert_int_equal(bc_ca_store_new(&store, &err), BC_OK);
	assert_int_equal(bc_ca_store_add_file(store, TPM_CA_DIR "/NUVO_2110.pem", &err), BC_OK);
	assert_int_equal(bc_ca_store_count(store), 1);
	bc_ca_store_free(store);
}

static void test_names(void **state)
{
	(void)state;
	assert_string_equal(bc_ek_cert_verdict_name(BC_EK_CERT_TRUSTED), "trusted");
	assert_string_equal(bc_ek_cert_verdict_name(BC_EK_CERT_UNKNOWN_ISSUER), "unknown issuer");
	assert_string_equal(bc_ek_cert_verdict_name(BC_EK_CERT_WRONG_USAGE), "wrong key usage");
	assert_string_equal(bc_ek_template_name(BC_EK_TEMPLATE_RSA2048_L), "rsa2048");
	assert_string_equal(bc_ek_template_name(BC_EK_TEMPLATE_ECCP384_H), "ecc-p384-h");
	assert_string_equal(bc_ek_template_label(BC_EK_TEMPLATE_RSA3072_H), "H-6");
	assert_string_equal(bc_ek_template_label(BC_EK_TEMPLATE_RSA4096_H), "H-7");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_trusted_through_intermediate_to_root),
	    cmocka_unit_test(test_intermediate_in_store_is_an_anchor),
	    cmocka_unit_test(test_unknown_issuer),
	    cmocka_unit_test(test_changed_byte_is_a_bad_signature),
	    cmocka_unit_test(test_expired_and_not_yet_valid),
	    cmocka_unit_test(test_validity_at_another_time),
	    cmocka_unit_test(test_revoked_by_crl),
	    cmocka_unit_test(test_ca_certificate_is_not_an_ek),
	    cmocka_unit_test(test_key_usage_of_the_key_type),
	    cmocka_unit_test(test_eku_other_than_the_ek),
	    cmocka_unit_test(test_not_a_certificate),
	    cmocka_unit_test(test_pem_input_and_padding),
	    cmocka_unit_test(test_store_file_errors),
	    cmocka_unit_test(test_every_shipped_ca_file_loads),
	    cmocka_unit_test(test_names),
	};
	return cmocka_run_group_tests(tests, setup_pki, teardown_pki);
}
