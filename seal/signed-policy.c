/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Signed PCR policies, format "bootchain-policy-v1" (bootchain-policy(5)): every
 * combination of PCR values a golden database allows, as the leaves of a PolicyOR tree
 * whose root the database's key signs for PolicyAuthorize. A file is read strictly, as
 * golden databases are, and everything that can be recomputed (the branch digests, the
 * root) is recomputed: the file only has to be trusted for what the key signed.
 */
#include "config.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <openssl/err.h>
#include <openssl/pem.h>

#include <bootchain/golden.h>
#include <bootchain/policy.h>

#include "golden/golden-internal.h"
#include "seal/policy-internal.h"
#include "util/cleanup.h"
#include "util/file.h"
#include "util/hex.h"
#include "util/json-read.h"

#define POLICY_MAX_SIZE	    ((size_t)64 << 20)
#define POLICY_MAX_BRANCHES ((size_t)1 << 16)
#define SIGNATURE_MAX	    1024 /* RSA-4096: 512 bytes; DER ECDSA P-521: 139 */

DEFINE_TRIVIAL_CLEANUP_FUNC(bc_signed_policy *, bc_signed_policy_free)
DEFINE_TRIVIAL_CLEANUP_FUNC(EVP_PKEY *, EVP_PKEY_free)

void bc_signed_policy_free(bc_signed_policy *p)
{
	if (!p)
		return;
	free(p->golden_sha256);
	free(p->branches);
	free(p->signature);
	free(p);
}

static bc_signed_policy *policy_new(const bc_pcr_selection *sel, size_t branches)
{
	bc_signed_policy *p = calloc(1, sizeof(*p));
	if (!p)
		return NULL;
	p->sel = *sel;
	p->branch_count = branches;
	p->branches = calloc(branches ? branches : 1, sizeof(*p->branches));
	if (!p->branches) {
		free(p);
		return NULL;
	}
	return p;
}

/* The OR root over the branch digests. */
static bc_status branches_root(const bc_signed_policy *p, uint8_t root[BC_POLICY_DIGEST_SIZE],
			       bc_error *err)
{
	_cleanup_free_ uint8_t(*leaves)[BC_POLICY_DIGEST_SIZE] =
	    malloc(p->branch_count * sizeof(*leaves));
	if (!leaves)
		return bc_fail(err, BC_E_NOMEM, "out of memory");
	for (size_t i = 0; i < p->branch_count; i++)
		memcpy(leaves[i], p->branches[i].digest, BC_POLICY_DIGEST_SIZE);
	return bc_policy_or_root((const uint8_t(*)[BC_POLICY_DIGEST_SIZE])leaves, p->branch_count,
				 root, err);
}

/* ---- making ---- */

/* The value of a PCR the database has no component in: one it explains (nothing may be
 * measured into it) holds its reset value (PFP: PCRs 17-22 all ones, PCR 0 the startup
 * locality); of any other nothing is known, and a guess would seal to a wrong value. */
static bc_status empty_pcr_value(const bc_golden *db, uint16_t alg, uint32_t pcr, bc_digest *out,
				 bc_error *err)
{
	const bc_hash_alg *a = bc_hash_alg_by_id(alg);
	if (!(db->explained_mask & (1u << pcr)))
		return bc_fail(err, BC_E_INVALID,
			       "%s PCR %u: the database has no component in it and does not "
			       "explain it (\"explained_pcrs\"): its value cannot be predicted",
			       a->name, pcr);
	*out = (bc_digest){.alg = alg, .size = a->size};
	if (pcr >= 17 && pcr <= 22)
		memset(out->bytes, 0xff, a->size);
	if (pcr == 0 && db->startup_locality)
		out->bytes[a->size - 1] = db->startup_locality;
	return BC_OK;
}

/* The possible values of each PCR of sel, in PCR order: choices[k] of count[k]. */
typedef struct pcr_choices {
	size_t pcrs;
	uint32_t pcr[BC_PCR_COUNT];
	size_t count[BC_PCR_COUNT];
	const bc_digest *values[BC_PCR_COUNT];
	bc_digest reset[BC_PCR_COUNT];
} pcr_choices;

