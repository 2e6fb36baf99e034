/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Where bpflab keeps its runtime state. /run/bpflab by default; the
 * BPFLAB_RUN_DIR environment variable moves it (tests running side by side).
 */
#ifndef BPFLAB_PATHS_H
#define BPFLAB_PATHS_H

#include <stddef.h>

const char *bl_run_dir(void);
/* bl_run_dir() + "/" + name into buf; returns buf. */
char *bl_run_path(char *buf, size_t size, const char *name);

/*
 * The static helper programs built beside the binary (lab/tools/ ->
 * $(BUILD)/tools/): dirname(/proc/self/exe) + "/tools", or NULL when that
 * directory does not exist. Sandboxes see it read-only at BL_SANDBOX_TOOLS.
 */
const char *bl_tools_dir(void);
#define BL_SANDBOX_TOOLS "/usr/lib/bpflab"

#define BL_CGROUP_ROOT "/sys/fs/cgroup/unified"
#define BL_CGROUP_DIR BL_CGROUP_ROOT "/bpflab"
#define BL_BPFFS "/sys/fs/bpf"
#define BL_TRACEFS "/sys/kernel/tracing"

#endif
