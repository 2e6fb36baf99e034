// SPDX-License-Identifier: GPL-2.0
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/jw.h"

void jw_init(struct jw *w)
{
	memset(w, 0, sizeof(*w));
}

void jw_reset(struct jw *w)
{
	w->len = 0;
	w->depth = 0;
	w->need_comma[0] = false;
	w->oom = false;
	if (w->buf)
		w->buf[0] = 0;
}

void jw_free(struct jw *w)
{
	free(w->buf);
	jw_init(w);
}

static bool reserve(struct jw *w, size_t more)
{
	size_t want = w->len + more + 1;
	size_t cap;
	char *nb;

	if (w->oom)
		return false;
	if (want <= w->cap)
		return true;
	cap = w->cap ? w->cap : 256;
	while (cap < want)
		cap *= 2;
	nb = realloc(w->buf, cap);
	if (!nb) {
		w->oom = true;
		return false;
	}
	w->buf = nb;
	w->cap = cap;
	return true;
}

static void put(struct jw *w, const char *s, size_t n)
{
	if (!reserve(w, n))
		return;
	memcpy(w->buf + w->len, s, n);
	w->len += n;
	w->buf[w->len] = 0;
}

static void putc_(struct jw *w, char c)
{
	/* the hot case (a brace, a comma, a quote) without reserve()'s checks */
	if (w->len + 1 < w->cap && !w->oom) {
		w->buf[w->len++] = c;
		w->buf[w->len] = 0;
		return;
	}
	put(w, &c, 1);
}

const char *jw_str(struct jw *w)
{
	if (w->oom)
		return NULL;
	if (!w->buf)
		put(w, "", 0);
	return w->buf;
}

/* Before any value: a comma if this container already has a member. */
static void sep(struct jw *w)
{
	if (w->need_comma[w->depth])
		putc_(w, ',');
	w->need_comma[w->depth] = true;
}

static void open_(struct jw *w, char c)
{
	sep(w);
	putc_(w, c);
	if (w->depth < JW_MAX_DEPTH - 1)
		w->depth++;
	w->need_comma[w->depth] = false;
}

static void close_(struct jw *w, char c)
{
	if (w->depth > 0)
		w->depth--;
	putc_(w, c);
}

void jw_obj_begin(struct jw *w)
{
	open_(w, '{');
}

void jw_obj_end(struct jw *w)
{
	close_(w, '}');
}

void jw_arr_begin(struct jw *w)
{
	open_(w, '[');
}

void jw_arr_end(struct jw *w)
{
	close_(w, ']');
}

/* Length of a valid UTF-8 sequence at s (max n bytes), or 0 if invalid. */
static size_t utf8_seq(const unsigned char *s, size_t n)
{
	size_t len, i;
	uint32_t cp;

	if (s[0] < 0x80)
		return 1;
	if ((s[0] & 0xe0) == 0xc0)
		len = 2, cp = s[0] & 0x1f;
	else if ((s[0] & 0xf0) == 0xe0)
		len = 3, cp = s[0] & 0x0f;
	else if ((s[0] & 0xf8) == 0xf0)
		len = 4, cp = s[0] & 0x07;
	else
		return 0;
	if (len > n)
		return 0;
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	/* reject overlongs, surrogates and values past U+10FFFF */
	if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) ||
	    (len == 4 && cp < 0x10000) || cp > 0x10ffff ||
	    (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return len;
}

static void escape(struct jw *w, const char *str, size_t n)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t i = 0, run = 0;
	char esc[8];

	putc_(w, '"');
	while (i < n) {
		unsigned char c = s[i];
		size_t seq;

		if (c >= 0x20 && c != '"' && c != '\\' && c < 0x80) {
			run++;
			i++;
			continue;
		}
		put(w, str + i - run, run);
		run = 0;
		switch (c) {
		case '"':
			put(w, "\\\"", 2);
			break;
		case '\\':
			put(w, "\\\\", 2);
			break;
		case '\n':
			put(w, "\\n", 2);
			break;
		case '\r':
			put(w, "\\r", 2);
			break;
		case '\t':
			put(w, "\\t", 2);
			break;
		default:
			if (c < 0x20) {
				snprintf(esc, sizeof(esc), "\\u%04x", c);
				put(w, esc, 6);
				break;
			}
			seq = utf8_seq(s + i, n - i);
			if (seq) {
				put(w, str + i, seq);
				i += seq;
				continue;
			}
			put(w, "\xef\xbf\xbd", 3); /* U+FFFD */
		}
		i++;
	}
	put(w, str + i - run, run);
	putc_(w, '"');
}

void jw_key(struct jw *w, const char *key)
{
	sep(w);
	escape(w, key, strlen(key));
	putc_(w, ':');
	/* the value that follows must not get a comma of its own */
	w->need_comma[w->depth] = false;
}

/* Values after a key reset need_comma; restore it for the next member. */
static void value_done(struct jw *w)
{
	w->need_comma[w->depth] = true;
}

void jw_string_n(struct jw *w, const char *s, size_t n)
{
	sep(w);
	escape(w, s ? s : "", s ? n : 0);
	value_done(w);
}

void jw_string(struct jw *w, const char *s)
{
	jw_string_n(w, s, s ? strlen(s) : 0);
}

/* Decimal digits of v ending at end; returns where they start. Events
 * carry many numbers, and snprintf was a tenth of a rendering. */
static char *u64_digits(char *end, uint64_t v)
{
	do {
		*--end = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	return end;
}

void jw_int(struct jw *w, int64_t v)
{
	char b[24], *end = b + sizeof(b), *p;

	/* the magnitude as unsigned: -INT64_MIN does not fit an int64_t */
	p = u64_digits(end, v < 0 ? -(uint64_t)v : (uint64_t)v);
	if (v < 0)
		*--p = '-';
	sep(w);
	put(w, p, (size_t)(end - p));
	value_done(w);
}

void jw_uint(struct jw *w, uint64_t v)
{
	char b[24], *end = b + sizeof(b), *p = u64_digits(end, v);

	sep(w);
	put(w, p, (size_t)(end - p));
	value_done(w);
}

void jw_double(struct jw *w, double v)
{
	char b[40];
	int n;

	if (!isfinite(v)) {
		jw_null(w);
		return;
	}
	n = snprintf(b, sizeof(b), "%.17g", v);
	sep(w);
	put(w, b, (size_t)n);
	value_done(w);
}

void jw_bool(struct jw *w, bool v)
{
	sep(w);
	put(w, v ? "true" : "false", v ? 4 : 5);
	value_done(w);
}

void jw_null(struct jw *w)
{
	sep(w);
	put(w, "null", 4);
	value_done(w);
}

void jw_raw(struct jw *w, const char *json)
{
	sep(w);
	put(w, json, strlen(json));
	value_done(w);
}

void jw_kstr(struct jw *w, const char *key, const char *s)
{
	jw_key(w, key);
	jw_string(w, s);
}

void jw_kint(struct jw *w, const char *key, int64_t v)
{
	jw_key(w, key);
	jw_int(w, v);
}

void jw_kuint(struct jw *w, const char *key, uint64_t v)
{
	jw_key(w, key);
	jw_uint(w, v);
}

void jw_kbool(struct jw *w, const char *key, bool v)
{
	jw_key(w, key);
	jw_bool(w, v);
}

void jw_kdouble(struct jw *w, const char *key, double v)
{
	jw_key(w, key);
	jw_double(w, v);
}
