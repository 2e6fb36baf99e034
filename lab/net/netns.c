// SPDX-License-Identifier: GPL-2.0
/*
 * Named network namespaces the way iproute2 makes them: an nsfs bind mount
 * at /run/netns/NAME, with /run/netns a shared mount so the name is visible
 * from every mount namespace.
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "engine/journal.h"
#include "lab/net/net.h"
#include "lab/net/nl.h"
#include "util/log.h"
#include "util/util.h"

static int ns_path(char *buf, size_t size, const char *name)
{
	if (!name || !*name || strchr(name, '/') || strlen(name) > 64)
		return -EINVAL;
	snprintf(buf, size, "%s/%s", NET_NS_DIR, name);
	return 0;
}

/* /run/netns must be a shared mount point, as `ip netns add` makes it. */
static int ns_dir_prepare(void)
{
	int err = mkdir_p(NET_NS_DIR, 0755);

	if (err)
		return err;
	if (!mount("", NET_NS_DIR, "none", MS_SHARED | MS_REC, NULL))
		return 0;
	if (errno != EINVAL)
		return -errno;
	/* not a mount point yet: bind it onto itself first */
	if (mount(NET_NS_DIR, NET_NS_DIR, "none", MS_BIND | MS_REC, NULL))
		return -errno;
	if (mount("", NET_NS_DIR, "none", MS_SHARED | MS_REC, NULL))
		return -errno;
	return 0;
}

bool net_ns_exists(const char *name)
{
	char path[128];

	return !ns_path(path, sizeof(path), name) && !access(path, F_OK);
}

int net_ns_open(const char *name)
{
	char path[128];
	int fd, err;

	if (!name)
		fd = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	else {
		err = ns_path(path, sizeof(path), name);
		if (err)
			return err;
		fd = open(path, O_RDONLY | O_CLOEXEC);
	}
	return fd < 0 ? -errno : fd;
}

int net_ns_enter(const char *ns, int *saved)
{
	int fd, err = 0;

	*saved = -1;
	if (!ns)
		return 0;
	fd = net_ns_open(ns);
	if (fd < 0) {
		pr_err("netns %s: %s\n", ns, strerror(-fd));
		return fd;
	}
	*saved = net_ns_open(NULL);
	if (*saved < 0) {
		err = *saved;
		goto out;
	}
	if (setns(fd, CLONE_NEWNET)) {
		err = -errno;
		close(*saved);
		*saved = -1;
		pr_err("setns %s: %s\n", ns, strerror(-err));
	}
out:
	close(fd);
	return err;
}

int net_ns_leave(int saved)
{
	int err = 0;

	if (saved < 0)
		return 0;
	if (setns(saved, CLONE_NEWNET))
		err = -errno;
	close(saved);
	return err;
}

/* Child side of net_ns_create: a new netns, bound to the file, lo up. */
static int ns_bind_child(const char *path)
{
	if (unshare(CLONE_NEWNET))
		return 1;
	if (mount("/proc/thread-self/ns/net", path, "none", MS_BIND, NULL))
		return 2;
	return 0;
}

int net_ns_create(const char *name)
{
	char path[128];
	int fd, seq, err, status;
	pid_t pid;

	err = ns_path(path, sizeof(path), name);
	if (err)
		goto out;
	err = ns_dir_prepare();
	if (err)
		goto out;
	fd = open(path, O_RDONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0);
	if (fd < 0) {
		err = -errno;
		goto out;
	}
	close(fd);
	seq = journal_record("netns", "%s", name);
	if (seq < 0) {
		err = seq;
		unlink(path);
		goto out;
	}
	/* unshare in a child: this process keeps its own netns */
	pid = fork();
	if (pid < 0) {
		err = -errno;
		goto undo;
	}
	if (!pid)
		_exit(ns_bind_child(path));
	if (waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) ||
	    WEXITSTATUS(status)) {
		err = -EIO;
		goto undo;
	}
	err = net_link_set_up(name, "lo");
	if (err)
		goto undo;
	return 0;
undo:
	net_ns_delete(name);
out:
	if (err)
		pr_err("netns %s: create: %s\n", name ? name : "(null)",
		       strerror(-err));
	return err;
}

static int ns_remove(const char *name)
{
	char path[128];
	int err = ns_path(path, sizeof(path), name);

	if (err)
		return err;
	if (umount2(path, MNT_DETACH) && errno != EINVAL && errno != ENOENT)
		return -errno;
	if (unlink(path) && errno != ENOENT)
		return -errno;
	return 0;
}

/* The journal seq of a live entry (kind, arg), or 0 when there is none. */
int net_journal_find(const char *kind, const char *arg)
{
	struct journal_entry *ents = NULL;
	int i, n = 0, seq = 0;

	if (journal_live(&ents, &n))
		return 0;
	for (i = n - 1; i >= 0; i--) {
		if (!strcmp(ents[i].kind, kind) && !strcmp(ents[i].arg, arg)) {
			seq = ents[i].seq;
			break;
		}
	}
	free(ents);
	return seq;
}

/* The links that lived in a deleted namespace went with it: release them. */
static void release_links_of(const char *name)
{
	struct journal_entry *v;
	size_t len = strlen(name);
	int n;

	if (journal_live(&v, &n))
		return;
	for (int i = 0; i < n; i++)
		if (!strcmp(v[i].kind, "link") &&
		    !strncmp(v[i].arg, name, len) && v[i].arg[len] == ' ')
			journal_release(v[i].seq);
	free(v);
}

int net_ns_delete(const char *name)
{
	int seq, err = ns_remove(name);

	if (err) {
		pr_err("netns %s: delete: %s\n", name, strerror(-err));
		return err;
	}
	release_links_of(name);
	seq = net_journal_find("netns", name);
	if (seq > 0)
		journal_release(seq);
	return 0;
}

JOURNAL_UNDO("netns", ns_remove, "network namespace");

int net_sysctl_set(const char *ns, const char *key, const char *value)
{
	char path[256], *p;
	int saved, err;

	snprintf(path, sizeof(path), "/proc/sys/%s", key);
	for (p = path + 10; *p; p++)
		if (*p == '.')
			*p = '/';
	err = net_ns_enter(ns, &saved);
	if (err)
		return err;
	/* /proc/sys/net resolves to the netns of the thread that opens it */
	err = write_file(path, value);
	net_ns_leave(saved);
	if (err)
		pr_err("sysctl %s=%s in %s: %s\n", key, value, ns ? ns : "host",
		       strerror(-err));
	return err;
}
