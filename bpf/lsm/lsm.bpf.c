// SPDX-License-Identifier: GPL-2.0
/*
 * BPF-LSM enforcement for the guest agent of a vm sandbox: deny a write to a
 * protected inode with -EPERM before the operation (open for write, write,
 * truncate, rename over it, unlink it), and report exec so the host sees
 * the guest's process story. Inodes, not paths: links and renames of the
 * protected name do not get around it. Loads only in the guest.
 *
 * Listed syscalls (container-escape: mount, setns, module loading,
 * open_by_handle_at...) are denied by the LSM hook each one reaches while
 * sys_enter has marked the thread as inside it: sb_mount, sb_pivotroot,
 * kernel_read_file/kernel_load_data, and capable for the calls that have no
 * hook of their own (6.1 has no setns hook; every escape call needs a
 * capability). A cgroup v1 release_agent opened for write counts as a mount
 * escape too. sys_exit reports what no hook denied (monitor mode).
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
#define CGROUP_SUPER_MAGIC 0x27e0eb

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

/* syscall number -> rule (LSM_RULE_ACTIVE when listed) */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, LSM_MAX_SYSCALLS);
	__type(key, __u32);
	__type(value, struct bl_lsm_rule);
} bl_lsm_sys SEC(".maps");

/* thread id -> the listed syscall it is in */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 4096);
	__type(key, __u32);
	__type(value, struct bl_lsm_mark);
} bl_lsm_inflight SEC(".maps");

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
		ev->denied = ret != 0;
		bpf_ringbuf_submit(ev, 0);
	}
	return ret;
}

/* One record for a listed syscall; detail is a kernel string or NULL. */
static __always_inline void emit_call(const struct bl_lsm_mark *mark,
				      __u32 hook, int ret, __s64 sysret,
				      const char *detail)
{
	struct bl_lsm_event *ev;

	ev = bpf_ringbuf_reserve(&bl_lsm_events, sizeof(*ev), 0);
	if (!ev)
		return;
	__builtin_memset(ev, 0, sizeof(*ev));
	fill_task(ev);
	ev->hook = hook;
	ev->policy = mark->policy;
	ev->sysnr = mark->nr;
	ev->ret = ret;
	ev->denied = ret != 0;
	ev->sysret = sysret;
	if (detail)
		bpf_probe_read_kernel_str(ev->path, sizeof(ev->path), detail);
	bpf_ringbuf_submit(ev, 0);
}

/*
 * A hook reached inside a listed syscall: in enforce mode fail it with
 * -EPERM (the first hook reports it); in monitor mode sys_exit reports.
 */
static __always_inline int deny_in_call(__u32 hook, const char *detail)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	struct bl_lsm_mark *mark;

	mark = bpf_map_lookup_elem(&bl_lsm_inflight, &tid);
	if (!mark || !(mark->flags & LSM_RULE_DENY))
		return 0;
	if (!mark->reported) {
		mark->reported = 1;
		emit_call(mark, hook, -EPERM, -EPERM, detail);
	}
	return -EPERM;
}

static __always_inline bool is_release_agent(struct file *file)
{
	static const char want[] = "release_agent";
	char name[sizeof(want)] = {};

	if (BPF_CORE_READ(file, f_inode, i_sb, s_magic) != CGROUP_SUPER_MAGIC)
		return false;
	if (bpf_probe_read_kernel_str(
		    name, sizeof(name),
		    BPF_CORE_READ(file, f_path.dentry, d_name.name)) !=
	    sizeof(want))
		return false;
	for (int i = 0; i < (int)sizeof(want); i++)
		if (name[i] != want[i])
			return false;
	return true;
}

