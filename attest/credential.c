/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * TPM2_MakeCredential in software (the verifier's side) and TPM2_ActivateCredential on
 * the TPM, with the challenge file that carries the credential between them.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/rsa.h>
#include <tss2/tss2_mu.h>

#include "attest/credential.h"
#include "attest/keys.h"
#include "attest/tpm-public.h"
#include "pcr/digest-internal.h"
#include "pcr/tpm-internal.h"
#include "util/base64.h"
#include "util/buf.h"
#include "util/cleanup.h"
#include "util/file.h"
#include "util/json.h"

#define IDENTITY_LABEL "IDENTITY"

DEFINE_TRIVIAL_CLEANUP_FUNC(EVP_MAC *, EVP_MAC_free)
DEFINE_TRIVIAL_CLEANUP_FUNC(EVP_MAC_CTX *, EVP_MAC_CTX_free)
DEFINE_TRIVIAL_CLEANUP_FUNC(EVP_MD_CTX *, EVP_MD_CTX_free)
DEFINE_TRIVIAL_CLEANUP_FUNC(EVP_PKEY *, EVP_PKEY_free)
DEFINE_TRIVIAL_CLEANUP_FUNC(EVP_PKEY_CTX *, EVP_PKEY_CTX_free)
DEFINE_TRIVIAL_CLEANUP_FUNC(EVP_CIPHER *, EVP_CIPHER_free)
DEFINE_TRIVIAL_CLEANUP_FUNC(EVP_CIPHER_CTX *, EVP_CIPHER_CTX_free)
DEFINE_TRIVIAL_CLEANUP_FUNC(BIGNUM *, BN_free)

/* Key material on the stack: wiped when it goes out of scope. */
typedef struct secret_buf {
	uint8_t b[TPM2_MAX_DIGEST_BUFFER + 2];
} secret_buf;

static void secret_buf_wipe(secret_buf *s)
{
	explicit_bzero(s, sizeof(*s));
}
#define _cleanup_secret_ _cleanup_(secret_buf_wipe)

static bc_status ossl_fail(bc_error *err, const char *what)
{
	unsigned long e = ERR_get_error();
	ERR_clear_error();
	return bc_fail(err, BC_E_UNSUPPORTED, "%s%s%s", what, e ? ": " : "",
		       e ? ERR_reason_error_string(e) ?: "OpenSSL error" : "");
}

static const EVP_MD *name_md(uint16_t alg, bc_error *err)
{
	const EVP_MD *md = bc_hash_alg_md(alg);
	if (!md)
		bc_fail(err, BC_E_UNSUPPORTED, "hash algorithm 0x%04x is not available", alg);
	return md;
}

static void put_u32be(uint8_t p[4], uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

/* ---- KDFa and KDFe ---- */

bc_status bc_kdfa(uint16_t alg, const uint8_t *key, size_t key_len, const char *label,
		  const uint8_t *context_u, size_t u_len, const uint8_t *context_v, size_t v_len,
		  uint32_t bits, uint8_t *out, bc_error *err)
{
	const EVP_MD *md = name_md(alg, err);
	if (!md)
		return err ? err->status : BC_E_UNSUPPORTED;
	if (bits == 0 || bits % 8)
		return bc_fail(err, BC_E_INVALID, "KDFa of %u bits", bits);
	size_t hlen = (size_t)EVP_MD_get_size(md), bytes = bits / 8;
	uint8_t counter[4], length[4], block[EVP_MAX_MD_SIZE];
	OSSL_PARAM params[] = {
	    OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, (char *)EVP_MD_get0_name(md),
					     0),
	    OSSL_PARAM_construct_end(),
	};
	_cleanup_(EVP_MAC_freep) EVP_MAC *mac = EVP_MAC_fetch(NULL, "HMAC", NULL);
	_cleanup_(EVP_MAC_CTX_freep) EVP_MAC_CTX *ctx = mac ? EVP_MAC_CTX_new(mac) : NULL;
	if (!ctx)
		return ossl_fail(err, "HMAC is not available");
	put_u32be(length, bits);
	for (uint32_t i = 1, done = 0; done < bytes; i++) {
		size_t n = 0;
		put_u32be(counter, i);
		if (!EVP_MAC_init(ctx, key, key_len, params) || !EVP_MAC_update(ctx, counter, 4) ||
		    !EVP_MAC_update(ctx, (const uint8_t *)label, strlen(label) + 1) ||
		    (u_len && !EVP_MAC_update(ctx, context_u, u_len)) ||
		    (v_len && !EVP_MAC_update(ctx, context_v, v_len)) ||
		    !EVP_MAC_update(ctx, length, 4) ||
		    !EVP_MAC_final(ctx, block, &n, sizeof(block)))
			return ossl_fail(err, "KDFa: HMAC failed");
		size_t take = bytes - done < hlen ? bytes - done : hlen;
		memcpy(out + done, block, take);
		done += (uint32_t)take;
	}
	explicit_bzero(block, sizeof(block));
	return BC_OK;
}

bc_status bc_kdfe(uint16_t alg, const uint8_t *z, size_t z_len, const char *label,
		  const uint8_t *party_u, size_t u_len, const uint8_t *party_v, size_t v_len,
		  uint32_t bits, uint8_t *out, bc_error *err)
{
	const EVP_MD *md = name_md(alg, err);
	if (!md)
		return err ? err->status : BC_E_UNSUPPORTED;
	if (bits == 0 || bits % 8)
		return bc_fail(err, BC_E_INVALID, "KDFe of %u bits", bits);
	size_t hlen = (size_t)EVP_MD_get_size(md), bytes = bits / 8;
	uint8_t counter[4], block[EVP_MAX_MD_SIZE];
	_cleanup_(EVP_MD_CTX_freep) EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	if (!ctx)
		return bc_fail(err, BC_E_NOMEM, "out of memory");
	for (uint32_t i = 1, done = 0; done < bytes; i++) {
		put_u32be(counter, i);
		if (!EVP_DigestInit_ex(ctx, md, NULL) || !EVP_DigestUpdate(ctx, counter, 4) ||
		    !EVP_DigestUpdate(ctx, z, z_len) ||
		    !EVP_DigestUpdate(ctx, label, strlen(label) + 1) ||
		    (u_len && !EVP_DigestUpdate(ctx, party_u, u_len)) ||
		    (v_len && !EVP_DigestUpdate(ctx, party_v, v_len)) ||
		    !EVP_DigestFinal_ex(ctx, block, NULL))
			return ossl_fail(err, "KDFe: hash failed");
		size_t take = bytes - done < hlen ? bytes - done : hlen;
		memcpy(out + done, block, take);
		done += (uint32_t)take;
	}
	explicit_bzero(block, sizeof(block));
	return BC_OK;
}

/* ---- the credential blob ---- */

/* What the EK's public area says of the credential: nameAlg and its digest size, and
 * the AES-CFB cipher and key size of its symmetric definition. */
typedef struct ek_params {
	uint16_t name_alg;
	size_t digest;
	const char *cipher;
	uint32_t key_bits;
} ek_params;

static bc_status ek_params_of(const TPMT_PUBLIC *ek, ek_params *p, bc_error *err)
{
	const TPMT_SYM_DEF_OBJECT *sym = &ek->parameters.asymDetail.symmetric;
	const bc_hash_alg *alg = bc_hash_alg_by_id(ek->nameAlg);
	if (ek->type != TPM2_ALG_RSA && ek->type != TPM2_ALG_ECC)
		return bc_fail(err, BC_E_UNSUPPORTED, "an EK of type 0x%04x is neither RSA nor ECC",
			       ek->type);
	if (!alg || !bc_hash_alg_available(alg->id))
		return bc_fail(err, BC_E_UNSUPPORTED,
			       "the EK's name algorithm 0x%04x is not "
			       "supported",
			       ek->nameAlg);
	if ((ek->objectAttributes & (TPMA_OBJECT_RESTRICTED | TPMA_OBJECT_DECRYPT)) !=
	    (TPMA_OBJECT_RESTRICTED | TPMA_OBJECT_DECRYPT))
		return bc_fail(err, BC_E_INVALID, "the EK is not a restricted decryption key");
	if (sym->algorithm != TPM2_ALG_AES || sym->mode.aes != TPM2_ALG_CFB)
		return bc_fail(err, BC_E_UNSUPPORTED,
			       "the EK's symmetric algorithm is not AES-CFB (0x%04x, mode 0x%04x)",
			       sym->algorithm, sym->mode.aes);
	switch (sym->keyBits.aes) {
	case 128: p->cipher = "AES-128-CFB"; break;
	case 192: p->cipher = "AES-192-CFB"; break;
	case 256: p->cipher = "AES-256-CFB"; break;
	default: return bc_fail(err, BC_E_UNSUPPORTED, "AES-%u", sym->keyBits.aes);
	}
	p->name_alg = alg->id;
	p->digest = alg->size;
	p->key_bits = sym->keyBits.aes;
	return BC_OK;
}

static bc_status aes_cfb(const ek_params *p, const uint8_t *key, bool encrypt, const uint8_t *in,
			 size_t len, uint8_t *out, bc_error *err)
{
	static const uint8_t iv[16] = {0};
	int n = 0, fin = 0;
	_cleanup_(EVP_CIPHER_freep) EVP_CIPHER *cipher = EVP_CIPHER_fetch(NULL, p->cipher, NULL);
	_cleanup_(EVP_CIPHER_CTX_freep) EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
	if (!cipher || !ctx || !EVP_CipherInit_ex2(ctx, cipher, key, iv, encrypt ? 1 : 0, NULL) ||
	    !EVP_CipherUpdate(ctx, out, &n, in, (int)len) ||
	    !EVP_CipherFinal_ex(ctx, out + n, &fin) || (size_t)(n + fin) != len)
		return ossl_fail(err, p->cipher);
	return BC_OK;
}

static bc_status outer_hmac(const ek_params *p, const uint8_t *key, const uint8_t *enc,
			    size_t enc_len, const TPM2B_NAME *name, uint8_t *out, bc_error *err)
{
	size_t n = 0;
	OSSL_PARAM params[] = {
	    OSSL_PARAM_construct_utf8_string(
		OSSL_MAC_PARAM_DIGEST, (char *)EVP_MD_get0_name(bc_hash_alg_md(p->name_alg)), 0),
	    OSSL_PARAM_construct_end(),
	};
	_cleanup_(EVP_MAC_freep) EVP_MAC *mac = EVP_MAC_fetch(NULL, "HMAC", NULL);
	_cleanup_(EVP_MAC_CTX_freep) EVP_MAC_CTX *ctx = mac ? EVP_MAC_CTX_new(mac) : NULL;
	if (!ctx || !EVP_MAC_init(ctx, key, p->digest, params) ||
	    !EVP_MAC_update(ctx, enc, enc_len) || !EVP_MAC_update(ctx, name->name, name->size) ||
	    !EVP_MAC_final(ctx, out, &n, p->digest) || n != p->digest)
		return ossl_fail(err, "credential HMAC failed");
	return BC_OK;
}

/* symKey and hmacKey from the seed */
static bc_status derive_keys(const ek_params *p, const uint8_t *seed, size_t seed_len,
			     const TPM2B_NAME *name, uint8_t *sym_key, uint8_t *hmac_key,
			     bc_error *err)
{
	bc_status s = bc_kdfa(p->name_alg, seed, seed_len, "STORAGE", name->name, name->size, NULL,
			      0, p->key_bits, sym_key, err);
	if (s != BC_OK)
		return s;
	return bc_kdfa(p->name_alg, seed, seed_len, "INTEGRITY", NULL, 0, NULL, 0,
		       (uint32_t)(8 * p->digest), hmac_key, err);
}

static bc_status check_name(const TPM2B_NAME *name, bc_error *err)
{
	if (name->size < 2 + 20 || name->size > sizeof(name->name))
		return bc_fail(err, BC_E_INVALID,
			       "an AK name of %u bytes (a name is the 2-byte "
			       "algorithm and a digest)",
			       name->size);
	return BC_OK;
}

bc_status bc_credential_wrap(const TPMT_PUBLIC *ek, const uint8_t *seed, size_t seed_len,
			     const TPM2B_NAME *name, const uint8_t *secret, size_t len,
			     TPM2B_ID_OBJECT *blob, bc_error *err)
{
	ek_params p;
	_cleanup_secret_ secret_buf sym_key = {{0}}, hmac_key = {{0}}, plain = {{0}};
	bc_status s = ek_params_of(ek, &p, err);
	if (s != BC_OK || (s = check_name(name, err)) != BC_OK)
		return s;
	if (len == 0 || len > p.digest)
		return bc_fail(err, BC_E_INVALID,
			       "a credential secret of %zu bytes (1 to %zu with this EK)", len,
			       p.digest);
	if ((s = derive_keys(&p, seed, seed_len, name, sym_key.b, hmac_key.b, err)) != BC_OK)
		return s;
	/* TPM2B_ID_OBJECT: TPM2B_DIGEST integrityHMAC || encIdentity */
	uint8_t *out = blob->credential;
	size_t enc_len = 2 + len;
	plain.b[0] = (uint8_t)(len >> 8);
	plain.b[1] = (uint8_t)len;
	memcpy(plain.b + 2, secret, len);
	uint8_t *enc = out + 2 + p.digest;
	if ((s = aes_cfb(&p, sym_key.b, true, plain.b, enc_len, enc, err)) != BC_OK)
		return s;
	if ((s = outer_hmac(&p, hmac_key.b, enc, enc_len, name, out + 2, err)) != BC_OK)
		return s;
	out[0] = (uint8_t)(p.digest >> 8);
	out[1] = (uint8_t)p.digest;
	blob->size = (UINT16)(2 + p.digest + enc_len);
	return BC_OK;
}

bc_status bc_credential_unwrap(const TPMT_PUBLIC *ek, const uint8_t *seed, size_t seed_len,
			       const TPM2B_NAME *name, const TPM2B_ID_OBJECT *blob,
			       TPM2B_DIGEST *secret, bc_error *err)
{
	ek_params p;
	_cleanup_secret_ secret_buf sym_key = {{0}}, hmac_key = {{0}}, plain = {{0}};
	uint8_t mac[EVP_MAX_MD_SIZE];
	bc_status s = ek_params_of(ek, &p, err);
	if (s != BC_OK || (s = check_name(name, err)) != BC_OK)
		return s;
	const uint8_t *in = blob->credential;
	size_t size = blob->size;
	if (size > sizeof(blob->credential) || size < 2 ||
	    (size_t)(in[0] << 8 | in[1]) != p.digest || size < 2 + p.digest + 2 ||
	    size - 2 - p.digest > sizeof(plain.b))
		return bc_fail(err, BC_E_FORMAT, "a malformed credential blob of %zu bytes", size);
	const uint8_t *enc = in + 2 + p.digest;
	size_t enc_len = size - 2 - p.digest;
	if ((s = derive_keys(&p, seed, seed_len, name, sym_key.b, hmac_key.b, err)) != BC_OK ||
	    (s = outer_hmac(&p, hmac_key.b, enc, enc_len, name, mac, err)) != BC_OK)
		return s;
	if (CRYPTO_memcmp(mac, in + 2, p.digest) != 0)
		return bc_fail(err, BC_E_MISMATCH,
			       "the credential's integrity HMAC does not match: it was made for "
			       "another key name or EK");
	if ((s = aes_cfb(&p, sym_key.b, false, enc, enc_len, plain.b, err)) != BC_OK)
		return s;
	size_t len = (size_t)(plain.b[0] << 8 | plain.b[1]);
	if (len != enc_len - 2 || len > sizeof(secret->buffer))
		return bc_fail(err, BC_E_FORMAT, "the credential holds a malformed TPM2B_DIGEST");
	secret->size = (UINT16)len;
	memcpy(secret->buffer, plain.b + 2, len);
	return BC_OK;
}

/* ---- the seed ---- */

static bc_status rsa_seed(const TPMT_PUBLIC *ek, const ek_params *p, uint8_t *seed,
			  TPM2B_ENCRYPTED_SECRET *enc, bc_error *err)
{
	_cleanup_(EVP_PKEY_freep) EVP_PKEY *key = NULL;
	bc_status s = bc_tpm_public_to_pkey(ek, &key, err);
	if (s != BC_OK)
		return s;
	if (RAND_bytes(seed, (int)p->digest) != 1)
		return ossl_fail(err, "no random bytes for the seed");
	const EVP_MD *md = bc_hash_alg_md(p->name_alg);
	/* the label includes its terminating NUL (Part 1, 11.4.10.3) */
	unsigned char *label = OPENSSL_memdup(IDENTITY_LABEL, sizeof(IDENTITY_LABEL));
	_cleanup_(EVP_PKEY_CTX_freep) EVP_PKEY_CTX *ctx =
	    EVP_PKEY_CTX_new_from_pkey(NULL, key, NULL);
	size_t len = sizeof(enc->secret);
	if (!label || !ctx || EVP_PKEY_encrypt_init(ctx) != 1 ||
	    EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_OAEP_PADDING) != 1 ||
	    EVP_PKEY_CTX_set_rsa_oaep_md(ctx, md) != 1 ||
	    EVP_PKEY_CTX_set_rsa_mgf1_md(ctx, md) != 1) {
		OPENSSL_free(label);
		return ossl_fail(err, "cannot set up RSA-OAEP for the EK");
	}
	if (EVP_PKEY_CTX_set0_rsa_oaep_label(ctx, label, sizeof(IDENTITY_LABEL)) != 1) {
		OPENSSL_free(label);
		return ossl_fail(err, "cannot set the OAEP label");
	}
	if (EVP_PKEY_encrypt(ctx, enc->secret, &len, seed, p->digest) != 1)
		return ossl_fail(err, "RSA-OAEP encryption of the seed failed");
	enc->size = (UINT16)len;
	return BC_OK;
}

