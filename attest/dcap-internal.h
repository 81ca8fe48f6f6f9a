/* SPDX-License-Identifier: BSD-3-Clause */
/* What attest/dcap.c and attest/dcap-collateral.c share. */
#ifndef BC_ATTEST_DCAP_INTERNAL_H
#define BC_ATTEST_DCAP_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "attest/dcap.h"

#define BC_DCAP_CHAIN_MAX 8 /* certificates read from a PEM chain at most */

/* status with what, and OpenSSL's first queued reason; the queue is cleared. */
bc_status bc_dcap_ossl_fail(bc_error *err, bc_status status, const char *what);

/* One certificate (PEM: the first; or DER, the whole buffer); a PEM chain (at most
 * BC_DCAP_CHAIN_MAX); a CRL (PEM or DER). name goes into messages. */
bc_status bc_dcap_load_cert(const uint8_t *data, size_t size, const char *name, X509 **out,
			    bc_error *err);
bc_status bc_dcap_load_pem_chain(const uint8_t *data, size_t size, const char *name,
				 STACK_OF(X509) * *out, bc_error *err);
bc_status bc_dcap_load_crl(const uint8_t *data, size_t size, const char *name, X509_CRL **out,
			   bc_error *err);

/* leaf up untrusted to root, the only trust anchor, at now; *chain_out (may be NULL)
 * gets the chain built, leaf first. BC_E_MISMATCH naming what and the failing
 * certificate. */
bc_status bc_dcap_verify_chain(X509 *leaf, STACK_OF(X509) * untrusted, X509 *root, const char *what,
			       time_t now, STACK_OF(X509) * *chain_out, bc_error *err);

bool bc_dcap_is_p256(EVP_PKEY *key);

/* ECDSA with SHA-256 over data, the signature r || s (32 bytes each, big-endian):
 * 1 good, 0 bad, -1 an OpenSSL failure. */
int bc_dcap_verify_rs(EVP_PKEY *key, const uint8_t rs[64], const uint8_t *data, size_t size);

/* The SGX report body at p (384 bytes, checked by the caller). */
void bc_dcap_sgx_body_decode(const uint8_t *p, bc_sgx_report_body *b);

/* The SGX extensions of a PCK certificate. */
bc_status bc_dcap_pck_from_x509(X509 *pck, bc_dcap_pck *out, bc_error *err);

#endif
