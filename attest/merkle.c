/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Merkle trees over nonces, for quotes shared by a batch of verifiers (attest/merkle.h),
 * and the "batch" member of evidence that carries a verifier's path to the quoted root.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/sha.h>

#include "attest/merkle.h"
#include "util/cleanup.h"
#include "util/hex.h"
#include "util/jscan.h"

struct bc_merkle {
	size_t leaves;
	size_t levels;				/* level 0 holds the leaves, the last the root */
	size_t offset[BC_MERKLE_MAX_DEPTH + 1]; /* of each level in hashes */
	size_t size[BC_MERKLE_MAX_DEPTH + 1];	/* nodes in each level */
	uint8_t (*hashes)[BC_MERKLE_HASH_SIZE];
};

void bc_merkle_leaf(const uint8_t *nonce, size_t len, uint8_t out[BC_MERKLE_HASH_SIZE])
{
	static const uint8_t leaf_prefix = 0x00;
	uint8_t buf[1 + BC_NONCE_MAX];
	if (len > BC_NONCE_MAX) { /* not a nonce a TPM takes; hashed all the same */
		EVP_MD_CTX *ctx = EVP_MD_CTX_new();
		if (!ctx || EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) != 1 ||
		    EVP_DigestUpdate(ctx, &leaf_prefix, 1) != 1 ||
		    EVP_DigestUpdate(ctx, nonce, len) != 1 ||
		    EVP_DigestFinal_ex(ctx, out, NULL) != 1)
			memset(out, 0, BC_MERKLE_HASH_SIZE); /* matches no root a TPM signed */
		EVP_MD_CTX_free(ctx);
		return;
	}
	buf[0] = leaf_prefix;
	if (len)
		memcpy(buf + 1, nonce, len);
	SHA256(buf, 1 + len, out);
}

void bc_merkle_node(const uint8_t left[BC_MERKLE_HASH_SIZE],
		    const uint8_t right[BC_MERKLE_HASH_SIZE], uint8_t out[BC_MERKLE_HASH_SIZE])
{
	uint8_t buf[1 + 2 * BC_MERKLE_HASH_SIZE];
	buf[0] = 0x01;
	memcpy(buf + 1, left, BC_MERKLE_HASH_SIZE);
	memcpy(buf + 1 + BC_MERKLE_HASH_SIZE, right, BC_MERKLE_HASH_SIZE);
	SHA256(buf, sizeof(buf), out);
}

bc_status bc_merkle_build(const uint8_t (*leaves)[BC_MERKLE_HASH_SIZE], size_t count,
			  bc_merkle **out, bc_error *err)
{
	if (count == 0 || count > BC_MERKLE_MAX_LEAVES)
		return bc_fail(err, BC_E_INVALID, "a Merkle tree of %zu leaves: 1 to %zu", count,
			       BC_MERKLE_MAX_LEAVES);
	_cleanup_free_ bc_merkle *t = calloc(1, sizeof(*t));
	if (!t)
		return bc_fail(err, BC_E_NOMEM, "out of memory");
	size_t total = 0;
	for (size_t n = count;; n = (n + 1) / 2) {
		t->offset[t->levels] = total;
		t->size[t->levels++] = n;
		total += n;
		if (n == 1)
			break;
	}
	t->hashes = malloc(total * sizeof(*t->hashes));
	if (!t->hashes)
		return bc_fail(err, BC_E_NOMEM, "out of memory");
	memcpy(t->hashes, leaves, count * sizeof(*t->hashes));
	for (size_t l = 1; l < t->levels; l++) {
		const uint8_t(*below)[BC_MERKLE_HASH_SIZE] = t->hashes + t->offset[l - 1];
		uint8_t(*level)[BC_MERKLE_HASH_SIZE] = t->hashes + t->offset[l];
		size_t n = t->size[l - 1];
		for (size_t i = 0; i + 1 < n; i += 2)
			bc_merkle_node(below[i], below[i + 1], level[i / 2]);
		if (n % 2) /* the odd node out goes up unchanged */
			memcpy(level[n / 2], below[n - 1], BC_MERKLE_HASH_SIZE);
	}
	t->leaves = count;
	*out = TAKE_PTR(t);
	return BC_OK;
}

