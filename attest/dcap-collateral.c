/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Intel's DCAP collateral, as files: TCB info and QE identity (JSON signed by the TCB
 * signing key), the TCB status of a platform and of its quoting enclave. See dcap.h.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/x509.h>

#include "attest/dcap-internal.h"
#include "attest/dcap.h"
#include "attest/keep-kinds.h"
#include "util/cleanup.h"
#include "util/file.h"
#include "util/hex.h"
#include "util/jscan.h"

#define COLLATERAL_MAX ((size_t)4 << 20) /* a cap on each file: real ones are ~10 KiB */
#define TEXT_MAX       64

/* ---- loading ---- */

static bc_status load_one(const char *path, const uint8_t **data, size_t *size, bc_error *err)
{
	uint8_t *buf = NULL;
	*data = NULL;
	*size = 0;
	if (!path)
		return BC_OK;
	bc_status s = bc_read_file(path, COLLATERAL_MAX, &buf, size, err);
	if (s == BC_OK && *size == 0) {
		free(buf);
		return bc_fail(err, BC_E_FORMAT, "%s: empty", path);
	}
	*data = buf;
	return s;
}

bc_status bc_dcap_trust_load(const bc_dcap_files *f, bc_dcap_trust *out, bc_error *err)
{
	memset(out, 0, sizeof(*out));
	bc_status s = load_one(f->root, &out->root, &out->root_size, err);
	if (s == BC_OK)
		s = load_one(f->pck_crl, &out->pck_crl, &out->pck_crl_size, err);
	if (s == BC_OK)
		s = load_one(f->root_crl, &out->root_crl, &out->root_crl_size, err);
	if (s == BC_OK)
		s = load_one(f->tcb_info, &out->tcb_info, &out->tcb_info_size, err);
	if (s == BC_OK)
		s = load_one(f->qe_identity, &out->qe_identity, &out->qe_identity_size, err);
	if (s == BC_OK)
		s = load_one(f->tcb_chain, &out->tcb_chain, &out->tcb_chain_size, err);
	if (s != BC_OK)
		bc_dcap_trust_free(out);
	return s;
}

void bc_dcap_trust_free(bc_dcap_trust *t)
{
	if (!t)
		return;
	free((void *)t->root);
	free((void *)t->pck_crl);
	free((void *)t->root_crl);
	free((void *)t->tcb_info);
	free((void *)t->qe_identity);
	free((void *)t->tcb_chain);
	memset(t, 0, sizeof(*t));
}

/* ---- a verifier's trust ---- */

#define PINNED_ROOT BC_KEEP_ROOTS_DIR "/intel-sgx-root-ca.pem"

bool bc_keep_intel_trust(const bc_verify_opts *o, const char *no_root, bc_dcap_trust *t,
			 bc_dcap_trust *owned, bc_verify_result *res)
{
	const bc_keep_intel_collateral *c = &o->keep_intel;
	bc_error err = {0};
	*t = (bc_dcap_trust){
	    .root = c->root,
	    .root_size = c->root_size,
	    .pck_crl = c->pck_crl,
	    .pck_crl_size = c->pck_crl_size,
	    .root_crl = c->root_crl,
	    .root_crl_size = c->root_crl_size,
	    .tcb_info = c->tcb_info,
	    .tcb_info_size = c->tcb_info_size,
	    .qe_identity = c->qe_identity,
	    .qe_identity_size = c->qe_identity_size,
	    .tcb_chain = c->tcb_signing_chain,
	    .tcb_chain_size = c->tcb_signing_chain_size,
	};
	if (t->root)
		return true;
	if (access(PINNED_ROOT, F_OK) < 0 && errno == ENOENT) { /* a build not installed */
		bc_keep_verdict(res, BC_CHECK_KEEP_SIGNATURE, BC_CHECK_FAIL, "%s", no_root);
		return false;
	}
	if (bc_dcap_trust_load(&(bc_dcap_files){.root = PINNED_ROOT}, owned, &err) != BC_OK) {
		bc_keep_verdict(res, BC_CHECK_KEEP_SIGNATURE, BC_CHECK_FAIL, "%s",
				bc_error_message(&err));
		return false;
	}
	t->root = owned->root;
	t->root_size = owned->root_size;
	return true;
}

/* ---- JSON fields ---- */

typedef struct jctx {
	const bc_jdoc *doc;
	const char *file; /* "TCB info", "QE identity" */
	bc_error *err;
} jctx;

static bc_status missing(const jctx *j, const char *field, const char *what)
{
	return bc_fail(j->err, BC_E_FORMAT, "DCAP %s: %s: %s", j->file, field, what);
}

static const bc_jnode *member(const jctx *j, const bc_jnode *obj, const char *key, bc_jtype type)
{
	const bc_jnode *n = bc_jget(j->doc, obj, key);
	return n && n->type == type ? n : NULL;
}

