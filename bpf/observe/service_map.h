/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The service map: edges from observed connections, built from flow JSON
 * lines. An edge is client → server:port/proto; it carries connections,
 * requests (HTTP and MySQL), errors (5xx, MySQL ERR), p50/p99 request
 * latency and bytes both ways. Each end is named by identity: the
 * endpoint or sandbox (pod_name), the service when the client asked for a
 * VIP (destination_service), else the address.
 */
#ifndef BPFLAB_OBSERVE_SERVICE_MAP_H
#define BPFLAB_OBSERVE_SERVICE_MAP_H

#include <stddef.h>
#include <stdint.h>

struct json_object;
struct jw;

struct map_edge {
	char source[48]; /* client: endpoint/sandbox name or address */
	char destination[48]; /* server: service, endpoint or address */
	const char *source_kind, *destination_kind; /* static strings */
	int port; /* server port */
	char protocol[8]; /* TCP / UDP */
	uint64_t connections, requests, errors, bytes;
	double *lat_ms; /* HTTP latencies, for the percentiles */
	size_t n_lat, cap_lat;
};

struct service_map {
	struct map_edge *e;
	size_t n, cap;
};

/* Fold one flow line into the map; lines that are not flows are ignored. */
int service_map__add(struct service_map *m, struct json_object *line);
/* p in [0,100] of an edge's latencies (ms); 0 when it has none. */
double map_edge__percentile(struct map_edge *e, double p);
void service_map__sort(struct service_map *m); /* busiest first */
void service_map__json(struct service_map *m, struct jw *w);
void service_map__free(struct service_map *m);

#endif
