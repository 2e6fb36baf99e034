// SPDX-License-Identifier: GPL-2.0
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "console/cli.h"

extern const struct cli_command __start_bl_cmds[];
extern const struct cli_command __stop_bl_cmds[];

const struct cli_command *cli_find(const char *name)
{
	for (const struct cli_command *c = __start_bl_cmds; c < __stop_bl_cmds;
	     c++)
		if (!strcmp(c->name, name) ||
		    (c->alias && !strcmp(c->alias, name)))
			return c;
	return NULL;
}

void cli_print_usage(const struct cli_command *cmd)
{
	fputs(cmd->usage ? cmd->usage : cmd->summary, stdout);
}

int cli_require_root(const char *verb)
{
	if (geteuid() == 0)
		return 0;
	fprintf(stderr,
		"bpflab %s: must run as root (it loads eBPF programs and changes "
		"namespaces); try: sudo bpflab %s\n",
		verb, verb);
	return EXIT_NOPERM;
}

bool cli_wants_help(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--"))
			break;
		if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help"))
			return true;
	}
	return false;
}

/* The verbs in their declared order, for the top-level help. */
int cli_sorted(const struct cli_command **out, int max)
{
	int n = 0;

	for (const struct cli_command *c = __start_bl_cmds;
	     c < __stop_bl_cmds && n < max; c++)
		out[n++] = c;
	for (int i = 1; i < n; i++)
		for (int j = i; j > 0 && out[j]->order < out[j - 1]->order;
		     j--) {
			const struct cli_command *t = out[j];

			out[j] = out[j - 1];
			out[j - 1] = t;
		}
	return n;
}
