// SPDX-License-Identifier: GPL-2.0
/* Process objects in Tetragon's JSON shape, plus bpflab's "sandbox". */
#include <stdio.h>
#include <string.h>

#include "proc/proc_tree.h"
#include "util/jw.h"
#include "util/util.h"

#define MAX_ANCESTORS 64

static void render_flags(const struct proc_node *p, struct jw *w)
{
	char flags[64];

	if (p->from_procfs)
		snprintf(flags, sizeof(flags), "procFS");
	else if (!p->is_exec)
		snprintf(flags, sizeof(flags), "clone");
	else
		snprintf(flags, sizeof(flags), "execve%s",
			 p->cwd && !strcmp(p->cwd, "/") ? " rootcwd" : "");
	jw_kstr(w, "flags", flags);
}

void proc__render_process(const struct proc_node *p, struct jw *w,
			  proc_sandbox_fn sb, void *sb_ctx)
{
	const char *sandbox = NULL, *kind = NULL;
	char ts[48];

	jw_obj_begin(w);
	jw_kstr(w, "exec_id", p->exec_id);
	jw_kuint(w, "pid", p->pid);
	jw_kuint(w, "uid", p->uid);
	jw_kstr(w, "cwd", p->cwd ? p->cwd : "");
	jw_kstr(w, "binary", p->binary && p->binary[0] ? p->binary : p->comm);
	if (p->args && p->args[0])
		jw_kstr(w, "arguments", p->args);
	render_flags(p, w);
	format_rfc3339_ns(p->start_real_ns, ts, sizeof(ts));
	jw_kstr(w, "start_time", ts);
	jw_kuint(w, "auid", p->auid);
	if (p->parent_exec_id[0])
		jw_kstr(w, "parent_exec_id", p->parent_exec_id);
	jw_kuint(w, "tid", p->tid ? p->tid : p->pid);
	if (sb)
		sandbox = sb(p->cgroup_id, &kind, sb_ctx);
	if (sandbox) {
		jw_key(w, "sandbox");
		jw_obj_begin(w);
		jw_kstr(w, "name", sandbox);
		jw_kstr(w, "kind", kind ? kind : "ns");
		jw_kuint(w, "cgroup_id", p->cgroup_id);
		jw_obj_end(w);
	}
	jw_obj_end(w);
}

void proc__render_story(const struct proc_node *p, struct jw *w,
			proc_sandbox_fn sb, void *sb_ctx)
{
	const struct proc_node *a;
	int n = 0;

	jw_key(w, "process");
	proc__render_process(p, w, sb, sb_ctx);
	if (!p->parent)
		return;
	jw_key(w, "parent");
	proc__render_process(p->parent, w, sb, sb_ctx);
	if (!p->parent->parent)
		return;
	/* Tetragon: ancestors start at the grandparent, oldest last */
	jw_key(w, "ancestors");
	jw_arr_begin(w);
	for (a = p->parent->parent; a && n < MAX_ANCESTORS; a = a->parent, n++)
		proc__render_process(a, w, sb, sb_ctx);
	jw_arr_end(w);
}
