/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A test Intel DCAP PKI, quotes and collateral: see dcap-sign.h. The layouts are those
 * of attest/dcap.h, written here byte by byte.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "tests/tools/dcap-sign.h"
#include "util/buf.h"
#include "util/hex.h"

#define DAY	  (24L * 3600)
#define YEARS_10  (3650L * DAY)
#define QUOTE_CAP ((size_t)1 << 20)
#define TEXT_CAP  ((size_t)1 << 20)
#define SGX_BODY  384
#define TD10_BODY 584
#define TD15_BODY 648
#define HEADER	  48

static const uint8_t sim_comp_svn[16] = {DCAP_SIM_COMP_SVN_1, 5, 2, 2, 2, 1, 0, 3};
static const uint8_t intel_qe_vendor[16] = {0x93, 0x9A, 0x72, 0x33, 0xF7, 0x9C, 0x4C, 0xA9,
					    0x94, 0x0A, 0x0D, 0xB3, 0x95, 0x7F, 0x06, 0x07};

static int fail(const char *what)
{
	unsigned long e = ERR_get_error();
	fprintf(stderr, "dcap-sign: %s%s%s\n", what, e ? ": " : "",
		e ? ERR_reason_error_string(e) ?: "OpenSSL error" : "");
	ERR_clear_error();
	return -1;
}

/* ---- DER for the SGX extension ---- */

/* tag || length || content at out (room for len + 4); returns the bytes written. */
static size_t tlv(uint8_t *out, uint8_t tag, const uint8_t *content, size_t len)
{
	size_t h = 0;
	out[h++] = tag;
	if (len < 0x80) {
		out[h++] = (uint8_t)len;
	} else if (len < 0x100) {
		out[h++] = 0x81;
		out[h++] = (uint8_t)len;
	} else {
		out[h++] = 0x82;
		out[h++] = (uint8_t)(len >> 8);
		out[h++] = (uint8_t)len;
	}
	memmove(out + h, content, len);
	return h + len;
}

static const uint8_t sgx_oid[] = {0x2A, 0x86, 0x48, 0x86, 0xF8, 0x4D, 0x01, 0x0D, 0x01};

/* SEQUENCE { OID sgx_oid[.sub].arc, value } */
static size_t member(uint8_t *out, int sub, uint8_t arc, const uint8_t *value, size_t vlen)
{
	uint8_t oid[16], inner[512];
	size_t n = sizeof(sgx_oid);
	memcpy(oid, sgx_oid, n);
	if (sub)
		oid[n++] = (uint8_t)sub;
	oid[n++] = arc;
	size_t len = tlv(inner, 0x06, oid, n);
	memcpy(inner + len, value, vlen);
	len += vlen;
	return tlv(out, 0x30, inner, len);
}

static size_t der_int(uint8_t *out, unsigned v)
{
	uint8_t b[3];
	size_t n = 0;
	if (v > 0x7fff)
		b[n++] = (uint8_t)(v >> 16);
	if (v > 0x7f)
		b[n++] = (uint8_t)(v >> 8);
	b[n++] = (uint8_t)v;
	if (b[0] & 0x80) { /* keep it positive */
		memmove(b + 1, b, n);
		b[0] = 0;
		n++;
	}
	return tlv(out, 0x02, b, n);
}

static size_t sgx_extension(uint8_t *out)
{
	uint8_t tcb[1024], v[64], body[2048], fmspc[6], pceid[2], ppid[16];
	size_t tl = 0, bl = 0, n, len;
	for (int i = 0; i < 16; i++) {
		n = der_int(v, sim_comp_svn[i]);
		tl += member(tcb + tl, 2, (uint8_t)(i + 1), v, n);
	}
	n = der_int(v, DCAP_SIM_PCESVN);
	tl += member(tcb + tl, 2, 17, v, n);
	n = tlv(v, 0x04, sim_comp_svn, 16); /* CPUSVN: the components, as on most parts */
	tl += member(tcb + tl, 2, 18, v, n);

	for (int i = 0; i < 16; i++)
		ppid[i] = (uint8_t)(0x70 + i);
	bc_hex_decode(DCAP_SIM_FMSPC, 12, fmspc, sizeof(fmspc), &len);
	bc_hex_decode(DCAP_SIM_PCEID, 4, pceid, sizeof(pceid), &len);
	n = tlv(v, 0x04, ppid, 16);
	bl += member(body + bl, 0, 1, v, n);
	uint8_t tcb_seq[1024];
	n = tlv(tcb_seq, 0x30, tcb, tl);
	bl += member(body + bl, 0, 2, tcb_seq, n);
	n = tlv(v, 0x04, pceid, 2);
	bl += member(body + bl, 0, 3, v, n);
	n = tlv(v, 0x04, fmspc, 6);
	bl += member(body + bl, 0, 4, v, n);
	uint8_t type0 = 0;
	n = tlv(v, 0x0A, &type0, 1);
	bl += member(body + bl, 0, 5, v, n);
	return tlv(out, 0x30, body, bl);
}

