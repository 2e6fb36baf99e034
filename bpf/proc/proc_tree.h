/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The user-space process tree: every process bpflab has seen (from /proc at
 * start, then fork/exec/exit events), with its exec_id and ancestry, so any
 * event can tell its whole story line. Exited processes stay while a live
 * descendant or a recent event may still name them.
 */
#ifndef BPFLAB_PROC_TREE_H
#define BPFLAB_PROC_TREE_H

#include <stdbool.h>
#include <stdint.h>

struct jw;

struct proc_node {
	uint32_t pid; /* tgid */
	uint32_t ppid;
	uint64_t ktime; /* exec (or fork) ktime: with pid, the exec_id */
	uint64_t parent_ktime; /* the parent's exec ktime */
	uint64_t start_real_ns; /* wall clock of ktime */
	uint64_t cgroup_id;
	uint32_t uid, auid;
	uint32_t tid;
	uint32_t ns_pid; /* pid inside its pid namespace */
	int exit_code; /* wait status, valid when exited */
	bool exited;
	bool from_procfs; /* found at start-up, not seen exec'ing */
	bool is_exec; /* an exec; false for a fork that has not exec'd */
	char exec_id[96]; /* base64("node:ktime:pid") */
	char parent_exec_id[96];
	char *binary; /* absolute path */
	char *args; /* argv[1..] joined by spaces, as Tetragon prints */
	char *cwd;
	char comm[16];
	struct proc_node *parent; /* may be NULL when unknown */
	uint64_t exit_real_ns;
	/* tree bookkeeping (proc_tree.c) */
	struct proc_node *hnext; /* hash chain by pid */
	int live_children;
	uint64_t last_use_ns;
};

struct proc_tree;

struct proc_tree *proc_tree__new(const char *node);
void proc_tree__free(struct proc_tree *t);

/* The newest process with this pid (live, or recently exited). */
struct proc_node *proc_tree__find(struct proc_tree *t, uint32_t pid);
/* The exact exec (pid, ktime), or NULL. */
struct proc_node *proc_tree__find_exec(struct proc_tree *t, uint32_t pid,
				       uint64_t ktime);

/* Insert a process (exec or fork); the tree takes ownership of the strings. */
struct proc_node *proc_tree__add(struct proc_tree *t,
				 const struct proc_node *tmpl);
void proc_tree__exit(struct proc_tree *t, struct proc_node *p, int exit_code,
		     uint64_t real_ns);
/* Forget exited processes older than max_age_ns with no live descendants. */
int proc_tree__gc(struct proc_tree *t, uint64_t now_ns, uint64_t max_age_ns);
/* Read /proc: every process already running, ancestry linked. */
int proc_tree__scan_procfs(struct proc_tree *t);
unsigned proc_tree__count(const struct proc_tree *t);
/* Visit every node (live and exited); stop when fn returns non-zero. */
int proc_tree__for_each(struct proc_tree *t,
			int (*fn)(struct proc_node *p, void *ctx), void *ctx);

/* exec_id = base64("node:ktime:pid"), as Tetragon forms it. */
void proc_exec_id(const char *node, uint64_t ktime, uint32_t pid, char *out,
		  size_t size);

/*
 * Rendering, Tetragon shapes. proc__render_process writes one process object
 * ({"exec_id":..,"pid":..,"binary":..,...,"sandbox":{..}}) as a value.
 * proc__render_story writes the members "process", "parent" and "ancestors"
 * (oldest last) into the current object.
 */
typedef const char *(*proc_sandbox_fn)(uint64_t cgroup_id, const char **kind,
				       void *ctx);
void proc__render_process(const struct proc_node *p, struct jw *w,
			  proc_sandbox_fn sb, void *sb_ctx);
void proc__render_story(const struct proc_node *p, struct jw *w,
			proc_sandbox_fn sb, void *sb_ctx);

#endif
