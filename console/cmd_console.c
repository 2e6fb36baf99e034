// SPDX-License-Identifier: GPL-2.0
/*
 * `bpflab console`: the ncurses console. It runs the engine in this process
 * (every module) and lives in the engine's loop. When another engine is
 * already running, it stops with a message rather than attach: the console
 * shows data (program stats, process CPU) that only the engine's own
 * process has, and two engines cannot hold the lock.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "console/cli.h"
#include "console/tui/model_procs.h"
#include "console/tui/tui.h"
#include "engine/engine.h"
#include "util/log.h"

#define MAX_MODULES 32

/* The modules, as the engine registers them (ENGINE_MODULE's section). */
extern const struct engine_module __start_bl_modules[] __attribute__((weak));
extern const struct engine_module __stop_bl_modules[] __attribute__((weak));

/*
 * Every module, one at a time, so one that cannot load on this host (or
 * in this build) leaves the others running: the console then says which
 * one is missing and why, and its screens show "not loaded".
 */
static int start_engine(struct engine **out, char *failed, size_t size)
{
	struct engine_opts opts = { .verbose = log_get_level() >= LOG_DEBUG };
	const struct engine_module *order[MAX_MODULES];
	struct engine *e;
	int n = 0, err = engine__open(&e, &opts);
	size_t used = 0;

	if (err) {
		fprintf(stderr, "bpflab console: cannot start the engine: %s\n",
			strerror(-err));
		return err;
	}
	failed[0] = 0;
	for (const struct engine_module *m = __start_bl_modules;
	     m < __stop_bl_modules && n < MAX_MODULES; m++)
		order[n++] = m;
	for (int i = 1; i < n; i++) /* by load order, as the engine does */
		for (int j = i; j > 0 && order[j]->order < order[j - 1]->order;
		     j--) {
			const struct engine_module *tmp = order[j];

			order[j] = order[j - 1];
			order[j - 1] = tmp;
		}
	for (int i = 0; i < n; i++) {
		const char *one[] = { order[i]->name, NULL };

		err = engine__load_modules(e, one);
		if (err && used < size)
			used += (size_t)snprintf(failed + used, size - used,
						 "%s%s (%s)", used ? ", " : "",
						 order[i]->name,
						 strerror(-err));
	}
	err = engine__serve(e);
	if (err) {
		fprintf(stderr, "bpflab console: control socket: %s\n",
			strerror(-err));
		engine__close(e);
		return err;
	}
	*out = e;
	return 0;
}

static int parse_speed(const char *s, double *out)
{
	char *end;

	*out = strtod(s, &end);
	if (end == s || *end || *out <= 0 || *out > 1000) {
		fprintf(stderr,
			"bpflab console: --speed takes a factor in (0, 1000], e.g. 1, 4, 0.5\n");
		return -EINVAL;
	}
	return 0;
}

static int run_console(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "record", required_argument, NULL, 'r' },
		{ "replay", required_argument, NULL, 'R' },
		{ "speed", required_argument, NULL, 'S' },
		{ "demo", required_argument, NULL, 'd' },
		{ "auto", no_argument, NULL, 'a' },
		{ "no-lab", no_argument, NULL, 'n' },
		{},
	};
	struct tui_opts o = { .speed = 1 };
	char failed[512] = "";
	char self[PATH_MAX];
	struct engine *e = NULL;
	ssize_t len;
	int c, err;

	while ((c = getopt_long(argc, argv, "r:R:S:d:an", opts, NULL)) != -1) {
		switch (c) {
		case 'r':
			o.record = optarg;
			break;
		case 'R':
			o.replay = optarg;
			break;
		case 'S':
			if (parse_speed(optarg, &o.speed))
				return EXIT_USAGE;
			break;
		case 'd':
			o.demo = optarg;
			break;
		case 'a':
			o.demo_auto = true;
			break;
		case 'n':
			o.no_lab = true;
			break;
		default:
			return EXIT_USAGE;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "bpflab console: unexpected argument '%s'\n",
			argv[optind]);
		return EXIT_USAGE;
	}
	if (o.replay && (o.record || o.demo)) {
		fprintf(stderr,
			"bpflab console: --replay cannot be combined with --record or --demo\n");
		return EXIT_USAGE;
	}
	if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO)) {
		fprintf(stderr,
			"bpflab console: needs a terminal (try `bpflab events` for a stream)\n");
		return EXIT_USAGE;
	}
	len = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (len <= 0)
		return EXIT_FAIL;
	self[len] = 0;
	o.self = self;
	if (!o.replay) {
		if ((err = cli_require_root("console")))
			return err;
		if (engine_is_running()) {
			fprintf(stderr,
				"bpflab console: an engine is already running (see `bpflab status`).\n"
				"The console runs its own engine: stop the other one with `bpflab down`,\n"
				"or watch its events with `bpflab events -o compact`.\n");
			return EXIT_FAIL;
		}
		fprintf(stderr,
			"bpflab console: loading the engine (all modules)...\n");
		if (start_engine(&e, failed, sizeof(failed)))
			return EXIT_FAIL;
		o.failed_modules = failed;
	}
	err = tui_run(e, &o);
	mprocs_shutdown();
	engine__close(e);
	if (err)
		fprintf(stderr, "bpflab console: %s\n", strerror(-err));
	return err ? EXIT_FAIL : EXIT_OK;
}

