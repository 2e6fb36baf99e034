// SPDX-License-Identifier: GPL-2.0
/*
 * The engine's "netpol" module: loads the policy programs, turns verdict
 * records into Hubble flows, and serves the netpol.* socket requests that
 * `bpflab netpol` (and the lab, for endpoints) send. netpol.h documents the
 * endpoint requests.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/engine.h"
#include "netpol/netpol.h"
#include "netpol/netpol_flow.h"
#include "util/jw.h"
#include "util/log.h"
#include "util/paths.h"

struct netpol_mod {
	struct engine *e;
	struct netpol *np;
};

/* The loaded module's netpol (one engine per process), for observe. */
static const struct netpol *netpol_loaded;

const struct netpol *netpol_module_current(void)
{
	return netpol_loaded;
}

/* ---- verdict flows ----------------------------------------------------------- */

static void render(const struct bl_event *ev, struct jw *w)
{
	const struct netpol_mod *m = ev->ctx;

	netpol_flow_render(m->np, ev->rec, w);
}

static void render_compact(const struct bl_event *ev, char *buf, size_t size)
{
	const struct netpol_mod *m = ev->ctx;

	netpol_flow_compact(m->np, ev->rec, buf, size);
}

static int on_record(struct engine *e, const void *rec, size_t len, void *ctx)
{
	const struct bl_netpol_event *r = rec;
	struct bl_event ev = {
		.op = BL_OP_NETPOL,
		.rec = rec,
		.len = len,
		.type = "flow",
		.render = render,
		.render_compact = render_compact,
		.ctx = ctx,
	};

	if (len < sizeof(*r) || r->hdr.op != BL_OP_NETPOL)
		return 0;
	ev.ktime = r->hdr.ktime;
	if (r->cgroup_id)
		ev.sandbox = engine__sandbox_name(e, r->cgroup_id, NULL);
	engine__emit(e, &ev);
	return 0;
}

/* ---- policies ---------------------------------------------------------------- */

/* {"file","yaml","mode"}: parse; errors are file:line:col. */
static int parse_req(struct json_object *req, struct cnp **pols, int *n,
		     bool *audit, char *err, size_t errlen)
{
	const char *file = engine_req_str(req, "file"),
		   *yaml = engine_req_str(req, "yaml");
	const char *mode = engine_req_str(req, "mode");

	if (!yaml) {
		snprintf(err, errlen,
			 "the request needs \"yaml\" (and \"file\")");
		return -EINVAL;
	}
	if (mode && strcmp(mode, "audit") != 0 &&
	    strcmp(mode, "enforce") != 0) {
		snprintf(err, errlen, "mode '%s': use enforce or audit", mode);
		return -EINVAL;
	}
	*audit = mode && !strcmp(mode, "audit");
	return cnp_parse(file ? file : "<request>", yaml, strlen(yaml), pols, n,
			 err, errlen);
}

static int req_apply(struct engine *e, struct json_object *req, struct jw *w,
		     char *err, size_t errlen, void *ctx)
{
	struct netpol_mod *m = ctx;
	struct netpol_stats st;
	struct cnp *pols = NULL;
	bool audit;
	int n, ret;

	(void)e;
	ret = parse_req(req, &pols, &n, &audit, err, errlen);
	if (ret)
		return ret;
	ret = netpol__apply(m->np, pols, n, audit, engine_req_str(req, "file"),
			    err, errlen);
	if (!ret) {
		st = netpol__stats(m->np);
		jw_key(w, "applied");
		jw_arr_begin(w);
		for (int i = 0; i < n; i++)
			jw_string(w, pols[i].name);
		jw_arr_end(w);
		jw_kstr(w, "mode", audit ? "audit" : "enforce");
		jw_kuint(w, "generation", st.gen);
		jw_kuint(w, "keys", st.keys);
		jw_kdouble(w, "compile_ms", st.compile_ns / 1e6);
		jw_kdouble(w, "load_ms", st.load_ns / 1e6);
	}
	free(pols);
	return ret;
}

static int req_explain(struct engine *e, struct json_object *req, struct jw *w,
		       char *err, size_t errlen, void *ctx)
{
	struct netpol_mod *m = ctx;
	struct cnp *pols = NULL;
	bool audit;
	int n, ret;

	(void)e;
	ret = parse_req(req, &pols, &n, &audit, err, errlen);
	if (ret)
		return ret;
	ret = netpol__explain(m->np, pols, n, audit, w);
	if (ret)
		snprintf(err, errlen, "explain: %s", strerror(-ret));
	free(pols);
	return ret;
}

static int req_delete(struct engine *e, struct json_object *req, struct jw *w,
		      char *err, size_t errlen, void *ctx)
{
	const char *name = engine_req_str(req, "name");
	struct netpol_mod *m = ctx;
	int ret;

	(void)e;
	(void)w;
	if (!name) {
		snprintf(err, errlen, "netpol.delete needs \"name\"");
		return -EINVAL;
	}
	ret = netpol__delete(m->np, name);
	if (ret == -ENOENT)
		snprintf(err, errlen, "no policy %s", name);
	else if (ret)
		snprintf(err, errlen, "delete %s: %s", name, strerror(-ret));
	return ret;
}

