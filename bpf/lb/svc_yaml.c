// SPDX-License-Identifier: GPL-2.0
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "lb/svc_yaml.h"

#define MAX_DOCS 256
#define MAX_SPECS 1024

struct yctx {
	const char *path;
	char *err;
	size_t errlen;
	yaml_document_t docs[MAX_DOCS];
	int ndocs;
};

static int yerr(struct yctx *y, const yaml_node_t *n, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int yerr(struct yctx *y, const yaml_node_t *n, const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	snprintf(y->err, y->errlen, "%s:%zu:%zu: %s", y->path,
		 n ? n->start_mark.line + 1 : 1,
		 n ? n->start_mark.column + 1 : 1, msg);
	return -EINVAL;
}

static const char *scalar(const yaml_node_t *n)
{
	return n && n->type == YAML_SCALAR_NODE ?
		       (const char *)n->data.scalar.value :
		       NULL;
}

static yaml_node_t *get(yaml_document_t *d, yaml_node_t *map, const char *key)
{
	yaml_node_pair_t *p;

	if (!map || map->type != YAML_MAPPING_NODE)
		return NULL;
	for (p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top;
	     p++) {
		const char *k = scalar(yaml_document_get_node(d, p->key));

		if (k && !strcmp(k, key))
			return yaml_document_get_node(d, p->value);
	}
	return NULL;
}

static yaml_node_t *path_get(yaml_document_t *d, yaml_node_t *n, const char *a,
			     const char *b, const char *c)
{
	n = get(d, n, a);
	if (n && b)
		n = get(d, n, b);
	if (n && c)
		n = get(d, n, c);
	return n;
}

static int item_count(const yaml_node_t *seq)
{
	return seq && seq->type == YAML_SEQUENCE_NODE ?
		       (int)(seq->data.sequence.items.top -
			     seq->data.sequence.items.start) :
		       0;
}

static yaml_node_t *item(yaml_document_t *d, yaml_node_t *seq, int i)
{
	return yaml_document_get_node(d, seq->data.sequence.items.start[i]);
}

static int int_of(struct yctx *y, yaml_node_t *n, const char *what, long lo,
		  long hi, long *out)
{
	const char *s = scalar(n);
	char *end;
	long v;

	if (!s)
		return yerr(y, n, "%s must be a number", what);
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || *end || end == s || v < lo || v > hi)
		return yerr(y, n, "%s '%s' must be %ld-%ld", what, s, lo, hi);
	*out = v;
	return 0;
}

static int proto_of(struct yctx *y, yaml_node_t *n, uint8_t *proto)
{
	const char *s = scalar(n);

	if (!n || (s && !strcmp(s, "TCP")))
		*proto = IPPROTO_TCP;
	else if (s && !strcmp(s, "UDP"))
		*proto = IPPROTO_UDP;
	else
		return yerr(y, n, "protocol '%s': use TCP or UDP", s ? s : "?");
	return 0;
}

static bool same_name(const char *a, const char *b)
{
	return !strcmp(a ? a : "", b ? b : "");
}

