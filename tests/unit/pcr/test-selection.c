/* SPDX-License-Identifier: BSD-3-Clause */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include <bootchain/bootchain.h>

static bc_pcr_selection parse_ok(const char *text)
{
	bc_pcr_selection sel;
	bc_error err = {0};
	if (bc_pcr_selection_parse(text, &sel, &err) != BC_OK)
		fail_msg("'%s' rejected: %s", text, err.msg);
	return sel;
}

static void test_parse_single_bank_list(void **state)
{
	(void)state;
	bc_pcr_selection sel = parse_ok("sha256:0,1,2");
	assert_int_equal(sel.count, 1);
	assert_int_equal(sel.banks[0].alg, BC_ALG_SHA256);
	assert_int_equal(sel.banks[0].mask, 0x7);
}

static void test_parse_several_banks_and_all(void **state)
{
	(void)state;
	bc_pcr_selection sel = parse_ok("sha256:0,1,2+sha1:all");
	assert_int_equal(sel.count, 2);
	assert_int_equal(bc_pcr_selection_mask(&sel, BC_ALG_SHA1), BC_PCR_ALL_MASK);
	assert_int_equal(bc_pcr_selection_mask(&sel, BC_ALG_SHA256), 0x7);
	assert_int_equal(bc_pcr_selection_mask(&sel, BC_ALG_SHA384), 0);
}

static void test_parse_ranges(void **state)
{
	(void)state;
	assert_int_equal(parse_ok("sha256:0-7").banks[0].mask, 0xff);
	assert_int_equal(parse_ok("sha256:0-3,16,22-23").banks[0].mask, 0xc1000f);
	assert_int_equal(parse_ok("sha1:5-5").banks[0].mask, 1u << 5);
}

static void test_parse_merges_repeated_bank(void **state)
{
	(void)state;
	bc_pcr_selection sel = parse_ok("sha1:0+sha1:23");
	assert_int_equal(sel.count, 1);
	assert_int_equal(sel.banks[0].mask, 1u | 1u << 23);
}

static void test_parse_numeric_alg(void **state)
{
	(void)state;
	assert_int_equal(parse_ok("0x000b:1").banks[0].alg, BC_ALG_SHA256);
}

static void expect_rejected(const char *text, const char *phrase)
{
	bc_pcr_selection sel;
	bc_error err = {0};
	if (bc_pcr_selection_parse(text, &sel, &err) != BC_E_INVALID)
		fail_msg("'%s' accepted", text);
	if (!strstr(err.msg, phrase))
		fail_msg("'%s': message '%s' lacks '%s'", text, err.msg, phrase);
}

static void test_parse_rejects_bad_input(void **state)
{
	(void)state;
	expect_rejected("sha256:24", "PCR 24 is out of range");
	expect_rejected("sha256:0-24", "PCR 24 is out of range");
	expect_rejected("sha999:0", "unknown hash algorithm 'sha999'");
	expect_rejected("sha256:", "no PCRs given");
	expect_rejected("", "empty PCR selection");
	expect_rejected("sha256", "expected ALG:PCRS");
	expect_rejected(":0", "bank name");
	expect_rejected("sha256:1,", "unexpected");
	expect_rejected("sha256:,1", "expected a PCR number");
	expect_rejected("sha256:7-3", "backwards");
	expect_rejected("sha256:1+", "empty bank selection");
	expect_rejected("sha256:1++sha1:2", "empty bank selection");
	expect_rejected("sha256:-1", "expected a PCR number");
	expect_rejected("sha256:99999999999999999999", "expected a PCR number");
	expect_rejected("sha256:1 ", "unexpected");
	expect_rejected("sha256:alll", "expected a PCR number");
}

static void test_format_folds_ranges_and_round_trips(void **state)
{
	(void)state;
	static const char *texts[] = {"sha1:0-2,5,7,8+sha256:0-23", "sha384:23", "sha256:1,3"};
	for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
		char buf[128];
		bc_pcr_selection sel = parse_ok(texts[i]);
		assert_int_equal(bc_pcr_selection_format(&sel, buf, sizeof(buf)), strlen(texts[i]));
		assert_string_equal(buf, texts[i]);
	}
}

static void test_format_truncates_like_snprintf(void **state)
{
	(void)state;
	char buf[6];
	bc_pcr_selection sel = parse_ok("sha256:0-7");
	assert_int_equal(bc_pcr_selection_format(&sel, buf, sizeof(buf)), strlen("sha256:0-7"));
	assert_string_equal(buf, "sha25");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_parse_single_bank_list),
	    cmocka_unit_test(test_parse_several_banks_and_all),
	    cmocka_unit_test(test_parse_ranges),
	    cmocka_unit_test(test_parse_merges_repeated_bank),
	    cmocka_unit_test(test_parse_numeric_alg),
	    cmocka_unit_test(test_parse_rejects_bad_input),
	    cmocka_unit_test(test_format_folds_ranges_and_round_trips),
	    cmocka_unit_test(test_format_truncates_like_snprintf),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
