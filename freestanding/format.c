/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Text for the freestanding core: the subset of snprintf that its messages use, the
 * error helper, hex, and the mem functions. No libc: a UEFI stage has none.
 *
 * The formatter writes through a sink that counts every byte the whole text would
 * have, stores only what fits and always leaves room for the NUL, so the return value
 * is snprintf's and truncation is never a special case for the conversions.
 */
#include <bootchain/core.h>

/* Widths and precisions beyond this are taken as this: no message needs more, and it
 * keeps the arithmetic on them far from overflow. */
#define FIELD_MAX 4096

typedef struct sink {
	char *buf;
	size_t size;
	size_t len; /* of the whole text, stored or not */
} sink;

static void put(sink *s, char c)
{
	if (s->size > 0 && s->len < s->size - 1)
		s->buf[s->len] = c;
	s->len++;
}

static void put_many(sink *s, char c, size_t n)
{
	while (n-- > 0)
		put(s, c);
}

static void put_text(sink *s, const char *text, size_t n)
{
	for (size_t i = 0; i < n; i++)
		put(s, text[i]);
}

typedef enum length {
	LEN_INT,
	LEN_CHAR,  /* hh */
	LEN_SHORT, /* h */
	LEN_LONG,  /* l */
	LEN_LLONG, /* ll */
	LEN_SIZE,  /* z */
	LEN_MAX,   /* j */
	LEN_PTRDIFF,
} length;

typedef struct spec {
	bool left;	/* '-' */
	bool zero;	/* '0' */
	size_t width;	/* 0: none */
	long precision; /* -1: none */
	length len;
} spec;

/* Digits, read as far as they go; capped at FIELD_MAX. */
static size_t parse_number(const char **p)
{
	size_t n = 0;
	while (**p >= '0' && **p <= '9') {
		if (n < FIELD_MAX)
			n = n * 10 + (size_t)(**p - '0');
		(*p)++;
	}
	return n < FIELD_MAX ? n : FIELD_MAX;
}

static void parse_flags(const char **p, spec *sp)
{
	for (;; (*p)++) {
		if (**p == '-')
			sp->left = true;
		else if (**p == '0')
			sp->zero = true;
		else
			return;
	}
}

static void parse_width(const char **p, spec *sp, va_list *ap)
{
	if (**p != '*') {
		sp->width = parse_number(p);
		return;
	}
	(*p)++;
	int w = va_arg(*ap, int);
	if (w < 0) { /* as C says: a '-' flag and a positive width */
		sp->left = true;
		sp->width = w < -FIELD_MAX ? FIELD_MAX : (size_t)-w;
	} else {
		sp->width = w > FIELD_MAX ? FIELD_MAX : (size_t)w;
	}
}

static void parse_precision(const char **p, spec *sp, va_list *ap)
{
	if (**p != '.')
		return;
	(*p)++;
	if (**p != '*') {
		sp->precision = (long)parse_number(p);
		return;
	}
	(*p)++;
	int prec = va_arg(*ap, int);
	/* a negative precision is taken as if it were omitted */
	sp->precision = prec < 0 ? -1 : prec > FIELD_MAX ? FIELD_MAX : prec;
}

static void parse_length(const char **p, spec *sp)
{
	switch (**p) {
	case 'h':
		(*p)++;
		sp->len = LEN_SHORT;
		if (**p == 'h') {
			(*p)++;
			sp->len = LEN_CHAR;
		}
		break;
	case 'l':
		(*p)++;
		sp->len = LEN_LONG;
		if (**p == 'l') {
			(*p)++;
			sp->len = LEN_LLONG;
		}
		break;
	case 'z': (*p)++, sp->len = LEN_SIZE; break;
	case 'j': (*p)++, sp->len = LEN_MAX; break;
	case 't': (*p)++, sp->len = LEN_PTRDIFF; break;
	default: break;
	}
}

static intmax_t signed_arg(length len, va_list *ap)
{
	switch (len) {
	case LEN_CHAR: return (signed char)va_arg(*ap, int);
	case LEN_SHORT: return (short)va_arg(*ap, int);
	case LEN_LONG: return va_arg(*ap, long);
	case LEN_LLONG: return va_arg(*ap, long long);
	case LEN_SIZE: return (intmax_t)va_arg(*ap, size_t); /* the signed size_t */
	case LEN_MAX: return va_arg(*ap, intmax_t);
	case LEN_PTRDIFF: return va_arg(*ap, ptrdiff_t);
	default: return va_arg(*ap, int);
	}
}

static uintmax_t unsigned_arg(length len, va_list *ap)
{
	switch (len) {
	case LEN_CHAR: return (unsigned char)va_arg(*ap, unsigned);
	case LEN_SHORT: return (unsigned short)va_arg(*ap, unsigned);
	case LEN_LONG: return va_arg(*ap, unsigned long);
	case LEN_LLONG: return va_arg(*ap, unsigned long long);
	case LEN_SIZE: return va_arg(*ap, size_t);
	case LEN_MAX: return va_arg(*ap, uintmax_t);
	case LEN_PTRDIFF: return (uintmax_t)va_arg(*ap, ptrdiff_t);
	default: return va_arg(*ap, unsigned);
	}
}

