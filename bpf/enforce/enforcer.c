// SPDX-License-Identifier: GPL-2.0
/*
 * The enforcer's life cycle and its policy set. Every change (apply,
 * delete, a protected file replaced) rebuilds the whole image from the
 * policy set and commits the difference, so there is one code path and the
 * kernel never holds a half-applied policy.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "enforce/enforce_priv.h"
#include "enforce/hooks.h"
#include "engine/reload.h"
#include "skel/enforce.skel.h"
#include "util/jw.h"
#include "util/log.h"
#include "util/paths.h"
#include "util/util.h"

static uint32_t ns_inum(const char *name)
{
	char path[64];
	struct stat st;

	snprintf(path, sizeof(path), "/proc/self/ns/%s", name);
	return stat(path, &st) ? 0 : (uint32_t)st.st_ino;
}

/* Processes that started before us: their binary from /proc, for matchBinaries. */
static void seed_tasks(struct enforcer *en)
{
	int fd = bpf_map__fd(en->skel->maps.enf_tasks);
	struct dirent *de;
	DIR *d = opendir("/proc");

	if (!d)
		return;
	while ((de = readdir(d))) {
		struct enf_task t = {};
		char path[64];
		uint32_t pid;
		ssize_t n;

		if (de->d_name[0] < '1' || de->d_name[0] > '9')
			continue;
		pid = (uint32_t)strtoul(de->d_name, NULL, 10);
		snprintf(path, sizeof(path), "/proc/%u/exe", pid);
		n = readlink(path, t.bin, sizeof(t.bin) - 1);
		if (n <= 0)
			continue;
		/* BPF_NOEXIST: an exec seen meanwhile is fresher */
		bpf_map_update_elem(fd, &pid, &t, BPF_NOEXIST);
	}
	closedir(d);
}

static int attach(struct enforcer *en, struct bpf_program *prog)
{
	struct bpf_link *l = bpf_program__attach(prog);

	if (!l)
		return -errno;
	en->links[en->nlinks++] = l;
	return 0;
}

static int attach_cgroup(struct enforcer *en, struct bpf_program *prog)
{
	struct bpf_link *l = bpf_program__attach_cgroup(prog, en->cg_fd);

	if (!l)
		return -errno;
	en->links[en->nlinks++] = l;
	return 0;
}

/*
 * Sandboxes that appear or go after a policy was applied: their state
 * files live in bl_run_dir()/sandboxes; any change there rebuilds, so each
 * sandbox's own copy of a protected file is resolved (enforce_image.c).
 */
static void watch_sandboxes(struct enforcer *en)
{
	char dir[512];

	snprintf(dir, sizeof(dir), "%s/sandboxes", bl_run_dir());
	if (mkdir_p(dir, 0755) ||
	    inotify_add_watch(en->inotify_fd, dir,
			      IN_CREATE | IN_MOVED_TO | IN_DELETE |
				      IN_MOVED_FROM | IN_CLOSE_WRITE |
				      IN_ONLYDIR) < 0)
		pr_warn("enforce: can't watch %s: sandboxes started later "
			"are protected only at the next apply",
			dir);
}

