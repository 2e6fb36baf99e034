/* SPDX-License-Identifier: GPL-2.0 */
/* netpol verdict records rendered as Hubble flows. */
#ifndef BPFLAB_NETPOL_FLOW_H
#define BPFLAB_NETPOL_FLOW_H

#include <stddef.h>

#include "abi/abi.h"

struct netpol;
struct jw;

/* Members of the "flow" object for one verdict record. */
void netpol_flow_render(const struct netpol *np,
			const struct bl_netpol_event *e, struct jw *w);
/* One line, as `hubble observe` prints it (without the timestamp). */
void netpol_flow_compact(const struct netpol *np,
			 const struct bl_netpol_event *e, char *buf,
			 size_t size);

#endif
