/* SPDX-License-Identifier: BSD-3-Clause */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/buf.h"

void bc_buf_init(bc_buf *b, size_t max)
{
	*b = (bc_buf){.max = max};
}

void bc_buf_free(bc_buf *b)
{
	free(b->data);
	*b = (bc_buf){.max = b->max};
}

void bc_buf_reset(bc_buf *b)
{
	b->len = 0;
	b->failed = false;
	if (b->data)
		b->data[0] = 0;
}

/* Make room for need more bytes plus a NUL, within max. */
static bc_status buf_reserve(bc_buf *b, size_t need)
{
	if (b->failed)
		return BC_E_LIMIT;
	if (need > b->max || b->max - need < b->len) {
		b->failed = true;
		return BC_E_LIMIT;
	}
	size_t want = b->len + need + 1;
	if (want <= b->cap)
		return BC_OK;
	size_t cap = b->cap ? b->cap : 256;
	while (cap < want)
		cap = cap > SIZE_MAX / 2 ? want : cap * 2;
	uint8_t *p = realloc(b->data, cap);
	if (!p) {
		b->failed = true;
		return BC_E_NOMEM;
	}
	b->data = p;
	b->cap = cap;
	return BC_OK;
}

bc_status bc_buf_append(bc_buf *b, const void *data, size_t len)
{
	bc_status s = buf_reserve(b, len);
	if (s != BC_OK)
		return s;
	if (len)
		memcpy(b->data + b->len, data, len);
	b->len += len;
	b->data[b->len] = 0;
	return BC_OK;
}

bc_status bc_buf_putc(bc_buf *b, char c)
{
	return bc_buf_append(b, &c, 1);
}

bc_status bc_buf_puts(bc_buf *b, const char *s)
{
	return bc_buf_append(b, s, strlen(s));
}

bc_status bc_buf_printf(bc_buf *b, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0) {
		b->failed = true;
		return BC_E_INVALID;
	}
	bc_status s = buf_reserve(b, (size_t)n);
	if (s != BC_OK)
		return s;
	va_start(ap, fmt);
	vsnprintf((char *)b->data + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
	return BC_OK;
}

const char *bc_buf_str(bc_buf *b)
{
	if (!b->data && buf_reserve(b, 0) != BC_OK)
		return "";
	b->data[b->len] = 0;
	return (const char *)b->data;
}

bc_status bc_buf_status(const bc_buf *b, bc_error *err, const char *what)
{
	if (!b->failed)
		return BC_OK;
	if (b->len < b->max && b->cap < b->len + 2)
		return bc_fail(err, BC_E_NOMEM, "%s: out of memory", what);
	return bc_fail(err, BC_E_LIMIT, "%s: larger than the limit of %zu bytes", what, b->max);
}
