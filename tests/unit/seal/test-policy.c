/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Policy digests (seal/policy.c) against the byte layouts of TPM 2.0 Part 3, hashed here
 * with OpenSSL: PolicyPCR, PolicyOR trees of 1, 2, 8, 9, 64 and 65 leaves (built by hand
 * level by level), the path from every leaf to the root, PolicyAuthorize; and signed
 * policy files (seal/signed-policy.c): made from a database, written, read back, and
 * refused when changed. tests/integration/seal/policy-digests.sh compares with
 * tpm2-tools on swtpm.
 */
#include "config.h"

#include <ftw.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cmocka.h>

#include <openssl/evp.h>
#include <openssl/pem.h>

#include <bootchain/golden.h>
#include <bootchain/policy.h>

#define D BC_POLICY_DIGEST_SIZE
typedef uint8_t digest[D];

static const uint8_t zero[D];

/* SHA-256 of up to four pieces (NULL ends the list early). */
static void sha256(digest out, const void *a, size_t an, const void *b, size_t bn, const void *c,
		   size_t cn)
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	unsigned len = 0;
	assert_non_null(ctx);
	assert_int_equal(EVP_DigestInit_ex(ctx, EVP_sha256(), NULL), 1);
	assert_int_equal(EVP_DigestUpdate(ctx, a, an), 1);
	if (b)
		assert_int_equal(EVP_DigestUpdate(ctx, b, bn), 1);
	if (c)
		assert_int_equal(EVP_DigestUpdate(ctx, c, cn), 1);
	assert_int_equal(EVP_DigestFinal_ex(ctx, out, &len), 1);
	assert_int_equal(len, D);
	EVP_MD_CTX_free(ctx);
}

/* TPM2_PolicyOR from a zero digest over n digests: H(0 || 00000171 || digests). */
static void reference_or(digest out, const digest *digests, size_t n)
{
	static const uint8_t cc[4] = {0x00, 0x00, 0x01, 0x71};
	sha256(out, zero, D, cc, 4, digests, n * D);
}

/* Leaves 0..n-1, leaf i all bytes i+1 with byte 0 = i >> 8 so each differs. */
static digest *make_leaves(size_t n)
{
	digest *l = calloc(n, sizeof(*l));
	assert_non_null(l);
	for (size_t i = 0; i < n; i++) {
		memset(l[i], (int)(i + 1), D);
		l[i][0] = (uint8_t)(i >> 8);
	}
	return l;
}

static void root_of(const digest *leaves, size_t n, digest root)
{
	bc_error err = {0};
	if (bc_policy_or_root((const uint8_t(*)[D])leaves, n, root, &err) != BC_OK)
		fail_msg("or_root(%zu): %s", n, err.msg);
}

static void test_or_root_one_leaf_is_the_leaf(void **state)
{
	(void)state;
	digest *l = make_leaves(1), root;
	root_of(l, 1, root);
	assert_memory_equal(root, l[0], D);
	free(l);
}

static void test_or_root_two_and_eight_leaves_are_one_policy_or(void **state)
{
	(void)state;
	digest *l = make_leaves(8), root, want;
	root_of(l, 2, root);
	reference_or(want, l, 2);
	assert_memory_equal(root, want, D);
	root_of(l, 8, root);
	reference_or(want, l, 8);
	assert_memory_equal(root, want, D);
	free(l);
}

static void test_or_root_nine_leaves_pass_the_ninth_up(void **state)
{
	(void)state;
	digest *l = make_leaves(9), root, level[2];
	reference_or(level[0], l, 8);
	memcpy(level[1], l[8], D); /* a group of one is passed up unchanged */
	digest want;
	reference_or(want, level, 2);
	root_of(l, 9, root);
	assert_memory_equal(root, want, D);
	free(l);
}

static void test_or_root_64_and_65_leaves(void **state)
{
	(void)state;
	digest *l = make_leaves(65), root, level[9], want, top[2];
	for (size_t g = 0; g < 8; g++)
		reference_or(level[g], l + 8 * g, 8);
	reference_or(want, level, 8);
	root_of(l, 64, root);
	assert_memory_equal(root, want, D);
	/* 65: nine nodes at level 1 (the last the leaf itself), then OR(8) and that leaf */
	reference_or(top[0], level, 8);
	memcpy(top[1], l[64], D);
	reference_or(want, top, 2);
	root_of(l, 65, root);
	assert_memory_equal(root, want, D);
	free(l);
}

