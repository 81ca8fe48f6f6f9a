/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The EK (TCG EK Credential Profile templates L-1 and L-2, or the persistent EK of the
 * TCG provisioning guidance), its certificate in NV, and the AK created under it:
 * persistent, or saved to a context file that tpm2-tools loads.
 */
#include "config.h"

#include <errno.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/bio.h>
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <tss2/tss2_esys.h>

#include <bootchain/digest.h>

#include "attest/credential.h"
#include "attest/keys.h"
#include "attest/tpm-public.h"
#include "pcr/tpm-internal.h"
#include "util/cleanup.h"
#include "util/file.h"
#include "util/reader.h"

/* A context file holds a TPMS_CONTEXT: a few kilobytes at most. */
#define CONTEXT_FILE_MAX      ((size_t)64 << 10)
#define CONTEXT_MAGIC	      0xBADCC0DEu
#define CONTEXT_VERSION	      1u
#define OWNER_PERSISTENT_LAST 0x817FFFFFu
/* The TPM's own bound on NV reads when it does not report TPM2_PT_NV_BUFFER_MAX. */
#define NV_BUFFER_DEFAULT 512
/* An EK certificate is a few kilobytes; NV indices are at most 2048 bytes in practice. */
#define EK_CERT_MAX ((size_t)16 << 10)

static void esys_freep(void *p)
{
	Esys_Free(*(void **)p);
}
#define _cleanup_esys_ _cleanup_(esys_freep)

DEFINE_TRIVIAL_CLEANUP_FUNC(BIO *, BIO_free)
DEFINE_TRIVIAL_CLEANUP_FUNC(BIGNUM *, BN_free)
DEFINE_TRIVIAL_CLEANUP_FUNC(EVP_PKEY *, EVP_PKEY_free)
DEFINE_TRIVIAL_CLEANUP_FUNC(X509 *, X509_free)

/* The policy digest of PolicySecret(TPM_RH_ENDORSEMENT) with SHA-256 (EK Credential
 * Profile, B.3.2 "PolicyA"). */
static const uint8_t ek_policy_a[32] = {
    0x83, 0x71, 0x97, 0x67, 0x44, 0x84, 0xb3, 0xf8, 0x1a, 0x90, 0xcc, 0x8d, 0x46, 0xa5, 0xd7, 0x24,
    0xfd, 0x52, 0xd7, 0x6e, 0x06, 0x52, 0x0b, 0x64, 0xf2, 0xa1, 0xda, 0x1b, 0x33, 0x14, 0x69, 0xaa,
};

bool bc_key_type_parse(const char *text, bc_key_type *out)
{
	if (strcmp(text, "rsa") == 0)
		*out = BC_KEY_RSA;
	else if (strcmp(text, "ecc") == 0)
		*out = BC_KEY_ECC;
	else
		return false;
	return true;
}

const char *bc_key_type_name(bc_key_type type)
{
	return type == BC_KEY_RSA ? "rsa" : "ecc";
}

bool bc_persistent_handle_parse(const char *text, uint32_t *out)
{
	unsigned long v = 0;
	size_t n = 0;
	if (text[0] != '0' || (text[1] != 'x' && text[1] != 'X'))
		return false;
	for (const char *p = text + 2; *p; p++, n++) {
		int d;
		if (*p >= '0' && *p <= '9')
			d = *p - '0';
		else if (*p >= 'a' && *p <= 'f')
			d = *p - 'a' + 10;
		else if (*p >= 'A' && *p <= 'F')
			d = *p - 'A' + 10;
		else
			return false;
		if (n >= 8)
			return false;
		v = v << 4 | (unsigned long)d;
	}
	if (n == 0 || !bc_handle_is_persistent((uint32_t)v))
		return false;
	*out = (uint32_t)v;
	return true;
}

/* ---- the EK ---- */

void bc_ek_default_template(bc_key_type type, TPM2B_PUBLIC *out)
{
	*out = (TPM2B_PUBLIC){.size = 0};
	TPMT_PUBLIC *p = &out->publicArea;
	p->nameAlg = TPM2_ALG_SHA256;
	p->objectAttributes = TPMA_OBJECT_FIXEDTPM | TPMA_OBJECT_FIXEDPARENT |
			      TPMA_OBJECT_SENSITIVEDATAORIGIN | TPMA_OBJECT_ADMINWITHPOLICY |
			      TPMA_OBJECT_RESTRICTED | TPMA_OBJECT_DECRYPT;
	p->authPolicy.size = sizeof(ek_policy_a);
	memcpy(p->authPolicy.buffer, ek_policy_a, sizeof(ek_policy_a));
	if (type == BC_KEY_RSA) {
		/* template L-1 */
		p->type = TPM2_ALG_RSA;
		p->parameters.rsaDetail.symmetric.algorithm = TPM2_ALG_AES;
		p->parameters.rsaDetail.symmetric.keyBits.aes = 128;
		p->parameters.rsaDetail.symmetric.mode.aes = TPM2_ALG_CFB;
		p->parameters.rsaDetail.scheme.scheme = TPM2_ALG_NULL;
		p->parameters.rsaDetail.keyBits = 2048;
		p->parameters.rsaDetail.exponent = 0;
		p->unique.rsa.size = 256;
	} else {
		/* template L-2 */
		p->type = TPM2_ALG_ECC;
		p->parameters.eccDetail.symmetric.algorithm = TPM2_ALG_AES;
		p->parameters.eccDetail.symmetric.keyBits.aes = 128;
		p->parameters.eccDetail.symmetric.mode.aes = TPM2_ALG_CFB;
		p->parameters.eccDetail.scheme.scheme = TPM2_ALG_NULL;
		p->parameters.eccDetail.curveID = TPM2_ECC_NIST_P256;
		p->parameters.eccDetail.kdf.scheme = TPM2_ALG_NULL;
		p->unique.ecc.x.size = 32;
		p->unique.ecc.y.size = 32;
	}
}

