/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * util/jscan.h, the strict JSON reader for evidence files: the tree it builds for every
 * kind of value, the unescaping of strings (and the zero-copy path for strings without
 * escapes), UTF-8 and control characters, RFC 8259 numbers and literals, duplicate keys,
 * the depth limit, trailing data, the byte offsets in error messages, and a table of
 * tricky inputs on which it must agree with jansson (the differences listed, each decided
 * by the RFC).
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

#include "util/jscan.h"

/* A text and its length, so that inputs may hold NUL bytes. */
typedef struct text {
	const char *s;
	size_t n;
} text;

#define T(lit)                         \
	{                              \
		(lit), sizeof(lit) - 1 \
	}

/* The input made printable for failure messages (a few at a time). */
static const char *shown(const char *s, size_t n)
{
	static char out[4][160];
	static unsigned which;
	char *o = out[which++ % 4];
	size_t w = 0, size = sizeof(out[0]);
	for (size_t i = 0; i < n && w + 8 < size; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c >= 0x20 && c < 0x7f && c != '\\')
			o[w++] = (char)c;
		else
			w += (size_t)snprintf(o + w, size - w, "\\x%02x", c);
	}
	if (w + 8 >= size)
		memcpy(o + w, "...", 4);
	else
		o[w] = 0;
	return o;
}

static bc_status parse_n(const char *s, size_t n, bc_jdoc *doc, bc_error *err)
{
	*err = (bc_error){0};
	return bc_jdoc_parse(s, n, "t.json", doc, err);
}

/* Parsed, or the test fails naming the input and the error; the caller frees doc. */
static void parse_ok_n(const char *s, size_t n, bc_jdoc *doc)
{
	bc_error err;
	if (parse_n(s, n, doc, &err) != BC_OK)
		fail_msg("refused %s: %s", shown(s, n), err.msg);
	assert_non_null(doc->nodes);
	assert_true(doc->count >= 2);
	assert_ptr_equal(doc->text, s);
	assert_int_equal(doc->size, n);
}

static void parse_ok(const char *s, bc_jdoc *doc)
{
	parse_ok_n(s, strlen(s), doc);
}

static void accepts_n(const char *s, size_t n)
{
	bc_jdoc doc;
	parse_ok_n(s, n, &doc);
	bc_jdoc_free(&doc);
}

static void accepts(const char *s)
{
	accepts_n(s, strlen(s));
}

/* Refused as malformed, the document left empty, the message "t.json: byte N: what"
 * (what NULL: any); returns N. */
static size_t refused_n(const char *s, size_t n, const char *what)
{
	bc_jdoc doc;
	bc_error err;
	size_t at = 0;
	int used = 0;
	bc_status st = parse_n(s, n, &doc, &err);
	if (st != BC_E_FORMAT)
		fail_msg("%s %s: %s", st == BC_OK ? "accepted" : "wrong status for", shown(s, n),
			 err.msg);
	assert_null(doc.nodes);
	assert_int_equal(doc.count, 0);
	if (sscanf(err.msg, "t.json: byte %zu: %n", &at, &used) != 1 || !used)
		fail_msg("no byte offset in '%s'", err.msg);
	if (at > n)
		fail_msg("offset %zu is past the %zu bytes of %s", at, n, shown(s, n));
	if (what && strcmp(err.msg + used, what) != 0)
		fail_msg("%s: '%s', expected '%s'", shown(s, n), err.msg + used, what);
	return at;
}

static size_t refused(const char *s, const char *what)
{
	return refused_n(s, strlen(s), what);
}

/* Refused with exactly this offset and message. */
static void refused_at_n(const char *s, size_t n, size_t offset, const char *what)
{
	size_t at = refused_n(s, n, what);
	if (at != offset)
		fail_msg("%s: byte %zu, expected byte %zu", shown(s, n), at, offset);
}

static void refused_at(const char *s, size_t offset, const char *what)
{
	refused_at_n(s, strlen(s), offset, what);
}

static const bc_jnode *node(const bc_jdoc *doc, size_t index)
{
	assert_true(index > 0 && index < doc->count);
	return &doc->nodes[index];
}

static void assert_key(const bc_jdoc *doc, const bc_jnode *n, const char *key)
{
	if (n->key_len != strlen(key) || memcmp(doc->text + n->key, key, n->key_len) != 0)
		fail_msg("key '%.*s', expected '%s'", (int)n->key_len, doc->text + n->key, key);
}

static void assert_span(const bc_jdoc *doc, const bc_jnode *n, const char *want)
{
	if (n->len != strlen(want) || memcmp(doc->text + n->start, want, n->len) != 0)
		fail_msg("span '%.*s', expected '%s'", (int)n->len, doc->text + n->start, want);
}

/* ---- the tree ---- */

static void test_every_value_kind_may_be_the_root(void **state)
{
	static const struct {
		const char *json;
		bc_jtype type;
		const char *span; /* NULL: not checked */
	} cases[] = {
	    {"null", BC_JNULL, NULL},
	    {"true", BC_JTRUE, NULL},
	    {"false", BC_JFALSE, NULL},
	    {"0", BC_JNUMBER, "0"},
	    {" -1.5e-3 ", BC_JNUMBER, "-1.5e-3"},
	    {"\"s\"", BC_JSTRING, "s"},
	    {"\"\"", BC_JSTRING, ""},
	    {"[]", BC_JARRAY, "[]"},
	    {"\n[ 1 ]\n", BC_JARRAY, "[ 1 ]"},
	    {"{}", BC_JOBJECT, "{}"},
	    {"{\"a\": {}}", BC_JOBJECT, "{\"a\": {}}"},
	};
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		bc_jdoc doc;
		parse_ok(cases[i].json, &doc);
		const bc_jnode *root = bc_jroot(&doc);
		assert_ptr_equal(root, &doc.nodes[1]);
		if (root->type != cases[i].type)
			fail_msg("%s: type %d, expected %d", cases[i].json, root->type,
				 cases[i].type);
		assert_int_equal(root->next, 0);
		if (cases[i].span)
			assert_span(&doc, root, cases[i].span);
		if (root->type != BC_JOBJECT && root->type != BC_JARRAY)
			assert_int_equal(root->child, 0);
		bc_jdoc_free(&doc);
		assert_null(doc.nodes);
	}
}