/* A session holding leaves[i], taken through the steps, ends at the root. */
static void check_paths(size_t n, size_t steps_first, size_t steps_last)
{
	digest *l = make_leaves(n), root;
	bc_error err = {0};
	root_of(l, n, root);
	for (size_t i = 0; i < n; i++) {
		bc_policy_or_step *steps = NULL;
		size_t count = 99;
		digest session;
		if (bc_policy_or_path((const uint8_t(*)[D])l, n, i, &steps, &count, &err) != BC_OK)
			fail_msg("path %zu of %zu: %s", i, n, err.msg);
		if (i == 0)
			assert_int_equal(count, steps_first);
		if (i == n - 1)
			assert_int_equal(count, steps_last);
		memcpy(session, l[i], D);
		for (size_t s = 0; s < count; s++) {
			bool held = false;
			assert_true(steps[s].count >= 2 && steps[s].count <= BC_POLICY_OR_MAX);
			for (size_t k = 0; k < steps[s].count; k++)
				held |= memcmp(steps[s].digests[k], session, D) == 0;
			assert_true(held); /* the TPM refuses a PolicyOR without the session's */
			reference_or(session, (const digest *)steps[s].digests, steps[s].count);
		}
		assert_memory_equal(session, root, D);
		free(steps);
	}
	free(l);
}

static void test_or_paths_reproduce_the_root(void **state)
{
	(void)state;
	check_paths(1, 0, 0);
	check_paths(2, 1, 1);
	check_paths(8, 1, 1);
	check_paths(9, 2, 1);
	check_paths(64, 2, 2);
	check_paths(65, 3, 1);
}

static void test_or_rejects_bad_inputs(void **state)
{
	(void)state;
	digest *l = make_leaves(3), root;
	bc_policy_or_step *steps = NULL;
	size_t count = 0;
	bc_error err = {0};
	assert_int_equal(bc_policy_or_root((const uint8_t(*)[D])l, 0, root, &err), BC_E_INVALID);
	assert_int_equal(bc_policy_or_root(NULL, 3, root, &err), BC_E_INVALID);
	assert_int_equal(bc_policy_or_path((const uint8_t(*)[D])l, 3, 3, &steps, &count, &err),
			 BC_E_INVALID);
	assert_null(steps);
	free(l);
}

static bc_pcr_selection one_bank(uint16_t alg, uint32_t mask)
{
	return (bc_pcr_selection){.count = 1, .banks[0] = {.alg = alg, .mask = mask}};
}

static bc_digest value(uint16_t alg, uint8_t byte)
{
	const bc_hash_alg *a = bc_hash_alg_by_id(alg);
	bc_digest d = {.alg = alg, .size = a->size};
	memset(d.bytes, byte, a->size);
	return d;
}

static void test_policy_pcr_layout(void **state)
{
	(void)state;
	/* PCRs 0 and 4 of sha256: TPML_PCR_SELECTION 00000001 000b 03 11 00 00 */
	static const uint8_t head[4 + 10] = {0x00, 0x00, 0x01, 0x7f, 0x00, 0x00, 0x00,
					     0x01, 0x00, 0x0b, 0x03, 0x11, 0x00, 0x00};
	bc_pcr_selection sel = one_bank(BC_ALG_SHA256, 0x11);
	bc_digest v[2] = {value(BC_ALG_SHA256, 0xa0), value(BC_ALG_SHA256, 0xa4)};
	digest pcr_digest, want, got;
	bc_error err = {0};
	sha256(pcr_digest, v[0].bytes, D, v[1].bytes, D, NULL, 0);
	sha256(want, zero, D, head, sizeof(head), pcr_digest, D);
	assert_int_equal(bc_policy_pcr(NULL, &sel, v, 2, got, &err), BC_OK);
	assert_memory_equal(got, want, D);
	/* from another session digest, and a sha1 bank (values of 20 bytes) */
	static const uint8_t head1[4 + 10] = {0x00, 0x00, 0x01, 0x7f, 0x00, 0x00, 0x00,
					      0x01, 0x00, 0x04, 0x03, 0x00, 0x00, 0x80};
	bc_digest s1 = value(BC_ALG_SHA1, 0x17);
	sel = one_bank(BC_ALG_SHA1, 1u << 23);
	sha256(pcr_digest, s1.bytes, 20, NULL, 0, NULL, 0);
	uint8_t before_head[D + sizeof(head1)];
	memset(before_head, 0x55, D);
	memcpy(before_head + D, head1, sizeof(head1));
	sha256(want, before_head, sizeof(before_head), pcr_digest, D, NULL, 0);
	assert_int_equal(bc_policy_pcr(before_head, &sel, &s1, 1, got, &err), BC_OK);
	assert_memory_equal(got, want, D);
}

