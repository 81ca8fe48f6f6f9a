/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The golden database's signing key as the TPM sees it. PolicyAuthorize names the key
 * that may approve policies by its TPM name, which hashes the whole public area: the
 * template (bootchain-policy(5)) must be exactly the one tpm2_loadexternal and
 * bootchain unseal load the key with, or the names differ and nothing unseals.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <tss2/tss2_mu.h>

#include "seal/policy-internal.h"
#include "util/cleanup.h"

DEFINE_TRIVIAL_CLEANUP_FUNC(EVP_PKEY *, EVP_PKEY_free)
DEFINE_TRIVIAL_CLEANUP_FUNC(BIGNUM *, BN_free)
DEFINE_TRIVIAL_CLEANUP_FUNC(ECDSA_SIG *, ECDSA_SIG_free)

static void fclosep(FILE **f)
{
	if (*f)
		fclose(*f);
}

static const struct curve {
	const char *openssl; /* group name */
	TPMI_ECC_CURVE id;
	size_t size; /* bytes of a coordinate */
} curves[] = {
    {"prime256v1", TPM2_ECC_NIST_P256, 32},
    {"secp384r1", TPM2_ECC_NIST_P384, 48},
    {"secp521r1", TPM2_ECC_NIST_P521, 66},
};

static const struct curve *curve_by_name(const char *name)
{
	for (size_t i = 0; i < ELEMENTSOF(curves); i++)
		if (strcmp(curves[i].openssl, name) == 0)
			return &curves[i];
	return NULL;
}

static const struct curve *curve_by_id(TPMI_ECC_CURVE id)
{
	for (size_t i = 0; i < ELEMENTSOF(curves); i++)
		if (curves[i].id == id)
			return &curves[i];
	return NULL;
}

/* The template shared by both key types: no policy, no scheme (any signature scheme
 * may be used with VerifySignature), not a storage key. */
static void common_template(TPMT_PUBLIC *pub, TPMI_ALG_PUBLIC type)
{
	*pub = (TPMT_PUBLIC){
	    .type = type,
	    .nameAlg = TPM2_ALG_SHA256,
	    .objectAttributes =
		TPMA_OBJECT_SIGN_ENCRYPT | TPMA_OBJECT_DECRYPT | TPMA_OBJECT_USERWITHAUTH,
	};
}

static bc_status bn_param(EVP_PKEY *key, const char *param, BIGNUM **out, const char *name,
			  bc_error *err)
{
	*out = NULL;
	if (EVP_PKEY_get_bn_param(key, param, out) != 1) {
		ERR_clear_error();
		return bc_fail(err, BC_E_FORMAT, "%s: cannot read the key's %s", name, param);
	}
	return BC_OK;
}

static bc_status ecc_public(EVP_PKEY *key, const char *name, TPMT_PUBLIC *pub, bc_error *err)
{
	char group[64];
	if (EVP_PKEY_get_utf8_string_param(key, OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof(group),
					   NULL) != 1) {
		ERR_clear_error();
		return bc_fail(err, BC_E_UNSUPPORTED, "%s: an EC key without a named curve", name);
	}
	const struct curve *c = curve_by_name(group);
	if (!c)
		return bc_fail(err, BC_E_UNSUPPORTED,
			       "%s: curve %s (the TPM takes NIST P-256, P-384 or P-521)", name,
			       group);
	_cleanup_(BN_freep) BIGNUM *x = NULL;
	_cleanup_(BN_freep) BIGNUM *y = NULL;
	bc_status s;
	if ((s = bn_param(key, OSSL_PKEY_PARAM_EC_PUB_X, &x, name, err)) != BC_OK ||
	    (s = bn_param(key, OSSL_PKEY_PARAM_EC_PUB_Y, &y, name, err)) != BC_OK)
		return s;
	common_template(pub, TPM2_ALG_ECC);
	TPMS_ECC_PARMS *ecc = &pub->parameters.eccDetail;
	ecc->symmetric.algorithm = TPM2_ALG_NULL;
	ecc->scheme.scheme = TPM2_ALG_NULL;
	ecc->curveID = c->id;
	ecc->kdf.scheme = TPM2_ALG_NULL;
	/* coordinates at the field size: the TPM's form, and tpm2-tools' */
	if (BN_bn2binpad(x, pub->unique.ecc.x.buffer, (int)c->size) < 0 ||
	    BN_bn2binpad(y, pub->unique.ecc.y.buffer, (int)c->size) < 0)
		return bc_fail(err, BC_E_FORMAT, "%s: a point off the curve's size", name);
	pub->unique.ecc.x.size = pub->unique.ecc.y.size = (UINT16)c->size;
	return BC_OK;
}