/* An unsigned decimal number no larger than max. */
static bc_status jnumber(const jctx *j, const bc_jnode *obj, const char *key, uint32_t max,
			 uint32_t *out)
{
	const bc_jnode *n = member(j, obj, key, BC_JNUMBER);
	uint64_t v = 0;
	if (!n || n->len == 0 || n->len > 10)
		return missing(j, key, "missing, or not a number");
	for (size_t i = 0; i < n->len; i++) {
		char c = j->doc->text[n->start + i];
		if (c < '0' || c > '9')
			return missing(j, key, "not an unsigned integer");
		v = v * 10 + (uint64_t)(c - '0');
	}
	if (v > max)
		return missing(j, key, "out of range");
	*out = (uint32_t)v;
	return BC_OK;
}

/* A string into buf (cap bytes with its NUL). */
static bc_status jtext(const jctx *j, const bc_jnode *obj, const char *key, char *buf, size_t cap)
{
	const bc_jnode *n = member(j, obj, key, BC_JSTRING);
	const char *s = NULL;
	size_t len = 0;
	char *owned = NULL;
	if (!n || !bc_jstring(j->doc, n, &s, &len, &owned))
		return missing(j, key, "missing, or not a string");
	bool fits = len < cap && !memchr(s, '\0', len);
	if (fits) {
		memcpy(buf, s, len);
		buf[len] = '\0';
	}
	free(owned);
	return fits ? BC_OK : missing(j, key, "too long");
}

/* A hex string of exactly size bytes. */
static bc_status jhex(const jctx *j, const bc_jnode *obj, const char *key, uint8_t *out,
		      size_t size)
{
	char text[2 * 64 + 1];
	size_t len = 0;
	bc_status s = jtext(j, obj, key, text, sizeof(text));
	if (s != BC_OK)
		return s;
	if (strlen(text) != 2 * size || !bc_hex_decode(text, 2 * size, out, size, &len)) {
		char what[48];
		snprintf(what, sizeof(what), "not %zu hex digits", 2 * size);
		return missing(j, key, what);
	}
	return BC_OK;
}

static bool digits(const char *p, int n, int *out)
{
	int v = 0;
	for (int i = 0; i < n; i++) {
		if (p[i] < '0' || p[i] > '9')
			return false;
		v = v * 10 + (p[i] - '0');
	}
	*out = v;
	return true;
}

/* "YYYY-MM-DDTHH:MM:SSZ" (fractions of a second allowed before the Z), UTC. */
static bool parse_date(const char *text, time_t *out)
{
	struct tm tm = {0};
	int y, mo, d, h, mi, s;
	size_t len = strlen(text);
	if (len < 20 || !digits(text, 4, &y) || text[4] != '-' || !digits(text + 5, 2, &mo) ||
	    text[7] != '-' || !digits(text + 8, 2, &d) || text[10] != 'T' ||
	    !digits(text + 11, 2, &h) || text[13] != ':' || !digits(text + 14, 2, &mi) ||
	    text[16] != ':' || !digits(text + 17, 2, &s) || text[len - 1] != 'Z')
		return false;
	if (len > 20) {
		if (text[19] != '.' || len == 21)
			return false;
		for (size_t i = 20; i < len - 1; i++)
			if (text[i] < '0' || text[i] > '9')
				return false;
	}
	if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 60)
		return false;
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = s;
	*out = timegm(&tm);
	return true;
}

static bc_status check_dates(const jctx *j, const bc_jnode *obj, time_t now)
{
	char issue[TEXT_MAX], next[TEXT_MAX];
	time_t t_issue, t_next;
	bc_status s = jtext(j, obj, "issueDate", issue, sizeof(issue));
	if (s == BC_OK)
		s = jtext(j, obj, "nextUpdate", next, sizeof(next));
	if (s != BC_OK)
		return s;
	if (!parse_date(issue, &t_issue))
		return missing(j, "issueDate", "not a date YYYY-MM-DDTHH:MM:SSZ");
	if (!parse_date(next, &t_next))
		return missing(j, "nextUpdate", "not a date YYYY-MM-DDTHH:MM:SSZ");
	if (now < t_issue)
		return bc_fail(j->err, BC_E_MISMATCH,
			       "DCAP %s: issued in the future (issueDate %s)", j->file, issue);
	if (now >= t_next)
		return bc_fail(j->err, BC_E_MISMATCH,
			       "DCAP %s: expired (nextUpdate %s has passed): get fresh collateral",
			       j->file, next);
	return BC_OK;
}

/* The signed object (key in the document's root), its text verified with key against
 * the root's "signature" (hex r || s). */
