// SPDX-License-Identifier: GPL-2.0
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "proc/proc_tree.h"
#include "util/num.h"
#include "util/paths.h"
#include "util/util.h"

#define TREE_BUCKETS 16384

struct proc_tree {
	struct proc_node *bucket[TREE_BUCKETS];
	unsigned count;
	char node[256];
};

static unsigned bucket_of(uint32_t pid)
{
	return (pid * 2654435761u) % TREE_BUCKETS;
}

void proc_exec_id(const char *node, uint64_t ktime, uint32_t pid, char *out,
		  size_t size)
{
	char raw[320];
	int n = snprintf(raw, sizeof(raw), "%s:%llu:%u", node,
			 (unsigned long long)ktime, pid);

	base64_encode(raw, (size_t)n, out, size);
}

struct proc_tree *proc_tree__new(const char *node)
{
	struct proc_tree *t = calloc(1, sizeof(*t));

	if (t)
		snprintf(t->node, sizeof(t->node), "%s", node);
	return t;
}

static void node_free(struct proc_node *p)
{
	free(p->binary);
	free(p->args);
	free(p->cwd);
	free(p);
}

void proc_tree__free(struct proc_tree *t)
{
	if (!t)
		return;
	for (unsigned i = 0; i < TREE_BUCKETS; i++) {
		struct proc_node *p = t->bucket[i], *next;

		for (; p; p = next) {
			next = p->hnext;
			node_free(p);
		}
	}
	free(t);
}

struct proc_node *proc_tree__find(struct proc_tree *t, uint32_t pid)
{
	struct proc_node *p = t->bucket[bucket_of(pid)];

	/* chains hold the newest instance of a pid first */
	for (; p; p = p->hnext)
		if (p->pid == pid)
			return p;
	return NULL;
}

struct proc_node *proc_tree__find_exec(struct proc_tree *t, uint32_t pid,
				       uint64_t ktime)
{
	struct proc_node *p = t->bucket[bucket_of(pid)];

	for (; p; p = p->hnext)
		if (p->pid == pid && p->ktime == ktime)
			return p;
	return NULL;
}

static void set_parent(struct proc_node *p, struct proc_node *parent)
{
	if (p->parent)
		p->parent->live_children--;
	p->parent = parent;
	if (parent)
		parent->live_children++;
}

struct proc_node *proc_tree__add(struct proc_tree *t,
				 const struct proc_node *tmpl)
{
	struct proc_node *p = calloc(1, sizeof(*p)), *parent = NULL;
	unsigned b = bucket_of(tmpl->pid);

	if (!p)
		return NULL;
	*p = *tmpl;
	p->parent = NULL;
	p->live_children = 0;
	if (tmpl->parent_ktime)
		parent =
			proc_tree__find_exec(t, tmpl->ppid, tmpl->parent_ktime);
	if (!parent && tmpl->ppid)
		parent = proc_tree__find(t, tmpl->ppid);
	/* a process is never its own ancestor, even when pids wrap */
	if (parent && parent->pid == p->pid)
		parent = NULL;
	set_parent(p, parent);
	if (parent) {
		p->parent_ktime = parent->ktime;
		snprintf(p->parent_exec_id, sizeof(p->parent_exec_id), "%s",
			 parent->exec_id);
	}
	if (!p->exec_id[0])
		proc_exec_id(t->node, p->ktime, p->pid, p->exec_id,
			     sizeof(p->exec_id));
	if (!p->parent_exec_id[0] && p->ppid)
		proc_exec_id(t->node, p->parent_ktime, p->ppid,
			     p->parent_exec_id, sizeof(p->parent_exec_id));
	p->hnext = t->bucket[b];
	t->bucket[b] = p;
	t->count++;
	return p;
}

void proc_tree__exit(struct proc_tree *t, struct proc_node *p, int exit_code,
		     uint64_t real_ns)
{
	(void)t;
	p->exited = true;
	p->exit_code = exit_code;
	p->exit_real_ns = real_ns;
	p->last_use_ns = real_ns;
}

int proc_tree__gc(struct proc_tree *t, uint64_t now_ns, uint64_t max_age_ns)
{
	int freed = 0;

	for (unsigned i = 0; i < TREE_BUCKETS; i++) {
		struct proc_node **pp = &t->bucket[i];

		while (*pp) {
			struct proc_node *p = *pp;
			uint64_t seen = p->last_use_ns > p->exit_real_ns ?
						p->last_use_ns :
						p->exit_real_ns;

			if (!p->exited || p->live_children > 0 ||
			    now_ns - seen < max_age_ns) {
				pp = &p->hnext;
				continue;
			}
			*pp = p->hnext;
			set_parent(p, NULL);
			node_free(p);
			t->count--;
			freed++;
		}
	}
	return freed;
}

unsigned proc_tree__count(const struct proc_tree *t)
{
	return t->count;
}

int proc_tree__for_each(struct proc_tree *t,
			int (*fn)(struct proc_node *p, void *ctx), void *ctx)
{
	for (unsigned i = 0; i < TREE_BUCKETS; i++)
		for (struct proc_node *p = t->bucket[i]; p; p = p->hnext) {
			int r = fn(p, ctx);

			if (r)
				return r;
		}
	return 0;
}

