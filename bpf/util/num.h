/* SPDX-License-Identifier: GPL-2.0 */
#ifndef BPFLAB_UTIL_NUM_H
#define BPFLAB_UTIL_NUM_H

#include <sys/types.h>

/*
 * Numbers read from outside the program (procfs, pid files, the journal,
 * argv) parsed strictly, where atoi() and sscanf() take "12x" for 12 and
 * "" for 0: the digits must make the whole field, and the value must be
 * in [min, max]. Base as strtol (0: decimal, 0x hex, 0 octal). Each returns
 * 0, -EINVAL (not a number) or -ERANGE (out of range), and leaves *out
 * alone on error.
 */

/* The whole string, blanks (a file's trailing newline) around it allowed. */
int parse_long(const char *s, int base, long min, long max, long *out);
int parse_ull(const char *s, int base, unsigned long long *out);

/*
 * The next blank-separated field of *s: leading blanks are skipped, the
 * number must end at a blank or the string's end, and *s moves past it.
 */
int scan_long(const char **s, int base, long min, long max, long *out);
int scan_ull(const char **s, int base, unsigned long long *out);

/* A pid: a whole string holding a number in [1, INT_MAX]. */
int parse_pid(const char *s, pid_t *pid);

#endif
