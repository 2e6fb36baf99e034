/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The default lab: one L2 segment (a bridge in its own namespace) in
 * 198.18.0.0/16 (RFC 2544), and on it:
 *   client  an ns sandbox (bl-lab-client)       198.18.0.10
 *   web1-3  nginx backends, one netns each       198.18.1.1 .. 198.18.1.3
 *   db      MariaDB (when mariadb-server-core is installed)  198.18.2.1
 *   c2      the attackers' listener (nginx)       198.18.66.1
 * Every resource is journaled under the scope "topology", so `lab down`
 * (and `bpflab down`, or any failure half-way through `lab up`) removes
 * exactly what `lab up` made. Nothing leaves the machine: the segment has no
 * route to the host.
 */
#ifndef BPFLAB_TOPOLOGY_H
#define BPFLAB_TOPOLOGY_H

#include <stdbool.h>

#define TOPO_SCOPE "topology"
#define TOPO_HUB_NS "bpflab-lab-hub"
#define TOPO_BRIDGE "bl-lab-br0"
#define TOPO_CLIENT "bl-lab-client"

struct jw;

int topology_up(void);
int topology_down(bool verbose);
/* Nodes, addresses and whether each is alive; as text or JSON into w. */
int topology_status(struct jw *w);
bool topology_is_up(void);

#endif
