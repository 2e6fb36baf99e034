/* SPDX-License-Identifier: GPL-2.0 */
/* The enforce module's state, shared by its control-plane files. */
#ifndef BPFLAB_ENFORCE_PRIV_H
#define BPFLAB_ENFORCE_PRIV_H

#include <stdbool.h>
#include <stdint.h>

#include "enforce/enforce_image.h"
#include "enforce/enforcer.h"
#include "enforce/policy.h"

struct enforce_bpf;
struct bpf_link;
struct enf_leases;
struct enf_immutables;
struct enf_pins;

#define ENF_MAX_POLICIES 256

/* Event counters per policy, as `tetra tracingpolicy list` shows them. */
struct enf_counters {
	uint64_t npost, nenforce, nmonitor;
};

struct enforcer {
	struct enforce_bpf *skel;
	struct bpf_link
		*enter_link; /* sys_enter: attached while policies exist */
	struct bpf_link *exit_link; /* sys_exit: while a file is immutable */
	struct bpf_link *links[8];
	int nlinks;
	int cg_fd;
	struct policy *pols[ENF_MAX_POLICIES];
	struct enf_counters counters[ENF_MAX_POLICIES];
	int npols;
	struct enf_image img; /* what the maps hold now */
	bool img_live;
	uint32_t host_ns[3];
	struct enf_leases *leases;
	struct enf_immutables *imm;
	struct enf_pins *pins;
	int inotify_fd;
	bool rebuild_pending; /* a watched directory changed */
	struct enf_latency lat;
};

/* enforce_maps.c: make the kernel maps hold next instead of cur (a diff). */
int enf_maps_commit(struct enforcer *en, const struct enf_image *cur,
		    const struct enf_image *next);
int enf_maps_config(struct enforcer *en, uint64_t sbx_root_id);

/* enforce_lease.c */
struct enf_leases *enf_leases__new(void);
void enf_leases__free(struct enf_leases *l);
/* Hold a read lease on every guarded file of img, drop the others. */
int enf_leases__sync(struct enf_leases *l, const struct enf_image *img);
/* The signal fd to poll; handle() on readiness, tick() to re-arm. */
int enf_leases__fd(struct enf_leases *l);
int enf_leases__handle(struct enf_leases *l);
int enf_leases__tick(struct enf_leases *l);
int enf_leases__count(struct enf_leases *l, int *armed);

/* enforce_immutable.c */
struct enf_immutables *enf_imm__new(void);
/* Clears every flag we set. */
void enf_imm__free(struct enf_immutables *m);
/* Flag every immutable file of img, clear the others; returns how many were newly set. */
int enf_imm__sync(struct enf_immutables *m, const struct enf_image *img);
bool enf_imm__held(const struct enf_immutables *m, uint32_t dev, uint64_t ino);
int enf_imm__count(const struct enf_immutables *m);

/* enforce_pin.c */
struct enf_pins *enf_pins__new(void);
void enf_pins__free(struct enf_pins *p);
/*
 * Give every file of img a file-lock context and hold it open (the
 * kernel's pre-filter on the fd path); drop_stale: release the others.
 */
int enf_pins__sync(struct enf_pins *p, const struct enf_image *img,
		   bool drop_stale);

#endif
