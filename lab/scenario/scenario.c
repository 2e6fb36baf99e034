// SPDX-License-Identifier: GPL-2.0
/* Load, run and judge one scenario script; list the scenario directory. */
#include <dirent.h>
#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <json-c/json.h>
#include <lauxlib.h>

#include "engine/engine.h"
#include "lab/lua/lua_lab.h"
#include "lab/lua/lua_rt.h"
#include "lab/scenario/scenario.h"
#include "util/jw.h"
#include "util/util.h"

#define SCRIPT_MAX (1 << 20)

const char *scenario_verdict_name(enum scenario_verdict v)
{
	return v == SCENARIO_PASS ? "PASS" :
	       v == SCENARIO_FAIL ? "FAIL" :
				    "ERROR";
}

int scenario_dir(char *buf, size_t size)
{
	const char *env = getenv("BPFLAB_SCENARIOS");
	char exe[PATH_MAX];
	ssize_t n;

	if (env && *env) {
		snprintf(buf, size, "%s", env);
		return access(buf, R_OK) ? -errno : 0;
	}
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n > 0) {
		exe[n] = 0;
		/* BUILD/bpflab: the source tree has scenarios/ beside BUILD */
		snprintf(buf, size, "%s/../scenarios", dirname(exe));
		if (!access(buf, R_OK))
			return 0;
	}
	snprintf(buf, size, "/usr/local/share/bpflab/scenarios");
	return access(buf, R_OK) ? -ENOENT : 0;
}

int scenario_find(const char *name, char *path, size_t size)
{
	char dir[PATH_MAX];
	size_t len = strlen(name);
	int err;

	if (len > 4 && !strcmp(name + len - 4, ".lua")) {
		snprintf(path, size, "%s", name);
		return access(path, R_OK) ? -errno : 0;
	}
	if (strchr(name, '/'))
		return -ENOENT;
	err = scenario_dir(dir, sizeof(dir));
	if (err)
		return err;
	snprintf(path, size, "%s/%s.lua", dir, name);
	return access(path, R_OK) ? -ENOENT : 0;
}

static int read_script(const char *path, char **out, size_t *len)
{
	char *buf = malloc(SCRIPT_MAX + 1);
	ssize_t n;

	if (!buf)
		return -ENOMEM;
	n = read_file(path, buf, SCRIPT_MAX + 1);
	if (n < 0) {
		free(buf);
		return (int)n;
	}
	*out = buf;
	*len = (size_t)n;
	return 0;
}

/* `scenario { ... }` checks the shape early, with the script's line. */
static int l_scenario(lua_State *L)
{
	luaL_checktype(L, 1, LUA_TTABLE);
	lua_getfield(L, 1, "name");
	if (!lua_isstring(L, -1))
		return luaL_error(L, "scenario: 'name' (a string) is missing");
	lua_getfield(L, 1, "run");
	if (!lua_isfunction(L, -1))
		return luaL_error(L, "scenario: 'run' (a function) is missing");
	lua_pop(L, 2);
	for (const char *const *k = (const char *const[]){ "setup", "verify",
							   "teardown", NULL };
	     *k; k++) {
		lua_getfield(L, 1, *k);
		if (!lua_isnil(L, -1) && !lua_isfunction(L, -1))
			return luaL_error(
				L, "scenario: '%s' must be a function", *k);
		lua_pop(L, 1);
	}
	lua_settop(L, 1);
	return 1;
}

/* Load and evaluate the script: leaves its table on the stack. */
static int load_scenario(struct lua_rt *rt, const char *path, char *err,
			 size_t errlen)
{
	lua_State *L = lua_rt__state(rt);
	char chunk[600], *code = NULL;
	size_t len = 0;
	int rc;

	rc = read_script(path, &code, &len);
	if (rc) {
		snprintf(err, errlen, "%s: %s", path, strerror(-rc));
		return rc;
	}
	lua_pushcfunction(L, l_scenario);
	lua_setglobal(L, "scenario");
	snprintf(chunk, sizeof(chunk), "@%s", path);
	rc = lua_rt__load(rt, code, len, chunk, err, errlen);
	free(code);
	if (!rc)
		rc = lua_rt__pcall(rt, 0, 1, err, errlen);
	if (!rc && !lua_istable(L, -1)) {
		snprintf(err, errlen,
			 "%s: the script must return scenario { ... }", path);
		lua_pop(L, 1);
		rc = -EINVAL;
	}
	return rc;
}