static bc_status signed_object(const jctx *j, const char *key, EVP_PKEY *signer,
			       const bc_jnode **out)
{
	const bc_jnode *root = bc_jroot(j->doc);
	const bc_jnode *obj = member(j, root, key, BC_JOBJECT);
	uint8_t sig[64];
	if (root->type != BC_JOBJECT || !obj)
		return missing(j, key, "missing, or not an object");
	bc_status s = jhex(j, root, "signature", sig, sizeof(sig));
	if (s != BC_OK)
		return s;
	int rc =
	    bc_dcap_verify_rs(signer, sig, (const uint8_t *)j->doc->text + obj->start, obj->len);
	if (rc < 0)
		return bc_fail(j->err, BC_E_NOMEM, "DCAP %s: cannot check its signature", j->file);
	if (rc == 0)
		return bc_fail(j->err, BC_E_MISMATCH,
			       "DCAP %s: the signature does not verify with the TCB signing "
			       "certificate's key (over the \"%s\" object's %zu bytes at offset "
			       "%zu)",
			       j->file, key, obj->len, obj->start);
	*out = obj;
	return BC_OK;
}

/* ---- TCB info ---- */

typedef struct platform {
	const uint8_t *comp;	/* 16 SGX component SVNs (from the PCK certificate) */
	uint16_t pcesvn;	/* from the PCK certificate */
	const uint8_t *tee_tcb; /* TEE_TCB_SVN for TDX, else NULL */
} platform;

/* The 16 svn of an array of { "svn": N } objects; all of them <= have[from..]. */
static bc_status components_le(const jctx *j, const bc_jnode *tcb, const char *key,
			       const uint8_t *have, size_t from, bool *le)
{
	const bc_jnode *arr = member(j, tcb, key, BC_JARRAY);
	if (!arr)
		return missing(j, key, "missing, or not an array");
	size_t i = 0;
	for (size_t c = arr->child; c; c = j->doc->nodes[c].next, i++) {
		uint32_t svn = 0;
		if (i >= 16)
			return missing(j, key, "more than 16 components");
		bc_status s = jnumber(j, &j->doc->nodes[c], "svn", 255, &svn);
		if (s != BC_OK)
			return s;
		if (i >= from && svn > have[i])
			*le = false;
	}
	if (i != 16)
		return missing(j, key, "fewer than 16 components");
	return BC_OK;
}

static bc_status level_matches(const jctx *j, unsigned version, const bc_jnode *tcb,
			       const platform *p, bool *match)
{
	uint32_t pcesvn = 0;
	bc_status s = jnumber(j, tcb, "pcesvn", UINT16_MAX, &pcesvn);
	*match = pcesvn <= p->pcesvn;
	if (s != BC_OK)
		return s;
	if (version >= 3) {
		s = components_le(j, tcb, "sgxtcbcomponents", p->comp, 0, match);
	} else {
		for (int i = 0; i < 16 && s == BC_OK; i++) {
			char key[24];
			uint32_t svn = 0;
			snprintf(key, sizeof(key), "sgxtcbcomp%02dsvn", i + 1);
			s = jnumber(j, tcb, key, 255, &svn);
			if (svn > p->comp[i])
				*match = false;
		}
	}
	/* TEE_TCB_SVN[1] is the TDX module's major version: when set, the first two bytes
	 * are judged by the module identities and the rest here */
	if (s == BC_OK && p->tee_tcb)
		s = components_le(j, tcb, "tdxtcbcomponents", p->tee_tcb, p->tee_tcb[1] ? 2 : 0,
				  match);
	return s;
}

static bc_status tcb_status_of(const jctx *j, const bc_jnode *level, bc_dcap_tcb_status *st)
{
	char text[TEXT_MAX];
	bc_status s = jtext(j, level, "tcbStatus", text, sizeof(text));
	if (s == BC_OK && !bc_dcap_tcb_status_parse(text, st))
		return bc_fail(j->err, BC_E_FORMAT, "DCAP %s: tcbStatus \"%s\" is not one we know",
			       j->file, text);
	return s;
}

static bc_status match_levels(const jctx *j, const bc_jnode *info, unsigned version,
			      const platform *p, bc_dcap_result *out)
{
	const bc_jnode *levels = member(j, info, "tcbLevels", BC_JARRAY);
	if (!levels)
		return missing(j, "tcbLevels", "missing, or not an array");
	out->tcb_status = BC_DCAP_TCB_NONE;
	size_t i = 0;
	for (size_t c = levels->child; c; c = j->doc->nodes[c].next, i++) {
		const bc_jnode *level = &j->doc->nodes[c];
		const bc_jnode *tcb = member(j, level, "tcb", BC_JOBJECT);
		bool match = false;
		if (!tcb)
			return missing(j, "tcbLevels[].tcb", "missing, or not an object");
		bc_status s = level_matches(j, version, tcb, p, &match);
		if (s == BC_OK && match) {
			jctx quiet = {.doc = j->doc, .file = j->file, .err = NULL};
			s = tcb_status_of(j, level, &out->tcb_status);
			if (s == BC_OK && jtext(&quiet, level, "tcbDate", out->tcb_date,
						sizeof(out->tcb_date)) != BC_OK)
				out->tcb_date[0] = '\0'; /* optional in version 2 */
			return s;
		}
		if (s != BC_OK)
			return s;
	}
	return BC_OK;
}

