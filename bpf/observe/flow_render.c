// SPDX-License-Identifier: GPL-2.0
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include <json-c/json.h>

#include "util/json_path.h"

#include "abi/abi.h"
#include "observe/flow_ident.h"
#include "observe/flow_render.h"
#include "util/jw.h"
#include "util/util.h"

static const char *const http_methods[] = {
	[BL_HTTP_OTHER] = "",	     [BL_HTTP_GET] = "GET",
	[BL_HTTP_POST] = "POST",     [BL_HTTP_PUT] = "PUT",
	[BL_HTTP_DELETE] = "DELETE", [BL_HTTP_HEAD] = "HEAD",
	[BL_HTTP_PATCH] = "PATCH",   [BL_HTTP_OPTIONS] = "OPTIONS",
};

static const char *verdict_name(unsigned v)
{
	switch (v) {
	case BL_VERDICT_FORWARDED:
		return "FORWARDED";
	case BL_VERDICT_DROPPED:
		return "DROPPED";
	case BL_VERDICT_TRANSLATED:
		return "TRANSLATED";
	case BL_VERDICT_AUDIT:
		return "AUDIT";
	default:
		return "ERROR";
	}
}

size_t http_path_extract(const char *raw, size_t n, char *out, size_t size,
			 int *truncated)
{
	size_t i;

	for (i = 0; i < n && raw[i] && raw[i] != ' ' && raw[i] != '\r' &&
		    raw[i] != '\n';
	     i++)
		;
	*truncated = i == n;
	if (i >= size)
		i = size - 1;
	memcpy(out, raw, i);
	out[i] = '\0';
	return i;
}

/* A random (v4-shaped) flow id. Seeded once from getrandom: a syscall per
 * flow would cost more than rendering it. Unique, not secret. */
void flow_uuid_new(uint8_t b[16])
{
	static uint64_t state[2];

	if (!state[0] && !state[1] &&
	    getrandom(state, sizeof(state), GRND_NONBLOCK) != sizeof(state)) {
		state[0] = now_real_ns();
		state[1] = now_mono_ns() | 1;
	}
	for (int half = 0; half < 2; half++) {
		/* xorshift128+ */
		uint64_t x = state[0], y = state[1], r;

		state[0] = y;
		x ^= x << 23;
		state[1] = x ^ y ^ (x >> 17) ^ (y >> 26);
		r = state[1] + y;
		memcpy(b + 8 * half, &r, 8);
	}
	b[6] = (b[6] & 0x0f) | 0x40;
	b[8] = (b[8] & 0x3f) | 0x80;
}

/* Hex by table: snprintf with 16 conversions was a tenth of a capture's CPU. */
static void uuid_hex(const uint8_t b[16], char out[37])
{
	static const char hex[] = "0123456789abcdef";
	size_t o = 0;

	for (int i = 0; i < 16; i++) {
		if (i == 4 || i == 6 || i == 8 || i == 10)
			out[o++] = '-';
		out[o++] = hex[b[i] >> 4];
		out[o++] = hex[b[i] & 0xf];
	}
	out[o] = '\0';
}

/*
 * A record's RFC 3339 time, as format_rfc3339_ns() writes it. A record needs
 * it twice (the flow's and the line's) and records come thousands a second,
 * so the last one and the last second's date part are kept.
 */
static void record_time(uint64_t real, char *out, size_t size)
{
	static uint64_t last_real;
	static char last[48];
	static time_t base_sec = (time_t)-1;
	static char base[32];
	uint64_t frac;
	time_t sec;
	size_t n;

	if (real != last_real || !last[0]) {
		sec = (time_t)(real / 1000000000ull);
		frac = real % 1000000000ull;
		if (sec != base_sec) {
			struct tm tm;

			gmtime_r(&sec, &tm);
			strftime(base, sizeof(base), "%Y-%m-%dT%H:%M:%S.", &tm);
			base_sec = sec;
		}
		n = strlen(base);
		memcpy(last, base, n);
		for (int i = 8; i >= 0; i--, frac /= 10)
			last[n + i] = '0' + frac % 10;
		last[n + 9] = 'Z';
		last[n + 10] = '\0';
		last_real = real;
	}
	snprintf(out, size, "%s", last);
}

