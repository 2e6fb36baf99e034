// SPDX-License-Identifier: GPL-2.0
/*
 * Reload, the object side: the registry of loaded skeletons, and opening a
 * new build of each with the running maps reused, checked and loaded. See
 * reload.h for the whole sequence.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "engine/reload_priv.h"
#include "util/log.h"
#include "util/util.h"

struct reload_tracked {
	char name[32]; /* skeleton name without "_bpf": the .bpf.o basename */
	const void *elf;
	size_t elf_sz;
	struct bpf_object *obj;
};

static struct reload_tracked tracked[RELOAD_MAX_OBJS];
static int ntracked;

int reload_track(const struct bpf_object_skeleton *s)
{
	struct reload_tracked *t;
	size_t len;

	if (!s || !s->obj || !*s->obj)
		return -EINVAL;
	if (ntracked >= RELOAD_MAX_OBJS) {
		pr_warn("reload: more than %d objects; %s will not be reloaded",
			RELOAD_MAX_OBJS, s->name);
		return -ENOSPC;
	}
	t = &tracked[ntracked++];
	len = strlen(s->name);
	if (len > 4 && !strcmp(s->name + len - 4, "_bpf"))
		len -= 4;
	snprintf(t->name, sizeof(t->name), "%.*s", (int)len, s->name);
	t->elf = s->data;
	t->elf_sz = s->data_sz;
	t->obj = *s->obj;
	return 0;
}

void reload_untrack(const struct bpf_object *obj)
{
	reload__object_gone(obj);
	for (int i = 0; i < ntracked; i++) {
		if (tracked[i].obj != obj)
			continue;
		memmove(&tracked[i], &tracked[i + 1],
			(ntracked - i - 1) * sizeof(tracked[0]));
		ntracked--;
		return;
	}
}

struct reload_job {
	char from[4096]; /* a build's bpf directory, or "" */
	char binary[4096]; /* a bpflab binary to take the objects from, or "" */
	void *bin; /* its bytes, mapped while the job lives */
	size_t bin_sz;
	int n; /* objects, as tracked when the job was made */
	struct reload_tracked objs_in[RELOAD_MAX_OBJS];
	struct reload_obj objs[RELOAD_MAX_OBJS];
	struct reload_report r;
	uint64_t t0;
	bool prepared;
	bool stale; /* an object it read was destroyed: never swap */
	char err[1024];
};

static uint32_t prog_id(int fd)
{
	struct bpf_prog_info info = {};
	uint32_t len = sizeof(info);

	return bpf_obj_get_info_by_fd(fd, &info, &len) ? 0 : info.id;
}

/* The object in the binary that holds every program t's object loaded. */
static struct bpf_object *open_embedded(const struct reload_tracked *t,
					const struct reload_job *j,
					const struct bpf_object_open_opts *opts)
{
	const void *elf;
	size_t off = 0, elf_sz;

	while (reload_next_bpf_elf(j->bin, j->bin_sz, &off, &elf, &elf_sz)) {
		struct bpf_object *o = bpf_object__open_mem(elf, elf_sz, opts);
		struct bpf_program *op;
		bool all = o != NULL;

		bpf_object__for_each_program(op, t->obj)
		{
			if (all && bpf_program__fd(op) >= 0)
				all = bpf_object__find_program_by_name(
					      o, bpf_program__name(op)) != NULL;
		}
		if (all)
			return o;
		bpf_object__close(o);
	}
	errno = ENOENT;
	return NULL;
}

static struct bpf_object *open_new(const struct reload_tracked *t,
				   const struct reload_job *j, char *err,
				   size_t errlen)
{
	LIBBPF_OPTS(bpf_object_open_opts, opts,
		    /* same name: internal maps (.rodata...) match by name */
		    .object_name = bpf_object__name(t->obj));
	struct bpf_object *o;
	char path[4096], why[128];

	if (j->from[0]) {
		snprintf(path, sizeof(path), "%.4000s/%.31s.bpf.o", j->from,
			 t->name);
		o = bpf_object__open_file(path, &opts);
	} else if (j->bin) {
		snprintf(path, sizeof(path), "%.4000s (%.31s)", j->binary,
			 t->name);
		o = open_embedded(t, j, &opts);
	} else {
		snprintf(path, sizeof(path), "embedded %s.bpf.o", t->name);
		o = bpf_object__open_mem(t->elf, t->elf_sz, &opts);
	}
	if (!o && j->bin && errno == ENOENT) {
		snprintf(
			err, errlen,
			"%.700s: no embedded BPF object has all of %s's programs",
			path, t->name);
	} else if (!o) {
		libbpf_strerror(errno, why, sizeof(why));
		snprintf(err, errlen, "%.700s: cannot open: %.100s", path, why);
	}
	return o;
}

