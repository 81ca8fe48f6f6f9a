/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Detached signatures over golden databases: SHA-256 over the exact bytes, DER ECDSA or
 * RSA, so that `openssl dgst -sha256 -sign KEY -out DB.sig DB` and
 * `openssl dgst -sha256 -verify PUB -signature DB.sig DB` interoperate.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include <bootchain/golden.h>

#include "util/cleanup.h"

DEFINE_TRIVIAL_CLEANUP_FUNC(EVP_PKEY *, EVP_PKEY_free)
DEFINE_TRIVIAL_CLEANUP_FUNC(EVP_MD_CTX *, EVP_MD_CTX_free)

static void fclosep(FILE **f)
{
	if (*f)
		fclose(*f);
}

static bc_status read_public_key(const char *path, EVP_PKEY **out, bc_error *err)
{
	__attribute__((cleanup(fclosep))) FILE *f = fopen(path, "re");
	if (!f)
		return bc_fail(err, BC_E_IO, "%s: %s", path, strerror(errno));
	*out = PEM_read_PUBKEY(f, NULL, NULL, NULL);
	ERR_clear_error();
	if (!*out)
		return bc_fail(err, BC_E_FORMAT, "%s: not a PEM public key", path);
	return BC_OK;
}

bc_status bc_signature_verify(const void *data, size_t size, const void *sig, size_t sig_size,
			      const char *pubkey_path, bc_error *err)
{
	_cleanup_(EVP_PKEY_freep) EVP_PKEY *key = NULL;
	_cleanup_(EVP_MD_CTX_freep) EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	bc_status s = read_public_key(pubkey_path, &key, err);
	if (s != BC_OK)
		return s;
	if (!ctx || EVP_DigestVerifyInit(ctx, NULL, EVP_sha256(), NULL, key) != 1) {
		ERR_clear_error();
		return bc_fail(err, BC_E_UNSUPPORTED, "%s: cannot verify with this key type",
			       pubkey_path);
	}
	int ok = EVP_DigestVerify(ctx, sig, sig_size, data, size);
	ERR_clear_error();
	if (ok != 1)
		return bc_fail(err, BC_E_MISMATCH, "does not verify with %s", pubkey_path);
	return BC_OK;
}

static bc_status read_private_key(const char *path, EVP_PKEY **out, bc_error *err)
{
	__attribute__((cleanup(fclosep))) FILE *f = fopen(path, "re");
	if (!f)
		return bc_fail(err, BC_E_IO, "%s: %s", path, strerror(errno));
	*out = PEM_read_PrivateKey(f, NULL, NULL, NULL);
	ERR_clear_error();
	if (!*out)
		return bc_fail(err, BC_E_FORMAT, "%s: not a PEM private key (without passphrase)",
			       path);
	return BC_OK;
}

bc_status bc_signature_sign(const void *data, size_t size, const char *key_path, uint8_t **sig,
			    size_t *sig_size, bc_error *err)
{
	_cleanup_(EVP_PKEY_freep) EVP_PKEY *key = NULL;
	_cleanup_(EVP_MD_CTX_freep) EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	size_t len = 0;
	bc_status s = read_private_key(key_path, &key, err);
	if (s != BC_OK)
		return s;
	if (!ctx || EVP_DigestSignInit(ctx, NULL, EVP_sha256(), NULL, key) != 1 ||
	    EVP_DigestSign(ctx, NULL, &len, data, size) != 1) {
		ERR_clear_error();
		return bc_fail(err, BC_E_UNSUPPORTED, "%s: cannot sign with this key type",
			       key_path);
	}
	_cleanup_free_ uint8_t *buf = malloc(len);
	if (!buf)
		return bc_fail(err, BC_E_NOMEM, "out of memory");
	if (EVP_DigestSign(ctx, buf, &len, data, size) != 1) {
		ERR_clear_error();
		return bc_fail(err, BC_E_UNSUPPORTED, "%s: signing failed", key_path);
	}
	*sig = TAKE_PTR(buf);
	*sig_size = len;
	return BC_OK;
}