/*
 * ---- the TDX module: "tdxModule" and "tdxModuleIdentities" (TCB info v3, TDX) ----
 *
 * As Intel's QVL judges them (SGXDataCenterAttestationPrimitives,
 * QuoteVerification/QVL/Src/AttestationLibrary and SGX-TDX-DCAP-QuoteVerificationLibrary:
 * Verifiers/QuoteVerifier.cpp step 4.1.2.4.11; Verifiers/Checks/TdxModuleCheck.cpp,
 * findTdxModuleIdentity() and checkTdxModuleTcbStatus(); the parsers
 * AttestationParsers/src/Json/TdxModuleIdentity.cpp, TdxModuleTcbLevel.cpp and
 * TdxModuleTcb.cpp; VALID_MODULE_TCB_STATUSES in Verifiers/TcbStatus.h):
 *   - TEE_TCB_SVN[1] is the module's major version, TEE_TCB_SVN[0] its SVN. With major
 *     version 0 the identities are not used: the quote is judged by tdxModule alone.
 *   - Otherwise the entry of tdxModuleIdentities whose id, upper-cased, is "TDX_" and
 *     the major version in two upper-case hex digits (bytesToHexString: "TDX_01",
 *     "TDX_0A"); the first such, in the file's order. None, or no tdxModuleIdentities,
 *     is a TDX module mismatch. Its mrsigner, attributes and attributesMask stand in for
 *     tdxModule's.
 *   - Its tcbLevels are a set ordered by isvsvn, highest first (duplicates refused, at
 *     least one): the first whose isvsvn <= the SVN gives the module's status, one of
 *     UpToDate, OutOfDate, Revoked; none is "TCB not supported" (None here).
 * Every entry is read strictly, as QVL parses them all: id, mrsigner (48 bytes),
 * attributes and attributesMask (8), tcbLevels of {tcb: {isvsvn}, tcbDate, tcbStatus}.
 * One difference: QVL wants SEAMATTRIBUTES zero and equal to attributes, byte for
 * byte; we compare under attributesMask, as Intel's PCS documents the field.
 */

#define MODULE_LEVELS_MAX 256 /* a cap on an identity's levels: real ones have a few */

typedef struct module_ident {
	char id[16];
	uint8_t mrsigner[48], attributes[8], mask[8];
} module_ident;

/* What an identity's tcbLevels give for an SVN. */
typedef struct module_pick {
	bool found;
	uint16_t isvsvn;
	bc_dcap_tcb_status status;
} module_pick;

static bc_status module_ident_fields(const jctx *j, const bc_jnode *obj, module_ident *m)
{
	bc_status s = jhex(j, obj, "mrsigner", m->mrsigner, sizeof(m->mrsigner));
	if (s == BC_OK)
		s = jhex(j, obj, "attributes", m->attributes, sizeof(m->attributes));
	if (s == BC_OK)
		s = jhex(j, obj, "attributesMask", m->mask, sizeof(m->mask));
	return s;
}

static bc_status module_level_status(const jctx *j, const bc_jnode *level, bc_dcap_tcb_status *st)
{
	char date[TEXT_MAX];
	time_t t;
	bc_status s = jtext(j, level, "tcbDate", date, sizeof(date));
	if (s == BC_OK && !parse_date(date, &t))
		return missing(j, "tcbLevels[].tcbDate", "not a date YYYY-MM-DDTHH:MM:SSZ");
	if (s == BC_OK)
		s = tcb_status_of(j, level, st);
	if (s == BC_OK && *st != BC_DCAP_TCB_UP_TO_DATE && *st != BC_DCAP_TCB_OUT_OF_DATE &&
	    *st != BC_DCAP_TCB_REVOKED)
		return bc_fail(j->err, BC_E_FORMAT,
			       "DCAP %s: tcbStatus \"%s\" is not one a TDX module level has "
			       "(UpToDate, OutOfDate, Revoked)",
			       j->file, bc_dcap_tcb_status_name(*st));
	return s;
}

