/* SPDX-License-Identifier: GPL-2.0 */
/*
 * An image: the complete content of the enforce maps for a set of policies,
 * built in user space before anything in the kernel changes. Applying a
 * policy builds a new image from (current policies + the new one) and
 * commits it as a diff (enforce_maps.c), so a policy that cannot be compiled
 * (a sandbox that does not exist, too many rules on one key) changes nothing.
 */
#ifndef BPFLAB_ENFORCE_IMAGE_H
#define BPFLAB_ENFORCE_IMAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "enforce/enforce_abi.h"
#include "enforce/policy.h"

/* Sorted (key → rule set) pairs for one map. */
struct enf_table {
	size_t key_size;
	size_t n, cap; /* pairs while building, merged keys once finished */
	uint8_t *recs; /* key_size + sizeof(uint32_t) each while building */
	uint8_t *keys; /* key_size each, sorted, once finished */
	struct enf_set *sets;
};

/* Which policy, hook and selector a rule id came from (for events). */
struct enf_rule_info {
	int policy; /* index into the policies given to the build */
	int hook;
	int selector;
	const char *call; /* as written in the policy; owned by the policy */
	int cls; /* enum enf_class */
};

/*
 * A protected file as resolved at build time, on the host or inside a
 * sandbox (path "/proc/<init pid>/root/etc/passwd").
 */
struct enf_file {
	char *path;
	uint64_t ino;
	uint32_t dev; /* kernel encoding */
	bool guard_open; /* hold a read lease: write-opens break it */
	bool immutable; /* enforce mode: set FS_IMMUTABLE_FL while protected */
	int policy;
};

struct enf_policy_stats {
	unsigned hooks; /* calls after list expansion */
	unsigned rules; /* selectors */
	unsigned keys; /* map entries this policy owns */
	uint64_t kernel_bytes; /* estimate: entries × (key + value) + rules */
};

struct enf_image {
	uint32_t first_id; /* rule ids are first_id + i (mod ENF_MAX_RULES) */
	struct enf_rule *rules;
	struct enf_rule_info *info;
	int nrules, caprules;
	struct enf_table inodes, paths, net, excl, bins, sc_rules;
	struct enf_sc sc[ENF_MAX_NR];
	struct enf_file *files;
	int nfiles, capfiles;
	char **dirs; /* parent directories to watch for replaced files */
	int ndirs, capdirs;
	struct enf_policy_stats *pstats; /* one per policy */
	int npolicies;
	uint64_t sbx_root_id;
};

void enf_image_init(struct enf_image *img);
void enf_image_free(struct enf_image *img);
/*
 * Compile policies into img (initialised by the caller), with rule ids
 * starting at first_id. host_ns: the engine's own namespace inodes for
 * "host_ns" (pid, mnt, net). Returns 0 or -errno with err set.
 */
int enf_image_build(struct enf_image *img, struct policy *const *pols,
		    int npols, uint32_t first_id, const uint32_t host_ns[3],
		    char *err, size_t errlen);
/* Index of key in a finished table, or -1. */
long enf_table_find(const struct enf_table *t, const void *key);
const struct enf_file *enf_image_file(const struct enf_image *img, uint32_t dev,
				      uint64_t ino);
/* Kernel dev_t (major << 20 | minor) from a user-space st_dev. */
uint32_t enf_kdev(uint64_t st_dev);

#endif