static int req_list(struct engine *e, struct json_object *req, struct jw *w,
		    char *err, size_t errlen, void *ctx)
{
	struct netpol_mod *m = ctx;

	(void)e;
	(void)req;
	(void)err;
	(void)errlen;
	netpol__render_list(m->np, w);
	return 0;
}

/* An endpoint name, or an IPv4 address. */
static int resolve(struct netpol_mod *m, const char *s, uint32_t *ip, char *err,
		   size_t errlen)
{
	const struct netpol_endpoint *ep = netpol__endpoint(m->np, s);
	struct in_addr a;

	if (ep && ep->ip) {
		*ip = ep->ip;
		return 0;
	}
	if (ep) {
		snprintf(err, errlen, "endpoint %s has no address", s);
		return -EADDRNOTAVAIL;
	}
	if (inet_pton(AF_INET, s, &a) == 1) {
		*ip = a.s_addr;
		return 0;
	}
	snprintf(err, errlen, "'%s' is neither an endpoint nor an IPv4 address",
		 s);
	return -ENOENT;
}

static int req_check(struct engine *e, struct json_object *req, struct jw *w,
		     char *err, size_t errlen, void *ctx)
{
	const char *from = engine_req_str(req, "from"),
		   *to = engine_req_str(req, "to");
	const char *proto = engine_req_str(req, "protocol");
	struct netpol_mod *m = ctx;
	struct netpol_check c = {};
	struct json_object *v;
	uint32_t src, dst;
	uint8_t pr = 6;
	char rule[1200];
	int64_t port = 0;
	int ret;

	(void)e;
	if (!from || !to || !json_object_object_get_ex(req, "port", &v)) {
		snprintf(err, errlen,
			 "netpol.check needs \"from\", \"to\" and \"port\"");
		return -EINVAL;
	}
	port = json_object_get_int64(v);
	if (port < 1 || port > 65535) {
		snprintf(err, errlen, "port must be 1-65535");
		return -EINVAL;
	}
	if (proto && !strcasecmp(proto, "udp"))
		pr = 17;
	else if (proto && strcasecmp(proto, "tcp") != 0) {
		snprintf(err, errlen, "protocol '%s': use tcp or udp", proto);
		return -EINVAL;
	}
	ret = resolve(m, from, &src, err, errlen);
	if (!ret)
		ret = resolve(m, to, &dst, err, errlen);
	if (ret)
		return ret;
	ret = netpol__check(m->np, src, dst, (uint16_t)port, pr, &c);
	if (ret) {
		snprintf(err, errlen, "BPF_PROG_TEST_RUN: %s", strerror(-ret));
		return ret;
	}
	jw_kstr(w, "verdict",
		c.verdict == BL_VERDICT_DROPPED ? "denied" :
		c.verdict == BL_VERDICT_AUDIT	? "audit" :
						  "allowed");
	jw_kuint(w, "from_identity", c.src_id);
	jw_kuint(w, "to_identity", c.dst_id);
	jw_kstr(w, "direction", c.dir == NP_INGRESS ? "ingress" : "egress");
	jw_kstr(w, "policy", netpol__rule_policy(m->np, c.rule_id) ?: "");
	jw_kstr(w, "rule",
		c.rule_id ?
			netpol__rule_str(m->np, c.rule_id, rule, sizeof(rule)) :
			"no policy selects either end: default allow");
	return 0;
}

/* ---- endpoints ----------------------------------------------------------------- */

static int ep_from_json(struct json_object *o, struct netpol_endpoint *ep,
			char *err, size_t errlen)
{
	static const struct {
		const char *key;
		size_t off, size;
	} strs[] = {
		{ "netns", offsetof(struct netpol_endpoint, netns),
		  sizeof(ep->netns) },
		{ "ifname", offsetof(struct netpol_endpoint, ifname),
		  sizeof(ep->ifname) },
		{ "cgroup", offsetof(struct netpol_endpoint, cgroup),
		  sizeof(ep->cgroup) },
	};
	const char *name = engine_req_str(o, "name"),
		   *ip = engine_req_str(o, "ip");
	struct json_object *labels;
	struct in_addr a;

	memset(ep, 0, sizeof(*ep));
	if (!name || !*name || strlen(name) >= sizeof(ep->name)) {
		snprintf(err, errlen,
			 "an endpoint needs \"name\" (under %zu characters)",
			 sizeof(ep->name));
		return -EINVAL;
	}
	snprintf(ep->name, sizeof(ep->name), "%s", name);
	if (ip && *ip) {
		if (inet_pton(AF_INET, ip, &a) != 1) {
			snprintf(err, errlen,
				 "endpoint %s: ip '%s' is not IPv4", name, ip);
			return -EINVAL;
		}
		ep->ip = a.s_addr;
	}
	for (size_t i = 0; i < sizeof(strs) / sizeof(strs[0]); i++) {
		const char *s = engine_req_str(o, strs[i].key);

		if (s && strlen(s) >= strs[i].size) {
			snprintf(err, errlen, "endpoint %s: %s is too long",
				 name, strs[i].key);
			return -EINVAL;
		}
		if (s)
			snprintf((char *)ep + strs[i].off, strs[i].size, "%s",
				 s);
	}
	if (json_object_object_get_ex(o, "labels", &labels)) {
		if (!json_object_is_type(labels, json_type_object)) {
			snprintf(err, errlen,
				 "endpoint %s: labels must be an object", name);
			return -EINVAL;
		}
		json_object_object_foreach(labels, k, v)
		{
			if (!json_object_is_type(v, json_type_string) ||
			    np_labels_add(&ep->labels, k,
					  json_object_get_string(v))) {
				snprintf(err, errlen,
					 "endpoint %s: bad label '%s'", name,
					 k);
				return -EINVAL;
			}
		}
	}
	return 0;
}

