// SPDX-License-Identifier: GPL-2.0
/*
 * `bpflab verifier`: the verifier-safety exercise. `show` loads each unsafe
 * program and its fix for real and prints the kernel's verdict; `train`
 * hands the trainee one unsafe source to fix, compiles it with clang and
 * grades it by loading it.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "console/cli.h"
#include "lab/sandbox/sandbox.h"
#include "lab/verifier/verifier.h"
#include "util/jw.h"
#include "util/paths.h"
#include "util/util.h"

#define DEFAULT_CASE "null"

static bool color;

static const char *hl_on(void)
{
	return color ? "\033[1;31m" : "";
}

static const char *hl_off(void)
{
	return color ? "\033[0m" : "";
}

static void print_result(const char *label, const struct vf_result *r)
{
	if (r->accepted) {
		printf("  %-7s ACCEPTED by the kernel verifier: %s\n", label,
		       r->summary[0] ? r->summary : "loaded");
		return;
	}
	printf("  %-7s REJECTED by the kernel verifier (%s)\n", label,
	       strerror(-r->err));
	if (r->source_line[0])
		printf("    %s>> %s%s\n", hl_on(), r->source_line + 2,
		       hl_off());
	if (r->insn[0])
		printf("       %s\n", r->insn);
	printf("       %s%s%s\n", hl_on(), r->message, hl_off());
}

static void json_result(struct jw *w, const char *key,
			const struct vf_result *r)
{
	jw_key(w, key);
	jw_obj_begin(w);
	jw_kbool(w, "accepted", r->accepted);
	jw_kint(w, "errno", -r->err);
	jw_kstr(w, "message", r->message);
	jw_kstr(w, "source_line", r->source_line[0] ? r->source_line + 2 : "");
	jw_kstr(w, "insn", r->insn);
	jw_kstr(w, "summary", r->summary);
	jw_obj_end(w);
}

/* Both builds of one case; true when unsafe is rejected and fixed accepted. */
static int show_case(const struct vf_case *c, struct jw *w, bool *as_taught)
{
	struct vf_result bad = {}, good = {};
	const void *elf;
	size_t size;
	int err;

	elf = c->unsafe_elf(&size);
	err = vf_load_elf(elf, size, c->name, &bad);
	if (err)
		goto out;
	elf = c->fixed_elf(&size);
	err = vf_load_elf(elf, size, c->name, &good);
	if (err)
		goto out;
	*as_taught = !bad.accepted && good.accepted;
	if (w) {
		jw_obj_begin(w);
		jw_kstr(w, "case", c->name);
		jw_kstr(w, "title", c->title);
		jw_kstr(w, "source", c->source);
		json_result(w, "unsafe", &bad);
		json_result(w, "fixed", &good);
		jw_obj_end(w);
	} else {
		printf("Case %s: %s (%s)\n", c->name, c->title, c->source);
		print_result("unsafe", &bad);
		print_result("fixed", &good);
		printf("\n");
	}
out:
	vf_result__free(&bad);
	vf_result__free(&good);
	return err;
}

static int cmd_show(int argc, char **argv, bool json)
{
	bool all_taught = true, taught;
	struct jw w;
	int rc = EXIT_OK;

	for (int j = 0; j < argc; j++) {
		if (!vf_case_find(argv[j])) {
			fprintf(stderr,
				"bpflab verifier: no case '%s' (try `list`)\n",
				argv[j]);
			return EXIT_USAGE;
		}
	}
	jw_init(&w);
	if (json)
		jw_arr_begin(&w);
	for (int i = 0; i < vf_n_cases; i++) {
		const struct vf_case *c = &vf_cases[i];
		bool wanted = argc == 0;
		int err;

		for (int j = 0; j < argc; j++)
			wanted |= !strcmp(argv[j], c->name);
		if (!wanted)
			continue;
		err = show_case(c, json ? &w : NULL, &taught);
		if (err) {
			fprintf(stderr,
				"bpflab verifier: %s: cannot open: %s\n",
				c->name, strerror(-err));
			rc = EXIT_FAIL;
			goto out;
		}
		all_taught &= taught;
	}
	if (json) {
		jw_arr_end(&w);
		printf("%s\n", jw_str(&w));
	} else {
		printf("%s\n",
		       all_taught ?
			       "Every unsafe program was refused and every fix accepted." :
			       "UNEXPECTED: an unsafe program loaded or a fix was refused.");
	}
	rc = all_taught ? EXIT_OK : EXIT_FAIL;
out:
	jw_free(&w);
	return rc;
}

