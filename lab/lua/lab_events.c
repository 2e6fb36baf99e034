// SPDX-License-Identifier: GPL-2.0
/*
 * The engine's event stream for a scenario: one subscription opened before
 * setup, every line kept (bounded), so lab.wait_event sees events that came
 * before it was called, as well as those that come while it waits.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <json-c/json.h>
#include <lauxlib.h>

#include "engine/engine.h"
#include "lab/lua/lua_lab.h"
#include "util/util.h"

#define EV_MAX 4096
#define EV_LINE_MAX (256 * 1024)

struct lab_events {
	int fd;
	char *partial; /* an incomplete line */
	size_t plen;
	/* a ring: event number k is in slot k % EV_MAX; parsed when looked at */
	struct lab_event_slot {
		char *line;
		struct json_object *o;
	} ev[EV_MAX];
	int n;
	uint64_t total; /* events ever kept; the newest n are in the ring */
	bool closed; /* the engine left */
};

int lab_events__open(struct lab_events **out)
{
	static const char req[] = "{\"op\":\"subscribe\"}\n";
	struct lab_events *ev;
	int fd = engine_client_connect();

	if (fd < 0)
		return fd;
	if (write(fd, req, sizeof(req) - 1) != sizeof(req) - 1) {
		close(fd);
		return -EIO;
	}
	ev = calloc(1, sizeof(*ev));
	if (!ev) {
		close(fd);
		return -ENOMEM;
	}
	ev->fd = fd;
	*out = ev;
	return 0;
}

void lab_events__close(struct lab_events *ev)
{
	if (!ev)
		return;
	close(ev->fd);
	for (int i = 0; i < EV_MAX; i++) {
		free(ev->ev[i].line);
		json_object_put(ev->ev[i].o);
	}
	free(ev->partial);
	free(ev);
}

/*
 * Keep the line as text: parsing every event (tens of thousands a second
 * under a flow storm) would cost the console's loop more than a lookup
 * that parses only what a wait looks at.
 */
static void keep_line(struct lab_events *ev, const char *line)
{
	struct lab_event_slot *slot = &ev->ev[ev->total % EV_MAX];
	char *copy = strdup(line);

	if (!copy || line[0] != '{') {
		free(copy);
		return;
	}
	free(slot->line);
	json_object_put(slot->o);
	slot->line = copy;
	slot->o = NULL;
	ev->total++;
	if (ev->n < EV_MAX)
		ev->n++;
}

/* Read what is there (waiting up to ms); returns -EPIPE once the engine left. */
static int pump(struct lab_events *ev, int ms)
{
	struct pollfd p = { ev->fd, POLLIN, 0 };
	char buf[65536], *nl, *start, *tmp;
	ssize_t n;

	if (poll(&p, 1, ms) <= 0)
		return 0;
	n = read(ev->fd, buf, sizeof(buf));
	if (n <= 0)
		return n == 0 ?
			       -EPIPE :
			       (errno == EINTR || errno == EAGAIN ? 0 : -errno);
	tmp = realloc(ev->partial, ev->plen + (size_t)n + 1);
	if (!tmp)
		return -ENOMEM;
	ev->partial = tmp;
	memcpy(ev->partial + ev->plen, buf, (size_t)n);
	ev->plen += (size_t)n;
	ev->partial[ev->plen] = 0;
	start = ev->partial;
	while ((nl = strchr(start, '\n'))) {
		*nl = 0;
		keep_line(ev, start);
		start = nl + 1;
	}
	ev->plen -= (size_t)(start - ev->partial);
	memmove(ev->partial, start, ev->plen + 1);
	if (ev->plen > EV_LINE_MAX) /* not JSON lines: drop it */
		ev->plen = 0;
	return 0;
}

int lab_events__pump(struct lab_events *ev, int ms)
{
	uint64_t before;
	int err;

	if (!ev || ev->closed)
		return 0;
	before = ev->total;
	err = pump(ev, ms);
	if (err == -EPIPE)
		ev->closed = true;
	return (int)(ev->total - before);
}

int lab_events__fd(const struct lab_events *ev)
{
	return ev ? ev->fd : -1;
}