/* An ESYS_TR for an existing persistent object or NV index (Esys_TR_Close it). */
static bc_status tr_from_handle(bc_tpm *tpm, TPM2_HANDLE handle, ESYS_TR *out, bc_error *err)
{
	TSS2_RC rc = Esys_TR_FromTPMPublic(bc_tpm_esys(tpm), handle, ESYS_TR_NONE, ESYS_TR_NONE,
					   ESYS_TR_NONE, out);
	if (rc != TSS2_RC_SUCCESS) {
		char what[64];
		snprintf(what, sizeof(what), "cannot open handle 0x%08x", handle);
		return bc_tpm_fail(tpm, err, rc, what);
	}
	return BC_OK;
}

static bool looks_like_ek(const TPMT_PUBLIC *p, bc_key_type type)
{
	TPMA_OBJECT want = TPMA_OBJECT_RESTRICTED | TPMA_OBJECT_DECRYPT;
	if ((p->objectAttributes & (want | TPMA_OBJECT_SIGN_ENCRYPT)) != want)
		return false;
	return type == BC_KEY_RSA ? p->type == TPM2_ALG_RSA : p->type == TPM2_ALG_ECC;
}

/* The persistent EK at the TCG handle, when there is one of the right kind. */
static bc_status open_persistent_ek(bc_tpm *tpm, bc_key_type type, ESYS_TR *handle,
				    TPM2B_PUBLIC *pub, bool *found, bc_error *err)
{
	TPM2_HANDLE h = type == BC_KEY_RSA ? BC_EK_RSA_HANDLE : BC_EK_ECC_HANDLE;
	ESYS_CONTEXT *esys = bc_tpm_esys(tpm);
	bool exists = false;
	ESYS_TR tr = ESYS_TR_NONE;
	*found = false;
	bc_status s = bc_tpm_handle_exists(tpm, h, &exists, err);
	if (s != BC_OK || !exists)
		return s;
	if ((s = tr_from_handle(tpm, h, &tr, err)) != BC_OK)
		return s;
	_cleanup_esys_ TPM2B_PUBLIC *out = NULL;
	TSS2_RC rc =
	    Esys_ReadPublic(esys, tr, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, &out, NULL, NULL);
	if (rc != TSS2_RC_SUCCESS) {
		Esys_TR_Close(esys, &tr);
		return bc_tpm_fail(tpm, err, rc,
				   "cannot read the public area of the persistent EK");
	}
	if (!looks_like_ek(&out->publicArea, type)) {
		/* something else lives there: use the template, as if there were nothing */
		Esys_TR_Close(esys, &tr);
		return BC_OK;
	}
	*handle = tr;
	if (pub)
		*pub = *out;
	*found = true;
	return BC_OK;
}

TSS2_RC bc_ek_create_primary(bc_tpm *tpm, const TPM2B_PUBLIC *tmpl, ESYS_TR *handle,
			     TPM2B_PUBLIC *pub)
{
	TPM2B_SENSITIVE_CREATE sensitive = {.size = 0};
	TPM2B_DATA outside = {.size = 0};
	TPML_PCR_SELECTION pcrs = {.count = 0};
	_cleanup_esys_ TPM2B_PUBLIC *out = NULL;
	_cleanup_esys_ TPM2B_CREATION_DATA *creation = NULL;
	_cleanup_esys_ TPM2B_DIGEST *creation_hash = NULL;
	_cleanup_esys_ TPMT_TK_CREATION *ticket = NULL;
	*handle = ESYS_TR_NONE;
	TSS2_RC rc = Esys_CreatePrimary(bc_tpm_esys(tpm), ESYS_TR_RH_ENDORSEMENT, ESYS_TR_PASSWORD,
					ESYS_TR_NONE, ESYS_TR_NONE, &sensitive, tmpl, &outside,
					&pcrs, handle, &out, &creation, &creation_hash, &ticket);
	if (rc == TSS2_RC_SUCCESS && pub)
		*pub = *out;
	return rc;
}

bc_status bc_ek_open(bc_tpm *tpm, bc_key_type type, ESYS_TR *handle, TPM2B_PUBLIC *pub,
		     bc_error *err)
{
	bool found = false;
	*handle = ESYS_TR_NONE;
	bc_status s = open_persistent_ek(tpm, type, handle, pub, &found, err);
	if (s != BC_OK || found)
		return s;

	TPM2B_PUBLIC tmpl;
	ESYS_TR tr = ESYS_TR_NONE;
	bc_ek_default_template(type, &tmpl);
	TSS2_RC rc = bc_ek_create_primary(tpm, &tmpl, &tr, pub);
	if (rc != TSS2_RC_SUCCESS)
		return bc_tpm_fail(tpm, err, rc, "TPM2_CreatePrimary of the EK failed");
	if ((s = bc_tpm_track(tpm, tr, err)) != BC_OK)
		return s;
	*handle = tr;
	return BC_OK;
}

uint32_t bc_key_tpm_handle(bc_tpm *tpm, ESYS_TR handle)
{
	TPM2_HANDLE h = 0;
	if (Esys_TR_GetTpmHandle(bc_tpm_esys(tpm), handle, &h) != TSS2_RC_SUCCESS)
		return 0;
	return h;
}

static bool is_persistent(bc_tpm *tpm, ESYS_TR handle)
{
	return bc_handle_is_persistent(bc_key_tpm_handle(tpm, handle));
}

void bc_ek_close(bc_tpm *tpm, ESYS_TR handle)
{
	if (handle == ESYS_TR_NONE)
		return;
	if (is_persistent(tpm, handle))
		Esys_TR_Close(bc_tpm_esys(tpm), &handle);
	else
		bc_tpm_flush(tpm, handle);
}

