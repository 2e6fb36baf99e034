// SPDX-License-Identifier: GPL-2.0
/*
 * CiliumNetworkPolicy YAML → struct cnp, over libyaml's document API so
 * every node keeps its position: each error reads "file:line:col: ...".
 * Fields outside the subset (cnp.h) are named and refused, never skipped.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "netpol/cnp.h"
#include "netpol/netpol_maps.h"

struct pctx {
	const char *file;
	yaml_document_t *doc;
	char *err;
	size_t errlen;
};

__attribute__((format(printf, 3, 4))) static int
fail(struct pctx *p, const yaml_node_t *n, const char *fmt, ...)
{
	size_t off;
	va_list ap;

	off = snprintf(p->err, p->errlen, "%s:%zu:%zu: ", p->file,
		       n ? n->start_mark.line + 1 : 1,
		       n ? n->start_mark.column + 1 : 1);
	if (off < p->errlen) {
		va_start(ap, fmt);
		vsnprintf(p->err + off, p->errlen - off, fmt, ap);
		va_end(ap);
	}
	return -EINVAL;
}

static yaml_node_t *node(struct pctx *p, int idx)
{
	return yaml_document_get_node(p->doc, idx);
}

static const char *scalar(const yaml_node_t *n)
{
	return n->type == YAML_SCALAR_NODE ?
		       (const char *)n->data.scalar.value :
		       NULL;
}

static int want(struct pctx *p, const yaml_node_t *n, yaml_node_type_t type,
		const char *what)
{
	static const char *const names[] = {
		[YAML_SCALAR_NODE] = "a scalar",
		[YAML_SEQUENCE_NODE] = "a list",
		[YAML_MAPPING_NODE] = "a mapping",
	};

	if (n->type == type)
		return 0;
	return fail(p, n, "%s must be %s", what, names[type]);
}

#define for_each_pair(p, map, k, v)                                    \
	for (yaml_node_pair_t *_pr = (map)->data.mapping.pairs.start;  \
	     _pr < (map)->data.mapping.pairs.top &&                    \
	     ((k) = node(p, _pr->key)) && ((v) = node(p, _pr->value)); \
	     _pr++)

#define for_each_item(p, seq, v)                                            \
	for (yaml_node_item_t *_it = (seq)->data.sequence.items.start;      \
	     _it < (seq)->data.sequence.items.top && ((v) = node(p, *_it)); \
	     _it++)

static int key_name(struct pctx *p, const yaml_node_t *k, const char **name)
{
	*name = scalar(k);
	if (!*name)
		return fail(p, k, "a key must be a plain string");
	return 0;
}

/* {matchLabels: {k: v}} (matchExpressions is not in the subset). */
static int parse_selector(struct pctx *p, yaml_node_t *n, struct np_labels *ls,
			  const char *what)
{
	yaml_node_t *k, *v, *lk, *lv;
	const char *name;
	int err;

	memset(ls, 0, sizeof(*ls));
	err = want(p, n, YAML_MAPPING_NODE, what);
	if (err)
		return err;
	for_each_pair(p, n, k, v)
	{
		if ((err = key_name(p, k, &name)))
			return err;
		if (strcmp(name, "matchLabels") != 0)
			return fail(
				p, k,
				"unsupported field '%s' in %s (bpflab supports matchLabels)",
				name, what);
		if (v->type == YAML_SCALAR_NODE && !*scalar(v))
			continue; /* matchLabels: (empty) */
		if ((err = want(p, v, YAML_MAPPING_NODE, "matchLabels")))
			return err;
		for_each_pair(p, v, lk, lv)
		{
			const char *key = scalar(lk), *val = scalar(lv);

			if (!key || !val)
				return fail(p, lk,
					    "a label must be key: value");
			err = np_labels_add(ls, key, val);
			if (err == -E2BIG)
				return fail(p, lk, "more than %d labels",
					    NP_MAX_LABELS);
			if (err)
				return fail(
					p, lk,
					"label '%s: %s' is empty or too long",
					key, val);
		}
	}
	return 0;
}

static int parse_peers(struct pctx *p, yaml_node_t *n, struct cnp_rule *r,
		       const char *what)
{
	yaml_node_t *v;
	int err;

	if ((err = want(p, n, YAML_SEQUENCE_NODE, what)))
		return err;
	for_each_item(p, n, v)
	{
		if (r->npeers >= CNP_MAX_PEERS)
			return fail(p, v, "more than %d selectors in %s",
				    CNP_MAX_PEERS, what);
		err = parse_selector(p, v, &r->peers[r->npeers++], what);
		if (err)
			return err;
	}
	return 0;
}