/* The running map of the same name, if the new build's layout matches. */
static int reuse_maps(struct reload_obj *ro, char *err, size_t errlen)
{
	struct bpf_map *m;

	bpf_object__for_each_map(m, ro->new_obj)
	{
		const char *name = bpf_map__name(m);
		struct bpf_map *old =
			bpf_object__find_map_by_name(ro->old_obj, name);
		int err2;

		if (!old) {
			ro->rep->maps_new++;
			continue;
		}
		/* the module chose not to create it: nor does the new build */
		if (bpf_map__fd(old) < 0) {
			bpf_map__set_autocreate(m, false);
			continue;
		}
		if (bpf_map__type(m) != bpf_map__type(old) ||
		    bpf_map__key_size(m) != bpf_map__key_size(old) ||
		    bpf_map__value_size(m) != bpf_map__value_size(old)) {
			snprintf(
				err, errlen,
				"%s: map %s changed layout (key %u→%u, value %u→%u bytes): "
				"its state cannot carry over; restart the engine instead",
				ro->rep->name, name, bpf_map__key_size(old),
				bpf_map__key_size(m), bpf_map__value_size(old),
				bpf_map__value_size(m));
			return -EINVAL;
		}
		err2 = bpf_map__reuse_fd(m, bpf_map__fd(old));
		if (err2) {
			snprintf(err, errlen, "%s: reusing map %s: %s",
				 ro->rep->name, name, strerror(-err2));
			return err2;
		}
		ro->rep->maps_reused++;
	}
	return 0;
}

/* Load what the running object loaded, the way it loaded it. */
static int match_progs(struct reload_obj *ro, char *err, size_t errlen)
{
	struct bpf_program *np, *op;

	bpf_object__for_each_program(np, ro->new_obj)
	{
		op = bpf_object__find_program_by_name(ro->old_obj,
						      bpf_program__name(np));
		if (!op || bpf_program__fd(op) < 0) {
			bpf_program__set_autoload(np, false);
			continue;
		}
		bpf_program__set_type(np, bpf_program__type(op));
		bpf_program__set_expected_attach_type(
			np, bpf_program__expected_attach_type(op));
		bpf_program__set_flags(np, bpf_program__flags(op));
	}
	bpf_object__for_each_program(op, ro->old_obj)
	{
		struct reload_prog *p;

		if (bpf_program__fd(op) < 0)
			continue;
		if (!bpf_object__find_program_by_name(ro->new_obj,
						      bpf_program__name(op))) {
			snprintf(err, errlen,
				 "%s: the new build has no program %s",
				 ro->rep->name, bpf_program__name(op));
			return -ENOENT;
		}
		if (ro->nprogs >= RELOAD_MAX_PROGS) {
			snprintf(err, errlen, "%s: more than %d programs",
				 ro->rep->name, RELOAD_MAX_PROGS);
			return -E2BIG;
		}
		p = &ro->progs[ro->nprogs++];
		p->name = bpf_program__name(op);
		p->old_fd = bpf_program__fd(op);
		p->old_id = prog_id(p->old_fd);
		p->raw_tp =
			bpf_program__type(op) == BPF_PROG_TYPE_RAW_TRACEPOINT ||
			bpf_program__type(op) ==
				BPF_PROG_TYPE_RAW_TRACEPOINT_WRITABLE;
		p->rep = ro->rep;
	}
	return 0;
}

static int prepare_one(const struct reload_tracked *t,
		       const struct reload_job *j, struct reload_obj *ro,
		       char *err, size_t errlen)
{
	int ret;

	snprintf(ro->rep->name, sizeof(ro->rep->name), "%.31s", t->name);
	ro->old_obj = t->obj;
	ro->new_obj = open_new(t, j, err, errlen);
	if (!ro->new_obj)
		return -ENOENT;
	ret = reuse_maps(ro, err, errlen);
	if (!ret)
		ret = match_progs(ro, err, errlen);
	if (ret)
		return ret;
	ret = bpf_object__load(ro->new_obj);
	if (ret) {
		snprintf(
			err, errlen,
			"%s: the new build does not load (%s); see the verifier log above",
			t->name, strerror(-ret));
		return ret;
	}
	for (int i = 0; i < ro->nprogs; i++) {
		struct reload_prog *p = &ro->progs[i];

		p->new_fd = bpf_program__fd(
			bpf_object__find_program_by_name(ro->new_obj, p->name));
		p->new_id = prog_id(p->new_fd);
		if (p->new_fd < 0 || !p->new_id || !p->old_id) {
			snprintf(err, errlen, "%s: program %s has no id",
				 t->name, p->name);
			return -EIO;
		}
	}
	return 0;
}