static void test_policy_pcr_rejects_bad_inputs(void **state)
{
	(void)state;
	bc_pcr_selection two = {.count = 2, .banks = {{BC_ALG_SHA256, 1}, {BC_ALG_SHA1, 1}}};
	bc_pcr_selection sel = one_bank(BC_ALG_SHA256, 0x3);
	bc_digest v[2] = {value(BC_ALG_SHA256, 1), value(BC_ALG_SHA1, 2)};
	digest out;
	bc_error err = {0};
	assert_int_equal(bc_policy_pcr(NULL, &two, v, 1, out, &err), BC_E_INVALID);
	assert_int_equal(bc_policy_pcr(NULL, &sel, v, 1, out, &err), BC_E_INVALID); /* count */
	assert_int_equal(bc_policy_pcr(NULL, &sel, v, 2, out, &err), BC_E_INVALID); /* size */
	assert_non_null(strstr(err.msg, "20 bytes"));
	sel = one_bank(BC_ALG_SHA256, 0);
	assert_int_equal(bc_policy_pcr(NULL, &sel, v, 0, out, &err), BC_E_INVALID);
}

static void test_policy_authorize_layout(void **state)
{
	(void)state;
	static const uint8_t cc[4] = {0x00, 0x00, 0x01, 0x6a};
	uint8_t name[34] = {0x00, 0x0b};
	memset(name + 2, 0x42, 32);
	uint8_t zcc[D + 4];
	memcpy(zcc, zero, D);
	memcpy(zcc + D, cc, 4);
	digest inner, want, got;
	bc_error err = {0};
	sha256(inner, zcc, sizeof(zcc), name, sizeof(name), NULL, 0);
	sha256(want, inner, D, "ref", 3, NULL, 0);
	assert_int_equal(
	    bc_policy_authorize(name, sizeof(name), (const uint8_t *)"ref", 3, got, &err), BC_OK);
	assert_memory_equal(got, want, D);
	/* an empty reference is hashed all the same: H(inner) */
	sha256(want, inner, D, NULL, 0, NULL, 0);
	assert_int_equal(bc_policy_authorize(name, sizeof(name), NULL, 0, got, &err), BC_OK);
	assert_memory_equal(got, want, D);
	uint8_t long_ref[BC_POLICY_REF_MAX + 1] = {0};
	assert_int_equal(
	    bc_policy_authorize(name, sizeof(name), long_ref, sizeof(long_ref), got, &err),
	    BC_E_LIMIT);
	assert_int_equal(bc_policy_authorize(name, 1, NULL, 0, got, &err), BC_E_INVALID);
}

/* ---- signed policy files ---- */

typedef struct tmp {
	char dir[256], db[300], key[300], pub[300], other[300], policy[300];
} tmp;

static void write_text(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	assert_int_equal(fputs(text, f) >= 0, 1);
	assert_int_equal(fclose(f), 0);
}

static void write_key(EVP_PKEY *key, const char *priv, const char *pub)
{
	FILE *f;
	if (priv) {
		assert_non_null(f = fopen(priv, "w"));
		assert_int_equal(PEM_write_PrivateKey(f, key, NULL, NULL, 0, NULL, NULL), 1);
		assert_int_equal(fclose(f), 0);
	}
	assert_non_null(f = fopen(pub, "w"));
	assert_int_equal(PEM_write_PUBKEY(f, key), 1);
	assert_int_equal(fclose(f), 0);
}

#define HEX32(c) c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c

/* PCR 4: two components, the first of two versions; PCR 7 explained, no component. */
static const char db_text[] =
    "{\"format\": \"bootchain-golden-v1\", \"explained_pcrs\": [7], \"components\": [\n"
    " {\"name\": \"shim\", \"pcr\": 4, \"versions\": [\n"
    "   {\"digests\": {\"sha256\": \"" HEX32(
	"a1") "\"}},\n"
	      "   {\"digests\": {\"sha256\": \"" HEX32(
		  "a2") "\"}}]},\n"
			" {\"name\": \"kernel\", \"pcr\": 4, \"versions\": [\n"
			"   {\"digests\": {\"sha256\": \"" HEX32("b1") "\"}}]}]}\n";