/* Every level read; *pick: the one of the highest isvsvn <= svn. */
static bc_status module_levels(const jctx *j, const bc_jnode *ident, uint8_t svn, module_pick *pick)
{
	const bc_jnode *levels = member(j, ident, "tcbLevels", BC_JARRAY);
	uint16_t seen[MODULE_LEVELS_MAX];
	size_t n = 0;
	*pick = (module_pick){.status = BC_DCAP_TCB_NONE};
	if (!levels || !levels->child)
		return missing(j, "tcbLevels", "missing, empty, or not an array");
	for (size_t c = levels->child; c; c = j->doc->nodes[c].next, n++) {
		const bc_jnode *level = &j->doc->nodes[c];
		const bc_jnode *tcb = member(j, level, "tcb", BC_JOBJECT);
		uint32_t isvsvn = 0;
		bc_dcap_tcb_status st;
		if (n == MODULE_LEVELS_MAX)
			return missing(j, "tcbLevels", "more than 256 levels");
		if (!tcb)
			return missing(j, "tcbLevels[].tcb", "missing, or not an object");
		bc_status s = jnumber(j, tcb, "isvsvn", UINT16_MAX, &isvsvn);
		if (s == BC_OK)
			s = module_level_status(j, level, &st);
		if (s != BC_OK)
			return s;
		for (size_t k = 0; k < n; k++)
			if (seen[k] == isvsvn)
				return missing(j, "tcbLevels[].tcb.isvsvn",
					       "two levels of one isvsvn");
		seen[n] = (uint16_t)isvsvn;
		if (isvsvn <= svn && (!pick->found || isvsvn > pick->isvsvn))
			*pick =
			    (module_pick){.found = true, .isvsvn = (uint16_t)isvsvn, .status = st};
	}
	return BC_OK;
}

/* Whether a document's id is want (upper case), ASCII letters compared upper-cased. */
static bool same_module_id(const char *id, const char *want)
{
	for (; *id && *want; id++, want++) {
		char c = *id >= 'a' && *id <= 'z' ? (char)(*id - 'a' + 'A') : *id;
		if (c != *want)
			return false;
	}
	return *id == *want;
}

/* Every entry of tdxModuleIdentities read; the first of id want, if any, into *m and
 * *pick (its level for svn). */
static bc_status module_identities(const jctx *j, const bc_jnode *ids, const char *want,
				   uint8_t svn, module_ident *m, module_pick *pick, bool *found)
{
	size_t i = 0;
	*found = false;
	if (!ids->child)
		return missing(j, "tdxModuleIdentities", "an empty array");
	for (size_t c = ids->child; c; c = j->doc->nodes[c].next, i++) {
		const bc_jnode *ident = &j->doc->nodes[c];
		char file[64];
		snprintf(file, sizeof(file), "%s tdxModuleIdentities[%zu]", j->file, i);
		jctx one = {.doc = j->doc, .file = file, .err = j->err};
		module_ident this = {0};
		module_pick level;
		if (ident->type != BC_JOBJECT)
			return missing(&one, "(entry)", "not an object");
		bc_status s = jtext(&one, ident, "id", this.id, sizeof(this.id));
		if (s == BC_OK)
			s = module_ident_fields(&one, ident, &this);
		if (s == BC_OK)
			s = module_levels(&one, ident, svn, &level);
		if (s != BC_OK)
			return s;
		if (!*found && same_module_id(this.id, want)) {
			*found = true;
			*m = this;
			*pick = level;
		}
	}
	return BC_OK;
}

/* The quote's MRSIGNERSEAM and SEAMATTRIBUTES against m (named what in messages). */
static bc_status module_matches(const jctx *j, const module_ident *m, const char *what,
				const bc_dcap_quote *q)
{
	if (memcmp(m->mrsigner, q->td.mrsignerseam, sizeof(m->mrsigner)) != 0)
		return bc_fail(j->err, BC_E_MISMATCH,
			       "DCAP TCB info: the quote's MRSIGNERSEAM is not %s.mrsigner: "
			       "another TDX module signer",
			       what);
	for (int i = 0; i < 8; i++) {
		uint8_t have = (uint8_t)(q->td.seam_attributes >> (8 * i));
		if ((have & m->mask[i]) != (m->attributes[i] & m->mask[i]))
			return bc_fail(j->err, BC_E_MISMATCH,
				       "DCAP TCB info: the quote's SEAMATTRIBUTES differ from "
				       "%s.attributes under its mask",
				       what);
	}
	return BC_OK;
}

