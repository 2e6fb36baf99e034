// SPDX-License-Identifier: GPL-2.0
/*
 * Policies × endpoints → the policy map's contents. Every rule becomes one
 * key per (selected identity, peer identity, port/proto); duplicates merge
 * with the kernel's precedence (enforcing deny > audit deny > allow), so the
 * datapath needs one lookup per key shape, whatever the number of rules.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "abi/abi.h"
#include "netpol/netpol_priv.h"

static int push(struct np_table *t, const struct np_pol_key *k,
		const struct np_pol_val *v)
{
	if (t->n == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 1024;
		struct np_entry *e = realloc(t->e, cap * sizeof(*e));

		if (!e)
			return -ENOMEM;
		t->e = e;
		t->cap = cap;
	}
	t->e[t->n].k = *k;
	t->e[t->n].v = *v;
	t->n++;
	return 0;
}

static int push_sel(struct np_table *t, const struct np_sel_key *k,
		    const struct np_sel_val *v)
{
	for (size_t i = 0; i < t->ns; i++) {
		if (memcmp(&t->s[i].k, k, sizeof(*k)) != 0)
			continue;
		/* an enforcing policy outranks audit-only ones */
		if (!v->audit && t->s[i].v.audit)
			t->s[i].v = *v;
		return 0;
	}
	if (t->ns == t->caps) {
		size_t cap = t->caps ? t->caps * 2 : 256;
		struct np_sel_entry *s = realloc(t->s, cap * sizeof(*s));

		if (!s)
			return -ENOMEM;
		t->s = s;
		t->caps = cap;
	}
	t->s[t->ns].k = *k;
	t->s[t->ns].v = *v;
	t->ns++;
	return 0;
}

static int rank(const struct np_pol_val *v)
{
	if (v->action == NP_DENY)
		return v->audit ? 3 : 4;
	return v->audit ? 1 : 2;
}

static int cmp_entry(const void *a, const void *b)
{
	return memcmp(&((const struct np_entry *)a)->k,
		      &((const struct np_entry *)b)->k,
		      sizeof(struct np_pol_key));
}

static int cmp_sel(const void *a, const void *b)
{
	return memcmp(&((const struct np_sel_entry *)a)->k,
		      &((const struct np_sel_entry *)b)->k,
		      sizeof(struct np_sel_key));
}

static void sort_merge(struct np_table *t)
{
	size_t out = 0;

	qsort(t->e, t->n, sizeof(*t->e), cmp_entry);
	for (size_t i = 0; i < t->n; i++) {
		if (out &&
		    !memcmp(&t->e[out - 1].k, &t->e[i].k, sizeof(t->e[i].k))) {
			if (rank(&t->e[i].v) > rank(&t->e[out - 1].v))
				t->e[out - 1].v = t->e[i].v;
			continue;
		}
		t->e[out++] = t->e[i];
	}
	t->n = out;
	qsort(t->s, t->ns, sizeof(*t->s), cmp_sel);
}

/* Distinct identities of the endpoints whose labels match sel. */
static int match_ids(const struct netpol *np, const struct np_labels *sel,
		     uint32_t *ids, int max)
{
	int n = 0;

	for (int i = 0; i < np->neps; i++) {
		const struct netpol_endpoint *ep = &np->eps[i];
		bool dup = false;

		if (!np_labels_match(&ep->labels, sel))
			continue;
		for (int j = 0; j < n && !dup; j++)
			dup = ids[j] == ep->identity;
		if (!dup && n < max)
			ids[n++] = ep->identity;
	}
	return n;
}

static bool cidr_within(const struct cnp_cidr *inner,
			const struct cnp_cidr *outer)
{
	uint32_t mask = outer->len ? htonl(~0u << (32 - outer->len)) : 0;

	return inner->len >= outer->len && (inner->addr & mask) == outer->addr;
}

