// SPDX-License-Identifier: GPL-2.0
/*
 * Reload, the attachment side: find where each old program runs (BPF links
 * by program id, our tc filters from the journal), move each one to the new
 * program without a gap, undo on failure, and finally hand the modules' fd
 * numbers the new links and programs.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "engine/journal.h"
#include "engine/reload_priv.h"
#include "lab/net/net.h"
#include "util/log.h"
#include "util/num.h"

static struct reload_prog *prog_by_old_id(struct reload_obj *objs, int nobjs,
					  uint32_t id)
{
	for (int i = 0; i < nobjs; i++)
		for (int j = 0; j < objs[i].nprogs; j++)
			if (objs[i].progs[j].old_id == id)
				return &objs[i].progs[j];
	return NULL;
}

static struct reload_att *att_new(struct reload_atts *a)
{
	if (a->n == a->cap) {
		int cap = a->cap ? a->cap * 2 : 32;
		struct reload_att *v = realloc(a->v, cap * sizeof(*v));

		if (!v)
			return NULL;
		a->v = v;
		a->cap = cap;
	}
	a->v[a->n] = (struct reload_att){ .link_fd = -1, .new_link_fd = -1 };
	return &a->v[a->n++];
}

void reload_atts_free(struct reload_atts *a)
{
	for (int i = 0; i < a->n; i++) {
		if (a->v[i].link_fd >= 0)
			close(a->v[i].link_fd);
		if (a->v[i].new_link_fd >= 0)
			close(a->v[i].new_link_fd);
	}
	free(a->v);
	*a = (struct reload_atts){};
}

/* Links the kernel cannot point at another program (no update_prog). */
static bool link_needs_relink(uint32_t type)
{
	return type == BPF_LINK_TYPE_TRACING ||
	       type == BPF_LINK_TYPE_RAW_TRACEPOINT;
}

static int add_link(struct reload_atts *a, struct reload_prog *p, int fd,
		    const struct bpf_link_info *info)
{
	struct reload_att *t = att_new(a);

	if (!t)
		return -ENOMEM;
	t->p = p;
	t->link_id = info->id;
	if (!link_needs_relink(info->type)) {
		t->kind = RELOAD_LINK_UPDATE;
		t->link_fd = fd;
		return 0;
	}
	t->kind = RELOAD_LINK_RELINK;
	if (p->raw_tp) {
		struct bpf_link_info ri = {};
		uint32_t len = sizeof(ri);

		ri.raw_tracepoint.tp_name = (uint64_t)(uintptr_t)t->tp_name;
		ri.raw_tracepoint.tp_name_len = sizeof(t->tp_name);
		int err = bpf_obj_get_info_by_fd(fd, &ri, &len);

		if (err) {
			close(fd);
			return err;
		}
	}
	close(fd); /* the modules' own fds are found by find_holders() */
	return 0;
}

static int find_links(struct reload_obj *objs, int nobjs, struct reload_atts *a)
{
	uint32_t id = 0;
	int err;

	while (!(err = bpf_link_get_next_id(id, &id))) {
		struct bpf_link_info info = {};
		uint32_t len = sizeof(info);
		struct reload_prog *p;
		int fd = bpf_link_get_fd_by_id(id);

		if (fd < 0)
			continue; /* gone meanwhile */
		if (bpf_obj_get_info_by_fd(fd, &info, &len) ||
		    !(p = prog_by_old_id(objs, nobjs, info.prog_id))) {
			close(fd);
			continue;
		}
		err = add_link(a, p, fd, &info);
		if (err)
			return err;
	}
	return err == -ENOENT ? 0 : err;
}

static uint32_t fd_link_id(int fd)
{
	char path[64], line[128];
	uint32_t id = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
	f = fopen(path, "re");
	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f)) {
		const char *p = line + strlen("link_id:");
		long v;

		if (!strncmp(line, "link_id:", strlen("link_id:")) &&
		    !scan_long(&p, 10, 1, UINT32_MAX, &v)) {
			id = (uint32_t)v;
			break;
		}
	}
	fclose(f);
	return id;
}

