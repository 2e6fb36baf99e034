// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "abi/abi.h"
#include "observe/usage.h"
#include "skel/usage.skel.h"
#include "engine/reload.h"
#include "util/log.h"
#include "util/util.h"

struct usage {
	struct usage_bpf *skel;
	int ncpus;
};

/*
 * Make every CPU switch once, so each knows who runs on it from now on: a
 * task already spinning when we attached would otherwise go uncounted until
 * its first switch. Sleeping a moment pinned to a CPU forces two switches
 * there (us out, us back in).
 */
static void prime_cpus(int ncpus)
{
	struct timespec nap = { .tv_nsec = 100000 };
	cpu_set_t old, one;

	if (sched_getaffinity(0, sizeof(old), &old))
		return;
	for (int c = 0; c < ncpus && c < CPU_SETSIZE; c++) {
		if (!CPU_ISSET(c, &old))
			continue;
		CPU_ZERO(&one);
		CPU_SET(c, &one);
		if (!sched_setaffinity(0, sizeof(one), &one))
			nanosleep(&nap, NULL);
	}
	sched_setaffinity(0, sizeof(old), &old);
}

int usage__open(struct usage **out)
{
	struct usage *u;
	int err;

	u = calloc(1, sizeof(*u));
	if (!u)
		return -ENOMEM;
	u->ncpus = libbpf_num_possible_cpus();
	if (u->ncpus <= 0) {
		err = u->ncpus ? u->ncpus : -EINVAL;
		goto fail;
	}
	u->skel = usage_bpf__open();
	if (!u->skel) {
		err = -errno;
		pr_err("usage: couldn't open BPF object: %s\n", strerror(-err));
		goto fail;
	}
	err = usage_bpf__load(u->skel);
	if (err) {
		pr_err("usage: couldn't load BPF programs: %s\n",
		       strerror(-err));
		goto fail;
	}
	reload_track(u->skel->skeleton);
	err = usage_bpf__attach(u->skel);
	if (err) {
		pr_err("usage: couldn't attach sched_switch/sys_enter: %s\n",
		       strerror(-err));
		goto fail;
	}
	prime_cpus(u->ncpus);
	*out = u;
	return 0;
fail:
	usage__close(u);
	return err;
}

void usage__close(struct usage *u)
{
	if (!u)
		return;
	if (u->skel)
		reload_untrack(u->skel->obj);
	usage_bpf__destroy(u->skel);
	free(u);
}

static int cmp_row(const void *a, const void *b)
{
	const struct usage_row *x = a, *y = b;

	return x->key < y->key ? -1 : x->key > y->key;
}

const struct usage_row *usage_snap__find(const struct usage_row *rows, size_t n,
					 uint64_t key)
{
	struct usage_row k = { .key = key };

	return rows ? bsearch(&k, rows, n, sizeof(k), cmp_row) : NULL;
}

/* Sum one per-CPU value into a row. */
static void sum_percpu(const struct bl_usage_val *vals, int ncpus,
		       struct usage_row *row)
{
	for (int c = 0; c < ncpus; c++) {
		row->cpu_ns += vals[c].cpu_ns;
		row->syscalls += vals[c].syscalls;
		/* Any CPU's view will do; take the first one that ran it. */
		if (!row->comm[0] && vals[c].comm[0]) {
			memcpy(row->comm, vals[c].comm, sizeof(row->comm));
			row->comm[sizeof(row->comm) - 1] = '\0';
			row->cgroup_id = vals[c].cgroup_id;
		}
	}
}

/* Read a whole per-CPU hash keyed by key_size bytes (4 or 8). */
static int read_map(struct usage *u, const struct bpf_map *map,
		    struct usage_row **rows_out, size_t *n_out)
{
	struct bl_usage_val *vals;
	struct usage_row *rows = NULL, *tmp;
	size_t n = 0, cap = 0;
	uint64_t key = 0, next = 0;
	size_t key_size = bpf_map__key_size(map);
	/* A key evicted under us restarts the walk: bound it by the map size. */
	size_t max = bpf_map__max_entries(map);
	int fd = bpf_map__fd(map);
	size_t steps = 0;
	void *prev = NULL;
	int err = 0;