static bc_status bn_to_param(const BIGNUM *bn, size_t size, TPM2B_ECC_PARAMETER *out, bc_error *err)
{
	if (size > sizeof(out->buffer) || BN_bn2binpad(bn, out->buffer, (int)size) < 0)
		return bc_fail(err, BC_E_FORMAT, "an ECC coordinate too large");
	out->size = (UINT16)size;
	return BC_OK;
}

static bc_status ecc_seed(const TPMT_PUBLIC *ek, const ek_params *p, uint8_t *seed,
			  TPM2B_ENCRYPTED_SECRET *enc, bc_error *err)
{
	_cleanup_(EVP_PKEY_freep) EVP_PKEY *key = NULL, *eph = NULL;
	_cleanup_(BN_freep) BIGNUM *x = NULL, *y = NULL;
	char group[64];
	size_t coord, zlen = 0;
	_cleanup_secret_ secret_buf z = {{0}};
	bc_status s = bc_tpm_public_to_pkey(ek, &key, err);
	if (s != BC_OK)
		return s;
	if (!EVP_PKEY_get_utf8_string_param(key, OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof(group),
					    NULL))
		return ossl_fail(err, "the EK has no curve");
	coord = (size_t)(EVP_PKEY_get_bits(key) + 7) / 8;
	/* an ephemeral key on the EK's curve; Z is the x coordinate of the shared point */
	eph = EVP_PKEY_Q_keygen(NULL, NULL, "EC", group);
	_cleanup_(EVP_PKEY_CTX_freep) EVP_PKEY_CTX *ctx =
	    eph ? EVP_PKEY_CTX_new_from_pkey(NULL, eph, NULL) : NULL;
	zlen = sizeof(z.b);
	if (!ctx || EVP_PKEY_derive_init(ctx) != 1 || EVP_PKEY_derive_set_peer(ctx, key) != 1 ||
	    EVP_PKEY_derive(ctx, z.b, &zlen) != 1)
		return ossl_fail(err, "ECDH with the EK failed");
	if (!EVP_PKEY_get_bn_param(eph, OSSL_PKEY_PARAM_EC_PUB_X, &x) ||
	    !EVP_PKEY_get_bn_param(eph, OSSL_PKEY_PARAM_EC_PUB_Y, &y))
		return ossl_fail(err, "cannot read the ephemeral public key");
	TPMS_ECC_POINT point = {.x.size = 0};
	if ((s = bn_to_param(x, coord, &point.x, err)) != BC_OK ||
	    (s = bn_to_param(y, coord, &point.y, err)) != BC_OK)
		return s;
	s = bc_kdfe(p->name_alg, z.b, zlen, IDENTITY_LABEL, point.x.buffer, point.x.size,
		    ek->unique.ecc.x.buffer, ek->unique.ecc.x.size, (uint32_t)(8 * p->digest), seed,
		    err);
	if (s != BC_OK)
		return s;
	size_t off = 0;
	if (Tss2_MU_TPMS_ECC_POINT_Marshal(&point, enc->secret, sizeof(enc->secret), &off) !=
	    TSS2_RC_SUCCESS)
		return bc_fail(err, BC_E_FORMAT, "cannot marshal the ephemeral point");
	enc->size = (UINT16)off;
	return BC_OK;
}