/* The wall-clock time of a record: as pinned at capture, else from ktime. */
static uint64_t rec_real_ns(uint64_t ktime, const struct flow_render_extra *x)
{
	return x && x->real_ns ? x->real_ns : ktime_to_realtime_ns(ktime);
}

static void ip_str(uint32_t addr, char *out)
{
	inet_ntop(AF_INET, &addr, out, INET_ADDRSTRLEN);
}

static const char *proto_key(unsigned proto)
{
	return proto == 6  ? "TCP" :
	       proto == 17 ? "UDP" :
	       proto == 1  ? "ICMPv4" :
			     NULL;
}

/* Source/destination: who the address is when x names endpoints, else
 * identity 0 and no labels (a bare capture with no sandbox state). */
static void endpoint(struct jw *w, const char *key, int end, uint32_t ip,
		     const struct flow_render_extra *x)
{
	const struct flow_peer *pp;
	struct flow_peer p;

	jw_key(w, key);
	jw_obj_begin(w);
	if (!x || (!x->ident && !x->peer[end])) {
		jw_kuint(w, "identity", 0);
		jw_key(w, "labels");
		jw_arr_begin(w);
		jw_arr_end(w);
		jw_obj_end(w);
		return;
	}
	pp = x->peer[end];
	if (!pp) {
		flow_ident__peer(x->ident, ip, &p);
		pp = &p;
	}
	jw_kuint(w, "identity", pp->identity);
	jw_key(w, "labels");
	jw_arr_begin(w);
	for (int i = 0; i < pp->n_labels; i++)
		jw_string(w, pp->labels[i]);
	jw_arr_end(w);
	if (pp->name[0]) {
		jw_kstr(w, "pod_name", pp->name);
		jw_kstr(w, "namespace", "default");
	}
	jw_obj_end(w);
}

/* {"name","namespace"} of the service a translated connection went to. */
static void service(struct jw *w, const char *key,
		    const struct flow_render_extra *x)
{
	if (!x || !x->xlate || !x->xlate->service[0])
		return;
	jw_key(w, key);
	jw_obj_begin(w);
	jw_kstr(w, "name", x->xlate->service);
	jw_kstr(w, "namespace", "default");
	jw_obj_end(w);
}

static void l4(struct jw *w, unsigned proto, uint16_t sport, uint16_t dport,
	       unsigned flags)
{
	static const struct {
		unsigned bit;
		const char *name;
	} names[] = { { BL_TCP_SYN, "SYN" },
		      { BL_TCP_ACK, "ACK" },
		      { BL_TCP_FIN, "FIN" },
		      { BL_TCP_RST, "RST" },
		      { BL_TCP_PSH, "PSH" } };
	const char *k = proto_key(proto);

	if (!k)
		return;
	jw_key(w, "l4");
	jw_obj_begin(w);
	jw_key(w, k);
	jw_obj_begin(w);
	if (proto != 1) {
		jw_kuint(w, "source_port", sport);
		jw_kuint(w, "destination_port", dport);
	}
	if (proto == 6 && flags) {
		jw_key(w, "flags");
		jw_obj_begin(w);
		for (size_t i = 0; i < ARRAY_SIZE(names); i++)
			if (flags & names[i].bit)
				jw_kbool(w, names[i].name, true);
		jw_obj_end(w);
	}
	jw_obj_end(w);
	jw_obj_end(w);
}

