/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The kube-proxy baseline: service rules laid out exactly as kube-proxy's
 * iptables mode writes them (KUBE-SERVICES → KUBE-SVC-<hash> →
 * KUBE-SEP-<hash>, statistic splits, KUBE-MARK-MASQ, KUBE-POSTROUTING), or
 * as its nftables mode does (a verdict map), loaded in one restore.
 *
 * Rules only ever go into a network namespace the caller made for the
 * benchmark ("node"): deleting that namespace deletes them.
 */
#ifndef BPFLAB_KUBEPROXY_H
#define BPFLAB_KUBEPROXY_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

enum kp_mode {
	KP_IPTABLES_LEGACY, /* iptables-legacy-restore */
	KP_IPTABLES_NFT, /* iptables-nft-restore (Debian's default iptables) */
	KP_NFTABLES, /* nft -f: kube-proxy's nftables mode */
};

struct kp_service {
	char name[64]; /* "NAMESPACE/NAME:PORTNAME", as kube-proxy hashes it */
	uint32_t vip; /* network order */
	uint16_t port;
	uint8_t proto; /* IPPROTO_TCP / IPPROTO_UDP */
	int nep;
	uint32_t ep[16]; /* endpoint addresses, network order */
	uint16_t ep_port;
};

const char *kp_mode_name(enum kp_mode m);

/* KUBE-SVC-XXXXXXXXXXXXXXXX / KUBE-SEP-...: 16 chars of base32(sha256). */
void kp_svc_chain(const struct kp_service *s, char *out, size_t size);
void kp_sep_chain(const struct kp_service *s, int ep, char *out, size_t size);

/*
 * The whole rule set for n services (iptables-restore or nft -f input).
 * pod_cidr: traffic from outside it is marked for masquerade.
 */
int kp_write_rules(FILE *f, enum kp_mode m, const struct kp_service *s, int n,
		   const char *pod_cidr);
/* One more service on top of a loaded set of n (kube-proxy's partial sync). */
int kp_write_add(FILE *f, enum kp_mode m, const struct kp_service *s, int n,
		 const char *pod_cidr);

/*
 * Load a file into netns ns with one restore and time it. noflush: keep
 * what is loaded (kube-proxy's incremental sync); otherwise the file's
 * tables are replaced (nft: the file adds to what exists either way).
 */
int kp_load(const char *ns, enum kp_mode m, const char *path, bool noflush,
	    uint64_t *elapsed_ns);

#endif
