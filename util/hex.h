/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef BC_UTIL_HEX_H
#define BC_UTIL_HEX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Lowercase hex of len bytes into out (2*len+1 bytes); returns out. */
char *bc_hex_encode(const uint8_t *data, size_t len, char *out);

/*
 * Decode exactly hexlen hex digits (upper or lower case, optional "0x" prefix is the
 * caller's business) into out, which holds max bytes. Returns false on an odd length,
 * a non-hex digit, or more than max bytes; *len gets the byte count.
 */
bool bc_hex_decode(const char *hex, size_t hexlen, uint8_t *out, size_t max, size_t *len);

#endif
