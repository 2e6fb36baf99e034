// SPDX-License-Identifier: GPL-2.0
/*
 * `bpflab train NAME`: a scenario as an exercise. The attack first runs
 * against the reference policy in monitor mode (it succeeds and is seen);
 * the trainee then fixes a broken starter policy in $EDITOR; the attack runs
 * again in enforce mode against the trainee's file, and the verdict grades
 * it, with the exercise's hint on failure.
 */
#include <errno.h>
#include <getopt.h>
#include <libgen.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "console/cli.h"
#include "engine/journal.h"
#include "lab/sandbox/sandbox.h"
#include "lab/scenario/scenario.h"
#include "lab/trouble/train.h"
#include "util/jw.h"
#include "util/paths.h"
#include "util/util.h"

static void on_sigint(int sig)
{
	(void)sig;
	/* it only sets sig_atomic_t flags (scenario.c), which clang-tidy
	 * cannot see from here */
	scenario_interrupt(); // NOLINT(bugprone-signal-handler)
}

static int copy_text(const char *src, const char *dst)
{
	char buf[65536];
	ssize_t n = read_file(src, buf, sizeof(buf));

	return n < 0 ? (int)n : write_new_file(dst, buf, 0644);
}

/* $EDITOR FILE (vi when unset), with our terminal; its exit status. */
static int edit(const char *file)
{
	const char *editor = getenv("EDITOR");
	int status;
	pid_t pid;

	/* through sh: EDITOR may carry arguments ("code -w") */
	setenv("BPFLAB_EDITOR", editor && *editor ? editor : "vi", 1);
	signal(SIGINT, SIG_IGN); /* Ctrl-C belongs to the editor now */
	pid = fork();
	if (pid == 0) {
		signal(SIGINT, SIG_DFL);
		execl("/bin/sh", "sh", "-c", "exec $BPFLAB_EDITOR \"$0\"", file,
		      (char *)NULL);
		_exit(127);
	}
	if (pid < 0 || waitpid(pid, &status, 0) < 0)
		status = -1;
	signal(SIGINT, on_sigint);
	return status >= 0 && WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static enum scenario_verdict run(const char *path, struct scenario_opts *so)
{
	enum scenario_verdict v;
	struct jw w;

	jw_init(&w);
	v = scenario_run(path, so, &w);
	jw_free(&w);
	return v;
}

static int run_train(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "sandbox", required_argument, NULL, 's' },
		{ "no-edit", no_argument, NULL, 'n' },
		{ "policy", required_argument, NULL, 'p' },
		{ "answer", required_argument, NULL, 'a' },
		{},
	};
	struct scenario_opts so = { .kind = "ns" };
	char script[PATH_MAX], dir[PATH_MAX], starter[PATH_MAX + 64];
	char hint[PATH_MAX + 64], work[PATH_MAX], text[4096];
	char key[PATH_MAX + 96];
	const char *policy = NULL, *answer = NULL;
	bool no_edit = false;
	enum scenario_verdict v;
	int c, rc;

	/* verifier-safety is not a scenario: `bpflab verifier train` grades it */
	if (argc > 1 && !strcmp(argv[1], "verifier-safety")) {
		const struct cli_command *vf = cli_find("verifier");

		argv[0] = "verifier";
		argv[1] = "train";
		return vf ? vf->run(argc, argv) : EXIT_USAGE;
	}
	optind = 0; /* re-initialise: options may follow NAME */
	while ((c = getopt_long(argc, argv, "s:np:a:", opts, NULL)) != -1) {
		switch (c) {
		case 's':
			so.kind = optarg;
			break;
		case 'n':
			no_edit = true;
			break;
		case 'p':
			policy = optarg;
			break;
		case 'a':
			answer = optarg;
			break;
		default:
			return EXIT_USAGE;
		}
	}
	if (optind + 1 != argc) {
		cli_print_usage(cli_find("train"));
		return EXIT_USAGE;
	}
	if ((rc = cli_require_root("train")))
		return rc;
	if (scenario_find(argv[optind], script, sizeof(script))) {
		fprintf(stderr, "bpflab train: no scenario '%s'\n",
			argv[optind]);
		return EXIT_USAGE;
	}
	snprintf(dir, sizeof(dir), "%s", script);
	snprintf(starter, sizeof(starter), "%s/training/%s.yaml", dirname(dir),
		 argv[optind]);
	snprintf(hint, sizeof(hint), "%s/training/%s.hint", dir, argv[optind]);
	/* "network or app?" exercises are graded by an answer, not a policy */
	snprintf(key, sizeof(key), "%s/policies/%s.answer", dir, argv[optind]);
	if (!access(key, R_OK)) {
		journal_set_scope("lab");
		signal(SIGINT, on_sigint);
		return trouble_train(argv[optind], script, key, answer, &so);
	}
	if (access(starter, R_OK)) {
		fprintf(stderr, "bpflab train: '%s' has no exercise (%s)\n",
			argv[optind], starter);
		return EXIT_USAGE;
	}
	journal_set_scope("lab");
	signal(SIGINT, on_sigint);
	/* the trainee's copy: kept between attempts, so a second try resumes */
	if (policy) {
		snprintf(work, sizeof(work), "%s", policy);
	} else {
		snprintf(work, sizeof(work), "%s/train", bl_run_dir());
		mkdir_p(work, 0700);
		snprintf(work, sizeof(work), "%s/train/%s.yaml", bl_run_dir(),
			 argv[optind]);
	}
	if (access(work, R_OK) && copy_text(starter, work)) {
		fprintf(stderr, "bpflab train: cannot write %s\n", work);
		return EXIT_FAIL;
	}

	printf("Step 1 of 3: the attack, watched but not stopped (monitor mode)\n");
	so.mode = "monitor";
	v = run(script, &so);
	if (v == SCENARIO_ERROR) {
		fprintf(stderr,
			"bpflab train: the lab could not run the attack\n");
		return 3;
	}
	printf("\nStep 2 of 3: make the policy stop it: %s\n", work);
	if (!no_edit) {
		if (edit(work)) {
			fprintf(stderr,
				"bpflab train: the editor failed; your file is %s\n",
				work);
			return EXIT_FAIL;
		}
	}
	printf("\nStep 3 of 3: the attack again, against your policy (enforce mode)\n");
	so.mode = "enforce";
	so.policy = work;
	v = run(script, &so);
	if (v == SCENARIO_PASS) {
		printf("\nPASSED: your policy stopped the attack.\n");
		return EXIT_OK;
	}
	printf("\n%s: the attack was not stopped.\n",
	       v == SCENARIO_FAIL ? "NOT YET" : "ERROR");
	if (read_file(hint, text, sizeof(text)) > 0)
		printf("Hint:\n%s", text);
	printf("Edit %s and run `bpflab train %s` again.\n", work,
	       argv[optind]);
	return v == SCENARIO_FAIL ? EXIT_FAIL : 3;
}