/* Backends from every EndpointSlice of service svc for port (pname, proto). */
static int add_endpoints(struct yctx *y, const char *svc, const char *pname,
			 uint8_t proto, struct lb_service_spec *s)
{
	for (int di = 0; di < y->ndocs; di++) {
		yaml_document_t *d = &y->docs[di];
		yaml_node_t *root = yaml_document_get_root_node(d);
		yaml_node_t *ports, *eps;
		const char *owner;

		if (!same_name(scalar(get(d, root, "kind")), "EndpointSlice"))
			continue;
		owner = scalar(path_get(d, root, "metadata", "labels",
					"kubernetes.io/service-name"));
		if (!owner || strcmp(owner, svc) != 0)
			continue;
		ports = get(d, root, "ports");
		eps = get(d, root, "endpoints");
		for (int pi = 0; pi < item_count(ports); pi++) {
			yaml_node_t *p = item(d, ports, pi);
			uint8_t pp = 0;
			long port = 0;

			if (proto_of(y, get(d, p, "protocol"), &pp) ||
			    int_of(y, get(d, p, "port"), "port", 1, 65535,
				   &port))
				return -EINVAL;
			if (pp != proto ||
			    !same_name(scalar(get(d, p, "name")), pname))
				continue;
			for (int ei = 0; ei < item_count(eps); ei++) {
				yaml_node_t *ep = item(d, eps, ei);
				yaml_node_t *addrs = get(d, ep, "addresses");
				const char *ready = scalar(path_get(
					d, ep, "conditions", "ready", NULL));

				if (ready && !strcmp(ready, "false"))
					continue;
				for (int ai = 0; ai < item_count(addrs); ai++) {
					yaml_node_t *a = item(d, addrs, ai);
					struct lb_backend_spec *b;
					struct in_addr in;

					if (!scalar(a) ||
					    inet_pton(AF_INET, scalar(a),
						      &in) != 1)
						return yerr(
							y, a,
							"'%s' is not an IPv4 address",
							scalar(a) ? scalar(a) :
								    "?");
					if (s->nbackends >= LB_MAX_BACKENDS)
						return yerr(
							y, a,
							"more than %d endpoints",
							LB_MAX_BACKENDS);
					b = &s->backends[s->nbackends++];
					*b = (struct lb_backend_spec){
						.addr = in.s_addr,
						.port = (uint16_t)port,
						.weight = 1,
					};
				}
			}
		}
	}
	return 0;
}

static int check_slice(struct yctx *y, yaml_document_t *d, yaml_node_t *root)
{
	yaml_node_t *at = get(d, root, "addressType");
	yaml_node_t *owner = path_get(d, root, "metadata", "labels",
				      "kubernetes.io/service-name");

	if (!scalar(owner))
		return yerr(
			y, root,
			"EndpointSlice needs metadata.labels[kubernetes.io/service-name]");
	if (at && !same_name(scalar(at), "IPv4"))
		return yerr(y, at, "addressType '%s': only IPv4 is supported",
			    scalar(at) ? scalar(at) : "?");
	return 0;
}

static int service_specs(struct yctx *y, yaml_document_t *d, yaml_node_t *root,
			 struct lb_service_spec *out, int *n)
{
	yaml_node_t *meta_name = path_get(d, root, "metadata", "name", NULL);
	yaml_node_t *spec = get(d, root, "spec"), *ip, *ports, *aff;
	const char *name = scalar(meta_name), *ips;
	char msg[200];
	uint32_t affinity = 0;
	struct in_addr vip;
	long v = 0;

	if (!name || lb_check_name(name, msg, sizeof(msg)))
		return yerr(y, meta_name ? meta_name : root, "%s",
			    name ? msg : "Service needs metadata.name");
	ip = get(d, spec, "clusterIP");
	ips = scalar(ip);
	if (!ips || inet_pton(AF_INET, ips, &vip) != 1 || !vip.s_addr)
		return yerr(y, ip ? ip : (spec ? spec : root),
			    "spec.clusterIP must be an IPv4 address");
	aff = get(d, spec, "sessionAffinity");
	if (aff && same_name(scalar(aff), "ClientIP")) {
		yaml_node_t *t = path_get(d, spec, "sessionAffinityConfig",
					  "clientIP", "timeoutSeconds");

		v = 10800;
		if (t && int_of(y, t, "timeoutSeconds", 1, 86400, &v))
			return -EINVAL;
		affinity = (uint32_t)v;
	} else if (aff && !same_name(scalar(aff), "None")) {
		return yerr(y, aff, "sessionAffinity: use None or ClientIP");
	}
	ports = get(d, spec, "ports");
	if (!item_count(ports))
		return yerr(y, spec ? spec : root, "spec.ports is empty");
	for (int i = 0; i < item_count(ports); i++) {
		yaml_node_t *p = item(d, ports, i);
		const char *pname = scalar(get(d, p, "name"));
		struct lb_service_spec *s;

		if (*n >= MAX_SPECS)
			return yerr(y, p, "more than %d service ports",
				    MAX_SPECS);
		s = &out[*n];
		memset(s, 0, sizeof(*s));
		if (item_count(ports) > 1 && !pname)
			return yerr(
				y, p,
				"a Service with several ports must name each");
		if (item_count(ports) > 1)
			snprintf(s->name, sizeof(s->name), "%.31s-%.31s", name,
				 pname);
		else
			snprintf(s->name, sizeof(s->name), "%s", name);
		if (int_of(y, get(d, p, "port"), "port", 1, 65535, &v) ||
		    proto_of(y, get(d, p, "protocol"), &s->proto))
			return -EINVAL;
		s->vip = vip.s_addr;
		s->port = (uint16_t)v;
		s->affinity_sec = affinity;
		if (add_endpoints(y, name, pname, s->proto, s))
			return -EINVAL;
		(*n)++;
	}
	return 0;
}

