/* SPDX-License-Identifier: GPL-2.0 */
/*
 * CiliumNetworkPolicy (cilium.io/v2), the subset bpflab enforces:
 *   metadata.name; spec.endpointSelector.matchLabels; spec.description;
 *   ingress / ingressDeny: fromEndpoints, fromEntities, fromCIDR, toPorts;
 *   egress / egressDeny: toEndpoints, toEntities, toCIDR, toPorts;
 *   toPorts[].ports[] {port, protocol: TCP|UDP|ANY};
 *   toPorts[].rules.http[] {method, path} (allow rules only; visibility).
 * Entities: world, host, all. Several documents (---) in one file are
 * several policies. Any other field is an error naming it, at file:line:col.
 */
#ifndef BPFLAB_NETPOL_CNP_H
#define BPFLAB_NETPOL_CNP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "netpol/identity.h"

#define CNP_NAME_MAX 64
#define CNP_MAX_RULES 16
#define CNP_MAX_PEERS 4
#define CNP_MAX_CIDRS 16
#define CNP_MAX_PORTS 16
#define CNP_MAX_HTTP 8
#define CNP_MAX_POLICIES 16

enum cnp_entity {
	CNP_ENT_WORLD = 1 << 0,
	CNP_ENT_HOST = 1 << 1,
	CNP_ENT_ALL = 1 << 2,
};

struct cnp_cidr {
	uint32_t addr; /* network order, host bits cleared */
	uint8_t len;
};

struct cnp_port {
	uint16_t port; /* 0 = every port */
	uint8_t proto; /* IPPROTO_TCP/UDP, 0 = ANY */
};

struct cnp_http {
	char method[16]; /* "" = any */
	char path[128]; /* regex as written, "" = any */
};

struct cnp_rule {
	uint8_t dir; /* enum np_dir */
	bool deny; /* from ingressDeny / egressDeny */
	int line, col; /* where the rule starts */
	int npeers; /* fromEndpoints/toEndpoints selectors */
	struct np_labels peers[CNP_MAX_PEERS];
	uint32_t entities; /* enum cnp_entity */
	int ncidrs;
	struct cnp_cidr cidrs[CNP_MAX_CIDRS];
	int nports;
	struct cnp_port ports[CNP_MAX_PORTS];
	int nhttp;
	struct cnp_http http[CNP_MAX_HTTP];
};

struct cnp {
	char name[CNP_NAME_MAX];
	char description[128];
	struct np_labels subject; /* endpointSelector.matchLabels */
	bool has_dir[2]; /* a section for this direction exists: default deny */
	int nrules;
	struct cnp_rule rules[CNP_MAX_RULES];
};

/*
 * Parse every document of buf (named file in messages). On success *out is
 * a calloc'd array of *n policies. On failure err holds "file:line:col:
 * message" and nothing is returned.
 */
int cnp_parse(const char *file, const char *buf, size_t len, struct cnp **out,
	      int *n, char *err, size_t errlen);
int cnp_parse_file(const char *path, struct cnp **out, int *n, char *err,
		   size_t errlen);

/* "TCP", "UDP" or "ANY". */
const char *cnp_proto_name(uint8_t proto);
/* One line describing rule r: "egress allow toEndpoints(app=web) 80/TCP". */
char *cnp_rule_str(const struct cnp_rule *r, char *buf, size_t size);

#endif
