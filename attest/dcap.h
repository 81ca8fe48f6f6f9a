/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Intel DCAP ECDSA quotes, shared by the SGX and TDX Keeps: parsing (quote versions 3,
 * 4 and 5, with the layouts of Intel's "SGX ECDSA Quote Library API" and "TDX DCAP
 * Quote Library API"), verification up the PCK certificate chain to a pinned Intel SGX
 * Root CA, and the TCB status from Intel's collateral (TCB info, QE identity) given as
 * files. No network. Every length is checked before it is read; errors name the field
 * and its byte offset in the quote.
 *
 * A quote: header (48 bytes) || body || u32 signature data length || signature data.
 *   v3: body = SGX report body (384). Signature data = quote signature (64, r||s) ||
 *       attestation key (64, x||y) || QE report (384) || QE report signature (64) ||
 *       u16 QE authentication data size || data || u16 certification data type ||
 *       u32 size || certification data (type 5: the PCK chain, PEM).
 *   v4: body = SGX report body (tee_type 0) or TD report body 1.0 (584, tee_type 0x81).
 *       Signature data = quote signature || attestation key || u16 type 6 || u32 size ||
 *       QE report certification data: QE report || its signature || u16 size || QE
 *       authentication data || u16 type 5 || u32 size || PCK chain (PEM).
 *   v5: after the header u16 body type (1 SGX, 2 TD 1.0, 3 TD 1.5 = 648 bytes) || u32
 *       body size || body; then as v4.
 * The quote signature covers every byte before the u32 signature data length (header
 * || body for v3 and v4; header || body type || body size || body for v5).
 */
#ifndef BC_ATTEST_DCAP_H
#define BC_ATTEST_DCAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <bootchain/status.h>

#define BC_DCAP_QUOTE_MAX	   ((size_t)1 << 20) /* a cap: real quotes are ~5 KiB */
#define BC_DCAP_HEADER_SIZE	   48
#define BC_DCAP_SGX_BODY_SIZE	   384
#define BC_DCAP_TD10_BODY_SIZE	   584
#define BC_DCAP_TD15_BODY_SIZE	   648
#define BC_DCAP_ATT_KEY_ECDSA_P256 2
#define BC_DCAP_TEE_SGX		   0x00000000u
#define BC_DCAP_TEE_TDX		   0x00000081u
#define BC_DCAP_CERT_PCK_CHAIN	   5  /* PCK leaf || PCK CA || root, PEM */
#define BC_DCAP_CERT_QE_REPORT	   6  /* QE report certification data */
#define BC_DCAP_SIG_SIZE	   64 /* r || s, big-endian, 32 bytes each */
#define BC_DCAP_KEY_SIZE	   64 /* x || y, big-endian, 32 bytes each */

/* What the body is (the v5 body types; v3 and v4 bodies are mapped to them). */
typedef enum bc_dcap_body_type {
	BC_DCAP_BODY_SGX = 1,  /* SGX enclave report body, 384 bytes */
	BC_DCAP_BODY_TD10 = 2, /* TDX 1.0 TD report body, 584 bytes */
	BC_DCAP_BODY_TD15 = 3, /* TDX 1.5 TD report body, 648 bytes */
} bc_dcap_body_type;

/* ATTRIBUTES.FLAGS and TDATTRIBUTES bits */
#define BC_SGX_ATTR_INIT	  (UINT64_C(1) << 0)
#define BC_SGX_ATTR_DEBUG	  (UINT64_C(1) << 1)
#define BC_SGX_ATTR_MODE64BIT	  (UINT64_C(1) << 2)
#define BC_SGX_ATTR_PROVISION_KEY (UINT64_C(1) << 4)
#define BC_SGX_ATTR_EINITTOKEN	  (UINT64_C(1) << 5)
#define BC_SGX_ATTR_KSS		  (UINT64_C(1) << 7)
#define BC_TD_ATTR_DEBUG	  (UINT64_C(1) << 0)
#define BC_TD_ATTR_SEPT_VE_DIS	  (UINT64_C(1) << 28)
#define BC_TD_ATTR_PKS		  (UINT64_C(1) << 30)
#define BC_TD_ATTR_KL		  (UINT64_C(1) << 31)
#define BC_TD_ATTR_PERFMON	  (UINT64_C(1) << 63)

/* The SGX report body (sgx_report_body_t): also the QE report. Offsets in comments. */
typedef struct bc_sgx_report_body {
	uint8_t cpusvn[16];	   /* 0 */
	uint32_t miscselect;	   /* 16 */
	uint8_t isvextprodid[16];  /* 32 */
	uint8_t attributes[16];	   /* 48: flags (u64 LE) || xfrm (u64 LE), as in the quote */
	uint64_t attributes_flags; /* 48: BC_SGX_ATTR_* */
	uint64_t attributes_xfrm;  /* 56 */
	uint8_t mrenclave[32];	   /* 64 */
	uint8_t mrsigner[32];	   /* 128 */
	uint8_t configid[64];	   /* 192 */
	uint16_t isvprodid;	   /* 256 */
	uint16_t isvsvn;	   /* 258 */
	uint16_t configsvn;	   /* 260 */
	uint8_t isvfamilyid[16];   /* 304 */
	uint8_t report_data[64];   /* 320 */
} bc_sgx_report_body;

/* The TD report body (TDX 1.0: up to report_data; 1.5 adds the last two). */
typedef struct bc_td_report_body {
	uint8_t tee_tcb_svn[16];   /* 0 */
	uint8_t mrseam[48];	   /* 16 */
	uint8_t mrsignerseam[48];  /* 64 */
	uint64_t seam_attributes;  /* 112 */
	uint64_t td_attributes;	   /* 120: BC_TD_ATTR_* */
	uint64_t xfam;		   /* 128 */
	uint8_t mrtd[48];	   /* 136 */
	uint8_t mrconfigid[48];	   /* 184 */
	uint8_t mrowner[48];	   /* 232 */
	uint8_t mrownerconfig[48]; /* 280 */
	uint8_t rtmr[4][48];	   /* 328, 376, 424, 472 */
	uint8_t report_data[64];   /* 520 */
	uint8_t tee_tcb_svn2[16];  /* 584: 1.5 only, else zero */
	uint8_t mrservicetd[48];   /* 600: 1.5 only, else zero */
} bc_td_report_body;

/*
 * A parsed quote. The pointers point into the bytes given to bc_dcap_quote_parse():
 * they must outlive it.
 */
typedef struct bc_dcap_quote {
	/* header */
	uint16_t version;      /* 3, 4 or 5 */
	uint16_t att_key_type; /* 2: ECDSA-256-with-P-256 */
	uint32_t tee_type;     /* v4, v5: BC_DCAP_TEE_*; v3: 0 (SGX) */
	uint16_t qe_svn;       /* v3 header only (reserved in v4, v5) */
	uint16_t pce_svn;      /* v3 header only */
	uint8_t qe_vendor_id[16];
	uint8_t user_data[20];
	/* body: sgx or td is filled, as body_type says */
	bc_dcap_body_type body_type;
	size_t body_offset, body_size;
	bc_sgx_report_body sgx;
	bc_td_report_body td;
	const uint8_t *signed_data; /* the bytes the quote signature covers */
	size_t signed_size;
	/* signature data */
	uint8_t signature[BC_DCAP_SIG_SIZE];  /* r || s */
	uint8_t attest_key[BC_DCAP_KEY_SIZE]; /* x || y */
	uint8_t qe_report_raw[BC_DCAP_SGX_BODY_SIZE];
	bc_sgx_report_body qe_report;
	uint8_t qe_report_sig[BC_DCAP_SIG_SIZE]; /* r || s, by the PCK key */
	const uint8_t *qe_auth_data;
	size_t qe_auth_size;
	const uint8_t *pck_chain; /* certification data type 5: PEM, not NUL-terminated */
	size_t pck_chain_size;
} bc_dcap_quote;

/*
 * Parse a quote (every field, through a bounded reader). BC_E_FORMAT for a malformed
 * one, naming the field and its offset ("QE authentication data at offset 0x3f6: size
 * 300 exceeds the 120 bytes left"); BC_E_UNSUPPORTED for another version, attestation
 * key type, TEE type, body type or certification data type. Nothing is verified.
 * Bytes after the signature data are refused.
 */
bc_status bc_dcap_quote_parse(const uint8_t *data, size_t size, bc_dcap_quote *out, bc_error *err);

/* What the PCK certificate says of the platform: its SGX extensions
 * (OID 1.2.840.113741.1.13.1). */
typedef struct bc_dcap_pck {
	uint8_t ppid[16];     /* .1 */
	uint8_t comp_svn[16]; /* .2.1 to .2.16: the SGX TCB components */
	uint16_t pcesvn;      /* .2.17 */
	uint8_t cpusvn[16];   /* .2.18 */
	uint8_t pceid[2];     /* .3 */
	uint8_t fmspc[6];     /* .4 */
	int sgx_type;	      /* .5: 0 standard, 1 scalable, 2 scalable with integrity */
	char issuer_cn[64];   /* "Intel SGX PCK Platform CA" or "... Processor CA" */
} bc_dcap_pck;

/* Extract the SGX extensions of a PCK certificate (PEM or DER). BC_E_FORMAT when they
 * are missing or malformed, naming the OID. */
bc_status bc_dcap_pck_extensions(const uint8_t *cert, size_t size, bc_dcap_pck *out, bc_error *err);

/*
 * TCB statuses, from best to worst: the order bc_dcap_tcb_meets() judges by.
 *   UpToDate > SWHardeningNeeded > ConfigurationNeeded > ConfigurationAndSWHardeningNeeded
 *   > OutOfDate > OutOfDateConfigurationNeeded > Revoked
 * Why this order: software hardening is the mitigation the platform's owner can apply
 * in the enclave or TD itself, configuration (BIOS settings) is the platform's, and
 * OutOfDate means the platform lacks a TCB recovery. Revoked never passes.
 * BC_DCAP_TCB_NONE: no level matched the platform (worse than any named status).
 */
typedef enum bc_dcap_tcb_status {
	BC_DCAP_TCB_UP_TO_DATE = 0,
	BC_DCAP_TCB_SW_HARDENING_NEEDED,
	BC_DCAP_TCB_CONFIGURATION_NEEDED,
	BC_DCAP_TCB_CONFIGURATION_AND_SW_HARDENING_NEEDED,
	BC_DCAP_TCB_OUT_OF_DATE,
	BC_DCAP_TCB_OUT_OF_DATE_CONFIGURATION_NEEDED,
	BC_DCAP_TCB_REVOKED,
	BC_DCAP_TCB_NONE,
} bc_dcap_tcb_status;

/* Intel's name ("UpToDate", ...; "None" for BC_DCAP_TCB_NONE). */
const char *bc_dcap_tcb_status_name(bc_dcap_tcb_status s);

/* The status an Intel name stands for (exact, case-sensitive); false for another. */
bool bc_dcap_tcb_status_parse(const char *name, bc_dcap_tcb_status *out);

/* Whether status is at least minimum in the order above; Revoked and None never are. */
bool bc_dcap_tcb_meets(bc_dcap_tcb_status status, bc_dcap_tcb_status minimum);

/*
 * The platform's status with that of a part judged apart (the TDX module, the QE), as
 * Intel's QVL converges them (convergeTcbStatusWithTdxModuleStatus and
 * convergeTcbStatusWithQeTcbStatus): None on either side gives None; a Revoked part
 * gives Revoked; an OutOfDate part makes UpToDate or SWHardeningNeeded OutOfDate, and
 * ConfigurationNeeded or ConfigurationAndSWHardeningNeeded
 * OutOfDateConfigurationNeeded; an UpToDate part leaves the platform's. A part's
 * status QVL does not give (any other) counts as the worse of the two.
 */
bc_dcap_tcb_status bc_dcap_tcb_converge(bc_dcap_tcb_status platform_status,
					bc_dcap_tcb_status part);

/*
 * What a verifier trusts and the collateral it has, as bytes. root is required (the
 * Intel SGX Root CA to pin, PEM or DER); the rest are optional (NULL, 0):
 *   pck_crl, root_crl  the PCK CA's CRL and the root CA's CRL (DER or PEM): a PCK or
 *                      PCK CA certificate they list is refused;
 *   tcb_info           TCB info JSON ({"tcbInfo": {...}, "signature": "hex"}), v2 or v3,
 *                      "id" "SGX" or "TDX";
 *   qe_identity        QE identity JSON ({"enclaveIdentity": {...}, "signature": ...});
 *   tcb_chain          the TCB signing certificate chain, PEM (signing certificate,
 *                      then optionally the root): required with tcb_info or
 *                      qe_identity, checked to root.
 * now: the time certificates, CRLs and collateral are judged at; 0 means time(NULL).
 */
typedef struct bc_dcap_trust {
	const uint8_t *root;
	size_t root_size;
	const uint8_t *pck_crl;
	size_t pck_crl_size;
	const uint8_t *root_crl;
	size_t root_crl_size;
	const uint8_t *tcb_info;
	size_t tcb_info_size;
	const uint8_t *qe_identity;
	size_t qe_identity_size;
	const uint8_t *tcb_chain;
	size_t tcb_chain_size;
	time_t now;
} bc_dcap_trust;

/* Paths to the same (NULL: not given); for bc_dcap_trust_load(). */
typedef struct bc_dcap_files {
	const char *root, *pck_crl, *root_crl, *tcb_info, *qe_identity, *tcb_chain;
} bc_dcap_files;

/* Read the files named in files into a new *out (now 0); errors name the file.
 * Free with bc_dcap_trust_free(), only a trust made here. */
bc_status bc_dcap_trust_load(const bc_dcap_files *files, bc_dcap_trust *out, bc_error *err);
void bc_dcap_trust_free(bc_dcap_trust *t);
static inline void bc_dcap_trust_freep(bc_dcap_trust *t) /* for _cleanup_ */
{
	bc_dcap_trust_free(t);
}

/* What bc_dcap_verify() found. */
typedef struct bc_dcap_result {
	bc_dcap_quote quote; /* points into the quote's bytes */
	bc_dcap_pck pck;
	/* with tcb_info: */
	bool tcb_checked;
	bc_dcap_tcb_status tcb_status; /* of the platform: the first matching TCB level */
	char tcb_date[32];	       /* that level's tcbDate */
	char tcb_id[8];		       /* "SGX" or "TDX" */
	uint32_t tcb_evaluation_data_number;
	/* with TDX TCB info and TEE_TCB_SVN[1] (the TDX module's major version) not 0:
	 * its tdxModuleIdentities entry and the level of TEE_TCB_SVN[0] in it */
	bool module_checked;
	char module_id[8];		  /* "TDX_01" */
	uint8_t module_svn;		  /* TEE_TCB_SVN[0] */
	bc_dcap_tcb_status module_status; /* UpToDate, OutOfDate, Revoked; None: no level */
	/* with qe_identity: */
	bool qe_checked;
	bc_dcap_tcb_status qe_status; /* the QE's ISVSVN level: UpToDate, OutOfDate, Revoked */
	/* the platform's status converged with the module's and the QE's, as
	 * bc_dcap_tcb_converge() does (UpToDate when nothing was checked) */
	bc_dcap_tcb_status status;
} bc_dcap_result;

/* For messages: ", TDX module TDX_01 at SVN 6 UpToDate" when r->module_checked, else "". */
const char *bc_dcap_module_words(const bc_dcap_result *r, char *buf, size_t size);

/*
 * Verify a quote (parsed as by bc_dcap_quote_parse()):
 *   1. the PCK chain of the certification data: leaf <- PCK CA <- root, the root being
 *      exactly trust->root (byte for byte, after decoding), every certificate in force
 *      at now, none listed in the CRLs given (which must be signed by the PCK CA and
 *      the root, and be in force);
 *   2. the QE report's signature (ECDSA P-256, SHA-256) by the PCK certificate's key;
 *   3. the QE report's REPORTDATA = SHA-256(attestation key || QE authentication data)
 *      || 32 zero bytes;
 *   4. the quote signature (ECDSA P-256, SHA-256 over signed_data) by the attestation
 *      key;
 *   5. with collateral: bc_dcap_collateral_check().
 * out is filled as far as the checks went (out->quote once parsed, out->pck once the
 * chain passed). BC_E_MISMATCH for a check that fails, BC_E_FORMAT or
 * BC_E_UNSUPPORTED for what cannot be read, BC_E_INVALID for a missing root or
 * collateral without tcb_chain. The status is not judged: see bc_dcap_tcb_meets().
 */
bc_status bc_dcap_verify(const uint8_t *quote, size_t size, const bc_dcap_trust *trust,
			 bc_dcap_result *out, bc_error *err);

/*
 * The collateral half (out->quote and out->pck filled, as bc_dcap_verify() leaves
 * them): each JSON's signature (ECDSA P-256 over the exact bytes of the tcbInfo or
 * enclaveIdentity object's text in the file, "signature" hex r||s) by the first
 * certificate of tcb_chain, that chain to trust->root; issueDate <= now < nextUpdate;
 * TCB info: its fmspc and pceId are the PCK's, its id fits the quote ("TDX" for a TD
 * body, "SGX" for an SGX one), and the status is that of the first tcbLevel whose
 * sgxtcbcomponents (v3; sgxtcbcompNNsvn in v2) are all <= the PCK's, pcesvn <= the PCK's,
 * and for TDX tdxtcbcomponents <= TEE_TCB_SVN (from byte 2 on when TEE_TCB_SVN[1], the
 * TDX module's major version, is not 0: the first two are the module's); for TDX the
 * TDX module: with TEE_TCB_SVN[1] 0, MRSIGNERSEAM = tdxModule.mrsigner and
 * SEAMATTRIBUTES = tdxModule.attributes under its attributesMask; otherwise the same
 * against the tdxModuleIdentities entry "TDX_" + TEE_TCB_SVN[1] in two upper-case hex
 * digits (none: BC_E_MISMATCH), whose tcbLevels give module_status: the level of the
 * highest isvsvn <= TEE_TCB_SVN[0] (none: None); QE identity: the QE report's MRSIGNER
 * and ISVPRODID are the identity's, its MISCSELECT and ATTRIBUTES equal the identity's
 * under their masks, and its status is that of the first tcbLevel whose isvsvn <= the
 * QE report's ISVSVN. Fills the collateral fields of out.
 */
bc_status bc_dcap_collateral_check(const bc_dcap_trust *trust, bc_dcap_result *out, bc_error *err);

#endif
