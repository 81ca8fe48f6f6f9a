/* SPDX-License-Identifier: BSD-3-Clause */
/* The event log parser, replay and writer, on logs built byte by byte here. */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include <bootchain/bootchain.h>
#include <bootchain/eventlog.h>

/* ---- a tiny log builder ---- */

typedef struct logbuf {
	uint8_t bytes[8192];
	size_t len;
} logbuf;

static void put(logbuf *b, const void *p, size_t n)
{
	assert_true(b->len + n <= sizeof(b->bytes));
	memcpy(b->bytes + b->len, p, n);
	b->len += n;
}

static void put_u32(logbuf *b, uint32_t v)
{
	uint8_t le[4] = {(uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24)};
	put(b, le, 4);
}

static void put_u16(logbuf *b, uint16_t v)
{
	uint8_t le[2] = {(uint8_t)v, (uint8_t)(v >> 8)};
	put(b, le, 2);
}

/* Spec ID event for sha1+sha256 (or the given number of those two). */
static void put_spec_id(logbuf *b, uint32_t algs)
{
	static const uint8_t zero[20];
	put_u32(b, 0);
	put_u32(b, BC_EV_NO_ACTION);
	put(b, zero, 20);
	put_u32(b, 16 + 4 + 4 + 4 + 4 * algs + 1);
	put(b, "Spec ID Event03", 16);
	put_u32(b, 0);
	put(b, "\x00\x02\x00\x02", 4);
	put_u32(b, algs);
	put_u16(b, BC_ALG_SHA1);
	put_u16(b, 20);
	if (algs > 1) {
		put_u16(b, BC_ALG_SHA256);
		put_u16(b, 32);
	}
	put(b, "", 1);
}

/* TCG_PCR_EVENT2 with the real digests of data in sha1 (and sha256 when two). */
static void put_event2(logbuf *b, uint32_t pcr, uint32_t type, const char *data, uint32_t algs)
{
	bc_digest d;
	put_u32(b, pcr);
	put_u32(b, type);
	put_u32(b, algs);
	assert_int_equal(bc_digest_compute(BC_ALG_SHA1, data, strlen(data), &d, NULL), BC_OK);
	put_u16(b, BC_ALG_SHA1);
	put(b, d.bytes, 20);
	if (algs > 1) {
		assert_int_equal(bc_digest_compute(BC_ALG_SHA256, data, strlen(data), &d, NULL),
				 BC_OK);
		put_u16(b, BC_ALG_SHA256);
		put(b, d.bytes, 32);
	}
	put_u32(b, (uint32_t)strlen(data));
	put(b, data, strlen(data));
}

static bc_log *parse_ok(const logbuf *b)
{
	bc_log *log = NULL;
	bc_error err = {0};
	if (bc_log_from_memory(b->bytes, b->len, "test.log", &log, &err) != BC_OK)
		fail_msg("parse failed: %s", err.msg);
	return log;
}

/* Walk every event; returns the count, or fails the test with the walk's error. */
static unsigned walk(const bc_log *log, bc_status want, const char *phrase)
{
	bc_log_iter it;
	bc_error err = {0};
	unsigned n = 0;
	bc_log_iter_init(log, &it);
	for (;;) {
		bc_event ev;
		bool done;
		bc_status s = bc_log_next(&it, &ev, &done, &err);
		if (s != BC_OK) {
			assert_int_equal(s, want);
			if (!strstr(err.msg, phrase))
				fail_msg("message '%s' lacks '%s'", err.msg, phrase);
			return n;
		}
		if (done)
			break;
		n++;
	}
	assert_int_equal(want, BC_OK);
	return n;
}

/* sha256(zero32 || sha256(data)) etc.: the expected value of one extend */
static void expect_extend(uint16_t alg, const uint8_t *old, const char *data, uint8_t *out)
{
	bc_digest d, v;
	uint8_t joined[128];
	assert_int_equal(bc_digest_compute(alg, data, strlen(data), &d, NULL), BC_OK);
	memcpy(joined, old, d.size);
	memcpy(joined + d.size, d.bytes, d.size);
	assert_int_equal(bc_digest_compute(alg, joined, 2u * d.size, &v, NULL), BC_OK);
	memcpy(out, v.bytes, v.size);
}

