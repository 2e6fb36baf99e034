// SPDX-License-Identifier: GPL-2.0
/* netpol state as JSON: list, explain (with the allow matrix). */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "abi/abi.h"
#include "netpol/netpol_priv.h"
#include "util/jw.h"

static const char *verdict_name(uint8_t v)
{
	switch (v) {
	case BL_VERDICT_FORWARDED:
		return "allowed";
	case BL_VERDICT_DROPPED:
		return "denied";
	case BL_VERDICT_AUDIT:
		return "audit";
	default:
		return "unknown";
	}
}

static void labels_obj(struct jw *w, const struct np_labels *ls)
{
	jw_obj_begin(w);
	for (int i = 0; i < ls->n; i++)
		jw_kstr(w, ls->l[i].key, ls->l[i].value);
	jw_obj_end(w);
}

static void ip_str(uint32_t ip, char *buf, size_t size)
{
	if (!ip)
		snprintf(buf, size, "%s", "");
	else
		inet_ntop(AF_INET, &ip, buf, size);
}

void netpol__render_list(const struct netpol *np, struct jw *w)
{
	char ip[INET_ADDRSTRLEN];

	jw_kuint(w, "generation", np->stats.gen);
	jw_kuint(w, "keys", np->stats.keys);
	jw_kuint(w, "default_deny_pairs", np->stats.selected);
	jw_kuint(w, "identities", np_idalloc__count(np->ids));
	jw_kdouble(w, "last_compile_ms", np->stats.compile_ns / 1e6);
	jw_kdouble(w, "last_load_ms", np->stats.load_ns / 1e6);
	jw_key(w, "policies");
	jw_arr_begin(w);
	for (int s = 0; s < NETPOL_MAX_POLICIES; s++) {
		const struct netpol_policy *p = &np->pols[s];

		if (!p->used)
			continue;
		jw_obj_begin(w);
		jw_kstr(w, "name", p->cnp->name);
		jw_kstr(w, "mode", p->audit ? "audit" : "enforce");
		jw_kstr(w, "file", p->file);
		jw_kint(w, "rules", p->cnp->nrules);
		jw_kstr(w, "description", p->cnp->description);
		jw_obj_end(w);
	}
	jw_arr_end(w);
	jw_key(w, "endpoints");
	jw_arr_begin(w);
	for (int i = 0; i < np->neps; i++) {
		const struct netpol_endpoint *ep = &np->eps[i];

		jw_obj_begin(w);
		jw_kstr(w, "name", ep->name);
		ip_str(ep->ip, ip, sizeof(ip));
		jw_kstr(w, "ip", ip);
		jw_kuint(w, "identity", ep->identity);
		jw_key(w, "labels");
		labels_obj(w, &ep->labels);
		jw_kstr(w, "netns", ep->netns);
		jw_kstr(w, "ifname", ep->ifname);
		jw_kstr(w, "cgroup", ep->cgroup);
		jw_obj_end(w);
	}
	jw_arr_end(w);
}

/* Ports a policy names (ANY shows as TCP); none: every port (0). */
static int policy_ports(const struct cnp *p, struct cnp_port *out, int max)
{
	int n = 0;

	for (int r = 0; r < p->nrules; r++)
		for (int i = 0; i < p->rules[r].nports; i++) {
			struct cnp_port pt = p->rules[r].ports[i];
			bool dup = false;

			if (!pt.proto)
				pt.proto = 6;
			for (int j = 0; j < n && !dup; j++)
				dup = out[j].port == pt.port &&
				      out[j].proto == pt.proto;
			if (!dup && n < max)
				out[n++] = pt;
		}
	if (!n) {
		out[0].port = 0;
		out[0].proto = 6;
		n = 1;
	}
	return n;
}

static void matrix_row(const struct netpol *np, const struct np_table *t,
		       const char *from, uint32_t from_id, const char *to,
		       uint32_t to_id, const struct cnp_port *pt, struct jw *w)
{
	struct netpol_check c = {};
	char why[1200];

	np_table_decide(t, from_id, to_id, pt->port, pt->proto, &c);
	jw_obj_begin(w);
	jw_kstr(w, "from", from);
	jw_kstr(w, "to", to);
	jw_kuint(w, "port", pt->port);
	jw_kstr(w, "protocol", cnp_proto_name(pt->proto));
	jw_kstr(w, "verdict", verdict_name(c.verdict));
	jw_kstr(w, "by",
		c.rule_id ? netpol__rule_str(np, c.rule_id, why, sizeof(why)) :
			    "no policy selects either end");
	jw_obj_end(w);
}

