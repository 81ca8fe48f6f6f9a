/* SPDX-License-Identifier: BSD-3-Clause */
/* Merkle trees over nonces (attest/merkle.c): known vectors, paths of every leaf of
 * trees of 1 to 1000 leaves, every tampering refused, and the "batch" member of
 * evidence. */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <openssl/sha.h>

#include "attest/merkle.h"
#include "util/hex.h"

#define HS BC_MERKLE_HASH_SIZE

typedef uint8_t hash[HS];

/* The nonce of leaf i in these tests: 32 bytes of i (mod 256) then i's high bytes. */
static void nonce_of(size_t i, uint8_t out[32])
{
	memset(out, (int)(i & 0xff), 32);
	out[0] ^= (uint8_t)(i >> 8);
	out[1] ^= (uint8_t)(i >> 16);
}

static const char *hexof(const uint8_t *h)
{
	static char text[2 * HS + 1];
	return bc_hex_encode(h, HS, text);
}

/* By hand, with SHA-256 itself: SHA-256(0x00 || nonce) and SHA-256(0x01 || l || r). */
static void hand_leaf(const uint8_t *nonce, size_t len, uint8_t out[HS])
{
	uint8_t buf[1 + 64];
	buf[0] = 0;
	memcpy(buf + 1, nonce, len);
	SHA256(buf, 1 + len, out);
}

static void hand_node(const uint8_t *l, const uint8_t *r, uint8_t out[HS])
{
	uint8_t buf[1 + 2 * HS];
	buf[0] = 1;
	memcpy(buf + 1, l, HS);
	memcpy(buf + 1 + HS, r, HS);
	SHA256(buf, sizeof(buf), out);
}

static bc_merkle *tree_of(size_t n, hash **leaves_out)
{
	hash *leaves = malloc(n * sizeof(*leaves));
	uint8_t nonce[32];
	bc_merkle *t = NULL;
	assert_non_null(leaves);
	for (size_t i = 0; i < n; i++) {
		nonce_of(i, nonce);
		bc_merkle_leaf(nonce, sizeof(nonce), leaves[i]);
	}
	assert_int_equal(bc_merkle_build((const hash *)leaves, n, &t, NULL), BC_OK);
	if (leaves_out)
		*leaves_out = leaves;
	else
		free(leaves);
	return t;
}

static void test_leaf_and_node_known_vectors(void **state)
{
	(void)state;
	hash a, b, n;
	bc_merkle_leaf((const uint8_t *)"abc", 3, a);
	/* python3: hashlib.sha256(b'\x00' + b'abc').hexdigest() */
	assert_string_equal(hexof(a),
			    "609f6e36d2405585188d5cfd761f407c7cc46a7d3f314c88270469dde315fcd1");
	bc_merkle_leaf((const uint8_t *)"a", 1, a);
	bc_merkle_leaf((const uint8_t *)"b", 1, b);
	bc_merkle_node(a, b, n);
	assert_string_equal(hexof(n),
			    "b137985ff484fb600db93107c77b0365c80d78f5b429ded0fd97361d077999eb");
}

/* Roots of trees of 32-byte nonces 00..00, 01..01, ..., computed with Python's hashlib. */
static void test_roots_of_small_trees_known_vectors(void **state)
{
	(void)state;
	static const struct {
		size_t leaves;
		const char *root;
	} vectors[] = {
	    {1, "7f9c9e31ac8256ca2f258583df262dbc7d6f68f2a03043d5c99a4ae5a7396ce9"},
	    {2, "28fb81e496897e0ce886f08602392e9239b65c659041e5202163e58ad898f444"},
	    {3, "ba8d94b7fbcecae7b81c4c80574fe24734a6917bf9c1ecd66ff3e0c34ead4620"},
	    {4, "fdea52008cdae79fa8bf806261959e23f5e11681646a2fa2bc9b5e56b32030a2"},
	    {5, "85e20cac1f02fda7bcdb2fc3f908568c57018c77815f1fa361acad13994f08bf"},
	    {7, "7318881c41fce3c1de3640df8e8c110c93f43f686b74204a9d1ad5b8c71c2047"},
	    {8, "f907f23f76aa01b755a614d31ef9832909f44638b4590073301e61e6d01f9a1d"},
	};
	for (size_t v = 0; v < sizeof(vectors) / sizeof(vectors[0]); v++) {
		bc_merkle *t = tree_of(vectors[v].leaves, NULL);
		assert_string_equal(hexof(bc_merkle_root(t)), vectors[v].root);
		bc_merkle_free(t);
	}
}

