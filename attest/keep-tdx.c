/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The TDX Keep kind (attest/keep-kinds.h): a TD quote (DCAP, version 4 or 5, attest/dcap.h)
 * fetched through configfs-tsm's tdx_guest provider, and the TD's CC event log (CCEL).
 *   keep-signature  the quote verifies up its PCK chain to the pinned Intel SGX Root CA,
 *                   with the CRLs given; with Intel's collateral, the TCB status of
 *                   the platform, its TDX module (tdxModuleIdentities) and its QE;
 *   keep-binding    REPORTDATA = bc_keep_expected_report_data();
 *   keep-golden     the golden "keep"."tdx" object: MRTD, the DEBUG attribute,
 *                   MRCONFIGID, MROWNER, XFAM, the minimum TCB status; and the CCEL,
 *                   replayed to RTMR0-3, judged by its "ccel" database.
 */
#include "config.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bootchain/eventlog.h>
#include <bootchain/golden.h>

#include "attest/dcap.h"
#include "attest/keep-kinds.h"
#include "golden/golden-internal.h"
#include "util/cleanup.h"
#include "util/hex.h"

/* The CCEL's MR indices: 0 is MRTD (never in the log), 1 to 4 are RTMR0 to RTMR3. */
#define CCEL_RTMR_MASK 0x1eu
#define RTMR_OF(index) ((index)-1)

DEFINE_TRIVIAL_CLEANUP_FUNC(bc_log *, bc_log_free)

/* keep-signature: true when the quote verified (*dr then says what was found). */
static bool check_signature(const bc_evidence *ev, const bc_verify_opts *o, bc_dcap_result *dr,
			    bc_verify_result *res)
{
	_cleanup_(bc_dcap_trust_freep) bc_dcap_trust owned = {0};
	bc_dcap_trust trust;
	bc_error err = {0};
	if (!bc_keep_intel_trust(o, "no Intel root given to verify the TDX quote's PCK chain with",
				 &trust, &owned, res))
		return false;
	if (bc_dcap_verify(ev->keep_report, ev->keep_report_size, &trust, dr, &err) != BC_OK) {
		bc_keep_verdict(res, BC_CHECK_KEEP_SIGNATURE, BC_CHECK_FAIL, "TDX quote: %s",
				bc_error_message(&err));
		return false;
	}
	char module[80];
	bc_dcap_module_words(dr, module, sizeof(module));
	if (dr->tcb_checked &&
	    (dr->status == BC_DCAP_TCB_REVOKED || dr->status == BC_DCAP_TCB_NONE)) {
		bc_keep_verdict(res, BC_CHECK_KEEP_SIGNATURE, BC_CHECK_FAIL,
				"TDX quote: the TCB status is %s (platform %s%s)",
				dr->status == BC_DCAP_TCB_REVOKED ? "Revoked"
								  : "None (no TCB level matches)",
				bc_dcap_tcb_status_name(dr->tcb_status), module);
		return false;
	}
	if (dr->tcb_checked)
		bc_keep_verdict(res, BC_CHECK_KEEP_SIGNATURE, BC_CHECK_PASS,
				"TDX quote v%u signed by its attestation key, vouched for by the "
				"QE, whose PCK chains to the Intel root%s; TCB status %s (TCB info "
				"%s, platform %s%s%s)",
				dr->quote.version,
				trust.pck_crl || trust.root_crl ? " (CRLs checked)" : "",
				bc_dcap_tcb_status_name(dr->status), dr->tcb_id,
				bc_dcap_tcb_status_name(dr->tcb_status), module,
				dr->qe_checked ? ", QE identity" : "");
	else
		bc_keep_verdict(res, BC_CHECK_KEEP_SIGNATURE, BC_CHECK_PASS,
				"TDX quote v%u signed by its attestation key, vouched for by the "
				"QE, whose PCK chains to the Intel root%s; no TCB info given: TCB "
				"status unknown",
				dr->quote.version,
				trust.pck_crl || trust.root_crl ? " (CRLs checked)" : "");
	return true;
}

static void check_binding(const bc_evidence *ev, const bc_verify_opts *o,
			  const bc_td_report_body *td, bc_verify_result *res)
{
	uint8_t want[64];
	if (!bc_keep_expected_report_data(ev, o, res, want))
		return;
	if (memcmp(td->report_data, want, sizeof(want)) != 0) {
		bc_keep_verdict(res, BC_CHECK_KEEP_BINDING, BC_CHECK_FAIL,
				"REPORTDATA is not bound to this nonce and this AK");
		return;
	}
	bc_keep_verdict(res, BC_CHECK_KEEP_BINDING, BC_CHECK_PASS,
			"REPORTDATA binds the nonce and the AK");
}

