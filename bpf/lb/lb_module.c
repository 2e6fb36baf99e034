// SPDX-License-Identifier: GPL-2.0
/*
 * The engine's "lb" module: the socket-LB on the whole cgroup v2 tree, and
 * the svc.* requests `bpflab svc` sends over the engine socket.
 * BPFLAB_LB_SOCK_HOSTNS_ONLY=1 in the engine's environment limits the
 * socket-LB to host-netns sockets, so other namespaces use the tc LB
 * (attached with `bpflab svc tc`).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/engine.h"
#include "lb/lb.h"
#include "proc/proc_tree.h"
#include "util/jw.h"
#include "util/log.h"
#include "util/paths.h"

struct lb_mod {
	struct engine *e;
	struct lb *lb;
};

/* The loaded module's lb (one engine per process), for observe. */
static const struct lb *lb_loaded;

const struct lb *lb_module_current(void)
{
	return lb_loaded;
}

/* ---- translation events: {"lb":{...}} --------------------------------------- */

static const char *const hook_names[] = {
	[BL_LB_CONNECT4] = "connect4",
	[BL_LB_SENDMSG4] = "sendmsg4",
	[BL_LB_TC] = "tc",
};

static void addr_port(uint32_t addr, uint16_t port, char *buf, size_t size)
{
	char ip[INET_ADDRSTRLEN];

	inet_ntop(AF_INET, &addr, ip, sizeof(ip));
	snprintf(buf, size, "%s:%u", ip, port);
}

static void render(const struct bl_event *ev, struct jw *w)
{
	const struct bl_lb_event *r = ev->rec;
	const struct lb_mod *m = ev->ctx;
	const char *name = NULL;
	char vip[48], buf[32];

	jw_kstr(w, "hook",
		r->hook < 4 && hook_names[r->hook] ? hook_names[r->hook] : "?");
	if (lb__svc_describe(m->lb, r->svc_id, &name, vip, sizeof(vip))) {
		jw_kstr(w, "service", name);
		jw_kstr(w, "vip", vip);
	}
	jw_kstr(w, "verdict",
		r->hdr.flags & BL_LB_NO_BACKEND ? "DROPPED" : "TRANSLATED");
	if (r->be_addr) {
		addr_port(r->be_addr, r->be_port, buf, sizeof(buf));
		jw_kstr(w, "backend", buf);
	}
	if (r->tuple.saddr) {
		addr_port(r->tuple.saddr, r->tuple.sport, buf, sizeof(buf));
		jw_kstr(w, "client", buf);
	}
	if (ev->proc)
		engine__render_story(m->e, ev->proc, w);
	else if (r->tgid)
		jw_kuint(w, "pid", r->tgid);
}

static void render_compact(const struct bl_event *ev, char *buf, size_t size)
{
	const struct bl_lb_event *r = ev->rec;
	char to[32], vip[48] = "?";
	const char *name = "?";

	lb__svc_describe(((const struct lb_mod *)ev->ctx)->lb, r->svc_id, &name,
			 vip, sizeof(vip));
	addr_port(r->be_addr, r->be_port, to, sizeof(to));
	snprintf(buf, size, "lb %s %s %s -> %s", name, vip,
		 r->hook < 4 && hook_names[r->hook] ? hook_names[r->hook] : "?",
		 r->hdr.flags & BL_LB_NO_BACKEND ? "no backend (dropped)" : to);
}

static int on_record(struct engine *e, const void *rec, size_t len, void *ctx)
{
	const struct bl_lb_event *r = rec;
	struct bl_event ev = {
		.op = BL_OP_LB,
		.rec = rec,
		.len = len,
		.type = "lb",
		.render = render,
		.render_compact = render_compact,
		.ctx = ctx,
	};

	if (len < sizeof(*r) || r->hdr.op != BL_OP_LB)
		return 0;
	ev.ktime = r->hdr.ktime;
	if (r->tgid)
		ev.proc = proc_tree__find(engine__procs(e), r->tgid);
	if (!ev.proc && r->cgroup_id)
		ev.sandbox = engine__sandbox_name(e, r->cgroup_id, NULL);
	engine__emit(e, &ev);
	return 0;
}

/* ---- requests ------------------------------------------------------------------ */

static int req_uint(struct json_object *req, const char *key, uint32_t max,
		    uint32_t *out, char *err, size_t errlen)
{
	struct json_object *v;
	int64_t n;

	if (!json_object_object_get_ex(req, key, &v))
		return 0;
	n = json_object_get_int64(v);
	if (!json_object_is_type(v, json_type_int) || n < 0 || n > max) {
		snprintf(err, errlen, "\"%s\" must be an integer 0-%u", key,
			 max);
		return -EINVAL;
	}
	*out = (uint32_t)n;
	return 0;
}