/* ---- certificates and CRLs ---- */

static EVP_PKEY *new_key(void)
{
	return EVP_EC_gen("P-256");
}

static int add_ext(X509 *x, X509 *issuer, int nid, const char *value)
{
	X509V3_CTX v3;
	X509V3_set_ctx(&v3, issuer ? issuer : x, x, NULL, NULL, 0);
	X509_EXTENSION *e = X509V3_EXT_conf_nid(NULL, &v3, nid, value);
	int ok = e && X509_add_ext(x, e, -1) == 1;
	X509_EXTENSION_free(e);
	return ok ? 0 : fail("cannot add an extension");
}

static X509 *make_cert(const char *cn, EVP_PKEY *key, X509 *issuer, EVP_PKEY *issuer_key,
		       long serial, bool ca, bool pck)
{
	X509 *x = X509_new();
	X509_NAME *name = X509_NAME_new();
	if (!x || !name)
		goto bad;
	X509_set_version(x, 2);
	ASN1_INTEGER_set(X509_get_serialNumber(x), serial);
	X509_gmtime_adj(X509_getm_notBefore(x), -DAY);
	X509_gmtime_adj(X509_getm_notAfter(x), YEARS_10);
	X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, (const unsigned char *)cn, -1, -1, 0);
	X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC,
				   (const unsigned char *)"Test Corporation", -1, -1, 0);
	X509_set_subject_name(x, name);
	X509_set_issuer_name(x, issuer ? X509_get_subject_name(issuer) : name);
	X509_set_pubkey(x, key);
	if (add_ext(x, issuer, NID_basic_constraints,
		    ca ? "critical,CA:TRUE" : "critical,CA:FALSE") ||
	    add_ext(x, issuer, NID_key_usage,
		    ca ? "critical,keyCertSign,cRLSign"
		       : "critical,digitalSignature,nonRepudiation") ||
	    add_ext(x, issuer, NID_subject_key_identifier, "hash") ||
	    add_ext(x, issuer, NID_authority_key_identifier, "keyid:always"))
		goto bad;
	if (pck) {
		uint8_t der[2048];
		size_t n = sgx_extension(der);
		ASN1_OCTET_STRING *os = ASN1_OCTET_STRING_new();
		ASN1_OBJECT *obj = OBJ_txt2obj("1.2.840.113741.1.13.1", 1);
		X509_EXTENSION *e = NULL;
		bool ok = os && obj && ASN1_OCTET_STRING_set(os, der, (int)n) == 1 &&
			  (e = X509_EXTENSION_create_by_OBJ(NULL, obj, 0, os)) != NULL &&
			  X509_add_ext(x, e, -1) == 1;
		X509_EXTENSION_free(e);
		ASN1_OBJECT_free(obj);
		ASN1_OCTET_STRING_free(os);
		if (!ok)
			goto bad;
	}
	if (X509_sign(x, issuer_key, EVP_sha256()) <= 0)
		goto bad;
	X509_NAME_free(name);
	return x;
bad:
	fail("cannot make a certificate");
	X509_NAME_free(name);
	X509_free(x);
	return NULL;
}

static X509_CRL *make_crl(X509 *issuer, EVP_PKEY *key, const long *serials, size_t n)
{
	X509_CRL *crl = X509_CRL_new();
	ASN1_TIME *t = ASN1_TIME_new();
	if (!crl || !t)
		goto bad;
	X509_CRL_set_version(crl, 1);
	X509_CRL_set_issuer_name(crl, X509_get_subject_name(issuer));
	X509_gmtime_adj(t, -DAY);
	X509_CRL_set1_lastUpdate(crl, t);
	X509_gmtime_adj(t, 30 * DAY);
	X509_CRL_set1_nextUpdate(crl, t);
	for (size_t i = 0; i < n; i++) {
		X509_REVOKED *r = X509_REVOKED_new();
		ASN1_INTEGER *serial = ASN1_INTEGER_new();
		X509_gmtime_adj(t, -3600);
		bool ok = r && serial && ASN1_INTEGER_set(serial, serials[i]) == 1 &&
			  X509_REVOKED_set_serialNumber(r, serial) == 1 &&
			  X509_REVOKED_set_revocationDate(r, t) == 1 &&
			  X509_CRL_add0_revoked(crl, r);
		ASN1_INTEGER_free(serial);
		if (!ok) {
			X509_REVOKED_free(r);
			goto bad;
		}
	}
	X509_CRL_sort(crl);
	if (X509_CRL_sign(crl, key, EVP_sha256()) <= 0)
		goto bad;
	ASN1_TIME_free(t);
	return crl;
bad:
	fail("cannot make a CRL");
	ASN1_TIME_free(t);
	X509_CRL_free(crl);
	return NULL;
}

