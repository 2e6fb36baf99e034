/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The `bpflab` verbs. Each verb's file declares itself with CLI_COMMAND, so
 * adding a verb touches no central table. The usage text is what `bpflab
 * VERB --help` prints: write it like a man page's SYNOPSIS and OPTIONS.
 */
#ifndef BPFLAB_CLI_H
#define BPFLAB_CLI_H

#include <stdbool.h>

struct cli_command {
	const char *name;
	const char *alias; /* may be NULL */
	const char *summary; /* one line for `bpflab --help` */
	const char *usage; /* full text for `bpflab VERB --help` */
	int (*run)(int argc,
		   char **argv); /* argv[0] is the verb; returns exit code */
	bool needs_root;
	int order; /* position in `bpflab --help` */
};

#define CLI_COMMAND(id, ...)                                           \
	static const struct cli_command __cli_cmd_##id __attribute__(( \
		used, section("bl_cmds"), aligned(8))) = { __VA_ARGS__ }

/* Exit codes shared by every verb (sysexits-like). */
enum {
	EXIT_OK = 0,
	EXIT_FAIL = 1, /* the operation failed / a check did not pass */
	EXIT_USAGE = 2, /* bad arguments or input; nothing was changed */
	EXIT_NOPERM = 4, /* not root */
	EXIT_UNSUPPORTED = 5, /* the host lacks a required feature */
};

const struct cli_command *cli_find(const char *name);
void cli_print_usage(const struct cli_command *cmd);
/* Prints "bpflab VERB: must run as root" and returns EXIT_NOPERM if not root. */
int cli_require_root(const char *verb);
/* True when argv holds -h or --help (before a "--"). */
bool cli_wants_help(int argc, char **argv);
/* The verbs sorted by their order field; returns how many. */
int cli_sorted(const struct cli_command **out, int max);

#endif
