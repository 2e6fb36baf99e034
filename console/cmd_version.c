// SPDX-License-Identifier: GPL-2.0
#include <stdio.h>

#include "console/cli.h"

static int run_version(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	printf("bpflab 0.1.0\n");
	return EXIT_OK;
}

CLI_COMMAND(version, .name = "version", .summary = "print the version",
	    .usage = "Usage: bpflab version\n\nPrint bpflab's version.\n",
	    .run = run_version, .order = 99);
