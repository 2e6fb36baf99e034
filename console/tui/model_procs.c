// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "console/tui/model_procs.h"
#include "console/tui/tui.h"
#include "engine/engine.h"
#include "observe/usage.h"
#include "proc/proc_tree.h"

static struct usage *usage; /* loaded once, on first use */
static struct usage_snap prev;
static bool have_prev, usage_failed;

struct collect {
	struct proc_tree *tree;
	struct proc_node **v;
	int n, cap;
};

static int collect_live(struct proc_node *p, void *ctx)
{
	struct collect *c = ctx;

	/* a pid's fork node stays next to its exec: show the newest only */
	if (p->exited || proc_tree__find(c->tree, p->pid) != p)
		return 0;
	if (c->n == c->cap) {
		int cap = c->cap ? c->cap * 2 : 256;
		/* an array of pointers: sizeof(*v) is a pointer's size */
		struct proc_node **v = realloc(
			c->v,
			(size_t)cap *
				sizeof(*v)); // NOLINT(bugprone-sizeof-expression)

		if (!v)
			return -ENOMEM;
		c->v = v;
		c->cap = cap;
	}
	c->v[c->n++] = p;
	return 0;
}

static double cpu_of(const struct usage_snap *now, uint64_t key, bool cgroup)
{
	const struct usage_row *a, *b;
	double dt;

	if (!have_prev || now->ktime <= prev.ktime)
		return 0;
	dt = (double)(now->ktime - prev.ktime);
	if (cgroup) {
		a = usage_snap__find(now->cgroups, now->ncgroups, key);
		b = usage_snap__find(prev.cgroups, prev.ncgroups, key);
	} else {
		a = usage_snap__find(now->procs, now->nprocs, key);
		b = usage_snap__find(prev.procs, prev.nprocs, key);
	}
	if (!a)
		return 0;
	return (double)(a->cpu_ns -
			(b && b->cpu_ns <= a->cpu_ns ? b->cpu_ns : 0)) /
	       dt * 100.0;
}

static void fill_row(struct tui *t, struct mproc_row *r,
		     const struct proc_node *p, const struct usage_snap *snap,
		     int depth)
{
	const char *sb = engine__sandbox_name(t->e, p->cgroup_id, NULL);

	r->pid = p->pid;
	r->ppid = p->ppid;
	r->uid = p->uid;
	r->depth = depth;
	r->cpu_pct = snap ? cpu_of(snap, p->pid, false) : 0;
	snprintf(r->sandbox, sizeof(r->sandbox), "%s", sb ? sb : "host");
	snprintf(r->cmd, sizeof(r->cmd), "%s %s",
		 p->binary ? p->binary : p->comm, p->args ? p->args : "");
}

static bool is_root(const struct proc_node *p)
{
	return !p->parent || p->parent->exited;
}

/* Depth-first: a parent, then its children; O(n^2) over a few hundred rows. */
static void emit_tree(struct tui *t, struct model_procs *m, struct collect *c,
		      const struct proc_node *p, int depth,
		      const struct usage_snap *snap)
{
	if (m->n >= c->n || depth > 64)
		return;
	fill_row(t, &m->rows[m->n++], p, snap, depth);
	for (int i = 0; i < c->n; i++)
		if (c->v[i]->parent == p && !c->v[i]->exited && c->v[i] != p)
			emit_tree(t, m, c, c->v[i], depth + 1, snap);
}

static void sum_sandboxes(struct model_procs *m)
{
	m->nsbx = 0;
	for (int i = 0; i < m->n; i++) {
		int k;

		for (k = 0; k < m->nsbx; k++)
			if (!strcmp(m->sbx[k].name, m->rows[i].sandbox))
				break;
		if (k == m->nsbx) {
			if (m->nsbx == 16)
				continue;
			memset(&m->sbx[k], 0, sizeof(m->sbx[k]));
			snprintf(m->sbx[k].name, sizeof(m->sbx[k].name), "%s",
				 m->rows[i].sandbox);
			m->nsbx++;
		}
		m->sbx[k].cpu_pct += m->rows[i].cpu_pct;
		m->sbx[k].procs++;
	}
}

int mprocs_refresh(struct tui *t, struct model_procs *m, bool tree)
{
	struct collect c = {};
	struct usage_snap snap = {}, *sp = NULL;
	int err;

	if (!t->e) {
		snprintf(m->error, sizeof(m->error),
			 "no engine in this session (replay)");
		return -ENOTCONN;
	}
	if (!usage && !usage_failed) {
		err = usage__open(&usage);
		if (err) {
			usage_failed = true;
			snprintf(m->error, sizeof(m->error),
				 "CPU unknown: usage programs: %s",
				 strerror(-err));
		}
	}
	if (usage && !usage__snapshot(usage, &snap))
		sp = &snap;
	c.tree = engine__procs(t->e);
	err = proc_tree__for_each(c.tree, collect_live, &c);
	free(m->rows);
	m->rows = calloc((size_t)(c.n ? c.n : 1), sizeof(*m->rows));
	m->n = 0;
	if (!m->rows || err) {
		free(c.v);
		usage_snap__free(&snap);
		return -ENOMEM;
	}
	if (tree) {
		for (int i = 0; i < c.n; i++)
			if (is_root(c.v[i]))
				emit_tree(t, m, &c, c.v[i], 0, sp);
	} else {
		for (int i = 0; i < c.n; i++)
			fill_row(t, &m->rows[m->n++], c.v[i], sp, 0);
	}
	sum_sandboxes(m);
	free(c.v);
	if (sp) {
		if (have_prev)
			usage_snap__free(&prev);
		prev = snap;
		have_prev = true;
	}
	return 0;
}

void mprocs_free(struct model_procs *m)
{
	free(m->rows);
	memset(m, 0, sizeof(*m));
}

void mprocs_shutdown(void)
{
	if (have_prev)
		usage_snap__free(&prev);
	have_prev = false;
	usage__close(usage);
	usage = NULL;
}