/* The same trees by hand: a single leaf is its own root; an odd node goes up as it is. */
static void test_roots_by_hand(void **state)
{
	(void)state;
	uint8_t n[8][32];
	hash l[8], a, b, c, d, root;
	for (size_t i = 0; i < 8; i++) {
		nonce_of(i, n[i]);
		hand_leaf(n[i], 32, l[i]);
	}
	bc_merkle *t = tree_of(1, NULL);
	assert_memory_equal(bc_merkle_root(t), l[0], HS);
	bc_merkle_free(t);

	t = tree_of(3, NULL); /* ((l0 l1) l2) */
	hand_node(l[0], l[1], a);
	hand_node(a, l[2], root);
	assert_memory_equal(bc_merkle_root(t), root, HS);
	bc_merkle_free(t);

	t = tree_of(5, NULL); /* (((l0 l1) (l2 l3)) l4) */
	hand_node(l[0], l[1], a);
	hand_node(l[2], l[3], b);
	hand_node(a, b, c);
	hand_node(c, l[4], root);
	assert_memory_equal(bc_merkle_root(t), root, HS);
	bc_merkle_free(t);

	t = tree_of(7, NULL); /* (((l0 l1) (l2 l3)) ((l4 l5) l6)) */
	hand_node(l[4], l[5], d);
	hand_node(d, l[6], d);
	hand_node(c, d, root);
	assert_memory_equal(bc_merkle_root(t), root, HS);
	bc_merkle_free(t);
}

/* Leaf 4 of 5 is promoted twice: its path is the one sibling at the top. */
static void test_path_of_a_promoted_leaf(void **state)
{
	(void)state;
	uint8_t n[32];
	hash l[4], a, b, c, path[BC_MERKLE_MAX_DEPTH];
	for (size_t i = 0; i < 4; i++) {
		nonce_of(i, n);
		hand_leaf(n, 32, l[i]);
	}
	hand_node(l[0], l[1], a);
	hand_node(l[2], l[3], b);
	hand_node(a, b, c);
	bc_merkle *t = tree_of(5, NULL);
	assert_int_equal(bc_merkle_path(t, 4, path), 1);
	assert_int_equal(bc_merkle_path_length(4, 5), 1);
	assert_memory_equal(path[0], c, HS);
	/* and leaf 2 of 5: l3, then (l0 l1), then (l4) */
	assert_int_equal(bc_merkle_path(t, 2, path), 3);
	assert_memory_equal(path[0], l[3], HS);
	assert_memory_equal(path[1], a, HS);
	nonce_of(4, n);
	hand_leaf(n, 32, c);
	assert_memory_equal(path[2], c, HS);
	bc_merkle_free(t);
}

static void check_leaf(const bc_merkle *t, size_t n, size_t i)
{
	uint8_t nonce[32];
	hash path[BC_MERKLE_MAX_DEPTH], root;
	size_t len = bc_merkle_path(t, i, path);
	nonce_of(i, nonce);
	assert_int_equal(len, bc_merkle_path_length(i, n));
	assert_true(bc_merkle_verify(nonce, sizeof(nonce), i, n, (const hash *)path, len,
				     bc_merkle_root(t)));
	assert_true(bc_merkle_root_of(nonce, sizeof(nonce), i, n, (const hash *)path, len, root));
	assert_memory_equal(root, bc_merkle_root(t), HS);
}

