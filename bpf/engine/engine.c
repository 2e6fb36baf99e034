// SPDX-License-Identifier: GPL-2.0
/*
 * Engine life cycle and its one loop: epoll over ring buffers, the control
 * socket, a 1 s timerfd and a signalfd (SIGINT/SIGTERM/SIGHUP only set the
 * stop flag by arriving as data, never in a handler).
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/file.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "engine/engine_priv.h"
#include "engine/journal.h"
#include "engine/mounts.h"
#include "engine/reload.h"
#include "proc/proc_tree.h"
#include "util/log.h"
#include "util/paths.h"
#include "util/util.h"

extern const struct engine_module __start_bl_modules[] __attribute__((weak));
extern const struct engine_module __stop_bl_modules[] __attribute__((weak));

/* Exited processes stay in the tree this long, for late events' ancestry. */
#define PROC_KEEP_NS (10ull * 1000000000ull)
/* Ring buffers are drained at least this often (modules batch wake-ups). */
#define RB_POLL_NS (25 * 1000000)

static int on_tick(struct engine *e, int fd, uint32_t events, void *ctx);
static int on_signal(struct engine *e, int fd, uint32_t events, void *ctx);

static int take_lock(struct engine *e)
{
	char path[256], pid[32];
	int fd;

	fd = open(bl_run_path(path, sizeof(path), "engine.lock"),
		  O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno;
	if (flock(fd, LOCK_EX | LOCK_NB)) {
		int err = errno == EWOULDBLOCK ? -EBUSY : -errno;

		close(fd);
		return err;
	}
	snprintf(pid, sizeof(pid), "%d\n", getpid());
	if (ftruncate(fd, 0) || pwrite(fd, pid, strlen(pid), 0) < 0)
		pr_debug("could not write the pid into the lock file");
	e->lock_fd = fd;
	return 0;
}

static int setup_loop(struct engine *e)
{
	struct itimerspec its = { .it_interval = { 1, 0 },
				  .it_value = { 1, 0 } };
	sigset_t mask;

	e->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (e->epfd < 0)
		return -errno;
	sigemptyset(&mask);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGHUP);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	signal(SIGPIPE, SIG_IGN); /* a subscriber that hangs up is not fatal */
	e->sigfd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
	e->timerfd =
		timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	if (e->sigfd < 0 || e->timerfd < 0)
		return -errno;
	if (timerfd_settime(e->timerfd, 0, &its, NULL))
		return -errno;
	return 0;
}

static int watch_control_fds(struct engine *e)
{
	int err = engine__add_fd(e, e->sigfd, EPOLLIN, on_signal, NULL);

	return err ? err :
		     engine__add_fd(e, e->timerfd, EPOLLIN, on_tick, NULL);
}

int engine__open(struct engine **out, const struct engine_opts *opts)
{
	struct rlimit unlimited = { RLIM_INFINITY, RLIM_INFINITY };
	struct engine *e;
	int err;

	*out = NULL;
	if (geteuid() != 0)
		return -EPERM;
	e = calloc(1, sizeof(*e));
	if (!e)
		return -ENOMEM;
	e->lock_fd = e->epfd = e->sigfd = e->timerfd = e->rb_poll_fd = -1;
	for (int i = 0; i < ENGINE_MAX_FDS; i++)
		e->fds[i].fd = -1;
	e->verbose = opts && opts->verbose;
	e->started_ns = now_real_ns();
	err = mkdir_p(bl_run_dir(), 0755);
	if (err)
		goto fail;
	err = take_lock(e);
	if (err)
		goto fail;
	/* we hold the lock: whatever an earlier engine left is a crash's leftover */
	if (!(opts && opts->no_recover)) {
		int left = journal_cleanup("engine", e->verbose);

		if (left > 0)
			pr_warn("%d leftover resource(s) could not be removed; "
				"see `bpflab down -v`",
				left);
	}
	setrlimit(RLIMIT_MEMLOCK, &unlimited);
	err = bl_mount_defaults();
	if (err)
		goto fail;
	err = setup_loop(e);
	if (!err)
		err = watch_control_fds(e);
	if (err)
		goto fail;
	e->procs = proc_tree__new(node_name());
	if (!e->procs) {
		err = -ENOMEM;
		goto fail;
	}
	*out = e;
	return 0;
fail:
	engine__close(e);
	return err;
}

static int module_wanted(const struct engine_module *m,
			 const char *const *names)
{
	if (!names)
		return m->default_on;
	for (; *names; names++)
		if (!strcmp(*names, "all") || !strcmp(*names, m->name))
			return 1;
	return 0;
}

