// SPDX-License-Identifier: GPL-2.0
/*
 * `bpflab events` (alias getevents): Tetragon-shaped JSON lines or compact
 * text. With an engine up it subscribes over the socket; with none, it runs
 * an engine in this process for as long as it streams.
 */
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "console/cli.h"
#include "console/engine_run.h"
#include "engine/engine.h"
#include "engine/event_filter.h"
#include "util/jw.h"
#include "util/log.h"
#include "util/util.h"

struct events_opts {
	struct event_filter filter;
	bool compact;
	long max_count; /* stop after this many events; 0: no limit */
	uint64_t timeout_ns; /* stop after this long; 0: no limit */
};

struct local_ctx {
	struct events_opts *o;
	struct jw w;
	long count;
};

static volatile sig_atomic_t stop_requested;

static void on_stop_signal(int sig)
{
	(void)sig;
	stop_requested = 1;
}

static void print_local(struct engine *e, const struct bl_event *ev, void *ctx)
{
	struct local_ctx *l = ctx;
	char line[4096];

	if (!event_filter__match(&l->o->filter, ev))
		return;
	if (l->o->compact) {
		ev->render_compact(ev, line, sizeof(line));
		printf("%s\n", line);
	} else {
		jw_reset(&l->w);
		engine__render_line(ev, &l->w);
		if (jw_str(&l->w))
			printf("%s\n", l->w.buf);
	}
	fflush(stdout);
	if (l->o->max_count && ++l->count >= l->o->max_count)
		engine__stop(e);
}

static void tick_stop(struct engine *e, uint64_t now, void *ctx)
{
	uint64_t *deadline = ctx;

	if (*deadline && now >= *deadline)
		engine__stop(e);
}

static int stream_local(struct events_opts *o)
{
	static const char *const mods[] = { "proc", NULL };
	struct local_ctx l = { .o = o };
	uint64_t deadline = o->timeout_ns ? now_real_ns() + o->timeout_ns : 0;
	struct engine *e;

	if (engine_start(&e, mods, true))
		return EXIT_FAIL;
	jw_init(&l.w);
	engine__add_sink(e, print_local, &l);
	engine__on_tick(e, tick_stop, &deadline);
	engine__run(e);
	engine__close(e);
	jw_free(&l.w);
	return EXIT_OK;
}

static int stream_remote(struct events_opts *o)
{
	uint64_t deadline = o->timeout_ns ? now_mono_ns() + o->timeout_ns : 0;
	char buf[65536];
	size_t len = 0;
	long count = 0;
	struct jw w;
	int fd, rc = EXIT_OK;

	fd = engine_client_connect();
	if (fd < 0)
		return -1;
	jw_init(&w);
	jw_obj_begin(&w);
	jw_kstr(&w, "op", "subscribe");
	jw_kstr(&w, "format", o->compact ? "compact" : "json");
	jw_key(&w, "filter");
	event_filter__to_json(&o->filter, &w);
	jw_obj_end(&w);
	if (!jw_str(&w) || write(fd, w.buf, w.len) < 0 ||
	    write(fd, "\n", 1) < 0) {
		rc = EXIT_FAIL;
		goto out;
	}
	while (!stop_requested) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		int wait_ms = 500;
		ssize_t n;
		char *nl;

		if (deadline && now_mono_ns() >= deadline)
			break;
		if (poll(&p, 1, wait_ms) <= 0)
			continue;
		n = read(fd, buf + len, sizeof(buf) - len - 1);
		if (n <= 0) {
			pr_err("the engine closed the stream");
			rc = EXIT_FAIL;
			break;
		}
		len += (size_t)n;
		while ((nl = memchr(buf, '\n', len))) {
			*nl = 0;
			if (!strncmp(buf, "{\"ok\":false", 11)) {
				pr_err("engine: %s", buf);
				rc = EXIT_USAGE;
				goto out;
			}
			printf("%s\n", buf);
			len -= (size_t)(nl + 1 - buf);
			memmove(buf, nl + 1, len);
			if (o->max_count && ++count >= o->max_count)
				goto out;
		}
		fflush(stdout);
		if (len == sizeof(buf) - 1)
			len = 0; /* an absurd line: drop it rather than stall */
	}
out:
	fflush(stdout);
	jw_free(&w);
	close(fd);
	return rc;
}

