/* SPDX-License-Identifier: BSD-3-Clause */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <tss2/tss2_esys.h>
#include <tss2/tss2_rc.h>
#include <tss2/tss2_tctildr.h>

#include <bootchain/tpm.h>

#include "pcr/tpm-internal.h"
#include "util/cleanup.h"

#define MAX_TRACKED 16

struct bc_tpm {
	TSS2_TCTI_CONTEXT *tcti;
	ESYS_CONTEXT *esys;
	char *tcti_conf; /* NULL for the tss2 default */
	size_t tracked_count;
	ESYS_TR tracked[MAX_TRACKED];
};

static const char *tcti_label(const char *conf)
{
	return conf ? conf : "default (/dev/tpmrm0, then tabrmd)";
}

const char *bc_tpm_tcti(const bc_tpm *tpm)
{
	return tcti_label(tpm->tcti_conf);
}

ESYS_CONTEXT *bc_tpm_esys(bc_tpm *tpm)
{
	return tpm->esys;
}

static bool rc_is_transport(TSS2_RC rc)
{
	TSS2_RC layer = rc & TSS2_RC_LAYER_MASK;
	TSS2_RC base = rc & ~TSS2_RC_LAYER_MASK;
	if (layer == TSS2_TCTI_RC_LAYER)
		return true;
	/* ESAPI and SAPI report a dead connection with these base codes of their layer */
	return (layer == TSS2_ESAPI_RC_LAYER || layer == TSS2_SYS_RC_LAYER) &&
	       (base == TSS2_BASE_RC_IO_ERROR || base == TSS2_BASE_RC_NO_CONNECTION ||
		base == TSS2_BASE_RC_TRY_AGAIN);
}

bc_status bc_tpm_fail(bc_tpm *tpm, bc_error *err, TSS2_RC rc, const char *what)
{
	bool transport = rc_is_transport(rc);
	bc_status s = bc_fail(err, transport ? BC_E_TCTI : BC_E_TPM, "%s: %s (TCTI %s)", what,
			      Tss2_RC_Decode(rc), bc_tpm_tcti(tpm));
	if (err)
		err->tss_rc = rc;
	return s;
}

void bc_tpm_close(bc_tpm *tpm)
{
	if (!tpm)
		return;
	while (tpm->tracked_count > 0)
		bc_tpm_flush(tpm, tpm->tracked[tpm->tracked_count - 1]);
	if (tpm->esys)
		Esys_Finalize(&tpm->esys);
	if (tpm->tcti)
		Tss2_TctiLdr_Finalize(&tpm->tcti);
	free(tpm->tcti_conf);
	free(tpm);
}
DEFINE_TRIVIAL_CLEANUP_FUNC(bc_tpm *, bc_tpm_close)

bc_status bc_tpm_open(const char *tcti, bc_tpm **out, bc_error *err)
{
	_cleanup_(bc_tpm_closep) bc_tpm *tpm = calloc(1, sizeof(*tpm));
	if (!tpm)
		return bc_fail(err, BC_E_NOMEM, "out of memory");
	if (tcti && !(tpm->tcti_conf = strdup(tcti)))
		return bc_fail(err, BC_E_NOMEM, "out of memory");
	TSS2_RC rc = Tss2_TctiLdr_Initialize(tcti, &tpm->tcti);
	if (rc != TSS2_RC_SUCCESS) {
		bc_fail(err, BC_E_TCTI, "cannot connect to the TPM through TCTI %s: %s",
			tcti_label(tcti), Tss2_RC_Decode(rc));
		if (err)
			err->tss_rc = rc;
		return BC_E_TCTI;
	}
	rc = Esys_Initialize(&tpm->esys, tpm->tcti, NULL);
	if (rc != TSS2_RC_SUCCESS)
		return bc_tpm_fail(tpm, err, rc, "cannot start an ESAPI context");
	*out = TAKE_PTR(tpm);
	return BC_OK;
}

bc_status bc_tpm_track(bc_tpm *tpm, ESYS_TR handle, bc_error *err)
{
	if (tpm->tracked_count >= MAX_TRACKED) {
		Esys_FlushContext(tpm->esys, handle);
		return bc_fail(err, BC_E_LIMIT, "more than %d transient TPM objects at once",
			       MAX_TRACKED);
	}
	tpm->tracked[tpm->tracked_count++] = handle;
	return BC_OK;
}

