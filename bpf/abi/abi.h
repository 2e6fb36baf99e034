/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Types shared by the kernel programs and user space. Fixed-width fields,
 * explicit padding, no bitfields, no pointers. Every ring-buffer record starts
 * with struct bl_hdr. Op numbers are never reused: add new ones at the end.
 */
#ifndef BPFLAB_ABI_H
#define BPFLAB_ABI_H

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

enum bl_op {
	BL_OP_EXEC = 1, /* a process image was replaced (execve) */
	BL_OP_EXIT = 2, /* the last thread of a process left */
	BL_OP_FORK = 3, /* a new process (not a thread) was created */
	BL_OP_ENFORCE = 4, /* an enforcement rule matched (post/kill/deny) */
	BL_OP_FLOW = 5, /* a network flow record */
	BL_OP_L7 = 6, /* an L7 request/response record */
	BL_OP_LB = 7, /* a load-balancer translation */
	BL_OP_MAX,
};

#define BL_COMM_LEN 16
#define BL_PATH_LEN 256
#define BL_ARGS_LEN 512 /* NUL-separated argv, truncated */
#define BL_CWD_LEN 256

struct bl_hdr {
	__u16 op; /* enum bl_op */
	__u16 flags; /* op-specific */
	__u32 size; /* bytes of the whole record, header included */
	__u64 ktime; /* bpf_ktime_get_ns() at the event */
};

/* Identity of a process instance: (tgid, ktime of its exec) is unique per boot. */
struct bl_proc_key {
	__u32 pid; /* tgid */
	__u32 pad;
	__u64 ktime; /* exec (or fork, for a process that never exec'd) ktime */
};

enum bl_exec_flags {
	BL_EXEC_ARGS_TRUNC = 1 << 0, /* argv did not fit in args[] */
	BL_EXEC_CWD_TRUNC = 1 << 1, /* cwd walk stopped before the root */
	BL_EXEC_PARENT_UNKNOWN = 1 << 2, /* parent not in the kernel table */
};

struct bl_exec_event {
	struct bl_hdr hdr; /* op = BL_OP_EXEC, flags = bl_exec_flags */
	struct bl_proc_key proc; /* the new exec */
	struct bl_proc_key parent; /* the parent's current exec */
	__u32 tid; /* thread that called execve */
	__u32 ppid; /* parent tgid */
	__u32 uid; /* real uid */
	__u32 auid; /* loginuid, (u32)-1 when unset */
	__u64 cgroup_id; /* cgroup v2 id (inode of the directory) */
	__u32 ns_pid; /* pid inside the task's own pid namespace */
	__u32 pidns_inum; /* pid namespace inode number */
	__u16 args_len; /* bytes used in args[] */
	__u16 cwd_len; /* bytes used in cwd[] */
	__u16 path_len; /* bytes used in path[] */
	__u16 pad;
	char comm[BL_COMM_LEN]; /* task comm after exec */
	char path[BL_PATH_LEN]; /* binary as execve resolved it */
	char cwd[BL_CWD_LEN]; /* working directory */
	char args[BL_ARGS_LEN]; /* argv[1..], NUL-separated */
};

struct bl_exit_event {
	struct bl_hdr hdr; /* op = BL_OP_EXIT */
	struct bl_proc_key proc; /* the exec that ended */
	__u32 tid; /* thread that was last out */
	__u32 exit_code; /* wait status: (status << 8) | signal */
	__u64 cgroup_id; /* cgroup v2 id at exit */
};

struct bl_fork_event {
	struct bl_hdr hdr; /* op = BL_OP_FORK */
	struct bl_proc_key proc; /* the child: pid, ktime of the fork */
	struct bl_proc_key parent; /* the parent's current exec */
	__u64 cgroup_id; /* child's cgroup v2 id */
	char comm[BL_COMM_LEN]; /* inherited comm */
};

/* Value of the in-kernel process table (proc module's execve_map). */
struct bl_proc_entry {
	struct bl_proc_key key; /* this process's current exec */
	struct bl_proc_key parent; /* its parent's exec at fork time */
	__u64 cgroup_id; /* cgroup at exec */
	__u32 flags; /* reserved */
	__u32 pad;
};

/* Per-CPU counters every module keeps, indexed by enum bl_stat. */
enum bl_stat {
	BL_STAT_EVENTS = 0, /* records submitted */
	BL_STAT_LOST = 1, /* ring buffer full: record dropped */
	BL_STAT_ERRORS = 2, /* helper failures (read, lookup) */
	BL_STAT_MAX = 8,
};

_Static_assert(sizeof(struct bl_exec_event) ==
		       88 + BL_COMM_LEN + BL_PATH_LEN + BL_CWD_LEN + BL_ARGS_LEN,
	       "bl_exec_event layout drift");
_Static_assert(sizeof(struct bl_hdr) == 16, "bl_hdr layout drift");
_Static_assert(sizeof(struct bl_exit_event) == 48, "bl_exit_event drift");
_Static_assert(sizeof(struct bl_fork_event) == 72, "bl_fork_event drift");

#endif /* BPFLAB_ABI_H */
