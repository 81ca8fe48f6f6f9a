/* SPDX-License-Identifier: BSD-3-Clause */
#include "config.h"

#include <string.h>

#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/evp.h>

#include "tests/tools/snp-sign.h"
#include "util/cleanup.h"

DEFINE_TRIVIAL_CLEANUP_FUNC(EVP_MD_CTX *, EVP_MD_CTX_free)
DEFINE_TRIVIAL_CLEANUP_FUNC(ECDSA_SIG *, ECDSA_SIG_free)

#define SIGNED_SIZE    0x2A0
#define COMPONENT_SIZE 72

int snp_sign_report(uint8_t *report, EVP_PKEY *key)
{
	uint8_t der[160];
	size_t der_len = sizeof(der);
	_cleanup_(EVP_MD_CTX_freep) EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	if (!ctx || EVP_DigestSignInit(ctx, NULL, EVP_sha384(), NULL, key) != 1 ||
	    EVP_DigestSign(ctx, der, &der_len, report, SIGNED_SIZE) != 1)
		return -1;
	const unsigned char *p = der;
	_cleanup_(ECDSA_SIG_freep) ECDSA_SIG *sig = d2i_ECDSA_SIG(NULL, &p, (long)der_len);
	if (!sig)
		return -1;
	const BIGNUM *r = ECDSA_SIG_get0_r(sig), *s = ECDSA_SIG_get0_s(sig);
	if (BN_bn2lebinpad(r, report + SNP_SIG_R_OFFSET, COMPONENT_SIZE) != COMPONENT_SIZE ||
	    BN_bn2lebinpad(s, report + SNP_SIG_S_OFFSET, COMPONENT_SIZE) != COMPONENT_SIZE)
		return -1;
	return 0;
}
