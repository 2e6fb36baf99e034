// SPDX-License-Identifier: GPL-2.0
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

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

const char *bl_tools_dir(void)
{
	static char dir[PATH_MAX];
	struct stat st;
	ssize_t n;
	char *slash;

	if (dir[0])
		return dir;
	n = readlink("/proc/self/exe", dir, sizeof(dir) - 16);
	if (n <= 0)
		goto none;
	dir[n] = '\0';
	slash = strrchr(dir, '/');
	if (!slash)
		goto none;
	strcpy(slash, "/tools");
	if (!stat(dir, &st) && S_ISDIR(st.st_mode))
		return dir;
none:
	dir[0] = '\0';
	return NULL;
}
