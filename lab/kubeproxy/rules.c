// SPDX-License-Identifier: GPL-2.0
/* kube-proxy's rule text, iptables and nftables modes. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include "lab/kubeproxy/kubeproxy.h"
#include "util/sha256.h"

const char *kp_mode_name(enum kp_mode m)
{
	switch (m) {
	case KP_IPTABLES_LEGACY:
		return "iptables-legacy";
	case KP_IPTABLES_NFT:
		return "iptables-nft";
	default:
		return "nftables";
	}
}

static const char *proto_name(uint8_t p)
{
	return p == IPPROTO_UDP ? "udp" : "tcp";
}

/* kube-proxy: base32(sha256(servicePortName + protocol [+ endpoint]))[:16] */
static void hash16(const char *text, char *out)
{
	static const char b32[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
	uint8_t d[32];

	sha256(text, strlen(text), d);
	/* 16 base32 chars = 80 bits = the first 10 bytes */
	for (int i = 0; i < 16; i++) {
		int bit = i * 5, byte = bit / 8, shift = bit % 8;
		unsigned v = (unsigned)d[byte] << 8 | d[byte + 1];

		out[i] = b32[(v >> (11 - shift)) & 31];
	}
	out[16] = 0;
}

void kp_svc_chain(const struct kp_service *s, char *out, size_t size)
{
	char text[96], h[17];

	snprintf(text, sizeof(text), "%s%s", s->name, proto_name(s->proto));
	hash16(text, h);
	snprintf(out, size, "KUBE-SVC-%s", h);
}

static void ep_text(const struct kp_service *s, int ep, char *out, size_t size)
{
	char ip[INET_ADDRSTRLEN];

	inet_ntop(AF_INET, &s->ep[ep], ip, sizeof(ip));
	snprintf(out, size, "%s:%u", ip, s->ep_port);
}

void kp_sep_chain(const struct kp_service *s, int ep, char *out, size_t size)
{
	char text[160], e[32], h[17];

	ep_text(s, ep, e, sizeof(e));
	snprintf(text, sizeof(text), "%s%s%s", s->name, proto_name(s->proto),
		 e);
	hash16(text, h);
	snprintf(out, size, "KUBE-SEP-%s", h);
}

static void ipt_chains(FILE *f, const struct kp_service *s)
{
	char c[32];

	kp_svc_chain(s, c, sizeof(c));
	fprintf(f, ":%s - [0:0]\n", c);
	for (int e = 0; e < s->nep; e++) {
		kp_sep_chain(s, e, c, sizeof(c));
		fprintf(f, ":%s - [0:0]\n", c);
	}
}

/* The KUBE-SVC and KUBE-SEP chains' rules of one service. */
static void ipt_service(FILE *f, const struct kp_service *s,
			const char *pod_cidr)
{
	char svc[32], sep[32], vip[INET_ADDRSTRLEN], ep[32],
		ip[INET_ADDRSTRLEN];
	const char *p = proto_name(s->proto);

	kp_svc_chain(s, svc, sizeof(svc));
	inet_ntop(AF_INET, &s->vip, vip, sizeof(vip));
	fprintf(f,
		"-A %s ! -s %s -d %s/32 -p %s -m comment --comment \"%s cluster IP\" -m %s --dport %u -j KUBE-MARK-MASQ\n",
		svc, pod_cidr, vip, p, s->name, p, s->port);
	for (int e = 0; e < s->nep; e++) {
		kp_sep_chain(s, e, sep, sizeof(sep));
		ep_text(s, e, ep, sizeof(ep));
		fprintf(f, "-A %s -m comment --comment \"%s -> %s\"", svc,
			s->name, ep);
		/* endpoint i of n is taken with probability 1/(n-i); the last always */
		if (e < s->nep - 1)
			fprintf(f,
				" -m statistic --mode random --probability %.11f",
				1.0 / (s->nep - e));
		fprintf(f, " -j %s\n", sep);
	}
	for (int e = 0; e < s->nep; e++) {
		kp_sep_chain(s, e, sep, sizeof(sep));
		ep_text(s, e, ep, sizeof(ep));
		inet_ntop(AF_INET, &s->ep[e], ip, sizeof(ip));
		fprintf(f,
			"-A %s -s %s/32 -m comment --comment \"%s\" -j KUBE-MARK-MASQ\n",
			sep, ip, s->name);
		fprintf(f,
			"-A %s -p %s -m comment --comment \"%s\" -m %s -j DNAT --to-destination %s\n",
			sep, p, s->name, p, ep);
	}
}

static void ipt_portal(FILE *f, const struct kp_service *s, const char *verb)
{
	char svc[32], vip[INET_ADDRSTRLEN];
	const char *p = proto_name(s->proto);

	kp_svc_chain(s, svc, sizeof(svc));
	inet_ntop(AF_INET, &s->vip, vip, sizeof(vip));
	fprintf(f,
		"%s -d %s/32 -p %s -m comment --comment \"%s cluster IP\" -m %s --dport %u -j %s\n",
		verb, vip, p, s->name, p, s->port, svc);
}

static int ipt_rules(FILE *f, const struct kp_service *s, int n,
		     const char *pod_cidr)
{
	fputs("*nat\n:KUBE-SERVICES - [0:0]\n:KUBE-POSTROUTING - [0:0]\n"
	      ":KUBE-MARK-MASQ - [0:0]\n:KUBE-NODEPORTS - [0:0]\n",
	      f);
	for (int i = 0; i < n; i++)
		ipt_chains(f, &s[i]);
	fputs("-A PREROUTING -m comment --comment \"kubernetes service portals\" -j KUBE-SERVICES\n"
	      "-A OUTPUT -m comment --comment \"kubernetes service portals\" -j KUBE-SERVICES\n"
	      "-A POSTROUTING -m comment --comment \"kubernetes postrouting rules\" -j KUBE-POSTROUTING\n"
	      "-A KUBE-POSTROUTING -m mark ! --mark 0x4000/0x4000 -j RETURN\n"
	      "-A KUBE-POSTROUTING -j MARK --set-xmark 0x4000/0x0\n"
	      "-A KUBE-POSTROUTING -m comment --comment \"kubernetes service traffic requiring SNAT\" -j MASQUERADE --random-fully\n"
	      "-A KUBE-MARK-MASQ -j MARK --set-xmark 0x4000/0x4000\n",
	      f);
	for (int i = 0; i < n; i++)
		ipt_portal(f, &s[i], "-A KUBE-SERVICES");
	for (int i = 0; i < n; i++)
		ipt_service(f, &s[i], pod_cidr);
	fputs("-A KUBE-SERVICES -m comment --comment \"kubernetes service nodeports; NOTE: this must be the last rule in this chain\" -m addrtype --dst-type LOCAL -j KUBE-NODEPORTS\n"
	      "COMMIT\n",
	      f);
	return ferror(f) ? -EIO : 0;
}

/* ---- nftables mode: one verdict-map lookup per packet ----------------- */

static void nft_chain_name(const struct kp_service *s, int ep, char *out,
			   size_t size)
{
	char c[32];

	if (ep < 0)
		kp_svc_chain(s, c, sizeof(c));
	else
		kp_sep_chain(s, ep, c, sizeof(c));
	/* "service-XXXXXXXX" / "endpoint-XXXXXXXX", kube-proxy's nft naming */
	snprintf(out, size, "%s-%.8s", ep < 0 ? "service" : "endpoint", c + 9);
}

static void nft_service(FILE *f, const struct kp_service *s,
			const char *pod_cidr)
{
	char chain[48], vip[INET_ADDRSTRLEN], ip[INET_ADDRSTRLEN], ep[32];

	/* endpoint chains first: the service's vmap jumps to them */
	for (int e = 0; e < s->nep; e++) {
		nft_chain_name(s, e, ep, sizeof(ep));
		inet_ntop(AF_INET, &s->ep[e], ip, sizeof(ip));
		fprintf(f, "add chain ip kube-proxy %s\n", ep);
		fprintf(f,
			"add rule ip kube-proxy %s ip saddr %s jump mark-for-masquerade\n",
			ep, ip);
		fprintf(f,
			"add rule ip kube-proxy %s meta l4proto %s dnat to %s:%u\n",
			ep, proto_name(s->proto), ip, s->ep_port);
	}
	nft_chain_name(s, -1, chain, sizeof(chain));
	inet_ntop(AF_INET, &s->vip, vip, sizeof(vip));
	fprintf(f, "add chain ip kube-proxy %s\n", chain);
	fprintf(f,
		"add rule ip kube-proxy %s ip daddr %s %s dport %u ip saddr != %s jump mark-for-masquerade\n",
		chain, vip, proto_name(s->proto), s->port, pod_cidr);
	fprintf(f, "add rule ip kube-proxy %s numgen random mod %d vmap { ",
		chain, s->nep);
	for (int e = 0; e < s->nep; e++) {
		nft_chain_name(s, e, ep, sizeof(ep));
		fprintf(f, "%s%d : goto %s", e ? ", " : "", e, ep);
	}
	fputs(" }\n", f);
}

static void nft_element(FILE *f, const struct kp_service *s)
{
	char chain[48], vip[INET_ADDRSTRLEN];

	nft_chain_name(s, -1, chain, sizeof(chain));
	inet_ntop(AF_INET, &s->vip, vip, sizeof(vip));
	fprintf(f,
		"add element ip kube-proxy service-ips { %s . %s . %u : goto %s }\n",
		vip, proto_name(s->proto), s->port, chain);
}

static int nft_rules(FILE *f, const struct kp_service *s, int n,
		     const char *pod_cidr)
{
	fputs("add table ip kube-proxy\n"
	      "add chain ip kube-proxy mark-for-masquerade\n"
	      "add rule ip kube-proxy mark-for-masquerade mark set mark or 0x4000\n"
	      "add chain ip kube-proxy masquerading\n"
	      "add rule ip kube-proxy masquerading mark and 0x4000 == 0 return\n"
	      "add rule ip kube-proxy masquerading mark set mark xor 0x4000\n"
	      "add rule ip kube-proxy masquerading masquerade fully-random\n"
	      "add map ip kube-proxy service-ips { type ipv4_addr . inet_proto . inet_service : verdict ; }\n"
	      "add chain ip kube-proxy services\n"
	      "add rule ip kube-proxy services ip daddr . meta l4proto . th dport vmap @service-ips\n"
	      "add chain ip kube-proxy nat-prerouting { type nat hook prerouting priority -100 ; }\n"
	      "add rule ip kube-proxy nat-prerouting jump services\n"
	      "add chain ip kube-proxy nat-output { type nat hook output priority -100 ; }\n"
	      "add rule ip kube-proxy nat-output jump services\n"
	      "add chain ip kube-proxy nat-postrouting { type nat hook postrouting priority 100 ; }\n"
	      "add rule ip kube-proxy nat-postrouting jump masquerading\n",
	      f);
	for (int i = 0; i < n; i++)
		nft_service(f, &s[i], pod_cidr);
	for (int i = 0; i < n; i++)
		nft_element(f, &s[i]);
	return ferror(f) ? -EIO : 0;
}

int kp_write_rules(FILE *f, enum kp_mode m, const struct kp_service *s, int n,
		   const char *pod_cidr)
{
	return m == KP_NFTABLES ? nft_rules(f, s, n, pod_cidr) :
				  ipt_rules(f, s, n, pod_cidr);
}

int kp_write_add(FILE *f, enum kp_mode m, const struct kp_service *s, int n,
		 const char *pod_cidr)
{
	char verb[48];

	if (m == KP_NFTABLES) {
		nft_service(f, s, pod_cidr);
		nft_element(f, s);
		return ferror(f) ? -EIO : 0;
	}
	fputs("*nat\n", f);
	ipt_chains(f, s);
	/* before the NODEPORTS rule, which must stay last */
	snprintf(verb, sizeof(verb), "-I KUBE-SERVICES %d", n + 1);
	ipt_portal(f, s, verb);
	ipt_service(f, s, pod_cidr);
	fputs("COMMIT\n", f);
	return ferror(f) ? -EIO : 0;
}
