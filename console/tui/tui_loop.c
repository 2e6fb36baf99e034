// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "console/tui/tui.h"
#include "console/tui/tui_loop.h"
#include "engine/engine.h"

#define LOOP_MAX_FDS 16

struct loop_slot {
	int fd;
	loop_fd_fn fn;
	void *ctx;
	struct tui *t;
};

static struct loop_slot slots[LOOP_MAX_FDS];
static int own_epfd = -1, own_sigfd = -1;
static volatile int own_stop;

static int via_engine(struct engine *e, int fd, uint32_t events, void *ctx)
{
	struct loop_slot *s = ctx;

	(void)e;
	return s->fn(s->t, fd, events, s->ctx);
}

int loop_open(struct tui *t)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.ptr = NULL };
	sigset_t mask;

	for (int i = 0; i < LOOP_MAX_FDS; i++)
		slots[i].fd = -1;
	if (t->e)
		return 0;
	own_epfd = epoll_create1(EPOLL_CLOEXEC);
	if (own_epfd < 0)
		return -errno;
	sigemptyset(&mask);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGHUP);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	own_sigfd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
	if (own_sigfd < 0)
		return -errno;
	/* data.ptr NULL marks the signalfd in loop_run */
	return epoll_ctl(own_epfd, EPOLL_CTL_ADD, own_sigfd, &ev) ? -errno : 0;
}

int loop_add_fd(struct tui *t, int fd, uint32_t events, loop_fd_fn fn,
		void *ctx)
{
	for (int i = 0; i < LOOP_MAX_FDS; i++) {
		struct loop_slot *s = &slots[i];
		struct epoll_event ev = { .events = events, .data.ptr = s };

		if (s->fd >= 0)
			continue;
		*s = (struct loop_slot){ fd, fn, ctx, t };
		if (t->e) {
			int err =
				engine__add_fd(t->e, fd, events, via_engine, s);

			if (err)
				s->fd = -1;
			return err;
		}
		if (epoll_ctl(own_epfd, EPOLL_CTL_ADD, fd, &ev)) {
			s->fd = -1;
			return -errno;
		}
		return 0;
	}
	return -ENOSPC;
}

void loop_remove_fd(struct tui *t, int fd)
{
	for (int i = 0; i < LOOP_MAX_FDS; i++) {
		if (slots[i].fd != fd)
			continue;
		if (t->e)
			engine__remove_fd(t->e, fd);
		else
			epoll_ctl(own_epfd, EPOLL_CTL_DEL, fd, NULL);
		slots[i].fd = -1;
	}
}

int loop_run(struct tui *t)
{
	struct epoll_event evs[16];

	if (t->e)
		return engine__run(t->e);
	while (!own_stop) {
		int n = epoll_wait(own_epfd, evs, 16, 1000);

		if (n < 0 && errno != EINTR)
			return -errno;
		for (int i = 0; i < n && !own_stop; i++) {
			struct loop_slot *s = evs[i].data.ptr;

			if (!s) { /* the signalfd: Ctrl-C and friends */
				own_stop = 1;
				break;
			}
			if (s->fd >= 0)
				s->fn(t, s->fd, evs[i].events, s->ctx);
		}
	}
	return 0;
}

void loop_stop(struct tui *t)
{
	if (t->e)
		engine__stop(t->e);
	own_stop = 1;
}

void loop_close(struct tui *t)
{
	(void)t;
	if (own_sigfd >= 0)
		close(own_sigfd);
	if (own_epfd >= 0)
		close(own_epfd);
	own_sigfd = own_epfd = -1;
}
