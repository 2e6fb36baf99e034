/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the guest agent and its BPF-LSM programs share (bpf/lsm/lsm.bpf.c,
 * agent/). These programs never load on the host (its trampolines are
 * locked down, HOST.md); they run inside a vm sandbox's guest kernel.
 */
#ifndef BPFLAB_LSM_ABI_H
#define BPFLAB_LSM_ABI_H

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

#define LSM_MAX_INODES 1024
#define LSM_COMM_LEN 16
#define LSM_PATH_LEN 128

/* An inode as the kernel names it: s_dev in kernel encoding, i_ino. */
struct bl_lsm_key {
	__u64 dev;
	__u64 ino;
};

enum bl_lsm_rule_flags {
	LSM_RULE_DENY =
		1 << 0, /* enforce: fail with -EPERM; else report only */
	LSM_RULE_ACTIVE = 1 << 1, /* bl_lsm_sys: this syscall has a rule */
};

struct bl_lsm_rule {
	__u32 policy; /* the agent's index of the policy and path */
	__u32 flags;
};

enum bl_lsm_hook {
	LSM_HOOK_FILE_OPEN = 1,
	LSM_HOOK_FILE_PERMISSION,
	LSM_HOOK_PATH_TRUNCATE,
	LSM_HOOK_PATH_RENAME,
	LSM_HOOK_PATH_UNLINK,
	LSM_HOOK_EXEC, /* not a denial: a process_exec record */
	LSM_HOOK_SOCKET_CONNECT,
	/* a listed syscall (container-escape): denied by the hook it reaches */
	LSM_HOOK_SB_MOUNT,
	LSM_HOOK_SB_PIVOTROOT,
	LSM_HOOK_KERNEL_READ_FILE, /* finit_module */
	LSM_HOOK_KERNEL_LOAD_DATA, /* init_module */
	LSM_HOOK_CAPABLE, /* setns, unshare, open_by_handle_at: no own hook */
	LSM_HOOK_SYSCALL, /* reported at its exit: monitor, or no hook acted */
	LSM_HOOK_RELEASE_AGENT, /* file_open of a cgroup v1 release_agent */
};

/* x86_64 syscall numbers fit below this (the bl_lsm_sys array) */
#define LSM_MAX_SYSCALLS 512

/* A thread inside a listed syscall, between sys_enter and sys_exit. */
struct bl_lsm_mark {
	__u32 nr; /* the syscall */
	__u32 policy;
	__u32 flags; /* the rule's */
	__u32 reported; /* a hook already sent its event */
};

#define LSM_MAX_NETS 256

/* An IPv4 destination network (LPM trie key: prefix length first). */
struct bl_lsm_net {
	__u32 prefixlen;
	__u32 addr; /* network byte order */
};

struct bl_lsm_event {
	__u64 ktime;
	__u64 dev, ino;
	__u32 hook; /* enum bl_lsm_hook */
	__u32 policy;
	__u32 pid, tid, ppid, uid;
	__s32 ret; /* what the hook returned: 0 or -EPERM */
	__u32 daddr; /* socket_connect: destination, network byte order */
	__u16 dport; /* host byte order */
	__u16 denied; /* 1: the hook failed the operation with EPERM */
	__u32 sysnr; /* a listed syscall's number */
	__s64 sysret; /* LSM_HOOK_SYSCALL: what the syscall returned */
	char comm[LSM_COMM_LEN];
	/* exec: the file name; sb_mount: the source; module: the file */
	char path[LSM_PATH_LEN];
};

#endif