static void get_string(lua_State *L, int idx, const char *key, char *buf,
		       size_t size)
{
	lua_getfield(L, idx, key);
	snprintf(buf, size, "%s",
		 lua_isstring(L, -1) ? lua_tostring(L, -1) : "");
	lua_pop(L, 1);
}

int scenario_list(struct scenario_info **out, int *count)
{
	struct scenario_info *v = NULL, *tmp;
	char dir[240], err[1024];
	struct dirent **names;
	int n, k = 0;

	*out = NULL;
	*count = 0;
	if (scenario_dir(dir, sizeof(dir)))
		return -ENOENT;
	n = scandir(dir, &names, NULL, alphasort);
	if (n < 0)
		return -errno;
	for (int i = 0; i < n; i++) {
		size_t len = strlen(names[i]->d_name);
		struct lab_run run = { .mode = "enforce",
				       .kind = "ns",
				       .wait.epfd = -1 };
		struct lua_rt *rt;

		tmp = len > 4 && !strcmp(names[i]->d_name + len - 4, ".lua") ?
			      realloc(v, sizeof(*v) * (size_t)(k + 1)) :
			      NULL;
		if (tmp)
			v = tmp; /* realloc may have moved it: keep the new one */
		if (tmp && !lua_rt__new(&rt, NULL)) {
			memset(&v[k], 0, sizeof(v[k]));
			snprintf(v[k].path, sizeof(v[k].path), "%s/%s", dir,
				 names[i]->d_name);
			lab_open(lua_rt__state(rt), &run);
			if (!load_scenario(rt, v[k].path, err, sizeof(err))) {
				get_string(lua_rt__state(rt), -1, "name",
					   v[k].name, sizeof(v[k].name));
				get_string(lua_rt__state(rt), -1, "title",
					   v[k].title, sizeof(v[k].title));
			} else {
				snprintf(v[k].name, sizeof(v[k].name), "%.*s",
					 (int)len - 4, names[i]->d_name);
				snprintf(v[k].title, sizeof(v[k].title),
					 "(does not load: %.200s)", err);
			}
			lua_rt__free(rt);
			k++;
		}
		free(names[i]);
	}
	free(names);
	*out = v;
	*count = k;
	return 0;
}

/*
 * requires = { "enforce", ... }: modules a running engine must have loaded.
 * The first phase, a coroutine like the others: the status request yields
 * (in the console the engine answering it runs in the same loop). Returns
 * true, or false and the reason.
 */
static int requires_k(lua_State *L, int status, lua_KContext ctx)
{
	const char *kind = lua_tostring(L, 2), *reply = lua_tostring(L, -2);
	struct json_object *rep = reply ? json_tokener_parse(reply) : NULL;
	struct json_object *mods = NULL;
	int n = (int)lua_rawlen(L, 3);

	(void)status;
	(void)ctx;
	if (!rep) {
		lua_pushboolean(L, 0);
		lua_pushliteral(
			L,
			"this scenario needs a running engine (start `bpflab engine`)");
		return 2;
	}
	json_object_object_get_ex(rep, "modules", &mods);
	for (int i = 1; i <= n; i++) {
		const char *want;
		bool found = false;

		lua_rawgeti(L, 3, i);
		want = lua_tostring(L, -1) ?: "";
		/* in a vm the guest's agent enforces; the host's engine only
		 * needs to take its events */
		if (!strcmp(kind, "vm") && !strcmp(want, "enforce"))
			want = "vm";
		for (size_t j = 0; mods && j < json_object_array_length(mods);
		     j++) {
			struct json_object *m = json_object_array_get_idx(mods,
									  j),
					   *nm;

			if (json_object_object_get_ex(m, "name", &nm) &&
			    !strcmp(json_object_get_string(nm), want))
				found = true;
		}
		if (!found) {
			json_object_put(rep);
			lua_pushboolean(L, 0);
			lua_pushfstring(
				L,
				"this scenario needs the engine's '%s' module, which is not loaded",
				want);
			return 2;
		}
		lua_pop(L, 1);
	}
	json_object_put(rep);
	lua_pushboolean(L, 1);
	return 1;
}

/* (scenario table, kind) -> true | false, why */
static int l_requires(lua_State *L)
{
	lua_settop(L, 2);
	lua_getfield(L, 1, "requires");
	if (!lua_istable(L, 3) || !lua_rawlen(L, 3)) {
		lua_pushboolean(L, 1);
		return 1;
	}
	return lab_request(L, "{\"op\":\"status\"}", 0, requires_k);
}

