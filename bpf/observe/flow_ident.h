/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Who an address is, for a flow's source/destination: the network-policy
 * endpoint holding it (name, labels, numeric identity) when the engine's
 * netpol module is loaded in this process, else the sandbox whose state file
 * names it (bl_run_dir()/sandboxes), else the host (an address of one of our
 * interfaces, identity 1) or the world (identity 2), as Cilium reserves them.
 * Sandbox state and host addresses are re-read at most once a second.
 */
#ifndef BPFLAB_OBSERVE_FLOW_IDENT_H
#define BPFLAB_OBSERVE_FLOW_IDENT_H

#include <stdbool.h>
#include <stdint.h>

#define FLOW_PEER_NAME 64
#define FLOW_PEER_LABELS 16
#define FLOW_PEER_LABEL 136

struct flow_ident;

struct flow_peer {
	char name[FLOW_PEER_NAME]; /* sandbox / endpoint; "" for host, world */
	uint32_t identity; /* 0 when a sandbox has no policy identity */
	int n_labels;
	char labels[FLOW_PEER_LABELS][FLOW_PEER_LABEL]; /* "k8s:app=web" */
};

int flow_ident__new(struct flow_ident **out);
void flow_ident__free(struct flow_ident *fi);
/* ip in network order. */
void flow_ident__peer(struct flow_ident *fi, uint32_t ip,
		      struct flow_peer *out);
/* The sandbox owning cgroup id cgid (from the state files), or NULL. */
const char *flow_ident__sandbox_of_cgroup(struct flow_ident *fi, uint64_t cgid);

#endif
