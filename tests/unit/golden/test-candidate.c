/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * golden/candidate.c: "NAME:PCR:FILE" parsed strictly; candidates applied to a database
 * in memory (replacing or adding versions, a new component appended, a PCR that is not
 * the component's refused); versions retired (all but the last, by number, by digest,
 * never a required component's last without force, never a boot order layer's last).
 */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <bootchain/golden.h>

#define HEX_1 "1111111111111111111111111111111111111111111111111111111111111111"
#define HEX_2 "2222222222222222222222222222222222222222222222222222222222222222"
#define HEX_3 "3333333333333333333333333333333333333333333333333333333333333333"

/* kernel in PCR 4 with two versions, fw in PCR 0 with one, optional extra in PCR 5. */
static const char db_text[] =
    "{\"format\": \"bootchain-golden-v1\", \"components\": ["
    "{\"name\": \"fw\", \"pcr\": 0, \"versions\": [{\"digests\": {\"sha256\": \"" HEX_1 "\"}}]},"
    "{\"name\": \"kernel\", \"pcr\": 4, \"versions\": ["
    "{\"digests\": {\"sha256\": \"" HEX_1 "\"}},"
    "{\"digests\": {\"sha256\": \"" HEX_2 "\"}, \"source\": {\"version\": \"6.1\"}}]},"
    "{\"name\": \"extra\", \"pcr\": 5, \"required\": false, \"versions\": ["
    "{\"digests\": {\"sha256\": \"" HEX_1 "\"}}]}],"
    "\"boot_order\": [{\"name\": \"fw\", \"pcr\": 0, \"file\": \"fw.bin\", \"kind\": \"raw\"}]}";

static bc_golden *load(void)
{
	bc_golden *db = NULL;
	bc_error err = {0};
	if (bc_golden_from_memory(db_text, strlen(db_text), "t.json", &db, &err) != BC_OK)
		fail_msg("%s", err.msg);
	return db;
}

static bc_golden_candidate candidate(const char *name, uint32_t pcr, uint8_t fill)
{
	bc_golden_candidate c = {.name = (char *)name, .pcr = pcr, .file = (char *)"new.img"};
	c.digests.count = 1;
	c.digests.digests[0] = (bc_digest){.alg = BC_ALG_SHA256, .size = 32};
	memset(c.digests.digests[0].bytes, fill, 32);
	c.digested = true;
	return c;
}

static void test_parse_accepts_name_pcr_file_with_colons(void **state)
{
	bc_golden_candidate c;
	bc_error err = {0};
	(void)state;
	assert_int_equal(
	    bc_golden_candidate_parse("boot-loader.2:23:C:/x:y.efi", "--with", &c, &err), BC_OK);
	assert_string_equal(c.name, "boot-loader.2");
	assert_int_equal(c.pcr, 23);
	assert_string_equal(c.file, "C:/x:y.efi");
	bc_golden_candidate_clear(&c);
}

static void test_parse_rejects_malformed_naming_the_argument(void **state)
{
	static const char *const bad[] = {"kernel",    "kernel:4",  ":4:f",	   "kernel:24:f",
					  "kernel::f", "kernel:4:", "ker nel:4:f", "k:1a:f",
					  "k:-1:f",    "k:004:f",   "k/x:4:f"};
	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		bc_golden_candidate c;
		bc_error err = {0};
		assert_int_equal(bc_golden_candidate_parse(bad[i], "--with", &c, &err),
				 BC_E_INVALID);
		assert_non_null(strstr(err.msg, bad[i]));
		assert_non_null(strstr(err.msg, "--with"));
		assert_null(c.name);
	}
}

static void test_replace_makes_the_candidate_the_only_version(void **state)
{
	bc_golden *db = load(), *out = NULL;
	bc_golden_candidate c = candidate("kernel", 4, 0x33);
	bc_error err = {0};
	(void)state;
	assert_int_equal(bc_golden_apply_candidates(db, &c, 1, BC_GOLDEN_REPLACE, &out, &err),
			 BC_OK);
	const bc_golden_component *k = bc_golden_find(out, "kernel");
	assert_int_equal(k->version_count, 1);
	assert_memory_equal(k->versions[0].digests.digests[0].bytes, c.digests.digests[0].bytes,
			    32);
	assert_string_equal(k->versions[0].source.file, "new.img");
	assert_int_equal(bc_golden_find(db, "kernel")->version_count, 2); /* db unchanged */
	bc_golden_free(out);
	bc_golden_free(db);
}

static void test_add_keeps_old_versions_and_not_twice(void **state)
{
	bc_golden *db = load(), *out = NULL;
	bc_golden_candidate c[2] = {candidate("kernel", 4, 0x33), candidate("kernel", 4, 0x33)};
	bc_error err = {0};
	(void)state;
	assert_int_equal(bc_golden_apply_candidates(db, c, 2, BC_GOLDEN_ADD, &out, &err), BC_OK);
	assert_int_equal(bc_golden_find(out, "kernel")->version_count, 3);
	bc_golden_free(out);
	bc_golden_free(db);
}