/* The TDX module that signs the TD report, and with a major version its TCB level. */
static bc_status check_tdx_module(const jctx *j, const bc_jnode *info, bc_dcap_result *out)
{
	const bc_dcap_quote *q = &out->quote;
	const bc_jnode *mod = member(j, info, "tdxModule", BC_JOBJECT);
	const bc_jnode *ids = bc_jget(j->doc, info, "tdxModuleIdentities");
	uint8_t svn = q->td.tee_tcb_svn[0], major = q->td.tee_tcb_svn[1];
	module_ident module = {0}, ident = {0};
	module_pick pick = {0};
	bool found = false;
	char want[8], what[40];
	if (!mod)
		return missing(j, "tdxModule", "missing, or not an object");
	if (ids && ids->type != BC_JARRAY)
		return missing(j, "tdxModuleIdentities", "not an array");
	snprintf(want, sizeof(want), "TDX_%02X", major);
	bc_status s = module_ident_fields(j, mod, &module);
	if (s == BC_OK && ids)
		s = module_identities(j, ids, want, svn, &ident, &pick, &found);
	if (s != BC_OK)
		return s;
	if (major == 0) /* the identities were read (QVL parses them all), not used */
		return module_matches(j, &module, "tdxModule", q);
	if (!ids)
		return bc_fail(j->err, BC_E_MISMATCH,
			       "DCAP TCB info: no tdxModuleIdentities, and the quote's TDX module "
			       "has major version %u (TEE_TCB_SVN[1]): TCB not supported",
			       major);
	if (!found)
		return bc_fail(j->err, BC_E_MISMATCH,
			       "DCAP TCB info: no tdxModuleIdentities entry \"%s\" for the quote's "
			       "TDX module of major version %u (TEE_TCB_SVN[1]): TCB not supported",
			       want, major);
	snprintf(what, sizeof(what), "tdxModuleIdentities \"%s\"", want);
	s = module_matches(j, &ident, what, q);
	if (s != BC_OK)
		return s;
	out->module_checked = true;
	snprintf(out->module_id, sizeof(out->module_id), "%s", want);
	out->module_svn = svn;
	out->module_status = pick.found ? pick.status : BC_DCAP_TCB_NONE;
	return BC_OK;
}

static bc_status check_tcb_info(const bc_dcap_trust *t, EVP_PKEY *signer, time_t now,
				bc_dcap_result *out, bc_error *err)
{
	bc_jdoc doc;
	bc_status s =
	    bc_jdoc_parse((const char *)t->tcb_info, t->tcb_info_size, "DCAP TCB info", &doc, err);
	if (s != BC_OK)
		return s;
	jctx j = {.doc = &doc, .file = "TCB info", .err = err};
	const bc_jnode *info = NULL;
	const bc_dcap_quote *q = &out->quote;
	bool td = q->body_type != BC_DCAP_BODY_SGX;
	uint32_t version = 0;
	uint8_t fmspc[6], pceid[2];
	s = signed_object(&j, "tcbInfo", signer, &info);
	if (s == BC_OK)
		s = jnumber(&j, info, "version", UINT32_MAX, &version);
	if (s == BC_OK && version != 2 && version != 3)
		s = bc_fail(err, BC_E_UNSUPPORTED, "DCAP TCB info: version %u (only 2 and 3)",
			    version);
	if (s == BC_OK) {
		snprintf(out->tcb_id, sizeof(out->tcb_id), "SGX"); /* version 2 has no id */
		if (version >= 3)
			s = jtext(&j, info, "id", out->tcb_id, sizeof(out->tcb_id));
	}
	if (s == BC_OK && strcmp(out->tcb_id, td ? "TDX" : "SGX") != 0)
		s = bc_fail(err, BC_E_MISMATCH,
			    "DCAP TCB info: its id is \"%s\", the quote is %s's", out->tcb_id,
			    td ? "TDX" : "SGX");
	if (s == BC_OK)
		s = check_dates(&j, info, now);
	if (s == BC_OK)
		s = jhex(&j, info, "fmspc", fmspc, sizeof(fmspc));
	if (s == BC_OK)
		s = jhex(&j, info, "pceId", pceid, sizeof(pceid));
	if (s == BC_OK && memcmp(fmspc, out->pck.fmspc, sizeof(fmspc)) != 0)
		s = bc_fail(err, BC_E_MISMATCH,
			    "DCAP TCB info: its fmspc is not the PCK certificate's: collateral "
			    "for another platform");
	if (s == BC_OK && memcmp(pceid, out->pck.pceid, sizeof(pceid)) != 0)
		s = bc_fail(err, BC_E_MISMATCH,
			    "DCAP TCB info: its pceId is not the PCK "
			    "certificate's");
	if (s == BC_OK && version >= 3 &&
	    jnumber(&j, info, "tcbEvaluationDataNumber", UINT32_MAX,
		    &out->tcb_evaluation_data_number) != BC_OK)
		s = missing(&j, "tcbEvaluationDataNumber", "missing, or not a number");
	if (s == BC_OK && td)
		s = check_tdx_module(&j, info, out);
	if (s == BC_OK) {
		platform p = {.comp = out->pck.comp_svn,
			      .pcesvn = out->pck.pcesvn,
			      .tee_tcb = td ? q->td.tee_tcb_svn : NULL};
		s = match_levels(&j, info, version, &p, out);
	}
	if (s == BC_OK)
		out->tcb_checked = true;
	bc_jdoc_free(&doc);
	return s;
}

/* ---- QE identity ---- */

