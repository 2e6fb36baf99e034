/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Types shared by the kernel programs and user space. Fixed-width fields,
 * explicit padding, no bitfields, no pointers. Every ring-buffer record starts
 * with struct bl_hdr. Op numbers are never reused: add new ones at the end.
 */
#ifndef BPFLAB_ABI_H
#define BPFLAB_ABI_H

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

enum bl_op {
	BL_OP_EXEC = 1, /* a process image was replaced (execve) */
	BL_OP_EXIT = 2, /* the last thread of a process left */
	BL_OP_FORK = 3, /* a new process (not a thread) was created */
	BL_OP_ENFORCE = 4, /* an enforcement rule matched (post/kill/deny) */
	BL_OP_FLOW = 5, /* a network flow record */
	BL_OP_L7 = 6, /* an L7 request/response record */
	BL_OP_LB = 7, /* a load-balancer translation */
	BL_OP_NETPOL = 8, /* a network-policy verdict (netpol) */
	BL_OP_VM = 9, /* a vm sandbox's guest agent sent it: rec is its JSON */
	BL_OP_MAX,
};

#define BL_COMM_LEN 16
#define BL_PATH_LEN 256
#define BL_ARGS_LEN 512 /* NUL-separated argv, truncated */
#define BL_CWD_LEN 256

struct bl_hdr {
	__u16 op; /* enum bl_op */
	__u16 flags; /* op-specific */
	__u32 size; /* bytes of the whole record, header included */
	__u64 ktime; /* bpf_ktime_get_ns() at the event */
};

/* Identity of a process instance: (tgid, ktime of its exec) is unique per boot. */
struct bl_proc_key {
	__u32 pid; /* tgid */
	__u32 pad;
	__u64 ktime; /* exec (or fork, for a process that never exec'd) ktime */
};

enum bl_exec_flags {
	BL_EXEC_ARGS_TRUNC = 1 << 0, /* argv did not fit in args[] */
	BL_EXEC_CWD_TRUNC = 1 << 1, /* cwd walk stopped before the root */
	BL_EXEC_PARENT_UNKNOWN = 1 << 2, /* parent not in the kernel table */
};

struct bl_exec_event {
	struct bl_hdr hdr; /* op = BL_OP_EXEC, flags = bl_exec_flags */
	struct bl_proc_key proc; /* the new exec */
	struct bl_proc_key parent; /* the parent's current exec */
	__u32 tid; /* thread that called execve */
	__u32 ppid; /* parent tgid */
	__u32 uid; /* real uid */
	__u32 auid; /* loginuid, (u32)-1 when unset */
	__u64 cgroup_id; /* cgroup v2 id (inode of the directory) */
	__u32 ns_pid; /* pid inside the task's own pid namespace */
	__u32 pidns_inum; /* pid namespace inode number */
	__u16 args_len; /* bytes used in args[] */
	__u16 cwd_len; /* bytes used in cwd[] */
	__u16 path_len; /* bytes used in path[] */
	__u16 pad;
	char comm[BL_COMM_LEN]; /* task comm after exec */
	char path[BL_PATH_LEN]; /* binary as execve resolved it */
	char cwd[BL_CWD_LEN]; /* working directory */
	char args[BL_ARGS_LEN]; /* argv[1..], NUL-separated */
};

struct bl_exit_event {
	struct bl_hdr hdr; /* op = BL_OP_EXIT */
	struct bl_proc_key proc; /* the exec that ended */
	__u32 tid; /* thread that was last out */
	__u32 exit_code; /* wait status: (status << 8) | signal */
	__u64 cgroup_id; /* cgroup v2 id at exit */
};

struct bl_fork_event {
	struct bl_hdr hdr; /* op = BL_OP_FORK */
	struct bl_proc_key proc; /* the child: pid, ktime of the fork */
	struct bl_proc_key parent; /* the parent's current exec */
	__u64 cgroup_id; /* child's cgroup v2 id */
	char comm[BL_COMM_LEN]; /* inherited comm */
};

/* Value of the in-kernel process table (proc module's execve_map). */
struct bl_proc_entry {
	struct bl_proc_key key; /* this process's current exec */
	struct bl_proc_key parent; /* its parent's exec at fork time */
	__u64 cgroup_id; /* cgroup at exec */
	__u32 flags; /* reserved */
	__u32 pad;
};

