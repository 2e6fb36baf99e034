// SPDX-License-Identifier: GPL-2.0
/* The pending wait of a scenario run, and the yield that goes with it. */
#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include <lauxlib.h>

#include "lab/lua/lab_wait.h"
#include "lab/lua/lua_lab.h"
#include "util/util.h"

/* epoll data: which kind of fd woke us */
enum { WAKE_FD = 1, WAKE_TIMER, WAKE_EVENTS };

uint64_t lab_now_ms(void)
{
	return now_mono_ns() / 1000000;
}

static int watch(struct lab_wait *w, int fd, uint32_t events, uint32_t tag)
{
	struct epoll_event ev = { .events = events, .data.u32 = tag };

	return epoll_ctl(w->epfd, EPOLL_CTL_ADD, fd, &ev) ? -errno : 0;
}

int lab_wait__open(struct lab_wait *w)
{
	memset(w, 0, sizeof(*w));
	w->epfd = epoll_create1(EPOLL_CLOEXEC);
	w->tfd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	if (w->epfd < 0 || w->tfd < 0) {
		int err = -errno;

		lab_wait__close(w);
		return err;
	}
	return watch(w, w->tfd, EPOLLIN, WAKE_TIMER);
}

void lab_wait__close(struct lab_wait *w)
{
	if (w->tfd > 0)
		close(w->tfd);
	if (w->epfd > 0)
		close(w->epfd);
	w->tfd = w->epfd = -1;
}

int lab_wait__watch_events(struct lab_wait *w, int fd)
{
	return watch(w, fd, EPOLLIN, WAKE_EVENTS);
}

int lab_wait__fd(struct lab_wait *w, int fd, uint32_t events)
{
	int err;

	if (w->nfds == LAB_WAIT_FDS)
		return -ENOSPC;
	err = watch(w, fd, events, WAKE_FD);
	if (!err)
		w->fds[w->nfds++] = fd;
	return err;
}

int lab_wait__deadline(struct lab_wait *w, uint64_t at_ms)
{
	struct itimerspec its = { 0 };

	/* an absolute time already past still fires; 0 would disarm */
	if (!at_ms)
		its.it_value.tv_nsec = 1;
	else {
		its.it_value.tv_sec = (time_t)(at_ms / 1000);
		its.it_value.tv_nsec = (long)(at_ms % 1000) * 1000000;
	}
	if (timerfd_settime(w->tfd, TFD_TIMER_ABSTIME, &its, NULL))
		return -errno;
	w->armed = true;
	return 0;
}

void lab_wait__events(struct lab_wait *w)
{
	w->on_events = true;
}

bool lab_wait__service(struct lab_wait *w, struct lab_events *ev)
{
	struct epoll_event evs[8];
	bool ready = w->interrupted;
	uint64_t exp;
	int n;

	n = epoll_wait(w->epfd, evs, 8, 0);
	for (int i = 0; i < n; i++) {
		switch (evs[i].data.u32) {
		case WAKE_FD:
			ready = true;
			break;
		case WAKE_TIMER:
			if (read(w->tfd, &exp, sizeof(exp)) == sizeof(exp))
				ready = true;
			break;
		case WAKE_EVENTS:
			if (lab_events__pump(ev, 0) > 0 && w->on_events)
				ready = true;
			break;
		}
	}
	return ready;
}

void lab_wait__clear(struct lab_wait *w)
{
	struct itimerspec off = { 0 };
	uint64_t exp;

	for (int i = 0; i < w->nfds; i++)
		epoll_ctl(w->epfd, EPOLL_CTL_DEL, w->fds[i], NULL);
	w->nfds = 0;
	w->on_events = false;
	if (w->armed) {
		timerfd_settime(w->tfd, 0, &off, NULL);
		if (read(w->tfd, &exp, sizeof(exp)) < 0)
			exp = 0; /* nothing expired: fine */
		w->armed = false;
	}
}

void lab_resumed(lua_State *L)
{
	struct lab_run *run = lab_run_of(L);

	if (run->wait.interrupted)
		luaL_error(L, "interrupted");
}

int lab_yield(lua_State *L, lua_KContext ctx, lua_KFunction k)
{
	struct lab_run *run = lab_run_of(L);
	struct lab_wait *w = &run->wait;

	if (w->epfd <= 0)
		return luaL_error(
			L,
			"this lab call waits: call it from a scenario phase");
	if (lua_isyieldable(L) && L == run->co)
		return lua_yieldk(L, 0, ctx, k);
	/*
	 * Not yieldable (a metamethod, a C callback such as table.sort's
	 * comparator), or in a coroutine of the script's own, which the driver
	 * does not resume: wait here. Rare; in the console it blocks the loop
	 * for the wait (and an engine request cannot be answered meanwhile).
	 */
	for (;;) {
		struct pollfd p = { w->epfd, POLLIN, 0 };

		if (poll(&p, 1, 1000) < 0 && errno != EINTR)
			break;
		if (lab_wait__service(w, run->events))
			break;
	}
	lab_wait__clear(w);
	return k(L, LUA_YIELD, ctx);
}
