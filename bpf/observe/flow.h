/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The flow module's user side: load flow.bpf.c, attach it at tc ingress and
 * egress of named interfaces (optionally inside a named netns), deliver its
 * ring-buffer records, and take everything off again. Each attachment is in
 * the journal (lab/net's tc helper, kind "tc"), because a tc filter
 * is not a bpf_link on libbpf 1.1 and would outlive a crashed bpflab.
 */
#ifndef BPFLAB_OBSERVE_FLOW_H
#define BPFLAB_OBSERVE_FLOW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct flow_obs;

#define FLOW_MAX_IFACES 8
#define FLOW_TC_HANDLE 0xb7
/* Before the LB's filter (0xb1): we see the packet as it arrived. */
#define FLOW_TC_PRIO 0xb0

struct flow_obs_opts {
	const char *netns; /* NULL: ours */
	const char *ifaces[FLOW_MAX_IFACES];
	int n_ifaces;
	bool no_l7; /* flows only, skip payload parsing */
	/* Wake the reader per this many bytes (it polls every FLOW_POLL_MS);
	 * 0: per record. */
	unsigned int wakeup_bytes;
	/* The L7 record budget: ordinary request/response pairs sent as
	 * records per second, machine-wide (errors, slow pairs and a
	 * connection's first pair are always sent); 0: every pair. */
	unsigned int l7_rate;
};

/* --l7-records adaptive: ordinary L7 records per second before sampling. */
#define FLOW_L7_RATE_DEFAULT 2000
/* "all" → 0, "adaptive" → the default, "N" → N; -EINVAL otherwise. */
int flow_parse_l7_records(const char *s, unsigned int *rate);

/* Records as the kernel wrote them (struct bl_flow_event / bl_l7_event). */
typedef int (*flow_rec_fn)(const void *rec, size_t len, void *ctx);

/*
 * Load the programs and attach to o->ifaces. With fn, flow_obs__poll() hands
 * records to it; without (an engine), the caller reads flow_obs__rb_fd().
 */
int flow_obs__open(struct flow_obs **out, const struct flow_obs_opts *o,
		   flow_rec_fn fn, void *ctx);
/* One more interface (netns NULL: ours). -EALREADY if already watched. */
int flow_obs__attach(struct flow_obs *f, const char *netns, const char *ifname);
int flow_obs__count(struct flow_obs *f); /* interfaces watched */
/* A reader that batches wakeups (wakeup_bytes) polls this often. */
#define FLOW_POLL_MS 50
#define FLOW_BATCH_WAKEUP (64 * 1024)
/* Wait up to timeout_ms for records and hand them to fn; returns count or -errno. */
int flow_obs__poll(struct flow_obs *f, int timeout_ms);
int flow_obs__rb_fd(struct flow_obs *f);
int flow_obs__stats_fd(struct flow_obs *f);
/* Summed flow_stats (enum bl_stat / enum flow_stat slots). */
int flow_obs__stats(struct flow_obs *f, uint64_t *out, int n);
struct bl_flow_tuple;
struct flow_owner_val;
/* Who opened the TCP connection t (client → server); -ENOENT if unknown. */
int flow_obs__owner(struct flow_obs *f, const struct bl_flow_tuple *t,
		    struct flow_owner_val *out);
struct l7_agg_key;
struct l7_agg_val;
/* Call fn for every l7_agg entry, summed over CPUs. */
int flow_obs__l7_agg(struct flow_obs *f,
		     void (*fn)(const struct l7_agg_key *k,
				const struct l7_agg_val *v, void *ctx),
		     void *ctx);
/* Name of ifindex as attached (the netns may not be ours). */
const char *flow_obs__ifname(struct flow_obs *f, uint32_t ifindex);
void flow_obs__close(struct flow_obs *f);

#endif