int engine__load_modules(struct engine *e, const char *const *names)
{
	const struct engine_module *order[ENGINE_MAX_MODS];
	int n = 0, err;

	for (const struct engine_module *m = __start_bl_modules;
	     m < __stop_bl_modules && n < ENGINE_MAX_MODS; m++)
		if (module_wanted(m, names) &&
		    !engine__module_loaded(e, m->name))
			order[n++] = m;
	for (int i = 1; i < n; i++) /* insertion sort by load order */
		for (int j = i; j > 0 && order[j]->order < order[j - 1]->order;
		     j--) {
			const struct engine_module *t = order[j];

			order[j] = order[j - 1];
			order[j - 1] = t;
		}
	for (const char *const *nm = names; nm && *nm; nm++) {
		bool found = !strcmp(*nm, "all");

		for (const struct engine_module *m = __start_bl_modules;
		     m < __stop_bl_modules && !found; m++)
			found = !strcmp(m->name, *nm);
		if (!found) {
			pr_err("unknown module '%s'", *nm);
			return -ENOENT;
		}
	}
	for (int i = 0; i < n; i++) {
		struct engine_loaded *l = &e->mods[e->nmods];

		err = order[i]->load(e, &l->state);
		if (err) {
			pr_err("module %s: %s", order[i]->name, strerror(-err));
			return err;
		}
		l->mod = order[i];
		e->nmods++;
		pr_debug("module %s loaded", order[i]->name);
	}
	return 0;
}

bool engine__module_loaded(struct engine *e, const char *name)
{
	for (int i = 0; i < e->nmods; i++)
		if (!strcmp(e->mods[i].mod->name, name))
			return true;
	return false;
}

struct proc_tree *engine__procs(struct engine *e)
{
	return e->procs;
}

/* ---- fds ---------------------------------------------------------------- */

int engine__add_fd(struct engine *e, int fd, uint32_t events, engine_fd_fn fn,
		   void *ctx)
{
	struct epoll_event ev = { .events = events };

	for (int i = 0; i < ENGINE_MAX_FDS; i++) {
		if (e->fds[i].fd >= 0)
			continue;
		e->fds[i] =
			(struct engine_fd){ .fd = fd, .fn = fn, .ctx = ctx };
		ev.data.ptr = &e->fds[i];
		if (epoll_ctl(e->epfd, EPOLL_CTL_ADD, fd, &ev)) {
			e->fds[i].fd = -1;
			return -errno;
		}
		return 0;
	}
	return -ENOSPC;
}

static struct engine_fd *find_fd(struct engine *e, int fd)
{
	for (int i = 0; i < ENGINE_MAX_FDS; i++)
		if (e->fds[i].fd == fd)
			return &e->fds[i];
	return NULL;
}

int engine__mod_fd(struct engine *e, int fd, uint32_t events)
{
	struct engine_fd *f = find_fd(e, fd);
	struct epoll_event ev = { .events = events, .data.ptr = f };

	if (!f)
		return -ENOENT;
	return epoll_ctl(e->epfd, EPOLL_CTL_MOD, fd, &ev) ? -errno : 0;
}

void engine__remove_fd(struct engine *e, int fd)
{
	struct engine_fd *f = find_fd(e, fd);

	if (!f)
		return;
	epoll_ctl(e->epfd, EPOLL_CTL_DEL, fd, NULL);
	f->fd = -1;
}

/* ---- ring buffers ------------------------------------------------------- */

static int rb_sample(void *ctx, void *data, size_t size)
{
	struct engine_rb *r = ctx;
	const struct bl_hdr *h = data;

	/* the decoder trusts nothing: a record must hold at least its header */
	if (size < sizeof(*h) || h->size > size) {
		r->e->sink_drops++;
		return 0;
	}
	return r->fn(r->e, data, size, r->ctx);
}

static int rb_ready(struct engine *e, int fd, uint32_t events, void *ctx)
{
	(void)fd;
	(void)events;
	(void)ctx;
	return ring_buffer__consume(e->rb) < 0 ? -EIO : 0;
}

/* The poll timer: records submitted without a wake-up are taken here. */
static int rb_poll_tick(struct engine *e, int fd, uint32_t events, void *ctx)
{
	uint64_t expirations;

	(void)events;
	(void)ctx;
	if (read(fd, &expirations, sizeof(expirations)) < 0)
		return 0;
	return ring_buffer__consume(e->rb) < 0 ? -EIO : 0;
}

static int start_rb_poll(struct engine *e)
{
	struct itimerspec its = { .it_interval = { 0, RB_POLL_NS },
				  .it_value = { 0, RB_POLL_NS } };
	int fd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	int err;

	if (fd < 0)
		return -errno;
	if (timerfd_settime(fd, 0, &its, NULL)) {
		err = -errno;
		close(fd);
		return err;
	}
	err = engine__add_fd(e, fd, EPOLLIN, rb_poll_tick, NULL);
	if (err)
		close(fd);
	else
		e->rb_poll_fd = fd;
	return err;
}