bc_status bc_make_credential(const TPM2B_PUBLIC *ek_pub, const TPM2B_NAME *ak_name,
			     const uint8_t *secret, size_t len, TPM2B_ID_OBJECT *blob,
			     TPM2B_ENCRYPTED_SECRET *enc_seed, bc_error *err)
{
	const TPMT_PUBLIC *ek = &ek_pub->publicArea;
	ek_params p;
	_cleanup_secret_ secret_buf seed = {{0}};
	bc_status s = ek_params_of(ek, &p, err);
	if (s != BC_OK || (s = check_name(ak_name, err)) != BC_OK)
		return s;
	if (len == 0 || len > p.digest)
		return bc_fail(err, BC_E_INVALID,
			       "a credential secret of %zu bytes (1 to %zu with this EK)", len,
			       p.digest);
	*enc_seed = (TPM2B_ENCRYPTED_SECRET){.size = 0};
	if (ek->type == TPM2_ALG_RSA)
		s = rsa_seed(ek, &p, seed.b, enc_seed, err);
	else
		s = ecc_seed(ek, &p, seed.b, enc_seed, err);
	if (s != BC_OK)
		return s;
	return bc_credential_wrap(ek, seed.b, p.digest, ak_name, secret, len, blob, err);
}

/* ---- on the TPM ---- */

