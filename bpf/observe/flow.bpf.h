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
	/* slot 7 (BL_STAT_MAX - 1) is free */
};

/* One direction of a connection (key: its bl_flow_tuple). */
struct flow_val {
	__u64 packets; /* every packet of this direction */
	__u64 bytes; /* skb->len summed */
	__u64 first_ns; /* ktime of the first packet */
	__u64 last_ns; /* ktime of the latest packet */
	__u64 req_ns; /* HTTP: a request is waiting for its response since */
	__u32 ifindex; /* interface of the latest packet */
	__u8 flags_seen; /* OR of TCP flags */
	__u8 reply; /* the reverse tuple was seen first */
	__u8 ended; /* FIN/RST already reported */
	__u8 method; /* L7: pending request's method / MySQL command */
	__u8 l7proto; /* L7: pending request's enum bl_l7_proto */
	__u8 pad[7];
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

#endif
