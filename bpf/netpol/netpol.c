// SPDX-License-Identifier: GPL-2.0
/*
 * netpol's control plane: endpoints → identities → ipcache, policies →
 * policy map under a generation, and the flip that makes an apply atomic.
 */
#include <arpa/inet.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "abi/abi.h"
#include "netpol/netpol_priv.h"
#include "skel/netpol.skel.h"
#include "engine/reload.h"
#include "util/log.h"
#include "util/util.h"

int netpol__open(struct netpol **out, const struct netpol_opts *opts)
{
	struct netpol *np = calloc(1, sizeof(*np));
	int err;

	if (!np)
		return -ENOMEM;
	np->cgroup_fd = -1;
	np->cgroup_root = opts ? opts->cgroup_root : NULL;
	err = np_idalloc__new(&np->ids);
	if (err)
		goto fail;
	np->skel = netpol_bpf__open();
	if (!np->skel) {
		err = -errno;
		pr_err("netpol: opening the BPF object failed: %s\n",
		       strerror(-err));
		goto fail;
	}
	np->skel->rodata->np_log_drops_only = opts && opts->log_drops_only;
	err = netpol_bpf__load(np->skel);
	if (err) {
		pr_err("netpol: loading the policy programs failed: %s\n",
		       strerror(-err));
		goto fail;
	}
	reload_track(np->skel->skeleton);
	*out = np;
	return 0;
fail:
	netpol__close(np);
	return err;
}

void netpol__close(struct netpol *np)
{
	if (!np)
		return;
	for (int i = 0; i < np->neps; i++)
		np_tc_detach(np, &np->eps[i]);
	for (int i = 0; i < 2; i++)
		bpf_link__destroy(np->links[i]);
	if (np->cgroup_fd >= 0)
		close(np->cgroup_fd);
	if (np->skel)
		reload_untrack(np->skel->obj);
	netpol_bpf__destroy(np->skel);
	for (int i = 0; i < NETPOL_MAX_POLICIES; i++)
		free(np->pols[i].cnp);
	np_table_free(&np->live);
	np_idalloc__free(np->ids);
	free(np->eps);
	free(np);
}

int netpol__rb_fd(const struct netpol *np)
{
	return bpf_map__fd(np->skel->maps.np_rb);
}

int netpol__stats_fd(const struct netpol *np)
{
	return bpf_map__fd(np->skel->maps.np_stats);
}

int netpol__check_prog_fd(const struct netpol *np)
{
	return bpf_program__fd(np->skel->progs.bl_np_check);
}

int netpol__tc_prog_fd(const struct netpol *np, bool ingress)
{
	return bpf_program__fd(ingress ? np->skel->progs.bl_np_tc_in :
					 np->skel->progs.bl_np_tc_eg);
}

struct netpol_stats netpol__stats(const struct netpol *np)
{
	return np->stats;
}

/* ---- generations ---------------------------------------------------------- */

static int ipcache_set(struct netpol *np, uint32_t addr, uint32_t len,
		       uint32_t id)
{
	struct np_lpm_key k = { .prefixlen = len, .addr = addr };
	struct np_ipc_val v = { .identity = id };

	return bpf_map__update_elem(np->skel->maps.np_ipcache, &k, sizeof(k),
				    &v, sizeof(v), BPF_ANY);
}

static void ipcache_del(struct netpol *np, uint32_t addr, uint32_t len)
{
	struct np_lpm_key k = { .prefixlen = len, .addr = addr };

	bpf_map__delete_elem(np->skel->maps.np_ipcache, &k, sizeof(k), 0);
}

static void table_delete(struct netpol *np, const struct np_table *t)
{
	for (size_t i = 0; i < t->n; i++)
		bpf_map__delete_elem(np->skel->maps.np_policy, &t->e[i].k,
				     sizeof(t->e[i].k), 0);
	for (size_t i = 0; i < t->ns; i++)
		bpf_map__delete_elem(np->skel->maps.np_selected, &t->s[i].k,
				     sizeof(t->s[i].k), 0);
}

