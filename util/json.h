/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A streaming JSON writer into a capped bc_buf. It places commas itself; strings are
 * escaped, and bytes that are not valid UTF-8 (event logs carry any bytes) become
 * U+FFFD so that the output is always valid JSON.
 */
#ifndef BC_UTIL_JSON_H
#define BC_UTIL_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/buf.h"

#define BC_JSON_MAX_DEPTH 32

typedef struct bc_json {
	bc_buf *out;
	unsigned depth;
	bool has_items[BC_JSON_MAX_DEPTH];
	bool after_key;
} bc_json;

void bc_json_init(bc_json *j, bc_buf *out);
void bc_json_object_begin(bc_json *j);
void bc_json_object_end(bc_json *j);
void bc_json_array_begin(bc_json *j);
void bc_json_array_end(bc_json *j);
void bc_json_key(bc_json *j, const char *key);
void bc_json_string(bc_json *j, const char *s);
void bc_json_string_n(bc_json *j, const char *s, size_t len);
void bc_json_uint(bc_json *j, uint64_t v);
void bc_json_int(bc_json *j, int64_t v);
void bc_json_bool(bc_json *j, bool v);
void bc_json_null(bc_json *j);
void bc_json_hex(bc_json *j, const uint8_t *data, size_t len);
/* A string holding the standard base64 (RFC 4648, padded) of data. */
void bc_json_base64(bc_json *j, const uint8_t *data, size_t len);

/* A value that is JSON text already (the caller vouches for it: e.g. jansson's output). */
void bc_json_raw(bc_json *j, const char *json);

/* Escape s into out as the inside of a JSON string (no quotes). */
void bc_json_escape(bc_buf *out, const char *s, size_t len);

#endif