void bc_merkle_free(bc_merkle *t)
{
	if (!t)
		return;
	free(t->hashes);
	free(t);
}

const uint8_t *bc_merkle_root(const bc_merkle *t)
{
	return t->hashes[t->offset[t->levels - 1]];
}

size_t bc_merkle_leaves(const bc_merkle *t)
{
	return t->leaves;
}

size_t bc_merkle_path_length(size_t index, size_t leaves)
{
	size_t len = 0;
	if (index >= leaves)
		return 0;
	for (size_t n = leaves; n > 1; n = (n + 1) / 2, index /= 2)
		if ((index ^ 1) < n)
			len++;
	return len;
}

size_t bc_merkle_path(const bc_merkle *t, size_t index, uint8_t (*path)[BC_MERKLE_HASH_SIZE])
{
	size_t len = 0;
	for (size_t l = 0; l + 1 < t->levels; l++, index /= 2)
		if ((index ^ 1) < t->size[l])
			memcpy(path[len++], t->hashes[t->offset[l] + (index ^ 1)],
			       BC_MERKLE_HASH_SIZE);
	return len;
}

bool bc_merkle_root_of(const uint8_t *nonce, size_t len, size_t index, size_t leaves,
		       const uint8_t (*path)[BC_MERKLE_HASH_SIZE], size_t path_len,
		       uint8_t root[BC_MERKLE_HASH_SIZE])
{
	uint8_t h[BC_MERKLE_HASH_SIZE];
	size_t used = 0;
	if (leaves == 0 || leaves > BC_MERKLE_MAX_LEAVES || index >= leaves ||
	    path_len != bc_merkle_path_length(index, leaves))
		return false;
	bc_merkle_leaf(nonce, len, h);
	for (size_t n = leaves; n > 1; n = (n + 1) / 2, index /= 2) {
		if (index % 2)
			bc_merkle_node(path[used++], h, h);
		else if (index + 1 < n)
			bc_merkle_node(h, path[used++], h);
		/* else: promoted, no sibling at this level */
	}
	memcpy(root, h, BC_MERKLE_HASH_SIZE);
	return used == path_len;
}

bool bc_merkle_verify(const uint8_t *nonce, size_t len, size_t index, size_t leaves,
		      const uint8_t (*path)[BC_MERKLE_HASH_SIZE], size_t path_len,
		      const uint8_t root[BC_MERKLE_HASH_SIZE])
{
	uint8_t got[BC_MERKLE_HASH_SIZE];
	return bc_merkle_root_of(nonce, len, index, leaves, path, path_len, got) &&
	       CRYPTO_memcmp(got, root, BC_MERKLE_HASH_SIZE) == 0;
}

/* ---- the "batch" member of evidence ---- */

static bc_status bad(bc_error *err, const char *name, const char *field, const char *what)
{
	return bc_fail(err, BC_E_FORMAT, "%s: batch.%s: %s", name, field, what);
}

/* An unsigned decimal JSON number (no sign, fraction or exponent) up to max. */
static bool json_size(const bc_jdoc *doc, const bc_jnode *n, size_t max, size_t *out)
{
	size_t v = 0;
	if (!n || n->type != BC_JNUMBER || n->len == 0 || n->len > 9 ||
	    (n->len > 1 && doc->text[n->start] == '0'))
		return false;
	for (size_t i = 0; i < n->len; i++) {
		char c = doc->text[n->start + i];
		if (c < '0' || c > '9')
			return false;
		v = v * 10 + (size_t)(c - '0');
	}
	if (v > max)
		return false;
	*out = v;
	return true;
}

static bool json_hash(const bc_jdoc *doc, const bc_jnode *n, uint8_t out[BC_MERKLE_HASH_SIZE])
{
	const char *s;
	size_t len, got = 0;
	_cleanup_free_ char *owned = NULL;
	if (!n || n->type != BC_JSTRING || !bc_jstring(doc, n, &s, &len, &owned))
		return false;
	return bc_hex_decode(s, len, out, BC_MERKLE_HASH_SIZE, &got) && got == BC_MERKLE_HASH_SIZE;
}

