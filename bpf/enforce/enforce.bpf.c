// SPDX-License-Identifier: GPL-2.0
/*
 * Runtime enforcement on hooks this host loads (no kprobes, no BPF-LSM):
 *   tp_btf/sys_enter            one dispatcher for every syscall: the number
 *                               indexes enf_sc, which says where to look
 *                               (fd → inode, path → name, sockaddr → LPM, or
 *                               the syscall itself); SIGKILL is sent here,
 *                               before the syscall body runs
 *   tp_btf/break_lease_*        write-opens of a leased (protected) inode,
 *                               in the opener's context, before O_TRUNC
 *   tp_btf/sys_exit             write-opens the immutable flag refused
 *                               (attached only while one is set)
 *   cgroup/connect4, sendmsg4   Override: deny with EPERM before any packet
 *   sched_process_fork/exec/exit  per-process binary and sandbox marks,
 *                               kill latency
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_endian.h>

#include "enforce/enforce.bpf.h"

char LICENSE[] SEC("license") = "GPL";

/* Treat a pointer read with a helper as a BTF object again (kernel 6.2+). */
extern void *bpf_rdonly_cast(const void *obj, __u32 btf_id) __ksym;

/*
 * tp_btf hands us BTF pointers: plain field loads become PROBE_MEM loads
 * (CO-RE relocated through vmlinux.h's preserve_access_index), a few ns
 * each, where a bpf_probe_read_kernel() call costs tens. This is the path
 * every write() of every process takes once a file rule exists.
 */
static __always_inline __u64 regs_arg(struct pt_regs *regs, int i)
{
	switch (i) {
	case 0:
		return regs->di;
	case 1:
		return regs->si;
	case 2:
		return regs->dx;
	case 3:
		return regs->r10;
	case 4:
		return regs->r8;
	default:
		return regs->r9;
	}
}

/*
 * Any kernel struct whose first member is a struct file * (fown_struct's
 * is): cast onto &fdt->fd[fd], it lets the verifier load the slot directly
 * instead of through a bpf_probe_read_kernel() call.
 */
#define ENF_FILE_SLOT fown_struct

/* task->files->fdt->fd[fd]->f_inode, or NULL. */
static __always_inline struct inode *enf_fd_inode(struct task_struct *task,
						  int fd)
{
	struct files_struct *files = task->files;
	struct ENF_FILE_SLOT *slot;
	struct fdtable *fdt;
	struct file *file;

	/* BTF loads read NULL as 0: no NULL tests needed on this path */
	fdt = files->fdt;
	if ((unsigned int)fd >= fdt->max_fds)
		return NULL;
	slot = bpf_rdonly_cast((void *)((unsigned long)fdt->fd +
					(unsigned int)fd * sizeof(file)),
			       bpf_core_type_id_kernel(struct ENF_FILE_SLOT));
	file = slot->file;
	return file ? file->f_inode : NULL;
}

static __always_inline bool enf_inode_key(struct inode *inode,
					  struct enf_inode_key *k)
{
	if (!inode)
		return false;
	k->ino = inode->i_ino;
	k->dev = inode->i_sb->s_dev;
	k->pad = 0;
	return true;
}

/*
 * The fd path: every write() of every process comes here once a file rule
 * exists, so nothing is done before the one test that rules nearly all of
 * them out. A protected inode always has a file-lock context (the engine
 * takes and drops a flock on each and keeps it open: enforce_pin.c);
 * /dev/null, sockets, pipes and almost every file never had one.
 */
static __always_inline void enf_check_fd(struct task_struct *task,
					 struct pt_regs *regs, __u32 nr, int fd)
{
	struct enf_inode_key k;
	struct enf_set *set;
	struct inode *inode;

	inode = enf_fd_inode(task, fd);
	if (!inode || !inode->i_flctx)
		return;
	enf_inode_key(inode, &k);
	set = bpf_map_lookup_elem(&enf_inodes, &k);
	if (set) {
		struct enf_ctx c = {
			.tgid = bpf_get_current_pid_tgid() >> 32,
			.nr = (__s32)nr,
			.regs = regs,
			.where = ENF_AT_FD,
			.ino = k.ino,
			.dev = k.dev,
		};

		enf_judge(&c, set);
	}
}

