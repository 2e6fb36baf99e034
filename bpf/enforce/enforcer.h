/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The enforcer: the kernel programs of enforce.bpf.c plus the policies they
 * carry out. The engine module (enforce_module.c) wraps it; the benchmark
 * drives it directly. Single-threaded: call it from one loop.
 */
#ifndef BPFLAB_ENFORCER_H
#define BPFLAB_ENFORCER_H

#include <stddef.h>
#include <stdint.h>

struct enforcer;
struct policy;
struct jw;
struct enf_event;

/* Syscall entry → death of the killed process, from ENF_REC_DEATH records. */
struct enf_latency {
	uint64_t count, last_ns, max_ns, sum_ns;
};

/* Load and attach the programs (sys_enter waits for the first policy). */
int enforcer__open(struct enforcer **out);
void enforcer__close(struct enforcer *en);

/*
 * Add or replace (by metadata.name) the given policies in one step: the new
 * map contents are built first and committed only if the whole set
 * compiles. Takes ownership of pols[] on success only.
 */
int enforcer__apply(struct enforcer *en, struct policy **pols, int n, char *err,
		    size_t errlen);
int enforcer__delete(struct enforcer *en, const char *name, char *err,
		     size_t errlen);
int enforcer__count(const struct enforcer *en);

int enforcer__rb_fd(const struct enforcer *en);
/* The sys_enter dispatcher (for per-program run-time stats). */
int enforcer__enter_prog_fd(const struct enforcer *en);
int enforcer__stats_fd(const struct enforcer *en);
/* Lease breaks (signalfd) and replaced files (inotify): poll both. */
int enforcer__lease_fd(const struct enforcer *en);
int enforcer__on_lease(struct enforcer *en);
int enforcer__inotify_fd(const struct enforcer *en);
int enforcer__on_inotify(struct enforcer *en);
/* Re-arm broken leases, rebuild after replaced files. Call often (≤ 100 ms). */
void enforcer__tick(struct enforcer *en);

/* "policies": [...] with tetra's list columns. */
void enforcer__list(struct enforcer *en, struct jw *w);
const struct enf_latency *enforcer__latency(const struct enforcer *en);

/*
 * An ENF_AT_EPERM record: its process is stopped. Resolve the name it used
 * as that process sees it; if it is a protected inode of the record's rule,
 * kill it (returns 1, ev's ino/dev filled in), else resume it (returns 0).
 */
int enforcer__settle_eperm(struct enforcer *en, struct enf_event *ev);
/* "immutable+sigkill", "lease+sigkill", "sigkill", "post", ... */
const char *enforcer__mechanism(const struct enforcer *en,
				const struct enf_event *ev);

/* What a match record refers to, for rendering. */
struct enf_match_info {
	const struct policy *policy;
	const char *call; /* as written in the policy */
	int hook_kind; /* enum pol_hook_kind */
	const char *file; /* protected file path for inode matches, or NULL */
};
int enforcer__describe(struct enforcer *en, const struct enf_event *ev,
		       struct enf_match_info *out);
/* Count an event against its policy (list columns), and kill latency. */
void enforcer__count_event(struct enforcer *en, const struct enf_event *ev);
void enforcer__count_death(struct enforcer *en, uint64_t latency_ns);

#endif
