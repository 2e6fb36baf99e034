// SPDX-License-Identifier: GPL-2.0
/*
 * A TracingPolicy as a vm guest enforces it: the file paths its selectors
 * protect (Prefix/Equal values of a file or path argument), the policy's
 * mode, and whether its matchSandboxes names this sandbox. The guest's
 * BPF-LSM hooks then deny every write to those inodes with EPERM (enforce)
 * or report them (monitor), whatever the host policy's action was: in the
 * guest, LSM stops the write before it happens, so there is no need to kill.
 * Each policy a guest holds is recorded in its vm directory, so `policy
 * list` shows it and `policy delete` finds it.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "enforce/policy.h"
#include "lab/sandbox/vm.h"
#include "util/log.h"
#include "util/util.h"

#define VM_POLICY_MAX_PATHS 16

static bool is_file_arg(const struct pol_hook *h, int index)
{
	return index >= 0 && index < h->nargs &&
	       (h->arg_types[index] == POL_ARG_FILE ||
		h->arg_types[index] == POL_ARG_PATH ||
		h->arg_types[index] == POL_ARG_FD);
}

/* Does the selector apply to this sandbox (no matchSandboxes: it does)? */
static bool selects(const struct pol_selector *s, const char *name)
{
	bool listed = false;

	if (s->sandboxes.op == POL_OP_NONE)
		return true;
	for (int i = 0; i < s->sandboxes.nvalues; i++)
		listed |= !strcmp(s->sandboxes.values[i], name) ||
			  !strcmp(s->sandboxes.values[i], "*");
	return s->sandboxes.op == POL_OP_NOT_IN ? !listed : listed;
}

/* "net:CIDR" or "sys:NAME": an entry the agent reads by its prefix */
static void add_tagged(char tagged[][64], int *n, char **paths, const char *tag,
		       const char *v)
{
	if (*n >= VM_POLICY_MAX_PATHS)
		return;
	snprintf(tagged[*n], 64, "%s:%s", tag, v);
	paths[*n] = tagged[*n];
	(*n)++;
}

/*
 * A syscall hook whose selector matches no argument denies the call itself
 * (deny-escape.yaml's mount, setns, module and open_by_handle_at list):
 * the guest stops each one at the LSM hook it reaches.
 */
static void add_syscalls(const struct pol_hook *hook, char tagged[][64], int *n,
			 char **paths)
{
	if (!hook->syscall)
		return;
	if (!hook->ncalls) {
		add_tagged(tagged, n, paths, "sys", hook->call);
		return;
	}
	for (int c = 0; c < hook->ncalls; c++)
		add_tagged(tagged, n, paths, "sys", hook->calls[c]);
}

static void add_path(char **paths, int *n, const char *v)
{
	for (int i = 0; i < *n; i++)
		if (!strcmp(paths[i], v))
			return;
	if (*n < VM_POLICY_MAX_PATHS && v[0] == '/')
		paths[(*n)++] = (char *)v;
}

/* <run>/vm/NAME/policies/POLICY: "MODE ENTRIES", what `policy list` shows */
static void record(const struct sandbox *sb, const char *policy,
		   const char *mode, int entries)
{
	char dir[PATH_MAX], path[PATH_MAX + 160], text[64];

	vm_path(dir, sizeof(dir), sb->name, "policies");
	if (mkdir_p(dir, 0755))
		return;
	snprintf(path, sizeof(path), "%s/%.128s", dir, policy);
	snprintf(text, sizeof(text), "%s %d\n", mode, entries);
	unlink(path);
	if (write_new_file(path, text, 0644))
		pr_warn("vm %s: can't record policy %s\n", sb->name, policy);
}

/* A policy name becomes a file name: nothing that leaves the directory. */
static bool name_ok(const char *name)
{
	return name[0] && name[0] != '.' && !strchr(name, '/') &&
	       strlen(name) < 128;
}

int vm_policy_apply(const struct sandbox *sb, const struct policy *p)
{
	char *paths[VM_POLICY_MAX_PATHS];
	char nets[VM_POLICY_MAX_PATHS][64];
	const char *mode = p->monitor ? "monitor" : "enforce";
	int n = 0, rc;

	if (!name_ok(p->name))
		return -EINVAL;
	for (int h = 0; h < p->nhooks; h++) {
		const struct pol_hook *hook = &p->hooks[h];
		bool syscalls_added = false;

		for (int s = 0; s < hook->nselectors; s++) {
			const struct pol_selector *sel = &hook->selectors[s];

			if (!selects(sel, sb->name))
				continue;
			if (!sel->nargs && !syscalls_added) {
				add_syscalls(hook, nets, &n, paths);
				syscalls_added = true;
			}
			for (int a = 0; a < sel->nargs; a++) {
				const struct pol_match *m = &sel->args[a];

				/* sys_connect's DAddr: a network the guest may not call */
				if (m->op == POL_OP_DADDR)
					for (int v = 0; v < m->nvalues; v++)
						add_tagged(nets, &n, paths,
							   "net", m->values[v]);
				if (!is_file_arg(hook, m->index) ||
				    (m->op != POL_OP_PREFIX &&
				     m->op != POL_OP_EQUAL))
					continue;
				for (int v = 0; v < m->nvalues; v++)
					add_path(paths, &n, m->values[v]);
			}
		}
	}
	rc = vm_policy_push(sb, p->name, mode, paths, n);
	if (rc < 0) {
		pr_err("vm %s: the guest refused policy %s: %s\n", sb->name,
		       p->name, strerror(-rc));
		return rc;
	}
	pr_debug("vm %s: policy %s: %d rule(s) in the guest\n", sb->name,
		 p->name, rc);
	record(sb, p->name, mode, rc);
	return rc;
}

int vm_policy_apply_file(const struct sandbox *sb, const char *file)
{
	struct policy *p = NULL;
	char err[512];
	int rc;

	rc = policy_parse_file(file, &p, err, sizeof(err));
	if (rc) {
		pr_err("%s\n", err);
		return rc;
	}
	rc = vm_policy_apply(sb, p);
	policy_free(p);
	return rc < 0 ? rc : 0;
}

int vm_policy_remove(const struct sandbox *sb, const char *policy)
{
	char path[PATH_MAX + 160], dir[PATH_MAX];
	int rc;

	if (!name_ok(policy))
		return -EINVAL;
	vm_path(dir, sizeof(dir), sb->name, "policies");
	snprintf(path, sizeof(path), "%s/%s", dir, policy);
	if (access(path, F_OK))
		return -ENOENT;
	rc = vm_policy_drop(sb, policy);
	/* a guest that is gone enforces nothing: the record goes either way */
	unlink(path);
	rmdir(dir);
	return rc == -ENOENT ? 0 : rc;
}
