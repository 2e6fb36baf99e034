/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Map layouts and ring-buffer records of the enforce module, shared by
 * enforce.bpf.c and its control plane. Records use op BL_OP_ENFORCE; the
 * header's flags say which record it is.
 *
 * Matching is O(1) in the number of rules: every key (inode, path, syscall
 * number, address prefix) maps to a small set of rule ids, and each rule's
 * selectors are checked with constant work (hash/LPM lookups, fixed arrays).
 */
#ifndef BPFLAB_ENFORCE_ABI_H
#define BPFLAB_ENFORCE_ABI_H

#include "abi/abi.h"

#define ENF_MAX_RULES 16384
#define ENF_SET_MAX 7 /* rules sharing one key */
#define ENF_NAME_LEN 240 /* path keys and binary paths */
#define ENF_NR_WORDS 8 /* 512 syscall numbers as a bitmap */
#define ENF_MAX_NR 512

enum enf_rec { ENF_REC_MATCH = 1, ENF_REC_DEATH = 2 };

enum enf_action {
	ENF_ACTION_POST = 1,
	ENF_ACTION_SIGKILL = 2,
	ENF_ACTION_OVERRIDE = 3,
	ENF_ACTION_SIGNAL = 4,
};

/* Where a match was made, for the event's function_name and args. */
enum enf_where {
	ENF_AT_FD = 1, /* fd argument resolved to a protected inode */
	ENF_AT_PATH = 2, /* path argument matched by name */
	ENF_AT_LEASE = 3, /* a write-open broke the read lease */
	ENF_AT_SYSCALL = 4, /* the syscall itself */
	ENF_AT_CONNECT = 5, /* sockaddr at sys_enter */
	ENF_AT_CGROUP = 6, /* cgroup connect4/sendmsg4 (denied) */
	/*
	 * A write-open or truncate refused with EPERM (the immutable flag on a
	 * protected file stops it before the lease could): the process is
	 * stopped on its way out of the syscall and user space checks the
	 * name it used against the protected inodes, then kills or resumes it.
	 */
	ENF_AT_EPERM = 7,
	/*
	 * The same refusal through a protected name the kernel program
	 * matched itself: killed there, on the way out of the syscall.
	 */
	ENF_AT_EPERM_NAME = 8,
};

enum enf_rule_flags {
	ENF_R_MONITOR = 1 << 0, /* post only, whatever the actions */
	ENF_R_SIGKILL = 1 << 1,
	ENF_R_OVERRIDE = 1 << 2,
	ENF_R_SIGNAL = 1 << 3,
	ENF_R_NOPOST = 1 << 4,
	ENF_R_BIN_IN = 1 << 5, /* binary must match bin_lpm */
	ENF_R_BIN_NOTIN = 1 << 6, /* binary must not match bin_lpm */
	ENF_R_SBX_ANY = 1 << 7, /* any sandbox, never the host */
	ENF_R_SBX_IN = 1 << 8, /* one of sbx[] */
	ENF_R_SBX_NOTIN = 1 << 9, /* none of sbx[] (host included) */
	ENF_R_PID_IN = 1 << 10,
	ENF_R_PID_NOTIN = 1 << 11,
	ENF_R_PORT_IN = 1 << 12,
	ENF_R_PORT_NOTIN = 1 << 13,
	ENF_R_NS_IN = 1 << 14,
	ENF_R_NS_NOTIN = 1 << 15,
	ENF_R_ADDR_NOTIN = 1
			   << 16, /* NotDAddr: excluded prefixes in net_excl */
	ENF_R_OPEN = 1 << 17, /* write-opens of the inode (lease break) */
};

enum enf_ns_kind { ENF_NS_PID = 1, ENF_NS_MNT = 2, ENF_NS_NET = 3 };

