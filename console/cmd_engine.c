// SPDX-License-Identifier: GPL-2.0
/* `bpflab engine`: run the engine in the foreground, or as a daemon. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "console/cli.h"
#include "console/engine_run.h"
#include "engine/engine.h"
#include "engine/journal.h"
#include "util/log.h"
#include "util/paths.h"
#include "util/util.h"

static int split_modules(char *list, const char **out, int max)
{
	int n = 0;

	for (char *tok = strtok(list, ","); tok && n < max - 1;
	     tok = strtok(NULL, ","))
		out[n++] = tok;
	out[n] = NULL;
	return n;
}

int engine_start(struct engine **out, const char *const *modules, bool serve)
{
	struct engine_opts opts = { .verbose = log_get_level() >= LOG_DEBUG };
	struct engine *e;
	int err = engine__open(&e, &opts);

	if (err == -EBUSY) {
		pr_err("another engine is running (see `bpflab status`; "
		       "`bpflab down` stops it)");
		return err;
	}
	if (err) {
		pr_err("cannot start the engine: %s", strerror(-err));
		return err;
	}
	err = engine__load_modules(e, modules);
	if (!err && serve)
		err = engine__serve(e);
	if (err) {
		engine__close(e);
		return err;
	}
	*out = e;
	return 0;
}

/*
 * The daemon's log outlives `bpflab down` (which removes the run dir), so a
 * failed start can still be read: /var/log/bpflab/<run dir name>.log.
 */
static char *daemon_log_path(char *buf, size_t size)
{
	const char *base = strrchr(bl_run_dir(), '/');

	mkdir_p("/var/log/bpflab", 0750);
	snprintf(buf, size, "/var/log/bpflab/%s.log",
		 base && base[1] ? base + 1 : "bpflab");
	return buf;
}

/* Fork; the child becomes the engine and reports readiness through a pipe. */
static int daemonize(const char *const *modules)
{
	char logpath[256], ok;
	int pfd[2], status, fd;
	struct engine *e;
	pid_t pid;

	if (pipe2(pfd, O_CLOEXEC))
		return EXIT_FAIL;
	pid = fork();
	if (pid < 0)
		return EXIT_FAIL;
	if (pid > 0) {
		close(pfd[1]);
		if (read(pfd[0], &ok, 1) == 1) {
			printf("engine started (pid %d); log: %s\n", pid,
			       daemon_log_path(logpath, sizeof(logpath)));
			return EXIT_OK;
		}
		waitpid(pid, &status, 0);
		fprintf(stderr,
			"bpflab engine: the daemon failed to start; see %s\n",
			daemon_log_path(logpath, sizeof(logpath)));
		return EXIT_FAIL;
	}
	close(pfd[0]);
	setsid();
	fd = open(daemon_log_path(logpath, sizeof(logpath)),
		  O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
	if (fd >= 0) {
		dup2(fd, STDOUT_FILENO);
		dup2(fd, STDERR_FILENO);
		close(fd);
	}
	fd = open("/dev/null", O_RDONLY);
	if (fd >= 0) {
		dup2(fd, STDIN_FILENO);
		close(fd);
	}
	if (engine_start(&e, modules, true))
		_exit(EXIT_FAIL);
	if (write(pfd[1], "1", 1) != 1)
		pr_debug("parent gone before readiness");
	close(pfd[1]);
	pr_info("engine ready (pid %d)", getpid());
	engine__run(e);
	engine__close(e);
	journal_tidy_run_dir(); /* _exit skips main's */
	_exit(EXIT_OK);
}

static int run_engine(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "daemon", no_argument, NULL, 'd' },
		{ "modules", required_argument, NULL, 'm' },
		{},
	};
	const char *mods[16], *const *modules = NULL;
	struct engine *e;
	bool daemon = false;
	int c;

	while ((c = getopt_long(argc, argv, "dm:", opts, NULL)) != -1) {
		switch (c) {
		case 'd':
			daemon = true;
			break;
		case 'm':
			split_modules(optarg, mods, 16);
			modules = mods;
			break;
		default:
			return EXIT_USAGE;
		}
	}
	if (daemon)
		return daemonize(modules);
	if (engine_start(&e, modules, true))
		return EXIT_FAIL;
	fprintf(stderr,
		"bpflab: engine running (pid %d); Ctrl-C stops it and "
		"removes everything it created\n",
		getpid());
	engine__run(e);
	engine__close(e);
	return EXIT_OK;
}

CLI_COMMAND(
	engine, .name = "engine", .alias = "up",
	.summary =
		"run the engine (one per host) in the foreground or as a daemon",
	.usage =
		"Usage: bpflab engine [--daemon] [--modules LIST]\n"
		"\n"
		"Run bpflab's engine: it takes the host lock in /run/bpflab, mounts\n"
		"bpffs and tracefs if they are missing, loads the kernel modules,\n"
		"consumes every ring buffer in one loop, and serves the control\n"
		"socket /run/bpflab/engine.sock that other verbs and subscribers use.\n"
		"Everything it creates is journaled; Ctrl-C (or `bpflab down`) removes\n"
		"it, and the next start after a crash removes what a crash left.\n"
		"\n"
		"Options:\n"
		"  -d, --daemon         detach; return once the socket answers. Logs go\n"
		"                       to /var/log/bpflab/bpflab.log.\n"
		"  -m, --modules LIST   comma-separated modules to load: proc, enforce,\n"
		"                       netpol, lb, observe, or all (default: the\n"
		"                       default-on modules)\n"
		"\n"
		"Environment:\n"
		"  BPFLAB_RUN_DIR       use another run directory than /run/bpflab\n"
		"\n"
		"Exit status: 0 after a clean stop; 1 if it could not start (another\n"
		"engine holds the lock, a hook failed to load); 4 if not root.\n",
	.run = run_engine, .needs_root = true, .order = 10);