/* argv from /proc/PID/cmdline without argv[0], joined by spaces. */
static char *procfs_args(int pid)
{
	char path[64], buf[4096];
	ssize_t n;
	size_t skip;

	snprintf(path, sizeof(path), "/proc/%d/cmdline", pid);
	n = read_file(path, buf, sizeof(buf));
	if (n <= 0)
		return strdup("");
	skip = strnlen(buf, (size_t)n);
	if (skip >= (size_t)n)
		return strdup("");
	for (ssize_t i = skip + 1; i < n; i++)
		if (!buf[i])
			buf[i] = ' ';
	while (n > 0 && buf[n - 1] == ' ')
		buf[--n] = 0;
	return strdup(buf + skip + 1);
}

static char *procfs_link(int pid, const char *what)
{
	char path[64], buf[4096];
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/%d/%s", pid, what);
	n = readlink(path, buf, sizeof(buf) - 1);
	if (n < 0)
		return strdup("");
	buf[n] = 0;
	return strdup(buf);
}

/* cgroup v2 id of a process: the inode of its directory in the v2 mount. */
static uint64_t procfs_cgroup_id(int pid)
{
	char path[64], buf[4096], dir[4200], *line;
	struct stat st;

	snprintf(path, sizeof(path), "/proc/%d/cgroup", pid);
	if (read_file(path, buf, sizeof(buf)) <= 0)
		return 0;
	for (line = strtok(buf, "\n"); line; line = strtok(NULL, "\n")) {
		if (strncmp(line, "0::", 3))
			continue;
		snprintf(dir, sizeof(dir), "%s%s", BL_CGROUP_ROOT, line + 3);
		return stat(dir, &st) ? 0 : st.st_ino;
	}
	return 0;
}

static int procfs_fill(int pid, struct proc_node *p)
{
	char path[64], buf[1024], *s;
	unsigned long long start;
	long tck = sysconf(_SC_CLK_TCK), ppid, uid;
	const char *field;

	if (proc_start_time(pid, &start))
		return -ENOENT;
	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	if (read_file(path, buf, sizeof(buf)) < 0)
		return -ENOENT;
	/* "PID (COMM) STATE PPID ...": comm may hold spaces and ')' */
	s = strrchr(buf, ')');
	if (!s || strlen(s) < 3)
		return -EINVAL;
	field = s + 3;
	if (scan_long(&field, 10, 0, INT_MAX, &ppid))
		return -EINVAL;
	memset(p, 0, sizeof(*p));
	p->pid = pid;
	p->tid = pid;
	p->ppid = (uint32_t)ppid;
	/* start time in ticks since boot: the same clock the kernel's ktime counts */
	p->ktime = start * (1000000000ull / (tck > 0 ? tck : 100));
	p->start_real_ns = ktime_to_realtime_ns(p->ktime);
	p->from_procfs = true;
	p->is_exec = true;
	s = strchr(buf, '(');
	if (s)
		sscanf(s + 1, "%15[^)]", p->comm);
	snprintf(path, sizeof(path), "/proc/%d/status", pid);
	if (read_file(path, buf, sizeof(buf)) > 0 &&
	    (s = strstr(buf, "\nUid:"))) {
		field = s + 5;
		if (!scan_long(&field, 10, 0, UINT32_MAX, &uid))
			p->uid = (uint32_t)uid;
	}
	snprintf(path, sizeof(path), "/proc/%d/loginuid", pid);
	p->auid = (uint32_t)-1;
	if (read_file(path, buf, sizeof(buf)) > 0)
		p->auid = (uint32_t)strtoul(buf, NULL, 10);
	p->binary = procfs_link(pid, "exe");
	p->cwd = procfs_link(pid, "cwd");
	p->args = procfs_args(pid);
	p->cgroup_id = procfs_cgroup_id(pid);
	p->ns_pid = pid;
	return 0;
}

static void tmpl_free(struct proc_node *p)
{
	free(p->binary);
	free(p->args);
	free(p->cwd);
}

static bool pid_listed(const struct proc_node *v, int n, uint32_t pid)
{
	for (int i = 0; i < n; i++)
		if (v[i].pid == pid)
			return true;
	return false;
}

int proc_tree__scan_procfs(struct proc_tree *t)
{
	struct proc_node *v = NULL;
	struct dirent *de;
	int n = 0, cap = 0, added = 0, left;
	DIR *d = opendir("/proc");

	if (!d)
		return -errno;
	while ((de = readdir(d))) {
		int pid;

		if (parse_pid(de->d_name, &pid) || proc_tree__find(t, pid))
			continue;
		if (n == cap) {
			struct proc_node *nv;

			cap = cap ? cap * 2 : 512;
			nv = realloc(v, cap * sizeof(*v));
			if (!nv)
				break;
			v = nv;
		}
		if (!procfs_fill(pid, &v[n]))
			n++;
	}
	closedir(d);
	/*
	 * Parents first, whatever their pids (pids wrap): each pass adds the
	 * processes whose parent is in the tree or not among the ones left.
	 */
	for (left = n; left > 0;) {
		int progress = 0;

		for (int i = 0; i < n; i++) {
			struct proc_node *p = &v[i];

			if (!p->pid)
				continue;
			if (p->ppid && !proc_tree__find(t, p->ppid) &&
			    pid_listed(v, n, p->ppid))
				continue;
			if (proc_tree__add(t, p))
				added++;
			else
				tmpl_free(p);
			p->pid = 0;
			progress++;
			left--;
		}
		if (!progress) /* a cycle can only come from a racing reuse */
			for (int i = 0; i < n; i++)
				if (v[i].pid) {
					v[i].ppid = 0;
					break;
				}
	}
	free(v);
	return added;
}