static int table_write(struct netpol *np, const struct np_table *t)
{
	int err = 0;

	for (size_t i = 0; i < t->ns && !err; i++)
		err = bpf_map__update_elem(np->skel->maps.np_selected,
					   &t->s[i].k, sizeof(t->s[i].k),
					   &t->s[i].v, sizeof(t->s[i].v),
					   BPF_ANY);
	for (size_t i = 0; i < t->n && !err; i++)
		err = bpf_map__update_elem(np->skel->maps.np_policy, &t->e[i].k,
					   sizeof(t->e[i].k), &t->e[i].v,
					   sizeof(t->e[i].v), BPF_ANY);
	return err;
}

/*
 * Make pols the policy set in force: write the next generation beside the
 * current one, flip, then drop the old one. Before the flip any failure
 * removes what was written, so nothing changes.
 */
static int commit(struct netpol *np, const struct netpol_policy *pols)
{
	uint32_t gen = np->stats.gen + 1, zero = 0;
	struct np_config cfg = { .gen = gen };
	uint64_t t0 = now_mono_ns(), t1;
	struct np_table t;
	int err;

	err = np_cidrs_register(np, pols);
	if (err)
		return err;
	err = np_compile(np, pols, gen, &t);
	if (err)
		return err;
	t1 = now_mono_ns();
	for (int c = 0; c < np->ncidrs && !err; c++) {
		struct np_cidr_ent *ce = &np->cidrs[c];

		if (ce->used && !ce->in_map) {
			err = ipcache_set(np, ce->c.addr, ce->c.len,
					  NP_ID_CIDR_BASE + c);
			ce->in_map = !err;
		}
	}
	if (!err)
		err = table_write(np, &t);
	if (!err)
		err = bpf_map__update_elem(np->skel->maps.np_config, &zero,
					   sizeof(zero), &cfg, sizeof(cfg),
					   BPF_ANY);
	if (err) {
		table_delete(np, &t);
		np_table_free(&t);
		pr_err("netpol: writing policy generation %u failed: %s\n", gen,
		       strerror(-err));
		return err;
	}
	/* the flip is done: the old generation is unreachable */
	table_delete(np, &np->live);
	np_table_free(&np->live);
	for (int c = 0; c < np->ncidrs; c++) {
		struct np_cidr_ent *ce = &np->cidrs[c];

		if (!ce->used && ce->in_map) {
			ipcache_del(np, ce->c.addr, ce->c.len);
			ce->in_map = false;
		}
	}
	np->live = t;
	np->stats.gen = gen;
	np->stats.keys = t.n;
	np->stats.selected = t.ns;
	np->stats.compile_ns = t1 - t0;
	np->stats.load_ns = now_mono_ns() - t1;
	pr_debug("netpol: generation %u: %zu keys, %zu default-deny pairs\n",
		 gen, t.n, t.ns);
	return 0;
}

/* ---- endpoints ------------------------------------------------------------- */

static int find_ep(const struct netpol *np, const char *name)
{
	for (int i = 0; i < np->neps; i++)
		if (!strcmp(np->eps[i].name, name))
			return i;
	return -1;
}

const struct netpol_endpoint *netpol__endpoint(const struct netpol *np,
					       const char *name)
{
	int i = find_ep(np, name);

	return i < 0 ? NULL : &np->eps[i];
}

const struct netpol_endpoint *netpol__endpoint_by_ip(const struct netpol *np,
						     uint32_t ip)
{
	for (int i = 0; i < np->neps; i++)
		if (ip && np->eps[i].ip == ip)
			return &np->eps[i];
	return NULL;
}

/*
 * The socket hooks go on the cgroup root when the first endpoint with a
 * cgroup appears, not at load: cgroup programs run in attach order, and
 * this way they come after the socket-LB's, so a VIP is already a backend
 * address when the policy looks at it.
 */
