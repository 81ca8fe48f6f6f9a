/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The Keep: the trusted execution environment a workload runs in, and its attestation
 * report. Here AMD SEV-SNP: the report is fetched through Linux's configfs-tsm
 * (Documentation/ABI/testing/configfs-tsm), parsed from its little-endian layout
 * (AMD SEV-SNP ABI specification, ATTESTATION_REPORT, versions 2 to 5), and its ECDSA
 * P-384 signature checked against the VCEK, optionally up AMD's chain VCEK <- ASK <- ARK,
 * or against a cloud provider's VLEK, up VLEK <- ASVK <- ARK.
 */
#ifndef BC_ATTEST_KEEP_H
#define BC_ATTEST_KEEP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <bootchain/status.h>

/* ---- configfs-tsm ---- */

#define BC_TSM_REPORT_ROOT  "/sys/kernel/config/tsm/report"
#define BC_TSM_INBLOB_SIZE  64
#define BC_TSM_PROVIDER_MAX 64
#define BC_TSM_OUTBLOB_MAX  ((size_t)1 << 20) /* a cap: an SNP report is 1184 bytes */
#define BC_TSM_ATTEMPTS	    3		      /* tries when another writer races us */
#define BC_TSM_WAIT_MS	    2000	      /* bound on waiting for a (simulated) provider */

/*
 * One report from the TSM provider under root (NULL: BC_TSM_REPORT_ROOT) over inblob:
 * mkdir a fresh entry root/bootchain-PID-N (0700), read its generation, write inblob,
 * wait until generation has moved (immediate in the kernel, where the write bumps it;
 * a simulated provider bumps it once its outblob is written: at most BC_TSM_WAIT_MS),
 * read outblob and provider, and read generation again: it must be one more than
 * before the write, else another writer raced us and the whole exchange is retried, at
 * most BC_TSM_ATTEMPTS times. The entry is removed in every case.
 *
 * On success *report (caller frees) holds the whole outblob and *size its length, and
 * provider the provider's name ("sev_guest", "tdx_guest"), NUL-terminated, without its
 * newline. Errors name the path: BC_E_IO for file system errors and timeouts,
 * BC_E_FORMAT for an unreadable generation or provider, BC_E_LIMIT for an outblob past
 * BC_TSM_OUTBLOB_MAX, BC_E_MISMATCH when every attempt was raced.
 */
bc_status bc_tsm_report(const char *root, const uint8_t inblob[BC_TSM_INBLOB_SIZE],
			uint8_t **report, size_t *size, char provider[BC_TSM_PROVIDER_MAX],
			bc_error *err);

/* ---- AMD SEV-SNP attestation report ---- */

#define BC_SNP_REPORT_SIZE		  0x4A0 /* 1184 bytes */
#define BC_SNP_SIGNED_SIZE		  0x2A0 /* the signature covers bytes 0..0x29F */
#define BC_SNP_SIG_ALGO_ECDSA_P384_SHA384 1
#define BC_SNP_VERSION_MIN		  2
#define BC_SNP_VERSION_MAX		  5

/* GUEST_POLICY bits (ABI spec, "Guest Policy Structure") */
#define BC_SNP_POLICY_ABI_MINOR_MASK	UINT64_C(0xff)
#define BC_SNP_POLICY_ABI_MAJOR_SHIFT	8
#define BC_SNP_POLICY_SMT		(UINT64_C(1) << 16) /* host SMT allowed */
#define BC_SNP_POLICY_RESERVED_ONE	(UINT64_C(1) << 17) /* must be one */
#define BC_SNP_POLICY_MIGRATE_MA	(UINT64_C(1) << 18) /* migration agent allowed */
#define BC_SNP_POLICY_DEBUG		(UINT64_C(1) << 19) /* debugging allowed */
#define BC_SNP_POLICY_SINGLE_SOCKET	(UINT64_C(1) << 20)
#define BC_SNP_POLICY_CXL_ALLOW		(UINT64_C(1) << 21)
#define BC_SNP_POLICY_MEM_AES_256_XTS	(UINT64_C(1) << 22)
#define BC_SNP_POLICY_RAPL_DIS		(UINT64_C(1) << 23)
#define BC_SNP_POLICY_CIPHERTEXT_HIDING (UINT64_C(1) << 24)
#define BC_SNP_POLICY_PAGE_SWAP_DISABLE (UINT64_C(1) << 25) /* version 5 */