static bc_status choices_of(const bc_golden *db, const bc_pcr_selection *sel,
			    const bc_golden_prediction *pred, size_t pred_count, size_t max,
			    pcr_choices *c, bc_error *err)
{
	uint16_t alg = sel->banks[0].alg;
	const char *bank = bc_hash_alg_name(alg);
	c->pcrs = 0;
	for (uint32_t pcr = 0; pcr < BC_PCR_COUNT; pcr++) {
		if (!(sel->banks[0].mask & (1u << pcr)))
			continue;
		size_t k = c->pcrs++;
		const bc_golden_prediction *p = NULL;
		for (size_t i = 0; i < pred_count && !p; i++)
			if (pred[i].alg == alg && pred[i].pcr == pcr)
				p = &pred[i];
		c->pcr[k] = pcr;
		if (!p) {
			bc_status s = empty_pcr_value(db, alg, pcr, &c->reset[k], err);
			if (s != BC_OK)
				return s;
			c->values[k] = &c->reset[k];
			c->count[k] = 1;
			continue;
		}
		if (p->unknown)
			return bc_fail(err, BC_E_INVALID,
				       "%s PCR %u: a component's version has no %s digest, its "
				       "value is unknown",
				       bank, pcr, bank);
		if (p->capped)
			return bc_fail(err, BC_E_LIMIT,
				       "%s PCR %u: more than %zu possible values (--max-branches)",
				       bank, pcr, max);
		c->values[k] = p->values;
		c->count[k] = p->count;
	}
	return BC_OK;
}

/* The number of combinations, or BC_E_LIMIT past max. */
static bc_status combinations(const pcr_choices *c, size_t max, size_t *out, bc_error *err)
{
	size_t n = 1;
	for (size_t k = 0; k < c->pcrs; k++) {
		if (c->count[k] == 0)
			return bc_fail(err, BC_E_INVALID, "PCR %u: no possible value", c->pcr[k]);
		if (n > max / c->count[k])
			return bc_fail(err, BC_E_LIMIT,
				       "more than %zu combinations of PCR values (PCR %u alone "
				       "has %zu values): raise --max-branches or select fewer PCRs",
				       max, c->pcr[k], c->count[k]);
		n *= c->count[k];
	}
	*out = n;
	return BC_OK;
}

/* Branch i: the mixed-radix digits of i, the last PCR varying fastest. */
static bc_status fill_branch(const pcr_choices *c, const bc_pcr_selection *sel, size_t i,
			     bc_policy_branch *b, bc_error *err)
{
	b->sel = *sel;
	b->count = c->pcrs;
	for (size_t k = c->pcrs; k-- > 0;) {
		b->values[k] = c->values[k][i % c->count[k]];
		i /= c->count[k];
	}
	return bc_policy_branch_digest(b, err);
}

static bc_status check_one_bank(const bc_pcr_selection *sel, bc_error *err)
{
	if (sel->count != 1 || !sel->banks[0].mask)
		return bc_fail(err, BC_E_INVALID,
			       "a signed policy covers PCRs of one bank (as \"sha256:0,4\")");
	if (!bc_hash_alg_by_id(sel->banks[0].alg))
		return bc_fail(err, BC_E_UNSUPPORTED, "unknown bank 0x%04x", sel->banks[0].alg);
	return BC_OK;
}

static bc_status make_branches(const bc_golden *db, const bc_pcr_selection *sel,
			       size_t max_branches, bc_signed_policy **out, bc_error *err)
{
	bc_golden_prediction *pred = NULL;
	size_t pred_count = 0, n = 0;
	pcr_choices c;
	bc_status s = bc_golden_predict(db, sel, max_branches, &pred, &pred_count, err);
	if (s == BC_OK)
		s = choices_of(db, sel, pred, pred_count, max_branches, &c, err);
	if (s == BC_OK)
		s = combinations(&c, max_branches, &n, err);
	bc_signed_policy *p = s == BC_OK ? policy_new(sel, n) : NULL;
	if (s == BC_OK && !p)
		s = bc_fail(err, BC_E_NOMEM, "out of memory");
	for (size_t i = 0; s == BC_OK && i < n; i++)
		s = fill_branch(&c, sel, i, &p->branches[i], err);
	bc_golden_predictions_free(pred, pred_count);
	if (s != BC_OK) {
		bc_signed_policy_free(p);
		return s;
	}
	*out = p;
	return BC_OK;
}

