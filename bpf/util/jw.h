/* SPDX-License-Identifier: GPL-2.0 */
/*
 * jw: a small streaming JSON writer into a growable buffer. Events are
 * encoded on the hot path (tens of thousands a second), so it allocates only
 * when the buffer grows. Strings are escaped per RFC 8259; invalid UTF-8 is
 * replaced with U+FFFD so every line parses. A round-trip test against
 * json-c and a fuzz target keep it honest.
 */
#ifndef BPFLAB_JW_H
#define BPFLAB_JW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define JW_MAX_DEPTH 32

struct jw {
	char *buf;
	size_t len;
	size_t cap;
	int depth;
	bool need_comma[JW_MAX_DEPTH];
	bool oom; /* sticky: an allocation failed, the output is unusable */
};

void jw_init(struct jw *w);
void jw_reset(struct jw *w); /* empty the buffer, keep its memory */
void jw_free(struct jw *w);
/* NUL-terminated result; NULL after an allocation failure. */
const char *jw_str(struct jw *w);

void jw_obj_begin(struct jw *w);
void jw_obj_end(struct jw *w);
void jw_arr_begin(struct jw *w);
void jw_arr_end(struct jw *w);
void jw_key(struct jw *w, const char *key);

void jw_string(struct jw *w, const char *s);
void jw_string_n(struct jw *w, const char *s, size_t n);
void jw_int(struct jw *w, int64_t v);
void jw_uint(struct jw *w, uint64_t v);
void jw_double(struct jw *w, double v);
void jw_bool(struct jw *w, bool v);
void jw_null(struct jw *w);
/* Append already-encoded JSON (one value) verbatim. */
void jw_raw(struct jw *w, const char *json);

/* key + value shorthands for object members */
void jw_kstr(struct jw *w, const char *key, const char *s);
void jw_kint(struct jw *w, const char *key, int64_t v);
void jw_kuint(struct jw *w, const char *key, uint64_t v);
void jw_kbool(struct jw *w, const char *key, bool v);
void jw_kdouble(struct jw *w, const char *key, double v);

#endif
