// SPDX-License-Identifier: GPL-2.0
/*
 * The doctor's kernel probes. Each feature is proven the same way: open the
 * doctor skeleton with only that program set to load, load it, attach it to
 * a harmless hook, make the hook fire, and read the program's hit counter.
 *   load fails            -> no      (the verifier or the kernel said no)
 *   attach fails          -> no
 *   attached, never ran   -> partial
 *   ran                   -> yes
 */
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/if_link.h>
#include <signal.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "doctor/doctor.bpf.h"
#include "doctor/probe.h"
#include "doctor/probe_env.h"
#include "skel/doctor.skel.h"
#include "util/log.h"

#define SIGNAL_PROBE_SIG SIGUSR1

enum attach_how {
	HOW_AUTO, /* bpf_program__attach(): tracing program types */
	HOW_TC, /* clsact ingress on lo in a private netns */
	HOW_XDP, /* generic XDP on lo in a private netns */
	HOW_CGROUP, /* the temporary cgroup */
};

enum trigger {
	TRIG_GETPPID, /* this process calls getppid() */
	TRIG_OPEN, /* this process opens /dev/null */
	TRIG_PACKET, /* one UDP datagram over lo */
	TRIG_CGROUP_CHILD, /* a child in the cgroup uses sockets and a device */
};

struct prog_probe {
	enum doctor_check_id id;
	const char *prog; /* program name in doctor.bpf.c */
	enum attach_how how;
	enum trigger trigger;
};

static const struct prog_probe probes[] = {
	{ DC_TRACEPOINT, "bl_dr_tp", HOW_AUTO, TRIG_GETPPID },
	{ DC_RAW_TP, "bl_dr_raw_tp", HOW_AUTO, TRIG_GETPPID },
	{ DC_TP_BTF, "bl_dr_tp_btf", HOW_AUTO, TRIG_GETPPID },
	{ DC_TC, "bl_dr_tc", HOW_TC, TRIG_PACKET },
	{ DC_XDP, "bl_dr_xdp", HOW_XDP, TRIG_PACKET },
	{ DC_CGROUP_CONNECT4, "bl_dr_connect4", HOW_CGROUP, TRIG_CGROUP_CHILD },
	{ DC_CGROUP_SENDMSG4, "bl_dr_sendmsg4", HOW_CGROUP, TRIG_CGROUP_CHILD },
	{ DC_CGROUP_SOCK_CREATE, "bl_dr_sock", HOW_CGROUP, TRIG_CGROUP_CHILD },
	{ DC_CGROUP_DEVICE, "bl_dr_dev", HOW_CGROUP, TRIG_CGROUP_CHILD },
	{ DC_KPROBE, "bl_dr_kprobe", HOW_AUTO, TRIG_GETPPID },
	{ DC_FENTRY, "bl_dr_fentry", HOW_AUTO, TRIG_GETPPID },
	{ DC_BPF_LSM, "bl_dr_lsm", HOW_AUTO, TRIG_OPEN },
};

/* Where a probe is attached, so it can be detached and described. */
struct attachment {
	struct bpf_link *link;
	int netns; /* saved netns fd while inside the private one, else -1 */
	int ifindex;
	int prog_fd;
	bool tc_hook;
	bool xdp;
	char where[300];
};

struct probe_env {
	struct doctor_cgroup cg;
	bool cg_ready;
	int cg_err;
};

static const char *errstr(int err)
{
	return strerror(err < 0 ? -err : err);
}

/* libbpf says ESRCH when CO-RE finds no kernel BTF: say that instead. */
static const char *load_errstr(int err)
{
	if (err == -ESRCH)
		return "no kernel BTF to relocate against (ESRCH)";
	return errstr(err);
}

/*
 * Open the skeleton with only `prog` set to load. The ring buffer map is
 * created only when the program needs it, so a host without ring buffers
 * still gets an answer for every other probe.
 */
