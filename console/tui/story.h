/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The story line of a security event, from its Tetragon-shaped JSON: the
 * ancestry from the oldest known ancestor down to the process, then policy,
 * mechanism and evidence, as text lines for an overlay or a one-liner.
 */
#ifndef BPFLAB_TUI_STORY_H
#define BPFLAB_TUI_STORY_H

#include <stddef.h>

#define STORY_MAX_LINES 64

struct story {
	char lines[STORY_MAX_LINES][200];
	int n;
};

/* 0, or -EINVAL when the line is not an event with a process. */
int story_build(const char *json_line, struct story *s);
/* "bash → sh → cat /etc/passwd  [KILL protect-passwd]" */
void story_oneline(const char *json_line, char *out, size_t size);

#endif