int enforcer__open(struct enforcer **out)
{
	struct enforcer *en = calloc(1, sizeof(*en));
	int err;

	*out = NULL;
	if (!en)
		return -ENOMEM;
	en->cg_fd = en->inotify_fd = -1;
	enf_image_init(&en->img);
	en->host_ns[0] = ns_inum("pid");
	en->host_ns[1] = ns_inum("mnt");
	en->host_ns[2] = ns_inum("net");
	en->skel = enforce_bpf__open_and_load();
	if (!en->skel) {
		err = -errno;
		pr_err("enforce: couldn't load the BPF programs: %s",
		       strerror(-err));
		goto fail;
	}
	reload_track(en->skel->skeleton);
	en->cg_fd = open(BL_CGROUP_ROOT, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (en->cg_fd < 0) {
		err = -errno;
		pr_err("enforce: %s: %s", BL_CGROUP_ROOT, strerror(-err));
		goto fail;
	}
	err = attach(en, en->skel->progs.bl_enf_lease_b);
	if (!err)
		err = attach(en, en->skel->progs.bl_enf_lease_nb);
	if (!err)
		err = attach(en, en->skel->progs.bl_enf_fork);
	if (!err)
		err = attach(en, en->skel->progs.bl_enf_exec);
	if (!err)
		err = attach(en, en->skel->progs.bl_enf_exit);
	if (!err)
		err = attach_cgroup(en, en->skel->progs.bl_enf_conn4);
	if (!err)
		err = attach_cgroup(en, en->skel->progs.bl_enf_send4);
	if (err) {
		pr_err("enforce: couldn't attach: %s", strerror(-err));
		goto fail;
	}
	err = enf_maps_config(en, 0);
	if (err)
		goto fail;
	seed_tasks(en);
	en->leases = enf_leases__new();
	en->imm = enf_imm__new();
	en->pins = enf_pins__new();
	en->inotify_fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	if (!en->leases || !en->imm || !en->pins || en->inotify_fd < 0) {
		err = errno ? -errno : -ENOMEM;
		goto fail;
	}
	watch_sandboxes(en);
	*out = en;
	return 0;
fail:
	enforcer__close(en);
	return err;
}

void enforcer__close(struct enforcer *en)
{
	if (!en)
		return;
	bpf_link__destroy(en->enter_link);
	/* the flags go back before the programs that kill on EPERM go away */
	enf_imm__free(en->imm);
	bpf_link__destroy(en->exit_link);
	for (int i = 0; i < en->nlinks; i++)
		bpf_link__destroy(en->links[i]);
	enf_leases__free(en->leases);
	enf_pins__free(en->pins);
	if (en->skel)
		reload_untrack(en->skel->obj);
	enforce_bpf__destroy(en->skel);
	if (en->cg_fd >= 0)
		close(en->cg_fd);
	if (en->inotify_fd >= 0)
		close(en->inotify_fd);
	for (int i = 0; i < en->npols; i++)
		policy_free(en->pols[i]);
	enf_image_free(&en->img);
	free(en);
}

/* Watch the parent directories of protected files: a rename over one changes its inode. */
static void watch_dirs(struct enforcer *en, const struct enf_image *img)
{
	/* inotify_add_watch on a watched dir is idempotent; stale ones are harmless */
	for (int i = 0; i < img->ndirs; i++)
		inotify_add_watch(en->inotify_fd, img->dirs[i],
				  IN_CREATE | IN_MOVED_TO | IN_DELETE |
					  IN_MOVED_FROM | IN_ONLYDIR);
}

/* Only an immutable file can refuse a write-open before its lease breaks. */
static bool image_has_immutable(const struct enf_image *img)
{
	for (int i = 0; i < img->nfiles; i++)
		if (img->files[i].immutable)
			return true;
	return false;
}

/*
 * Build the image of pols and make it live; on failure nothing changes.
 * refresh: the same policy set with fresh inodes (a replaced file, a
 * sandbox come or gone): the rules keep their ids, so a record the kernel
 * wrote just before still names its policy.
 */
static int commit(struct enforcer *en, struct policy **pols, int n, char *err,
		  size_t errlen, bool refresh)
{
	struct enf_image next;
	uint32_t first =
		!en->img_live ? 0 :
		refresh	      ? en->img.first_id :
				(en->img.first_id + (uint32_t)en->img.nrules) %
				  ENF_MAX_RULES;
	int ret;

	enf_image_init(&next);
	ret = enf_image_build(&next, pols, n, first, en->host_ns, err, errlen);
	if (ret)
		goto out;
	/* before the maps: the kernel skips inodes without a lock context */
	enf_pins__sync(en->pins, &next, false);
	ret = enf_maps_commit(en, en->img_live ? &en->img : NULL, &next);
	if (ret) {
		snprintf(err, errlen, "kernel maps refused the update: %s",
			 strerror(-ret));
		if (en->img_live) /* put the old contents back */
			enf_maps_commit(en, &next, &en->img);
		goto out;
	}
	if (n && !en->enter_link) {
		en->enter_link =
			bpf_program__attach(en->skel->progs.bl_enf_enter);
		if (!en->enter_link) {
			ret = -errno;
			snprintf(err, errlen, "couldn't attach sys_enter: %s",
				 strerror(-ret));
			goto out;
		}
	} else if (!n && en->enter_link) {
		/* no policy: every syscall goes back to costing nothing */
		bpf_link__destroy(en->enter_link);
		en->enter_link = NULL;
	}
	/* sys_exit only catches what an immutable flag refused */
	if (image_has_immutable(&next) && !en->exit_link) {
		en->exit_link =
			bpf_program__attach(en->skel->progs.bl_enf_sysexit);
		if (!en->exit_link) {
			ret = -errno;
			snprintf(err, errlen, "couldn't attach sys_exit: %s",
				 strerror(-ret));
			goto out;
		}
	} else if (!image_has_immutable(&next) && en->exit_link) {
		bpf_link__destroy(en->exit_link);
		en->exit_link = NULL;
	}
	enf_leases__sync(en->leases, &next);
	enf_pins__sync(en->pins, &next, true);
	/* after the maps: a refused write-open is already caught on sys_exit */
	enf_imm__sync(en->imm, &next);
	watch_dirs(en, &next);
	enf_image_free(&en->img);
	en->img = next;
	en->img_live = true;
	return 0;
out:
	enf_image_free(&next);
	return ret;
}

static int find_policy(const struct enforcer *en, const char *name)
{
	for (int i = 0; i < en->npols; i++)
		if (!strcmp(en->pols[i]->name, name))
			return i;
	return -1;
}

int enforcer__apply(struct enforcer *en, struct policy **pols, int n, char *err,
		    size_t errlen)
{
	struct policy *set[ENF_MAX_POLICIES];
	struct enf_counters cnt[ENF_MAX_POLICIES];
	int m = en->npols, ret;

	for (int k = 0; k < m; k++) {
		set[k] = en->pols[k];
		cnt[k] = en->counters[k];
	}
	for (int i = 0; i < n; i++) {
		int j = -1;

		for (int k = 0; k < m; k++)
			if (!strcmp(set[k]->name, pols[i]->name))
				j = k;
		if (j < 0 && m >= ENF_MAX_POLICIES) {
			snprintf(err, errlen, "more than %d policies",
				 ENF_MAX_POLICIES);
			return -ENOSPC;
		}
		if (j < 0) {
			j = m++;
			memset(&cnt[j], 0, sizeof(cnt[j]));
		}
		set[j] = pols[i];
	}
	ret = commit(en, set, m, err, errlen, false);
	if (ret)
		return ret;
	/* free the replaced policies only now that the new set is live */
	for (int k = 0; k < en->npols; k++) {
		bool kept = false;

		for (int i = 0; i < m; i++)
			kept |= set[i] == en->pols[k];
		if (!kept)
			policy_free(en->pols[k]);
	}
	for (int k = 0; k < m; k++) {
		en->pols[k] = set[k];
		en->counters[k] = cnt[k];
	}
	en->npols = m;
	return 0;
}

int enforcer__delete(struct enforcer *en, const char *name, char *err,
		     size_t errlen)
{
	struct policy *set[ENF_MAX_POLICIES];
	int j = find_policy(en, name), m = 0, ret;

	if (j < 0) {
		snprintf(err, errlen, "no policy named \"%s\"", name);
		return -ENOENT;
	}
	for (int i = 0; i < en->npols; i++)
		if (i != j)
			set[m++] = en->pols[i];
	ret = commit(en, set, m, err, errlen, false);
	if (ret)
		return ret;
	policy_free(en->pols[j]);
	for (int k = j; k < m; k++) {
		en->pols[k] = en->pols[k + 1];
		en->counters[k] = en->counters[k + 1];
	}
	en->npols = m;
	return 0;
}

int enforcer__count(const struct enforcer *en)
{
	return en->npols;
}

int enforcer__rb_fd(const struct enforcer *en)
{
	return bpf_map__fd(en->skel->maps.enf_rb);
}

int enforcer__enter_prog_fd(const struct enforcer *en)
{
	return bpf_program__fd(en->skel->progs.bl_enf_enter);
}

int enforcer__stats_fd(const struct enforcer *en)
{
	return bpf_map__fd(en->skel->maps.enforce_stats);
}

int enforcer__lease_fd(const struct enforcer *en)
{
	return enf_leases__fd(en->leases);
}

int enforcer__on_lease(struct enforcer *en)
{
	return enf_leases__handle(en->leases);
}

int enforcer__inotify_fd(const struct enforcer *en)
{
	return en->inotify_fd;
}

int enforcer__on_inotify(struct enforcer *en)
{
	char buf[4096]
		__attribute__((aligned(__alignof__(struct inotify_event))));

	while (read(en->inotify_fd, buf, sizeof(buf)) > 0)
		en->rebuild_pending = true;
	/* at once: until the rebuild, a replaced file's new inode is unprotected */
	enforcer__tick(en);
	return 0;
}

void enforcer__tick(struct enforcer *en)
{
	char err[512];

	enf_leases__tick(en->leases);
	if (!en->rebuild_pending)
		return;
	en->rebuild_pending = false;
	/* same policies, fresh inodes: a replaced file stays protected */
	if (commit(en, en->pols, en->npols, err, sizeof(err), true))
		pr_warn("enforce: refreshing protected files failed: %s", err);
}

static const char *mode_of(const struct policy *p)
{
	return p->monitor ? "monitor" : "enforce";
}

void enforcer__list(struct enforcer *en, struct jw *w)
{
	int nleases, armed;

	jw_key(w, "policies");
	jw_arr_begin(w);
	for (int i = 0; i < en->npols; i++) {
		const struct enf_policy_stats *ps =
			i < en->img.npolicies ? &en->img.pstats[i] : NULL;

		jw_obj_begin(w);
		jw_kstr(w, "name", en->pols[i]->name);
		jw_kstr(w, "state", "enabled");
		jw_kstr(w, "mode", mode_of(en->pols[i]));
		jw_kuint(w, "hooks", ps ? ps->hooks : 0);
		jw_kuint(w, "rules", ps ? ps->rules : 0);
		jw_kuint(w, "keys", ps ? ps->keys : 0);
		jw_kuint(w, "npost", en->counters[i].npost);
		jw_kuint(w, "nenforce", en->counters[i].nenforce);
		jw_kuint(w, "nmonitor", en->counters[i].nmonitor);
		jw_kuint(w, "kernel_memory", ps ? ps->kernel_bytes : 0);
		jw_kstr(w, "file", en->pols[i]->file);
		jw_obj_end(w);
	}
	jw_arr_end(w);
	nleases = enf_leases__count(en->leases, &armed);
	jw_kuint(w, "protected_files", (uint64_t)en->img.nfiles);
	jw_kuint(w, "immutable_files", (uint64_t)enf_imm__count(en->imm));
	jw_kuint(w, "leases", (uint64_t)nleases);
	jw_kuint(w, "leases_armed", (uint64_t)armed);
	jw_key(w, "kill_latency_ns");
	jw_obj_begin(w);
	jw_kuint(w, "count", en->lat.count);
	jw_kuint(w, "last", en->lat.last_ns);
	jw_kuint(w, "max", en->lat.max_ns);
	jw_kuint(w, "mean", en->lat.count ? en->lat.sum_ns / en->lat.count : 0);
	jw_obj_end(w);
}

/* The name an EPERM'd call used, opened as its (stopped) process sees it. */
static int open_as_process(const struct enf_event *ev)
{
	int dfd = ev->nr == SYS_openat || ev->nr == SYS_openat2 ?
			  (int)ev->args[0] :
			  AT_FDCWD;
	char base[64];
	int dirfd, fd;

	if (ev->path[0] == '/')
		snprintf(base, sizeof(base), "/proc/%u/root", ev->pid);
	else if (dfd == AT_FDCWD)
		snprintf(base, sizeof(base), "/proc/%u/cwd", ev->pid);
	else
		snprintf(base, sizeof(base), "/proc/%u/fd/%d", ev->pid, dfd);
	dirfd = open(base, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (dirfd < 0)
		return -errno;
	if (ev->path[0] == '/') {
		/* its root is a sandbox's: absolute symlinks resolve in there */
		struct open_how how = { .flags = O_PATH | O_CLOEXEC,
					.resolve = RESOLVE_IN_ROOT };

		fd = (int)syscall(SYS_openat2, dirfd, ev->path, &how,
				  sizeof(how));
	} else {
		fd = openat(dirfd, ev->path, O_PATH | O_CLOEXEC);
	}
	if (fd < 0)
		fd = -errno;
	close(dirfd);
	return fd;
}

int enforcer__settle_eperm(struct enforcer *en, struct enf_event *ev)
{
	struct enf_inode_key k = {};
	bool ours = false;
	struct stat st;
	long idx = -1;
	int fd;

	fd = open_as_process(ev);
	if (fd >= 0 && !fstat(fd, &st)) {
		k.ino = st.st_ino;
		k.dev = enf_kdev(st.st_dev);
		idx = enf_table_find(&en->img.inodes, &k);
	}
	if (fd >= 0)
		close(fd);
	for (uint32_t i = 0; idx >= 0 && i < en->img.inodes.sets[idx].n; i++)
		ours |= en->img.inodes.sets[idx].ids[i] == ev->rule;
	if (!ours) {
		/* someone else's EPERM: as if nothing had happened */
		bpf_map_delete_elem(bpf_map__fd(en->skel->maps.enf_killed),
				    &ev->pid);
		kill((pid_t)ev->pid, SIGCONT);
		return 0;
	}
	kill((pid_t)ev->pid, SIGKILL);
	ev->ino = k.ino;
	ev->dev = k.dev;
	return 1;
}

/* Does the policy of ev hold the immutable flag on a file (ev's, if known)? */
static bool immutable_acted(const struct enforcer *en,
			    const struct enf_event *ev)
{
	if (ev->where == ENF_AT_EPERM || ev->where == ENF_AT_EPERM_NAME)
		return true;
	if (ev->ino)
		return enf_imm__held(en->imm, ev->dev, ev->ino);
	for (int i = 0; i < en->img.nfiles; i++) {
		const struct enf_file *f = &en->img.files[i];

		if (f->immutable && f->policy == (int)ev->policy_id &&
		    enf_imm__held(en->imm, f->dev, f->ino))
			return true;
	}
	return false;
}

const char *enforcer__mechanism(const struct enforcer *en,
				const struct enf_event *ev)
{
	switch (ev->action) {
	case ENF_ACTION_SIGKILL:
		if (ev->where == ENF_AT_LEASE)
			return "lease+sigkill";
		return immutable_acted(en, ev) ? "immutable+sigkill" :
						 "sigkill";
	case ENF_ACTION_OVERRIDE:
		return "deny";
	case ENF_ACTION_SIGNAL:
		return "signal";
	default:
		return "post";
	}
}

const struct enf_latency *enforcer__latency(const struct enforcer *en)
{
	return &en->lat;
}

int enforcer__describe(struct enforcer *en, const struct enf_event *ev,
		       struct enf_match_info *out)
{
	uint32_t idx =
		(ev->rule + ENF_MAX_RULES - en->img.first_id) % ENF_MAX_RULES;
	const struct enf_rule_info *ri;
	const struct enf_file *f;

	memset(out, 0, sizeof(*out));
	/* a record from before the last rebuild names a rule id we renumbered */
	if ((int)idx >= en->img.nrules || ev->policy_id >= (uint32_t)en->npols)
		return -ENOENT;
	ri = &en->img.info[idx];
	if (ri->policy != (int)ev->policy_id)
		return -ENOENT;
	out->policy = en->pols[ri->policy];
	out->call = ri->call;
	out->hook_kind = out->policy->hooks[ri->hook].kind;
	f = enf_image_file(&en->img, ev->dev, ev->ino);
	out->file = f ? f->path : NULL;
	return 0;
}

void enforcer__count_event(struct enforcer *en, const struct enf_event *ev)
{
	struct enf_counters *c;

	if (ev->policy_id >= (uint32_t)en->npols)
		return;
	c = &en->counters[ev->policy_id];
	if (ev->action != ENF_ACTION_POST)
		c->nenforce++;
	else if (en->pols[ev->policy_id]->monitor)
		c->nmonitor++;
	else
		c->npost++;
}

void enforcer__count_death(struct enforcer *en, uint64_t latency_ns)
{
	en->lat.count++;
	en->lat.last_ns = latency_ns;
	en->lat.sum_ns += latency_ns;
	if (latency_ns > en->lat.max_ns)
		en->lat.max_ns = latency_ns;
}