static int parse_entities(struct pctx *p, yaml_node_t *n, struct cnp_rule *r,
			  const char *what)
{
	yaml_node_t *v;
	int err;

	if ((err = want(p, n, YAML_SEQUENCE_NODE, what)))
		return err;
	for_each_item(p, n, v)
	{
		const char *s = scalar(v);

		if (!s)
			return fail(p, v, "an entity must be a string");
		if (!strcmp(s, "world"))
			r->entities |= CNP_ENT_WORLD;
		else if (!strcmp(s, "host"))
			r->entities |= CNP_ENT_HOST;
		else if (!strcmp(s, "all"))
			r->entities |= CNP_ENT_ALL;
		else
			return fail(
				p, v,
				"unsupported entity '%s' (bpflab supports world, host, all)",
				s);
	}
	return 0;
}

static int parse_cidr(const char *s, struct cnp_cidr *c)
{
	char ip[INET_ADDRSTRLEN];
	const char *slash = strchr(s, '/');
	struct in_addr a;
	char *end;
	long len = 32;

	if (slash) {
		if ((size_t)(slash - s) >= sizeof(ip))
			return -EINVAL;
		snprintf(ip, sizeof(ip), "%.*s", (int)(slash - s), s);
		len = strtol(slash + 1, &end, 10);
		if (!slash[1] || *end || len < 0 || len > 32)
			return -EINVAL;
	} else {
		snprintf(ip, sizeof(ip), "%s", s);
	}
	if (inet_pton(AF_INET, ip, &a) != 1)
		return -EINVAL;
	c->len = (uint8_t)len;
	c->addr = a.s_addr & (len ? htonl(~0u << (32 - len)) : 0);
	return 0;
}

static int parse_cidrs(struct pctx *p, yaml_node_t *n, struct cnp_rule *r,
		       const char *what)
{
	yaml_node_t *v;
	int err;

	if ((err = want(p, n, YAML_SEQUENCE_NODE, what)))
		return err;
	for_each_item(p, n, v)
	{
		const char *s = scalar(v);

		if (r->ncidrs >= CNP_MAX_CIDRS)
			return fail(p, v, "more than %d CIDRs in %s",
				    CNP_MAX_CIDRS, what);
		if (!s || parse_cidr(s, &r->cidrs[r->ncidrs]))
			return fail(p, v,
				    "'%s' is not an IPv4 CIDR (a.b.c.d/len)",
				    s ? s : "?");
		r->ncidrs++;
	}
	return 0;
}

static int parse_port(struct pctx *p, yaml_node_t *n, struct cnp_rule *r)
{
	yaml_node_t *k, *v;
	const char *name, *s;
	bool have_port = false;
	struct cnp_port *pt;
	char *end;
	long port;
	int err;

	if (r->nports >= CNP_MAX_PORTS)
		return fail(p, n, "more than %d ports in a rule",
			    CNP_MAX_PORTS);
	if ((err = want(p, n, YAML_MAPPING_NODE, "a ports entry")))
		return err;
	pt = &r->ports[r->nports];
	for_each_pair(p, n, k, v)
	{
		if ((err = key_name(p, k, &name)))
			return err;
		s = scalar(v);
		if (!strcmp(name, "port")) {
			port = s ? strtol(s, &end, 10) : -1;
			if (!s || !*s || *end || port < 0 || port > 65535)
				return fail(
					p, v,
					"port '%s' must be a number 0-65535 (named ports are not supported)",
					s ? s : "?");
			pt->port = (uint16_t)port;
			have_port = true;
		} else if (!strcmp(name, "protocol")) {
			if (s && !strcmp(s, "TCP"))
				pt->proto = 6;
			else if (s && !strcmp(s, "UDP"))
				pt->proto = 17;
			else if (s && !strcmp(s, "ANY"))
				pt->proto = 0;
			else
				return fail(
					p, v,
					"protocol '%s': bpflab supports TCP, UDP, ANY",
					s ? s : "?");
		} else {
			return fail(
				p, k,
				"unsupported field '%s' in ports (bpflab supports port, protocol)",
				name);
		}
	}
	if (!have_port)
		return fail(p, n, "a ports entry needs 'port'");
	r->nports++;
	return 0;
}

