/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Sealing a secret to a policy and unsealing it (bootchain/seal.h).
 *
 * The parent is the persistent SRK at 0x81000001 when the TPM has a storage key there,
 * else a transient primary created from the SRK template of the TCG TPM v2.0
 * Provisioning Guidance (ECC NIST P-256, AES-128-CFB, restricted decrypt, noDA, unique
 * empty): `tpm2_createprimary -C o -g sha256 -G ecc -a
 * "fixedtpm|fixedparent|sensitivedataorigin|userwithauth|noda|restricted|decrypt"`. The
 * TPM derives it again, the same key, at each unseal as long as the owner seed is not
 * changed (TPM2_Clear). The sealed file records which, and the parent's name, so that
 * unseal tells "another parent" from "another policy".
 *
 * Both the parent and the sealed object are noDA: an unseal refused after a halt is a
 * policy failure, and on an object under dictionary-attack protection it would count
 * as a failed guess; a few bad boots (each one also a shutdown without TPM2_Shutdown)
 * would lock the TPM out for every DA-protected key of the machine. A policy of PCR
 * values and signatures cannot be guessed, so the protection buys nothing here.
 *
 * The sessions that carry the secret (TPM2_Create's inSensitive, TPM2_Unseal's outData)
 * are salted with the parent and encrypt it with AES-128-CFB: the disk key never
 * crosses the bus between CPU and TPM in clear.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <tss2/tss2_esys.h>
#include <tss2/tss2_mu.h>
#include <tss2/tss2_rc.h>

#include <bootchain/seal.h>

#include "pcr/tpm-internal.h"
#include "seal/policy-internal.h"
#include "util/base64.h"
#include "util/buf.h"
#include "util/cleanup.h"
#include "util/file.h"
#include "util/hex.h"
#include "util/json-read.h"
#include "util/json.h"

/* A sealed file is a few kilobytes; with 512 branches of 24 PCRs, some 800 KiB. */
#define SEALED_FILE_MAX ((size_t)4 << 20)
#define PARENT_TEMPLATE "srk-ecc-p256"

static void esys_freep(void *p)
{
	Esys_Free(*(void **)p);
}
#define _cleanup_esys_ _cleanup_(esys_freep)

DEFINE_TRIVIAL_CLEANUP_FUNC(bc_sealed *, bc_sealed_free)

static void wipe_sensitive(TPM2B_SENSITIVE_CREATE *s)
{
	explicit_bzero(s, sizeof(*s));
}

static void wipe_data(TPM2B_SENSITIVE_DATA **d)
{
	if (*d) {
		explicit_bzero(*d, sizeof(**d));
		Esys_Free(*d);
	}
}

void bc_sealed_free(bc_sealed *s)
{
	if (!s)
		return;
	free(s->branches);
	free(s);
}

/* ---- TPM answers worth naming ---- */

/* The TPM_RC_ name of the refusals an unseal meets, without the parameter, handle or
 * session number of format-one codes; NULL for any other. */
static const char *refusal_name(TSS2_RC rc)
{
	static const struct {
		TSS2_RC rc;
		const char *name;
	} names[] = {
	    {TPM2_RC_POLICY_FAIL, "TPM_RC_POLICY_FAIL"},
	    {TPM2_RC_VALUE, "TPM_RC_VALUE"},
	    {TPM2_RC_SIGNATURE, "TPM_RC_SIGNATURE"},
	    {TPM2_RC_PCR_CHANGED, "TPM_RC_PCR_CHANGED"},
	    {TPM2_RC_POLICY, "TPM_RC_POLICY"},
	    {TPM2_RC_TICKET, "TPM_RC_TICKET"},
	    {TPM2_RC_AUTH_FAIL, "TPM_RC_AUTH_FAIL"},
	    {TPM2_RC_BAD_AUTH, "TPM_RC_BAD_AUTH"},
	    {TPM2_RC_PCR, "TPM_RC_PCR"},
	};
	if (rc & TSS2_RC_LAYER_MASK)
		return NULL; /* not the TPM's answer */
	TSS2_RC code = rc & TPM2_RC_FMT1 ? rc & (TPM2_RC_FMT1 | 0x3f) : rc;
	for (size_t i = 0; i < ELEMENTSOF(names); i++)
		if (names[i].rc == code)
			return names[i].name;
	return NULL;
}

/* A failed policy or unseal command: BC_E_MISMATCH when the TPM refused the policy
 * (named), else as bc_tpm_fail. */
static bc_status policy_fail(bc_tpm *tpm, bc_error *err, TSS2_RC rc, const char *what)
{
	const char *name = refusal_name(rc);
	if (!name)
		return bc_tpm_fail(tpm, err, rc, what);
	bc_fail(err, BC_E_MISMATCH, "%s: the TPM refused: %s (%s)", what, name, Tss2_RC_Decode(rc));
	if (err)
		err->tss_rc = rc;
	return BC_E_MISMATCH;
}

/* ---- the parent ---- */

typedef struct parent {
	ESYS_TR handle;
	uint32_t persistent; /* its handle, or 0 for the transient primary */
	uint8_t name[BC_POLICY_KEY_NAME_MAX];
	size_t name_size;
} parent;

/* The SRK template of the TCG provisioning guidance (ECC NIST P-256). */
static void srk_template(TPM2B_PUBLIC *out)
{
	*out = (TPM2B_PUBLIC){.size = 0};
	TPMT_PUBLIC *p = &out->publicArea;
	p->type = TPM2_ALG_ECC;
	p->nameAlg = TPM2_ALG_SHA256;
	p->objectAttributes = TPMA_OBJECT_FIXEDTPM | TPMA_OBJECT_FIXEDPARENT |
			      TPMA_OBJECT_SENSITIVEDATAORIGIN | TPMA_OBJECT_USERWITHAUTH |
			      TPMA_OBJECT_NODA | TPMA_OBJECT_RESTRICTED | TPMA_OBJECT_DECRYPT;
	p->parameters.eccDetail.symmetric.algorithm = TPM2_ALG_AES;
	p->parameters.eccDetail.symmetric.keyBits.aes = 128;
	p->parameters.eccDetail.symmetric.mode.aes = TPM2_ALG_CFB;
	p->parameters.eccDetail.scheme.scheme = TPM2_ALG_NULL;
	p->parameters.eccDetail.curveID = TPM2_ECC_NIST_P256;
	p->parameters.eccDetail.kdf.scheme = TPM2_ALG_NULL;
}

static bc_status store_name(bc_tpm *tpm, ESYS_TR handle, uint8_t *name, size_t *size, bc_error *err)
{
	_cleanup_esys_ TPM2B_NAME *n = NULL;
	TSS2_RC rc = Esys_TR_GetName(bc_tpm_esys(tpm), handle, &n);
	if (rc != TSS2_RC_SUCCESS)
		return bc_tpm_fail(tpm, err, rc, "cannot get the name of a TPM object");
	if (n->size > BC_POLICY_KEY_NAME_MAX)
		return bc_fail(err, BC_E_FORMAT, "a TPM object name of %u bytes", n->size);
	memcpy(name, n->name, n->size);
	*size = n->size;
	return BC_OK;
}

