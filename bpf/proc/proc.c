// SPDX-License-Identifier: GPL-2.0
/*
 * The proc module: loads proc.bpf.c, seeds the kernel's execve_map with the
 * processes that were already running, and turns fork/exec/exit records into
 * the process tree and process_exec / process_exit events.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "engine/engine.h"
#include "engine/reload.h"
#include "proc/proc_decode.h"
#include "proc/proc_tree.h"
#include "skel/proc.skel.h"
#include "util/jw.h"
#include "util/log.h"
#include "util/util.h"

struct proc_mod {
	struct proc_bpf *skel;
	struct engine *e;
};

struct exit_ctx {
	int status;
};

static void render_exec(const struct bl_event *ev, struct jw *w)
{
	engine__render_story(ev->ctx, ev->proc, w);
}

static void render_exit(const struct bl_event *ev, struct jw *w)
{
	const struct proc_node *p = ev->proc;
	int code = p->exit_code;

	engine__render_story(ev->ctx, p, w);
	if (WIFSIGNALED(code) && signal_name(WTERMSIG(code)))
		jw_kstr(w, "signal", signal_name(WTERMSIG(code)));
	jw_kuint(w, "status", WIFEXITED(code) ? WEXITSTATUS(code) : 0);
}

static const char *where(const struct bl_event *ev)
{
	return ev->sandbox ? ev->sandbox : "host";
}

static void compact_exec(const struct bl_event *ev, char *buf, size_t size)
{
	const struct proc_node *p = ev->proc;

	snprintf(buf, size, "🚀 process %s %u %s %s", where(ev), p->pid,
		 p->binary ? p->binary : p->comm, p->args ? p->args : "");
}

static void compact_exit(const struct bl_event *ev, char *buf, size_t size)
{
	const struct proc_node *p = ev->proc;
	char how[32];

	if (WIFSIGNALED(p->exit_code) && signal_name(WTERMSIG(p->exit_code)))
		snprintf(how, sizeof(how), "%s",
			 signal_name(WTERMSIG(p->exit_code)));
	else
		snprintf(how, sizeof(how), "%d", WEXITSTATUS(p->exit_code));
	snprintf(buf, size, "💥 exit    %s %u %s %s %s", where(ev), p->pid,
		 p->binary ? p->binary : p->comm, p->args ? p->args : "", how);
}

static void emit(struct proc_mod *m, struct proc_node *p, uint16_t op,
		 uint64_t ktime)
{
	struct bl_event ev = {
		.op = op,
		.ktime = ktime,
		.proc = p,
		.ctx = m->e,
	};

	if (op == BL_OP_EXEC) {
		ev.type = "process_exec";
		ev.render = render_exec;
		ev.render_compact = compact_exec;
	} else {
		ev.type = "process_exit";
		ev.render = render_exit;
		ev.render_compact = compact_exit;
	}
	engine__emit(m->e, &ev);
}

/* A fork copies its parent's image until it execs. */
static void inherit_image(struct proc_node *child,
			  const struct proc_node *parent)
{
	if (!parent)
		return;
	child->binary = parent->binary ? strdup(parent->binary) : NULL;
	child->args = parent->args ? strdup(parent->args) : NULL;
	child->cwd = parent->cwd ? strdup(parent->cwd) : NULL;
	child->uid = parent->uid;
	child->auid = parent->auid;
}

static int on_record(struct engine *e, const void *rec, size_t len, void *ctx)
{
	const struct bl_hdr *h = rec;
	struct proc_tree *t = engine__procs(e);
	struct proc_mod *m = ctx;
	struct bl_exit_event ex;
	struct proc_node tmpl, *p;

	switch (h->op) {
	case BL_OP_EXEC:
		if (proc_decode_exec(rec, len, &tmpl))
			return 0;
		p = proc_tree__add(t, &tmpl);
		if (p)
			emit(m, p, BL_OP_EXEC, h->ktime);
		break;
	case BL_OP_FORK:
		if (proc_decode_fork(rec, len, &tmpl))
			return 0;
		inherit_image(&tmpl,
			      tmpl.parent_ktime ?
				      proc_tree__find_exec(t, tmpl.ppid,
							   tmpl.parent_ktime) :
				      proc_tree__find(t, tmpl.ppid));
		proc_tree__add(t, &tmpl);
		break;
	case BL_OP_EXIT:
		if (proc_decode_exit(rec, len, &ex))
			return 0;
		p = ex.proc.ktime ? proc_tree__find_exec(t, ex.proc.pid,
							 ex.proc.ktime) :
				    NULL;
		if (!p)
			p = proc_tree__find(t, ex.proc.pid);
		if (!p || p->exited)
			return 0;
		proc_tree__exit(t, p, (int)ex.exit_code,
				ktime_to_realtime_ns(h->ktime));
		emit(m, p, BL_OP_EXIT, h->ktime);
		break;
	}
	return 0;
}

/* Give running processes a kernel entry keyed like the tree's, so children
 * forked from them get a resolvable parent exec_id. */
static int seed_one(struct proc_node *p, void *ctx)
{
	struct proc_mod *m = ctx;
	struct bl_proc_entry v = {
		.key = { .pid = p->pid, .ktime = p->ktime },
		.parent = { .pid = p->ppid, .ktime = p->parent_ktime },
		.cgroup_id = p->cgroup_id,
	};

	if (!p->exited)
		bpf_map_update_elem(bpf_map__fd(m->skel->maps.execve_map),
				    &p->pid, &v, BPF_NOEXIST);
	return 0;
}

static void proc_unload(struct engine *e, void *state)
{
	struct proc_mod *m = state;

	(void)e;
	if (!m)
		return;
	if (m->skel)
		reload_untrack(m->skel->obj);
	proc_bpf__destroy(m->skel);
	free(m);
}

static int proc_load(struct engine *e, void **state)
{
	struct proc_mod *m = calloc(1, sizeof(*m));
	int err;

	if (!m)
		return -ENOMEM;
	m->e = e;
	m->skel = proc_bpf__open_and_load();
	if (!m->skel) {
		err = -errno;
		pr_err("proc: loading the process hooks failed: %s",
		       strerror(-err));
		goto fail;
	}
	reload_track(m->skel->skeleton);
	err = proc_bpf__attach(m->skel);
	if (err) {
		pr_err("proc: attaching tp_btf/sched_process_{fork,exec,exit} failed: %s",
		       strerror(-err));
		goto fail;
	}
	/* after attach: nothing started in between is missed */
	proc_tree__scan_procfs(engine__procs(e));
	proc_tree__for_each(engine__procs(e), seed_one, m);
	err = engine__add_ringbuf(e, "proc", bpf_map__fd(m->skel->maps.proc_rb),
				  bpf_map__fd(m->skel->maps.proc_stats),
				  on_record, m);
	if (err)
		goto fail;
	*state = m;
	return 0;
fail:
	proc_unload(e, m);
	return err;
}

ENGINE_MODULE(
	proc, .name = "proc",
	.summary = "process story lines: fork, exec, exit (tp_btf sched_*)",
	.load = proc_load, .unload = proc_unload, .order = 0,
	.default_on = true);
