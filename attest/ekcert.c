/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * EK certificates against a store of TPM manufacturer certificates: OpenSSL's
 * X509_STORE with every certificate a trust anchor (X509_V_FLAG_PARTIAL_CHAIN), the
 * profile's checks of an EK certificate (a leaf, the key usage of its key type, the EK
 * EKU), and what it says of its TPM (the TCG attributes of its subject alternative name).
 *
 * Vendors' files are loaded as published: PEM with or without a final newline, or DER.
 * OpenSSL keeps the encoding a certificate was read with (its tbsCertificate is cached
 * as read), so a certificate that is not strict DER, as Nuvoton's root NUVO_2110 whose
 * issuer's SET is out of order, still verifies: signatures are checked over the bytes
 * as signed, and names are compared in OpenSSL's canonical form, which sorts them.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>

#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>

#include <bootchain/ekcert.h>

#include "util/cleanup.h"
#include "util/file.h"
#include "util/text.h"

#ifndef BC_TPM_CA_DIR
#define BC_TPM_CA_DIR "/usr/local/share/bootchain/tpm-ca"
#endif

/* A CA file holds a few certificates; CRLs of a big CA may reach megabytes. */
#define CA_FILE_MAX  ((size_t)1 << 20)
#define CRL_FILE_MAX ((size_t)64 << 20)
/* More certificates than any store of manufacturers needs: a bound on a wrong --ca-dir */
#define CA_STORE_MAX 10000

/* TCG OIDs: TPM attributes of the subject alternative name (EK Credential Profile
 * 3.2.9), and the EKU tcg-kp-EKCertificate (3.2.16). */
#define OID_TPM_MANUFACTURER "2.23.133.2.1"
#define OID_TPM_MODEL	     "2.23.133.2.2"
#define OID_TPM_VERSION	     "2.23.133.2.3"
#define OID_EK_CERTIFICATE   "2.23.133.8.1"

struct bc_ca_store {
	X509_STORE *store;
	STACK_OF(X509) * certs; /* in load order; files[i] is where certs[i] came from */
	char **files;
	size_t count, crl_count;
};

DEFINE_TRIVIAL_CLEANUP_FUNC(BIO *, BIO_free)
DEFINE_TRIVIAL_CLEANUP_FUNC(X509 *, X509_free)
DEFINE_TRIVIAL_CLEANUP_FUNC(X509_CRL *, X509_CRL_free)
DEFINE_TRIVIAL_CLEANUP_FUNC(X509_STORE_CTX *, X509_STORE_CTX_free)
DEFINE_TRIVIAL_CLEANUP_FUNC(GENERAL_NAMES *, GENERAL_NAMES_free)
DEFINE_TRIVIAL_CLEANUP_FUNC(EXTENDED_KEY_USAGE *, EXTENDED_KEY_USAGE_free)
DEFINE_TRIVIAL_CLEANUP_FUNC(DIR *, closedir)

static void x509_stack_freep(STACK_OF(X509) * *p)
{
	sk_X509_pop_free(*p, X509_free);
}

static bc_status nomem(bc_error *err)
{
	return bc_fail(err, BC_E_NOMEM, "out of memory");
}

/* ---- the store ---- */

bc_status bc_ca_store_new(bc_ca_store **out, bc_error *err)
{
	bc_ca_store *store = calloc(1, sizeof(*store));
	*out = NULL;
	if (!store)
		return nomem(err);
	store->store = X509_STORE_new();
	store->certs = sk_X509_new_null();
	if (!store->store || !store->certs) {
		bc_ca_store_free(store);
		return nomem(err);
	}
	*out = store;
	return BC_OK;
}

void bc_ca_store_free(bc_ca_store *store)
{
	if (!store)
		return;
	X509_STORE_free(store->store);
	sk_X509_pop_free(store->certs, X509_free);
	for (size_t i = 0; i < store->count; i++)
		free(store->files[i]);
	free(store->files);
	free(store);
}

size_t bc_ca_store_count(const bc_ca_store *store)
{
	return store ? store->count : 0;
}