static int open_one(struct doctor_bpf **out, const char *prog, pid_t tgid,
		    bool ringbuf)
{
	struct doctor_bpf *skel = doctor_bpf__open();
	struct bpf_program *p;
	bool found = false;
	int err;

	if (!skel) {
		err = -errno;
		/* never 0 without a skeleton: the caller takes 0 as "loaded" */
		return err < 0 ? err : -ENOMEM;
	}
	bpf_object__for_each_program(p, skel->obj)
	{
		bool mine = !strcmp(bpf_program__name(p), prog);

		bpf_program__set_autoload(p, mine);
		found |= mine;
	}
	if (!found) {
		doctor_bpf__destroy(skel);
		return -ENOENT;
	}
	bpf_map__set_autocreate(skel->maps.dr_events, ringbuf);
	skel->rodata->targ_tgid = (__u32)tgid;
	skel->rodata->targ_nr = SYS_getppid;
	skel->rodata->targ_sig = SIGNAL_PROBE_SIG;
	err = doctor_bpf__load(skel);
	if (err) {
		doctor_bpf__destroy(skel);
		return err;
	}
	*out = skel;
	return 0;
}

static int attach_tc(struct attachment *a)
{
	LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = a->ifindex,
		    .attach_point = BPF_TC_INGRESS);
	LIBBPF_OPTS(bpf_tc_opts, opts, .prog_fd = a->prog_fd);
	int err = bpf_tc_hook_create(&hook);

	if (err && err != -EEXIST)
		return err;
	a->tc_hook = true;
	return bpf_tc_attach(&hook, &opts);
}

static int attach(struct doctor_bpf *skel, const struct prog_probe *pp,
		  struct probe_env *env, struct attachment *a)
{
	struct bpf_program *prog =
		bpf_object__find_program_by_name(skel->obj, pp->prog);
	int err = 0;

	a->prog_fd = bpf_program__fd(prog);
	switch (pp->how) {
	case HOW_AUTO:
		snprintf(a->where, sizeof(a->where), "%s",
			 bpf_program__section_name(prog));
		a->link = bpf_program__attach(prog);
		if (!a->link)
			err = -errno;
		break;
	case HOW_TC:
	case HOW_XDP:
		snprintf(a->where, sizeof(a->where),
			 "%s on lo in a private netns",
			 pp->how == HOW_TC ? "tc ingress" : "generic XDP");
		err = doctor_netns_enter(&a->netns, &a->ifindex);
		if (err)
			break;
		if (pp->how == HOW_TC) {
			err = attach_tc(a);
		} else {
			err = bpf_xdp_attach(a->ifindex, a->prog_fd,
					     XDP_FLAGS_SKB_MODE, NULL);
			a->xdp = !err;
		}
		break;
	case HOW_CGROUP:
		if (!env->cg_ready && !env->cg_err) {
			env->cg_err = doctor_cgroup_create(&env->cg);
			env->cg_ready = !env->cg_err;
		}
		snprintf(a->where, sizeof(a->where), "%s on %s",
			 bpf_program__section_name(prog),
			 env->cg_ready ? env->cg.path : "a temporary cgroup");
		if (env->cg_err) {
			err = env->cg_err;
			break;
		}
		a->link = bpf_program__attach_cgroup(prog, env->cg.fd);
		if (!a->link)
			err = -errno;
		break;
	}
	return err;
}

static void detach(struct attachment *a)
{
	if (a->tc_hook) {
		/* both points: destroy the clsact qdisc and its filters */
		LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = a->ifindex,
			    .attach_point = BPF_TC_INGRESS | BPF_TC_EGRESS);

		bpf_tc_hook_destroy(&hook);
	}
	if (a->xdp)
		bpf_xdp_detach(a->ifindex, XDP_FLAGS_SKB_MODE, NULL);
	bpf_link__destroy(a->link);
	if (a->netns >= 0)
		doctor_netns_leave(a->netns);
	a->netns = -1;
}

static int fire(enum trigger t, struct probe_env *env)
{
	int fd;

	switch (t) {
	case TRIG_GETPPID:
		syscall(SYS_getppid);
		return 0;
	case TRIG_OPEN:
		fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			return -errno;
		close(fd);
		return 0;
	case TRIG_PACKET:
		return doctor_send_udp();
	case TRIG_CGROUP_CHILD:
		return doctor_cgroup_exercise(&env->cg);
	}
	return -EINVAL;
}

