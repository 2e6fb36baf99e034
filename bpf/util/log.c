// SPDX-License-Identifier: GPL-2.0
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <bpf/libbpf.h>

#include "util/log.h"

static enum log_level current_level = LOG_INFO;
static bool libbpf_quiet;
static void (*current_sink)(enum log_level lvl, const char *msg);

void log_set_level(enum log_level lvl)
{
	current_level = lvl;
}

enum log_level log_get_level(void)
{
	return current_level;
}

void log_set_sink(void (*sink)(enum log_level lvl, const char *msg))
{
	current_sink = sink;
}

static void log_vmsg(enum log_level lvl, const char *fmt, va_list ap)
{
	static const char *const prefix[] = { "error: ", "warning: ", "",
					      "debug: " };
	char buf[1024];

	if (lvl > current_level)
		return;
	vsnprintf(buf, sizeof(buf), fmt, ap);
	if (current_sink) {
		current_sink(lvl, buf);
		return;
	}
	size_t n = strlen(buf);

	fprintf(stderr, "bpflab: %s%s%s", prefix[lvl], buf,
		n && buf[n - 1] == '\n' ? "" : "\n");
}

void log_msg(enum log_level lvl, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vmsg(lvl, fmt, ap);
	va_end(ap);
}

static int libbpf_print(enum libbpf_print_level level, const char *fmt,
			va_list ap)
{
	enum log_level lvl = level == LIBBPF_WARN ? LOG_WARN : LOG_DEBUG;

	/* Feature probes (doctor) expect failures: their warnings are debug. */
	if (libbpf_quiet)
		lvl = LOG_DEBUG;
	if (lvl > current_level)
		return 0;
	log_vmsg(lvl, fmt, ap);
	return 0;
}

void log_hook_libbpf(void)
{
	libbpf_set_print(libbpf_print);
}

void log_quiet_libbpf(bool quiet)
{
	libbpf_quiet = quiet;
}
