/* SPDX-License-Identifier: GPL-2.0 */
/* Inside netpol: the object, the compiled table, the tc attachments. */
#ifndef BPFLAB_NETPOL_PRIV_H
#define BPFLAB_NETPOL_PRIV_H

#include "netpol/netpol.h"

#define NP_MAX_CIDR_IDS 1024

struct netpol_policy {
	bool used;
	bool audit; /* applied with --mode audit */
	char file[256]; /* where it came from */
	struct cnp *cnp; /* owned */
};

struct np_cidr_ent {
	struct cnp_cidr c;
	bool used; /* some policy names it (after the last commit) */
	bool in_map; /* its ipcache entry exists */
};

/* One policy-map entry / one default-deny entry, as compiled. */
struct np_entry {
	struct np_pol_key k;
	struct np_pol_val v;
};

struct np_sel_entry {
	struct np_sel_key k;
	struct np_sel_val v;
};

struct np_table {
	struct np_entry *e;
	size_t n, cap;
	struct np_sel_entry *s;
	size_t ns, caps;
};

struct netpol {
	struct netpol_bpf *skel;
	struct np_idalloc *ids;
	struct netpol_endpoint *eps;
	int neps, cap_eps;
	struct netpol_policy pols[NETPOL_MAX_POLICIES]; /* slot = index + 1 */
	struct np_cidr_ent
		cidrs[NP_MAX_CIDR_IDS]; /* id = NP_ID_CIDR_BASE + index */
	int ncidrs;
	struct np_table live; /* what the maps hold under stats.gen */
	struct netpol_stats stats;
	const char *cgroup_root;
	int cgroup_fd;
	struct bpf_link *links[2]; /* connect4, sendmsg4 */
};

/* Compile every used policy of np for the endpoints of np under gen. */
int np_compile(const struct netpol *np, const struct netpol_policy *pols,
	       uint32_t gen, struct np_table *t);
void np_table_free(struct np_table *t);
/* The kernel's np_decide(), over a compiled table (explain's matrix). */
void np_table_decide(const struct np_table *t, uint32_t src_id, uint32_t dst_id,
		     uint16_t port, uint8_t proto, struct netpol_check *out);
/* Make sure every CIDR the policies name has an identity (np->cidrs). */
int np_cidrs_register(struct netpol *np, const struct netpol_policy *pols);

int np_tc_attach(struct netpol *np, struct netpol_endpoint *ep);
void np_tc_detach(struct netpol *np, struct netpol_endpoint *ep);

#endif
