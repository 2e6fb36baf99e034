// SPDX-License-Identifier: GPL-2.0
/* The `lab` module: sandboxes, policies, C2 listeners, narration, teardown. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <limits.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#include <json-c/json.h>
#include <lauxlib.h>

#include "engine/engine.h"
#include "engine/journal.h"
#include "lab/lua/lua_lab.h"
#include "lab/sandbox/vm.h"
#include "lab/net/net.h"
#include "lab/trouble/trouble.h"
#include "lab/lua/lua_rt.h"
#include "util/jw.h"
#include "util/log.h"
#include "util/util.h"

#define RUN_KEY "bpflab.run"

struct lab_run *lab_run_of(lua_State *L)
{
	struct lab_run *run;

	lua_getfield(L, LUA_REGISTRYINDEX, RUN_KEY);
	run = lua_touserdata(L, -1);
	lua_pop(L, 1);
	if (!run)
		luaL_error(L, "the lab module is not attached to a run");
	return run;
}

void lab_print(struct lab_run *run, const char *fmt, ...)
{
	char line[1024];
	va_list ap;

	if (run->quiet)
		return;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (run->out) {
		run->out(run->out_ctx, line);
		return;
	}
	printf("%s\n", line);
	fflush(stdout);
}

void lab_check(struct lab_run *run, bool ok, const char *evidence_json,
	       const char *fmt, ...)
{
	struct lab_check *c;
	va_list ap;

	if (run->n_checks >= LAB_MAX_CHECKS)
		return;
	c = &run->checks[run->n_checks++];
	va_start(ap, fmt);
	vsnprintf(c->what, sizeof(c->what), fmt, ap);
	va_end(ap);
	c->ok = ok;
	c->evidence = strdup(evidence_json ? evidence_json : "{}");
	lab_print(run, "   %s %s", ok ? "✔" : "✘", c->what);
}

void lab_run__free_checks(struct lab_run *run)
{
	for (int i = 0; i < run->n_checks; i++)
		free(run->checks[i].evidence);
	run->n_checks = 0;
}

/* ---- narration ------------------------------------------------------------ */

static int l_say(lua_State *L)
{
	lab_print(lab_run_of(L), "   %s", luaL_checkstring(L, 1));
	return 0;
}

static int wake_k(lua_State *L, int status, lua_KContext ctx)
{
	(void)status;
	(void)ctx;
	lab_resumed(L);
	return 0;
}

/* A step gives the driver control once (a redraw), then goes on. */
static int l_step(lua_State *L)
{
	struct lab_run *run = lab_run_of(L);

	run->step++;
	lab_print(run, " %d. %s", run->step, luaL_checkstring(L, 1));
	if (run->wait.epfd <= 0 || lab_wait__deadline(&run->wait, 0))
		return 0;
	return lab_yield(L, 0, wake_k);
}

/* until the deadline in ctx, whatever else resumes us early */
static int sleep_k(lua_State *L, int status, lua_KContext until)
{
	struct lab_run *run = lab_run_of(L);

	(void)status;
	lab_resumed(L);
	if (lab_now_ms() >= (uint64_t)until)
		return 0;
	if (lab_wait__deadline(&run->wait, (uint64_t)until))
		return luaL_error(L, "lab.sleep: %s", strerror(errno));
	return lab_yield(L, until, sleep_k);
}

/* lab.sleep(s): a deadline the driver's loop waits for, not a nanosleep */
static int l_sleep(lua_State *L)
{
	double s = luaL_checknumber(L, 1);

	luaL_argcheck(L, s >= 0 && s <= 30, 1, "0 to 30 seconds");
	lua_settop(L, 0);
	return sleep_k(L, LUA_OK,
		       (lua_KContext)(lab_now_ms() + (uint64_t)(s * 1000)));
}

/* ---- policies: requests to the engine (lab_request), never a child ------- */

/* metadata.name, read the plain way: the engine validates the file for real. */
static void policy_name(const char *text, char *name, size_t size)
{
	const char *meta = strstr(text, "\nmetadata:");
	const char *p = meta ? strstr(meta, "\n  name:") : NULL;
	size_t n;

	snprintf(name, size, "?");
	if (!p)
		return;
	p += 8;
	p += strspn(p, " \t\"'");
	n = strcspn(p, "\"'\r\n #");
	if (n < size)
		snprintf(name, size, "%.*s", (int)n, p);
}