/* ---- parsing ---- */

static void test_crypto_agile_log_parses(void **state)
{
	(void)state;
	logbuf b = {0};
	put_spec_id(&b, 2);
	put_event2(&b, 0, BC_EV_S_CRTM_VERSION, "v1", 2);
	put_event2(&b, 4, BC_EV_EFI_ACTION, "Calling EFI Application from Boot Option", 2);
	bc_log *log = parse_ok(&b);
	size_t count;
	const bc_log_alg *algs = bc_log_algorithms(log, &count);
	assert_int_equal(bc_log_get_format(log), BC_LOG_CRYPTO_AGILE);
	assert_int_equal(count, 2);
	assert_int_equal(algs[1].alg, BC_ALG_SHA256);
	assert_int_equal(walk(log, BC_OK, ""), 3);

	bc_log_iter it;
	bc_event ev;
	bool done;
	bc_log_iter_init(log, &it);
	assert_int_equal(bc_log_next(&it, &ev, &done, NULL), BC_OK); /* Spec ID */
	assert_true(ev.sha1_format);
	assert_int_equal(bc_log_next(&it, &ev, &done, NULL), BC_OK);
	assert_int_equal(ev.number, 1);
	assert_int_equal(ev.offset, 32 + 16 + 12 + 4 * 2 + 1); /* after the Spec ID event */
	assert_int_equal(ev.digest_count, 2);
	assert_int_equal(ev.data_size, 2);
	assert_memory_equal(ev.data, "v1", 2);
	bc_log_free(log);
}

static void test_sha1_log_without_spec_id_parses(void **state)
{
	(void)state;
	logbuf b = {0};
	for (int i = 0; i < 3; i++) {
		bc_digest d;
		assert_int_equal(bc_digest_compute(BC_ALG_SHA1, "x", 1, &d, NULL), BC_OK);
		put_u32(&b, (uint32_t)i);
		put_u32(&b, BC_EV_POST_CODE);
		put(&b, d.bytes, 20);
		put_u32(&b, 1);
		put(&b, "x", 1);
	}
	bc_log *log = parse_ok(&b);
	assert_int_equal(bc_log_get_format(log), BC_LOG_SHA1);
	assert_null(bc_log_get_spec_id(log));
	assert_int_equal(walk(log, BC_OK, ""), 3);
	bc_log_free(log);
}

static void test_zero_padding_ends_the_log(void **state)
{
	(void)state;
	logbuf b = {0};
	static const uint8_t zeros[4096];
	put_spec_id(&b, 2);
	put_event2(&b, 7, BC_EV_SEPARATOR, "sep", 2);
	put(&b, zeros, sizeof(zeros));
	bc_log *log = parse_ok(&b);
	assert_int_equal(walk(log, BC_OK, ""), 2);
	bc_log_free(log);
}

static void test_torn_tail_is_reported_with_offset(void **state)
{
	(void)state;
	logbuf b = {0};
	put_spec_id(&b, 2);
	put_event2(&b, 4, BC_EV_EFI_ACTION, "first", 2);
	size_t second = b.len;
	put_event2(&b, 4, BC_EV_EFI_ACTION, "second event", 2);
	char offset[32];
	snprintf(offset, sizeof(offset), "event 2 at offset 0x%zx", second);
	for (size_t cut = second + 1; cut < b.len; cut += 7) {
		logbuf t = b;
		t.len = cut;
		bc_log *log = parse_ok(&t);
		assert_int_equal(walk(log, BC_E_FORMAT, offset), 2);
		bc_log_free(log);
	}
}

static void test_digest_count_above_banks_is_rejected(void **state)
{
	(void)state;
	logbuf b = {0};
	put_spec_id(&b, 1); /* sha1 only */
	put_event2(&b, 4, BC_EV_EFI_ACTION, "two digests", 2);
	bc_log *log = parse_ok(&b);
	walk(log, BC_E_FORMAT, "2 digests, but the Spec ID event declares 1 bank");
	bc_log_free(log);
}