/* Every leaf of trees of 1 to 64 leaves, and the first, middle and last leaves and a
 * few others of every tree up to 1000. */
static void test_every_path_verifies_1_to_1000(void **state)
{
	(void)state;
	for (size_t n = 1; n <= 1000; n++) {
		bc_merkle *t = tree_of(n, NULL);
		assert_int_equal(bc_merkle_leaves(t), n);
		if (n <= 64) {
			for (size_t i = 0; i < n; i++)
				check_leaf(t, n, i);
		} else {
			size_t picks[] = {0, 1, n / 3, n / 2, n - 2, n - 1, 7919 % n};
			for (size_t p = 0; p < sizeof(picks) / sizeof(picks[0]); p++)
				check_leaf(t, n, picks[p]);
		}
		bc_merkle_free(t);
	}
}

/* Per level from the leaf: 0 no sibling (promoted), 1 a sibling on the right, 2 on the
 * left. What a path means is this pattern and the path's hashes. */
static void pattern(size_t index, size_t leaves, char *out)
{
	size_t k = 0;
	for (size_t n = leaves; n > 1; n = (n + 1) / 2, index /= 2)
		out[k++] = (char)('0' + ((index ^ 1) >= n ? 0 : index % 2 ? 2 : 1));
	out[k] = 0;
}

static void test_every_tampering_is_refused(void **state)
{
	(void)state;
	const size_t n = 13, index = 6;
	uint8_t nonce[32];
	hash path[BC_MERKLE_MAX_DEPTH], bad[BC_MERKLE_MAX_DEPTH], root;
	bc_merkle *t = tree_of(n, NULL);
	size_t len = bc_merkle_path(t, index, path);
	nonce_of(index, nonce);
	memcpy(root, bc_merkle_root(t), HS);
	assert_true(bc_merkle_verify(nonce, 32, index, n, (const hash *)path, len, root));

	/* every bit of the nonce, of every sibling, of the root */
	for (size_t bit = 0; bit < 8 * 32; bit++) {
		nonce[bit / 8] ^= (uint8_t)(1u << (bit % 8));
		assert_false(bc_merkle_verify(nonce, 32, index, n, (const hash *)path, len, root));
		nonce[bit / 8] ^= (uint8_t)(1u << (bit % 8));
	}
	assert_false(bc_merkle_verify(nonce, 31, index, n, (const hash *)path, len, root));
	for (size_t k = 0; k < len; k++)
		for (size_t bit = 0; bit < 8 * HS; bit++) {
			memcpy(bad, path, sizeof(path));
			bad[k][bit / 8] ^= (uint8_t)(1u << (bit % 8));
			assert_false(
			    bc_merkle_verify(nonce, 32, index, n, (const hash *)bad, len, root));
		}
	for (size_t bit = 0; bit < 8 * HS; bit++) {
		root[bit / 8] ^= (uint8_t)(1u << (bit % 8));
		assert_false(bc_merkle_verify(nonce, 32, index, n, (const hash *)path, len, root));
		root[bit / 8] ^= (uint8_t)(1u << (bit % 8));
	}
	/* siblings swapped, dropped, added */
	memcpy(bad, path, sizeof(path));
	memcpy(bad[0], path[1], HS);
	memcpy(bad[1], path[0], HS);
	assert_false(bc_merkle_verify(nonce, 32, index, n, (const hash *)bad, len, root));
	for (size_t l = 0; l <= BC_MERKLE_MAX_DEPTH; l++)
		if (l != len)
			assert_false(
			    bc_merkle_verify(nonce, 32, index, n, (const hash *)path, l, root));
	/* any other index */
	for (size_t i = 0; i < n + 5; i++)
		if (i != index)
			assert_false(
			    bc_merkle_verify(nonce, 32, i, n, (const hash *)path, len, root));
	/* another count of leaves is refused unless it gives this leaf the same place in a
	 * tree of the same shape above it, when the path means the same (the count is not
	 * signed: only the root is) */
	char want[64], got[64];
	pattern(index, n, want);
	for (size_t m = 0; m < 70; m++) {
		if (m == n)
			continue;
		bool same = m > index && (pattern(index, m, got), strcmp(got, want) == 0);
		assert_int_equal(
		    bc_merkle_verify(nonce, 32, index, m, (const hash *)path, len, root), same);
	}
	/* a node of the tree passed off as a leaf (its children as the nonce, one level
	 * up): the 0x00/0x01 prefixes tell them apart */
	uint8_t children[2 * HS];
	hand_leaf(nonce, 32, children);
	memcpy(children + HS, path[0], HS);
	assert_int_equal(bc_merkle_path_length(index / 2, (n + 1) / 2), len - 1);
	assert_false(bc_merkle_verify(children, sizeof(children), index / 2, (n + 1) / 2,
				      (const hash *)path + 1, len - 1, root));
	bc_merkle_free(t);
}