const char *bc_ca_store_default_dir(void)
{
	return BC_TPM_CA_DIR;
}

/* Take cert (its reference passes to the store) as a trust anchor from path. */
static bc_status store_add(bc_ca_store *store, X509 *cert, const char *path, bc_error *err)
{
	if (store->count >= CA_STORE_MAX) {
		X509_free(cert);
		return bc_fail(err, BC_E_LIMIT, "%s: more than %d CA certificates in the store",
			       path, CA_STORE_MAX);
	}
	char **files = realloc(store->files, (store->count + 1) * sizeof(*files));
	if (files)
		store->files = files;
	char *name = files ? strdup(path) : NULL;
	/* X509_STORE_add_cert takes a reference of its own; a certificate already there is
	 * not an error (OpenSSL 3 ignores the duplicate) */
	if (!name || X509_STORE_add_cert(store->store, cert) != 1 ||
	    !sk_X509_push(store->certs, cert)) {
		free(name);
		X509_free(cert);
		ERR_clear_error();
		return nomem(err);
	}
	store->files[store->count++] = name;
	return BC_OK;
}

static bool looks_like_pem(const uint8_t *data, size_t size)
{
	return memmem(data, size, "-----BEGIN ", 11) != NULL;
}

/* Whether OpenSSL stopped at the end of the PEM text rather than at a bad block. */
static bool pem_ended(void)
{
	unsigned long e = ERR_peek_last_error();
	ERR_clear_error();
	return ERR_GET_LIB(e) == ERR_LIB_PEM && ERR_GET_REASON(e) == PEM_R_NO_START_LINE;
}

/* Every CERTIFICATE block of a PEM text; other blocks are skipped. */
static bc_status add_pem(bc_ca_store *store, const uint8_t *data, size_t size, const char *path,
			 size_t *added, bc_error *err)
{
	_cleanup_(BIO_freep) BIO *bio = BIO_new_mem_buf(data, (int)size);
	if (!bio)
		return nomem(err);
	for (;;) {
		X509 *cert = PEM_read_bio_X509(bio, NULL, NULL, NULL);
		if (!cert) {
			if (pem_ended())
				return BC_OK;
			return bc_fail(err, BC_E_FORMAT,
				       "%s: certificate %zu of the PEM text does not parse", path,
				       *added + 1);
		}
		bc_status s = store_add(store, cert, path, err);
		if (s != BC_OK)
			return s;
		(*added)++;
	}
}

/* DER certificates one after the other (usually one). */
static bc_status add_der(bc_ca_store *store, const uint8_t *data, size_t size, const char *path,
			 size_t *added, bc_error *err)
{
	const unsigned char *p = data, *end = data + size;
	while (p < end) {
		const unsigned char *at = p;
		X509 *cert = d2i_X509(NULL, &p, end - p);
		if (!cert) {
			ERR_clear_error();
			return bc_fail(err, BC_E_FORMAT,
				       "%s: not a certificate (neither PEM nor DER) at offset %zu",
				       path, (size_t)(at - data));
		}
		bc_status s = store_add(store, cert, path, err);
		if (s != BC_OK)
			return s;
		(*added)++;
	}
	return BC_OK;
}

bc_status bc_ca_store_add_file(bc_ca_store *store, const char *path, bc_error *err)
{
	_cleanup_free_ uint8_t *data = NULL;
	size_t size = 0, added = 0;
	bc_status s = bc_read_file(path, CA_FILE_MAX, &data, &size, err);
	if (s != BC_OK)
		return s;
	if (looks_like_pem(data, size))
		s = add_pem(store, data, size, path, &added, err);
	else
		s = add_der(store, data, size, path, &added, err);
	if (s == BC_OK && added == 0)
		return bc_fail(err, BC_E_FORMAT, "%s: holds no certificate", path);
	return s;
}

static bool is_cert_file_name(const char *name)
{
	static const char *const suffixes[] = {".pem", ".crt", ".cer", ".der"};
	size_t n = strlen(name);
	if (name[0] == '.')
		return false;
	for (size_t i = 0; i < ELEMENTSOF(suffixes); i++)
		if (n > 4 && strcasecmp(name + n - 4, suffixes[i]) == 0)
			return true;
	return false;
}