static bc_status check_qe_fields(const jctx *j, const bc_jnode *id, const bc_sgx_report_body *qe)
{
	uint8_t misc[4], misc_mask[4], attr[16], attr_mask[16], mrsigner[32];
	uint32_t prodid = 0;
	bc_status s = jhex(j, id, "miscselect", misc, 4);
	if (s == BC_OK)
		s = jhex(j, id, "miscselectMask", misc_mask, 4);
	if (s == BC_OK)
		s = jhex(j, id, "attributes", attr, 16);
	if (s == BC_OK)
		s = jhex(j, id, "attributesMask", attr_mask, 16);
	if (s == BC_OK)
		s = jhex(j, id, "mrsigner", mrsigner, 32);
	if (s == BC_OK)
		s = jnumber(j, id, "isvprodid", UINT16_MAX, &prodid);
	if (s != BC_OK)
		return s;
	if (memcmp(mrsigner, qe->mrsigner, 32) != 0)
		return bc_fail(j->err, BC_E_MISMATCH,
			       "DCAP QE identity: the QE report's MRSIGNER is not the identity's: "
			       "not Intel's quoting enclave");
	if (prodid != qe->isvprodid)
		return bc_fail(j->err, BC_E_MISMATCH,
			       "DCAP QE identity: the QE report's ISVPRODID %u is not the "
			       "identity's %u",
			       qe->isvprodid, prodid);
	/* miscselect is written as a number (big-endian hex), attributes as the bytes */
	uint32_t m =
	    (uint32_t)misc[0] << 24 | (uint32_t)misc[1] << 16 | (uint32_t)misc[2] << 8 | misc[3];
	uint32_t mm = (uint32_t)misc_mask[0] << 24 | (uint32_t)misc_mask[1] << 16 |
		      (uint32_t)misc_mask[2] << 8 | misc_mask[3];
	if ((qe->miscselect & mm) != (m & mm))
		return bc_fail(j->err, BC_E_MISMATCH,
			       "DCAP QE identity: the QE report's MISCSELECT 0x%08x differs from "
			       "0x%08x under the mask 0x%08x",
			       qe->miscselect, m, mm);
	for (int i = 0; i < 16; i++)
		if ((qe->attributes[i] & attr_mask[i]) != (attr[i] & attr_mask[i]))
			return bc_fail(j->err, BC_E_MISMATCH,
				       "DCAP QE identity: the QE report's ATTRIBUTES differ from "
				       "the identity's under its mask (byte %d)",
				       i);
	return BC_OK;
}

static bc_status qe_level(const jctx *j, const bc_jnode *id, uint16_t isvsvn,
			  bc_dcap_tcb_status *out)
{
	const bc_jnode *levels = member(j, id, "tcbLevels", BC_JARRAY);
	if (!levels)
		return missing(j, "tcbLevels", "missing, or not an array");
	*out = BC_DCAP_TCB_NONE;
	for (size_t c = levels->child; c; c = j->doc->nodes[c].next) {
		const bc_jnode *level = &j->doc->nodes[c];
		const bc_jnode *tcb = member(j, level, "tcb", BC_JOBJECT);
		uint32_t svn = 0;
		if (!tcb)
			return missing(j, "tcbLevels[].tcb", "missing, or not an object");
		bc_status s = jnumber(j, tcb, "isvsvn", UINT16_MAX, &svn);
		if (s != BC_OK)
			return s;
		if (svn <= isvsvn)
			return tcb_status_of(j, level, out);
	}
	return BC_OK;
}

static bc_status check_qe_identity(const bc_dcap_trust *t, EVP_PKEY *signer, time_t now,
				   bc_dcap_result *out, bc_error *err)
{
	bc_jdoc doc;
	bc_status s = bc_jdoc_parse((const char *)t->qe_identity, t->qe_identity_size,
				    "DCAP QE identity", &doc, err);
	if (s != BC_OK)
		return s;
	jctx j = {.doc = &doc, .file = "QE identity", .err = err};
	const bc_jnode *id = NULL;
	const char *want = out->quote.body_type == BC_DCAP_BODY_SGX ? "QE" : "TD_QE";
	char name[16];
	uint32_t version = 0;
	s = signed_object(&j, "enclaveIdentity", signer, &id);
	if (s == BC_OK)
		s = jnumber(&j, id, "version", UINT32_MAX, &version);
	if (s == BC_OK && version != 2)
		s = bc_fail(err, BC_E_UNSUPPORTED, "DCAP QE identity: version %u (only 2)",
			    version);
	if (s == BC_OK)
		s = jtext(&j, id, "id", name, sizeof(name));
	if (s == BC_OK && strcmp(name, want) != 0)
		s = bc_fail(err, BC_E_MISMATCH,
			    "DCAP QE identity: its id is \"%s\", this quote's enclave is %s", name,
			    want);
	if (s == BC_OK)
		s = check_dates(&j, id, now);
	if (s == BC_OK)
		s = check_qe_fields(&j, id, &out->quote.qe_report);
	if (s == BC_OK)
		s = qe_level(&j, id, out->quote.qe_report.isvsvn, &out->qe_status);
	if (s == BC_OK)
		out->qe_checked = true;
	bc_jdoc_free(&doc);
	return s;
}

/* ---- the TCB signing chain and the whole ---- */