static void test_object_members_keep_their_order_keys_and_types(void **state)
{
	static const char json[] =
	    "{\"n\":null, \"t\":true, \"f\":false, \"i\":-12, \"s\":\"x y\", "
	    "\"a\":[1,\"2\",[]], \"o\":{\"k\":{}}}";
	static const struct {
		const char *key;
		bc_jtype type;
	} want[] = {{"n", BC_JNULL},   {"t", BC_JTRUE},	 {"f", BC_JFALSE}, {"i", BC_JNUMBER},
		    {"s", BC_JSTRING}, {"a", BC_JARRAY}, {"o", BC_JOBJECT}};
	bc_jdoc doc;
	(void)state;
	parse_ok(json, &doc);
	size_t m = bc_jroot(&doc)->child, k = 0;
	for (; m; m = node(&doc, m)->next, k++) {
		assert_true(k < 7);
		assert_key(&doc, node(&doc, m), want[k].key);
		assert_int_equal(node(&doc, m)->type, want[k].type);
		assert_false(node(&doc, m)->key_escaped);
	}
	assert_int_equal(k, 7);
	assert_span(&doc, bc_jget(&doc, bc_jroot(&doc), "i"), "-12");
	assert_span(&doc, bc_jget(&doc, bc_jroot(&doc), "s"), "x y");

	/* [1, "2", []] */
	const bc_jnode *a = bc_jget(&doc, bc_jroot(&doc), "a");
	const bc_jnode *e1 = node(&doc, a->child), *e2 = node(&doc, e1->next),
		       *e3 = node(&doc, e2->next);
	assert_int_equal(e1->type, BC_JNUMBER);
	assert_span(&doc, e1, "1");
	assert_int_equal(e2->type, BC_JSTRING);
	assert_span(&doc, e2, "2");
	assert_int_equal(e3->type, BC_JARRAY);
	assert_int_equal(e3->child, 0);
	assert_int_equal(e3->next, 0);

	/* {"k": {}} */
	const bc_jnode *o = bc_jget(&doc, bc_jroot(&doc), "o");
	const bc_jnode *k1 = bc_jget(&doc, o, "k");
	assert_non_null(k1);
	assert_int_equal(k1->type, BC_JOBJECT);
	assert_int_equal(k1->child, 0);
	assert_span(&doc, k1, "{}");
	assert_span(&doc, o, "{\"k\":{}}");
	/* bc_jget looks at the members of that object only */
	assert_null(bc_jget(&doc, bc_jroot(&doc), "k"));
	bc_jdoc_free(&doc);
}

static void test_nested_arrays_and_objects(void **state)
{
	static const char json[] = "[[[]], {\"a\": [{\"b\": [true]}]}, [[1], [2, [3]]]]";
	bc_jdoc doc;
	(void)state;
	parse_ok(json, &doc);
	const bc_jnode *root = bc_jroot(&doc);
	const bc_jnode *first = node(&doc, root->child);
	assert_int_equal(first->type, BC_JARRAY);
	assert_int_equal(node(&doc, first->child)->type, BC_JARRAY);
	assert_int_equal(node(&doc, first->child)->child, 0);

	const bc_jnode *obj = node(&doc, first->next);
	const bc_jnode *a = bc_jget(&doc, obj, "a");
	const bc_jnode *inner = node(&doc, a->child);
	const bc_jnode *b = bc_jget(&doc, inner, "b");
	assert_non_null(b);
	assert_int_equal(node(&doc, b->child)->type, BC_JTRUE);

	const bc_jnode *third = node(&doc, obj->next);
	assert_int_equal(third->next, 0);
	const bc_jnode *two = node(&doc, node(&doc, third->child)->next);
	assert_span(&doc, two, "[2, [3]]");
	const bc_jnode *three = node(&doc, node(&doc, node(&doc, two->child)->next)->child);
	assert_span(&doc, three, "3");
	bc_jdoc_free(&doc);
}

static void test_whitespace_is_the_four_rfc_characters(void **state)
{
	static const char ws[] = " \t\n\r{ \t\n\r\"a\" \t\n\r: \t\n\r[ \t\n\r1 \t\n\r, \t\n\rtrue "
				 "\t\n\r] \t\n\r, \t\n\r\"b\"\t\n\r:\t\n\r{\t\n\r}\t\n\r} \t\n\r";
	static const text bad[] = {
	    T("\f[]"),		 T("[\v]"), T("[1,\f2]"), T("\xc2\xa0[]"),
	    T("[]\xe2\x80\xa8"), T("\0[]"), T("[\x00]"),
	};
	bc_jdoc doc;
	(void)state;
	parse_ok(ws, &doc);
	const bc_jnode *a = bc_jget(&doc, bc_jroot(&doc), "a");
	assert_non_null(a);
	assert_int_equal(node(&doc, node(&doc, a->child)->next)->type, BC_JTRUE);
	assert_non_null(bc_jget(&doc, bc_jroot(&doc), "b"));
	bc_jdoc_free(&doc);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		refused_n(bad[i].s, bad[i].n, NULL);
}

/* ---- strings ---- */

/* The JSON string literal json (with its quotes) unescapes to want. */
static void unescapes_to_n(const char *json, const char *want, size_t want_len)
{
	bc_jdoc doc;
	const char *s = NULL;
	size_t len = 0;
	char *owned = NULL;
	parse_ok(json, &doc);
	const bc_jnode *n = bc_jroot(&doc);
	assert_int_equal(n->type, BC_JSTRING);
	assert_true(n->escaped);
	assert_true(bc_jstring(&doc, n, &s, &len, &owned));
	assert_non_null(owned);
	assert_ptr_equal(s, owned);
	if (len != want_len || memcmp(s, want, len) != 0)
		fail_msg("%s unescaped to %s, expected %s", json, shown(s, len),
			 shown(want, want_len));
	free(owned);
	bc_jdoc_free(&doc);
}