static bc_status rsa_public(EVP_PKEY *key, const char *name, TPMT_PUBLIC *pub, bc_error *err)
{
	_cleanup_(BN_freep) BIGNUM *n = NULL;
	_cleanup_(BN_freep) BIGNUM *e = NULL;
	bc_status s;
	if ((s = bn_param(key, OSSL_PKEY_PARAM_RSA_N, &n, name, err)) != BC_OK ||
	    (s = bn_param(key, OSSL_PKEY_PARAM_RSA_E, &e, name, err)) != BC_OK)
		return s;
	int bits = BN_num_bits(n), bytes = BN_num_bytes(n);
	if (bits < 2048 || bits > 4096 || bits % 8 ||
	    (size_t)bytes > sizeof(pub->unique.rsa.buffer))
		return bc_fail(err, BC_E_UNSUPPORTED,
			       "%s: an RSA key of %d bits (2048 to 4096, whole bytes)", name, bits);
	if (BN_num_bits(e) > 32)
		return bc_fail(err, BC_E_UNSUPPORTED, "%s: an RSA exponent over 32 bits", name);
	uint32_t exponent = (uint32_t)BN_get_word(e);
	common_template(pub, TPM2_ALG_RSA);
	TPMS_RSA_PARMS *rsa = &pub->parameters.rsaDetail;
	rsa->symmetric.algorithm = TPM2_ALG_NULL;
	rsa->scheme.scheme = TPM2_ALG_NULL;
	rsa->keyBits = (TPMI_RSA_KEY_BITS)bits;
	/* written out even when it is 65537, which 0 also means: the name hashes the
	 * bytes, and tpm2_loadexternal writes 65537 (0x00010001) */
	rsa->exponent = exponent;
	pub->unique.rsa.size = (UINT16)BN_bn2bin(n, pub->unique.rsa.buffer);
	return BC_OK;
}

bc_status bc_policy_pkey_public(EVP_PKEY *key, const char *name, TPM2B_PUBLIC *out, bc_error *err)
{
	*out = (TPM2B_PUBLIC){.size = 0};
	bc_status s;
	if (EVP_PKEY_is_a(key, "EC"))
		s = ecc_public(key, name, &out->publicArea, err);
	else if (EVP_PKEY_is_a(key, "RSA"))
		s = rsa_public(key, name, &out->publicArea, err);
	else
		s = bc_fail(err, BC_E_UNSUPPORTED, "%s: neither an EC nor an RSA key", name);
	ERR_clear_error();
	return s;
}

bc_status bc_policy_key_public(const char *pubkey_path, TPM2B_PUBLIC *out, bc_error *err)
{
	__attribute__((cleanup(fclosep))) FILE *f = fopen(pubkey_path, "re");
	if (!f)
		return bc_fail(err, BC_E_IO, "%s: %s", pubkey_path, strerror(errno));
	_cleanup_(EVP_PKEY_freep) EVP_PKEY *key = PEM_read_PUBKEY(f, NULL, NULL, NULL);
	ERR_clear_error();
	if (!key)
		return bc_fail(err, BC_E_FORMAT, "%s: not a PEM public key", pubkey_path);
	return bc_policy_pkey_public(key, pubkey_path, out, err);
}

bc_status bc_policy_public_name(const TPM2B_PUBLIC *pub, uint8_t *name, size_t *name_size,
				bc_error *err)
{
	uint8_t buf[sizeof(TPMT_PUBLIC)];
	size_t len = 0;
	bc_digest d;
	if (Tss2_MU_TPMT_PUBLIC_Marshal(&pub->publicArea, buf, sizeof(buf), &len) !=
	    TSS2_RC_SUCCESS)
		return bc_fail(err, BC_E_FORMAT, "policy: cannot marshal the key's public area");
	bc_status s = bc_digest_compute(BC_ALG_SHA256, buf, len, &d, err);
	if (s != BC_OK)
		return s;
	name[0] = (uint8_t)(BC_ALG_SHA256 >> 8);
	name[1] = (uint8_t)BC_ALG_SHA256;
	memcpy(name + 2, d.bytes, d.size);
	*name_size = 2u + d.size;
	return BC_OK;
}