int engine__add_ringbuf(struct engine *e, const char *module, int rb_map_fd,
			int stats_map_fd, engine_rb_fn fn, void *ctx)
{
	struct engine_rb *r;
	int err;

	if (e->nrbs >= ENGINE_MAX_RBS)
		return -ENOSPC;
	r = &e->rbs[e->nrbs];
	*r = (struct engine_rb){
		.e = e, .stats_fd = stats_map_fd, .fn = fn, .ctx = ctx
	};
	snprintf(r->module, sizeof(r->module), "%s", module);
	if (!e->rb) {
		e->rb = ring_buffer__new(rb_map_fd, rb_sample, r, NULL);
		if (!e->rb)
			return -errno;
		err = engine__add_fd(e, ring_buffer__epoll_fd(e->rb), EPOLLIN,
				     rb_ready, NULL);
		if (!err)
			err = start_rb_poll(e);
		if (err)
			return err;
	} else if (ring_buffer__add(e->rb, rb_map_fd, rb_sample, r)) {
		return -errno;
	}
	e->nrbs++;
	return 0;
}

int engine__module_stats(struct engine *e, struct engine_module_stats *out,
			 int max)
{
	int ncpu = libbpf_num_possible_cpus(), n = 0;
	uint64_t vals[512];

	if (ncpu <= 0 || ncpu > 512)
		return -EINVAL;
	for (int i = 0; i < e->nrbs && n < max; i++) {
		uint64_t sum[BL_STAT_MAX] = {};

		for (uint32_t k = 0; k < BL_STAT_MAX && e->rbs[i].stats_fd >= 0;
		     k++) {
			if (bpf_map_lookup_elem(e->rbs[i].stats_fd, &k, vals))
				continue;
			for (int c = 0; c < ncpu; c++)
				sum[k] += vals[c];
		}
		out[n++] = (struct engine_module_stats){
			.name = e->rbs[i].module,
			.events = sum[BL_STAT_EVENTS],
			.lost = sum[BL_STAT_LOST],
			.errors = sum[BL_STAT_ERRORS],
		};
	}
	return n;
}

uint64_t engine__events_total(struct engine *e)
{
	return e->events_total;
}

uint64_t engine__sink_drops(struct engine *e)
{
	return e->sink_drops + (e->srv ? engine_server__drops(e->srv) : 0);
}

/* ---- ticks and the loop ------------------------------------------------- */

int engine__on_tick(struct engine *e, engine_tick_fn fn, void *ctx)
{
	if (e->nticks >= ENGINE_MAX_TICKS)
		return -ENOSPC;
	e->ticks[e->nticks++] = (struct engine_tick){ fn, ctx };
	return 0;
}

static int on_tick(struct engine *e, int fd, uint32_t events, void *ctx)
{
	uint64_t expirations, now = now_real_ns();

	(void)events;
	(void)ctx;
	if (read(fd, &expirations, sizeof(expirations)) < 0)
		return 0;
	for (int i = 0; i < e->nticks; i++)
		e->ticks[i].fn(e, now, e->ticks[i].ctx);
	proc_tree__gc(e->procs, now, PROC_KEEP_NS);
	return 0;
}

static int on_signal(struct engine *e, int fd, uint32_t events, void *ctx)
{
	struct signalfd_siginfo si;

	(void)events;
	(void)ctx;
	while (read(fd, &si, sizeof(si)) == sizeof(si)) {
		pr_debug("signal %u: stopping", si.ssi_signo);
		e->stop = true;
	}
	return 0;
}

void engine__stop(struct engine *e)
{
	e->stop = true;
}

int engine__run(struct engine *e)
{
	struct epoll_event evs[32];

	while (!e->stop) {
		int n = epoll_wait(e->epfd, evs, 32, 1000);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		for (int i = 0; i < n && !e->stop; i++) {
			struct engine_fd *f = evs[i].data.ptr;

			if (f->fd >= 0 &&
			    f->fn(e, f->fd, evs[i].events, f->ctx) < 0)
				pr_debug("fd %d handler failed", f->fd);
		}
	}
	/* drain what the kernel already produced before stopping */
	if (e->rb)
		ring_buffer__consume(e->rb);
	return 0;
}

void engine__close(struct engine *e)
{
	if (!e)
		return;
	reload__shutdown(); /* a reload's worker reads the modules' objects */
	if (e->srv)
		engine_server__close(e, e->srv);
	for (int i = e->nmods - 1; i >= 0; i--)
		if (e->mods[i].mod->unload)
			e->mods[i].mod->unload(e, e->mods[i].state);
	ring_buffer__free(e->rb);
	if (e->lock_fd >= 0) {
		/* only the lock holder may tear down what engines create */
		journal_cleanup("engine", e->verbose);
		close(e->lock_fd);
	}
	if (e->timerfd >= 0)
		close(e->timerfd);
	if (e->rb_poll_fd >= 0)
		close(e->rb_poll_fd);
	if (e->sigfd >= 0)
		close(e->sigfd);
	if (e->epfd >= 0)
		close(e->epfd);
	proc_tree__free(e->procs);
	free(e);
}
