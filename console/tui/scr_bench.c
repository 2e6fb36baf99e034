// SPDX-License-Identifier: GPL-2.0
/*
 * Bench: runs `bpflab bench lb` (l) or `bpflab bench enforce` (e) as a
 * child with its output streamed and a progress bar fed by the bench's
 * BPFLAB-PROGRESS lines, and draws the charts
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
#include "util/util.h"

struct bench_state {
	struct model_bench m;
	bool was_running;
	int back; /* which bench-lb result: 0 the newest, 1 the one before */
};

static int bench_init(struct tui *t, void **state)
{
	struct bench_state *s = calloc(1, sizeof(*s));

	(void)t;
	if (!s)
		return -1;
	mbench_load(&s->m, 0);
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

	if (s->was_running && !running) { /* it wrote new results */
		s->back = 0;
		mbench_load(&s->m, 0);
	}
	s->was_running = running;
}

/* conn/s vs N services, one bar per mode at each N (before: iptables; after: eBPF). */
static int draw_lb(const struct model_bench *m, int y, int rows, int cols)
{
	double max = 1;
	int n = 0;

	if (m->lb_file[0])
		crt_putf(
			y, 0, cols, ATTR_BOLD,
			"Connections/s vs services per mode: %s (%d of %d, newest first; < > older/newer)",
			m->lb_file, m->lb_back + 1, m->lb_count);
	else
		crt_put(y, 0, cols, ATTR_BOLD,
			"Connections/s vs services: no bench-lb-*.json yet: press l");
	for (int i = 0; i < m->nlb; i++)
		if (m->lb[i].conn_per_s > max)
			max = m->lb[i].conn_per_s;
	for (int i = 0; i < m->nlb && n < rows - 1; i++, n++) {
		const struct mbench_lb_row *r = &m->lb[i];
		int attr = !strcmp(r->mode, "ebpf") ? crt_attr(C_OK) :
			   !strcmp(r->mode, "none") ? crt_attr(C_DIM) :
						      crt_attr(C_WARN);

		crt_putf(y + 1 + n, 0, 36, ATTR_NONE, "%5d svc %-16s %9.0f",
			 r->services, r->mode, r->conn_per_s);
		crt_bar(y + 1 + n, 37, cols - 38, r->conn_per_s / max, attr);
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
	int n, first, x, bw = cols > 100 ? 40 : 24;
	double secs;

	if (!c || strncmp(c->title, "bench", 5) != 0) {
		crt_put(y, 0, cols, crt_attr(C_DIM),
			"l runs bench lb, e runs bench enforce (quick; L, E: full)");
		return;
	}
	secs = (double)(now_mono_ns() - c->start_ns) / 1e9;
	x = crt_putf(y, 0, cols, ATTR_BOLD, "%s: %s ", c->title,
		     c->done ? (c->status ? "failed" : "done") :
			       "running (x stops it)");
	if (x + bw + 16 > cols) /* narrow: the bar goes on the next line */
		y++, x = 0, rows--;
	if (c->prog_total) { /* the bench's own progress lines */
		crt_bar(y, x, bw, (double)c->prog_done / c->prog_total,
			crt_attr(C_METER));
		crt_putf(y, x + bw + 1, cols - x - bw - 1, ATTR_NONE,
			 "%d/%d %s%s", c->prog_done, c->prog_total,
			 c->prog_what, c->done ? "" : "...");
	} else if (!c->done) {
		crt_putf(y, x, cols - x, crt_attr(C_DIM), "starting (%.0f s)",
			 secs);
	}
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
		draw_enforce(&s->m, y + used, half - used, cols);
		draw_run(t, y + half, rows - half, cols);
		return;
	}
	used = draw_lb(&s->m, y, rows / 2, cols);
	draw_enforce(&s->m, y + used + 1, rows - used - 3, cols);
	draw_run(t, y + rows - 2, 2, cols);
}

/*
 * l and e run quick presets that fit a demo (tens of seconds); L and E run
 * the benches with their own defaults (minutes), as the CLI would.
 */
static void start_bench(struct tui *t, int ch)
{
	char *self = (char *)t->opts->self;
	char *lb_quick[] = { self,
			     "bench",
			     "lb",
			     "--services",
			     "1,1000",
			     "--modes",
			     "none,iptables-legacy,ebpf",
			     "--duration",
			     "1s",
			     "--reps",
			     "1",
			     NULL };
	char *lb_full[] = { self, "bench", "lb", NULL };
	char *enf_quick[] = { self,	"bench",  "enforce", "--iters",
			      "100000", "--reps", "3",	     NULL };
	char *enf_full[] = { self, "bench", "enforce", NULL };

	switch (ch) {
	case 'l':
		child_start(t, "bench lb (quick)", lb_quick);
		break;
	case 'L':
		child_start(t, "bench lb", lb_full);
		break;
	case 'e':
		child_start(t, "bench enforce (quick)", enf_quick);
		break;
	default:
		child_start(t, "bench enforce", enf_full);
		break;
	}
}

static bool bench_key(struct tui *t, void *state, int ch)
{
	struct bench_state *s = state;

	if (ch == '<' || ch == '>') { /* an earlier (or later) bench lb run */
		s->back += ch == '<' ? 1 : -1;
		mbench_load(&s->m, s->back);
		s->back = s->m.lb_back;
		return true;
	}
	if (ch == 'l' || ch == 'L' || ch == 'e' || ch == 'E') {
		start_bench(t, ch);
		return true;
	}
	return false;
}

const struct screen_ops scr_bench = {
	.title = "Bench",
	.help = "  l           run `bpflab bench lb`, quick: N = 1 and 1000, modes none,\n"
		"              iptables-legacy and ebpf, 1 s, 1 rep (about a minute)\n"
		"  L           run `bpflab bench lb` with its defaults (many minutes)\n"
		"  e           run `bpflab bench enforce`, quick: 100k calls, 3 rounds\n"
		"  E           run `bpflab bench enforce` with its defaults\n"
		"  The bar shows the bench's own progress (configurations, rounds).\n"
		"  Tab         show the last bench's output with the charts\n"
		"  < >         an earlier / later bench lb result file\n"
		"  x           stop the running bench\n"
		"  Results are read from $RESULTS (default ./results).\n",
	.keybar = "l LB-bench  e Enforce-bench  < Older",
	.init = bench_init,
	.tick = bench_tick,
	.draw = bench_draw,
	.key = bench_key,
	.fini = bench_fini,
};