static void write_report(struct jw *w, const struct lab_run *run,
			 const char *name, const char *title,
			 enum scenario_verdict v, const char *error,
			 uint64_t t0)
{
	char started[48];

	jw_obj_begin(w);
	jw_kstr(w, "scenario", name);
	jw_kstr(w, "title", title);
	jw_kstr(w, "mode", run->mode);
	jw_kstr(w, "sandbox", run->kind);
	jw_kstr(w, "verdict", scenario_verdict_name(v));
	/* when the run started, wall clock: reports are kept and read back */
	format_rfc3339_ns(now_real_ns() - (now_mono_ns() - t0), started,
			  sizeof(started));
	jw_kstr(w, "time", started);
	if (error)
		jw_kstr(w, "error", error);
	else {
		jw_key(w, "error");
		jw_null(w);
	}
	jw_key(w, "checks");
	jw_arr_begin(w);
	for (int i = 0; i < run->n_checks; i++) {
		jw_obj_begin(w);
		jw_kstr(w, "check", run->checks[i].what);
		jw_kbool(w, "ok", run->checks[i].ok);
		jw_key(w, "evidence");
		jw_raw(w, run->checks[i].evidence ?: "{}");
		jw_obj_end(w);
	}
	jw_arr_end(w);
	jw_kuint(w, "duration_ms", (now_mono_ns() - t0) / 1000000);
	jw_obj_end(w);
}

/*
 * The phases, each a coroutine: requires (C), the script's setup, run,
 * verify and teardown, then the lab's own cleanup (C: policy deletes).
 */
enum {
	PH_REQUIRES,
	PH_SETUP,
	PH_RUN,
	PH_VERIFY,
	PH_TEARDOWN,
	PH_CLEANUP,
	PH_DONE
};
static const char *const phase_names[] = { "requires", "setup",	   "run",
					   "verify",   "teardown", "cleanup" };

/* The engine names new sandboxes in events after a rescan, at most every 500 ms. */
#define SETTLE_MS 550

struct scenario_session {
	struct lab_run run;
	struct lua_rt *rt;
	char name[64], title[256], dir[PATH_MAX], err[8192];
	int sc, ctx; /* stack slots of the scenario table and ctx */
	int phase;
	lua_State *co; /* the running phase's coroutine, or NULL */
	int co_ref; /* keeps co alive in the registry */
	bool failed;
	int cleanup_failed; /* policy deletes that failed */
	uint64_t t0;
};

static struct scenario_session *volatile running;

void scenario_interrupt(void)
{
	struct scenario_session *s = running;

	if (s)
		scenario_session__stop(s);
}

void scenario_session__stop(struct scenario_session *s)
{
	/* async-signal-safe: two flags; the driver resumes, the script raises */
	if (s->rt && s->phase < PH_TEARDOWN) {
		s->run.wait.interrupted = 1;
		lua_rt__interrupt(s->rt);
	}
}

void scenario_session__offline(struct scenario_session *s)
{
	s->run.offline = true;
}

int scenario_session__fd(const struct scenario_session *s)
{
	return s->run.wait.epfd;
}

