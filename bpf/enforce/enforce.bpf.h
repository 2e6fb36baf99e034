/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Maps and the selector logic of the enforce module. The hooks in
 * enforce.bpf.c stay thin; everything here is static (inline, or a
 * subprogram) so a BPF_PROG_TEST_RUN program can drive it.
 *
 *   hook(key) ─► set = map[key]              (inode, path, nr, prefix: O(1))
 *             └► for rule in set (≤ 7):
 *                  skip if its hook already matched (first selector wins)
 *                  rule_match(): syscall bit, sandbox, pid, ns, binary, port
 *                  act(): SIGKILL/signal now, in this task's context; post
 */
#ifndef BPFLAB_ENFORCE_BPF_H
#define BPFLAB_ENFORCE_BPF_H

#include "util/common.bpf.h"
#include "enforce/enforce_abi.h"

#define ENF_SIGKILL 9
#define ENF_SIGSTOP 19
#define ENF_AT_FDCWD -100

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, ENF_MAX_RULES);
	__type(key, __u32);
	__type(value, struct enf_rule);
} enf_rules SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, ENF_MAX_NR);
	__type(key, __u32);
	__type(value, struct enf_sc);
} enf_sc SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, ENF_MAX_NR);
	__type(key, __u32);
	__type(value, struct enf_set);
} enf_sc_rules SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 65536);
	__type(key, struct enf_inode_key);
	__type(value, struct enf_set);
} enf_inodes SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 32768);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct enf_path_key);
	__type(value, struct enf_set);
} enf_paths SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, 16384);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct enf_net_key);
	__type(value, struct enf_set);
} enf_net SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, 4096);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct enf_excl_key);
	__type(value, __u8);
} enf_excl SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, 8192);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct enf_bin_key);
	__type(value, __u8);
} enf_bins SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 65536);
	__type(key, __u32);
	__type(value, struct enf_task);
} enf_tasks SEC(".maps");

/* tgid → ktime of the syscall entry that sent SIGKILL (kill latency). */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 4096);
	__type(key, __u32);
	__type(value, __u64);
} enf_killed SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct enf_config);
} enf_cfg SEC(".maps");

struct enf_scratch {
	struct enf_path_key pk;
	struct enf_bin_key bk;
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct enf_scratch);
} enf_scratch SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 256 * 1024);
} enf_rb SEC(".maps");

BL_DECLARE_STATS(enforce_stats);

/* What a hook knows about the call it is judging. */
struct enf_ctx {
	__u32 tgid;
	__s32 nr; /* -1: not at a syscall (cgroup hook) */
	__u64 sbx; /* sandbox cgroup id, valid when sbx_known */
	bool sbx_known;
	bool in_cgroup_hook; /* no task helpers: skip namespace checks */
	__u16 dport; /* host order */
	__u16 where; /* enum enf_where */
	__u64 ino;
	__u32 dev;
	__u32 daddr;
	__u64 args[3]; /* when regs is NULL */
	struct pt_regs *regs; /* sys_enter: the arguments, read on a match */
	const char *path; /* user pointer of the matched name, or NULL */
	bool path_is_kernel;
};

static __always_inline __u64 enf_sandbox_of_current(void)
{
	__u32 zero = 0;
	struct enf_config *cfg = bpf_map_lookup_elem(&enf_cfg, &zero);

	if (!cfg || !cfg->sbx_root_id)
		return 0;
	if (bpf_get_current_ancestor_cgroup_id(cfg->sbx_root_level) !=
	    cfg->sbx_root_id)
		return 0;
	return bpf_get_current_ancestor_cgroup_id(cfg->sbx_root_level + 1);
}

/* The process's sandbox: its inherited mark first, so leaving the cgroup does not escape. */
static __always_inline __u64 enf_ctx_sandbox(struct enf_ctx *c)
{
	struct enf_task *t;

	if (c->sbx_known)
		return c->sbx;
	t = bpf_map_lookup_elem(&enf_tasks, &c->tgid);
	c->sbx = t && t->sbx ? t->sbx : enf_sandbox_of_current();
	c->sbx_known = true;
	return c->sbx;
}

static __always_inline bool enf_sandbox_ok(struct enf_ctx *c,
					   const struct enf_rule *r)
{
	__u64 sbx;
	bool in = false;

	if (!(r->flags & (ENF_R_SBX_ANY | ENF_R_SBX_IN | ENF_R_SBX_NOTIN)))
		return true;
	sbx = enf_ctx_sandbox(c);
	if (r->flags & ENF_R_SBX_ANY)
		return sbx != 0;
	for (__u32 i = 0; i < 4; i++)
		if (i < r->nsbx && sbx && r->sbx[i] == sbx)
			in = true;
	return (r->flags & ENF_R_SBX_IN) ? in : !in;
}