/* Peer identities of rule r; returns how many (into ids, sized max). */
static int rule_remotes(const struct netpol *np, const struct cnp_rule *r,
			uint32_t *ids, int max)
{
	int n = 0;

	for (int i = 0; i < r->npeers; i++)
		n += match_ids(np, &r->peers[i], ids + n, max - n);
	if ((r->entities & CNP_ENT_WORLD) && n < max)
		ids[n++] = NP_ID_WORLD;
	if ((r->entities & CNP_ENT_HOST) && n < max)
		ids[n++] = NP_ID_HOST;
	if ((r->entities & CNP_ENT_ALL) && n < max)
		ids[n++] = NP_ID_ANY;
	/* a CIDR matches its own identity and every narrower one inside it */
	for (int i = 0; i < r->ncidrs; i++)
		for (int c = 0; c < np->ncidrs && n < max; c++)
			if (cidr_within(&np->cidrs[c].c, &r->cidrs[i]))
				ids[n++] = NP_ID_CIDR_BASE + c;
	return n;
}

static int compile_rule(const struct netpol *np, const struct cnp_rule *r,
			uint32_t rule_id, bool audit, const uint32_t *subjects,
			int nsubj, uint32_t gen, struct np_table *t)
{
	int max = np->neps + np->ncidrs + 8, nrem, err = 0;
	uint32_t *remotes = calloc(max, sizeof(*remotes));
	struct np_pol_val v = {
		.rule_id = rule_id,
		.action = r->deny ? NP_DENY : NP_ALLOW,
		.audit = audit,
	};

	if (!remotes)
		return -ENOMEM;
	nrem = rule_remotes(np, r, remotes, max);
	for (int s = 0; s < nsubj && !err; s++) {
		for (int i = 0; i < nrem && !err; i++) {
			struct np_pol_key k = {
				.gen = gen,
				.local = subjects[s],
				.remote = remotes[i],
				.dir = r->dir,
			};

			if (!r->nports) {
				err = push(t, &k, &v);
				continue;
			}
			for (int p = 0; p < r->nports && !err; p++) {
				const struct cnp_port *pt = &r->ports[p];

				k.port = pt->port;
				k.proto = pt->port ? pt->proto : 0;
				if (k.port && !k.proto) { /* ANY: both */
					k.proto = 6;
					err = push(t, &k, &v);
					k.proto = 17;
				}
				if (!err)
					err = push(t, &k, &v);
			}
		}
	}
	free(remotes);
	return err;
}

int np_compile(const struct netpol *np, const struct netpol_policy *pols,
	       uint32_t gen, struct np_table *t)
{
	uint32_t *subjects = calloc(np->neps + 1, sizeof(*subjects));
	int err = 0;

	memset(t, 0, sizeof(*t));
	if (!subjects)
		return -ENOMEM;
	for (int slot = 0; slot < NETPOL_MAX_POLICIES && !err; slot++) {
		const struct netpol_policy *p = &pols[slot];
		uint32_t base = (uint32_t)(slot + 1) << 8;
		int nsubj;

		if (!p->used)
			continue;
		nsubj = match_ids(np, &p->cnp->subject, subjects, np->neps);
		for (int d = 0; d < 2 && !err; d++) {
			struct np_sel_val sv = { .rule_id = base,
						 .audit = p->audit };

			if (!p->cnp->has_dir[d])
				continue;
			for (int s = 0; s < nsubj && !err; s++) {
				struct np_sel_key sk = {
					.gen = gen,
					.identity = subjects[s],
					.dir = d,
				};

				err = push_sel(t, &sk, &sv);
			}
		}
		for (int i = 0; i < p->cnp->nrules && !err; i++)
			err = compile_rule(np, &p->cnp->rules[i],
					   base | (i + 1), p->audit, subjects,
					   nsubj, gen, t);
	}
	free(subjects);
	if (err) {
		np_table_free(t);
		return err;
	}
	sort_merge(t);
	return 0;
}

void np_table_free(struct np_table *t)
{
	free(t->e);
	free(t->s);
	memset(t, 0, sizeof(*t));
}

static const struct np_pol_val *lookup(const struct np_table *t,
				       const struct np_pol_key *k)
{
	struct np_entry key = { .k = *k }, *hit;

	hit = bsearch(&key, t->e, t->n, sizeof(*t->e), cmp_entry);
	return hit ? &hit->v : NULL;
}

