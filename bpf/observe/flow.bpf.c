// SPDX-License-Identifier: GPL-2.0
/*
 * Flows and HTTP/1.x at tc. One pass per packet:
 *
 *   parse eth/IPv4/L4            (other traffic: counted, not followed)
 *   flow_map[tuple] += packet    (every packet and byte is counted here)
 *   first packet of the tuple    → BL_OP_FLOW record, NEW (REPLY if the
 *                                  reverse tuple was seen first)
 *   first FIN/RST of the tuple   → BL_OP_FLOW record, END, with totals
 *   TCP payload "GET /p HTTP/.." → remember (time, method, path) on the tuple
 *   TCP payload "HTTP/1.x NNN"   → look up the reverse tuple's request and
 *                                  emit BL_OP_L7 with status and latency
 *
 * So a connection costs a handful of records however long it lives; user
 * space reads flow_map for the byte counters in between. What the parser
 * cannot pair (a response with no request seen, a second request before the
 * first was answered) is counted in flow_stats, never guessed.
 *
 * Every pair is counted in l7_agg (metrics read it). Its record goes out
 * under a budget (l7_rate): errors, slow pairs and a connection's first
 * pair always; the others up to l7_rate a second per CPU. What the budget
 * holds back is counted as sampled (FLOW_STAT_L7_SAMPLED), never as lost.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_tracing.h>

#include "util/common.bpf.h"
#include "observe/flow.bpf.h"

char LICENSE[] SEC("license") = "GPL";

/* Load-time knob: flows only, no payload parsing (the overhead benchmark). */
const volatile bool disable_l7 = false;

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, FLOW_MAX_ENTRIES);
	__type(key, struct bl_flow_tuple);
	__type(value, struct flow_val);
} flow_map SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 8 << 20); /* ~100k records of headroom */
} flow_rb SEC(".maps");

BL_DECLARE_STATS(flow_stats);

/* Every L7 pair, counted (see flow.bpf.h). */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_PERCPU_HASH);
	__uint(max_entries, L7_AGG_ENTRIES);
	__type(key, struct l7_agg_key);
	__type(value, struct l7_agg_val);
} l7_agg SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct l7_budget);
} l7_budget_map SEC(".maps");

/*
 * Load-time knobs of the record budget: ordinary pairs sent per second and
 * CPU (0: every pair is sent), and the latency from which a pair is slow
 * and always sent.
 */
const volatile __u32 l7_rate = 0;
const volatile __u64 l7_slow_ns = 50000000;

/* Connecting sockets → their owner, until established (see flow.bpf.h). */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, FLOW_OWNER_ENTRIES);
	__type(key, __u64);
	__type(value, struct flow_owner_val);
} sk_owner SEC(".maps");

/* Established connections (client → server tuple) → their owner. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, FLOW_OWNER_ENTRIES);
	__type(key, struct bl_flow_tuple);
	__type(value, struct flow_owner_val);
} conn_owner SEC(".maps");

/*
 * Load-time knob: wake the consumer only once this many bytes wait. At tens
 * of thousands of records a second a wakeup per record costs more than the
 * record; a consumer that sets it polls on a short timeout, so a lone record
 * is not stuck. 0 (an engine, which only waits on epoll): wake every time.
 */
const volatile __u32 wakeup_bytes = 0;

static __always_inline void flow_submit(void *rec)
{
	__u64 flags = 0;

	if (wakeup_bytes)
		flags = bpf_ringbuf_query(&flow_rb, BPF_RB_AVAIL_DATA) >=
					wakeup_bytes ?
				BPF_RB_FORCE_WAKEUP :
				BPF_RB_NO_WAKEUP;
	bpf_ringbuf_submit(rec, flags);
}

static __always_inline void flow_stat_add(__u32 which, __u64 n)
{
	__u64 *v = bpf_map_lookup_elem(&flow_stats, &which);

	if (v)
		*v += n;
}

