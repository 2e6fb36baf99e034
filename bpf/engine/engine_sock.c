// SPDX-License-Identifier: GPL-2.0
/*
 * The control socket: one JSON request per line, one JSON reply per line.
 * A "subscribe" turns the connection into an event stream (JSON lines or
 * compact text). Writes never block the loop: each client has a bounded
 * output buffer, and what does not fit is counted and reported to it as a
 * Hubble-style {"lost_events":{...}} line once there is room again.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>
#include <json-c/json.h>

#include "engine/engine_priv.h"
#include "engine/event_filter.h"
#include "engine/reload.h"
#include "proc/proc_tree.h"
#include "util/jw.h"
#include "util/log.h"
#include "util/paths.h"
#include "util/util.h"

#define MAX_CLIENTS 64
#define IN_MAX (1 << 20) /* a request (policy text included) fits in 1 MiB */
#define OUT_MAX (8 << 20) /* a subscriber may lag this much before drops */

struct client {
	int fd; /* -1: free */
	char *in;
	size_t in_len;
	char *out;
	size_t out_len, out_off, out_cap;
	bool subscribed;
	bool compact;
	bool closing; /* close once out is flushed */
	struct event_filter filter;
	uint64_t lost; /* events not delivered since the last report */
	uint64_t lost_total;
};

struct engine_server {
	int listen_fd;
	int sink_id;
	char path[256];
	struct client clients[MAX_CLIENTS];
	struct jw line; /* one event rendered once per format */
	struct jw compact;
	uint64_t drops;
};

static void client_close(struct engine *e, struct client *c)
{
	if (c->fd < 0)
		return;
	engine__remove_fd(e, c->fd);
	close(c->fd);
	free(c->in);
	free(c->out);
	memset(c, 0, sizeof(*c));
	c->fd = -1;
}

static bool out_append(struct client *c, const char *s, size_t n)
{
	if (c->out_off && c->out_off == c->out_len)
		c->out_off = c->out_len = 0;
	if (c->out_len - c->out_off + n > OUT_MAX)
		return false;
	if (c->out_len + n > c->out_cap) {
		size_t cap;
		char *nb;

		/* compact first: drop what was already sent */
		memmove(c->out, c->out + c->out_off, c->out_len - c->out_off);
		c->out_len -= c->out_off;
		c->out_off = 0;
		cap = c->out_cap ? c->out_cap : 4096;
		while (cap < c->out_len + n)
			cap *= 2;
		if (cap != c->out_cap) {
			nb = realloc(c->out, cap);
			if (!nb)
				return false;
			c->out = nb;
			c->out_cap = cap;
		}
	}
	memcpy(c->out + c->out_len, s, n);
	c->out_len += n;
	return true;
}

static int client_flush(struct engine *e, struct client *c)
{
	while (c->out_off < c->out_len) {
		ssize_t n = write(c->fd, c->out + c->out_off,
				  c->out_len - c->out_off);

		if (n < 0) {
			if (errno == EAGAIN)
				break;
			client_close(e, c);
			return -EPIPE;
		}
		c->out_off += (size_t)n;
	}
	if (c->out_off == c->out_len && c->closing) {
		client_close(e, c);
		return 0;
	}
	engine__mod_fd(e, c->fd,
		       EPOLLIN | (c->out_off < c->out_len ? EPOLLOUT : 0));
	return 0;
}

static void reply_error(struct client *c, const char *msg)
{
	struct jw w;

	jw_init(&w);
	jw_obj_begin(&w);
	jw_kbool(&w, "ok", false);
	jw_kstr(&w, "error", msg);
	jw_obj_end(&w);
	if (jw_str(&w)) {
		out_append(c, w.buf, w.len);
		out_append(c, "\n", 1);
	}
	jw_free(&w);
}

void engine__render_status(struct engine *e, struct jw *w)
{
	struct engine_module_stats st[ENGINE_MAX_RBS];
	int n = engine__module_stats(e, st, ENGINE_MAX_RBS);

	jw_kint(w, "pid", getpid());
	jw_kuint(w, "uptime_s",
		 (now_real_ns() - e->started_ns) / 1000000000ull);
	jw_kuint(w, "events", e->events_total);
	jw_kuint(w, "subscriber_drops", engine__sink_drops(e));
	jw_kuint(w, "processes", proc_tree__count(e->procs));
	jw_kint(w, "subscribers",
		e->srv ? engine_server__subscribers(e->srv) : 0);
	jw_key(w, "modules");
	jw_arr_begin(w);
	for (int i = 0; i < e->nmods; i++) {
		jw_obj_begin(w);
		jw_kstr(w, "name", e->mods[i].mod->name);
		jw_kstr(w, "summary",
			e->mods[i].mod->summary ? e->mods[i].mod->summary : "");
		for (int j = 0; j < n; j++) {
			if (strcmp(st[j].name, e->mods[i].mod->name))
				continue;
			jw_kuint(w, "events", st[j].events);
			jw_kuint(w, "lost", st[j].lost);
			jw_kuint(w, "errors", st[j].errors);
		}
		jw_obj_end(w);
	}
	jw_arr_end(w);
}