struct enf_rule {
	__u32 policy_id; /* user space's policy slot */
	__u32 hook_id; /* selectors of one hook share it: first match wins */
	__u32 flags; /* enum enf_rule_flags */
	__u32 sig; /* Signal's argSig */
	__u64 nr_mask[ENF_NR_WORDS]; /* syscalls the rule covers */
	__u64 sbx[4]; /* sandbox cgroup ids */
	__u32 nsbx;
	__u32 npids;
	__u32 pids[8];
	__u16 ports[8]; /* host order */
	__u32 nports;
	__u32 ns_kind; /* enum enf_ns_kind */
	__u32 ns_inum[4];
	__u32 nns;
	__u32 pad;
};

/* Rules that share one key. */
struct enf_set {
	__u32 n;
	__u32 ids[ENF_SET_MAX];
};

/* ino 0 (no real inode has it): every write-open rule of an immutable file. */
struct enf_inode_key {
	__u64 ino;
	__u32 dev; /* kernel encoding: major << 20 | minor */
	__u32 pad;
};

/* An absolute path (dir_ino == 0) or one name in a directory. */
struct enf_path_key {
	__u64 dir_ino;
	__u32 dir_dev;
	__u32 pad;
	char name[ENF_NAME_LEN];
};

struct enf_net_key {
	__u32 prefixlen;
	__u32 addr; /* network order */
};

/* NotDAddr exclusions, scoped to a rule. */
struct enf_excl_key {
	__u32 prefixlen; /* 32 + prefix */
	__u32 rule; /* big-endian rule id, so the LPM walks it first */
	__u32 addr;
};

/* Binaries, scoped to a rule: exact paths include the NUL. */
struct enf_bin_key {
	__u32 prefixlen; /* 32 + 8 * bytes */
	__u32 rule; /* big-endian */
	char path[ENF_NAME_LEN];
};

/* Per process (tgid): its binary and the sandbox it belongs to. */
struct enf_task {
	__u64 sbx; /* sandbox cgroup id, inherited at fork; 0 = host */
	char bin[ENF_NAME_LEN];
};

struct enf_config {
	__u64 sbx_root_id; /* cgroup id of <cgroup2>/bpflab */
	__u32 sbx_root_level; /* its level in the hierarchy */
	__u32 self_tgid; /* the engine: never killed by its own leases */
};

/* How the kernel program finds its argument for one syscall number. */
enum enf_sc_kind {
	ENF_SC_FD = 1 << 0, /* fd argument → inode */
	ENF_SC_PATH = 1 << 1, /* path argument(s) → name match */
	ENF_SC_NET = 1 << 2, /* sockaddr argument → LPM */
	ENF_SC_PLAIN = 1 << 3, /* the syscall itself */
};

/* One syscall number's dispatch entry (see hooks.h). */
struct enf_sc {
	__u8 kind; /* enum enf_sc_kind */
	__s8 fd_arg;
	__s8 path_arg[2];
	__s8 dfd_arg[2];
	__s8 addr_arg;
	__u8 pad;
};

struct enf_event {
	struct bl_hdr hdr; /* op BL_OP_ENFORCE, flags ENF_REC_MATCH */
	__u32 pid; /* tgid */
	__u32 tid;
	__u32 rule; /* rule id */
	__u32 policy_id;
	__s32 nr; /* syscall number, -1 when unknown */
	__u16 action; /* enum enf_action */
	__u16 where; /* enum enf_where */
	__u64 cgroup_id;
	__u64 sbx; /* sandbox cgroup id, 0 = host */
	__u64 ino; /* matched inode (FD/LEASE) */
	__u32 dev;
	__u32 daddr; /* CONNECT: network order */
	__u16 dport; /* host order */
	__u16 family;
	__u32 uid;
	__u64 args[3]; /* raw syscall arguments 0..2 */
	char comm[BL_COMM_LEN];
	char path[ENF_NAME_LEN]; /* PATH/LEASE: the name as passed */
};

struct enf_death {
	struct bl_hdr hdr; /* op BL_OP_ENFORCE, flags ENF_REC_DEATH */
	__u32 pid;
	__u32 exit_code; /* task->exit_code: the signal in the low bits */
	__u64 kill_ktime; /* syscall entry where the kill was sent */
};

#endif
