// SPDX-License-Identifier: GPL-2.0
/*
 * Enforce events in Tetragon's shapes: process_kprobe / process_tracepoint /
 * process_lsm with function_name, args (file_arg, sock_arg, int_arg),
 * action and policy_name, after the process story line; and the compact
 * line `tetra getevents -o compact` prints.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "engine/engine.h"
#include "enforce/enforce_render.h"
#include "enforce/hooks.h"
#include "enforce/policy.h"
#include "proc/proc_tree.h"
#include "util/jw.h"

const char *enf_action_name(unsigned action)
{
	switch (action) {
	case ENF_ACTION_SIGKILL:
		return "KPROBE_ACTION_SIGKILL";
	case ENF_ACTION_OVERRIDE:
		return "KPROBE_ACTION_OVERRIDE";
	case ENF_ACTION_SIGNAL:
		return "KPROBE_ACTION_SIGNAL";
	default:
		return "KPROBE_ACTION_POST";
	}
}

const char *enf_event_type(const struct enf_match_info *mi)
{
	if (!mi->policy)
		return "process_kprobe";
	switch (mi->hook_kind) {
	case POL_TRACEPOINT:
		return "process_tracepoint";
	case POL_LSMHOOK:
		return "process_lsm";
	default:
		return "process_kprobe";
	}
}

static const char *detail(unsigned where)
{
	switch (where) {
	case ENF_AT_FD:
		return "kill-before-effect: fd resolved to a protected inode at sys_enter";
	case ENF_AT_PATH:
		return "kill-before-effect: path matched at sys_enter";
	case ENF_AT_LEASE:
		return "kill-before-effect: write-open broke the read lease";
	case ENF_AT_CONNECT:
		return "kill-before-effect: sockaddr matched at sys_enter";
	case ENF_AT_CGROUP:
		return "deny: cgroup connect4/sendmsg4 returned EPERM";
	case ENF_AT_EPERM:
		return "deny-before-effect: the immutable flag refused the write-open "
		       "(EPERM); the name resolved to a protected inode";
	case ENF_AT_EPERM_NAME:
		return "deny-before-effect: the immutable flag refused the write-open "
		       "(EPERM) of a protected name; killed in the kernel";
	default:
		return "syscall matched at sys_enter";
	}
}

static const char *syscall_name(int nr)
{
	const struct enf_syscall *sc = nr >= 0 ? enf_syscall_by_nr(nr) : NULL;

	return sc ? sc->name : NULL;
}

/* The file or address the event is about, for both renderers. */
static const char *target(const struct enf_render_ctx *rc, char *buf,
			  size_t size)
{
	const struct enf_event *ev = rc->rec;
	char a[INET_ADDRSTRLEN];

	switch (ev->where) {
	case ENF_AT_FD:
		return rc->mi.file ? rc->mi.file : "(protected inode)";
	case ENF_AT_PATH:
	case ENF_AT_LEASE:
	case ENF_AT_EPERM:
	case ENF_AT_EPERM_NAME:
		if (ev->path[0])
			return ev->path;
		return rc->mi.file ? rc->mi.file : "";
	case ENF_AT_CONNECT:
	case ENF_AT_CGROUP:
		inet_ntop(AF_INET, &ev->daddr, a, sizeof(a));
		snprintf(buf, size, "%s:%u", a, ev->dport);
		return buf;
	default:
		return "";
	}
}

static void render_args(const struct enf_render_ctx *rc, struct jw *w)
{
	const struct enf_event *ev = rc->rec;
	char buf[64], a[INET_ADDRSTRLEN];

	jw_key(w, "args");
	jw_arr_begin(w);
	switch (ev->where) {
	case ENF_AT_FD:
	case ENF_AT_PATH:
	case ENF_AT_LEASE:
	case ENF_AT_EPERM:
	case ENF_AT_EPERM_NAME:
		jw_obj_begin(w);
		jw_key(w, "file_arg");
		jw_obj_begin(w);
		jw_kstr(w, "path", target(rc, buf, sizeof(buf)));
		jw_obj_end(w);
		jw_obj_end(w);
		jw_obj_begin(w);
		jw_kint(w, "int_arg",
			2); /* MAY_WRITE: every hooked access writes */
		jw_obj_end(w);
		break;
	case ENF_AT_CONNECT:
	case ENF_AT_CGROUP:
		inet_ntop(AF_INET, &ev->daddr, a, sizeof(a));
		jw_obj_begin(w);
		jw_key(w, "sock_arg");
		jw_obj_begin(w);
		jw_kstr(w, "family", "AF_INET");
		jw_kstr(w, "daddr", a);
		jw_kuint(w, "dport", ev->dport);
		jw_obj_end(w);
		jw_obj_end(w);
		break;
	default:
		for (int i = 0; i < 3; i++) {
			jw_obj_begin(w);
			jw_kint(w, "int_arg", (int64_t)ev->args[i]);
			jw_obj_end(w);
		}
	}
	jw_arr_end(w);
}

