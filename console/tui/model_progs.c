// SPDX-License-Identifier: GPL-2.0
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

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

/*
 * The ids of the programs this process holds a file descriptor to: the
 * in-process engine's own, whatever their names, and not another tool's
 * bl_-named leftovers. Returns how many fit in ids.
 */
static size_t own_prog_ids(uint32_t *ids, size_t max)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *de;
	size_t n = 0;

	if (!d)
		return 0;
	while ((de = readdir(d)) && n < max) {
		char path[320], link[64], line[128];
		ssize_t len;
		FILE *f;

		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/proc/self/fd/%s", de->d_name);
		len = readlink(path, link, sizeof(link) - 1);
		if (len <= 0)
			continue;
		link[len] = 0;
		if (strcmp(link, "anon_inode:bpf-prog") != 0)
			continue;
		snprintf(path, sizeof(path), "/proc/self/fdinfo/%s",
			 de->d_name);
		f = fopen(path, "re");
		if (!f)
			continue;
		while (fgets(line, sizeof(line), f)) {
			char *end;
			unsigned long id;

			if (strncmp(line, "prog_id:", 8) != 0)
				continue;
			id = strtoul(line + 8, &end, 10);
			if (end != line + 8 && id && id <= UINT32_MAX)
				ids[n++] = (uint32_t)id;
			break;
		}
		fclose(f);
	}
	closedir(d);
	return n;
}

static bool is_own(const uint32_t *ids, size_t n, uint32_t id)
{
	for (size_t i = 0; i < n; i++)
		if (ids[i] == id)
			return true;
	return false;
}

int mprogs_refresh(struct model_progs *m, uint64_t now_ns)
{
	uint32_t own[MPROGS_OWN_MAX];
	size_t n_own = own_prog_ids(own, MPROGS_OWN_MAX);
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
		r->own = is_own(own, n_own, r->id);
		m->ours += r->own;
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
