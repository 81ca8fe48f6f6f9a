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

/* The DER of cert; OPENSSL_free() it. */
static unsigned char *der_of(X509 *cert, size_t *len)
{
	unsigned char *der = NULL;
	int n = i2d_X509(cert, &der);
	assert_true(n > 0);
	*len = (size_t)n;
	return der;
}

/* What most tests start from: a store of the root alone, and the EK certificate of
 * ek_opts() (issued by the intermediate), in DER too. */
typedef struct fixture {
	bc_ca_store *store;
	X509 *ek;
	unsigned char *der;
	size_t der_len;
} fixture;

static int setup_root_and_ek(void **state)
{
	const char *files[] = {pki.root_file, NULL};
	cert_opts o = ek_opts();
	fixture *f = calloc(1, sizeof(*f));
	if (!f)
		return -1;
	f->store = store_of(files);
	f->ek = make_ek(&o);
	f->der = der_of(f->ek, &f->der_len);
	*state = f;
	return 0;
}

static int teardown_fixture(void **state)
{
	fixture *f = *state;
	OPENSSL_free(f->der);
	X509_free(f->ek);
	bc_ca_store_free(f->store);
	free(f);
	return 0;
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
	size_t inter_len = 0;
	unsigned char *inter = der_of(pki.inter, &inter_len);
	const uint8_t *helpers[] = {inter};
	size_t sizes[] = {inter_len};
	assert_int_equal(bc_ek_cert_verify(store, der, size, helpers, sizes, with_inter ? 1 : 0, at,
					   &o.verdict, &o.info, o.why, sizeof(o.why), &err),
			 BC_OK);
	OPENSSL_free(inter);
	return o;
}

static outcome verify_cert(const bc_ca_store *store, X509 *cert, bool with_inter)
{
	size_t len = 0;
	unsigned char *der = der_of(cert, &len);
	outcome o = verify_at(store, der, len, with_inter, 0);
	OPENSSL_free(der);
	return o;
}

/* The outcome for a new certificate of o for key, issued by the intermediate (given as
 * a helper). */
static outcome verify_new(const bc_ca_store *store, const cert_opts *o, EVP_PKEY *key)
{
	X509 *cert = make_cert(o, key, pki.inter, pki.inter_key);
	outcome r = verify_cert(store, cert, true);
	X509_free(cert);
	return r;
}

static void test_trusted_through_intermediate_to_root(void **state)
{
	fixture *f = *state;
	uint8_t digest[32];
	unsigned int dlen = 0;
	/* the fingerprint, computed apart from the code under test */
	assert_int_equal(EVP_Digest(f->der, f->der_len, digest, &dlen, EVP_sha256(), NULL), 1);

	outcome r = verify_at(f->store, f->der, f->der_len, true, 0);
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
}

static void test_intermediate_in_store_is_an_anchor(void **state)
{
	fixture *f = *state;
	const char *files[] = {pki.inter_file, NULL};
	bc_ca_store *store = store_of(files);
	outcome r = verify_cert(store, f->ek, false);
	assert_int_equal(r.verdict, BC_EK_CERT_TRUSTED);
	assert_int_equal(r.info.chain_len, 2);
	assert_string_equal(r.info.anchor_subject, "CN = Test TPM Intermediate CA");
	bc_ca_store_free(store);
}

static void test_unknown_issuer(void **state)
{
	fixture *f = *state;
	const char *other[] = {pki.other_file, NULL};
	bc_ca_store *store = store_of(other);
	outcome r = verify_cert(store, f->ek, true);
	assert_int_equal(r.verdict, BC_EK_CERT_UNKNOWN_ISSUER);
	assert_int_equal(r.info.chain_len, 0);
	assert_non_null(strstr(r.why, "Test TPM"));
	bc_ca_store_free(store);
	/* the root alone, without the intermediate to fill the gap */
	r = verify_cert(f->store, f->ek, false);
	assert_int_equal(r.verdict, BC_EK_CERT_UNKNOWN_ISSUER);
}

static void test_changed_byte_is_a_bad_signature(void **state)
{
	fixture *f = *state;
	outcome r = verify_at(f->store, f->der, f->der_len, true, 0);
	assert_int_equal(r.verdict, BC_EK_CERT_TRUSTED);
	f->der[f->der_len - 1] ^= 0x01; /* the last byte of the signature value */
	r = verify_at(f->store, f->der, f->der_len, true, 0);
	assert_int_equal(r.verdict, BC_EK_CERT_BAD_SIGNATURE);
}