static void run_probe(struct doctor_report *r, const struct prog_probe *pp,
		      struct probe_env *env)
{
	struct attachment a = { .netns = -1 };
	struct doctor_bpf *skel = NULL;
	__u64 hits;
	int err;

	/* hooks outside this process (net, cgroup) see only our own traffic */
	err = open_one(&skel, pp->prog, pp->how == HOW_AUTO ? getpid() : 0,
		       false);
	if (err) {
		doctor_set(r, pp->id, DOCTOR_NO, "%s: load failed: %s",
			   pp->prog, load_errstr(err));
		return;
	}
	err = attach(skel, pp, env, &a);
	if (err) {
		doctor_set(r, pp->id, DOCTOR_NO,
			   "%s loaded; attach to %s failed: %s", pp->prog,
			   a.where, errstr(err));
		goto out;
	}
	err = fire(pp->trigger, env);
	hits = skel->bss->hits;
	if (hits)
		doctor_set(r, pp->id, DOCTOR_YES, "%s ran %llu time(s) at %s",
			   pp->prog, (unsigned long long)hits, a.where);
	else
		doctor_set(r, pp->id, DOCTOR_PARTIAL,
			   "%s loaded and attached to %s, never ran%s%s",
			   pp->prog, a.where, err ? ": trigger failed: " : "",
			   err ? errstr(err) : "");
out:
	detach(&a);
	doctor_bpf__destroy(skel);
}

static int on_record(void *ctx, void *data, size_t len)
{
	int *seen = ctx;

	if (len == sizeof(__u64) && *(__u64 *)data == DR_RINGBUF_MAGIC)
		(*seen)++;
	return 0;
}

/* A record written in the kernel must come back out through ring_buffer__poll. */
static void probe_ringbuf(struct doctor_report *r)
{
	struct doctor_bpf *skel = NULL;
	struct ring_buffer *rb = NULL;
	int err, seen = 0;

	err = open_one(&skel, "bl_dr_ringbuf", getpid(), true);
	if (err) {
		doctor_set(r, DC_RINGBUF, DOCTOR_NO,
			   "ringbuf map or bl_dr_ringbuf load failed: %s",
			   load_errstr(err));
		return;
	}
	rb = ring_buffer__new(bpf_map__fd(skel->maps.dr_events), on_record,
			      &seen, NULL);
	if (!rb) {
		doctor_set(r, DC_RINGBUF, DOCTOR_NO, "ring_buffer__new: %s",
			   errstr(errno));
		goto out;
	}
	err = doctor_bpf__attach(skel);
	if (err) {
		doctor_set(r, DC_RINGBUF, DOCTOR_NO,
			   "bl_dr_ringbuf loaded; attach failed: %s",
			   errstr(err));
		goto out;
	}
	syscall(SYS_getppid);
	ring_buffer__poll(rb, 100);
	if (seen)
		doctor_set(r, DC_RINGBUF, DOCTOR_YES,
			   "%d record(s) written by bl_dr_ringbuf read back",
			   seen);
	else
		doctor_set(
			r, DC_RINGBUF, DOCTOR_PARTIAL,
			"map created, program attached, no record came back");
out:
	ring_buffer__free(rb);
	doctor_bpf__destroy(skel);
}

/*
 * bpf_send_signal, for real: a child calls getppid(), bl_dr_signal (filtered
 * on the child's pid) signals it, and the child must die of that signal. No
 * journal entry for the child: it blocks on a pipe and exits as soon as the
 * doctor does, whatever happens.
 */