static bc_status file_sha256(const char *path, char **out, bc_error *err)
{
	_cleanup_free_ uint8_t *data = NULL;
	size_t size = 0;
	bc_digest d;
	char hex[2 * BC_MAX_DIGEST_SIZE + 1];
	bc_status s = bc_read_file(path, BC_GOLDEN_MAX_SIZE, &data, &size, err);
	if (s == BC_OK)
		s = bc_digest_compute(BC_ALG_SHA256, data, size, &d, err);
	if (s != BC_OK)
		return s;
	*out = strdup(bc_digest_hex(&d, hex));
	return *out ? BC_OK : bc_fail(err, BC_E_NOMEM, "out of memory");
}

/* The name of the signing key (a private key: its public half). */
static bc_status signer_name(const char *key_path, bc_signed_policy *p, bc_error *err)
{
	FILE *f = fopen(key_path, "re");
	TPM2B_PUBLIC pub;
	if (!f)
		return bc_fail(err, BC_E_IO, "%s: cannot open the key", key_path);
	_cleanup_(EVP_PKEY_freep) EVP_PKEY *key = PEM_read_PrivateKey(f, NULL, NULL, NULL);
	fclose(f);
	ERR_clear_error();
	if (!key)
		return bc_fail(err, BC_E_FORMAT, "%s: not a PEM private key (without passphrase)",
			       key_path);
	bc_status s = bc_policy_pkey_public(key, key_path, &pub, err);
	return s == BC_OK ? bc_policy_public_name(&pub, p->key_name, &p->key_name_size, err) : s;
}

static bc_status sign(bc_signed_policy *p, const char *key_path, bc_error *err)
{
	uint8_t data[BC_POLICY_DIGEST_SIZE + BC_POLICY_REF_MAX];
	memcpy(data, p->approved, BC_POLICY_DIGEST_SIZE);
	memcpy(data + BC_POLICY_DIGEST_SIZE, p->ref, p->ref_size);
	/* the key hashes with SHA-256: what it signs is aHash, which VerifySignature checks */
	return bc_signature_sign(data, BC_POLICY_DIGEST_SIZE + p->ref_size, key_path, &p->signature,
				 &p->signature_size, err);
}

bc_status bc_signed_policy_make(const bc_golden *db, const char *db_path,
				const bc_pcr_selection *sel, size_t max_branches,
				const uint8_t *ref, size_t ref_size, const char *key_path,
				bc_signed_policy **out, bc_error *err)
{
	_cleanup_(bc_signed_policy_freep) bc_signed_policy *p = NULL;
	bc_status s = check_one_bank(sel, err);
	if (s != BC_OK)
		return s;
	if (max_branches == 0)
		return bc_fail(err, BC_E_INVALID, "at most 0 branches: nothing could unseal");
	if (ref_size > BC_POLICY_REF_MAX)
		return bc_fail(err, BC_E_LIMIT, "a policy reference of %zu bytes (at most %d)",
			       ref_size, BC_POLICY_REF_MAX);
	if ((s = make_branches(db, sel, max_branches, &p, err)) != BC_OK ||
	    (s = branches_root(p, p->approved, err)) != BC_OK)
		return s;
	if (ref_size)
		memcpy(p->ref, ref, ref_size);
	p->ref_size = ref_size;
	if ((s = signer_name(key_path, p, err)) != BC_OK || (s = sign(p, key_path, err)) != BC_OK)
		return s;
	if (db_path && (s = file_sha256(db_path, &p->golden_sha256, err)) != BC_OK)
		return s;
	*out = TAKE_PTR(p);
	return BC_OK;
}

bc_status bc_signed_policy_default_pcrs(const bc_golden *db, bc_pcr_selection *sel, bc_error *err)
{
	uint32_t mask = 0;
	for (size_t i = 0; i < bc_golden_component_count(db); i++)
		mask |= 1u << bc_golden_component_at(db, i)->pcr;
	if (!mask)
		return bc_fail(err, BC_E_INVALID, "the database has no component");
	*sel = (bc_pcr_selection){.count = 1, .banks[0] = {.alg = BC_ALG_SHA256, .mask = mask}};
	return BC_OK;
}

/* ---- writing ---- */