void bc_tpm_flush(bc_tpm *tpm, ESYS_TR handle)
{
	for (size_t i = 0; i < tpm->tracked_count; i++) {
		if (tpm->tracked[i] != handle)
			continue;
		memmove(&tpm->tracked[i], &tpm->tracked[i + 1],
			(tpm->tracked_count - i - 1) * sizeof(tpm->tracked[0]));
		tpm->tracked_count--;
		break;
	}
	Esys_FlushContext(tpm->esys, handle);
}

bc_status bc_tpm_allocated_banks(bc_tpm *tpm, bc_pcr_selection *out, bc_error *err)
{
	TPMS_CAPABILITY_DATA *cap = NULL;
	TPMI_YES_NO more = TPM2_NO;
	TSS2_RC rc = Esys_GetCapability(tpm->esys, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE,
					TPM2_CAP_PCRS, 0, 1, &more, &cap);
	if (rc != TSS2_RC_SUCCESS)
		return bc_tpm_fail(tpm, err, rc, "cannot read the allocated PCR banks");
	bc_pcr_selection sel = {0};
	const TPML_PCR_SELECTION *assigned = &cap->data.assignedPCR;
	for (UINT32 i = 0; i < assigned->count && i < TPM2_NUM_PCR_BANKS; i++) {
		const TPMS_PCR_SELECTION *s = &assigned->pcrSelections[i];
		uint32_t mask = 0;
		for (unsigned b = 0; b < s->sizeofSelect && b < 3; b++)
			mask |= (uint32_t)s->pcrSelect[b] << (8 * b);
		/* A bank with no PCRs is not allocated; one we cannot hash is of no use. */
		if (mask && bc_hash_alg_by_id(s->hash))
			bc_pcr_selection_add(&sel, s->hash, mask, NULL);
	}
	Esys_Free(cap);
	*out = sel;
	return BC_OK;
}

void bc_selection_to_tpml(const bc_pcr_selection *sel, TPML_PCR_SELECTION *out)
{
	*out = (TPML_PCR_SELECTION){0};
	for (size_t i = 0; i < sel->count; i++) {
		if (!sel->banks[i].mask)
			continue;
		TPMS_PCR_SELECTION *s = &out->pcrSelections[out->count++];
		s->hash = sel->banks[i].alg;
		s->sizeofSelect = 3;
		for (unsigned b = 0; b < 3; b++)
			s->pcrSelect[b] = (uint8_t)(sel->banks[i].mask >> (8 * b));
	}
}

/* Store the values one TPM2_PCR_Read returned; clears them from remaining. */
static bc_status store_read_values(const TPML_PCR_SELECTION *got, const TPML_DIGEST *digests,
				   bc_pcr_selection *remaining, bc_pcr_values *out, size_t *stored,
				   bc_error *err)
{
	UINT32 k = 0;
	*stored = 0;
	for (UINT32 i = 0; i < got->count; i++) {
		const TPMS_PCR_SELECTION *s = &got->pcrSelections[i];
		bc_pcr_bank *bank;
		for (unsigned pcr = 0; pcr < BC_PCR_COUNT && pcr / 8 < s->sizeofSelect; pcr++) {
			if (!(s->pcrSelect[pcr / 8] & (1u << (pcr % 8))))
				continue;
			if (k >= digests->count)
				return bc_fail(err, BC_E_FORMAT,
					       "TPM2_PCR_Read returned fewer digests than PCRs");
			bc_status st = bc_pcr_values_add_bank(out, s->hash, &bank, err);
			if (st != BC_OK)
				return st;
			if (digests->digests[k].size != bank->size)
				return bc_fail(err, BC_E_FORMAT,
					       "TPM2_PCR_Read returned a %u-byte %s digest",
					       digests->digests[k].size, bc_hash_alg_name(s->hash));
			memcpy(bank->values[pcr], digests->digests[k].buffer, bank->size);
			bank->mask |= 1u << pcr;
			for (size_t r = 0; r < remaining->count; r++)
				if (remaining->banks[r].alg == s->hash)
					remaining->banks[r].mask &= ~(1u << pcr);
			k++;
			(*stored)++;
		}
	}
	return BC_OK;
}