static void test_undeclared_algorithm_is_rejected(void **state)
{
	(void)state;
	logbuf b = {0};
	put_spec_id(&b, 2);
	put_u32(&b, 4);
	put_u32(&b, BC_EV_EFI_ACTION);
	put_u32(&b, 1);
	put_u16(&b, BC_ALG_SHA384);
	bc_log *log = parse_ok(&b);
	walk(log, BC_E_FORMAT, "0x000c, which the Spec ID event does not declare");
	bc_log_free(log);
}

static void test_huge_event_size_is_rejected(void **state)
{
	(void)state;
	logbuf b = {0};
	put_spec_id(&b, 2);
	put_event2(&b, 4, BC_EV_EFI_ACTION, "abc", 2);
	memcpy(b.bytes + b.len - 3 - 4, "\xff\xff\xff\xff", 4); /* EventSize = 4 GiB - 1 */
	bc_log *log = parse_ok(&b);
	walk(log, BC_E_FORMAT, "event size 4294967295 exceeds the 3 bytes left");
	bc_log_free(log);
}

static void test_pcr_index_out_of_range_is_rejected(void **state)
{
	(void)state;
	logbuf b = {0};
	put_spec_id(&b, 2);
	put_event2(&b, 24, BC_EV_EFI_ACTION, "abc", 2);
	bc_log *log = parse_ok(&b);
	walk(log, BC_E_FORMAT, "PCR index 24 is out of range");
	bc_log_free(log);
}

static void expect_header_rejected(const logbuf *b, const char *phrase)
{
	bc_log *log = NULL;
	bc_error err = {0};
	assert_int_equal(bc_log_from_memory(b->bytes, b->len, "bad.log", &log, &err), BC_E_FORMAT);
	assert_null(log);
	if (!strstr(err.msg, phrase) || !strstr(err.msg, "bad.log"))
		fail_msg("message '%s' lacks '%s' or the file name", err.msg, phrase);
}

static void test_bad_headers_are_rejected(void **state)
{
	(void)state;
	logbuf b = {0};
	expect_header_rejected(&b, "empty");
	put(&b, "This is a text file, not an event log.\n", 39);
	expect_header_rejected(&b, "is this a TCG event log?");

	b.len = 0;
	put_spec_id(&b, 2);
	logbuf t = b;
	t.len = 50; /* inside the Spec ID event */
	expect_header_rejected(&t, "event 0 at offset 0x0");

	t = b; /* numberOfAlgorithms = 0 */
	memset(t.bytes + 32 + 24, 0, 4);
	expect_header_rejected(&t, "declares 0 algorithms");
	t = b; /* a sha256 digest size of 20 */
	t.bytes[32 + 28 + 4 + 2] = 20;
	expect_header_rejected(&t, "digest size 20, which is wrong");
	t = b; /* vendor info size past the end of the log */
	t.bytes[t.len - 1] = 200;
	expect_header_rejected(&t, "vendor info");

	uint8_t zeros[512] = {0};
	b.len = 0;
	put(&b, zeros, sizeof(zeros));
	expect_header_rejected(&b, "only zero bytes");
}

/* ---- replay ---- */

static void test_replay_extends_every_bank(void **state)
{
	(void)state;
	logbuf b = {0};
	put_spec_id(&b, 2);
	put_event2(&b, 4, BC_EV_EFI_ACTION, "one", 2);
	put_event2(&b, 4, BC_EV_EFI_ACTION, "two", 2);
	bc_log *log = parse_ok(&b);
	bc_pcr_values values;
	bc_pcr_selection extended;
	uint8_t expect[32] = {0};
	assert_int_equal(bc_log_replay(log, &values, &extended, NULL), BC_OK);
	assert_int_equal(values.count, 2);
	assert_int_equal(bc_pcr_selection_mask(&extended, BC_ALG_SHA256), 1u << 4);
	expect_extend(BC_ALG_SHA256, expect, "one", expect);
	expect_extend(BC_ALG_SHA256, expect, "two", expect);
	assert_memory_equal(bc_pcr_values_bank(&values, BC_ALG_SHA256)->values[4], expect, 32);
	bc_log_free(log);
}