static void probe_send_signal(struct doctor_report *r)
{
	struct doctor_child child;
	struct doctor_bpf *skel = NULL;
	int err, status = 0;

	err = doctor_child_start(&child);
	if (err) {
		doctor_set(r, DC_SEND_SIGNAL, DOCTOR_NO, "cannot fork: %s",
			   errstr(err));
		return;
	}
	err = open_one(&skel, "bl_dr_signal", child.pid, false);
	if (err) {
		doctor_set(r, DC_SEND_SIGNAL, DOCTOR_NO,
			   "bl_dr_signal load failed: %s", load_errstr(err));
	} else if ((err = doctor_bpf__attach(skel))) {
		doctor_set(r, DC_SEND_SIGNAL, DOCTOR_NO,
			   "bl_dr_signal loaded; attach failed: %s",
			   errstr(err));
	}
	/* released even on failure: it then exits 0 */
	if (doctor_child_finish(&child, &status) || err)
		goto out;
	if (WIFSIGNALED(status) && WTERMSIG(status) == SIGNAL_PROBE_SIG)
		doctor_set(
			r, DC_SEND_SIGNAL, DOCTOR_YES,
			"child %d died of SIG%s at getppid() (tp/syscalls/sys_enter_getppid)",
			(int)child.pid, sigabbrev_np(SIGNAL_PROBE_SIG));
	else if (WIFSIGNALED(status))
		doctor_set(r, DC_SEND_SIGNAL, DOCTOR_NO,
			   "child died of SIG%s, not SIG%s",
			   sigabbrev_np(WTERMSIG(status)),
			   sigabbrev_np(SIGNAL_PROBE_SIG));
	else
		doctor_set(
			r, DC_SEND_SIGNAL, DOCTOR_NO,
			"child survived getppid() (exit %d, program ran %llu time(s))",
			WEXITSTATUS(status),
			(unsigned long long)skel->bss->hits);
out:
	doctor_bpf__destroy(skel);
}

/* BPF_ENABLE_STATS: while the fd is open, programs count runs and run time. */
static void probe_enable_stats(struct doctor_report *r)
{
	struct bpf_prog_info info = {};
	__u32 len = sizeof(info);
	struct doctor_bpf *skel = NULL;
	int err, stats_fd = bpf_enable_stats(BPF_STATS_RUN_TIME);

	if (stats_fd < 0) {
		doctor_set(r, DC_ENABLE_STATS, DOCTOR_NO,
			   "BPF_ENABLE_STATS failed: %s", errstr(stats_fd));
		return;
	}
	err = open_one(&skel, "bl_dr_raw_tp", getpid(), false);
	if (!err)
		err = doctor_bpf__attach(skel);
	if (err) {
		doctor_set(r, DC_ENABLE_STATS, DOCTOR_PARTIAL,
			   "stats enabled, but no program to measure: %s",
			   load_errstr(err));
		goto out;
	}
	syscall(SYS_getppid);
	err = bpf_obj_get_info_by_fd(bpf_program__fd(skel->progs.bl_dr_raw_tp),
				     &info, &len);
	if (err)
		doctor_set(r, DC_ENABLE_STATS, DOCTOR_PARTIAL,
			   "stats enabled; program info unreadable: %s",
			   errstr(err));
	else if (info.run_cnt && info.run_time_ns)
		doctor_set(r, DC_ENABLE_STATS, DOCTOR_YES,
			   "bl_dr_raw_tp: run_cnt %llu, run_time_ns %llu",
			   (unsigned long long)info.run_cnt,
			   (unsigned long long)info.run_time_ns);
	else
		doctor_set(r, DC_ENABLE_STATS, DOCTOR_PARTIAL,
			   "stats enabled, but run_cnt stayed 0");
out:
	doctor_bpf__destroy(skel);
	close(stats_fd);
}

int doctor_probe_programs(struct doctor_report *r)
{
	struct probe_env env = { .cg = { .fd = -1, .seq = -1 } };

	/* most probes are expected to fail somewhere: keep libbpf quiet */
	log_quiet_libbpf(true);
	for (size_t i = 0; i < sizeof(probes) / sizeof(probes[0]); i++)
		run_probe(r, &probes[i], &env);
	probe_ringbuf(r);
	probe_send_signal(r);
	probe_enable_stats(r);
	log_quiet_libbpf(false);
	if (env.cg_ready)
		doctor_cgroup_remove(&env.cg);
	return 0;
}

int doctor_probe_all(struct doctor_report *r)
{
	doctor_check_mounts(r); /* first: tracefs and securityfs are needed */
	doctor_check_kernel(r);
	doctor_probe_programs(r);
	doctor_check_tools(r);
	return 0;
}
