/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Nonce batching (internal to libbootchain): many verifiers' nonces signed by one
 * TPM2_Quote whose qualifying data is the root of a Merkle tree over them.
 *
 *   leaf = SHA-256(0x00 || nonce)
 *   node = SHA-256(0x01 || left || right)
 *
 * built level by level from the leaves in arrival order; a level of odd size promotes
 * its last node unchanged to the level above. One leaf is a tree too: its root is the
 * leaf hash, so that a batch of one is verified like any other. The prefixes keep a
 * leaf from passing for a node (RFC 6962 does the same), and a verifier recomputes the
 * root from its own nonce, so nothing the machine says about the batch is trusted.
 *
 * A path lists the siblings from the leaf up; a promoted node has no sibling at that
 * level, so the length of a path follows from (index, leaves), and a path of any other
 * length is refused.
 */
#ifndef BC_ATTEST_MERKLE_H
#define BC_ATTEST_MERKLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <bootchain/attest.h>

#define BC_MERKLE_HASH_SIZE 32
/* Caps a verifier applies to what a machine claims: 2^24 leaves, so paths of at most 24. */
#define BC_MERKLE_MAX_LEAVES ((size_t)1 << 24)
#define BC_MERKLE_MAX_DEPTH  24

void bc_merkle_leaf(const uint8_t *nonce, size_t len, uint8_t out[BC_MERKLE_HASH_SIZE]);
void bc_merkle_node(const uint8_t left[BC_MERKLE_HASH_SIZE],
		    const uint8_t right[BC_MERKLE_HASH_SIZE], uint8_t out[BC_MERKLE_HASH_SIZE]);

/* A tree: every level kept, for the paths. */
typedef struct bc_merkle bc_merkle;

/* The tree over count (1 to BC_MERKLE_MAX_LEAVES) leaf hashes. */
bc_status bc_merkle_build(const uint8_t (*leaves)[BC_MERKLE_HASH_SIZE], size_t count,
			  bc_merkle **out, bc_error *err);
void bc_merkle_free(bc_merkle *tree);
const uint8_t *bc_merkle_root(const bc_merkle *tree);
size_t bc_merkle_leaves(const bc_merkle *tree);

/* How many siblings the path of leaf index has in a tree of leaves; 0 when index is not
 * a leaf (and for the single leaf of a tree of one). */
size_t bc_merkle_path_length(size_t index, size_t leaves);

/* The siblings of leaf index from the leaf up into path (BC_MERKLE_MAX_DEPTH entries);
 * returns their count. index must be below bc_merkle_leaves(). */
size_t bc_merkle_path(const bc_merkle *tree, size_t index, uint8_t (*path)[BC_MERKLE_HASH_SIZE]);

/* The root that nonce at index among leaves hashes up to along path; false when index,
 * leaves or the path length do not fit together. */
bool bc_merkle_root_of(const uint8_t *nonce, size_t len, size_t index, size_t leaves,
		       const uint8_t (*path)[BC_MERKLE_HASH_SIZE], size_t path_len,
		       uint8_t root[BC_MERKLE_HASH_SIZE]);

/* Whether nonce is leaf index of the tree of leaves whose root is root. */
bool bc_merkle_verify(const uint8_t *nonce, size_t len, size_t index, size_t leaves,
		      const uint8_t (*path)[BC_MERKLE_HASH_SIZE], size_t path_len,
		      const uint8_t root[BC_MERKLE_HASH_SIZE]);

/* ---- batched evidence ----
 *
 * The "batch" member that `bootchain attest serve` adds to an evidence file:
 *   "batch": {"root": hex, "index": n, "leaves": count, "path": [hex, ...]}
 * with "nonce" the requester's own nonce, and the quote's extraData the root.
 */
typedef struct bc_evidence_batch {
	uint8_t root[BC_MERKLE_HASH_SIZE]; /* as the machine claims it: checked, not used */
	size_t index, leaves;
	uint8_t path[BC_MERKLE_MAX_DEPTH][BC_MERKLE_HASH_SIZE];
	size_t path_len;
} bc_evidence_batch;

/* The "batch" member of an evidence document (JSON); *present is false when it has none.
 * A batch member of the wrong shape is BC_E_FORMAT, naming the field. */
bc_status bc_evidence_batch_parse(const void *json, size_t size, const char *name, bool *present,
				  bc_evidence_batch *out, bc_error *err);

/*
 * Verify batched evidence: the root is recomputed from the verifier's nonce
 * (opts->nonce) and the path, must equal the batch's root, and is the nonce
 * bc_verify_evidence() then expects in extraData. The "nonce" check fails when the path
 * does not lead from the verifier's nonce to the quoted root, and says which.
 */
bc_status bc_verify_batched_evidence(const bc_evidence *ev, const bc_evidence_batch *batch,
				     const bc_verify_opts *opts, bc_verify_result *res,
				     bc_error *err);

#endif
