// SPDX-License-Identifier: GPL-2.0
/* Services, backends and their counters as JSON. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include "skel/lb.skel.h"
#include "lb/lb_abi.h"
#include "lb/lb_priv.h"
#include "util/jw.h"

static const char *state_name(uint8_t state)
{
	switch (state) {
	case LB_BE_ACTIVE:
		return "active";
	case LB_BE_DRAINING:
		return "draining";
	default:
		return "down";
	}
}

static void render_backends(struct lb *lb, const struct lb_service *s,
			    struct jw *w)
{
	char ip[INET_ADDRSTRLEN], addr[32];
	uint64_t st[2];

	jw_key(w, "backends");
	jw_arr_begin(w);
	for (int i = 0; i < s->nbe; i++) {
		const struct lb_backend *b = &s->be[i];

		inet_ntop(AF_INET, &b->addr, ip, sizeof(ip));
		snprintf(addr, sizeof(addr), "%s:%u", ip, b->port);
		if (lb_stats_sum(lb, lb->skel->maps.lb_be_st, b->id,
				 sizeof(struct lb_be_stats), st, 2))
			st[0] = st[1] = 0;
		jw_obj_begin(w);
		jw_kstr(w, "address", addr);
		jw_kuint(w, "weight", b->weight);
		jw_kstr(w, "state", state_name(b->state));
		jw_kuint(w, "connections", st[0]);
		jw_kuint(w, "bytes", st[1]);
		jw_obj_end(w);
	}
	jw_arr_end(w);
}

static void render_service(struct lb *lb, const struct lb_service *s,
			   struct jw *w, bool backends)
{
	char ip[INET_ADDRSTRLEN], vip[40];
	uint64_t st[3];

	inet_ntop(AF_INET, &s->vip, ip, sizeof(ip));
	snprintf(vip, sizeof(vip), "%s:%u/%s", ip, s->port,
		 s->proto == IPPROTO_UDP ? "udp" : "tcp");
	if (lb_stats_sum(lb, lb->skel->maps.lb_svc_st, s->id,
			 sizeof(struct lb_svc_stats), st, 3))
		st[0] = st[1] = st[2] = 0;
	jw_obj_begin(w);
	jw_kstr(w, "name", s->name);
	jw_kstr(w, "vip", vip);
	jw_kstr(w, "algorithm",
		s->algo == LB_ALGO_RANDOM ? "random" : "maglev");
	jw_kuint(w, "table_size", s->table_size);
	jw_kuint(w, "affinity_sec", s->affinity_sec);
	jw_kuint(w, "active_backends", s->active);
	jw_kuint(w, "connections", st[0]);
	jw_kuint(w, "bytes", st[1]);
	jw_kuint(w, "no_backend_drops", st[2]);
	if (backends)
		render_backends(lb, s, w);
	jw_obj_end(w);
}

int lb__render(struct lb *lb, struct jw *w, const char *name, bool backends)
{
	const struct lb_service *s;
	bool found = false;

	jw_key(w, "services");
	jw_arr_begin(w);
	for (int i = 0; (s = lb_svc_at(lb, i)); i++) {
		if (name && strcmp(s->name, name) != 0)
			continue;
		render_service(lb, s, w, backends);
		found = true;
	}
	jw_arr_end(w);
	return name && !found ? -ENOENT : 0;
}
