/* SPDX-License-Identifier: BSD-3-Clause */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "util/jscan.h"

typedef struct scan {
	const char *t;
	size_t n, pos;
	bc_jdoc *doc;
	const char *name;
	bc_error *err;
	unsigned depth;
} scan;

static bc_status fail_at(scan *s, const char *what)
{
	return bc_fail(s->err, BC_E_FORMAT, "%s: byte %zu: %s", s->name, s->pos, what);
}

static void skip_ws(scan *s)
{
	while (s->pos < s->n && (s->t[s->pos] == ' ' || s->t[s->pos] == '\n' ||
				 s->t[s->pos] == '\r' || s->t[s->pos] == '\t'))
		s->pos++;
}

static bc_status new_node(scan *s, bc_jtype type, size_t *index)
{
	bc_jdoc *d = s->doc;
	if (d->count >= BC_JSCAN_MAX_NODES)
		return fail_at(s, "more values than a document may have");
	if (d->count == d->cap) {
		size_t cap = d->cap ? 2 * d->cap : 64;
		bc_jnode *grown = realloc(d->nodes, cap * sizeof(*grown));
		if (!grown)
			return bc_fail(s->err, BC_E_NOMEM, "out of memory");
		d->nodes = grown;
		d->cap = cap;
	}
	*index = d->count++;
	d->nodes[*index] = (bc_jnode){.type = (uint8_t)type, .start = s->pos};
	return BC_OK;
}

/* One UTF-8 sequence starting at s->pos (not ASCII): valid and shortest, no surrogates. */
static bool utf8_sequence(scan *s)
{
	const unsigned char *p = (const unsigned char *)s->t + s->pos;
	size_t left = s->n - s->pos;
	unsigned char c = p[0];
	size_t len = c >= 0xc2 && c <= 0xdf   ? 2
		     : c >= 0xe0 && c <= 0xef ? 3
		     : c >= 0xf0 && c <= 0xf4 ? 4
					      : 0;
	if (!len || left < len)
		return false;
	for (size_t i = 1; i < len; i++)
		if ((p[i] & 0xc0) != 0x80)
			return false;
	if ((c == 0xe0 && p[1] < 0xa0) || (c == 0xed && p[1] > 0x9f) ||
	    (c == 0xf0 && p[1] < 0x90) || (c == 0xf4 && p[1] > 0x8f))
		return false; /* overlong, surrogate, or beyond U+10FFFF */
	s->pos += len;
	return true;
}

static bool hex4(scan *s)
{
	if (s->n - s->pos < 4)
		return false;
	for (int i = 0; i < 4; i++) {
		char c = s->t[s->pos + i];
		if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')))
			return false;
	}
	s->pos += 4;
	return true;
}

/* Whether none of the 8 bytes of w is a quote, a backslash, a control character or
 * non-ASCII: the bytes a string scan must stop at. (Bit tricks of "has a zero byte";
 * a false alarm only sends the scan to the byte loop.) */
static bool plain8(uint64_t w)
{
	const uint64_t ones = 0x0101010101010101ull, highs = 0x8080808080808080ull;
	uint64_t quote = w ^ (ones * '"'), backslash = w ^ (ones * '\\');
	uint64_t stop = (w & highs) | ((w - ones * 0x20) & ~w & highs) |
			((quote - ones) & ~quote & highs) |
			((backslash - ones) & ~backslash & highs);
	return stop == 0;
}