/* The persistent key at handle, when it is a storage key (restricted decrypt). */
static bc_status open_persistent(bc_tpm *tpm, uint32_t handle, parent *out, bool *usable,
				 bc_error *err)
{
	ESYS_CONTEXT *esys = bc_tpm_esys(tpm);
	ESYS_TR tr = ESYS_TR_NONE;
	_cleanup_esys_ TPM2B_PUBLIC *pub = NULL;
	*usable = false;
	TSS2_RC rc =
	    Esys_TR_FromTPMPublic(esys, handle, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, &tr);
	if (rc == TSS2_RC_SUCCESS)
		rc = Esys_ReadPublic(esys, tr, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, &pub, NULL,
				     NULL);
	if (rc != TSS2_RC_SUCCESS) {
		if (tr != ESYS_TR_NONE)
			Esys_TR_Close(esys, &tr);
		char what[64];
		snprintf(what, sizeof(what), "cannot read the key at 0x%08x", handle);
		return bc_tpm_fail(tpm, err, rc, what);
	}
	TPMA_OBJECT want = TPMA_OBJECT_RESTRICTED | TPMA_OBJECT_DECRYPT;
	if ((pub->publicArea.objectAttributes & (want | TPMA_OBJECT_SIGN_ENCRYPT)) != want) {
		Esys_TR_Close(esys, &tr);
		return BC_OK;
	}
	bc_status s = store_name(tpm, tr, out->name, &out->name_size, err);
	if (s != BC_OK) {
		Esys_TR_Close(esys, &tr);
		return s;
	}
	out->handle = tr;
	out->persistent = handle;
	*usable = true;
	return BC_OK;
}

static bc_status create_primary(bc_tpm *tpm, parent *out, bc_error *err)
{
	TPM2B_SENSITIVE_CREATE sensitive = {.size = 0};
	TPM2B_DATA outside = {.size = 0};
	TPML_PCR_SELECTION pcrs = {.count = 0};
	TPM2B_PUBLIC tmpl;
	_cleanup_esys_ TPM2B_PUBLIC *pub = NULL;
	_cleanup_esys_ TPM2B_CREATION_DATA *creation = NULL;
	_cleanup_esys_ TPM2B_DIGEST *creation_hash = NULL;
	_cleanup_esys_ TPMT_TK_CREATION *ticket = NULL;
	ESYS_TR tr = ESYS_TR_NONE;
	srk_template(&tmpl);
	TSS2_RC rc = Esys_CreatePrimary(bc_tpm_esys(tpm), ESYS_TR_RH_OWNER, ESYS_TR_PASSWORD,
					ESYS_TR_NONE, ESYS_TR_NONE, &sensitive, &tmpl, &outside,
					&pcrs, &tr, &pub, &creation, &creation_hash, &ticket);
	if (rc != TSS2_RC_SUCCESS)
		return bc_tpm_fail(tpm, err, rc,
				   "TPM2_CreatePrimary of the storage key failed (is the owner "
				   "hierarchy's auth value set?)");
	bc_status s = bc_tpm_track(tpm, tr, err);
	if (s != BC_OK)
		return s;
	out->handle = tr;
	out->persistent = 0;
	return store_name(tpm, tr, out->name, &out->name_size, err);
}

static void close_parent(bc_tpm *tpm, parent *p)
{
	if (p->handle == ESYS_TR_NONE)
		return;
	if (p->persistent)
		Esys_TR_Close(bc_tpm_esys(tpm), &p->handle);
	else
		bc_tpm_flush(tpm, p->handle);
	p->handle = ESYS_TR_NONE;
}

/* For sealing: the persistent SRK when there is a storage key at its handle, else the
 * transient primary. */
static bc_status open_seal_parent(bc_tpm *tpm, parent *out, bc_error *err)
{
	bool exists = false, usable = false;
	*out = (parent){.handle = ESYS_TR_NONE};
	bc_status s = bc_tpm_handle_exists(tpm, BC_SEAL_SRK_HANDLE, &exists, err);
	if (s == BC_OK && exists)
		s = open_persistent(tpm, BC_SEAL_SRK_HANDLE, out, &usable, err);
	if (s != BC_OK || usable)
		return s;
	return create_primary(tpm, out, err);
}

/* For unsealing: the parent the sealed file names, which must have its name. */
static bc_status open_unseal_parent(bc_tpm *tpm, const bc_sealed *s, parent *out, bc_error *err)
{
	bool exists = false, usable = false;
	bc_status st;
	*out = (parent){.handle = ESYS_TR_NONE};
	if (s->parent_handle) {
		if ((st = bc_tpm_handle_exists(tpm, s->parent_handle, &exists, err)) != BC_OK)
			return st;
		if (exists &&
		    (st = open_persistent(tpm, s->parent_handle, out, &usable, err)) != BC_OK)
			return st;
		if (!usable)
			return bc_fail(err, BC_E_TPM,
				       "the TPM has no storage key at 0x%08x, the parent the "
				       "secret was sealed under (TCTI %s)",
				       s->parent_handle, bc_tpm_tcti(tpm));
	} else if ((st = create_primary(tpm, out, err)) != BC_OK) {
		return st;
	}
	if (out->name_size != s->parent_name_size ||
	    memcmp(out->name, s->parent_name, out->name_size) != 0) {
		close_parent(tpm, out);
		return bc_fail(err, BC_E_TPM,
			       "the storage key of this TPM is not the parent the secret was "
			       "sealed under (another TPM, or its owner hierarchy was cleared: "
			       "the secret is lost; TCTI %s)",
			       bc_tpm_tcti(tpm));
	}
	return BC_OK;
}

/* A session salted with the parent whose AES-128-CFB encrypts the first parameter of
 * a command (attrs TPMA_SESSION_DECRYPT) or of its response (TPMA_SESSION_ENCRYPT). */
static bc_status start_session(bc_tpm *tpm, ESYS_TR salt_key, TPM2_SE type, TPMA_SESSION attrs,
			       ESYS_TR *out, bc_error *err)
{
	ESYS_CONTEXT *esys = bc_tpm_esys(tpm);
	TPMT_SYM_DEF symmetric = {
	    .algorithm = TPM2_ALG_AES, .keyBits = {.aes = 128}, .mode = {.aes = TPM2_ALG_CFB}};
	ESYS_TR tr = ESYS_TR_NONE;
	TSS2_RC rc =
	    Esys_StartAuthSession(esys, salt_key, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE,
				  ESYS_TR_NONE, NULL, type, &symmetric, TPM2_ALG_SHA256, &tr);
	if (rc != TSS2_RC_SUCCESS)
		return bc_tpm_fail(tpm, err, rc, "cannot start a TPM session");
	bc_status s = bc_tpm_track(tpm, tr, err);
	if (s != BC_OK)
		return s;
	rc = Esys_TRSess_SetAttributes(esys, tr, attrs | TPMA_SESSION_CONTINUESESSION, 0xff);
	if (rc != TSS2_RC_SUCCESS) {
		bc_tpm_flush(tpm, tr);
		return bc_tpm_fail(tpm, err, rc, "cannot set the attributes of a TPM session");
	}
	*out = tr;
	return BC_OK;
}

/* ---- branches ---- */

static size_t pcr_count(uint32_t mask)
{
	size_t n = 0;
	for (; mask; mask &= mask - 1)
		n++;
	return n;
}

/* sel must be one bank with at least one PCR, of an algorithm we know. */
static bc_status check_one_bank(const bc_pcr_selection *sel, const char *what, bc_error *err)
{
	size_t banks = 0;
	for (size_t i = 0; i < sel->count; i++)
		if (sel->banks[i].mask)
			banks++;
	if (banks != 1)
		return bc_fail(err, BC_E_INVALID,
			       "%s: select the PCRs of exactly one bank (e.g. sha256:0,2,4,7), "
			       "not %zu",
			       what, banks);
	return BC_OK;
}

