/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Kernel-side layout of the flow table (flow_map) and the flow module's
 * counters. User space reads both, so it includes this header too; it needs
 * only abi.h's types.
 */
#ifndef BPFLAB_OBSERVE_FLOW_BPF_H
#define BPFLAB_OBSERVE_FLOW_BPF_H

#include "abi/abi.h"

#define FLOW_MAX_ENTRIES 16384

#ifndef TC_ACT_UNSPEC
#define TC_ACT_UNSPEC (-1) /* no opinion: the next tc program decides */
#endif
#ifndef ETH_P_IP
#define ETH_P_IP 0x0800
#endif
#ifndef ETH_HLEN
#define ETH_HLEN 14
#endif

/* flow_stats slots after the common ones (enum bl_stat). */
enum flow_stat {
	FLOW_STAT_PACKETS = 3, /* every packet the hooks saw */
	FLOW_STAT_NOT_IPV4 = 4, /* not followed: IPv6, ARP, short */
	FLOW_STAT_L7_PAIRED = 5, /* HTTP request/response pairs emitted */
	FLOW_STAT_L7_UNPARSED = 6, /* responses without a request, pipelined */
	/* Pairs counted in l7_agg but sent as no record (the record budget):
	 * sampled, not lost. */
	FLOW_STAT_L7_SAMPLED = 7,
};

/* One direction of a connection (key: its bl_flow_tuple). */
struct flow_val {
	__u64 packets; /* every packet of this direction */
	__u64 bytes; /* skb->len summed */
	__u64 first_ns; /* ktime of the first packet */
	__u64 last_ns; /* coarse ktime (a tick) of the latest packet */
	__u64 req_ns; /* HTTP: a request is waiting for its response since */
	__u32 ifindex; /* interface of the latest packet */
	__u8 flags_seen; /* OR of TCP flags */
	__u8 reply; /* the reverse tuple was seen first */
	__u8 ended; /* FIN/RST already reported */
	__u8 method; /* L7: pending request's method / MySQL command */
	__u8 l7proto; /* L7: pending request's enum bl_l7_proto */
	__u8 l7_seen; /* L7: a pair of this connection was already recorded */
	__u8 pad[6];
	char path[BL_HTTP_PATH_LEN]; /* L7: pending request's text */
};

/*
 * Who opened a TCP connection: recorded in process context when the socket
 * enters SYN_SENT (keyed by the socket), moved under the connection's tuple
 * when it is established (the source port is known only then).
 */
struct flow_owner_val {
	__u32 pid; /* tgid */
	__u32 pad;
	__u64 cgroup_id;
	char comm[16];
};

#define FLOW_OWNER_ENTRIES 8192

/*
 * In-kernel L7 aggregation: every request/response pair is counted here,
 * per client address, server address and port, protocol, method and
 * status, with its latency in Hubble's histogram buckets. Metrics read
 * this map, so they count every request whether or not the record budget
 * sent a record for it.
 */
#define L7_AGG_ENTRIES 4096
/* Upper bounds of the latency buckets in microseconds (Hubble's, in s:
 * 0.005 ... 10); the last bucket is +Inf. */
#define L7_LAT_BOUNDS_US                                                     \
	5000, 10000, 25000, 50000, 100000, 250000, 500000, 1000000, 2500000, \
		5000000, 10000000
#define L7_LAT_BUCKETS 12

struct l7_agg_key {
	__u32 saddr; /* client, network order */
	__u32 daddr; /* server, network order */
	__u16 dport; /* server port, host order */
	__u8 proto; /* enum bl_l7_proto */
	__u8 method; /* enum bl_http_method; MySQL: the command byte */
	__u16 status; /* HTTP status; MySQL: enum bl_mysql_status */
	__u16 pad;
};

struct l7_agg_val {
	__u64 count;
	__u64 lat_sum_ns;
	__u64 bucket[L7_LAT_BUCKETS]; /* not cumulative: one bucket per pair */
};

/* The record budget's per-CPU window (one second). */
struct l7_budget {
	__u64 win_ns; /* start of the current window */
	__u64 sent; /* ordinary records sent in it */
};

#endif
