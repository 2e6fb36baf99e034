#!/usr/bin/env bash
# `make bench` part: service VIP connection rate, no LB vs kube-proxy's
# iptables rules (legacy, nft) and its nftables mode vs bpflab's socket-LB,
# at 1 to 10,000 services (issue 6). About 6 minutes on a 2-core VM.
# Override: LB_SERVICES, LB_DURATION, LB_REPS.
set -u
cd "$(dirname "$0")/../.." || exit 1
BPFLAB=${BPFLAB:-$PWD/build/bpflab}
RESULTS=${RESULTS:-$PWD/results}
mkdir -p "$RESULTS"
exec "$BPFLAB" bench lb \
	--services "${LB_SERVICES:-1,100,1000,10000}" --backends 3 \
	--modes none,iptables-legacy,iptables-nft,ebpf --nftables \
	--duration "${LB_DURATION:-2s}" --reps "${LB_REPS:-3}" \
	--out "$RESULTS"
