/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Network namespaces, links, addresses and routes for the lab and the
 * benchmarks, over libnl-route-3. Everything created here is journaled
 * (kinds "netns" and "link"), so a crash is cleaned up by the next start.
 *
 * Naming: a netns is a bind mount at /run/netns/NAME, as `ip netns add`
 * makes it, so `ip netns` and `ip -n NAME` see it. Wherever a function takes
 * `ns`, NULL means the caller's current network namespace (the host).
 * Names of namespaces and links bpflab creates must contain "bpflab" or
 * start with "bl-": the leak checks look for those.
 *
 * Every function returns 0 (or a non-negative value where documented) or
 * -errno, and logs what failed.
 */
#ifndef BPFLAB_LAB_NET_H
#define BPFLAB_LAB_NET_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#define NET_NS_DIR "/run/netns"

/* ---- namespaces ---------------------------------------------------------- */

/* Create /run/netns/NAME holding a new, empty netns (with lo up). -EEXIST if taken. */
int net_ns_create(const char *name);
/* Unmount and remove it; processes still inside keep it alive until they exit. */
int net_ns_delete(const char *name);
bool net_ns_exists(const char *name);
/* O_RDONLY|O_CLOEXEC fd of the namespace (NULL: the caller's own). */
int net_ns_open(const char *name);

/*
 * Move the calling thread into ns; *saved receives an fd of the namespace it
 * was in, which net_ns_leave() returns to and closes. ns NULL: no change
 * (*saved = -1). Keep the span short: other code in this thread sees ns.
 */
int net_ns_enter(const char *ns, int *saved);
int net_ns_leave(int saved);

/* Write /proc/sys/KEY (dots or slashes) as seen from inside ns. */
int net_sysctl_set(const char *ns, const char *key, const char *value);

/* ---- running code inside a namespace ------------------------------------ */

typedef int (*net_fn)(void *arg);
/* Fork, enter ns, run fn(arg) and _exit with its result (0..255). The child
 * is not waited for: the caller owns the pid. */
pid_t net_ns_spawn(const char *ns, net_fn fn, void *arg);
/* Same, but waits: returns fn's exit code, or -errno / -EINTR if it died. */
int net_ns_run(const char *ns, net_fn fn, void *arg);
/* Fork, enter ns, execvp(argv). Returns the pid; the caller waits for it. */
pid_t net_ns_exec_async(const char *ns, char *const argv[]);
/* Same and wait: the command's exit status (0..255), 128+sig if killed. */
int net_ns_exec(const char *ns, char *const argv[]);
/* Wait for a child from net_ns_spawn/net_ns_exec_async: its exit status as above. */
int net_wait(pid_t pid);

/* ---- links -------------------------------------------------------------- */

/*
 * A veth pair: `name` in ns, `peer` in peer_ns (either may be NULL: the host).
 * Created atomically, both ends down. Journaled as one link (deleting one end
 * deletes the pair).
 */
int net_veth_create(const char *ns, const char *name, const char *peer_ns,
		    const char *peer);
int net_bridge_create(const char *ns, const char *name);
/* Enslave ifname to bridge (both in ns). */
int net_link_set_master(const char *ns, const char *ifname, const char *bridge);
int net_link_set_up(const char *ns, const char *ifname);
/* Move ifname from ns to to_ns (the journal keeps tracking it by its new home). */
int net_link_move(const char *ns, const char *ifname, const char *to_ns);
/* Delete a link bpflab created (and release its journal entry). */
int net_link_delete(const char *ns, const char *ifname);
/* ifindex (> 0) of ifname in ns. */
int net_ifindex(const char *ns, const char *ifname);

/* ---- addresses and routes ------------------------------------------------ */

/* cidr "198.18.0.1/24". */
int net_addr_add(const char *ns, const char *ifname, const char *cidr);
/*
 * dst "198.19.0.0/16" or "default"; via a gateway address or NULL for an
 * on-link route; dev NULL lets the kernel pick it from via.
 */
int net_route_add(const char *ns, const char *dst, const char *via,
		  const char *dev);

/*
 * Our tc filters on one interface. libbpf 1.1 has no tc links, so a filter
 * would outlive the engine: each attachment is journaled ("tc NS IFNAME
 * HANDLE PRIO") and every module's filters are removed by the same undo.
 * clsact is shared: it is created when missing and never removed, and only
 * filters with our handle and priority are detached.
 */
struct net_tc {
	char netns[64]; /* "" for the caller's namespace */
	char ifname[16];
	uint32_t handle; /* per module: lb, netpol, observe each own one */
	uint32_t prio;
	int seq; /* journal entry while attached, 0 when not */
};

/* Attach at ingress and/or egress (a fd < 0 skips that side), replacing ours. */
int net_tc_attach(struct net_tc *t, int ingress_fd, int egress_fd);
/* Remove our filters (a link or netns already gone counts as done). */
int net_tc_detach(struct net_tc *t);
/* A journal entry's argument back into t (seq left 0); -EINVAL if malformed. */
int net_tc_parse_journal(const char *arg, struct net_tc *t);

#endif
