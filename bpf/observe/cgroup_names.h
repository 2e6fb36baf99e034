/* SPDX-License-Identifier: GPL-2.0 */
/*
 * cgroup id → name, for tools that run without an engine. A cgroup v2 id is
 * the inode number of its directory, so one walk of the unified hierarchy
 * builds the table. Cgroups under BL_CGROUP_DIR are bpflab sandboxes and are
 * named by their path below it ("web", "lab/db"); the others are the host.
 */
#ifndef BPFLAB_OBSERVE_CGROUP_NAMES_H
#define BPFLAB_OBSERVE_CGROUP_NAMES_H

#include <stdbool.h>
#include <stdint.h>

struct cgroup_names;

int cgroup_names__new(struct cgroup_names **out);
void cgroup_names__free(struct cgroup_names *c);
/* Walk the hierarchy again (new sandboxes). */
int cgroup_names__refresh(struct cgroup_names *c);
/* Path of id below the cgroup root ("/" for the root), or NULL if unknown. */
const char *cgroup_names__path(struct cgroup_names *c, uint64_t id);
/* Sandbox name of id, or NULL when it is a host cgroup. */
const char *cgroup_names__sandbox(struct cgroup_names *c, uint64_t id);

#endif