static void flow_head(struct jw *w, uint64_t ktime, const char *type,
		      const char *verdict, uint32_t src, uint32_t dst,
		      const char *dir, bool reply, uint32_t ifindex,
		      const char *ifname, const struct flow_render_extra *x)
{
	char when[64], id[40], a[INET_ADDRSTRLEN], b[INET_ADDRSTRLEN];
	uint8_t fresh[16];

	record_time(rec_real_ns(ktime, x), when, sizeof(when));
	if (!x || !x->uuid)
		flow_uuid_new(fresh);
	uuid_hex(x && x->uuid ? x->uuid : fresh, id);
	ip_str(src, a);
	ip_str(dst, b);
	jw_kstr(w, "time", when);
	jw_kstr(w, "uuid", id);
	jw_kstr(w, "verdict", verdict);
	jw_key(w, "IP");
	jw_obj_begin(w);
	jw_kstr(w, "source", a);
	jw_kstr(w, "destination", b);
	jw_kstr(w, "ipVersion", "IPv4");
	jw_obj_end(w);
	endpoint(w, "source", 0, src, x);
	endpoint(w, "destination", 1, dst, x);
	/* replies (and L7 responses) come from the service's side */
	service(w, reply ? "source_service" : "destination_service", x);
	jw_kstr(w, "Type", type);
	jw_kstr(w, "node_name", node_name());
	jw_kstr(w, "traffic_direction", dir);
	jw_kbool(w, "is_reply", reply);
	jw_key(w, "interface");
	jw_obj_begin(w);
	jw_kuint(w, "index", ifindex);
	if (ifname)
		jw_kstr(w, "name", ifname);
	jw_obj_end(w);
}

static void addr_port(uint32_t addr, uint16_t port, char *out, size_t size)
{
	char ip[INET_ADDRSTRLEN];

	ip_str(addr, ip);
	snprintf(out, size, "%s:%u", ip, port);
}

/* The LB's side of a TRANSLATED record: where the VIP went, and who asked. */
static void xlate_members(struct jw *w, const struct flow_xlate *xl)
{
	static const char *const hooks[] = { "", "connect4", "sendmsg4", "tc" };
	char buf[32];

	addr_port(xl->vip, xl->vip_port, buf, sizeof(buf));
	jw_kstr(w, "vip", buf);
	addr_port(xl->backend, xl->backend_port, buf, sizeof(buf));
	jw_kstr(w, "backend", buf);
	jw_kstr(w, "lb_hook",
		xl->hook < ARRAY_SIZE(hooks) ? hooks[xl->hook] : "");
	if (xl->pid)
		jw_kuint(w, "pid", xl->pid);
}

static void render_flow(struct jw *w, const struct bl_flow_event *e,
			const char *ifname, const struct flow_render_extra *x)
{
	const char *event = (e->hdr.flags & BL_FLOW_END) ? "end" : "new";
	const struct flow_xlate *xl = x && x->translated ? x->xlate : NULL;
	uint32_t dst = xl ? xl->vip : e->tuple.daddr;
	uint16_t dport = xl ? xl->vip_port : e->tuple.dport;

	/* A TRANSLATED record shows what the client asked for: the VIP. */
	flow_head(w, e->hdr.ktime, "L3_L4",
		  verdict_name(xl ? BL_VERDICT_TRANSLATED : e->verdict),
		  e->tuple.saddr, dst,
		  (e->hdr.flags & BL_FLOW_EGRESS) ? "EGRESS" : "INGRESS",
		  e->hdr.flags & BL_FLOW_REPLY, e->ifindex, ifname, x);
	l4(w, e->tuple.proto, e->tuple.sport, dport, e->tcp_flags);
	if (e->verdict == BL_VERDICT_DROPPED)
		jw_kuint(w, "drop_reason", e->drop_reason);
	jw_key(w, "bpflab");
	jw_obj_begin(w);
	if (xl) {
		jw_kstr(w, "event", "translated");
		xlate_members(w, xl);
		jw_obj_end(w);
		return;
	}
	jw_kstr(w, "event",
		(e->hdr.flags & BL_FLOW_NEW) && (e->hdr.flags & BL_FLOW_END) ?
			"new+end" :
			event);
	jw_kuint(w, "packets", e->packets);
	jw_kuint(w, "bytes", e->bytes);
	jw_kuint(w, "tcp_flags_seen", e->tcp_flags_seen);
	jw_obj_end(w);
}

/* bpflab.client: the process behind the request (the connection's owner). */
static void client_members(struct jw *w, const struct flow_render_extra *x)
{
	const struct flow_owner *o = x ? x->owner : NULL;

	if (!o)
		return;
	jw_key(w, "client");
	jw_obj_begin(w);
	jw_kuint(w, "pid", o->pid);
	jw_kstr(w, "comm", o->comm);
	if (o->binary)
		jw_kstr(w, "binary", o->binary);
	jw_kstr(w, "sandbox", o->sandbox ? o->sandbox : "host");
	jw_obj_end(w);
}