/* Mirrors np_decide_dir() in netpol.bpf.h, lookup for lookup. */
static void decide_dir(const struct np_table *t, uint32_t gen, uint32_t local,
		       uint32_t remote, uint16_t port, uint8_t proto,
		       uint8_t dir, struct netpol_check *out)
{
	uint32_t remotes[3] = { remote, NP_ID_ANY, NP_ID_ANY };
	struct np_pol_val best = {};
	struct np_sel_entry sk = {
		.k = { .gen = gen, .identity = local, .dir = dir }
	};
	const struct np_sel_entry *sel;
	int nrem = 2;

	if (remote >= NP_ID_CIDR_BASE) {
		remotes[1] = NP_ID_WORLD;
		nrem = 3;
	}
	out->dir = dir;
	for (int i = 0; i < nrem; i++) {
		for (int any = 0; any < 2; any++) {
			struct np_pol_key k = {
				.gen = gen,
				.local = local,
				.remote = remotes[i],
				.port = any ? 0 : port,
				.proto = any ? 0 : proto,
				.dir = dir,
			};
			const struct np_pol_val *v = lookup(t, &k);

			if (!v)
				continue;
			if (v->action == NP_DENY && !v->audit) {
				out->rule_id = v->rule_id;
				out->verdict = BL_VERDICT_DROPPED;
				return;
			}
			if (!best.action ||
			    (v->action == NP_DENY && best.action != NP_DENY))
				best = *v;
		}
	}
	if (best.action) {
		out->rule_id = best.rule_id;
		out->verdict = best.action == NP_DENY ? BL_VERDICT_AUDIT :
							BL_VERDICT_FORWARDED;
		return;
	}
	sel = bsearch(&sk, t->s, t->ns, sizeof(*t->s), cmp_sel);
	out->rule_id = sel ? sel->v.rule_id : 0;
	out->verdict = !sel	    ? BL_VERDICT_FORWARDED :
		       sel->v.audit ? BL_VERDICT_AUDIT :
				      BL_VERDICT_DROPPED;
}

void np_table_decide(const struct np_table *t, uint32_t src_id, uint32_t dst_id,
		     uint16_t port, uint8_t proto, struct netpol_check *out)
{
	uint32_t gen = t->n ? t->e[0].k.gen : t->ns ? t->s[0].k.gen : 0;
	struct netpol_check in = {};

	out->src_id = src_id;
	out->dst_id = dst_id;
	decide_dir(t, gen, src_id, dst_id, port, proto, NP_EGRESS, out);
	if (out->verdict == BL_VERDICT_DROPPED)
		return;
	decide_dir(t, gen, dst_id, src_id, port, proto, NP_INGRESS, &in);
	if (in.verdict == BL_VERDICT_DROPPED ||
	    (in.verdict == BL_VERDICT_AUDIT &&
	     out->verdict == BL_VERDICT_FORWARDED) ||
	    (in.rule_id && !out->rule_id)) {
		out->rule_id = in.rule_id;
		out->verdict = in.verdict;
		out->dir = in.dir;
	}
}

int np_cidrs_register(struct netpol *np, const struct netpol_policy *pols)
{
	for (int c = 0; c < np->ncidrs; c++)
		np->cidrs[c].used = false;
	for (int s = 0; s < NETPOL_MAX_POLICIES; s++) {
		const struct cnp *p = pols[s].cnp;

		if (!pols[s].used)
			continue;
		for (int r = 0; r < p->nrules; r++) {
			for (int i = 0; i < p->rules[r].ncidrs; i++) {
				const struct cnp_cidr *want =
					&p->rules[r].cidrs[i];
				int c;

				for (c = 0; c < np->ncidrs; c++)
					if (np->cidrs[c].c.addr == want->addr &&
					    np->cidrs[c].c.len == want->len)
						break;
				if (c == np->ncidrs) {
					if (np->ncidrs >= NP_MAX_CIDR_IDS)
						return -ENOSPC;
					np->cidrs[np->ncidrs++].c = *want;
				}
				np->cidrs[c].used = true;
			}
		}
	}
	return 0;
}
