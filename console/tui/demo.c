// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "console/tui/child_run.h"
#include "console/tui/demo.h"
#include "console/tui/scen_run.h"
#include "console/tui/tui.h"
#include "util/log.h"
#include "util/util.h"

#define DEMO_MAX_LINES 256
#define AUTO_PAUSE_NS 4000000000ull

struct demo {
	char *lines[DEMO_MAX_LINES];
	int n, pc;
	bool autoplay, paused;
	bool busy; /* a `key n` must not re-enter the step loop */
	uint64_t until_ns; /* a wait or an auto pause ends then */
};

static const char *const commands[] = { "screen", "say",  "scenario", "bench",
					"key",	  "wait", "pause",    NULL };

static int check_line(const char *path, int lineno, const char *s)
{
	size_t n = strcspn(s, " \t");

	for (int i = 0; commands[i]; i++)
		if (strlen(commands[i]) == n && !strncmp(s, commands[i], n))
			return 0;
	pr_err("%s:%d: unknown command '%.*s' (screen, say, scenario, bench, key, wait, pause)",
	       path, lineno, (int)n, s);
	return -EINVAL;
}

int demo_open(struct tui *t, const char *path, bool autoplay)
{
	struct demo *d = calloc(1, sizeof(*d));
	char buf[512];
	int lineno = 0, err = 0;
	FILE *f;

	if (!d)
		return -ENOMEM;
	f = fopen(path, "re");
	if (!f) {
		err = -errno;
		pr_err("--demo %s: %s", path, strerror(-err));
		free(d);
		return err;
	}
	while (!err && fgets(buf, sizeof(buf), f)) {
		char *s = buf + strspn(buf, " \t");

		lineno++;
		s[strcspn(s, "\r\n")] = 0;
		if (!*s || *s == '#')
			continue;
		if (d->n == DEMO_MAX_LINES) {
			pr_err("%s:%d: more than %d commands", path, lineno,
			       DEMO_MAX_LINES);
			err = -E2BIG;
		} else if (!(err = check_line(path, lineno, s))) {
			d->lines[d->n++] = strdup(s);
		}
	}
	fclose(f);
	d->autoplay = autoplay;
	t->demo = d;
	if (err)
		demo_close(t);
	return err;
}

static void run_bpflab(struct tui *t, const char *title, const char *args)
{
	char copy[320], *argv[16];
	int n = 0;

	snprintf(copy, sizeof(copy), "%s", args);
	argv[n++] = (char *)t->opts->self;
	for (char *a = strtok(copy, " "); a && n < 15; a = strtok(NULL, " "))
		argv[n++] = a;
	argv[n] = NULL;
	child_start(t, title, argv);
}

static int key_of(const char *s)
{
	if (!strcmp(s, "Enter"))
		return '\n';
	if (!strcmp(s, "Tab"))
		return '\t';
	if (!strcmp(s, "Esc"))
		return 27;
	if (!strcmp(s, "Space"))
		return ' ';
	return (unsigned char)s[0];
}

/* Execute one command; true when the demo must wait before the next. */
static bool step(struct tui *t, struct demo *d, const char *cmd)
{
	const char *arg = cmd + strcspn(cmd, " \t");
	char buf[300];

	arg += strspn(arg, " \t");
	if (!strncmp(cmd, "screen", 6)) {
		tui_switch(t, (int)strtol(arg, NULL, 10) - 1);
	} else if (!strncmp(cmd, "say", 3)) {
		snprintf(t->narration, sizeof(t->narration), "%s", arg);
	} else if (!strncmp(cmd, "scenario", 8)) {
		scen_start(t, arg);
	} else if (!strncmp(cmd, "bench", 5)) {
		snprintf(buf, sizeof(buf), "bench %s", arg);
		run_bpflab(t, buf, buf);
	} else if (!strncmp(cmd, "key", 3)) {
		tui_key(t, key_of(arg));
	} else if (!strncmp(cmd, "wait", 4)) {
		d->until_ns =
			now_mono_ns() + (uint64_t)(strtod(arg, NULL) * 1e9);
		return true;
	} else if (!strncmp(cmd, "pause", 5)) {
		d->paused = true;
		d->until_ns = d->autoplay ? now_mono_ns() + AUTO_PAUSE_NS : 0;
		return true;
	}
	return false;
}

void demo_tick(struct tui *t)
{
	struct demo *d = t->demo;
	uint64_t now = now_mono_ns();

	if (!d || d->busy)
		return;
	if (d->until_ns && now < d->until_ns)
		return;
	if (d->paused && !d->until_ns)
		return; /* waiting for n */
	d->paused = false;
	d->until_ns = 0;
	d->busy = true;
	while (d->pc < d->n)
		if (step(t, d, d->lines[d->pc++]))
			break;
	d->busy = false;
	if (d->pc >= d->n && !d->until_ns && !d->paused) {
		snprintf(t->narration, sizeof(t->narration), "%s",
			 "demo finished: q quits, 1-9 explore");
	}
	t->dirty = true;
}

void demo_next(struct tui *t)
{
	struct demo *d = t->demo;

	if (!d || d->busy)
		return;
	d->paused = false;
	d->until_ns = 0;
	demo_tick(t);
}

void demo_close(struct tui *t)
{
	struct demo *d = t->demo;

	if (!d)
		return;
	for (int i = 0; i < d->n; i++)
		free(d->lines[i]);
	free(d);
	t->demo = NULL;
}
