/* SPDX-License-Identifier: BSD-3-Clause */
/* Strict base64 (RFC 4648, with padding, no line breaks) for untrusted input. */
#ifndef BC_UTIL_BASE64_H
#define BC_UTIL_BASE64_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Decode len characters into a new buffer of at most max bytes (*out, caller frees).
 * False on anything that is not canonical base64, or on more than max bytes. */
bool bc_base64_decode(const char *text, size_t len, size_t max, uint8_t **out, size_t *size);

#endif