static void test_replay_startup_locality_sets_pcr0(void **state)
{
	(void)state;
	for (uint8_t locality = 0; locality <= 4; locality++) {
		logbuf b = {0};
		static const uint8_t zero[32];
		put_spec_id(&b, 2);
		put_u32(&b, 0);
		put_u32(&b, BC_EV_NO_ACTION);
		put_u32(&b, 2);
		put_u16(&b, BC_ALG_SHA1);
		put(&b, zero, 20);
		put_u16(&b, BC_ALG_SHA256);
		put(&b, zero, 32);
		put_u32(&b, 17);
		put(&b, "StartupLocality", 16);
		put(&b, &locality, 1);
		put_event2(&b, 0, BC_EV_S_CRTM_VERSION, "crtm", 2);
		bc_log *log = parse_ok(&b);
		bc_pcr_values values;
		uint8_t start[32] = {0}, expect[32];
		if (locality == 3 || locality == 4) /* only these change the reset value */
			start[31] = locality;
		expect_extend(BC_ALG_SHA256, start, "crtm", expect);
		assert_int_equal(bc_log_replay(log, &values, NULL, NULL), BC_OK);
		assert_memory_equal(bc_pcr_values_bank(&values, BC_ALG_SHA256)->values[0], expect,
				    32);
		bc_log_free(log);
	}
}

static void test_replay_drtm_pcrs_start_at_all_ones(void **state)
{
	(void)state;
	logbuf b = {0};
	put_spec_id(&b, 2);
	put_event2(&b, 17, BC_EV_EFI_ACTION, "drtm", 2);
	bc_log *log = parse_ok(&b);
	bc_pcr_values values;
	uint8_t ones[32], expect[32];
	memset(ones, 0xff, sizeof(ones));
	expect_extend(BC_ALG_SHA256, ones, "drtm", expect);
	assert_int_equal(bc_log_replay(log, &values, NULL, NULL), BC_OK);
	bc_pcr_bank *bank = bc_pcr_values_bank(&values, BC_ALG_SHA256);
	assert_memory_equal(bank->values[17], expect, 32);
	assert_memory_equal(bank->values[22], ones, 32); /* untouched D-RTM PCR */
	assert_memory_equal(bank->values[16], (uint8_t[32]){0}, 32);
	bc_log_free(log);
}

static void test_replay_skips_no_action_events(void **state)
{
	(void)state;
	logbuf b = {0}, with = {0};
	put_spec_id(&b, 2);
	put_event2(&b, 4, BC_EV_EFI_ACTION, "a", 2);
	with = b;
	put_event2(&with, 4, BC_EV_NO_ACTION, "not extended", 2);
	bc_pcr_values v1, v2;
	bc_log *l1 = parse_ok(&b), *l2 = parse_ok(&with);
	assert_int_equal(bc_log_replay(l1, &v1, NULL, NULL), BC_OK);
	assert_int_equal(bc_log_replay(l2, &v2, NULL, NULL), BC_OK);
	assert_memory_equal(v1.banks[1].values[4], v2.banks[1].values[4], 32);
	bc_log_free(l1);
	bc_log_free(l2);
}

static void test_replay_drops_a_bank_events_do_not_fill(void **state)
{
	(void)state;
	logbuf b = {0};
	put_spec_id(&b, 2);			     /* declares sha1 and sha256 */
	put_event2(&b, 4, BC_EV_EFI_ACTION, "a", 1); /* but logs sha1 only */
	bc_log *log = parse_ok(&b);
	bc_pcr_values values;
	assert_int_equal(bc_log_replay(log, &values, NULL, NULL), BC_OK);
	assert_int_equal(values.count, 1);
	assert_int_equal(values.banks[0].alg, BC_ALG_SHA1);
	bc_log_free(log);
}

/* ---- writing ---- */

static char *temp_path(void)
{
	char *path = strdup("/tmp/bootchain-log-XXXXXX");
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	close(fd);
	unlink(path); /* bc_log_append creates it */
	return path;
}

