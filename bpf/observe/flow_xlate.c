// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "observe/flow_xlate.h"

struct xlate_pending {
	uint64_t ktime;
	uint8_t proto;
	bool claimed;
	bool tc; /* the tc LB: client is the packet's client → VIP tuple */
	struct bl_flow_tuple client;
	struct flow_xlate xl;
};

struct xlate_conn {
	bool valid;
	struct bl_flow_tuple client; /* client → backend */
	struct flow_xlate xl;
};

struct xlate_table {
	struct xlate_pending
		pending[XLATE_PENDING]; /* a ring, newest at head-1 */
	unsigned int head, n;
	struct xlate_conn conns[XLATE_CONNS]; /* direct-mapped by tuple hash */
};

int xlate_table__new(struct xlate_table **out)
{
	*out = calloc(1, sizeof(**out));
	return *out ? 0 : -ENOMEM;
}

void xlate_table__free(struct xlate_table *t)
{
	free(t);
}

void xlate_table__add(struct xlate_table *t, uint64_t ktime, uint8_t proto,
		      const struct flow_xlate *xl)
{
	struct xlate_pending *p = &t->pending[t->head];

	p->ktime = ktime;
	p->proto = proto;
	p->claimed = false;
	p->tc = false;
	p->xl = *xl;
	t->head = (t->head + 1) % XLATE_PENDING;
	if (t->n < XLATE_PENDING)
		t->n++;
}

static bool tuple_eq(const struct bl_flow_tuple *a,
		     const struct bl_flow_tuple *b)
{
	return a->saddr == b->saddr && a->daddr == b->daddr &&
	       a->sport == b->sport && a->dport == b->dport &&
	       a->proto == b->proto;
}

void xlate_table__add_tc(struct xlate_table *t, uint64_t ktime,
			 const struct bl_flow_tuple *client,
			 const struct flow_xlate *xl)
{
	struct xlate_pending *p = &t->pending[t->head];

	xlate_table__add(t, ktime, client->proto, xl);
	p->tc = true;
	p->client = *client;
}

/* Whether pending rewrite p is the one behind the new client direction c. */
static bool pending_matches(const struct xlate_pending *p,
			    const struct bl_flow_tuple *c, uint64_t ktime)
{
	if (p->claimed || p->proto != c->proto)
		return false;
	/* the tc LB rewrote this very packet, after observe saw it */
	if (p->tc)
		return tuple_eq(&p->client, c) &&
		       (ktime > p->ktime ? ktime - p->ktime :
					   p->ktime - ktime) <= XLATE_WINDOW_NS;
	return p->xl.backend == c->daddr && p->xl.backend_port == c->dport &&
	       ktime >= p->ktime && ktime - p->ktime <= XLATE_WINDOW_NS;
}

static struct xlate_conn *conn_slot(struct xlate_table *t,
				    const struct bl_flow_tuple *c)
{
	uint32_t h = c->saddr * 2654435761u ^ c->daddr * 2246822519u ^
		     ((uint32_t)c->sport << 16 | c->dport) * 3266489917u ^
		     c->proto;

	return &t->conns[h % XLATE_CONNS];
}

/* The newest unclaimed rewrite to c's backend that c's start can follow. */
static struct xlate_pending *
claim(struct xlate_table *t, const struct bl_flow_tuple *c, uint64_t ktime)
{
	for (unsigned int i = 1; i <= t->n; i++) {
		struct xlate_pending *p =
			&t->pending[(t->head + XLATE_PENDING - i) %
				    XLATE_PENDING];

		if (!pending_matches(p, c, ktime))
			continue;
		p->claimed = true;
		return p;
	}
	return NULL;
}

const struct flow_xlate *xlate_table__flow(struct xlate_table *t,
					   const struct bl_flow_event *e,
					   bool *claimed)
{
	struct bl_flow_tuple c = e->tuple;
	struct xlate_conn *slot;
	struct xlate_pending *p;

	*claimed = false;
	if (e->hdr.flags & BL_FLOW_REPLY)
		c = (struct bl_flow_tuple){ .saddr = e->tuple.daddr,
					    .daddr = e->tuple.saddr,
					    .sport = e->tuple.dport,
					    .dport = e->tuple.sport,
					    .proto = e->tuple.proto };
	memset(c.pad, 0, sizeof(c.pad));
	slot = conn_slot(t, &c);
	if (slot->valid && tuple_eq(&slot->client, &c) &&
	    !((e->hdr.flags & BL_FLOW_NEW) && !(e->hdr.flags & BL_FLOW_REPLY)))
		return &slot->xl;
	if (!(e->hdr.flags & BL_FLOW_NEW) || (e->hdr.flags & BL_FLOW_REPLY))
		return NULL;
	/* A new client direction: a reused tuple must not inherit a service. */
	slot->valid = false;
	p = claim(t, &c, e->hdr.ktime);
	if (!p)
		return NULL;
	slot->valid = true;
	slot->client = c;
	slot->xl = p->xl;
	*claimed = true;
	return &slot->xl;
}

const struct flow_xlate *xlate_table__l7(struct xlate_table *t,
					 const struct bl_l7_event *e)
{
	struct bl_flow_tuple c = e->tuple;
	struct xlate_conn *slot;

	memset(c.pad, 0, sizeof(c.pad));
	slot = conn_slot(t, &c);
	return slot->valid && tuple_eq(&slot->client, &c) ? &slot->xl : NULL;
}
