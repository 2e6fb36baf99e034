// SPDX-License-Identifier: GPL-2.0
/* `bpflab down`: stop the engine and remove everything bpflab made. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "console/cli.h"
#include "engine/engine.h"
#include "engine/journal.h"
#include "util/log.h"
#include "util/paths.h"
#include "util/util.h"

/* Wait for the running engine to let go of the lock; return the held lock fd. */
static int lock_after_stop(int wait_ms)
{
	char path[256];
	int fd = open(bl_run_path(path, sizeof(path), "engine.lock"),
		      O_RDWR | O_CREAT | O_CLOEXEC, 0600);

	if (fd < 0)
		return -errno;
	for (int waited = 0; flock(fd, LOCK_EX | LOCK_NB); waited += 50) {
		if (waited >= wait_ms) {
			close(fd);
			return -EBUSY;
		}
		usleep(50000);
	}
	return fd;
}

/* What is left in the run dir once the journal is empty is state files. */
static void remove_run_dir(void)
{
	const char *dir = bl_run_dir(), *base = strrchr(dir, '/');

	rmdir(BL_PIN_DIR);
	/* never rm -rf a directory that is not bpflab's own */
	if (!base || strncmp(base + 1, "bpflab", 6)) {
		pr_warn("not removing %s: its name does not start with bpflab",
			dir);
		return;
	}
	if (remove_tree(dir))
		pr_warn("could not remove everything in %s", dir);
}

static int run_down(int argc, char **argv)
{
	bool verbose = log_get_level() >= LOG_DEBUG ||
		       (argc > 1 && !strcmp(argv[1], "-v"));
	char *reply = NULL;
	int fd, left;

	if (!engine_client_call("{\"op\":\"stop\"}", &reply)) {
		printf("engine: stopping\n");
		free(reply);
	}
	fd = lock_after_stop(20000);
	if (fd < 0) {
		pr_err("the engine did not stop within 20 s; nothing removed");
		return EXIT_FAIL;
	}
	left = journal_cleanup(NULL, true);
	if (!left)
		remove_run_dir(); /* the lock file goes too, while we hold it */
	close(fd);
	if (left) {
		pr_err("%d resource(s) could not be removed (see above)", left);
		return EXIT_FAIL;
	}
	if (verbose)
		printf("host clean: nothing from bpflab remains\n");
	return EXIT_OK;
}

CLI_COMMAND(
	down, .name = "down",
	.summary = "stop the engine and remove everything bpflab created",
	.usage =
		"Usage: bpflab down [-v]\n"
		"\n"
		"Stop a running engine, then undo every resource in the journal,\n"
		"newest first: programs' attachments, pins, sandboxes and their\n"
		"cgroups, network namespaces, veths, bridges, iptables chains and\n"
		"mounts. Safe to run at any time, also after a crash.\n"
		"\n"
		"Exit status: 0 when nothing from bpflab remains; 1 otherwise (the\n"
		"resources left are printed).\n",
	.run = run_down, .needs_root = true, .order = 11);
