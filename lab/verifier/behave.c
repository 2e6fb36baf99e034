// SPDX-License-Identifier: GPL-2.0
/*
 * Loading is not enough: a "fix" that returns at once loads too. The
 * trainee's program and the shipped fix run side by side with
 * BPF_PROG_TEST_RUN on the same packets, and must return the same verdict,
 * leave the same packet and the same map contents.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <net/ethernet.h>
#include <netinet/ip.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/bpf.h>

#include "lab/verifier/verifier.h"
#include "util/log.h"

#define PKT_MAX 256
#define ETHERTYPE_LLDP_BL 0x88cc /* a short frame that is not IP */

/*
 * Ethernet + IPv4 + TCP from the lab's client to web1, cut to len bytes;
 * shorter than an IPv4 header, an LLDP frame.
 */
static void make_packet(unsigned char *pkt, unsigned int len)
{
	struct ether_header *eth = (void *)pkt;
	struct iphdr *ip = (void *)(eth + 1);
	struct tcphdr *tcp = (void *)(ip + 1);

	memset(pkt, 0, PKT_MAX);
	for (unsigned int i = 0; i < PKT_MAX; i++)
		pkt[i] = (unsigned char)(i * 7);
	memset(eth, 0, sizeof(*eth));
	/* the kernel refuses an IPv4 frame shorter than its header */
	eth->ether_type =
		htons(len < sizeof(*eth) + sizeof(*ip) ? ETHERTYPE_LLDP_BL :
							 ETHERTYPE_IP);
	memset(ip, 0, sizeof(*ip));
	ip->version = 4;
	ip->ihl = 5;
	ip->ttl = 64;
	ip->protocol = IPPROTO_TCP;
	ip->tot_len = htons(len > sizeof(*eth) ? len - sizeof(*eth) : 0);
	ip->saddr = htonl(0xc612000a); /* 198.18.0.10 */
	ip->daddr = htonl(0xc6120101); /* 198.18.1.1 */
	memset(tcp, 0, sizeof(*tcp));
	tcp->source = htons(40000);
	tcp->dest = htons(80);
	tcp->doff = 5;
	tcp->syn = 1;
}

static struct bpf_object *open_loaded(const struct vf_case *c, const char *path)
{
	LIBBPF_OPTS(bpf_object_open_opts, opts, .object_name = c->name);
	struct bpf_object *obj;
	const void *elf;
	size_t size;

	if (path) {
		obj = bpf_object__open_file(path, &opts);
	} else {
		elf = c->fixed_elf(&size);
		obj = bpf_object__open_mem(elf, size, &opts);
	}
	if (!obj)
		return NULL;
	log_quiet_libbpf(true);
	if (bpf_object__load(obj)) {
		bpf_object__close(obj);
		obj = NULL;
	}
	log_quiet_libbpf(false);
	return obj;
}

struct run_out {
	__u32 retval, len;
	unsigned char data[PKT_MAX];
};

static int run_once(struct bpf_object *obj, const unsigned char *pkt,
		    unsigned int len, struct run_out *out)
{
	struct __sk_buff skb = { .mark = 7 };
	LIBBPF_OPTS(bpf_test_run_opts, t, .data_in = pkt, .data_size_in = len,
		    .data_out = out->data, .data_size_out = sizeof(out->data),
		    .ctx_in = &skb, .ctx_size_in = sizeof(skb));
	struct bpf_program *prog = bpf_object__next_program(obj, NULL);

	memset(out, 0, sizeof(*out));
	if (!prog)
		return -ENOENT;
	if (bpf_prog_test_run_opts(bpf_program__fd(prog), &t))
		return -errno;
	out->retval = t.retval;
	out->len = t.data_size_out;
	return 0;
}

/* Every entry of ref's map named like m is in the trainee's, equal. */
static int same_map(struct bpf_object *mine, const struct bpf_map *m, char *why,
		    size_t whylen)
{
	const struct bpf_map *o =
		bpf_object__find_map_by_name(mine, bpf_map__name(m));
	unsigned char key[64], next[64], v1[64], v2[64];
	size_t ks = bpf_map__key_size(m), vs = bpf_map__value_size(m);
	void *prev = NULL;

	if (!o || bpf_map__key_size(o) != ks || bpf_map__value_size(o) != vs) {
		snprintf(why, whylen, "map %s is missing or has another shape",
			 bpf_map__name(m));
		return 1;
	}
	if (ks > sizeof(key) || vs > sizeof(v1))
		return 0; /* not one of ours: nothing to compare */
	while (!bpf_map_get_next_key(bpf_map__fd(m), prev, next)) {
		memcpy(key, next, ks);
		prev = key;
		if (bpf_map_lookup_elem(bpf_map__fd(m), key, v1))
			continue;
		if (bpf_map_lookup_elem(bpf_map__fd(o), key, v2) ||
		    memcmp(v1, v2, vs)) {
			snprintf(
				why, whylen,
				"map %s does not hold what the reference's does",
				bpf_map__name(m));
			return 1;
		}
	}
	return 0;
}

int vf_same_behaviour(const struct vf_case *c, const char *path, char *why,
		      size_t whylen)
{
	struct bpf_object *ref = open_loaded(c, NULL), *mine = NULL;
	unsigned char pkt[PKT_MAX];
	struct run_out a, b;
	struct bpf_map *m;
	int err = 0, diff = 0;

	if (!ref)
		return -EIO;
	mine = open_loaded(c, path);
	if (!mine) {
		err = -EIO;
		goto out;
	}
	for (int i = 0; i < VF_PROBES && c->probe_len[i] && !diff; i++) {
		make_packet(pkt, c->probe_len[i]);
		err = run_once(ref, pkt, c->probe_len[i], &a);
		if (!err)
			err = run_once(mine, pkt, c->probe_len[i], &b);
		if (err)
			goto out;
		if (a.retval != b.retval) {
			snprintf(
				why, whylen,
				"on a %u-byte packet it returns %u where the fix returns %u",
				c->probe_len[i], b.retval, a.retval);
			diff = 1;
		} else if (a.len != b.len || memcmp(a.data, b.data, a.len)) {
			snprintf(
				why, whylen,
				"on a %u-byte packet it leaves %u bytes where the fix leaves %u",
				c->probe_len[i], b.len, a.len);
			diff = 1;
		}
	}
	bpf_object__for_each_map(m, ref)
	{
		if (diff || strstr(bpf_map__name(m), "rodata"))
			continue;
		diff = same_map(mine, m, why, whylen);
	}
	err = diff;
out:
	bpf_object__close(mine);
	bpf_object__close(ref);
	return err;
}