/* {"op":"sandbox.register","cgroup_id":N,"name":S,"kind":S}: the lab made one. */
static int sandbox_register_req(struct engine *e, struct json_object *req,
				char *err, size_t errlen)
{
	const char *name = engine_req_str(req, "name");
	struct json_object *v;
	int64_t id = 0;

	if (json_object_object_get_ex(req, "cgroup_id", &v))
		id = json_object_get_int64(v);
	if (!name || id <= 0) {
		snprintf(err, errlen,
			 "sandbox.register needs name and cgroup_id");
		return -EINVAL;
	}
	return engine__sandbox_register(e, (uint64_t)id, name,
					engine_req_str(req, "kind")) ?
		       -ENOSPC :
		       0;
}

static void handle_request(struct engine *e, struct engine_server *s,
			   struct client *c, const char *line)
{
	struct json_object *req = json_tokener_parse(line), *v;
	char err[512] = "";
	const char *op;
	struct jw w;
	int rc = -ENOENT;

	if (!req || !json_object_is_type(req, json_type_object) ||
	    !json_object_object_get_ex(req, "op", &v)) {
		reply_error(c, "a request is one JSON object with an \"op\"");
		json_object_put(req);
		return;
	}
	op = json_object_get_string(v);
	if (!strcmp(op, "subscribe")) {
		json_object_object_get_ex(req, "filter", &v);
		if (event_filter__from_json(&c->filter, v, err, sizeof(err))) {
			reply_error(c, err);
		} else {
			c->subscribed = true;
			c->compact =
				json_object_object_get_ex(req, "format", &v) &&
				!strcmp(json_object_get_string(v), "compact");
		}
		json_object_put(req);
		return;
	}
	jw_init(&w);
	jw_obj_begin(&w);
	jw_kbool(&w, "ok", true);
	if (!strcmp(op, "status") || !strcmp(op, "ping")) {
		engine__render_status(e, &w);
		rc = 0;
	} else if (!strcmp(op, "stop")) {
		engine__stop(e);
		rc = 0;
	} else if (!strcmp(op, "sandbox.register")) {
		rc = sandbox_register_req(e, req, err, sizeof(err));
	} else {
		for (int i = 0; i < e->nreqs; i++)
			if (!strcmp(e->reqs[i].op, op)) {
				rc = e->reqs[i].fn(e, req, &w, err, sizeof(err),
						   e->reqs[i].ctx);
				break;
			}
		if (rc == -ENOENT && !err[0])
			snprintf(err, sizeof(err),
				 "unknown request '%s' (is its module loaded?)",
				 op);
	}
	jw_obj_end(&w);
	if (rc) {
		reply_error(c, err[0] ? err : strerror(-rc));
	} else if (jw_str(&w)) {
		out_append(c, w.buf, w.len);
		out_append(c, "\n", 1);
	}
	jw_free(&w);
	json_object_put(req);
	(void)s;
}

static int client_ready(struct engine *e, int fd, uint32_t events, void *ctx)
{
	struct client *c = ctx;
	char *nl;

	(void)fd;
	if (events & (EPOLLERR | EPOLLHUP) && !(events & EPOLLIN)) {
		client_close(e, c);
		return 0;
	}
	if (events & EPOLLIN) {
		ssize_t n;

		if (c->in_len >= IN_MAX) {
			reply_error(c, "request too long");
			c->closing = true;
			return client_flush(e, c);
		}
		n = read(c->fd, c->in + c->in_len, IN_MAX - c->in_len);
		if (n <= 0) {
			if (n < 0 && errno == EAGAIN)
				return 0;
			client_close(e, c);
			return 0;
		}
		c->in_len += (size_t)n;
		while ((nl = memchr(c->in, '\n', c->in_len))) {
			*nl = 0;
			handle_request(e, e->srv, c, c->in);
			c->in_len -= (size_t)(nl + 1 - c->in);
			memmove(c->in, nl + 1, c->in_len);
			if (c->fd < 0)
				return 0;
		}
	}
	return client_flush(e, c);
}

static int accept_ready(struct engine *e, int fd, uint32_t events, void *ctx)
{
	struct engine_server *s = ctx;
	int cfd = accept4(fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);

	(void)events;
	if (cfd < 0)
		return 0;
	for (int i = 0; i < MAX_CLIENTS; i++) {
		struct client *c = &s->clients[i];

		if (c->fd >= 0)
			continue;
		memset(c, 0, sizeof(*c));
		c->fd = cfd;
		c->in = malloc(IN_MAX + 1);
		if (!c->in ||
		    engine__add_fd(e, cfd, EPOLLIN, client_ready, c)) {
			free(c->in);
			c->fd = -1;
			break;
		}
		return 0;
	}
	close(cfd);
	return 0;
}

