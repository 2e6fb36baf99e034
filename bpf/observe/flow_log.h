/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The on-disk flow history: JSON lines in DIR/flows.jsonl, rotated to
 * flows.jsonl.1 .. .KEEP when it passes a size, so history outlives the
 * ring buffer and `bpflab observe --since/--last` can read it back. The
 * same rotating writer is the JSON-lines file sink of `observe export`.
 */
#ifndef BPFLAB_OBSERVE_FLOW_LOG_H
#define BPFLAB_OBSERVE_FLOW_LOG_H

#include <stddef.h>

#define FLOW_LOG_MAX_BYTES (16u << 20)
#define FLOW_LOG_KEEP 4
#define FLOW_LOG_NAME "flows.jsonl"

struct flow_log;

/* DIR is created if missing. */
int flow_log__open(struct flow_log **out, const char *dir, size_t max_bytes,
		   int keep);
/* Any JSON-lines file with the same rotation: DIR/NAME, NAME.1 .. NAME.KEEP. */
int flow_log__open_named(struct flow_log **out, const char *dir,
			 const char *name, size_t max_bytes, int keep);
/* Append one line (no newline); rotates first when the file is full.
 * Lines are buffered until flow_log__flush(). */
int flow_log__append(struct flow_log *l, const char *line);
int flow_log__flush(struct flow_log *l);
void flow_log__close(struct flow_log *l);

/* Every line of DIR's log, oldest first; stops early if fn returns non-zero. */
typedef int (*flow_log_fn)(const char *line, void *ctx);
int flow_log_read(const char *dir, int keep, flow_log_fn fn, void *ctx);
/* The default directory: /var/lib/bpflab/flows/<run dir's name>. */
const char *flow_log_default_dir(void);

#endif
