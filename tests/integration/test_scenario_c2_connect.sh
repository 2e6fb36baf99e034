#!/usr/bin/env bash
# Scenario c2-connect against a running engine, in ns sandboxes (and runc
# and containerd where installed), both modes. It covers an implant
# beaconing to the C2 with busybox nc and wget: enforce gives the C2 zero
# connections and kills both; monitor delivers both beacons and reports
# them. PASS in monitor mode proves the enforce-mode checks are able to
# fail. Skips (77) only while the engine or its enforce module is missing.
# timeout: 300
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/../helpers/scenario.sh"
need_root
scenario_in_every_kind c2-connect