/* An integer: sign, the zeros of the precision or of the '0' flag, the digits. */
static void put_integer(sink *s, const spec *sp, bool negative, uintmax_t magnitude, unsigned base,
			bool upper)
{
	const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
	char text[3 * sizeof(uintmax_t)];
	size_t n = 0;
	while (magnitude > 0) {
		text[n++] = digits[magnitude % base];
		magnitude /= base;
	}
	/* the digits of 0 are "0", except with a precision of 0: none */
	size_t min_digits = sp->precision >= 0 ? (size_t)sp->precision : 1;
	size_t zeros = min_digits > n ? min_digits - n : 0;
	size_t body = (negative ? 1 : 0) + zeros + n;
	size_t pad = sp->width > body ? sp->width - body : 0;
	if (sp->zero && !sp->left && sp->precision < 0) {
		zeros += pad; /* C: with a precision, the '0' flag is ignored */
		pad = 0;
	}
	if (!sp->left)
		put_many(s, ' ', pad);
	if (negative)
		put(s, '-');
	put_many(s, '0', zeros);
	while (n > 0)
		put(s, text[--n]);
	if (sp->left)
		put_many(s, ' ', pad);
}

/* Width padding around text of n bytes (spaces: '0' means nothing for %s and %c). */
static void put_field(sink *s, const spec *sp, const char *text, size_t n)
{
	size_t pad = sp->width > n ? sp->width - n : 0;
	if (!sp->left)
		put_many(s, ' ', pad);
	put_text(s, text, n);
	if (sp->left)
		put_many(s, ' ', pad);
}

static void put_string(sink *s, const spec *sp, const char *str)
{
	if (!str) /* as glibc: "(null)" unless a precision cuts it, then nothing */
		str = sp->precision < 0 || sp->precision >= 6 ? "(null)" : "";
	size_t n = 0; /* never read past the precision: the text need not end there */
	while ((sp->precision < 0 || n < (size_t)sp->precision) && str[n])
		n++;
	put_field(s, sp, str, n);
}

/* One conversion after its '%'; false for one the core does not have. */
static bool convert(sink *s, char conv, const spec *sp, va_list *ap)
{
	switch (conv) {
	case '%': put(s, '%'); return true;
	case 'c': {
		char c = (char)va_arg(*ap, int);
		put_field(s, sp, &c, 1);
		return true;
	}
	case 's': put_string(s, sp, va_arg(*ap, const char *)); return true;
	case 'd':
	case 'i': {
		intmax_t v = signed_arg(sp->len, ap);
		/* the magnitude of INTMAX_MIN does not fit in intmax_t: negate unsigned */
		uintmax_t m = v < 0 ? (uintmax_t)0 - (uintmax_t)v : (uintmax_t)v;
		put_integer(s, sp, v < 0, m, 10, false);
		return true;
	}
	case 'u': put_integer(s, sp, false, unsigned_arg(sp->len, ap), 10, false); return true;
	case 'x': put_integer(s, sp, false, unsigned_arg(sp->len, ap), 16, false); return true;
	case 'X': put_integer(s, sp, false, unsigned_arg(sp->len, ap), 16, true); return true;
	default: return false;
	}
}

size_t bc_core_vformat(char *buf, size_t size, const char *fmt, va_list ap)
{
	sink s = {.buf = buf, .size = buf ? size : 0};
	va_list args;
	va_copy(args, ap); /* passed on by address: va_list may be an array type */
	const char *p = fmt;
	while (*p) {
		if (*p != '%') {
			put(&s, *p++);
			continue;
		}
		const char *start = p++;
		spec sp = {.precision = -1, .len = LEN_INT};
		parse_flags(&p, &sp);
		parse_width(&p, &sp, &args);
		parse_precision(&p, &sp, &args);
		parse_length(&p, &sp);
		if (*p && convert(&s, *p, &sp, &args)) {
			p++;
			continue;
		}
		/* unknown, or the format ends: copied as it is */
		if (*p)
			p++;
		put_text(&s, start, (size_t)(p - start));
	}
	va_end(args);
	if (s.size > 0)
		s.buf[s.len < s.size ? s.len : s.size - 1] = 0;
	return s.len;
}

size_t bc_core_format(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	size_t n = bc_core_vformat(buf, size, fmt, ap);
	va_end(ap);
	return n;
}

bc_core_status bc_core_fail(bc_core_error *err, bc_core_status s, const char *fmt, ...)
{
	if (!err)
		return s;
	/* formatted into a copy first: err->msg may be one of the arguments */
	char msg[BC_CORE_MSG_MAX];
	va_list ap;
	va_start(ap, fmt);
	bc_core_vformat(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	err->status = s;
	bc_core_memcpy(err->msg, msg, bc_core_strlen(msg) + 1);
	return s;
}

size_t bc_core_strlen(const char *s)
{
	size_t n = 0;
	while (s[n])
		n++;
	return n;
}

void bc_core_hex(const uint8_t *bytes, size_t size, char *out)
{
	static const char digits[] = "0123456789abcdef";
	for (size_t i = 0; i < size; i++) {
		out[2 * i] = digits[bytes[i] >> 4];
		out[2 * i + 1] = digits[bytes[i] & 0xf];
	}
	out[2 * size] = 0;
}

void bc_core_memcpy(void *dst, const void *src, size_t n)
{
	uint8_t *d = dst;
	const uint8_t *from = src;
	for (size_t i = 0; i < n; i++)
		d[i] = from[i];
}

void bc_core_memset(void *dst, int c, size_t n)
{
	uint8_t *d = dst;
	for (size_t i = 0; i < n; i++)
		d[i] = (uint8_t)c;
}

int bc_core_memcmp(const void *a, const void *b, size_t n)
{
	const uint8_t *x = a, *y = b;
	for (size_t i = 0; i < n; i++)
		if (x[i] != y[i])
			return x[i] < y[i] ? -1 : 1;
	return 0;
}
