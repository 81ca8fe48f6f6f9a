/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The core's formatter against the C library's vsnprintf: the same format and values
 * into buffers of every interesting size must give the same bytes and the same return
 * value. The formats are the combinations of flags, width, precision, length and
 * conversion the core supports, with the edge values of each type. Then bc_core_fail,
 * bc_core_hex and the mem functions.
 */
#include "config.h"

#include <inttypes.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/types.h>

#include <cmocka.h>

#include <bootchain/core.h>

static const size_t sizes[] = {0, 1, 2, 3, 7, 16, 64, 300};
static unsigned compared;

/* fmt and its arguments through vsnprintf and bc_core_vformat at every size. Not a
 * format function for the compiler: the generated formats are not literals. */
static void check_v(const char *fmt, va_list ap)
{
	for (size_t k = 0; k < sizeof(sizes) / sizeof(sizes[0]); k++) {
		size_t size = sizes[k];
		char want[300], got[300];
		memset(want, 0x5a, sizeof(want));
		memset(got, 0x5a, sizeof(got));
		va_list a1, a2;
		va_copy(a1, ap);
		va_copy(a2, ap);
		int n = vsnprintf(size ? want : NULL, size, fmt, a1);
		size_t m = bc_core_vformat(size ? got : NULL, size, fmt, a2);
		va_end(a1);
		va_end(a2);
		assert_true(n >= 0);
		if ((size_t)n != m || memcmp(want, got, sizeof(want)) != 0) {
			size_t shown = size ? size : 1;
			print_error(
			    "format \"%s\", size %zu: libc %d \"%.*s\", core %zu \"%.*s\"\n", fmt,
			    size, n, (int)shown, want, m, (int)shown, got);
			fail();
		}
		compared++;
	}
}

static void check_any(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	check_v(fmt, ap);
	va_end(ap);
}

/* The literal formats: the compiler checks them against their arguments. */
BC_CORE_PRINTF(1, 2) static void check(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	check_v(fmt, ap);
	va_end(ap);
}

static const char *const flag_set[] = {"", "-", "0", "-0", "0-", "00"};
static const char *const width_set[] = {"", "1", "2", "5", "21", "40", "*"};
static const char *const prec_set[] = {"", ".", ".0", ".1", ".3", ".25", ".*"};

typedef void (*value_fn)(const char *fmt, int stars, int w, int p, size_t index);

/* Every flag, width and precision around conv, each value of emit (index < values). */
static void combine(const char *length, char conv, bool precision, value_fn emit, size_t values)
{
	static const int star_values[] = {-7, 0, 3, 12};
	for (size_t f = 0; f < sizeof(flag_set) / sizeof(flag_set[0]); f++)
		for (size_t w = 0; w < sizeof(width_set) / sizeof(width_set[0]); w++)
			for (size_t p = 0;
			     p < (precision ? sizeof(prec_set) / sizeof(prec_set[0]) : 1); p++) {
				char fmt[64];
				snprintf(fmt, sizeof(fmt), "<%%%s%s%s%s%c>", flag_set[f],
					 width_set[w], prec_set[p], length, conv);
				int stars = (width_set[w][0] == '*') +
					    (prec_set[p][0] && prec_set[p][1] == '*');
				for (size_t v = 0; v < values; v++)
					for (size_t s = 0; s < (stars ? 4 : 1); s++)
						emit(fmt, stars, star_values[s],
						     star_values[(s + 1) % 4], v);
			}
}