/* The second leaf of another batch does not verify against this one's root. */
static void test_paths_do_not_cross_trees(void **state)
{
	(void)state;
	hash path[BC_MERKLE_MAX_DEPTH];
	uint8_t nonce[32];
	bc_merkle *a = tree_of(10, NULL), *b = tree_of(11, NULL);
	size_t len = bc_merkle_path(b, 3, path);
	nonce_of(3, nonce);
	assert_true(bc_merkle_verify(nonce, 32, 3, 11, (const hash *)path, len, bc_merkle_root(b)));
	assert_false(
	    bc_merkle_verify(nonce, 32, 3, 11, (const hash *)path, len, bc_merkle_root(a)));
	assert_false(
	    bc_merkle_verify(nonce, 32, 3, 10, (const hash *)path, len, bc_merkle_root(a)));
	bc_merkle_free(a);
	bc_merkle_free(b);
}

static void test_limits(void **state)
{
	(void)state;
	hash leaf, root;
	bc_merkle *t = NULL;
	bc_error err = {0};
	assert_int_equal(bc_merkle_build((const hash *)&leaf, 0, &t, &err), BC_E_INVALID);
	assert_int_equal(bc_merkle_build((const hash *)&leaf, BC_MERKLE_MAX_LEAVES + 1, &t, &err),
			 BC_E_INVALID);
	assert_null(t);
	assert_false(bc_merkle_root_of((const uint8_t *)"x", 1, 0, 0, NULL, 0, root));
	assert_false(bc_merkle_root_of((const uint8_t *)"x", 1, 1, 1, NULL, 0, root));
	assert_false(
	    bc_merkle_root_of((const uint8_t *)"x", 1, 0, BC_MERKLE_MAX_LEAVES + 1, NULL, 0, root));
	assert_true(bc_merkle_root_of((const uint8_t *)"x", 1, 0, 1, NULL, 0, root));
	assert_int_equal(bc_merkle_path_length(0, BC_MERKLE_MAX_LEAVES), BC_MERKLE_MAX_DEPTH);
	assert_int_equal(bc_merkle_path_length(5, 5), 0);
}

/* ---- the "batch" member ---- */

static bc_status parse(const char *json, bool *present, bc_evidence_batch *b)
{
	bc_error err = {0};
	return bc_evidence_batch_parse(json, strlen(json), "test", present, b, &err);
}

#define H64 "0000000000000000000000000000000000000000000000000000000000000000"
#define HFF "ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff"