static int parse_http(struct pctx *p, yaml_node_t *n, struct cnp_rule *r)
{
	yaml_node_t *item, *k, *v;
	const char *name, *s;
	int err;

	if ((err = want(p, n, YAML_SEQUENCE_NODE, "http")))
		return err;
	for_each_item(p, n, item)
	{
		struct cnp_http *h;

		if (r->nhttp >= CNP_MAX_HTTP)
			return fail(p, item, "more than %d http rules",
				    CNP_MAX_HTTP);
		if ((err = want(p, item, YAML_MAPPING_NODE, "an http rule")))
			return err;
		h = &r->http[r->nhttp++];
		for_each_pair(p, item, k, v)
		{
			if ((err = key_name(p, k, &name)))
				return err;
			s = scalar(v);
			if (!s)
				return fail(p, v, "'%s' must be a string",
					    name);
			if (!strcmp(name, "method") &&
			    strlen(s) < sizeof(h->method))
				snprintf(h->method, sizeof(h->method), "%s", s);
			else if (!strcmp(name, "path") &&
				 strlen(s) < sizeof(h->path))
				snprintf(h->path, sizeof(h->path), "%s", s);
			else if (!strcmp(name, "method") ||
				 !strcmp(name, "path"))
				return fail(p, v, "'%s' is too long", name);
			else
				return fail(
					p, k,
					"unsupported field '%s' in http (bpflab supports method, path)",
					name);
		}
	}
	return 0;
}

static int parse_to_ports(struct pctx *p, yaml_node_t *n, struct cnp_rule *r)
{
	yaml_node_t *item, *k, *v, *pv, *rk, *rv;
	const char *name;
	int err;

	if ((err = want(p, n, YAML_SEQUENCE_NODE, "toPorts")))
		return err;
	for_each_item(p, n, item)
	{
		if ((err = want(p, item, YAML_MAPPING_NODE, "a toPorts entry")))
			return err;
		for_each_pair(p, item, k, v)
		{
			if ((err = key_name(p, k, &name)))
				return err;
			if (!strcmp(name, "ports")) {
				if ((err = want(p, v, YAML_SEQUENCE_NODE,
						"ports")))
					return err;
				for_each_item(p, v, pv) if (
					(err = parse_port(p, pv,
							  r))) return err;
			} else if (!strcmp(name, "rules")) {
				if (r->deny)
					return fail(
						p, k,
						"L7 rules are not allowed in a deny rule");
				if ((err = want(p, v, YAML_MAPPING_NODE,
						"rules")))
					return err;
				for_each_pair(p, v, rk, rv)
				{
					if ((err = key_name(p, rk, &name)))
						return err;
					if (strcmp(name, "http") != 0)
						return fail(
							p, rk,
							"unsupported L7 rule type '%s' (bpflab supports http)",
							name);
					if ((err = parse_http(p, rv, r)))
						return err;
				}
			} else {
				return fail(
					p, k,
					"unsupported field '%s' in toPorts (bpflab supports ports, rules)",
					name);
			}
		}
	}
	return 0;
}

static const char *const unsupported_rule_fields[] = {
	"fromRequires", "toRequires",	  "fromCIDRSet", "toCIDRSet",
	"toServices",	"toFQDNs",	  "icmps",	 "toGroups",
	"fromGroups",	"authentication", "fromNodes",	 "toNodes",
};

