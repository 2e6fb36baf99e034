// SPDX-License-Identifier: GPL-2.0
#include <stdio.h>
#include <stdlib.h>

#include "util/paths.h"

const char *bl_run_dir(void)
{
	const char *d = getenv("BPFLAB_RUN_DIR");

	return d && *d ? d : "/run/bpflab";
}

char *bl_run_path(char *buf, size_t size, const char *name)
{
	snprintf(buf, size, "%s/%s", bl_run_dir(), name);
	return buf;
}