/* PLATFORM_INFO bits */
#define BC_SNP_PLATFORM_SMT_EN		     (UINT64_C(1) << 0)
#define BC_SNP_PLATFORM_TSME_EN		     (UINT64_C(1) << 1)
#define BC_SNP_PLATFORM_ECC_EN		     (UINT64_C(1) << 2)
#define BC_SNP_PLATFORM_RAPL_DIS	     (UINT64_C(1) << 3)
#define BC_SNP_PLATFORM_CIPHERTEXT_HIDING_EN (UINT64_C(1) << 4)
#define BC_SNP_PLATFORM_ALIAS_CHECK_COMPLETE (UINT64_C(1) << 5)

/* The 32-bit word at 0x48 (KEY_INFO in recent specifications, "flags" before) */
#define BC_SNP_KEY_AUTHOR_KEY_EN  (UINT32_C(1) << 0)
#define BC_SNP_KEY_MASK_CHIP_KEY  (UINT32_C(1) << 1)
#define BC_SNP_KEY_SIGNING_SHIFT  2 /* bits 4:2: which key signed the report */
#define BC_SNP_KEY_SIGNING_MASK	  UINT32_C(0x7)
#define BC_SNP_KEY_SIGNING_VCEK	  0
#define BC_SNP_KEY_SIGNING_VLEK	  1
#define BC_SNP_KEY_SIGNING_NONE	  7
#define BC_SNP_CPUID_FAMILY_TURIN 0x1A /* Zen 5: another TCB_VERSION layout */

/* Every field, at the offset in the comment; byte arrays as they are in the report.
 * Fields a version does not have are zero. */
typedef struct bc_snp_report {
	uint32_t version;	       /* 0x000: 2 to 5 */
	uint32_t guest_svn;	       /* 0x004 */
	uint64_t policy;	       /* 0x008: BC_SNP_POLICY_* */
	uint8_t family_id[16];	       /* 0x010 */
	uint8_t image_id[16];	       /* 0x020 */
	uint32_t vmpl;		       /* 0x030 */
	uint32_t signature_algo;       /* 0x034: 1, ECDSA P-384 with SHA-384 */
	uint64_t current_tcb;	       /* 0x038: TCB_VERSION, see bc_snp_tcb_split() */
	uint64_t platform_info;	       /* 0x040: BC_SNP_PLATFORM_* */
	uint32_t key_info;	       /* 0x048: BC_SNP_KEY_* */
	uint8_t report_data[64];       /* 0x050: the guest's data: our nonce binding */
	uint8_t measurement[48];       /* 0x090: the launch measurement */
	uint8_t host_data[32];	       /* 0x0C0 */
	uint8_t id_key_digest[48];     /* 0x0E0 */
	uint8_t author_key_digest[48]; /* 0x110 */
	uint8_t report_id[32];	       /* 0x140 */
	uint8_t report_id_ma[32];      /* 0x160 */
	uint64_t reported_tcb;	       /* 0x180: the TCB the VCEK was derived for */
	uint8_t cpuid_fam_id;	       /* 0x188: version 3 and later */
	uint8_t cpuid_mod_id;	       /* 0x189: version 3 and later */
	uint8_t cpuid_step;	       /* 0x18A: version 3 and later */
	uint8_t chip_id[64];	       /* 0x1A0: zero when MASK_CHIP_ID is set */
	uint64_t committed_tcb;	       /* 0x1E0 */
	uint8_t current_build;	       /* 0x1E8 */
	uint8_t current_minor;	       /* 0x1E9 */
	uint8_t current_major;	       /* 0x1EA */
	uint8_t committed_build;       /* 0x1EC */
	uint8_t committed_minor;       /* 0x1ED */
	uint8_t committed_major;       /* 0x1EE */
	uint64_t launch_tcb;	       /* 0x1F0 */
	uint64_t launch_mit_vector;    /* 0x1F8: version 5 and later */
	uint64_t current_mit_vector;   /* 0x200: version 5 and later */
	uint8_t signature_r[72];       /* 0x2A0: little-endian, zero-extended */
	uint8_t signature_s[72];       /* 0x2E8: little-endian, zero-extended */
} bc_snp_report;