#define unescapes_to(json, want) unescapes_to_n(json, want, sizeof(want) - 1)

static void test_jstring_unescapes_every_escape(void **state)
{
	(void)state;
	unescapes_to("\"\\\"\\\\\\/\\b\\f\\n\\r\\t\"", "\"\\/\b\f\n\r\t");
	unescapes_to("\"a\\\\b\"", "a\\b");
	unescapes_to("\"\\/\"", "/");
	unescapes_to("\"x\\ty\\nz\"", "x\ty\nz");
	/* \u of one, two and three UTF-8 bytes, at the boundaries; hex in either case */
	unescapes_to("\"\\u0041\\u007f\\u0080\\u07ff\\u0800\\uffff\"",
		     "A\x7f\xc2\x80\xdf\xbf\xe0\xa0\x80\xef\xbf\xbf");
	unescapes_to("\"\\u00e9\\u00E9\\u20Ac\"", "\xc3\xa9\xc3\xa9\xe2\x82\xac");
	unescapes_to("\"\\u0000\"", "\0");
	unescapes_to("\"a\\u0000b\"", "a\0b");
	/* escapes next to raw UTF-8 */
	unescapes_to("\"\xc3\xa9\\n\xe2\x82\xac\"", "\xc3\xa9\n\xe2\x82\xac");
}

static void test_jstring_joins_surrogate_pairs(void **state)
{
	(void)state;
	unescapes_to("\"\\ud83d\\ude00\"", "\xf0\x9f\x98\x80");
	unescapes_to("\"\\uD83D\\uDE00\"", "\xf0\x9f\x98\x80");
	unescapes_to("\"\\ud800\\udc00\"", "\xf0\x90\x80\x80"); /* U+10000 */
	unescapes_to("\"\\udbff\\udfff\"", "\xf4\x8f\xbf\xbf"); /* U+10FFFF */
	unescapes_to("\"a\\ud834\\udd1eb\"", "a\xf0\x9d\x84\x9e"
					     "b"); /* U+1D11E */
}

static void test_jstring_lone_surrogates_become_replacement_characters(void **state)
{
	(void)state;
	unescapes_to("\"\\ud800\"", "\xef\xbf\xbd");
	unescapes_to("\"\\udbff\"", "\xef\xbf\xbd");
	unescapes_to("\"\\udc00\"", "\xef\xbf\xbd");
	unescapes_to("\"\\udfff\"", "\xef\xbf\xbd");
	unescapes_to("\"\\ud800x\"", "\xef\xbf\xbdx");
	unescapes_to("\"\\ud800\\u0041\"", "\xef\xbf\xbd"
					   "A");
	unescapes_to("\"\\ud800\\n\"", "\xef\xbf\xbd\n");
	unescapes_to("\"\\ud800\\ud800\"", "\xef\xbf\xbd\xef\xbf\xbd");
	unescapes_to("\"\\udc00\\ud800\"", "\xef\xbf\xbd\xef\xbf\xbd"); /* the wrong order */
	unescapes_to("\"\\ud800\\ud83d\\ude00\"", "\xef\xbf\xbd\xf0\x9f\x98\x80");
	/* an escaped backslash then "udc00" is text, not the second half */
	unescapes_to("\"\\ud800\\\\udc00\"", "\xef\xbf\xbd\\udc00");
	/* the pair is not joined across a raw character */
	unescapes_to("\"\\ud800 \\udc00\"", "\xef\xbf\xbd \xef\xbf\xbd");
}

static void test_jstring_without_escapes_points_into_the_text(void **state)
{
	static const char json[] = "{\"plain\": \"some \xc3\xa9 text\", \"empty\": \"\", "
				   "\"esc\": \"a\\nb\"}";
	bc_jdoc doc;
	const char *s;
	size_t len;
	char *owned = (char *)1;
	(void)state;
	parse_ok(json, &doc);
	const bc_jnode *plain = bc_jget(&doc, bc_jroot(&doc), "plain");
	assert_false(plain->escaped);
	assert_true(bc_jstring(&doc, plain, &s, &len, &owned));
	assert_null(owned);
	assert_ptr_equal(s, json + 11);
	assert_int_equal(len, 12);
	assert_memory_equal(s, "some \xc3\xa9 text", 12);

	owned = (char *)1;
	assert_true(bc_jstring(&doc, bc_jget(&doc, bc_jroot(&doc), "empty"), &s, &len, &owned));
	assert_null(owned);
	assert_int_equal(len, 0);
	assert_ptr_equal(s, strstr(json, "\"\",") + 1);

	const bc_jnode *esc = bc_jget(&doc, bc_jroot(&doc), "esc");
	assert_true(esc->escaped);
	assert_true(bc_jstring(&doc, esc, &s, &len, &owned));
	assert_non_null(owned);
	assert_int_equal(len, 3);
	assert_memory_equal(s, "a\nb", 3);
	free(owned);
	bc_jdoc_free(&doc);
}

static void test_jstring_refuses_values_that_are_not_strings(void **state)
{
	bc_jdoc doc;
	const char *s;
	size_t len;
	char *owned = (char *)1;
	(void)state;
	parse_ok("[1, null, [], {}, true]", &doc);
	for (size_t m = bc_jroot(&doc)->child; m; m = node(&doc, m)->next) {
		assert_false(bc_jstring(&doc, node(&doc, m), &s, &len, &owned));
		assert_null(owned);
	}
	assert_false(bc_jstring(&doc, bc_jroot(&doc), &s, &len, &owned));
	bc_jdoc_free(&doc);
}

