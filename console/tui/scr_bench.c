// SPDX-License-Identifier: GPL-2.0
/*
 * Bench: runs `bpflab bench lb` (l) or `bpflab bench enforce` (e) as a
 * child with its output streamed and an activity bar, and draws the charts
 * of the newest results in the results directory: conn/s per mode and
 * number of services, and ns per write() per setup (log scale: strace is
 * two orders of magnitude above the rest). Results are re-read when the
 * screen opens and when a bench finishes.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "console/tui/child_run.h"
#include "console/tui/crt.h"
#include "console/tui/model_bench.h"
#include "console/tui/tui.h"

struct bench_state {
	struct model_bench m;
	bool was_running;
};

static int bench_init(struct tui *t, void **state)
{
	struct bench_state *s = calloc(1, sizeof(*s));

	(void)t;
	if (!s)
		return -1;
	mbench_load(&s->m);
	*state = s;
	return 0;
}

static void bench_fini(struct tui *t, void *state)
{
	(void)t;
	free(state);
}

static bool bench_running(const struct tui *t)
{
	return t->child && !t->child->done &&
	       !strncmp(t->child->title, "bench", 5);
}

static void bench_tick(struct tui *t, void *state)
{
	struct bench_state *s = state;
	bool running = bench_running(t);

	if (s->was_running && !running) /* it wrote new results */
		mbench_load(&s->m);
	s->was_running = running;
}

static int draw_lb(const struct model_bench *m, int y, int rows, int cols)
{
	double max = 1;
	int n = 0;

	crt_putf(y, 0, cols, ATTR_BOLD,
		 "Connections/s per mode and services (%s)",
		 m->lb_file[0] ? m->lb_file :
				 "no bench-lb-*.json yet: press l");
	for (int i = 0; i < m->nlb; i++)
		if (m->lb[i].conn_per_s > max)
			max = m->lb[i].conn_per_s;
	for (int i = 0; i < m->nlb && n < rows - 1; i++, n++) {
		const struct mbench_lb_row *r = &m->lb[i];
		int attr = !strcmp(r->mode, "ebpf") ? crt_attr(C_OK) :
						      crt_attr(C_WARN);

		crt_putf(y + 1 + n, 0, 34, ATTR_NONE, "%-16s %5d svc %9.0f",
			 r->mode, r->services, r->conn_per_s);
		crt_bar(y + 1 + n, 35, cols - 36, r->conn_per_s / max, attr);
	}
	return n + 1;
}

static int draw_enforce(const struct model_bench *m, int y, int rows, int cols)
{
	double max = 1;
	int n = 0;

	crt_put(y, 0, cols, ATTR_BOLD,
		m->have_enforce ?
			"ns per write() (log scale): none / floor / bpflab / strace / auditd" :
			"no bench-enforce.json yet: press e");
	for (int i = 0; i < m->nenf; i++)
		if (m->enf[i].ns > max)
			max = m->enf[i].ns;
	for (int i = 0; i < m->nenf && n < rows - 1; i++, n++) {
		const struct mbench_enf_row *r = &m->enf[i];
		double frac = r->ns > 1 ? log10(r->ns) / log10(max) : 0;
		int attr = !strncmp(r->setup, "rules", 5) ? crt_attr(C_OK) :
			   !strcmp(r->setup, "strace")	  ? crt_attr(C_BAD) :
							    crt_attr(C_METER);

		crt_putf(y + 1 + n, 0, 28, ATTR_NONE, "%-10s %12.1f ns",
			 r->setup, r->ns);
		crt_bar(y + 1 + n, 29, cols - 30, frac, attr);
	}
	return n + 1;
}

static void draw_run(struct tui *t, int y, int rows, int cols)
{
	const struct child_run *c = t->child;
	int n, first;

	if (!c || strncmp(c->title, "bench", 5)) {
		crt_put(y, 0, cols, crt_attr(C_DIM),
			"l runs bench lb, e runs bench enforce");
		return;
	}
	crt_putf(y, 0, 40, ATTR_BOLD, "%s: %s", c->title,
		 c->done ? (c->status ? "failed" : "done") :
			   "running (x stops it)");
	if (!c->done) /* no progress protocol: the bar moves with each line */
		crt_bar(y, 42, cols - 44 > 30 ? 30 : cols - 44,
			(double)(child_nlines(c) % 40) / 40.0,
			crt_attr(C_METER));
	n = child_nlines(c);
	first = n > rows - 1 ? n - (rows - 1) : 0;
	for (int i = first; i < n; i++)
		crt_put(y + 1 + i - first, 0, cols, ATTR_NONE,
			child_line(c, i));
}

static void bench_draw(struct tui *t, void *state, int y, int x, int rows,
		       int cols)
{
	struct bench_state *s = state;
	int used, half = rows / 2;

	(void)x;
	if (bench_running(t) ||
	    (t->child && !strncmp(t->child->title, "bench", 5) &&
	     t->pane[t->cur])) {
		/* while a bench runs, its output takes the lower half */
		used = draw_lb(&s->m, y, half / 2 + 1, cols);
		used += draw_enforce(&s->m, y + used, half - used, cols);
		draw_run(t, y + half, rows - half, cols);
		return;
	}
	used = draw_lb(&s->m, y, rows / 2, cols);
	used += 1 + draw_enforce(&s->m, y + used + 1, rows - used - 3, cols);
	draw_run(t, y + rows - 2, 2, cols);
}

static bool bench_key(struct tui *t, void *state, int ch)
{
	char *lb[] = { (char *)t->opts->self, "bench", "lb", NULL };
	char *enf[] = { (char *)t->opts->self, "bench", "enforce", NULL };

	(void)state;
	if (ch == 'l' || ch == 'e') {
		child_start(t, ch == 'l' ? "bench lb" : "bench enforce",
			    ch == 'l' ? lb : enf);
		return true;
	}
	return false;
}

const struct screen_ops scr_bench = {
	.title = "Bench",
	.help = "  l           run `bpflab bench lb` (connections/s per mode and N)\n"
		"  e           run `bpflab bench enforce` (ns per syscall)\n"
		"  Tab         show the last bench's output with the charts\n"
		"  x           stop the running bench\n"
		"  Results are read from $RESULTS (default ./results).\n",
	.keybar = "l LB-bench  e Enforce-bench",
	.init = bench_init,
	.tick = bench_tick,
	.draw = bench_draw,
	.key = bench_key,
	.fini = bench_fini,
};
