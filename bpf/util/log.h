/* SPDX-License-Identifier: GPL-2.0 */
#ifndef BPFLAB_LOG_H
#define BPFLAB_LOG_H

#include <stdbool.h>

enum log_level { LOG_ERR = 0, LOG_WARN, LOG_INFO, LOG_DEBUG };

/* Messages go to stderr (or the console's log pane once it owns the terminal). */
void log_set_level(enum log_level lvl);
enum log_level log_get_level(void);
void log_set_sink(void (*sink)(enum log_level lvl, const char *msg));
void log_msg(enum log_level lvl, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Route libbpf's own messages through log_msg; debug ones only with -v. */
void log_hook_libbpf(void);
/* While set, libbpf warnings are debug-level (probes that may fail). */
void log_quiet_libbpf(bool quiet);

#define pr_err(...) log_msg(LOG_ERR, __VA_ARGS__)
#define pr_warn(...) log_msg(LOG_WARN, __VA_ARGS__)
#define pr_info(...) log_msg(LOG_INFO, __VA_ARGS__)
#define pr_debug(...) log_msg(LOG_DEBUG, __VA_ARGS__)

#endif