/* The same policy with policy-mode set to mode, as a file in the run dir. */
static int policy_with_mode(const char *src, const char *mode, char *dst,
			    size_t dstlen, char *name, size_t namelen,
			    char **textp)
{
	char *text = NULL, *p, *q;
	FILE *f = fopen(src, "re");
	long len;
	int err = 0;

	if (!f)
		return -errno;
	fseek(f, 0, SEEK_END);
	len = ftell(f);
	rewind(f);
	if (len < 0 || len > (1 << 20) ||
	    !(text = calloc(1, (size_t)len + 1)) ||
	    fread(text, 1, (size_t)len, f) != (size_t)len) {
		err = -EIO;
		goto out;
	}
	policy_name(text, name, namelen);
	/* the value line after `name: "policy-mode"` */
	p = strstr(text, "policy-mode");
	q = p ? strstr(p, "value:") : NULL;
	if (q) {
		char *v = strstr(q, strcmp(mode, "enforce") ? "enforce" :
							      "monitor");
		char *eol = strchr(q, '\n');

		if (v && (!eol || v < eol))
			memcpy(v, mode, 7); /* both words are 7 letters */
	}
	snprintf(dst, dstlen, "/tmp/bpflab-lab-policy-%d-%s.yaml", getpid(),
		 name);
	err = write_new_file(dst, text, 0600);
	if (!err) {
		*textp = text;
		text = NULL;
	}
out:
	free(text);
	fclose(f);
	return err;
}

/* Push a request string (Lua owns it) and send it: continue in k. */
static int request_owned(lua_State *L, char *req, lua_KContext ctx,
			 lua_KFunction k)
{
	if (!req)
		return luaL_error(L, "out of memory");
	lua_pushstring(L, req);
	free(req);
	return lab_request(L, lua_tostring(L, -1), ctx, k);
}

/* {"op":"policy.apply","files":[{"file":path,"yaml":text}]} */
static char *apply_request(const char *path, const char *text)
{
	struct jw w;
	char *req;

	jw_init(&w);
	jw_obj_begin(&w);
	jw_kstr(&w, "op", "policy.apply");
	jw_key(&w, "files");
	jw_arr_begin(&w);
	jw_obj_begin(&w);
	jw_kstr(&w, "file", path);
	jw_kstr(&w, "yaml", text);
	jw_obj_end(&w);
	jw_arr_end(&w);
	jw_obj_end(&w);
	req = jw_str(&w) ? strdup(jw_str(&w)) : NULL;
	jw_free(&w);
	return req;
}

/* The engine's reply at reply_idx (msg_idx: our own error): NULL when ok. */
static const char *reply_error(lua_State *L, int reply_idx, int msg_idx)
{
	struct json_object *rep, *ok, *e;
	const char *msg = NULL;

	if (lua_isnil(L, reply_idx))
		return lua_tostring(L, msg_idx) ?: "no reply";
	rep = json_tokener_parse(lua_tostring(L, reply_idx));
	if (!rep)
		return "a bad reply from the engine";
	if (!json_object_object_get_ex(rep, "ok", &ok) ||
	    !json_object_get_boolean(ok)) {
		e = json_object_object_get(rep, "error");
		lua_pushstring(L, e ? json_object_get_string(e) : "refused");
		lua_replace(L, msg_idx); /* outlives rep */
		msg = lua_tostring(L, msg_idx);
	}
	json_object_put(rep);
	return msg;
}

/*
 * Stack while an apply waits: 1 file, 2 opts, 3 name, 4 temporary file,
 * 5 mode, then lab_request's userdata, reply, message.
 */
static int policy_apply_k(lua_State *L, int status, lua_KContext ctx)
{
	struct lab_run *run = lab_run_of(L);
	const char *file = lua_tostring(L, 1), *name = lua_tostring(L, 3);
	const char *tmp = lua_tostring(L, 4), *mode = lua_tostring(L, 5);
	const char *err = NULL;
	char why[256];

	(void)status;
	if (ctx) /* the host's engine answered (ctx 0: a vm, nothing asked) */
		err = reply_error(L, -2, -1);
	/* a vm's guest enforces it too: its own kernel, its own hooks */
	for (int i = 0; !err && i < run->n_boxes; i++)
		if (!strcmp(run->boxes[i]->kind, "vm") &&
		    vm_policy_apply_file(run->boxes[i], tmp)) {
			snprintf(why, sizeof(why), "the guest of %s refused it",
				 run->boxes[i]->name);
			err = why;
		}
	unlink(tmp);
	if (err)
		return luaL_error(L, "lab.policy.apply %s (mode %s) failed: %s",
				  file, mode, err);
	if (strcmp(run->kind, "vm")) /* a guest's policy goes with the guest */
		snprintf(run->policies[run->n_policies++],
			 sizeof(run->policies[0]), "%s", name);
	lab_print(run, "   policy %s applied (%s)", name, mode);
	lua_pushvalue(L, 3);
	return 1;
}