static const bc_pcr_bank_selection *the_bank(const bc_pcr_selection *sel)
{
	for (size_t i = 0; i < sel->count; i++)
		if (sel->banks[i].mask)
			return &sel->banks[i];
	return NULL;
}

bc_status bc_seal_current_branch(bc_tpm *tpm, const bc_pcr_selection *sel, bc_policy_branch *out,
				 bc_error *err)
{
	bc_pcr_values values;
	bc_status s = check_one_bank(sel, "PCR selection", err);
	if (s != BC_OK || (s = bc_tpm_pcr_read(tpm, sel, &values, err)) != BC_OK)
		return s;
	const bc_pcr_bank_selection *want = the_bank(sel);
	bc_pcr_bank *bank = bc_pcr_values_bank(&values, want->alg);
	if (!bank || (bank->mask & want->mask) != want->mask)
		return bc_fail(err, BC_E_NOTFOUND, "the TPM did not return every selected PCR");
	*out = (bc_policy_branch){0};
	bc_pcr_selection_add(&out->sel, want->alg, want->mask, NULL);
	for (unsigned pcr = 0; pcr < BC_PCR_COUNT; pcr++) {
		if (!(want->mask & (1u << pcr)))
			continue;
		bc_digest *d = &out->values[out->count++];
		d->alg = want->alg;
		d->size = bank->size;
		memcpy(d->bytes, bank->values[pcr], bank->size);
	}
	return bc_policy_branch_digest(out, err);
}

/* The predicted values of one PCR, checked usable. */
static bc_status prediction_of(const bc_golden_prediction *p, size_t count, uint16_t alg,
			       unsigned pcr, const bc_golden_prediction **out, bc_error *err)
{
	const char *bank = bc_hash_alg_name(alg);
	for (size_t i = 0; i < count; i++) {
		if (p[i].alg != alg || p[i].pcr != pcr)
			continue;
		if (p[i].unknown)
			return bc_fail(err, BC_E_INVALID,
				       "PCR %u (%s): a component of the database has a version "
				       "without a %s digest: its value cannot be predicted",
				       pcr, bank, bank);
		if (p[i].capped || p[i].count == 0)
			return bc_fail(err, BC_E_LIMIT,
				       "PCR %u (%s): more than %d values are possible", pcr, bank,
				       BC_SEAL_BRANCHES_MAX);
		*out = &p[i];
		return BC_OK;
	}
	return bc_fail(err, BC_E_INVALID,
		       "PCR %u (%s): no component of the database is measured into it: its "
		       "value cannot be predicted (leave it out of --pcrs)",
		       pcr, bank);
}

/* Branch number index of the combinations of per_pcr (mixed radix, the last PCR
 * varying fastest). */
static bc_status combination(const bc_golden_prediction *const *per_pcr, size_t pcrs,
			     const bc_pcr_bank_selection *bank, size_t index, bc_policy_branch *b,
			     bc_error *err)
{
	*b = (bc_policy_branch){0};
	bc_pcr_selection_add(&b->sel, bank->alg, bank->mask, NULL);
	b->count = pcrs;
	for (size_t k = pcrs; k-- > 0;) {
		b->values[k] = per_pcr[k]->values[index % per_pcr[k]->count];
		index /= per_pcr[k]->count;
	}
	return bc_policy_branch_digest(b, err);
}

bc_status bc_seal_predicted_branches(const bc_golden *db, const bc_pcr_selection *sel, size_t max,
				     bc_policy_branch **out, size_t *count, bc_error *err)
{
	bc_golden_prediction *pred = NULL;
	size_t pred_count = 0, total = 1, pcrs = 0;
	const bc_golden_prediction *per_pcr[BC_PCR_COUNT];
	*out = NULL;
	*count = 0;
	bc_status s = check_one_bank(sel, "--pcrs", err);
	if (s != BC_OK)
		return s;
	const bc_pcr_bank_selection *bank = the_bank(sel);
	if ((s = bc_golden_predict(db, sel, max, &pred, &pred_count, err)) != BC_OK)
		return s;
	for (unsigned pcr = 0; pcr < BC_PCR_COUNT && s == BC_OK; pcr++) {
		if (!(bank->mask & (1u << pcr)))
			continue;
		s = prediction_of(pred, pred_count, bank->alg, pcr, &per_pcr[pcrs], err);
		if (s == BC_OK && (total *= per_pcr[pcrs]->count) > max)
			s = bc_fail(err, BC_E_LIMIT,
				    "the database allows more than %zu combinations of values of "
				    "%s PCRs: seal to fewer PCRs",
				    max, bc_hash_alg_name(bank->alg));
		pcrs++;
	}
	bc_policy_branch *branches = NULL;
	if (s == BC_OK && !(branches = calloc(total, sizeof(*branches))))
		s = bc_fail(err, BC_E_NOMEM, "out of memory");
	for (size_t i = 0; s == BC_OK && i < total; i++)
		s = combination(per_pcr, pcrs, bank, i, &branches[i], err);
	bc_golden_predictions_free(pred, pred_count);
	if (s != BC_OK) {
		free(branches);
		return s;
	}
	*out = branches;
	*count = total;
	return BC_OK;
}

/* The leaves of the OR tree: the branches' digests; malloc'd. */
static bc_status branch_leaves(const bc_policy_branch *b, size_t count,
			       uint8_t (**out)[BC_POLICY_DIGEST_SIZE], bc_error *err)
{
	uint8_t(*leaves)[BC_POLICY_DIGEST_SIZE] = calloc(count ? count : 1, sizeof(*leaves));
	if (!leaves)
		return bc_fail(err, BC_E_NOMEM, "out of memory");
	for (size_t i = 0; i < count; i++)
		memcpy(leaves[i], b[i].digest, BC_POLICY_DIGEST_SIZE);
	*out = leaves;
	return BC_OK;
}

static bc_status branches_root(const bc_policy_branch *b, size_t count,
			       uint8_t root[BC_POLICY_DIGEST_SIZE], bc_error *err)
{
	_cleanup_free_ uint8_t(*leaves)[BC_POLICY_DIGEST_SIZE] = NULL;
	bc_status s = branch_leaves(b, count, &leaves, err);
	if (s != BC_OK)
		return s;
	return bc_policy_or_root((const uint8_t(*)[BC_POLICY_DIGEST_SIZE])leaves, count, root, err);
}

/* ---- sealing ---- */

/* The authPolicy and what the sealed file keeps of the options. */
static bc_status seal_policy(const bc_seal_opts *o, bc_sealed *s, bc_error *err)
{
	bc_status st;
	s->mode = o->mode;
	if (o->mode == BC_SEAL_AUTHORIZE) {
		if (!o->pubkey_path)
			return bc_fail(err, BC_E_INVALID, "authorize mode needs a public key");
		if (o->ref_size > BC_POLICY_REF_MAX)
			return bc_fail(err, BC_E_LIMIT, "the policy ref is %zu bytes; at most %d",
				       o->ref_size, BC_POLICY_REF_MAX);
		st = bc_policy_key_name(o->pubkey_path, s->key_name, &s->key_name_size, err);
		if (st != BC_OK)
			return st;
		if (o->ref_size)
			memcpy(s->ref, o->ref, o->ref_size);
		s->ref_size = o->ref_size;
		return bc_policy_authorize(s->key_name, s->key_name_size, s->ref, s->ref_size,
					   s->policy, err);
	}
	if (o->branch_count == 0 || o->branch_count > BC_SEAL_BRANCHES_MAX)
		return bc_fail(err, BC_E_LIMIT, "%zu branches: between 1 and %d", o->branch_count,
			       BC_SEAL_BRANCHES_MAX);
	s->sel = o->branches[0].sel;
	if ((st = check_one_bank(&s->sel, "PCR selection", err)) != BC_OK)
		return st;
	if (!(s->branches = calloc(o->branch_count, sizeof(*s->branches))))
		return bc_fail(err, BC_E_NOMEM, "out of memory");
	for (size_t i = 0; i < o->branch_count; i++) {
		const bc_pcr_bank_selection *a = the_bank(&o->branches[i].sel);
		const bc_pcr_bank_selection *b = the_bank(&s->sel);
		if (!a || a->alg != b->alg || a->mask != b->mask)
			return bc_fail(err, BC_E_INVALID, "branch %zu selects other PCRs", i);
		s->branches[i] = o->branches[i];
		if ((st = bc_policy_branch_digest(&s->branches[i], err)) != BC_OK)
			return st;
	}
	s->branch_count = o->branch_count;
	return branches_root(s->branches, s->branch_count, s->policy, err);
}