/* bpflab's extension: MySQL/MariaDB has no Hubble L7 shape of its own. */
static void render_mysql(struct jw *w, const struct bl_l7_event *e,
			 const struct flow_render_extra *x)
{
	static const char *const status[] = { "", "OK", "ERR", "RESULTSET" };
	size_t n = strnlen(e->path, sizeof(e->path));

	jw_key(w, "l7");
	jw_obj_begin(w);
	jw_kstr(w, "type", "RESPONSE");
	jw_kuint(w, "latency_ns", e->latency_ns);
	jw_key(w, "mysql");
	jw_obj_begin(w);
	jw_kstr(w, "command",
		e->method == BL_MYSQL_COM_QUERY ? "COM_QUERY" :
						  "COM_STMT_EXECUTE");
	/* COM_STMT_EXECUTE carries a statement id and binary parameters. */
	if (e->method == BL_MYSQL_COM_QUERY) {
		jw_key(w, "query");
		jw_string_n(w, e->path, n);
	}
	jw_kstr(w, "status",
		e->status < ARRAY_SIZE(status) ? status[e->status] : "");
	jw_obj_end(w);
	jw_obj_end(w);
	jw_key(w, "bpflab");
	jw_obj_begin(w);
	jw_kbool(w, "query_truncated", n == sizeof(e->path));
	client_members(w, x);
	jw_obj_end(w);
}

static void render_l7(struct jw *w, const struct bl_l7_event *e,
		      const char *ifname, const struct flow_render_extra *x)
{
	char path[BL_HTTP_PATH_LEN + 1];
	const char *proto = "HTTP/1.1";
	int truncated;
	size_t n;

	/* The response travels server → client: that is this flow's direction. */
	flow_head(w, e->hdr.ktime, "L7", "FORWARDED", e->tuple.daddr,
		  e->tuple.saddr, "INGRESS", true, e->ifindex, ifname, x);
	l4(w, e->tuple.proto, e->tuple.dport, e->tuple.sport, 0);
	if (e->proto == BL_L7_MYSQL) {
		render_mysql(w, e, x);
		return;
	}
	n = http_path_extract(e->path, sizeof(e->path), path, sizeof(path),
			      &truncated);
	if (!truncated && n + 9 <= sizeof(e->path) &&
	    !memcmp(e->path + n, " HTTP/1.0", 9))
		proto = "HTTP/1.0";
	jw_key(w, "l7");
	jw_obj_begin(w);
	jw_kstr(w, "type", "RESPONSE");
	jw_kuint(w, "latency_ns", e->latency_ns);
	jw_key(w, "http");
	jw_obj_begin(w);
	jw_kuint(w, "code", e->status);
	jw_kstr(w, "method",
		e->method < ARRAY_SIZE(http_methods) ? http_methods[e->method] :
						       "");
	jw_kstr(w, "url", path);
	jw_kstr(w, "protocol", proto);
	jw_obj_end(w);
	jw_obj_end(w);
	jw_key(w, "bpflab");
	jw_obj_begin(w);
	jw_kbool(w, "url_truncated", truncated);
	client_members(w, x);
	jw_obj_end(w);
}

int flow_render_members_ex(struct jw *w, const void *rec, size_t len,
			   const char *ifname,
			   const struct flow_render_extra *x)
{
	const struct bl_hdr *h = rec;

	if (len < sizeof(*h) || h->size > len)
		return -EINVAL;
	if (h->op == BL_OP_FLOW && len < sizeof(struct bl_flow_event))
		return -EINVAL;
	if (h->op == BL_OP_L7 && len < sizeof(struct bl_l7_event))
		return -EINVAL;
	if (h->op != BL_OP_FLOW && h->op != BL_OP_L7)
		return -EINVAL;
	if (x && x->translated && (!x->xlate || h->op != BL_OP_FLOW))
		return -EINVAL;
	if (h->op == BL_OP_FLOW)
		render_flow(w, rec, ifname, x);
	else
		render_l7(w, rec, ifname, x);
	return 0;
}

int flow_render_members(struct jw *w, const void *rec, size_t len,
			const char *ifname)
{
	return flow_render_members_ex(w, rec, len, ifname, NULL);
}

