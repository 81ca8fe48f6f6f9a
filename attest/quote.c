/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Quoting: one TPM2_Quote over a PCR selection with the AK, and the PCR values it
 * covers. The values are read after the quote and checked against the quote's digest;
 * a PCR extended in between (a boot script measuring a layer) makes it quote again.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <tss2/tss2_mu.h>

#include <bootchain/attest.h>
#include <bootchain/digest.h>
#include <bootchain/eventlog.h>

#include "attest/attest-internal.h"
#include "attest/keep-azure.h"
#include "attest/keep.h"
#include "attest/keys.h"
#include "attest/tpm-public.h"
#include "pcr/tpm-internal.h"
#include "util/cleanup.h"
#include "util/file.h"

#define QUOTE_ATTEMPTS	 3
#define DEFAULT_PCR_MASK 0x3ffu /* PCRs 0-9 */

DEFINE_TRIVIAL_CLEANUP_FUNC(bc_evidence *, bc_evidence_free)
DEFINE_TRIVIAL_CLEANUP_FUNC(bc_log *, bc_log_free)

static void esys_freep(void *p)
{
	Esys_Free(*(void **)p);
}

static bc_status default_selection(bc_tpm *tpm, bc_pcr_selection *out, bc_error *err)
{
	bc_pcr_selection banks;
	bc_status s = bc_tpm_allocated_banks(tpm, &banks, err);
	if (s == BC_OK)
		bc_pcr_selection_from_banks(&banks, DEFAULT_PCR_MASK, out);
	return s;
}

static bc_status store_quote(bc_evidence *ev, const TPM2B_ATTEST *attest, const TPMT_SIGNATURE *sig,
			     bc_error *err)
{
	uint8_t buf[sizeof(TPMT_SIGNATURE)];
	size_t len = 0;
	if (Tss2_MU_TPMT_SIGNATURE_Marshal(sig, buf, sizeof(buf), &len) != TSS2_RC_SUCCESS)
		return bc_fail(err, BC_E_TPM, "cannot marshal the quote's signature");
	free(ev->attest);
	free(ev->signature);
	ev->attest = malloc(attest->size);
	ev->signature = malloc(len);
	if (!ev->attest || !ev->signature)
		return bc_fail(err, BC_E_NOMEM, "out of memory");
	memcpy(ev->attest, attest->attestationData, attest->size);
	ev->attest_size = attest->size;
	memcpy(ev->signature, buf, len);
	ev->signature_size = len;
	return BC_OK;
}

/* What the TPM signs as extraData: the nonce, or its binding to a Keep report. */
typedef struct qualifier {
	uint8_t bytes[BC_NONCE_MAX];
	size_t size;
} qualifier;

static bc_status quote_once(bc_tpm *tpm, const bc_ak *ak, const bc_pcr_selection *sel,
			    const qualifier *q, bc_evidence *ev, bc_error *err)
{
	TPM2B_DATA qualifying = {.size = (UINT16)q->size};
	TPMT_SIG_SCHEME scheme = {.scheme = TPM2_ALG_NULL}; /* the AK's own scheme */
	TPML_PCR_SELECTION tpml;
	__attribute__((cleanup(esys_freep))) TPM2B_ATTEST *attest = NULL;
	__attribute__((cleanup(esys_freep))) TPMT_SIGNATURE *sig = NULL;
	memcpy(qualifying.buffer, q->bytes, q->size);
	bc_selection_to_tpml(sel, &tpml);
	TSS2_RC rc = Esys_Quote(bc_tpm_esys(tpm), ak->handle, ESYS_TR_PASSWORD, ESYS_TR_NONE,
				ESYS_TR_NONE, &qualifying, &scheme, &tpml, &attest, &sig);
	if (rc != TSS2_RC_SUCCESS)
		return bc_tpm_selection_fail(tpm, sel, rc, "TPM2_Quote", err);
	bc_status s = store_quote(ev, attest, sig, err);
	if (s == BC_OK)
		s = bc_tpm_pcr_read(tpm, sel, &ev->pcrs, err);
	return s;
}