static __always_inline bool enf_pid_ok(struct enf_ctx *c,
				       const struct enf_rule *r)
{
	bool in = false;

	if (!(r->flags & (ENF_R_PID_IN | ENF_R_PID_NOTIN)))
		return true;
	for (__u32 i = 0; i < 8; i++)
		if (i < r->npids && r->pids[i] == c->tgid)
			in = true;
	return (r->flags & ENF_R_PID_IN) ? in : !in;
}

static __always_inline bool enf_port_ok(struct enf_ctx *c,
					const struct enf_rule *r)
{
	bool in = false;

	if (!(r->flags & (ENF_R_PORT_IN | ENF_R_PORT_NOTIN)))
		return true;
	for (__u32 i = 0; i < 8; i++)
		if (i < r->nports && r->ports[i] == c->dport)
			in = true;
	return (r->flags & ENF_R_PORT_IN) ? in : !in;
}

static __always_inline bool enf_ns_ok(struct enf_ctx *c,
				      const struct enf_rule *r)
{
	struct task_struct *task;
	__u32 inum = 0;
	bool in = false;

	if (!(r->flags & (ENF_R_NS_IN | ENF_R_NS_NOTIN)))
		return true;
	if (c->in_cgroup_hook)
		return false; /* cannot tell here: fail closed to "no match" */
	task = (struct task_struct *)bpf_get_current_task();
	if (r->ns_kind == ENF_NS_PID)
		inum = BPF_CORE_READ(task, nsproxy, pid_ns_for_children,
				     ns.inum);
	else if (r->ns_kind == ENF_NS_MNT)
		inum = BPF_CORE_READ(task, nsproxy, mnt_ns, ns.inum);
	else if (r->ns_kind == ENF_NS_NET)
		inum = BPF_CORE_READ(task, nsproxy, net_ns, ns.inum);
	for (__u32 i = 0; i < 4; i++)
		if (i < r->nns && r->ns_inum[i] == inum)
			in = true;
	return (r->flags & ENF_R_NS_IN) ? in : !in;
}

static __always_inline bool enf_binary_ok(struct enf_ctx *c, __u32 rule,
					  const struct enf_rule *r)
{
	struct enf_scratch *s;
	struct enf_task *t;
	__u32 zero = 0;
	bool in;

	if (!(r->flags & (ENF_R_BIN_IN | ENF_R_BIN_NOTIN)))
		return true;
	t = bpf_map_lookup_elem(&enf_tasks, &c->tgid);
	s = bpf_map_lookup_elem(&enf_scratch, &zero);
	if (!s)
		return false;
	in = false;
	if (t) {
		s->bk.prefixlen = 32 + 8 * ENF_NAME_LEN;
		s->bk.rule = bpf_htonl(rule);
		__builtin_memcpy(s->bk.path, t->bin, ENF_NAME_LEN);
		in = bpf_map_lookup_elem(&enf_bins, &s->bk) != NULL;
	}
	return (r->flags & ENF_R_BIN_IN) ? in : !in;
}

static __always_inline bool enf_addr_ok(struct enf_ctx *c, __u32 rule,
					const struct enf_rule *r)
{
	struct enf_excl_key k = {};

	if (!(r->flags & ENF_R_ADDR_NOTIN))
		return true;
	k.prefixlen = 64;
	k.rule = bpf_htonl(rule);
	k.addr = c->daddr;
	return bpf_map_lookup_elem(&enf_excl, &k) == NULL;
}

static __always_inline bool enf_rule_match(struct enf_ctx *c, __u32 rule,
					   const struct enf_rule *r)
{
	if (c->where == ENF_AT_LEASE || c->where == ENF_AT_EPERM ||
	    c->where == ENF_AT_EPERM_NAME) {
		if (!(r->flags & ENF_R_OPEN))
			return false;
	} else if (c->nr >= 0) {
		__u32 nr = (__u32)c->nr, w = nr >> 6;

		/* keep the bound check on the register that indexes */
		barrier_var(w);
		if (w >= ENF_NR_WORDS || !(r->nr_mask[w] & (1ULL << (nr & 63))))
			return false;
	}
	return enf_pid_ok(c, r) && enf_port_ok(c, r) &&
	       enf_addr_ok(c, rule, r) && enf_sandbox_ok(c, r) &&
	       enf_ns_ok(c, r) && enf_binary_ok(c, rule, r);
}