static void test_bad_escapes_are_refused(void **state)
{
	static const text bad[] = {
	    T("\"\\x\""),     T("\"\\'\""),	T("\"\\0\""),	  T("\"\\ \""),
	    T("\"\\U0041\""), T("\"\\u\""),	T("\"\\u12\""),	  T("\"\\u00e\""),
	    T("\"\\u12G4\""), T("\"\\u-123\""), T("\"\\\0\""),	  T("\"\\\xc3\xa9\""),
	    T("\"\\a\""),     T("\"\\v\""),	T("\"\\u 123\""), T("{\"\\x\": 1}"),
	};
	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		refused_n(bad[i].s, bad[i].n, "a bad escape");
	/* the document ends inside an escape */
	refused_at("\"a\\", 3, "a string without its closing quote");
	refused("\"\\u12", "a bad escape");
}

static void test_utf8_of_two_three_and_four_bytes_is_accepted(void **state)
{
	static const text good[] = {
	    T("\xc2\x80"),	   T("\xc3\xa9"),
	    T("\xdf\xbf"),	   T("\xe0\xa0\x80"),
	    T("\xe2\x82\xac"),	   T("\xed\x9f\xbf"),
	    T("\xee\x80\x80"),	   T("\xef\xbf\xbd"),
	    T("\xef\xbf\xbf"),	   T("\xf0\x90\x80\x80"),
	    T("\xf0\x9f\x98\x80"), T("\xf3\xbf\xbf\xbf"),
	    T("\xf4\x8f\xbf\xbf"), T("\x7f"),
	};
	(void)state;
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		char json[32], key[48];
		int n = snprintf(json, sizeof(json), "\"a%sz\"", good[i].s);
		bc_jdoc doc;
		const char *s;
		size_t len;
		char *owned;
		parse_ok_n(json, (size_t)n, &doc);
		/* passed through unchanged, without a copy */
		assert_true(bc_jstring(&doc, bc_jroot(&doc), &s, &len, &owned));
		assert_null(owned);
		assert_int_equal(len, good[i].n + 2);
		assert_memory_equal(s + 1, good[i].s, good[i].n);
		bc_jdoc_free(&doc);
		/* and in a key */
		n = snprintf(key, sizeof(key), "{\"%s\": 1}", good[i].s);
		parse_ok_n(key, (size_t)n, &doc);
		assert_non_null(bc_jget(&doc, bc_jroot(&doc), good[i].s));
		bc_jdoc_free(&doc);
	}
}

static void test_malformed_utf8_is_refused_at_its_first_byte(void **state)
{
	static const text bad[] = {
	    T("\x80"),
	    T("\xbf"),
	    T("\x80\x80"), /* stray */
	    T("\xc0\x80"),
	    T("\xc0\xaf"),
	    T("\xc1\xbf"), /* overlong */
	    T("\xe0\x80\x80"),
	    T("\xe0\x9f\xbf"),
	    T("\xf0\x80\x80\x80"), /* overlong */
	    T("\xf0\x8f\xbf\xbf"),
	    T("\xed\xa0\x80"),
	    T("\xed\xbf\xbf"),		   /* surrogates */
	    T("\xed\xa0\xbd\xed\xb8\x80"), /* a CESU-8 pair */
	    T("\xf4\x90\x80\x80"),
	    T("\xf5\x80\x80\x80"),
	    T("\xf7\xbf\xbf\xbf"), /* > U+10FFFF */
	    T("\xf8\x88\x80\x80\x80"),
	    T("\xfc\x84\x80\x80\x80\x80"),
	    T("\xfe"),
	    T("\xff"),
	    T("\xc3"),
	    T("\xc3z"),
	    T("\xe2\x82"), /* cut short */
	    T("\xe2\x28\xa1"),
	    T("\xe2\x82\x28"),
	    T("\xf0\x9f\x98"),
	    T("\xf0\x9f\x98z"),
	    T("\xf0\x28\x8c\xbc"),
	    T("\xc3\xc3\xa9"),
	};
	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char json[32];
		int n = snprintf(json, sizeof(json), "\"ab%s\"", bad[i].s);
		refused_at_n(json, (size_t)n, 3, "not UTF-8");
		n = snprintf(json, sizeof(json), "{\"%s\": 1}", bad[i].s);
		refused_at_n(json, (size_t)n, 2, "not UTF-8");
	}
	/* sequences cut short by the end of the document */
	refused_at_n("\"a\xc3", 3, 2, "not UTF-8");
	refused_at_n("\"a\xe2\x82", 4, 2, "not UTF-8");
	refused_at_n("\"a\xf0\x9f\x98", 5, 2, "not UTF-8");
	refused_at_n("\"a\xf0", 3, 2, "not UTF-8");
	/* UTF-8 outside strings is no token */
	refused_at("\xc3\xa9", 0, "not a value");
	refused_at("[\xc3\xa9]", 1, "not a value");
	refused_at("\xef\xbb\xbf{}", 0, "not a value"); /* a byte order mark */
}

static void test_control_characters_in_strings_are_refused(void **state)
{
	(void)state;
	for (int c = 0; c < 0x20; c++) {
		char json[16];
		snprintf(json, sizeof(json), "[\"ab_c\"]");
		json[4] = (char)c;
		refused_at_n(json, 8, 4, "a control character in a string");
		snprintf(json, sizeof(json), "{\"k_\":1}");
		json[3] = (char)c;
		refused_at_n(json, 8, 3, "a control character in a string");
	}
	accepts("\"\x7f\""); /* DEL is not a control character to RFC 8259 */
	accepts("\"\\u001f\\u0001\"");
}

/* The string scan reads 8 bytes at a time: a byte it must stop at is found wherever it
 * stands in the word, and the string ends exactly at its quote. */
static void test_long_strings_stop_at_every_offset(void **state)
{
	(void)state;
	for (size_t at = 0; at < 40; at++) {
		char json[64], *owned = NULL;
		const char *got;
		size_t len, n = 1 + 48 + 1;
		bc_jdoc doc;
		memset(json, 'a', sizeof(json));
		json[0] = '"';
		json[n - 1] = '"';
		json[1 + at] = '"'; /* ends here: what follows is trailing data */
		refused_at_n(json, n, 1 + at + 1, "more after the JSON value");
		json[1 + at] = 0x1f;
		refused_at_n(json, n, 1 + at, "a control character in a string");
		json[1 + at] = (char)0xff;
		refused_at_n(json, n, 1 + at, "not UTF-8");
		json[1 + at] = 0x7f; /* no stop: DEL is text */
		parse_ok_n(json, n, &doc);
		assert_true(bc_jstring(&doc, bc_jroot(&doc), &got, &len, &owned));
		assert_int_equal(len, 48);
		bc_jdoc_free(&doc);
		json[1 + at] = '\\';
		json[2 + at] = 'n';
		parse_ok_n(json, n, &doc);
		assert_true(bc_jroot(&doc)->escaped);
		bc_jdoc_free(&doc);
	}
}