/* Per-CPU counters every module keeps, indexed by enum bl_stat. */
enum bl_stat {
	BL_STAT_EVENTS = 0, /* records submitted */
	BL_STAT_LOST = 1, /* ring buffer full: record dropped */
	BL_STAT_ERRORS = 2, /* helper failures (read, lookup) */
	BL_STAT_MAX = 8,
};

_Static_assert(sizeof(struct bl_exec_event) == 88 + BL_COMM_LEN + BL_PATH_LEN +
						       BL_CWD_LEN + BL_ARGS_LEN,
	       "bl_exec_event layout drift");
_Static_assert(sizeof(struct bl_hdr) == 16, "bl_hdr layout drift");
_Static_assert(sizeof(struct bl_exit_event) == 48, "bl_exit_event drift");
_Static_assert(sizeof(struct bl_fork_event) == 72, "bl_fork_event drift");

/* ---- observe: resource use (map values the usage programs keep) --------- */

/* Per process (key: __u32 tgid) and per cgroup (key: __u64 cgroup id). */
struct bl_usage_val {
	__u64 cpu_ns; /* on-CPU time charged at sched_switch */
	__u64 syscalls; /* sys_enter count */
	__u64 cgroup_id; /* cgroup v2 id last seen running (procs only) */
	char comm[BL_COMM_LEN]; /* comm last seen running (procs only) */
};

/* Per CPU: who was switched in, and when (user space adds the open slice). */
struct bl_usage_cpu {
	__u64 since; /* ktime of the last switch on this CPU, 0 = none yet */
	__u64 cgroup_id; /* cgroup v2 id of the task switched in */
	__u32 tgid; /* tgid switched in, 0 = idle */
	__u32 pad;
};

_Static_assert(sizeof(struct bl_usage_val) == 24 + BL_COMM_LEN,
	       "bl_usage_val drift");
_Static_assert(sizeof(struct bl_usage_cpu) == 24, "bl_usage_cpu drift");

/* ---- observe: flows and L7 at tc (BL_OP_FLOW, BL_OP_L7) ----------------- */

#define BL_HTTP_PATH_LEN 96 /* request bytes after the method, truncated */

/* IPv4 5-tuple as the packet carries it (network byte order addresses). */
struct bl_flow_tuple {
	__u32 saddr; /* IPv4 source, network order */
	__u32 daddr; /* IPv4 destination, network order */
	__u16 sport; /* host order */
	__u16 dport; /* host order */
	__u8 proto; /* IPPROTO_TCP / IPPROTO_UDP / IPPROTO_ICMP */
	__u8 pad[3];
};

enum bl_flow_flags {
	BL_FLOW_NEW = 1 << 0, /* first packet of this direction */
	BL_FLOW_END = 1 << 1, /* first FIN or RST of this direction */
	BL_FLOW_REPLY = 1 << 2, /* the reverse tuple was seen first */
	BL_FLOW_EGRESS = 1 << 3, /* seen at egress (else ingress) */
};

enum bl_verdict {
	BL_VERDICT_FORWARDED = 1,
	BL_VERDICT_DROPPED = 2,
	BL_VERDICT_TRANSLATED = 3,
	BL_VERDICT_AUDIT = 4, /* policy would drop; audit mode let it pass */
};

/* TCP flag bits as in the header's 13th byte. */
enum bl_tcp_flags {
	BL_TCP_FIN = 0x01,
	BL_TCP_SYN = 0x02,
	BL_TCP_RST = 0x04,
	BL_TCP_PSH = 0x08,
	BL_TCP_ACK = 0x10,
};

struct bl_flow_event {
	struct bl_hdr hdr; /* op = BL_OP_FLOW, flags = bl_flow_flags */
	struct bl_flow_tuple tuple; /* this direction's tuple */
	__u64 packets; /* packets of this direction so far, this one included */
	__u64 bytes; /* bytes (skb->len) of this direction so far */
	__u64 first_ns; /* ktime of its first packet */
	__u32 ifindex; /* interface the hook sits on */
	__u8 verdict; /* enum bl_verdict */
	__u8 tcp_flags; /* this packet's flags */
	__u8 tcp_flags_seen; /* OR of every packet's flags */
	__u8 pad;
	__u32 drop_reason; /* when DROPPED */
	__u32 pad2;
};