static void test_expired_and_not_yet_valid(void **state)
{
	fixture *f = *state;
	cert_opts o = ek_opts();
	o.not_before = -20 * DAY;
	o.not_after = -10 * DAY;
	outcome r = verify_new(f->store, &o, pki.ek_key);
	assert_int_equal(r.verdict, BC_EK_CERT_EXPIRED);
	assert_non_null(strstr(r.why, "expired"));
	o.not_before = 10 * DAY;
	o.not_after = 20 * DAY;
	assert_int_equal(verify_new(f->store, &o, pki.ek_key).verdict, BC_EK_CERT_EXPIRED);
}

static void test_validity_at_another_time(void **state)
{
	fixture *f = *state;
	cert_opts o = ek_opts();
	o.not_after = 10 * DAY;
	X509 *ek = make_ek(&o);
	size_t len = 0;
	unsigned char *der = der_of(ek, &len);
	int64_t now = (int64_t)time(NULL);
	assert_int_equal(verify_at(f->store, der, len, true, now + 5 * DAY).verdict,
			 BC_EK_CERT_TRUSTED);
	assert_int_equal(verify_at(f->store, der, len, true, now + 11 * DAY).verdict,
			 BC_EK_CERT_EXPIRED);
	assert_int_equal(verify_at(f->store, der, len, true, now - 2 * DAY).verdict,
			 BC_EK_CERT_EXPIRED);
	OPENSSL_free(der);
	X509_free(ek);
}

/* A CRL of issuer revoking serial (0: none) in pki.dir/name; its path into path. */
static void write_new_crl(char *path, size_t size, const char *name, X509 *issuer, EVP_PKEY *key,
			  long revoked_serial)
{
	X509_CRL *crl = make_crl(issuer, key, revoked_serial);
	snprintf(path, size, "%s/%s", pki.dir, name);
	write_crl(path, crl);
	X509_CRL_free(crl);
}

/* Verify cert (through the intermediate) against the root with the CRLs of the files
 * crls (NULL-terminated). */
static outcome verify_with_crls(X509 *cert, const char *const *crls)
{
	const char *files[] = {pki.root_file, NULL};
	bc_ca_store *store = store_of(files);
	bc_error err = {0};
	for (size_t i = 0; crls[i]; i++)
		assert_int_equal(bc_ca_store_add_crl(store, crls[i], &err), BC_OK);
	outcome r = verify_cert(store, cert, true);
	bc_ca_store_free(store);
	return r;
}

static void test_revoked_by_crl(void **state)
{
	(void)state;
	char inter_revoking[160], inter_clean[160], root_clean[160];
	cert_opts o = ek_opts();
	o.serial = 4242;
	X509 *ek = make_ek(&o);
	write_new_crl(inter_revoking, sizeof(inter_revoking), "inter-revoking.crl", pki.inter,
		      pki.inter_key, 4242);
	write_new_crl(inter_clean, sizeof(inter_clean), "inter-clean.crl", pki.inter, pki.inter_key,
		      0);
	write_new_crl(root_clean, sizeof(root_clean), "root.crl", pki.root, pki.root_key, 0);
	const char *revoking[] = {inter_revoking, root_clean, NULL};
	const char *clean[] = {inter_clean, root_clean, NULL};
	const char *without_root[] = {inter_clean, NULL};

	outcome r = verify_with_crls(ek, revoking);
	assert_int_equal(r.verdict, BC_EK_CERT_REVOKED);
	assert_non_null(strstr(r.why, "revoked"));
	assert_int_equal(verify_with_crls(ek, clean).verdict, BC_EK_CERT_TRUSTED);
	/* once CRLs are given, the root's CRL is needed too: without it the intermediate
	 * cannot be shown unrevoked */
	assert_int_equal(verify_with_crls(ek, without_root).verdict, BC_EK_CERT_REVOKED);
	X509_free(ek);
}

static void test_ca_certificate_is_not_an_ek(void **state)
{
	fixture *f = *state;
	outcome r = verify_cert(f->store, pki.inter, false);
	assert_int_equal(r.verdict, BC_EK_CERT_WRONG_USAGE);
	assert_non_null(strstr(r.why, "CA"));
}