int dcap_sim_init(dcap_sim *s)
{
	memset(s, 0, sizeof(*s));
	s->root_key = new_key();
	s->pck_ca_key = new_key();
	s->pck_key = new_key();
	s->tcb_key = new_key();
	s->att_key = new_key();
	if (!s->root_key || !s->pck_ca_key || !s->pck_key || !s->tcb_key || !s->att_key)
		return fail("cannot make keys");
	s->root = make_cert("Test SGX Root CA", s->root_key, NULL, s->root_key, 1, true, false);
	if (!s->root)
		return -1;
	s->pck_ca = make_cert("Test SGX PCK Platform CA", s->pck_ca_key, s->root, s->root_key, 2,
			      true, false);
	s->tcb =
	    make_cert("Test SGX TCB Signing", s->tcb_key, s->root, s->root_key, 3, false, false);
	if (!s->pck_ca || !s->tcb)
		return -1;
	s->pck = make_cert("Test SGX PCK Certificate", s->pck_key, s->pck_ca, s->pck_ca_key, 4,
			   false, true);
	if (!s->pck)
		return -1;
	s->pck_crl = make_crl(s->pck_ca, s->pck_ca_key, NULL, 0);
	s->root_crl = make_crl(s->root, s->root_key, NULL, 0);
	return s->pck_crl && s->root_crl ? 0 : -1;
}

void dcap_sim_free(dcap_sim *s)
{
	EVP_PKEY_free(s->root_key);
	EVP_PKEY_free(s->pck_ca_key);
	EVP_PKEY_free(s->pck_key);
	EVP_PKEY_free(s->tcb_key);
	EVP_PKEY_free(s->att_key);
	X509_free(s->root);
	X509_free(s->pck_ca);
	X509_free(s->pck);
	X509_free(s->tcb);
	X509_CRL_free(s->pck_crl);
	X509_CRL_free(s->root_crl);
	memset(s, 0, sizeof(*s));
}

int dcap_sim_revoke(dcap_sim *s, bool root_crl, const long *serials, size_t n)
{
	X509_CRL *crl = root_crl ? make_crl(s->root, s->root_key, serials, n)
				 : make_crl(s->pck_ca, s->pck_ca_key, serials, n);
	if (!crl)
		return -1;
	X509_CRL **slot = root_crl ? &s->root_crl : &s->pck_crl;
	X509_CRL_free(*slot);
	*slot = crl;
	return 0;
}

static int bio_take(BIO *bio, uint8_t **out, size_t *size)
{
	char *p = NULL;
	long n = BIO_get_mem_data(bio, &p);
	*out = NULL;
	if (n < 0 || !(*out = malloc((size_t)n + 1))) {
		BIO_free(bio);
		return fail("out of memory");
	}
	memcpy(*out, p, (size_t)n);
	(*out)[n] = 0;
	*size = (size_t)n;
	BIO_free(bio);
	return 0;
}

int dcap_sim_cert_pem(X509 *x, uint8_t **out, size_t *size)
{
	BIO *bio = BIO_new(BIO_s_mem());
	if (!bio || PEM_write_bio_X509(bio, x) != 1) {
		BIO_free(bio);
		return fail("cannot write a certificate");
	}
	return bio_take(bio, out, size);
}

int dcap_sim_crl_der(X509_CRL *c, uint8_t **out, size_t *size)
{
	BIO *bio = BIO_new(BIO_s_mem());
	if (!bio || i2d_X509_CRL_bio(bio, c) != 1) {
		BIO_free(bio);
		return fail("cannot write a CRL");
	}
	return bio_take(bio, out, size);
}

static int chain_pem(X509 *const *certs, size_t n, uint8_t **out, size_t *size)
{
	BIO *bio = BIO_new(BIO_s_mem());
	if (!bio)
		return fail("out of memory");
	for (size_t i = 0; i < n; i++)
		if (PEM_write_bio_X509(bio, certs[i]) != 1) {
			BIO_free(bio);
			return fail("cannot write a certificate");
		}
	return bio_take(bio, out, size);
}