/* ---- numbers and literals ---- */

static void test_rfc_8259_numbers_are_accepted(void **state)
{
	static const char *const good[] = {
	    "0",
	    "-0",
	    "0.5",
	    "-0.0",
	    "1e10",
	    "1E+2",
	    "1e-2",
	    "-1.5e-3",
	    "10",
	    "-10.01E-01",
	    "0e0",
	    "0E-0",
	    "1e400",
	    "-1e-400",
	    "9007199254740993",
	    "123456789012345678901234567890",
	    "0.000000000000000000001",
	    "1.0E+308",
	};
	(void)state;
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		bc_jdoc doc;
		parse_ok(good[i], &doc);
		assert_int_equal(bc_jroot(&doc)->type, BC_JNUMBER);
		assert_span(&doc, bc_jroot(&doc), good[i]);
		bc_jdoc_free(&doc);
	}
	accepts("[0,-0,1.5,2e3]");
	accepts("{\"a\":-0.0e+0}");
}

static void test_numbers_outside_rfc_8259_are_refused(void **state)
{
	static const struct {
		const char *json;
		size_t at;
		const char *what;
	} bad[] = {
	    {"01", 1, "more after the JSON value"},
	    {"-01", 2, "more after the JSON value"},
	    {"00", 1, "more after the JSON value"},
	    {"+1", 0, "not a value"},
	    {".5", 0, "not a value"},
	    {"-.5", 1, "not a value"},
	    {"1.", 2, "a number without digits after its point"},
	    {"1.e5", 2, "a number without digits after its point"},
	    {"1e", 2, "a number without digits in its exponent"},
	    {"1E+", 3, "a number without digits in its exponent"},
	    {"1e-x", 3, "a number without digits in its exponent"},
	    {"-", 1, "not a value"},
	    {"--1", 1, "not a value"},
	    {"-a", 1, "not a value"},
	    {"0x10", 1, "more after the JSON value"},
	    {"1e5.5", 3, "more after the JSON value"},
	    {"0.5.", 3, "more after the JSON value"},
	    {"1_000", 1, "more after the JSON value"},
	    {"NaN", 0, "not a value"},
	    {"Infinity", 0, "not a value"},
	    {"-Infinity", 1, "not a value"},
	    {"[01]", 2, "expected ',' or ']'"},
	    {"[.5]", 1, "not a value"},
	    {"[1.]", 3, "a number without digits after its point"},
	    {"[-]", 2, "not a value"},
	    {"{\"a\":+1}", 5, "not a value"},
	};
	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		refused_at(bad[i].json, bad[i].at, bad[i].what);
}

static void test_literals_and_near_misses(void **state)
{
	static const struct {
		const char *json;
		size_t at;
		const char *what;
	} bad[] = {
	    {"tru", 0, "not a value"},
	    {"nulll", 4, "more after the JSON value"},
	    {"True", 0, "not a value"},
	    {"TRUE", 0, "not a value"},
	    {"NULL", 0, "not a value"},
	    {"fals", 0, "not a value"},
	    {"nul", 0, "not a value"},
	    {"t", 0, "not a value"},
	    {"truefalse", 4, "more after the JSON value"},
	    {"true1", 4, "more after the JSON value"},
	    {"nil", 0, "not a value"},
	    {"undefined", 0, "not a value"},
	    {"[tru]", 1, "not a value"},
	    {"[true false]", 6, "expected ',' or ']'"},
	    {"{\"a\":fals}", 5, "not a value"},
	    {"{\"a\":nulll}", 9, "expected ',' or '}'"},
	};
	bc_jdoc doc;
	(void)state;
	parse_ok("[true,false,null]", &doc);
	const bc_jnode *t = node(&doc, bc_jroot(&doc)->child);
	const bc_jnode *f = node(&doc, t->next), *n = node(&doc, f->next);
	assert_int_equal(t->type, BC_JTRUE);
	assert_int_equal(f->type, BC_JFALSE);
	assert_int_equal(n->type, BC_JNULL);
	assert_int_equal(t->start, 1);
	assert_int_equal(f->start, 6);
	assert_int_equal(n->start, 12);
	bc_jdoc_free(&doc);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		refused_at(bad[i].json, bad[i].at, bad[i].what);
}

/* ---- keys ---- */

static void test_duplicate_keys_are_refused(void **state)
{
	static const char *const bad[] = {
	    "{\"a\":1,\"a\":2}",
	    "{\"a\":1,\"a\":1}",
	    "{\"a\":1,\"b\":2,\"a\":3}",
	    "{\"\":1,\"\":2}",
	    "{\"a\":1,\"\\u0061\":2}",
	    "{\"\\u0061\":1,\"a\":2}",
	    "{\"\\u0061\":1,\"\\u0061\":2}",
	    "{\"\\u0061\":1,\"\\u0041\":2,\"\\u0061\":3}",
	    "{\"\xc3\xa9\":1,\"\\u00e9\":2}",
	    "{\"\xf0\x9f\x98\x80\":1,\"\\ud83d\\ude00\":2}",
	    "{\"a\\\"b\":1,\"a\\u0022b\":2}",
	    "{\"/\":1,\"\\/\":2}",
	    "{\"\\n\":1,\"\\u000a\":2}",
	    "{\"a\\u0000\":1,\"a\\u0000\":2}",
	    "{\"o\":{\"a\":1,\"a\":2}}",
	    "[{\"a\":1,\"a\":1}]",
	    "{\"x\":[{\"y\":{\"a\":[],\"a\":{}}}]}",
	    /* lone surrogates are all U+FFFD once unescaped: the same name */
	    "{\"\\ud800\":1,\"\\udc00\":2}",
	    "{\"\\ud800\":1,\"\xef\xbf\xbd\":2}",
	};
	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		refused(bad[i], "a key given twice");
}