/* What TPM2_ActivateCredential answers to a credential made for another name or EK:
 * TPM_RC_INTEGRITY for a blob whose HMAC fails, TPM_RC_VALUE on the secret (parameter
 * 2) when an RSA EK's OAEP decoding fails, TPM_RC_ECC_POINT when the ephemeral point is
 * not on the EK's curve. */
static bool not_for_us(TSS2_RC rc)
{
	if ((rc & TSS2_RC_LAYER_MASK) != TSS2_TPM_RC_LAYER || !(rc & TPM2_RC_FMT1))
		return false;
	TSS2_RC code = rc & (TPM2_RC_FMT1 | 0x3f);
	bool parameter = rc & TPM2_RC_P;
	return code == TPM2_RC_INTEGRITY || (parameter && code == TPM2_RC_VALUE) ||
	       (parameter && code == TPM2_RC_ECC_POINT) || (parameter && code == TPM2_RC_SIZE);
}

bc_status bc_activate_credential(bc_tpm *tpm, ESYS_TR ak, ESYS_TR ek, const TPM2B_ID_OBJECT *blob,
				 const TPM2B_ENCRYPTED_SECRET *enc_seed, TPM2B_DIGEST *secret,
				 bc_error *err)
{
	ESYS_TR session = ESYS_TR_NONE;
	TPM2B_DIGEST *out = NULL;
	bc_status s = bc_ek_policy_session(tpm, &session, err);
	if (s != BC_OK)
		return s;
	TSS2_RC rc = Esys_ActivateCredential(bc_tpm_esys(tpm), ak, ek, ESYS_TR_PASSWORD, session,
					     ESYS_TR_NONE, blob, enc_seed, &out);
	bc_tpm_flush(tpm, session);
	if (rc != TSS2_RC_SUCCESS && not_for_us(rc)) {
		bc_tpm_fail(tpm, err, rc, "TPM2_ActivateCredential");
		return bc_fail(err, BC_E_MISMATCH,
			       "the credential was not made for this AK and EK (%s)",
			       bc_error_message(err));
	}
	if (rc != TSS2_RC_SUCCESS)
		return bc_tpm_fail(tpm, err, rc, "TPM2_ActivateCredential failed");
	*secret = *out;
	explicit_bzero(out, sizeof(*out));
	Esys_Free(out);
	return BC_OK;
}

