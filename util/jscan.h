/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A strict, fast JSON reader for documents that are mostly long strings (evidence files:
 * base64 quotes and event logs). It checks the whole grammar (RFC 8259: UTF-8 strings
 * without control characters, numbers, nesting at most BC_JSCAN_MAX_DEPTH, duplicate
 * keys refused) and builds a flat tree of spans into the text: strings are not copied
 * unless they hold escapes, which is what makes it fast. Errors name the byte offset.
 */
#ifndef BC_UTIL_JSCAN_H
#define BC_UTIL_JSCAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <bootchain/status.h>

#define BC_JSCAN_MAX_DEPTH 64
/* A node costs some 60 bytes: a document of more values is refused, not gorged on. */
#define BC_JSCAN_MAX_NODES ((size_t)1 << 18)

typedef enum bc_jtype {
	BC_JNULL,
	BC_JFALSE,
	BC_JTRUE,
	BC_JNUMBER,
	BC_JSTRING,
	BC_JARRAY,
	BC_JOBJECT,
} bc_jtype;

typedef struct bc_jnode {
	uint8_t type; /* bc_jtype */
	bool escaped; /* a string (or key) holding backslash escapes */
	bool key_escaped;
	size_t start, len;   /* the value's text; for strings, between the quotes */
	size_t key, key_len; /* an object member's key, between the quotes */
	size_t child;	     /* the first element or member, 0 for none */
	size_t next;	     /* the next sibling, 0 for none */
} bc_jnode;

typedef struct bc_jdoc {
	const char *text;
	size_t size;
	bc_jnode *nodes; /* nodes[1] is the root; 0 means none */
	size_t count, cap;
} bc_jdoc;

bc_status bc_jdoc_parse(const char *text, size_t size, const char *name, bc_jdoc *doc,
			bc_error *err);
void bc_jdoc_free(bc_jdoc *doc);

static inline const bc_jnode *bc_jroot(const bc_jdoc *doc)
{
	return &doc->nodes[1];
}

/* The member of obj called key, or NULL (also when obj is not an object). */
const bc_jnode *bc_jget(const bc_jdoc *doc, const bc_jnode *obj, const char *key);

/* A string's text: *s points into the document unless it had escapes, in which case it
 * is unescaped into a new buffer stored in *owned (the caller frees). */
bool bc_jstring(const bc_jdoc *doc, const bc_jnode *n, const char **s, size_t *len, char **owned);

#endif
