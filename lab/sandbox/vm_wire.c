// SPDX-License-Identifier: GPL-2.0
/* The vm sandbox's line protocol helpers (see vm_wire.h); libc only. */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lab/sandbox/vm_wire.h"

static const char b64[] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

size_t wire_b64_encode(const void *in, size_t n, char *out)
{
	const unsigned char *p = in;
	size_t o = 0;

	for (size_t i = 0; i < n; i += 3) {
		unsigned v = (unsigned)p[i] << 16;

		if (i + 1 < n)
			v |= (unsigned)p[i + 1] << 8;
		if (i + 2 < n)
			v |= p[i + 2];
		out[o++] = b64[(v >> 18) & 63];
		out[o++] = b64[(v >> 12) & 63];
		out[o++] = i + 1 < n ? b64[(v >> 6) & 63] : '=';
		out[o++] = i + 2 < n ? b64[v & 63] : '=';
	}
	out[o] = 0;
	return o;
}

static int b64_value(char c)
{
	const char *p = c ? strchr(b64, c) : NULL;

	return p ? (int)(p - b64) : -1;
}

ssize_t wire_b64_decode(const char *in, void *out, size_t size)
{
	unsigned char *o = out;
	size_t len = strlen(in), n = 0;

	if (len % 4)
		return -1;
	for (size_t i = 0; i < len; i += 4) {
		int v[4];
		unsigned w;

		for (int k = 0; k < 4; k++) {
			v[k] = in[i + k] == '=' && k >= 2 ?
				       0 :
				       b64_value(in[i + k]);
			if (v[k] < 0)
				return -1;
		}
		w = (unsigned)v[0] << 18 | (unsigned)v[1] << 12 |
		    (unsigned)v[2] << 6 | (unsigned)v[3];
		for (int k = 0; k < 3; k++) {
			if (k >= 1 && in[i + k + 1] == '=')
				break;
			if (n >= size)
				return -1;
			o[n++] = (unsigned char)(w >> (16 - 8 * k));
		}
	}
	return (ssize_t)n;
}

int wire_split(char *line, char **tok, int max)
{
	int n = 0;
	char *save = NULL;

	for (char *t = strtok_r(line, " ", &save); t && n < max;
	     t = strtok_r(NULL, " ", &save))
		tok[n++] = t;
	return n;
}

int wire_write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;

	while (len) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

int wire_int(const char *s, int fallback)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < INT_MIN || v > INT_MAX)
		return fallback;
	return (int)v;
}

ssize_t wire_buf_fill(struct wire_buf *b, int fd)
{
	ssize_t n;

	if (b->cap - b->len < 4096) {
		size_t cap = b->cap ? b->cap * 2 : 16384;
		char *tmp;

		if (cap > WIRE_LINE_MAX * 2)
			return -E2BIG; /* a line longer than the protocol allows */
		tmp = realloc(b->buf, cap + 1);
		if (!tmp)
			return -ENOMEM;
		b->buf = tmp;
		b->cap = cap;
	}
	n = read(fd, b->buf + b->len, b->cap - b->len);
	if (n < 0)
		return -errno;
	b->len += (size_t)n;
	return n;
}

char *wire_buf_line(struct wire_buf *b, size_t *consumed)
{
	char *nl;

	/* drop what the previous call handed out */
	if (*consumed) {
		memmove(b->buf, b->buf + *consumed, b->len - *consumed);
		b->len -= *consumed;
		*consumed = 0;
	}
	if (!b->len)
		return NULL;
	nl = memchr(b->buf, '\n', b->len);
	if (!nl)
		return NULL;
	*nl = 0;
	*consumed = (size_t)(nl - b->buf) + 1;
	return b->buf;
}

void wire_buf_free(struct wire_buf *b)
{
	free(b->buf);
	memset(b, 0, sizeof(*b));
}
