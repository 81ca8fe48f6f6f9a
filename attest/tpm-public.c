/* SPDX-License-Identifier: BSD-3-Clause */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>
#include <tss2/tss2_mu.h>

#include <bootchain/digest.h>

#include "attest/tpm-public.h"
#include "util/cleanup.h"

DEFINE_TRIVIAL_CLEANUP_FUNC(OSSL_PARAM_BLD *, OSSL_PARAM_BLD_free)
DEFINE_TRIVIAL_CLEANUP_FUNC(OSSL_PARAM *, OSSL_PARAM_free)
DEFINE_TRIVIAL_CLEANUP_FUNC(EVP_PKEY_CTX *, EVP_PKEY_CTX_free)
DEFINE_TRIVIAL_CLEANUP_FUNC(BIGNUM *, BN_free)
DEFINE_TRIVIAL_CLEANUP_FUNC(BIO *, BIO_free)

static bc_status ossl_fail(bc_error *err, const char *what)
{
	unsigned long e = ERR_get_error();
	ERR_clear_error();
	return bc_fail(err, BC_E_FORMAT, "%s%s%s", what, e ? ": " : "",
		       e ? ERR_reason_error_string(e) ?: "OpenSSL error" : "");
}

static bc_status pkey_from_params(const char *type, OSSL_PARAM_BLD *bld, EVP_PKEY **out,
				  bc_error *err)
{
	_cleanup_(OSSL_PARAM_freep) OSSL_PARAM *params = OSSL_PARAM_BLD_to_param(bld);
	_cleanup_(EVP_PKEY_CTX_freep) EVP_PKEY_CTX *ctx =
	    EVP_PKEY_CTX_new_from_name(NULL, type, NULL);
	*out = NULL;
	if (!params || !ctx || EVP_PKEY_fromdata_init(ctx) != 1 ||
	    EVP_PKEY_fromdata(ctx, out, EVP_PKEY_PUBLIC_KEY, params) != 1)
		return ossl_fail(err, "not a usable public key");
	return BC_OK;
}

static bc_status rsa_pkey(const TPMT_PUBLIC *pub, EVP_PKEY **out, bc_error *err)
{
	const TPM2B_PUBLIC_KEY_RSA *n = &pub->unique.rsa;
	/* exponent 0 means the default, 65537 (TPM 2.0 Part 2, 12.2.3.5) */
	uint32_t e =
	    pub->parameters.rsaDetail.exponent ? pub->parameters.rsaDetail.exponent : 65537;
	if (n->size == 0 || n->size > sizeof(n->buffer))
		return bc_fail(err, BC_E_FORMAT, "an RSA public key without a modulus");
	_cleanup_(OSSL_PARAM_BLD_freep) OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
	_cleanup_(BN_freep) BIGNUM *bn_n = BN_bin2bn(n->buffer, n->size, NULL);
	_cleanup_(BN_freep) BIGNUM *bn_e = BN_new();
	if (!bld || !bn_n || !bn_e || !BN_set_word(bn_e, e) ||
	    !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, bn_n) ||
	    !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, bn_e))
		return bc_fail(err, BC_E_NOMEM, "out of memory");
	return pkey_from_params("RSA", bld, out, err);
}

static const char *curve_name(TPMI_ECC_CURVE curve, size_t *coord)
{
	switch (curve) {
	case TPM2_ECC_NIST_P256: *coord = 32; return "prime256v1";
	case TPM2_ECC_NIST_P384: *coord = 48; return "secp384r1";
	case TPM2_ECC_NIST_P521: *coord = 66; return "secp521r1";
	default: return NULL;
	}
}

bool bc_tpm_ecc_point(const TPMT_PUBLIC *pub, uint8_t *out, size_t max, size_t *len)
{
	const TPMS_ECC_POINT *pt = &pub->unique.ecc;
	size_t coord = 0;
	if (pub->type != TPM2_ALG_ECC || !curve_name(pub->parameters.eccDetail.curveID, &coord) ||
	    pt->x.size == 0 || pt->x.size > coord || pt->y.size == 0 || pt->y.size > coord ||
	    1 + 2 * coord > max)
		return false;
	/* uncompressed, coordinates left-padded to the field size */
	memset(out, 0, 1 + 2 * coord);
	out[0] = 0x04;
	memcpy(out + 1 + coord - pt->x.size, pt->x.buffer, pt->x.size);
	memcpy(out + 1 + 2 * coord - pt->y.size, pt->y.buffer, pt->y.size);
	*len = 1 + 2 * coord;
	return true;
}

static bc_status ecc_pkey(const TPMT_PUBLIC *pub, EVP_PKEY **out, bc_error *err)
{
	const TPMS_ECC_POINT *pt = &pub->unique.ecc;
	size_t coord = 0, len = 0;
	const char *curve = curve_name(pub->parameters.eccDetail.curveID, &coord);
	uint8_t point[1 + 2 * 66];
	if (!curve)
		return bc_fail(err, BC_E_UNSUPPORTED, "ECC curve 0x%04x is not supported",
			       pub->parameters.eccDetail.curveID);
	if (!bc_tpm_ecc_point(pub, point, sizeof(point), &len))
		return bc_fail(err, BC_E_FORMAT, "an ECC point of %u and %u bytes on %s",
			       pt->x.size, pt->y.size, curve);
	_cleanup_(OSSL_PARAM_BLD_freep) OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
	if (!bld || !OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME, curve, 0) ||
	    !OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, point, len))
		return bc_fail(err, BC_E_NOMEM, "out of memory");
	return pkey_from_params("EC", bld, out, err);
}

