/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Strict reading of JSON parsed by jansson: the files bootchain reads (golden databases,
 * signed policies, sealed objects) refuse unknown keys and wrong types, and every
 * message names the file and the place in it: "db.json: components[2].pcr: a PCR
 * number, not a string".
 */
#ifndef BC_UTIL_JSON_READ_H
#define BC_UTIL_JSON_READ_H

#include <stdarg.h>

#include <jansson.h>

#include <bootchain/status.h>

/* A place in a JSON file, for messages: text is "" at the top, else "a.b[2].c". */
typedef struct bc_jpath {
	const char *file;
	char text[256];
} bc_jpath;

/* child = parent followed by fmt (".key", "[3]"); a path too long is cut, not overrun. */
void bc_jpath_push(const bc_jpath *parent, bc_jpath *child, const char *fmt, ...) BC_PRINTF(3, 4);
/* child = parent.key, or key at the top. */
void bc_jpath_key(const bc_jpath *parent, bc_jpath *child, const char *key);

/* Fails with status and "FILE: PATH: what" ("FILE: what" at the top). */
bc_status bc_jpath_fail(const bc_jpath *p, bc_status status, bc_error *err, const char *fmt, ...)
    BC_PRINTF(4, 5);
/* The same for a place named by the caller: "FILE: where: what". */
bc_status bc_json_vfail(const char *file, const char *where, bc_status status, bc_error *err,
			const char *fmt, va_list ap) BC_PRINTF(5, 0);

/* "an object", "a string", ...: what v is, for "X, not <kind>". */
const char *bc_json_kind(const json_t *v);

/* The first key of obj not in allowed (NULL-terminated), or NULL: a misspelt
 * "requried" must not be ignored. */
const char *bc_json_unknown_key(const json_t *obj, const char *const *allowed);

/* BC_E_FORMAT "unknown key \"K\"" at p for a key of obj not in allowed. */
bc_status bc_json_only_keys(const json_t *obj, const char *const *allowed, const bc_jpath *p,
			    bc_error *err);

/* BC_E_FORMAT "NAME, not <kind>" unless v is of type (JSON_TRUE: either boolean). */
bc_status bc_json_want_type(const json_t *v, json_type type, const char *name, const bc_jpath *p,
			    bc_error *err);

#endif
