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
#define BL_DECLARE_STATS(name)                           \
	struct {                                         \
		__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY); \
		__uint(max_entries, BL_STAT_MAX);        \
		__type(key, __u32);                      \
		__type(value, __u64);                    \
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

/*
 * Submit without waking user space until BL_RB_WAKEUP_BYTES are pending:
 * at tens of thousands of records a second a wake-up per record costs more
 * than the records. The engine also polls every few ms, so a lone record
 * still arrives promptly. Records that must be seen at once (kills) use
 * bpf_ringbuf_submit(rec, 0).
 */
#define BL_RB_WAKEUP_BYTES (256 << 10)

static __always_inline void bl_rb_submit_batched(void *rec, void *rb)
{
	__u64 pending = bpf_ringbuf_query(rb, BPF_RB_AVAIL_DATA);

	bpf_ringbuf_submit(rec, pending >= BL_RB_WAKEUP_BYTES ?
					BPF_RB_FORCE_WAKEUP :
					BPF_RB_NO_WAKEUP);
}

static __always_inline void bl_hdr_init(struct bl_hdr *h, __u16 op, __u32 size)
{
	h->op = op;
	h->flags = 0;
	h->size = size;
	h->ktime = bpf_ktime_get_ns();
}

#endif
