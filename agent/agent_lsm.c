// SPDX-License-Identifier: GPL-2.0
/*
 * The guest's enforcement: BPF-LSM programs (bpf/lsm/lsm.bpf.c) that deny a
 * write to a protected inode with EPERM before it happens, the policy table
 * that fills their map, and the ring buffer whose records become
 * Tetragon-shaped events (process_exec, process_kprobe) for the host.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "agent/agent.h"
#include "lsm/lsm_abi.h"
#include "skel/lsm.skel.h"

#define MAX_POLICIES 16
#define MAX_PATHS 16

struct agent_policy {
	char name[128];
	bool used, enforce;
	char paths[MAX_PATHS][LSM_PATH_LEN];
	struct bl_lsm_key keys[MAX_PATHS];
	bool have[MAX_PATHS];
	/* "net:CIDR" entries protect a destination network instead */
	struct bl_lsm_net nets[MAX_PATHS];
	bool is_net[MAX_PATHS];
	/* "sys:NAME" entries deny (or report) a whole syscall */
	__u32 sysnr[MAX_PATHS];
	bool is_sys[MAX_PATHS];
};

/*
 * The escape syscalls a TracingPolicy lists, by their x86_64 numbers (the
 * guest is amd64). A syscall outside this table protects nothing: the
 * guest has no hook that would deny it before it acts.
 */
static const struct {
	const char *name;
	unsigned nr;
} escape_syscalls[] = {
	{ "sys_pivot_root", 155 }, { "sys_mount", 165 },
	{ "sys_umount2", 166 },	   { "sys_init_module", 175 },
	{ "sys_unshare", 272 },	   { "sys_open_by_handle_at", 304 },
	{ "sys_setns", 308 },	   { "sys_finit_module", 313 },
};

static int syscall_nr(const char *name)
{
	if (!strncmp(name, "__x64_", 6))
		name += 6;
	for (size_t i = 0;
	     i < sizeof(escape_syscalls) / sizeof(escape_syscalls[0]); i++)
		if (!strcmp(escape_syscalls[i].name, name) ||
		    !strcmp(escape_syscalls[i].name + 4, name))
			return (int)escape_syscalls[i].nr;
	return -ENOENT;
}

struct agent_lsm {
	struct lsm_bpf *skel;
	struct ring_buffer *rb;
	struct agent_policy pol[MAX_POLICIES];
};

static const char *hook_name(unsigned hook)
{
	switch (hook) {
	case LSM_HOOK_FILE_OPEN:
		return "file_open";
	case LSM_HOOK_FILE_PERMISSION:
		return "file_permission";
	case LSM_HOOK_PATH_TRUNCATE:
		return "path_truncate";
	case LSM_HOOK_PATH_RENAME:
		return "path_rename";
	case LSM_HOOK_PATH_UNLINK:
		return "path_unlink";
	case LSM_HOOK_SOCKET_CONNECT:
		return "socket_connect";
	case LSM_HOOK_SB_MOUNT:
		return "sb_mount";
	case LSM_HOOK_SB_PIVOTROOT:
		return "sb_pivotroot";
	case LSM_HOOK_KERNEL_READ_FILE:
		return "kernel_read_file";
	case LSM_HOOK_KERNEL_LOAD_DATA:
		return "kernel_load_data";
	case LSM_HOOK_CAPABLE:
		return "capable";
	case LSM_HOOK_SYSCALL:
		return "sys_exit";
	case LSM_HOOK_RELEASE_AGENT:
		return "file_open";
	default:
		return "?";
	}
}

static void read_link(pid_t pid, const char *what, char *out, size_t size)
{
	char path[64];
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/%d/%s", pid, what);
	n = readlink(path, out, size - 1);
	out[n > 0 ? n : 0] = 0;
}

/* /proc/PID/cmdline after argv[0], spaces between, JSON-escaped */
static void read_args(pid_t pid, char *out, size_t size)
{
	char path[64], buf[512];
	FILE *f;
	size_t n, skip;

	snprintf(path, sizeof(path), "/proc/%d/cmdline", pid);
	out[0] = 0;
	f = fopen(path, "re");
	if (!f)
		return;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = 0;
	skip = strnlen(buf, n) + 1;
	for (size_t i = skip; i + 1 < n; i++)
		if (!buf[i])
			buf[i] = ' ';
	agent_json_str(out, size, skip < n ? buf + skip : "");
}

