/* SPDX-License-Identifier: BSD-3-Clause */
#include "config.h"

#include <inttypes.h>

#include <openssl/evp.h>
#include <string.h>

#include "util/hex.h"
#include "util/json.h"

void bc_json_init(bc_json *j, bc_buf *out)
{
	*j = (bc_json){.out = out};
}

/* Write the comma that separates this value from the previous one. */
static void value_prefix(bc_json *j)
{
	if (j->after_key) {
		j->after_key = false;
		return;
	}
	if (j->has_items[j->depth])
		bc_buf_putc(j->out, ',');
	j->has_items[j->depth] = true;
}

static void open_scope(bc_json *j, char c)
{
	value_prefix(j);
	bc_buf_putc(j->out, c);
	if (j->depth + 1 >= BC_JSON_MAX_DEPTH) {
		j->out->failed = true; /* a programming error: never nest this deep */
		return;
	}
	j->depth++;
	j->has_items[j->depth] = false;
}

static void close_scope(bc_json *j, char c)
{
	bc_buf_putc(j->out, c);
	if (j->depth > 0)
		j->depth--;
}

void bc_json_object_begin(bc_json *j)
{
	open_scope(j, '{');
}

void bc_json_object_end(bc_json *j)
{
	close_scope(j, '}');
}

void bc_json_array_begin(bc_json *j)
{
	open_scope(j, '[');
}

void bc_json_array_end(bc_json *j)
{
	close_scope(j, ']');
}

void bc_json_key(bc_json *j, const char *key)
{
	bc_json_string(j, key);
	bc_buf_putc(j->out, ':');
	j->after_key = true;
}

/* Length of the valid UTF-8 sequence at s (at most len bytes), 0 when invalid. */
static size_t utf8_sequence(const unsigned char *s, size_t len)
{
	unsigned char c = s[0];
	size_t n;
	uint32_t cp;
	if (c < 0x80)
		return 1;
	if ((c & 0xe0) == 0xc0) {
		n = 2;
		cp = c & 0x1f;
	} else if ((c & 0xf0) == 0xe0) {
		n = 3;
		cp = c & 0x0f;
	} else if ((c & 0xf8) == 0xf0) {
		n = 4;
		cp = c & 0x07;
	} else {
		return 0;
	}
	if (n > len)
		return 0;
	for (size_t i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	static const uint32_t min_cp[] = {0, 0, 0x80, 0x800, 0x10000};
	if (cp < min_cp[n] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return n;
}

void bc_json_escape(bc_buf *out, const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0;
	while (i < len) {
		unsigned char c = p[i];
		if (c == '"' || c == '\\') {
			bc_buf_putc(out, '\\');
			bc_buf_putc(out, (char)c);
			i++;
		} else if (c < 0x20) {
			switch (c) {
			case '\n': bc_buf_puts(out, "\\n"); break;
			case '\r': bc_buf_puts(out, "\\r"); break;
			case '\t': bc_buf_puts(out, "\\t"); break;
			default: bc_buf_printf(out, "\\u%04x", c); break;
			}
			i++;
		} else {
			size_t n = utf8_sequence(p + i, len - i);
			if (n == 0) {
				bc_buf_puts(out, "\\ufffd");
				i++;
			} else {
				bc_buf_append(out, p + i, n);
				i += n;
			}
		}
	}
}

void bc_json_string_n(bc_json *j, const char *s, size_t len)
{
	value_prefix(j);
	bc_buf_putc(j->out, '"');
	bc_json_escape(j->out, s, len);
	bc_buf_putc(j->out, '"');
}

void bc_json_string(bc_json *j, const char *s)
{
	bc_json_string_n(j, s, strlen(s));
}

void bc_json_uint(bc_json *j, uint64_t v)
{
	value_prefix(j);
	bc_buf_printf(j->out, "%" PRIu64, v);
}

void bc_json_int(bc_json *j, int64_t v)
{
	value_prefix(j);
	bc_buf_printf(j->out, "%" PRId64, v);
}

void bc_json_bool(bc_json *j, bool v)
{
	value_prefix(j);
	bc_buf_puts(j->out, v ? "true" : "false");
}

void bc_json_null(bc_json *j)
{
	value_prefix(j);
	bc_buf_puts(j->out, "null");
}

void bc_json_hex(bc_json *j, const uint8_t *data, size_t len)
{
	value_prefix(j);
	bc_buf_putc(j->out, '"');
	char chunk[2 * 64 + 1];
	for (size_t off = 0; off < len; off += 64) {
		size_t n = len - off < 64 ? len - off : 64;
		bc_buf_append(j->out, bc_hex_encode(data + off, n, chunk), 2 * n);
	}
	bc_buf_putc(j->out, '"');
}

void bc_json_base64(bc_json *j, const uint8_t *data, size_t len)
{
	/* EVP_EncodeBlock takes an int length: encode whole 3-byte groups a chunk at a time */
	enum { CHUNK = 3 * 1024 };
	unsigned char out[4 * CHUNK / 3 + 1];
	value_prefix(j);
	bc_buf_putc(j->out, '"');
	for (size_t off = 0; off < len; off += CHUNK) {
		size_t n = len - off < CHUNK ? len - off : CHUNK;
		int written = EVP_EncodeBlock(out, data + off, (int)n);
		bc_buf_append(j->out, out, (size_t)written);
	}
	bc_buf_putc(j->out, '"');
}

void bc_json_raw(bc_json *j, const char *json)
{
	value_prefix(j);
	bc_buf_puts(j->out, json);
}
