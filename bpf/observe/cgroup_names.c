// SPDX-License-Identifier: GPL-2.0
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "observe/cgroup_names.h"
#include "util/paths.h"

#define CGROUP_WALK_DEPTH 16

struct cgroup_entry {
	uint64_t id;
	char *path; /* below BL_CGROUP_ROOT, "/" for the root */
};

struct cgroup_names {
	struct cgroup_entry *v;
	size_t n, cap;
};

static int add_entry(struct cgroup_names *c, uint64_t id, const char *path)
{
	struct cgroup_entry *tmp;

	if (c->n == c->cap) {
		size_t cap = c->cap ? c->cap * 2 : 64;

		tmp = realloc(c->v, cap * sizeof(*tmp));
		if (!tmp)
			return -ENOMEM;
		c->v = tmp;
		c->cap = cap;
	}
	c->v[c->n].path = strdup(path);
	if (!c->v[c->n].path)
		return -ENOMEM;
	c->v[c->n++].id = id;
	return 0;
}

/* dirfd is the open directory for path (relative to the root). */
static int walk(struct cgroup_names *c, int dirfd, const char *path, int depth)
{
	char child[PATH_MAX];
	struct dirent *de;
	struct stat st;
	DIR *d;
	int fd, err = 0;

	if (fstat(dirfd, &st))
		return -errno;
	err = add_entry(c, st.st_ino, path[0] ? path : "/");
	if (err || depth >= CGROUP_WALK_DEPTH)
		return err;
	fd = dup(dirfd);
	if (fd < 0)
		return -errno;
	d = fdopendir(fd);
	if (!d) {
		close(fd);
		return -errno;
	}
	while (!err && (de = readdir(d))) {
		if (de->d_type != DT_DIR || de->d_name[0] == '.')
			continue;
		if (snprintf(child, sizeof(child), "%s/%s", path, de->d_name) >=
		    (int)sizeof(child))
			continue;
		fd = openat(dirfd, de->d_name,
			    O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (fd < 0)
			continue; /* removed while we walked */
		err = walk(c, fd, child, depth + 1);
		close(fd);
	}
	closedir(d);
	return err;
}

static void clear(struct cgroup_names *c)
{
	for (size_t i = 0; i < c->n; i++)
		free(c->v[i].path);
	c->n = 0;
}

int cgroup_names__refresh(struct cgroup_names *c)
{
	int fd, err;

	clear(c);
	fd = open(BL_CGROUP_ROOT, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	err = walk(c, fd, "", 0);
	close(fd);
	return err;
}

int cgroup_names__new(struct cgroup_names **out)
{
	struct cgroup_names *c = calloc(1, sizeof(*c));
	int err;

	if (!c)
		return -ENOMEM;
	err = cgroup_names__refresh(c);
	if (err && err != -ENOENT) {
		cgroup_names__free(c);
		return err;
	}
	*out = c;
	return 0;
}

void cgroup_names__free(struct cgroup_names *c)
{
	if (!c)
		return;
	clear(c);
	free(c->v);
	free(c);
}

const char *cgroup_names__path(struct cgroup_names *c, uint64_t id)
{
	for (size_t i = 0; i < c->n; i++)
		if (c->v[i].id == id)
			return c->v[i].path;
	return NULL;
}

const char *cgroup_names__sandbox(struct cgroup_names *c, uint64_t id)
{
	/* BL_CGROUP_DIR below BL_CGROUP_ROOT, with the leading slash. */
	const char *base = &BL_CGROUP_DIR[sizeof(BL_CGROUP_ROOT) - 1];
	size_t len = strlen(base);
	const char *p = cgroup_names__path(c, id);

	if (!p || strncmp(p, base, len) != 0 || p[len] != '/' || !p[len + 1])
		return NULL;
	return p + len + 1;
}