static void sealed_template(const uint8_t policy[BC_POLICY_DIGEST_SIZE], TPM2B_PUBLIC *out)
{
	*out = (TPM2B_PUBLIC){.size = 0};
	TPMT_PUBLIC *p = &out->publicArea;
	p->type = TPM2_ALG_KEYEDHASH;
	p->nameAlg = TPM2_ALG_SHA256;
	/* no userWithAuth: only the policy unseals; no sign or decrypt: sealed data; noDA:
	 * see the top of this file */
	p->objectAttributes = TPMA_OBJECT_FIXEDTPM | TPMA_OBJECT_FIXEDPARENT | TPMA_OBJECT_NODA;
	p->authPolicy.size = BC_POLICY_DIGEST_SIZE;
	memcpy(p->authPolicy.buffer, policy, BC_POLICY_DIGEST_SIZE);
	p->parameters.keyedHashDetail.scheme.scheme = TPM2_ALG_NULL;
}

static bc_status marshal_object(const TPM2B_PUBLIC *pub, const TPM2B_PRIVATE *priv, bc_sealed *s,
				bc_error *err)
{
	size_t off = 0;
	TSS2_RC rc =
	    Tss2_MU_TPM2B_PUBLIC_Marshal(pub, s->public_blob, sizeof(s->public_blob), &off);
	s->public_size = off;
	off = 0;
	if (rc == TSS2_RC_SUCCESS)
		rc = Tss2_MU_TPM2B_PRIVATE_Marshal(priv, s->private_blob, sizeof(s->private_blob),
						   &off);
	s->private_size = off;
	if (rc != TSS2_RC_SUCCESS)
		return bc_fail(err, BC_E_LIMIT, "cannot marshal the sealed object: %s",
			       Tss2_RC_Decode(rc));
	return BC_OK;
}

/* TPM2_Create of the sealed data object under p, the secret encrypted on the way. */
static bc_status create_sealed(bc_tpm *tpm, const parent *p, const uint8_t *secret, size_t size,
			       bc_sealed *s, bc_error *err)
{
	_cleanup_(wipe_sensitive) TPM2B_SENSITIVE_CREATE sensitive = {.size = 0};
	TPM2B_DATA outside = {.size = 0};
	TPML_PCR_SELECTION pcrs = {.count = 0};
	TPM2B_PUBLIC tmpl;
	_cleanup_esys_ TPM2B_PRIVATE *priv = NULL;
	_cleanup_esys_ TPM2B_PUBLIC *pub = NULL;
	_cleanup_esys_ TPM2B_CREATION_DATA *creation = NULL;
	_cleanup_esys_ TPM2B_DIGEST *creation_hash = NULL;
	_cleanup_esys_ TPMT_TK_CREATION *ticket = NULL;
	ESYS_TR session = ESYS_TR_NONE;
	sensitive.sensitive.data.size = (UINT16)size;
	memcpy(sensitive.sensitive.data.buffer, secret, size);
	sealed_template(s->policy, &tmpl);
	bc_status st =
	    start_session(tpm, p->handle, TPM2_SE_HMAC, TPMA_SESSION_DECRYPT, &session, err);
	if (st != BC_OK)
		return st;
	TSS2_RC rc = Esys_Create(bc_tpm_esys(tpm), p->handle, ESYS_TR_PASSWORD, session,
				 ESYS_TR_NONE, &sensitive, &tmpl, &outside, &pcrs, &priv, &pub,
				 &creation, &creation_hash, &ticket);
	bc_tpm_flush(tpm, session);
	if (rc != TSS2_RC_SUCCESS)
		return bc_tpm_fail(tpm, err, rc, "TPM2_Create of the sealed object failed");
	return marshal_object(pub, priv, s, err);
}

bc_status bc_seal(bc_tpm *tpm, const bc_seal_opts *opts, const uint8_t *secret, size_t size,
		  bc_sealed **out, bc_error *err)
{
	*out = NULL;
	if (size == 0)
		return bc_fail(err, BC_E_INVALID, "the secret is empty");
	if (size > BC_SEAL_SECRET_MAX)
		return bc_fail(err, BC_E_LIMIT,
			       "the secret is %zu bytes; a TPM seals at most %d (MAX_SYM_DATA): "
			       "seal a key, and encrypt larger data with it",
			       size, BC_SEAL_SECRET_MAX);
	_cleanup_(bc_sealed_freep) bc_sealed *s = calloc(1, sizeof(*s));
	if (!s)
		return bc_fail(err, BC_E_NOMEM, "out of memory");
	bc_status st = seal_policy(opts, s, err);
	if (st != BC_OK)
		return st;
	parent p;
	if ((st = open_seal_parent(tpm, &p, err)) != BC_OK)
		return st;
	s->parent_handle = p.persistent;
	memcpy(s->parent_name, p.name, p.name_size);
	s->parent_name_size = p.name_size;
	st = create_sealed(tpm, &p, secret, size, s, err);
	close_parent(tpm, &p);
	if (st != BC_OK)
		return st;
	*out = TAKE_PTR(s);
	return BC_OK;
}

/* ---- unsealing ---- */

static bc_status load_sealed(bc_tpm *tpm, const parent *p, const bc_sealed *s, ESYS_TR *out,
			     bc_error *err)
{
	TPM2B_PUBLIC pub = {.size = 0};
	TPM2B_PRIVATE priv = {.size = 0};
	size_t off = 0;
	/* bc_sealed_load checked both */
	if (Tss2_MU_TPM2B_PUBLIC_Unmarshal(s->public_blob, s->public_size, &off, &pub) !=
		TSS2_RC_SUCCESS ||
	    (off = 0, Tss2_MU_TPM2B_PRIVATE_Unmarshal(s->private_blob, s->private_size, &off,
						      &priv)) != TSS2_RC_SUCCESS)
		return bc_fail(err, BC_E_FORMAT, "the sealed object does not unmarshal");
	ESYS_TR tr = ESYS_TR_NONE;
	TSS2_RC rc = Esys_Load(bc_tpm_esys(tpm), p->handle, ESYS_TR_PASSWORD, ESYS_TR_NONE,
			       ESYS_TR_NONE, &priv, &pub, &tr);
	if (rc != TSS2_RC_SUCCESS)
		return bc_tpm_fail(tpm, err, rc,
				   "TPM2_Load of the sealed object failed (sealed in another "
				   "TPM?)");
	*out = tr;
	return bc_tpm_track(tpm, tr, err);
}

/* PolicyPCR of the values the TPM holds now, then the PolicyOR steps from the branch
 * to the root of leaves. */