CLI_COMMAND(
	console, .name = "console", .alias = "tui",
	.summary = "the ncurses console: every pillar live on nine screens",
	.usage =
		"Usage: bpflab console [--record FILE] [--no-lab] [--demo SCRIPT [--auto]]\n"
		"       bpflab console --replay FILE [--speed N]\n"
		"\n"
		"An htop-like console over the engine, which it runs in this process with\n"
		"every module (proc, enforce, lb, observe, ...) and stops on exit, removing\n"
		"everything it made. If another engine is running it refuses and says so:\n"
		"stop that one with `bpflab down` first. Scenarios run in this process,\n"
		"as Lua coroutines resumed by the console's one loop (nothing blocks it);\n"
		"benches and the troubleshooting exercises run as children that talk to\n"
		"this console's engine over its control socket.\n"
		"\n"
		"Screens (keys 1-9): 1 Overview, 2 Flows, 3 Service map, 4 Security,\n"
		"5 Processes, 6 Programs, 7 Bench, 8 Scenarios, 9 Policies & services.\n"
		"The top row shows the programs this engine loaded, events/s, lost\n"
		"events, kills, drops, sandboxes up and the policy mode.\n"
		"\n"
		"Keys: F1/? help, F10/q quit, 1-9 screens, arrows PgUp PgDn Home End,\n"
		"/ filter (Esc clears), s sort, Tab pane, Space pause, Enter details\n"
		"(Security: story line; Flows: the flow; Programs: graphs), t tree\n"
		"(Processes), l e L E run a bench and < > older/newer results (Bench),\n"
		"x stop the scenario or bench, n next demo step, Ctrl-L redraw.\n"
		"\n"
		"Options:\n"
		"  -r, --record FILE   also write every event to FILE, one JSON line each\n"
		"                      (the shape of `bpflab events`)\n"
		"  -R, --replay FILE   play a recorded FILE back instead of running an\n"
		"                      engine (no root needed)\n"
		"  -S, --speed N       replay N times faster (default 1: original pace)\n"
		"  -d, --demo SCRIPT   run a scripted demo (scenarios/demos/*.demo);\n"
		"                      n or Right advances at each pause\n"
		"  -a, --auto          with --demo: advance by itself after 4 s\n"
		"  -n, --no-lab        do not bring up the default lab (`bpflab lab up`,\n"
		"                      run at start and taken down at exit when this\n"
		"                      console brought it up); scenarios still make\n"
		"                      their own sandboxes\n"
		"\n"
		"It needs a terminal of at least 80x24; colours fall back to monochrome\n"
		"(or NO_COLOR=1), box drawing to ASCII when the locale is not UTF-8.\n"
		"\n"
		"Examples:\n"
		"  sudo bpflab console --record /tmp/session.jsonl\n"
		"  bpflab console --replay /tmp/session.jsonl --speed 4\n"
		"  sudo bpflab console --demo scenarios/demos/three-pillars.demo --auto\n",
	.run = run_console, .needs_root = false, .order = 5);
