/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The `lab` module scenario scripts see, and the run it acts on. Everything
 * the script makes (sandboxes, policies, C2 listeners) is recorded in the
 * run, so lab_run__teardown() removes it whatever the script did.
 *
 *   lab.sandbox{ name=, kind=, privileged=, labels={} }  -> box
 *   box:spawn{ argv..., timeout=, stdin=, background= }  -> proc table
 *   box:exec{ argv... }      spawn, raising an error unless it exits 0
 *   box:read(path)           bytes of path inside the box, or nil, msg
 *   lab.policy.apply(file [, {mode=}]) / lab.policy.remove(name)
 *   lab.c2{ box=, addr=, port= } -> a C2 host in its own netns, wired to
 *     the box by a veth pair; listener:connections()
 *   lab.wait_event{ type=, pid=, policy=, action=, timeout= } -> event or nil
 *   lab.say(text), lab.step(text), lab.sleep(s)
 *   lab.expect.killed(proc [, {signal=}]), .exited(proc [, code]),
 *     .event{...}, .unchanged(box, path), .changed(box, path),
 *     .no_connection(c2), .connection(c2), .denied(proc, errno_name)
 *
 * Nothing here blocks the caller's loop (lab_wait.h): box:spawn/box:exec,
 * lab.policy.*, lab.wait_event, lab.expect.event and lab.sleep yield the
 * scenario's coroutine until their fd, child or deadline is ready. Output
 * (narration, steps, checks) goes to run->out, or to stdout without one.
 */
#ifndef BPFLAB_LUA_LAB_H
#define BPFLAB_LUA_LAB_H

#include <stdbool.h>
#include <stdint.h>

#include <lua.h>

#include "util/sha256.h"
#include "lab/lua/lab_wait.h"
#include "lab/sandbox/sandbox.h"

#define LAB_MAX_BOXES 8
#define LAB_MAX_POLICIES 8
#define LAB_MAX_C2 4
#define LAB_MAX_CHECKS 64

struct lua_rt;
struct lab_events;

struct lab_check {
	char what[160]; /* "killed: pid 123 (sh -c ...)" */
	bool ok;
	char *evidence; /* one JSON object, malloc'd */
};

/* What the C2 responder saw; shared memory it writes and we read. */
struct lab_c2_seen {
	volatile int accepted; /* connections that completed the handshake */
	char first_bytes[256]; /* what the first beacon sent */
};

struct lab_c2 {
	pid_t pid; /* the responder: accepts, reads, closes, counts */
	char addr[64];
	int port;
	char ns[64]; /* the C2 host's netns (/run/netns) */
	char box_ns[64]; /* the victim's netns, named for the plumbing */
	int journal[2]; /* the victim netns name: its file and bind mount */
	struct lab_c2_seen *seen; /* MAP_SHARED with the responder */
};

struct lab_run {
	struct lua_rt *rt;
	const char *mode; /* "enforce" | "monitor" */
	const char *kind; /* sandbox kind for lab.sandbox without kind= */
	const char
		*dir; /* scenario directory: policy paths are relative to it */
	const char *scenario; /* name, for sandbox names */
	const char *
		policy_override; /* training: the trainee's file replaces the policy */
	bool quiet; /* no narration (JSON output) */
	struct sandbox *boxes[LAB_MAX_BOXES];
	int n_boxes;
	char policies[LAB_MAX_POLICIES][128];
	int n_policies;
	struct lab_c2 c2[LAB_MAX_C2];
	int n_c2;
	struct lab_events *events; /* NULL when no engine runs */
	struct lab_check checks[LAB_MAX_CHECKS];
	int n_checks;
	int step;
	struct lab_wait wait; /* the pending wait; epfd -1 outside a run */
	lua_State *co; /* the phase's coroutine: the one the driver resumes */
	/* one line of narration, a step, a check; NULL: stdout */
	void (*out)(void *ctx, const char *line);
	void *out_ctx;
	bool offline; /* the engine stopped serving: requests fail at once */
};

/* Install `lab` into the state and point it at run. */
void lab_open(lua_State *L, struct lab_run *run);
struct lab_run *lab_run_of(lua_State *L);
/*
 * A lua_CFunction the driver runs as a coroutine after the script's
 * teardown: deletes the run's policies, one request at a time, and returns
 * how many deletes failed. lab_run__teardown() then removes the rest.
 */
int lab_cleanup_policies(lua_State *L);
/* Remove everything the run made; returns how many removals failed. */
int lab_run__teardown(struct lab_run *run);
void lab_run__free_checks(struct lab_run *run);
/* Record an expectation's outcome (evidence: a JSON object, copied). */
void lab_check(struct lab_run *run, bool ok, const char *evidence_json,
	       const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* A line of output (unless quiet), to run->out or stdout. */
void lab_print(struct lab_run *run, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/*
 * Yield until the wait recorded in run->wait is over, then continue in k
 * (lab_wait.c). Every continuation first calls lab_resumed(), which raises
 * "interrupted" after Ctrl-C or a stop.
 */
int lab_yield(lua_State *L, lua_KContext ctx, lua_KFunction k);
void lab_resumed(lua_State *L);
/*
 * Send one request line to the engine and continue in k with two values
 * on top of the stack: the reply line (or nil) and an error message (or
 * nil). Never blocks (lab_request.c).
 */
int lab_request(lua_State *L, const char *json, lua_KContext ctx,
		lua_KFunction k);

/* box userdata (lua_box.c) */
void lab_box_open(lua_State *L);
struct sandbox *lab_box_check(lua_State *L, int idx);
int lab_box_new(lua_State *L);
/* Remove a box's sandbox (teardown); the userdata stays, closed. */
int lab_box_remove(struct sandbox *sb);
/* fd of path opened read-only inside the box (its symlinks stay inside) */
int lab_box_open_path(const struct sandbox *sb, const char *path);

/* engine events (lab_events.c) */
int lab_events__open(struct lab_events **out);
void lab_events__close(struct lab_events *ev);
/* Read what the engine sent, waiting up to ms; returns how many came. */
int lab_events__pump(struct lab_events *ev, int ms);
int lab_events__fd(const struct lab_events *ev);
bool lab_events__closed(const struct lab_events *ev);
/*
 * The first event from number *pos on that matches the Lua filter table at
 * filter_idx: pushes it as a table and returns 1, else returns 0; *pos
 * moves past what was looked at. Events are kept (bounded) from the start
 * of the run, so an event that came before the wait still matches.
 */
int lab_events__find(struct lab_events *ev, lua_State *L, int filter_idx,
		     uint64_t *pos);

#endif
