/* SPDX-License-Identifier: BSD-3-Clause */
#include "config.h"

#include "util/hex.h"

char *bc_hex_encode(const uint8_t *data, size_t len, char *out)
{
	static const char digits[] = "0123456789abcdef";
	for (size_t i = 0; i < len; i++) {
		out[2 * i] = digits[data[i] >> 4];
		out[2 * i + 1] = digits[data[i] & 0xf];
	}
	out[2 * len] = 0;
	return out;
}

static int hex_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

bool bc_hex_decode(const char *hex, size_t hexlen, uint8_t *out, size_t max, size_t *len)
{
	if (hexlen % 2 || hexlen / 2 > max)
		return false;
	for (size_t i = 0; i < hexlen / 2; i++) {
		int hi = hex_value(hex[2 * i]);
		int lo = hex_value(hex[2 * i + 1]);
		if (hi < 0 || lo < 0)
			return false;
		out[i] = (uint8_t)(hi << 4 | lo);
	}
	*len = hexlen / 2;
	return true;
}