	vals = calloc(u->ncpus, sizeof(*vals));
	if (!vals)
		return -ENOMEM;
	while (steps++ < 2 * max && !bpf_map_get_next_key(fd, prev, &next)) {
		key = next;
		prev = &key;
		if (bpf_map_lookup_elem(fd, &key, vals))
			continue; /* evicted between the two calls */
		if (n == cap) {
			cap = cap ? cap * 2 : 256;
			tmp = realloc(rows, cap * sizeof(*rows));
			if (!tmp) {
				err = -ENOMEM;
				goto out;
			}
			rows = tmp;
		}
		memset(&rows[n], 0, sizeof(rows[n]));
		rows[n].key = key_size == 4 ? (uint32_t)key : key;
		sum_percpu(vals, u->ncpus, &rows[n]);
		n++;
	}
	if (n)
		qsort(rows, n, sizeof(*rows), cmp_row);
out:
	free(vals);
	if (err) {
		free(rows);
		return err;
	}
	*rows_out = rows;
	*n_out = n;
	return 0;
}

/*
 * The row for key, added (and the array kept sorted) when a task has run
 * without a switch or a syscall since the programs were attached.
 */
static struct usage_row *row_get(struct usage_row **rows, size_t *n,
				 uint64_t key)
{
	struct usage_row *row, *tmp;
	size_t i;

	row = (struct usage_row *)usage_snap__find(*rows, *n, key);
	if (row)
		return row;
	/* Where it goes, found before the array moves. */
	for (i = 0; *rows && i < *n && (*rows)[i].key < key; i++)
		;
	tmp = realloc(*rows, (*n + 1) * sizeof(*tmp));
	if (!tmp)
		return NULL;
	*rows = tmp;
	memmove(&tmp[i + 1], &tmp[i], (*n - i) * sizeof(*tmp));
	memset(&tmp[i], 0, sizeof(tmp[i]));
	tmp[i].key = key;
	(*n)++;
	return &tmp[i];
}

/* Charge the slice each CPU is running right now, up to s->ktime. */
static int add_open_slices(struct usage *u, struct usage_snap *s)
{
	struct bl_usage_cpu *cpus;
	struct usage_row *row;
	char path[64];
	uint32_t zero = 0;
	uint64_t open;
	int err = 0;

	cpus = calloc(u->ncpus, sizeof(*cpus));
	if (!cpus)
		return -ENOMEM;
	if (bpf_map_lookup_elem(bpf_map__fd(u->skel->maps.usage_cpu), &zero,
				cpus)) {
		err = -errno;
		goto out;
	}
	for (int c = 0; c < u->ncpus; c++) {
		if (!cpus[c].tgid || !cpus[c].since ||
		    cpus[c].since >= s->ktime)
			continue;
		open = s->ktime - cpus[c].since;
		row = row_get(&s->procs, &s->nprocs, cpus[c].tgid);
		if (!row) {
			err = -ENOMEM;
			goto out;
		}
		row->cpu_ns += open;
		if (!row->comm[0]) {
			/* Never charged yet: name it from procfs. */
			snprintf(path, sizeof(path), "/proc/%u/comm",
				 cpus[c].tgid);
			if (read_file(path, row->comm, sizeof(row->comm)) > 0)
				row->comm[strcspn(row->comm, "\n")] = '\0';
			row->cgroup_id = cpus[c].cgroup_id;
		}
		row = row_get(&s->cgroups, &s->ncgroups, cpus[c].cgroup_id);
		if (!row) {
			err = -ENOMEM;
			goto out;
		}
		row->cpu_ns += open;
	}
out:
	free(cpus);
	return err;
}

int usage__snapshot(struct usage *u, struct usage_snap *s)
{
	int err;

	memset(s, 0, sizeof(*s));
	s->ktime = now_mono_ns();
	err = read_map(u, u->skel->maps.usage_procs, &s->procs, &s->nprocs);
	if (!err)
		err = read_map(u, u->skel->maps.usage_cgroups, &s->cgroups,
			       &s->ncgroups);
	if (!err)
		err = add_open_slices(u, s);
	if (err)
		usage_snap__free(s);
	return err;
}

uint64_t usage__errors(struct usage *u)
{
	int fd = bpf_map__fd(u->skel->maps.usage_stats);
	uint32_t key = BL_STAT_ERRORS;
	uint64_t total = 0, *vals;

	vals = calloc(u->ncpus, sizeof(*vals));
	if (!vals)
		return 0;
	if (!bpf_map_lookup_elem(fd, &key, vals))
		for (int c = 0; c < u->ncpus; c++)
			total += vals[c];
	free(vals);
	return total;
}

void usage_snap__free(struct usage_snap *s)
{
	free(s->procs);
	free(s->cgroups);
	memset(s, 0, sizeof(*s));
}
