/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Untrusted text (event data, evidence fields, a server's words, names in a golden
 * database) printed for people: control characters and bytes that are not UTF-8 become
 * \xNN, so that such text cannot move the cursor, clear the screen, forge a line of
 * our output or change the terminal's state. JSON output escapes as JSON does
 * (util/json.h).
 */
#ifndef BC_UTIL_TEXT_H
#define BC_UTIL_TEXT_H

#include <stddef.h>

#include "util/buf.h"

/* The length of the UTF-8 sequence at s (at most n bytes), 0 when it is not one: no
 * overlong forms, no surrogates, nothing past U+10FFFF. */
size_t bc_utf8_len(const unsigned char *s, size_t n);

/* Append s[0..n) to out, escaped. */
void bc_text_escape(bc_buf *out, const char *s, size_t n);

/* s escaped into buf (cut to fit, never in the middle of an escape); returns buf. */
const char *bc_text_escaped(const char *s, char *buf, size_t size);

#endif