static __always_inline void enf_check_sockaddr(struct enf_ctx *c,
					       const void *uaddr)
{
	struct sockaddr_in sin = {};
	struct enf_net_key k;
	struct enf_set *set;

	if (!uaddr || bpf_probe_read_user(&sin, sizeof(sin), uaddr))
		return;
	if (sin.sin_family != 2 /* AF_INET */)
		return;
	k.prefixlen = 32;
	k.addr = sin.sin_addr.s_addr;
	set = bpf_map_lookup_elem(&enf_net, &k);
	if (!set)
		return;
	c->where = ENF_AT_CONNECT;
	c->daddr = k.addr;
	c->dport = bpf_ntohs(sin.sin_port);
	enf_judge(c, set);
}

/*
 * The rules of the protected name a path argument matches, or NULL:
 * absolute names match as written, single names under their directory's
 * inode.
 */
static __always_inline struct enf_set *enf_path_set(struct task_struct *task,
						    const char *upath, int dfd)
{
	struct enf_scratch *s;
	struct enf_inode_key dk;
	struct inode *dir;
	__u32 zero = 0;

	s = bpf_map_lookup_elem(&enf_scratch, &zero);
	if (!s || !upath)
		return NULL;
	__builtin_memset(&s->pk, 0, sizeof(s->pk));
	if (bpf_probe_read_user_str(s->pk.name, sizeof(s->pk.name), upath) <= 0)
		return NULL;
	if (s->pk.name[0] != '/') {
		if (dfd == ENF_AT_FDCWD)
			dir = task->fs->pwd.dentry->d_inode;
		else
			dir = enf_fd_inode(task, dfd);
		if (!enf_inode_key(dir, &dk))
			return NULL;
		s->pk.dir_ino = dk.ino;
		s->pk.dir_dev = dk.dev;
	}
	return bpf_map_lookup_elem(&enf_paths, &s->pk);
}

/*
 * Everything but the fd path: names, addresses, the syscall itself. A
 * subprogram, so the verifier does not explore it once per fd-path state.
 */
static __noinline void enf_dispatch(struct task_struct *task,
				    struct pt_regs *regs,
				    const struct enf_sc *sc, __u32 nr)
{
	struct enf_ctx c = {};
	struct enf_set *set;

	c.tgid = bpf_get_current_pid_tgid() >> 32;
	c.nr = (__s32)nr;
	c.regs = regs;
	if (sc->kind & ENF_SC_PLAIN) {
		set = bpf_map_lookup_elem(&enf_sc_rules, &nr);
		if (set) {
			c.where = ENF_AT_SYSCALL;
			enf_judge(&c, set);
		}
	}
	if (sc->kind & ENF_SC_PATH) {
		for (int i = 0; i < 2; i++) {
			const char *upath;
			int dfd = ENF_AT_FDCWD;

			if (sc->path_arg[i] < 0)
				continue;
			if (sc->dfd_arg[i] >= 0)
				dfd = (int)regs_arg(regs, sc->dfd_arg[i]);
			upath = (const char *)regs_arg(regs, sc->path_arg[i]);
			set = enf_path_set(task, upath, dfd);
			if (!set)
				continue;
			c.where = ENF_AT_PATH;
			c.path = upath;
			enf_judge(&c, set);
		}
	}
	if ((sc->kind & ENF_SC_NET) && sc->addr_arg >= 0)
		enf_check_sockaddr(&c,
				   (const void *)regs_arg(regs, sc->addr_arg));
}

SEC("tp_btf/sys_enter")
int BPF_PROG(bl_enf_enter, struct pt_regs *regs, long id)
{
	struct task_struct *task;
	struct enf_sc *sc;
	__u32 nr = (__u32)id;

	sc = bpf_map_lookup_elem(&enf_sc, &nr);
	if (!sc || !sc->kind)
		return 0; /* the common case: one array lookup */
	task = bpf_get_current_task_btf();
	/* write(), pwrite(), fallocate(), ...: the fd comes first */
	if ((sc->kind & ENF_SC_FD) && sc->fd_arg >= 0)
		enf_check_fd(task, regs, nr,
			     (int)(sc->fd_arg ? regs_arg(regs, sc->fd_arg) :
						regs->di));
	if (sc->kind & ~ENF_SC_FD)
		enf_dispatch(task, regs, sc, nr);
	return 0;
}