/* $EDITOR FILE (vi when unset); its exit status. */
static int edit(const char *file)
{
	const char *editor = getenv("EDITOR");
	int status;
	pid_t pid;

	/* through sh: EDITOR may carry arguments ("code -w") */
	setenv("BPFLAB_EDITOR", editor && *editor ? editor : "vi", 1);
	pid = fork();
	if (pid == 0) {
		execl("/bin/sh", "sh", "-c", "exec $BPFLAB_EDITOR \"$0\"", file,
		      (char *)NULL);
		_exit(127);
	}
	if (pid < 0 || waitpid(pid, &status, 0) < 0)
		return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static int copy_text(const char *src, const char *dst)
{
	char buf[65536];
	ssize_t n = read_file(src, buf, sizeof(buf));

	return n < 0 ? (int)n : write_new_file(dst, buf, 0644);
}

/* The program the grader expects: named as in the case, the only one. */
static bool right_program(const struct vf_case *c, const char *obj_path,
			  char *why, size_t whylen)
{
	char want[32];
	int n;
	bool found = false;

	snprintf(want, sizeof(want), "bl_vf_%s", c->name);
	n = vf_count_programs(obj_path, want, &found);
	if (n < 0) {
		snprintf(why, whylen, "cannot read the object: %s",
			 strerror(-n));
		return false;
	}
	if (!found)
		snprintf(why, whylen, "the program must still be %s()", want);
	else if (n != 1)
		snprintf(why, whylen, "keep one program in the file (found %d)",
			 n);
	return found && n == 1;
}

static int cmd_train(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "file", required_argument, NULL, 'f' },
		{ "no-edit", no_argument, NULL, 'n' },
		{},
	};
	char dir[PATH_MAX], src[PATH_MAX + 64], work[PATH_MAX],
		obj[PATH_MAX + 8];
	char *msgs = NULL, why[160];
	const struct vf_case *c;
	const char *file = NULL;
	struct vf_result res = {};
	bool no_edit = false;
	int opt, rc = 3, err;
	const void *elf;
	size_t size;

	optind =
		0; /* full re-initialisation: the dispatcher scanned with "+" */
	while ((opt = getopt_long(argc, argv, "f:n", opts, NULL)) != -1) {
		switch (opt) {
		case 'f':
			file = optarg;
			no_edit = true;
			break;
		case 'n':
			no_edit = true;
			break;
		default:
			return EXIT_USAGE;
		}
	}
	if (optind + 1 < argc) {
		cli_print_usage(cli_find("verifier"));
		return EXIT_USAGE;
	}
	c = vf_case_find(optind < argc ? argv[optind] : DEFAULT_CASE);
	if (!c) {
		fprintf(stderr, "bpflab verifier: no case '%s' (try `list`)\n",
			argv[optind]);
		return EXIT_USAGE;
	}
	if (vf_source_dir(dir, sizeof(dir))) {
		fprintf(stderr,
			"bpflab verifier: the case sources are missing (set BPFLAB_VERIFIER_DIR)\n");
		return 3;
	}
	snprintf(src, sizeof(src), "%s/%s", dir, c->source);
	if (file) {
		snprintf(work, sizeof(work), "%s", file);
	} else {
		bl_run_path(work, sizeof(work), "train");
		mkdir_p(work, 0700);
		snprintf(work + strlen(work), sizeof(work) - strlen(work),
			 "/verifier-%s.bpf.c", c->name);
	}
	/* the trainee's copy is kept between attempts */
	if (access(work, R_OK) && copy_text(src, work)) {
		fprintf(stderr, "bpflab verifier: cannot write %s\n", work);
		return EXIT_FAIL;
	}
	snprintf(obj, sizeof(obj), "%s.o", work);

	printf("Step 1 of 3: the unsafe program, as the kernel sees it\n");
	elf = c->unsafe_elf(&size);
	err = vf_load_elf(elf, size, c->name, &res);
	if (err) {
		fprintf(stderr, "bpflab verifier: %s\n", strerror(-err));
		goto out;
	}
	print_result("unsafe", &res);
	vf_result__free(&res);

	printf("\nStep 2 of 3: fix %s so the verifier accepts it\n", work);
	if (!no_edit && edit(work)) {
		fprintf(stderr,
			"bpflab verifier: the editor failed; your file is %s\n",
			work);
		rc = EXIT_FAIL;
		goto out;
	}

	printf("\nStep 3 of 3: compile (clang -target bpf) and load your file\n");
	msgs = calloc(1, 16384);
	if (!msgs) {
		rc = 3;
		goto out;
	}
	err = vf_compile(work, obj, msgs, 16384);
	if (err == -ENOENT) {
		fprintf(stderr,
			"bpflab verifier: clang or the kernel's types are missing\n%s",
			msgs);
		goto out;
	}
	if (err) {
		printf("%s\nNOT YET: your file does not compile.\n", msgs);
		rc = EXIT_FAIL;
		goto hint;
	}
	if (!right_program(c, obj, why, sizeof(why))) {
		printf("NOT YET: %s.\n", why);
		rc = EXIT_FAIL;
		goto hint;
	}
	err = vf_load_file(obj, &res);
	if (err) {
		fprintf(stderr, "bpflab verifier: %s: %s\n", obj,
			strerror(-err));
		goto out;
	}
	print_result("yours", &res);
	if (!res.accepted) {
		printf("\nNOT YET: the verifier still refuses it.\n");
		rc = EXIT_FAIL;
		goto hint;
	}
	err = vf_same_behaviour(c, obj, why, sizeof(why));
	if (err < 0) {
		fprintf(stderr, "bpflab verifier: test run: %s\n",
			strerror(-err));
		goto out;
	}
	if (err) {
		printf("\nNOT YET: the verifier accepts it, but it does not do the job:\n%s.\n",
		       why);
		rc = EXIT_FAIL;
		goto hint;
	}
	printf("\nPASSED: the kernel verifier accepts your program, and on test\n"
	       "packets it does what the shipped fix does.\n");
	rc = EXIT_OK;
	goto out;
