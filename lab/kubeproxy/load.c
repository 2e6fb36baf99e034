// SPDX-License-Identifier: GPL-2.0
/* Load a generated rule file inside the benchmark's node netns. */
#include <errno.h>
#include <stdio.h>

#include "lab/kubeproxy/kubeproxy.h"
#include "lab/net/net.h"
#include "util/log.h"
#include "util/util.h"

int kp_load(const char *ns, enum kp_mode m, const char *path, bool noflush,
	    uint64_t *elapsed_ns)
{
	char *legacy[] = { "iptables-legacy-restore", "--noflush", (char *)path,
			   NULL };
	char *nft_ipt[] = { "iptables-nft-restore", "--noflush", (char *)path,
			    NULL };
	char *nft[] = { "nft", "-f", (char *)path, NULL };
	char **argv = m == KP_IPTABLES_LEGACY ? legacy :
		      m == KP_IPTABLES_NFT    ? nft_ipt :
						nft;
	uint64_t t0;
	int rc;

	if (!ns)
		return -EINVAL; /* never the host's tables */
	if (!noflush && m != KP_NFTABLES) {
		/* drop "--noflush": the path moves up */
		argv[1] = (char *)path;
		argv[2] = NULL;
	}
	t0 = now_mono_ns();
	rc = net_ns_exec(ns, argv);
	if (elapsed_ns)
		*elapsed_ns = now_mono_ns() - t0;
	if (rc) {
		pr_err("%s %s in netns %s: exit status %d\n", argv[0], path, ns,
		       rc);
		return rc < 0 ? rc : -EIO;
	}
	return 0;
}