static int req_endpoint(struct engine *e, struct json_object *req, struct jw *w,
			char *err, size_t errlen, void *ctx)
{
	struct netpol_mod *m = ctx;
	struct netpol_endpoint *eps;
	struct json_object *arr;
	size_t n = 1;
	int ret = 0;

	(void)e;
	if (json_object_object_get_ex(req, "endpoints", &arr)) {
		if (!json_object_is_type(arr, json_type_array)) {
			snprintf(err, errlen, "\"endpoints\" must be an array");
			return -EINVAL;
		}
		n = json_object_array_length(arr);
	} else {
		arr = NULL;
	}
	eps = calloc(n ? n : 1, sizeof(*eps));
	if (!eps)
		return -ENOMEM;
	for (size_t i = 0; i < n && !ret; i++)
		ret = ep_from_json(arr ? json_object_array_get_idx(arr, i) :
					 req,
				   &eps[i], err, errlen);
	if (!ret)
		ret = netpol__endpoints_set(m->np, eps, (int)n, err, errlen);
	if (!ret) {
		jw_kuint(w, "endpoints", n);
		jw_kuint(w, "generation", netpol__stats(m->np).gen);
		if (n == 1)
			jw_kuint(
				w, "identity",
				netpol__endpoint(m->np, eps[0].name)->identity);
	}
	free(eps);
	return ret;
}

static int req_endpoint_rm(struct engine *e, struct json_object *req,
			   struct jw *w, char *err, size_t errlen, void *ctx)
{
	const char *name = engine_req_str(req, "name");
	struct netpol_mod *m = ctx;
	int ret;

	(void)e;
	(void)w;
	if (!name) {
		snprintf(err, errlen, "netpol.endpoint_rm needs \"name\"");
		return -EINVAL;
	}
	ret = netpol__endpoint_del(m->np, name);
	if (ret == -ENOENT)
		snprintf(err, errlen, "no endpoint %s", name);
	else if (ret)
		snprintf(err, errlen, "%s", strerror(-ret));
	return ret;
}

static void on_tick(struct engine *e, uint64_t now_ns, void *ctx)
{
	struct netpol_mod *m = ctx;

	(void)e;
	(void)now_ns;
	netpol__sync_sandboxes(m->np);
}

static void netpol_unload(struct engine *e, void *state)
{
	struct netpol_mod *m = state;

	(void)e;
	if (!m)
		return;
	if (netpol_loaded == m->np)
		netpol_loaded = NULL;
	netpol__close(m->np);
	free(m);
}

static int netpol_load(struct engine *e, void **state)
{
	static const struct {
		const char *op;
		engine_req_fn fn;
	} reqs[] = {
		{ "netpol.apply", req_apply },
		{ "netpol.explain", req_explain },
		{ "netpol.delete", req_delete },
		{ "netpol.list", req_list },
		{ "netpol.check", req_check },
		{ "netpol.endpoint", req_endpoint },
		{ "netpol.endpoint_rm", req_endpoint_rm },
	};
	struct netpol_opts opts = { .cgroup_root = BL_CGROUP_ROOT };
	struct netpol_mod *m = calloc(1, sizeof(*m));
	int err;

	if (!m)
		return -ENOMEM;
	m->e = e;
	err = netpol__open(&m->np, &opts);
	if (err)
		goto fail;
	err = engine__add_ringbuf(e, "netpol", netpol__rb_fd(m->np),
				  netpol__stats_fd(m->np), on_record, m);
	for (size_t i = 0; !err && i < sizeof(reqs) / sizeof(reqs[0]); i++)
		err = engine__add_request(e, reqs[i].op, reqs[i].fn, m);
	if (!err)
		err = engine__on_tick(e, on_tick, m);
	if (err)
		goto fail;
	netpol_loaded = m->np;
	*state = m;
	return 0;
fail:
	netpol_unload(e, m);
	return err;
}

ENGINE_MODULE(
	netpol, .name = "netpol",
	.summary =
		"network policy by identity: CiliumNetworkPolicy at tc and cgroup connect4/sendmsg4",
	.load = netpol_load, .unload = netpol_unload, .order = 30,
	.default_on = true);
