/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Policy digests computed in software, byte for byte as a SHA-256 policy session
 * computes them (TPM 2.0 Part 3, 23.7 PolicyOR, 23.16 PolicyAuthorize, 23.7 PolicyPCR):
 * no TPM is needed to know what a sealed object's authPolicy must be.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include <bootchain/policy.h>

#include "util/cleanup.h"

#define TPM_CC_POLICY_PCR	0x0000017Fu
#define TPM_CC_POLICY_OR	0x00000171u
#define TPM_CC_POLICY_AUTHORIZE 0x0000016Au
#define PCR_SELECT_SIZE		3 /* sizeofSelect: 24 PCRs, as tpm2-tools marshals it */

DEFINE_TRIVIAL_CLEANUP_FUNC(EVP_MD_CTX *, EVP_MD_CTX_free)

/* One piece of a hash input. */
typedef struct part {
	const void *data;
	size_t size;
} part;

/* out = SHA-256(parts[0] || parts[1] || ...). */
static bc_status sha256_parts(const part *parts, size_t count, uint8_t out[BC_POLICY_DIGEST_SIZE],
			      bc_error *err)
{
	_cleanup_(EVP_MD_CTX_freep) EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	unsigned len = 0;
	if (!ctx || EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) != 1)
		return bc_fail(err, BC_E_UNSUPPORTED, "policy: cannot compute sha256");
	for (size_t i = 0; i < count; i++)
		if (parts[i].size && EVP_DigestUpdate(ctx, parts[i].data, parts[i].size) != 1)
			return bc_fail(err, BC_E_UNSUPPORTED, "policy: cannot compute sha256");
	if (EVP_DigestFinal_ex(ctx, out, &len) != 1 || len != BC_POLICY_DIGEST_SIZE)
		return bc_fail(err, BC_E_UNSUPPORTED, "policy: cannot compute sha256");
	return BC_OK;
}

static void put_be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

/* TPML_PCR_SELECTION of one bank: count, then hash, sizeofSelect, pcrSelect. */
static size_t marshal_selection(uint16_t alg, uint32_t mask, uint8_t *out)
{
	put_be32(out, 1);
	out[4] = (uint8_t)(alg >> 8);
	out[5] = (uint8_t)alg;
	out[6] = PCR_SELECT_SIZE;
	out[7] = (uint8_t)mask;
	out[8] = (uint8_t)(mask >> 8);
	out[9] = (uint8_t)(mask >> 16);
	return 10;
}

static bc_status check_selection(const bc_pcr_selection *sel, size_t count, bc_error *err)
{
	if (sel->count != 1)
		return bc_fail(err, BC_E_INVALID,
			       "policy: PolicyPCR takes PCRs of one bank here, not %zu",
			       sel->count);
	const bc_hash_alg *alg = bc_hash_alg_by_id(sel->banks[0].alg);
	uint32_t mask = sel->banks[0].mask;
	if (!alg)
		return bc_fail(err, BC_E_UNSUPPORTED, "policy: unknown bank 0x%04x",
			       sel->banks[0].alg);
	if (!mask || (mask & ~BC_PCR_ALL_MASK))
		return bc_fail(err, BC_E_INVALID, "policy: no PCR (0-23) selected");
	if ((size_t)__builtin_popcount(mask) != count)
		return bc_fail(err, BC_E_INVALID, "policy: %zu values for %d PCRs", count,
			       __builtin_popcount(mask));
	return BC_OK;
}