static void explain_one(const struct netpol *np, const struct np_table *t,
			const struct netpol_policy *p, struct jw *w)
{
	struct cnp_port ports[64];
	int nports = policy_ports(p->cnp, ports, 64), rows = 0;
	char buf[1024];

	jw_obj_begin(w);
	jw_kstr(w, "name", p->cnp->name);
	jw_kstr(w, "mode",
		p->audit ? "audit (would-be drops pass and are logged AUDIT)" :
			   "enforce");
	jw_key(w, "default_deny");
	jw_arr_begin(w);
	for (int d = 0; d < 2; d++)
		if (p->cnp->has_dir[d])
			jw_string(w, d == NP_INGRESS ? "ingress" : "egress");
	jw_arr_end(w);
	jw_key(w, "selects");
	jw_arr_begin(w);
	for (int i = 0; i < np->neps; i++)
		if (np_labels_match(&np->eps[i].labels, &p->cnp->subject))
			jw_string(w, np->eps[i].name);
	jw_arr_end(w);
	jw_key(w, "enforced_at");
	jw_arr_begin(w);
	jw_string(
		w,
		"tc ingress+egress of each selected or peer endpoint's link (every packet of a new connection)");
	jw_string(
		w,
		"cgroup connect4/sendmsg4 of endpoints registered with a cgroup (EPERM before any packet)");
	jw_arr_end(w);
	jw_key(w, "rules");
	jw_arr_begin(w);
	for (int r = 0; r < p->cnp->nrules; r++) {
		const struct cnp_rule *rule = &p->cnp->rules[r];

		jw_obj_begin(w);
		jw_kint(w, "line", rule->line);
		jw_kint(w, "col", rule->col);
		jw_kstr(w, "rule", cnp_rule_str(rule, buf, sizeof(buf)));
		if (rule->nhttp)
			jw_kstr(w, "note",
				"HTTP rules are visibility only: the L3/L4 part is enforced, requests are not filtered; the observe module's L7 flows show them");
		else if (!rule->npeers && !rule->entities && !rule->ncidrs)
			jw_kstr(w, "note",
				"an empty rule allows nothing: it only turns default deny on");
		jw_obj_end(w);
	}
	jw_arr_end(w);
	jw_key(w, "matrix");
	jw_arr_begin(w);
	for (int i = 0; i < np->neps && rows < 2000; i++) {
		const struct netpol_endpoint *e = &np->eps[i];

		if (!np_labels_match(&e->labels, &p->cnp->subject))
			continue;
		for (int j = 0; j <= np->neps && rows < 2000; j++) {
			const char *peer =
				j < np->neps ? np->eps[j].name : "world";
			uint32_t pid = j < np->neps ? np->eps[j].identity :
						      NP_ID_WORLD;

			if (j == i)
				continue;
			for (int k = 0; k < nports; k++, rows++) {
				if (p->cnp->has_dir[NP_INGRESS])
					matrix_row(np, t, peer, pid, e->name,
						   e->identity, &ports[k], w);
				if (p->cnp->has_dir[NP_EGRESS])
					matrix_row(np, t, e->name, e->identity,
						   peer, pid, &ports[k], w);
			}
		}
	}
	jw_arr_end(w);
	jw_obj_end(w);
}

int netpol__explain(struct netpol *np, const struct cnp *pols, int n,
		    bool audit, struct jw *w)
{
	struct netpol_policy *cand = calloc(NETPOL_MAX_POLICIES, sizeof(*cand));
	struct netpol_policy saved[NETPOL_MAX_POLICIES];
	struct np_table t = {};
	int err = 0;

	if (!cand)
		return -ENOMEM;
	memcpy(cand, np->pols, sizeof(np->pols));
	for (int i = 0; i < n; i++) {
		int slot = -1;

		for (int s = 0; s < NETPOL_MAX_POLICIES && slot < 0; s++)
			if (cand[s].used &&
			    !strcmp(cand[s].cnp->name, pols[i].name))
				slot = s;
		for (int s = 0; s < NETPOL_MAX_POLICIES && slot < 0; s++)
			if (!cand[s].used)
				slot = s;
		if (slot < 0) {
			err = -ENOSPC;
			goto out;
		}
		cand[slot].used = true;
		cand[slot].audit = audit;
		cand[slot].cnp = (struct cnp *)&pols[i];
	}
	err = np_cidrs_register(np, cand);
	if (!err)
		err = np_compile(np, cand, 0, &t);
	np_cidrs_register(np, np->pols);
	if (err)
		goto out;
	/* rule names resolve against the candidate set while we render */
	memcpy(saved, np->pols, sizeof(saved));
	memcpy(np->pols, cand, sizeof(saved));
	jw_key(w, "policies");
	jw_arr_begin(w);
	for (int i = 0; i < n; i++)
		for (int s = 0; s < NETPOL_MAX_POLICIES; s++)
			if (cand[s].used && cand[s].cnp == &pols[i])
				explain_one(np, &t, &cand[s], w);
	jw_arr_end(w);
	memcpy(np->pols, saved, sizeof(saved));
	np_table_free(&t);
out:
	free(cand);
	return err;
}
