// SPDX-License-Identifier: GPL-2.0
/*
 * Resource use: on-CPU time per process and per cgroup, charged at every
 * context switch (tp_btf/sched_switch), and syscalls per process and per
 * cgroup (raw_tp/sys_enter). Everything is in per-CPU maps, so the hot path
 * takes no lock and shares no cache line; user space sums over CPUs.
 *
 * The slice a task is running right now is not charged until it is switched
 * out, so each CPU also records who it switched in and when (usage_cpu):
 * user space adds that open slice to its snapshot, and a CPU hog that is
 * never preempted is still seen.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>

#include "util/common.bpf.h"

#define USAGE_MAX_PROCS 16384
#define USAGE_MAX_CGROUPS 4096

char LICENSE[] SEC("license") = "GPL";

struct {
	__uint(type, BPF_MAP_TYPE_LRU_PERCPU_HASH);
	__uint(max_entries, USAGE_MAX_PROCS);
	__type(key, __u32); /* tgid */
	__type(value, struct bl_usage_val);
} usage_procs SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_PERCPU_HASH);
	__uint(max_entries, USAGE_MAX_CGROUPS);
	__type(key, __u64); /* cgroup v2 id */
	__type(value, struct bl_usage_val);
} usage_cgroups SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct bl_usage_cpu);
} usage_cpu SEC(".maps");

BL_DECLARE_STATS(usage_stats);

/* The slot for key, created zeroed on first use; NULL only if the map is full. */
static __always_inline struct bl_usage_val *usage_slot(void *map,
						       const void *key)
{
	static const struct bl_usage_val zero;
	struct bl_usage_val *v = bpf_map_lookup_elem(map, key);

	if (v)
		return v;
	/* -EEXIST from a racing CPU is fine: the lookup below finds its slot. */
	bpf_map_update_elem(map, key, &zero, BPF_NOEXIST);
	v = bpf_map_lookup_elem(map, key);
	if (!v)
		bl_stat_inc(&usage_stats, BL_STAT_ERRORS);
	return v;
}

static __always_inline __u64 task_cgroup_id(struct task_struct *t)
{
	return BPF_CORE_READ(t, cgroups, dfl_cgrp, kn, id);
}

/* Charge prev for the slice since the last switch on this CPU. */
static __always_inline void
charge_cpu(struct task_struct *prev, const struct bl_usage_cpu *cur, __u64 now)
{
	struct bl_usage_val *v;
	__u64 delta, cgid;
	__u32 tgid = BPF_CORE_READ(prev, tgid);

	/* Nothing to charge before the first switch or for the idle task. */
	if (!cur->since || !tgid || now <= cur->since)
		return;
	delta = now - cur->since;
	cgid = task_cgroup_id(prev);
	v = usage_slot(&usage_procs, &tgid);
	if (v) {
		v->cpu_ns += delta;
		v->cgroup_id = cgid;
		BPF_CORE_READ_STR_INTO(&v->comm, prev, group_leader, comm);
	}
	v = usage_slot(&usage_cgroups, &cgid);
	if (v)
		v->cpu_ns += delta;
}

SEC("tp_btf/sched_switch")
int BPF_PROG(bl_sched_switch, bool preempt, struct task_struct *prev,
	     struct task_struct *next)
{
	__u32 zero = 0;
	struct bl_usage_cpu *cur = bpf_map_lookup_elem(&usage_cpu, &zero);
	__u64 now = bpf_ktime_get_ns();

	if (!cur)
		return 0;
	charge_cpu(prev, cur, now);
	cur->since = now;
	cur->tgid = BPF_CORE_READ(next, tgid);
	cur->cgroup_id = cur->tgid ? task_cgroup_id(next) : 0;
	return 0;
}

SEC("raw_tp/sys_enter")
int BPF_PROG(bl_sys_enter, struct pt_regs *regs, long id)
{
	__u32 tgid = bpf_get_current_pid_tgid() >> 32;
	__u64 cgid = bpf_get_current_cgroup_id();
	struct bl_usage_val *v;

	v = usage_slot(&usage_procs, &tgid);
	if (v) {
		v->syscalls++;
		/* A process that never blocked yet still gets its name. */
		if (!v->comm[0]) {
			bpf_get_current_comm(&v->comm, sizeof(v->comm));
			v->cgroup_id = cgid;
		}
	}
	v = usage_slot(&usage_cgroups, &cgid);
	if (v)
		v->syscalls++;
	return 0;
}
