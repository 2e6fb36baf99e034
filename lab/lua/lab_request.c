// SPDX-License-Identifier: GPL-2.0
/*
 * One request to the engine over its control socket, without blocking: send
 * the line, yield until the reply line is in, hand it to the caller's
 * continuation. The same code serves the CLI (the engine is another
 * process) and the console (the engine runs in the console's own loop, which
 * answers the request while the script is suspended: no deadlock).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#include <lauxlib.h>

#include "engine/engine.h"
#include "lab/lua/lab_wait.h"
#include "lab/lua/lua_lab.h"

#define REQ_MT "bpflab.request"
#define REQ_TIMEOUT_MS 10000
#define REPLY_MAX (1 << 20)

struct lab_req {
	int fd;
	char *buf;
	size_t len;
	uint64_t deadline_ms;
	lua_KFunction k; /* the caller's continuation */
	lua_KContext ctx;
};

static int req_gc(lua_State *L)
{
	struct lab_req *r = luaL_checkudata(L, 1, REQ_MT);

	if (r->fd >= 0)
		close(r->fd);
	r->fd = -1;
	free(r->buf);
	r->buf = NULL;
	return 0;
}

/* Leave (reply, nil) or (nil, message) on top and call the caller's k. */
static int req_done(lua_State *L, struct lab_req *r, const char *msg)
{
	if (msg) {
		lua_pushnil(L);
		lua_pushstring(L, msg);
	} else {
		lua_pushlstring(L, r->buf, r->len);
		lua_pushnil(L);
	}
	if (r->fd >= 0)
		close(r->fd);
	r->fd = -1;
	return r->k(L, LUA_OK, r->ctx);
}

/* Read what is there; 1: the line is complete, 0: not yet, <0: error. */
static int req_read(struct lab_req *r)
{
	char tmp[16384], *nl, *nb;
	ssize_t n;

	while ((n = read(r->fd, tmp, sizeof(tmp))) > 0) {
		if (r->len + (size_t)n > REPLY_MAX)
			return -E2BIG;
		nb = realloc(r->buf, r->len + (size_t)n + 1);
		if (!nb)
			return -ENOMEM;
		r->buf = nb;
		memcpy(r->buf + r->len, tmp, (size_t)n);
		r->len += (size_t)n;
		r->buf[r->len] = 0;
		nl = memchr(r->buf, '\n', r->len);
		if (nl) {
			r->len = (size_t)(nl - r->buf);
			return 1;
		}
	}
	if (n == 0)
		return -EPIPE;
	return errno == EAGAIN || errno == EINTR ? 0 : -errno;
}

static int req_k(lua_State *L, int status, lua_KContext ctx)
{
	struct lab_req *r = lua_touserdata(L, (int)ctx);
	struct lab_run *run = lab_run_of(L);
	int rc;

	(void)status;
	lab_resumed(L);
	rc = req_read(r);
	if (rc < 0)
		return req_done(L, r,
				rc == -EPIPE ?
					"the engine closed the connection" :
					strerror(-rc));
	if (rc == 1)
		return req_done(L, r, NULL);
	if (lab_now_ms() >= r->deadline_ms)
		return req_done(L, r, "the engine did not answer in 10 s");
	if (lab_wait__fd(&run->wait, r->fd, EPOLLIN) ||
	    lab_wait__deadline(&run->wait, r->deadline_ms))
		return req_done(L, r, "cannot wait for the engine");
	return lab_yield(L, ctx, req_k);
}

int lab_request(lua_State *L, const char *json, lua_KContext ctx,
		lua_KFunction k)
{
	struct lab_run *run = lab_run_of(L);
	size_t len = strlen(json);
	struct lab_req *r;
	int idx;

	r = lua_newuserdatauv(L, sizeof(*r), 0);
	memset(r, 0, sizeof(*r));
	r->fd = -1;
	r->k = k;
	r->ctx = ctx;
	if (luaL_newmetatable(L, REQ_MT)) {
		lua_pushcfunction(L, req_gc);
		lua_setfield(L, -2, "__gc");
	}
	lua_setmetatable(L, -2);
	idx = lua_gettop(L);
	if (run->offline)
		return req_done(L, r, "the engine is stopping");
	r->fd = engine_client_connect();
	if (r->fd < 0) {
		r->fd = -1;
		return req_done(L, r,
				"no engine is running (start `bpflab engine`)");
	}
	/* a request is at most a policy file: the socket buffer takes it */
	if (write(r->fd, json, len) != (ssize_t)len ||
	    write(r->fd, "\n", 1) != 1)
		return req_done(L, r, "cannot send the request to the engine");
	fcntl(r->fd, F_SETFL, O_NONBLOCK);
	r->deadline_ms = lab_now_ms() + REQ_TIMEOUT_MS;
	return req_k(L, LUA_OK, idx);
}
