/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The SGX Keep kind (attest/keep-kinds.h): an enclave's DCAP quote (provider "sgx").
 * An enclave cannot quote a TPM, so its evidence is keep-only (bootchain-evidence(5),
 * KEEP-ONLY EVIDENCE): the quote is everything, and each of its checks fails closed.
 *   keep-signature  the quote verifies up to the pinned Intel SGX Root CA (attest/dcap.c:
 *                   PCK chain and CRLs, QE report, attestation key, quote signature, and
 *                   the collateral given); a Revoked TCB, or none that matches, fails;
 *   keep-binding    REPORTDATA = SHA-512("bootchain keep v1" || nonce): the verifier's
 *                   nonce, and no AK (there is none);
 *   keep-golden     the enclave is one the golden "keep"."sgx" object allows; without
 *                   that object it fails, since nothing else says which enclave it is.
 */
#include "config.h"

#include <inttypes.h>
#include <string.h>

#include "attest/dcap.h"
#include "attest/keep-kinds.h"
#include "golden/golden-internal.h"
#include "util/cleanup.h"
#include "util/hex.h"

/* What the collateral said of the TCB, for messages: "; TCB UpToDate (TCB info, QE
 * identity)", or "" when none was given. */
static void tcb_words(const bc_dcap_result *r, char *out, size_t size)
{
	if (!r->tcb_checked && !r->qe_checked) {
		snprintf(out, size, "; TCB not judged (no TCB info or QE identity given)");
		return;
	}
	snprintf(out, size, "; TCB %s (%s%s%s)", bc_dcap_tcb_status_name(r->status),
		 r->tcb_checked ? "TCB info" : "", r->tcb_checked && r->qe_checked ? ", " : "",
		 r->qe_checked ? "QE identity" : "");
}

/* keep-signature: fills r (r->status is then what the collateral said). */
static void check_signature(const bc_evidence *ev, const bc_verify_opts *o, bc_dcap_result *r,
			    bc_verify_result *res)
{
	_cleanup_(bc_dcap_trust_freep) bc_dcap_trust owned = {0};
	bc_dcap_trust trust;
	bc_error err = {0};
	char tcb[96];
	if (!bc_keep_intel_trust(o, "no Intel SGX Root CA to verify the quote with (--intel-root)",
				 &trust, &owned, res))
		return;
	if (bc_dcap_verify(ev->keep_report, ev->keep_report_size, &trust, r, &err) != BC_OK) {
		bc_keep_verdict(res, BC_CHECK_KEEP_SIGNATURE, BC_CHECK_FAIL, "%s",
				bc_error_message(&err));
		return;
	}
	/* Intel's word that the platform's keys are not to be trusted at all */
	if ((r->tcb_checked || r->qe_checked) &&
	    (r->status == BC_DCAP_TCB_REVOKED || r->status == BC_DCAP_TCB_NONE)) {
		bc_keep_verdict(res, BC_CHECK_KEEP_SIGNATURE, BC_CHECK_FAIL,
				"the collateral gives the platform or its QE the TCB status %s",
				bc_dcap_tcb_status_name(r->status));
		return;
	}
	tcb_words(r, tcb, sizeof(tcb));
	bc_keep_verdict(res, BC_CHECK_KEEP_SIGNATURE, BC_CHECK_PASS,
			"SGX quote v%u signed by an attestation key its QE vouches for, PCK "
			"chain to the Intel SGX Root CA%s",
			r->quote.version, tcb);
}

/* keep-binding: the verifier's nonce, and that alone, in REPORTDATA. */
static void check_binding(const bc_evidence *ev, const bc_verify_opts *o,
			  const bc_sgx_report_body *body, bc_verify_result *res)
{
	uint8_t want[64];
	if (ev->attest) { /* what would the report vouch for: the enclave holds no AK */
		bc_keep_verdict(res, BC_CHECK_KEEP_BINDING, BC_CHECK_FAIL,
				"SGX evidence is keep-only: an enclave's report cannot be bound "
				"to a TPM quote");
		return;
	}
	if (o->no_nonce || !o->nonce_size) { /* the nonce is all that binds it */
		bc_keep_verdict(res, BC_CHECK_KEEP_BINDING, BC_CHECK_FAIL,
				"no nonce given: an SGX report bound to nothing may be an old "
				"one");
		return;
	}
	bc_keep_report_data(o->nonce, o->nonce_size, NULL, 0, want);
	if (memcmp(body->report_data, want, sizeof(want)) != 0) {
		bc_keep_verdict(res, BC_CHECK_KEEP_BINDING, BC_CHECK_FAIL,
				"REPORTDATA is not bound to this nonce");
		return;
	}
	res->fresh = true;
	bc_keep_verdict(res, BC_CHECK_KEEP_BINDING, BC_CHECK_PASS,
			"REPORTDATA binds the nonce (keep-only: no AK)");
}

static bool listed(const uint8_t (*list)[32], size_t count, const uint8_t value[32])
{
	for (size_t i = 0; i < count; i++)
		if (!memcmp(list[i], value, 32))
			return true;
	return false;
}

