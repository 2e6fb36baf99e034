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
 *   lab.say(text), lab.step(text) (yields to the driver), lab.sleep(s)
 *   lab.expect.killed(proc [, {signal=}]), .exited(proc [, code]),
 *     .event{...}, .unchanged(box, path), .changed(box, path),
 *     .no_connection(c2), .connection(c2), .denied(proc, errno_name)
 */
#ifndef BPFLAB_LUA_LAB_H
#define BPFLAB_LUA_LAB_H

#include <stdbool.h>
#include <stdint.h>

#include <lua.h>

#include "util/sha256.h"
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
};

/* Install `lab` into the state and point it at run. */
void lab_open(lua_State *L, struct lab_run *run);
struct lab_run *lab_run_of(lua_State *L);
/* Remove everything the run made; returns how many removals failed. */
int lab_run__teardown(struct lab_run *run);
void lab_run__free_checks(struct lab_run *run);
/* Record an expectation's outcome (evidence: a JSON object, copied). */
void lab_check(struct lab_run *run, bool ok, const char *evidence_json,
	       const char *fmt, ...) __attribute__((format(printf, 4, 5)));

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
/* Read what the engine sent, waiting up to ms (keeps the stream flowing). */
void lab_events__pump(struct lab_events *ev, int ms);
/*
 * Wait up to timeout_ms for an event matching the Lua filter table at
 * filter_idx; pushes it as a table (or nil). Events already seen are kept,
 * so an event that came before the wait still matches.
 */
int lab_events__wait(struct lab_events *ev, lua_State *L, int filter_idx,
		     int timeout_ms);

#endif