static void make_tmp(tmp *t)
{
	const char *base = getenv("TMPDIR");
	snprintf(t->dir, sizeof(t->dir), "%s/bc-policy-XXXXXX", base && *base ? base : "/tmp");
	assert_non_null(mkdtemp(t->dir));
	snprintf(t->db, sizeof(t->db), "%s/db.json", t->dir);
	snprintf(t->key, sizeof(t->key), "%s/key.pem", t->dir);
	snprintf(t->pub, sizeof(t->pub), "%s/pub.pem", t->dir);
	snprintf(t->other, sizeof(t->other), "%s/other.pem", t->dir);
	snprintf(t->policy, sizeof(t->policy), "%s/policy.json", t->dir);
	write_text(t->db, db_text);
	EVP_PKEY *key = EVP_EC_gen("P-256"), *other = EVP_EC_gen("P-256");
	assert_non_null(key);
	assert_non_null(other);
	write_key(key, t->key, t->pub);
	write_key(other, NULL, t->other);
	EVP_PKEY_free(key);
	EVP_PKEY_free(other);
}

static int remove_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static void remove_tmp(tmp *t)
{
	assert_int_equal(nftw(t->dir, remove_one, 8, FTW_DEPTH | FTW_PHYS), 0);
}

static bc_signed_policy *make(const tmp *t, const char *sel_text, size_t max, bc_status want,
			      const char *message)
{
	bc_golden *db = NULL;
	bc_signed_policy *p = NULL;
	bc_pcr_selection sel;
	bc_error err = {0};
	assert_int_equal(bc_golden_load(t->db, NULL, NULL, &db, &err), BC_OK);
	assert_int_equal(bc_pcr_selection_parse(sel_text, &sel, &err), BC_OK);
	bc_status s =
	    bc_signed_policy_make(db, t->db, &sel, max, (const uint8_t *)"r", 1, t->key, &p, &err);
	bc_golden_free(db);
	if (s != want)
		fail_msg("make %s: status %d (want %d): %s", sel_text, s, want, err.msg);
	if (message && !strstr(err.msg, message))
		fail_msg("message '%s' lacks '%s'", err.msg, message);
	return p;
}

static void test_signed_policy_round_trip(void **state)
{
	(void)state;
	tmp t;
	bc_error err = {0};
	bc_signed_policy *p, *back = NULL;
	make_tmp(&t);
	p = make(&t, "sha256:4,7", 1024, BC_OK, NULL);
	assert_int_equal(p->branch_count, 2); /* shim's two versions, then kernel */
	/* PCR 4 = H(H(0 || a1..) || b1..); PCR 7 its reset value, zeros */
	digest v, want;
	uint8_t a1[D], b1[D];
	memset(a1, 0xa1, D);
	memset(b1, 0xb1, D);
	sha256(v, zero, D, a1, D, NULL, 0);
	sha256(want, v, D, b1, D, NULL, 0);
	assert_memory_equal(p->branches[0].values[0].bytes, want, D);
	assert_memory_equal(p->branches[0].values[1].bytes, zero, D);
	assert_int_equal(bc_signed_policy_write(p, t.policy, &err), BC_OK);
	if (bc_signed_policy_load(t.policy, &back, &err) != BC_OK)
		fail_msg("load: %s", err.msg);
	assert_int_equal(back->branch_count, 2);
	assert_memory_equal(back->approved, p->approved, D);
	assert_memory_equal(back->branches[1].digest, p->branches[1].digest, D);
	assert_string_equal(back->golden_sha256, p->golden_sha256);
	assert_int_equal(back->ref_size, 1);
	assert_int_equal(bc_signed_policy_verify(back, t.pub, &err), BC_OK);
	assert_int_equal(bc_signed_policy_verify(back, t.other, &err), BC_E_MISMATCH);
	assert_non_null(strstr(err.msg, t.other));
	/* find: the values of branch 1 */
	bc_pcr_values cur = {.count = 1};
	cur.banks[0] = (bc_pcr_bank){.alg = BC_ALG_SHA256, .size = D, .mask = 0x90};
	memcpy(cur.banks[0].values[4], p->branches[1].values[0].bytes, D);
	size_t index = 9;
	assert_int_equal(bc_signed_policy_find(back, &cur, &index, &err), BC_OK);
	assert_int_equal(index, 1);
	cur.banks[0].values[4][0] ^= 1;
	assert_int_equal(bc_signed_policy_find(back, &cur, &index, &err), BC_E_NOTFOUND);
	/* the PCR and its current value, for the operator to compare with a prediction */
	char want_msg[160];
	int len = snprintf(want_msg, sizeof(want_msg), "sha256 PCR 4 = ");
	for (size_t i = 0; i < D; i++)
		len += snprintf(want_msg + len, sizeof(want_msg) - len, "%02x",
				cur.banks[0].values[4][i]);
	snprintf(want_msg + len, sizeof(want_msg) - len, " is in none of the policy's 2 branches");
	assert_string_equal(err.msg, want_msg);
	bc_signed_policy_free(p);
	bc_signed_policy_free(back);
	remove_tmp(&t);
}