int flow_render_flow(struct jw *w, const void *rec, size_t len,
		     const char *ifname)
{
	int err;

	jw_obj_begin(w);
	err = flow_render_members(w, rec, len, ifname);
	jw_obj_end(w);
	return err;
}

int flow_render_json_ex(struct jw *w, const void *rec, size_t len,
			const char *ifname, const struct flow_render_extra *x)
{
	const struct bl_hdr *h = rec;
	char when[64];
	int err;

	jw_reset(w);
	jw_obj_begin(w);
	jw_key(w, "flow");
	jw_obj_begin(w);
	err = flow_render_members_ex(w, rec, len, ifname, x);
	jw_obj_end(w);
	if (err)
		return err;
	jw_kstr(w, "node_name", node_name());
	record_time(rec_real_ns(h->ktime, x), when, sizeof(when));
	jw_kstr(w, "time", when);
	jw_obj_end(w);
	return jw_str(w) ? 0 : -ENOMEM;
}

/* The addresses render_flow() and render_l7() name as source and destination. */
static int endpoint_ips(const void *rec, size_t len,
			const struct flow_render_extra *x, uint32_t ip[2])
{
	const struct bl_hdr *h = rec;

	if (len < sizeof(*h))
		return -EINVAL;
	if (h->op == BL_OP_FLOW && len >= sizeof(struct bl_flow_event)) {
		const struct bl_flow_event *e = rec;

		ip[0] = e->tuple.saddr;
		ip[1] = x->translated && x->xlate ? x->xlate->vip :
						    e->tuple.daddr;
		return 0;
	}
	if (h->op == BL_OP_L7 && len >= sizeof(struct bl_l7_event)) {
		const struct bl_l7_event *e = rec;

		ip[0] = e->tuple.daddr;
		ip[1] = e->tuple.saddr;
		return 0;
	}
	return -EINVAL;
}

int flow_render_pin(struct flow_pin *p, const void *rec, size_t len,
		    struct flow_render_extra *x)
{
	const struct bl_hdr *h = rec;
	uint32_t ip[2];
	int err = endpoint_ips(rec, len, x, ip);

	if (err)
		return err;
	x->real_ns = ktime_to_realtime_ns(h->ktime);
	flow_uuid_new(p->uuid);
	x->uuid = p->uuid;
	if (!x->ident)
		return 0;
	for (int i = 0; i < 2; i++) {
		flow_ident__peer(x->ident, ip[i], &p->peer[i]);
		x->peer[i] = &p->peer[i];
	}
	return 0;
}

int flow_render_json(struct jw *w, const void *rec, size_t len,
		     const char *ifname)
{
	return flow_render_json_ex(w, rec, len, ifname, NULL);
}

/* ---- text views, from the JSON line ---------------------------------------- */

/* "Nov 24 21:05:03.123" from the RFC 3339 time. */
static void short_time(const char *rfc, char *out, size_t size)
{
	struct tm tm = { 0 };
	const char *frac = strchr(rfc, '.');
	char head[32];

	if (!strptime(rfc, "%Y-%m-%dT%H:%M:%S", &tm)) {
		snprintf(out, size, "%s", rfc);
		return;
	}
	strftime(head, sizeof(head), "%b %e %H:%M:%S", &tm);
	snprintf(out, size, "%s.%.3s", head, frac ? frac + 1 : "000");
}

static void endpoint_str(struct json_object *flow, const char *ip_key,
			 const char *port_key, char *out, size_t size)
{
	char path[64];
	const char *l4k[] = { "TCP", "UDP" };
	int64_t port = 0;

	for (size_t i = 0; i < ARRAY_SIZE(l4k) && !port; i++) {
		snprintf(path, sizeof(path), "l4.%s.%s", l4k[i], port_key);
		port = jp_int(flow, path, 0);
	}
	snprintf(path, sizeof(path), "%s.pod_name", ip_key);
	if (*jp_str(flow, path, "")) {
		/* hubble: namespace/pod rather than the address */
		const char *pod = jp_str(flow, path, "");

		if (port)
			snprintf(out, size, "default/%s:%lld", pod,
				 (long long)port);
		else
			snprintf(out, size, "default/%s", pod);
		return;
	}
	snprintf(path, sizeof(path), "IP.%s", ip_key);
	if (port)
		snprintf(out, size, "%s:%lld", jp_str(flow, path, ""),
			 (long long)port);
	else
		snprintf(out, size, "%s", jp_str(flow, path, ""));
}