int dcap_sim_pck_chain(const dcap_sim *s, uint8_t **out, size_t *size)
{
	X509 *const certs[] = {s->pck, s->pck_ca, s->root};
	return chain_pem(certs, 3, out, size);
}

int dcap_sim_tcb_chain(const dcap_sim *s, uint8_t **out, size_t *size)
{
	X509 *const certs[] = {s->tcb, s->root};
	return chain_pem(certs, 2, out, size);
}

/* ---- files ---- */

static FILE *open_in(const char *dir, const char *name, const char *mode)
{
	char path[4096];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	FILE *f = fopen(path, mode);
	if (!f)
		fprintf(stderr, "dcap-sign: %s: %s\n", path, strerror(errno));
	return f;
}

static int save_key(const char *dir, const char *name, EVP_PKEY *key)
{
	FILE *f = open_in(dir, name, "w");
	if (!f)
		return -1;
	fchmod(fileno(f), 0600);
	int ok = PEM_write_PrivateKey(f, key, NULL, NULL, 0, NULL, NULL);
	return fclose(f) == 0 && ok == 1 ? 0 : fail(name);
}

static int save_bytes(const char *dir, const char *name, const uint8_t *data, size_t size)
{
	FILE *f = open_in(dir, name, "w");
	if (!f)
		return -1;
	size_t n = fwrite(data, 1, size, f);
	return fclose(f) == 0 && n == size ? 0 : fail(name);
}

static int save_cert(const char *dir, const char *name, X509 *x)
{
	uint8_t *pem = NULL;
	size_t size = 0;
	int rc = dcap_sim_cert_pem(x, &pem, &size);
	if (rc == 0)
		rc = save_bytes(dir, name, pem, size);
	free(pem);
	return rc;
}

static int save_crl(const char *dir, const char *name, X509_CRL *c)
{
	uint8_t *der = NULL;
	size_t size = 0;
	int rc = dcap_sim_crl_der(c, &der, &size);
	if (rc == 0)
		rc = save_bytes(dir, name, der, size);
	free(der);
	return rc;
}

int dcap_sim_save(const dcap_sim *s, const char *dir)
{
	uint8_t *pem = NULL;
	size_t size = 0;
	if (mkdir(dir, 0700) < 0 && errno != EEXIST) {
		fprintf(stderr, "dcap-sign: %s: %s\n", dir, strerror(errno));
		return -1;
	}
	if (save_key(dir, "root-key.pem", s->root_key) ||
	    save_key(dir, "pck-ca-key.pem", s->pck_ca_key) ||
	    save_key(dir, "pck-key.pem", s->pck_key) || save_key(dir, "tcb-key.pem", s->tcb_key) ||
	    save_key(dir, "att-key.pem", s->att_key) || save_cert(dir, "root.pem", s->root) ||
	    save_cert(dir, "pck-ca.pem", s->pck_ca) || save_cert(dir, "pck.pem", s->pck) ||
	    save_cert(dir, "tcb.pem", s->tcb) || save_crl(dir, "pck-crl.der", s->pck_crl) ||
	    save_crl(dir, "root-crl.der", s->root_crl))
		return -1;
	int rc = dcap_sim_pck_chain(s, &pem, &size);
	if (rc == 0)
		rc = save_bytes(dir, "pck-chain.pem", pem, size);
	free(pem);
	pem = NULL;
	if (rc == 0)
		rc = dcap_sim_tcb_chain(s, &pem, &size);
	if (rc == 0)
		rc = save_bytes(dir, "tcb-chain.pem", pem, size);
	free(pem);
	return rc;
}

static EVP_PKEY *load_key(const char *dir, const char *name)
{
	FILE *f = open_in(dir, name, "r");
	if (!f)
		return NULL;
	EVP_PKEY *k = PEM_read_PrivateKey(f, NULL, NULL, NULL);
	fclose(f);
	if (!k)
		fail(name);
	return k;
}

static X509 *load_cert(const char *dir, const char *name)
{
	FILE *f = open_in(dir, name, "r");
	if (!f)
		return NULL;
	X509 *x = PEM_read_X509(f, NULL, NULL, NULL);
	fclose(f);
	if (!x)
		fail(name);
	return x;
}

static X509_CRL *load_crl(const char *dir, const char *name)
{
	FILE *f = open_in(dir, name, "r");
	if (!f)
		return NULL;
	X509_CRL *c = d2i_X509_CRL_fp(f, NULL);
	fclose(f);
	if (!c)
		fail(name);
	return c;
}