struct scenario_session *
scenario_session__start(const char *path, const struct scenario_opts *opts)
{
	struct scenario_session *s = calloc(1, sizeof(*s));
	char pathcopy[PATH_MAX];
	lua_State *L;

	if (!s)
		return NULL;
	s->t0 = now_mono_ns();
	s->phase = PH_DONE; /* until everything below worked */
	s->co_ref = LUA_NOREF;
	s->run.mode = opts->mode ?: "enforce";
	s->run.kind = opts->kind ?: "ns";
	s->run.quiet = opts->quiet;
	s->run.policy_override = opts->policy;
	s->run.out = opts->out;
	s->run.out_ctx = opts->out_ctx;
	snprintf(s->name, sizeof(s->name), "?");
	snprintf(pathcopy, sizeof(pathcopy), "%s", path);
	snprintf(s->dir, sizeof(s->dir), "%s", dirname(pathcopy));
	s->run.dir = s->dir;
	s->run.scenario = s->name;
	s->failed = true;
	if (lab_wait__open(&s->run.wait)) {
		free(s);
		return NULL;
	}
	/* armed at once: the first step starts the first phase */
	lab_wait__deadline(&s->run.wait, 0);
	if (!sandbox_ops_find(s->run.kind)) {
		snprintf(s->err, sizeof(s->err),
			 "unknown sandbox kind '%s' (known: %s)", s->run.kind,
			 sandbox_kinds());
		return s;
	}
	if (lua_rt__new(&s->rt, NULL)) {
		snprintf(s->err, sizeof(s->err), "out of memory");
		return s;
	}
	L = lua_rt__state(s->rt);
	lab_open(L, &s->run);
	if (load_scenario(s->rt, path, s->err, sizeof(s->err)))
		return s;
	s->sc = lua_gettop(L);
	get_string(L, s->sc, "name", s->name, sizeof(s->name));
	get_string(L, s->sc, "title", s->title, sizeof(s->title));
	/* subscribe before setup: the kill event may come before we wait for it */
	if (engine_is_running() && !lab_events__open(&s->run.events))
		lab_wait__watch_events(&s->run.wait,
				       lab_events__fd(s->run.events));
	lua_createtable(L, 0, 4);
	lua_pushstring(L, s->run.mode);
	lua_setfield(L, -2, "mode");
	lua_createtable(L, 0, 2);
	lua_pushstring(L, s->run.kind);
	lua_setfield(L, -2, "sandbox");
	lua_pushstring(L, s->run.mode);
	lua_setfield(L, -2, "mode");
	lua_setfield(L, -2, "opt");
	s->ctx = lua_gettop(L);
	lab_print(&s->run, "== %s [%s, %s sandbox]: %s", s->name, s->run.mode,
		  s->run.kind, s->title);
	/* an implant killed mid-input must not take the runner (and teardown) with it */
	signal(SIGPIPE, SIG_IGN);
	s->failed = false;
	s->phase = PH_REQUIRES;
	running = s;
	return s;
}

/* Push the phase's function and its argument(s); false: nothing to run. */
static int push_phase(struct scenario_session *s, lua_State *L)
{
	switch (s->phase) {
	case PH_REQUIRES:
		lua_pushcfunction(L, l_requires);
		lua_pushvalue(L, s->sc);
		lua_pushstring(L, s->run.kind);
		return 2;
	case PH_CLEANUP:
		lua_pushcfunction(L, lab_cleanup_policies);
		return 0;
	default:
		lua_getfield(L, s->sc, phase_names[s->phase]);
		if (!lua_isfunction(L, -1)) {
			lua_pop(L, 1);
			return -1;
		}
		lua_pushvalue(L, s->ctx);
		return 1;
	}
}

static void end_phase(struct scenario_session *s)
{
	lua_State *L = lua_rt__state(s->rt);
	uint64_t next = 0;

	if (s->co) {
		luaL_unref(L, LUA_REGISTRYINDEX, s->co_ref);
		s->co = s->run.co = NULL;
		s->co_ref = LUA_NOREF;
		/*
		 * a phase stopped mid-call leaves its command running on the
		 * dead coroutine's stack: collect it now (its __gc kills and
		 * reaps it), before teardown removes the sandbox it runs in
		 */
		lua_gc(L, LUA_GCCOLLECT);
	}
	/*
	 * The engine learns sandbox names by rescanning the cgroup tree on a
	 * lookup miss, at most every 500 ms: wait that long after setup so
	 * events from run already carry the new boxes' names.
	 */
	if (s->phase == PH_SETUP && !s->failed && s->run.events &&
	    s->run.n_boxes)
		next = lab_now_ms() + SETTLE_MS;
	lab_wait__deadline(&s->run.wait, next);
	/*
	 * after an error only teardown is left; when the engine check failed
	 * the script made nothing, so its teardown does not run
	 */
	if (s->failed && s->phase == PH_REQUIRES)
		s->phase = PH_CLEANUP;
	else if (s->failed && s->phase < PH_TEARDOWN)
		s->phase = PH_TEARDOWN;
	else
		s->phase++;
	if (s->phase == PH_TEARDOWN || s->phase == PH_CLEANUP) {
		/* teardown must run even after Ctrl-C */
		s->run.wait.interrupted = 0;
		lua_rt__reset_budget(s->rt);
	}
}