void enf_render(const struct bl_event *bev, struct jw *w)
{
	const struct enf_render_ctx *rc = bev->ctx;
	const struct enf_event *ev = rc->rec;
	const char *sc = syscall_name(ev->nr);

	if (bev->proc) {
		engine__render_story(rc->e, bev->proc, w);
	} else {
		jw_key(w, "process");
		jw_obj_begin(w);
		jw_kuint(w, "pid", ev->pid);
		jw_kuint(w, "tid", ev->tid);
		jw_kuint(w, "uid", ev->uid);
		jw_kstr(w, "binary", ev->comm);
		jw_obj_end(w);
	}
	if (rc->mi.hook_kind == POL_TRACEPOINT && rc->mi.call &&
	    strchr(rc->mi.call, '/')) {
		const char *slash = strchr(rc->mi.call, '/');

		jw_key(w, "subsys");
		jw_string_n(w, rc->mi.call, (size_t)(slash - rc->mi.call));
		jw_kstr(w, "event", slash + 1);
	} else {
		jw_kstr(w, "function_name", rc->mi.call ? rc->mi.call : "");
	}
	render_args(rc, w);
	jw_kstr(w, "action", enf_action_name(ev->action));
	jw_kstr(w, "policy_name", rc->mi.policy ? rc->mi.policy->name : "");
	jw_key(w, "bpflab");
	jw_obj_begin(w);
	if (sc)
		jw_kstr(w, "syscall", sc);
	/* what acted: "immutable+sigkill", "lease+sigkill", "sigkill", ... */
	jw_kstr(w, "mechanism", rc->mechanism ? rc->mechanism : "");
	jw_kstr(w, "detail", detail(ev->where));
	if (ev->ino) {
		/* the inode as the kernel saw it (f_inode): user space's stat must agree */
		jw_kuint(w, "ino", ev->ino);
		jw_kuint(w, "dev", ev->dev);
	}
	jw_kuint(w, "rule", ev->rule);
	jw_kuint(w, "ktime", ev->hdr.ktime);
	jw_obj_end(w);
}

void enf_render_compact(const struct bl_event *bev, char *buf, size_t size)
{
	const struct enf_render_ctx *rc = bev->ctx;
	const struct enf_event *ev = rc->rec;
	const struct proc_node *p = bev->proc;
	const char *sc = syscall_name(ev->nr);
	const char *emoji = ev->action == ENF_ACTION_POST ? "⚠️ " : "🛑";
	const char *act = ev->action == ENF_ACTION_SIGKILL  ? "SIGKILL" :
			  ev->action == ENF_ACTION_OVERRIDE ? "EPERM" :
			  ev->action == ENF_ACTION_SIGNAL   ? "SIGNAL" :
							      "";
	char where[96], tbuf[64];

	if (bev->sandbox)
		snprintf(where, sizeof(where), "sandbox/%s", bev->sandbox);
	else
		snprintf(where, sizeof(where), "host");
	snprintf(buf, size, "%s %s %s %s %s %s%s%s", emoji, where,
		 p && p->binary ? p->binary : ev->comm,
		 sc ? sc : (ev->where == ENF_AT_CGROUP ? "connect" : "?"),
		 target(rc, tbuf, sizeof(tbuf)), act,
		 rc->mechanism && ev->action != ENF_ACTION_POST ? " via " : "",
		 rc->mechanism && ev->action != ENF_ACTION_POST ?
			 rc->mechanism :
			 "");
}