bc_status bc_ek_policy_session(bc_tpm *tpm, ESYS_TR *session, bc_error *err)
{
	ESYS_CONTEXT *esys = bc_tpm_esys(tpm);
	TPMT_SYM_DEF symmetric = {.algorithm = TPM2_ALG_NULL};
	ESYS_TR tr = ESYS_TR_NONE;
	TSS2_RC rc = Esys_StartAuthSession(esys, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE,
					   ESYS_TR_NONE, ESYS_TR_NONE, NULL, TPM2_SE_POLICY,
					   &symmetric, TPM2_ALG_SHA256, &tr);
	if (rc != TSS2_RC_SUCCESS)
		return bc_tpm_fail(tpm, err, rc, "cannot start a policy session for the EK");
	bc_status s = bc_tpm_track(tpm, tr, err);
	if (s != BC_OK)
		return s;
	rc = Esys_PolicySecret(esys, ESYS_TR_RH_ENDORSEMENT, tr, ESYS_TR_PASSWORD, ESYS_TR_NONE,
			       ESYS_TR_NONE, NULL, NULL, NULL, 0, NULL, NULL);
	if (rc != TSS2_RC_SUCCESS) {
		bc_tpm_flush(tpm, tr);
		return bc_tpm_fail(tpm, err, rc,
				   "TPM2_PolicySecret(TPM_RH_ENDORSEMENT) for the EK failed (is "
				   "the endorsement hierarchy's auth value set?)");
	}
	*session = tr;
	return BC_OK;
}

/* ---- the EK certificate ---- */

static uint32_t nv_buffer_max(bc_tpm *tpm)
{
	_cleanup_esys_ TPMS_CAPABILITY_DATA *cap = NULL;
	TPMI_YES_NO more = TPM2_NO;
	TSS2_RC rc =
	    Esys_GetCapability(bc_tpm_esys(tpm), ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE,
			       TPM2_CAP_TPM_PROPERTIES, TPM2_PT_NV_BUFFER_MAX, 1, &more, &cap);
	if (rc == TSS2_RC_SUCCESS && cap->data.tpmProperties.count > 0 &&
	    cap->data.tpmProperties.tpmProperty[0].property == TPM2_PT_NV_BUFFER_MAX &&
	    cap->data.tpmProperties.tpmProperty[0].value > 0)
		return cap->data.tpmProperties.tpmProperty[0].value;
	return NV_BUFFER_DEFAULT;
}

/* Manufacturers pad the certificate to the size of the index: keep the DER only. */
static size_t der_length(const uint8_t *p, size_t size)
{
	if (size < 2 || p[0] != 0x30)
		return size;
	if (p[1] < 0x80)
		return 2u + p[1] <= size ? 2u + p[1] : size;
	size_t n = p[1] & 0x7f, len = 0;
	if (n == 0 || n > 3 || size < 2 + n)
		return size;
	for (size_t i = 0; i < n; i++)
		len = len << 8 | p[2 + i];
	return 2 + n + len <= size ? 2 + n + len : size;
}

static bc_status nv_read(bc_tpm *tpm, ESYS_TR index, const TPMS_NV_PUBLIC *pub, uint8_t *buf,
			 bc_error *err)
{
	ESYS_CONTEXT *esys = bc_tpm_esys(tpm);
	ESYS_TR auth = index;
	if (!(pub->attributes & TPMA_NV_AUTHREAD) && (pub->attributes & TPMA_NV_OWNERREAD))
		auth = ESYS_TR_RH_OWNER;
	uint32_t chunk = nv_buffer_max(tpm);
	if (chunk > TPM2_MAX_NV_BUFFER_SIZE)
		chunk = TPM2_MAX_NV_BUFFER_SIZE;
	for (uint32_t off = 0; off < pub->dataSize;) {
		_cleanup_esys_ TPM2B_MAX_NV_BUFFER *data = NULL;
		uint16_t want =
		    (uint16_t)(pub->dataSize - off < chunk ? pub->dataSize - off : chunk);
		TSS2_RC rc = Esys_NV_Read(esys, auth, index, ESYS_TR_PASSWORD, ESYS_TR_NONE,
					  ESYS_TR_NONE, want, (uint16_t)off, &data);
		if (rc != TSS2_RC_SUCCESS) {
			char what[128];
			snprintf(what, sizeof(what),
				 "TPM2_NV_Read of %u bytes at offset %u of index 0x%08x failed",
				 want, off, pub->nvIndex);
			return bc_tpm_fail(tpm, err, rc, what);
		}
		if (data->size != want)
			return bc_fail(err, BC_E_FORMAT,
				       "TPM2_NV_Read returned %u bytes instead of %u from index "
				       "0x%08x",
				       data->size, want, pub->nvIndex);
		memcpy(buf + off, data->buffer, want);
		off += want;
	}
	return BC_OK;
}

bc_status bc_ek_cert_read(bc_tpm *tpm, bc_key_type type, uint8_t **der, size_t *len, bc_error *err)
{
	TPM2_HANDLE h = type == BC_KEY_RSA ? BC_EK_RSA_CERT_INDEX : BC_EK_ECC_CERT_INDEX;
	bool exists = false;
	*der = NULL;
	*len = 0;
	bc_status s = bc_tpm_handle_exists(tpm, h, &exists, err);
	if (s != BC_OK)
		return s;
	if (!exists)
		return bc_fail(err, BC_E_NOTFOUND,
			       "the TPM has no %s EK certificate (NV index 0x%08x)",
			       type == BC_KEY_RSA ? "RSA" : "ECC", h);
	s = bc_nv_cert_read(tpm, h, der, len, err);
	if (s == BC_OK)
		*len = der_length(*der, *len);
	return s;
}