static int attach_cgroup_hooks(struct netpol *np)
{
	struct bpf_program *progs[2] = { np->skel->progs.bl_np_conn4,
					 np->skel->progs.bl_np_send4 };

	if (np->links[0] || !np->cgroup_root)
		return 0;
	np->cgroup_fd =
		open(np->cgroup_root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (np->cgroup_fd < 0) {
		pr_err("netpol: cgroup %s: %s\n", np->cgroup_root,
		       strerror(errno));
		return -errno;
	}
	/* links die with this process: nothing outlives the engine */
	for (int i = 0; i < 2; i++) {
		np->links[i] =
			bpf_program__attach_cgroup(progs[i], np->cgroup_fd);
		if (!np->links[i]) {
			int err = -errno;

			pr_err("netpol: attaching %s to %s: %s\n",
			       bpf_program__name(progs[i]), np->cgroup_root,
			       strerror(-err));
			bpf_link__destroy(np->links[0]);
			np->links[0] = NULL;
			return err;
		}
	}
	return 0;
}

static void ep_unplug(struct netpol *np, struct netpol_endpoint *ep)
{
	if (ep->ip)
		ipcache_del(np, ep->ip, 32);
	if (ep->cgroup_id)
		bpf_map__delete_elem(np->skel->maps.np_cgroup, &ep->cgroup_id,
				     sizeof(ep->cgroup_id), 0);
	np_tc_detach(np, ep);
	np_idalloc__put(np->ids, ep->identity);
}

static int ep_set(struct netpol *np, const struct netpol_endpoint *in,
		  char *err, size_t errlen)
{
	struct netpol_endpoint nw = *in, *slot;
	int i = find_ep(np, in->name), ret;
	struct stat st;

	if (!in->name[0]) {
		snprintf(err, errlen, "an endpoint needs a name");
		return -EINVAL;
	}
	nw.tc_seq = 0;
	nw.cgroup_id = 0;
	if (nw.cgroup[0]) {
		if (stat(nw.cgroup, &st) || !S_ISDIR(st.st_mode)) {
			snprintf(err, errlen, "endpoint %s: cgroup %s: %s",
				 nw.name, nw.cgroup,
				 strerror(errno ? errno : ENOTDIR));
			return -ENOENT;
		}
		nw.cgroup_id = st.st_ino; /* cgroup v2 id == inode of its dir */
		ret = attach_cgroup_hooks(np);
		if (ret) {
			snprintf(err, errlen, "attaching connect4/sendmsg4: %s",
				 strerror(-ret));
			return ret;
		}
	}
	np_labels_sort(&nw.labels);
	ret = np_idalloc__get(np->ids, &nw.labels, &nw.identity);
	if (ret) {
		snprintf(err, errlen, "no identity for %s: %s", nw.name,
			 strerror(-ret));
		return ret;
	}
	if (i >= 0) {
		struct netpol_endpoint *old = &np->eps[i];

		/* the same link keeps its tc attachment across a readdress */
		if (!strcmp(old->ifname, nw.ifname) &&
		    !strcmp(old->netns, nw.netns)) {
			nw.tc_seq = old->tc_seq;
			old->tc_seq = 0;
		}
		ep_unplug(np, old);
		slot = old;
	} else {
		if (np->neps == np->cap_eps) {
			int cap = np->cap_eps ? np->cap_eps * 2 : 64;
			struct netpol_endpoint *v =
				realloc(np->eps, cap * sizeof(*v));

			if (!v) {
				np_idalloc__put(np->ids, nw.identity);
				return -ENOMEM;
			}
			np->eps = v;
			np->cap_eps = cap;
		}
		slot = &np->eps[np->neps++];
	}
	*slot = nw;
	ret = slot->ip ? ipcache_set(np, slot->ip, 32, slot->identity) : 0;
	if (!ret && slot->cgroup_id)
		ret = bpf_map__update_elem(
			np->skel->maps.np_cgroup, &slot->cgroup_id,
			sizeof(slot->cgroup_id), &slot->identity,
			sizeof(slot->identity), BPF_ANY);
	/* a kept attachment is renewed: the link may be a new one */
	if (!ret && slot->ifname[0])
		ret = np_tc_attach(np, slot);
	if (ret)
		snprintf(err, errlen, "endpoint %s: %s", slot->name,
			 strerror(-ret));
	return ret;
}

int netpol__endpoints_set(struct netpol *np, const struct netpol_endpoint *eps,
			  int n, char *err, size_t errlen)
{
	int ret = 0;

	for (int i = 0; i < n && !ret; i++)
		ret = ep_set(np, &eps[i], err, errlen);
	/* identities may have come or gone: recompile against them */
	if (!ret)
		ret = commit(np, np->pols);
	if (ret && !err[0])
		snprintf(err, errlen, "policy update: %s", strerror(-ret));
	return ret;
}

int netpol__endpoint_set(struct netpol *np, const struct netpol_endpoint *ep,
			 char *err, size_t errlen)
{
	return netpol__endpoints_set(np, ep, 1, err, errlen);
}

int netpol__endpoint_del(struct netpol *np, const char *name)
{
	int i = find_ep(np, name);

	if (i < 0)
		return -ENOENT;
	ep_unplug(np, &np->eps[i]);
	np->eps[i] = np->eps[--np->neps];
	return commit(np, np->pols);
}

/* ---- policies ------------------------------------------------------------------ */

static int find_policy(const struct netpol_policy *pols, const char *name)
{
	for (int i = 0; i < NETPOL_MAX_POLICIES; i++)
		if (pols[i].used && !strcmp(pols[i].cnp->name, name))
			return i;
	return -1;
}

/* cand = current set with pols added or replacing by name; copies owned by cand. */
static int stage(const struct netpol *np, const struct cnp *pols, int n,
		 bool audit, const char *file, struct netpol_policy *cand,
		 bool *fresh)
{
	memcpy(cand, np->pols, sizeof(np->pols));
	memset(fresh, 0, NETPOL_MAX_POLICIES * sizeof(*fresh));
	for (int i = 0; i < n; i++) {
		int slot = find_policy(cand, pols[i].name);

		for (int s = 0; slot < 0 && s < NETPOL_MAX_POLICIES; s++)
			if (!cand[s].used)
				slot = s;
		if (slot < 0)
			return -ENOSPC;
		if (fresh[slot])
			free(cand[slot].cnp);
		cand[slot].cnp = malloc(sizeof(struct cnp));
		if (!cand[slot].cnp)
			return -ENOMEM;
		*cand[slot].cnp = pols[i];
		cand[slot].used = true;
		cand[slot].audit = audit;
		snprintf(cand[slot].file, sizeof(cand[slot].file), "%s",
			 file ? file : "");
		fresh[slot] = true;
	}
	return 0;
}

static void unstage(struct netpol_policy *cand, const bool *fresh)
{
	for (int s = 0; s < NETPOL_MAX_POLICIES; s++)
		if (fresh[s])
			free(cand[s].cnp);
}

int netpol__apply(struct netpol *np, const struct cnp *pols, int n, bool audit,
		  const char *file, char *err, size_t errlen)
{
	struct netpol_policy *cand = malloc(sizeof(np->pols));
	bool fresh[NETPOL_MAX_POLICIES];
	int ret;

	if (!cand)
		return -ENOMEM;
	ret = stage(np, pols, n, audit, file, cand, fresh);
	if (ret == -ENOSPC)
		snprintf(err, errlen, "more than %d policies",
			 NETPOL_MAX_POLICIES);
	if (!ret) {
		ret = commit(np, cand);
		if (ret)
			snprintf(err, errlen,
				 "policy maps: %s (nothing changed)",
				 strerror(-ret));
	}
	if (ret) {
		unstage(cand, fresh);
		goto out;
	}
	for (int s = 0; s < NETPOL_MAX_POLICIES; s++)
		if (fresh[s] && np->pols[s].used)
			free(np->pols[s].cnp); /* replaced */
	memcpy(np->pols, cand, sizeof(np->pols));
out:
	free(cand);
	return ret;
}

int netpol__delete(struct netpol *np, const char *name)
{
	struct netpol_policy *cand;
	int slot = find_policy(np->pols, name), ret;

	if (slot < 0)
		return -ENOENT;
	cand = malloc(sizeof(np->pols));
	if (!cand)
		return -ENOMEM;
	memcpy(cand, np->pols, sizeof(np->pols));
	cand[slot].used = false;
	ret = commit(np, cand);
	if (!ret) {
		free(np->pols[slot].cnp);
		memset(&np->pols[slot], 0, sizeof(np->pols[slot]));
	}
	free(cand);
	return ret;
}

/* ---- questions ------------------------------------------------------------------- */

const char *netpol__rule_policy(const struct netpol *np, uint32_t rule_id)
{
	uint32_t slot = rule_id >> 8;

	if (!slot || slot > NETPOL_MAX_POLICIES || !np->pols[slot - 1].used)
		return NULL;
	return np->pols[slot - 1].cnp->name;
}

char *netpol__rule_str(const struct netpol *np, uint32_t rule_id, char *buf,
		       size_t size)
{
	const char *name = netpol__rule_policy(np, rule_id);
	const struct cnp *p;
	uint32_t idx = rule_id & 0xff;
	char rule[1024];

	buf[0] = '\0';
	if (!name)
		return buf;
	p = np->pols[(rule_id >> 8) - 1].cnp;
	if (!idx || idx > (uint32_t)p->nrules)
		snprintf(
			buf, size,
			"%s: default deny (the policy selects this endpoint and no rule allows it)",
			name);
	else
		snprintf(buf, size, "%s: rule at line %d: %s", name,
			 p->rules[idx - 1].line,
			 cnp_rule_str(&p->rules[idx - 1], rule, sizeof(rule)));
	return buf;
}

const struct np_labels *netpol__identity_labels(const struct netpol *np,
						uint32_t id)
{
	return np_idalloc__labels(np->ids, id);
}

/* Ethernet + IPv4 + TCP SYN, as a client's first packet. */
struct np_pkt {
	uint8_t eth[14];
	uint8_t ip[20];
	uint8_t tcp[20];
} __attribute__((packed));

int netpol__check(struct netpol *np, uint32_t src_ip, uint32_t dst_ip,
		  uint16_t port, uint8_t proto, struct netpol_check *out)
{
	struct np_pkt pkt = {};
	struct np_decision d = {};
	uint32_t zero = 0;
	uint16_t sport = htons(40000), dport = htons(port);
	int err;
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = &pkt,
		    .data_size_in = sizeof(pkt), .repeat = 1);

	pkt.eth[12] = 0x08; /* ETH_P_IP */
	pkt.ip[0] = 0x45;
	pkt.ip[3] = sizeof(pkt.ip) + sizeof(pkt.tcp);
	pkt.ip[8] = 64;
	pkt.ip[9] = proto;
	memcpy(&pkt.ip[12], &src_ip, 4);
	memcpy(&pkt.ip[16], &dst_ip, 4);
	memcpy(&pkt.tcp[0], &sport,
	       2); /* UDP's ports sit at the same offsets */
	memcpy(&pkt.tcp[2], &dport, 2);
	pkt.tcp[12] = 0x50;
	pkt.tcp[13] = BL_TCP_SYN;
	err = bpf_prog_test_run_opts(netpol__check_prog_fd(np), &opts);
	if (err)
		return -errno;
	err = bpf_map__lookup_elem(np->skel->maps.np_last, &zero, sizeof(zero),
				   &d, sizeof(d), 0);
	if (err)
		return err;
	out->src_id = d.src_id;
	out->dst_id = d.dst_id;
	out->rule_id = d.rule_id;
	out->verdict = d.verdict;
	out->dir = d.dir;
	return 0;
}