/* "process":{...} in Tetragon's shape, with bpflab's sandbox member */
static int render_process(char *out, size_t size, const char *key, pid_t pid,
			  unsigned uid, const char *binary_hint)
{
	char bin[256], jbin[300], args[700], jname[80];

	read_link(pid, "exe", bin, sizeof(bin));
	agent_json_str(jbin, sizeof(jbin), bin[0] ? bin : binary_hint);
	read_args(pid, args, sizeof(args));
	agent_json_str(jname, sizeof(jname), agent_name());
	return snprintf(
		out, size,
		"\"%s\":{\"pid\":%d,\"uid\":%u,\"binary\":%s,"
		"\"arguments\":%s,\"sandbox\":{\"name\":%s,\"kind\":\"vm\"}}",
		key, pid, uid, jbin, args, jname);
}

static void emit_exec(const struct bl_lsm_event *ev)
{
	char line[3000], proc[1200], parent[1200];

	render_process(proc, sizeof(proc), "process", (pid_t)ev->pid, ev->uid,
		       ev->path);
	render_process(parent, sizeof(parent), "parent", (pid_t)ev->ppid, 0,
		       "");
	snprintf(line, sizeof(line), "%s,%s", proc, parent);
	agent_send("0 event process_exec {%s}", line);
}

static void emit_denial(struct agent_lsm *l, const struct bl_lsm_event *ev)
{
	unsigned slot = ev->policy / MAX_PATHS, idx = ev->policy % MAX_PATHS;
	const struct agent_policy *p =
		slot < MAX_POLICIES ? &l->pol[slot] : NULL;
	char proc[1200], parent[1200], jpath[400], jpol[300], comm[40];
	char func[80];
	long long ret = ev->denied ? -1 : ev->ret;

	snprintf(func, sizeof(func), "security_%s", hook_name(ev->hook));
	if (ev->sysnr && ev->hook != LSM_HOOK_RELEASE_AGENT) {
		char jd[280];

		/* the policy named the syscall: so does the event */
		snprintf(func, sizeof(func), "__x64_%s",
			 p && p->is_sys[idx] ? p->paths[idx] + 4 : "?");
		agent_json_str(jd, sizeof(jd), ev->path);
		jpath[0] = 0;
		if (ev->path[0])
			snprintf(jpath, sizeof(jpath), "{\"string_arg\":%s}",
				 jd);
		if (ev->hook == LSM_HOOK_SYSCALL)
			ret = ev->sysret;
	} else if (ev->hook == LSM_HOOK_RELEASE_AGENT) {
		char jp[280];

		agent_json_str(jp, sizeof(jp), ev->path);
		snprintf(jpath, sizeof(jpath), "{\"file_arg\":{\"path\":%s}}",
			 jp);
	} else if (ev->hook == LSM_HOOK_SOCKET_CONNECT) {
		char addr[INET_ADDRSTRLEN] = "";

		inet_ntop(AF_INET, &ev->daddr, addr, sizeof(addr));
		snprintf(
			jpath, sizeof(jpath),
			"{\"sockaddr_arg\":{\"family\":\"AF_INET\",\"addr\":\"%s\",\"port\":%u}}",
			addr, ev->dport);
	} else {
		char jp[280];

		agent_json_str(jp, sizeof(jp), p ? p->paths[idx] : "");
		snprintf(jpath, sizeof(jpath), "{\"file_arg\":{\"path\":%s}}",
			 jp);
	}
	agent_json_str(jpol, sizeof(jpol), p ? p->name : "");
	agent_json_str(comm, sizeof(comm), ev->comm);
	render_process(proc, sizeof(proc), "process", (pid_t)ev->pid, ev->uid,
		       ev->comm);
	render_process(parent, sizeof(parent), "parent", (pid_t)ev->ppid, 0,
		       "");
	agent_send("0 event process_kprobe {%s,%s,\"function_name\":\"%s\","
		   "\"args\":[%s],"
		   "\"return\":{\"int_arg\":%lld},\"action\":\"%s\","
		   "\"policy_name\":%s,\"bpflab\":{\"mechanism\":\"%s\","
		   "\"detail\":\"%s\",\"hook\":\"%s\",\"comm\":%s,"
		   "\"ino\":%llu,\"dev\":%llu,\"ktime\":%llu}}",
		   proc, parent, func, jpath, ret,
		   ev->denied ? "KPROBE_ACTION_OVERRIDE" : "KPROBE_ACTION_POST",
		   jpol, ev->denied ? "bpf-lsm" : "bpf-lsm (monitor)",
		   ev->denied ? "denied with EPERM before the operation" :
				"reported, not denied (monitor mode)",
		   hook_name(ev->hook), comm, (unsigned long long)ev->ino,
		   (unsigned long long)ev->dev, (unsigned long long)ev->ktime);
}