static bool selection_empty(const bc_pcr_selection *sel)
{
	for (size_t i = 0; i < sel->count; i++)
		if (sel->banks[i].mask)
			return false;
	return true;
}

/* A TPM answers a selection of a bank it does not know with an error (TPM_RC_HASH):
 * that is a request this TPM cannot serve, not a failure to reach it. Looked at only
 * after the command failed, so that a good one costs no second command. */
bc_status bc_tpm_selection_fail(bc_tpm *tpm, const bc_pcr_selection *want, TSS2_RC rc,
				const char *what, bc_error *err)
{
	bc_pcr_selection banks;
	bc_error ignored = {0};
	char names[256];
	if (bc_tpm_allocated_banks(tpm, &banks, &ignored) == BC_OK) {
		for (size_t i = 0; i < want->count; i++) {
			if (!want->banks[i].mask ||
			    bc_pcr_selection_mask(&banks, want->banks[i].alg))
				continue;
			const char *name = bc_hash_alg_name(want->banks[i].alg);
			bc_pcr_selection_format(&banks, names, sizeof(names));
			return bc_fail(err, BC_E_INVALID,
				       "the TPM has no %s bank (it has %s; TCTI %s)",
				       name ? name : "such", names, bc_tpm_tcti(tpm));
		}
	}
	return bc_tpm_fail(tpm, err, rc, what);
}

bc_status bc_tpm_pcr_read(bc_tpm *tpm, const bc_pcr_selection *sel, bc_pcr_values *out,
			  bc_error *err)
{
	bc_pcr_selection remaining = *sel;
	*out = (bc_pcr_values){0};
	while (!selection_empty(&remaining)) {
		TPML_PCR_SELECTION want;
		TPML_PCR_SELECTION *got = NULL;
		TPML_DIGEST *digests = NULL;
		UINT32 counter;
		bc_selection_to_tpml(&remaining, &want);
		TSS2_RC rc = Esys_PCR_Read(tpm->esys, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE,
					   &want, &counter, &got, &digests);
		if (rc != TSS2_RC_SUCCESS)
			return bc_tpm_selection_fail(tpm, &remaining, rc, "TPM2_PCR_Read failed",
						     err);
		size_t stored;
		bc_status s = store_read_values(got, digests, &remaining, out, &stored, err);
		Esys_Free(got);
		Esys_Free(digests);
		if (s != BC_OK)
			return s;
		if (stored == 0) {
			/* The TPM returns nothing for banks it has not allocated. */
			char text[256];
			bc_pcr_selection_format(&remaining, text, sizeof(text));
			return bc_fail(err, BC_E_NOTFOUND,
				       "the TPM returned no values for %s: is the bank allocated? "
				       "(TCTI %s)",
				       text, bc_tpm_tcti(tpm));
		}
	}
	bc_pcr_values_sort(out);
	return BC_OK;
}

/* "sha256, sha384": the banks of sel, for messages. */
static void bank_names(const bc_pcr_selection *sel, char *out, size_t size)
{
	size_t len = 0;
	out[0] = 0;
	for (size_t i = 0; i < sel->count && len < size; i++) {
		const char *name = bc_hash_alg_name(sel->banks[i].alg);
		int n = snprintf(out + len, size - len, "%s%s", i ? ", " : "", name ? name : "?");
		len += n > 0 ? (size_t)n : 0;
	}
	if (sel->count == 0)
		snprintf(out, size, "none");
}

/* The TPM ignores a digest for a bank it has not allocated (TPM 2.0 Part 3, 22.2): a
 * caller would believe a PCR extended that was not. Refuse such a digest instead. */
static bc_status check_banks(bc_tpm *tpm, unsigned pcr, const bc_digest_set *digests, bc_error *err)
{
	bc_pcr_selection banks;
	char names[128];
	bc_status s = bc_tpm_allocated_banks(tpm, &banks, err);
	if (s != BC_OK)
		return s;
	for (size_t i = 0; i < digests->count; i++) {
		uint16_t alg = digests->digests[i].alg;
		if (bc_pcr_selection_mask(&banks, alg) & (1u << pcr))
			continue;
		const char *name = bc_hash_alg_name(alg);
		bank_names(&banks, names, sizeof(names));
		return bc_fail(
		    err, BC_E_INVALID,
		    "the TPM has no %s bank with PCR %u (its banks: %s): nothing extended",
		    name ? name : "such", pcr, names);
	}
	return BC_OK;
}

