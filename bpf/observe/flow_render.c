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
static void uuid4(char *out, size_t size)
{
	static uint64_t state[2];
	unsigned char b[16];

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
	snprintf(
		out, size,
		"%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
		b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9],
		b[10], b[11], b[12], b[13], b[14], b[15]);
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

/* Endpoints: no identity service here, so identity 0 and reserved:world
 * labels unless a sandbox owns the address (left to the engine). */
static void endpoint(struct jw *w, const char *key)
{
	jw_key(w, key);
	jw_obj_begin(w);
	jw_kuint(w, "identity", 0);
	jw_key(w, "labels");
	jw_arr_begin(w);
	jw_arr_end(w);
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
		      const char *ifname)
{
	char when[64], id[40], a[INET_ADDRSTRLEN], b[INET_ADDRSTRLEN];

	format_rfc3339_ns(ktime_to_realtime_ns(ktime), when, sizeof(when));
	uuid4(id, sizeof(id));
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
	endpoint(w, "source");
	endpoint(w, "destination");
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

static void render_flow(struct jw *w, const struct bl_flow_event *e,
			const char *ifname)
{
	const char *event = (e->hdr.flags & BL_FLOW_END) ? "end" : "new";

	flow_head(w, e->hdr.ktime, "L3_L4", verdict_name(e->verdict),
		  e->tuple.saddr, e->tuple.daddr,
		  (e->hdr.flags & BL_FLOW_EGRESS) ? "EGRESS" : "INGRESS",
		  e->hdr.flags & BL_FLOW_REPLY, e->ifindex, ifname);
	l4(w, e->tuple.proto, e->tuple.sport, e->tuple.dport, e->tcp_flags);
	if (e->verdict == BL_VERDICT_DROPPED)
		jw_kuint(w, "drop_reason", e->drop_reason);
	jw_key(w, "bpflab");
	jw_obj_begin(w);
	jw_kstr(w, "event",
		(e->hdr.flags & BL_FLOW_NEW) && (e->hdr.flags & BL_FLOW_END) ?
			"new+end" :
			event);
	jw_kuint(w, "packets", e->packets);
	jw_kuint(w, "bytes", e->bytes);
	jw_kuint(w, "tcp_flags_seen", e->tcp_flags_seen);
	jw_obj_end(w);
}

/* bpflab's extension: MySQL/MariaDB has no Hubble L7 shape of its own. */
static void render_mysql(struct jw *w, const struct bl_l7_event *e)
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
	jw_obj_end(w);
}

static void render_l7(struct jw *w, const struct bl_l7_event *e,
		      const char *ifname)
{
	char path[BL_HTTP_PATH_LEN + 1];
	const char *proto = "HTTP/1.1";
	int truncated;
	size_t n;

	/* The response travels server → client: that is this flow's direction. */
	flow_head(w, e->hdr.ktime, "L7", "FORWARDED", e->tuple.daddr,
		  e->tuple.saddr, "INGRESS", true, e->ifindex, ifname);
	l4(w, e->tuple.proto, e->tuple.dport, e->tuple.sport, 0);
	if (e->proto == BL_L7_MYSQL) {
		render_mysql(w, e);
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
	jw_obj_end(w);
}

int flow_render_members(struct jw *w, const void *rec, size_t len,
			const char *ifname)
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
	if (h->op == BL_OP_FLOW)
		render_flow(w, rec, ifname);
	else
		render_l7(w, rec, ifname);
	return 0;
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

int flow_render_json(struct jw *w, const void *rec, size_t len,
		     const char *ifname)
{
	const struct bl_hdr *h = rec;
	char when[64];
	int err;

	jw_reset(w);
	jw_obj_begin(w);
	jw_key(w, "flow");
	err = flow_render_flow(w, rec, len, ifname);
	if (err)
		return err;
	jw_kstr(w, "node_name", node_name());
	format_rfc3339_ns(ktime_to_realtime_ns(h->ktime), when, sizeof(when));
	jw_kstr(w, "time", when);
	jw_obj_end(w);
	return jw_str(w) ? 0 : -ENOMEM;
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
