/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The Keep binding (bootchain-evidence(5)): one nonce ties the TEE report and the TPM
 * quote together. The report carries the nonce and the AK's name, the quote the nonce
 * and the report's digest: a report of another machine (another AK), of another moment
 * (another nonce), or a quote of another report, does not verify.
 */
#include "config.h"

#include <string.h>

#include <openssl/evp.h>

#include <bootchain/attest.h>

#define KEEP_LABEL  "bootchain keep v1"
#define QUOTE_LABEL "bootchain quote v1"

void bc_keep_report_data(const uint8_t *nonce, size_t nonce_size, const uint8_t *ak_name,
			 size_t ak_name_size, uint8_t out[64])
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	unsigned int n = 0;
	if (!ctx || !EVP_DigestInit_ex(ctx, EVP_sha512(), NULL) ||
	    !EVP_DigestUpdate(ctx, KEEP_LABEL, sizeof(KEEP_LABEL) - 1) ||
	    !EVP_DigestUpdate(ctx, nonce, nonce_size) ||
	    !EVP_DigestUpdate(ctx, ak_name, ak_name_size) || !EVP_DigestFinal_ex(ctx, out, &n))
		memset(out, 0, 64); /* no memory: a value that never verifies */
	EVP_MD_CTX_free(ctx);
}

void bc_keep_qualifying_data(const uint8_t *nonce, size_t nonce_size, const uint8_t *report,
			     size_t report_size, uint8_t out[32])
{
	uint8_t report_digest[32];
	unsigned int n = 0;
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	if (!EVP_Digest(report, report_size, report_digest, &n, EVP_sha256(), NULL) || !ctx ||
	    !EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) ||
	    !EVP_DigestUpdate(ctx, QUOTE_LABEL, sizeof(QUOTE_LABEL) - 1) ||
	    !EVP_DigestUpdate(ctx, nonce, nonce_size) ||
	    !EVP_DigestUpdate(ctx, report_digest, sizeof(report_digest)) ||
	    !EVP_DigestFinal_ex(ctx, out, &n))
		memset(out, 0, 32);
	EVP_MD_CTX_free(ctx);
}
