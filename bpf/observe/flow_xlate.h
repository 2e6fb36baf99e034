/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Which connections went through a service VIP. The socket-LB rewrites the
 * VIP to a backend at connect(), before any packet exists, so tc only ever
 * sees the backend. The LB's record of the rewrite (BL_OP_LB: VIP, backend,
 * caller) comes first; the next new client flow to that backend within
 * XLATE_WINDOW_NS claims it, and every later record of that connection
 * (replies, the FIN, L7 records) finds it by tuple.
 *
 * The engine consumes the LB's ring buffer before observe's in each pass,
 * and the LB's record is written before the SYN leaves, so the rewrite is
 * normally known when the SYN's flow record arrives.
 *
 * The tc LB DNATs the packet itself, on a link observe may watch: observe's
 * program runs first (it sees client → VIP), then the LB's writes its
 * record. That record carries the client's whole tuple, so it matches the
 * flow exactly; it is usually drained before observe's record too (same
 * pass, LB first), except for a packet processed between the two drains.
 */
#ifndef BPFLAB_OBSERVE_FLOW_XLATE_H
#define BPFLAB_OBSERVE_FLOW_XLATE_H

#include <stdbool.h>
#include <stdint.h>

#include "abi/abi.h"
#include "observe/flow_render.h"

#define XLATE_WINDOW_NS 2000000000ull
#define XLATE_PENDING 128
#define XLATE_CONNS 1024

struct xlate_table;

int xlate_table__new(struct xlate_table **out);
void xlate_table__free(struct xlate_table *t);
/* The LB sent a socket of protocol proto from xl->vip to xl->backend at ktime. */
void xlate_table__add(struct xlate_table *t, uint64_t ktime, uint8_t proto,
		      const struct flow_xlate *xl);
/* The tc LB DNATed the packet client (→ VIP) to xl->backend at ktime. */
void xlate_table__add_tc(struct xlate_table *t, uint64_t ktime,
			 const struct bl_flow_tuple *client,
			 const struct flow_xlate *xl);
/* The translation behind a flow record, or NULL; *claimed when this record
 * is the connection's first (its TRANSLATED record goes before it). */
const struct flow_xlate *xlate_table__flow(struct xlate_table *t,
					   const struct bl_flow_event *e,
					   bool *claimed);
/* The translation behind an L7 record (its tuple is client → server). */
const struct flow_xlate *xlate_table__l7(struct xlate_table *t,
					 const struct bl_l7_event *e);

#endif
