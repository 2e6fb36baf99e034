/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The live service map: edges client → server:port/proto folded from the
 * raw flow, L7 and netpol records the engine hands its sinks (no JSON on
 * this path, so it keeps up with a flood). Each edge carries connections,
 * requests and 5xx errors per second, a latency histogram for the p99 of
 * the last 10 s, and policy drops, which make it a denied edge.
 *
 * The table is fixed (MMAP_EDGES): records for edges beyond it are counted
 * in `unmapped`, never stored. Names for addresses (sandboxes, lab hosts,
 * service VIPs and backends) are set by the console once a second.
 */
#ifndef BPFLAB_TUI_MODEL_MAP_H
#define BPFLAB_TUI_MODEL_MAP_H

#include <stdbool.h>
#include <stdint.h>

struct bl_event;

#define MMAP_EDGES 256
#define MMAP_NAMES 128
#define MMAP_LAT_BUCKETS 48 /* 2^(i/2) µs: 1 µs .. ~16 s */

struct mmap_edge {
	uint32_t saddr, daddr; /* network order */
	uint16_t dport;
	uint8_t proto;
	bool used;
	/*
	 * The hook (interface) whose records count: observe may watch a path
	 * at several interfaces, and each would see the same SYN and request.
	 */
	uint32_t flow_ifindex, l7_ifindex;
	uint64_t conns, requests, errors, denied; /* cumulative */
	uint64_t last_conns, last_requests, last_errors, last_denied;
	double conn_s, req_s, err_s; /* over the last second */
	uint64_t denied_recent; /* drops in the last 10 s */
	uint64_t denied_hist[10];
	uint32_t lat[2][MMAP_LAT_BUCKETS]; /* this 5 s window and the last */
	uint64_t last_seen_ns;
};

struct mmap_name {
	uint32_t addr;
	char name[40];
};

struct model_map {
	struct mmap_edge e[MMAP_EDGES * 2]; /* open addressing, half full */
	int n;
	uint64_t unmapped; /* records whose edge did not fit */
	struct mmap_name names[MMAP_NAMES];
	int n_names;
	int seconds;
};

void mmap_init(struct model_map *m);
/* A live event: flow, L7 and netpol records are folded, the rest ignored. */
void mmap_push(struct model_map *m, const struct bl_event *ev);
/* Roll the per-second rates and the windows; call once a second. */
void mmap_second(struct model_map *m);
/* p in (0,100] of an edge's request latencies over 5-10 s, in ms; 0 if none. */
double mmap_edge_pct(const struct mmap_edge *e, double p);
/* Names: cleared, then set for each known address. */
void mmap_names_clear(struct model_map *m);
void mmap_name_set(struct model_map *m, uint32_t addr, const char *name);
/* "name" if known, else the dotted address. */
const char *mmap_name_of(const struct model_map *m, uint32_t addr, char *buf,
			 int size);
/* The used edges by source, then destination; returns how many. */
int mmap_sorted(const struct model_map *m, const struct mmap_edge **out,
		int max);

#endif
