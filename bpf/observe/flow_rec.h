/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The flow log's binary records. Rendering a Hubble JSON line costs more
 * than everything else a capture does per record, so the flow log stores
 * what a rendering needs instead — the kernel record as it came, plus what
 * user space fixed for it (time, uuid, endpoints, service, client process:
 * struct flow_render_extra after flow_render_pin) — and renders it when it
 * is read. Reading it back gives the line the capture would have printed.
 *
 * A record is a struct flow_rec_hdr (little-endian, this host's) and len
 * bytes of body. The version lets a newer reader keep reading older logs;
 * a reader skips kinds and versions it does not know.
 */
#ifndef BPFLAB_OBSERVE_FLOW_REC_H
#define BPFLAB_OBSERVE_FLOW_REC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "observe/flow_render.h"

#define FLOW_REC_VERSION 1
/* A kernel record is < 1 KiB and its names add a few KiB at most. */
#define FLOW_REC_MAX (64 * 1024)

enum flow_rec_kind {
	FLOW_REC_KERNEL = 1, /* a kernel record and its flow_render_extra */
	FLOW_REC_LINE = 2, /* an already rendered JSON line (other modules') */
};

struct flow_rec_hdr {
	uint32_t len; /* body bytes after this header */
	uint16_t version;
	uint16_t kind;
};

/* A growable byte buffer; allocates only when it grows. */
struct flow_buf {
	uint8_t *p;
	size_t len, cap;
	bool oom; /* sticky */
};

void flow_buf_free(struct flow_buf *b);

/* Append one whole record (header and body) to b. -EINVAL if malformed. */
int flow_rec_encode(struct flow_buf *b, const void *rec, size_t len,
		    const char *ifname, const struct flow_render_extra *x);
int flow_rec_encode_line(struct flow_buf *b, const char *line);
/* One record's body → its JSON line in w. -EINVAL when it does not decode,
 * -ENOTSUP for a kind or version this reader does not know. */
int flow_rec_render(struct jw *w, const struct flow_rec_hdr *h,
		    const uint8_t *body);

#endif
