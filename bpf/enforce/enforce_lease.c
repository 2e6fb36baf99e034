// SPDX-License-Identifier: GPL-2.0
/*
 * Read leases on protected files. A kill at sys_enter_openat cannot stop
 * O_TRUNC (the open runs on before the signal is acted upon), but a write
 * open must first break every read lease on the inode: the kernel then
 * fires break_lease_* in the opener's context (enforce.bpf.c kills it
 * there) and waits interruptibly, so a killed opener fails its open before
 * any truncation.
 *
 * Each break also reaches us as a signal (F_SETSIG). We give the lease up
 * at once, so an allowed writer (monitor mode, a NotIn binary) proceeds
 * instead of waiting lease_break_time, and re-arm it as soon as no writer
 * holds the file (F_SETLEASE fails with EAGAIN until then), polling every
 * 20 ms. Until it is re-armed, write-opens of that file are not stopped;
 * writes through any fd still are (inode match at sys_enter).
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include "engine/journal.h"
#include "enforce/enforce_priv.h"
#include "util/log.h"

#define LEASE_RETRY_NS (20 * 1000 * 1000)

struct enf_lease {
	char *path;
	uint64_t ino;
	uint32_t dev;
	int fd; /* -1 while disarmed */
	int seq; /* journal entry */
	bool keep; /* sync mark */
};

struct enf_leases {
	struct enf_lease *v;
	int n, cap;
	int sfd, tfd, epfd;
	int sig;
	bool timer_on;
};

static int undo_lease(const char *arg)
{
	/* a lease lives on its holder's fd: it died with the engine */
	(void)arg;
	return 0;
}
JOURNAL_UNDO("lease", undo_lease, "file lease");

static void timer_set(struct enf_leases *l, bool on)
{
	struct itimerspec its = {};

	if (on == l->timer_on)
		return;
	if (on) {
		its.it_value.tv_nsec = LEASE_RETRY_NS;
		its.it_interval.tv_nsec = LEASE_RETRY_NS;
	}
	timerfd_settime(l->tfd, 0, &its, NULL);
	l->timer_on = on;
}

static void disarm(struct enf_lease *ls)
{
	if (ls->fd >= 0)
		close(ls->fd); /* releases the lease: a waiting writer goes on */
	ls->fd = -1;
}

/* 0 armed, -EAGAIN a writer has it open (retry), other -errno: give up for now. */
static int arm(struct enf_leases *l, struct enf_lease *ls)
{
	struct stat st;
	int fd, err = 0;

	fd = open(ls->path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) || st.st_ino != ls->ino ||
	    enf_kdev(st.st_dev) != ls->dev) {
		err = -ESTALE; /* replaced: the inotify rebuild takes over */
		goto out;
	}
	if (fcntl(fd, F_SETSIG, l->sig) || fcntl(fd, F_SETLEASE, F_RDLCK)) {
		err = -errno;
		goto out;
	}
	ls->fd = fd;
	return 0;
out:
	close(fd);
	return err;
}

struct enf_leases *enf_leases__new(void)
{
	struct enf_leases *l = calloc(1, sizeof(*l));
	struct epoll_event ev = { .events = EPOLLIN };
	sigset_t set;

	if (!l)
		return NULL;
	l->sig = SIGRTMIN + 4;
	l->sfd = l->tfd = l->epfd = -1;
	sigemptyset(&set);
	sigaddset(&set, l->sig);
	sigaddset(&set, SIGIO); /* sent instead when the RT queue overflows */
	if (pthread_sigmask(SIG_BLOCK, &set, NULL))
		goto fail;
	l->sfd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
	l->tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	l->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (l->sfd < 0 || l->tfd < 0 || l->epfd < 0)
		goto fail;
	ev.data.fd = l->sfd;
	if (epoll_ctl(l->epfd, EPOLL_CTL_ADD, l->sfd, &ev))
		goto fail;
	ev.data.fd = l->tfd;
	if (epoll_ctl(l->epfd, EPOLL_CTL_ADD, l->tfd, &ev))
		goto fail;
	return l;
fail:
	enf_leases__free(l);
	return NULL;
}

