/* SPDX-License-Identifier: BSD-3-Clause */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "util/text.h"

size_t bc_utf8_len(const unsigned char *s, size_t n)
{
	static const unsigned min_cp[5] = {0, 0, 0x80, 0x800, 0x10000};
	size_t len = s[0] < 0x80	     ? 1
		     : (s[0] & 0xe0) == 0xc0 ? 2
		     : (s[0] & 0xf0) == 0xe0 ? 3
		     : (s[0] & 0xf8) == 0xf0 ? 4
					     : 0;
	if (len <= 1 || len > n)
		return len > n ? 0 : len;
	unsigned cp = s[0] & (0x7f >> len);
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	if (cp < min_cp[len] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return len;
}

/* Escape into a sink: a buffer, or a fixed array. */
typedef struct sink {
	bc_buf *buf;
	char *fixed;
	size_t size, len;
	bool full;
} sink;

static void put(sink *k, const void *p, size_t n)
{
	if (k->buf) {
		bc_buf_append(k->buf, p, n);
		return;
	}
	if (k->full || k->len + n >= k->size) {
		k->full = true;
		return;
	}
	memcpy(k->fixed + k->len, p, n);
	k->len += n;
}

static void escape(sink *k, const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0;
	while (i < n) {
		size_t len = p[i] < 0x20 || p[i] == 0x7f ? 0 : bc_utf8_len(p + i, n - i);
		if (len == 0) {
			char hex[5];
			snprintf(hex, sizeof(hex), "\\x%02x", p[i]);
			put(k, hex, 4);
			i++;
		} else {
			put(k, p + i, len);
			i += len;
		}
	}
}

void bc_text_escape(bc_buf *out, const char *s, size_t n)
{
	sink k = {.buf = out};
	escape(&k, s, n);
}

const char *bc_text_escaped(const char *s, char *buf, size_t size)
{
	sink k = {.fixed = buf, .size = size};
	if (!size)
		return buf;
	escape(&k, s, strlen(s));
	buf[k.len] = 0;
	return buf;
}