/* A string at s->pos (its opening quote); start and len get what is inside. */
static bc_status string_span(scan *s, size_t *start, size_t *len, bool *escaped)
{
	s->pos++; /* the quote */
	*start = s->pos;
	*escaped = false;
	for (;;) {
		/* the fast path: plain ASCII, 8 bytes at a time (base64 logs are long) */
		for (uint64_t w; s->pos + 8 <= s->n; s->pos += 8) {
			memcpy(&w, s->t + s->pos, 8);
			if (!plain8(w))
				break;
		}
		while (s->pos < s->n) {
			unsigned char c = (unsigned char)s->t[s->pos];
			if (c == '"' || c == '\\' || c < 0x20 || c >= 0x80)
				break;
			s->pos++;
		}
		if (s->pos >= s->n)
			return fail_at(s, "a string without its closing quote");
		unsigned char c = (unsigned char)s->t[s->pos];
		if (c == '"') {
			*len = s->pos - *start;
			s->pos++;
			return BC_OK;
		}
		if (c < 0x20)
			return fail_at(s, "a control character in a string");
		if (c >= 0x80) {
			if (!utf8_sequence(s))
				return fail_at(s, "not UTF-8");
			continue;
		}
		*escaped = true;
		s->pos++;
		if (s->pos >= s->n)
			return fail_at(s, "a string without its closing quote");
		c = (unsigned char)s->t[s->pos++];
		if (c == 'u' ? !hex4(s) : !strchr("\"\\/bfnrt", c) || !c)
			return fail_at(s, "a bad escape");
	}
}

static bool digits(scan *s)
{
	size_t at = s->pos;
	while (s->pos < s->n && s->t[s->pos] >= '0' && s->t[s->pos] <= '9')
		s->pos++;
	return s->pos > at;
}

static bc_status number(scan *s)
{
	if (s->t[s->pos] == '-')
		s->pos++;
	if (s->pos < s->n && s->t[s->pos] == '0')
		s->pos++;
	else if (!digits(s))
		return fail_at(s, "not a value");
	if (s->pos < s->n && s->t[s->pos] == '.' && (s->pos++, !digits(s)))
		return fail_at(s, "a number without digits after its point");
	if (s->pos < s->n && (s->t[s->pos] == 'e' || s->t[s->pos] == 'E')) {
		s->pos++;
		if (s->pos < s->n && (s->t[s->pos] == '+' || s->t[s->pos] == '-'))
			s->pos++;
		if (!digits(s))
			return fail_at(s, "a number without digits in its exponent");
	}
	return BC_OK;
}

static bc_status literal(scan *s, const char *word, bc_jtype type, size_t index)
{
	size_t len = strlen(word);
	if (s->n - s->pos < len || memcmp(s->t + s->pos, word, len) != 0)
		return fail_at(s, "not a value");
	s->pos += len;
	s->doc->nodes[index].type = (uint8_t)type;
	return BC_OK;
}

static bc_status value(scan *s, size_t *index);

typedef struct key_ref {
	const char *s;
	size_t len;
	size_t at; /* the key's opening quote */
} key_ref;

static int compare_keys(const void *a, const void *b)
{
	const key_ref *x = a, *y = b;
	int c = memcmp(x->s, y->s, x->len < y->len ? x->len : y->len);
	if (c)
		return c;
	if (x->len != y->len)
		return x->len < y->len ? -1 : 1;
	return x->at < y->at ? -1 : x->at > y->at;
}

/* No two of the count members of obj have the same key once unescaped. Sorted, so that
 * an object of n members costs n log n, not n squared; the error names the first key, in
 * the text, that repeats an earlier one. */
static bc_status unique_keys(scan *s, size_t obj, size_t count)
{
	const bc_jdoc *d = s->doc;
	bc_status st = BC_OK;
	size_t k = 0, dup = 0;
	if (count < 2)
		return BC_OK;
	key_ref *keys = calloc(count, sizeof(*keys));
	char **owned = calloc(count, sizeof(*owned));
	if (!keys || !owned) {
		st = bc_fail(s->err, BC_E_NOMEM, "out of memory");
		goto out;
	}
	for (size_t m = d->nodes[obj].child; m; m = d->nodes[m].next, k++) {
		const bc_jnode *n = &d->nodes[m];
		bc_jnode key = {.type = BC_JSTRING,
				.escaped = n->key_escaped,
				.start = n->key,
				.len = n->key_len};
		if (!bc_jstring(d, &key, &keys[k].s, &keys[k].len, &owned[k])) {
			st = bc_fail(s->err, BC_E_NOMEM, "out of memory");
			goto out;
		}
		keys[k].at = n->key - 1;
	}
	qsort(keys, count, sizeof(*keys), compare_keys);
	for (size_t i = 1; i < count; i++)
		if (keys[i].len == keys[i - 1].len &&
		    memcmp(keys[i].s, keys[i - 1].s, keys[i].len) == 0 &&
		    (!dup || keys[i].at < dup))
			dup = keys[i].at;
	if (dup) {
		s->pos = dup;
		st = fail_at(s, "a key given twice");
	}
out:
	for (size_t i = 0; owned && i < count; i++)
		free(owned[i]);
	free(owned);
	free(keys);
	return st;
}

