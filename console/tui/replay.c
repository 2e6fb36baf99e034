// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <json-c/json.h>

#include "console/tui/replay.h"
#include "console/tui/tui.h"
#include "observe/flow_filter.h"
#include "util/log.h"
#include "util/util.h"

#define REPLAY_BATCH 20000 /* lines per tick at most: the loop stays live */

struct replay {
	FILE *f;
	double speed;
	uint64_t first_ns; /* event time of the first line */
	uint64_t start_ns; /* monotonic time the replay started */
	char *line; /* the next line, read ahead */
	size_t cap;
	uint64_t line_ns;
	uint64_t fed, lineno;
	bool eof;
};

static uint64_t line_time(const char *line)
{
	struct json_object *o = json_tokener_parse(line);
	uint64_t t = o ? flow_line_time(o) : 0;

	json_object_put(o);
	return t;
}

static void read_next(struct replay *r)
{
	ssize_t n;

	do {
		n = getline(&r->line, &r->cap, r->f);
		r->lineno++;
	} while (n == 1);
	if (n <= 0) {
		r->eof = true;
		return;
	}
	if (r->line[n - 1] == '\n')
		r->line[n - 1] = 0;
	r->line_ns = line_time(r->line);
}

int replay_open(struct tui *t, const char *path, double speed)
{
	struct replay *r = calloc(1, sizeof(*r));

	if (!r)
		return -ENOMEM;
	r->f = fopen(path, "re");
	if (!r->f) {
		int err = -errno;

		pr_err("--replay %s: %s", path, strerror(-err));
		free(r);
		return err;
	}
	r->speed = speed > 0 ? speed : 1;
	read_next(r);
	if (!r->eof && !r->line_ns) {
		pr_err("%s:%llu: not a recorded event line (no \"time\")", path,
		       (unsigned long long)r->lineno);
		fclose(r->f);
		free(r->line);
		free(r);
		return -EINVAL;
	}
	r->first_ns = r->line_ns;
	r->start_ns = now_mono_ns();
	t->replay = r;
	return 0;
}

void replay_feed(struct tui *t)
{
	struct replay *r = t->replay;
	double elapsed;
	int n = 0;

	if (!r || r->eof)
		return;
	elapsed = (double)(now_mono_ns() - r->start_ns) * r->speed;
	while (!r->eof && n++ < REPLAY_BATCH) {
		/* lines without a time (or out of order) go out at once */
		if (r->line_ns > r->first_ns &&
		    (double)(r->line_ns - r->first_ns) > elapsed)
			break;
		if (evm_push_json(&t->ev, r->line))
			t->ev.not_shown++; /* not an event line: counted, skipped */
		r->fed++;
		read_next(r);
	}
	if (r->eof)
		tui_status(t, "replay finished: %llu events",
			   (unsigned long long)r->fed);
	t->dirty = true;
}

void replay_close(struct tui *t)
{
	struct replay *r = t->replay;

	if (!r)
		return;
	fclose(r->f);
	free(r->line);
	free(r);
	t->replay = NULL;
}
