// SPDX-License-Identifier: GPL-2.0
/*
 * The floor for `bpflab bench enforce`: an empty program on the same hook
 * the enforce module uses (tp_btf/sys_enter, a BTF raw tracepoint on every
 * syscall). Whatever bpflab adds above this is its own cost.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

char LICENSE[] SEC("license") = "GPL";

SEC("tp_btf/sys_enter")
int BPF_PROG(bl_bench_floor, struct pt_regs *regs, long id)
{
	return 0;
}

/*
 * The per-syscall alternative: an empty program on one syscall's own
 * tracepoint. Only write() runs it; every other syscall still takes the
 * traced slow path and a bitmap test (perf_syscall_enter).
 */
SEC("tracepoint/syscalls/sys_enter_write")
int bl_bench_tpw(void *ctx)
{
	return 0;
}