bc_status bc_policy_pcr(const uint8_t *before, const bc_pcr_selection *sel, const bc_digest *values,
			size_t count, uint8_t out[BC_POLICY_DIGEST_SIZE], bc_error *err)
{
	static const uint8_t zero[BC_POLICY_DIGEST_SIZE];
	uint8_t cc[4], selection[10], pcr_digest[BC_POLICY_DIGEST_SIZE];
	bc_status s = check_selection(sel, count, err);
	if (s != BC_OK)
		return s;
	const bc_hash_alg *alg = bc_hash_alg_by_id(sel->banks[0].alg);
	/* pcrDigest: the selected values concatenated, hashed with the session's hash */
	_cleanup_free_ part *values_parts = calloc(count, sizeof(*values_parts));
	if (!values_parts)
		return bc_fail(err, BC_E_NOMEM, "out of memory");
	for (size_t i = 0; i < count; i++) {
		if (values[i].size != alg->size)
			return bc_fail(err, BC_E_INVALID, "policy: value %zu has %u bytes, not %u",
				       i, values[i].size, alg->size);
		values_parts[i] = (part){values[i].bytes, values[i].size};
	}
	if ((s = sha256_parts(values_parts, count, pcr_digest, err)) != BC_OK)
		return s;
	put_be32(cc, TPM_CC_POLICY_PCR);
	size_t sel_size = marshal_selection(sel->banks[0].alg, sel->banks[0].mask, selection);
	const part parts[] = {{before ? before : zero, BC_POLICY_DIGEST_SIZE},
			      {cc, sizeof(cc)},
			      {selection, sel_size},
			      {pcr_digest, sizeof(pcr_digest)}};
	return sha256_parts(parts, ELEMENTSOF(parts), out, err);
}

bc_status bc_policy_branch_digest(bc_policy_branch *b, bc_error *err)
{
	return bc_policy_pcr(NULL, &b->sel, b->values, b->count, b->digest, err);
}

/* PolicyOR over count digests (2 to 8): H(0...0 || TPM_CC_PolicyOR || digests). */
static bc_status policy_or(const uint8_t (*digests)[BC_POLICY_DIGEST_SIZE], size_t count,
			   uint8_t out[BC_POLICY_DIGEST_SIZE], bc_error *err)
{
	static const uint8_t zero[BC_POLICY_DIGEST_SIZE];
	uint8_t cc[4];
	put_be32(cc, TPM_CC_POLICY_OR);
	const part parts[] = {
	    {zero, sizeof(zero)}, {cc, sizeof(cc)}, {digests, count * BC_POLICY_DIGEST_SIZE}};
	return sha256_parts(parts, ELEMENTSOF(parts), out, err);
}

/* The level above nodes: each group of 8 (the last may be smaller) its PolicyOR, a
 * group of one passed up unchanged. up holds (count + 7) / 8 digests. */
static bc_status level_up(const uint8_t (*nodes)[BC_POLICY_DIGEST_SIZE], size_t count,
			  uint8_t (*up)[BC_POLICY_DIGEST_SIZE], bc_error *err)
{
	for (size_t g = 0; g * BC_POLICY_OR_MAX < count; g++) {
		size_t first = g * BC_POLICY_OR_MAX;
		size_t n = count - first < BC_POLICY_OR_MAX ? count - first : BC_POLICY_OR_MAX;
		if (n == 1) {
			memcpy(up[g], nodes[first], BC_POLICY_DIGEST_SIZE);
			continue;
		}
		bc_status s = policy_or(nodes + first, n, up[g], err);
		if (s != BC_OK)
			return s;
	}
	return BC_OK;
}

/* Walk the tree from the leaves up; at each level, with steps, record the group that
 * holds index (unless it is a group of one, which needs no PolicyOR). */