static int compare_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void free_names(char **names, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
}

/* The certificate file names of dir, sorted so that the store is the same on every
 * machine. */
static bc_status list_cert_files(const char *dir, char ***out, size_t *count, bc_error *err)
{
	_cleanup_(closedirp) DIR *d = opendir(dir);
	char **names = NULL;
	size_t n = 0;
	struct dirent *e;
	*out = NULL;
	*count = 0;
	if (!d)
		return bc_fail(err, BC_E_IO, "%s: %s", dir, strerror(errno));
	while ((e = readdir(d))) {
		if (!is_cert_file_name(e->d_name))
			continue;
		char **grown = n < CA_STORE_MAX ? realloc(names, (n + 1) * sizeof(*names)) : NULL;
		char *name = grown ? strdup(e->d_name) : NULL;
		if (grown)
			names = grown;
		if (!name) {
			free_names(names, n);
			return n < CA_STORE_MAX
				   ? nomem(err)
				   : bc_fail(err, BC_E_LIMIT, "%s: too many files", dir);
		}
		names[n++] = name;
	}
	if (n)
		qsort(names, n, sizeof(*names), compare_names);
	*out = names;
	*count = n;
	return BC_OK;
}

bc_status bc_ca_store_add_dir(bc_ca_store *store, const char *dir, bc_error *err)
{
	char **names = NULL;
	size_t n = 0, files = 0;
	bc_status s = list_cert_files(dir, &names, &n, err);
	for (size_t i = 0; s == BC_OK && i < n; i++) {
		_cleanup_free_ char *path = NULL;
		struct stat st;
		if (asprintf(&path, "%s/%s", dir, names[i]) < 0) {
			path = NULL;
			s = nomem(err);
		} else if (stat(path, &st) == 0 && S_ISREG(st.st_mode)) {
			s = bc_ca_store_add_file(store, path, err);
			files++;
		}
	}
	free_names(names, n);
	if (s == BC_OK && files == 0)
		return bc_fail(err, BC_E_NOTFOUND,
			       "%s: no certificate file (*.pem, *.crt, *.cer, *.der) in it", dir);
	return s;
}

static bc_status store_add_crl(bc_ca_store *store, X509_CRL *crl, bc_error *err)
{
	int ok = X509_STORE_add_crl(store->store, crl);
	X509_CRL_free(crl);
	if (ok != 1) {
		ERR_clear_error();
		return nomem(err);
	}
	store->crl_count++;
	return BC_OK;
}

bc_status bc_ca_store_add_crl(bc_ca_store *store, const char *path, bc_error *err)
{
	_cleanup_free_ uint8_t *data = NULL;
	size_t size = 0, added = 0;
	bc_status s = bc_read_file(path, CRL_FILE_MAX, &data, &size, err);
	if (s != BC_OK)
		return s;
	if (looks_like_pem(data, size)) {
		_cleanup_(BIO_freep) BIO *bio = BIO_new_mem_buf(data, (int)size);
		X509_CRL *crl;
		if (!bio)
			return nomem(err);
		while ((crl = PEM_read_bio_X509_CRL(bio, NULL, NULL, NULL))) {
			if ((s = store_add_crl(store, crl, err)) != BC_OK)
				return s;
			added++;
		}
		if (!pem_ended())
			return bc_fail(err, BC_E_FORMAT,
				       "%s: CRL %zu of the PEM text does not parse", path,
				       added + 1);
	} else {
		const unsigned char *p = data;
		X509_CRL *crl = d2i_X509_CRL(NULL, &p, (long)size);
		if (!crl) {
			ERR_clear_error();
			return bc_fail(err, BC_E_FORMAT, "%s: not a CRL (neither PEM nor DER)",
				       path);
		}
		if ((s = store_add_crl(store, crl, err)) != BC_OK)
			return s;
		added++;
	}
	if (added == 0)
		return bc_fail(err, BC_E_FORMAT, "%s: holds no CRL", path);
	return BC_OK;
}

