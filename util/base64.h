/* SPDX-License-Identifier: BSD-3-Clause */
/* Strict base64 (RFC 4648, with padding, no line breaks) for untrusted input, and its
 * URL-safe alphabet (RFC 4648 section 5) as JSON web services use it. */
#ifndef BC_UTIL_BASE64_H
#define BC_UTIL_BASE64_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Decode len characters into a new buffer of at most max bytes (*out, caller frees).
 * False on anything that is not canonical base64, or on more than max bytes. */
bool bc_base64_decode(const char *text, size_t len, size_t max, uint8_t **out, size_t *size);

/* base64url (RFC 4648 section 5: '-' and '_' for '+' and '/'), with or without the
 * trailing padding; else as bc_base64_decode(): canonical, at most max bytes. */
bool bc_base64url_decode(const char *text, size_t len, size_t max, uint8_t **out, size_t *size);

/* The characters of len bytes in base64url without padding (RFC 7515's "base64url"). */
#define BC_BASE64URL_LEN(len) (((len) / 3) * 4 + ((len) % 3 ? (len) % 3 + 1 : 0))

/* len bytes in base64url without padding into out (BC_BASE64URL_LEN(len) + 1 bytes:
 * NUL-terminated). */
void bc_base64url_encode(const uint8_t *data, size_t len, char *out);

#endif