static void test_key_usage_of_the_key_type(void **state)
{
	fixture *f = *state;
	static const struct {
		const char *key_usage; /* NULL: none */
		bool rsa;
		bc_ek_cert_verdict want;
	} cases[] = {
	    /* ECC: keyAgreement, not digitalSignature */
	    {"critical,digitalSignature", false, BC_EK_CERT_WRONG_USAGE},
	    /* RSA: keyEncipherment */
	    {"critical,keyEncipherment", true, BC_EK_CERT_TRUSTED},
	    {"critical,keyAgreement", true, BC_EK_CERT_WRONG_USAGE},
	    /* no key usage at all: allowed */
	    {NULL, false, BC_EK_CERT_TRUSTED},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		cert_opts o = ek_opts();
		o.key_usage = cases[i].key_usage;
		EVP_PKEY *key = cases[i].rsa ? pki.rsa_key : pki.ek_key;
		assert_int_equal(verify_new(f->store, &o, key).verdict, cases[i].want);
	}
}

static void test_eku_other_than_the_ek(void **state)
{
	fixture *f = *state;
	cert_opts o = ek_opts();
	o.eku = "serverAuth";
	outcome r = verify_new(f->store, &o, pki.ek_key);
	assert_int_equal(r.verdict, BC_EK_CERT_WRONG_USAGE);
	assert_false(r.info.has_ek_eku);
	o.eku = NULL; /* none: many EK certificates have none */
	r = verify_new(f->store, &o, pki.ek_key);
	assert_int_equal(r.verdict, BC_EK_CERT_TRUSTED);
	assert_false(r.info.has_ek_eku);
}

static void test_not_a_certificate(void **state)
{
	fixture *f = *state;
	static const uint8_t junk[] = {0x30, 0x03, 0x02, 0x01, 0x05};
	outcome r = verify_at(f->store, junk, sizeof(junk), false, 0);
	assert_int_equal(r.verdict, BC_EK_CERT_MALFORMED);
	assert_false(r.info.parsed);
	r = verify_at(f->store, (const uint8_t *)"hello", 5, false, 0);
	assert_int_equal(r.verdict, BC_EK_CERT_MALFORMED);
}

static void test_pem_input_and_padding(void **state)
{
	fixture *f = *state;
	BIO *bio = BIO_new(BIO_s_mem());
	char *pem;
	PEM_write_bio_X509(bio, f->ek);
	long n = BIO_get_mem_data(bio, &pem);
	assert_int_equal(verify_at(f->store, (const uint8_t *)pem, (size_t)n, true, 0).verdict,
			 BC_EK_CERT_TRUSTED);
	/* DER padded with 0xff to the size of an NV index */
	uint8_t padded[4096];
	assert_true(f->der_len < sizeof(padded));
	memset(padded, 0xff, sizeof(padded));
	memcpy(padded, f->der, f->der_len);
	assert_int_equal(verify_at(f->store, padded, sizeof(padded), true, 0).verdict,
			 BC_EK_CERT_TRUSTED);
	BIO_free(bio);
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

#define WITH_FIXTURE(test) \
	cmocka_unit_test_setup_teardown(test, setup_root_and_ek, teardown_fixture)

int main(void)
{
	const struct CMUnitTest tests[] = {
	    WITH_FIXTURE(test_trusted_through_intermediate_to_root),
	    WITH_FIXTURE(test_intermediate_in_store_is_an_anchor),
	    WITH_FIXTURE(test_unknown_issuer),
	    WITH_FIXTURE(test_changed_byte_is_a_bad_signature),
	    WITH_FIXTURE(test_expired_and_not_yet_valid),
	    WITH_FIXTURE(test_validity_at_another_time),
	    cmocka_unit_test(test_revoked_by_crl),
	    WITH_FIXTURE(test_ca_certificate_is_not_an_ek),
	    WITH_FIXTURE(test_key_usage_of_the_key_type),
	    WITH_FIXTURE(test_eku_other_than_the_ek),
	    WITH_FIXTURE(test_not_a_certificate),
	    WITH_FIXTURE(test_pem_input_and_padding),
	    cmocka_unit_test(test_store_file_errors),
	    cmocka_unit_test(test_every_shipped_ca_file_loads),
	    cmocka_unit_test(test_names),
	};
	return cmocka_run_group_tests(tests, setup_pki, teardown_pki);
}