bc_status bc_tpm_pcr_extend(bc_tpm *tpm, unsigned pcr, const bc_digest_set *digests, bc_error *err)
{
	if (pcr >= BC_PCR_COUNT)
		return bc_fail(err, BC_E_INVALID, "PCR %u is out of range (0-%d)", pcr,
			       BC_PCR_COUNT - 1);
	if (digests->count == 0 || digests->count > TPM2_NUM_PCR_BANKS)
		return bc_fail(err, BC_E_INVALID, "extend needs 1 to %d digests",
			       TPM2_NUM_PCR_BANKS);
	TPML_DIGEST_VALUES values = {.count = (UINT32)digests->count};
	for (size_t i = 0; i < digests->count; i++) {
		const bc_digest *d = &digests->digests[i];
		const bc_hash_alg *alg = bc_hash_alg_by_id(d->alg);
		if (!alg || d->size != alg->size || d->size > sizeof(values.digests[i].digest))
			return bc_fail(err, BC_E_INVALID, "bad digest for algorithm 0x%04x",
				       d->alg);
		values.digests[i].hashAlg = d->alg;
		memcpy(&values.digests[i].digest, d->bytes, d->size);
	}
	bc_status s = check_banks(tpm, pcr, digests, err);
	if (s != BC_OK)
		return s;
	TSS2_RC rc = Esys_PCR_Extend(tpm->esys, ESYS_TR_PCR0 + pcr, ESYS_TR_PASSWORD, ESYS_TR_NONE,
				     ESYS_TR_NONE, &values);
	if (rc != TSS2_RC_SUCCESS) {
		char what[64];
		snprintf(what, sizeof(what), "TPM2_PCR_Extend of PCR %u failed", pcr);
		return bc_tpm_fail(tpm, err, rc, what);
	}
	return BC_OK;
}

static bc_status count_handles(bc_tpm *tpm, TPM2_HANDLE first, unsigned *count, bc_error *err)
{
	TPMS_CAPABILITY_DATA *cap = NULL;
	TPMI_YES_NO more = TPM2_NO;
	TSS2_RC rc = Esys_GetCapability(tpm->esys, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE,
					TPM2_CAP_HANDLES, first, TPM2_MAX_CAP_HANDLES, &more, &cap);
	if (rc != TSS2_RC_SUCCESS)
		return bc_tpm_fail(tpm, err, rc, "cannot list TPM handles");
	*count = 0;
	for (UINT32 i = 0; i < cap->data.handles.count; i++)
		if ((cap->data.handles.handle[i] & TPM2_HR_RANGE_MASK) ==
		    (first & TPM2_HR_RANGE_MASK))
			(*count)++;
	Esys_Free(cap);
	return BC_OK;
}

bc_status bc_tpm_handle_exists(bc_tpm *tpm, TPM2_HANDLE handle, bool *exists, bc_error *err)
{
	TPMS_CAPABILITY_DATA *cap = NULL;
	TPMI_YES_NO more = TPM2_NO;
	TSS2_RC rc = Esys_GetCapability(tpm->esys, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE,
					TPM2_CAP_HANDLES, handle, 1, &more, &cap);
	if (rc != TSS2_RC_SUCCESS)
		return bc_tpm_fail(tpm, err, rc, "cannot list TPM handles");
	*exists = cap->data.handles.count > 0 && cap->data.handles.handle[0] == handle;
	Esys_Free(cap);
	return BC_OK;
}

bc_status bc_tpm_count_transients(bc_tpm *tpm, unsigned *objects, unsigned *sessions, bc_error *err)
{
	bc_status s = count_handles(tpm, TPM2_TRANSIENT_FIRST, objects, err);
	if (s != BC_OK)
		return s;
	return count_handles(tpm, TPM2_LOADED_SESSION_FIRST, sessions, err);
}