static void test_signed_policy_make_refuses(void **state)
{
	(void)state;
	tmp t;
	make_tmp(&t);
	/* PCR 9: no component, not explained */
	assert_null(make(&t, "sha256:4,9", 1024, BC_E_INVALID, "PCR 9"));
	/* two values of PCR 4, at most one branch */
	assert_null(make(&t, "sha256:4", 1, BC_E_LIMIT, "PCR 4"));
	/* sha1: no version has a sha1 digest */
	assert_null(make(&t, "sha1:4", 16, BC_E_INVALID, "sha1 PCR 4"));
	assert_null(make(&t, "sha256:4+sha1:4", 16, BC_E_INVALID, "one bank"));
	remove_tmp(&t);
}

/* A component of one version, whose sha256 digest is 32 bytes of hex byte h. */
#define COMPONENT(name, pcr, h)                   \
	"{\"name\": \"" name "\", \"pcr\": " #pcr \
	", \"versions\": [{\"digests\": {\"sha256\": \"" HEX32(h) "\"}}]}"

static bc_golden *golden_of(const char *text)
{
	bc_golden *db = NULL;
	bc_error err = {0};
	if (bc_golden_from_memory(text, strlen(text), "db.json", &db, &err) != BC_OK)
		fail_msg("%s", err.msg);
	return db;
}

/* sha256, and the PCRs of the components: not the explained PCR 7 without one. */
static void test_signed_policy_default_pcrs_are_those_of_components(void **state)
{
	(void)state;
	static const char text[] = "{\"format\": \"bootchain-golden-v1\", \"explained_pcrs\": [7], "
				   "\"components\": [" COMPONENT("shim", 4, "a1") "," COMPONENT(
				       "kernel", 4, "b1") "," COMPONENT("initrd", 9, "c1") "]}\n";
	bc_golden *db = golden_of(text);
	bc_pcr_selection sel;
	bc_error err = {0};
	memset(&sel, 0xff, sizeof(sel));
	assert_int_equal(bc_signed_policy_default_pcrs(db, &sel, &err), BC_OK);
	assert_int_equal(sel.count, 1);
	assert_int_equal(sel.banks[0].alg, BC_ALG_SHA256);
	assert_int_equal(sel.banks[0].mask, (1u << 4) | (1u << 9));
	bc_golden_free(db);
}

static void test_signed_policy_default_pcrs_refuses_no_component(void **state)
{
	(void)state;
	bc_golden *db = golden_of(
	    "{\"format\": \"bootchain-golden-v1\", \"explained_pcrs\": [7], \"components\": []}\n");
	bc_pcr_selection sel;
	bc_error err = {0};
	assert_int_equal(bc_signed_policy_default_pcrs(db, &sel, &err), BC_E_INVALID);
	assert_string_equal(err.msg, "the database has no component");
	bc_golden_free(db);
}