static int parse_rule(struct pctx *p, yaml_node_t *n, struct cnp *pol,
		      uint8_t dir, bool deny, const char *section)
{
	const char *peers = dir == NP_INGRESS ? "fromEndpoints" : "toEndpoints";
	const char *ents = dir == NP_INGRESS ? "fromEntities" : "toEntities";
	const char *cidr = dir == NP_INGRESS ? "fromCIDR" : "toCIDR";
	yaml_node_t *k, *v;
	struct cnp_rule *r;
	const char *name;
	int err;

	if (pol->nrules >= CNP_MAX_RULES)
		return fail(p, n, "more than %d rules in one policy",
			    CNP_MAX_RULES);
	if ((err = want(p, n, YAML_MAPPING_NODE, "a rule")))
		return err;
	r = &pol->rules[pol->nrules++];
	r->dir = dir;
	r->deny = deny;
	r->line = (int)n->start_mark.line + 1;
	r->col = (int)n->start_mark.column + 1;
	for_each_pair(p, n, k, v)
	{
		if ((err = key_name(p, k, &name)))
			return err;
		if (!strcmp(name, peers))
			err = parse_peers(p, v, r, name);
		else if (!strcmp(name, ents))
			err = parse_entities(p, v, r, name);
		else if (!strcmp(name, cidr))
			err = parse_cidrs(p, v, r, name);
		else if (!strcmp(name, "toPorts"))
			err = parse_to_ports(p, v, r);
		else {
			for (size_t i = 0;
			     i < sizeof(unsupported_rule_fields) /
					 sizeof(unsupported_rule_fields[0]);
			     i++)
				if (!strcmp(name, unsupported_rule_fields[i]))
					return fail(
						p, k,
						"unsupported field '%s' in %s (bpflab supports %s, %s, %s, toPorts)",
						name, section, peers, ents,
						cidr);
			return fail(
				p, k,
				"unknown field '%s' in %s (expected %s, %s, %s or toPorts)",
				name, section, peers, ents, cidr);
		}
		if (err)
			return err;
	}
	/* toPorts alone applies to every peer, as in Cilium; {} allows nothing */
	if (!r->npeers && !r->entities && !r->ncidrs && r->nports)
		r->entities = CNP_ENT_ALL;
	return 0;
}

static int parse_spec(struct pctx *p, yaml_node_t *n, struct cnp *pol)
{
	static const struct {
		const char *name;
		uint8_t dir;
		bool deny;
	} sections[] = {
		{ "ingress", NP_INGRESS, false },
		{ "egress", NP_EGRESS, false },
		{ "ingressDeny", NP_INGRESS, true },
		{ "egressDeny", NP_EGRESS, true },
	};
	bool have_selector = false;
	yaml_node_t *k, *v, *item;
	const char *name;
	int err;

	if ((err = want(p, n, YAML_MAPPING_NODE, "spec")))
		return err;
	for_each_pair(p, n, k, v)
	{
		size_t i;

		if ((err = key_name(p, k, &name)))
			return err;
		if (!strcmp(name, "endpointSelector")) {
			err = parse_selector(p, v, &pol->subject, name);
			if (err)
				return err;
			have_selector = true;
			continue;
		}
		if (!strcmp(name, "description")) {
			if (!scalar(v))
				return fail(p, v,
					    "description must be a string");
			snprintf(pol->description, sizeof(pol->description),
				 "%s", scalar(v));
			continue;
		}
		for (i = 0; i < sizeof(sections) / sizeof(sections[0]); i++)
			if (!strcmp(name, sections[i].name))
				break;
		if (i == sizeof(sections) / sizeof(sections[0]))
			return fail(
				p, k,
				"unsupported field '%s' in spec (bpflab supports endpointSelector, description, ingress, egress, ingressDeny, egressDeny)",
				name);
		if ((err = want(p, v, YAML_SEQUENCE_NODE, name)))
			return err;
		pol->has_dir[sections[i].dir] = true;
		for_each_item(p, v, item)
		{
			err = parse_rule(p, item, pol, sections[i].dir,
					 sections[i].deny, name);
			if (err)
				return err;
		}
	}
	if (!have_selector)
		return fail(
			p, n,
			"spec needs endpointSelector (nodeSelector is not supported)");
	return 0;
}

static bool name_ok(const char *s)
{
	size_t n = strlen(s);

	if (!n || n >= CNP_NAME_MAX)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') ||
		      (s[i] >= '0' && s[i] <= '9') ||
		      ((s[i] == '-' || s[i] == '.') && i && i + 1 < n)))
			return false;
	return true;
}

static int parse_metadata(struct pctx *p, yaml_node_t *n, struct cnp *pol)
{
	yaml_node_t *k, *v;
	const char *name;
	int err;

	if ((err = want(p, n, YAML_MAPPING_NODE, "metadata")))
		return err;
	for_each_pair(p, n, k, v)
	{
		if ((err = key_name(p, k, &name)))
			return err;
		if (!strcmp(name, "name")) {
			if (!scalar(v) || !name_ok(scalar(v)))
				return fail(
					p, v,
					"metadata.name must be a DNS name ([a-z0-9.-], under %d characters)",
					CNP_NAME_MAX);
			snprintf(pol->name, sizeof(pol->name), "%s", scalar(v));
		} else if (!strcmp(name, "namespace")) {
			/* one host, one namespace: only "default" means the same thing */
			if (!scalar(v) || strcmp(scalar(v), "default") != 0)
				return fail(
					p, v,
					"metadata.namespace: bpflab has one namespace, \"default\"");
		} else {
			return fail(
				p, k,
				"unsupported field '%s' in metadata (bpflab supports name, namespace)",
				name);
		}
	}
	if (!pol->name[0])
		return fail(p, n, "metadata needs name");
	return 0;
}