int reload_job__new(struct reload_job **out, const char *from_dir,
		    const char *binary)
{
	struct reload_job *j;

	*out = NULL;
	if (!ntracked)
		return -ENOENT;
	j = calloc(1, sizeof(*j));
	if (!j)
		return -ENOMEM;
	if (from_dir)
		snprintf(j->from, sizeof(j->from), "%s", from_dir);
	else if (binary)
		snprintf(j->binary, sizeof(j->binary), "%s", binary);
	/* a snapshot: the worker must not read the registry the loop edits */
	j->n = ntracked;
	memcpy(j->objs_in, tracked, sizeof(tracked));
	*out = j;
	return 0;
}

/* The whole binary, read-only: its skeletons' ELF bytes are in there. */
static int map_binary(struct reload_job *j)
{
	struct stat st;
	int fd = open(j->binary, O_RDONLY | O_CLOEXEC), ret = 0;

	if (fd < 0 || fstat(fd, &st)) {
		ret = -errno;
		goto out;
	}
	j->bin = mmap(NULL, st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	if (j->bin == MAP_FAILED) {
		j->bin = NULL;
		ret = -errno;
		goto out;
	}
	j->bin_sz = st.st_size;
out:
	if (fd >= 0)
		close(fd);
	if (ret)
		snprintf(j->err, sizeof(j->err), "%.900s: %s", j->binary,
			 strerror(-ret));
	return ret;
}

int reload_job__prepare(struct reload_job *j)
{
	int ret = 0;

	j->t0 = now_mono_ns();
	if (j->binary[0])
		ret = map_binary(j);
	for (int i = 0; i < j->n && !ret; i++) {
		uint64_t start = now_mono_ns();

		j->objs[i].rep = &j->r.objs[i];
		ret = prepare_one(&j->objs_in[i], j, &j->objs[i], j->err,
				  sizeof(j->err));
		j->r.objs[i].load_ns = now_mono_ns() - start;
	}
	j->r.prepare_ns = now_mono_ns() - j->t0;
	j->prepared = !ret;
	if (ret)
		pr_err("reload: %s; the running programs are unchanged",
		       j->err);
	return ret;
}

int reload_job__finish(struct reload_job *j)
{
	struct reload_atts atts = {};
	uint64_t t1 = now_mono_ns();
	int ret;

	if (j->stale)
		return -ESTALE;
	if (!j->prepared)
		return -EINVAL;
	ret = reload_find_attachments(j->objs, j->n, &atts, j->err,
				      sizeof(j->err));
	j->r.find_ns = now_mono_ns() - t1;
	t1 = now_mono_ns();
	if (!ret)
		ret = reload_swap(&atts, j->err, sizeof(j->err));
	if (!ret) {
		reload_commit(&atts, j->objs, j->n);
		j->r.nobjs = j->n;
	}
	reload_atts_free(&atts);
	j->r.swap_ns = now_mono_ns() - t1;
	j->r.total_ns = now_mono_ns() - j->t0;
	if (ret)
		pr_err("reload: %s; the running programs are unchanged",
		       j->err);
	return ret;
}

void reload_job__drop_object(struct reload_job *j, const struct bpf_object *obj)
{
	for (int i = 0; i < j->n; i++) {
		if (j->objs_in[i].obj != obj)
			continue;
		j->stale = true;
		snprintf(
			j->err, sizeof(j->err),
			"%s was unloaded during the reload; nothing was swapped",
			j->objs_in[i].name);
	}
}

const struct reload_report *reload_job__report(const struct reload_job *j)
{
	return &j->r;
}

const char *reload_job__error(const struct reload_job *j)
{
	return j->err;
}

void reload_job__free(struct reload_job *j)
{
	if (!j)
		return;
	/* after a commit these are the new build's own fds only: the
	 * modules' fd numbers already hold the new programs */
	for (int i = 0; i < j->n; i++)
		bpf_object__close(j->objs[i].new_obj);
	if (j->bin)
		munmap(j->bin, j->bin_sz);
	free(j);
}
