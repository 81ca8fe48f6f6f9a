/* SPDX-License-Identifier: BSD-3-Clause */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>

#include "util/base64.h"

/* Each character's value plus one: 0 for bytes that are not in the alphabet. */
static const uint8_t values1[256] = {
    ['A'] = 1,	['B'] = 2,  ['C'] = 3,	['D'] = 4,  ['E'] = 5,	['F'] = 6,  ['G'] = 7,	['H'] = 8,
    ['I'] = 9,	['J'] = 10, ['K'] = 11, ['L'] = 12, ['M'] = 13, ['N'] = 14, ['O'] = 15, ['P'] = 16,
    ['Q'] = 17, ['R'] = 18, ['S'] = 19, ['T'] = 20, ['U'] = 21, ['V'] = 22, ['W'] = 23, ['X'] = 24,
    ['Y'] = 25, ['Z'] = 26, ['a'] = 27, ['b'] = 28, ['c'] = 29, ['d'] = 30, ['e'] = 31, ['f'] = 32,
    ['g'] = 33, ['h'] = 34, ['i'] = 35, ['j'] = 36, ['k'] = 37, ['l'] = 38, ['m'] = 39, ['n'] = 40,
    ['o'] = 41, ['p'] = 42, ['q'] = 43, ['r'] = 44, ['s'] = 45, ['t'] = 46, ['u'] = 47, ['v'] = 48,
    ['w'] = 49, ['x'] = 50, ['y'] = 51, ['z'] = 52, ['0'] = 53, ['1'] = 54, ['2'] = 55, ['3'] = 56,
    ['4'] = 57, ['5'] = 58, ['6'] = 59, ['7'] = 60, ['8'] = 61, ['9'] = 62, ['+'] = 63, ['/'] = 64};

static int value_of(char c)
{
	return values1[(unsigned char)c] - 1;
}

bool bc_base64_decode(const char *text, size_t len, size_t max, uint8_t **out, size_t *size)
{
	size_t pad = 0;
	*out = NULL;
	*size = 0;
	if (len % 4)
		return false;
	while (pad < 2 && pad < len && text[len - 1 - pad] == '=')
		pad++;
	size_t n = len / 4 * 3 - pad;
	if (n > max)
		return false;
	uint8_t *buf = malloc(n ? n : 1);
	if (!buf)
		return false;
	size_t w = 0, i = 0;
	/* the groups before the last: no padding, a table lookup per character */
	for (; len >= 4 && i < len - 4; i += 4) {
		const unsigned char *p = (const unsigned char *)text + i;
		int a = values1[p[0]] - 1, b = values1[p[1]] - 1, c = values1[p[2]] - 1,
		    d = values1[p[3]] - 1;
		if ((a | b | c | d) < 0) {
			free(buf);
			return false;
		}
		uint32_t group =
		    (uint32_t)a << 18 | (uint32_t)b << 12 | (uint32_t)c << 6 | (uint32_t)d;
		buf[w++] = (uint8_t)(group >> 16);
		buf[w++] = (uint8_t)(group >> 8);
		buf[w++] = (uint8_t)group;
	}
	for (; i < len; i += 4) {
		uint32_t group = 0;
		for (size_t k = 0; k < 4; k++) {
			bool padding = i + k >= len - pad;
			int v = padding ? 0 : value_of(text[i + k]);
			if (v < 0) {
				free(buf);
				return false;
			}
			group = group << 6 | (uint32_t)v;
		}
		uint8_t bytes[3] = {(uint8_t)(group >> 16), (uint8_t)(group >> 8), (uint8_t)group};
		for (size_t k = 0; k < 3 && w < n; k++)
			buf[w++] = bytes[k];
		/* canonical: the bits padding drops must be zero */
		if (i + 4 == len &&
		    ((pad == 1 && (group & 0xff)) || (pad == 2 && (group & 0xffff)))) {
			free(buf);
			return false;
		}
	}
	*out = buf;
	*size = n;
	return true;
}

bool bc_base64url_decode(const char *text, size_t len, size_t max, uint8_t **out, size_t *size)
{
	*out = NULL;
	*size = 0;
	if (len > SIZE_MAX - 3)
		return false;
	/* to standard base64 with its padding, which bc_base64_decode() checks strictly */
	char *std = malloc(len + 3);
	if (!std)
		return false;
	bool padded = false, ok = true;
	for (size_t i = 0; i < len && ok; i++) {
		char c = text[i];
		ok = c != '+' && c != '/';
		padded |= c == '=';
		std[i] = c == '-' ? '+' : c == '_' ? '/' : c;
	}
	size_t n = len;
	while (ok && !padded && n % 4)
		std[n++] = '=';
	ok = ok && bc_base64_decode(std, n, max, out, size);
	free(std);
	return ok;
}

void bc_base64url_encode(const uint8_t *data, size_t len, char *out)
{
	static const char alphabet[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
	size_t w = 0;
	for (size_t i = 0; i < len; i += 3) {
		size_t left = len - i;
		uint32_t group = (uint32_t)data[i] << 16 |
				 (left > 1 ? (uint32_t)data[i + 1] << 8 : 0) |
				 (left > 2 ? data[i + 2] : 0);
		size_t chars = left > 2 ? 4 : left + 1;
		for (size_t k = 0; k < chars; k++)
			out[w++] = alphabet[(group >> (18 - 6 * k)) & 0x3f];
	}
	out[w] = 0;
}