/* Which of our fds hold each link that must be relinked. */
static int find_holders(struct reload_atts *a, char *err, size_t errlen)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *de;

	if (!d)
		return -errno;
	while ((de = readdir(d))) {
		char path[64], target[64];
		ssize_t n;
		uint32_t id;
		long v;
		int fd;

		if (parse_long(de->d_name, 10, 0, INT_MAX, &v))
			continue; /* "." and ".." */
		fd = (int)v;
		snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
		n = readlink(path, target, sizeof(target) - 1);
		if (n <= 0)
			continue;
		target[n] = '\0';
		if (strcmp(target, "anon_inode:bpf_link"))
			continue;
		id = fd_link_id(fd);
		for (int i = 0; id && i < a->n; i++) {
			struct reload_att *t = &a->v[i];

			if (t->kind == RELOAD_LINK_RELINK && t->link_id == id &&
			    t->nholders < RELOAD_MAX_HOLDERS)
				t->holders[t->nholders++] = fd;
		}
	}
	closedir(d);
	for (int i = 0; i < a->n; i++) {
		struct reload_att *t = &a->v[i];

		if (t->kind == RELOAD_LINK_RELINK && !t->nholders) {
			snprintf(
				err, errlen,
				"link %u of %s is not held by the engine (pinned, or another process): it cannot be moved",
				t->link_id, t->p->name);
			return -EBUSY;
		}
	}
	return 0;
}

/* Query or set our filter at one side of a tc hook; prog_fd < 0 queries. */
static int tc_op(struct reload_att *t, int prog_fd, uint32_t *prog_id)
{
	const char *ns = t->netns[0] ? t->netns : NULL;
	int saved, ifindex, err;

	if (ns && !net_ns_exists(ns))
		return -ENOENT;
	err = net_ns_enter(ns, &saved);
	if (err)
		return err;
	ifindex = (int)if_nametoindex(t->ifname);
	if (!ifindex) {
		err = -ENODEV;
	} else {
		LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = ifindex,
			    .attach_point =
				    t->egress ? BPF_TC_EGRESS : BPF_TC_INGRESS);
		LIBBPF_OPTS(bpf_tc_opts, opts, .handle = t->handle,
			    .priority = t->prio);

		if (prog_fd < 0) {
			err = bpf_tc_query(&hook, &opts);
			*prog_id = opts.prog_id;
		} else {
			/* same handle and priority: the filter is replaced in place */
			opts.prog_fd = prog_fd;
			opts.flags = BPF_TC_F_REPLACE;
			err = bpf_tc_attach(&hook, &opts);
		}
	}
	net_ns_leave(saved);
	return err;
}

static int find_tc(struct reload_obj *objs, int nobjs, struct reload_atts *a)
{
	struct journal_entry *v = NULL;
	int n = 0, err;

	err = journal_live(&v, &n);
	if (err)
		return err == -ENOENT ? 0 : err;
	for (int i = 0; i < n && !err; i++) {
		struct reload_att probe = { .link_fd = -1, .new_link_fd = -1 };
		struct net_tc tc;

		if (strcmp(v[i].kind, "tc") ||
		    net_tc_parse_journal(v[i].arg, &tc))
			continue;
		snprintf(probe.netns, sizeof(probe.netns), "%s", tc.netns);
		snprintf(probe.ifname, sizeof(probe.ifname), "%s", tc.ifname);
		probe.handle = tc.handle;
		probe.prio = tc.prio;
		for (int side = 0; side < 2 && !err; side++) {
			uint32_t id = 0;
			struct reload_att *t;

			probe.egress = side;
			if (tc_op(&probe, -1, &id) || !id)
				continue; /* not attached on this side */
			probe.p = prog_by_old_id(objs, nobjs, id);
			if (!probe.p)
				continue;
			probe.kind = RELOAD_TC;
			t = att_new(a);
			if (!t)
				err = -ENOMEM;
			else
				*t = probe;
		}
	}
	free(v);
	return err;
}

int reload_find_attachments(struct reload_obj *objs, int nobjs,
			    struct reload_atts *out, char *err, size_t errlen)
{
	int ret = find_links(objs, nobjs, out);

