/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The load balancer's control plane: services and backends in user space,
 * mirrored into lb.bpf.c's maps. One struct lb per loaded skeleton; the
 * engine module owns one, `bench lb` opens its own on a private cgroup.
 *
 * A service is (VIP, port, protocol) with backends; each service gets its
 * own Maglev table (an inner map of table_size slots). Re-adding a service
 * keeps its backends' ids, so flows of the backends that stay do not move.
 * A backend that is removed drains: it leaves the table (no new flows) but
 * stays in the backend map, so established flows keep their translation.
 */
#ifndef BPFLAB_LB_H
#define BPFLAB_LB_H

#include <stdbool.h>
#include <stdint.h>

#include "lb/maglev.h"

struct jw;
struct lb;

#define LB_NAME_MAX 64
#define LB_MAX_BACKENDS 1024 /* per service */

enum lb_algo { LB_ALGO_MAGLEV = 0, LB_ALGO_RANDOM = 1 };

struct lb_backend_spec {
	uint32_t addr; /* network order */
	uint16_t port; /* host order */
	uint32_t weight; /* default 1 */
};

struct lb_service_spec {
	char name[LB_NAME_MAX];
	uint32_t vip; /* network order */
	uint16_t port; /* host order */
	uint8_t proto; /* IPPROTO_TCP / IPPROTO_UDP */
	enum lb_algo algo;
	uint32_t affinity_sec; /* 0: off */
	uint32_t table_size; /* 0: the lb's default (16381) */
	int nbackends;
	struct lb_backend_spec backends[LB_MAX_BACKENDS];
};

struct lb_opts {
	/* cgroup v2 directory for the socket-LB hooks; NULL: no socket-LB */
	const char *cgroup;
	uint32_t table_size; /* default Maglev size; 0: MAGLEV_DEFAULT_SIZE */
	/* all tables together, in slots (8 B each); 0: 4 Mi slots (32 MiB) */
	uint32_t max_slots;
	/* socket-LB for host-netns sockets only; the rest go by the tc LB */
	bool sock_hostns_only;
	bool events; /* a BL_OP_LB record per new flow into lb__rb_fd() */
};

int lb__open(struct lb **out, const struct lb_opts *opts);
void lb__close(struct lb *lb);

/* -EEXIST if the name or VIP is taken, unless replace (same name). */
int lb__svc_add(struct lb *lb, const struct lb_service_spec *spec,
		bool replace);
int lb__svc_del(struct lb *lb, const char *name);
int lb__svc_count(const struct lb *lb);

enum lb_be_set { LB_SET_ACTIVE, LB_SET_DRAIN, LB_SET_DOWN };
/* Drain a backend, mark it down (health) or active again. */
int lb__backend_set(struct lb *lb, const char *svc, uint32_t addr,
		    uint16_t port, enum lb_be_set state);

/* Attach the tc LB to ingress of ifname in netns ns (NULL: the host). */
int lb__tc_attach(struct lb *lb, const char *ns, const char *ifname);
/* fd of the tc program, for BPF_PROG_TEST_RUN. */
int lb__tc_prog_fd(const struct lb *lb);

/* The BL_OP_LB ring buffer and the module's stats map (lb_stats). */
int lb__rb_fd(const struct lb *lb);
int lb__stats_fd(const struct lb *lb);
/* Name and VIP text ("IP:PORT/proto") of service id; false if unknown. */
bool lb__svc_describe(const struct lb *lb, uint32_t id, const char **name,
		      char *vip, size_t vip_size);

/* The engine's lb module's tables (observe names services with them);
 * NULL when the module is not loaded in this process. */
const struct lb *lb_module_current(void);

/* "services": [...] with counters; name != NULL: just that one. */
int lb__render(struct lb *lb, struct jw *w, const char *name, bool backends);
/* Counters of one backend, summed over CPUs. */
int lb__backend_stats(struct lb *lb, const char *svc, uint32_t addr,
		      uint16_t port, uint64_t *conns, uint64_t *bytes);

/* ---- parsing (svc_parse.c): -EINVAL and a message in err on bad input ---- */

/* "198.19.0.10:80/tcp" (protocol optional, tcp by default). */
int lb_parse_vip(const char *s, uint32_t *addr, uint16_t *port, uint8_t *proto,
		 char *err, size_t errlen);
/* "198.18.1.2:8080" or "198.18.1.2:8080@3" (weight 3). */
int lb_parse_backend(const char *s, struct lb_backend_spec *b, char *err,
		     size_t errlen);
/* A service name: [a-z0-9]([-a-z0-9.]*[a-z0-9])?, as Kubernetes names. */
int lb_check_name(const char *name, char *err, size_t errlen);

#endif
