// SPDX-License-Identifier: GPL-2.0
#include <arpa/inet.h>
#include <math.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "abi/abi.h"
#include "console/tui/model_map.h"
#include "engine/engine.h"
#include "util/util.h"

#define SLOTS (MMAP_EDGES * 2)

void mmap_init(struct model_map *m)
{
	memset(m, 0, sizeof(*m));
}

static uint32_t hash(uint32_t s, uint32_t d, uint16_t port, uint8_t proto)
{
	uint64_t h = ((uint64_t)s * 0x9e3779b97f4a7c15ull) ^
		     ((uint64_t)d * 0xc2b2ae3d27d4eb4full) ^
		     ((uint64_t)port << 8 | proto) * 0x165667b19e3779f9ull;

	return (uint32_t)(h >> 32) % SLOTS;
}

/* The edge's slot, claimed if new; NULL when the table is full. */
static struct mmap_edge *edge(struct model_map *m, uint32_t s, uint32_t d,
			      uint16_t port, uint8_t proto)
{
	uint32_t i = hash(s, d, port, proto);

	for (int probe = 0; probe < SLOTS; probe++, i = (i + 1) % SLOTS) {
		struct mmap_edge *e = &m->e[i];

		if (!e->used) {
			if (m->n >= MMAP_EDGES)
				break;
			*e = (struct mmap_edge){ .saddr = s,
						 .daddr = d,
						 .dport = port,
						 .proto = proto,
						 .used = true };
			m->n++;
			return e;
		}
		if (e->saddr == s && e->daddr == d && e->dport == port &&
		    e->proto == proto)
			return e;
	}
	m->unmapped++;
	return NULL;
}

static int lat_bucket(uint64_t ns)
{
	double us = (double)ns / 1000.0;
	int b = us <= 1 ? 0 : (int)(2 * log2(us));

	return b >= MMAP_LAT_BUCKETS ? MMAP_LAT_BUCKETS - 1 : b;
}

static void fold_flow(struct model_map *m, const struct bl_flow_event *f)
{
	const struct bl_flow_tuple *t = &f->tuple;
	bool opens;
	struct mmap_edge *e;

	/* a connection opens with the client's SYN; UDP with its first datagram */
	if (t->proto == IPPROTO_TCP)
		opens = (f->tcp_flags & 0x12) == 0x02; /* SYN, no ACK */
	else
		opens = (f->hdr.flags & BL_FLOW_NEW) &&
			!(f->hdr.flags & BL_FLOW_REPLY);
	if (!opens)
		return;
	e = edge(m, t->saddr, t->daddr, t->dport, t->proto);
	if (!e)
		return;
	if (!e->flow_ifindex)
		e->flow_ifindex = f->ifindex;
	if (f->ifindex == e->flow_ifindex)
		e->conns += opens;
}

static void fold_l7(struct model_map *m, const struct bl_l7_event *l)
{
	const struct bl_flow_tuple *t = &l->tuple;
	struct mmap_edge *e = edge(m, t->saddr, t->daddr, t->dport, t->proto);

	if (!e)
		return;
	if (!e->l7_ifindex)
		e->l7_ifindex = l->ifindex;
	if (l->ifindex != e->l7_ifindex)
		return;
	e->requests++;
	if (l->proto == BL_L7_HTTP ? l->status >= 500 : l->status != 0)
		e->errors++;
	e->lat[0][lat_bucket(l->latency_ns)]++;
}

/*
 * Policy drops come from netpol's own verdict records (tc and the cgroup
 * hooks), not from DROPPED flows: a tc drop is reported by both, and a
 * connect() refused at the cgroup hook has no packet to make a flow.
 */
static void fold_netpol(struct model_map *m, const struct bl_netpol_event *p)
{
	const struct bl_flow_tuple *t = &p->tuple;
	struct mmap_edge *e;

	if (p->verdict != BL_VERDICT_DROPPED)
		return;
	e = edge(m, t->saddr, t->daddr, t->dport, t->proto);
	if (e)
		e->denied++;
}

