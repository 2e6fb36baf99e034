// SPDX-License-Identifier: GPL-2.0
/*
 * `bpflab train trouble-*`: stage the incident (the scenario runs and
 * shows its evidence through bpflab's own outputs), then ask which layer
 * failed and which object, and grade the answer with a hint when wrong.
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "lab/scenario/scenario.h"
#include "lab/trouble/grade.h"
#include "lab/trouble/train.h"
#include "util/jw.h"

static int ask(char *buf, size_t size)
{
	printf("Which layer failed (network, app, database, lb), and which object\n"
	       "(policy, service, backend or query)? Answer LAYER:OBJECT: ");
	fflush(stdout);
	if (!fgets(buf, (int)size, stdin))
		return -1;
	buf[strcspn(buf, "\r\n")] = '\0';
	return 0;
}

int trouble_train(const char *name, const char *script, const char *keyfile,
		  const char *answer, const struct scenario_opts *so)
{
	enum scenario_verdict v;
	enum trouble_grade g;
	struct trouble_key key;
	char err[512], typed[256];
	struct jw w;

	if (trouble_key_load(keyfile, &key, err, sizeof(err))) {
		fprintf(stderr, "bpflab train: %s\n", err);
		return 3;
	}
	if (!answer && !isatty(STDIN_FILENO)) {
		fprintf(stderr,
			"bpflab train: no terminal to ask on: give --answer LAYER:OBJECT\n");
		return 2;
	}
	/* a malformed answer is refused before the lab is touched */
	if (answer && trouble_grade(&key, answer, &g)) {
		fprintf(stderr,
			"bpflab train: answer LAYER:OBJECT, LAYER one of network, app, database, lb (got '%s')\n",
			answer);
		return 2;
	}
	printf("Step 1 of 2: the incident. Read the evidence: where is the fault?\n");
	jw_init(&w);
	v = scenario_run(script, so, &w);
	jw_free(&w);
	if (v != SCENARIO_PASS) {
		fprintf(stderr,
			"bpflab train: the lab could not stage the incident (%s)\n",
			scenario_verdict_name(v));
		return 3;
	}
	printf("\nStep 2 of 2: your diagnosis\n");
	if (!answer) {
		/* a typo in the form is asked again, not graded */
		for (;;) {
			if (ask(typed, sizeof(typed)))
				return 2;
			if (!trouble_grade(&key, typed, &g))
				break;
			printf("Not of the form LAYER:OBJECT.\n");
		}
	} else {
		printf("Your answer: %s\n", answer);
		trouble_grade(&key, answer,
			      &g); /* its form was checked above */
	}
	if (g == TROUBLE_RIGHT) {
		printf("\nPASSED: the fault is in the %s layer: %s.\n",
		       key.layer, key.objects[0]);
		return 0;
	}
	printf("\nNOT YET: %s.\nHint:\n%s",
	       g == TROUBLE_WRONG_LAYER ? "that is not the layer that failed" :
					  "right layer, wrong object",
	       g == TROUBLE_WRONG_LAYER ? key.hint_layer : key.hint_object);
	printf("Run `bpflab train %s` again.\n", name);
	return 1;
}
