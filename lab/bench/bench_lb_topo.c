// SPDX-License-Identifier: GPL-2.0
/* The benchmark's namespaces, servers and cgroup, rebuilt per configuration. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "engine/journal.h"
#include "lab/bench/bench_lb.h"
#include "lab/bench/crr.h"
#include "lab/net/net.h"
#include "util/log.h"
#include "util/paths.h"
#include "util/util.h"

uint32_t blb_vip(int i)
{
	return htonl((198u << 24 | 19u << 16 | 128u << 8) + (uint32_t)i + 1);
}

static void backend_ns(int i, char *buf, size_t size)
{
	snprintf(buf, size, "bpflab-bl-b%d", i + 1);
}

int blb_topo_join(const struct blb_topo *t)
{
	char procs[160], pid[16];
	int err;

	snprintf(procs, sizeof(procs), "%s/cgroup.procs", t->cgroup);
	snprintf(pid, sizeof(pid), "%d", getpid());
	err = write_file(procs, pid);
	return err ? err : crr_pin_cpu(t->cpu);
}

int blb_topo_cpu_usec(const struct blb_topo *t, uint64_t *usec)
{
	char path[160], buf[512], *end;
	ssize_t n;

	snprintf(path, sizeof(path), "%s/cpu.stat", t->cgroup);
	n = read_file(path, buf, sizeof(buf));
	if (n < 0)
		return (int)n;
	if (strncmp(buf, "usage_usec ", 11) != 0)
		return -EINVAL;
	*usec = strtoull(buf + 11, &end, 10);
	return end == buf + 11 ? -EINVAL : 0;
}

struct server_arg {
	const struct blb_topo *t;
	uint32_t addr;
};

static int server_main(void *p)
{
	struct server_arg *a = p;

	if (blb_topo_join(a->t))
		return 3;
	return crr_server(a->addr, BLB_PORT_BACKEND) ? 4 : 0;
}

static int link_pair(const char *ns, const char *ifname, const char *addr,
		     const char *peer_ns, const char *peer,
		     const char *peer_addr)
{
	int err = net_veth_create(ns, ifname, peer_ns, peer);

	if (!err)
		err = net_addr_add(ns, ifname, addr);
	if (!err)
		err = net_addr_add(peer_ns, peer, peer_addr);
	if (!err)
		err = net_link_set_up(ns, ifname);
	if (!err)
		err = net_link_set_up(peer_ns, peer);
	return err;
}

static int backend_up(struct blb_topo *t, int i)
{
	char ns[32], nif[16], a[32], b[32], gw[32];
	struct server_arg arg = { .t = t };
	unsigned long long start;
	int err;

	backend_ns(i, ns, sizeof(ns));
	snprintf(nif, sizeof(nif), "b%d", i + 1);
	snprintf(a, sizeof(a), "198.18.%d.1/24", i + 1);
	snprintf(b, sizeof(b), "198.18.%d.2/24", i + 1);
	snprintf(gw, sizeof(gw), "198.18.%d.1", i + 1);
	err = net_ns_create(ns);
	if (!err)
		err = link_pair(BLB_NS_NODE, nif, a, ns, "eth0", b);
	if (!err)
		err = net_route_add(ns, "default", gw, "eth0");
	/* PAWS drops reused 4-tuples arriving through another VIP otherwise */
	if (!err)
		err = net_sysctl_set(ns, "net.ipv4.tcp_max_tw_buckets", "0");
	if (err)
		return err;
	t->backend[i] =
		htonl((198u << 24 | 18u << 16) + ((uint32_t)(i + 1) << 8) + 2);
	arg.addr = t->backend[i];
	t->server[i] = net_ns_spawn(ns, server_main, &arg);
	if (t->server[i] < 0)
		return t->server[i];
	if (!proc_start_time(t->server[i], &start))
		t->server_seq[i] =
			journal_record("pid", "%d %llu", t->server[i], start);
	return 0;
}

int blb_topo_up(struct blb_topo *t, int nbackends, int cpu)
{
	int err;

	memset(t, 0, sizeof(*t));
	t->nbackends = nbackends;
	t->cpu = cpu;
	snprintf(t->cgroup, sizeof(t->cgroup), "%s/bpflab-bench-lb",
		 BL_CGROUP_ROOT);
	t->cgroup_seq = journal_record("cgroup", "%s", t->cgroup);
	if (mkdir(t->cgroup, 0755) && errno != EEXIST) {
		err = -errno;
		pr_err("bench lb: cgroup %s: %s\n", t->cgroup, strerror(-err));
		goto fail;
	}
	err = net_ns_create(BLB_NS_CLIENT);
	if (!err)
		err = net_ns_create(BLB_NS_NODE);
	if (!err)
		err = link_pair(BLB_NS_CLIENT, "eth0", "198.18.0.2/24",
				BLB_NS_NODE, "c0", "198.18.0.1/24");
	if (!err)
		err = net_route_add(BLB_NS_CLIENT, "default", "198.18.0.1",
				    "eth0");
	if (!err)
		err = net_sysctl_set(BLB_NS_NODE, "net.ipv4.ip_forward", "1");
	if (!err)
		err = net_sysctl_set(BLB_NS_CLIENT,
				     "net.ipv4.ip_local_port_range",
				     "1024 65535");
	for (int i = 0; !err && i < nbackends; i++)
		err = backend_up(t, i);
	if (err)
		goto fail;
	/* the servers listen before the first connection */
	usleep(100 * 1000);
	return 0;
fail:
	blb_topo_down(t);
	return err;
}

void blb_topo_down(struct blb_topo *t)
{
	char ns[32];

	for (int i = 0; i < t->nbackends; i++) {
		if (t->server[i] > 0) {
			kill(t->server[i], SIGKILL);
			waitpid(t->server[i], NULL, 0);
			if (t->server_seq[i] > 0)
				journal_release(t->server_seq[i]);
			t->server[i] = 0;
		}
	}
	for (int i = 0; i < t->nbackends; i++) {
		backend_ns(i, ns, sizeof(ns));
		if (net_ns_exists(ns))
			net_ns_delete(ns);
	}
	if (net_ns_exists(BLB_NS_NODE))
		net_ns_delete(BLB_NS_NODE);
	if (net_ns_exists(BLB_NS_CLIENT))
		net_ns_delete(BLB_NS_CLIENT);
	if (t->cgroup_seq > 0) {
		/* kills anything still inside, then removes the directory */
		journal_undo_one(t->cgroup_seq);
		t->cgroup_seq = 0;
	}
}

void blb_conntrack_flush(void)
{
	char *argv[] = { "conntrack", "-F", NULL };
	pid_t pid;
	int devnull;

	/* quiet: conntrack prints a summary line on stderr */
	fflush(NULL);
	pid = fork();
	if (pid < 0)
		return;
	if (!pid) {
		devnull = open("/dev/null", O_WRONLY);
		dup2(devnull, 1);
		dup2(devnull, 2);
		_exit(net_ns_exec(BLB_NS_NODE, argv));
	}
	waitpid(pid, NULL, 0);
}