bc_status bc_nv_cert_read(bc_tpm *tpm, uint32_t h, uint8_t **der, size_t *len, bc_error *err)
{
	ESYS_CONTEXT *esys = bc_tpm_esys(tpm);
	ESYS_TR index = ESYS_TR_NONE;
	*der = NULL;
	*len = 0;
	bc_status s = tr_from_handle(tpm, h, &index, err);
	if (s != BC_OK)
		return s;
	_cleanup_esys_ TPM2B_NV_PUBLIC *pub = NULL;
	TSS2_RC rc =
	    Esys_NV_ReadPublic(esys, index, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, &pub, NULL);
	if (rc != TSS2_RC_SUCCESS) {
		char what[64];
		snprintf(what, sizeof(what), "TPM2_NV_ReadPublic of index 0x%08x failed", h);
		Esys_TR_Close(esys, &index);
		return bc_tpm_fail(tpm, err, rc, what);
	}
	if (pub->nvPublic.dataSize == 0 || pub->nvPublic.dataSize > EK_CERT_MAX) {
		Esys_TR_Close(esys, &index);
		return bc_fail(err, BC_E_FORMAT, "certificate index 0x%08x holds %u bytes", h,
			       pub->nvPublic.dataSize);
	}
	_cleanup_free_ uint8_t *buf = malloc(pub->nvPublic.dataSize);
	if (!buf) {
		Esys_TR_Close(esys, &index);
		return bc_fail(err, BC_E_NOMEM, "out of memory");
	}
	s = nv_read(tpm, index, &pub->nvPublic, buf, err);
	Esys_TR_Close(esys, &index);
	if (s != BC_OK)
		return s;
	*len = pub->nvPublic.dataSize;
	*der = TAKE_PTR(buf);
	return BC_OK;
}

/* ---- in software: certificates, EK public keys, names ---- */

static bc_status ossl_fail(bc_error *err, bc_status status, const char *what)
{
	unsigned long e = ERR_get_error();
	ERR_clear_error();
	return bc_fail(err, status, "%s%s%s", what, e ? ": " : "",
		       e ? ERR_reason_error_string(e) ?: "OpenSSL error" : "");
}

bc_status bc_ek_cert_matches(const uint8_t *der, size_t len, const TPMT_PUBLIC *ek, bool *match,
			     bc_error *err)
{
	const unsigned char *p = der;
	_cleanup_(X509_freep) X509 *cert = d2i_X509(NULL, &p, (long)len);
	_cleanup_(EVP_PKEY_freep) EVP_PKEY *key = NULL;
	*match = false;
	if (!cert)
		return ossl_fail(err, BC_E_FORMAT, "the EK certificate does not parse");
	bc_status s = bc_tpm_public_to_pkey(ek, &key, err);
	if (s != BC_OK)
		return s;
	EVP_PKEY *cert_key = X509_get0_pubkey(cert);
	*match = cert_key && EVP_PKEY_eq(cert_key, key) == 1;
	ERR_clear_error();
	return BC_OK;
}

bc_status bc_cert_to_pem(const uint8_t *der, size_t len, char **pem, bc_error *err)
{
	_cleanup_(BIO_freep) BIO *bio = BIO_new(BIO_s_mem());
	char *data;
	*pem = NULL;
	if (!bio || PEM_write_bio(bio, PEM_STRING_X509, "", der, (long)len) <= 0)
		return ossl_fail(err, BC_E_NOMEM, "cannot write the certificate as PEM");
	long n = BIO_get_mem_data(bio, &data);
	*pem = strndup(data, (size_t)n);
	return *pem ? BC_OK : bc_fail(err, BC_E_NOMEM, "out of memory");
}

static bc_status bn_param(EVP_PKEY *key, const char *param, uint8_t *out, size_t size,
			  bc_error *err)
{
	_cleanup_(BN_freep) BIGNUM *bn = NULL;
	if (!EVP_PKEY_get_bn_param(key, param, &bn) || BN_bn2binpad(bn, out, (int)size) < 0)
		return ossl_fail(err, BC_E_FORMAT, "not a usable public key");
	return BC_OK;
}

/* The TPM2B_PUBLIC of an EK of the default template with this public key. */
static bc_status ek_public_from_pkey(EVP_PKEY *key, const char *name, TPM2B_PUBLIC *out,
				     bc_error *err)
{
	if (EVP_PKEY_is_a(key, "RSA")) {
		BIGNUM *e = NULL;
		bool f4;
		if (EVP_PKEY_get_bits(key) != 2048)
			return bc_fail(err, BC_E_UNSUPPORTED,
				       "%s: an RSA key of %d bits, not the 2048 of the default EK "
				       "template: give the EK's TPM2B_PUBLIC instead",
				       name, EVP_PKEY_get_bits(key));
		if (!EVP_PKEY_get_bn_param(key, OSSL_PKEY_PARAM_RSA_E, &e))
			return ossl_fail(err, BC_E_FORMAT, "not a usable RSA key");
		f4 = BN_is_word(e, 65537);
		BN_free(e);
		if (!f4)
			return bc_fail(err, BC_E_UNSUPPORTED,
				       "%s: the default EK template has the exponent 65537", name);
		bc_ek_default_template(BC_KEY_RSA, out);
		return bn_param(key, OSSL_PKEY_PARAM_RSA_N, out->publicArea.unique.rsa.buffer, 256,
				err);
	}
	if (EVP_PKEY_is_a(key, "EC")) {
		char group[64] = "";
		EVP_PKEY_get_utf8_string_param(key, OSSL_PKEY_PARAM_GROUP_NAME, group,
					       sizeof(group), NULL);
		if (strcmp(group, "prime256v1") != 0 && strcmp(group, "P-256") != 0)
			return bc_fail(err, BC_E_UNSUPPORTED,
				       "%s: an EC key on %s, not the NIST P-256 of the default EK "
				       "template: give the EK's TPM2B_PUBLIC instead",
				       name, group[0] ? group : "an unnamed curve");
		bc_ek_default_template(BC_KEY_ECC, out);
		bc_status s = bn_param(key, OSSL_PKEY_PARAM_EC_PUB_X,
				       out->publicArea.unique.ecc.x.buffer, 32, err);
		if (s != BC_OK)
			return s;
		return bn_param(key, OSSL_PKEY_PARAM_EC_PUB_Y, out->publicArea.unique.ecc.y.buffer,
				32, err);
	}
	return bc_fail(err, BC_E_UNSUPPORTED, "%s: neither an RSA nor an EC key", name);
}