void mmap_push(struct model_map *m, const struct bl_event *ev)
{
	if (ev->op == BL_OP_FLOW && ev->len >= sizeof(struct bl_flow_event))
		fold_flow(m, ev->rec);
	else if (ev->op == BL_OP_L7 && ev->len >= sizeof(struct bl_l7_event))
		fold_l7(m, ev->rec);
	else if (ev->op == BL_OP_NETPOL &&
		 ev->len >= sizeof(struct bl_netpol_event))
		fold_netpol(m, ev->rec);
}

void mmap_second(struct model_map *m)
{
	int slot = m->seconds % 10;

	m->seconds++;
	for (int i = 0; i < SLOTS; i++) {
		struct mmap_edge *e = &m->e[i];

		if (!e->used)
			continue;
		e->conn_s = (double)(e->conns - e->last_conns);
		e->req_s = (double)(e->requests - e->last_requests);
		e->err_s = (double)(e->errors - e->last_errors);
		e->denied_recent -= e->denied_hist[slot];
		e->denied_hist[slot] = e->denied - e->last_denied;
		e->denied_recent += e->denied_hist[slot];
		e->last_conns = e->conns;
		e->last_requests = e->requests;
		e->last_errors = e->errors;
		e->last_denied = e->denied;
		if (m->seconds % 5 == 0) { /* the windows move on */
			memcpy(e->lat[1], e->lat[0], sizeof(e->lat[0]));
			memset(e->lat[0], 0, sizeof(e->lat[0]));
		}
	}
}

double mmap_edge_pct(const struct mmap_edge *e, double p)
{
	uint64_t total = 0, want, seen = 0;

	for (int b = 0; b < MMAP_LAT_BUCKETS; b++)
		total += e->lat[0][b] + e->lat[1][b];
	if (!total)
		return 0;
	want = (uint64_t)ceil((double)total * p / 100.0);
	for (int b = 0; b < MMAP_LAT_BUCKETS; b++) {
		seen += e->lat[0][b] + e->lat[1][b];
		if (seen >= want) /* the bucket's upper bound, in ms */
			return pow(2.0, (b + 1) / 2.0) / 1000.0;
	}
	return 0;
}

void mmap_names_clear(struct model_map *m)
{
	m->n_names = 0;
}

void mmap_name_set(struct model_map *m, uint32_t addr, const char *name)
{
	for (int i = 0; i < m->n_names; i++)
		if (m->names[i].addr == addr)
			return; /* the first name given wins */
	if (m->n_names == MMAP_NAMES)
		return;
	m->names[m->n_names].addr = addr;
	snprintf(m->names[m->n_names].name, sizeof(m->names[0].name), "%s",
		 name);
	m->n_names++;
}

const char *mmap_name_of(const struct model_map *m, uint32_t addr, char *buf,
			 int size)
{
	struct in_addr a = { .s_addr = addr };

	for (int i = 0; i < m->n_names; i++)
		if (m->names[i].addr == addr)
			return m->names[i].name;
	inet_ntop(AF_INET, &a, buf, (socklen_t)size);
	return buf;
}

/* By source, then destination: a stable layout that redraws in place. */
static int by_address(const void *a, const void *b)
{
	const struct mmap_edge *x = *(const struct mmap_edge *const *)a;
	const struct mmap_edge *y = *(const struct mmap_edge *const *)b;

	if (x->saddr != y->saddr)
		return ntohl(x->saddr) < ntohl(y->saddr) ? -1 : 1;
	if (x->daddr != y->daddr)
		return ntohl(x->daddr) < ntohl(y->daddr) ? -1 : 1;
	if (x->dport != y->dport)
		return x->dport < y->dport ? -1 : 1;
	return x->proto - y->proto;
}

int mmap_sorted(const struct model_map *m, const struct mmap_edge **out,
		int max)
{
	int n = 0;

	for (int i = 0; i < SLOTS && n < max; i++)
		if (m->e[i].used)
			out[n++] = &m->e[i];
	qsort(out, (size_t)n, sizeof(const struct mmap_edge *), by_address);
	return n;
}
