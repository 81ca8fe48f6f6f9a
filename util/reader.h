/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A bounded reader over untrusted bytes: every read checks the bytes left first and
 * fails instead of reading past the end. Never cast raw bytes to structs.
 */
#ifndef BC_UTIL_READER_H
#define BC_UTIL_READER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

typedef struct bc_reader {
	const uint8_t *data;
	size_t size;
	size_t pos;
} bc_reader;

static inline bc_reader bc_reader_init(const void *data, size_t size)
{
	return (bc_reader){.data = data, .size = size, .pos = 0};
}

static inline size_t bc_rd_left(const bc_reader *r)
{
	return r->size - r->pos;
}

static inline bool bc_rd_bytes(bc_reader *r, size_t n, const uint8_t **out)
{
	if (n > bc_rd_left(r)) {
		*out = NULL; /* callers never see an uninitialised pointer */
		return false;
	}
	*out = r->data + r->pos;
	r->pos += n;
	return true;
}

static inline bool bc_rd_skip(bc_reader *r, size_t n)
{
	const uint8_t *unused;
	return bc_rd_bytes(r, n, &unused);
}

static inline bool bc_rd_copy(bc_reader *r, void *out, size_t n)
{
	const uint8_t *p;
	if (!bc_rd_bytes(r, n, &p)) {
		memset(out, 0, n);
		return false;
	}
	memcpy(out, p, n);
	return true;
}

static inline bool bc_rd_u8(bc_reader *r, uint8_t *v)
{
	return bc_rd_copy(r, v, 1);
}

static inline bool bc_rd_u16le(bc_reader *r, uint16_t *v)
{
	const uint8_t *p;
	if (!bc_rd_bytes(r, 2, &p)) {
		*v = 0;
		return false;
	}
	*v = (uint16_t)(p[0] | p[1] << 8);
	return true;
}

static inline bool bc_rd_u32le(bc_reader *r, uint32_t *v)
{
	const uint8_t *p;
	if (!bc_rd_bytes(r, 4, &p)) {
		*v = 0;
		return false;
	}
	*v = (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
	return true;
}

static inline bool bc_rd_u64le(bc_reader *r, uint64_t *v)
{
	uint32_t lo, hi;
	size_t pos = r->pos;
	if (!bc_rd_u32le(r, &lo) || !bc_rd_u32le(r, &hi)) {
		r->pos = pos;
		*v = 0;
		return false;
	}
	*v = (uint64_t)hi << 32 | lo;
	return true;
}

static inline bool bc_rd_u16be(bc_reader *r, uint16_t *v)
{
	const uint8_t *p;
	if (!bc_rd_bytes(r, 2, &p)) {
		*v = 0;
		return false;
	}
	*v = (uint16_t)(p[0] << 8 | p[1]);
	return true;
}

static inline bool bc_rd_u32be(bc_reader *r, uint32_t *v)
{
	const uint8_t *p;
	if (!bc_rd_bytes(r, 4, &p)) {
		*v = 0;
		return false;
	}
	*v = (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | (uint32_t)p[3];
	return true;
}

#endif
