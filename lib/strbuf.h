/*
 * strbuf.h - a growing string, for text built a piece at a time: region
 * dumps (lib/format.c) and list -J's document (cmd/output.c), where a
 * stdio call or a printf per piece cost more than the listing's reads.
 * Header-only and private: the command includes it as it does procmap.h.
 * On a failed allocation @oom is set and later pieces are dropped; the
 * text stays NUL-terminated.
 */
#ifndef SVMTOOL_STRBUF_H
#define SVMTOOL_STRBUF_H

#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* @src into @dst of @size bytes (at least 1), cut short to fit and
 * NUL-terminated: snprintf(dst, size, "%s", src) without its cost. */
static inline void svmt_str_put(char *dst, size_t size, const char *src)
{
	size_t n = strnlen(src, size - 1);

	memcpy(dst, src, n);
	dst[n] = '\0';
}

struct svmt_buf {
	char *s;
	size_t n, cap;
	bool oom;
};

/* Room for @n more bytes and the NUL. */
static inline bool svmt_buf_room(struct svmt_buf *b, size_t n)
{
	size_t cap;
	char *s;

	if (b->oom)
		return false;
	if (b->n + n < b->cap)
		return true;
	cap = b->cap ? b->cap : 256;
	while (cap <= b->n + n)
		cap *= 2;
	s = realloc(b->s, cap);
	if (!s) {
		b->oom = true;
		return false;
	}
	b->s = s;
	b->cap = cap;
	return true;
}

static inline void svmt_buf_put(struct svmt_buf *b, const char *s, size_t n)
{
	if (!svmt_buf_room(b, n))
		return;
	memcpy(b->s + b->n, s, n);
	b->n += n;
	b->s[b->n] = '\0';
}

static inline void svmt_buf_str(struct svmt_buf *b, const char *s)
{
	svmt_buf_put(b, s, strlen(s));
}

static inline void svmt_buf_char(struct svmt_buf *b, char c)
{
	svmt_buf_put(b, &c, 1);
}

/* @v in decimal, at the end of @d: where its digits start. */
static inline const char *svmt_udec(char d[21], uint64_t v)
{
	char *p = d + 20;

	*p = '\0';
	do
		*--p = (char)('0' + v % 10);
	while (v /= 10);
	return p;
}

static inline void svmt_buf_udec(struct svmt_buf *b, uint64_t v)
{
	char d[21];
	const char *p = svmt_udec(d, v);

	svmt_buf_put(b, p, (size_t)(d + 20 - p));
}

static inline void svmt_buf_dec(struct svmt_buf *b, int64_t v)
{
	if (v < 0)
		svmt_buf_char(b, '-');
	svmt_buf_udec(b, v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v);
}

/* @v in hexadecimal, at least @width digits (zero-padded), no prefix. */
static inline void svmt_buf_hex(struct svmt_buf *b, uint64_t v, int width)
{
	char d[16];
	int n = 0;

	do {
		d[15 - n++] = "0123456789abcdef"[v & 0xf];
		v >>= 4;
	} while (v);
	while (n < width && n < 16)
		d[15 - n++] = '0';
	svmt_buf_put(b, d + 16 - n, (size_t)n);
}

/* The pieces numbers alone cannot make: vsnprintf straight into the
 * buffer, again after growing it when the piece did not fit. */
static inline void __attribute__((format(printf, 2, 3)))
svmt_buf_printf(struct svmt_buf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (!svmt_buf_room(b, 64))
		return;
	va_start(ap, fmt);
	n = vsnprintf(b->s + b->n, b->cap - b->n, fmt, ap);
	va_end(ap);
	if (n < 0) {
		b->s[b->n] = '\0';
		b->oom = true;
		return;
	}
	if ((size_t)n >= b->cap - b->n) {
		if (!svmt_buf_room(b, (size_t)n)) {
			b->s[b->n] = '\0';
			return;
		}
		va_start(ap, fmt);
		vsnprintf(b->s + b->n, (size_t)n + 1, fmt, ap);
		va_end(ap);
	}
	b->n += (size_t)n;
}

#endif
