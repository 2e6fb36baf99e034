// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "console/tui/child_run.h"
#include "console/tui/scen_run.h"
#include "console/tui/tui.h"
#include "console/tui/tui_loop.h"
#include "lab/scenario/scenario.h"
#include "util/jw.h"
#include "util/util.h"

#define QUIT_GRACE_NS (15 * 1000000000ull)
#define DRAIN_MS 10000

struct scen_run {
	struct scenario_session *s;
	struct scenario_opts opts;
	struct child_run *out; /* t->child while the run lasts */
	int fd;
	bool quit_after;
	uint64_t quit_by_ns;
};

static bool stepping; /* a scenario step runs: its forks are the lab's */

/*
 * What the lab forks during a step (a command's helper, the C2 responder)
 * leaves the console's process group, so the terminal's Ctrl-C stops the
 * console only: a helper killed by it would leave its command a zombie
 * that keeps the sandbox's pid namespace from dying. And the engine blocks
 * SIGINT/SIGTERM/SIGHUP for its signalfd, a mask a fork keeps through
 * exec: a sandboxed command must not start with them blocked.
 */
static void unblock_in_child(void)
{
	sigset_t none;

	if (!stepping)
		return;
	setpgid(0, 0);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
}

static int step(struct scenario_session *s)
{
	static bool registered;
	int rc;

	if (!registered && !pthread_atfork(NULL, NULL, unblock_in_child))
		registered = true;
	stepping = true;
	rc = scenario_session__step(s);
	stepping = false;
	return rc;
}

static void on_line(void *ctx, const char *line)
{
	struct tui *t = ctx;

	if (t->scen)
		child_add_output(t->scen->out, line);
	t->dirty = true;
}

/* Same codes as `bpflab scenario run`: 0 PASS, 1 FAIL, 3 ERROR. */
static int exit_code(enum scenario_verdict v)
{
	return v == SCENARIO_PASS ? 0 : v == SCENARIO_FAIL ? 1 : 3;
}

static void scen_end(struct tui *t)
{
	struct scen_run *r = t->scen;
	enum scenario_verdict v;
	struct jw w;

	loop_remove_fd(t, r->fd);
	jw_init(&w);
	v = scenario_session__finish(r->s, &w); /* its last lines land in out */
	jw_free(&w);
	child_set_done(t, r->out, exit_code(v));
	if (r->quit_after) {
		t->quit = true;
		loop_stop(t);
	}
	t->scen = NULL;
	free(r);
}

static int on_ready(struct tui *t, int fd, uint32_t events, void *ctx)
{
	(void)fd;
	(void)events;
	(void)ctx;
	if (t->scen && step(t->scen->s) == 0)
		scen_end(t);
	return 0;
}

/* The exercises' lab.bpflab/lab.node wait on a child that calls this engine. */
static bool needs_child(const char *path)
{
	size_t size = 1 << 20;
	char *text = malloc(size);
	ssize_t n = text ? read_file(path, text, size - 1) : -1;
	bool yes = false;

	if (n >= 0) {
		text[n] = 0;
		yes = strstr(text, "lab.bpflab") || strstr(text, "lab.node");
	}
	free(text);
	return yes;
}

int scen_start(struct tui *t, const char *name)
{
	char path[PATH_MAX];
	struct scen_run *r;
	int err;

	if (t->scen || (t->child && !t->child->done)) {
		tui_status(t, "%s is still running (x stops it)",
			   t->child ? t->child->title : "a scenario");
		return -EBUSY;
	}
	if (scenario_find(name, path, sizeof(path))) {
		tui_status(t, "no scenario '%s'", name);
		return -ENOENT;
	}
	if (needs_child(path)) {
		char *argv[] = { (char *)t->opts->self, "scenario", "run",
				 (char *)name, NULL };

		return child_start(t, name, argv);
	}
	r = calloc(1, sizeof(*r));
	if (!r)
		return -ENOMEM;
	r->out = child_open_output(t, name);
	r->opts = (struct scenario_opts){ .mode = "enforce",
					  .out = on_line,
					  .out_ctx = t };
	t->scen = r; /* before start: it prints its first line */
	r->s = r->out ? scenario_session__start(path, &r->opts) : NULL;
	if (!r->s) {
		t->scen = NULL;
		free(r);
		return -ENOMEM;
	}
	r->fd = scenario_session__fd(r->s);
	err = loop_add_fd(t, r->fd, EPOLLIN, on_ready, NULL);
	if (err) {
		scenario_session__stop(r->s);
		scen_drain(t);
		return err;
	}
	tui_status(t, "%s: started in this console's loop", name);
	return 0;
}

bool scen_running(const struct tui *t)
{
	return t->scen != NULL;
}

void scen_stop(struct tui *t)
{
	if (!t->scen)
		return;
	scenario_session__stop(t->scen->s);
	tui_status(t, "%s: stopping, its teardown runs",
		   scenario_session__name(t->scen->s));
}

void scen_quit(struct tui *t)
{
	if (!t->scen)
		return;
	scen_stop(t);
	t->scen->quit_after = true;
	t->scen->quit_by_ns = now_mono_ns() + QUIT_GRACE_NS;
	tui_status(t, "%s: tearing down, then quitting",
		   scenario_session__name(t->scen->s));
}

void scen_tick(struct tui *t)
{
	if (t->scen && t->scen->quit_after &&
	    now_mono_ns() > t->scen->quit_by_ns) {
		t->quit = true;
		loop_stop(t); /* scen_drain finishes it */
	}
}

void scen_drain(struct tui *t)
{
	struct scen_run *r = t->scen;
	uint64_t until;

	if (!r)
		return;
	scenario_session__stop(r->s);
	scenario_session__offline(r->s);
	until = now_mono_ns() / 1000000 + DRAIN_MS;
	while (now_mono_ns() / 1000000 < until && step(r->s) > 0) {
		struct pollfd p = { r->fd, POLLIN, 0 };

		if (poll(&p, 1, 100) < 0 && errno != EINTR)
			break;
	}
	r->quit_after = false;
	scen_end(t);
}
