/* SPDX-License-Identifier: GPL-2.0 */
#ifndef BPFLAB_UTIL_H
#define BPFLAB_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* base64 (RFC 4648, padded) of n bytes into out (size >= 4*ceil(n/3)+1). */
size_t base64_encode(const void *in, size_t n, char *out, size_t out_size);

/* Monotonic ktime (CLOCK_MONOTONIC ns, as bpf_ktime_get_ns) to wall clock ns. */
uint64_t ktime_to_realtime_ns(uint64_t ktime);
uint64_t now_mono_ns(void);
uint64_t now_real_ns(void);
/* RFC 3339 with nanoseconds, UTC: 2026-11-24T21:05:03.123456789Z */
void format_rfc3339_ns(uint64_t real_ns, char *out, size_t size);

/* Read a small file (sysfs, procfs) into buf, NUL-terminated; returns bytes or -errno. */
ssize_t read_file(const char *path, char *buf, size_t size);
int write_file(const char *path, const char *data);
int mkdir_p(const char *path, mode_t mode);
/* rm -rf, staying on one filesystem and never following symlinks. */
int remove_tree(const char *path);
const char *node_name(void); /* hostname, cached */
/* /proc/PID/stat field 22: identifies a process instance across pid reuse. */
int proc_start_time(pid_t pid, unsigned long long *out);

/* Parse "5s", "200ms", "1m", "3" (seconds) into ns; -EINVAL if malformed. */
int parse_duration_ns(const char *s, uint64_t *out);

#endif
