/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The vm sandbox's wire: one line per message over the virtio-serial
 * channel, tokens separated by one space, binary data in base64. The first
 * token is the channel: 0 is the agent's own (hello, events), and the host
 * relay gives every client connection its own number. Shared by bpflab and
 * the static guest agent (agent/), so it depends on libc only.
 *
 *   host -> guest            guest -> host
 *   C exec ID B64ARG...      C started ID PID
 *   C execin ID B64ARG...    (the same, stdin a pipe fed by in/eof)
 *   C in ID B64DATA
 *   C eof ID
 *                            C out ID FD B64DATA
 *                            C exit ID CODE | C signal ID SIG
 *   C kill ID
 *   C read ID B64PATH        C file ID B64DATA | C error ID ERRNO
 *   C policy ID NAME MODE B64PATH...   C ok ID N | C error ID ERRNO
 *   C unpolicy ID NAME       C ok ID 0
 *   C close                  (the client left: kill what it started)
 *                            0 hello KERNEL UPTIME_MS
 *                            0 event TYPE JSON
 */
#ifndef BPFLAB_VM_WIRE_H
#define BPFLAB_VM_WIRE_H

#include <stddef.h>
#include <sys/types.h>

#define WIRE_LINE_MAX (256 * 1024)
#define WIRE_CHANNEL "org.bpflab.agent"

/* out must hold 4 * ((n + 2) / 3) + 1 bytes; returns the length written. */
size_t wire_b64_encode(const void *in, size_t n, char *out);
/* Decoded length, or -1 on a malformed input or when out is too small. */
ssize_t wire_b64_decode(const char *in, void *out, size_t size);
/* Split line in place at spaces; returns the number of tokens (<= max). */
int wire_split(char *line, char **tok, int max);
/* A whole decimal token as an int; fallback if it is not one. */
int wire_int(const char *s, int fallback);
/* write() until done; -errno on failure. */
int wire_write_all(int fd, const void *buf, size_t len);

/* A line reader over a non-blocking or blocking fd. */
struct wire_buf {
	char *buf;
	size_t len, cap;
};
/* One read(); 0 at end of file, -errno, or the byte count. */
ssize_t wire_buf_fill(struct wire_buf *b, int fd);
/*
 * The next complete line, NUL-terminated without its newline, or NULL. The
 * pointer is good until the next fill or line call.
 */
char *wire_buf_line(struct wire_buf *b, size_t *consumed);
void wire_buf_free(struct wire_buf *b);

#endif
