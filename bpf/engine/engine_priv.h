/* SPDX-License-Identifier: GPL-2.0 */
/* The engine's private state, shared by its own files only. */
#ifndef BPFLAB_ENGINE_PRIV_H
#define BPFLAB_ENGINE_PRIV_H

#include "engine/engine.h"

#define ENGINE_MAX_FDS 128
#define ENGINE_MAX_SINKS 32
#define ENGINE_MAX_REQS 96
#define ENGINE_MAX_MODS 16
#define ENGINE_MAX_RBS 16
#define ENGINE_MAX_TICKS 32
#define ENGINE_SANDBOX_SLOTS 4096 /* a power of two: open addressing */

struct ring_buffer;
struct engine_server;

struct engine_fd {
	int fd; /* -1: free slot */
	engine_fd_fn fn;
	void *ctx;
};

struct engine_sink {
	engine_sink_fn fn; /* NULL: free slot */
	void *ctx;
};

struct engine_req {
	char op[48];
	engine_req_fn fn;
	void *ctx;
};

struct engine_loaded {
	const struct engine_module *mod;
	void *state;
};

struct engine_rb {
	struct engine *e;
	char module[32];
	int stats_fd;
	engine_rb_fn fn;
	void *ctx;
};

struct engine_tick {
	engine_tick_fn fn;
	void *ctx;
};

struct engine_sandbox {
	uint64_t cgroup_id; /* 0: free slot */
	char name[64]; /* empty: a host cgroup (a cached miss) */
	char kind[16];
	bool registered; /* told by the lab, not found by a scan */
	uint64_t miss_until_ns; /* a cached miss is trusted until then */
};

struct engine {
	int lock_fd;
	int epfd;
	int sigfd;
	int timerfd;
	int rb_poll_fd; /* drains ring buffers between batched wake-ups */
	bool stop;
	bool verbose;
	uint64_t started_ns;

	struct engine_fd fds[ENGINE_MAX_FDS];
	struct engine_sink sinks[ENGINE_MAX_SINKS];
	struct engine_req reqs[ENGINE_MAX_REQS];
	int nreqs;
	struct engine_loaded mods[ENGINE_MAX_MODS];
	int nmods;
	struct ring_buffer *rb;
	struct engine_rb rbs[ENGINE_MAX_RBS];
	int nrbs;
	struct engine_tick ticks[ENGINE_MAX_TICKS];
	int nticks;

	struct engine_sandbox sandboxes[ENGINE_SANDBOX_SLOTS];
	uint64_t sandbox_scan_ns;

	struct proc_tree *procs;
	struct engine_server *srv;

	uint64_t events_total;
	uint64_t sink_drops;
};

/* engine_sock.c */
int engine_server__open(struct engine *e, struct engine_server **out);
void engine_server__close(struct engine *e, struct engine_server *s);
int engine_server__subscribers(struct engine_server *s);
uint64_t engine_server__drops(struct engine_server *s);
/* built-in requests: status */
void engine__render_status(struct engine *e, struct jw *w);
/* engine_sandbox.c */
const char *engine__sandbox_of_proc(struct engine *e, const struct proc_node *p,
				    const char **kind);
/* engine.c */
int engine__mod_fd(struct engine *e, int fd, uint32_t events);

#endif
