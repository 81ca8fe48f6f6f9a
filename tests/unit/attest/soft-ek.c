/* SPDX-License-Identifier: BSD-3-Clause */
#include "config.h"

#include <string.h>

#include <openssl/core_names.h>
#include <openssl/param_build.h>
#include <openssl/rsa.h>
#include <tss2/tss2_mu.h>

#include "attest/credential.h"
#include "attest/tpm-public.h"
#include "tests/unit/attest/soft-ek.h"

EVP_PKEY *soft_ek_new(bc_key_type type, TPM2B_PUBLIC *pub)
{
	EVP_PKEY *key = type == BC_KEY_RSA ? EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048)
					   : EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	char *pem = NULL;
	if (!key || bc_pkey_to_pem(key, &pem, NULL) != BC_OK ||
	    bc_ek_public_load((const uint8_t *)pem, strlen(pem), "soft EK", pub, NULL) != BC_OK) {
		free(pem);
		EVP_PKEY_free(key);
		return NULL;
	}
	free(pem);
	return key;
}

bool soft_ak_public(TPMA_OBJECT attributes, TPM2B_PUBLIC *out)
{
	EVP_PKEY *key = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	uint8_t point[65];
	size_t len = 0;
	bool ok = key &&
		  EVP_PKEY_get_octet_string_param(key, OSSL_PKEY_PARAM_PUB_KEY, point,
						  sizeof(point), &len) == 1 &&
		  len == sizeof(point);
	EVP_PKEY_free(key);
	if (!ok)
		return false;
	soft_ecc_public(point + 1, attributes, out);
	return true;
}

void soft_ecc_public(const uint8_t point[64], TPMA_OBJECT attributes, TPM2B_PUBLIC *out)
{
	*out = (TPM2B_PUBLIC){.size = 0};
	TPMT_PUBLIC *p = &out->publicArea;
	p->type = TPM2_ALG_ECC;
	p->nameAlg = TPM2_ALG_SHA256;
	p->objectAttributes = attributes;
	p->parameters.eccDetail.symmetric.algorithm = TPM2_ALG_NULL;
	p->parameters.eccDetail.scheme.scheme = TPM2_ALG_ECDSA;
	p->parameters.eccDetail.scheme.details.ecdsa.hashAlg = TPM2_ALG_SHA256;
	p->parameters.eccDetail.curveID = TPM2_ECC_NIST_P256;
	p->parameters.eccDetail.kdf.scheme = TPM2_ALG_NULL;
	p->unique.ecc.x.size = 32;
	memcpy(p->unique.ecc.x.buffer, point, 32);
	p->unique.ecc.y.size = 32;
	memcpy(p->unique.ecc.y.buffer, point + 32, 32);
}

static bool rsa_seed(EVP_PKEY *key, const TPM2B_ENCRYPTED_SECRET *enc, uint8_t *seed, size_t *len)
{
	static const char label[] = "IDENTITY";
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_pkey(NULL, key, NULL);
	unsigned char *l = OPENSSL_memdup(label, sizeof(label));
	bool ok = ctx && l && EVP_PKEY_decrypt_init(ctx) == 1 &&
		  EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_OAEP_PADDING) == 1 &&
		  EVP_PKEY_CTX_set_rsa_oaep_md(ctx, EVP_sha256()) == 1 &&
		  EVP_PKEY_CTX_set_rsa_mgf1_md(ctx, EVP_sha256()) == 1 &&
		  EVP_PKEY_CTX_set0_rsa_oaep_label(ctx, l, sizeof(label)) == 1;
	if (ok)
		l = NULL; /* owned by ctx */
	uint8_t out[512];
	size_t n = sizeof(out);
	ok = ok && EVP_PKEY_decrypt(ctx, out, &n, enc->secret, enc->size) == 1 && n <= 64;
	if (ok) {
		memcpy(seed, out, n);
		*len = n;
	}
	OPENSSL_free(l);
	EVP_PKEY_CTX_free(ctx);
	return ok;
}

static bool ecc_seed(EVP_PKEY *key, const TPM2B_PUBLIC *pub, const TPM2B_ENCRYPTED_SECRET *enc,
		     uint8_t *seed, size_t *len)
{
	TPMS_ECC_POINT point;
	size_t off = 0, zlen = 66;
	uint8_t z[66], encoded[1 + 2 * 32];
	if (Tss2_MU_TPMS_ECC_POINT_Unmarshal(enc->secret, enc->size, &off, &point) !=
		TSS2_RC_SUCCESS ||
	    point.x.size != 32 || point.y.size != 32)
		return false;
	encoded[0] = 0x04;
	memcpy(encoded + 1, point.x.buffer, 32);
	memcpy(encoded + 33, point.y.buffer, 32);
	/* the ephemeral public key as an EVP_PKEY */
	OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
	OSSL_PARAM *params = NULL;
	EVP_PKEY_CTX *fctx = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL);
	EVP_PKEY *peer = NULL;
	EVP_PKEY_CTX *ctx = NULL;
	bool ok =
	    bld && fctx &&
	    OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME, "prime256v1", 0) &&
	    OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, encoded,
					     sizeof(encoded)) &&
	    (params = OSSL_PARAM_BLD_to_param(bld)) && EVP_PKEY_fromdata_init(fctx) == 1 &&
	    EVP_PKEY_fromdata(fctx, &peer, EVP_PKEY_PUBLIC_KEY, params) == 1 &&
	    (ctx = EVP_PKEY_CTX_new_from_pkey(NULL, key, NULL)) && EVP_PKEY_derive_init(ctx) == 1 &&
	    EVP_PKEY_derive_set_peer(ctx, peer) == 1 && EVP_PKEY_derive(ctx, z, &zlen) == 1 &&
	    bc_kdfe(TPM2_ALG_SHA256, z, zlen, "IDENTITY", point.x.buffer, point.x.size,
		    pub->publicArea.unique.ecc.x.buffer, pub->publicArea.unique.ecc.x.size, 256,
		    seed, NULL) == BC_OK;
	*len = 32;
	EVP_PKEY_CTX_free(ctx);
	EVP_PKEY_free(peer);
	EVP_PKEY_CTX_free(fctx);
	OSSL_PARAM_free(params);
	OSSL_PARAM_BLD_free(bld);
	return ok;
}

bool soft_ek_seed(EVP_PKEY *key, const TPM2B_PUBLIC *pub, const TPM2B_ENCRYPTED_SECRET *enc,
		  uint8_t *seed, size_t *len)
{
	if (pub->publicArea.type == TPM2_ALG_RSA)
		return rsa_seed(key, enc, seed, len);
	return ecc_seed(key, pub, enc, seed, len);
}
