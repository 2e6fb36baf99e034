/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What every bpflab kernel module shares: the per-CPU stats array and a
 * ring-buffer reserve that counts the records it could not place, so a lost
 * event is always visible to user space (BL_STAT_LOST), never silent.
 */
#ifndef BPFLAB_COMMON_BPF_H
#define BPFLAB_COMMON_BPF_H

#include "abi/abi.h"

/* Declare in each module: the stats map user space reads as "<module>_stats". */
#define BL_DECLARE_STATS(name)                          \
	struct {                                        \
		__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY); \
		__uint(max_entries, BL_STAT_MAX);       \
		__type(key, __u32);                     \
		__type(value, __u64);                   \
	} name SEC(".maps")

static __always_inline void bl_stat_inc(void *stats, __u32 which)
{
	__u64 *v = bpf_map_lookup_elem(stats, &which);

	if (v)
		*v += 1;
}

static __always_inline void *bl_rb_reserve(void *rb, void *stats, __u64 size)
{
	void *rec = bpf_ringbuf_reserve(rb, size, 0);

	bl_stat_inc(stats, rec ? BL_STAT_EVENTS : BL_STAT_LOST);
	return rec;
}

static __always_inline void bl_hdr_init(struct bl_hdr *h, __u16 op, __u32 size)
{
	h->op = op;
	h->flags = 0;
	h->size = size;
	h->ktime = bpf_ktime_get_ns();
}

#endif