static __always_inline void emit_flow(struct __sk_buff *skb,
				      const struct bl_flow_tuple *t,
				      const struct flow_val *v, __u16 flags,
				      __u8 tcp_flags)
{
	struct bl_flow_event *e;

	e = bl_rb_reserve(&flow_rb, &flow_stats, sizeof(*e));
	if (!e)
		return;
	bl_hdr_init(&e->hdr, BL_OP_FLOW, sizeof(*e));
	e->hdr.flags = flags;
	e->tuple = *t;
	e->packets = v->packets;
	e->bytes = v->bytes;
	e->first_ns = v->first_ns;
	e->ifindex = skb->ifindex;
	e->verdict = BL_VERDICT_FORWARDED;
	e->tcp_flags = tcp_flags;
	e->tcp_flags_seen = v->flags_seen;
	e->pad = 0;
	e->drop_reason = 0;
	e->pad2 = 0;
	flow_submit(e);
}

/* A method we know at the start of the payload: its enum and length. */
static __always_inline __u8 http_method(const char *p, __u32 *len)
{
	if (p[0] == 'G' && p[1] == 'E' && p[2] == 'T' && p[3] == ' ')
		return *len = 3, BL_HTTP_GET;
	if (p[0] == 'P' && p[1] == 'U' && p[2] == 'T' && p[3] == ' ')
		return *len = 3, BL_HTTP_PUT;
	if (p[0] == 'P' && p[1] == 'O' && p[2] == 'S' && p[3] == 'T' &&
	    p[4] == ' ')
		return *len = 4, BL_HTTP_POST;
	if (p[0] == 'H' && p[1] == 'E' && p[2] == 'A' && p[3] == 'D' &&
	    p[4] == ' ')
		return *len = 4, BL_HTTP_HEAD;
	if (p[0] == 'P' && p[1] == 'A' && p[2] == 'T' && p[3] == 'C' &&
	    p[4] == 'H' && p[5] == ' ')
		return *len = 5, BL_HTTP_PATCH;
	if (p[0] == 'D' && p[1] == 'E' && p[2] == 'L' && p[3] == 'E' &&
	    p[4] == 'T' && p[5] == 'E' && p[6] == ' ')
		return *len = 6, BL_HTTP_DELETE;
	if (p[0] == 'O' && p[1] == 'P' && p[2] == 'T' && p[3] == 'I' &&
	    p[4] == 'O' && p[5] == 'N' && p[6] == 'S' && p[7] == ' ')
		return *len = 7, BL_HTTP_OPTIONS;
	return BL_HTTP_OTHER;
}

static __always_inline int digit(char c)
{
	return c >= '0' && c <= '9' ? c - '0' : -1;
}

/* "HTTP/1.x NNN" → NNN, or 0 when the payload does not start a response. */
static __always_inline __u16 http_status(const char *p)
{
	int a, b, c;

	if (p[0] != 'H' || p[1] != 'T' || p[2] != 'T' || p[3] != 'P' ||
	    p[4] != '/' || p[5] != '1' || p[6] != '.' || p[8] != ' ')
		return 0;
	a = digit(p[9]);
	b = digit(p[10]);
	c = digit(p[11]);
	if (a < 1 || b < 0 || c < 0)
		return 0;
	return a * 100 + b * 10 + c;
}

/* Copy what the packet has from start on into buf; the rest stays zero. */
static __always_inline void load_text(struct __sk_buff *skb, __u64 start,
				      char *buf)
{
	__u64 avail;

	__builtin_memset(buf, 0, BL_HTTP_PATH_LEN);
	if (skb->len <= start)
		return;
	avail = skb->len - start;
	/* Keep clang from folding the clamp into a form the verifier can't bound. */
	asm volatile("" : "+r"(avail));
	if (avail > BL_HTTP_PATH_LEN)
		avail = BL_HTTP_PATH_LEN;
	if (avail >= 1 && avail <= BL_HTTP_PATH_LEN)
		bpf_skb_load_bytes(skb, start, buf, avail);
}

/* Remember a request on its tuple: proto, method/command, text after it. */
static __always_inline void l7_request(struct __sk_buff *skb,
				       struct flow_val *v, __u64 text_off,
				       __u8 proto, __u8 method)
{
	if (v->req_ns)
		/* Pipelined: the earlier request is not paired, say so. */
		flow_stat_add(FLOW_STAT_L7_UNPARSED, 1);
	v->req_ns = bpf_ktime_get_ns();
	v->method = method;
	v->l7proto = proto;
	load_text(skb, text_off, v->path);
}

