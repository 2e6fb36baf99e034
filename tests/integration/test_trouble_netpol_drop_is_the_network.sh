#!/usr/bin/env bash
# "Network or app?" (a): a CiliumNetworkPolicy that names the wrong label
# drops the client's connections to web1:80. The scenario shows it through
# bpflab's own outputs (DROPPED / POLICY_DENIED flows naming the policy,
# `netpol check` denied) while nginx answers locally; the exercise accepts
# network:trouble-web-ingress and rejects a wrong policy or layer with a hint.
# timeout: 120
. "$(dirname "$0")/../lib.sh"
export BPFLAB_RUN_DIR=/run/bpflab-test-trouble-netpol
. "$TOP/tests/helpers/trouble.sh"
trouble_setup
trouble_grades trouble-netpol network:trouble-web-ingress network:lab-db-from-web app:nginx
trouble_nothing_left
echo ok