static bc_status policy_pcr_or(bc_tpm *tpm, ESYS_TR session, const bc_pcr_selection *sel,
			       const bc_policy_branch *branches, size_t count, size_t index,
			       bc_error *err)
{
	ESYS_CONTEXT *esys = bc_tpm_esys(tpm);
	TPML_PCR_SELECTION tpml;
	TPM2B_DIGEST none = {.size = 0};
	bc_selection_to_tpml(sel, &tpml);
	TSS2_RC rc =
	    Esys_PolicyPCR(esys, session, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, &none, &tpml);
	if (rc != TSS2_RC_SUCCESS)
		return policy_fail(tpm, err, rc, "TPM2_PolicyPCR failed");
	_cleanup_free_ uint8_t(*leaves)[BC_POLICY_DIGEST_SIZE] = NULL;
	_cleanup_free_ bc_policy_or_step *steps = NULL;
	size_t step_count = 0;
	bc_status s = branch_leaves(branches, count, &leaves, err);
	if (s == BC_OK)
		s = bc_policy_or_path((const uint8_t(*)[BC_POLICY_DIGEST_SIZE])leaves, count, index,
				      &steps, &step_count, err);
	for (size_t i = 0; s == BC_OK && i < step_count; i++) {
		TPML_DIGEST list = {.count = (UINT32)steps[i].count};
		for (size_t k = 0; k < steps[i].count; k++) {
			list.digests[k].size = BC_POLICY_DIGEST_SIZE;
			memcpy(list.digests[k].buffer, steps[i].digests[k], BC_POLICY_DIGEST_SIZE);
		}
		rc = Esys_PolicyOR(esys, session, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, &list);
		if (rc != TSS2_RC_SUCCESS)
			return policy_fail(tpm, err, rc,
					   "TPM2_PolicyOR failed (the PCRs changed since they "
					   "were read?)");
	}
	return s;
}

/* TPM2_LoadExternal of the signing key, TPM2_VerifySignature of the policy's signature
 * over aHash, and TPM2_PolicyAuthorize with the ticket. */
static bc_status policy_authorize(bc_tpm *tpm, ESYS_TR session, const bc_sealed *s,
				  const bc_unseal_opts *o, bc_error *err)
{
	ESYS_CONTEXT *esys = bc_tpm_esys(tpm);
	const bc_signed_policy *p = o->policy;
	TPM2B_PUBLIC key;
	TPMT_SIGNATURE sig;
	TPM2B_DIGEST ahash = {.size = BC_POLICY_DIGEST_SIZE};
	bc_status st = bc_policy_key_public(o->pubkey_path, &key, err);
	if (st == BC_OK)
		st = bc_policy_tpm_signature(p, &key, &sig, err);
	if (st == BC_OK)
		st = bc_policy_approved_hash(p, ahash.buffer, err);
	if (st != BC_OK)
		return st;
	ESYS_TR key_tr = ESYS_TR_NONE;
	/* the owner hierarchy: a key of the null hierarchy gets a null ticket, which
	 * PolicyAuthorize refuses */
	TSS2_RC rc = Esys_LoadExternal(esys, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, NULL, &key,
				       ESYS_TR_RH_OWNER, &key_tr);
	if (rc != TSS2_RC_SUCCESS)
		return bc_tpm_fail(tpm, err, rc, "TPM2_LoadExternal of the signing key failed");
	if ((st = bc_tpm_track(tpm, key_tr, err)) != BC_OK)
		return st;
	_cleanup_esys_ TPMT_TK_VERIFIED *ticket = NULL;
	_cleanup_esys_ TPM2B_NAME *name = NULL;
	rc = Esys_VerifySignature(esys, key_tr, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, &ahash,
				  &sig, &ticket);
	if (rc == TSS2_RC_SUCCESS)
		rc = Esys_TR_GetName(esys, key_tr, &name);
	bc_tpm_flush(tpm, key_tr);
	if (rc != TSS2_RC_SUCCESS) {
		char what[BC_ERROR_MSG_MAX / 2];
		snprintf(what, sizeof(what), "TPM2_VerifySignature of the policy %s with %s failed",
			 o->policy_path, o->pubkey_path);
		return policy_fail(tpm, err, rc, what);
	}
	TPM2B_DIGEST approved = {.size = BC_POLICY_DIGEST_SIZE};
	TPM2B_NONCE ref = {.size = (UINT16)s->ref_size};
	memcpy(approved.buffer, p->approved, BC_POLICY_DIGEST_SIZE);
	memcpy(ref.buffer, s->ref, s->ref_size);
	rc = Esys_PolicyAuthorize(esys, session, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE,
				  &approved, &ref, name, ticket);
	if (rc != TSS2_RC_SUCCESS)
		return policy_fail(tpm, err, rc, "TPM2_PolicyAuthorize failed");
	return BC_OK;
}

/* out holds 2 * BC_POLICY_KEY_NAME_MAX + 1 characters. */
static void hex_name(const uint8_t *name, size_t size, char *out)
{
	bc_hex_encode(name, size < BC_POLICY_KEY_NAME_MAX ? size : BC_POLICY_KEY_NAME_MAX, out);
}

/* Before any TPM command: the key, the policy's signer and ref are the sealed ones. */
static bc_status check_authorize_inputs(const bc_sealed *s, const bc_unseal_opts *o, bc_error *err)
{
	const bc_signed_policy *p = o->policy;
	uint8_t name[BC_POLICY_KEY_NAME_MAX];
	size_t name_size = 0;
	char want[2 * BC_POLICY_KEY_NAME_MAX + 1], got[2 * BC_POLICY_KEY_NAME_MAX + 1];
	if (!p || !o->pubkey_path)
		return bc_fail(err, BC_E_INVALID,
			       "the secret is sealed to a signing key: unseal needs a signed "
			       "policy and the key's public key");
	bc_status st = bc_policy_key_name(o->pubkey_path, name, &name_size, err);
	if (st != BC_OK)
		return st;
	hex_name(s->key_name, s->key_name_size, want);
	if (name_size != s->key_name_size || memcmp(name, s->key_name, name_size) != 0) {
		hex_name(name, name_size, got);
		return bc_fail(err, BC_E_MISMATCH,
			       "%s is not the key the secret was sealed to (its name is %s, "
			       "the sealed file's %s)",
			       o->pubkey_path, got, want);
	}
	if (p->key_name_size != s->key_name_size ||
	    memcmp(p->key_name, s->key_name, p->key_name_size) != 0) {
		hex_name(p->key_name, p->key_name_size, got);
		return bc_fail(err, BC_E_MISMATCH,
			       "the policy %s is signed by another key (key name %s; the secret "
			       "is sealed to %s)",
			       o->policy_path, got, want);
	}
	if (p->ref_size != s->ref_size || memcmp(p->ref, s->ref, s->ref_size) != 0)
		return bc_fail(err, BC_E_MISMATCH,
			       "the policy %s has another policy ref than the one the secret "
			       "was sealed with",
			       o->policy_path);
	return BC_OK;
}

/* The branch the current PCR values are in. */
static bc_status find_branch(bc_tpm *tpm, const bc_signed_policy *view, const char *source,
			     size_t *index, bc_error *err)
{
	bc_pcr_values current;
	bc_status st = bc_tpm_pcr_read(tpm, &view->sel, &current, err);
	if (st != BC_OK)
		return st;
	st = bc_signed_policy_find(view, &current, index, err);
	if (st == BC_E_NOTFOUND) {
		char msg[BC_ERROR_MSG_MAX];
		snprintf(msg, sizeof(msg), "%s", bc_error_message(err));
		return bc_fail(err, BC_E_MISMATCH, "%s does not allow this boot: %s", source, msg);
	}
	return st;
}