static void test_new_component_is_appended(void **state)
{
	bc_golden *db = load(), *out = NULL;
	bc_golden_candidate c = candidate("initrd", 9, 0x33);
	bc_error err = {0};
	(void)state;
	assert_int_equal(bc_golden_apply_candidates(db, &c, 1, BC_GOLDEN_REPLACE, &out, &err),
			 BC_OK);
	assert_int_equal(bc_golden_component_count(out), 4);
	const bc_golden_component *n = bc_golden_component_at(out, 3);
	assert_string_equal(n->name, "initrd");
	assert_int_equal(n->pcr, 9);
	assert_true(n->required);
	assert_false(n->has_event_type); /* not a PE image */
	bc_golden_free(out);
	bc_golden_free(db);
}

static void test_other_pcr_is_refused(void **state)
{
	bc_golden *db = load(), *out = NULL;
	bc_golden_candidate c = candidate("kernel", 5, 0x33);
	bc_error err = {0};
	(void)state;
	assert_int_equal(bc_golden_apply_candidates(db, &c, 1, BC_GOLDEN_ADD, &out, &err),
			 BC_E_INVALID);
	assert_non_null(strstr(err.msg, "PCR 4, not PCR 5"));
	assert_null(out);
	bc_golden_free(db);
}

static size_t retire(const char *name, const char *which, bool force, bc_status want,
		     bc_golden **out)
{
	bc_golden *db = load();
	bc_error err = {0};
	size_t removed = 0;
	*out = NULL;
	assert_int_equal(bc_golden_retire(db, name, which, force, out, &removed, &err), want);
	bc_golden_free(db);
	return removed;
}

static void test_retire_selects_versions(void **state)
{
	bc_golden *out;
	(void)state;
	assert_int_equal(retire("kernel", NULL, false, BC_OK, &out), 1); /* all but the last */
	assert_memory_equal(bc_golden_find(out, "kernel")->versions[0].digests.digests[0].bytes,
			    "\x22\x22", 2);
	bc_golden_free(out);
	assert_int_equal(retire("kernel", "2", false, BC_OK, &out), 1);
	assert_memory_equal(bc_golden_find(out, "kernel")->versions[0].digests.digests[0].bytes,
			    "\x11\x11", 2);
	bc_golden_free(out);
	assert_int_equal(retire("kernel", HEX_1, false, BC_OK, &out), 1);
	bc_golden_free(out);
	assert_int_equal(retire("kernel", "6.1", false, BC_OK, &out), 1);
	bc_golden_free(out);
	retire("kernel", HEX_3, false, BC_E_NOTFOUND, &out);
	retire("kernel", "3", false, BC_E_NOTFOUND, &out);
	retire("nosuch", NULL, false, BC_E_NOTFOUND, &out);
	assert_null(out);
}

static void test_retire_last_version(void **state)
{
	bc_golden *out;
	(void)state;
	retire("kernel", NULL, false, BC_OK, &out);
	bc_golden_free(out);
	retire("fw", NULL, true, BC_E_NOTFOUND, &out); /* one version: nothing to retire */
	retire("fw", "1", true, BC_E_INVALID, &out);   /* a boot order layer */
	bc_golden *db = load();
	bc_golden_candidate c = candidate("initrd", 9, 0x33);
	bc_golden *with = NULL;
	bc_error err = {0};
	assert_int_equal(bc_golden_apply_candidates(db, &c, 1, BC_GOLDEN_ADD, &with, &err), BC_OK);
	assert_int_equal(bc_golden_retire(with, "initrd", "1", false, &out, NULL, &err),
			 BC_E_INVALID);
	assert_non_null(strstr(err.msg, "--remove-last"));
	assert_int_equal(bc_golden_retire(with, "initrd", "1", true, &out, NULL, &err), BC_OK);
	assert_null(bc_golden_find(out, "initrd"));
	bc_golden_free(out);
	bc_golden_free(with);
	bc_golden_free(db);
	assert_int_equal(retire("extra", "1", false, BC_OK, &out), 1); /* optional */
	assert_null(bc_golden_find(out, "extra"));
	bc_golden_free(out);
}

static void test_render_loads_again(void **state)
{
	bc_golden *db = load(), *again = NULL;
	char *text = NULL;
	size_t size = 0;
	bc_error err = {0};
	(void)state;
	assert_int_equal(bc_golden_render(db, &text, &size, &err), BC_OK);
	assert_int_equal(text[size - 1], '\n');
	assert_int_equal(bc_golden_from_memory(text, size, "r.json", &again, &err), BC_OK);
	assert_int_equal(bc_golden_component_count(again), 3);
	free(text);
	bc_golden_free(again);
	bc_golden_free(db);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_parse_accepts_name_pcr_file_with_colons),
	    cmocka_unit_test(test_parse_rejects_malformed_naming_the_argument),
	    cmocka_unit_test(test_replace_makes_the_candidate_the_only_version),
	    cmocka_unit_test(test_add_keeps_old_versions_and_not_twice),
	    cmocka_unit_test(test_new_component_is_appended),
	    cmocka_unit_test(test_other_pcr_is_refused),
	    cmocka_unit_test(test_retire_selects_versions),
	    cmocka_unit_test(test_retire_last_version),
	    cmocka_unit_test(test_render_loads_again),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
