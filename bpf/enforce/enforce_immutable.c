// SPDX-License-Identifier: GPL-2.0
/*
 * The immutable flag on protected files, enforce mode only: the "deny
 * before the operation" layer. A kill sent at sys_enter_rename* lands after
 * the rename (the rename path never checks for a pending fatal signal), so
 * `sed -i` replaced a protected file although its process died. With
 * FS_IMMUTABLE_FL (what `chattr +i` sets) the kernel refuses rename-over,
 * unlink, link, truncate and write-opens with EPERM before anything
 * changes; the kill still comes from the sys_enter and sys_exit hooks.
 *
 * On overlayfs (sandboxes) the flag is stored as an xattr of the upper copy
 * (the file is copied up, the base layer stays as it is; the inode number
 * overlayfs reports does not change, measured).
 *
 * Every flag we set is journaled with the file's original flags, its
 * inode and its device, so `bpflab down`, Ctrl-C and crash recovery put it
 * back, and a path that names another file by then is left alone. We hold
 * an fd on each file: it keeps a sandbox's overlay reachable to clear the
 * flag even after the sandbox's init has gone.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <linux/fs.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "engine/journal.h"
#include "enforce/enforce_priv.h"
#include "util/log.h"

struct enf_imm {
	char *path;
	uint64_t ino;
	uint32_t dev;
	int fd;
	int seq; /* journal entry */
	bool keep; /* sync mark */
};

struct enf_immutables {
	struct enf_imm *v;
	int n, cap;
};

static int get_flags(int fd, int *flags)
{
	return ioctl(fd, FS_IOC_GETFLAGS, flags) ? -errno : 0;
}

static int set_flags(int fd, int flags)
{
	return ioctl(fd, FS_IOC_SETFLAGS, &flags) ? -errno : 0;
}

/* Clear the flag on fd's file; 0 if it is not set. */
static int clear_immutable(int fd)
{
	int flags, err = get_flags(fd, &flags);

	if (err || !(flags & FS_IMMUTABLE_FL))
		return err;
	return set_flags(fd, flags & ~FS_IMMUTABLE_FL);
}

/* Journal arg: "<ino> <kernel dev> <path>"; only the file we flagged is touched. */
static int undo_immutable(const char *arg)
{
	unsigned long long ino, dev;
	struct stat st;
	char *end;
	int fd, err = 0;

	errno = 0;
	ino = strtoull(arg, &end, 10);
	if (errno || *end != ' ')
		return -EINVAL;
	dev = strtoull(end + 1, &end, 10);
	if (errno || *end != ' ' || end[1] != '/')
		return -EINVAL;
	fd = open(end + 1, O_RDONLY | O_NONBLOCK | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) /* gone, or its sandbox is: nothing left to put back */
		return errno == ENOENT || errno == ESRCH ? 0 : -errno;
	if (!fstat(fd, &st) && st.st_ino == ino && enf_kdev(st.st_dev) == dev)
		err = clear_immutable(fd);
	close(fd);
	return err;
}
JOURNAL_UNDO("immutable", undo_immutable, "immutable flag on a protected file");

struct enf_immutables *enf_imm__new(void)
{
	return calloc(1, sizeof(struct enf_immutables));
}

static void release(struct enf_imm *im)
{
	int err = clear_immutable(im->fd);

	if (err)
		pr_warn("enforce: couldn't clear the immutable flag of %s: %s",
			im->path, strerror(-err));
	else if (im->seq > 0)
		journal_release(im->seq);
	close(im->fd);
	free(im->path);
}

void enf_imm__free(struct enf_immutables *m)
{
	if (!m)
		return;
	for (int i = 0; i < m->n; i++)
		release(&m->v[i]);
	free(m->v);
	free(m);
}

static struct enf_imm *find(struct enf_immutables *m, uint32_t dev,
			    uint64_t ino)
{
	for (int i = 0; i < m->n; i++)
		if (m->v[i].dev == dev && m->v[i].ino == ino)
			return &m->v[i];
	return NULL;
}

bool enf_imm__held(const struct enf_immutables *m, uint32_t dev, uint64_t ino)
{
	for (int i = 0; m && i < m->n; i++)
		if (m->v[i].dev == dev && m->v[i].ino == ino)
			return true;
	return false;
}

/* Flag one file. A file already immutable is not ours: left alone. */
static int hold(struct enf_immutables *m, const struct enf_file *f)
{
	struct enf_imm im = {
		.ino = f->ino, .dev = f->dev, .fd = -1, .keep = true
	};
	struct stat st;
	int flags, err;

	if (m->n == m->cap) {
		int cap = m->cap ? m->cap * 2 : 16;
		struct enf_imm *nv = realloc(m->v, cap * sizeof(*nv));

		if (!nv)
			return -ENOMEM;
		m->v = nv;
		m->cap = cap;
	}
	im.fd = open(f->path, O_RDONLY | O_NONBLOCK | O_NOFOLLOW | O_CLOEXEC);
	if (im.fd < 0)
		return -errno;
	err = fstat(im.fd, &st) ? -errno : 0;
	if (!err && (st.st_ino != f->ino || enf_kdev(st.st_dev) != f->dev))
		err = -ESTALE; /* replaced since the build: the rebuild takes over */
	if (!err)
		err = get_flags(im.fd, &flags);
	if (!err && (flags & FS_IMMUTABLE_FL))
		err = -EEXIST;
	if (err)
		goto fail;
	im.seq = journal_record("immutable", "%" PRIu64 " %u %s", f->ino,
				f->dev, f->path);
	if (im.seq < 0) {
		err = im.seq;
		goto fail;
	}
	err = set_flags(im.fd, flags | FS_IMMUTABLE_FL);
	if (err) {
		journal_release(im.seq);
		goto fail;
	}
	im.path = strdup(f->path);
	if (!im.path) {
		im.seq = -1; /* keep the journal entry: recovery clears it */
		clear_immutable(im.fd);
		err = -ENOMEM;
		goto fail;
	}
	m->v[m->n++] = im;
	return 0;
fail:
	close(im.fd);
	return err;
}

int enf_imm__sync(struct enf_immutables *m, const struct enf_image *img)
{
	int set = 0, j = 0;

	for (int i = 0; i < m->n; i++)
		m->v[i].keep = false;
	for (int i = 0; i < img->nfiles; i++) {
		const struct enf_file *f = &img->files[i];
		struct enf_imm *im;
		int err;

		if (!f->immutable)
			continue;
		im = find(m, f->dev, f->ino);
		if (im) {
			im->keep = true;
			continue;
		}
		err = hold(m, f);
		if (!err)
			set++;
		else if (err != -EEXIST)
			pr_warn("enforce: couldn't make %s immutable: %s",
				f->path, strerror(-err));
	}
	for (int i = 0; i < m->n; i++) {
		if (m->v[i].keep)
			m->v[j++] = m->v[i];
		else
			release(&m->v[i]);
	}
	m->n = j;
	return set;
}

int enf_imm__count(const struct enf_immutables *m)
{
	return m ? m->n : 0;
}