static json_t *hex_string(const uint8_t *data, size_t size)
{
	_cleanup_free_ char *hex = malloc(2 * size + 1);
	return hex ? json_string(bc_hex_encode(data, size, hex)) : NULL;
}

static json_t *branch_json(const bc_policy_branch *b)
{
	json_t *o = json_object();
	size_t k = 0;
	for (uint32_t pcr = 0; o && pcr < BC_PCR_COUNT; pcr++) {
		char key[4];
		if (!(b->sel.banks[0].mask & (1u << pcr)))
			continue;
		snprintf(key, sizeof(key), "%u", pcr);
		if (k >= b->count ||
		    json_object_set_new(o, key, hex_string(b->values[k].bytes, b->values[k].size)))
			return json_decref(o), NULL;
		k++;
	}
	return o;
}

static json_t *policy_json(const bc_signed_policy *p)
{
	char sel[256];
	bc_pcr_selection_format(&p->sel, sel, sizeof(sel));
	json_t *branches = json_array();
	for (size_t i = 0; branches && i < p->branch_count; i++)
		if (json_array_append_new(branches, branch_json(&p->branches[i])))
			return json_decref(branches), NULL;
	json_t *o = json_pack("{s:s, s:s, s:o, s:o, s:o, s:o, s:o}", "format", BC_POLICY_FORMAT,
			      "pcrs", sel, "branches", branches, "approved_policy",
			      hex_string(p->approved, BC_POLICY_DIGEST_SIZE), "policy_ref",
			      hex_string(p->ref, p->ref_size), "key_name",
			      hex_string(p->key_name, p->key_name_size), "signature",
			      hex_string(p->signature, p->signature_size));
	if (o && p->golden_sha256 &&
	    json_object_set_new(o, "golden_sha256", json_string(p->golden_sha256)))
		return json_decref(o), NULL;
	return o;
}

bc_status bc_signed_policy_write(const bc_signed_policy *p, const char *path, bc_error *err)
{
	_cleanup_(json_decrefp) json_t *o = policy_json(p);
	_cleanup_free_ char *text = o ? json_dumps(o, JSON_INDENT(2)) : NULL;
	if (!text)
		return bc_fail(err, BC_E_NOMEM, "%s: out of memory", path);
	size_t len = strlen(text);
	text[len] = '\n'; /* json_dumps leaves room for the NUL: replace it, keep length */
	return bc_write_file_atomic(path, text, len + 1, 0644, err);
}

/* ---- reading ---- */

/* The member key of obj, a string; NULL and an error when missing (unless optional). */
static bc_status member_string(const json_t *obj, const char *key, bool optional,
			       const bc_jpath *top, const char **out, size_t *len, bc_error *err)
{
	bc_jpath p;
	const json_t *v = json_object_get(obj, key);
	*out = NULL;
	*len = 0;
	if (!v)
		return optional ? BC_OK : bc_jpath_fail(top, BC_E_FORMAT, err, "no \"%s\"", key);
	bc_jpath_key(top, &p, key);
	if (!json_is_string(v))
		return bc_jpath_fail(&p, BC_E_FORMAT, err, "not a string");
	*out = json_string_value(v);
	*len = json_string_length(v);
	return BC_OK;
}

/* A hex member of min to max bytes. */
static bc_status member_hex(const json_t *obj, const char *key, size_t min, size_t max,
			    const bc_jpath *top, uint8_t *out, size_t *size, bc_error *err)
{
	const char *hex;
	size_t len;
	bc_jpath p;
	bc_status s = member_string(obj, key, false, top, &hex, &len, err);
	if (s != BC_OK)
		return s;
	bc_jpath_key(top, &p, key);
	if (!bc_hex_decode(hex, len, out, max, size))
		return bc_jpath_fail(&p, BC_E_FORMAT, err, "not hex of at most %zu bytes", max);
	if (*size < min)
		return bc_jpath_fail(&p, BC_E_FORMAT, err, "%zu bytes, at least %zu expected",
				     *size, min);
	return BC_OK;
}

