/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The kinds of Keep (TEE) evidence can carry, and the checks of each. The evidence's
 * keep.provider names the kind (bootchain-evidence(5)); attest/verify.c gives the
 * report to its kind's check function, which fills the three Keep checks:
 *   keep-signature  the report is signed by a key that chains to a pinned vendor root;
 *   keep-binding    the report binds the verifier's nonce and the quoting AK;
 *   keep-golden     the report's measurements and policy are allowed by the golden
 *                   database's "keep" section (SKIP when the database has none).
 * Each check function gives all three a verdict (PASS, FAIL or SKIP), on every path.
 */
#ifndef BC_ATTEST_KEEP_KINDS_H
#define BC_ATTEST_KEEP_KINDS_H

#include <stdbool.h>
#include <stdint.h>

#include <bootchain/attest.h>
#include <bootchain/status.h>

typedef enum bc_keep_kind {
	BC_KEEP_UNKNOWN = 0,
	BC_KEEP_SEV_SNP,   /* provider "sev_guest": an SEV-SNP report (attest/keep.c) */
	BC_KEEP_TDX,	   /* provider "tdx_guest": a TDX quote, v4 or v5 (attest/keep-tdx.c) */
	BC_KEEP_SGX,	   /* provider "sgx": an SGX quote v3 (attest/keep-sgx.c) */
	BC_KEEP_AZURE_HCL, /* provider "azure_hcl": a vTPM's HCL report (attest/keep-azure.c) */
} bc_keep_kind;

/* The kind a provider names; BC_KEEP_UNKNOWN for any other text. */
bc_keep_kind bc_keep_kind_of(const char *provider);

/* For messages: "SEV-SNP", "TDX", "SGX", "Azure HCL"; "unknown". */
const char *bc_keep_kind_name(bc_keep_kind kind);

/* Give check c of res its status and message (a FAIL clears res->pass). */
void bc_keep_verdict(bc_verify_result *res, bc_check c, bc_check_status st, const char *fmt, ...)
    BC_PRINTF(4, 5);

/* Give all three Keep checks the same verdict (e.g. an unparsable report). */
void bc_keep_verdict_all(bc_verify_result *res, bc_check_status st, const char *message);

/*
 * The REPORT_DATA (64 bytes) a report bound to this evidence must carry:
 * SHA-512("bootchain keep v1" || the verifier's nonce || the AK's name), computed from
 * the AK the ak check passed. false when that check did not pass: keep-binding has then
 * been given its FAIL verdict already.
 */
bool bc_keep_expected_report_data(const bc_evidence *ev, const bc_verify_opts *o,
				  bc_verify_result *res, uint8_t want[64]);

/* keep-golden for an SEV-SNP report (also the one inside an Azure HCL report): its
 * MEASUREMENT among the golden "keep" measurements, no debug policy unless allowed, no
 * REPORTED_TCB part below "min_tcb"; SKIP without a golden "keep". */
struct bc_snp_report;
void bc_keep_snp_golden(const bc_verify_opts *o, const struct bc_snp_report *r,
			bc_verify_result *res);

/*
 * The trust a TDX or SGX quote is verified with (attest/dcap.h): the verifier's Intel
 * root, else the root the build pins (BC_KEEP_ROOTS_DIR "/intel-sgx-root-ca.pem", read
 * into *owned, which the caller frees with bc_dcap_trust_free()), and the CRLs and
 * collateral of o->keep_intel. false after a keep-signature FAIL: no_root when there is
 * no root at all, else why the pinned one cannot be read.
 */
struct bc_dcap_trust;
bool bc_keep_intel_trust(const bc_verify_opts *o, const char *no_root, struct bc_dcap_trust *t,
			 struct bc_dcap_trust *owned, bc_verify_result *res);

/*
 * keep-golden for a TD (a TDX quote's, also the one an Azure TDX HCL report is quoted
 * by): td's fields against the golden "keep"."tdx" object (MRTD, DEBUG, MRCONFIGID,
 * MROWNER, XFAM), the TCB status dr found (signed_ok: the quote verified) against its
 * "min_tcb_status", and the evidence's CC event log, replayed to td's RTMRs, against its
 * "ccel" database; SKIP without a golden "keep".
 */
struct bc_td_report_body;
struct bc_dcap_result;
void bc_keep_tdx_golden(const bc_evidence *ev, const bc_verify_opts *o,
			const struct bc_td_report_body *td, bool signed_ok,
			const struct bc_dcap_result *dr, bc_verify_result *res);

/* The checks of each kind. */
typedef void (*bc_keep_check_fn)(const bc_evidence *ev, const bc_verify_opts *o,
				 bc_verify_result *res);
void bc_keep_check_snp(const bc_evidence *ev, const bc_verify_opts *o, bc_verify_result *res);
void bc_keep_check_tdx(const bc_evidence *ev, const bc_verify_opts *o, bc_verify_result *res);
void bc_keep_check_sgx(const bc_evidence *ev, const bc_verify_opts *o, bc_verify_result *res);
void bc_keep_check_azure(const bc_evidence *ev, const bc_verify_opts *o, bc_verify_result *res);

#endif