bc_status bc_ek_public_load(const uint8_t *data, size_t size, const char *name, TPM2B_PUBLIC *out,
			    bc_error *err)
{
	static const char pem_begin[] = "-----BEGIN ";
	if (!memmem(data, size, pem_begin, sizeof(pem_begin) - 1))
		return bc_tpm_public_unmarshal(data, size, name, out, err);
	if (size > INT32_MAX)
		return bc_fail(err, BC_E_LIMIT, "%s: too large", name);
	_cleanup_(BIO_freep) BIO *bio = BIO_new_mem_buf(data, (int)size);
	_cleanup_(EVP_PKEY_freep) EVP_PKEY *key = NULL;
	if (!bio)
		return bc_fail(err, BC_E_NOMEM, "out of memory");
	key = PEM_read_bio_PUBKEY(bio, NULL, NULL, NULL);
	if (!key) {
		/* not a PUBLIC KEY: perhaps the EK certificate */
		_cleanup_(X509_freep) X509 *cert = NULL;
		ERR_clear_error();
		if (BIO_reset(bio) != 1 || !(cert = PEM_read_bio_X509(bio, NULL, NULL, NULL)) ||
		    !(key = X509_get_pubkey(cert)))
			return ossl_fail(err, BC_E_FORMAT,
					 "neither a PEM public key nor a PEM certificate");
	}
	return ek_public_from_pkey(key, name, out, err);
}

bc_status bc_name_parse(const uint8_t *data, size_t size, const char *what, TPM2B_NAME *out,
			bc_error *err)
{
	const bc_hash_alg *alg =
	    size >= 2 ? bc_hash_alg_by_id((uint16_t)(data[0] << 8 | data[1])) : NULL;
	if (!alg || size != 2u + alg->size || size > sizeof(out->name))
		return bc_fail(err, BC_E_FORMAT,
			       "%s: not a key name (2 bytes of hash algorithm, then its digest)",
			       what);
	out->size = (UINT16)size;
	memcpy(out->name, data, size);
	return BC_OK;
}

/* ---- context files (tpm2-tools' format) ---- */

static void put_be(uint8_t *p, uint64_t v, unsigned bytes)
{
	for (unsigned i = 0; i < bytes; i++)
		p[i] = (uint8_t)(v >> (8 * (bytes - 1 - i)));
}

bc_status bc_context_marshal(const TPMS_CONTEXT *ctx, uint8_t *buf, size_t size, size_t *len,
			     bc_error *err)
{
	size_t need = 4 + 4 + 4 + 4 + 8 + 2 + (size_t)ctx->contextBlob.size;
	*len = 0;
	if (ctx->contextBlob.size > sizeof(ctx->contextBlob.buffer) || size < need)
		return bc_fail(err, BC_E_LIMIT, "a context of %u bytes does not fit",
			       ctx->contextBlob.size);
	put_be(buf, CONTEXT_MAGIC, 4);
	put_be(buf + 4, CONTEXT_VERSION, 4);
	put_be(buf + 8, ctx->hierarchy, 4);
	put_be(buf + 12, ctx->savedHandle, 4);
	put_be(buf + 16, ctx->sequence, 8);
	put_be(buf + 24, ctx->contextBlob.size, 2);
	memcpy(buf + 26, ctx->contextBlob.buffer, ctx->contextBlob.size);
	*len = need;
	return BC_OK;
}

static bool has_context_magic(const uint8_t *data, size_t size)
{
	bc_reader r = bc_reader_init(data, size);
	uint32_t magic;
	return bc_rd_u32be(&r, &magic) && magic == CONTEXT_MAGIC;
}

bc_status bc_context_unmarshal(const uint8_t *data, size_t size, const char *name,
			       TPMS_CONTEXT *out, bc_error *err)
{
	bc_reader r = bc_reader_init(data, size);
	uint32_t magic, version, seq_hi, seq_lo;
	uint16_t blob;
	const uint8_t *p;
	*out = (TPMS_CONTEXT){.sequence = 0};
	if (!bc_rd_u32be(&r, &magic) || magic != CONTEXT_MAGIC)
		return bc_fail(err, BC_E_FORMAT, "%s: not a TPM context file (no magic 0x%08x)",
			       name, CONTEXT_MAGIC);
	if (!bc_rd_u32be(&r, &version) || version != CONTEXT_VERSION)
		return bc_fail(err, BC_E_FORMAT, "%s: context file version %u is not supported",
			       name, version);
	if (!bc_rd_u32be(&r, &out->hierarchy) || !bc_rd_u32be(&r, &out->savedHandle) ||
	    !bc_rd_u32be(&r, &seq_hi) || !bc_rd_u32be(&r, &seq_lo) || !bc_rd_u16be(&r, &blob))
		return bc_fail(err, BC_E_FORMAT, "%s: truncated context file header", name);
	if (blob > sizeof(out->contextBlob.buffer))
		return bc_fail(err, BC_E_FORMAT, "%s: a context blob of %u bytes (at most %zu)",
			       name, blob, sizeof(out->contextBlob.buffer));
	if (!bc_rd_bytes(&r, blob, &p))
		return bc_fail(err, BC_E_FORMAT,
			       "%s: context blob truncated (%u bytes announced, "
			       "%zu left)",
			       name, blob, bc_rd_left(&r));
	if (bc_rd_left(&r))
		return bc_fail(err, BC_E_FORMAT, "%s: %zu bytes after the context blob", name,
			       bc_rd_left(&r));
	out->sequence = (uint64_t)seq_hi << 32 | seq_lo;
	out->contextBlob.size = blob;
	memcpy(out->contextBlob.buffer, p, blob);
	return BC_OK;
}

