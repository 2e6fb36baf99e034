/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Map layouts shared by lb.bpf.c and user space. Addresses and ports are in
 * network byte order everywhere, as the hooks see them.
 */
#ifndef BPFLAB_LB_ABI_H
#define BPFLAB_LB_ABI_H

#define LB_MAX_SVC 65536 /* service ids are 1..LB_MAX_SVC-1 */
#define LB_MAX_BE 262144 /* backend ids are 1..LB_MAX_BE-1 */
#define LB_MAX_CT 262144
#define LB_DEFAULT_SLOTS (1u << 22) /* all Maglev tables together, 8 B each */

enum lb_svc_flags {
	LB_SVC_RANDOM = 1 << 0, /* random slot instead of the flow hash */
	LB_SVC_AFFINITY =
		1 << 1, /* a client keeps its backend for affinity_sec */
};

enum lb_be_state {
	LB_BE_ACTIVE = 0,
	LB_BE_DRAINING = 1, /* no new flows; established ones continue */
	LB_BE_DOWN = 2, /* failed health: skipped */
};

struct lb_svc_key {
	__be32 vip;
	__be16 port;
	__u8 proto; /* IPPROTO_TCP / IPPROTO_UDP */
	__u8 pad;
};

struct lb_svc_val {
	__u32 id;
	__u32 table_size; /* slots in this service's Maglev table; 0: no backend */
	__u32 flags; /* enum lb_svc_flags */
	__u32 affinity_sec;
	__u32 base; /* where the table starts in lb_slots */
	__u32 pad;
};

struct lb_be_val {
	__be32 addr;
	__be16 port;
	__u8 proto;
	__u8 state; /* enum lb_be_state */
	__u32 svc_id;
};

/* Session affinity: (service, client) → backend. */
struct lb_aff_key {
	__u32 svc_id;
	__u32 pad;
	__u64 client; /* netns cookie (socket-LB) or client IPv4 (tc) */
};

struct lb_aff_val {
	__u32 be_id;
	__u32 pad;
	__u64 seen_ns;
};

/* Socket-LB translation memory, per socket cookie, both ways. */
struct lb_sk_key {
	__u64 cookie;
	__be32 addr;
	__be16 port;
	__u8 proto;
	__u8 dir; /* enum lb_dir */
};

struct lb_nat {
	__be32 addr;
	__be16 port;
	__u16 pad;
	__u32 be_id;
	__u32 svc_id;
};

enum lb_dir {
	LB_DIR_FWD = 0, /* client → VIP: rewrite the destination to a backend */
	LB_DIR_REV = 1, /* backend → client: rewrite the source to the VIP */
};

/* tc conntrack: the packet's own 5-tuple. */
struct lb_ct_key {
	__be32 saddr;
	__be32 daddr;
	__be16 sport;
	__be16 dport;
	__u8 proto;
	__u8 pad[3];
};

struct lb_ct_val {
	struct lb_nat nat; /* new destination (FWD) or new source (REV) */
	__u8 dir;
	__u8 pad[7];
	__u64 seen_ns;
};

struct lb_svc_stats {
	__u64 conns;
	__u64 bytes;
	__u64 drops; /* no backend */
};

struct lb_be_stats {
	__u64 conns;
	__u64 bytes;
};

#endif