/* The policy session, salted with the parent so that TPM2_Unseal's answer is
 * encrypted, satisfying the sealed object's policy. */
static bc_status satisfy_policy(bc_tpm *tpm, const parent *par, const bc_sealed *s,
				const bc_unseal_opts *o, size_t *branch, ESYS_TR *out,
				bc_error *err)
{
	bc_signed_policy view = {0};
	char source[BC_ERROR_MSG_MAX / 2];
	const bc_signed_policy *p = &view;
	if (s->mode == BC_SEAL_AUTHORIZE) {
		p = o->policy;
		snprintf(source, sizeof(source), "the signed policy %s", o->policy_path);
	} else {
		view.sel = s->sel;
		view.branches = s->branches;
		view.branch_count = s->branch_count;
		snprintf(source, sizeof(source), "the sealed file");
	}
	bc_status st = find_branch(tpm, p, source, branch, err);
	ESYS_TR session = ESYS_TR_NONE;
	if (st == BC_OK)
		st = start_session(tpm, par->handle, TPM2_SE_POLICY, TPMA_SESSION_ENCRYPT, &session,
				   err);
	if (st == BC_OK)
		st = policy_pcr_or(tpm, session, &p->sel, p->branches, p->branch_count, *branch,
				   err);
	if (st == BC_OK && s->mode == BC_SEAL_AUTHORIZE)
		st = policy_authorize(tpm, session, s, o, err);
	if (st != BC_OK) {
		if (session != ESYS_TR_NONE)
			bc_tpm_flush(tpm, session);
		return st;
	}
	*out = session;
	return BC_OK;
}

bc_status bc_unseal(bc_tpm *tpm, const bc_sealed *s, const bc_unseal_opts *o, bc_unseal_result *out,
		    bc_error *err)
{
	*out = (bc_unseal_result){0};
	bc_status st;
	if (s->mode == BC_SEAL_AUTHORIZE && (st = check_authorize_inputs(s, o, err)) != BC_OK)
		return st;
	parent par;
	if ((st = open_unseal_parent(tpm, s, &par, err)) != BC_OK)
		return st;
	ESYS_TR object = ESYS_TR_NONE, session = ESYS_TR_NONE;
	st = load_sealed(tpm, &par, s, &object, err);
	if (st == BC_OK)
		st = satisfy_policy(tpm, &par, s, o, &out->branch, &session, err);
	if (st == BC_OK) {
		_cleanup_(wipe_data) TPM2B_SENSITIVE_DATA *data = NULL;
		TSS2_RC rc = Esys_Unseal(bc_tpm_esys(tpm), object, session, ESYS_TR_NONE,
					 ESYS_TR_NONE, &data);
		if (rc != TSS2_RC_SUCCESS) {
			st = policy_fail(tpm, err, rc, "TPM2_Unseal failed");
		} else if (data->size > sizeof(out->secret)) {
			st = bc_fail(err, BC_E_FORMAT, "TPM2_Unseal returned %u bytes", data->size);
		} else {
			memcpy(out->secret, data->buffer, data->size);
			out->size = data->size;
		}
	}
	if (session != ESYS_TR_NONE)
		bc_tpm_flush(tpm, session);
	if (object != ESYS_TR_NONE)
		bc_tpm_flush(tpm, object);
	close_parent(tpm, &par);
	return st;
}

/* ---- the sealed file ---- */

static void json_hex_member(bc_json *j, const char *key, const uint8_t *data, size_t size)
{
	bc_json_key(j, key);
	bc_json_hex(j, data, size);
}

static void write_branch(bc_json *j, const bc_policy_branch *b, const bc_pcr_bank_selection *bank)
{
	size_t k = 0;
	char pcr[8];
	bc_json_object_begin(j);
	bc_json_key(j, "values");
	bc_json_object_begin(j);
	for (unsigned i = 0; i < BC_PCR_COUNT; i++) {
		if (!(bank->mask & (1u << i)))
			continue;
		snprintf(pcr, sizeof(pcr), "%u", i);
		json_hex_member(j, pcr, b->values[k].bytes, b->values[k].size);
		k++;
	}
	bc_json_object_end(j);
	json_hex_member(j, "digest", b->digest, BC_POLICY_DIGEST_SIZE);
	bc_json_object_end(j);
}

static void write_pcr_mode(bc_json *j, const bc_sealed *s)
{
	char sel[256];
	const bc_pcr_bank_selection *bank = the_bank(&s->sel);
	bc_pcr_selection_format(&s->sel, sel, sizeof(sel));
	bc_json_key(j, "pcr");
	bc_json_object_begin(j);
	bc_json_key(j, "selection");
	bc_json_string(j, sel);
	bc_json_key(j, "branches");
	bc_json_array_begin(j);
	for (size_t i = 0; i < s->branch_count; i++)
		write_branch(j, &s->branches[i], bank);
	bc_json_array_end(j);
	bc_json_object_end(j);
}

bc_status bc_sealed_format(const bc_sealed *s, char **text, size_t *size, bc_error *err)
{
	bc_buf out;
	bc_json j;
	char handle[16];
	bc_buf_init(&out, SEALED_FILE_MAX);
	bc_json_init(&j, &out);
	bc_json_object_begin(&j);
	bc_json_key(&j, "format");
	bc_json_string(&j, BC_SEALED_FORMAT);
	bc_json_key(&j, "mode");
	bc_json_string(&j, s->mode == BC_SEAL_AUTHORIZE ? "authorize" : "pcr");
	bc_json_key(&j, "parent");
	bc_json_object_begin(&j);
	if (s->parent_handle) {
		snprintf(handle, sizeof(handle), "0x%08x", s->parent_handle);
		bc_json_key(&j, "handle");
		bc_json_string(&j, handle);
	} else {
		bc_json_key(&j, "template");
		bc_json_string(&j, PARENT_TEMPLATE);
	}
	json_hex_member(&j, "name", s->parent_name, s->parent_name_size);
	bc_json_object_end(&j);
	bc_json_key(&j, "public");
	bc_json_base64(&j, s->public_blob, s->public_size);
	bc_json_key(&j, "private");
	bc_json_base64(&j, s->private_blob, s->private_size);
	json_hex_member(&j, "policy", s->policy, BC_POLICY_DIGEST_SIZE);
	if (s->mode == BC_SEAL_AUTHORIZE) {
		bc_json_key(&j, "authorize");
		bc_json_object_begin(&j);
		json_hex_member(&j, "key_name", s->key_name, s->key_name_size);
		json_hex_member(&j, "policy_ref", s->ref, s->ref_size);
		bc_json_object_end(&j);
	} else {
		write_pcr_mode(&j, s);
	}
	bc_json_object_end(&j);
	bc_buf_putc(&out, '\n');
	bc_status st = bc_buf_status(&out, err, "the sealed file");
	if (st != BC_OK) {
		bc_buf_free(&out);
		return st;
	}
	bc_buf_str(&out);
	*size = out.len;
	*text = (char *)out.data; /* the buffer's allocation, handed over */
	return BC_OK;
}

bc_status bc_sealed_write(const bc_sealed *s, const char *path, bc_error *err)
{
	_cleanup_free_ char *text = NULL;
	size_t size = 0;
	bc_status st = bc_sealed_format(s, &text, &size, err);
	if (st != BC_OK)
		return st;
	return bc_write_file_atomic(path, text, size, 0600, err);
}

/* ---- reading it back ---- */

