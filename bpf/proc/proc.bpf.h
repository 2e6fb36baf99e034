/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Process-table logic shared by the proc hooks and their tests: reading a
 * task's identity, argv and working directory with CO-RE.
 */
#ifndef BPFLAB_PROC_BPF_H
#define BPFLAB_PROC_BPF_H

#define BL_CWD_MAX_DEPTH 32 /* a power of two: indexes are masked */

/* Per-CPU scratch for the cwd walk: component pointers, then the joined path. */
struct bl_cwd_scratch {
	const unsigned char *name[BL_CWD_MAX_DEPTH];
	__u32 len[BL_CWD_MAX_DEPTH];
	char buf[2 * BL_CWD_LEN]; /* room so a bounded copy never overflows */
};

static __always_inline __u64 task_cgroup_id(struct task_struct *t)
{
	return BPF_CORE_READ(t, cgroups, dfl_cgrp, kn, id);
}

static __always_inline void task_ns_pid(struct task_struct *t, __u32 *nr,
					__u32 *ns_inum)
{
	struct pid *pid = BPF_CORE_READ(t, thread_pid);
	unsigned int level = BPF_CORE_READ(pid, level);
	struct upid up;

	/* numbers[] is a flexible array: read the entry for the task's own level */
	bpf_core_read(&up, sizeof(up), &pid->numbers[level]);
	*nr = up.nr;
	*ns_inum = BPF_CORE_READ(up.ns, ns.inum);
}

/* Copy argv (NUL-separated, argv[0] included) from the new image's stack. */
static __always_inline __u16 read_args(struct task_struct *t, char *out,
				       __u16 *flags)
{
	struct mm_struct *mm = BPF_CORE_READ(t, mm);
	unsigned long start = BPF_CORE_READ(mm, arg_start);
	unsigned long end = BPF_CORE_READ(mm, arg_end);
	unsigned long len = end - start;

	if (end <= start)
		return 0;
	if (len > BL_ARGS_LEN) {
		len = BL_ARGS_LEN;
		*flags |= BL_EXEC_ARGS_TRUNC;
	}
	if (bpf_probe_read_user(out, len <= BL_ARGS_LEN ? len : BL_ARGS_LEN,
				(void *)start))
		return 0;
	return len;
}

/*
 * Walk fs->pwd up to the root of the task's mount namespace, crossing mount
 * points, then join the components. Both loops run under bpf_loop() so the
 * verifier checks each body once instead of unrolling every path.
 */
struct cwd_walk {
	struct dentry *d;
	struct dentry *mnt_root;
	struct mount *mnt;
	struct bl_cwd_scratch *s;
	__u32 n;
	__u32 pos;
	int done;
	int trunc;
};

static long cwd_walk_step(__u64 i, void *ctx)
{
	struct cwd_walk *w = ctx;
	/* locals: CO-RE relocates kernel types, not our walk state */
	struct dentry *d = w->d;
	struct mount *mnt = w->mnt;
	struct dentry *parent = BPF_CORE_READ(d, d_parent);
	struct bl_cwd_scratch *s = w->s;
	__u32 n = w->n;

	if (d == w->mnt_root || d == parent) {
		struct mount *up = BPF_CORE_READ(mnt, mnt_parent);

		if (!up || up == mnt) {
			w->done = 1;
			return 1;
		}
		w->d = BPF_CORE_READ(mnt, mnt_mountpoint);
		w->mnt = up;
		w->mnt_root = BPF_CORE_READ(up, mnt.mnt_root);
		return 0;
	}
	if (n >= BL_CWD_MAX_DEPTH || !s)
		return 1;
	s->name[n & (BL_CWD_MAX_DEPTH - 1)] = BPF_CORE_READ(d, d_name.name);
	s->len[n & (BL_CWD_MAX_DEPTH - 1)] = BPF_CORE_READ(d, d_name.len);
	w->n = n + 1;
	w->d = parent;
	return 0;
}

static long cwd_join_step(__u64 i, void *ctx)
{
	struct cwd_walk *w = ctx;
	struct bl_cwd_scratch *s = w->s;
	__u32 idx, len, pos = w->pos;

	if (i >= w->n || !s)
		return 1;
	idx = (w->n - 1 - (__u32)i) & (BL_CWD_MAX_DEPTH - 1);
	len = s->len[idx];
	if (pos + 1 + len >= BL_CWD_LEN) {
		w->trunc = 1;
		return 1;
	}
	s->buf[pos & (BL_CWD_LEN - 1)] = '/';
	pos++;
	/* pos < 256 and len < 256 keep the copy inside the 512-byte buffer */
	bpf_probe_read_kernel(&s->buf[pos & (BL_CWD_LEN - 1)],
			      len & (BL_CWD_LEN - 1), s->name[idx]);
	w->pos = pos + len;
	return 0;
}

static __always_inline __u16 read_cwd(struct task_struct *t,
				      struct bl_cwd_scratch *s, char *out,
				      __u16 *flags)
{
	struct vfsmount *vfs = BPF_CORE_READ(t, fs, pwd.mnt);
	struct cwd_walk w = {
		.d = BPF_CORE_READ(t, fs, pwd.dentry),
		.mnt = container_of(vfs, struct mount, mnt),
		.mnt_root = BPF_CORE_READ(vfs, mnt_root),
		.s = s,
	};

	bpf_loop(2 * BL_CWD_MAX_DEPTH, cwd_walk_step, &w, 0);
	bpf_loop(BL_CWD_MAX_DEPTH, cwd_join_step, &w, 0);
	if (!w.done || w.trunc)
		*flags |= BL_EXEC_CWD_TRUNC;
	if (!w.pos)
		s->buf[w.pos++] = '/';
	s->buf[w.pos & (BL_CWD_LEN - 1)] = 0;
	bpf_probe_read_kernel(out, BL_CWD_LEN, s->buf);
	return w.pos;
}

#endif
