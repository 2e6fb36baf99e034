// SPDX-License-Identifier: GPL-2.0
/*
 * Scenarios: the scenario scripts on the left, the running one's narration,
 * steps and verdict on the right. Enter runs the selected one in this
 * process, as coroutines resumed by the console's loop (scen_run.h), so the
 * attack shows up on Flows and Security while it runs.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "console/tui/child_run.h"
#include "console/tui/crt.h"
#include "console/tui/scen_run.h"
#include "console/tui/tui.h"
#include "lab/scenario/scenario.h"

struct scen_state {
	struct scenario_info *v;
	int n, rows;
	char error[128];
	int vis[64]; /* indexes that pass the filter */
	int nvis;
};

static void filter_rows(struct tui *t, struct scen_state *s)
{
	s->nvis = 0;
	for (int i = 0; i < s->n && s->nvis < 64; i++) {
		char line[400];

		snprintf(line, sizeof(line), "%s %s", s->v[i].name,
			 s->v[i].title);
		if (tui_match(t, line))
			s->vis[s->nvis++] = i;
	}
}

static int scen_init(struct tui *t, void **state)
{
	struct scen_state *s = calloc(1, sizeof(*s));

	(void)t;
	if (!s)
		return -1;
	if (scenario_list(&s->v, &s->n))
		snprintf(
			s->error, sizeof(s->error),
			"no scenario directory (set BPFLAB_SCENARIOS or install scenarios/)");
	*state = s;
	return 0;
}

static void scen_fini(struct tui *t, void *state)
{
	struct scen_state *s = state;

	(void)t;
	if (s)
		free(s->v);
	free(s);
}

static int line_attr(const char *l)
{
	if (strstr(l, "FAIL") || strstr(l, "ERROR") || strstr(l, "error"))
		return crt_attr(C_BAD);
	if (strstr(l, "PASS") || strstr(l, "ok"))
		return crt_attr(C_OK);
	return ATTR_NONE;
}

static void draw_output(struct tui *t, int y, int x, int rows, int cols)
{
	const struct child_run *c = t->child;
	int n, first;

	if (!c) {
		crt_put(y + 1, x + 2, cols - 4, crt_attr(C_DIM),
			"Enter runs the selected scenario; its narration streams here.");
		return;
	}
	crt_putf(y, x, cols, ATTR_BOLD, "%s  %s", c->title,
		 c->done ? (c->status == 0 ? "PASS" :
			    c->status == 1 ? "FAIL" :
					     "ERROR") :
			   "running (x stops it)");
	n = child_nlines(c);
	first = n > rows - 1 ? n - (rows - 1) : 0;
	for (int i = first; i < n; i++) {
		const char *l = child_line(c, i);

		crt_put(y + 1 + i - first, x, cols, line_attr(l), l);
	}
}

static void scen_draw(struct tui *t, void *state, int y, int x, int rows,
		      int cols)
{
	struct scen_state *s = state;
	struct list_view *lv = &t->lv[t->cur];
	int lw = cols >= 120 ? 44 : 28;

	(void)x;
	s->rows = rows - 1;
	filter_rows(t, s);
	crt_put(y, 0, lw, ATTR_BOLD, "SCENARIO");
	if (s->error[0])
		crt_put(y + 1, 0, lw - 1, crt_attr(C_WARN), s->error);
	else if (!s->n)
		crt_put(y + 1, 0, lw - 1, crt_attr(C_WARN),
			"no scenario installed yet");
	list_clamp(lv, s->nvis, s->rows);
	for (int i = 0; i < s->rows && lv->top + i < s->nvis; i++) {
		const struct scenario_info *si = &s->v[s->vis[lv->top + i]];
		bool sel = lv->top + i == lv->sel;

		if (sel)
			crt_fill(y + 1 + i, 0, lw - 1, crt_attr(C_SEL));
		crt_putf(y + 1 + i, 0, lw - 1,
			 sel ? crt_attr(C_SEL) : ATTR_NONE, "%-16s %s",
			 si->name, si->title);
	}
	for (int i = 0; i < rows; i++)
		crt_put(y + i, lw - 1, 1, crt_attr(C_DIM), crt_glyphs()->vline);
	draw_output(t, y, lw + 1, rows, cols - lw - 1);
}

static bool scen_key(struct tui *t, void *state, int ch)
{
	struct scen_state *s = state;
	struct list_view *lv = &t->lv[t->cur];

	filter_rows(t, s);
	if ((ch == '\n' || ch == KEY_ENTER || ch == 'r') && lv->sel < s->nvis) {
		scen_start(t, s->v[s->vis[lv->sel]].name);
		return true;
	}
	return list_key(lv, ch, s->nvis, s->rows);
}

const struct screen_ops scr_scenarios = {
	.title = "Scenarios",
	.help = "  Enter r     run the selected scenario (enforce mode) in this\n"
		"              console's loop; other screens stay live meanwhile\n"
		"  x           stop it (its teardown still runs)\n",
	.keybar = "Enter Run  x Stop",
	.init = scen_init,
	.draw = scen_draw,
	.key = scen_key,
	.fini = scen_fini,
};