static void test_distinct_keys_are_accepted(void **state)
{
	static const char *const good[] = {
	    "{\"a\":1,\"A\":2}",
	    "{\"a\":1,\"a \":2}",
	    "{\"a\":1,\"ab\":2,\"b\":3}",
	    "{\"a\":{\"a\":1},\"b\":{\"a\":2}}",
	    "[{\"a\":1},{\"a\":1}]",
	    "{\"a\":1,\"\\u0062\":2}",
	    "{\"\\u0000\":1,\"\":2}",
	    "{\"a\\u0000\":1,\"a\":2}",
	    "{\"\\u00e9\":1,\"e\\u0301\":2}", /* no Unicode normalisation */
	    "{\"\\ud83d\\ude00\":1,\"\\ud83d\\ude01\":2}",
	};
	(void)state;
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		accepts(good[i]);
}

static void test_jget_finds_keys_with_and_without_escapes(void **state)
{
	static const char json[] = "{\"plain\":1, \"\\u0065sc\":2, \"a\\\"b\":3, \"\\u00e9\":4, "
				   "\"\xc3\xa9\x32\":5, \"\":6, \"a\\u0000b\":7, \"tab\\t\":8}";
	static const struct {
		const char *key;
		const char *value;
		bool escaped;
	} found[] = {
	    {"plain", "1", false},   {"esc", "2", true},	   {"a\"b", "3", true},
	    {"\xc3\xa9", "4", true}, {"\xc3\xa9\x32", "5", false}, {"", "6", false},
	    {"tab\t", "8", true},
	};
	static const char *const missing[] = {"pla",	"plainx", "Plain", "a",	     "\\u0065sc",
					      "a\\\"b", "tab",	  "\xc3",  "missing"};
	bc_jdoc doc;
	(void)state;
	parse_ok(json, &doc);
	const bc_jnode *root = bc_jroot(&doc);
	for (size_t i = 0; i < sizeof(found) / sizeof(found[0]); i++) {
		const bc_jnode *v = bc_jget(&doc, root, found[i].key);
		if (!v)
			fail_msg("'%s' not found", found[i].key);
		assert_span(&doc, v, found[i].value);
		assert_int_equal(v->key_escaped, found[i].escaped);
	}
	for (size_t i = 0; i < sizeof(missing) / sizeof(missing[0]); i++)
		if (bc_jget(&doc, root, missing[i]))
			fail_msg("'%s' found", missing[i]);
	/* not objects */
	assert_null(bc_jget(&doc, NULL, "plain"));
	assert_null(bc_jget(&doc, bc_jget(&doc, root, "plain"), "plain"));
	bc_jdoc_free(&doc);
	parse_ok("[\"plain\"]", &doc);
	assert_null(bc_jget(&doc, bc_jroot(&doc), "plain"));
	assert_null(bc_jget(&doc, bc_jroot(&doc), "0"));
	bc_jdoc_free(&doc);
}

/* ---- limits and structure ---- */

/* depth arrays or objects ({"a": ...}) nested around 1. */
static char *nested(size_t depth, bool objects)
{
	size_t open = objects ? 5 : 1, size = depth * (open + 1) + 2;
	char *s = malloc(size);
	size_t w = 0;
	assert_non_null(s);
	for (size_t i = 0; i < depth; i++) {
		memcpy(s + w, objects ? "{\"a\":" : "[", open);
		w += open;
	}
	s[w++] = '1';
	for (size_t i = 0; i < depth; i++)
		s[w++] = objects ? '}' : ']';
	s[w] = 0;
	return s;
}

static void test_depth_limit_is_exact(void **state)
{
	(void)state;
	for (int objects = 0; objects < 2; objects++) {
		char *at_limit = nested(BC_JSCAN_MAX_DEPTH, objects);
		char *over = nested(BC_JSCAN_MAX_DEPTH + 1, objects);
		char *far_over = nested(100000, objects);
		accepts(at_limit);
		refused_at(over, (BC_JSCAN_MAX_DEPTH + 1) * (objects ? 5 : 1) - (objects ? 4 : 0),
			   "nested too deep");
		refused(far_over, "nested too deep");
		free(at_limit);
		free(over);
		free(far_over);
	}
}

static void test_depth_is_not_counted_across_siblings(void **state)
{
	char *deep = nested(BC_JSCAN_MAX_DEPTH - 1, false);
	char *deep2 = nested(BC_JSCAN_MAX_DEPTH - 2, false);
	char *json = NULL;
	(void)state;
	/* a root array whose children each reach the limit */
	assert_true(asprintf(&json, "[%s,%s,{\"k\":%s},%s]", deep, deep, deep2, deep) > 0);
	accepts(json);
	free(json);
	free(deep2);
	/* mixed arrays and objects, at the limit and over it */
	char *mixed = NULL, *p;
	size_t cap = 16 * BC_JSCAN_MAX_DEPTH;
	for (int extra = 0; extra < 2; extra++) {
		mixed = p = malloc(cap);
		assert_non_null(mixed);
		int depth = BC_JSCAN_MAX_DEPTH + extra;
		for (int i = 0; i < depth; i++)
			p += sprintf(p, i % 2 ? "{\"k\":" : "[");
		*p++ = '0';
		for (int i = depth; i-- > 0;)
			*p++ = i % 2 ? '}' : ']';
		*p = 0;
		if (extra)
			refused(mixed, "nested too deep");
		else
			accepts(mixed);
		free(mixed);
	}
	free(deep);
}