static bc_status tcb_signer(const bc_dcap_trust *t, time_t now, EVP_PKEY **key, bc_error *err)
{
	X509 *root = NULL;
	STACK_OF(X509) *chain = NULL;
	*key = NULL;
	bc_status s =
	    bc_dcap_load_cert(t->root, t->root_size, "pinned Intel SGX root CA", &root, err);
	if (s == BC_OK)
		s = bc_dcap_load_pem_chain(t->tcb_chain, t->tcb_chain_size,
					   "TCB signing certificate chain", &chain, err);
	X509 *leaf = s == BC_OK ? sk_X509_value(chain, 0) : NULL;
	if (s == BC_OK)
		s = bc_dcap_verify_chain(leaf, chain, root, "TCB signing certificate chain", now,
					 NULL, err);
	if (s == BC_OK && t->root_crl) {
		X509_CRL *crl = NULL;
		X509_REVOKED *rev = NULL;
		s = bc_dcap_load_crl(t->root_crl, t->root_crl_size, "root CA CRL", &crl, err);
		if (s == BC_OK && X509_CRL_get0_by_cert(crl, &rev, leaf) == 1)
			s = bc_fail(err, BC_E_MISMATCH,
				    "the TCB signing certificate is revoked by the root CA CRL");
		X509_CRL_free(crl);
		ERR_clear_error();
	}
	if (s == BC_OK && !bc_dcap_is_p256(X509_get0_pubkey(leaf)))
		s = bc_fail(err, BC_E_FORMAT, "the TCB signing certificate's key is not EC P-256");
	if (s == BC_OK) {
		*key = X509_get_pubkey(leaf);
		if (!*key)
			s = bc_dcap_ossl_fail(err, BC_E_NOMEM, "out of memory");
	}
	sk_X509_pop_free(chain, X509_free);
	X509_free(root);
	return s;
}

bc_status bc_dcap_collateral_check(const bc_dcap_trust *t, bc_dcap_result *out, bc_error *err)
{
	if (!t || !t->root)
		return bc_fail(err, BC_E_INVALID, "DCAP collateral: no pinned Intel SGX root CA");
	if (!t->tcb_chain)
		return bc_fail(err, BC_E_INVALID,
			       "DCAP collateral: no TCB signing certificate chain given");
	time_t now = t->now ? t->now : time(NULL);
	EVP_PKEY *key = NULL;
	bc_status s = tcb_signer(t, now, &key, err);
	if (s == BC_OK && t->tcb_info)
		s = check_tcb_info(t, key, now, out, err);
	if (s == BC_OK && t->qe_identity)
		s = check_qe_identity(t, key, now, out, err);
	EVP_PKEY_free(key);
	if (s != BC_OK)
		return s;
	/* the platform's level, converged with the TDX module's and then the QE's, in
	 * QVL's order (Checks/TcbLevelCheck.cpp, checkTcbLevel()) */
	out->status = out->tcb_checked ? out->tcb_status : BC_DCAP_TCB_UP_TO_DATE;
	if (out->module_checked)
		out->status = bc_dcap_tcb_converge(out->status, out->module_status);
	if (out->qe_checked)
		out->status = bc_dcap_tcb_converge(out->status, out->qe_status);
	return BC_OK;
}

bc_dcap_tcb_status bc_dcap_tcb_converge(bc_dcap_tcb_status platform_status, bc_dcap_tcb_status part)
{
	if (platform_status == BC_DCAP_TCB_NONE || part == BC_DCAP_TCB_NONE)
		return BC_DCAP_TCB_NONE;
	switch (part) {
	case BC_DCAP_TCB_UP_TO_DATE: return platform_status;
	case BC_DCAP_TCB_REVOKED: return BC_DCAP_TCB_REVOKED;
	case BC_DCAP_TCB_OUT_OF_DATE:
		if (platform_status == BC_DCAP_TCB_UP_TO_DATE ||
		    platform_status == BC_DCAP_TCB_SW_HARDENING_NEEDED)
			return BC_DCAP_TCB_OUT_OF_DATE;
		if (platform_status == BC_DCAP_TCB_CONFIGURATION_NEEDED ||
		    platform_status == BC_DCAP_TCB_CONFIGURATION_AND_SW_HARDENING_NEEDED)
			return BC_DCAP_TCB_OUT_OF_DATE_CONFIGURATION_NEEDED;
		return platform_status;
	default: return part > platform_status ? part : platform_status;
	}
}

const char *bc_dcap_module_words(const bc_dcap_result *r, char *buf, size_t size)
{
	if (!r->module_checked) {
		if (size)
			buf[0] = '\0';
		return buf;
	}
	snprintf(buf, size, ", TDX module %s at SVN %u %s", r->module_id, r->module_svn,
		 r->module_status == BC_DCAP_TCB_NONE ? "below every level (not supported)"
						      : bc_dcap_tcb_status_name(r->module_status));
	return buf;
}
