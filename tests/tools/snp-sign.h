/* SPDX-License-Identifier: BSD-3-Clause */
/* For the tests and the simulated SEV-SNP provider: sign a report as the AMD secure
 * processor does, with a VCEK's private key. */
#ifndef BC_TESTS_SNP_SIGN_H
#define BC_TESTS_SNP_SIGN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>

#define SNP_SIG_R_OFFSET 0x2A0
#define SNP_SIG_S_OFFSET 0x2E8

/* ECDSA over SHA-384 of the report's first 0x2A0 bytes with key (EC P-384); r and s
 * go to 0x2A0 and 0x2E8, 72 bytes each, little-endian. report holds 0x4A0 bytes.
 * Returns 0, or -1 on an OpenSSL failure. */
int snp_sign_report(uint8_t *report, EVP_PKEY *key);

/* What a simulated report says; the rest is fixed (SMT and TSME enabled, firmware
 * 1.55.21, REPORT_ID random, no migration agent). */
typedef struct snp_report_params {
	uint32_t version; /* 2, 3 or 5 */
	uint64_t policy;
	uint32_t key_info; /* BC_SNP_KEY_*: which key signs (VCEK 0, VLEK 1 << 2) */
	uint64_t tcb;	   /* CURRENT_TCB, REPORTED_TCB, COMMITTED_TCB and LAUNCH_TCB */
	uint8_t cpuid[3];  /* family, model, stepping: version 3 and later */
	uint8_t report_data[64];
	uint8_t measurement[48];
	uint8_t chip_id[64];
} snp_report_params;

/* An unsigned ATTESTATION_REPORT (0x4A0 bytes) as the AMD secure processor lays it out
 * (SEV-SNP ABI specification); version 5 adds the mitigation vectors. */
void snp_build_report(uint8_t *report, const snp_report_params *p);

/* The simulators' defaults (snp-sim, hcl-sim): version 2, policy 0x30000 (SMT allowed),
 * CPUID 19 01 01 (a Milan part), SNP_SIM_TCB, and the test chip: CHIP_ID bytes 0xc0 to
 * 0xff, the default hwID of make-snp-certs.sh. */
#define SNP_SIM_TCB UINT64_C(0x7308000000000003) /* Milan/Genoa: bootloader 3, snp 8, ucode 115 */
void snp_sim_default_params(snp_report_params *p);

/* The report options both simulators take, as getopt_long entries: --measurement HEX48,
 * --policy HEX, --chip-id HEX64, --report-version 2|3|5, --vlek. */
#define SNP_SIM_REPORT_OPTIONS                                                                   \
	{"measurement", required_argument, NULL, 'm'}, {"policy", required_argument, NULL, 'p'}, \
	    {"chip-id", required_argument, NULL, 'c'},                                           \
	    {"report-version", required_argument, NULL, 'V'},                                    \
	{                                                                                        \
		"vlek", no_argument, NULL, 'L'                                                   \
	}

/* Whether getopt's c is one of SNP_SIM_REPORT_OPTIONS, its value arg kept in p; *bad
 * when the value is wrong (said on stderr, after prog). */
bool snp_sim_report_option(const char *prog, int c, const char *arg, snp_report_params *p,
			   bool *bad);

/* A hex number of up to 64 bits (--policy, --tcb); false after saying why. */
bool snp_sim_parse_u64(const char *prog, const char *what, const char *arg, uint64_t *out);

/* Exactly size bytes in hex; false after saying why. */
bool snp_sim_parse_hex(const char *prog, const char *what, const char *arg, uint8_t *out,
		       size_t size);

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