static void test_trailing_data_is_refused(void **state)
{
	static const struct {
		text t;
		size_t at;
	} bad[] = {
	    {T("{} x"), 3},	  {T("1 2"), 2},    {T("[]]"), 2},     {T("{}{}"), 2},
	    {T("\"a\"\"b\""), 3}, {T("null\0"), 4}, {T("true,"), 4},   {T("[] //"), 3},
	    {T("0 0"), 2},	  {T("{}\n}"), 3},  {T("\"a\" :"), 4},
	};
	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		refused_at_n(bad[i].t.s, bad[i].t.n, bad[i].at, "more after the JSON value");
	accepts("{} \n\t\r");
	accepts("0 ");
}

static void test_empty_input_is_refused(void **state)
{
	bc_jdoc doc;
	bc_error err = {0};
	(void)state;
	refused_at("", 0, "a value is missing");
	refused_at(" \n\t\r", 4, "a value is missing");
	refused_at_n("\0", 1, 0, "not a value");
	/* no text at all, and the default name */
	assert_int_equal(bc_jdoc_parse(NULL, 0, NULL, &doc, &err), BC_E_FORMAT);
	assert_string_equal(err.msg, "(json): byte 0: a value is missing");
	assert_null(doc.nodes);
	/* no error context */
	assert_int_equal(bc_jdoc_parse("[", 1, "x", &doc, NULL), BC_E_FORMAT);
}

static void test_errors_name_the_byte_offset(void **state)
{
	char spaces[1100];
	(void)state;
	refused_at("[1,]", 3, "not a value");
	refused_at("[1 2]", 3, "expected ',' or ']'");
	refused_at("[1", 2, "expected ',' or ']'");
	refused_at("[", 1, "a value is missing");
	refused_at("{\"a\":1 \"b\":2}", 7, "expected ',' or '}'");
	refused_at("{\"a\" 1}", 5, "a ':' must follow a key");
	refused_at("{\"a\"", 4, "a ':' must follow a key");
	refused_at("{\"a\":", 5, "a value is missing");
	refused_at("{\"a\":}", 5, "not a value");
	refused_at("{1:2}", 1, "a key must be a string");
	refused_at("{\"a\":1,}", 7, "a key must be a string");
	refused_at("{'a':1}", 1, "a key must be a string");
	refused_at("{", 1, "a key must be a string");
	refused_at("[\"abc", 5, "a string without its closing quote");
	refused_at("[\"abc\\\"]", 8, "a string without its closing quote");
	refused_at("[\"ab\x01\"]", 4, "a control character in a string");
	refused_at("[\"ab\xc0\x80\"]", 4, "not UTF-8");
	/* far into the document */
	memset(spaces, ' ', 1000);
	strcpy(spaces + 1000, "x");
	refused_at(spaces, 1000, "not a value");
	/* a duplicate key: somewhere within the duplicate member */
	size_t at = refused("{\"a\":1,\"a\":2}", "a key given twice");
	assert_true(at >= 7 && at <= 12);
}

/* A document with many members or elements parses and keeps them all, in order. */
static void test_a_hundred_thousand_members(void **state)
{
	enum { N = 100000 };
	char *json = malloc((size_t)N * 24 + 4);
	size_t w = 0;
	bc_jdoc doc;
	(void)state;
	assert_non_null(json);
	json[w++] = '{';
	for (unsigned i = 0; i < N; i++)
		w += (size_t)sprintf(json + w, "%s\"k%u\":%u", i ? "," : "", i, i);
	json[w++] = '}';
	parse_ok_n(json, w, &doc);
	assert_int_equal(doc.count, N + 2);
	assert_span(&doc, bc_jget(&doc, bc_jroot(&doc), "k0"), "0");
	assert_span(&doc, bc_jget(&doc, bc_jroot(&doc), "k99999"), "99999");
	assert_null(bc_jget(&doc, bc_jroot(&doc), "k100000"));
	size_t count = 0;
	for (size_t m = bc_jroot(&doc)->child; m; m = doc.nodes[m].next)
		count++;
	assert_int_equal(count, N);
	bc_jdoc_free(&doc);

	/* and as many elements of an array */
	w = 0;
	json[w++] = '[';
	for (unsigned i = 0; i < N; i++)
		w += (size_t)sprintf(json + w, "%s\"v%u\"", i ? "," : "", i);
	json[w++] = ']';
	parse_ok_n(json, w, &doc);
	assert_int_equal(doc.count, N + 2);
	bc_jdoc_free(&doc);
	free(json);
}

/* ---- against jansson ---- */

/* Where jansson (JSON_REJECT_DUPLICATES | JSON_DECODE_ANY) and jscan differ, and why
 * jscan is right by RFC 8259. */
enum verdict {
	SAME,		 /* both accept or both refuse */
	JANSSON_REFUSES, /* jscan accepts */
	JSCAN_REFUSES,	 /* jansson accepts */
};