/* lab.policy.apply(file [, {mode=}]) -> name; errors if the engine refuses it */
static int l_policy_apply(lua_State *L)
{
	struct lab_run *run = lab_run_of(L);
	const char *file = luaL_checkstring(L, 1), *mode = run->mode;
	char path[1024], tmp[512], name[128], *text = NULL, *req;
	int rc;

	if (lua_istable(L, 2)) {
		lua_getfield(L, 2, "mode");
		mode = luaL_optstring(L, -1, mode);
	}
	luaL_argcheck(L, !strcmp(mode, "enforce") || !strcmp(mode, "monitor"),
		      2, "mode is enforce or monitor");
	luaL_argcheck(L, !strstr(file, ".."), 1,
		      "policy files live in the scenario directory");
	if (run->n_policies >= LAB_MAX_POLICIES)
		return luaL_error(L, "lab.policy.apply: at most %d policies",
				  LAB_MAX_POLICIES);
	if (run->policy_override)
		snprintf(path, sizeof(path), "%s", run->policy_override);
	else
		snprintf(path, sizeof(path), "%s/%s", run->dir, file);
	rc = policy_with_mode(path, mode, tmp, sizeof(tmp), name, sizeof(name),
			      &text);
	if (rc)
		return luaL_error(L, "lab.policy.apply: %s: %s", path,
				  strerror(-rc));
	lua_settop(L, 2);
	lua_pushstring(L, name);
	lua_pushstring(L, tmp);
	lua_pushstring(L, mode);
	/*
	 * vm sandboxes have no cgroup on this host (only their qemu runs here):
	 * their guests enforce the policy, the host has nothing to apply
	 */
	if (!strcmp(run->kind, "vm")) {
		free(text);
		return policy_apply_k(L, LUA_OK, 0);
	}
	req = apply_request(path, text);
	free(text);
	if (!req)
		unlink(tmp);
	return request_owned(L, req, 1, policy_apply_k);
}

static char *delete_request(const char *name)
{
	struct jw w;
	char *req;

	jw_init(&w);
	jw_obj_begin(&w);
	jw_kstr(&w, "op", "policy.delete");
	jw_kstr(&w, "name", name);
	jw_obj_end(&w);
	req = jw_str(&w) ? strdup(jw_str(&w)) : NULL;
	jw_free(&w);
	return req;
}

static void forget_policy(struct lab_run *run, const char *name)
{
	for (int i = 0; i < run->n_policies; i++)
		if (!strcmp(run->policies[i], name)) {
			memmove(run->policies[i], run->policies[i + 1],
				sizeof(run->policies[0]) *
					(size_t)(run->n_policies - i - 1));
			run->n_policies--;
			return;
		}
}

static int policy_remove_k(lua_State *L, int status, lua_KContext ctx)
{
	(void)status;
	(void)ctx;
	/* a failed delete is not the script's error: teardown goes on */
	forget_policy(lab_run_of(L), lua_tostring(L, 1));
	return 0;
}

static int l_policy_remove(lua_State *L)
{
	struct lab_run *run = lab_run_of(L);
	const char *name = luaL_checkstring(L, 1);

	lua_settop(L, 1);
	for (int i = 0; i < run->n_policies; i++)
		if (!strcmp(run->policies[i], name))
			return request_owned(L, delete_request(name), 0,
					     policy_remove_k);
	return luaL_error(L, "lab.policy.remove: %s was not applied here",
			  name);
}

/*
 * The run's policies, deleted one request at a time; run by the driver as
 * a coroutine after the script's teardown. Returns how many failed.
 */
static int cleanup_k(lua_State *L, int status, lua_KContext failed)
{
	struct lab_run *run = lab_run_of(L);

	(void)status;
	if (lua_gettop(L) > 0) {
		/* request, userdata, reply, message: the last policy's answer */
		if (reply_error(L, -2, -1))
			failed++;
		run->n_policies--;
		lua_settop(L, 0);
	}
	if (!run->n_policies) {
		lua_pushinteger(L, failed);
		return 1;
	}
	return request_owned(L,
			     delete_request(run->policies[run->n_policies - 1]),
			     failed, cleanup_k);
}

int lab_cleanup_policies(lua_State *L)
{
	lua_settop(L, 0);
	return cleanup_k(L, LUA_OK, 0);
}

/* ---- the C2: a listener inside a box's network namespace ------------------ */

/* A listening socket made inside the C2 host's namespace. */
static int c2_socket(const struct lab_c2 *c2)
{
	struct sockaddr_in sa = { .sin_family = AF_INET,
				  .sin_port = htons((uint16_t)c2->port) };
	int netfd, home, fd = -1, err = 0, one = 1;

	if (inet_pton(AF_INET, c2->addr, &sa.sin_addr) != 1)
		return -EINVAL;
	netfd = net_ns_open(c2->ns);
	home = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	if (netfd < 0 || home < 0) {
		err = -errno;
		goto out;
	}
	/* a socket stays in the namespace it was made in: step in, make, step out */
	if (setns(netfd, CLONE_NEWNET)) {
		err = -errno;
		goto out;
	}
	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		err = -errno;
	else if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
		 bind(fd, (struct sockaddr *)&sa, sizeof(sa)) || listen(fd, 64))
		err = -errno;
	if (setns(home, CLONE_NEWNET) && !err)
		err = -errno;
out:
	if (netfd >= 0)
		close(netfd);
	if (home >= 0)
		close(home);
	if (err && fd >= 0)
		close(fd);
	return err ?: fd;
}