static bc_status read_selection(const json_t *root, const bc_jpath *top, bc_pcr_selection *sel,
				bc_error *err)
{
	const char *text;
	size_t len;
	bc_jpath p;
	bc_error inner = {0};
	bc_status s = member_string(root, "pcrs", false, top, &text, &len, err);
	if (s != BC_OK)
		return s;
	bc_jpath_key(top, &p, "pcrs");
	if (strlen(text) != len || bc_pcr_selection_parse(text, sel, &inner) != BC_OK)
		return bc_jpath_fail(&p, BC_E_FORMAT, err, "not a PCR selection: %s",
				     bc_error_message(&inner));
	if (check_one_bank(sel, &inner) != BC_OK)
		return bc_jpath_fail(&p, BC_E_FORMAT, err, "%s", bc_error_message(&inner));
	return BC_OK;
}

/* "4": "hex" for every PCR of sel, and nothing else. */
static bc_status read_branch(const json_t *obj, const bc_pcr_selection *sel, bc_policy_branch *b,
			     const bc_jpath *p, bc_error *err)
{
	const bc_hash_alg *alg = bc_hash_alg_by_id(sel->banks[0].alg);
	if (!json_is_object(obj))
		return bc_jpath_fail(p, BC_E_FORMAT, err, "an object of PCR values, not that");
	size_t want = (size_t)__builtin_popcount(sel->banks[0].mask);
	if (json_object_size(obj) != want)
		return bc_jpath_fail(p, BC_E_FORMAT, err, "%zu values, the selection has %zu PCRs",
				     json_object_size(obj), want);
	b->sel = *sel;
	b->count = 0;
	for (uint32_t pcr = 0; pcr < BC_PCR_COUNT; pcr++) {
		char key[4];
		size_t size = 0;
		if (!(sel->banks[0].mask & (1u << pcr)))
			continue;
		snprintf(key, sizeof(key), "%u", pcr);
		bc_digest *d = &b->values[b->count++];
		bc_status s = member_hex(obj, key, alg->size, alg->size, p, d->bytes, &size, err);
		if (s != BC_OK)
			return s; /* also a value for another PCR: the one of sel is missing */
		d->alg = alg->id;
		d->size = alg->size;
	}
	return bc_policy_branch_digest(b, err);
}

static bc_status read_branches(const json_t *root, bc_signed_policy *p, const bc_jpath *top,
			       bc_error *err)
{
	bc_jpath path;
	const json_t *arr = json_object_get(root, "branches");
	bc_jpath_key(top, &path, "branches");
	if (!arr)
		return bc_jpath_fail(top, BC_E_FORMAT, err, "no \"branches\"");
	if (!json_is_array(arr) || json_array_size(arr) == 0)
		return bc_jpath_fail(&path, BC_E_FORMAT, err,
				     "not an array of at least one branch");
	if (json_array_size(arr) > POLICY_MAX_BRANCHES)
		return bc_jpath_fail(&path, BC_E_LIMIT, err, "%zu branches, at most %zu",
				     json_array_size(arr), POLICY_MAX_BRANCHES);
	p->branch_count = json_array_size(arr);
	p->branches = calloc(p->branch_count, sizeof(*p->branches));
	if (!p->branches)
		return bc_fail(err, BC_E_NOMEM, "out of memory");
	for (size_t i = 0; i < p->branch_count; i++) {
		bc_jpath item;
		bc_jpath_push(&path, &item, "[%zu]", i);
		bc_status s =
		    read_branch(json_array_get(arr, i), &p->sel, &p->branches[i], &item, err);
		if (s != BC_OK)
			return s;
	}
	return BC_OK;
}

static bc_status read_golden_sha256(const json_t *root, bc_signed_policy *p, const bc_jpath *top,
				    bc_error *err)
{
	const char *hex;
	size_t len, size;
	uint8_t bytes[32];
	bc_jpath path;
	bc_status s = member_string(root, "golden_sha256", true, top, &hex, &len, err);
	if (s != BC_OK || !hex)
		return s;
	bc_jpath_key(top, &path, "golden_sha256");
	if (!bc_hex_decode(hex, len, bytes, sizeof(bytes), &size) || size != sizeof(bytes))
		return bc_jpath_fail(&path, BC_E_FORMAT, err, "not a SHA-256 digest in hex");
	p->golden_sha256 = strdup(hex);
	return p->golden_sha256 ? BC_OK : bc_fail(err, BC_E_NOMEM, "out of memory");
}