CLI_COMMAND(
	train, .name = "train",
	.summary = "a scenario as an exercise: fix the policy, get graded",
	.usage =
		"Usage: bpflab train NAME [--sandbox KIND] [--policy FILE] [--no-edit]\n"
		"                   [--answer LAYER:OBJECT]\n"
		"\n"
		"Turns scenario NAME into an exercise in three steps:\n"
		"  1. the attack runs with the reference policy in monitor mode: it\n"
		"     succeeds, and the engine reports it;\n"
		"  2. your copy of the exercise's starter policy (scenarios/training/\n"
		"     NAME.yaml, which does not stop the attack) opens in $EDITOR;\n"
		"  3. the attack runs again in enforce mode against your file; PASSED\n"
		"     when it is stopped, else a hint.\n"
		"Your copy is kept in $BPFLAB_RUN_DIR/train/NAME.yaml between attempts.\n"
		"Exercises: passwd-write, c2-connect, container-escape.\n"
		"\n"
		"Troubleshooting (\"network or app?\"): trouble-netpol, trouble-app,\n"
		"trouble-mysql, trouble-backend stage a fault on the lab and show the\n"
		"evidence; you then answer which layer failed (network, app, database,\n"
		"lb) and which object (policy, service, backend, query) as LAYER:OBJECT,\n"
		"at the prompt or with --answer; a wrong answer gets a hint.\n"
		"verifier-safety: the same as `bpflab verifier train` (its options).\n"
		"\n"
		"Options:\n"
		"  -s, --sandbox KIND  sandbox kind for the attack (default ns)\n"
		"  -p, --policy FILE   grade FILE (copied from the starter if missing)\n"
		"  -n, --no-edit       do not open an editor: grade the file as it is\n"
		"  -a, --answer L:OBJ  troubleshooting: grade this answer, do not ask\n"
		"\n"
		"Exit status: 0 PASSED, 1 not yet, 2 usage, 3 the lab broke.\n",
	.run = run_train, .needs_root = true, .order = 63);