void enf_leases__free(struct enf_leases *l)
{
	if (!l)
		return;
	for (int i = 0; i < l->n; i++) {
		disarm(&l->v[i]);
		if (l->v[i].seq > 0)
			journal_release(l->v[i].seq);
		free(l->v[i].path);
	}
	free(l->v);
	if (l->sfd >= 0)
		close(l->sfd);
	if (l->tfd >= 0)
		close(l->tfd);
	if (l->epfd >= 0)
		close(l->epfd);
	free(l);
}

static struct enf_lease *find(struct enf_leases *l, uint32_t dev, uint64_t ino)
{
	for (int i = 0; i < l->n; i++)
		if (l->v[i].ino == ino && l->v[i].dev == dev)
			return &l->v[i];
	return NULL;
}

static int add(struct enf_leases *l, const struct enf_file *f)
{
	struct enf_lease *ls;
	int err;

	if (l->n == l->cap) {
		int cap = l->cap ? l->cap * 2 : 16;
		struct enf_lease *nv = realloc(l->v, cap * sizeof(*nv));

		if (!nv)
			return -ENOMEM;
		l->v = nv;
		l->cap = cap;
	}
	ls = &l->v[l->n];
	*ls = (struct enf_lease){ .path = strdup(f->path),
				  .ino = f->ino,
				  .dev = f->dev,
				  .fd = -1,
				  .keep = true };
	if (!ls->path)
		return -ENOMEM;
	ls->seq = journal_record("lease", "%s", f->path);
	l->n++;
	err = arm(l, ls);
	if (err == -EAGAIN)
		timer_set(l, true);
	else if (err)
		pr_warn("enforce: no lease on %s (%s): write-opens of it are "
			"not stopped, writes still are",
			f->path, strerror(-err));
	return 0;
}

int enf_leases__sync(struct enf_leases *l, const struct enf_image *img)
{
	int err = 0, j = 0;

	for (int i = 0; i < l->n; i++)
		l->v[i].keep = false;
	for (int i = 0; i < img->nfiles && !err; i++) {
		const struct enf_file *f = &img->files[i];
		struct enf_lease *ls;

		if (!f->guard_open)
			continue;
		ls = find(l, f->dev, f->ino);
		if (ls)
			ls->keep = true;
		else
			err = add(l, f);
	}
	for (int i = 0; i < l->n; i++) {
		if (!l->v[i].keep) {
			disarm(&l->v[i]);
			if (l->v[i].seq > 0)
				journal_release(l->v[i].seq);
			free(l->v[i].path);
			continue;
		}
		l->v[j++] = l->v[i];
	}
	l->n = j;
	return err;
}

int enf_leases__fd(struct enf_leases *l)
{
	return l->epfd;
}

static void release_fd(struct enf_leases *l, int fd)
{
	for (int i = 0; i < l->n; i++) {
		struct enf_lease *ls = &l->v[i];

		/* fd < 0: SIGIO overflow, check every lease */
		if (ls->fd < 0 || (fd >= 0 && ls->fd != fd))
			continue;
		if (fd < 0 && fcntl(ls->fd, F_GETLEASE) == F_RDLCK)
			continue;
		disarm(ls);
		if (arm(l, ls))
			timer_set(l, true);
	}
}

int enf_leases__handle(struct enf_leases *l)
{
	struct signalfd_siginfo si;
	uint64_t ticks;

	while (read(l->sfd, &si, sizeof(si)) == sizeof(si))
		release_fd(l,
			   (int)si.ssi_signo == l->sig ? (int)si.ssi_fd : -1);
	if (read(l->tfd, &ticks, sizeof(ticks)) == sizeof(ticks))
		enf_leases__tick(l);
	return 0;
}

int enf_leases__tick(struct enf_leases *l)
{
	bool pending = false;

	for (int i = 0; i < l->n; i++) {
		struct enf_lease *ls = &l->v[i];

		if (ls->fd >= 0)
			continue;
		if (arm(l, ls) == -EAGAIN)
			pending = true;
	}
	timer_set(l, pending);
	return 0;
}

int enf_leases__count(struct enf_leases *l, int *armed)
{
	*armed = 0;
	for (int i = 0; i < l->n; i++)
		*armed += l->v[i].fd >= 0;
	return l->n;
}