/* The responder: answer every beacon at once, so clients never hang. */
static void c2_serve(int fd, struct lab_c2_seen *seen)
{
	static const char reply[] =
		"HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n";
	struct timeval tv = { 0, 300000 };
	char buf[256];
	ssize_t n;
	int cfd;

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	for (;;) {
		cfd = accept4(fd, NULL, NULL, SOCK_CLOEXEC);
		if (cfd < 0)
			continue;
		setsockopt(cfd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
		n = recv(cfd, buf, sizeof(buf) - 1, 0);
		if (!seen->accepted && n > 0) {
			memcpy(seen->first_bytes, buf, (size_t)n);
			seen->first_bytes[n] = 0;
		}
		__atomic_add_fetch(&seen->accepted, 1, __ATOMIC_SEQ_CST);
		/* a beacon that left already needs no answer */
		(void)!send(cfd, reply, sizeof(reply) - 1, MSG_NOSIGNAL);
		close(cfd);
	}
}

/*
 * The C2 host: its own netns, a veth pair to the victim (198.18.66.2/24 on
 * the victim's side, the C2's address on the other), nothing else. The
 * victim's anonymous netns gets a /run/netns name (journaled file + bind
 * mount) so the netlink library can plumb it.
 */
static int c2_wire(const struct sandbox *sb, struct lab_c2 *c2, int idx)
{
	char path[128], src[64], cidr[80], veth[16];
	int fd, err;

	snprintf(c2->ns, sizeof(c2->ns), "bpflab-c2-%d-%d", getpid(), idx);
	snprintf(c2->box_ns, sizeof(c2->box_ns), "bpflab-sb-%d-%d", getpid(),
		 idx);
	snprintf(veth, sizeof(veth), "bl-c2-%d", idx);
	snprintf(path, sizeof(path), "%s/%s", NET_NS_DIR, c2->box_ns);
	snprintf(src, sizeof(src), "/proc/%d/ns/net", sb->init_pid);
	c2->journal[0] = journal_record("file", "%s", path);
	if (c2->journal[0] < 0)
		return c2->journal[0];
	fd = open(path, O_RDONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0);
	if (fd < 0) {
		int err = -errno;

		journal_release(c2->journal[0]); /* not ours: never undo it */
		c2->journal[0] = 0;
		return err;
	}
	close(fd);
	c2->journal[1] = journal_record("mount", "%s", path);
	if (c2->journal[1] < 0)
		return c2->journal[1];
	if (mount(src, path, NULL, MS_BIND, NULL))
		return -errno;
	err = net_ns_create(c2->ns);
	if (!err)
		err = net_veth_create(c2->box_ns, veth, c2->ns, "eth0");
	if (!err)
		err = net_link_set_up(c2->box_ns, veth);
	if (!err)
		err = net_link_set_up(c2->ns, "eth0");
	if (!err)
		err = net_addr_add(c2->box_ns, veth, "198.18.66.2/24");
	snprintf(cidr, sizeof(cidr), "%s/24", c2->addr);
	if (!err)
		err = net_addr_add(c2->ns, "eth0", cidr);
	return err;
}

/* The guest's tap moves into the C2's namespace: one link, host untouched. */
static int c2_wire_vm(const struct sandbox *sb, struct lab_c2 *c2, int idx)
{
	char cidr[80];
	int err;

	snprintf(c2->ns, sizeof(c2->ns), "bpflab-c2-%d-%d", getpid(), idx);
	c2->box_ns[0] = 0; /* no veth to delete at unwire */
	snprintf(cidr, sizeof(cidr), "%s/24", c2->addr);
	err = net_ns_create(c2->ns);
	return err ?: vm_net_attach(sb, c2->ns, cidr, "198.18.66.2/24");
}

static void c2_unwire(struct lab_c2 *c2, int idx)
{
	char veth[16];

	snprintf(veth, sizeof(veth), "bl-c2-%d", idx);
	if (c2->ns[0] && net_ns_exists(c2->ns)) {
		if (c2->box_ns[0])
			net_link_delete(c2->box_ns, veth);
		net_ns_delete(c2->ns);
	}
	for (int i = 1; i >= 0; i--)
		if (c2->journal[i] > 0)
			journal_undo_one(c2->journal[i]);
	c2->ns[0] = 0;
	c2->journal[0] = c2->journal[1] = 0;
}

static int c2_start(struct lab_c2 *c2)
{
	int fd = c2_socket(c2);

	if (fd < 0)
		return fd;
	c2->seen = mmap(NULL, sizeof(*c2->seen), PROT_READ | PROT_WRITE,
			MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (c2->seen == MAP_FAILED) {
		c2->seen = NULL;
		close(fd);
		return -ENOMEM;
	}
	fflush(NULL);
	c2->pid = fork();
	if (c2->pid < 0) {
		close(fd);
		return -errno;
	}
	if (c2->pid == 0)
		c2_serve(fd, c2->seen);
	close(fd);
	return 0;
}

static void c2_stop(struct lab_c2 *c2)
{
	if (c2->pid > 0) {
		kill(c2->pid, SIGKILL);
		waitpid(c2->pid, NULL, 0);
		c2->pid = 0;
	}
	if (c2->seen) {
		munmap(c2->seen, sizeof(*c2->seen));
		c2->seen = NULL;
	}
}

static struct lab_c2 *check_c2(lua_State *L, int idx)
{
	struct lab_run *run = lab_run_of(L);
	int i;

	luaL_checktype(L, idx, LUA_TTABLE);
	lua_getfield(L, idx, "_c2");
	i = (int)luaL_checkinteger(L, -1);
	lua_pop(L, 1);
	luaL_argcheck(L, i >= 0 && i < run->n_c2 && run->c2[i].seen, idx,
		      "not a running C2 listener");
	return &run->c2[i];
}

static int l_c2_connections(lua_State *L)
{
	struct lab_c2 *c2 = check_c2(L, 1);

	lua_pushinteger(L, c2->seen->accepted);
	return 1;
}

/*
 * lab.c2{ box=, addr="198.18.66.1", port=4444 }: a C2 host in its own
 * network namespace, reachable from the box over a veth pair (RFC 2544
 * addresses). The connection count is what the C2 saw: completed
 * handshakes, counted by accept().
 */
static int l_c2(lua_State *L)
{
	struct lab_run *run = lab_run_of(L);
	struct sandbox *sb;
	struct lab_c2 *c2;
	int err;

	luaL_checktype(L, 1, LUA_TTABLE);
	lua_getfield(L, 1, "box");
	sb = lab_box_check(L, -1);
	if (run->n_c2 >= LAB_MAX_C2)
		return luaL_error(L, "lab.c2: at most %d listeners",
				  LAB_MAX_C2);
	c2 = &run->c2[run->n_c2];
	memset(c2, 0, sizeof(*c2));
	lua_getfield(L, 1, "addr");
	snprintf(c2->addr, sizeof(c2->addr), "%s",
		 luaL_optstring(L, -1, "198.18.66.1"));
	lua_getfield(L, 1, "port");
	c2->port = (int)luaL_optinteger(L, -1, 4444);
	lua_pop(L, 2);
	if (strncmp(c2->addr, "198.18.66.", 10) ||
	    !strcmp(c2->addr, "198.18.66.2"))
		return luaL_error(
			L,
			"lab.c2: %s is not a C2 address (198.18.66.0/24, .2 is the victim's)",
			c2->addr);
	run->n_c2++; /* from here on, teardown unwires it */
	/* a vm's netns would be the host's (the relay's): wire its tap instead */
	err = strcmp(sb->kind, "vm") ? c2_wire(sb, c2, run->n_c2 - 1) :
				       c2_wire_vm(sb, c2, run->n_c2 - 1);
	if (err)
		return luaL_error(L, "lab.c2: wiring %s to %s: %s", c2->addr,
				  sb->name, strerror(-err));
	err = c2_start(c2);
	if (err)
		return luaL_error(L, "lab.c2: listen on %s:%d: %s", c2->addr,
				  c2->port, strerror(-err));
	lua_createtable(L, 0, 4);
	lua_pushinteger(L, run->n_c2 - 1);
	lua_setfield(L, -2, "_c2");
	lua_pushstring(L, c2->addr);
	lua_setfield(L, -2, "addr");
	lua_pushinteger(L, c2->port);
	lua_setfield(L, -2, "port");
	lua_pushcfunction(L, l_c2_connections);
	lua_setfield(L, -2, "connections");
	return 1;
}

/* lab.host_root_device(): the block device the host's / lives on (escape drills) */
static int l_host_root_device(lua_State *L)
{
	char path[96], buf[1024], *name;
	struct stat st;

	if (stat("/", &st))
		return luaL_error(L, "stat /: %s", strerror(errno));
	snprintf(path, sizeof(path), "/sys/dev/block/%u:%u/uevent",
		 major(st.st_dev), minor(st.st_dev));
	if (read_file(path, buf, sizeof(buf)) < 0 ||
	    !(name = strstr(buf, "DEVNAME=")))
		return luaL_error(L, "the host's / is not on a block device");
	name += 8;
	name[strcspn(name, "\n")] = 0;
	lua_pushfstring(L, "/dev/%s", name);
	return 1;
}

/* ---- events ---------------------------------------------------------------- */

static int timeout_ms_of(lua_State *L, int idx, int def)
{
	int ms = def;

	lua_getfield(L, idx, "timeout");
	if (!lua_isnil(L, -1))
		ms = (int)(luaL_checknumber(L, -1) * 1000);
	lua_pop(L, 1);
	return ms;
}

/*
 * lab.wait_event{...}: stack 1 filter, 2 deadline (ms), 3 position in the
 * event list; yields on "new events" and the deadline until one matches.
 */
static int wait_event_k(lua_State *L, int status, lua_KContext ctx)
{
	struct lab_run *run = lab_run_of(L);
	uint64_t deadline = (uint64_t)lua_tointeger(L, 2);
	uint64_t pos = (uint64_t)lua_tointeger(L, 3);

	(void)status;
	(void)ctx;
	lab_resumed(L);
	if (lab_events__find(run->events, L, 1, &pos))
		return 1;
	lua_pushinteger(L, (lua_Integer)pos);
	lua_replace(L, 3);
	if (lab_events__closed(run->events) || lab_now_ms() >= deadline) {
		luaL_pushfail(L);
		lua_pushstring(L,
			       lab_events__closed(run->events) ?
				       "the engine closed the event stream" :
				       "no matching event before the timeout");
		return 2;
	}
	lab_wait__events(&run->wait);
	if (lab_wait__deadline(&run->wait, deadline))
		return luaL_error(L, "lab.wait_event: %s", strerror(errno));
	return lab_yield(L, 0, wait_event_k);
}

static int l_wait_event(lua_State *L)
{
	struct lab_run *run = lab_run_of(L);
	uint64_t deadline;
	int ms;

	luaL_checktype(L, 1, LUA_TTABLE);
	lua_settop(L, 1);
	if (!run->events) {
		luaL_pushfail(L);
		lua_pushliteral(L, "no engine is running: no events");
		return 2;
	}
	ms = timeout_ms_of(L, 1, 3000);
	deadline = lab_now_ms() + (uint64_t)(ms > 0 ? ms : 0);
	lua_pushinteger(L, (lua_Integer)deadline);
	lua_pushinteger(L, 0);
	return wait_event_k(L, LUA_OK, 0);
}

/* ---- expectations: record a check, never raise ------------------------------ */

static const char *proc_desc(lua_State *L, int idx, char *buf, size_t size)
{
	const char *cmd = "";

	lua_getfield(L, idx, "argv");
	if (lua_istable(L, -1)) {
		lua_rawgeti(L, -1, lua_rawlen(L, -1));
		cmd = lua_tostring(L, -1) ?: "";
		lua_pop(L, 1);
	}
	lua_pop(L, 1);
	lua_getfield(L, idx, "pid");
	snprintf(buf, size, "pid %lld (%.60s)", (long long)lua_tointeger(L, -1),
		 cmd);
	lua_pop(L, 1);
	return buf;
}

static void proc_evidence(lua_State *L, int idx, struct jw *w)
{
	static const char *const keys[] = { "pid", "exit", "signal" };

	for (size_t i = 0; i < ARRAY_SIZE(keys); i++) {
		lua_getfield(L, idx, keys[i]);
		if (lua_isinteger(L, -1))
			jw_kint(w, keys[i], lua_tointeger(L, -1));
		lua_pop(L, 1);
	}
	lua_getfield(L, idx, "stderr");
	if (lua_isstring(L, -1))
		jw_kstr(w, "stderr", lua_tostring(L, -1));
	lua_pop(L, 1);
}

/* lab.expect.killed(proc [, {signal="SIGKILL"}]) */
static int l_expect_killed(lua_State *L)
{
	struct lab_run *run = lab_run_of(L);
	char desc[128];
	lua_Integer sig;
	struct jw w;
	bool ok;

	luaL_checktype(L, 1, LUA_TTABLE);
	lua_getfield(L, 1, "signal");
	sig = lua_isinteger(L, -1) ? lua_tointeger(L, -1) : 0;
	lua_pop(L, 1);
	ok = sig == 9; /* SIGKILL is the only signal the policies send */
	jw_init(&w);
	jw_obj_begin(&w);
	proc_evidence(L, 1, &w);
	jw_obj_end(&w);
	lab_check(run, ok, jw_str(&w), "killed by SIGKILL: %s",
		  proc_desc(L, 1, desc, sizeof(desc)));
	jw_free(&w);
	lua_pushboolean(L, ok);
	return 1;
}

/* lab.expect.exited(proc [, code]): the attack ran to its end */
static int l_expect_exited(lua_State *L)
{
	struct lab_run *run = lab_run_of(L);
	lua_Integer want = luaL_optinteger(L, 2, 0);
	char desc[128];
	struct jw w;
	bool ok;

	luaL_checktype(L, 1, LUA_TTABLE);
	lua_getfield(L, 1, "exit");
	ok = lua_isinteger(L, -1) && lua_tointeger(L, -1) == want;
	lua_pop(L, 1);
	jw_init(&w);
	jw_obj_begin(&w);
	proc_evidence(L, 1, &w);
	jw_obj_end(&w);
	lab_check(run, ok, jw_str(&w), "exited %lld: %s", (long long)want,
		  proc_desc(L, 1, desc, sizeof(desc)));
	jw_free(&w);
	lua_pushboolean(L, ok);
	return 1;
}

/* lab.expect.denied(proc, "EPERM"): the operation failed, the process lived */
static int l_expect_denied(lua_State *L)
{
	struct lab_run *run = lab_run_of(L);
	const char *what = luaL_optstring(L, 2, "EPERM");
	char desc[128];
	const char *err = "";
	struct jw w;
	bool ok;

	luaL_checktype(L, 1, LUA_TTABLE);
	lua_getfield(L, 1, "stderr");
	err = lua_tostring(L, -1) ?: "";
	lua_getfield(L, 1, "exit");
	ok = lua_isinteger(L, -1) && lua_tointeger(L, -1) != 0 &&
	     (strstr(err, "ermission denied") || strstr(err, "not permitted") ||
	      strstr(err, what));
	lua_pop(L, 2);
	jw_init(&w);
	jw_obj_begin(&w);
	proc_evidence(L, 1, &w);
	jw_obj_end(&w);
	lab_check(run, ok, jw_str(&w), "denied with %s: %s", what,
		  proc_desc(L, 1, desc, sizeof(desc)));
	jw_free(&w);
	lua_pushboolean(L, ok);
	return 1;
}

/* lab.expect.event{...}: an engine event matching the filter arrives */
static int expect_event_k(lua_State *L, int status, lua_KContext ctx)
{
	struct lab_run *run = lab_run_of(L);
	struct jw w;
	bool ok;

	(void)status;
	(void)ctx;
	ok = lua_istable(L, 2);
	jw_init(&w);
	jw_obj_begin(&w);
	if (ok) {
		lua_getfield(L, 2, "_json");
		jw_key(&w, "event");
		jw_raw(&w, lua_tostring(L, -1) ?: "null");
		lua_pop(L, 1);
	} else {
		jw_kstr(&w, "reason", lua_tostring(L, 3) ?: "timed out");
	}
	jw_obj_end(&w);
	lua_getfield(L, 1, "type");
	lua_getfield(L, 1, "policy");
	lua_getfield(L, 1, "pid");
	lua_getfield(L, 1, "sandbox");
	lab_check(run, ok, jw_str(&w), "%s event%s%s%s%s%s%s",
		  luaL_optstring(L, -4, "an"),
		  lua_isstring(L, -3) ? " from policy " : "",
		  lua_isstring(L, -3) ? lua_tostring(L, -3) : "",
		  lua_isstring(L, -2) ? " for pid " : "",
		  lua_isstring(L, -2) ? lua_tostring(L, -2) : "",
		  lua_isstring(L, -1) ? " in " : "",
		  lua_isstring(L, -1) ? lua_tostring(L, -1) : "");
	jw_free(&w);
	lua_pop(L, 4);
	return 2;
}

static int l_expect_event(lua_State *L)
{
	luaL_checktype(L, 1, LUA_TTABLE);
	lua_settop(L, 1);
	lua_pushcfunction(L, l_wait_event);
	lua_pushvalue(L, 1);
	lua_callk(L, 1, 2, 0, expect_event_k);
	return expect_event_k(L, LUA_OK, 0);
}

/* Digest of path inside the box and in the base image (the "before"). */
static int digests(lua_State *L, char before[65], char after[65],
		   size_t *nbefore, size_t *nafter)
{
	struct sandbox *sb = lab_box_check(L, 1);
	const char *path = luaL_checkstring(L, 2);
	char base[1024], *buf = malloc(1 << 20);
	ssize_t n;
	int fd;

	*nbefore = *nafter = 0;
	if (!buf)
		return -ENOMEM;
	snprintf(base, sizeof(base), "%s/%s", SANDBOX_ROOTFS_BASE, path);
	n = read_file(base, buf, 1 << 20);
	*nbefore = n > 0 ? (size_t)n : 0;
	sha256_hex(buf, *nbefore, before);
	fd = lab_box_open_path(sb, path);
	n = fd >= 0 ? read(fd, buf, 1 << 20) : -1;
	if (fd >= 0)
		close(fd);
	*nafter = n > 0 ? (size_t)n : 0;
	sha256_hex(buf, *nafter, after);
	free(buf);
	return fd < 0 ? -ENOENT : 0;
}

static int expect_bytes(lua_State *L, bool want_same)
{
	struct lab_run *run = lab_run_of(L);
	char before[65], after[65];
	size_t nb = 0, na = 0;
	struct jw w;
	bool ok;
	int err = digests(L, before, after, &nb, &na);

	ok = !err && (strcmp(before, after) == 0) == want_same;
	jw_init(&w);
	jw_obj_begin(&w);
	jw_kstr(&w, "path", lua_tostring(L, 2));
	jw_kstr(&w, "sha256_before", before);
	jw_kstr(&w, "sha256_after", after);
	jw_kuint(&w, "bytes_before", nb);
	jw_kuint(&w, "bytes_after", na);
	jw_obj_end(&w);
	lab_check(run, ok, jw_str(&w), "%s %s (%zu -> %zu bytes)",
		  lua_tostring(L, 2), want_same ? "unchanged" : "changed", nb,
		  na);
	jw_free(&w);
	lua_pushboolean(L, ok);
	return 1;
}

static int l_expect_unchanged(lua_State *L)
{
	return expect_bytes(L, true);
}

static int l_expect_changed(lua_State *L)
{
	return expect_bytes(L, false);
}

static int expect_conn(lua_State *L, bool want_none)
{
	struct lab_run *run = lab_run_of(L);
	struct lab_c2 *c2 = check_c2(L, 1);
	struct jw w;
	bool ok;

	ok = want_none ? c2->seen->accepted == 0 : c2->seen->accepted > 0;
	jw_init(&w);
	jw_obj_begin(&w);
	jw_kstr(&w, "c2", c2->addr);
	jw_kint(&w, "port", c2->port);
	jw_kint(&w, "connections", c2->seen->accepted);
	jw_kstr(&w, "first_bytes", c2->seen->first_bytes);
	jw_obj_end(&w);
	lab_check(run, ok, jw_str(&w), "%s at the C2 %s:%d (saw %d)",
		  want_none ? "no connection" : "a connection", c2->addr,
		  c2->port, c2->seen->accepted);
	jw_free(&w);
	lua_pushboolean(L, ok);
	return 1;
}

static int l_expect_no_connection(lua_State *L)
{
	return expect_conn(L, true);
}

static int l_expect_connection(lua_State *L)
{
	return expect_conn(L, false);
}

/* A Lua table of strings, numbers, booleans and such tables as JSON. */
static void table_json(lua_State *L, int idx, struct jw *w, int depth)
{
	idx = lua_absindex(L, idx);
	jw_obj_begin(w);
	lua_pushnil(L);
	while (lua_next(L, idx)) {
		/* string keys only: tostring on a number key confuses lua_next */
		if (lua_type(L, -2) == LUA_TSTRING) {
			jw_key(w, lua_tostring(L, -2));
			if (lua_isinteger(L, -1))
				jw_int(w, lua_tointeger(L, -1));
			else if (lua_type(L, -1) == LUA_TNUMBER)
				jw_double(w, lua_tonumber(L, -1));
			else if (lua_isboolean(L, -1))
				jw_bool(w, lua_toboolean(L, -1));
			else if (lua_istable(L, -1) && depth < 4)
				table_json(L, -1, w, depth + 1);
			else if (lua_type(L, -1) == LUA_TSTRING)
				jw_string(w, lua_tostring(L, -1));
			else
				jw_null(w);
		}
		lua_pop(L, 1);
	}
	jw_obj_end(w);
}

/*
 * lab.expect.that(ok, what [, evidence]): a check the script computes
 * itself; evidence (a table: measurements) goes into the report as JSON.
 */
static int l_expect_that(lua_State *L)
{
	struct lab_run *run = lab_run_of(L);
	bool ok = lua_toboolean(L, 1);
	const char *what = luaL_checkstring(L, 2);
	struct jw w;

	jw_init(&w);
	if (lua_istable(L, 3))
		table_json(L, 3, &w, 0);
	lab_check(run, ok, lua_istable(L, 3) ? jw_str(&w) : NULL, "%s", what);
	jw_free(&w);
	lua_pushboolean(L, ok);
	return 1;
}

/* ---- teardown ---------------------------------------------------------------- */

int lab_run__teardown(struct lab_run *run)
{
	int failed = 0;

	/* the run's vm hooks point at it: not past its end */
	vm_set_wait_hook(NULL, NULL);
	vm_boot_async(false);
	/*
	 * lab_cleanup_policies() deleted them unless the run was cut short:
	 * then ask without waiting (the console's own engine may not be
	 * serving any more; it drops its policies when it closes)
	 */
	for (int i = run->n_policies - 1; i >= 0; i--) {
		char *req = delete_request(run->policies[i]);

		failed += !req || engine_client_notify(req);
		free(req);
	}
	run->n_policies = 0;
	for (int i = 0; i < run->n_c2; i++) {
		c2_stop(&run->c2[i]);
		c2_unwire(&run->c2[i], i);
	}
	run->n_c2 = 0;
	while (run->n_boxes > 0) {
		struct sandbox *sb = run->boxes[--run->n_boxes];
		int err = lab_box_remove(sb);

		if (err)
			pr_warn("teardown: removing sandbox %s: %s", sb->name,
				strerror(-err));
		failed += !!err;
	}
	lab_trouble__teardown();
	return failed;
}

void lab_open(lua_State *L, struct lab_run *run)
{
	static const luaL_Reg lab[] = {
		{ "sandbox", lab_box_new },
		{ "c2", l_c2 },
		{ "wait_event", l_wait_event },
		{ "say", l_say },
		{ "step", l_step },
		{ "sleep", l_sleep },
		{ "host_root_device", l_host_root_device },
		{ NULL, NULL },
	};
	static const luaL_Reg policy[] = {
		{ "apply", l_policy_apply },
		{ "remove", l_policy_remove },
		{ NULL, NULL },
	};
	static const luaL_Reg expect[] = {
		{ "killed", l_expect_killed },
		{ "exited", l_expect_exited },
		{ "denied", l_expect_denied },
		{ "event", l_expect_event },
		{ "unchanged", l_expect_unchanged },
		{ "changed", l_expect_changed },
		{ "no_connection", l_expect_no_connection },
		{ "connection", l_expect_connection },
		{ "that", l_expect_that },
		{ NULL, NULL },
	};

	lua_pushlightuserdata(L, run);
	lua_setfield(L, LUA_REGISTRYINDEX, RUN_KEY);
	lab_box_open(L);
	luaL_newlib(L, lab);
	lab_trouble_open(L);
	luaL_newlib(L, policy);
	lua_setfield(L, -2, "policy");
	luaL_newlib(L, expect);
	lua_setfield(L, -2, "expect");
	lua_setglobal(L, "lab");
}