static void test_agrees_with_jansson(void **state)
{
	static const struct {
		text t;
		enum verdict v;
	} cases[] = {
	    {T("{}"), SAME},
	    {T("[]"), SAME},
	    {T("0"), SAME},
	    {T("-0"), SAME},
	    {T("-1.5e-3"), SAME},
	    {T("1E+2"), SAME},
	    {T("\"x\""), SAME},
	    {T("null"), SAME},
	    {T(" [true, false, null] "), SAME},
	    {T(""), SAME},
	    {T("   "), SAME},
	    {T("01"), SAME},
	    {T("+1"), SAME},
	    {T(".5"), SAME},
	    {T("1."), SAME},
	    {T("1e"), SAME},
	    {T("-"), SAME},
	    {T("0x10"), SAME},
	    {T("NaN"), SAME},
	    {T("tru"), SAME},
	    {T("nulll"), SAME},
	    {T("True"), SAME},
	    {T("[1,]"), SAME},
	    {T("{\"a\":1,}"), SAME},
	    {T("[1 2]"), SAME},
	    {T("{\"a\" 1}"), SAME},
	    {T("{1:2}"), SAME},
	    {T("{'a':1}"), SAME},
	    {T("[\"a\"] x"), SAME},
	    {T("{}{}"), SAME},
	    {T("\f[]"), SAME},
	    {T("\xef\xbb\xbf{}"), SAME},
	    {T("\"\\\"\\\\\\/\\b\\f\\n\\r\\t\""), SAME},
	    {T("\"\\x\""), SAME},
	    {T("\"\\u12G4\""), SAME},
	    {T("\"\\ud83d\\ude00\""), SAME},
	    {T("\"\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\xf4\x8f\xbf\xbf\""), SAME},
	    {T("\"\xc0\x80\""), SAME},
	    {T("\"\xe0\x80\x80\""), SAME},
	    {T("\"\xed\xa0\x80\""), SAME},
	    {T("\"\xf4\x90\x80\x80\""), SAME},
	    {T("\"\x80\""), SAME},
	    {T("\"\xc3"), SAME},
	    {T("\"a\tb\""), SAME},
	    {T("\"a\x01\""), SAME},
	    {T("\"\x7f\""), SAME},
	    {T("{\"a\":1,\"a\":2}"), SAME},
	    {T("{\"a\":1,\"\\u0061\":2}"), SAME},
	    {T("{\"o\":{\"a\":1,\"a\":2}}"), SAME},
	    {T("{\"a\":{\"a\":1},\"b\":{\"a\":2}}"), SAME},
	    {T("{\"a\":1,\"A\":2}"), SAME},
	    {T("[\"a\",\"a\"]"), SAME},
	    {T("[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]"), SAME},
	    {T("[1]\0"), SAME},
	    /* RFC 8259 section 7 allows any \uXXXX: U+0000 is a character like another.
	     * jansson refuses it unless JSON_ALLOW_NUL; its callers use C strings. */
	    {T("\"\\u0000\""), JANSSON_REFUSES},
	    {T("{\"k\\u0000\":1}"), JANSSON_REFUSES},
	    /* Lone surrogates match the grammar (section 7); section 8.2 leaves their meaning
	     * to the reader. jansson refuses them, jscan reads U+FFFD. */
	    {T("\"\\ud800\""), JANSSON_REFUSES},
	    {T("\"\\udc00x\""), JANSSON_REFUSES},
	    /* Section 6 allows any size of number in the grammar; jansson refuses integers
	     * beyond long long and reals beyond double. */
	    {T("123456789012345678901234567890"), JANSSON_REFUSES},
	    {T("1e400"), JANSSON_REFUSES},
	    /* A NUL byte is not whitespace (section 2). jansson's reader takes one NUL just
	     * after a number or literal for the end of its buffer, and accepts these. */
	    {T("null\0"), JSCAN_REFUSES},
	    {T("1\0"), JSCAN_REFUSES},
	};
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const text *t = &cases[i].t;
		bc_jdoc doc;
		bc_error err;
		json_error_t jerr;
		bool ours = parse_n(t->s, t->n, &doc, &err) == BC_OK;
		json_t *j = json_loadb(t->s, t->n, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &jerr);
		bool theirs = j != NULL;
		json_decref(j);
		if (ours)
			bc_jdoc_free(&doc);
		bool ok = cases[i].v == SAME		  ? ours == theirs
			  : cases[i].v == JANSSON_REFUSES ? ours && !theirs
							  : !ours && theirs;
		if (!ok)
			fail_msg("%s: jscan %s (%s), jansson %s (%s)", shown(t->s, t->n),
				 ours ? "accepts" : "refuses", ours ? "" : err.msg,
				 theirs ? "accepts" : "refuses", theirs ? "" : jerr.text);
	}
	/* Section 9 lets a parser limit nesting: jscan allows 64, jansson 2048. */
	char *deep = nested(BC_JSCAN_MAX_DEPTH + 1, false);
	refused(deep, "nested too deep");
	json_t *jdeep = json_loadb(deep, strlen(deep), JSON_DECODE_ANY, NULL);
	assert_non_null(jdeep);
	json_decref(jdeep);
	free(deep);
	/* the \u0000 difference is only jansson's flag */
	json_t *j = json_loadb("\"\\u0000\"", 8, JSON_DECODE_ANY | JSON_ALLOW_NUL, NULL);
	assert_non_null(j);
	json_decref(j);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_every_value_kind_may_be_the_root),
	    cmocka_unit_test(test_object_members_keep_their_order_keys_and_types),
	    cmocka_unit_test(test_nested_arrays_and_objects),
	    cmocka_unit_test(test_whitespace_is_the_four_rfc_characters),
	    cmocka_unit_test(test_jstring_unescapes_every_escape),
	    cmocka_unit_test(test_jstring_joins_surrogate_pairs),
	    cmocka_unit_test(test_jstring_lone_surrogates_become_replacement_characters),
	    cmocka_unit_test(test_jstring_without_escapes_points_into_the_text),
	    cmocka_unit_test(test_jstring_refuses_values_that_are_not_strings),
	    cmocka_unit_test(test_bad_escapes_are_refused),
	    cmocka_unit_test(test_utf8_of_two_three_and_four_bytes_is_accepted),
	    cmocka_unit_test(test_malformed_utf8_is_refused_at_its_first_byte),
	    cmocka_unit_test(test_control_characters_in_strings_are_refused),
	    cmocka_unit_test(test_long_strings_stop_at_every_offset),
	    cmocka_unit_test(test_rfc_8259_numbers_are_accepted),
	    cmocka_unit_test(test_numbers_outside_rfc_8259_are_refused),
	    cmocka_unit_test(test_literals_and_near_misses),
	    cmocka_unit_test(test_duplicate_keys_are_refused),
	    cmocka_unit_test(test_distinct_keys_are_accepted),
	    cmocka_unit_test(test_jget_finds_keys_with_and_without_escapes),
	    cmocka_unit_test(test_depth_limit_is_exact),
	    cmocka_unit_test(test_depth_is_not_counted_across_siblings),
	    cmocka_unit_test(test_trailing_data_is_refused),
	    cmocka_unit_test(test_empty_input_is_refused),
	    cmocka_unit_test(test_errors_name_the_byte_offset),
	    cmocka_unit_test(test_a_hundred_thousand_members),
	    cmocka_unit_test(test_agrees_with_jansson),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