static int load_docs(struct yctx *y)
{
	yaml_parser_t parser;
	FILE *f = fopen(y->path, "re");
	int err = 0;

	if (!f) {
		err = -errno;
		snprintf(y->err, y->errlen, "%s: %s", y->path, strerror(-err));
		return err;
	}
	yaml_parser_initialize(&parser);
	yaml_parser_set_input_file(&parser, f);
	for (;;) {
		yaml_document_t *d = &y->docs[y->ndocs];

		if (!yaml_parser_load(&parser, d)) {
			snprintf(y->err, y->errlen, "%s:%zu:%zu: %s", y->path,
				 parser.problem_mark.line + 1,
				 parser.problem_mark.column + 1,
				 parser.problem ? parser.problem : "bad YAML");
			err = -EINVAL;
			break;
		}
		if (!yaml_document_get_root_node(d)) {
			yaml_document_delete(d);
			break;
		}
		if (++y->ndocs == MAX_DOCS) {
			snprintf(y->err, y->errlen,
				 "%s: more than %d documents", y->path,
				 MAX_DOCS);
			err = -E2BIG;
			break;
		}
	}
	yaml_parser_delete(&parser);
	fclose(f);
	return err;
}

int lb_yaml_load(const char *path, struct lb_service_spec **out, int *n,
		 char *err, size_t errlen)
{
	struct yctx *y = calloc(1, sizeof(*y));
	struct lb_service_spec *specs = NULL;
	int ret, count = 0;

	*out = NULL;
	*n = 0;
	if (!y)
		return -ENOMEM;
	y->path = path;
	y->err = err;
	y->errlen = errlen;
	ret = load_docs(y);
	if (ret)
		goto out;
	specs = calloc(MAX_SPECS, sizeof(*specs));
	if (!specs) {
		ret = -ENOMEM;
		goto out;
	}
	for (int i = 0; i < y->ndocs && !ret; i++) {
		yaml_document_t *d = &y->docs[i];
		yaml_node_t *root = yaml_document_get_root_node(d);
		yaml_node_t *kind = get(d, root, "kind");

		if (same_name(scalar(kind), "Service"))
			ret = service_specs(y, d, root, specs, &count);
		else if (same_name(scalar(kind), "EndpointSlice"))
			ret = check_slice(y, d, root);
		else
			ret = yerr(
				y, kind ? kind : root,
				"kind '%s': expected Service or EndpointSlice",
				scalar(kind) ? scalar(kind) : "(none)");
	}
	if (!ret && !count)
		ret = yerr(y, NULL, "no Service in the file");
	if (!ret) {
		*out = specs;
		*n = count;
		specs = NULL;
	}
out:
	free(specs);
	for (int i = 0; i < y->ndocs; i++)
		yaml_document_delete(&y->docs[i]);
	free(y);
	return ret;
}