bc_status bc_policy_key_name(const char *pubkey_path, uint8_t *name, size_t *name_size,
			     bc_error *err)
{
	TPM2B_PUBLIC pub;
	bc_status s = bc_policy_key_public(pubkey_path, &pub, err);
	return s == BC_OK ? bc_policy_public_name(&pub, name, name_size, err) : s;
}

bc_status bc_policy_approved_hash(const bc_signed_policy *p, uint8_t out[BC_POLICY_DIGEST_SIZE],
				  bc_error *err)
{
	uint8_t data[BC_POLICY_DIGEST_SIZE + BC_POLICY_REF_MAX];
	bc_digest d;
	if (p->ref_size > BC_POLICY_REF_MAX)
		return bc_fail(err, BC_E_LIMIT, "policy: a policyRef of %zu bytes", p->ref_size);
	memcpy(data, p->approved, BC_POLICY_DIGEST_SIZE);
	memcpy(data + BC_POLICY_DIGEST_SIZE, p->ref, p->ref_size);
	bc_status s =
	    bc_digest_compute(BC_ALG_SHA256, data, BC_POLICY_DIGEST_SIZE + p->ref_size, &d, err);
	if (s == BC_OK)
		memcpy(out, d.bytes, BC_POLICY_DIGEST_SIZE);
	return s;
}

static bc_status ecdsa_signature(const bc_signed_policy *p, const TPMT_PUBLIC *key,
				 TPMT_SIGNATURE *out, bc_error *err)
{
	const struct curve *c = curve_by_id(key->parameters.eccDetail.curveID);
	const unsigned char *der = p->signature;
	const BIGNUM *r = NULL, *s = NULL;
	if (!c)
		return bc_fail(err, BC_E_UNSUPPORTED, "policy: ECC curve 0x%04x",
			       key->parameters.eccDetail.curveID);
	_cleanup_(ECDSA_SIG_freep) ECDSA_SIG *sig =
	    d2i_ECDSA_SIG(NULL, &der, (long)p->signature_size);
	ERR_clear_error();
	if (!sig || der != p->signature + p->signature_size)
		return bc_fail(err, BC_E_FORMAT, "policy: the signature is not a DER ECDSA one");
	ECDSA_SIG_get0(sig, &r, &s);
	TPMS_SIGNATURE_ECDSA *e = &out->signature.ecdsa;
	*out = (TPMT_SIGNATURE){.sigAlg = TPM2_ALG_ECDSA};
	e->hash = TPM2_ALG_SHA256;
	if (BN_bn2binpad(r, e->signatureR.buffer, (int)c->size) < 0 ||
	    BN_bn2binpad(s, e->signatureS.buffer, (int)c->size) < 0)
		return bc_fail(err, BC_E_FORMAT, "policy: an ECDSA signature too long for %s",
			       c->openssl);
	e->signatureR.size = e->signatureS.size = (UINT16)c->size;
	return BC_OK;
}

bc_status bc_policy_tpm_signature(const bc_signed_policy *p, const TPM2B_PUBLIC *key,
				  TPMT_SIGNATURE *out, bc_error *err)
{
	const TPMT_PUBLIC *pub = &key->publicArea;
	if (!p->signature || !p->signature_size)
		return bc_fail(err, BC_E_FORMAT, "policy: no signature");
	if (pub->type == TPM2_ALG_ECC)
		return ecdsa_signature(p, pub, out, err);
	if (pub->type != TPM2_ALG_RSA)
		return bc_fail(err, BC_E_UNSUPPORTED, "policy: a key of type 0x%04x", pub->type);
	/* PKCS#1 v1.5 as EVP signs with an RSA key: exactly the modulus' size */
	if (p->signature_size != pub->unique.rsa.size)
		return bc_fail(err, BC_E_FORMAT, "policy: an RSA signature of %zu bytes, not %u",
			       p->signature_size, pub->unique.rsa.size);
	*out = (TPMT_SIGNATURE){.sigAlg = TPM2_ALG_RSASSA};
	out->signature.rsassa.hash = TPM2_ALG_SHA256;
	out->signature.rsassa.sig.size = (UINT16)p->signature_size;
	memcpy(out->signature.rsassa.sig.buffer, p->signature, p->signature_size);
	return BC_OK;
}