static void test_batch_member_parses(void **state)
{
	(void)state;
	bc_evidence_batch b;
	bool present = true;
	assert_int_equal(parse("{\"format\": \"x\"}", &present, &b), BC_OK);
	assert_false(present);
	assert_int_equal(parse("{\"batch\": null}", &present, &b), BC_OK);
	assert_false(present);
	assert_int_equal(parse("{\"batch\": {\"root\": \"" HFF "\", \"index\": 2, \"leaves\": 3, "
			       "\"path\": [\"" H64 "\"]}}",
			       &present, &b),
			 BC_OK);
	assert_true(present);
	assert_int_equal(b.index, 2);
	assert_int_equal(b.leaves, 3);
	assert_int_equal(b.path_len, 1);
	assert_int_equal(b.root[31], 0xff);
	assert_int_equal(parse("{\"batch\": {\"root\": \"" H64 "\", \"index\": 0, \"leaves\": 1, "
			       "\"path\": []}}",
			       &present, &b),
			 BC_OK);
}

static void test_batch_member_of_the_wrong_shape_is_refused(void **state)
{
	(void)state;
	static const char *const bad[] = {
	    "{\"batch\": []}",
	    "{\"batch\": {\"index\": 0, \"leaves\": 1, \"path\": []}}",
	    "{\"batch\": {\"root\": \"00\", \"index\": 0, \"leaves\": 1, \"path\": []}}",
	    "{\"batch\": {\"root\": \"" H64 "\", \"index\": 1, \"leaves\": 1, \"path\": []}}",
	    "{\"batch\": {\"root\": \"" H64 "\", \"index\": 0, \"leaves\": 0, \"path\": []}}",
	    "{\"batch\": {\"root\": \"" H64 "\", \"index\": -1, \"leaves\": 2, \"path\": []}}",
	    "{\"batch\": {\"root\": \"" H64 "\", \"index\": 0.0, \"leaves\": 1, \"path\": []}}",
	    "{\"batch\": {\"root\": \"" H64 "\", \"index\": 1e0, \"leaves\": 2, \"path\": []}}",
	    "{\"batch\": {\"root\": \"" H64 "\", \"index\": 01, \"leaves\": 2, \"path\": []}}",
	    "{\"batch\": {\"root\": \"" H64 "\", \"index\": \"0\", \"leaves\": 1, \"path\": []}}",
	    "{\"batch\": {\"root\": \"" H64 "\", \"index\": 0, \"leaves\": 99999999, \"path\": "
	    "[]}}",
	    "{\"batch\": {\"root\": \"" H64 "\", \"index\": 0, \"leaves\": 2, \"path\": []}}",
	    "{\"batch\": {\"root\": \"" H64 "\", \"index\": 0, \"leaves\": 2, \"path\": [\"00\"]}}",
	    "{\"batch\": {\"root\": \"" H64 "\", \"index\": 0, \"leaves\": 2, \"path\": [1]}}",
	    "{\"batch\": {\"root\": \"" H64 "\", \"index\": 0, \"leaves\": 1, \"path\": [\"" H64
	    "\"]}}",
	    "{\"batch\": {\"root\": \"" H64 "\", \"index\": 0, \"leaves\": 2, \"path\": \"x\"}}",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		bc_evidence_batch b;
		bool present = false;
		if (parse(bad[i], &present, &b) != BC_E_FORMAT)
			fail_msg("accepted: %s", bad[i]);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_leaf_and_node_known_vectors),
	    cmocka_unit_test(test_roots_of_small_trees_known_vectors),
	    cmocka_unit_test(test_roots_by_hand),
	    cmocka_unit_test(test_path_of_a_promoted_leaf),
	    cmocka_unit_test(test_every_path_verifies_1_to_1000),
	    cmocka_unit_test(test_every_tampering_is_refused),
	    cmocka_unit_test(test_paths_do_not_cross_trees),
	    cmocka_unit_test(test_limits),
	    cmocka_unit_test(test_batch_member_parses),
	    cmocka_unit_test(test_batch_member_of_the_wrong_shape_is_refused),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