static bc_digest_set digests_of(const char *data)
{
	bc_digest_set set = {0};
	const uint16_t algs[] = {BC_ALG_SHA1, BC_ALG_SHA256};
	for (size_t i = 0; i < 2; i++) {
		bc_digest d;
		assert_int_equal(bc_digest_compute(algs[i], data, strlen(data), &d, NULL), BC_OK);
		assert_int_equal(bc_digest_set_put(&set, &d, NULL), BC_OK);
	}
	return set;
}

static void test_append_creates_then_extends_a_log(void **state)
{
	(void)state;
	char *path = temp_path();
	const char *layers[] = {"bios", "bootloader", "kernel"};
	uint8_t expect[32] = {0};
	for (size_t i = 0; i < 3; i++) {
		bc_digest_set set = digests_of(layers[i]);
		assert_int_equal(bc_log_append(path, 8, BC_EV_IPL, &set, layers[i],
					       (uint32_t)strlen(layers[i]), NULL),
				 BC_OK);
		expect_extend(BC_ALG_SHA256, expect, layers[i], expect);
	}
	bc_log *log = NULL;
	bc_pcr_values values;
	assert_int_equal(bc_log_read_file(path, &log, NULL), BC_OK);
	assert_int_equal(bc_log_get_format(log), BC_LOG_CRYPTO_AGILE);
	assert_int_equal(walk(log, BC_OK, ""), 4);
	assert_int_equal(bc_log_replay(log, &values, NULL, NULL), BC_OK);
	assert_memory_equal(bc_pcr_values_bank(&values, BC_ALG_SHA256)->values[8], expect, 32);
	bc_log_free(log);
	unlink(path);
	free(path);
}

static void test_append_refuses_a_torn_log(void **state)
{
	(void)state;
	char *path = temp_path();
	bc_digest_set set = digests_of("x");
	bc_error err = {0};
	assert_int_equal(bc_log_append(path, 8, BC_EV_IPL, &set, "x", 1, NULL), BC_OK);
	assert_int_equal(bc_log_append(path, 8, BC_EV_IPL, &set, "x", 1, NULL), BC_OK);
	assert_int_equal(truncate(path, 120), 0); /* inside the second event */
	assert_int_equal(bc_log_append(path, 8, BC_EV_IPL, &set, "x", 1, &err), BC_E_FORMAT);
	assert_non_null(strstr(err.msg, "torn"));
	unlink(path);
	free(path);
}

static void test_append_refuses_other_banks(void **state)
{
	(void)state;
	char *path = temp_path();
	bc_digest_set set = digests_of("x"), sha1_only = set;
	bc_error err = {0};
	sha1_only.count = 1;
	assert_int_equal(bc_log_append(path, 8, BC_EV_IPL, &set, "x", 1, NULL), BC_OK);
	assert_int_equal(bc_log_append(path, 8, BC_EV_IPL, &sha1_only, "x", 1, &err), BC_E_INVALID);
	assert_int_equal(bc_log_append(path, 24, BC_EV_IPL, &set, "x", 1, &err), BC_E_INVALID);
	unlink(path);
	free(path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_crypto_agile_log_parses),
	    cmocka_unit_test(test_sha1_log_without_spec_id_parses),
	    cmocka_unit_test(test_zero_padding_ends_the_log),
	    cmocka_unit_test(test_torn_tail_is_reported_with_offset),
	    cmocka_unit_test(test_digest_count_above_banks_is_rejected),
	    cmocka_unit_test(test_undeclared_algorithm_is_rejected),
	    cmocka_unit_test(test_huge_event_size_is_rejected),
	    cmocka_unit_test(test_pcr_index_out_of_range_is_rejected),
	    cmocka_unit_test(test_bad_headers_are_rejected),
	    cmocka_unit_test(test_replay_extends_every_bank),
	    cmocka_unit_test(test_replay_startup_locality_sets_pcr0),
	    cmocka_unit_test(test_replay_drtm_pcrs_start_at_all_ones),
	    cmocka_unit_test(test_replay_skips_no_action_events),
	    cmocka_unit_test(test_replay_drops_a_bank_events_do_not_fill),
	    cmocka_unit_test(test_append_creates_then_extends_a_log),
	    cmocka_unit_test(test_append_refuses_a_torn_log),
	    cmocka_unit_test(test_append_refuses_other_banks),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