bc_status bc_tpm_public_to_pkey(const TPMT_PUBLIC *pub, EVP_PKEY **out, bc_error *err)
{
	switch (pub->type) {
	case TPM2_ALG_RSA: return rsa_pkey(pub, out, err);
	case TPM2_ALG_ECC: return ecc_pkey(pub, out, err);
	default:
		return bc_fail(err, BC_E_UNSUPPORTED, "a key of type 0x%04x is neither RSA nor ECC",
			       pub->type);
	}
}

bc_status bc_tpm_public_name(const TPMT_PUBLIC *pub, TPM2B_NAME *out, bc_error *err)
{
	uint8_t buf[sizeof(TPMT_PUBLIC)];
	size_t len = 0;
	bc_digest d;
	if (Tss2_MU_TPMT_PUBLIC_Marshal(pub, buf, sizeof(buf), &len) != TSS2_RC_SUCCESS)
		return bc_fail(err, BC_E_FORMAT, "cannot marshal the public area");
	bc_status s = bc_digest_compute(pub->nameAlg, buf, len, &d, err);
	if (s != BC_OK)
		return s;
	out->size = (UINT16)(2 + d.size);
	out->name[0] = (uint8_t)(pub->nameAlg >> 8);
	out->name[1] = (uint8_t)pub->nameAlg;
	memcpy(out->name + 2, d.bytes, d.size);
	return BC_OK;
}

/* tpm2-tools' names of the attributes an AK is judged by (tpm2_create -a). */
static const struct {
	TPMA_OBJECT bit;
	const char *name;
} ak_attributes[] = {
    {TPMA_OBJECT_RESTRICTED, "restricted"},
    {TPMA_OBJECT_SIGN_ENCRYPT, "sign"},
    {TPMA_OBJECT_FIXEDTPM, "fixedtpm"},
    {TPMA_OBJECT_FIXEDPARENT, "fixedparent"},
    {TPMA_OBJECT_SENSITIVEDATAORIGIN, "sensitivedataorigin"},
    {TPMA_OBJECT_DECRYPT, "decrypt"},
};

/* "restricted, fixedtpm" of the bits of want in attrs (set: true) or not in attrs. */
static void attribute_list(TPMA_OBJECT attrs, TPMA_OBJECT want, bool set, char *out, size_t max)
{
	size_t len = 0;
	out[0] = 0;
	for (size_t i = 0; i < sizeof(ak_attributes) / sizeof(ak_attributes[0]); i++) {
		if (!(want & ak_attributes[i].bit) || !(attrs & ak_attributes[i].bit) != !set)
			continue;
		int n =
		    snprintf(out + len, max - len, "%s%s", len ? ", " : "", ak_attributes[i].name);
		if (n < 0 || (size_t)n >= max - len)
			return;
		len += (size_t)n;
	}
}

bc_status bc_ak_public_check(const TPMT_PUBLIC *pub, const char *name, bc_error *err)
{
	TPMA_OBJECT attrs = pub->objectAttributes;
	char missing[128], extra[32];
	if (pub->type != TPM2_ALG_RSA && pub->type != TPM2_ALG_ECC)
		return bc_fail(err, BC_E_MISMATCH,
			       "%s: not an attestation key: a key of type 0x%04x, neither RSA nor "
			       "ECC",
			       name, pub->type);
	attribute_list(attrs, BC_AK_REQUIRED_ATTRIBUTES, false, missing, sizeof(missing));
	attribute_list(attrs, BC_AK_FORBIDDEN_ATTRIBUTES, true, extra, sizeof(extra));
	if (!missing[0] && !extra[0])
		return BC_OK;
	return bc_fail(err, BC_E_MISMATCH,
		       "%s: not an attestation key:%s%s%s%s%s (objectAttributes 0x%08x; a key "
		       "that is not restricted signs any bytes, a forged quote too)",
		       name, missing[0] ? " missing " : "", missing,
		       missing[0] && extra[0] ? ";" : "", extra[0] ? " has " : "", extra, attrs);
}

bc_status bc_tpm_public_unmarshal(const uint8_t *data, size_t size, const char *name,
				  TPM2B_PUBLIC *out, bc_error *err)
{
	size_t offset = 0;
	*out = (TPM2B_PUBLIC){.size = 0};
	if (Tss2_MU_TPM2B_PUBLIC_Unmarshal(data, size, &offset, out) != TSS2_RC_SUCCESS)
		return bc_fail(err, BC_E_FORMAT, "%s: not a TPM2B_PUBLIC", name);
	if (offset != size)
		return bc_fail(err, BC_E_FORMAT, "%s: %zu bytes after the TPM2B_PUBLIC", name,
			       size - offset);
	return BC_OK;
}

bc_status bc_tpm_public_marshal(const TPM2B_PUBLIC *pub, uint8_t *buf, size_t size, size_t *len,
				bc_error *err)
{
	*len = 0;
	if (Tss2_MU_TPM2B_PUBLIC_Marshal(pub, buf, size, len) != TSS2_RC_SUCCESS)
		return bc_fail(err, BC_E_FORMAT, "cannot marshal the public area");
	return BC_OK;
}

bc_status bc_pkey_to_pem(EVP_PKEY *key, char **pem, bc_error *err)
{
	_cleanup_(BIO_freep) BIO *bio = BIO_new(BIO_s_mem());
	char *data;
	if (!bio || PEM_write_bio_PUBKEY(bio, key) != 1)
		return ossl_fail(err, "cannot write the public key as PEM");
	long n = BIO_get_mem_data(bio, &data);
	*pem = strndup(data, (size_t)n);
	return *pem ? BC_OK : bc_fail(err, BC_E_NOMEM, "out of memory");
}
