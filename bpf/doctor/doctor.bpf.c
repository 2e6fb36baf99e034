// SPDX-License-Identifier: GPL-2.0
/*
 * One tiny program per kernel feature `bpflab doctor` measures. User space
 * loads them one at a time (bpf_program__set_autoload), attaches each to a
 * harmless hook, triggers it and reads `hits`: a probe that loads and
 * attaches but never runs is reported as "partial", not "yes".
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include "doctor/doctor.bpf.h"

/* Load-time knobs, set through skel->rodata. */
const volatile __u32 targ_tgid; /* count only this process (0: anyone) */
const volatile __s64 targ_nr; /* syscall number the raw hooks filter on */
const volatile __u32 targ_sig; /* signal bl_dr_signal sends */

__u64 hits; /* times a probe ran for its target */

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 4096);
} dr_events SEC(".maps");

static __always_inline bool is_target(void)
{
	return !targ_tgid || bpf_get_current_pid_tgid() >> 32 == targ_tgid;
}

static __always_inline void count_hit(void)
{
	__sync_fetch_and_add(&hits, 1);
}

static __always_inline void count_if_target(void)
{
	if (is_target())
		count_hit();
}

SEC("tp/syscalls/sys_enter_getppid")
int bl_dr_tp(void *ctx)
{
	count_if_target();
	return 0;
}

SEC("raw_tp/sys_enter")
int bl_dr_raw_tp(struct bpf_raw_tracepoint_args *ctx)
{
	/* sys_enter(struct pt_regs *regs, long id) */
	if ((__s64)ctx->args[1] == targ_nr)
		count_if_target();
	return 0;
}

SEC("tp_btf/sys_enter")
int BPF_PROG(bl_dr_tp_btf, struct pt_regs *regs, long id)
{
	if (id == targ_nr)
		count_if_target();
	return 0;
}

SEC("tc")
int bl_dr_tc(struct __sk_buff *skb)
{
	count_hit(); /* attached in a private netns: every packet is ours */
	return DR_TC_ACT_OK;
}

SEC("xdp")
int bl_dr_xdp(struct xdp_md *ctx)
{
	count_hit();
	return XDP_PASS;
}

/* Cgroup hooks sit on a temporary cgroup holding only the doctor's child. */
SEC("cgroup/connect4")
int bl_dr_connect4(struct bpf_sock_addr *ctx)
{
	count_hit();
	return 1; /* allow */
}

SEC("cgroup/sendmsg4")
int bl_dr_sendmsg4(struct bpf_sock_addr *ctx)
{
	count_hit();
	return 1;
}

SEC("cgroup/sock_create")
int bl_dr_sock(struct bpf_sock *ctx)
{
	count_hit();
	return 1;
}

SEC("cgroup/dev")
int bl_dr_dev(struct bpf_cgroup_dev_ctx *ctx)
{
	count_hit();
	return 1;
}

/* getppid() reaches __task_pid_nr_ns() on every kernel since 4.x. */
SEC("kprobe/__task_pid_nr_ns")
int bl_dr_kprobe(struct pt_regs *ctx)
{
	count_if_target();
	return 0;
}

SEC("fentry/__task_pid_nr_ns")
int BPF_PROG(bl_dr_fentry)
{
	count_if_target();
	return 0;
}

SEC("lsm/file_open")
int BPF_PROG(bl_dr_lsm, struct file *file)
{
	count_if_target();
	return 0; /* allow */
}

SEC("raw_tp/sys_enter")
int bl_dr_ringbuf(struct bpf_raw_tracepoint_args *ctx)
{
	__u64 *rec;

	if ((__s64)ctx->args[1] != targ_nr || !is_target())
		return 0;
	rec = bpf_ringbuf_reserve(&dr_events, sizeof(*rec), 0);
	if (!rec)
		return 0;
	*rec = DR_RINGBUF_MAGIC;
	bpf_ringbuf_submit(rec, 0);
	count_hit();
	return 0;
}

SEC("tp/syscalls/sys_enter_getppid")
int bl_dr_signal(void *ctx)
{
	if (!is_target())
		return 0;
	if (!bpf_send_signal(targ_sig))
		count_hit();
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