typedef struct reader {
	const char *file;
	bc_error *err;
} reader;

static bc_status bad(const reader *r, const char *field, const char *fmt, ...) BC_PRINTF(3, 4);
static bc_status bad(const reader *r, const char *field, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	bc_status st = bc_json_vfail(r->file, field, BC_E_FORMAT, r->err, fmt, ap);
	va_end(ap);
	return st;
}

static bc_status only_keys(const reader *r, const json_t *obj, const char *field,
			   const char *const *allowed)
{
	const char *key = bc_json_unknown_key(obj, allowed);
	if (key)
		return bad(r, field, "unknown member \"%s\"", key);
	return BC_OK;
}

static bc_status get_object(const reader *r, const json_t *obj, const char *key, const char *field,
			    json_t **out)
{
	*out = json_object_get(obj, key);
	if (!json_is_object(*out))
		return bad(r, field, "missing, or not an object");
	return BC_OK;
}

static bc_status get_string(const reader *r, const json_t *obj, const char *key, const char *field,
			    const char **out, size_t *len)
{
	json_t *v = json_object_get(obj, key);
	if (!json_is_string(v))
		return bad(r, field, "missing, or not a string");
	*out = json_string_value(v);
	*len = json_string_length(v);
	if (strlen(*out) != *len)
		return bad(r, field, "holds a NUL character");
	return BC_OK;
}

/* Hex of 0 (allow_empty) or 1 to max bytes. */
static bc_status get_hex(const reader *r, const json_t *obj, const char *key, const char *field,
			 uint8_t *out, size_t max, size_t *size, bool allow_empty)
{
	const char *text;
	size_t len;
	bc_status st = get_string(r, obj, key, field, &text, &len);
	if (st != BC_OK)
		return st;
	if (!bc_hex_decode(text, len, out, max, size) || (!allow_empty && *size == 0))
		return bad(r, field, "not %s hex of at most %zu bytes",
			   allow_empty ? "lowercase" : "non-empty", max);
	return BC_OK;
}

static bc_status get_digest(const reader *r, const json_t *obj, const char *key, const char *field,
			    uint8_t out[BC_POLICY_DIGEST_SIZE])
{
	size_t size = 0;
	bc_status st = get_hex(r, obj, key, field, out, BC_POLICY_DIGEST_SIZE, &size, false);
	if (st == BC_OK && size != BC_POLICY_DIGEST_SIZE)
		return bad(r, field, "%zu bytes, a SHA-256 digest has %d", size,
			   BC_POLICY_DIGEST_SIZE);
	return st;
}

static bc_status get_base64(const reader *r, const json_t *obj, const char *key, const char *field,
			    uint8_t *out, size_t *size)
{
	const char *text;
	size_t len;
	_cleanup_free_ uint8_t *bytes = NULL;
	bc_status st = get_string(r, obj, key, field, &text, &len);
	if (st != BC_OK)
		return st;
	if (!bc_base64_decode(text, len, BC_SEAL_BLOB_MAX, &bytes, size))
		return bad(r, field, "not base64 of at most %d bytes", BC_SEAL_BLOB_MAX);
	memcpy(out, bytes, *size);
	return BC_OK;
}

static bc_status read_parent(const reader *r, const json_t *root, bc_sealed *s)
{
	static const char *const keys[] = {"handle", "template", "name", NULL};
	json_t *p;
	const char *text;
	size_t len;
	bc_status st = get_object(r, root, "parent", "parent", &p);
	if (st == BC_OK)
		st = only_keys(r, p, "parent", keys);
	if (st != BC_OK)
		return st;
	bool has_handle = json_object_get(p, "handle"),
	     has_template = json_object_get(p, "template");
	if (has_handle == has_template)
		return bad(r, "parent", "needs either \"handle\" or \"template\"");
	if (has_handle) {
		if ((st = get_string(r, p, "handle", "parent.handle", &text, &len)) != BC_OK)
			return st;
		unsigned long v = 0;
		char *end = NULL;
		if (strncmp(text, "0x", 2) == 0)
			v = strtoul(text + 2, &end, 16);
		if (!end || *end || len != 10 || v >> 24 != 0x81)
			return bad(r, "parent.handle",
				   "\"%s\" is not a persistent handle (0x81xxxxxx)", text);
		s->parent_handle = (uint32_t)v;
	} else {
		if ((st = get_string(r, p, "template", "parent.template", &text, &len)) != BC_OK)
			return st;
		if (strcmp(text, PARENT_TEMPLATE) != 0)
			return bad(r, "parent.template", "unknown template \"%s\" (known: %s)",
				   text, PARENT_TEMPLATE);
	}
	return get_hex(r, p, "name", "parent.name", s->parent_name, sizeof(s->parent_name),
		       &s->parent_name_size, false);
}

/* The object: a sealed data object whose authPolicy is s->policy. */
static bc_status read_object(const reader *r, const json_t *root, bc_sealed *s)
{
	TPM2B_PUBLIC pub = {.size = 0};
	TPM2B_PRIVATE priv = {.size = 0};
	size_t off = 0;
	bc_status st = get_base64(r, root, "public", "public", s->public_blob, &s->public_size);
	if (st == BC_OK)
		st = get_base64(r, root, "private", "private", s->private_blob, &s->private_size);
	if (st == BC_OK)
		st = get_digest(r, root, "policy", "policy", s->policy);
	if (st != BC_OK)
		return st;
	if (Tss2_MU_TPM2B_PUBLIC_Unmarshal(s->public_blob, s->public_size, &off, &pub) !=
		TSS2_RC_SUCCESS ||
	    off != s->public_size)
		return bad(r, "public", "not a marshalled TPM2B_PUBLIC");
	off = 0;
	if (Tss2_MU_TPM2B_PRIVATE_Unmarshal(s->private_blob, s->private_size, &off, &priv) !=
		TSS2_RC_SUCCESS ||
	    off != s->private_size || priv.size == 0)
		return bad(r, "private", "not a marshalled TPM2B_PRIVATE");
	const TPMT_PUBLIC *p = &pub.publicArea;
	TPMA_OBJECT forbidden = TPMA_OBJECT_USERWITHAUTH | TPMA_OBJECT_SIGN_ENCRYPT |
				TPMA_OBJECT_DECRYPT | TPMA_OBJECT_RESTRICTED;
	if (p->type != TPM2_ALG_KEYEDHASH || p->nameAlg != TPM2_ALG_SHA256 ||
	    (p->objectAttributes & forbidden) ||
	    p->parameters.keyedHashDetail.scheme.scheme != TPM2_ALG_NULL)
		return bad(r, "public",
			   "not a sealed data object (keyedhash, SHA-256, no userWithAuth, no "
			   "sign or decrypt)");
	if (p->authPolicy.size != BC_POLICY_DIGEST_SIZE ||
	    memcmp(p->authPolicy.buffer, s->policy, BC_POLICY_DIGEST_SIZE) != 0)
		return bad(r, "public", "its authPolicy is not \"policy\"");
	return BC_OK;
}

