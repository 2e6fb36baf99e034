// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "util/json_path.h"

#include "observe/service_map.h"
#include "util/jw.h"

static struct map_edge *edge(struct service_map *m, const char *client,
			     const char *server, int port, const char *proto)
{
	struct map_edge *tmp, *e;

	for (size_t i = 0; i < m->n; i++) {
		e = &m->e[i];
		if (e->port == port && !strcmp(e->source, client) &&
		    !strcmp(e->destination, server) &&
		    !strcmp(e->protocol, proto))
			return e;
	}
	if (m->n == m->cap) {
		size_t cap = m->cap ? m->cap * 2 : 32;

		tmp = realloc(m->e, cap * sizeof(*tmp));
		if (!tmp)
			return NULL;
		m->e = tmp;
		m->cap = cap;
	}
	e = &m->e[m->n++];
	memset(e, 0, sizeof(*e));
	snprintf(e->source, sizeof(e->source), "%s", client);
	snprintf(e->destination, sizeof(e->destination), "%s", server);
	e->port = port;
	snprintf(e->protocol, sizeof(e->protocol), "%s", proto);
	return e;
}

static int add_latency(struct map_edge *e, double ms)
{
	double *tmp;

	if (e->n_lat == e->cap_lat) {
		size_t cap = e->cap_lat ? e->cap_lat * 2 : 16;

		tmp = realloc(e->lat_ms, cap * sizeof(*tmp));
		if (!tmp)
			return -ENOMEM;
		e->lat_ms = tmp;
		e->cap_lat = cap;
	}
	e->lat_ms[e->n_lat++] = ms;
	return 0;
}

/* An end by name: the endpoint/sandbox (pod_name), else its address. DOT
 * quotes names, so a '"' (which no valid name has) is replaced. */
static const char *end_name(struct json_object *flow, const char *side,
			    char *buf, size_t size, const char **kind)
{
	char path[32];
	const char *v;

	snprintf(path, sizeof(path), "%s.pod_name", side);
	v = jp_str(flow, path, NULL);
	*kind = "endpoint";
	if (!v || !*v) {
		snprintf(path, sizeof(path), "IP.%s", side);
		v = jp_str(flow, path, "");
		*kind = "address";
	}
	snprintf(buf, size, "%s", v);
	for (char *p = buf; *p; p++)
		if (*p == '"')
			*p = '_';
	return buf;
}

int service_map__add(struct service_map *m, struct json_object *line)
{
	struct json_object *flow = jp_get(line, "flow");
	const char *proto = jp_get(flow, "l4.TCP") ? "TCP" :
			    jp_get(flow, "l4.UDP") ? "UDP" :
						     NULL;
	const char *l4 = proto && !strcmp(proto, "TCP") ? "l4.TCP" : "l4.UDP";
	const char *svc, *src_kind, *dst_kind;
	char sport_k[48], dport_k[48], client[48], server[48];
	bool reply;
	struct map_edge *e;

	if (!flow || !proto || !*jp_str(flow, "IP.source", "") ||
	    !*jp_str(flow, "IP.destination", ""))
		return 0;
	/* Policy verdicts and the LB's TRANSLATED record are not traffic. */
	if (jp_get(flow, "event_type") ||
	    !strcmp(jp_str(flow, "verdict", ""), "TRANSLATED"))
		return 0;
	snprintf(sport_k, sizeof(sport_k), "%s.source_port", l4);
	snprintf(dport_k, sizeof(dport_k), "%s.destination_port", l4);
	reply = jp_get(flow, "is_reply") &&
		json_object_get_boolean(jp_get(flow, "is_reply"));
	/* Orient every record client → server: replies travel the other way.
	 * The server is the service when the client asked for a VIP. */
	end_name(flow, reply ? "destination" : "source", client, sizeof(client),
		 &src_kind);
	svc = jp_str(flow,
		     reply ? "source_service.name" : "destination_service.name",
		     NULL);
	if (svc && *svc) {
		snprintf(server, sizeof(server), "%s", svc);
		dst_kind = "service";
	} else {
		end_name(flow, reply ? "source" : "destination", server,
			 sizeof(server), &dst_kind);
	}
	e = edge(m, client, server, jp_int(flow, reply ? sport_k : dport_k, 0),
		 proto);
	if (!e)
		return -ENOMEM;
	e->source_kind = src_kind;
	e->destination_kind = dst_kind;
	if (jp_get(flow, "l7.http") || jp_get(flow, "l7.mysql")) {
		e->requests++;
		if (jp_int(flow, "l7.http.code", 0) >= 500 ||
		    !strcmp(jp_str(flow, "l7.mysql.status", ""), "ERR"))
			e->errors++;
		return add_latency(e, jp_int(flow, "l7.latency_ns", 0) / 1e6);
	}
	const char *event = jp_str(flow, "bpflab.event", "");

	if (!reply && strstr(event, "new"))
		e->connections++;
	if (strstr(event, "end"))
		e->bytes += jp_int(flow, "bpflab.bytes", 0);
	return 0;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

double map_edge__percentile(struct map_edge *e, double p)
{
	size_t rank;

	if (!e->n_lat)
		return 0;
	qsort(e->lat_ms, e->n_lat, sizeof(double), cmp_double);
	/* nearest-rank */
	rank = (size_t)ceil(p / 100 * e->n_lat);
	return e->lat_ms[rank ? rank - 1 : 0];
}

static int cmp_edge(const void *a, const void *b)
{
	const struct map_edge *x = a, *y = b;

	if (x->requests != y->requests)
		return x->requests < y->requests ? 1 : -1;
	if (x->connections != y->connections)
		return x->connections < y->connections ? 1 : -1;
	return strcmp(x->source, y->source);
}

void service_map__sort(struct service_map *m)
{
	if (m->n)
		qsort(m->e, m->n, sizeof(*m->e), cmp_edge);
}

void service_map__json(struct service_map *m, struct jw *w)
{
	jw_obj_begin(w);
	jw_key(w, "edges");
	jw_arr_begin(w);
	for (size_t i = 0; i < m->n; i++) {
		struct map_edge *e = &m->e[i];

		jw_obj_begin(w);
		jw_kstr(w, "source", e->source);
		jw_kstr(w, "destination", e->destination);
		/* endpoint (a sandbox or policy endpoint), service or address */
		jw_kstr(w, "source_kind", e->source_kind);
		jw_kstr(w, "destination_kind", e->destination_kind);
		jw_kint(w, "port", e->port);
		jw_kstr(w, "protocol", e->protocol);
		jw_kuint(w, "connections", e->connections);
		jw_kuint(w, "requests", e->requests);
		jw_kuint(w, "errors", e->errors);
		jw_kdouble(w, "p50_ms", map_edge__percentile(e, 50));
		jw_kdouble(w, "p99_ms", map_edge__percentile(e, 99));
		jw_kuint(w, "bytes", e->bytes);
		jw_obj_end(w);
	}
	jw_arr_end(w);
	jw_obj_end(w);
}

void service_map__free(struct service_map *m)
{
	for (size_t i = 0; i < m->n; i++)
		free(m->e[i].lat_ms);
	free(m->e);
	memset(m, 0, sizeof(*m));
}