static bc_status parse_batch(const bc_jdoc *doc, const bc_jnode *b, const char *name,
			     bc_evidence_batch *out, bc_error *err)
{
	if (b->type != BC_JOBJECT)
		return bc_fail(err, BC_E_FORMAT, "%s: batch: not an object", name);
	if (!json_hash(doc, bc_jget(doc, b, "root"), out->root))
		return bad(err, name, "root", "missing or not 32 bytes of hex");
	if (!json_size(doc, bc_jget(doc, b, "leaves"), BC_MERKLE_MAX_LEAVES, &out->leaves) ||
	    out->leaves == 0)
		return bad(err, name, "leaves", "missing or not a count from 1 to 2^24");
	if (!json_size(doc, bc_jget(doc, b, "index"), out->leaves - 1, &out->index))
		return bad(err, name, "index", "missing or not below leaves");
	const bc_jnode *path = bc_jget(doc, b, "path");
	if (!path || path->type != BC_JARRAY)
		return bad(err, name, "path", "missing or not an array");
	out->path_len = 0;
	for (size_t c = path->child; c; c = doc->nodes[c].next) {
		if (out->path_len == BC_MERKLE_MAX_DEPTH)
			return bad(err, name, "path", "too long");
		if (!json_hash(doc, &doc->nodes[c], out->path[out->path_len++]))
			return bad(err, name, "path", "an entry is not 32 bytes of hex");
	}
	if (out->path_len != bc_merkle_path_length(out->index, out->leaves))
		return bad(err, name, "path", "not as long as index and leaves make it");
	return BC_OK;
}

bc_status bc_evidence_batch_parse(const void *json, size_t size, const char *name, bool *present,
				  bc_evidence_batch *out, bc_error *err)
{
	bc_jdoc doc;
	const char *label = name ? name : "(evidence)";
	*present = false;
	if (size > BC_EVIDENCE_MAX_SIZE)
		return bc_fail(err, BC_E_LIMIT, "%s: larger than %zu bytes", label,
			       BC_EVIDENCE_MAX_SIZE);
	bc_status s = bc_jdoc_parse(json, size, label, &doc, err);
	if (s != BC_OK)
		return s;
	const bc_jnode *b = bc_jget(&doc, bc_jroot(&doc), "batch");
	if (b && b->type != BC_JNULL) {
		*present = true;
		s = parse_batch(&doc, b, label, out, err);
	}
	bc_jdoc_free(&doc);
	return s;
}

bc_status bc_verify_batched_evidence(const bc_evidence *ev, const bc_evidence_batch *batch,
				     const bc_verify_opts *opts, bc_verify_result *res,
				     bc_error *err)
{
	uint8_t root[BC_MERKLE_HASH_SIZE];
	bc_verify_opts o = *opts;
	bool fits = bc_merkle_root_of(opts->nonce, opts->nonce_size, batch->index, batch->leaves,
				      (const uint8_t(*)[BC_MERKLE_HASH_SIZE])batch->path,
				      batch->path_len, root);
	bool claimed = fits && CRYPTO_memcmp(root, batch->root, sizeof(root)) == 0;
	o.nonce = root;
	o.nonce_size = fits ? sizeof(root) : 0;
	bc_status s = bc_verify_evidence(ev, &o, res, err);
	if (s != BC_OK)
		return s;
	char *msg = res->message[BC_CHECK_NONCE];
	size_t cap = sizeof(res->message[BC_CHECK_NONCE]);
	if (res->status[BC_CHECK_NONCE] == BC_CHECK_SKIP)
		return BC_OK; /* the quote was not trusted enough to read */
	if (!fits || !claimed) {
		res->status[BC_CHECK_NONCE] = BC_CHECK_FAIL;
		res->pass = false;
		snprintf(msg, cap, "%s",
			 !fits ? "the batch path does not fit its index and leaves"
			       : "the batch path does not lead from the verifier's nonce to "
				 "the batch's root");
	} else if (res->status[BC_CHECK_NONCE] == BC_CHECK_PASS) {
		snprintf(msg, cap,
			 "the verifier's nonce, leaf %zu of a batch of %zu quoted together",
			 batch->index, batch->leaves);
	} else {
		snprintf(msg, cap,
			 "extraData is not the root the verifier's nonce and the batch "
			 "path give");
	}
	return BC_OK;
}
