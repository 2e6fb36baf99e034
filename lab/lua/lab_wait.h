/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What a lab call waits for, so that it never blocks its caller's loop
 * (ARCHITECTURE invariant 7). A call that would block does the part that
 * does not, records its wait here (fds to become ready, a deadline, "new
 * engine events") and yields with a continuation (lab_yield). The driver,
 * the console's epoll loop or the CLI's poll loop, watches one fd: the
 * epoll fd below, readable when the wait may be over; it then calls
 * lab_wait__service() and, when that says so, resumes the coroutine. The
 * continuation finishes the call, or records a new wait and yields again.
 *
 * The engine's event subscription stays in the epoll set for the whole run,
 * so events are read as they come (never left to pile up in the socket)
 * whether or not a call waits for one.
 */
#ifndef BPFLAB_LAB_WAIT_H
#define BPFLAB_LAB_WAIT_H

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>

#define LAB_WAIT_FDS 4

struct lab_events;

struct lab_wait {
	int epfd; /* what the driver polls; -1: not a scenario run */
	int tfd; /* timerfd: the deadline */
	int fds[LAB_WAIT_FDS]; /* the pending call's fds, in epfd */
	int nfds;
	bool on_events; /* the pending call wants to see new events */
	bool armed; /* a deadline is set */
	volatile sig_atomic_t interrupted; /* Ctrl-C, x: raise in the script */
};

int lab_wait__open(struct lab_wait *w);
void lab_wait__close(struct lab_wait *w);
/* The event subscription's fd, watched until close. */
int lab_wait__watch_events(struct lab_wait *w, int fd);

/* Record the pending wait (any mix of them). at_ms: now_mono_ns()/1e6 based. */
int lab_wait__fd(struct lab_wait *w, int fd, uint32_t events);
int lab_wait__deadline(struct lab_wait *w, uint64_t at_ms);
void lab_wait__events(struct lab_wait *w);

/*
 * Driver side. service() reads what woke the epoll fd (events are pumped
 * into ev) and returns true when the pending wait may be over: one of its
 * fds is ready, the deadline passed, new events came for a call that wants
 * them, or the run was interrupted. clear() forgets the wait before resume.
 */
bool lab_wait__service(struct lab_wait *w, struct lab_events *ev);
void lab_wait__clear(struct lab_wait *w);

uint64_t lab_now_ms(void);

#endif