static void summary(struct json_object *flow, char *out, size_t size)
{
	static const char *const fl[] = { "SYN", "ACK", "FIN", "RST", "PSH" };
	struct json_object *flags = jp_get(flow, "l4.TCP.flags");
	size_t n = 0;

	if (!strcmp(jp_str(flow, "bpflab.event", ""), "translated")) {
		snprintf(out, size, "to %s (service %s, %s)",
			 jp_str(flow, "bpflab.backend", ""),
			 jp_str(flow, "destination_service.name", "?"),
			 jp_str(flow, "bpflab.lb_hook", ""));
		return;
	}
	if (jp_get(flow, "Summary")) {
		snprintf(out, size, "%s", jp_str(flow, "Summary", ""));
		return;
	}
	if (jp_get(flow, "l7.mysql")) {
		snprintf(out, size, "MySQL %s %s => %s (%.3f ms)",
			 jp_str(flow, "l7.mysql.command", ""),
			 jp_str(flow, "l7.mysql.query", ""),
			 jp_str(flow, "l7.mysql.status", ""),
			 jp_int(flow, "l7.latency_ns", 0) / 1e6);
		return;
	}
	if (!strcmp(jp_str(flow, "Type", ""), "L7")) {
		snprintf(out, size, "%s %s %s => %lld (%.3f ms)",
			 jp_str(flow, "l7.http.protocol", ""),
			 jp_str(flow, "l7.http.method", ""),
			 jp_str(flow, "l7.http.url", ""),
			 (long long)jp_int(flow, "l7.http.code", 0),
			 jp_int(flow, "l7.latency_ns", 0) / 1e6);
		return;
	}
	if (!flags) {
		snprintf(out, size, "%s", jp_get(flow, "l4.UDP") ? "UDP" : "");
		return;
	}
	n = snprintf(out, size, "TCP Flags:");
	for (size_t i = 0; i < ARRAY_SIZE(fl) && n < size; i++)
		if (jp_get(flags, fl[i]))
			n += snprintf(out + n, size - n, "%s%s",
				      n > 10 ? ", " : " ", fl[i]);
}

void flow_format_compact(struct json_object *line, char *buf, size_t size)
{
	struct json_object *flow = jp_get(line, "flow");
	char when[48], src[64], dst[64], sum[256];

	short_time(jp_str(flow, "time", ""), when, sizeof(when));
	endpoint_str(flow, "source", "source_port", src, sizeof(src));
	endpoint_str(flow, "destination", "destination_port", dst, sizeof(dst));
	summary(flow, sum, sizeof(sum));
	snprintf(buf, size, "%s: %s -> %s %s %s %s", when, src, dst,
		 jp_get(flow, "event_type")		 ? "policy-verdict" :
		 jp_get(flow, "l7.mysql")		 ? "mysql-response" :
		 !strcmp(jp_str(flow, "Type", ""), "L7") ? "http-response" :
		 !strcmp(jp_str(flow, "traffic_direction", ""), "EGRESS") ?
							   "to-network" :
							   "to-endpoint",
		 jp_str(flow, "verdict", ""), sum);
}

const char *flow_table_header(void)
{
	return "TIMESTAMP            SOURCE                 DESTINATION            TYPE   VERDICT     SUMMARY";
}

void flow_format_table(struct json_object *line, char *buf, size_t size)
{
	struct json_object *flow = jp_get(line, "flow");
	char when[48], src[64], dst[64], sum[256];

	short_time(jp_str(flow, "time", ""), when, sizeof(when));
	endpoint_str(flow, "source", "source_port", src, sizeof(src));
	endpoint_str(flow, "destination", "destination_port", dst, sizeof(dst));
	summary(flow, sum, sizeof(sum));
	snprintf(buf, size, "%-20s %-22s %-22s %-6s %-11s %s", when, src, dst,
		 jp_str(flow, "Type", ""), jp_str(flow, "verdict", ""), sum);
}
