/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Zero-downtime reload: swap every loaded BPF program of the running engine
 * for a freshly loaded build while keeping its maps (policies, services,
 * conntrack, counters) and its attachments.
 *
 * Modules register each skeleton once it is loaded (reload_track) and
 * forget it before destroying it (reload_untrack); the rest is generic:
 *
 *  1. prepare (on a worker thread): re-open each object (the skeleton's
 *     embedded ELF, the same object embedded in another bpflab binary, or
 *     DIR/<name>.bpf.o), reuse the running maps by name, load;
 *  2. find, on the loop, every attachment of the old programs: BPF links
 *     (by program id, all links of the host) and our tc filters (the
 *     journal's "tc" entries);
 *  3. swap: cgroup (and other updatable) links get bpf_link_update with
 *     BPF_F_REPLACE; tc filters an in-place replace on the same handle and
 *     priority; tracing and raw_tp links, which the kernel cannot update,
 *     get a second link to the new program first, so one of the two always
 *     runs. Any failure puts back what was swapped: the old build runs on;
 *  4. commit: the new tracing link and the new program fds are dup3()'d
 *     onto the fd numbers the modules hold, so their bpf_link and
 *     bpf_program handles now mean the new ones (and a later attach uses
 *     the new program); the old programs lose their last reference.
 */
#ifndef BPFLAB_RELOAD_H
#define BPFLAB_RELOAD_H

#include <stddef.h>
#include <stdint.h>

struct bpf_object;
struct bpf_object_skeleton;
struct engine;

#define RELOAD_MAX_OBJS 16

/* Remember a loaded skeleton's object and its embedded ELF. */
int reload_track(const struct bpf_object_skeleton *s);
/* Forget it (call before destroying the skeleton). */
void reload_untrack(const struct bpf_object *obj);

/* What one reload did, per object and in total. */
struct reload_obj_report {
	char name[32]; /* "proc", "enforce", ... */
	int programs; /* programs replaced */
	int links_updated; /* bpf_link_update in place */
	int links_relinked; /* new link first, then the old one closed */
	int tc_replaced; /* tc filters replaced on the same handle/prio */
	int maps_reused;
	int maps_new; /* in the new build only: created empty */
	uint64_t load_ns; /* open + verify + load of this object */
};

struct reload_report {
	int nobjs;
	struct reload_obj_report objs[RELOAD_MAX_OBJS];
	uint64_t prepare_ns; /* open + verify + load of the new build */
	uint64_t find_ns; /* on the loop: list links and tc filters */
	uint64_t swap_ns; /* on the loop: swap and commit */
	uint64_t total_ns;
};

/*
 * One reload, in two halves so the engine's loop never waits for the
 * verifier: prepare (open, verify, load the new build: seconds for a big
 * object) may run on another thread; finish (find the attachments, swap,
 * commit: well under a millisecond per attachment) runs on the loop's
 * thread, where modules attach and detach. The new build comes from
 * DIR/<name>.bpf.o (from_dir), from the objects embedded in another bpflab
 * binary (binary: a newer build on disk), or with both NULL from the
 * running binary's own skeletons. Each returns 0 or -errno
 * with reload_job__error() set, and a failed job changed nothing.
 */
struct reload_job;
int reload_job__new(struct reload_job **out, const char *from_dir,
		    const char *binary);
int reload_job__prepare(struct reload_job *j);
int reload_job__finish(struct reload_job *j);
/* obj is about to be destroyed (the prepare half is over): never swap. */
void reload_job__drop_object(struct reload_job *j,
			     const struct bpf_object *obj);
const struct reload_report *reload_job__report(const struct reload_job *j);
const char *reload_job__error(const struct reload_job *j);
/* Frees the new build too when it was never swapped in. */
void reload_job__free(struct reload_job *j);

/*
 * Serve "reload" ({"from":DIR?,"binary":PATH?}: starts one, replies {"id":N}) and
 * "reload.result" ({"id":N}: {"done":false} while it runs, then the
 * report, or the error) on the engine's socket.
 */
int reload__register(struct engine *e);
/* Wait for a running prepare and drop it (the engine is closing). */
void reload__shutdown(void);
/*
 * A module destroys a tracked object (reload_untrack calls this): a
 * running prepare, which reads it, is waited for and its job dropped.
 */
void reload__object_gone(const struct bpf_object *obj);

#endif
