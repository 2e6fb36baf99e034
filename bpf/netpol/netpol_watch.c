// SPDX-License-Identifier: GPL-2.0
/*
 * Sandboxes as endpoints: the lab's state files (bl_run_dir()/sandboxes/
 * NAME.json) are the truth about which sandboxes exist, their labels, cgroup
 * and address. Polled once a second; only a difference triggers a commit.
 */
#include <arpa/inet.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "lab/sandbox/sandbox.h"
#include "netpol/netpol_priv.h"
#include "util/log.h"
#include "util/paths.h"

/* The endpoint a sandbox state describes; false if it has none (no address). */
static bool ep_of_sandbox(const struct sandbox *sb, struct netpol_endpoint *ep)
{
	char ip[64], *slash;
	struct in_addr a;
	struct stat st;

	memset(ep, 0, sizeof(*ep));
	snprintf(ip, sizeof(ip), "%s", sb->ip);
	slash = strchr(ip, '/');
	if (slash)
		*slash = '\0';
	if (!ip[0] || inet_pton(AF_INET, ip, &a) != 1)
		return false;
	snprintf(ep->name, sizeof(ep->name), "%s", sb->name);
	ep->ip = a.s_addr;
	for (int i = 0; i < sb->n_labels; i++)
		if (np_labels_add(&ep->labels, sb->labels[i].key,
				  sb->labels[i].value))
			pr_debug(
				"netpol: sandbox %s: label %s skipped (too long)\n",
				sb->name, sb->labels[i].key);
	np_labels_sort(&ep->labels);
	if (sb->cgroup_path[0] && !stat(sb->cgroup_path, &st) &&
	    S_ISDIR(st.st_mode))
		snprintf(ep->cgroup, sizeof(ep->cgroup), "%s", sb->cgroup_path);
	ep->from_sandbox = true;
	return true;
}

static bool same(const struct netpol_endpoint *a,
		 const struct netpol_endpoint *b)
{
	return a->ip == b->ip && !strcmp(a->cgroup, b->cgroup) &&
	       np_labels_equal(&a->labels, &b->labels);
}

void netpol__sync_sandboxes(struct netpol *np)
{
	struct netpol_endpoint *changed = NULL, ep;
	char dir[512], path[1024], err[256] = "";
	char(*seen)[NETPOL_EP_NAME] = NULL;
	int nchanged = 0, nseen = 0, cap = 0;
	struct sandbox sb;
	struct dirent *de;
	DIR *d;

	snprintf(dir, sizeof(dir), "%s/sandboxes", bl_run_dir());
	d = opendir(dir);
	while (d && (de = readdir(d))) {
		size_t len = strlen(de->d_name);
		const struct netpol_endpoint *cur;

		if (len < 6 || strcmp(de->d_name + len - 5, ".json") != 0)
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		if (sandbox_state_load(path, &sb) || !ep_of_sandbox(&sb, &ep))
			continue;
		if (nseen == cap) {
			int ncap = cap ? cap * 2 : 16;
			void *s = realloc(seen, ncap * sizeof(*seen));
			void *c =
				s ? realloc(changed, ncap * sizeof(*changed)) :
				    NULL;

			if (!c) {
				free(s ? s : seen);
				seen = NULL;
				goto out;
			}
			seen = s;
			changed = c;
			cap = ncap;
		}
		snprintf(seen[nseen++], NETPOL_EP_NAME, "%s", ep.name);
		cur = netpol__endpoint(np, ep.name);
		if (cur && (!cur->from_sandbox || same(cur, &ep)))
			continue; /* declared by hand, or unchanged */
		changed[nchanged++] = ep;
	}
	if (nchanged &&
	    netpol__endpoints_set(np, changed, nchanged, err, sizeof(err)))
		pr_warn("netpol: sandbox endpoints: %s\n", err);
	for (int i = np->neps - 1; i >= 0; i--) {
		bool found = false;

		if (!np->eps[i].from_sandbox)
			continue;
		for (int j = 0; j < nseen && !found; j++)
			found = !strcmp(seen[j], np->eps[i].name);
		if (!found)
			netpol__endpoint_del(np, np->eps[i].name);
	}
out:
	if (d)
		closedir(d);
	free(seen);
	free(changed);
}