static bc_status read_key_fields(const json_t *root, bc_signed_policy *p, const bc_jpath *top,
				 bc_error *err)
{
	uint8_t sig[SIGNATURE_MAX];
	size_t size = 0;
	bc_jpath path;
	bc_status s;
	if ((s = member_hex(root, "policy_ref", 0, BC_POLICY_REF_MAX, top, p->ref, &p->ref_size,
			    err)) != BC_OK ||
	    (s = member_hex(root, "key_name", 2 + BC_POLICY_DIGEST_SIZE, 2 + BC_POLICY_DIGEST_SIZE,
			    top, p->key_name, &p->key_name_size, err)) != BC_OK ||
	    (s = member_hex(root, "signature", 1, sizeof(sig), top, sig, &size, err)) != BC_OK)
		return s;
	bc_jpath_key(top, &path, "key_name");
	if (p->key_name[0] != (BC_ALG_SHA256 >> 8) || p->key_name[1] != (BC_ALG_SHA256 & 0xff))
		return bc_jpath_fail(&path, BC_E_FORMAT, err,
				     "not a name of nameAlg sha256 (000b...)");
	if (!(p->signature = malloc(size)))
		return bc_fail(err, BC_E_NOMEM, "out of memory");
	memcpy(p->signature, sig, size);
	p->signature_size = size;
	return BC_OK;
}

/* approved_policy must be the root of the branches: a changed branch or root shows. */
static bc_status check_root(const json_t *root, bc_signed_policy *p, const bc_jpath *top,
			    bc_error *err)
{
	uint8_t computed[BC_POLICY_DIGEST_SIZE];
	size_t size = 0;
	bc_jpath path;
	bc_status s = member_hex(root, "approved_policy", BC_POLICY_DIGEST_SIZE,
				 BC_POLICY_DIGEST_SIZE, top, p->approved, &size, err);
	if (s == BC_OK)
		s = branches_root(p, computed, err);
	if (s != BC_OK)
		return s;
	bc_jpath_key(top, &path, "approved_policy");
	if (memcmp(computed, p->approved, sizeof(computed)) != 0)
		return bc_jpath_fail(
		    &path, BC_E_MISMATCH, err,
		    "not the PolicyOR root of the branches: the file was changed after it "
		    "was signed");
	return BC_OK;
}

static bc_status parse_policy(const json_t *root, bc_signed_policy *p, const bc_jpath *top,
			      bc_error *err)
{
	static const char *const keys[] = {"format",   "golden_sha256",	  "pcrs",
					   "branches", "approved_policy", "policy_ref",
					   "key_name", "signature",	  NULL};
	const char *format;
	size_t len;
	bc_status s;
	if (!json_is_object(root))
		return bc_jpath_fail(top, BC_E_FORMAT, err, "not a JSON object");
	if ((s = bc_json_only_keys(root, keys, top, err)) != BC_OK ||
	    (s = member_string(root, "format", false, top, &format, &len, err)) != BC_OK)
		return s;
	if (strcmp(format, BC_POLICY_FORMAT) != 0)
		return bc_jpath_fail(top, BC_E_FORMAT, err, "format \"%s\", expected \"%s\"",
				     format, BC_POLICY_FORMAT);
	if ((s = read_golden_sha256(root, p, top, err)) != BC_OK ||
	    (s = read_selection(root, top, &p->sel, err)) != BC_OK ||
	    (s = read_branches(root, p, top, err)) != BC_OK ||
	    (s = read_key_fields(root, p, top, err)) != BC_OK)
		return s;
	return check_root(root, p, top, err);
}

bc_status bc_signed_policy_load(const char *path, bc_signed_policy **out, bc_error *err)
{
	_cleanup_free_ uint8_t *data = NULL;
	size_t size = 0;
	json_error_t jerr;
	bc_jpath top = {.file = path, .text = ""};
	bc_status s = bc_read_file(path, POLICY_MAX_SIZE, &data, &size, err);
	if (s != BC_OK)
		return s;
	_cleanup_(json_decrefp) json_t *root =
	    json_loadb((const char *)data, size, JSON_REJECT_DUPLICATES, &jerr);
	if (!root)
		return bc_fail(err, BC_E_FORMAT, "%s: line %d: %s", path, jerr.line, jerr.text);
	_cleanup_(bc_signed_policy_freep) bc_signed_policy *p = calloc(1, sizeof(*p));
	if (!p)
		return bc_fail(err, BC_E_NOMEM, "out of memory");
	if ((s = parse_policy(root, p, &top, err)) != BC_OK)
		return s;
	*out = TAKE_PTR(p);
	return BC_OK;
}