/* Whether the log has a digest algorithm for every bank of sel; else BC_E_INVALID naming
 * the banks it lacks. */
static bc_status log_covers(const bc_log *log, const char *path, const bc_pcr_selection *sel,
			    bc_error *err)
{
	size_t count = 0, len = 0;
	const bc_log_alg *algs = bc_log_algorithms(log, &count);
	char missing[128] = "";
	for (size_t b = 0; b < sel->count; b++) {
		bool found = false;
		for (size_t a = 0; a < count && !found; a++)
			found = algs[a].alg == sel->banks[b].alg;
		if (found || !sel->banks[b].mask)
			continue;
		const char *name = bc_hash_alg_name(sel->banks[b].alg);
		int n = snprintf(missing + len, sizeof(missing) - len, "%s%s", len ? ", " : "",
				 name ? name : "an unknown bank");
		if (n > 0 && (size_t)n < sizeof(missing) - len)
			len += (size_t)n;
	}
	if (!len)
		return BC_OK;
	return bc_fail(err, BC_E_INVALID,
		       "%s: the event log has no digests of %s, which the quote covers: quote "
		       "the banks it has (--pcrs), or give no log",
		       path, missing);
}

/*
 * The event log at path, parsed to its last event, with digests of every bank of sel:
 * checked before the quote, so that a file that is no log, or a log of other banks, is
 * not quoted with; and read again after it, as it is then. *out (may be NULL) gets the
 * bytes.
 */
static bc_status read_log(const char *path, const bc_pcr_selection *sel, uint8_t **out,
			  size_t *size, bc_error *err)
{
	_cleanup_(bc_log_freep) bc_log *log = NULL;
	bc_log_iter it;
	bc_event event;
	bool done = false;
	size_t n = 0;
	bc_status s = bc_log_read_file(path, &log, err);
	if (s != BC_OK)
		return s;
	const uint8_t *bytes = bc_log_bytes(log, &n);
	if (n > BC_EVIDENCE_MAX_LOG)
		return bc_fail(err, BC_E_LIMIT, "%s: an event log of %zu bytes (at most %zu)", path,
			       n, BC_EVIDENCE_MAX_LOG);
	bc_log_iter_init(log, &it);
	while (s == BC_OK && !done)
		s = bc_log_next(&it, &event, &done, err);
	if (s == BC_OK)
		s = log_covers(log, path, sel, err);
	if (s != BC_OK || !out)
		return s;
	if (!(*out = malloc(n ? n : 1)))
		return bc_fail(err, BC_E_NOMEM, "out of memory");
	memcpy(*out, bytes, n);
	*size = n;
	return BC_OK;
}

static bc_status store_ak_public(const bc_ak *ak, bc_evidence *ev, bc_error *err)
{
	uint8_t buf[sizeof(TPM2B_PUBLIC)];
	size_t len = 0;
	bc_status s = bc_tpm_public_marshal(&ak->pub, buf, sizeof(buf), &len, err);
	if (s != BC_OK)
		return s;
	ev->ak_public = malloc(len);
	if (!ev->ak_public)
		return bc_fail(err, BC_E_NOMEM, "out of memory");
	memcpy(ev->ak_public, buf, len);
	ev->ak_public_size = len;
	return BC_OK;
}

/* Quote until the values read afterwards are the ones quoted. */
static bc_status quote_stable(bc_tpm *tpm, const bc_ak *ak, const qualifier *q, bc_evidence *ev,
			      bc_error *err)
{
	for (int attempt = 0; attempt < QUOTE_ATTEMPTS; attempt++) {
		bc_status s = quote_once(tpm, ak, &ev->selection, q, ev, err);
		if (s != BC_OK)
			return s;
		if (bc_quote_digest_matches(ev))
			return BC_OK;
	}
	return bc_fail(err, BC_E_TPM, "the PCRs changed during %d quotes in a row", QUOTE_ATTEMPTS);
}

