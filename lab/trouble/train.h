/* SPDX-License-Identifier: GPL-2.0 */
#ifndef BPFLAB_TROUBLE_TRAIN_H
#define BPFLAB_TROUBLE_TRAIN_H

struct scenario_opts;

/*
 * The "network or app?" exercise for scenario NAME (script path): run it,
 * then grade answer (NULL: ask on the terminal) against keyfile. Exit
 * status: 0 right, 1 wrong (with a hint), 2 usage, 3 the lab broke.
 */
int trouble_train(const char *name, const char *script, const char *keyfile,
		  const char *answer, const struct scenario_opts *so);

#endif