/* ---- what a certificate says ---- */

static void name_line(const X509_NAME *name, char *out, size_t size)
{
	_cleanup_(BIO_freep) BIO *bio = BIO_new(BIO_s_mem());
	char *text = NULL;
	out[0] = '\0';
	/* XN_FLAG_ONELINE escapes control characters and bytes past ASCII as \XX: the
	 * result is plain text, whatever the certificate holds */
	if (!bio || X509_NAME_print_ex(bio, name, 0, XN_FLAG_ONELINE) < 0) {
		ERR_clear_error();
		return;
	}
	long n = BIO_get_mem_data(bio, &text);
	if (n > 0)
		snprintf(out, size, "%.*s", (int)n, text);
}

/* An attribute value as UTF-8, escaped for people. */
static void string_text(const ASN1_STRING *value, char *out, size_t size)
{
	unsigned char *utf8 = NULL;
	int n = ASN1_STRING_to_UTF8(&utf8, value);
	out[0] = '\0';
	if (n < 0) {
		ERR_clear_error();
		return;
	}
	_cleanup_free_ char *text = strndup((const char *)utf8, (size_t)n);
	OPENSSL_free(utf8);
	if (text)
		bc_text_escaped(text, out, size);
}

static bool oid_is(const ASN1_OBJECT *obj, const char *oid)
{
	char text[80];
	int n = OBJ_obj2txt(text, sizeof(text), obj, 1);
	return n > 0 && (size_t)n < sizeof(text) && strcmp(text, oid) == 0;
}

/* The TPM's manufacturer, model and version from the directoryName of the subject
 * alternative name. */
static void read_tpm_attributes(X509 *cert, bc_ek_cert_info *info)
{
	_cleanup_(GENERAL_NAMES_freep) GENERAL_NAMES *names =
	    X509_get_ext_d2i(cert, NID_subject_alt_name, NULL, NULL);
	for (int i = 0; names && i < sk_GENERAL_NAME_num(names); i++) {
		const GENERAL_NAME *gn = sk_GENERAL_NAME_value(names, i);
		if (gn->type != GEN_DIRNAME)
			continue;
		const X509_NAME *dir = gn->d.directoryName;
		for (int k = 0; k < X509_NAME_entry_count(dir); k++) {
			const X509_NAME_ENTRY *e = X509_NAME_get_entry(dir, k);
			const ASN1_OBJECT *obj = X509_NAME_ENTRY_get_object(e);
			const ASN1_STRING *value = X509_NAME_ENTRY_get_data(e);
			if (oid_is(obj, OID_TPM_MANUFACTURER))
				string_text(value, info->manufacturer, sizeof(info->manufacturer));
			else if (oid_is(obj, OID_TPM_MODEL))
				string_text(value, info->model, sizeof(info->model));
			else if (oid_is(obj, OID_TPM_VERSION))
				string_text(value, info->version, sizeof(info->version));
		}
	}
	ERR_clear_error();
}

/* Whether the certificate has an extended key usage extension (*present), and whether
 * it names the EK (*ek) or any purpose (*any). */
static void read_eku(X509 *cert, bool *present, bool *ek, bool *any)
{
	_cleanup_(EXTENDED_KEY_USAGE_freep) EXTENDED_KEY_USAGE *eku =
	    X509_get_ext_d2i(cert, NID_ext_key_usage, NULL, NULL);
	*present = eku != NULL;
	*ek = *any = false;
	for (int i = 0; eku && i < sk_ASN1_OBJECT_num(eku); i++) {
		const ASN1_OBJECT *obj = sk_ASN1_OBJECT_value(eku, i);
		*ek |= oid_is(obj, OID_EK_CERTIFICATE);
		*any |= OBJ_obj2nid(obj) == NID_anyExtendedKeyUsage;
	}
	ERR_clear_error();
}

static int64_t asn1_time_epoch(const ASN1_TIME *t)
{
	struct tm tm = {0};
	if (!t || ASN1_TIME_to_tm(t, &tm) != 1) {
		ERR_clear_error();
		return 0;
	}
	return (int64_t)timegm(&tm);
}

