// SPDX-License-Identifier: GPL-2.0
/* Processes: CPU per sandbox and per process, as a list or a tree (t). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "console/tui/crt.h"
#include "console/tui/model_procs.h"
#include "console/tui/tui.h"

enum { SORT_CPU, SORT_PID, SORT_MAX };

struct procs_state {
	struct model_procs m;
	bool tree;
	int rows, ticks;
	int *vis; /* indexes of rows that pass the filter */
	int nvis;
};

static int cmp_cpu(const void *a, const void *b)
{
	const struct mproc_row *x = a, *y = b;

	if (x->cpu_pct != y->cpu_pct)
		return x->cpu_pct < y->cpu_pct ? 1 : -1;
	return (x->pid > y->pid) - (x->pid < y->pid);
}

static int cmp_pid(const void *a, const void *b)
{
	const struct mproc_row *x = a, *y = b;

	return (x->pid > y->pid) - (x->pid < y->pid);
}

static void refresh_rows(struct tui *t, struct procs_state *s)
{
	mprocs_refresh(t, &s->m, s->tree);
	if (!s->tree)
		qsort(s->m.rows, (size_t)s->m.n, sizeof(*s->m.rows),
		      t->sort[t->cur] % SORT_MAX == SORT_CPU ? cmp_cpu :
							       cmp_pid);
	free(s->vis);
	s->vis = calloc((size_t)(s->m.n ? s->m.n : 1), sizeof(int));
	s->nvis = 0;
	for (int i = 0; s->vis && i < s->m.n; i++) {
		char line[240];

		snprintf(line, sizeof(line), "%u %s %s", s->m.rows[i].pid,
			 s->m.rows[i].sandbox, s->m.rows[i].cmd);
		if (tui_match(t, line))
			s->vis[s->nvis++] = i;
	}
}

static int procs_init(struct tui *t, void **state)
{
	struct procs_state *s = calloc(1, sizeof(*s));

	if (!s)
		return -1;
	*state = s;
	refresh_rows(t, s);
	return 0;
}

static void procs_fini(struct tui *t, void *state)
{
	struct procs_state *s = state;

	(void)t;
	if (!s)
		return;
	mprocs_free(&s->m);
	free(s->vis);
	free(s);
}

static void procs_tick(struct tui *t, void *state)
{
	struct procs_state *s = state;

	if (++s->ticks % 10 == 0) {
		refresh_rows(t, s);
		t->dirty = true;
	}
}

static void procs_draw(struct tui *t, void *state, int y, int x, int rows,
		       int cols)
{
	struct procs_state *s = state;
	struct list_view *lv = &t->lv[t->cur];
	int sy = y, top_rows;

	(void)x;
	if (!t->e) {
		tui_empty(
			y, 0, rows, cols,
			"no engine in this session (replay): no live processes");
		return;
	}
	/* sandboxes first: at most 4 lines so the process list keeps the room */
	crt_putf(sy++, 0, cols, ATTR_BOLD, "%-20s %6s %6s  %s", "SANDBOX",
		 "PROCS", "%CPU", s->m.error[0] ? s->m.error : "");
	for (int i = 0; i < s->m.nsbx && i < 4; i++) {
		crt_putf(sy, 0, 36, ATTR_NONE, "%-20s %6d %6.1f ",
			 s->m.sbx[i].name, s->m.sbx[i].procs,
			 s->m.sbx[i].cpu_pct);
		crt_bar(sy++, 36, cols - 38 > 30 ? 30 : cols - 38,
			s->m.sbx[i].cpu_pct / 100.0, crt_attr(C_METER));
	}
	top_rows = sy - y;
	crt_putf(sy++, 0, cols, ATTR_BOLD, "%-7s %-7s %-6s %6s %-12s %s", "PID",
		 "PPID", "UID", "%CPU", "SANDBOX",
		 s->tree ? "COMMAND (tree)" : "COMMAND");
	s->rows = rows - top_rows - 2;
	list_clamp(lv, s->nvis, s->rows);
	for (int i = 0; i < s->rows && lv->top + i < s->nvis; i++) {
		const struct mproc_row *r = &s->m.rows[s->vis[lv->top + i]];
		bool sel = lv->top + i == lv->sel;
		int attr = sel ? crt_attr(C_SEL) : ATTR_NONE;

		if (sel)
			crt_fill(sy + i, 0, cols, attr);
		crt_putf(sy + i, 0, cols, attr,
			 "%-7u %-7u %-6u %6.1f %-12.12s %*s%s", r->pid, r->ppid,
			 r->uid, r->cpu_pct, r->sandbox, r->depth * 2, "",
			 r->cmd);
	}
	crt_putf(y + rows - 1, 0, cols, crt_attr(C_DIM),
		 "%d processes (%d shown); t tree, s sort", s->m.n, s->nvis);
}

static bool procs_key(struct tui *t, void *state, int ch)
{
	struct procs_state *s = state;

	if (ch == 't' || ch == KEY_F(5)) {
		s->tree = !s->tree;
		refresh_rows(t, s);
		return true;
	}
	if (ch == 's') {
		t->sort[t->cur]++;
		refresh_rows(t, s);
		return true;
	}
	return list_key(&t->lv[t->cur], ch, s->nvis, s->rows);
}

const struct screen_ops scr_procs = {
	.title = "Processes",
	.help = "  t F5        tree view on/off (children under their parent)\n"
		"  s           sort by %CPU or pid (list view)\n",
	.keybar = "t Tree",
	.init = procs_init,
	.tick = procs_tick,
	.draw = procs_draw,
	.key = procs_key,
	.fini = procs_fini,
};