bool lab_events__closed(const struct lab_events *ev)
{
	return !ev || ev->closed;
}

static struct json_object *get_path(struct json_object *o, const char *a,
				    const char *b)
{
	struct json_object *v = NULL;

	if (!json_object_object_get_ex(o, a, &v))
		return NULL;
	if (b && !json_object_object_get_ex(v, b, &v))
		return NULL;
	return v;
}

/* Does event o match every field the Lua filter names? */
static bool matches(lua_State *L, int filter, struct json_object *o)
{
	static const struct {
		const char *key, *a, *b;
	} fields[] = {
		{ "pid", "process", "pid" },
		{ "binary", "process", "binary" },
		{ "policy", "policy_name", NULL },
		{ "action", "action", NULL },
		{ "signal", "signal", NULL },
		{ "function", "function_name", NULL },
	};
	struct json_object *body = NULL, *v;
	bool ok = true;

	lua_getfield(L, filter, "type");
	if (lua_isstring(L, -1)) {
		ok = json_object_object_get_ex(o, lua_tostring(L, -1), &body);
	} else {
		/* the one key that is not node_name/time */
		json_object_object_foreach(o, k, val)
		{
			if (strcmp(k, "node_name") && strcmp(k, "time"))
				body = val;
		}
	}
	lua_pop(L, 1);
	if (!ok || !body)
		return false;
	for (size_t i = 0; ok && i < ARRAY_SIZE(fields); i++) {
		lua_getfield(L, filter, fields[i].key);
		if (!lua_isnil(L, -1)) {
			v = get_path(body, fields[i].a, fields[i].b);
			ok = v && !strcmp(json_object_get_string(v),
					  lua_tostring(L, -1) ?: "");
		}
		lua_pop(L, 1);
	}
	lua_getfield(L, filter, "sandbox");
	if (ok && lua_isstring(L, -1)) {
		v = get_path(body, "process", "sandbox");
		v = v ? get_path(v, "name", NULL) : NULL;
		ok = v &&
		     !strcmp(json_object_get_string(v), lua_tostring(L, -1));
	}
	lua_pop(L, 1);
	return ok;
}

static void push_json(lua_State *L, struct json_object *o, int depth)
{
	if (depth > 16) {
		lua_pushnil(L);
		return;
	}
	switch (json_object_get_type(o)) {
	case json_type_object:
		lua_newtable(L);
		json_object_object_foreach(o, k, v)
		{
			push_json(L, v, depth + 1);
			lua_setfield(L, -2, k);
		}
		break;
	case json_type_array:
		lua_newtable(L);
		for (size_t i = 0; i < json_object_array_length(o); i++) {
			push_json(L, json_object_array_get_idx(o, i),
				  depth + 1);
			lua_rawseti(L, -2, (lua_Integer)i + 1);
		}
		break;
	case json_type_int:
		lua_pushinteger(L, json_object_get_int64(o));
		break;
	case json_type_double:
		lua_pushnumber(L, json_object_get_double(o));
		break;
	case json_type_boolean:
		lua_pushboolean(L, json_object_get_boolean(o));
		break;
	case json_type_string:
		lua_pushstring(L, json_object_get_string(o));
		break;
	default:
		lua_pushnil(L);
	}
}

int lab_events__find(struct lab_events *ev, lua_State *L, int filter_idx,
		     uint64_t *pos)
{
	uint64_t first = ev->total - (uint64_t)ev->n;

	/* events dropped for room are gone: start at the oldest kept */
	for (uint64_t k = *pos > first ? *pos : first; k < ev->total; k++) {
		struct lab_event_slot *slot = &ev->ev[k % EV_MAX];

		if (!slot->o)
			slot->o = json_tokener_parse(slot->line);
		if (!slot->o || !matches(L, filter_idx, slot->o))
			continue;
		push_json(L, slot->o, 0);
		lua_pushstring(L, json_object_to_json_string_ext(
					  slot->o, JSON_C_TO_STRING_PLAIN));
		lua_setfield(L, -2, "_json");
		*pos = k + 1;
		return 1;
	}
	*pos = ev->total;
	return 0;
}