/* The policy file with from replaced by to (once), loaded: refused with message. */
static void expect_tampered(const tmp *t, const char *text, const char *from, const char *to,
			    bc_status want, const char *message)
{
	const char *at = strstr(text, from);
	assert_non_null(at);
	char *changed = NULL;
	assert_true(asprintf(&changed, "%.*s%s%s", (int)(at - text), text, to, at + strlen(from)) >
		    0);
	write_text(t->policy, changed);
	free(changed);
	bc_signed_policy *p = NULL;
	bc_error err = {0};
	bc_status s = bc_signed_policy_load(t->policy, &p, &err);
	if (s != want)
		fail_msg("%s -> %s: status %d (want %d): %s", from, to, s, want, err.msg);
	assert_null(p);
	if (!strstr(err.msg, t->policy) || !strstr(err.msg, message))
		fail_msg("message '%s' lacks the path or '%s'", err.msg, message);
}

static void test_signed_policy_load_refuses_changes(void **state)
{
	(void)state;
	tmp t;
	bc_error err = {0};
	make_tmp(&t);
	bc_signed_policy *p = make(&t, "sha256:4,7", 1024, BC_OK, NULL);
	assert_int_equal(bc_signed_policy_write(p, t.policy, &err), BC_OK);
	bc_signed_policy_free(p);
	FILE *f = fopen(t.policy, "r");
	char text[8192];
	assert_non_null(f);
	size_t n = fread(text, 1, sizeof(text) - 1, f);
	text[n] = 0;
	fclose(f);
	expect_tampered(&t, text, "\"7\": \"00", "\"7\": \"01", BC_E_MISMATCH,
			"approved_policy: not the PolicyOR root");
	expect_tampered(&t, text, "\"approved_policy\": \"", "\"approved_policy\": \"00",
			BC_E_FORMAT, "approved_policy");
	expect_tampered(&t, text, "\"7\": \"", "\"8\": \"", BC_E_FORMAT, "branches[0]: no \"7\"");
	expect_tampered(&t, text, "\"7\": \"00", "\"7\": \"0", BC_E_FORMAT, "branches[0].7");
	expect_tampered(&t, text, "\"key_name\": \"000b", "\"key_name\": \"0004", BC_E_FORMAT,
			"key_name");
	expect_tampered(&t, text, "\"pcrs\": \"sha256:4,7\"", "\"pcrs\": \"sha256:4\"", BC_E_FORMAT,
			"branches[0]: 2 values");
	expect_tampered(&t, text, "bootchain-policy-v1", "bootchain-policy-v2", BC_E_FORMAT,
			"format");
	expect_tampered(&t, text, "\"signature\"", "\"signatures\"", BC_E_FORMAT,
			"unknown key \"signatures\"");
	expect_tampered(&t, text, "{", "{\"format\": 1, ", BC_E_FORMAT, "line");
	remove_tmp(&t);
}

static void test_key_name_of_bad_files(void **state)
{
	(void)state;
	tmp t;
	uint8_t name[BC_POLICY_KEY_NAME_MAX];
	size_t size = 0;
	bc_error err = {0};
	make_tmp(&t);
	assert_int_equal(bc_policy_key_name(t.pub, name, &size, &err), BC_OK);
	assert_int_equal(size, 34);
	assert_int_equal(name[0], 0x00);
	assert_int_equal(name[1], 0x0b);
	assert_int_equal(bc_policy_key_name(t.db, name, &size, &err), BC_E_FORMAT);
	assert_non_null(strstr(err.msg, t.db));
	assert_int_equal(bc_policy_key_name("/nonexistent/pub.pem", name, &size, &err), BC_E_IO);
	remove_tmp(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_or_root_one_leaf_is_the_leaf),
	    cmocka_unit_test(test_or_root_two_and_eight_leaves_are_one_policy_or),
	    cmocka_unit_test(test_or_root_nine_leaves_pass_the_ninth_up),
	    cmocka_unit_test(test_or_root_64_and_65_leaves),
	    cmocka_unit_test(test_or_paths_reproduce_the_root),
	    cmocka_unit_test(test_or_rejects_bad_inputs),
	    cmocka_unit_test(test_policy_pcr_layout),
	    cmocka_unit_test(test_policy_pcr_rejects_bad_inputs),
	    cmocka_unit_test(test_policy_authorize_layout),
	    cmocka_unit_test(test_signed_policy_round_trip),
	    cmocka_unit_test(test_signed_policy_make_refuses),
	    cmocka_unit_test(test_signed_policy_default_pcrs_are_those_of_components),
	    cmocka_unit_test(test_signed_policy_default_pcrs_refuses_no_component),
	    cmocka_unit_test(test_signed_policy_load_refuses_changes),
	    cmocka_unit_test(test_key_name_of_bad_files),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