/* ---- the challenge file ---- */

bc_status bc_challenge_json(const TPM2B_ID_OBJECT *blob, const TPM2B_ENCRYPTED_SECRET *enc_seed,
			    bc_buf *out, bc_error *err)
{
	uint8_t cred[sizeof(TPM2B_ID_OBJECT)], seed[sizeof(TPM2B_ENCRYPTED_SECRET)];
	size_t cred_len = 0, seed_len = 0;
	if (Tss2_MU_TPM2B_ID_OBJECT_Marshal(blob, cred, sizeof(cred), &cred_len) !=
		TSS2_RC_SUCCESS ||
	    Tss2_MU_TPM2B_ENCRYPTED_SECRET_Marshal(enc_seed, seed, sizeof(seed), &seed_len) !=
		TSS2_RC_SUCCESS)
		return bc_fail(err, BC_E_FORMAT, "cannot marshal the credential");
	bc_json j;
	bc_json_init(&j, out);
	bc_json_object_begin(&j);
	bc_json_key(&j, "format");
	bc_json_string(&j, BC_CHALLENGE_FORMAT);
	bc_json_key(&j, "credential");
	bc_json_base64(&j, cred, cred_len);
	bc_json_key(&j, "secret");
	bc_json_base64(&j, seed, seed_len);
	bc_json_object_end(&j);
	bc_buf_putc(out, '\n');
	return bc_buf_status(out, err, "challenge");
}

