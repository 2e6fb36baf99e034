// SPDX-License-Identifier: GPL-2.0
#include <stdio.h>
#include <stdlib.h>

#include "lab/bench/bench.h"

void bench_progress(int done, int total, const char *what)
{
	const char *on = getenv("BPFLAB_PROGRESS");

	if (!on || on[0] != '1')
		return;
	fprintf(stderr, "BPFLAB-PROGRESS %d/%d %s\n", done, total, what);
	fflush(stderr);
}