static int on_record(void *ctx, void *data, size_t len)
{
	const struct bl_lsm_event *ev = data;

	if (len < sizeof(*ev))
		return 0;
	if (ev->hook == LSM_HOOK_EXEC)
		emit_exec(ev);
	else
		emit_denial(ctx, ev);
	return 0;
}

int agent_lsm__open(struct agent_lsm **out, char *why, size_t whylen)
{
	struct agent_lsm *l = calloc(1, sizeof(*l));
	int err;

	if (!l)
		return -ENOMEM;
	l->skel = lsm_bpf__open_and_load();
	if (!l->skel) {
		err = -errno;
		snprintf(why, whylen, "loading the BPF-LSM programs: %s",
			 strerror(-err));
		goto fail;
	}
	err = lsm_bpf__attach(l->skel);
	if (err) {
		snprintf(why, whylen,
			 "attaching BPF-LSM (is \"bpf\" in lsm=?): %s",
			 strerror(-err));
		goto fail;
	}
	l->rb = ring_buffer__new(bpf_map__fd(l->skel->maps.bl_lsm_events),
				 on_record, l, NULL);
	if (!l->rb) {
		err = -errno;
		snprintf(why, whylen, "ring buffer: %s", strerror(-err));
		goto fail;
	}
	*out = l;
	return 0;
fail:
	agent_lsm__close(l);
	return err;
}

void agent_lsm__close(struct agent_lsm *l)
{
	if (!l)
		return;
	ring_buffer__free(l->rb);
	lsm_bpf__destroy(l->skel);
	free(l);
}

int agent_lsm__fd(struct agent_lsm *l)
{
	return ring_buffer__epoll_fd(l->rb);
}

int agent_lsm__poll(struct agent_lsm *l)
{
	return ring_buffer__consume(l->rb);
}

/*
 * A syscall has one slot: when the policy that set it goes, another policy
 * listing the same call takes it back (or the slot is cleared).
 */
static void reset_sys(struct agent_lsm *l, const struct agent_policy *gone,
		      __u32 nr)
{
	struct bl_lsm_rule rule = { 0 };

	for (int s = 0; s < MAX_POLICIES && !rule.flags; s++) {
		const struct agent_policy *p = &l->pol[s];

		for (int i = 0; p != gone && p->used && i < MAX_PATHS; i++)
			if (p->have[i] && p->is_sys[i] && p->sysnr[i] == nr) {
				rule.policy = (__u32)(s * MAX_PATHS + i);
				rule.flags = LSM_RULE_ACTIVE |
					     (p->enforce ? LSM_RULE_DENY : 0);
				break;
			}
	}
	bpf_map_update_elem(bpf_map__fd(l->skel->maps.bl_lsm_sys), &nr, &rule,
			    BPF_ANY);
}

static void drop_keys(struct agent_lsm *l, struct agent_policy *p)
{
	int fd = bpf_map__fd(l->skel->maps.bl_lsm_rules);
	int nfd = bpf_map__fd(l->skel->maps.bl_lsm_nets);

	for (int i = 0; i < MAX_PATHS; i++)
		if (p->have[i] && p->is_sys[i])
			reset_sys(l, p, p->sysnr[i]);
		else if (p->have[i] && p->is_net[i])
			bpf_map_delete_elem(nfd, &p->nets[i]);
		else if (p->have[i])
			bpf_map_delete_elem(fd, &p->keys[i]);
	memset(p, 0, sizeof(*p));
}

/* "198.18.66.0/24" into the LPM map */
static int add_net(struct agent_lsm *l, struct agent_policy *p, int i,
		   const char *cidr, const struct bl_lsm_rule *rule)
{
	char addr[32], *end = NULL;
	size_t alen = strcspn(cidr, "/");
	unsigned long plen = 32;
	struct in_addr in;

	if (alen >= sizeof(addr))
		return -EINVAL;
	memcpy(addr, cidr, alen);
	addr[alen] = 0;
	if (cidr[alen] == '/') {
		errno = 0;
		plen = strtoul(cidr + alen + 1, &end, 10);
		if (errno || end == cidr + alen + 1 || *end)
			return -EINVAL;
	}
	if (plen > 32 || inet_pton(AF_INET, addr, &in) != 1)
		return -EINVAL;
	p->nets[i] = (struct bl_lsm_net){ .prefixlen = (__u32)plen,
					  .addr = in.s_addr };
	p->is_net[i] = true;
	if (bpf_map_update_elem(bpf_map__fd(l->skel->maps.bl_lsm_nets),
				&p->nets[i], rule, BPF_ANY))
		return -errno;
	p->have[i] = true;
	return 0;
}