/* Count one pair in l7_agg: total, latency sum and its bucket. */
static __always_inline void l7_count(const struct bl_flow_tuple *req_t,
				     const struct flow_val *req, __u8 proto,
				     __u16 status, __u64 lat_ns)
{
	static const __u32 bounds_us[] = { L7_LAT_BOUNDS_US };
	struct l7_agg_key k = {
		.saddr = req_t->saddr,
		.daddr = req_t->daddr,
		.dport = req_t->dport,
		.proto = proto,
		.method = req->method,
		.status = status,
	};
	struct l7_agg_val *a, zero = {};
	__u64 lat_us = lat_ns / 1000;
	__u32 b = L7_LAT_BUCKETS - 1;

	a = bpf_map_lookup_elem(&l7_agg, &k);
	if (!a) {
		bpf_map_update_elem(&l7_agg, &k, &zero, BPF_NOEXIST);
		a = bpf_map_lookup_elem(&l7_agg, &k);
		if (!a) {
			bl_stat_inc(&flow_stats, BL_STAT_ERRORS);
			return;
		}
	}
	for (__u32 i = 0; i < L7_LAT_BUCKETS - 1; i++) {
		if (lat_us <= bounds_us[i]) {
			b = i;
			break;
		}
	}
	/* per-CPU value: plain adds */
	a->count++;
	a->lat_sum_ns += lat_ns;
	if (b < L7_LAT_BUCKETS)
		a->bucket[b]++;
}

/* One more ordinary record this second on this CPU, if the budget allows. */
static __always_inline bool l7_budget_take(__u64 now)
{
	__u32 zero = 0;
	struct l7_budget *bg = bpf_map_lookup_elem(&l7_budget_map, &zero);

	if (!bg)
		return true;
	if (now - bg->win_ns >= 1000000000ull) {
		bg->win_ns = now;
		bg->sent = 0;
	}
	if (bg->sent >= l7_rate)
		return false;
	bg->sent++;
	return true;
}

/* Whether this pair goes out as a record (see the header comment). */
static __always_inline bool l7_record_wanted(const struct flow_val *req,
					     __u8 proto, __u16 status,
					     __u64 lat_ns, __u64 now)
{
	if (!l7_rate || !req->l7_seen || lat_ns >= l7_slow_ns)
		return true;
	if (proto == BL_L7_HTTP ? status >= 400 : status == BL_MYSQL_ERR)
		return true;
	return l7_budget_take(now);
}

/* Pair a response with the request waiting on the reverse tuple. */
static __always_inline void l7_response(struct __sk_buff *skb,
					const struct bl_flow_tuple *t,
					__u8 proto, __u16 status)
{
	struct bl_flow_tuple rev = {
		.saddr = t->daddr,
		.daddr = t->saddr,
		.sport = t->dport,
		.dport = t->sport,
		.proto = t->proto,
	};
	struct flow_val *req = bpf_map_lookup_elem(&flow_map, &rev);
	struct bl_l7_event *e;
	__u64 now = bpf_ktime_get_ns(), lat;

	if (!req || !req->req_ns || req->l7proto != proto ||
	    now < req->req_ns) {
		flow_stat_add(FLOW_STAT_L7_UNPARSED, 1);
		return;
	}
	lat = now - req->req_ns;
	l7_count(&rev, req, proto, status, lat);
	flow_stat_add(FLOW_STAT_L7_PAIRED, 1);
	if (!l7_record_wanted(req, proto, status, lat, now)) {
		flow_stat_add(FLOW_STAT_L7_SAMPLED, 1);
		req->req_ns = 0;
		return;
	}
	req->l7_seen = 1;
	e = bl_rb_reserve(&flow_rb, &flow_stats, sizeof(*e));
	if (e) {
		bl_hdr_init(&e->hdr, BL_OP_L7, sizeof(*e));
		e->tuple = rev;
		e->latency_ns = lat;
		e->ifindex = skb->ifindex;
		e->status = status;
		e->method = req->method;
		e->proto = proto;
		__builtin_memcpy(e->path, req->path, sizeof(e->path));
		flow_submit(e);
	}
	req->req_ns = 0;
}

