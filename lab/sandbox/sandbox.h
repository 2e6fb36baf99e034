/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Sandboxes: one ops table per kind ("ns" is bpflab's own launcher; "runc",
 * "containerd" and "vm" plug in beside it). A sandbox outlives the command
 * that made it: its init process keeps running, and its description lives in
 * bl_run_dir()/sandboxes/<name>.json until `bpflab sandbox rm`.
 *
 * Every host resource a kind creates goes into the journal; the sequence
 * numbers are kept in the state file so removal releases exactly those.
 */
#ifndef BPFLAB_SANDBOX_H
#define BPFLAB_SANDBOX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define SANDBOX_NAME_MAX 32
#define SANDBOX_MAX_LABELS 16
#define SANDBOX_MAX_JOURNAL 8
/* versioned: a cache built by an older bpflab is not reused */
#define SANDBOX_ROOTFS_BASE "/var/lib/bpflab/rootfs/base-3"

struct sandbox_label {
	char key[64];
	char value[128];
};

struct sandbox {
	char name[SANDBOX_NAME_MAX + 1];
	char kind[16];
	struct sandbox_label labels[SANDBOX_MAX_LABELS]; /* user labels only */
	int n_labels;
	bool privileged; /* keeps every capability, cgroupfs rw: escape drills */
	bool userns; /* map root to 100000 in a user namespace */
	/* ns kind, privileged: keep the host's cgroup namespace, as docker's
	 * --cgroupns=host, so the whole cgroup tree is in view (and writable) */
	bool host_cgroupns;
	pid_t init_pid; /* host pid of the sandbox's pid 1 */
	unsigned long long init_start; /* its start time (pid reuse guard) */
	uint64_t cgroup_id; /* inode of cgroup_path */
	char cgroup_path[256];
	char ip[64]; /* "" while the sandbox has no address */
	int journal[SANDBOX_MAX_JOURNAL]; /* entries to release on removal */
	int n_journal;
};

/* Where a spawned process's stdio goes; -1 inherits ours. */
struct sandbox_io {
	int in, out, err;
	/* keep every capability even in a plain sandbox (the lab's own setup) */
	bool all_caps;
};

struct sandbox_ops {
	const char *kind;
	/* 0 if this host can run the kind, else -errno with a reason in why */
	int (*available)(char *why, size_t len);
	/* make the host resources and start pid 1; fills init_pid, cgroup_* */
	int (*create)(struct sandbox *sb);
	/* stop pid 1 and everything under it */
	int (*stop)(struct sandbox *sb);
	/* after stop and the journal undo: whatever is left to tidy */
	int (*destroy)(struct sandbox *sb);
};

extern const struct sandbox_ops sandbox_ns_ops;
extern const struct sandbox_ops sandbox_runc_ops;
extern const struct sandbox_ops sandbox_containerd_ops;
extern const struct sandbox_ops sandbox_vm_ops;

const struct sandbox_ops *sandbox_ops_find(const char *kind);
/* "ns, runc, ..." for error messages */
const char *sandbox_kinds(void);

/* Name rules: [a-z0-9][a-z0-9-]*, at most SANDBOX_NAME_MAX characters. */
bool sandbox_name_valid(const char *name);
/* "k=v" into the label list; -EINVAL if malformed, -E2BIG if full. */
int sandbox_add_label(struct sandbox *sb, const char *kv);

/* Create and start; writes the state file. -EEXIST if the name is taken. */
int sandbox_run(struct sandbox *sb);
/* Load a running sandbox's state; -ENOENT if there is none. */
int sandbox_load(const char *name, struct sandbox *sb);
/* Is pid 1 still the process we started? */
bool sandbox_alive(const struct sandbox *sb);
/* Stop, destroy, release its journal entries, drop the state file. */
int sandbox_remove(struct sandbox *sb);
/* Every sandbox with a state file; caller frees *out. */
int sandbox_list(struct sandbox **out, int *count);

/*
 * Start argv inside the sandbox: join its cgroup, then its namespaces; in a
 * plain (not privileged) sandbox, drop to docker's default capabilities. On
 * success *pid is the host pid of the process running argv; reap it with
 * waitpid(), whose status mirrors argv's (a SIGKILL shows as a SIGKILL).
 */
int sandbox_spawn(const struct sandbox *sb, char *const argv[],
		  const struct sandbox_io *io, pid_t *pid, pid_t *inner_pid);

/* Journal an entry as owned by sb (kept in its state file). */
int sandbox_journal(struct sandbox *sb, int seq);

/* Build the busybox base rootfs once (SANDBOX_ROOTFS_BASE). */
int rootfs_ensure_base(void);
/* Create or replace path with text (util's write_file never creates). */
int write_new_file(const char *path, const char *text, mode_t mode);
/* rm -rf, not crossing into other file systems */
int rm_tree(const char *path);

/* state file (sandbox_state.c) */
int sandbox_state_save(const struct sandbox *sb);
int sandbox_state_load(const char *path, struct sandbox *sb);
char *sandbox_state_path(char *buf, size_t size, const char *name);
struct jw;
void sandbox_to_json(const struct sandbox *sb, struct jw *w);

#endif
