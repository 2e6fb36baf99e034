// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "console/tui/model_progs.h"
#include "observe/prog_stats.h"

int mprogs_open(struct model_progs **out)
{
	struct model_progs *m = calloc(1, sizeof(*m));

	if (!m)
		return -ENOMEM;
	m->stats_fd = -1;
	*out = m;
	return 0;
}

void mprogs_close(struct model_progs *m)
{
	if (!m)
		return;
	mprogs_watch(m, false);
	free(m->rows);
	free(m);
}

int mprogs_watch(struct model_progs *m, bool on)
{
	if (!on) {
		if (m->stats_fd >= 0)
			prog_stats__disable(m->stats_fd);
		m->stats_fd = -1;
		return 0;
	}
	if (m->stats_fd >= 0)
		return 0;
	m->stats_fd = prog_stats__enable();
	if (m->stats_fd < 0) {
		snprintf(m->error, sizeof(m->error), "BPF_ENABLE_STATS: %s",
			 strerror(-m->stats_fd));
		return m->stats_fd;
	}
	m->error[0] = 0;
	return 0;
}

static const struct mprog_row *old_row(const struct model_progs *m, uint32_t id)
{
	for (size_t i = 0; i < m->n; i++)
		if (m->rows[i].id == id)
			return &m->rows[i];
	return NULL;
}

static void push(struct mprog_row *r)
{
	if (r->hist_n == MPROGS_HIST) {
		memmove(r->hist_ns, r->hist_ns + 1,
			(MPROGS_HIST - 1) * sizeof(double));
		memmove(r->hist_runs, r->hist_runs + 1,
			(MPROGS_HIST - 1) * sizeof(double));
		r->hist_n--;
	}
	r->hist_ns[r->hist_n] = r->avg_ns;
	r->hist_runs[r->hist_n] = r->runs_per_s;
	r->hist_n++;
}

int mprogs_refresh(struct model_progs *m, uint64_t now_ns)
{
	double dt = m->last_ns ? (double)(now_ns - m->last_ns) / 1e9 : 0;
	struct prog_stat *st = NULL;
	struct mprog_row *rows;
	size_t n = 0;
	int err;

	err = prog_stats__read(&st, &n);
	if (err) {
		snprintf(m->error, sizeof(m->error), "reading programs: %s",
			 strerror(-err));
		return err;
	}
	rows = calloc(n ? n : 1, sizeof(*rows));
	if (!rows) {
		free(st);
		return -ENOMEM;
	}
	m->ours = 0;
	for (size_t i = 0; i < n; i++) {
		const struct mprog_row *o = old_row(m, st[i].id);
		struct mprog_row *r = &rows[i];

		if (o)
			*r = *o;
		r->id = st[i].id;
		snprintf(r->type, sizeof(r->type), "%s", st[i].type);
		snprintf(r->name, sizeof(r->name), "%s", st[i].name);
		if (!strncmp(r->name, "bl_", 3))
			m->ours++;
		if (o && dt > 0 && st[i].run_cnt >= o->run_cnt) {
			uint64_t runs = st[i].run_cnt - o->run_cnt;
			uint64_t ns = st[i].run_time_ns - o->run_time_ns;

			r->runs_per_s = (double)runs / dt;
			r->avg_ns = runs ? (double)ns / (double)runs : 0;
			r->cpu_pct = (double)ns / (dt * 1e9) * 100.0;
			push(r);
		}
		r->run_time_ns = st[i].run_time_ns;
		r->run_cnt = st[i].run_cnt;
	}
	free(m->rows);
	free(st);
	m->rows = rows;
	m->n = n;
	m->last_ns = now_ns;
	return 0;
}
