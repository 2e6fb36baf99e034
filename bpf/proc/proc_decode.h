/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Decoding proc ring-buffer records into process-tree nodes. It trusts
 * nothing in the record: sizes and string lengths are checked, strings are
 * bounded, so a short or corrupt record gives -EINVAL, never a bad read.
 */
#ifndef BPFLAB_PROC_DECODE_H
#define BPFLAB_PROC_DECODE_H

#include <stddef.h>

#include "abi/abi.h"
#include "proc/proc_tree.h"

/* Fill out (strings malloc'd: binary, args, cwd) from an exec record. */
int proc_decode_exec(const void *rec, size_t len, struct proc_node *out);
int proc_decode_fork(const void *rec, size_t len, struct proc_node *out);
int proc_decode_exit(const void *rec, size_t len, struct bl_exit_event *out);

/* "SIGKILL" for 9; NULL for 0 or unknown. */
const char *signal_name(int sig);

#endif