/* The CC event log of a TDX guest: the log area of the ACPI CCEL table. */
#define CCEL_PATH "/sys/firmware/acpi/tables/data/CCEL"

/*
 * A TDX Keep's CC event log, which the verifier replays to the quote's RTMRs. Under a
 * tsm_root other than the kernel's (a simulated provider) it is that folder's file
 * CCEL. A TD whose firmware publishes none (no such file) sends no log: the verifier
 * then judges no RTMR by it.
 */
static bc_status keep_eventlog(const char *tsm_root, bc_evidence *ev, bc_error *err)
{
	_cleanup_free_ char *simulated = NULL;
	const char *path = CCEL_PATH;
	if (strcmp(ev->keep_provider, "tdx_guest") != 0)
		return BC_OK;
	if (tsm_root && strcmp(tsm_root, BC_TSM_REPORT_ROOT) != 0) {
		if (asprintf(&simulated, "%s/CCEL", tsm_root) < 0)
			return bc_fail(err, BC_E_NOMEM, "out of memory");
		path = simulated;
	}
	if (access(path, F_OK) < 0 && errno == ENOENT)
		return BC_OK;
	return bc_read_file(path, BC_EVIDENCE_MAX_LOG, &ev->keep_eventlog, &ev->keep_eventlog_size,
			    err);
}

/* The configfs-tsm report whose REPORT_DATA binds ev's nonce and the AK, and for TDX
 * the CC event log. */
static bc_status tsm_keep_report(const char *tsm_root, const uint8_t *ak_name, size_t ak_name_size,
				 bc_evidence *ev, bc_error *err)
{
	uint8_t report_data[64];
	bc_keep_report_data(ev->nonce, ev->nonce_size, ak_name, ak_name_size, report_data);
	bc_status s = bc_tsm_report(tsm_root, report_data, &ev->keep_report, &ev->keep_report_size,
				    ev->keep_provider, err);
	if (s == BC_OK)
		s = keep_eventlog(tsm_root, ev, err);
	return s;
}

/* The vTPM's HCL report when the TPM is an Azure confidential VM's (*found false when
 * it is not): its paravisor chose REPORT_DATA, which binds the vTPM's AK; the quote's
 * qualifying data binds the nonce and this report, as for the other Keeps. */
static bc_status azure_report(bc_tpm *tpm, bc_evidence *ev, bool *found, bc_error *err)
{
	bool exists = false;
	*found = false;
	bc_status s = bc_tpm_handle_exists(tpm, BC_AZURE_HCL_NV_INDEX, &exists, err);
	if (s != BC_OK || !exists)
		return s;
	s = bc_azure_hcl_read(tpm, &ev->keep_report, &ev->keep_report_size, err);
	if (s != BC_OK)
		return s;
	snprintf(ev->keep_provider, sizeof(ev->keep_provider), "azure_hcl");
	*found = true;
	return BC_OK;
}

bc_status bc_keep_gather(bc_tpm *tpm, const char *tsm_root, const uint8_t *ak_name,
			 size_t ak_name_size, bc_evidence *ev, bc_error *err)
{
	bool azure = false;
	bc_status s = tsm_root ? BC_OK : azure_report(tpm, ev, &azure, err);
	if (s != BC_OK || azure)
		return s;
	return tsm_keep_report(tsm_root, ak_name, ak_name_size, ev, err);
}

/* For an Azure TDX HCL report, whose TDREPORT is not signed: its TD quote, from the
 * quoting service at tdquote_url (NULL: Azure's). */
static bc_status azure_td_quote(const char *tdquote_url, bc_evidence *ev, bc_error *err)
{
	bc_azure_hcl h;
	if (strcmp(ev->keep_provider, "azure_hcl") != 0)
		return BC_OK;
	bc_status s = bc_azure_hcl_parse(ev->keep_report, ev->keep_report_size, &h, err);
	if (s != BC_OK || h.report_type != BC_AZURE_HCL_REPORT_TYPE_TDX)
		return s;
	free(ev->keep_quote);
	ev->keep_quote = NULL;
	return bc_azure_td_quote(tdquote_url, ev->keep_report, ev->keep_report_size,
				 &ev->keep_quote, &ev->keep_quote_size, err);
}

