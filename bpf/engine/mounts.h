/* SPDX-License-Identifier: GPL-2.0 */
#ifndef BPFLAB_MOUNTS_H
#define BPFLAB_MOUNTS_H

#include <stdbool.h>

/*
 * Mount a pseudo filesystem (bpf, tracefs, securityfs) at target if nothing
 * of that type is mounted there yet. A mount bpflab made is journaled, so
 * `down`, Ctrl-C and crash recovery remove it. Returns 0 or -errno.
 */
int bl_mount_ensure(const char *fstype, const char *target);
/* bpffs at /sys/fs/bpf and tracefs at /sys/kernel/tracing. */
int bl_mount_defaults(void);
bool bl_is_mounted(const char *fstype, const char *target);

#endif