static bc_status read_authorize(const reader *r, const json_t *root, bc_sealed *s)
{
	static const char *const keys[] = {"key_name", "policy_ref", NULL};
	uint8_t policy[BC_POLICY_DIGEST_SIZE];
	json_t *a;
	bc_status st = get_object(r, root, "authorize", "authorize", &a);
	if (st == BC_OK)
		st = only_keys(r, a, "authorize", keys);
	if (st == BC_OK)
		st = get_hex(r, a, "key_name", "authorize.key_name", s->key_name,
			     sizeof(s->key_name), &s->key_name_size, false);
	if (st == BC_OK)
		st = get_hex(r, a, "policy_ref", "authorize.policy_ref", s->ref, sizeof(s->ref),
			     &s->ref_size, true);
	if (st == BC_OK)
		st = bc_policy_authorize(s->key_name, s->key_name_size, s->ref, s->ref_size, policy,
					 r->err);
	if (st != BC_OK)
		return st;
	if (memcmp(policy, s->policy, sizeof(policy)) != 0)
		return bad(r, "policy",
			   "is not PolicyAuthorize of authorize.key_name and "
			   "authorize.policy_ref");
	return BC_OK;
}

static bc_status read_branch(const reader *r, const json_t *v, size_t i, bc_sealed *s)
{
	static const char *const keys[] = {"values", "digest", NULL};
	const bc_pcr_bank_selection *bank = the_bank(&s->sel);
	const bc_hash_alg *alg = bc_hash_alg_by_id(bank->alg);
	bc_policy_branch *b = &s->branches[i];
	char field[96], pcr[8];
	uint8_t digest[BC_POLICY_DIGEST_SIZE];
	json_t *values;
	snprintf(field, sizeof(field), "pcr.branches[%zu]", i);
	if (!json_is_object(v))
		return bad(r, field, "not an object");
	bc_status st = only_keys(r, v, field, keys);
	if (st == BC_OK)
		st = get_object(r, v, "values", field, &values);
	if (st == BC_OK)
		st = get_digest(r, v, "digest", field, digest);
	if (st != BC_OK)
		return st;
	if (json_object_size(values) != pcr_count(bank->mask))
		return bad(r, field, "values: one for each PCR of the selection");
	b->sel = s->sel;
	for (unsigned n = 0; n < BC_PCR_COUNT; n++) {
		if (!(bank->mask & (1u << n)))
			continue;
		size_t size = 0;
		bc_digest *d = &b->values[b->count++];
		snprintf(pcr, sizeof(pcr), "%u", n);
		snprintf(field, sizeof(field), "pcr.branches[%zu].values.%u", i, n);
		if ((st = get_hex(r, values, pcr, field, d->bytes, alg->size, &size, false)))
			return st;
		if (size != alg->size)
			return bad(r, field, "%zu bytes, a %s digest has %u", size, alg->name,
				   alg->size);
		d->alg = alg->id;
		d->size = alg->size;
	}
	if ((st = bc_policy_branch_digest(b, r->err)) != BC_OK)
		return st;
	snprintf(field, sizeof(field), "pcr.branches[%zu].digest", i);
	if (memcmp(digest, b->digest, sizeof(digest)) != 0)
		return bad(r, field, "is not the PolicyPCR digest of its values");
	return BC_OK;
}

static bc_status read_pcr_mode(const reader *r, const json_t *root, bc_sealed *s)
{
	static const char *const keys[] = {"selection", "branches", NULL};
	uint8_t root_digest[BC_POLICY_DIGEST_SIZE];
	const char *text;
	size_t len;
	json_t *p;
	bc_status st = get_object(r, root, "pcr", "pcr", &p);
	if (st == BC_OK)
		st = only_keys(r, p, "pcr", keys);
	if (st == BC_OK)
		st = get_string(r, p, "selection", "pcr.selection", &text, &len);
	if (st != BC_OK)
		return st;
	bc_error sel_err = {0};
	if (bc_pcr_selection_parse(text, &s->sel, &sel_err) != BC_OK ||
	    check_one_bank(&s->sel, "selection", &sel_err) != BC_OK ||
	    !bc_hash_alg_by_id(the_bank(&s->sel)->alg))
		return bad(r, "pcr.selection", "%s", bc_error_message(&sel_err));
	json_t *arr = json_object_get(p, "branches");
	if (!json_is_array(arr) || json_array_size(arr) == 0 ||
	    json_array_size(arr) > BC_SEAL_BRANCHES_MAX)
		return bad(r, "pcr.branches", "not an array of 1 to %d branches",
			   BC_SEAL_BRANCHES_MAX);
	s->branch_count = json_array_size(arr);
	if (!(s->branches = calloc(s->branch_count, sizeof(*s->branches))))
		return bc_fail(r->err, BC_E_NOMEM, "out of memory");
	for (size_t i = 0; i < s->branch_count; i++)
		if ((st = read_branch(r, json_array_get(arr, i), i, s)) != BC_OK)
			return st;
	if ((st = branches_root(s->branches, s->branch_count, root_digest, r->err)) != BC_OK)
		return st;
	if (memcmp(root_digest, s->policy, sizeof(root_digest)) != 0)
		return bad(r, "policy", "is not the PolicyOR root of pcr.branches");
	return BC_OK;
}

static bc_status read_sealed(const reader *r, const json_t *root, bc_sealed *s)
{
	static const char *const keys[] = {"format", "mode",	  "parent", "public", "private",
					   "policy", "authorize", "pcr",    NULL};
	const char *text;
	size_t len;
	bc_status st = only_keys(r, root, "(top)", keys);
	if (st == BC_OK)
		st = get_string(r, root, "format", "format", &text, &len);
	if (st != BC_OK)
		return st;
	if (strcmp(text, BC_SEALED_FORMAT) != 0)
		return bad(r, "format", "\"%s\", expected \"%s\"", text, BC_SEALED_FORMAT);
	if ((st = get_string(r, root, "mode", "mode", &text, &len)) != BC_OK)
		return st;
	if (strcmp(text, "authorize") == 0)
		s->mode = BC_SEAL_AUTHORIZE;
	else if (strcmp(text, "pcr") == 0)
		s->mode = BC_SEAL_PCR;
	else
		return bad(r, "mode", "\"%s\", expected \"authorize\" or \"pcr\"", text);
	const char *other = s->mode == BC_SEAL_AUTHORIZE ? "pcr" : "authorize";
	if (json_object_get(root, other))
		return bad(r, other, "does not belong to mode \"%s\"", text);
	if ((st = read_parent(r, root, s)) != BC_OK || (st = read_object(r, root, s)) != BC_OK)
		return st;
	return s->mode == BC_SEAL_AUTHORIZE ? read_authorize(r, root, s)
					    : read_pcr_mode(r, root, s);
}

bc_status bc_sealed_parse(const void *data, size_t size, const char *name, bc_sealed **out,
			  bc_error *err)
{
	json_error_t jerr;
	reader r = {.file = name, .err = err};
	*out = NULL;
	_cleanup_(json_decrefp) json_t *root =
	    json_loadb(data, size, JSON_REJECT_DUPLICATES, &jerr);
	if (!root)
		return bc_fail(err, BC_E_FORMAT, "%s: line %d: %s", name, jerr.line, jerr.text);
	if (!json_is_object(root))
		return bc_fail(err, BC_E_FORMAT, "%s: not a JSON object", name);
	_cleanup_(bc_sealed_freep) bc_sealed *s = calloc(1, sizeof(*s));
	if (!s)
		return bc_fail(err, BC_E_NOMEM, "out of memory");
	bc_status st = read_sealed(&r, root, s);
	if (st != BC_OK)
		return st;
	*out = TAKE_PTR(s);
	return BC_OK;
}

bc_status bc_sealed_load(const char *path, bc_sealed **out, bc_error *err)
{
	_cleanup_free_ uint8_t *data = NULL;
	size_t size = 0;
	*out = NULL;
	bc_status st = bc_read_file(path, SEALED_FILE_MAX, &data, &size, err);
	if (st != BC_OK)
		return st;
	return bc_sealed_parse(data, size, path, out, err);
}