static bc_status save_context(bc_tpm *tpm, ESYS_TR handle, const char *path, bc_error *err)
{
	_cleanup_esys_ TPMS_CONTEXT *ctx = NULL;
	uint8_t buf[sizeof(TPMS_CONTEXT) + 32];
	size_t len = 0;
	TSS2_RC rc = Esys_ContextSave(bc_tpm_esys(tpm), handle, &ctx);
	if (rc != TSS2_RC_SUCCESS)
		return bc_tpm_fail(tpm, err, rc, "TPM2_ContextSave of the AK failed");
	bc_status s = bc_context_marshal(ctx, buf, sizeof(buf), &len, err);
	if (s != BC_OK)
		return s;
	return bc_write_file_atomic(path, buf, len, 0644, err);
}

/* ---- the AK ---- */

static void ak_template(bc_key_type type, TPM2B_PUBLIC *out)
{
	*out = (TPM2B_PUBLIC){.size = 0};
	TPMT_PUBLIC *p = &out->publicArea;
	p->nameAlg = TPM2_ALG_SHA256;
	p->objectAttributes = TPMA_OBJECT_FIXEDTPM | TPMA_OBJECT_FIXEDPARENT |
			      TPMA_OBJECT_SENSITIVEDATAORIGIN | TPMA_OBJECT_USERWITHAUTH |
			      TPMA_OBJECT_RESTRICTED | TPMA_OBJECT_SIGN_ENCRYPT;
	if (type == BC_KEY_RSA) {
		p->type = TPM2_ALG_RSA;
		p->parameters.rsaDetail.symmetric.algorithm = TPM2_ALG_NULL;
		p->parameters.rsaDetail.scheme.scheme = TPM2_ALG_RSASSA;
		p->parameters.rsaDetail.scheme.details.rsassa.hashAlg = TPM2_ALG_SHA256;
		p->parameters.rsaDetail.keyBits = 2048;
		p->parameters.rsaDetail.exponent = 0;
	} else {
		p->type = TPM2_ALG_ECC;
		p->parameters.eccDetail.symmetric.algorithm = TPM2_ALG_NULL;
		p->parameters.eccDetail.scheme.scheme = TPM2_ALG_ECDSA;
		p->parameters.eccDetail.scheme.details.ecdsa.hashAlg = TPM2_ALG_SHA256;
		p->parameters.eccDetail.curveID = TPM2_ECC_NIST_P256;
		p->parameters.eccDetail.kdf.scheme = TPM2_ALG_NULL;
	}
}

/* TPM2_Create then TPM2_Load under the EK, each authorised by a fresh policy session
 * (a policy session is spent by the command it authorises). *ak is tracked. */
static bc_status create_and_load(bc_tpm *tpm, ESYS_TR ek, bc_key_type type, ESYS_TR *ak,
				 TPM2B_PUBLIC *pub, bc_error *err)
{
	ESYS_CONTEXT *esys = bc_tpm_esys(tpm);
	TPM2B_PUBLIC tmpl;
	TPM2B_SENSITIVE_CREATE sensitive = {.size = 0};
	TPM2B_DATA outside = {.size = 0};
	TPML_PCR_SELECTION pcrs = {.count = 0};
	_cleanup_esys_ TPM2B_PRIVATE *priv = NULL;
	_cleanup_esys_ TPM2B_PUBLIC *out = NULL;
	_cleanup_esys_ TPM2B_CREATION_DATA *creation = NULL;
	_cleanup_esys_ TPM2B_DIGEST *creation_hash = NULL;
	_cleanup_esys_ TPMT_TK_CREATION *ticket = NULL;
	ESYS_TR session = ESYS_TR_NONE, tr = ESYS_TR_NONE;
	ak_template(type, &tmpl);

	bc_status s = bc_ek_policy_session(tpm, &session, err);
	if (s != BC_OK)
		return s;
	TSS2_RC rc = Esys_Create(esys, ek, session, ESYS_TR_NONE, ESYS_TR_NONE, &sensitive, &tmpl,
				 &outside, &pcrs, &priv, &out, &creation, &creation_hash, &ticket);
	bc_tpm_flush(tpm, session);
	if (rc != TSS2_RC_SUCCESS)
		return bc_tpm_fail(tpm, err, rc, "TPM2_Create of the AK under the EK failed");

	if ((s = bc_ek_policy_session(tpm, &session, err)) != BC_OK)
		return s;
	rc = Esys_Load(esys, ek, session, ESYS_TR_NONE, ESYS_TR_NONE, priv, out, &tr);
	bc_tpm_flush(tpm, session);
	if (rc != TSS2_RC_SUCCESS)
		return bc_tpm_fail(tpm, err, rc, "TPM2_Load of the AK failed");
	if ((s = bc_tpm_track(tpm, tr, err)) != BC_OK)
		return s;
	*ak = tr;
	*pub = *out;
	return BC_OK;
}