static void fingerprint(const X509 *cert, uint8_t out[32])
{
	unsigned int n = 32;
	if (X509_digest(cert, EVP_sha256(), out, &n) != 1) {
		memset(out, 0, 32);
		ERR_clear_error();
	}
}

static void fill_info(X509 *cert, bc_ek_cert_info *info)
{
	bool present, any;
	info->parsed = true;
	name_line(X509_get_subject_name(cert), info->subject, sizeof(info->subject));
	name_line(X509_get_issuer_name(cert), info->issuer, sizeof(info->issuer));
	read_tpm_attributes(cert, info);
	read_eku(cert, &present, &info->has_ek_eku, &any);
	info->not_before = asn1_time_epoch(X509_get0_notBefore(cert));
	info->not_after = asn1_time_epoch(X509_get0_notAfter(cert));
	fingerprint(cert, info->fingerprint);
}

/* ---- verifying ---- */

const char *bc_ek_cert_verdict_name(bc_ek_cert_verdict v)
{
	switch (v) {
	case BC_EK_CERT_TRUSTED: return "trusted";
	case BC_EK_CERT_UNKNOWN_ISSUER: return "unknown issuer";
	case BC_EK_CERT_BAD_SIGNATURE: return "bad signature";
	case BC_EK_CERT_EXPIRED: return "expired";
	case BC_EK_CERT_REVOKED: return "revoked";
	case BC_EK_CERT_WRONG_USAGE: return "wrong key usage";
	case BC_EK_CERT_MALFORMED: return "malformed";
	}
	return "malformed";
}

/* DER, or the first certificate of a PEM text. */
static X509 *parse_cert(const uint8_t *data, size_t size)
{
	X509 *cert = NULL;
	if (size > 0 && data[0] == 0x30) {
		/* NV content may be padded past the DER: d2i reads one certificate */
		const unsigned char *p = data;
		cert = d2i_X509(NULL, &p, (long)size);
	} else if (looks_like_pem(data, size)) {
		_cleanup_(BIO_freep) BIO *bio = BIO_new_mem_buf(data, (int)size);
		cert = bio ? PEM_read_bio_X509(bio, NULL, NULL, NULL) : NULL;
	}
	ERR_clear_error();
	return cert;
}

/* The EK Credential Profile's EK certificate: not a CA, the key usage of its key type
 * when it has a key usage extension (RSA: keyEncipherment; ECC: keyAgreement), and the
 * EK purpose when it has an extended key usage extension. */
static bool check_ek_usage(X509 *cert, char *why, size_t why_size)
{
	uint32_t flags = X509_get_extension_flags(cert);
	uint32_t ku = X509_get_key_usage(cert);
	bool has_eku, ek, any;
	if ((flags & EXFLAG_CA) ||
	    ((flags & EXFLAG_KUSAGE) && (ku & (KU_KEY_CERT_SIGN | KU_CRL_SIGN)))) {
		snprintf(why, why_size,
			 "a CA certificate (basic constraints CA or key usage "
			 "keyCertSign/cRLSign), not an EK certificate");
		return false;
	}
	if (flags & EXFLAG_KUSAGE) {
		ASN1_OBJECT *alg = NULL;
		X509_PUBKEY *pub = X509_get_X509_PUBKEY(cert);
		if (pub)
			X509_PUBKEY_get0_param(&alg, NULL, NULL, NULL, pub);
		int nid = alg ? OBJ_obj2nid(alg) : NID_undef;
		bool rsa = nid == NID_rsaEncryption || nid == NID_rsaesOaep;
		if (rsa && !(ku & KU_KEY_ENCIPHERMENT)) {
			snprintf(why, why_size,
				 "an RSA EK certificate without key usage "
				 "keyEncipherment");
			return false;
		}
		if (nid == NID_X9_62_id_ecPublicKey && !(ku & KU_KEY_AGREEMENT)) {
			snprintf(why, why_size,
				 "an ECC EK certificate without key usage "
				 "keyAgreement");
			return false;
		}
	}
	read_eku(cert, &has_eku, &ek, &any);
	if (has_eku && !ek && !any) {
		snprintf(why, why_size,
			 "its extended key usage does not include the EK "
			 "certificate's (" OID_EK_CERTIFICATE ")");
		return false;
	}
	return true;
}