static bool listed(const uint8_t (*list)[48], size_t count, const uint8_t value[48])
{
	for (size_t i = 0; i < count; i++)
		if (memcmp(list[i], value, 48) == 0)
			return true;
	return false;
}

/* The TD's fields against "keep"."tdx": false (with the verdict) at the first that fails. */
static bool check_td_fields(const bc_golden_tdx *g, const bc_td_report_body *td,
			    bc_verify_result *res)
{
	char hex[2 * 48 + 1];
	if ((td->td_attributes & BC_TD_ATTR_DEBUG) && !g->allow_debug) {
		bc_keep_verdict(res, BC_CHECK_KEEP_GOLDEN, BC_CHECK_FAIL,
				"a debuggable TD (TDATTRIBUTES 0x%016" PRIx64 ")",
				td->td_attributes);
		return false;
	}
	if (!listed(g->mrtd, g->mrtd_count, td->mrtd)) {
		bc_keep_verdict(res, BC_CHECK_KEEP_GOLDEN, BC_CHECK_FAIL,
				"MRTD %s is not an allowed one", bc_hex_encode(td->mrtd, 48, hex));
		return false;
	}
	if (g->mrconfigid_count && !listed(g->mrconfigid, g->mrconfigid_count, td->mrconfigid)) {
		bc_keep_verdict(res, BC_CHECK_KEEP_GOLDEN, BC_CHECK_FAIL,
				"MRCONFIGID %s is not an allowed one",
				bc_hex_encode(td->mrconfigid, 48, hex));
		return false;
	}
	if (g->mrowner_count && !listed(g->mrowner, g->mrowner_count, td->mrowner)) {
		bc_keep_verdict(res, BC_CHECK_KEEP_GOLDEN, BC_CHECK_FAIL,
				"MROWNER %s is not an allowed one",
				bc_hex_encode(td->mrowner, 48, hex));
		return false;
	}
	if (g->has_xfam && td->xfam != g->xfam) {
		bc_keep_verdict(res, BC_CHECK_KEEP_GOLDEN, BC_CHECK_FAIL,
				"XFAM 0x%" PRIx64 " is not the golden database's 0x%" PRIx64,
				td->xfam, g->xfam);
		return false;
	}
	return true;
}

/* The platform's TCB status against "min_tcb_status". */
static bool check_tcb_status(const bc_golden_tdx *g, bool signed_ok, const bc_dcap_result *dr,
			     bc_verify_result *res)
{
	bc_dcap_tcb_status min = BC_DCAP_TCB_UP_TO_DATE;
	/* no minimum: the status is judged only when collateral gave one (as for SGX) */
	if (!g->min_tcb_status && !(signed_ok && dr->tcb_checked))
		return true;
	if (g->min_tcb_status && !bc_dcap_tcb_status_parse(g->min_tcb_status, &min)) {
		bc_keep_verdict(res, BC_CHECK_KEEP_GOLDEN, BC_CHECK_FAIL,
				"min_tcb_status \"%s\" is unknown", g->min_tcb_status);
		return false;
	}
	if (!signed_ok || !dr->tcb_checked) {
		bc_keep_verdict(res, BC_CHECK_KEEP_GOLDEN, BC_CHECK_FAIL,
				"the TCB status is unknown (%s) and the golden database requires "
				"at least %s",
				signed_ok ? "no TCB info given" : "the quote did not verify",
				g->min_tcb_status);
		return false;
	}
	if (!bc_dcap_tcb_meets(dr->status, min)) {
		char module[80];
		bc_keep_verdict(res, BC_CHECK_KEEP_GOLDEN, BC_CHECK_FAIL,
				"TCB status %s is below the golden database's min_tcb_status %s%s "
				"(platform %s%s)",
				bc_dcap_tcb_status_name(dr->status), bc_dcap_tcb_status_name(min),
				g->min_tcb_status ? "" : " (the default with collateral)",
				bc_dcap_tcb_status_name(dr->tcb_status),
				bc_dcap_module_words(dr, module, sizeof(module)));
		return false;
	}
	return true;
}

/*
 * The log without the free part of the CCEL's log area, which the firmware fills with
 * 0xFF: it ends where an event would begin with an MR index and a type of 0xFFFFFFFF.
 */