/* The stars come first, then the value: one call per argument list shape. */
#define EMIT(fn, type, list)                                               \
	static const type fn##_values[] = list;                            \
	static void fn(const char *fmt, int stars, int w, int p, size_t i) \
	{                                                                  \
		if (stars == 0)                                            \
			check_any(fmt, fn##_values[i]);                    \
		else if (stars == 1)                                       \
			check_any(fmt, w, fn##_values[i]);                 \
		else                                                       \
			check_any(fmt, w, p, fn##_values[i]);              \
	}

#define LIST(...)           \
	{                   \
		__VA_ARGS__ \
	}
#define COMBINE(length, conv, precision, fn) \
	combine(length, conv, precision, fn, sizeof(fn##_values) / sizeof(fn##_values[0]))

EMIT(emit_int, int, LIST(0, 1, -1, 42, -42, 123456789, INT_MAX, INT_MIN))
EMIT(emit_uint, unsigned, LIST(0, 1, 0xabc, 0xdeadbeef, UINT_MAX))
EMIT(emit_long, long, LIST(0, -1, LONG_MAX, LONG_MIN))
EMIT(emit_ulong, unsigned long, LIST(0, 1, ULONG_MAX))
EMIT(emit_llong, long long, LIST(0, -9, LLONG_MAX, LLONG_MIN))
EMIT(emit_ullong, unsigned long long, LIST(0, 7, ULLONG_MAX))
EMIT(emit_size, size_t, LIST(0, 4096, SIZE_MAX))
EMIT(emit_ssize, ssize_t, LIST(0, -1, -4096, SSIZE_MAX))
EMIT(emit_intmax, intmax_t, LIST(0, INTMAX_MIN, INTMAX_MAX, -12345))
EMIT(emit_uintmax, uintmax_t, LIST(0, UINTMAX_MAX, 0x123456789abcdefULL))
EMIT(emit_short, int, LIST(0, -1, 70000, -32769, 65535))
EMIT(emit_char, int, LIST('a', ' ', '~', 0x41))
EMIT(emit_string, const char *,
     LIST("", "a", "abc", "hello, world", "a string longer than the widths and the precisions"))

static void test_integers(void **state)
{
	(void)state;
	static const char convs_signed[] = "di", convs_unsigned[] = "uxX";
	for (const char *c = convs_signed; *c; c++) {
		COMBINE("", *c, true, emit_int);
		COMBINE("l", *c, true, emit_long);
		COMBINE("ll", *c, true, emit_llong);
		COMBINE("z", *c, true, emit_ssize);
		COMBINE("j", *c, true, emit_intmax);
		COMBINE("h", *c, true, emit_short);
		COMBINE("hh", *c, true, emit_short);
	}
	for (const char *c = convs_unsigned; *c; c++) {
		COMBINE("", *c, true, emit_uint);
		COMBINE("l", *c, true, emit_ulong);
		COMBINE("ll", *c, true, emit_ullong);
		COMBINE("z", *c, true, emit_size);
		COMBINE("j", *c, true, emit_uintmax);
		COMBINE("h", *c, true, emit_short);
		COMBINE("hh", *c, true, emit_short);
	}
	assert_true(compared > 100000);
}

static void test_strings_and_chars(void **state)
{
	(void)state;
	COMBINE("", 's', true, emit_string);
	COMBINE("", 'c', false, emit_char);
}

static void test_edge_values(void **state)
{
	(void)state;
	check("%" PRId64 " %" PRIu64 " %" PRIx64, INT64_MIN, UINT64_MAX, UINT64_MAX);
	check("%" PRId64 " %" PRId64 " %" PRIu64 " %" PRIx64, INT64_MAX, (int64_t)0, (uint64_t)0,
	      (uint64_t)0);
	check("%d %u %x %X", INT32_MIN, UINT32_MAX, UINT32_MAX, 0xabcdefu);
	check("%zu %zx %jd %ju", SIZE_MAX, (size_t)0, INTMAX_MIN, UINTMAX_MAX);
	check("%s|%s|%10s|%-10s|", "", "x", "", "");
	check("%.0s|%.*s|%.*s|", "abc", 2, "abc", -1, "abc");
	check("%c%c%c", 'a', 0x7f, 'z');
	check("offset 0x%" PRIx64 ": %s", (uint64_t)0x1a4, "event 12 is bad");
	check("%%|%%%d%%", 42);
	check("plain text, no conversion");
	check("%s", "");
	check_any("");
}

/* The core's formatter, unchecked by the compiler: for formats it would refuse. */
static size_t core_any(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	size_t n = bc_core_vformat(buf, size, fmt, ap);
	va_end(ap);
	return n;
}

/* NULL for %s: "(null)", cut by a precision as the C library does. */
static void test_null_string(void **state)
{
	(void)state;
	const char *null = NULL;
	check_any("%s|%10s|%-10s|%.2s|%.6s|%.8s", null, null, null, null, null, null);
	char buf[32];
	assert_int_equal(core_any(buf, sizeof(buf), "%s", null), 6);
	assert_string_equal(buf, "(null)");
}

/* Conversions the core does not have are copied as they are, and consume nothing. */
static void test_unknown_conversions(void **state)
{
	(void)state;
	char buf[64];
	assert_int_equal(core_any(buf, sizeof(buf), "a%qb%5wc%d", 7), 9);
	assert_string_equal(buf, "a%qb%5wc7");
	assert_int_equal(core_any(buf, sizeof(buf), "%p %f %d", 8), 7);
	assert_string_equal(buf, "%p %f 8");
	assert_int_equal(core_any(buf, sizeof(buf), "end%"), 4);
	assert_string_equal(buf, "end%");
	assert_int_equal(core_any(buf, sizeof(buf), "end%-0"), 6);
	assert_string_equal(buf, "end%-0");
}

/* Size 0 writes nothing, even with a NULL buffer; size 1 gives an empty string. */
static void test_truncation(void **state)
{
	(void)state;
	char buf[8];
	memset(buf, 'q', sizeof(buf));
	assert_int_equal(bc_core_format(buf, 0, "%s", "hello"), 5);
	assert_int_equal(buf[0], 'q');
	assert_int_equal(bc_core_format(NULL, 0, "%d", -123), 4);
	assert_int_equal(bc_core_format(buf, 1, "%s", "hello"), 5);
	assert_int_equal(buf[0], 0);
	assert_int_equal(buf[1], 'q');
	assert_int_equal(bc_core_format(buf, 4, "%08x", 0xffu), 8);
	assert_string_equal(buf, "000");
	assert_int_equal(buf[4], 'q');
}

static void test_fail(void **state)
{
	(void)state;
	bc_core_error err = {0};
	assert_int_equal(
	    bc_core_fail(&err, BC_CORE_E_FORMAT, "%s: offset 0x%x: %s", "x.efi", 0x3c, "bad"),
	    BC_CORE_E_FORMAT);
	assert_int_equal(err.status, BC_CORE_E_FORMAT);
	assert_string_equal(err.msg, "x.efi: offset 0x3c: bad");
	/* its own message as an argument */
	assert_int_equal(bc_core_fail(&err, BC_CORE_E_LIMIT, "outer: %s (%s)", err.msg, err.msg),
			 BC_CORE_E_LIMIT);
	assert_string_equal(err.msg, "outer: x.efi: offset 0x3c: bad (x.efi: offset 0x3c: bad)");
	assert_int_equal(err.status, BC_CORE_E_LIMIT);
	/* no context: only the status */
	assert_int_equal(bc_core_fail(NULL, BC_CORE_E_IO, "%s", "ignored"), BC_CORE_E_IO);
	/* cut to BC_CORE_MSG_MAX - 1 */
	char long_text[2 * BC_CORE_MSG_MAX];
	memset(long_text, 'z', sizeof(long_text) - 1);
	long_text[sizeof(long_text) - 1] = 0;
	bc_core_fail(&err, BC_CORE_E_INVALID, "%s", long_text);
	assert_int_equal(strlen(err.msg), BC_CORE_MSG_MAX - 1);
	assert_int_equal(err.msg[0], 'z');
}

static void test_hex_and_strlen(void **state)
{
	(void)state;
	static const uint8_t bytes[] = {0x00, 0x01, 0x7f, 0x80, 0xab, 0xff};
	char out[2 * sizeof(bytes) + 1];
	memset(out, 'q', sizeof(out));
	bc_core_hex(bytes, sizeof(bytes), out);
	assert_string_equal(out, "00017f80abff");
	bc_core_hex(bytes, 0, out);
	assert_string_equal(out, "");
	assert_int_equal(bc_core_strlen(""), 0);
	assert_int_equal(bc_core_strlen("bootchain"), 9);
}

static int sign(int v)
{
	return (v > 0) - (v < 0);
}

static void test_mem(void **state)
{
	(void)state;
	uint8_t a[16], b[16];
	bc_core_memset(a, 0xa5, sizeof(a));
	for (size_t i = 0; i < sizeof(a); i++)
		assert_int_equal(a[i], 0xa5);
	bc_core_memset(a, 0x1ff, 1); /* converted to unsigned char, as memset does */
	assert_int_equal(a[0], 0xff);
	for (size_t i = 0; i < sizeof(b); i++)
		b[i] = (uint8_t)(i * 17);
	bc_core_memcpy(a, b, sizeof(a));
	assert_memory_equal(a, b, sizeof(a));
	bc_core_memcpy(a, b, 0);
	assert_int_equal(bc_core_memcmp(a, b, sizeof(a)), 0);
	assert_int_equal(bc_core_memcmp(a, b, 0), 0);
	a[5] = 0x00, b[5] = 0xff; /* unsigned bytes: 0x00 < 0xff */
	assert_int_equal(sign(bc_core_memcmp(a, b, sizeof(a))), sign(memcmp(a, b, sizeof(a))));
	assert_true(bc_core_memcmp(a, b, sizeof(a)) < 0);
	assert_true(bc_core_memcmp(b, a, sizeof(a)) > 0);
	a[5] = b[5];
	a[15] = 0x80, b[15] = 0x7f;
	assert_true(bc_core_memcmp(a, b, sizeof(a)) > 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_integers),
	    cmocka_unit_test(test_strings_and_chars),
	    cmocka_unit_test(test_edge_values),
	    cmocka_unit_test(test_null_string),
	    cmocka_unit_test(test_unknown_conversions),
	    cmocka_unit_test(test_truncation),
	    cmocka_unit_test(test_fail),
	    cmocka_unit_test(test_hex_and_strlen),
	    cmocka_unit_test(test_mem),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