/* A write-open of a leased inode: runs in the opener, before any truncation. */
static __always_inline int enf_lease_break(struct inode *inode)
{
	struct enf_ctx c = {};
	struct enf_inode_key k;
	struct enf_set *set;
	struct pt_regs *regs;

	if (!enf_inode_key(inode, &k))
		return 0;
	set = bpf_map_lookup_elem(&enf_inodes, &k);
	if (!set)
		return 0;
	c.tgid = bpf_get_current_pid_tgid() >> 32;
	regs = (struct pt_regs *)bpf_task_pt_regs(bpf_get_current_task_btf());
	c.nr = (__s32)BPF_CORE_READ(regs, orig_ax);
	c.args[0] = BPF_CORE_READ(regs, di);
	c.args[1] = BPF_CORE_READ(regs, si);
	c.args[2] = BPF_CORE_READ(regs, dx);
	c.where = ENF_AT_LEASE;
	c.ino = k.ino;
	c.dev = k.dev;
	/* openat(dfd, path, ...) / open(path, ...) / creat(path): the name */
	c.path =
		(const char *)(c.nr == 2 || c.nr == 85 ? c.args[0] : c.args[1]);
	enf_judge(&c, set);
	return 0;
}

SEC("tp_btf/break_lease_block")
int BPF_PROG(bl_enf_lease_b, struct inode *inode, struct file_lease *fl)
{
	return enf_lease_break(inode);
}

SEC("tp_btf/break_lease_noblock")
int BPF_PROG(bl_enf_lease_nb, struct inode *inode, struct file_lease *fl)
{
	return enf_lease_break(inode);
}

/*
 * The immutable flag refuses write-opens (EPERM) in may_open, before the
 * lease break where the kill would come from: catch such refusals on the
 * way out of the syscall. Attached only while an immutable file exists
 * (enforcer.c). A raw sys_exit program rather than the five per-syscall
 * tracepoints: those cost an open several times what this costs every
 * syscall (docs/bench-enforce.md). A name that is a protected one
 * (absolute, or one component under its directory's inode) is killed
 * here. Any other name (a hardlink, a symlink, "../") may or may not be
 * our file: the rule set of every immutable file (key ino 0) says whether
 * the process is in a policy's scope, and if so it is stopped here and
 * user space resolves the name, then kills or resumes it.
 */
SEC("tp_btf/sys_exit")
int BPF_PROG(bl_enf_sysexit, struct pt_regs *regs, long ret)
{
	struct enf_inode_key k = {};
	struct task_struct *task;
	struct enf_ctx c = {};
	struct enf_set *set;
	const char *upath;
	bool at;
	long nr;

	if (ret != -1 /* -EPERM */)
		return 0;
	nr = regs->orig_ax;
	/* open, creat, truncate take the name first; openat, openat2 second */
	if (nr != 2 && nr != 85 && nr != 76 && nr != 257 && nr != 437)
		return 0;
	at = nr == 257 || nr == 437;
	upath = (const char *)(at ? regs->si : regs->di);
	task = bpf_get_current_task_btf();
	c.tgid = bpf_get_current_pid_tgid() >> 32;
	c.nr = (__s32)nr;
	c.regs = regs;
	c.path = upath;
	set = enf_path_set(task, upath, at ? (int)regs->di : ENF_AT_FDCWD);
	if (set) {
		c.where = ENF_AT_EPERM_NAME;
		enf_judge(&c, set);
		return 0;
	}
	set = bpf_map_lookup_elem(&enf_inodes, &k);
	if (!set)
		return 0;
	c.where = ENF_AT_EPERM;
	enf_judge(&c, set);
	return 0;
}

/* Deny in the cgroup hook: EPERM before the SYN (or datagram) exists. */
static __always_inline int enf_sock_addr(struct bpf_sock_addr *ctx)
{
	struct enf_ctx c = {};
	struct enf_net_key k;
	struct enf_set *set;

	if (ctx->user_family != 2)
		return 1;
	k.prefixlen = 32;
	k.addr = ctx->user_ip4;
	set = bpf_map_lookup_elem(&enf_net, &k);
	if (!set)
		return 1;
	c.tgid = bpf_get_current_pid_tgid() >> 32;
	c.nr = -1;
	c.in_cgroup_hook = true;
	c.where = ENF_AT_CGROUP;
	c.daddr = k.addr;
	c.dport = bpf_ntohs((__u16)ctx->user_port);
	return enf_judge(&c, set) ? 0 : 1;
}

