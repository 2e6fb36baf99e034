#!/usr/bin/env bash
# Scenario container-escape against a running engine, in ns sandboxes (and
# runc and containerd where installed), both modes. It covers escapes from a
# privileged sandbox (host disk mount, nsenter, cgroup v1 release_agent,
# insmod): enforce kills each attempt and nothing of the host leaks; monitor
# reports each attempt. PASS in monitor mode proves the enforce-mode checks
# are able to fail. Skips (77) only while the engine or its enforce module
# is missing.
# timeout: 300
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/../helpers/scenario.sh"
need_root
scenario_in_every_kind container-escape
