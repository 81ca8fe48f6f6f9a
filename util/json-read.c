/* SPDX-License-Identifier: BSD-3-Clause */
#include "config.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "util/json-read.h"

void bc_jpath_push(const bc_jpath *parent, bc_jpath *child, const char *fmt, ...)
{
	va_list ap;
	size_t len = strlen(parent->text);
	*child = *parent;
	va_start(ap, fmt);
	vsnprintf(child->text + len, sizeof(child->text) - len, fmt, ap);
	va_end(ap);
}

void bc_jpath_key(const bc_jpath *parent, bc_jpath *child, const char *key)
{
	bc_jpath_push(parent, child, parent->text[0] ? ".%s" : "%s", key);
}

bc_status bc_json_vfail(const char *file, const char *where, bc_status status, bc_error *err,
			const char *fmt, va_list ap)
{
	char what[BC_ERROR_MSG_MAX];
	vsnprintf(what, sizeof(what), fmt, ap);
	return bc_fail(err, status, "%s: %s%s%s", file, where, where[0] ? ": " : "", what);
}

bc_status bc_jpath_fail(const bc_jpath *p, bc_status status, bc_error *err, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	bc_status s = bc_json_vfail(p->file, p->text, status, err, fmt, ap);
	va_end(ap);
	return s;
}

const char *bc_json_kind(const json_t *v)
{
	switch (json_typeof(v)) {
	case JSON_OBJECT: return "an object";
	case JSON_ARRAY: return "an array";
	case JSON_STRING: return "a string";
	case JSON_INTEGER: return "an integer";
	case JSON_REAL: return "a number";
	case JSON_TRUE:
	case JSON_FALSE: return "a boolean";
	case JSON_NULL: return "null";
	}
	return "a value";
}

const char *bc_json_unknown_key(const json_t *obj, const char *const *allowed)
{
	const char *key;
	json_t *value;
	json_object_foreach((json_t *)obj, key, value)
	{
		bool known = false;
		for (size_t i = 0; allowed[i] && !known; i++)
			known = strcmp(key, allowed[i]) == 0;
		if (!known)
			return key;
	}
	return NULL;
}

bc_status bc_json_only_keys(const json_t *obj, const char *const *allowed, const bc_jpath *p,
			    bc_error *err)
{
	const char *key = bc_json_unknown_key(obj, allowed);
	if (key)
		return bc_jpath_fail(p, BC_E_FORMAT, err, "unknown key \"%s\"", key);
	return BC_OK;
}

bc_status bc_json_want_type(const json_t *v, json_type type, const char *name, const bc_jpath *p,
			    bc_error *err)
{
	if (json_typeof(v) != type && !(type == JSON_TRUE && json_is_boolean(v)))
		return bc_jpath_fail(p, BC_E_FORMAT, err, "%s, not %s", name, bc_json_kind(v));
	return BC_OK;
}