hint:
	printf("Hint:\n%s", c->hint);
	printf("Edit %s and run `bpflab verifier train %s%s%s` again.\n", work,
	       c->name, file ? " --file " : "", file ? file : "");
out:
	unlink(obj);
	vf_result__free(&res);
	free(msgs);
	return rc;
}

static int run_verifier(int argc, char **argv)
{
	const char *sub = argc > 1 ? argv[1] : "show";
	bool json = false;
	int rc, skip;

	color = isatty(STDOUT_FILENO);
	if (!strcmp(sub, "list")) {
		for (int i = 0; i < vf_n_cases; i++)
			printf("%-5s %s (%s)\n", vf_cases[i].name,
			       vf_cases[i].title, vf_cases[i].source);
		return EXIT_OK;
	}
	if ((rc = cli_require_root("verifier")))
		return rc;
	if (!strcmp(sub, "train"))
		return cmd_train(argc - 1, argv + 1);
	if (strcmp(sub, "show")) {
		cli_print_usage(cli_find("verifier"));
		return EXIT_USAGE;
	}
	/* past "verifier" and, when given, "show" */
	skip = argc > 1 ? 2 : 1;
	argc -= skip;
	argv += skip;
	if (argc > 0 && !strcmp(argv[0], "--json")) {
		json = true;
		color = false;
		argc--;
		argv++;
	}
	return cmd_show(argc, argv, json);
}

CLI_COMMAND(
	verifier, .name = "verifier",
	.summary =
		"the verifier-safety exercise: unsafe programs, the kernel's verdict, a fix to grade",
	.usage =
		"Usage: bpflab verifier list\n"
		"       bpflab verifier show [--json] [CASE...]\n"
		"       bpflab verifier train [CASE] [--file FILE] [--no-edit]\n"
		"\n"
		"Four deliberately unsafe BPF programs (lab/verifier/vf_*.bpf.c, compiled\n"
		"at build time) and their fixed versions:\n"
		"  oob   an out-of-bounds packet read\n"
		"  null  a map value dereferenced without a NULL check\n"
		"  loop  an unbounded loop\n"
		"  ctx   a write to a read-only context field (skb->len)\n"
		"\n"
		"  list   the cases\n"
		"  show   load each unsafe program for real and print the kernel\n"
		"         verifier's own message, with the source line it was\n"
		"         checking (from BTF line info) highlighted; then load the\n"
		"         fixed version and show it is accepted. Exit 0 when every\n"
		"         unsafe program is refused and every fix accepted.\n"
		"  train  the exercise (default case: " DEFAULT_CASE
		"): the unsafe source is\n"
		"         copied to $BPFLAB_RUN_DIR/train/verifier-CASE.bpf.c (kept\n"
		"         between attempts) and opened in $EDITOR; the file is then\n"
		"         compiled with clang -target bpf and loaded. PASSED when the\n"
		"         verifier accepts it (the program keeps its name, bl_vf_CASE)\n"
		"         and, run next to the shipped fix with BPF_PROG_TEST_RUN on\n"
		"         test packets, it returns the same, leaves the same packet and\n"
		"         the same map contents; else NOT YET with the verifier's\n"
		"         message or what differs, and a hint.\n"
		"\n"
		"Options:\n"
		"  --json          show: one JSON array, one object per case\n"
		"  -f, --file FILE train: grade FILE without opening an editor (FILE\n"
		"                  is created from the unsafe source if missing)\n"
		"  -n, --no-edit   train: grade the kept copy as it is\n"
		"\n"
		"Environment: BPFLAB_VERIFIER_DIR, where the case sources are (default\n"
		"../lab/verifier next to the binary).\n"
		"\n"
		"Exit status: 0 PASSED / as taught, 1 not yet, 2 usage, 3 the lab broke,\n"
		"4 not root.\n",
	.run = run_verifier, .needs_root = true, .order = 64);