int dcap_sim_load(dcap_sim *s, const char *dir)
{
	memset(s, 0, sizeof(*s));
	s->root_key = load_key(dir, "root-key.pem");
	s->pck_ca_key = load_key(dir, "pck-ca-key.pem");
	s->pck_key = load_key(dir, "pck-key.pem");
	s->tcb_key = load_key(dir, "tcb-key.pem");
	s->att_key = load_key(dir, "att-key.pem");
	s->root = load_cert(dir, "root.pem");
	s->pck_ca = load_cert(dir, "pck-ca.pem");
	s->pck = load_cert(dir, "pck.pem");
	s->tcb = load_cert(dir, "tcb.pem");
	s->pck_crl = load_crl(dir, "pck-crl.der");
	s->root_crl = load_crl(dir, "root-crl.der");
	bool ok = s->root_key && s->pck_ca_key && s->pck_key && s->tcb_key && s->att_key &&
		  s->root && s->pck_ca && s->pck && s->tcb && s->pck_crl && s->root_crl;
	if (!ok)
		dcap_sim_free(s);
	return ok ? 0 : -1;
}

/* ---- quotes ---- */

static int sign_rs(EVP_PKEY *key, const uint8_t *data, size_t size, uint8_t rs[64])
{
	uint8_t der[128];
	size_t der_len = sizeof(der);
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	int ok = ctx && EVP_DigestSignInit(ctx, NULL, EVP_sha256(), NULL, key) == 1 &&
		 EVP_DigestSign(ctx, der, &der_len, data, size) == 1;
	EVP_MD_CTX_free(ctx);
	if (!ok)
		return fail("cannot sign");
	const unsigned char *p = der;
	ECDSA_SIG *sig = d2i_ECDSA_SIG(NULL, &p, (long)der_len);
	ok = sig && BN_bn2binpad(ECDSA_SIG_get0_r(sig), rs, 32) == 32 &&
	     BN_bn2binpad(ECDSA_SIG_get0_s(sig), rs + 32, 32) == 32;
	ECDSA_SIG_free(sig);
	return ok ? 0 : fail("cannot encode a signature");
}

static int public_xy(EVP_PKEY *key, uint8_t xy[64])
{
	uint8_t point[65];
	size_t len = 0;
	if (EVP_PKEY_get_octet_string_param(key, OSSL_PKEY_PARAM_PUB_KEY, point, sizeof(point),
					    &len) != 1 ||
	    len != 65 || point[0] != 0x04)
		return fail("cannot read the attestation key");
	memcpy(xy, point + 1, 64);
	return 0;
}

