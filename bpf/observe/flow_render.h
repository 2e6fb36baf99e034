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

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "observe/flow_ident.h"

struct jw;
struct json_object;
struct flow_ident;

/* A connection the load balancer sent from a VIP to a backend. */
struct flow_xlate {
	char service[64]; /* "" when the service is unknown */
	uint32_t vip, backend; /* network order */
	uint16_t vip_port, backend_port; /* host order */
	uint8_t hook; /* enum bl_lb_hook */
	uint32_t pid; /* caller at the socket hooks, else 0 */
};

/* The process that opened a connection (its client side). */
struct flow_owner {
	uint32_t pid;
	char comm[16];
	const char *sandbox; /* NULL: the host */
	const char *binary; /* NULL when not known */
};

/* What user space knows beyond the record; every member optional. */
struct flow_render_extra {
	struct flow_ident *ident; /* names the endpoints */
	const struct flow_xlate *xlate; /* the connection went through a VIP */
	bool translated; /* this is the TRANSLATED record of xlate */
	const struct flow_owner *owner; /* L7: the client process */
	/*
	 * What a rendering would otherwise make up or look up each time, fixed
	 * once per record (flow_render_pin) so that every rendering of it —
	 * live, to a subscriber, or later from the binary flow log — is the
	 * same line. 0 / NULL: from the record's ktime, a fresh uuid, ident.
	 */
	uint64_t real_ns;
	const uint8_t *uuid; /* 16 bytes */
	const struct flow_peer *peer[2]; /* source, destination */
};

/* Storage for what flow_render_pin() fixes. */
struct flow_pin {
	uint8_t uuid[16];
	struct flow_peer peer[2];
};

/*
 * Fix x's time, uuid and (with x->ident) both endpoints for rec, in p, which
 * must outlive x's use. Call after setting x->xlate and x->translated.
 */
int flow_render_pin(struct flow_pin *p, const void *rec, size_t len,
		    struct flow_render_extra *x);
/* A random v4 uuid's 16 bytes. */
void flow_uuid_new(uint8_t b[16]);

/* The value under "flow" for one kernel record; -EINVAL if malformed. */
int flow_render_flow(struct jw *w, const void *rec, size_t len,
		     const char *ifname);
/* One kernel record (BL_OP_FLOW or BL_OP_L7) → one JSON line in w. -EINVAL if malformed. */
/* The flow object's members only, into an object the caller opened. */
int flow_render_members(struct jw *w, const void *rec, size_t len,
			const char *ifname);
int flow_render_json(struct jw *w, const void *rec, size_t len,
		     const char *ifname);
/* The same with identities, services and the client process (x may be NULL). */
int flow_render_members_ex(struct jw *w, const void *rec, size_t len,
			   const char *ifname,
			   const struct flow_render_extra *x);
int flow_render_json_ex(struct jw *w, const void *rec, size_t len,
			const char *ifname, const struct flow_render_extra *x);
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
