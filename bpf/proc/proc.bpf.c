// SPDX-License-Identifier: GPL-2.0
/*
 * The process table: fork, exec and exit from sched tracepoints (tp_btf, no
 * tracefs needed). The kernel keeps execve_map (tgid → current exec and its
 * parent) so other modules can name a process by exec_id; user space gets
 * one record per fork/exec/exit and keeps the full tree.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_tracing.h>

#include "util/common.bpf.h"
#include "proc/proc.bpf.h"

char LICENSE[] SEC("license") = "GPL";

/* Filled by user space before load: report forks too (process tree links). */
const volatile bool report_forks = true;

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 4 << 20);
} proc_rb SEC(".maps");

BL_DECLARE_STATS(proc_stats);

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 65536);
	__type(key, __u32); /* tgid */
	__type(value, struct bl_proc_entry);
} execve_map SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct bl_cwd_scratch);
} cwd_scratch SEC(".maps");

static __always_inline void parent_key(__u32 ppid, struct bl_proc_key *out,
				       __u16 *flags)
{
	struct bl_proc_entry *pe = bpf_map_lookup_elem(&execve_map, &ppid);

	if (pe) {
		*out = pe->key;
		return;
	}
	/* started before us and never seen: user space resolves it by pid */
	out->pid = ppid;
	out->ktime = 0;
	*flags |= BL_EXEC_PARENT_UNKNOWN;
}

SEC("tp_btf/sched_process_fork")
int BPF_PROG(bl_proc_fork, struct task_struct *parent,
	     struct task_struct *child)
{
	struct bl_proc_entry entry = {};
	struct bl_fork_event *ev;
	__u32 tgid = BPF_CORE_READ(child, tgid);
	__u16 flags = 0;

	if ((__u32)BPF_CORE_READ(child, pid) != tgid)
		return 0; /* a thread, not a process */
	entry.key.pid = tgid;
	entry.key.ktime = bpf_ktime_get_ns();
	parent_key(BPF_CORE_READ(parent, tgid), &entry.parent, &flags);
	entry.cgroup_id = task_cgroup_id(child);
	bpf_map_update_elem(&execve_map, &tgid, &entry, BPF_ANY);
	if (!report_forks)
		return 0;
	ev = bl_rb_reserve(&proc_rb, &proc_stats, sizeof(*ev));
	if (!ev)
		return 0;
	bl_hdr_init(&ev->hdr, BL_OP_FORK, sizeof(*ev));
	ev->hdr.ktime = entry.key.ktime;
	ev->hdr.flags = flags;
	ev->proc = entry.key;
	ev->parent = entry.parent;
	ev->cgroup_id = entry.cgroup_id;
	BPF_CORE_READ_STR_INTO(&ev->comm, child, comm);
	bl_rb_submit_batched(ev, &proc_rb);
	return 0;
}

SEC("tp_btf/sched_process_exec")
int BPF_PROG(bl_proc_exec, struct task_struct *t, pid_t old_pid,
	     struct linux_binprm *bprm)
{
	struct bl_proc_entry *cur, entry = {};
	struct bl_cwd_scratch *scratch;
	struct bl_exec_event *ev;
	__u32 tgid = BPF_CORE_READ(t, tgid), zero = 0;
	__u16 flags = 0;
	long n;

	entry.key.pid = tgid;
	entry.key.ktime = bpf_ktime_get_ns();
	entry.cgroup_id = task_cgroup_id(t);
	cur = bpf_map_lookup_elem(&execve_map, &tgid);
	if (cur)
		entry.parent = cur->parent; /* the forker stays the parent */
	else
		parent_key(BPF_CORE_READ(t, real_parent, tgid), &entry.parent,
			   &flags);
	bpf_map_update_elem(&execve_map, &tgid, &entry, BPF_ANY);

	ev = bl_rb_reserve(&proc_rb, &proc_stats, sizeof(*ev));
	if (!ev)
		return 0;
	bl_hdr_init(&ev->hdr, BL_OP_EXEC, sizeof(*ev));
	ev->hdr.ktime = entry.key.ktime;
	ev->proc = entry.key;
	ev->parent = entry.parent;
	ev->tid = BPF_CORE_READ(t, pid);
	ev->ppid = BPF_CORE_READ(t, real_parent, tgid);
	ev->uid = BPF_CORE_READ(t, real_cred, uid.val);
	ev->auid = BPF_CORE_READ(t, loginuid.val);
	ev->cgroup_id = entry.cgroup_id;
	task_ns_pid(t, &ev->ns_pid, &ev->pidns_inum);
	BPF_CORE_READ_STR_INTO(&ev->comm, t, comm);
	n = bpf_probe_read_kernel_str(ev->path, sizeof(ev->path),
				      BPF_CORE_READ(bprm, filename));
	ev->path_len = n > 0 ? n - 1 : 0;
	ev->args_len = read_args(t, ev->args, &flags);
	scratch = bpf_map_lookup_elem(&cwd_scratch, &zero);
	if (scratch)
		ev->cwd_len = read_cwd(t, scratch, ev->cwd, &flags);
	else
		bl_stat_inc(&proc_stats, BL_STAT_ERRORS);
	ev->hdr.flags = flags;
	bl_rb_submit_batched(ev, &proc_rb);
	return 0;
}

SEC("tp_btf/sched_process_exit")
int BPF_PROG(bl_proc_exit, struct task_struct *t, bool group_dead)
{
	struct bl_proc_entry *cur;
	struct bl_exit_event *ev;
	__u32 tgid = BPF_CORE_READ(t, tgid);

	if (!group_dead)
		return 0; /* other threads still run */
	cur = bpf_map_lookup_elem(&execve_map, &tgid);
	ev = bl_rb_reserve(&proc_rb, &proc_stats, sizeof(*ev));
	if (ev) {
		bl_hdr_init(&ev->hdr, BL_OP_EXIT, sizeof(*ev));
		ev->proc.pid = tgid;
		ev->proc.ktime = cur ? cur->key.ktime : 0;
		ev->tid = BPF_CORE_READ(t, pid);
		ev->exit_code = BPF_CORE_READ(t, exit_code);
		ev->cgroup_id = task_cgroup_id(t);
		bl_rb_submit_batched(ev, &proc_rb);
	}
	bpf_map_delete_elem(&execve_map, &tgid);
	return 0;
}