static bc_status ccel_open(const uint8_t *data, size_t size, bc_log **out, bc_error *err)
{
	static const uint8_t free_space[8] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
	_cleanup_(bc_log_freep) bc_log *whole = NULL;
	bc_log_iter it;
	bc_event e;
	bool done = false;
	bc_status s = bc_log_from_memory(data, size, "the CC event log", &whole, err);
	if (s != BC_OK)
		return s;
	bc_log_iter_init(whole, &it);
	while (!done) {
		if (it.number > 0 && size - it.offset >= sizeof(free_space) &&
		    memcmp(data + it.offset, free_space, sizeof(free_space)) == 0)
			return bc_log_from_memory(data, it.offset, "the CC event log", out, err);
		if ((s = bc_log_next(&it, &e, &done, err)) != BC_OK)
			return s;
	}
	*out = TAKE_PTR(whole);
	return BC_OK;
}

/* The quote's RTMRs as the SHA-384 values of MR indices 1 to 4. */
static bc_status rtmr_values(const bc_td_report_body *td, bc_pcr_selection *sel,
			     bc_pcr_values *values, bc_error *err)
{
	bc_pcr_bank *bank = NULL;
	*sel = (bc_pcr_selection){0};
	*values = (bc_pcr_values){0};
	bc_status s = bc_pcr_selection_add(sel, BC_ALG_SHA384, CCEL_RTMR_MASK, err);
	if (s == BC_OK)
		s = bc_pcr_values_add_bank(values, BC_ALG_SHA384, &bank, err);
	if (s != BC_OK)
		return s;
	for (unsigned i = 1; i <= 4; i++) {
		memcpy(bank->values[i], td->rtmr[RTMR_OF(i)], 48);
		bank->mask |= 1u << i;
	}
	return BC_OK;
}

/* "RTMR1, event 7 (EV_IPL): changed" from the first event the database refuses. */
static void ccel_golden_verdict(const bc_golden_report *r, bc_verify_result *res)
{
	for (size_t i = 0; i < r->event_count; i++) {
		const bc_golden_event_result *e = &r->events[i];
		if (e->verdict == BC_EVENT_KNOWN || e->verdict == BC_EVENT_NOT_COVERED)
			continue;
		bc_keep_verdict(res, BC_CHECK_KEEP_GOLDEN, BC_CHECK_FAIL,
				"CCEL: RTMR%u, event %u (%s%s%s): %s%s%s", RTMR_OF(e->pcr),
				e->number, bc_event_type_name(e->type), e->summary[0] ? ", " : "",
				e->summary, bc_golden_event_verdict_name(e->verdict),
				e->component ? " component " : "",
				e->component ? e->component->name : "");
		return;
	}
	if (r->missing_count) {
		bc_keep_verdict(res, BC_CHECK_KEEP_GOLDEN, BC_CHECK_FAIL,
				"CCEL: component %s (RTMR%u) missing", r->missing[0]->name,
				RTMR_OF(r->missing[0]->pcr));
		return;
	}
	bc_keep_verdict(res, BC_CHECK_KEEP_GOLDEN, BC_CHECK_FAIL,
			"CCEL: the events do not match the golden database");
}

/* The first RTMR the database judges that the log does not replay to, or -1. */
static int unattested_rtmr(const bc_golden *ccel, const bc_attested_view *view)
{
	uint32_t judged = ccel->closed_mask & CCEL_RTMR_MASK;
	for (unsigned i = 1; i <= 4; i++)
		if ((judged & (1u << i)) && !(view->pcrs & (1u << i)))
			return (int)RTMR_OF(i);
	return -1;
}

/*
 * The CC event log, through the RTMRs the quote signed: replayed (SHA-384 from zero) to
 * each, only the RTMRs it replays to are attested, and their events are judged by the
 * "ccel" database. Returns false with the verdict given; *note says what was judged.
 */