/* {"name","vip","backends":["ip:port[@w]",...],"algorithm","affinity_sec","table_size","replace"} */
static int spec_from_json(struct json_object *req, struct lb_service_spec *s,
			  char *err, size_t errlen)
{
	const char *name = engine_req_str(req, "name"),
		   *vip = engine_req_str(req, "vip");
	const char *algo = engine_req_str(req, "algorithm");
	struct json_object *bes;
	int ret;

	if (!name || !vip) {
		snprintf(err, errlen, "svc.add needs \"name\" and \"vip\"");
		return -EINVAL;
	}
	ret = lb_check_name(name, err, errlen);
	if (!ret)
		ret = lb_parse_vip(vip, &s->vip, &s->port, &s->proto, err,
				   errlen);
	if (!ret)
		ret = req_uint(req, "affinity_sec", 86400, &s->affinity_sec,
			       err, errlen);
	if (!ret)
		ret = req_uint(req, "table_size", MAGLEV_MAX_SIZE,
			       &s->table_size, err, errlen);
	if (ret)
		return ret;
	if (s->table_size && !maglev_size_ok(s->table_size)) {
		snprintf(err, errlen, "table size %u is not a prime in [3, %u]",
			 s->table_size, MAGLEV_MAX_SIZE);
		return -EINVAL;
	}
	snprintf(s->name, sizeof(s->name), "%s", name);
	if (!algo || !strcmp(algo, "maglev"))
		s->algo = LB_ALGO_MAGLEV;
	else if (!strcmp(algo, "random"))
		s->algo = LB_ALGO_RANDOM;
	else {
		snprintf(err, errlen, "algorithm '%s': use maglev or random",
			 algo);
		return -EINVAL;
	}
	if (json_object_object_get_ex(req, "backends", &bes) &&
	    !json_object_is_type(bes, json_type_array)) {
		snprintf(err, errlen,
			 "\"backends\" must be an array of \"IP:PORT\"");
		return -EINVAL;
	}
	s->nbackends = 0;
	for (size_t i = 0; bes && i < json_object_array_length(bes); i++) {
		struct json_object *b = json_object_array_get_idx(bes, i);

		if (s->nbackends >= LB_MAX_BACKENDS) {
			snprintf(err, errlen, "more than %d backends",
				 LB_MAX_BACKENDS);
			return -E2BIG;
		}
		if (!json_object_is_type(b, json_type_string)) {
			snprintf(err, errlen, "backend %zu is not a string", i);
			return -EINVAL;
		}
		ret = lb_parse_backend(json_object_get_string(b),
				       &s->backends[s->nbackends++], err,
				       errlen);
		if (ret)
			return ret;
	}
	return 0;
}

static int req_add(struct engine *e, struct json_object *req, struct jw *w,
		   char *err, size_t errlen, void *ctx)
{
	struct lb_service_spec *s = calloc(1, sizeof(*s));
	struct json_object *v;
	bool replace;
	int ret;

	(void)e;
	if (!s)
		return -ENOMEM;
	ret = spec_from_json(req, s, err, errlen);
	if (ret)
		goto out;
	replace = json_object_object_get_ex(req, "replace", &v) &&
		  json_object_get_boolean(v);
	ret = lb__svc_add(ctx, s, replace);
	if (ret == -EEXIST)
		snprintf(err, errlen,
			 "service %s exists (svc rm it, or svc apply)",
			 s->name);
	else if (ret == -EADDRINUSE)
		snprintf(err, errlen, "another service already has VIP %s",
			 engine_req_str(req, "vip"));
	else if (ret)
		snprintf(err, errlen, "service %s: %s", s->name,
			 strerror(-ret));
	else
		lb__render(ctx, w, s->name, true);
out:
	free(s);
	return ret;
}

static int req_rm(struct engine *e, struct json_object *req, struct jw *w,
		  char *err, size_t errlen, void *ctx)
{
	const char *name = engine_req_str(req, "name");
	int ret;

	(void)e;
	(void)w;
	if (!name) {
		snprintf(err, errlen, "svc.rm needs \"name\"");
		return -EINVAL;
	}
	ret = lb__svc_del(ctx, name);
	if (ret)
		snprintf(err, errlen, "no service %s", name);
	return ret;
}