/* The first way the enclave's identity differs from what the golden object allows, in
 * why; false when it does not. */
static bool identity_refused(const bc_golden_keep_sgx *g, const bc_sgx_report_body *b, char *why,
			     size_t size)
{
	char hex[2 * 32 + 1];
	if ((b->attributes_flags & BC_SGX_ATTR_DEBUG) && !g->allow_debug)
		snprintf(why, size, "a debug enclave (ATTRIBUTES.FLAGS 0x%016" PRIx64 ")",
			 b->attributes_flags);
	else if (g->mrenclave_count && !listed(g->mrenclave, g->mrenclave_count, b->mrenclave))
		snprintf(why, size, "MRENCLAVE %s is not an allowed one",
			 bc_hex_encode(b->mrenclave, 32, hex));
	else if (g->mrsigner_count && !listed(g->mrsigner, g->mrsigner_count, b->mrsigner))
		snprintf(why, size, "MRSIGNER %s is not an allowed one",
			 bc_hex_encode(b->mrsigner, 32, hex));
	else if (g->isvprodid >= 0 && b->isvprodid != g->isvprodid)
		snprintf(why, size, "ISVPRODID %u is not the golden database's %d", b->isvprodid,
			 g->isvprodid);
	else if (g->min_isvsvn >= 0 && b->isvsvn < g->min_isvsvn)
		snprintf(why, size, "ISVSVN %u is below the golden database's min_isvsvn %d",
			 b->isvsvn, g->min_isvsvn);
	else
		return false;
	return true;
}

/* The TCB status against the golden minimum (UpToDate when none is given); only when
 * collateral established it. */
static bool tcb_refused(const bc_golden_keep_sgx *g, const bc_dcap_result *r, char *why,
			size_t size)
{
	bc_dcap_tcb_status min = BC_DCAP_TCB_UP_TO_DATE;
	if (g->min_tcb_status && !bc_dcap_tcb_status_parse(g->min_tcb_status, &min)) {
		snprintf(why, size, "min_tcb_status \"%s\" is not a TCB status", g->min_tcb_status);
		return true;
	}
	if (!r->tcb_checked && !r->qe_checked) {
		if (!g->min_tcb_status)
			return false;
		snprintf(why, size,
			 "min_tcb_status %s, and no TCB status was established (--tcb-info, "
			 "--qe-identity)",
			 g->min_tcb_status);
		return true;
	}
	if (bc_dcap_tcb_meets(r->status, min))
		return false;
	snprintf(why, size, "TCB status %s is below %s%s", bc_dcap_tcb_status_name(r->status),
		 bc_dcap_tcb_status_name(min), g->min_tcb_status ? "" : " (no min_tcb_status)");
	return true;
}

static void check_golden(const bc_verify_opts *o, const bc_sgx_report_body *body,
			 const bc_dcap_result *r, bc_verify_result *res)
{
	const bc_golden_keep_sgx *g = o->golden ? o->golden->keep_sgx : NULL;
	char why[192], hex[2 * 32 + 1], signer[2 * 32 + 1];
	if (!g) { /* any enclave at all would pass: the Keep is all this evidence has */
		bc_keep_verdict(
		    res, BC_CHECK_KEEP_GOLDEN, BC_CHECK_FAIL,
		    "no golden \"keep\".\"sgx\" object says which enclaves are allowed");
		return;
	}
	if (identity_refused(g, body, why, sizeof(why)) || tcb_refused(g, r, why, sizeof(why))) {
		bc_keep_verdict(res, BC_CHECK_KEEP_GOLDEN, BC_CHECK_FAIL, "%s", why);
		return;
	}
	bc_keep_verdict(res, BC_CHECK_KEEP_GOLDEN, BC_CHECK_PASS,
			"enclave MRENCLAVE %.16s... MRSIGNER %.16s... ISVPRODID %u ISVSVN %u "
			"allowed",
			bc_hex_encode(body->mrenclave, 32, hex),
			bc_hex_encode(body->mrsigner, 32, signer), body->isvprodid, body->isvsvn);
}

void bc_keep_check_sgx(const bc_evidence *ev, const bc_verify_opts *o, bc_verify_result *res)
{
	bc_dcap_quote q;
	bc_dcap_result r = {0};
	bc_error err = {0};
	if (bc_dcap_quote_parse(ev->keep_report, ev->keep_report_size, &q, &err) != BC_OK) {
		bc_keep_verdict_all(res, BC_CHECK_FAIL, bc_error_message(&err));
		return;
	}
	if (q.body_type != BC_DCAP_BODY_SGX) { /* a TD's quote is not an enclave's */
		bc_keep_verdict_all(res, BC_CHECK_FAIL,
				    "an SGX Keep's report is a quote of a TD, not of an enclave");
		return;
	}
	check_signature(ev, o, &r, res);
	check_binding(ev, o, &q.sgx, res);
	check_golden(o, &q.sgx, &r, res);
}