/* "sys_setns": the whole syscall, denied by the hook it reaches */
static int add_sys(struct agent_lsm *l, struct agent_policy *p, int i,
		   const char *name, const struct bl_lsm_rule *rule)
{
	struct bl_lsm_rule r = *rule;
	int nr = syscall_nr(name);

	p->is_sys[i] = true;
	if (nr < 0)
		return 0; /* not an escape call this guest can stop */
	p->sysnr[i] = (__u32)nr;
	r.flags |= LSM_RULE_ACTIVE;
	if (bpf_map_update_elem(bpf_map__fd(l->skel->maps.bl_lsm_sys),
				&p->sysnr[i], &r, BPF_ANY))
		return -errno;
	p->have[i] = true;
	return 1;
}

int agent_lsm__policy(struct agent_lsm *l, const char *name, bool enforce,
		      char *const paths[], int npaths)
{
	int fd = bpf_map__fd(l->skel->maps.bl_lsm_rules), slot = -1, n = 0;
	struct agent_policy *p;

	if (npaths > MAX_PATHS || strlen(name) >= sizeof(p->name))
		return -E2BIG;
	for (int i = 0; i < MAX_POLICIES; i++) {
		if (l->pol[i].used && !strcmp(l->pol[i].name, name)) {
			drop_keys(l, &l->pol[i]); /* apply replaces */
			slot = i;
			break;
		}
		if (!l->pol[i].used && slot < 0)
			slot = i;
	}
	if (slot < 0)
		return -ENOSPC;
	p = &l->pol[slot];
	p->used = true;
	p->enforce = enforce;
	snprintf(p->name, sizeof(p->name), "%s", name);
	for (int i = 0; i < npaths; i++) {
		struct bl_lsm_rule rule = {
			.policy = (unsigned)(slot * MAX_PATHS + i),
			.flags = enforce ? LSM_RULE_DENY : 0
		};
		struct stat st;

		snprintf(p->paths[i], sizeof(p->paths[i]), "%s", paths[i]);
		if (!strncmp(paths[i], "sys:", 4)) {
			int err = add_sys(l, p, i, paths[i] + 4, &rule);

			if (err < 0)
				return err;
			n += err;
			continue;
		}
		if (!strncmp(paths[i], "net:", 4)) {
			int err = add_net(l, p, i, paths[i] + 4, &rule);

			if (err)
				return err;
			n++;
			continue;
		}
		/* a path this guest lacks protects nothing: not an error */
		if (stat(paths[i], &st))
			continue;
		/* the kernel's s_dev encoding: major << 20 | minor */
		p->keys[i].dev = (unsigned long long)major(st.st_dev) << 20 |
				 minor(st.st_dev);
		p->keys[i].ino = st.st_ino;
		if (bpf_map_update_elem(fd, &p->keys[i], &rule, BPF_ANY))
			return -errno;
		p->have[i] = true;
		n++;
	}
	return n;
}

/*
 * A protected path may name a new inode now: in monitor mode `sed -i`
 * renames its copy over it. Follow the name, as the host's enforcer does.
 */
void agent_lsm__refresh(struct agent_lsm *l)
{
	int fd = bpf_map__fd(l->skel->maps.bl_lsm_rules);

	for (int s = 0; s < MAX_POLICIES; s++) {
		struct agent_policy *p = &l->pol[s];

		for (int i = 0; p->used && i < MAX_PATHS && p->paths[i][0];
		     i++) {
			if (p->is_net[i] || p->is_sys[i])
				continue;
			struct bl_lsm_rule rule = {
				.policy = (unsigned)(s * MAX_PATHS + i),
				.flags = p->enforce ? LSM_RULE_DENY : 0
			};
			struct bl_lsm_key key = { 0 };
			struct stat st;

			if (!stat(p->paths[i], &st)) {
				key.dev = (unsigned long long)major(st.st_dev)
						  << 20 |
					  minor(st.st_dev);
				key.ino = st.st_ino;
			}
			if (p->have[i] &&
			    !memcmp(&key, &p->keys[i], sizeof(key)))
				continue;
			if (p->have[i])
				bpf_map_delete_elem(fd, &p->keys[i]);
			p->have[i] =
				key.ino &&
				!bpf_map_update_elem(fd, &key, &rule, BPF_ANY);
			p->keys[i] = key;
		}
	}
}

int agent_lsm__unpolicy(struct agent_lsm *l, const char *name)
{
	for (int i = 0; i < MAX_POLICIES; i++)
		if (l->pol[i].used && !strcmp(l->pol[i].name, name)) {
			drop_keys(l, &l->pol[i]);
			return 0;
		}
	return -ENOENT;
}