static bool check_ccel(const bc_evidence *ev, const bc_golden *ccel, bool signed_ok,
		       const bc_td_report_body *td, char *note, size_t note_size,
		       bc_verify_result *res)
{
	_cleanup_(bc_log_freep) bc_log *log = NULL;
	_cleanup_free_ bc_attested_view *view = calloc(1, sizeof(*view));
	bc_golden_report *report = NULL;
	bc_pcr_selection sel;
	bc_pcr_values values;
	bc_error err = {0};
	int rtmr;
	if (!ccel) {
		snprintf(note, note_size, "; the CC event log is not judged (no \"ccel\")");
		return true;
	}
	if (!signed_ok) {
		bc_keep_verdict(res, BC_CHECK_KEEP_GOLDEN, BC_CHECK_FAIL,
				"the quote did not verify: its RTMRs vouch for no CC event log");
		return false;
	}
	if (!ev->keep_eventlog) {
		bc_keep_verdict(res, BC_CHECK_KEEP_GOLDEN, BC_CHECK_FAIL,
				"no CC event log in the evidence to judge the RTMRs by");
		return false;
	}
	if (!view || ccel_open(ev->keep_eventlog, ev->keep_eventlog_size, &log, &err) != BC_OK ||
	    rtmr_values(td, &sel, &values, &err) != BC_OK ||
	    bc_log_attest(log, &sel, &values, view, &err) != BC_OK) {
		bc_keep_verdict(res, BC_CHECK_KEEP_GOLDEN, BC_CHECK_FAIL, "CCEL: %s",
				view ? bc_error_message(&err) : "out of memory");
		return false;
	}
	if ((rtmr = unattested_rtmr(ccel, view)) >= 0) {
		bc_keep_verdict(res, BC_CHECK_KEEP_GOLDEN, BC_CHECK_FAIL,
				"RTMR%d: the CC event log does not replay to the quote's value "
				"(the events of MR index %d replay to another)",
				rtmr, rtmr + 1);
		return false;
	}
	if (bc_golden_check_view(ccel, log, view, false, &report, &err) != BC_OK) {
		bc_keep_verdict(res, BC_CHECK_KEEP_GOLDEN, BC_CHECK_FAIL, "CCEL: %s",
				bc_error_message(&err));
		return false;
	}
	bool ok = report->match;
	if (!ok)
		ccel_golden_verdict(report, res);
	else
		snprintf(note, note_size, "; CCEL: %zu events known", report->known);
	bc_golden_report_free(report);
	return ok;
}

void bc_keep_tdx_golden(const bc_evidence *ev, const bc_verify_opts *o, const bc_td_report_body *td,
			bool signed_ok, const bc_dcap_result *dr, bc_verify_result *res)
{
	char hex[2 * 48 + 1], note[96] = "";
	if (!o->golden || !o->golden->has_keep) {
		bc_keep_verdict(res, BC_CHECK_KEEP_GOLDEN, BC_CHECK_SKIP,
				"no \"keep\" in a golden database");
		return;
	}
	const bc_golden_tdx *g = &o->golden->keep_tdx;
	if (!o->golden->has_keep_tdx) {
		bc_keep_verdict(res, BC_CHECK_KEEP_GOLDEN, BC_CHECK_FAIL,
				"the golden database allows no TDX Keep");
		return;
	}
	if (!check_td_fields(g, td, res) || !check_tcb_status(g, signed_ok, dr, res) ||
	    !check_ccel(ev, g->ccel, signed_ok, td, note, sizeof(note), res))
		return;
	bool judged = signed_ok && dr->tcb_checked;
	bc_keep_verdict(res, BC_CHECK_KEEP_GOLDEN, BC_CHECK_PASS, "MRTD %.16s... allowed%s%s%s",
			bc_hex_encode(td->mrtd, 48, hex), judged ? "; TCB status " : "",
			judged ? bc_dcap_tcb_status_name(dr->status) : "", note);
}

void bc_keep_check_tdx(const bc_evidence *ev, const bc_verify_opts *o, bc_verify_result *res)
{
	bc_dcap_result dr = {0};
	bc_error err = {0};
	bool signed_ok = check_signature(ev, o, &dr, res);
	/* parsed again: a quote whose signature failed is still judged, and failed */
	if (bc_dcap_quote_parse(ev->keep_report, ev->keep_report_size, &dr.quote, &err) != BC_OK) {
		bc_keep_verdict(res, BC_CHECK_KEEP_BINDING, BC_CHECK_FAIL, "TDX quote: %s",
				bc_error_message(&err));
		bc_keep_verdict(res, BC_CHECK_KEEP_GOLDEN, BC_CHECK_FAIL, "no usable TDX quote");
		return;
	}
	if (dr.quote.tee_type != BC_DCAP_TEE_TDX ||
	    (dr.quote.body_type != BC_DCAP_BODY_TD10 && dr.quote.body_type != BC_DCAP_BODY_TD15)) {
		const char *why = "a quote of tdx_guest that is not a TD quote (an SGX body)";
		if (res->status[BC_CHECK_KEEP_SIGNATURE] == BC_CHECK_PASS)
			bc_keep_verdict(res, BC_CHECK_KEEP_SIGNATURE, BC_CHECK_FAIL, "%s", why);
		bc_keep_verdict(res, BC_CHECK_KEEP_BINDING, BC_CHECK_FAIL, "%s", why);
		bc_keep_verdict(res, BC_CHECK_KEEP_GOLDEN, BC_CHECK_FAIL, "%s", why);
		return;
	}
	check_binding(ev, o, &dr.quote.td, res);
	bc_keep_tdx_golden(ev, o, &dr.quote.td, signed_ok, &dr, res);
}