static void report_lost(struct client *c)
{
	char line[160];
	int n;

	if (!c->lost)
		return;
	n = snprintf(
		line, sizeof(line),
		c->compact ?
			"⚠️  lost %llu events (subscriber too slow)\n" :
			"{\"lost_events\":{\"source\":\"bpflab_subscriber\","
			"\"num_events_lost\":%llu}}\n",
		(unsigned long long)c->lost);
	if (out_append(c, line, (size_t)n))
		c->lost = 0;
}

static void server_sink(struct engine *e, const struct bl_event *ev, void *ctx)
{
	struct engine_server *s = ctx;
	bool have_json = false, have_compact = false;

	for (int i = 0; i < MAX_CLIENTS; i++) {
		struct client *c = &s->clients[i];
		struct jw *w;

		if (c->fd < 0 || !c->subscribed ||
		    !event_filter__match(&c->filter, ev))
			continue;
		w = c->compact ? &s->compact : &s->line;
		if (c->compact && !have_compact) {
			char buf[2048];

			jw_reset(w);
			ev->render_compact(ev, buf, sizeof(buf));
			jw_raw(w,
			       buf); /* plain text: jw is only a buffer here */
			have_compact = true;
		} else if (!c->compact && !have_json) {
			jw_reset(w);
			engine__render_line(ev, w);
			have_json = true;
		}
		report_lost(c);
		if (c->lost || !jw_str(w) || !out_append(c, w->buf, w->len) ||
		    !out_append(c, "\n", 1)) {
			c->lost++;
			c->lost_total++;
			s->drops++;
			continue;
		}
		client_flush(e, c);
	}
}

int engine_server__open(struct engine *e, struct engine_server **out)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	struct engine_server *s = calloc(1, sizeof(*s));
	int err;

	if (!s)
		return -ENOMEM;
	for (int i = 0; i < MAX_CLIENTS; i++)
		s->clients[i].fd = -1;
	jw_init(&s->line);
	jw_init(&s->compact);
	bl_run_path(s->path, sizeof(s->path), "engine.sock");
	if (strlen(s->path) >= sizeof(addr.sun_path)) {
		free(s);
		return -ENAMETOOLONG;
	}
	memcpy(addr.sun_path, s->path, strlen(s->path) + 1);
	/* we hold the engine lock, so any socket file here is stale */
	unlink(s->path);
	s->listen_fd =
		socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (s->listen_fd < 0 ||
	    bind(s->listen_fd, (struct sockaddr *)&addr, sizeof(addr)) ||
	    chmod(s->path, 0600) || listen(s->listen_fd, 64)) {
		err = -errno;
		goto fail;
	}
	err = engine__add_fd(e, s->listen_fd, EPOLLIN, accept_ready, s);
	if (err)
		goto fail;
	s->sink_id = engine__add_sink(e, server_sink, s);
	*out = s;
	return 0;
fail:
	if (s->listen_fd >= 0)
		close(s->listen_fd);
	unlink(s->path);
	free(s);
	return err;
}

void engine_server__close(struct engine *e, struct engine_server *s)
{
	for (int i = 0; i < MAX_CLIENTS; i++) {
		if (s->clients[i].fd < 0)
			continue;
		/* a last best-effort flush so a "stop" gets its reply */
		fcntl(s->clients[i].fd, F_SETFL, 0);
		client_flush(e, &s->clients[i]);
		client_close(e, &s->clients[i]);
	}
	engine__remove_sink(e, s->sink_id);
	engine__remove_fd(e, s->listen_fd);
	close(s->listen_fd);
	unlink(s->path);
	jw_free(&s->line);
	jw_free(&s->compact);
	free(s);
	e->srv = NULL;
}

int engine_server__subscribers(struct engine_server *s)
{
	int n = 0;

	for (int i = 0; i < MAX_CLIENTS; i++)
		n += s->clients[i].fd >= 0 && s->clients[i].subscribed;
	return n;
}

uint64_t engine_server__drops(struct engine_server *s)
{
	return s->drops;
}

int engine__serve(struct engine *e)
{
	int err = reload__register(e);

	return err ? err : engine_server__open(e, &e->srv);
}

int engine__add_request(struct engine *e, const char *op, engine_req_fn fn,
			void *ctx)
{
	if (e->nreqs >= ENGINE_MAX_REQS)
		return -ENOSPC;
	snprintf(e->reqs[e->nreqs].op, sizeof(e->reqs[0].op), "%s", op);
	e->reqs[e->nreqs].fn = fn;
	e->reqs[e->nreqs].ctx = ctx;
	e->nreqs++;
	return 0;
}

const char *engine_req_str(struct json_object *req, const char *key)
{
	struct json_object *v;

	if (!json_object_object_get_ex(req, key, &v) ||
	    !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}