/*
 * MySQL/MariaDB: a client command is one protocol packet, 3-byte length,
 * sequence 0, then the command byte. Only commands that fit in the segment
 * are taken (a split one is not guessed at).
 */
static __always_inline __u8 mysql_command(const char *p, __u32 payload)
{
	__u32 len = (__u8)p[0] | (__u8)p[1] << 8 | (__u8)p[2] << 16;

	if (p[3] != 0 || len + 4 != payload)
		return 0;
	if (p[4] == BL_MYSQL_COM_QUERY || p[4] == BL_MYSQL_COM_STMT_EXECUTE)
		return p[4];
	return 0;
}

/* The server's first answer packet (sequence 1): OK, ERR or a result set. */
static __always_inline __u16 mysql_status(const char *p, __u32 payload)
{
	if (payload < 5 || p[3] != 1)
		return 0;
	if ((__u8)p[4] == 0x00)
		return BL_MYSQL_OK;
	if ((__u8)p[4] == 0xff)
		return BL_MYSQL_ERR;
	return BL_MYSQL_RESULTSET;
}

/* Look at the first bytes of a TCP payload for an L7 start. */
static __always_inline void flow_l7(struct __sk_buff *skb,
				    const struct bl_flow_tuple *t,
				    struct flow_val *v, __u32 off,
				    __u32 payload)
{
	char p[16] = {};
	__u32 mlen = 0;
	__u16 status;
	__u8 method;

	/* Short segments (a small query) are zero-padded, not skipped. */
	if (payload >= sizeof(p)) {
		if (bpf_skb_load_bytes(skb, off, p, sizeof(p)))
			return;
	} else if (payload >= 5) {
		if (bpf_skb_load_bytes(skb, off, p, 5))
			return;
	} else {
		return; /* not a start line or command we parse */
	}
	method = http_method(p, &mlen);
	if (method) {
		l7_request(skb, v, off + mlen + 1, BL_L7_HTTP, method);
		return;
	}
	status = http_status(p);
	if (status) {
		l7_response(skb, t, BL_L7_HTTP, status);
		return;
	}
	method = mysql_command(p, payload);
	if (method) {
		l7_request(skb, v, off + 5, BL_L7_MYSQL, method);
		return;
	}
	/* Only a connection with a query waiting can be answering one. */
	status = mysql_status(p, payload);
	if (status) {
		struct bl_flow_tuple rev = {
			.saddr = t->daddr,
			.daddr = t->saddr,
			.sport = t->dport,
			.dport = t->sport,
			.proto = t->proto,
		};
		struct flow_val *req = bpf_map_lookup_elem(&flow_map, &rev);

		if (req && req->req_ns && req->l7proto == BL_L7_MYSQL)
			l7_response(skb, t, BL_L7_MYSQL, status);
	}
}

/*
 * skb->data / skb->data_end, each read by one instruction on the context
 * itself: left to clang, the two reads after a pull share a computed
 * ctx + offset pointer, which the verifier refuses to dereference.
 */
static __always_inline void *skb_data(struct __sk_buff *skb)
{
	void *p;

	asm volatile("%0 = *(u32 *)(%1 + %2)"
		     : "=r"(p)
		     : "r"(skb),
		       "i"(__builtin_offsetof(struct __sk_buff, data)));
	return p;
}

static __always_inline void *skb_data_end(struct __sk_buff *skb)
{
	void *p;

	asm volatile("%0 = *(u32 *)(%1 + %2)"
		     : "=r"(p)
		     : "r"(skb),
		       "i"(__builtin_offsetof(struct __sk_buff, data_end)));
	return p;
}

/*
 * A pointer to len bytes at off in the packet, read in place, or NULL when
 * the packet is shorter. The stack almost always has the headers in the
 * linear part; pulling them there is the rare fallback.
 */