static bc_ek_cert_verdict verdict_of(int e)
{
	switch (e) {
	case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT:
	case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
	case X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE:
	case X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT:
	case X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN:
	case X509_V_ERR_CERT_UNTRUSTED:
	case X509_V_ERR_CERT_REJECTED: return BC_EK_CERT_UNKNOWN_ISSUER;
	case X509_V_ERR_CERT_SIGNATURE_FAILURE:
	case X509_V_ERR_CRL_SIGNATURE_FAILURE:
	case X509_V_ERR_UNABLE_TO_DECRYPT_CERT_SIGNATURE:
	case X509_V_ERR_UNABLE_TO_DECRYPT_CRL_SIGNATURE:
	case X509_V_ERR_UNABLE_TO_DECODE_ISSUER_PUBLIC_KEY: return BC_EK_CERT_BAD_SIGNATURE;
	case X509_V_ERR_CERT_NOT_YET_VALID:
	case X509_V_ERR_CERT_HAS_EXPIRED:
	case X509_V_ERR_ERROR_IN_CERT_NOT_BEFORE_FIELD:
	case X509_V_ERR_ERROR_IN_CERT_NOT_AFTER_FIELD: return BC_EK_CERT_EXPIRED;
	/* once CRLs are given, a certificate whose issuer's CRL is missing or out of date
	 * cannot be shown unrevoked: fail closed, as revoked */
	case X509_V_ERR_CERT_REVOKED:
	case X509_V_ERR_UNABLE_TO_GET_CRL:
	case X509_V_ERR_UNABLE_TO_GET_CRL_ISSUER:
	case X509_V_ERR_CRL_HAS_EXPIRED:
	case X509_V_ERR_CRL_NOT_YET_VALID:
	case X509_V_ERR_ERROR_IN_CRL_LAST_UPDATE_FIELD:
	case X509_V_ERR_ERROR_IN_CRL_NEXT_UPDATE_FIELD:
	case X509_V_ERR_KEYUSAGE_NO_CRL_SIGN: return BC_EK_CERT_REVOKED;
	case X509_V_ERR_INVALID_CA:
	case X509_V_ERR_INVALID_PURPOSE:
	case X509_V_ERR_KEYUSAGE_NO_CERTSIGN:
	case X509_V_ERR_PATH_LENGTH_EXCEEDED:
	case X509_V_ERR_INVALID_NON_CA: return BC_EK_CERT_WRONG_USAGE;
	default: return BC_EK_CERT_MALFORMED;
	}
}

static void describe_failure(X509_STORE_CTX *ctx, char *why, size_t why_size)
{
	int e = X509_STORE_CTX_get_error(ctx);
	X509 *at = X509_STORE_CTX_get_current_cert(ctx);
	char subject[256] = "", issuer[256] = "";
	if (at) {
		name_line(X509_get_subject_name(at), subject, sizeof(subject));
		name_line(X509_get_issuer_name(at), issuer, sizeof(issuer));
	}
	if (verdict_of(e) == BC_EK_CERT_UNKNOWN_ISSUER)
		snprintf(why, why_size,
			 "%s: no certificate of the store issued \"%s\" (issuer \"%s\")",
			 X509_verify_cert_error_string(e), subject, issuer);
	else
		snprintf(why, why_size, "%s (certificate %d of the chain: \"%s\")",
			 X509_verify_cert_error_string(e), X509_STORE_CTX_get_error_depth(ctx),
			 subject);
}

