// SPDX-License-Identifier: GPL-2.0
/*
 * BPF-LSM enforcement for the guest agent of a vm sandbox: deny a write to a
 * protected inode with -EPERM before the operation (open for write, write,
 * truncate, rename over it, unlink it), and report exec so the host sees
 * the guest's process story. Inodes, not paths: links and renames of the
 * protected name do not get around it. Loads only in the guest.
 */
#include "vmlinux.h"
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include "lsm/lsm_abi.h"

#define EPERM 1
#define FMODE_WRITE 0x2
#define MAY_WRITE 0x2
#define MAY_APPEND 0x8

char LICENSE[] SEC("license") = "GPL";

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, LSM_MAX_INODES);
	__type(key, struct bl_lsm_key);
	__type(value, struct bl_lsm_rule);
} bl_lsm_rules SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, LSM_MAX_NETS);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct bl_lsm_net);
	__type(value, struct bl_lsm_rule);
} bl_lsm_nets SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 256 * 1024);
} bl_lsm_events SEC(".maps");

static __always_inline void fill_task(struct bl_lsm_event *ev)
{
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	__u64 id = bpf_get_current_pid_tgid();

	ev->ktime = bpf_ktime_get_ns();
	ev->pid = id >> 32;
	ev->tid = (__u32)id;
	ev->uid = (__u32)bpf_get_current_uid_gid();
	ev->ppid = BPF_CORE_READ(task, real_parent, tgid);
	bpf_get_current_comm(ev->comm, sizeof(ev->comm));
}

/* The one decision every file hook makes: is inode protected, and how. */
static __always_inline int check_inode(struct inode *inode, __u32 hook)
{
	struct bl_lsm_key key = {};
	struct bl_lsm_rule *rule;
	struct bl_lsm_event *ev;
	int ret;

	if (!inode)
		return 0;
	key.dev = BPF_CORE_READ(inode, i_sb, s_dev);
	key.ino = BPF_CORE_READ(inode, i_ino);
	rule = bpf_map_lookup_elem(&bl_lsm_rules, &key);
	if (!rule)
		return 0;
	ret = rule->flags & LSM_RULE_DENY ? -EPERM : 0;
	ev = bpf_ringbuf_reserve(&bl_lsm_events, sizeof(*ev), 0);
	if (ev) {
		__builtin_memset(ev, 0, sizeof(*ev));
		fill_task(ev);
		ev->hook = hook;
		ev->policy = rule->policy;
		ev->dev = key.dev;
		ev->ino = key.ino;
		ev->ret = ret;
		bpf_ringbuf_submit(ev, 0);
	}
	return ret;
}

SEC("lsm/file_open")
int BPF_PROG(bl_file_open, struct file *file)
{
	if (!(BPF_CORE_READ(file, f_mode) & FMODE_WRITE))
		return 0;
	return check_inode(BPF_CORE_READ(file, f_inode), LSM_HOOK_FILE_OPEN);
}

SEC("lsm/file_permission")
int BPF_PROG(bl_file_perm, struct file *file, int mask)
{
	if (!(mask & (MAY_WRITE | MAY_APPEND)))
		return 0;
	return check_inode(BPF_CORE_READ(file, f_inode),
			   LSM_HOOK_FILE_PERMISSION);
}

SEC("lsm/path_truncate")
int BPF_PROG(bl_path_trunc, const struct path *path)
{
	return check_inode(BPF_CORE_READ(path, dentry, d_inode),
			   LSM_HOOK_PATH_TRUNCATE);
}

/* sed -i and useradd write a new file and rename it over the protected one */
SEC("lsm/path_rename")
int BPF_PROG(bl_path_rename, const struct path *old_dir,
	     struct dentry *old_dentry, const struct path *new_dir,
	     struct dentry *new_dentry)
{
	int ret = check_inode(BPF_CORE_READ(new_dentry, d_inode),
			      LSM_HOOK_PATH_RENAME);

	return ret   ?:
		       check_inode(BPF_CORE_READ(old_dentry, d_inode),
				   LSM_HOOK_PATH_RENAME);
}

SEC("lsm/path_unlink")
int BPF_PROG(bl_path_unlink, const struct path *dir, struct dentry *dentry)
{
	return check_inode(BPF_CORE_READ(dentry, d_inode),
			   LSM_HOOK_PATH_UNLINK);
}

/* a reverse shell or beacon calling a protected network (c2-connect) */
SEC("lsm/socket_connect")
int BPF_PROG(bl_sk_connect, struct socket *sock, struct sockaddr *address,
	     int addrlen)
{
	struct bl_lsm_net key = { .prefixlen = 32 };
	struct sockaddr_in sin = {};
	struct bl_lsm_rule *rule;
	struct bl_lsm_event *ev;
	int ret;

	if (addrlen < (int)sizeof(sin) ||
	    bpf_probe_read_kernel(&sin, sizeof(sin), address) ||
	    sin.sin_family != 2 /* AF_INET */)
		return 0;
	key.addr = sin.sin_addr.s_addr;
	rule = bpf_map_lookup_elem(&bl_lsm_nets, &key);
	if (!rule)
		return 0;
	ret = rule->flags & LSM_RULE_DENY ? -EPERM : 0;
	ev = bpf_ringbuf_reserve(&bl_lsm_events, sizeof(*ev), 0);
	if (ev) {
		__builtin_memset(ev, 0, sizeof(*ev));
		fill_task(ev);
		ev->hook = LSM_HOOK_SOCKET_CONNECT;
		ev->policy = rule->policy;
		ev->daddr = sin.sin_addr.s_addr;
		ev->dport = bpf_ntohs(sin.sin_port);
		ev->ret = ret;
		bpf_ringbuf_submit(ev, 0);
	}
	return ret;
}

SEC("tp_btf/sched_process_exec")
int BPF_PROG(bl_lsm_exec, struct task_struct *p, pid_t old_pid,
	     struct linux_binprm *bprm)
{
	struct bl_lsm_event *ev;

	ev = bpf_ringbuf_reserve(&bl_lsm_events, sizeof(*ev), 0);
	if (!ev)
		return 0;
	__builtin_memset(ev, 0, sizeof(*ev));
	fill_task(ev);
	ev->hook = LSM_HOOK_EXEC;
	bpf_probe_read_kernel_str(ev->path, sizeof(ev->path),
				  BPF_CORE_READ(bprm, filename));
	bpf_ringbuf_submit(ev, 0);
	return 0;
}
