// SPDX-License-Identifier: GPL-2.0
/* Human-readable rules, for explain, check and the flow log. */
#include <arpa/inet.h>
#include <stdio.h>

#include "netpol/cnp.h"
#include "netpol/netpol_maps.h"

const char *cnp_proto_name(uint8_t proto)
{
	return proto == 6 ? "TCP" : proto == 17 ? "UDP" : "ANY";
}

#define APPEND(...)                                                          \
	do {                                                                 \
		if (off < size)                                              \
			off += snprintf(buf + off, size - off, __VA_ARGS__); \
	} while (0)

char *cnp_rule_str(const struct cnp_rule *r, char *buf, size_t size)
{
	const char *from = r->dir == NP_INGRESS ? "from" : "to";
	char lbl[512], ip[INET_ADDRSTRLEN];
	size_t off = 0;

	buf[0] = '\0';
	APPEND("%s %s", r->dir == NP_INGRESS ? "ingress" : "egress",
	       r->deny ? "deny" : "allow");
	for (int i = 0; i < r->npeers; i++)
		APPEND(" %sEndpoints(%s)", from,
		       r->peers[i].n ?
			       np_labels_str(&r->peers[i], lbl, sizeof(lbl)) :
			       "*");
	if (r->entities)
		APPEND(" %sEntities(%s%s%s)", from,
		       r->entities & CNP_ENT_WORLD ? "world " : "",
		       r->entities & CNP_ENT_HOST ? "host " : "",
		       r->entities & CNP_ENT_ALL ? "all " : "");
	for (int i = 0; i < r->ncidrs; i++)
		APPEND(" %sCIDR(%s/%u)", from,
		       inet_ntop(AF_INET, &r->cidrs[i].addr, ip, sizeof(ip)),
		       r->cidrs[i].len);
	if (!r->npeers && !r->entities && !r->ncidrs)
		APPEND(" nothing");
	for (int i = 0; i < r->nports; i++)
		APPEND("%s%u/%s", i ? "," : " ports ", r->ports[i].port,
		       cnp_proto_name(r->ports[i].proto));
	for (int i = 0; i < r->nhttp; i++)
		APPEND(" http(%s %s)",
		       r->http[i].method[0] ? r->http[i].method : "*",
		       r->http[i].path[0] ? r->http[i].path : "*");
	return buf;
}