bc_status bc_challenge_write(const TPM2B_ID_OBJECT *blob, const TPM2B_ENCRYPTED_SECRET *enc_seed,
			     const char *path, bc_error *err)
{
	bc_buf out;
	bc_buf_init(&out, BC_CHALLENGE_MAX);
	bc_status s = bc_challenge_json(blob, enc_seed, &out, err);
	if (s == BC_OK)
		s = bc_write_file_atomic(path, out.data, out.len, 0644, err);
	bc_buf_free(&out);
	return s;
}

/* A base64 member of the challenge, decoded into a new buffer. */
static bc_status challenge_member(json_t *root, const char *key, const char *name, size_t max,
				  uint8_t **bytes, size_t *size, bc_error *err)
{
	json_t *v = json_object_get(root, key);
	if (!v)
		return bc_fail(err, BC_E_FORMAT, "%s: no \"%s\"", name, key);
	if (!json_is_string(v))
		return bc_fail(err, BC_E_FORMAT, "%s: \"%s\" is not a string", name, key);
	if (!bc_base64_decode(json_string_value(v), json_string_length(v), max, bytes, size))
		return bc_fail(err, BC_E_FORMAT, "%s: \"%s\" is not base64 of at most %zu bytes",
			       name, key, max);
	return BC_OK;
}

