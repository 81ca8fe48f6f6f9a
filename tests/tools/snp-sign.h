/* SPDX-License-Identifier: BSD-3-Clause */
/* For the tests and the simulated SEV-SNP provider: sign a report as the AMD secure
 * processor does, with a VCEK's private key. */
#ifndef BC_TESTS_SNP_SIGN_H
#define BC_TESTS_SNP_SIGN_H

#include <stdint.h>

#include <openssl/evp.h>

#define SNP_SIG_R_OFFSET 0x2A0
#define SNP_SIG_S_OFFSET 0x2E8

/* ECDSA over SHA-384 of the report's first 0x2A0 bytes with key (EC P-384); r and s
 * go to 0x2A0 and 0x2E8, 72 bytes each, little-endian. report holds 0x4A0 bytes.
 * Returns 0, or -1 on an OpenSSL failure. */
int snp_sign_report(uint8_t *report, EVP_PKEY *key);

static inline void snp_put_u32le(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static inline void snp_put_u64le(uint8_t *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

#endif