static __always_inline void *pkt_hdr(struct __sk_buff *skb, __u32 off,
				     __u32 len)
{
	void *p = skb_data(skb) + off, *end = skb_data_end(skb);

	if (p + len > end) {
		if (off + len > skb->len || bpf_skb_pull_data(skb, off + len))
			return NULL;
		p = skb_data(skb) + off;
		end = skb_data_end(skb);
		if (p + len > end)
			return NULL;
	}
	return p;
}

/*
 * Read the tuple, TCP flags and payload span in place (direct packet
 * access: no helper call per header). Returns false for what is too short
 * to hold its headers.
 */
static __always_inline bool flow_parse(struct __sk_buff *skb,
				       struct bl_flow_tuple *t, __u32 *l4off,
				       __u32 *payload, __u8 *tcp_flags)
{
	struct iphdr *ip = pkt_hdr(skb, ETH_HLEN, sizeof(*ip));
	__u32 ihl, totlen, doff;
	struct tcphdr *th;
	struct udphdr *uh;

	if (!ip)
		return false;
	t->saddr = ip->saddr;
	t->daddr = ip->daddr;
	t->proto = ip->protocol;
	ihl = ip->ihl * 4;
	totlen = bpf_ntohs(ip->tot_len);
	*l4off = ETH_HLEN + ihl;
	if (t->proto == IPPROTO_TCP) {
		th = pkt_hdr(skb, *l4off, sizeof(*th));
		if (!th)
			return false;
		t->sport = bpf_ntohs(th->source);
		t->dport = bpf_ntohs(th->dest);
		*tcp_flags = ((__u8 *)th)[13] & 0x1f;
		doff = th->doff * 4;
		if (totlen > ihl + doff)
			*payload = totlen - ihl - doff;
		*l4off += doff;
	} else if (t->proto == IPPROTO_UDP) {
		uh = pkt_hdr(skb, *l4off, sizeof(*uh));
		if (!uh)
			return false;
		t->sport = bpf_ntohs(uh->source);
		t->dport = bpf_ntohs(uh->dest);
	}
	return true;
}

/*
 * The per-packet path. A packet that neither starts nor ends a flow nor
 * carries L7 payload costs a stats slot, one flow_map lookup and its
 * counters: no helper call for the headers and no precise clock read
 * (last_ns is the coarse clock, which is all an idle-flow age needs).
 */
static __always_inline int flow_observe(struct __sk_buff *skb, bool egress)
{
	struct bl_flow_tuple t = {}, rev;
	struct flow_val *v, init = {};
	__u32 l4off = 0, payload = 0;
	__u16 flags = egress ? BL_FLOW_EGRESS : 0;
	__u8 tcp_flags = 0;
	__u64 now;

	flow_stat_add(FLOW_STAT_PACKETS, 1);
	if (skb->protocol != bpf_htons(ETH_P_IP)) {
		flow_stat_add(FLOW_STAT_NOT_IPV4, 1);
		return TC_ACT_UNSPEC;
	}
	if (!flow_parse(skb, &t, &l4off, &payload, &tcp_flags)) {
		/* Too short for an IP header: not followed, as non-IPv4. */
		if (skb->len < ETH_HLEN + sizeof(struct iphdr))
			flow_stat_add(FLOW_STAT_NOT_IPV4, 1);
		return TC_ACT_UNSPEC;
	}

	v = bpf_map_lookup_elem(&flow_map, &t);
	if (!v) {
		rev = (struct bl_flow_tuple){ .saddr = t.daddr,
					      .daddr = t.saddr,
					      .sport = t.dport,
					      .dport = t.sport,
					      .proto = t.proto };
		init.first_ns = bpf_ktime_get_ns();
		init.reply = bpf_map_lookup_elem(&flow_map, &rev) != NULL;
		bpf_map_update_elem(&flow_map, &t, &init, BPF_NOEXIST);
		v = bpf_map_lookup_elem(&flow_map, &t);
		if (!v) {
			bl_stat_inc(&flow_stats, BL_STAT_ERRORS);
			return TC_ACT_UNSPEC;
		}
		flags |= BL_FLOW_NEW;
	} else if ((tcp_flags & BL_TCP_SYN) && v->ended) {
		/* A new connection on a finished one's tuple (a reused port):
		 * its own flow, with its own totals and first L7 pair. */
		v->packets = 0;
		v->bytes = 0;
		v->first_ns = bpf_ktime_get_ns();
		v->flags_seen = 0;
		v->ended = 0;
		v->req_ns = 0;
		v->l7_seen = 0;
		flags |= BL_FLOW_NEW;
	}
	/* Exact even when two CPUs carry one direction (ingress from two
	 * backlogs): the records' packet totals must add up. */
	__sync_fetch_and_add(&v->packets, 1);
	__sync_fetch_and_add(&v->bytes, skb->len);
	/* Only write what changed: the line stays clean for the other CPU. */
	now = bpf_ktime_get_coarse_ns();
	if (v->last_ns != now)
		v->last_ns = now;
	if (v->ifindex != skb->ifindex)
		v->ifindex = skb->ifindex;
	if ((v->flags_seen | tcp_flags) != v->flags_seen)
		v->flags_seen |= tcp_flags;
	if (v->reply)
		flags |= BL_FLOW_REPLY;
	if ((tcp_flags & (BL_TCP_FIN | BL_TCP_RST)) && !v->ended) {
		v->ended = 1;
		flags |= BL_FLOW_END;
	}
	if (flags & (BL_FLOW_NEW | BL_FLOW_END))
		emit_flow(skb, &t, v, flags, tcp_flags);
	if (payload && !disable_l7)
		flow_l7(skb, &t, v, l4off, payload);
	return TC_ACT_UNSPEC;
}