static int parse_doc(struct pctx *p, yaml_node_t *root, struct cnp *pol)
{
	bool api = false, kind = false, spec = false, meta = false;
	yaml_node_t *k, *v;
	const char *name, *s;
	int err;

	if ((err = want(p, root, YAML_MAPPING_NODE, "a policy")))
		return err;
	for_each_pair(p, root, k, v)
	{
		if ((err = key_name(p, k, &name)))
			return err;
		s = scalar(v);
		if (!strcmp(name, "apiVersion")) {
			if (!s || strcmp(s, "cilium.io/v2") != 0)
				return fail(p, v,
					    "apiVersion must be cilium.io/v2");
			api = true;
		} else if (!strcmp(name, "kind")) {
			if (!s || strcmp(s, "CiliumNetworkPolicy") != 0)
				return fail(
					p, v,
					"kind '%s': bpflab supports CiliumNetworkPolicy",
					s ? s : "?");
			kind = true;
		} else if (!strcmp(name, "metadata")) {
			if ((err = parse_metadata(p, v, pol)))
				return err;
			meta = true;
		} else if (!strcmp(name, "spec")) {
			if ((err = parse_spec(p, v, pol)))
				return err;
			spec = true;
		} else {
			return fail(
				p, k,
				"unsupported field '%s' (bpflab supports apiVersion, kind, metadata, spec)",
				name);
		}
	}
	if (!api || !kind || !meta || !spec)
		return fail(p, root, "a policy needs %s",
			    !api  ? "apiVersion" :
			    !kind ? "kind" :
			    !meta ? "metadata" :
				    "spec");
	return 0;
}

int cnp_parse(const char *file, const char *buf, size_t len, struct cnp **out,
	      int *n, char *err, size_t errlen)
{
	struct pctx p = { .file = file, .err = err, .errlen = errlen };
	struct cnp *pols = calloc(CNP_MAX_POLICIES, sizeof(*pols));
	yaml_parser_t parser;
	yaml_document_t doc;
	int ret = 0, count = 0;

	if (!pols)
		return -ENOMEM;
	if (!yaml_parser_initialize(&parser)) {
		free(pols);
		return -ENOMEM;
	}
	yaml_parser_set_input_string(&parser, (const unsigned char *)buf, len);
	for (;;) {
		yaml_node_t *root;

		if (!yaml_parser_load(&parser, &doc)) {
			snprintf(err, errlen, "%s:%zu:%zu: %s", file,
				 parser.problem_mark.line + 1,
				 parser.problem_mark.column + 1,
				 parser.problem ? parser.problem :
						  "invalid YAML");
			ret = -EINVAL;
			break;
		}
		root = yaml_document_get_root_node(&doc);
		if (!root) { /* end of stream */
			yaml_document_delete(&doc);
			break;
		}
		p.doc = &doc;
		if (count >= CNP_MAX_POLICIES)
			ret = fail(&p, root,
				   "more than %d policies in one file",
				   CNP_MAX_POLICIES);
		else
			ret = parse_doc(&p, root, &pols[count]);
		for (int i = 0; !ret && i < count; i++)
			if (!strcmp(pols[i].name, pols[count].name))
				ret = fail(&p, root,
					   "policy '%s' appears twice",
					   pols[count].name);
		count++;
		yaml_document_delete(&doc);
		if (ret)
			break;
	}
	yaml_parser_delete(&parser);
	if (!ret && !count) {
		snprintf(err, errlen, "%s:1:1: no policy in the file", file);
		ret = -EINVAL;
	}
	if (ret) {
		free(pols);
		return ret;
	}
	*out = pols;
	*n = count;
	return 0;
}

int cnp_parse_file(const char *path, struct cnp **out, int *n, char *err,
		   size_t errlen)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = fopen(path, "r");
	int ret;

	if (!f) {
		ret = -errno;
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return ret;
	}
	buf = malloc(1 << 20);
	if (!buf) {
		fclose(f);
		return -ENOMEM;
	}
	len = fread(buf, 1, (1 << 20) - 1, f);
	fclose(f);
	buf[len] = '\0';
	ret = cnp_parse(path, buf, len, out, n, err, errlen);
	free(buf);
	return ret;
}