static int req_list(struct engine *e, struct json_object *req, struct jw *w,
		    char *err, size_t errlen, void *ctx)
{
	const char *name = engine_req_str(req, "name");
	struct json_object *v;
	bool backends = json_object_object_get_ex(req, "backends", &v) &&
			json_object_get_boolean(v);
	int ret;

	(void)e;
	ret = lb__render(ctx, w, name, backends || name);
	if (ret)
		snprintf(err, errlen, "no service %s", name);
	return ret;
}

/* {"name","backend":"ip:port","state":"active|draining|down"} */
static int req_backend(struct engine *e, struct json_object *req, struct jw *w,
		       char *err, size_t errlen, void *ctx)
{
	const char *name = engine_req_str(req, "name"),
		   *be = engine_req_str(req, "backend");
	const char *state = engine_req_str(req, "state");
	struct lb_backend_spec b;
	enum lb_be_set set;
	int ret;

	(void)e;
	if (!name || !be || !state) {
		snprintf(
			err, errlen,
			"svc.backend needs \"name\", \"backend\" and \"state\"");
		return -EINVAL;
	}
	ret = lb_parse_backend(be, &b, err, errlen);
	if (ret)
		return ret;
	if (!strcmp(state, "active"))
		set = LB_SET_ACTIVE;
	else if (!strcmp(state, "draining"))
		set = LB_SET_DRAIN;
	else if (!strcmp(state, "down"))
		set = LB_SET_DOWN;
	else {
		snprintf(err, errlen,
			 "state '%s': use active, draining or down", state);
		return -EINVAL;
	}
	ret = lb__backend_set(ctx, name, b.addr, b.port, set);
	if (ret == -ENOENT)
		snprintf(err, errlen, "no service %s", name);
	else if (ret == -ESRCH)
		snprintf(err, errlen, "service %s has no backend %s", name, be);
	else if (ret)
		snprintf(err, errlen, "%s", strerror(-ret));
	else
		lb__render(ctx, w, name, true);
	return ret;
}

/* {"netns":"NAME" (optional),"ifname":"IF"}: tc LB on that link's ingress. */
static int req_tc(struct engine *e, struct json_object *req, struct jw *w,
		  char *err, size_t errlen, void *ctx)
{
	const char *ifname = engine_req_str(req, "ifname");
	int ret;

	(void)e;
	(void)w;
	if (!ifname) {
		snprintf(err, errlen, "svc.tc needs \"ifname\"");
		return -EINVAL;
	}
	ret = lb__tc_attach(ctx, engine_req_str(req, "netns"), ifname);
	if (ret)
		snprintf(err, errlen, "tc LB on %s: %s", ifname,
			 strerror(-ret));
	return ret;
}

static void lb_unload(struct engine *e, void *state)
{
	struct lb_mod *m = state;

	(void)e;
	if (!m)
		return;
	if (lb_loaded == m->lb)
		lb_loaded = NULL;
	lb__close(m->lb);
	free(m);
}

static int lb_load(struct engine *e, void **state)
{
	const char *hostns = getenv("BPFLAB_LB_SOCK_HOSTNS_ONLY");
	struct lb_opts opts = {
		.cgroup = BL_CGROUP_ROOT,
		.sock_hostns_only = hostns && !strcmp(hostns, "1"),
		.events = true,
	};
	struct lb_mod *m = calloc(1, sizeof(*m));
	struct lb *lb;
	int err;

	if (!m)
		return -ENOMEM;
	m->e = e;
	err = lb__open(&m->lb, &opts);
	if (err) {
		free(m);
		return err;
	}
	lb = m->lb;
	err = engine__add_ringbuf(e, "lb", lb__rb_fd(lb), lb__stats_fd(lb),
				  on_record, m);
	if (!err)
		err = engine__add_request(e, "svc.add", req_add, lb);
	if (!err)
		err = engine__add_request(e, "svc.rm", req_rm, lb);
	if (!err)
		err = engine__add_request(e, "svc.list", req_list, lb);
	if (!err)
		err = engine__add_request(e, "svc.backend", req_backend, lb);
	if (!err)
		err = engine__add_request(e, "svc.tc", req_tc, lb);
	if (err) {
		lb_unload(e, m);
		return err;
	}
	lb_loaded = lb;
	*state = m;
	return 0;
}

ENGINE_MODULE(
	lb, .name = "lb",
	.summary =
		"service load balancing: socket-LB (cgroup connect4/sendmsg4/recvmsg4/getpeername4), tc LB, Maglev",
	.load = lb_load, .unload = lb_unload, .order = 40, .default_on = true);