/* Start or resume the current phase until it yields or ends. */
static void run_phase(struct scenario_session *s)
{
	char err[4096] = "";
	lua_State *L = lua_rt__state(s->rt);
	int rc, nres = 0, nargs = 0;

	if (!s->co && s->run.wait.interrupted && s->phase < PH_TEARDOWN) {
		/* stopped between two phases: straight to teardown */
		if (!s->failed)
			snprintf(s->err, sizeof(s->err), "%s: interrupted",
				 phase_names[s->phase]);
		s->failed = true;
		end_phase(s);
		return;
	}
	if (!s->co) {
		lua_rt__reset_budget(s->rt);
		s->co = lua_newthread(L);
		s->co_ref = luaL_ref(L, LUA_REGISTRYINDEX);
		s->run.co = s->co;
		nargs = push_phase(s, L);
		if (nargs < 0) {
			end_phase(s);
			return;
		}
		lua_xmove(L, s->co, nargs + 1);
	}
	rc = lua_rt__resume(s->rt, s->co, nargs, &nres, err, sizeof(err));
	if (rc == LUA_YIELD) {
		lua_pop(s->co, nres);
		return;
	}
	if (rc == LUA_OK && s->phase == PH_REQUIRES &&
	    !lua_toboolean(s->co, -nres)) {
		s->failed = true;
		snprintf(s->err, sizeof(s->err), "%s",
			 lua_tostring(s->co, -nres + 1) ?: "requires");
	} else if (rc == LUA_OK && s->phase == PH_CLEANUP) {
		s->cleanup_failed = (int)lua_tointeger(s->co, -1);
	} else if (rc != LUA_OK && !s->failed) {
		/* teardown's own error is reported only when nothing failed before */
		s->failed = true;
		snprintf(s->err, sizeof(s->err), "%s: %s",
			 phase_names[s->phase], err);
	}
	end_phase(s);
}

int scenario_session__step(struct scenario_session *s)
{
	if (s->phase == PH_DONE)
		return 0;
	if (!lab_wait__service(&s->run.wait, s->run.events))
		return 1;
	lab_wait__clear(&s->run.wait);
	run_phase(s);
	return s->phase != PH_DONE;
}

const char *scenario_session__name(const struct scenario_session *s)
{
	return s->name;
}

enum scenario_verdict scenario_session__finish(struct scenario_session *s,
					       struct jw *w)
{
	enum scenario_verdict v = SCENARIO_ERROR;
	struct jw one;

	/* cut short by the caller (the console quitting): the rest at once */
	if (s->phase != PH_DONE) {
		s->failed = true;
		if (!s->err[0])
			snprintf(s->err, sizeof(s->err),
				 "stopped before the end");
	}
	running = NULL;
	/* a script that checks nothing proves nothing: that is a broken script */
	if (!s->failed && !s->run.n_checks)
		snprintf(s->err, sizeof(s->err), "the script checked nothing");
	else if (!s->failed)
		v = SCENARIO_PASS;
	for (int i = 0; v == SCENARIO_PASS && i < s->run.n_checks; i++)
		if (!s->run.checks[i].ok)
			v = SCENARIO_FAIL;
	if ((lab_run__teardown(&s->run) || s->cleanup_failed) &&
	    v == SCENARIO_PASS) {
		v = SCENARIO_ERROR;
		snprintf(s->err, sizeof(s->err),
			 "teardown could not remove everything");
	}
	jw_init(&one);
	write_report(&one, &s->run, s->name, s->title, v,
		     s->err[0] ? s->err : NULL, s->t0);
	jw_raw(w, jw_str(&one) ?: "null");
	scenario_result_save(s->name, jw_str(&one));
	jw_free(&one);
	if (v == SCENARIO_ERROR)
		lab_print(&s->run, "   error: %s", s->err);
	lab_print(&s->run, "== %s: %s (%d check%s)", s->name,
		  scenario_verdict_name(v), s->run.n_checks,
		  s->run.n_checks == 1 ? "" : "s");
	lab_run__free_checks(&s->run);
	lab_events__close(s->run.events);
	lua_rt__free(s->rt);
	lab_wait__close(&s->run.wait);
	free(s);
	return v;
}

enum scenario_verdict
scenario_run(const char *path, const struct scenario_opts *opts, struct jw *w)
{
	struct scenario_session *s = scenario_session__start(path, opts);

	if (!s)
		return SCENARIO_ERROR;
	/* the CLI's driver: a poll loop (the console steps from its epoll loop) */
	while (scenario_session__step(s) > 0) {
		struct pollfd p = { scenario_session__fd(s), POLLIN, 0 };

		/* a signal ends the poll early: the step sees the stop */
		if (poll(&p, 1, 1000) < 0 && errno != EINTR)
			break;
	}
	return scenario_session__finish(s, w);
}
