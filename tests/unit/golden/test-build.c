/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * golden/build.c, merging databases (bc_golden_builder_add_db): the stricter constraint
 * of either database survives in either order, conflicts and keys it cannot merge are
 * refused; and bc_golden_builder_changed() after adding what is there already.
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
#include <jansson.h>

#include "golden/golden-build.h"
#include "golden/golden-internal.h"

#define SHA256_A         \
	"\"sha256\": \"" \
	"1111111111111111111111111111111111111111111111111111111111111111\""
#define SHA256_B         \
	"\"sha256\": \"" \
	"2222222222222222222222222222222222222222222222222222222222222222\""

static bc_golden *load(const char *text)
{
	bc_golden *db = NULL;
	bc_error err = {0};
	if (bc_golden_from_memory(text, strlen(text), "t.json", &db, &err) != BC_OK)
		fail_msg("%s: %s", text, err.msg);
	return db;
}

/* a then b merged, rendered and loaded again; NULL (and *err) when refused. */
static bc_golden *merge(const char *a, const char *b, bc_error *err)
{
	bc_golden *dbs[2] = {load(a), load(b)}, *out = NULL;
	bc_golden_builder *builder = NULL;
	char *text = NULL;
	size_t size = 0;
	assert_int_equal(bc_golden_builder_new(&builder, err), BC_OK);
	bc_status s = bc_golden_builder_add_db(builder, dbs[0], err);
	if (s == BC_OK)
		s = bc_golden_builder_add_db(builder, dbs[1], err);
	if (s == BC_OK)
		s = bc_golden_builder_render(builder, "merged.json", &text, &size, err);
	if (s == BC_OK)
		assert_int_equal(bc_golden_from_memory(text, size, "merged.json", &out, err),
				 BC_OK);
	free(text);
	bc_golden_builder_free(builder);
	bc_golden_free(dbs[0]);
	bc_golden_free(dbs[1]);
	return out;
}

#define DB(components, rest) \
	"{\"format\": \"bootchain-golden-v1\", \"components\": [" components "]" rest "}"
#define KERNEL(extra, digests)                                                                     \
	"{\"name\": \"kernel\", \"pcr\": 8" extra ", \"versions\": [{\"digests\": {" digests "}}]" \
	"}"

static const char loose[] = DB(KERNEL(", \"required\": false", SHA256_A),
			       ", \"keep\": {\"measurements\": [], \"allow_debug\": true}");
static const char strict[] =
    DB(KERNEL(", \"event_type\": \"EV_IPL\"", SHA256_B),
       ", \"pcrs\": {\"sha256\": {\"7\": [\""
       "3333333333333333333333333333333333333333333333333333333333333333\"]}}"
       ", \"keep\": {\"measurements\": [\""
       "444444444444444444444444444444444444444444444444"
       "444444444444444444444444444444444444444444444444\"], \"allow_debug\": false}");

static void expect_strict(const bc_golden *m)
{
	const bc_golden_component *k = bc_golden_find(m, "kernel");
	assert_non_null(k);
	assert_true(k->required);
	assert_true(k->has_event_type);
	assert_int_equal(k->event_type, BC_EV_IPL);
	assert_int_equal(k->version_count, 2);
	assert_int_equal(m->expected_count, 1);
	assert_int_equal(m->expected[0].pcr, 7);
	assert_true(m->has_keep);
	assert_false(m->keep_allow_debug);
	assert_int_equal(m->keep_count, 1);
	assert_int_equal(m->keep_measurements[0][0], 0x44);
}

static void test_merge_keeps_the_stricter_constraints_in_either_order(void **state)
{
	(void)state;
	bc_error err = {0};
	bc_golden *m = merge(loose, strict, &err);
	assert_non_null(m);
	expect_strict(m);
	bc_golden_free(m);
	m = merge(strict, loose, &err);
	assert_non_null(m);
	expect_strict(m);
	bc_golden_free(m);
}

static void test_merge_refuses_a_component_in_two_pcrs(void **state)
{
	(void)state;
	bc_error err = {0};
	static const char pcr9[] = DB("{\"name\": \"kernel\", \"pcr\": 9, \"versions\": "
				      "[{\"digests\": {" SHA256_B "}}]}",
				      "");
	assert_null(merge(loose, pcr9, &err));
	assert_int_equal(err.status, BC_E_INVALID);
	assert_non_null(strstr(err.msg, "component kernel: PCR 8 in t.json, PCR 9 in t.json"));
}

static void test_merge_refuses_two_event_types(void **state)
{
	(void)state;
	bc_error err = {0};
	static const char tag[] = DB(KERNEL(", \"event_type\": \"EV_EVENT_TAG\"", SHA256_A), "");
	assert_null(merge(strict, tag, &err));
	assert_non_null(strstr(err.msg, "event type EV_IPL in t.json, EV_EVENT_TAG in t.json"));
}

/* A key the loader learns before merge does: refused, never dropped. */
static void test_merge_refuses_a_key_it_does_not_know(void **state)
{
	(void)state;
	bc_error err = {0};
	bc_golden_builder *b = NULL;
	bc_golden *db = load(loose);
	json_object_set_new(db->root, "future_key", json_true());
	assert_int_equal(bc_golden_builder_new(&b, &err), BC_OK);
	assert_int_equal(bc_golden_builder_add_db(b, db, &err), BC_E_UNSUPPORTED);
	assert_non_null(strstr(err.msg, "\"future_key\""));
	bc_golden_builder_free(b);
	bc_golden_free(db);
}

static void test_adding_what_is_there_is_no_change(void **state)
{
	(void)state;
	bc_error err = {0};
	bc_golden_builder *b = NULL;
	bc_golden *db = load(strict), *again = load(strict);
	assert_int_equal(bc_golden_builder_new(&b, &err), BC_OK);
	assert_int_equal(bc_golden_builder_add_db(b, db, &err), BC_OK);
	assert_int_equal(bc_golden_builder_checkpoint(b, &err), BC_OK);
	assert_false(bc_golden_builder_changed(b));
	assert_int_equal(bc_golden_builder_add_db(b, again, &err), BC_OK);
	assert_false(bc_golden_builder_changed(b));
	bc_golden_free(again);
	again = load(loose); /* a new version */
	assert_int_equal(bc_golden_builder_add_db(b, again, &err), BC_OK);
	assert_true(bc_golden_builder_changed(b));
	bc_golden_builder_free(b);
	bc_golden_free(again);
	bc_golden_free(db);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_merge_keeps_the_stricter_constraints_in_either_order),
	    cmocka_unit_test(test_merge_refuses_a_component_in_two_pcrs),
	    cmocka_unit_test(test_merge_refuses_two_event_types),
	    cmocka_unit_test(test_merge_refuses_a_key_it_does_not_know),
	    cmocka_unit_test(test_adding_what_is_there_is_no_change),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