/* The security version numbers in a TCB_VERSION. Milan and Genoa: bootloader, tee,
 * 4 reserved bytes, snp, microcode; Turin: fmc, bootloader, tee, snp, 3 reserved,
 * microcode (fmc is 0 elsewhere). */
typedef struct bc_snp_tcb {
	uint8_t fmc;
	uint8_t bootloader;
	uint8_t tee;
	uint8_t snp;
	uint8_t microcode;
} bc_snp_tcb;

/*
 * Parse the report's bytes into *out (every field, through a bounded reader). Refused:
 * a size other than BC_SNP_REPORT_SIZE (BC_E_FORMAT), a version outside
 * BC_SNP_VERSION_MIN..MAX or a signature_algo other than 1 (BC_E_UNSUPPORTED). Nothing
 * is verified: see bc_snp_report_verify().
 */
bc_status bc_snp_report_parse(const uint8_t *data, size_t size, bc_snp_report *out, bc_error *err);

/*
 * Verify a report's signature: ECDSA P-384 over SHA-384 of its first
 * BC_SNP_SIGNED_SIZE bytes, r and s read little-endian, with the public key of the
 * signing key's certificate (PEM or DER; it must be EC P-384). KEY_INFO says which key
 * signed: the VCEK (the chip's, derived for its TCB) or a VLEK (a cloud provider's,
 * which AMD's key distribution service loads into the chip); a report signed by no key
 * (7) fails, a reserved value is BC_E_UNSUPPORTED. vcek is that key's certificate:
 * the VCEK or the VLEK.
 *
 * With ask and ark (both or neither; PEM or DER) also the chain: the ARK is
 * self-signed, the intermediate is signed by the ARK and the key's certificate by the
 * intermediate (RSASSA-PSS with SHA-384 at AMD; any algorithm the certificates name is
 * accepted by OpenSSL). The intermediate is the ASK for a VCEK and the ASVK for a VLEK.
 * The ARK is whatever the caller passes: pin it to AMD's ARK for the product. When the
 * ARK is named as AMD names them ("ARK-Milan", "ARK-Genoa", "ARK-Turin"), the
 * intermediate must be that product's of the signer's kind ("SEV-Milan" for an ASK,
 * "SEV-VLEK-Milan" for an ASVK), and a report of version 3 or later, which names its
 * CPUID family and model, must come from that product (Milan: family 0x19, models
 * 0x00-0x0F; Genoa: 0x19, 0x10-0x1F and 0xA0-0xAF; Turin: 0x1A, 0x00-0x1F). Every
 * certificate given must be valid now (its notBefore and notAfter; the time is
 * bc_snp_report_verify_at()'s to choose).
 *
 * Then the key must be this chip's and this TCB's, as AMD's VCEK specification makes
 * them: a VCEK's hwID extension (1.3.6.1.4.1.3704.1.4, a DER OCTET STRING, or the 64
 * bytes bare as in early VCEKs) equals CHIP_ID (its first 8 bytes on Turin; a zero,
 * masked, CHIP_ID fails); a VLEK names no chip, and a certificate with a hwID given for a
 * VLEK-signed report fails. For both, blSPL, teeSPL, snpSPL and ucodeSPL
 * (1.3.6.1.4.1.3704.1.3.1, .2, .3, .8; DER INTEGERs), and fmcSPL (.9) on Turin, equal
 * those parts of REPORTED_TCB (bc_snp_tcb_split()).
 *
 * BC_E_MISMATCH: a signature that does not verify, a broken chain, a chain of another
 * product or kind, a certificate out of its validity period, a key of another chip or
 * TCB or without those extensions, an unsigned report;
 * BC_E_FORMAT: a malformed report, certificate or extension, or a key that is not
 * P-384;
 * BC_E_UNSUPPORTED: a report version or algorithm bc_snp_report_parse() refuses, a
 * reserved signing key;
 * BC_E_INVALID: only one of ask and ark.
 */