	if (ret) {
		snprintf(err, errlen, "listing BPF links: %s", strerror(-ret));
		return ret;
	}
	ret = find_tc(objs, nobjs, out);
	if (ret) {
		snprintf(err, errlen, "listing our tc filters: %s",
			 strerror(-ret));
		return ret;
	}
	return find_holders(out, err, errlen);
}

static int swap_one(struct reload_att *t)
{
	struct reload_prog *p = t->p;
	LIBBPF_OPTS(bpf_link_update_opts, uo, .flags = BPF_F_REPLACE,
		    .old_prog_fd = p->old_fd);
	uint32_t unused;
	int fd;

	switch (t->kind) {
	case RELOAD_LINK_UPDATE:
		return bpf_link_update(t->link_fd, p->new_fd, &uo);
	case RELOAD_LINK_RELINK:
		/* both run for a moment: never neither */
		fd = bpf_raw_tracepoint_open(p->raw_tp ? t->tp_name : NULL,
					     p->new_fd);
		if (fd < 0)
			return fd;
		t->new_link_fd = fd;
		return 0;
	case RELOAD_TC:
		return tc_op(t, p->new_fd, &unused);
	}
	return -EINVAL;
}

int reload_swap(struct reload_atts *a, char *err, size_t errlen)
{
	for (int i = 0; i < a->n; i++) {
		struct reload_att *t = &a->v[i];
		int ret = swap_one(t);

		if (ret) {
			if (t->kind == RELOAD_TC)
				snprintf(
					err, errlen,
					"moving %s on tc %s (netns %s) failed: %s",
					t->p->name, t->ifname,
					t->netns[0] ? t->netns : "host",
					strerror(-ret));
			else
				snprintf(err, errlen,
					 "moving %s on link %u failed: %s",
					 t->p->name, t->link_id,
					 strerror(-ret));
			reload_rollback(a);
			return ret;
		}
		t->done = true;
	}
	return 0;
}

void reload_rollback(struct reload_atts *a)
{
	for (int i = a->n - 1; i >= 0; i--) {
		struct reload_att *t = &a->v[i];
		LIBBPF_OPTS(bpf_link_update_opts, uo, .flags = BPF_F_REPLACE,
			    .old_prog_fd = t->p->new_fd);
		uint32_t unused;
		int ret = 0;

		if (!t->done)
			continue;
		if (t->kind == RELOAD_LINK_UPDATE)
			ret = bpf_link_update(t->link_fd, t->p->old_fd, &uo);
		else if (t->kind == RELOAD_TC)
			ret = tc_op(t, t->p->old_fd, &unused);
		if (ret)
			pr_warn("reload: putting back %s failed: %s",
				t->p->name, strerror(-ret));
		if (t->new_link_fd >= 0) {
			close(t->new_link_fd);
			t->new_link_fd = -1;
		}
		t->done = false;
	}
}

/* Only a bad fd makes dup3 fail: both were checked moments ago. */
static void dup_onto(int fd, int target)
{
	if (dup3(fd, target, O_CLOEXEC) < 0)
		pr_warn("reload: dup3(%d, %d): %s", fd, target,
			strerror(errno));
}

void reload_commit(struct reload_atts *a, struct reload_obj *objs, int nobjs)
{
	for (int i = 0; i < a->n; i++) {
		struct reload_att *t = &a->v[i];

		switch (t->kind) {
		case RELOAD_LINK_UPDATE:
			t->p->rep->links_updated++;
			break;
		case RELOAD_TC:
			t->p->rep->tc_replaced++;
			break;
		case RELOAD_LINK_RELINK:
			/* the module's bpf_link now holds the new link; the
			 * old one loses its last fd and detaches */
			for (int h = 0; h < t->nholders; h++)
				dup_onto(t->new_link_fd, t->holders[h]);
			close(t->new_link_fd);
			t->new_link_fd = -1;
			t->p->rep->links_relinked++;
			break;
		}
	}
	for (int i = 0; i < nobjs; i++)
		for (int j = 0; j < objs[i].nprogs; j++) {
			struct reload_prog *p = &objs[i].progs[j];

			/* later attaches through the module's bpf_program
			 * now use the new program */
			dup_onto(p->new_fd, p->old_fd);
			p->rep->programs++;
		}
}