static void put16(uint8_t *p, unsigned v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static void put32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

size_t dcap_sim_report_data_offset(unsigned body_type)
{
	return body_type == 1 ? 320 : 520;
}

size_t dcap_sim_default_body(unsigned body_type, uint8_t *body)
{
	size_t size = body_type == 1   ? SGX_BODY
		      : body_type == 2 ? TD10_BODY
		      : body_type == 3 ? TD15_BODY
				       : 0;
	if (!size)
		return 0;
	memset(body, 0, size);
	if (body_type == 1) {
		memcpy(body, sim_comp_svn, 16); /* CPUSVN */
		body[48] = 0x05;		/* INIT | MODE64BIT */
		body[56] = 0x03;		/* XFRM: x87, SSE */
		memset(body + 64, 0x11, 32);	/* MRENCLAVE */
		memset(body + 128, 0x22, 32);	/* MRSIGNER */
		put16(body + 256, 3);		/* ISVPRODID */
		put16(body + 258, 4);		/* ISVSVN */
		return size;
	}
	size_t len = 0;
	bc_hex_decode(DCAP_SIM_TEE_TCB_SVN, 32, body, 16, &len); /* TEE_TCB_SVN */
	memset(body + 16, 0xAA, 48);				 /* MRSEAM */
	body[128] = 0xe7;					 /* XFAM */
	memset(body + 136, 0x33, 48);				 /* MRTD */
	for (int i = 0; i < 4; i++)
		memset(body + 328 + 48 * i, 0x40 + i, 48); /* RTMR0-3 */
	if (body_type == 3)
		memcpy(body + 584, body, 16); /* TEE_TCB_SVN2 */
	return size;
}

static int qe_report(const dcap_sim *s, const dcap_quote_spec *spec, bool td, const uint8_t *auth,
		     size_t auth_size, uint8_t report[SGX_BODY], uint8_t sig[64])
{
	uint8_t xy[64];
	unsigned hash_len = 0;
	memset(report, 0, SGX_BODY);
	memcpy(report, sim_comp_svn, 16);
	report[48] = 0x11; /* INIT | PROVISION_KEY, as Intel's QE */
	report[56] = 0xe7;
	memset(report + 64, 0x44, 32);	/* MRENCLAVE */
	memset(report + 128, 0x55, 32); /* MRSIGNER */
	put16(report + 256, td ? 2 : 1);
	put16(report + 258, spec->qe_isvsvn ? spec->qe_isvsvn : DCAP_SIM_QE_ISVSVN);
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	int ok = public_xy(s->att_key, xy) == 0 && md &&
		 EVP_DigestInit_ex(md, EVP_sha256(), NULL) == 1 &&
		 EVP_DigestUpdate(md, xy, 64) == 1 && EVP_DigestUpdate(md, auth, auth_size) == 1 &&
		 EVP_DigestFinal_ex(md, report + 320, &hash_len) == 1;
	EVP_MD_CTX_free(md);
	if (!ok)
		return fail("cannot hash the attestation key");
	return sign_rs(s->pck_key, report, SGX_BODY, sig);
}

int dcap_sim_quote(const dcap_sim *s, const dcap_quote_spec *spec, uint8_t **out, size_t *size)
{
	unsigned version = spec->version ? spec->version : 4;
	unsigned type = spec->body_type ? spec->body_type : version == 3 ? 1 : 2;
	uint8_t body[TD15_BODY], qe[SGX_BODY], qe_sig[64], auth_default[32];
	uint8_t *chain = NULL;
	size_t chain_size = 0;
	*out = NULL;
	if (version < 3 || version > 5 || type < 1 || type > 3 || (version == 3 && type != 1) ||
	    (version == 4 && type == 3)) {
		fprintf(stderr, "dcap-sign: no quote version %u of body type %u\n", version, type);
		return -1;
	}
	size_t body_size = dcap_sim_default_body(type, body);
	if (spec->body) {
		if (spec->body_size != body_size) {
			fprintf(stderr, "dcap-sign: a body of type %u has %zu bytes\n", type,
				body_size);
			return -1;
		}
		memcpy(body, spec->body, body_size);
	}
	if (spec->report_data)
		memcpy(body + dcap_sim_report_data_offset(type), spec->report_data, 64);
	for (int i = 0; i < 32; i++)
		auth_default[i] = (uint8_t)i;
	const uint8_t *auth = spec->qe_auth ? spec->qe_auth : auth_default;
	size_t auth_size = spec->qe_auth ? spec->qe_auth_size : sizeof(auth_default);
	if (qe_report(s, spec, type != 1, auth, auth_size, qe, qe_sig) ||
	    dcap_sim_pck_chain(s, &chain, &chain_size))
		return -1;

	size_t qe_part = SGX_BODY + 64 + 2 + auth_size + 6 + chain_size;
	size_t sig_data = 128 + (version == 3 ? qe_part : 6 + qe_part);
	size_t head = HEADER + (version == 5 ? 6 : 0) + body_size;
	size_t total = head + 4 + sig_data;
	uint8_t *q = calloc(1, total);
	if (!q) {
		free(chain);
		return fail("out of memory");
	}
	put16(q, version);
	put16(q + 2, 2);
	if (version == 3) {
		put16(q + 8, DCAP_SIM_QE_ISVSVN);
		put16(q + 10, DCAP_SIM_PCESVN);
	} else {
		put32(q + 4, type == 1 ? 0 : 0x81);
	}
	memcpy(q + 12, intel_qe_vendor, 16);
	size_t at = HEADER;
	if (version == 5) {
		put16(q + at, type);
		put32(q + at + 2, (uint32_t)body_size);
		at += 6;
	}
	memcpy(q + at, body, body_size);
	at += body_size;
	put32(q + at, (uint32_t)sig_data);
	at += 4 + 64;
	if (public_xy(s->att_key, q + at)) {
		free(q);
		free(chain);
		return -1;
	}
	at += 64;
	if (version != 3) {
		put16(q + at, 6);
		put32(q + at + 2, (uint32_t)qe_part);
		at += 6;
	}
	memcpy(q + at, qe, SGX_BODY);
	memcpy(q + at + SGX_BODY, qe_sig, 64);
	at += SGX_BODY + 64;
	put16(q + at, (unsigned)auth_size);
	memcpy(q + at + 2, auth, auth_size);
	at += 2 + auth_size;
	put16(q + at, 5);
	put32(q + at + 2, (uint32_t)chain_size);
	memcpy(q + at + 6, chain, chain_size);
	free(chain);
	if (sign_rs(s->att_key, q, head, q + head + 4)) {
		free(q);
		return -1;
	}
	*out = q;
	*size = total;
	return 0;
}

int dcap_sim_resign_quote(const dcap_sim *s, uint8_t *quote, size_t size)
{
	if (size < HEADER + 6)
		return -1;
	unsigned version = quote[0] | quote[1] << 8;
	size_t head;
	if (version == 5)
		head = HEADER + 6 + (size_t)(quote[50] | quote[51] << 8 | quote[52] << 16);
	else
		head = HEADER + (version == 3 || quote[4] == 0 ? SGX_BODY : TD10_BODY);
	if (head + 4 + 64 > size)
		return -1;
	return sign_rs(s->att_key, quote, head, quote + head + 4);
}

/* ---- collateral ---- */

static void iso_date(time_t t, char out[32])
{
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

char *dcap_sim_tcb_level(const char *status, int delta, bool tdx, unsigned version)
{
	bc_buf b;
	uint8_t tee[16];
	size_t len = 0;
	int first = DCAP_SIM_COMP_SVN_1 + delta;
	bc_buf_init(&b, TEXT_CAP);
	bc_hex_decode(DCAP_SIM_TEE_TCB_SVN, 32, tee, 16, &len);
	bc_buf_puts(&b, "{\"tcb\":{");
	if (version == 2) {
		for (int i = 0; i < 16; i++)
			bc_buf_printf(&b, "\"sgxtcbcomp%02dsvn\":%d,", i + 1,
				      i == 0 ? first : sim_comp_svn[i]);
	} else {
		bc_buf_puts(&b, "\"sgxtcbcomponents\":[");
		for (int i = 0; i < 16; i++)
			bc_buf_printf(&b, "%s{\"svn\":%d}", i ? "," : "",
				      i == 0 ? first : sim_comp_svn[i]);
		bc_buf_puts(&b, "],");
	}
	if (tdx) {
		bc_buf_puts(&b, "\"tdxtcbcomponents\":[");
		for (int i = 0; i < 16; i++)
			bc_buf_printf(&b, "%s{\"svn\":%u}", i ? "," : "", tee[i]);
		bc_buf_puts(&b, "],");
	}
	bc_buf_printf(&b,
		      "\"pcesvn\":%d},\"tcbDate\":\"2024-03-13T00:00:00Z\",\"tcbStatus\":\"%s\"}",
		      DCAP_SIM_PCESVN, status);
	if (b.failed) {
		bc_buf_free(&b);
		return NULL;
	}
	bc_buf_str(&b);
	return (char *)b.data;
}

char *dcap_sim_module_level(unsigned isvsvn, const char *status)
{
	bc_buf b;
	bc_buf_init(&b, TEXT_CAP);
	bc_buf_printf(&b,
		      "{\"tcb\":{\"isvsvn\":%u},\"tcbDate\":\"2024-03-13T00:00:00Z\","
		      "\"tcbStatus\":\"%s\"}",
		      isvsvn, status);
	if (b.failed) {
		bc_buf_free(&b);
		return NULL;
	}
	bc_buf_str(&b);
	return (char *)b.data;
}

char *dcap_sim_module_identity(const char *id, const char *mrsigner, const char *levels)
{
	static const char zeros[] = "000000000000000000000000000000000000000000000000"
				    "000000000000000000000000000000000000000000000000";
	bc_buf b;
	bc_buf_init(&b, TEXT_CAP);
	bc_buf_printf(&b,
		      "{\"id\":\"%s\",\"mrsigner\":\"%s\",\"attributes\":\"0000000000000000\","
		      "\"attributesMask\":\"FFFFFFFFFFFFFFFF\",\"tcbLevels\":%s}",
		      id, mrsigner ? mrsigner : zeros, levels);
	if (b.failed) {
		bc_buf_free(&b);
		return NULL;
	}
	bc_buf_str(&b);
	return (char *)b.data;
}

/* {"<key>":<obj>,"signature":"<hex r||s of obj>"} */
static int wrap_signed(const dcap_collateral_spec *c, EVP_PKEY *key, const char *name,
		       const char *obj, char **out)
{
	uint8_t rs[64];
	char hex[129];
	if (sign_rs(c->signer ? c->signer : key, (const uint8_t *)obj, strlen(obj), rs))
		return -1;
	if (c->bad_signature)
		rs[10] ^= 1;
	bc_hex_encode(rs, 64, hex);
	bc_buf b;
	bc_buf_init(&b, TEXT_CAP);
	bc_buf_printf(&b, "{\"%s\":%s,\"signature\":\"%s\"}\n", name, obj, hex);
	if (b.failed) {
		bc_buf_free(&b);
		return fail("out of memory");
	}
	bc_buf_str(&b);
	*out = (char *)b.data;
	return 0;
}

int dcap_sim_tcb_info(const dcap_sim *s, const dcap_collateral_spec *c, char **out)
{
	const char *id = c->id ? c->id : "SGX";
	bool tdx = strcmp(id, "TDX") == 0;
	unsigned version = c->version ? c->version : 3;
	time_t now = time(NULL);
	char issue[32], next[32];
	iso_date(c->issue ? c->issue : now - DAY, issue);
	iso_date(c->next ? c->next : now + 30 * DAY, next);
	char *l1 = NULL, *l2 = NULL;
	if (!c->levels) {
		l1 = dcap_sim_tcb_level("UpToDate", 0, tdx, version);
		l2 = dcap_sim_tcb_level("OutOfDate", -1, tdx, version);
		if (!l1 || !l2) {
			free(l1);
			free(l2);
			return fail("out of memory");
		}
	}
	bc_buf b;
	bc_buf_init(&b, TEXT_CAP);
	bc_buf_puts(&b, "{");
	if (version >= 3)
		bc_buf_printf(&b, "\"id\":\"%s\",", id);
	bc_buf_printf(&b,
		      "\"version\":%u,\"issueDate\":\"%s\",\"nextUpdate\":\"%s\",\"fmspc\":\"%s\","
		      "\"pceId\":\"%s\",\"tcbType\":0,\"tcbEvaluationDataNumber\":17,",
		      version, issue, next, c->fmspc ? c->fmspc : DCAP_SIM_FMSPC, DCAP_SIM_PCEID);
	if (tdx)
		bc_buf_puts(&b, "\"tdxModule\":{\"mrsigner\":\"000000000000000000000000000000000000"
				"000000000000000000000000000000000000000000000000000000000000\","
				"\"attributes\":\"0000000000000000\",\"attributesMask\":"
				"\"FFFFFFFFFFFFFFFF\"},");
	if (tdx && c->module_identities)
		bc_buf_printf(&b, "\"tdxModuleIdentities\":%s,", c->module_identities);
	if (c->levels)
		bc_buf_printf(&b, "\"tcbLevels\":%s}", c->levels);
	else
		bc_buf_printf(&b, "\"tcbLevels\":[%s,%s]}", l1, l2);
	free(l1);
	free(l2);
	if (b.failed) {
		bc_buf_free(&b);
		return fail("out of memory");
	}
	int rc = wrap_signed(c, s->tcb_key, "tcbInfo", bc_buf_str(&b), out);
	bc_buf_free(&b);
	return rc;
}

int dcap_sim_qe_identity(const dcap_sim *s, const dcap_collateral_spec *c, char **out)
{
	const char *id = c->id ? c->id : "QE";
	time_t now = time(NULL);
	char issue[32], next[32];
	iso_date(c->issue ? c->issue : now - DAY, issue);
	iso_date(c->next ? c->next : now + 30 * DAY, next);
	bc_buf b;
	bc_buf_init(&b, TEXT_CAP);
	bc_buf_printf(&b,
		      "{\"id\":\"%s\",\"version\":2,\"issueDate\":\"%s\",\"nextUpdate\":\"%s\","
		      "\"tcbEvaluationDataNumber\":17,\"miscselect\":\"00000000\","
		      "\"miscselectMask\":\"FFFFFFFF\",\"attributes\":"
		      "\"11000000000000000000000000000000\",\"attributesMask\":"
		      "\"FBFFFFFFFFFFFFFF0000000000000000\",\"mrsigner\":"
		      "\"5555555555555555555555555555555555555555555555555555555555555555\","
		      "\"isvprodid\":%d,\"tcbLevels\":",
		      id, issue, next, strcmp(id, "TD_QE") == 0 ? 2 : 1);
	if (c->levels)
		bc_buf_puts(&b, c->levels);
	else
		bc_buf_printf(&b,
			      "[{\"tcb\":{\"isvsvn\":%d},\"tcbDate\":\"2024-03-13T00:00:00Z\","
			      "\"tcbStatus\":\"UpToDate\"},{\"tcb\":{\"isvsvn\":0},\"tcbDate\":"
			      "\"2018-01-04T00:00:00Z\",\"tcbStatus\":\"OutOfDate\"}]",
			      DCAP_SIM_QE_ISVSVN);
	bc_buf_puts(&b, "}");
	if (b.failed) {
		bc_buf_free(&b);
		return fail("out of memory");
	}
	int rc = wrap_signed(c, s->tcb_key, "enclaveIdentity", bc_buf_str(&b), out);
	bc_buf_free(&b);
	return rc;
}