enum bl_http_method {
	BL_HTTP_OTHER = 0,
	BL_HTTP_GET = 1,
	BL_HTTP_POST = 2,
	BL_HTTP_PUT = 3,
	BL_HTTP_DELETE = 4,
	BL_HTTP_HEAD = 5,
	BL_HTTP_PATCH = 6,
	BL_HTTP_OPTIONS = 7,
};

enum bl_l7_proto {
	BL_L7_HTTP = 0, /* HTTP/1.x: method, path, status code */
	BL_L7_MYSQL = 1, /* MySQL/MariaDB: command, query text, status */
};

#define BL_MYSQL_COM_QUERY 0x03
#define BL_MYSQL_COM_STMT_EXECUTE 0x17

enum bl_mysql_status {
	BL_MYSQL_OK = 1, /* OK packet */
	BL_MYSQL_ERR = 2, /* ERR packet */
	BL_MYSQL_RESULTSET = 3, /* a result set follows */
};

struct bl_l7_event {
	struct bl_hdr hdr; /* op = BL_OP_L7 */
	struct bl_flow_tuple tuple; /* the request's tuple (client → server) */
	__u64 latency_ns; /* request seen → first response byte seen */
	__u32 ifindex; /* interface of the response */
	__u16 status; /* HTTP status code; MySQL: enum bl_mysql_status */
	__u8 method; /* enum bl_http_method; MySQL: the command byte */
	__u8 proto; /* enum bl_l7_proto */
	char path[BL_HTTP_PATH_LEN]; /* text after the method / command */
};

_Static_assert(sizeof(struct bl_flow_tuple) == 16, "bl_flow_tuple drift");
_Static_assert(sizeof(struct bl_flow_event) == 72, "bl_flow_event drift");
_Static_assert(sizeof(struct bl_l7_event) == 48 + BL_HTTP_PATH_LEN,
	       "bl_l7_event drift");

/* ---- netpol: policy verdicts (BL_OP_NETPOL) ------------------------------ */

struct bl_netpol_event {
	struct bl_hdr hdr; /* op = BL_OP_NETPOL */
	struct bl_flow_tuple tuple; /* the packet's (or socket call's) tuple */
	__u64 cgroup_id; /* caller's cgroup at connect4/sendmsg4, else 0 */
	__u32 src_id; /* source identity */
	__u32 dst_id; /* destination identity */
	__u32 rule_id; /* deciding rule, 0 = no policy applied */
	__u32 ifindex; /* tc hook's link, 0 at cgroup hooks */
	__u8 verdict; /* enum bl_verdict: FORWARDED, DROPPED or AUDIT */
	__u8 dir; /* side that decided: 0 ingress, 1 egress */
	__u8 hook; /* where: 1 tc ingress, 2 tc egress, 3 connect4, 4 sendmsg4 */
	__u8 tcp_flags; /* the packet's TCP flags */
	__u32 pad;
};

_Static_assert(sizeof(struct bl_netpol_event) == 64, "bl_netpol_event drift");

/* ---- lb: service translations (BL_OP_LB) ---------------------------------- */

enum bl_lb_hook {
	BL_LB_CONNECT4 = 1, /* socket-LB, connect() */
	BL_LB_SENDMSG4 = 2, /* socket-LB, sendmsg() to a VIP */
	BL_LB_TC = 3, /* tc LB, the first packet of a flow */
};

#define BL_LB_NO_BACKEND 1 /* hdr.flags: the service had none; dropped */

/* One per new flow the load balancer translated (or dropped). */
struct bl_lb_event {
	struct bl_hdr hdr; /* op = BL_OP_LB, flags = BL_LB_NO_BACKEND or 0 */
	struct bl_flow_tuple tuple; /* client → VIP (sport 0 at connect4) */
	__u32 be_addr; /* backend chosen, network order; 0 if none */
	__u16 be_port; /* host order */
	__u8 hook; /* enum bl_lb_hook */
	__u8 pad;
	__u32 svc_id; /* the lb module's service id */
	__u32 tgid; /* caller at the socket hooks, 0 at tc */
	__u64 cgroup_id; /* caller's cgroup at the socket hooks, 0 at tc */
};

_Static_assert(sizeof(struct bl_lb_event) == 56, "bl_lb_event drift");

#endif /* BPFLAB_ABI_H */