SEC("cgroup/connect4")
int bl_enf_conn4(struct bpf_sock_addr *ctx)
{
	return enf_sock_addr(ctx);
}

SEC("cgroup/sendmsg4")
int bl_enf_send4(struct bpf_sock_addr *ctx)
{
	return enf_sock_addr(ctx);
}

/* Marks follow the process tree: a child belongs to its parent's sandbox. */
SEC("tp_btf/sched_process_fork")
int BPF_PROG(bl_enf_fork, struct task_struct *parent, struct task_struct *child)
{
	__u32 ptgid = BPF_CORE_READ(parent, tgid), ctgid;
	struct enf_task *pt;

	ctgid = BPF_CORE_READ(child, pid);
	if (ctgid != (__u32)BPF_CORE_READ(child, tgid))
		return 0; /* a thread shares its process's entry */
	pt = bpf_map_lookup_elem(&enf_tasks, &ptgid);
	if (pt) {
		bpf_map_update_elem(&enf_tasks, &ctgid, pt, BPF_ANY);
		/* a parent moved into a sandbox after its exec: mark the child now */
		if (!pt->sbx) {
			struct enf_task *ct =
				bpf_map_lookup_elem(&enf_tasks, &ctgid);

			if (ct)
				ct->sbx = enf_sandbox_of_current();
		}
	} else {
		struct enf_task *s;
		__u32 zero = 0;

		/* scratch space: enf_task is too big for the stack */
		s = bpf_map_lookup_elem(&enf_scratch, &zero);
		if (!s)
			return 0;
		__builtin_memset(s, 0, sizeof(struct enf_task));
		((struct enf_task *)s)->sbx = enf_sandbox_of_current();
		bpf_map_update_elem(&enf_tasks, &ctgid, s, BPF_ANY);
	}
	return 0;
}

SEC("tp_btf/sched_process_exec")
int BPF_PROG(bl_enf_exec, struct task_struct *p, pid_t old_pid,
	     struct linux_binprm *bprm)
{
	__u32 tgid = bpf_get_current_pid_tgid() >> 32;
	struct enf_task *t;
	__u64 sbx = 0;

	t = bpf_map_lookup_elem(&enf_tasks, &tgid);
	if (t)
		sbx = t->sbx;
	if (!sbx)
		sbx = enf_sandbox_of_current();
	if (!t) {
		struct enf_scratch *s;
		__u32 zero = 0;

		s = bpf_map_lookup_elem(&enf_scratch, &zero);
		if (!s)
			return 0;
		__builtin_memset(s, 0, sizeof(struct enf_task));
		bpf_map_update_elem(&enf_tasks, &tgid, s, BPF_NOEXIST);
		t = bpf_map_lookup_elem(&enf_tasks, &tgid);
		if (!t)
			return 0;
	}
	t->sbx = sbx;
	bpf_probe_read_kernel_str(t->bin, sizeof(t->bin),
				  BPF_CORE_READ(bprm, filename));
	return 0;
}

SEC("tp_btf/sched_process_exit")
int BPF_PROG(bl_enf_exit, struct task_struct *task, bool group_dead)
{
	__u32 tgid = BPF_CORE_READ(task, tgid);
	struct enf_death *d;
	__u64 *killed;

	if (!group_dead)
		return 0;
	bpf_map_delete_elem(&enf_tasks, &tgid);
	killed = bpf_map_lookup_elem(&enf_killed, &tgid);
	if (!killed)
		return 0;
	d = bl_rb_reserve(&enf_rb, &enforce_stats, sizeof(*d));
	if (d) {
		bl_hdr_init(&d->hdr, BL_OP_ENFORCE, sizeof(*d));
		d->hdr.flags = ENF_REC_DEATH;
		d->pid = tgid;
		d->exit_code = BPF_CORE_READ(task, exit_code);
		d->kill_ktime = *killed;
		bpf_ringbuf_submit(d, 0);
	}
	bpf_map_delete_elem(&enf_killed, &tgid);
	return 0;
}
