// SPDX-License-Identifier: GPL-2.0
/*
 * Pins on protected inodes, for the kernel's cheap pre-filter. The fd path
 * of the sys_enter dispatcher (enforce.bpf.c) runs on every write() of
 * every process; before it hashes (dev, ino) it tests inode->i_flctx, the
 * file-lock context, which the kernel allocates on an inode's first lock
 * or lease and frees only with the inode. /dev/null, pipes, sockets and
 * nearly every file have none.
 *
 * So every protected inode gets one here: a shared flock taken and dropped
 * at once (it conflicts with nothing: the context is allocated before any
 * conflict check, and nothing stays locked), and an open fd that keeps the
 * inode, and with it the context, in memory for as long as the rule lives.
 * Nothing outlives the engine: the fds close with it.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "enforce/enforce_priv.h"
#include "util/log.h"

struct enf_pin {
	uint64_t ino;
	uint32_t dev;
	int fd;
	bool keep; /* sync mark */
};

struct enf_pins {
	struct enf_pin *v;
	int n, cap;
};

struct enf_pins *enf_pins__new(void)
{
	return calloc(1, sizeof(struct enf_pins));
}

void enf_pins__free(struct enf_pins *p)
{
	if (!p)
		return;
	for (int i = 0; i < p->n; i++)
		close(p->v[i].fd);
	free(p->v);
	free(p);
}

static struct enf_pin *find(struct enf_pins *p, uint32_t dev, uint64_t ino)
{
	for (int i = 0; i < p->n; i++)
		if (p->v[i].ino == ino && p->v[i].dev == dev)
			return &p->v[i];
	return NULL;
}

/* Give f's inode a lock context and hold it; -ESTALE if f was replaced. */
static int pin(struct enf_pins *p, const struct enf_file *f)
{
	struct stat st;
	int fd, err = 0;

	if (p->n == p->cap) {
		int cap = p->cap ? p->cap * 2 : 64;
		struct enf_pin *nv = realloc(p->v, cap * sizeof(*nv));

		if (!nv)
			return -ENOMEM;
		p->v = nv;
		p->cap = cap;
	}
	fd = open(f->path, O_RDONLY | O_NONBLOCK | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st))
		err = -errno;
	else if (st.st_ino != f->ino || enf_kdev(st.st_dev) != f->dev)
		err = -ESTALE;
	/* EWOULDBLOCK (someone holds LOCK_EX) still allocated the context */
	else if (flock(fd, LOCK_SH | LOCK_NB) && errno != EWOULDBLOCK)
		err = -errno;
	else
		flock(fd, LOCK_UN);
	if (err) {
		close(fd);
		return err;
	}
	p->v[p->n++] = (struct enf_pin){
		.ino = f->ino, .dev = f->dev, .fd = fd, .keep = true
	};
	return 0;
}

int enf_pins__sync(struct enf_pins *p, const struct enf_image *img,
		   bool drop_stale)
{
	int j = 0;

	for (int i = 0; i < p->n; i++)
		p->v[i].keep = false;
	for (int i = 0; i < img->nfiles; i++) {
		const struct enf_file *f = &img->files[i];
		struct enf_pin *pn = find(p, f->dev, f->ino);
		int err;

		if (pn) {
			pn->keep = true;
			continue;
		}
		err = pin(p, f);
		if (err)
			pr_warn("enforce: can't pin %s (%s): writes through fds "
				"opened on it may not be seen",
				f->path, strerror(-err));
	}
	if (!drop_stale)
		return 0;
	for (int i = 0; i < p->n; i++) {
		if (p->v[i].keep)
			p->v[j++] = p->v[i];
		else
			close(p->v[i].fd);
	}
	p->n = j;
	return 0;
}
