/* SPDX-License-Identifier: BSD-3-Clause */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include "attest/keep.h"
#include "tests/tools/snp-sign.h"
#include "util/cleanup.h"
#include "util/hex.h"

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

void snp_build_report(uint8_t *report, const snp_report_params *p)
{
	memset(report, 0, 0x4A0);
	snp_put_u32le(report + 0x000, p->version);
	snp_put_u32le(report + 0x004, 0); /* guest_svn */
	snp_put_u64le(report + 0x008, p->policy);
	snp_put_u32le(report + 0x030, 0);      /* vmpl */
	snp_put_u32le(report + 0x034, 1);      /* signature_algo: ECDSA P-384 with SHA-384 */
	snp_put_u64le(report + 0x038, p->tcb); /* current_tcb */
	snp_put_u64le(report + 0x040, 0x3);    /* platform_info: SMT, TSME enabled */
	snp_put_u32le(report + 0x048, p->key_info);
	memcpy(report + 0x050, p->report_data, sizeof(p->report_data));
	memcpy(report + 0x090, p->measurement, sizeof(p->measurement));
	RAND_bytes(report + 0x140, 32);	       /* report_id */
	memset(report + 0x160, 0xff, 32);      /* report_id_ma: no migration agent */
	snp_put_u64le(report + 0x180, p->tcb); /* reported_tcb */
	if (p->version >= 3)
		memcpy(report + 0x188, p->cpuid, sizeof(p->cpuid));
	memcpy(report + 0x1A0, p->chip_id, sizeof(p->chip_id));
	snp_put_u64le(report + 0x1E0, p->tcb); /* committed_tcb */
	report[0x1E8] = 21;		       /* current build, minor, major: 1.55.21 */
	report[0x1E9] = 55;
	report[0x1EA] = 1;
	report[0x1EC] = 21;
	report[0x1ED] = 55;
	report[0x1EE] = 1;
	snp_put_u64le(report + 0x1F0, p->tcb); /* launch_tcb */
	if (p->version >= 5) {		       /* launch and current mitigation vectors */
		snp_put_u64le(report + 0x1F8, 0x1);
		snp_put_u64le(report + 0x200, 0x3);
	}
}

void snp_sim_default_params(snp_report_params *p)
{
	*p = (snp_report_params){
	    .version = 2, .policy = 0x30000, .tcb = SNP_SIM_TCB, .cpuid = {0x19, 0x01, 0x01}};
	for (unsigned i = 0; i < sizeof(p->chip_id); i++)
		p->chip_id[i] = (uint8_t)(0xc0 + i);
}

bool snp_sim_parse_u64(const char *prog, const char *what, const char *arg, uint64_t *out)
{
	char *end;
	errno = 0;
	*out = strtoull(arg, &end, 16);
	if (errno || !*arg || *end) {
		fprintf(stderr, "%s: %s: not a hex number: %s\n", prog, what, arg);
		return false;
	}
	return true;
}

bool snp_sim_parse_hex(const char *prog, const char *what, const char *arg, uint8_t *out,
		       size_t size)
{
	size_t len = 0;
	if (strlen(arg) != 2 * size || !bc_hex_decode(arg, 2 * size, out, size, &len)) {
		fprintf(stderr, "%s: %s: expected %zu hex digits\n", prog, what, 2 * size);
		return false;
	}
	return true;
}

bool snp_sim_report_option(const char *prog, int c, const char *arg, snp_report_params *p,
			   bool *bad)
{
	bool ok = true;
	switch (c) {
	case 'm':
		ok = snp_sim_parse_hex(prog, "--measurement", arg, p->measurement,
				       sizeof(p->measurement));
		break;
	case 'p': ok = snp_sim_parse_u64(prog, "--policy", arg, &p->policy); break;
	case 'c':
		ok = snp_sim_parse_hex(prog, "--chip-id", arg, p->chip_id, sizeof(p->chip_id));
		break;
	case 'V':
		ok = !strcmp(arg, "2") || !strcmp(arg, "3") || !strcmp(arg, "5");
		if (ok)
			p->version = (uint32_t)(arg[0] - '0');
		else
			fprintf(stderr, "%s: --report-version: 2, 3 or 5\n", prog);
		break;
	case 'L': p->key_info = BC_SNP_KEY_SIGNING_VLEK << BC_SNP_KEY_SIGNING_SHIFT; break;
	default: return false;
	}
	*bad = !ok;
	return true;
}