static int run_events(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "type", required_argument, NULL, 't' },
		{ "event-types", required_argument, NULL, 't' },
		{ "pid", required_argument, NULL, 'p' },
		{ "binary", required_argument, NULL, 'b' },
		{ "sandbox", required_argument, NULL, 's' },
		{ "count", required_argument, NULL, 'c' },
		{ "timeout", required_argument, NULL, 'T' },
		{},
	};
	struct events_opts o = {};
	int c, rc;

	while ((c = getopt_long(argc, argv, "o:t:p:b:s:c:T:", opts, NULL)) !=
	       -1) {
		switch (c) {
		case 'o':
			if (strcmp(optarg, "json") &&
			    strcmp(optarg, "compact")) {
				fprintf(stderr,
					"bpflab events: -o takes json or compact\n");
				return EXIT_USAGE;
			}
			o.compact = !strcmp(optarg, "compact");
			break;
		case 't':
			for (char *t = strtok(optarg, ","); t;
			     t = strtok(NULL, ","))
				if (event_filter__add_type(&o.filter, t)) {
					fprintf(stderr,
						"bpflab events: unknown event type '%s' (exec, exit, kprobe, tracepoint, lsm, flow, l7, lb)\n",
						t);
					return EXIT_USAGE;
				}
			break;
		case 'p':
			o.filter.pid = (uint32_t)strtoul(optarg, NULL, 10);
			break;
		case 'b':
			snprintf(o.filter.binary, sizeof(o.filter.binary), "%s",
				 optarg);
			break;
		case 's':
			snprintf(o.filter.sandbox, sizeof(o.filter.sandbox),
				 "%s", optarg);
			break;
		case 'c':
			o.max_count = strtol(optarg, NULL, 10);
			break;
		case 'T':
			if (parse_duration_ns(optarg, &o.timeout_ns)) {
				fprintf(stderr,
					"bpflab events: bad --timeout '%s' (e.g. 5s, 200ms)\n",
					optarg);
				return EXIT_USAGE;
			}
			break;
		default:
			return EXIT_USAGE;
		}
	}
	signal(SIGINT, on_stop_signal);
	signal(SIGTERM, on_stop_signal);
	signal(SIGPIPE, SIG_IGN);
	rc = stream_remote(&o);
	if (rc >= 0)
		return rc;
	return stream_local(&o);
}

CLI_COMMAND(
	events, .name = "events", .alias = "getevents",
	.summary =
		"stream process and enforcement events (Tetragon JSON or compact)",
	.usage =
		"Usage: bpflab events [-o json|compact] [--type T[,T]] [--pid PID]\n"
		"                     [--binary PATH] [--sandbox NAME] [--count N]\n"
		"                     [--timeout DURATION]\n"
		"\n"
		"Stream events as `tetra getevents` does: one JSON object per line with\n"
		"one event key (process_exec, process_exit, process_kprobe, ...), plus\n"
		"node_name and time. Every process carries exec_id, pid, uid, cwd,\n"
		"binary, arguments, start_time and parent_exec_id; every event carries\n"
		"its parent and ancestors (oldest last), and the sandbox it ran in.\n"
		"With an engine running, it subscribes over /run/bpflab/engine.sock;\n"
		"with none, it runs one in this process (proc module only) until\n"
		"stopped.\n"
		"\n"
		"Options:\n"
		"  -o, --output FMT     json (default) or compact (`tetra -o compact`)\n"
		"  -t, --type T         only these types: exec, exit, kprobe, tracepoint,\n"
		"                       lsm, flow, l7, lb (also PROCESS_EXEC, process_exec)\n"
		"  -p, --pid PID        only events of PID or its descendants\n"
		"  -b, --binary PATH    only this binary (a path), or binaries whose path\n"
		"                       contains the word\n"
		"  -s, --sandbox NAME   only events from this sandbox (host: none)\n"
		"  -c, --count N        stop after N events\n"
		"  -T, --timeout D      stop after D (5s, 200ms, 1m)\n"
		"\n"
		"Examples:\n"
		"  bpflab events -o compact\n"
		"  bpflab events --type exec,exit --binary /bin/true\n"
		"  bpflab events --sandbox victim --type kprobe | jq .\n",
	.run = run_events, .needs_root = true, .order = 20);