bc_status bc_challenge_parse(const void *data, size_t size, const char *name, TPM2B_ID_OBJECT *blob,
			     TPM2B_ENCRYPTED_SECRET *enc_seed, bc_error *err)
{
	json_error_t jerr;
	_cleanup_(json_decrefp) json_t *root = NULL;
	_cleanup_free_ uint8_t *cred = NULL, *seed = NULL;
	size_t cred_len = 0, seed_len = 0, off = 0;
	if (size > BC_CHALLENGE_MAX)
		return bc_fail(err, BC_E_LIMIT, "%s: more than %zu bytes", name, BC_CHALLENGE_MAX);
	root = json_loadb(data, size, JSON_REJECT_DUPLICATES, &jerr);
	if (!root)
		return bc_fail(err, BC_E_FORMAT, "%s: line %d column %d: %s", name, jerr.line,
			       jerr.column, jerr.text);
	if (!json_is_object(root))
		return bc_fail(err, BC_E_FORMAT, "%s: not a JSON object", name);
	json_t *format = json_object_get(root, "format");
	if (!json_is_string(format) || strcmp(json_string_value(format), BC_CHALLENGE_FORMAT))
		return bc_fail(err, BC_E_FORMAT, "%s: \"format\" is not \"%s\"", name,
			       BC_CHALLENGE_FORMAT);
	bc_status s = challenge_member(root, "credential", name, sizeof(TPM2B_ID_OBJECT), &cred,
				       &cred_len, err);
	if (s != BC_OK)
		return s;
	s = challenge_member(root, "secret", name, sizeof(TPM2B_ENCRYPTED_SECRET), &seed, &seed_len,
			     err);
	if (s != BC_OK)
		return s;
	if (Tss2_MU_TPM2B_ID_OBJECT_Unmarshal(cred, cred_len, &off, blob) != TSS2_RC_SUCCESS ||
	    off != cred_len)
		return bc_fail(err, BC_E_FORMAT, "%s: \"credential\" is not a TPM2B_ID_OBJECT",
			       name);
	off = 0;
	if (Tss2_MU_TPM2B_ENCRYPTED_SECRET_Unmarshal(seed, seed_len, &off, enc_seed) !=
		TSS2_RC_SUCCESS ||
	    off != seed_len)
		return bc_fail(err, BC_E_FORMAT, "%s: \"secret\" is not a TPM2B_ENCRYPTED_SECRET",
			       name);
	return BC_OK;
}