static bc_status member(scan *s, size_t obj, size_t *prev)
{
	size_t key, key_len, index;
	bool key_escaped;
	if (s->pos >= s->n || s->t[s->pos] != '"')
		return fail_at(s, "a key must be a string");
	bc_status st = string_span(s, &key, &key_len, &key_escaped);
	skip_ws(s);
	if (st == BC_OK && (s->pos >= s->n || s->t[s->pos] != ':'))
		return fail_at(s, "a ':' must follow a key");
	s->pos++;
	if (st != BC_OK || (st = value(s, &index)) != BC_OK)
		return st;
	bc_jnode *d = s->doc->nodes;
	d[index].key = key;
	d[index].key_len = key_len;
	d[index].key_escaped = key_escaped;
	if (*prev)
		d[*prev].next = index;
	else
		d[obj].child = index;
	*prev = index;
	return BC_OK;
}

/* The elements of an array or the members of an object; s->pos is past the bracket. */
static bc_status container(scan *s, size_t index, char close)
{
	size_t prev = 0, count = 0;
	bc_status st;
	if (++s->depth > BC_JSCAN_MAX_DEPTH)
		return fail_at(s, "nested too deep");
	skip_ws(s);
	if (s->pos < s->n && s->t[s->pos] == close) {
		s->pos++;
		s->depth--;
		return BC_OK;
	}
	for (;;) {
		skip_ws(s);
		if (close == '}') {
			st = member(s, index, &prev);
		} else {
			size_t elem;
			st = value(s, &elem);
			if (st == BC_OK) {
				if (prev)
					s->doc->nodes[prev].next = elem;
				else
					s->doc->nodes[index].child = elem;
				prev = elem;
			}
		}
		if (st != BC_OK)
			return st;
		count++;
		skip_ws(s);
		if (s->pos < s->n && s->t[s->pos] == ',') {
			s->pos++;
			continue;
		}
		if (s->pos < s->n && s->t[s->pos] == close) {
			s->pos++;
			s->depth--;
			return close == '}' ? unique_keys(s, index, count) : BC_OK;
		}
		return fail_at(s, close == '}' ? "expected ',' or '}'" : "expected ',' or ']'");
	}
}

static bc_status value(scan *s, size_t *index)
{
	bc_status st;
	skip_ws(s);
	if (s->pos >= s->n)
		return fail_at(s, "a value is missing");
	if ((st = new_node(s, BC_JNULL, index)) != BC_OK)
		return st;
	size_t i = *index;
	char c = s->t[s->pos];
	switch (c) {
	case '{':
	case '[':
		s->doc->nodes[i].type = c == '{' ? BC_JOBJECT : BC_JARRAY;
		s->pos++;
		st = container(s, i, c == '{' ? '}' : ']');
		break;
	case '"': {
		size_t start, len;
		bool escaped;
		st = string_span(s, &start, &len, &escaped);
		bc_jnode *n = &s->doc->nodes[i];
		n->type = BC_JSTRING;
		n->start = start;
		n->len = len;
		n->escaped = escaped;
		return st;
	}
	case 't': st = literal(s, "true", BC_JTRUE, i); break;
	case 'f': st = literal(s, "false", BC_JFALSE, i); break;
	case 'n': st = literal(s, "null", BC_JNULL, i); break;
	default: s->doc->nodes[i].type = BC_JNUMBER; st = number(s);
	}
	s->doc->nodes[i].len = s->pos - s->doc->nodes[i].start;
	return st;
}