/* ---- using ---- */

bc_status bc_signed_policy_verify(const bc_signed_policy *p, const char *pubkey_path, bc_error *err)
{
	uint8_t name[BC_POLICY_KEY_NAME_MAX], data[BC_POLICY_DIGEST_SIZE + BC_POLICY_REF_MAX];
	size_t name_size = 0;
	bc_status s = bc_policy_key_name(pubkey_path, name, &name_size, err);
	if (s != BC_OK)
		return s;
	if (name_size != p->key_name_size || memcmp(name, p->key_name, name_size) != 0)
		return bc_fail(err, BC_E_MISMATCH,
			       "the policy names another signing key than %s (key_name)",
			       pubkey_path);
	memcpy(data, p->approved, BC_POLICY_DIGEST_SIZE);
	memcpy(data + BC_POLICY_DIGEST_SIZE, p->ref, p->ref_size);
	s = bc_signature_verify(data, BC_POLICY_DIGEST_SIZE + p->ref_size, p->signature,
				p->signature_size, pubkey_path, err);
	if (s == BC_E_MISMATCH)
		return bc_fail(err, s, "the policy's signature does not verify with %s",
			       pubkey_path);
	return s;
}

static const bc_pcr_bank *bank_of(const bc_pcr_values *v, uint16_t alg)
{
	for (size_t i = 0; i < v->count; i++)
		if (v->banks[i].alg == alg)
			return &v->banks[i];
	return NULL;
}

static bool branch_has(const bc_policy_branch *b, size_t k, const bc_pcr_bank *bank, uint32_t pcr)
{
	return memcmp(b->values[k].bytes, bank->values[pcr], b->values[k].size) == 0;
}

/* Why no branch has the current values: the first PCR whose value none has, with that
 * value (what the operator compares with a prediction), or else the combination. */
static bc_status no_branch_fail(const bc_signed_policy *p, const bc_pcr_bank *bank, bc_error *err)
{
	const bc_hash_alg *alg = bc_hash_alg_by_id(bank->alg);
	uint32_t mask = p->sel.banks[0].mask;
	size_t k = 0;
	for (uint32_t pcr = 0; pcr < BC_PCR_COUNT; pcr++) {
		char hex[2 * BC_MAX_DIGEST_SIZE + 1];
		if (!(mask & (1u << pcr)))
			continue;
		bool some = false;
		for (size_t i = 0; i < p->branch_count && !some; i++)
			some = branch_has(&p->branches[i], k, bank, pcr);
		if (!some)
			return bc_fail(
			    err, BC_E_NOTFOUND,
			    "%s PCR %u = %s is in none of the policy's %zu branches", alg->name,
			    pcr, bc_hex_encode(bank->values[pcr], alg->size, hex), p->branch_count);
		k++;
	}
	return bc_fail(err, BC_E_NOTFOUND,
		       "each %s PCR value is allowed, but not in this combination", alg->name);
}

bc_status bc_signed_policy_find(const bc_signed_policy *p, const bc_pcr_values *current,
				size_t *index, bc_error *err)
{
	uint16_t alg = p->sel.banks[0].alg;
	const char *name = bc_hash_alg_name(alg);
	const bc_pcr_bank *bank = bank_of(current, alg);
	uint32_t mask = p->sel.banks[0].mask;
	if (!bank || (bank->mask & mask) != mask)
		return bc_fail(err, BC_E_INVALID,
			       "the %s values of the policy's PCRs were not read", name);
	for (size_t i = 0; i < p->branch_count; i++) {
		bool all = true;
		size_t k = 0;
		for (uint32_t pcr = 0; all && pcr < BC_PCR_COUNT; pcr++)
			if (mask & (1u << pcr))
				all = branch_has(&p->branches[i], k++, bank, pcr);
		if (all) {
			*index = i;
			return BC_OK;
		}
	}
	return no_branch_fail(p, bank, err);
}
