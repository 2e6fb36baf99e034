// SPDX-License-Identifier: GPL-2.0
/*
 * A TracingPolicy as a vm guest enforces it: the file paths its selectors
 * protect (Prefix/Equal values of a file or path argument), the policy's
 * mode, and whether its matchSandboxes names this sandbox. The guest's
 * BPF-LSM hooks then deny every write to those inodes with EPERM (enforce)
 * or report them (monitor), whatever the host policy's action was: in the
 * guest, LSM stops the write before it happens, so there is no need to kill.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "enforce/policy.h"
#include "lab/sandbox/vm.h"
#include "util/log.h"

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

static void add_net(char nets[][64], int *n, char **paths, const char *v)
{
	if (*n >= VM_POLICY_MAX_PATHS)
		return;
	snprintf(nets[*n], 64, "net:%s", v);
	paths[*n] = nets[*n];
	(*n)++;
}

static void add_path(char **paths, int *n, const char *v)
{
	for (int i = 0; i < *n; i++)
		if (!strcmp(paths[i], v))
			return;
	if (*n < VM_POLICY_MAX_PATHS && v[0] == '/')
		paths[(*n)++] = (char *)v;
}

int vm_policy_apply_file(const struct sandbox *sb, const char *file)
{
	char *paths[VM_POLICY_MAX_PATHS], err[512];
	char nets[VM_POLICY_MAX_PATHS][64];
	struct policy *p = NULL;
	int n = 0, rc;

	rc = policy_parse_file(file, &p, err, sizeof(err));
	if (rc) {
		pr_err("%s\n", err);
		return rc;
	}
	for (int h = 0; h < p->nhooks; h++) {
		const struct pol_hook *hook = &p->hooks[h];

		for (int s = 0; s < hook->nselectors; s++) {
			const struct pol_selector *sel = &hook->selectors[s];

			if (!selects(sel, sb->name))
				continue;
			for (int a = 0; a < sel->nargs; a++) {
				const struct pol_match *m = &sel->args[a];

				/* sys_connect's DAddr: a network the guest may not call */
				if (m->op == POL_OP_DADDR)
					for (int v = 0; v < m->nvalues; v++)
						add_net(nets, &n, paths,
							m->values[v]);
				if (!is_file_arg(hook, m->index) ||
				    (m->op != POL_OP_PREFIX &&
				     m->op != POL_OP_EQUAL))
					continue;
				for (int v = 0; v < m->nvalues; v++)
					add_path(paths, &n, m->values[v]);
			}
		}
	}
	rc = vm_policy_push(sb, p->name, p->monitor ? "monitor" : "enforce",
			    paths, n);
	if (rc < 0)
		pr_err("vm %s: the guest refused policy %s: %s\n", sb->name,
		       p->name, strerror(-rc));
	else
		pr_debug("vm %s: policy %s protects %d inode(s) in the guest\n",
			 sb->name, p->name, rc);
	policy_free(p);
	return rc < 0 ? rc : 0;
}