bc_status bc_jdoc_parse(const char *text, size_t size, const char *name, bc_jdoc *doc,
			bc_error *err)
{
	size_t root, unused;
	scan s = {.t = text, .n = size, .doc = doc, .name = name ? name : "(json)", .err = err};
	*doc = (bc_jdoc){.text = text, .size = size};
	bc_status st = new_node(&s, BC_JNULL, &unused); /* index 0: "none" */
	if (st == BC_OK)
		st = value(&s, &root);
	skip_ws(&s);
	if (st == BC_OK && s.pos != size)
		st = fail_at(&s, "more after the JSON value");
	if (st != BC_OK)
		bc_jdoc_free(doc);
	return st;
}

void bc_jdoc_free(bc_jdoc *doc)
{
	free(doc->nodes);
	*doc = (bc_jdoc){0};
}

const bc_jnode *bc_jget(const bc_jdoc *doc, const bc_jnode *obj, const char *key)
{
	size_t len = strlen(key);
	if (!obj || obj->type != BC_JOBJECT)
		return NULL;
	for (size_t m = obj->child; m; m = doc->nodes[m].next) {
		const bc_jnode *n = &doc->nodes[m];
		if (!n->key_escaped && n->key_len == len &&
		    memcmp(doc->text + n->key, key, len) == 0)
			return n;
		if (n->key_escaped) {
			bc_jnode k = {.type = BC_JSTRING,
				      .escaped = true,
				      .start = n->key,
				      .len = n->key_len};
			const char *s;
			size_t l;
			char *owned = NULL;
			bool same =
			    bc_jstring(doc, &k, &s, &l, &owned) && l == len && !memcmp(s, key, len);
			free(owned);
			if (same)
				return n;
		}
	}
	return NULL;
}

static unsigned hex_value(char c)
{
	return c <= '9' ? (unsigned)(c - '0') : (unsigned)((c | 0x20) - 'a' + 10);
}

static size_t put_utf8(char *out, uint32_t c)
{
	if (c < 0x80) {
		out[0] = (char)c;
		return 1;
	}
	if (c < 0x800) {
		out[0] = (char)(0xc0 | c >> 6);
		out[1] = (char)(0x80 | (c & 0x3f));
		return 2;
	}
	if (c < 0x10000) {
		out[0] = (char)(0xe0 | c >> 12);
		out[1] = (char)(0x80 | (c >> 6 & 0x3f));
		out[2] = (char)(0x80 | (c & 0x3f));
		return 3;
	}
	out[0] = (char)(0xf0 | c >> 18);
	out[1] = (char)(0x80 | (c >> 12 & 0x3f));
	out[2] = (char)(0x80 | (c >> 6 & 0x3f));
	out[3] = (char)(0x80 | (c & 0x3f));
	return 4;
}

static uint32_t u_escape(const char *p)
{
	return hex_value(p[0]) << 12 | hex_value(p[1]) << 8 | hex_value(p[2]) << 4 |
	       hex_value(p[3]);
}

bool bc_jstring(const bc_jdoc *doc, const bc_jnode *n, const char **s, size_t *len, char **owned)
{
	*owned = NULL;
	if (n->type != BC_JSTRING)
		return false;
	const char *p = doc->text + n->start, *end = p + n->len;
	if (!n->escaped) {
		*s = p;
		*len = n->len;
		return true;
	}
	char *out = malloc(n->len + 1), *w = out; /* unescaped text is never longer */
	if (!out)
		return false;
	while (p < end) {
		if (*p != '\\') {
			*w++ = *p++;
			continue;
		}
		char c = p[1];
		p += 2;
		static const char from[] = "\"\\/bfnrt", to[] = "\"\\/\b\f\n\r\t";
		if (c != 'u') {
			*w++ = to[strchr(from, c) - from];
			continue;
		}
		uint32_t u = u_escape(p);
		p += 4;
		if (u >= 0xd800 && u <= 0xdbff && end - p >= 6 && p[0] == '\\' && p[1] == 'u') {
			uint32_t lo = u_escape(p + 2);
			if (lo >= 0xdc00 && lo <= 0xdfff) {
				u = 0x10000 + ((u - 0xd800) << 10) + (lo - 0xdc00);
				p += 6;
			}
		}
		if (u >= 0xd800 && u <= 0xdfff)
			u = 0xfffd; /* a lone surrogate */
		w += put_utf8(w, u);
	}
	*owned = out;
	*s = out;
	*len = (size_t)(w - out);
	return true;
}