static bc_status evict_persistent(bc_tpm *tpm, uint32_t handle, bc_error *err)
{
	ESYS_TR tr = ESYS_TR_NONE, none = ESYS_TR_NONE;
	bc_status s = tr_from_handle(tpm, handle, &tr, err);
	if (s != BC_OK)
		return s;
	/* ESAPI releases tr itself once the object is evicted */
	TSS2_RC rc = Esys_EvictControl(bc_tpm_esys(tpm), ESYS_TR_RH_OWNER, tr, ESYS_TR_PASSWORD,
				       ESYS_TR_NONE, ESYS_TR_NONE, handle, &none);
	if (rc != TSS2_RC_SUCCESS) {
		Esys_TR_Close(bc_tpm_esys(tpm), &tr);
		char what[80];
		snprintf(what, sizeof(what), "cannot evict the object at 0x%08x", handle);
		return bc_tpm_fail(tpm, err, rc, what);
	}
	return BC_OK;
}

/* Whether the AK may go to opts->persistent; *occupied when --force must evict first. */
static bc_status check_persistent_target(bc_tpm *tpm, const bc_ak_create_opts *opts, bool *occupied,
					 bc_error *err)
{
	uint32_t h = opts->persistent;
	*occupied = false;
	if (!bc_handle_is_persistent(h) || h > OWNER_PERSISTENT_LAST)
		return bc_fail(err, BC_E_INVALID,
			       "0x%08x is not a persistent handle of the owner (0x81000000 to "
			       "0x%08x)",
			       h, OWNER_PERSISTENT_LAST);
	if (h == BC_EK_RSA_HANDLE || h == BC_EK_ECC_HANDLE)
		return bc_fail(err, BC_E_INVALID,
			       "0x%08x is the TCG handle of the %s EK: choose another handle for "
			       "the AK",
			       h, h == BC_EK_RSA_HANDLE ? "RSA" : "ECC");
	bc_status s = bc_tpm_handle_exists(tpm, h, occupied, err);
	if (s == BC_OK && *occupied && !opts->force)
		return bc_fail(err, BC_E_INVALID,
			       "persistent handle 0x%08x is already in use (--force evicts what "
			       "is there)",
			       h);
	return s;
}

/* Whether path can be written by bc_write_file_atomic(): its folder exists and is
 * writable, and path itself is not a folder. */
static bc_status check_output_path(const char *path, bc_error *err)
{
	struct stat st;
	_cleanup_free_ char *copy = strdup(path);
	if (!copy)
		return bc_fail(err, BC_E_NOMEM, "out of memory");
	if (stat(path, &st) == 0 && S_ISDIR(st.st_mode))
		return bc_fail(err, BC_E_INVALID, "%s: is a directory", path);
	const char *dir = dirname(copy);
	if (stat(dir, &st) != 0)
		return bc_fail(err, BC_E_IO, "%s: folder %s: %s", path, dir, strerror(errno));
	if (!S_ISDIR(st.st_mode))
		return bc_fail(err, BC_E_IO, "%s: %s is not a directory", path, dir);
	if (access(dir, W_OK | X_OK) != 0)
		return bc_fail(err, BC_E_IO, "%s: folder %s: %s", path, dir, strerror(errno));
	return BC_OK;
}

/* Every file to be written once the AK exists (its context file, and the caller's), so
 * that a bad path fails before the TPM holds a new persistent key. */
static bc_status check_outputs(const bc_ak_create_opts *opts, bc_error *err)
{
	bc_status s = opts->context ? check_output_path(opts->context, err) : BC_OK;
	for (size_t i = 0; s == BC_OK && opts->outputs && opts->outputs[i]; i++)
		s = check_output_path(opts->outputs[i], err);
	return s;
}

/* The loaded AK to opts->persistent, evicting what is there when occupied. */
static bc_status persist(bc_tpm *tpm, ESYS_TR ak, const bc_ak_create_opts *opts, bool occupied,
			 ESYS_TR *out, bc_error *err)
{
	bc_status s = occupied ? evict_persistent(tpm, opts->persistent, err) : BC_OK;
	if (s != BC_OK)
		return s;
	TSS2_RC rc = Esys_EvictControl(bc_tpm_esys(tpm), ESYS_TR_RH_OWNER, ak, ESYS_TR_PASSWORD,
				       ESYS_TR_NONE, ESYS_TR_NONE, opts->persistent, out);
	if (rc != TSS2_RC_SUCCESS) {
		char what[80];
		snprintf(what, sizeof(what), "TPM2_EvictControl of the AK to 0x%08x failed",
			 opts->persistent);
		return bc_tpm_fail(tpm, err, rc, what);
	}
	return BC_OK;
}

bc_status bc_ak_create(bc_tpm *tpm, const bc_ak_create_opts *opts, bc_ak *out, bc_error *err)
{
	ESYS_TR ek = ESYS_TR_NONE, ak = ESYS_TR_NONE;
	bool occupied = false;
	bc_status s;
	*out = (bc_ak){.handle = ESYS_TR_NONE};
	if (!opts->persistent == !opts->context)
		return bc_fail(err, BC_E_INVALID,
			       "an AK is either made persistent or saved to a context file");
	if ((s = check_outputs(opts, err)) != BC_OK)
		return s;
	/* refuse an occupied handle before creating anything; evict only once the new AK is
	 * loaded, so that a failure on the way leaves the old one in place */
	if (opts->persistent && (s = check_persistent_target(tpm, opts, &occupied, err)) != BC_OK)
		return s;

	if ((s = bc_ek_open(tpm, opts->ek_type, &ek, NULL, err)) != BC_OK)
		return s;
	s = create_and_load(tpm, ek, opts->type, &ak, &out->pub, err);
	bc_ek_close(tpm, ek);
	if (s != BC_OK)
		return s;
	s = bc_tpm_public_name(&out->pub.publicArea, &out->name, err);
	if (s == BC_OK && opts->context)
		s = save_context(tpm, ak, opts->context, err);
	else if (s == BC_OK)
		s = persist(tpm, ak, opts, occupied, &out->handle, err);
	bc_tpm_flush(tpm, ak);
	return s;
}