static void describe_chain(const bc_ca_store *store, X509_STORE_CTX *ctx, bc_ek_cert_info *info,
			   char *why, size_t why_size)
{
	STACK_OF(X509) *chain = X509_STORE_CTX_get0_chain(ctx);
	int n = chain ? sk_X509_num(chain) : 0;
	if (n <= 0)
		return;
	info->chain_len = (size_t)n < BC_EK_CHAIN_MAX ? (size_t)n : BC_EK_CHAIN_MAX;
	for (size_t i = 0; i < info->chain_len; i++)
		fingerprint(sk_X509_value(chain, (int)i), info->chain_fingerprints[i]);
	X509 *anchor = sk_X509_value(chain, n - 1);
	name_line(X509_get_subject_name(anchor), info->anchor_subject,
		  sizeof(info->anchor_subject));
	for (size_t i = 0; i < store->count; i++)
		if (X509_cmp(sk_X509_value(store->certs, (int)i), anchor) == 0) {
			snprintf(info->anchor_file, sizeof(info->anchor_file), "%s",
				 store->files[i]);
			break;
		}
	snprintf(why, why_size, "chains to \"%s\" (%s)", info->anchor_subject,
		 info->anchor_file[0] ? info->anchor_file : "store");
}

/* The intermediates that parse (NV content is untrusted: the others are left out, and
 * the chain then fails to reach the store). */
static STACK_OF(X509) *
    parse_intermediates(const uint8_t *const *certs, const size_t *sizes, size_t count)
{
	STACK_OF(X509) *out = sk_X509_new_null();
	for (size_t i = 0; out && i < count; i++) {
		X509 *cert = parse_cert(certs[i], sizes[i]);
		if (cert && !sk_X509_push(out, cert))
			X509_free(cert);
	}
	return out;
}

bc_status bc_ek_cert_verify(const bc_ca_store *store, const uint8_t *cert, size_t size,
			    const uint8_t *const *intermediates, const size_t *intermediate_sizes,
			    size_t intermediate_count, int64_t at, bc_ek_cert_verdict *verdict,
			    bc_ek_cert_info *info, char *why, size_t why_size, bc_error *err)
{
	*verdict = BC_EK_CERT_MALFORMED;
	*info = (bc_ek_cert_info){.parsed = false};
	if (why_size)
		why[0] = '\0';
	_cleanup_(X509_freep) X509 *leaf = parse_cert(cert, size);
	if (!leaf) {
		snprintf(why, why_size, "not an X.509 certificate (DER or PEM)");
		return BC_OK;
	}
	fill_info(leaf, info);
	if (!check_ek_usage(leaf, why, why_size)) {
		*verdict = BC_EK_CERT_WRONG_USAGE;
		return BC_OK;
	}

	_cleanup_(x509_stack_freep) STACK_OF(X509) *untrusted =
	    parse_intermediates(intermediates, intermediate_sizes, intermediate_count);
	_cleanup_(X509_STORE_CTX_freep) X509_STORE_CTX *ctx = X509_STORE_CTX_new();
	if (!untrusted || !ctx || X509_STORE_CTX_init(ctx, store->store, leaf, untrusted) != 1) {
		ERR_clear_error();
		return nomem(err);
	}
	X509_VERIFY_PARAM *param = X509_STORE_CTX_get0_param(ctx);
	unsigned long flags = X509_V_FLAG_PARTIAL_CHAIN;
	if (store->crl_count)
		flags |= X509_V_FLAG_CRL_CHECK | X509_V_FLAG_CRL_CHECK_ALL;
	X509_VERIFY_PARAM_set_flags(param, flags);
	/* at most BC_EK_CHAIN_MAX certificates: the EK's, intermediates, the anchor */
	X509_VERIFY_PARAM_set_depth(param, BC_EK_CHAIN_MAX - 2);
	if (at)
		X509_VERIFY_PARAM_set_time(param, (time_t)at);

	int ok = X509_verify_cert(ctx);
	ERR_clear_error();
	if (ok == 1) {
		*verdict = BC_EK_CERT_TRUSTED;
		describe_chain(store, ctx, info, why, why_size);
	} else {
		*verdict = verdict_of(X509_STORE_CTX_get_error(ctx));
		describe_failure(ctx, why, why_size);
	}
	return BC_OK;
}
