// SPDX-License-Identifier: GPL-2.0
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <json-c/json.h>

#include "util/json_path.h"
#include "console/tui/model_bench.h"

static void results_dir(struct model_bench *m)
{
	const char *d = getenv("RESULTS");

	snprintf(m->dir, sizeof(m->dir), "%s", d && *d ? d : "results");
}

static int newer_first(const void *a, const void *b)
{
	return -strcmp(*(char *const *)a, *(char *const *)b);
}

/*
 * bench-lb-<time>.json: the time sorts, so names sorted in reverse are
 * newest first; pick the back-th (0: the newest), clamped to the oldest.
 */
static void pick_lb(struct model_bench *m, int back)
{
	DIR *d = opendir(m->dir);
	char *names[MBENCH_FILES];
	struct dirent *de;
	int n = 0;

	m->lb_file[0] = 0;
	while (d && (de = readdir(d)) && n < MBENCH_FILES) {
		size_t len = strlen(de->d_name);

		if (strncmp(de->d_name, "bench-lb-", 9) != 0 || len < 5 ||
		    strcmp(de->d_name + len - 5, ".json") != 0)
			continue;
		names[n] = strdup(de->d_name);
		if (names[n])
			n++;
	}
	if (d)
		closedir(d);
	qsort(names, (size_t)n, sizeof(names[0]), newer_first);
	m->lb_count = n;
	m->lb_back = back < 0 ? 0 : back >= n ? (n ? n - 1 : 0) : back;
	if (n)
		snprintf(m->lb_file, sizeof(m->lb_file), "%.255s",
			 names[m->lb_back]);
	for (int i = 0; i < n; i++)
		free(names[i]);
}

static struct json_object *load(const struct model_bench *m, const char *name)
{
	char path[600];

	snprintf(path, sizeof(path), "%s/%s", m->dir, name);
	return json_object_from_file(path);
}

void mbench_load(struct model_bench *m, int back)
{
	struct json_object *o, *arr;

	memset(m, 0, sizeof(*m));
	results_dir(m);
	pick_lb(m, back);
	o = m->lb_file[0] ? load(m, m->lb_file) : NULL;
	arr = jp_get(o, "results");
	for (size_t i = 0;
	     arr && i < json_object_array_length(arr) && m->nlb < MBENCH_ROWS;
	     i++) {
		struct json_object *r = json_object_array_get_idx(arr, i);
		struct mbench_lb_row *row = &m->lb[m->nlb++];

		snprintf(row->mode, sizeof(row->mode), "%s",
			 jp_str(r, "mode", "?"));
		row->services = (int)jp_int(r, "services", 0);
		row->conn_per_s =
			json_object_get_double(jp_get(r, "conn_per_s"));
	}
	json_object_put(o);
	o = load(m, "bench-enforce.json");
	arr = jp_get(o, "write_dev_null");
	m->have_enforce = arr != NULL;
	for (size_t i = 0;
	     arr && i < json_object_array_length(arr) && m->nenf < MBENCH_ROWS;
	     i++) {
		struct json_object *r = json_object_array_get_idx(arr, i);
		struct mbench_enf_row *row = &m->enf[m->nenf++];

		snprintf(row->setup, sizeof(row->setup), "%s",
			 jp_str(r, "setup", "?"));
		row->ns = json_object_get_double(jp_get(r, "ns"));
	}
	json_object_put(o);
}

double mbench_lb_ratio(const struct model_bench *m, int *services)
{
	double ebpf = 0, ipt = 0;
	int n = 0;

	for (int i = 0; i < m->nlb; i++)
		if (m->lb[i].services > n)
			n = m->lb[i].services;
	for (int i = 0; i < m->nlb; i++) {
		if (m->lb[i].services != n)
			continue;
		if (!strcmp(m->lb[i].mode, "ebpf"))
			ebpf = m->lb[i].conn_per_s;
		else if (!strncmp(m->lb[i].mode, "iptables", 8) &&
			 m->lb[i].conn_per_s > ipt)
			ipt = m->lb[i].conn_per_s;
	}
	*services = n;
	return ebpf > 0 && ipt > 0 ? ebpf / ipt : 0;
}
