// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "observe/prog_stats.h"

int prog_stats__enable(void)
{
	int fd = bpf_enable_stats(BPF_STATS_RUN_TIME);

	return fd < 0 ? -errno : fd;
}

void prog_stats__disable(int fd)
{
	if (fd >= 0)
		close(fd);
}

static int read_one(uint32_t id, struct prog_stat *st)
{
	struct bpf_prog_info info = {};
	uint32_t len = sizeof(info);
	const char *type;
	int fd, err = 0;

	fd = bpf_prog_get_fd_by_id(id);
	if (fd < 0)
		return -errno; /* -ENOENT: unloaded since the id walk */
	if (bpf_obj_get_info_by_fd(fd, &info, &len)) {
		err = -errno;
		goto out;
	}
	memset(st, 0, sizeof(*st));
	st->id = id;
	type = libbpf_bpf_prog_type_str(info.type);
	snprintf(st->type, sizeof(st->type), "%s", type ? type : "unknown");
	snprintf(st->name, sizeof(st->name), "%s", info.name);
	st->run_time_ns = info.run_time_ns;
	st->run_cnt = info.run_cnt;
out:
	close(fd);
	return err;
}

int prog_stats__read(struct prog_stat **out, size_t *n_out)
{
	struct prog_stat *v = NULL, *tmp;
	size_t n = 0, cap = 0;
	uint32_t id = 0;
	int err = 0;

	while (!bpf_prog_get_next_id(id, &id)) {
		if (n == cap) {
			cap = cap ? cap * 2 : 64;
			tmp = realloc(v, cap * sizeof(*v));
			if (!tmp) {
				err = -ENOMEM;
				goto out;
			}
			v = tmp;
		}
		if (!read_one(id, &v[n]))
			n++;
	}
	if (errno != ENOENT)
		err = -errno;
out:
	if (err) {
		free(v);
		return err;
	}
	*out = v;
	*n_out = n;
	return 0;
}

const struct prog_stat *prog_stats__find(const struct prog_stat *v, size_t n,
					 uint32_t id)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (v[mid].id == id)
			return &v[mid];
		if (v[mid].id < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}
