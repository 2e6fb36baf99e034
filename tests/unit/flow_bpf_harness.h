/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the flow programs' BPF_PROG_TEST_RUN tests share: load flow.bpf.c
 * (with its load-time knobs), collect its ring-buffer records, run a
 * crafted Ethernet/IPv4/TCP packet through bl_flow_ingress, and sum a
 * flow_stats slot. Include once per test file, after cmocka.h.
 */
#ifndef BPFLAB_TESTS_FLOW_BPF_HARNESS_H
#define BPFLAB_TESTS_FLOW_BPF_HARNESS_H

#include <arpa/inet.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <linux/tcp.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include "abi/abi.h"
#include "observe/flow.bpf.h"
#include "skel/flow.skel.h"

#define FLOW_ENV_EVENTS 32

struct flow_env {
	struct flow_bpf *skel;
	struct ring_buffer *rb;
	int n; /* records in ev, oldest first */
	union {
		struct bl_hdr hdr;
		struct bl_flow_event flow;
		struct bl_l7_event l7;
	} ev[FLOW_ENV_EVENTS];
};

static int flow_env_collect(void *ctx, void *data, size_t len)
{
	struct flow_env *e = ctx;

	if (e->n < FLOW_ENV_EVENTS && len <= sizeof(e->ev[0]))
		memcpy(&e->ev[e->n++], data, len);
	return 0;
}

/* Load with the L7 record budget l7_rate (per CPU; 0: every record). */
static int flow_env_open(struct flow_env *e, uint32_t l7_rate)
{
	memset(e, 0, sizeof(*e));
	e->skel = flow_bpf__open();
	if (!e->skel)
		return -1;
	e->skel->rodata->l7_rate = l7_rate;
	if (flow_bpf__load(e->skel))
		return -1;
	e->rb = ring_buffer__new(bpf_map__fd(e->skel->maps.flow_rb),
				 flow_env_collect, e, NULL);
	return e->rb ? 0 : -1;
}

static void flow_env_close(struct flow_env *e)
{
	ring_buffer__free(e->rb);
	flow_bpf__destroy(e->skel);
}

/* One TCP packet src:sport → dst:dport through bl_flow_ingress; then the
 * records it produced are in e->ev. */
static void flow_send_tcp(struct flow_env *e, const char *src, uint16_t sport,
			  const char *dst, uint16_t dport, uint8_t flags,
			  const void *payload, size_t plen)
{
	unsigned char pkt[512] = { 0 };
	struct ethhdr *eth = (void *)pkt;
	struct iphdr *ip = (void *)(eth + 1);
	struct tcphdr *th = (void *)(ip + 1);
	size_t len = sizeof(*eth) + sizeof(*ip) + sizeof(*th) + plen;
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = pkt,
		    .data_size_in = len, .repeat = 1);

	assert_true(len <= sizeof(pkt));
	eth->h_proto = htons(ETH_P_IP);
	memcpy(eth->h_dest, "\x02\x00\x00\x00\x00\x02", 6);
	memcpy(eth->h_source, "\x02\x00\x00\x00\x00\x01", 6);
	ip->version = 4;
	ip->ihl = 5;
	ip->ttl = 64;
	ip->protocol = IPPROTO_TCP;
	ip->tot_len = htons(len - sizeof(*eth));
	inet_pton(AF_INET, src, &ip->saddr);
	inet_pton(AF_INET, dst, &ip->daddr);
	th->source = htons(sport);
	th->dest = htons(dport);
	th->doff = 5;
	((unsigned char *)th)[13] = flags;
	if (plen)
		memcpy(th + 1, payload, plen);
	assert_int_equal(
		bpf_prog_test_run_opts(
			bpf_program__fd(e->skel->progs.bl_flow_ingress), &opts),
		0);
	/* the flow programs never change a verdict */
	assert_int_equal((int)opts.retval, TC_ACT_UNSPEC);
	ring_buffer__consume(e->rb);
}

/* The same with a text payload (NULL: none). */
static void flow_send_text(struct flow_env *e, const char *src, uint16_t sport,
			   const char *dst, uint16_t dport, uint8_t flags,
			   const char *payload)
{
	flow_send_tcp(e, src, sport, dst, dport, flags, payload,
		      payload ? strlen(payload) : 0);
}

/* cmocka: the group's environment, or skip when not root. */
static struct flow_env *flow_env_or_skip(void **state)
{
	if (geteuid() != 0 || !*state)
		skip();
	return *state;
}

static int flow_env_teardown(void **state)
{
	if (*state)
		flow_env_close(*state);
	return 0;
}

/* flow_stats slot which, summed over CPUs. */
static uint64_t flow_env_stat(struct flow_env *e, uint32_t which)
{
	int ncpus = libbpf_num_possible_cpus();
	uint64_t vals[ncpus], sum = 0;

	assert_int_equal(
		bpf_map_lookup_elem(bpf_map__fd(e->skel->maps.flow_stats),
				    &which, vals),
		0);
	for (int i = 0; i < ncpus; i++)
		sum += vals[i];
	return sum;
}

#endif
