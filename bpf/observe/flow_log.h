/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The on-disk flow history: binary records (flow_rec.h) in DIR/flows.bin,
 * rotated to flows.bin.1 .. .KEEP when it passes a size, so history
 * outlives the ring buffer and `bpflab observe --since/--last/--follow` can
 * read it back, rendered to the JSON lines a capture prints. Storing the
 * record instead of its JSON keeps the rendering off the capture's path.
 * Logs of older versions (JSON lines in flows.jsonl) are still read.
 *
 * The same rotating writer in line mode is the JSON-lines file sink of
 * `observe export`.
 */
#ifndef BPFLAB_OBSERVE_FLOW_LOG_H
#define BPFLAB_OBSERVE_FLOW_LOG_H

#include <stddef.h>

#define FLOW_LOG_MAX_BYTES (16u << 20)
#define FLOW_LOG_KEEP 4
#define FLOW_LOG_NAME "flows.bin"
#define FLOW_LOG_LEGACY_NAME "flows.jsonl"
/* The first bytes of every binary flow log file. */
#define FLOW_LOG_MAGIC "BLFLOWS1"
#define FLOW_LOG_MAGIC_LEN 8

struct flow_log;
struct flow_render_extra;
struct jw;

/* Overrides max_bytes of flow_log__open() (bytes; tests, small disks). */
#define FLOW_LOG_SIZE_ENV "BPFLAB_FLOW_LOG_MAX_BYTES"
/* The binary flow history in DIR (created if missing). */
int flow_log__open(struct flow_log **out, const char *dir, size_t max_bytes,
		   int keep);
/* Any JSON-lines file with the same rotation: DIR/NAME, NAME.1 .. NAME.KEEP. */
int flow_log__open_named(struct flow_log **out, const char *dir,
			 const char *name, size_t max_bytes, int keep);
/* Append one line (no newline); rotates first when the file is full.
 * Writes are buffered until flow_log__flush(). */
int flow_log__append(struct flow_log *l, const char *line);
/* Append one kernel flow/L7 record as x (pinned: flow_render_pin) renders it:
 * stored as is in a binary log, rendered to a line in a JSON-lines one. */
int flow_log__append_rec(struct flow_log *l, const void *rec, size_t len,
			 const char *ifname, const struct flow_render_extra *x);
int flow_log__flush(struct flow_log *l);
void flow_log__close(struct flow_log *l);

/* Every line of DIR's log, oldest first; stops early if fn returns non-zero. */
typedef int (*flow_log_fn)(const char *line, void *ctx);
int flow_log_read(const char *dir, int keep, flow_log_fn fn, void *ctx);
/*
 * Follow DIR's log from its current end as it grows (and rotates):
 * flow_log_tail__next() renders the next record into w and returns 1, or
 * returns 0 when there is none yet (a partly written record waits).
 */
struct flow_log_tail;
int flow_log_tail__open(struct flow_log_tail **out, const char *dir);
int flow_log_tail__next(struct flow_log_tail *t, struct jw *w);
void flow_log_tail__close(struct flow_log_tail *t);
/* The default directory: /var/lib/bpflab/flows/<run dir's name>. */
const char *flow_log_default_dir(void);

#endif