static bc_status walk(const uint8_t (*leaves)[BC_POLICY_DIGEST_SIZE], size_t count, size_t index,
		      bc_policy_or_step *steps, size_t *step_count,
		      uint8_t root[BC_POLICY_DIGEST_SIZE], bc_error *err)
{
	if (!leaves || count == 0)
		return bc_fail(err, BC_E_INVALID, "policy: a PolicyOR tree needs a leaf");
	if (index >= count)
		return bc_fail(err, BC_E_INVALID, "policy: leaf %zu of %zu", index, count);
	_cleanup_free_ uint8_t(*level)[BC_POLICY_DIGEST_SIZE] = malloc(count * sizeof(*level));
	if (!level)
		return bc_fail(err, BC_E_NOMEM, "out of memory");
	memcpy(level, leaves, count * sizeof(*level));
	*step_count = 0;
	while (count > 1) {
		size_t first = index / BC_POLICY_OR_MAX * BC_POLICY_OR_MAX;
		size_t n = count - first < BC_POLICY_OR_MAX ? count - first : BC_POLICY_OR_MAX;
		if (steps && n > 1) {
			steps[*step_count].count = n;
			memcpy(steps[*step_count].digests, level[first], n * sizeof(*level));
		}
		if (n > 1)
			(*step_count)++;
		/* in place: group g's node goes to level[g], never past what is still read */
		bc_status s =
		    level_up((const uint8_t(*)[BC_POLICY_DIGEST_SIZE])level, count, level, err);
		if (s != BC_OK)
			return s;
		count = (count + BC_POLICY_OR_MAX - 1) / BC_POLICY_OR_MAX;
		index /= BC_POLICY_OR_MAX;
	}
	memcpy(root, level[0], BC_POLICY_DIGEST_SIZE);
	return BC_OK;
}

bc_status bc_policy_or_root(const uint8_t (*leaves)[BC_POLICY_DIGEST_SIZE], size_t count,
			    uint8_t root[BC_POLICY_DIGEST_SIZE], bc_error *err)
{
	size_t steps;
	return walk(leaves, count, 0, NULL, &steps, root, err);
}

bc_status bc_policy_or_path(const uint8_t (*leaves)[BC_POLICY_DIGEST_SIZE], size_t count,
			    size_t index, bc_policy_or_step **steps, size_t *step_count,
			    bc_error *err)
{
	uint8_t root[BC_POLICY_DIGEST_SIZE];
	size_t levels = 0;
	*steps = NULL;
	*step_count = 0;
	for (size_t n = count; n > 1; n = (n + BC_POLICY_OR_MAX - 1) / BC_POLICY_OR_MAX)
		levels++;
	_cleanup_free_ bc_policy_or_step *out = calloc(levels ? levels : 1, sizeof(*out));
	if (!out)
		return bc_fail(err, BC_E_NOMEM, "out of memory");
	bc_status s = walk(leaves, count, index, out, step_count, root, err);
	if (s != BC_OK)
		return s;
	if (*step_count)
		*steps = TAKE_PTR(out);
	return BC_OK;
}

bc_status bc_policy_authorize(const uint8_t *key_name, size_t name_size, const uint8_t *ref,
			      size_t ref_size, uint8_t out[BC_POLICY_DIGEST_SIZE], bc_error *err)
{
	static const uint8_t zero[BC_POLICY_DIGEST_SIZE];
	uint8_t cc[4], inner[BC_POLICY_DIGEST_SIZE];
	if (!key_name || name_size < 2 || name_size > BC_POLICY_KEY_NAME_MAX)
		return bc_fail(err, BC_E_INVALID, "policy: a key name of %zu bytes", name_size);
	if (ref_size > BC_POLICY_REF_MAX)
		return bc_fail(err, BC_E_LIMIT, "policy: a policyRef of %zu bytes (at most %d)",
			       ref_size, BC_POLICY_REF_MAX);
	put_be32(cc, TPM_CC_POLICY_AUTHORIZE);
	/* PolicyUpdate: the key name, then the reference in a second hash, even empty */
	const part first[] = {{zero, sizeof(zero)}, {cc, sizeof(cc)}, {key_name, name_size}};
	bc_status s = sha256_parts(first, ELEMENTSOF(first), inner, err);
	if (s != BC_OK)
		return s;
	const part second[] = {{inner, sizeof(inner)}, {ref, ref_size}};
	return sha256_parts(second, ELEMENTSOF(second), out, err);
}