SEC("tc")
int bl_flow_ingress(struct __sk_buff *skb)
{
	return flow_observe(skb, false);
}

SEC("tc")
int bl_flow_egress(struct __sk_buff *skb)
{
	return flow_observe(skb, true);
}

#define BL_TCP_ESTABLISHED 1
#define BL_TCP_SYN_SENT 2
#define BL_TCP_CLOSE 7
#define BL_AF_INET 2

/*
 * A client socket's owner: the state change to SYN_SENT runs in connect(),
 * in the caller's context; the change to ESTABLISHED runs in softirq, but
 * by then the source port is bound, so the tuple can be keyed.
 */
static __always_inline void flow_sk_state(const struct sock *sk, int oldstate,
					  int newstate)
{
	__u64 key = (__u64)(unsigned long)sk;
	struct flow_owner_val *o, nv = {};
	struct bl_flow_tuple t = {};

	if (BPF_CORE_READ(sk, __sk_common.skc_family) != BL_AF_INET ||
	    BPF_CORE_READ(sk, sk_protocol) != IPPROTO_TCP)
		return;
	if (newstate == BL_TCP_SYN_SENT) {
		nv.pid = bpf_get_current_pid_tgid() >> 32;
		nv.cgroup_id = bpf_get_current_cgroup_id();
		bpf_get_current_comm(nv.comm, sizeof(nv.comm));
		bpf_map_update_elem(&sk_owner, &key, &nv, BPF_ANY);
		return;
	}
	o = bpf_map_lookup_elem(&sk_owner, &key);
	if (!o)
		return;
	if (oldstate == BL_TCP_SYN_SENT && newstate == BL_TCP_ESTABLISHED) {
		t.saddr = BPF_CORE_READ(sk, __sk_common.skc_rcv_saddr);
		t.daddr = BPF_CORE_READ(sk, __sk_common.skc_daddr);
		t.sport = BPF_CORE_READ(sk, __sk_common.skc_num);
		t.dport = bpf_ntohs(BPF_CORE_READ(sk, __sk_common.skc_dport));
		t.proto = IPPROTO_TCP;
		bpf_map_update_elem(&conn_owner, &t, o, BPF_ANY);
	}
	bpf_map_delete_elem(&sk_owner, &key);
}

SEC("tp_btf/inet_sock_set_state")
int BPF_PROG(bl_flow_skstate, const struct sock *sk, int oldstate, int newstate)
{
	flow_sk_state(sk, oldstate, newstate);
	return 0;
}