bc_status bc_snp_report_verify(const uint8_t *report, size_t size, const uint8_t *vcek,
			       size_t vcek_size, const uint8_t *ask, size_t ask_size,
			       const uint8_t *ark, size_t ark_size, bc_error *err);

/* bc_snp_report_verify() with every certificate's validity judged at now instead of the
 * current time: for a report verified as it stood when it was made (a recorded one, a
 * test vector whose VCEK expires before the test does). */
bc_status bc_snp_report_verify_at(const uint8_t *report, size_t size, const uint8_t *vcek,
				  size_t vcek_size, const uint8_t *ask, size_t ask_size,
				  const uint8_t *ark, size_t ark_size, time_t now, bc_error *err);

/* Policy helpers */
static inline bool bc_snp_policy_debug(uint64_t policy)
{
	return (policy & BC_SNP_POLICY_DEBUG) != 0;
}

static inline bool bc_snp_policy_smt(uint64_t policy)
{
	return (policy & BC_SNP_POLICY_SMT) != 0;
}

static inline bool bc_snp_policy_migrate_ma(uint64_t policy)
{
	return (policy & BC_SNP_POLICY_MIGRATE_MA) != 0;
}

static inline bool bc_snp_policy_single_socket(uint64_t policy)
{
	return (policy & BC_SNP_POLICY_SINGLE_SOCKET) != 0;
}

static inline uint8_t bc_snp_policy_abi_major(uint64_t policy)
{
	return (uint8_t)(policy >> BC_SNP_POLICY_ABI_MAJOR_SHIFT);
}

static inline uint8_t bc_snp_policy_abi_minor(uint64_t policy)
{
	return (uint8_t)(policy & BC_SNP_POLICY_ABI_MINOR_MASK);
}

/* Which key signed the report: BC_SNP_KEY_SIGNING_VCEK, _VLEK or _NONE. */
static inline unsigned bc_snp_signing_key(const bc_snp_report *r)
{
	return (r->key_info >> BC_SNP_KEY_SIGNING_SHIFT) & BC_SNP_KEY_SIGNING_MASK;
}

/* Whether the report comes from a Turin (Zen 5) part, known from version 3 on. */
static inline bool bc_snp_report_is_turin(const bc_snp_report *r)
{
	return r->version >= 3 && r->cpuid_fam_id == BC_SNP_CPUID_FAMILY_TURIN;
}

/* Split a TCB_VERSION of a report from a Turin part (turin) or an earlier one. */
static inline bc_snp_tcb bc_snp_tcb_split(uint64_t tcb, bool turin)
{
	if (turin)
		return (bc_snp_tcb){.fmc = (uint8_t)tcb,
				    .bootloader = (uint8_t)(tcb >> 8),
				    .tee = (uint8_t)(tcb >> 16),
				    .snp = (uint8_t)(tcb >> 24),
				    .microcode = (uint8_t)(tcb >> 56)};
	return (bc_snp_tcb){.bootloader = (uint8_t)tcb,
			    .tee = (uint8_t)(tcb >> 8),
			    .snp = (uint8_t)(tcb >> 48),
			    .microcode = (uint8_t)(tcb >> 56)};
}

#endif