/* The Keep report for this nonce and AK (and its TD quote), and the quote's qualifying
 * data bound to it. */
static bc_status any_keep_report(bc_tpm *tpm, const char *tsm_root, const char *tdquote_url,
				 const bc_ak *ak, bc_evidence *ev, qualifier *q, bc_error *err)
{
	bc_status s = bc_keep_gather(tpm, tsm_root, ak->name.name, ak->name.size, ev, err);
	if (s == BC_OK)
		s = azure_td_quote(tdquote_url, ev, err);
	if (s != BC_OK)
		return s;
	bc_keep_qualifying_data(ev->nonce, ev->nonce_size, ev->keep_report, ev->keep_report_size,
				q->bytes);
	q->size = 32;
	return BC_OK;
}

static bc_status quote(bc_tpm *tpm, const char *ak_spec, const uint8_t *nonce, size_t nonce_size,
		       const bc_pcr_selection *sel, const char *log_path, bool keep,
		       const char *tsm_root, const char *tdquote_url, bc_evidence **out,
		       bc_error *err)
{
	_cleanup_(bc_evidence_freep) bc_evidence *ev = calloc(1, sizeof(*ev));
	bc_ak ak = {.handle = ESYS_TR_NONE};
	qualifier q = {.size = nonce_size};
	if (!ev)
		return bc_fail(err, BC_E_NOMEM, "out of memory");
	if (nonce_size == 0 || nonce_size > BC_NONCE_MAX)
		return bc_fail(err, BC_E_INVALID, "a nonce of %zu bytes: 1 to %d", nonce_size,
			       BC_NONCE_MAX);
	memcpy(ev->nonce, nonce, nonce_size);
	memcpy(q.bytes, nonce, nonce_size);
	ev->nonce_size = nonce_size;
	bc_status s = sel ? BC_OK : default_selection(tpm, &ev->selection, err);
	if (sel)
		ev->selection = *sel;
	if (s == BC_OK && log_path)
		s = read_log(log_path, &ev->selection, NULL, NULL, err);
	if (s == BC_OK)
		s = bc_ak_open(tpm, ak_spec, &ak, err);
	if (s != BC_OK)
		return s;
	if (keep)
		s = any_keep_report(tpm, tsm_root, tdquote_url, &ak, ev, &q, err);
	if (s == BC_OK)
		s = quote_stable(tpm, &ak, &q, ev, err);
	if (s == BC_OK)
		s = store_ak_public(&ak, ev, err);
	bc_ak_close(tpm, &ak);
	if (s == BC_OK && log_path)
		s = read_log(log_path, &ev->selection, &ev->eventlog, &ev->eventlog_size, err);
	if (s != BC_OK)
		return s;
	*out = TAKE_PTR(ev);
	return BC_OK;
}

bc_status bc_evidence_quote(bc_tpm *tpm, const char *ak_spec, const uint8_t *nonce,
			    size_t nonce_size, const bc_pcr_selection *sel, const char *log_path,
			    bc_evidence **out, bc_error *err)
{
	return quote(tpm, ak_spec, nonce, nonce_size, sel, log_path, false, NULL, NULL, out, err);
}

bc_status bc_evidence_quote_keep(bc_tpm *tpm, const char *ak_spec, const uint8_t *nonce,
				 size_t nonce_size, const bc_pcr_selection *sel,
				 const char *log_path, const char *tsm_root,
				 const char *tdquote_url, bc_evidence **out, bc_error *err)
{
	return quote(tpm, ak_spec, nonce, nonce_size, sel, log_path, true, tsm_root, tdquote_url,
		     out, err);
}
