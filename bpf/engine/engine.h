/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The engine: one per host. It owns the lock in /run/bpflab, the mounts it
 * needs, the kernel modules (proc, enforce, netpol, lb, observe), one epoll
 * loop over every ring buffer and fd, the enriched event stream with its
 * sinks, and the control socket /run/bpflab/engine.sock.
 *
 * Life cycle: engine__open() → engine__load_modules() → engine__serve() →
 * engine__run() → engine__close(). Everything it creates on the host is in
 * the journal, so a crash is cleaned up by the next engine__open().
 */
#ifndef BPFLAB_ENGINE_H
#define BPFLAB_ENGINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "abi/abi.h"

/* Lock and socket live in bl_run_dir() (util/paths.h): engine.lock, engine.sock. */
#define BL_PIN_DIR "/sys/fs/bpf/bpflab"

struct engine;
struct jw;
struct json_object;
struct proc_tree;
struct proc_node;

/* ---- kernel modules -------------------------------------------------- */

/*
 * One skeleton's worth of programs and maps. load() opens, loads and attaches
 * and registers its ring buffers and request handlers; unload() undoes it.
 * A module that needs a hook the host lacks fails load() with -EOPNOTSUPP
 * and a message naming the hook.
 */
struct engine_module {
	const char *name; /* "proc", "enforce", ... (also the stats key) */
	const char *summary; /* one line for `bpflab status` */
	int (*load)(struct engine *e, void **state);
	void (*unload)(struct engine *e, void *state);
	int order; /* load order, ascending; proc first */
	bool default_on; /* loaded by a plain `bpflab engine` */
};

#define ENGINE_MODULE(id, ...)                                                 \
	static const struct engine_module __engine_module_##id __attribute__(( \
		used, section("bl_modules"), aligned(8))) = { __VA_ARGS__ }

/* ---- events ------------------------------------------------------------ */

/*
 * An event after enrichment. rec points at the raw ring-buffer record for
 * the duration of the sink calls only. The module that produced it renders
 * it; the engine adds node_name and time around the rendering.
 */
struct bl_event {
	uint16_t op; /* enum bl_op */
	uint64_t ktime; /* from the record header */
	const void *rec; /* raw record */
	size_t len;
	const char *type; /* JSON key: "process_exec", "flow", ... */
	struct proc_node *proc; /* who did it; NULL when unknown */
	const char *sandbox; /* sandbox name or NULL (host) */
	/*
	 * The members of the object under the type key, e.g. "process":{...},
	 * "parent":{...}: the engine has opened that object and closes it.
	 */
	void (*render)(const struct bl_event *ev, struct jw *w);
	/* one compact line, as `tetra getevents -o compact` */
	void (*render_compact)(const struct bl_event *ev, char *buf,
			       size_t size);
	void *ctx; /* module data for the renderers */
};

/* A sink sees every event in order. It must not block. */
typedef void (*engine_sink_fn)(struct engine *e, const struct bl_event *ev,
			       void *ctx);
int engine__add_sink(struct engine *e, engine_sink_fn fn, void *ctx);
void engine__remove_sink(struct engine *e, int id);
/* Enrich (proc, sandbox) if unset, then hand to every sink. */
void engine__emit(struct engine *e, struct bl_event *ev);
/* The full Tetragon/Hubble-shaped line: {"<type>":{...},"node_name":..,"time":..} */
void engine__render_line(const struct bl_event *ev, struct jw *w);

/* ---- fds, ring buffers, timers ------------------------------------------ */

typedef int (*engine_fd_fn)(struct engine *e, int fd, uint32_t events,
			    void *ctx);
int engine__add_fd(struct engine *e, int fd, uint32_t events, engine_fd_fn fn,
		   void *ctx);
void engine__remove_fd(struct engine *e, int fd);

/* Records are delivered to fn in the loop; the stats map counts lost ones. */
typedef int (*engine_rb_fn)(struct engine *e, const void *rec, size_t len,
			    void *ctx);
int engine__add_ringbuf(struct engine *e, const char *module, int rb_map_fd,
			int stats_map_fd, engine_rb_fn fn, void *ctx);

/* Called about once a second from the loop. */
typedef void (*engine_tick_fn)(struct engine *e, uint64_t now_ns, void *ctx);
int engine__on_tick(struct engine *e, engine_tick_fn fn, void *ctx);

/* ---- control requests over the socket ------------------------------------ */

/*
 * A request is one JSON object per line: {"op":"NAME", ...}. The handler
 * writes the reply object's members into w (the engine opens and closes the
 * object and adds "ok"). Return 0, or -errno with *err set to a message.
 */
typedef int (*engine_req_fn)(struct engine *e, struct json_object *req,
			     struct jw *reply, char *err, size_t errlen,
			     void *ctx);
int engine__add_request(struct engine *e, const char *op, engine_req_fn fn,
			void *ctx);
/* A request's string member, or NULL when missing or not a string. */
const char *engine_req_str(struct json_object *req, const char *key);

/* ---- sandboxes: cgroup id → name, so events say where they happened ------ */

int engine__sandbox_register(struct engine *e, uint64_t cgroup_id,
			     const char *name, const char *kind);
void engine__sandbox_unregister(struct engine *e, uint64_t cgroup_id);
/* Name of the sandbox owning cgroup_id, or NULL for the host. */
const char *engine__sandbox_name(struct engine *e, uint64_t cgroup_id,
				 const char **kind);

/* ---- lifecycle ----------------------------------------------------------- */

struct engine_opts {
	bool verbose;
	bool no_recover; /* tests: do not clean the journal at open */
};

/* -EBUSY: another engine holds the lock (use the socket instead). */
int engine__open(struct engine **out, const struct engine_opts *opts);
/* names == NULL loads every default_on module; "all" loads every module. */
int engine__load_modules(struct engine *e, const char *const *names);
int engine__serve(struct engine *e); /* listen on <run dir>/engine.sock */
int engine__run(struct engine *e); /* until SIGINT/SIGTERM or engine__stop */
void engine__stop(struct engine *e);
void engine__close(struct engine *e); /* unload, unmount, clear the journal */

struct proc_tree *engine__procs(struct engine *e);
/*
 * Story line of a process, Tetragon shape: writes the members "process",
 * "parent" and "ancestors" (oldest last) into the current JSON object, with
 * sandbox names resolved. Every module's renderer calls this.
 */
void engine__render_story(struct engine *e, const struct proc_node *p,
			  struct jw *w);
bool engine__module_loaded(struct engine *e, const char *name);

/* Lost/emitted counters per module, summed over CPUs. */
struct engine_module_stats {
	const char *name;
	uint64_t events, lost, errors;
};
int engine__module_stats(struct engine *e, struct engine_module_stats *out,
			 int max);
uint64_t engine__events_total(struct engine *e);
uint64_t engine__sink_drops(struct engine *e); /* events subscribers missed */

/* ---- client side: talk to a running engine ------------------------------- */

/* Connect to the socket; -ENOENT/-ECONNREFUSED when no engine is up. */
int engine_client_connect(void);
/* Send one request line and read one reply line (malloc'd) back. */
int engine_client_call(const char *request_json, char **reply);
bool engine_is_running(void);
/*
 * Fire and forget: send one request without waiting for the reply. Safe
 * from inside the engine's own process (the loop handles it later).
 */
int engine_client_notify(const char *request_json);
/*
 * For verbs whose effect must outlive the CLI (policy apply, svc add): start
 * `bpflab engine --daemon` when no engine is up, and wait until it answers.
 */
int engine_client_ensure_daemon(void);

#endif