static __always_inline void enf_post(struct enf_ctx *c, __u32 rule,
				     const struct enf_rule *r, __u16 action)
{
	struct enf_event *ev;

	ev = bl_rb_reserve(&enf_rb, &enforce_stats, sizeof(*ev));
	if (!ev)
		return;
	bl_hdr_init(&ev->hdr, BL_OP_ENFORCE, sizeof(*ev));
	ev->hdr.flags = ENF_REC_MATCH;
	ev->pid = c->tgid;
	ev->tid = (__u32)bpf_get_current_pid_tgid();
	ev->rule = rule;
	ev->policy_id = r->policy_id;
	ev->nr = c->nr;
	ev->action = action;
	ev->where = c->where;
	ev->cgroup_id = bpf_get_current_cgroup_id();
	ev->sbx = enf_ctx_sandbox(c);
	ev->ino = c->ino;
	ev->dev = c->dev;
	ev->daddr = c->daddr;
	ev->dport = c->dport;
	ev->family = c->daddr || c->dport ? 2 : 0;
	ev->uid = (__u32)bpf_get_current_uid_gid();
	if (c->regs) {
		ev->args[0] = c->regs->di;
		ev->args[1] = c->regs->si;
		ev->args[2] = c->regs->dx;
	} else {
		ev->args[0] = c->args[0];
		ev->args[1] = c->args[1];
		ev->args[2] = c->args[2];
	}
	bpf_get_current_comm(ev->comm, sizeof(ev->comm));
	ev->path[0] = '\0';
	if (c->path && c->path_is_kernel)
		bpf_probe_read_kernel_str(ev->path, sizeof(ev->path), c->path);
	else if (c->path)
		bpf_probe_read_user_str(ev->path, sizeof(ev->path), c->path);
	bpf_ringbuf_submit(ev, 0);
}

/*
 * Carry out a matched rule. Returns true when the operation must be denied
 * (cgroup hooks only: the caller returns 0 there).
 */
static __always_inline bool enf_act(struct enf_ctx *c, __u32 rule,
				    const struct enf_rule *r)
{
	__u16 action = ENF_ACTION_POST;
	bool deny = false;

	if (!(r->flags & ENF_R_MONITOR)) {
		if ((r->flags & ENF_R_SIGKILL) && !c->in_cgroup_hook) {
			__u64 now = bpf_ktime_get_ns();

			/* EPERM: not yet known to be our file; user space decides */
			bpf_send_signal(c->where == ENF_AT_EPERM ? ENF_SIGSTOP :
								   ENF_SIGKILL);
			bpf_map_update_elem(&enf_killed, &c->tgid, &now,
					    BPF_ANY);
			action = ENF_ACTION_SIGKILL;
		} else if ((r->flags & ENF_R_SIGNAL) && !c->in_cgroup_hook) {
			bpf_send_signal(r->sig);
			action = ENF_ACTION_SIGNAL;
		}
		if ((r->flags & ENF_R_OVERRIDE) && c->in_cgroup_hook) {
			deny = true;
			action = ENF_ACTION_OVERRIDE;
			/* the sys_enter hook already posted the kill */
			if (r->flags & ENF_R_SIGKILL)
				return deny;
		}
	}
	/* a stopped process waits for this record: always post it */
	if (!(r->flags & ENF_R_NOPOST) || c->where == ENF_AT_EPERM)
		enf_post(c, rule, r, action);
	return deny;
}

/*
 * Judge one key's rule set. Returns true when any rule denies. Not
 * inlined: it runs only on a match, and as a subprogram the verifier
 * explores each call site's continuation once instead of once per path
 * through the rules (the sys_enter program went from 974k to 596k
 * processed instructions of the 1M limit).
 */
static __noinline bool enf_judge(struct enf_ctx *c, const struct enf_set *set)
{
	__u32 matched_hook = (__u32)-1, zero = 0;
	struct enf_config *cfg = bpf_map_lookup_elem(&enf_cfg, &zero);
	bool deny = false;

	/* never the idle task, never the engine that holds the leases */
	if (c->tgid == 0 || (cfg && cfg->self_tgid == c->tgid))
		return false;
	for (__u32 i = 0; i < ENF_SET_MAX; i++) {
		struct enf_rule *r;
		__u32 id;

		if (i >= set->n)
			break;
		id = set->ids[i];
		r = bpf_map_lookup_elem(&enf_rules, &id);
		if (!r || r->hook_id == matched_hook)
			continue;
		if (!enf_rule_match(c, id, r))
			continue;
		matched_hook = r->hook_id;
		if (enf_act(c, id, r))
			deny = true;
	}
	return deny;
}

#endif