/* Fill pub and name from the TPM and check that the key can serve as an AK. */
static bc_status read_ak_public(bc_tpm *tpm, const char *spec, bc_ak *ak, bc_error *err)
{
	_cleanup_esys_ TPM2B_PUBLIC *pub = NULL;
	_cleanup_esys_ TPM2B_NAME *name = NULL;
	TSS2_RC rc = Esys_ReadPublic(bc_tpm_esys(tpm), ak->handle, ESYS_TR_NONE, ESYS_TR_NONE,
				     ESYS_TR_NONE, &pub, &name, NULL);
	if (rc != TSS2_RC_SUCCESS) {
		char what[128];
		snprintf(what, sizeof(what), "cannot read the public area of the AK %.60s", spec);
		return bc_tpm_fail(tpm, err, rc, what);
	}
	bc_error why = {0};
	/* the verifier refuses a quote of any other key: refuse to make one */
	if (bc_ak_public_check(&pub->publicArea, spec, &why) != BC_OK)
		return bc_fail(err, BC_E_INVALID, "%s", bc_error_message(&why));
	ak->pub = *pub;
	ak->name = *name;
	return BC_OK;
}

static bc_status load_context_file(bc_tpm *tpm, const char *path, bc_ak *ak, bc_error *err)
{
	ESYS_CONTEXT *esys = bc_tpm_esys(tpm);
	_cleanup_free_ uint8_t *data = NULL;
	size_t size = 0;
	bc_status s = bc_read_file(path, CONTEXT_FILE_MAX, &data, &size, err);
	if (s != BC_OK)
		return s;
	if (!has_context_magic(data, size)) {
		/* tpm2_evictcontrol -o and tpm2_readpublic -t write a serialized ESYS_TR for a
		 * persistent object: take that too, as tpm2-tools does */
		TSS2_RC rc = Esys_TR_Deserialize(esys, data, size, &ak->handle);
		if (rc != TSS2_RC_SUCCESS)
			return bc_fail(err, BC_E_FORMAT,
				       "%s: neither a TPM context file nor a serialized ESYS_TR",
				       path);
		if (!is_persistent(tpm, ak->handle)) {
			Esys_TR_Close(esys, &ak->handle);
			ak->handle = ESYS_TR_NONE;
			return bc_fail(err, BC_E_FORMAT, "%s: not a persistent object", path);
		}
		return BC_OK;
	}
	TPMS_CONTEXT ctx;
	if ((s = bc_context_unmarshal(data, size, path, &ctx, err)) != BC_OK)
		return s;
	ESYS_TR tr = ESYS_TR_NONE;
	TSS2_RC rc = Esys_ContextLoad(esys, &ctx, &tr);
	if (rc != TSS2_RC_SUCCESS) {
		char what[128];
		snprintf(what, sizeof(what), "TPM2_ContextLoad of %.60s failed", path);
		return bc_tpm_fail(tpm, err, rc, what);
	}
	if ((s = bc_tpm_track(tpm, tr, err)) != BC_OK)
		return s;
	ak->handle = tr;
	ak->transient = true;
	return BC_OK;
}

bc_status bc_ak_open(bc_tpm *tpm, const char *spec, bc_ak *out, bc_error *err)
{
	uint32_t h = 0;
	bc_ak ak = {.handle = ESYS_TR_NONE};
	bc_status s;
	*out = ak;
	if (bc_persistent_handle_parse(spec, &h)) {
		bool exists = false;
		if ((s = bc_tpm_handle_exists(tpm, h, &exists, err)) != BC_OK)
			return s;
		if (!exists)
			return bc_fail(err, BC_E_NOTFOUND,
				       "no key at persistent handle 0x%08x (TCTI %s)", h,
				       bc_tpm_tcti(tpm));
		s = tr_from_handle(tpm, h, &ak.handle, err);
	} else if (spec[0] == '0' && (spec[1] == 'x' || spec[1] == 'X')) {
		return bc_fail(err, BC_E_INVALID,
			       "%s is not a persistent handle (0x81000000 to 0x81ffffff)", spec);
	} else {
		s = load_context_file(tpm, spec, &ak, err);
	}
	if (s == BC_OK)
		s = read_ak_public(tpm, spec, &ak, err);
	if (s != BC_OK) {
		bc_ak_close(tpm, &ak);
		return s;
	}
	*out = ak;
	return BC_OK;
}

void bc_ak_close(bc_tpm *tpm, bc_ak *ak)
{
	if (!ak || ak->handle == ESYS_TR_NONE)
		return;
	if (ak->transient)
		bc_tpm_flush(tpm, ak->handle);
	else
		Esys_TR_Close(bc_tpm_esys(tpm), &ak->handle);
	ak->handle = ESYS_TR_NONE;
	ak->transient = false;
}

bc_status bc_activate_with_keys(bc_tpm *tpm, bc_key_type ek_type, const char *ak_spec,
				const TPM2B_ID_OBJECT *blob, const TPM2B_ENCRYPTED_SECRET *seed,
				TPM2B_DIGEST *secret, bc_error *err)
{
	bc_ak ak = {.handle = ESYS_TR_NONE};
	ESYS_TR ek = ESYS_TR_NONE;
	bc_status s = bc_ak_open(tpm, ak_spec, &ak, err);
	if (s != BC_OK)
		return s;
	if ((s = bc_ek_open(tpm, ek_type, &ek, NULL, err)) == BC_OK) {
		s = bc_activate_credential(tpm, ak.handle, ek, blob, seed, secret, err);
		bc_ek_close(tpm, ek);
	}
	bc_ak_close(tpm, &ak);
	return s;
}
