// SPDX-License-Identifier: GPL-2.0
/* Security: kill and deny events, newest first; Enter tells the story line. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "console/tui/crt.h"
#include "console/tui/story.h"
#include "console/tui/tui.h"
#include "util/util.h"

struct sec_state {
	struct story story;
	bool open; /* the story overlay is shown */
	int scroll;
	int rows; /* list rows at the last draw */
};

/* Rows that pass the filter, newest first. */
static int visible(struct tui *t, const struct evm_item **out, int max)
{
	int n = 0;

	for (uint64_t i = 0; n < max; i++) {
		const struct evm_item *it = evm_newest(&t->ev, EVK_SECURITY, i);

		if (!it)
			break;
		if (tui_match(t, it->text))
			out[n++] = it;
	}
	return n;
}

static int sec_init(struct tui *t, void **state)
{
	(void)t;
	*state = calloc(1, sizeof(struct sec_state));
	return *state ? 0 : -1;
}

static void sec_fini(struct tui *t, void *state)
{
	(void)t;
	free(state);
}

static void draw_row(int y, int cols, const struct evm_item *it, bool sel)
{
	char when[40];
	int attr = sel ? crt_attr(C_SEL) :
		   it->action == EVA_KILL || it->action == EVA_DENY ?
			 crt_attr(C_BAD) :
			 ATTR_NONE;

	format_rfc3339_ns(it->real_ns, when, sizeof(when));
	if (sel)
		crt_fill(y, 0, cols, attr);
	crt_putf(y, 0, cols, attr, "%-8.8s %-7u %s", when + 11, it->pid,
		 it->text);
}

static void sec_draw(struct tui *t, void *state, int y, int x, int rows,
		     int cols)
{
	struct sec_state *s = state;
	const struct evm_item *v[EVM_RING];
	int n = visible(t, v, EVM_RING);
	struct list_view *lv = &t->lv[t->cur];

	(void)x;
	s->rows = rows - 2;
	crt_putf(y, 0, cols, ATTR_BOLD, "%-8s %-7s %-5s %-18s %s", "TIME",
		 "PID", "ACT", "POLICY", "PROCESS / HOOK");
	crt_putf(y + rows - 1, 0, cols, crt_attr(C_DIM),
		 "%llu kills, %llu denies, %d shown, %llu events not shown%s",
		 (unsigned long long)t->ev.kills,
		 (unsigned long long)t->ev.denies, n,
		 (unsigned long long)t->ev.not_shown,
		 t->ev.paused ? " (paused)" : "");
	if (!n) {
		tui_empty(
			y, 0, rows, cols,
			t->filter[t->cur][0] ?
				"no kill or deny event matches the filter" :
				"no kill or deny event yet (policies report here when they act)");
		return;
	}
	list_clamp(lv, n, s->rows);
	for (int i = 0; i < s->rows && lv->top + i < n; i++)
		draw_row(y + 1 + i, cols, v[lv->top + i],
			 lv->top + i == lv->sel);
	if (s->open) {
		const char *lines[STORY_MAX_LINES];

		for (int i = 0; i < s->story.n; i++)
			lines[i] = s->story.lines[i];
		tui_overlay("Story line (Esc closes)", lines, s->story.n,
			    s->scroll);
	}
}

static bool sec_key(struct tui *t, void *state, int ch)
{
	struct sec_state *s = state;
	const struct evm_item *v[EVM_RING];
	int n = visible(t, v, EVM_RING);
	struct list_view *lv = &t->lv[t->cur];

	if (s->open) {
		if (ch == 27 || ch == '\n' || ch == KEY_ENTER ||
		    ch == KEY_BACKSPACE)
			s->open = false;
		else if (ch == KEY_DOWN && s->scroll + 1 < s->story.n)
			s->scroll++;
		else if (ch == KEY_UP && s->scroll > 0)
			s->scroll--;
		else
			return ch != 'q' && ch != KEY_F(10);
		return true;
	}
	if ((ch == '\n' || ch == KEY_ENTER) && n && lv->sel < n &&
	    v[lv->sel]->json) {
		s->open = !story_build(v[lv->sel]->json, &s->story);
		s->scroll = 0;
		return true;
	}
	return list_key(lv, ch, n, s->rows);
}

const struct screen_ops scr_security = {
	.title = "Security",
	.help = "  Enter       story line of the selected event: ancestry from the\n"
		"              oldest known ancestor, policy, mechanism, evidence\n"
		"  Esc         close the story line\n",
	.keybar = "Enter Story",
	.init = sec_init,
	.draw = sec_draw,
	.key = sec_key,
	.fini = sec_fini,
};
