// SPDX-License-Identifier: GPL-2.0
/*
 * Programs: bpftop in the console. Run-time statistics are switched on when
 * the screen opens and off when it is left, because counting costs every
 * program on the host a little.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "console/tui/crt.h"
#include "console/tui/model_progs.h"
#include "console/tui/tui.h"
#include "util/util.h"

enum { SORT_CPU, SORT_RUNS, SORT_AVG, SORT_ID, SORT_MAX };
static const char *const sort_names[] = { "%CPU", "runs/s", "avg ns", "id" };

struct progs_state {
	int rows;
	bool graph;
	uint32_t graph_id;
	struct mprog_row **order;
	size_t norder;
};

static int sort_key;

static int cmp_rows(const void *a, const void *b)
{
	const struct mprog_row *x = *(struct mprog_row *const *)a;
	const struct mprog_row *y = *(struct mprog_row *const *)b;
	double dx, dy;

	switch (sort_key) {
	case SORT_RUNS:
		dx = x->runs_per_s;
		dy = y->runs_per_s;
		break;
	case SORT_AVG:
		dx = x->avg_ns;
		dy = y->avg_ns;
		break;
	case SORT_ID:
		return x->id < y->id ? -1 : x->id > y->id;
	default:
		dx = x->cpu_pct;
		dy = y->cpu_pct;
		break;
	}
	return dx < dy ? 1 : dx > dy ? -1 : (x->id > y->id) - (x->id < y->id);
}

static void build_order(struct tui *t, struct progs_state *s)
{
	struct model_progs *m = t->progs;

	free(s->order);
	/* an array of row pointers: sizeof(*s->order) is a pointer's size */
	s->order =
		calloc(m->n ? m->n : 1,
		       sizeof(*s->order)); // NOLINT(bugprone-sizeof-expression)
	s->norder = 0;
	if (!s->order)
		return;
	for (size_t i = 0; i < m->n; i++) {
		char line[96];

		snprintf(line, sizeof(line), "%u %s %s", m->rows[i].id,
			 m->rows[i].type, m->rows[i].name);
		if (tui_match(t, line))
			s->order[s->norder++] = &m->rows[i];
	}
	sort_key = t->sort[t->cur] % SORT_MAX;
	qsort(s->order, s->norder,
	      sizeof(*s->order), // NOLINT(bugprone-sizeof-expression)
	      cmp_rows);
}

static void draw_graph(struct progs_state *s, int y, int rows, int cols)
{
	const struct mprog_row *r = NULL;

	for (size_t i = 0; i < s->norder; i++)
		if (s->order[i]->id == s->graph_id)
			r = s->order[i];
	for (int i = 0; i < rows; i++) /* the table must not show through */
		crt_fill(y + i, 0, cols, ATTR_NONE);
	crt_box(y, 0, rows, cols, crt_attr(C_TITLE),
		"Program graph (Esc closes)");
	if (!r) {
		crt_put(y + 1, 2, cols - 4, crt_attr(C_WARN),
			"the program is gone");
		return;
	}
	crt_putf(y + 1, 2, cols - 4, ATTR_BOLD, "%u %s %s", r->id, r->type,
		 r->name);
	crt_putf(y + 3, 2, cols - 4, ATTR_NONE,
		 "avg ns/run  now %.0f  (last %d s)", r->avg_ns, r->hist_n);
	crt_spark(y + 4, 2, cols - 4, r->hist_ns, r->hist_n, crt_attr(C_METER));
	crt_putf(y + 6, 2, cols - 4, ATTR_NONE, "runs/s      now %.0f",
		 r->runs_per_s);
	crt_spark(y + 7, 2, cols - 4, r->hist_runs, r->hist_n, crt_attr(C_OK));
	crt_putf(y + 9, 2, cols - 4, ATTR_NONE, "%%CPU        now %.2f",
		 r->cpu_pct);
	crt_bar(y + 10, 2, cols - 4 > 50 ? 50 : cols - 4, r->cpu_pct / 100.0,
		crt_attr(C_METER));
}

static void progs_draw(struct tui *t, void *state, int y, int x, int rows,
		       int cols)
{
	struct progs_state *s = state;
	struct list_view *lv = &t->lv[t->cur];

	(void)x;
	if (!t->progs) {
		tui_empty(
			y, 0, rows, cols,
			"no engine in this session (replay): no programs to show");
		return;
	}
	build_order(t, s);
	s->rows = rows - 2;
	crt_putf(y, 0, cols, ATTR_BOLD, "%-6s %-22s %-16s %12s %12s %7s", "ID",
		 "TYPE", "NAME", "AVG NS/RUN", "RUNS/S", "%CPU");
	crt_putf(
		y + rows - 1, 0, cols, crt_attr(C_DIM),
		"%zu programs, %d this engine's (green); sorted by %s; stats %s%s%s",
		t->progs->n, t->progs->ours,
		sort_names[t->sort[t->cur] % SORT_MAX],
		t->progs->stats_fd >= 0 ? "on while this screen is open" :
					  "OFF: ",
		t->progs->stats_fd >= 0 ? "" : t->progs->error, "");
	list_clamp(lv, (int)s->norder, s->rows);
	for (int i = 0; i < s->rows && lv->top + i < (int)s->norder; i++) {
		const struct mprog_row *r = s->order[lv->top + i];
		bool sel = lv->top + i == lv->sel;
		int attr = sel	  ? crt_attr(C_SEL) :
			   r->own ? crt_attr(C_OK) :
				    ATTR_NONE;

		if (sel)
			crt_fill(y + 1 + i, 0, cols, attr);
		crt_putf(y + 1 + i, 0, cols, attr,
			 "%-6u %-22.22s %-16s %12.0f %12.0f %7.2f", r->id,
			 r->type, r->name, r->avg_ns, r->runs_per_s,
			 r->cpu_pct);
	}
	if (s->graph)
		draw_graph(s, y + 1, rows - 2 < 13 ? rows - 2 : 13, cols);
}

static bool progs_key(struct tui *t, void *state, int ch)
{
	struct progs_state *s = state;
	struct list_view *lv = &t->lv[t->cur];

	if (s->graph) {
		if (ch == 27 || ch == '\n' || ch == KEY_ENTER) {
			s->graph = false;
			return true;
		}
		return false;
	}
	if ((ch == '\n' || ch == KEY_ENTER) && lv->sel < (int)s->norder) {
		s->graph = true;
		s->graph_id = s->order[lv->sel]->id;
		return true;
	}
	return list_key(lv, ch, (int)s->norder, s->rows);
}

static int progs_init(struct tui *t, void **state)
{
	*state = calloc(1, sizeof(struct progs_state));
	if (!*state)
		return -1;
	if (t->progs && !mprogs_watch(t->progs, true))
		mprogs_refresh(t->progs, now_mono_ns());
	return 0;
}

static void progs_fini(struct tui *t, void *state)
{
	struct progs_state *s = state;

	if (t->progs)
		mprogs_watch(t->progs, false);
	if (s)
		free(s->order);
	free(s);
}

const struct screen_ops scr_programs = {
	.title = "Programs",
	.help = "  s           sort by %CPU, runs/s, avg ns/run, id\n"
		"  Enter       graphs of the selected program (avg ns, runs/s, %CPU)\n"
		"  (BPF run-time stats are enabled only while this screen is open)\n",
	.keybar = "Enter Graph",
	.init = progs_init,
	.draw = progs_draw,
	.key = progs_key,
	.fini = progs_fini,
};