/* cgroup v1's release_agent runs as root on the host: a mount escape */
static __always_inline int check_release_agent(struct file *file)
{
	__u32 nr = 165; /* x86_64 mount: the rule for mount escapes */
	struct bl_lsm_rule *rule;
	struct bl_lsm_mark mark = {};

	if (!is_release_agent(file))
		return 0;
	rule = bpf_map_lookup_elem(&bl_lsm_sys, &nr);
	if (!rule || !(rule->flags & LSM_RULE_ACTIVE))
		return 0;
	mark.nr = nr;
	mark.policy = rule->policy;
	mark.flags = rule->flags;
	emit_call(
		&mark, LSM_HOOK_RELEASE_AGENT,
		rule->flags & LSM_RULE_DENY ? -EPERM : 0, 0,
		(const char *)BPF_CORE_READ(file, f_path.dentry, d_name.name));
	return rule->flags & LSM_RULE_DENY ? -EPERM : 0;
}

SEC("lsm/file_open")
int BPF_PROG(bl_file_open, struct file *file)
{
	int ret;

	if (!(BPF_CORE_READ(file, f_mode) & FMODE_WRITE))
		return 0;
	ret = check_release_agent(file);
	return ret   ?:
		       check_inode(BPF_CORE_READ(file, f_inode),
				   LSM_HOOK_FILE_OPEN);
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
		ev->denied = ret != 0;
		bpf_ringbuf_submit(ev, 0);
	}
	return ret;
}

SEC("lsm/sb_mount")
int BPF_PROG(bl_sb_mount, const char *dev_name, const struct path *path,
	     const char *type, unsigned long flags, void *data)
{
	return deny_in_call(LSM_HOOK_SB_MOUNT, dev_name);
}

SEC("lsm/sb_pivotroot")
int BPF_PROG(bl_sb_pivotroot, const struct path *old_path,
	     const struct path *new_path)
{
	return deny_in_call(LSM_HOOK_SB_PIVOTROOT, NULL);
}

/* finit_module reads the module file through here */
SEC("lsm/kernel_read_file")
int BPF_PROG(bl_kread_file, struct file *file, enum kernel_read_file_id id,
	     bool contents)
{
	return deny_in_call(
		LSM_HOOK_KERNEL_READ_FILE,
		(const char *)BPF_CORE_READ(file, f_path.dentry, d_name.name));
}

/* init_module hands the image over in memory */
SEC("lsm/kernel_load_data")
int BPF_PROG(bl_kload_data, enum kernel_load_data_id id, bool contents)
{
	return deny_in_call(LSM_HOOK_KERNEL_LOAD_DATA, NULL);
}

/* setns, unshare and open_by_handle_at have no hook of their own in 6.1 */
SEC("lsm/capable")
int BPF_PROG(bl_capable, const struct cred *cred, struct user_namespace *ns,
	     int cap, unsigned int opts)
{
	return deny_in_call(LSM_HOOK_CAPABLE, NULL);
}

SEC("tp_btf/sys_enter")
int BPF_PROG(bl_sys_enter, struct pt_regs *regs, long id)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	struct bl_lsm_mark mark = {};
	struct bl_lsm_rule *rule;
	__u32 nr = (__u32)id, tid = (__u32)pid_tgid;

	/* the agent (pid 1) is not the sandbox: a policy never locks it out */
	if (id < 0 || id >= LSM_MAX_SYSCALLS || pid_tgid >> 32 == 1)
		return 0;
	rule = bpf_map_lookup_elem(&bl_lsm_sys, &nr);
	if (!rule || !(rule->flags & LSM_RULE_ACTIVE))
		return 0;
	mark.nr = nr;
	mark.policy = rule->policy;
	mark.flags = rule->flags;
	bpf_map_update_elem(&bl_lsm_inflight, &tid, &mark, BPF_ANY);
	return 0;
}

SEC("tp_btf/sys_exit")
int BPF_PROG(bl_sys_exit, struct pt_regs *regs, long ret)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	struct bl_lsm_mark *mark;

	mark = bpf_map_lookup_elem(&bl_lsm_inflight, &tid);
	if (!mark)
		return 0;
	if (!mark->reported)
		emit_call(mark, LSM_HOOK_SYSCALL, 0, ret, NULL);
	bpf_map_delete_elem(&bl_lsm_inflight, &tid);
	return 0;
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
