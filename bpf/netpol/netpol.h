/* SPDX-License-Identifier: GPL-2.0 */
/*
 * netpol: CiliumNetworkPolicy by identity, enforced in the kernel.
 *
 * Endpoints. An endpoint is a name, a label set, an IPv4 address and, when
 * it has them, the link its traffic crosses (tc ingress+egress go there)
 * and its cgroup (connect4/sendmsg4 decide there, before any packet). The
 * lab (or anything else) declares endpoints to the running engine with the
 * socket request
 *
 *   {"op":"netpol.endpoint","name":"web","labels":{"app":"web"},
 *    "ip":"198.18.0.2","netns":"bl-np-core","ifname":"bl-np-web-h",
 *    "cgroup":"/sys/fs/cgroup/unified/bpflab/web"}
 *
 * (every field but name optional; sending it again with another "ip" is a
 * readdress: same labels, same identity, so the policy follows with no
 * re-apply), {"op":"netpol.endpoint","endpoints":[{...},...]} for many at
 * once, and {"op":"netpol.endpoint_rm","name":"web"}. `bpflab netpol
 * endpoint add|rm` sends the same requests.
 *
 * Without any request, the engine also follows the lab's sandbox state files
 * (bl_run_dir()/sandboxes/NAME.json, once a second): a sandbox with an "ip"
 * is an endpoint named after it, with its user labels and its cgroup (so
 * connect4/sendmsg4 enforce for it); a new "ip" is a readdress; a removed
 * file removes the endpoint. An explicit netpol.endpoint of the same name
 * takes precedence (it can add the link for tc).
 *
 * Policies. netpol__apply() compiles every policy against every endpoint
 * into (local identity, remote identity, port, proto, direction) keys under
 * the next generation, then flips the generation (one array write), then
 * deletes the previous generation's keys: a packet sees the old policy set
 * or the new one, never half of each. A failure before the flip removes
 * what it wrote and changes nothing.
 */
#ifndef BPFLAB_NETPOL_H
#define BPFLAB_NETPOL_H

#include <net/if.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "netpol/cnp.h"
#include "netpol/identity.h"
#include "netpol/netpol_maps.h"

#define NETPOL_MAX_POLICIES 128
#define NETPOL_EP_NAME 64

struct netpol;
struct jw;

struct netpol_endpoint {
	char name[NETPOL_EP_NAME];
	struct np_labels labels;
	uint32_t ip; /* network order; 0: no address (yet) */
	char netns[64]; /* netns holding ifname; "" = the host */
	char ifname[IF_NAMESIZE]; /* "" = no tc enforcement */
	char cgroup[256]; /* cgroup v2 dir; "" = no socket-hook enforcement */
	/* filled in by netpol */
	uint64_t cgroup_id;
	uint32_t identity;
	int tc_seq; /* journal entry of the tc attachment, 0 = none */
	bool from_sandbox; /* declared by the sandbox-state watcher */
};

struct netpol_opts {
	const char *
		cgroup_root; /* where connect4/sendmsg4 attach; NULL: not at all */
	bool log_drops_only; /* the ring buffer carries only drops and audits */
};

/* What the last commit did (list/apply replies, the scale test). */
struct netpol_stats {
	uint32_t gen;
	size_t keys; /* policy-map entries in force */
	size_t selected; /* (endpoint, direction) pairs in default deny */
	uint64_t compile_ns,
		load_ns; /* build the contents, write them + flip */
};

int netpol__open(struct netpol **out, const struct netpol_opts *opts);
void netpol__close(struct netpol *np);

/* Add or update (readdress, relabel, move) an endpoint. */
int netpol__endpoint_set(struct netpol *np, const struct netpol_endpoint *ep,
			 char *err, size_t errlen);
/* Many at once, with one policy commit at the end. */
int netpol__endpoints_set(struct netpol *np, const struct netpol_endpoint *eps,
			  int n, char *err, size_t errlen);
int netpol__endpoint_del(struct netpol *np, const char *name);
const struct netpol_endpoint *netpol__endpoint(const struct netpol *np,
					       const char *name);
const struct netpol_endpoint *netpol__endpoint_by_ip(const struct netpol *np,
						     uint32_t ip);

/* Install (or replace, by name) these policies atomically. */
int netpol__apply(struct netpol *np, const struct cnp *pols, int n, bool audit,
		  const char *file, char *err, size_t errlen);
/* -ENOENT if no such policy. */
int netpol__delete(struct netpol *np, const char *name);

struct netpol_check {
	uint32_t src_id, dst_id;
	uint32_t rule_id;
	uint8_t verdict; /* enum bl_verdict */
	uint8_t dir; /* enum np_dir of the deciding side */
};
/* The kernel's decision for src → dst:port/proto (BPF_PROG_TEST_RUN, no packet sent). */
int netpol__check(struct netpol *np, uint32_t src_ip, uint32_t dst_ip,
		  uint16_t port, uint8_t proto, struct netpol_check *out);

/* "policy: egress[1] allow toEndpoints(app=web) ports 80/TCP"; "" for 0. */
char *netpol__rule_str(const struct netpol *np, uint32_t rule_id, char *buf,
		       size_t size);
/* Name of the policy behind a rule id, NULL if none. */
const char *netpol__rule_policy(const struct netpol *np, uint32_t rule_id);
const struct np_labels *netpol__identity_labels(const struct netpol *np,
						uint32_t id);

void netpol__render_list(const struct netpol *np, struct jw *w);
/* Which endpoints pols select, their rules, and the allow matrix. */
int netpol__explain(struct netpol *np, const struct cnp *pols, int n,
		    bool audit, struct jw *w);
struct netpol_stats netpol__stats(const struct netpol *np);
/* Bring sandbox endpoints in line with the sandbox state files (see above). */
void netpol__sync_sandboxes(struct netpol *np);

/* The engine's netpol module's table (names flows in observe); NULL when
 * the module is not loaded in this process. */
const struct netpol *netpol_module_current(void);

int netpol__rb_fd(const struct netpol *np);
int netpol__stats_fd(const struct netpol *np);
int netpol__check_prog_fd(const struct netpol *np);
int netpol__tc_prog_fd(const struct netpol *np, bool ingress);

#endif
