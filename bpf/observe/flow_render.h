/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Flow records as Hubble shows them: a JSON line
 * {"flow":{...},"node_name":..,"time":..} (shared/formats/README.md) and the
 * compact `hubble observe` line. The JSON line is the one representation
 * everything else reads: the flow log stores it, filters and the compact and
 * table views parse it back, so live and historical flows print the same.
 */
#ifndef BPFLAB_OBSERVE_FLOW_RENDER_H
#define BPFLAB_OBSERVE_FLOW_RENDER_H

#include <stddef.h>

struct jw;
struct json_object;

/* The value under "flow" for one kernel record; -EINVAL if malformed. */
int flow_render_flow(struct jw *w, const void *rec, size_t len,
		     const char *ifname);
/* One kernel record (BL_OP_FLOW or BL_OP_L7) → one JSON line in w. -EINVAL if malformed. */
/* The flow object's members only, into an object the caller opened. */
int flow_render_members(struct jw *w, const void *rec, size_t len,
			const char *ifname);
int flow_render_json(struct jw *w, const void *rec, size_t len,
		     const char *ifname);
/* The request path from the raw bytes after the method: up to the first
 * space or line end. Returns its length; *truncated when no end was seen. */
size_t http_path_extract(const char *raw, size_t n, char *out, size_t size,
			 int *truncated);

/* `hubble observe -o compact`: "Nov 24 21:05:03.123: SRC -> DST TYPE VERDICT SUMMARY" */
void flow_format_compact(struct json_object *line, char *buf, size_t size);
/* One row of the table view (and its header). */
void flow_format_table(struct json_object *line, char *buf, size_t size);
const char *flow_table_header(void);

#endif
