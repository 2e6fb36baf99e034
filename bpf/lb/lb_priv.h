/* SPDX-License-Identifier: GPL-2.0 */
/* Internal to bpf/lb: the struct lb and its service records. */
#ifndef BPFLAB_LB_PRIV_H
#define BPFLAB_LB_PRIV_H

#include <stddef.h>
#include <stdint.h>

#include "lab/net/net.h"
#include "lb/lb.h"

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))
#define LB_MAX_TC 64

struct bpf_link;
struct bpf_map;

struct lb_backend {
	uint32_t id;
	uint32_t addr; /* network order */
	uint16_t port; /* host order */
	uint8_t state; /* enum lb_be_state */
	uint32_t weight;
};

struct lb_service {
	char name[LB_NAME_MAX];
	uint32_t id;
	uint32_t vip; /* network order */
	uint16_t port; /* host order */
	uint8_t proto;
	enum lb_algo algo;
	uint32_t affinity_sec;
	uint32_t table_size;
	uint32_t base; /* its table: lb->slots[base, base + table_size) */
	int active; /* backends in the table */
	int nbe, cap_be;
	struct lb_backend *be;
};

struct lb {
	struct lb_bpf *skel;
	struct bpf_link *links[4];
	int cgroup_fd;
	int ncpus;
	uint32_t table_size;
	uint32_t next_svc_id, next_be_id;
	struct lb_service **svcs;
	int nsvcs, cap;
	struct net_tc tc[LB_MAX_TC]; /* tc LB attachments */
	int ntc;
	uint64_t *slots; /* lb_slots, mmap'd */
	uint32_t nslots, slots_next; /* capacity; first never-used slot */
	struct lb_range *free_ranges;
	int nfree, cap_free;
};

struct lb_range {
	uint32_t base, len;
};

/* Room for a table of len slots in lb_slots; -ENOSPC when full. */
int lb_slots_alloc(struct lb *lb, uint32_t len, uint32_t *base);
void lb_slots_free(struct lb *lb, uint32_t base, uint32_t len);

void lb_tc_detach_all(struct lb *lb);
int lb_stats_sum(struct lb *lb, struct bpf_map *map, uint32_t id, size_t size,
		 uint64_t *sum, int nwords);
const struct lb_service *lb_svc_at(const struct lb *lb, int i);

#endif
