#!/usr/bin/env bash
# "Network or app?" (b): the shop on web2:8080 (busybox httpd) answers its
# checkout with HTTP 500 over a clean network. The scenario shows the L7
# records (GET /cgi-bin/checkout => 500, GET / => 200), FORWARDED handshakes
# and no drop, and the 5xx on the service map edge; the exercise accepts
# app:checkout and rejects a wrong handler or layer with a hint.
# timeout: 120
. "$(dirname "$0")/../lib.sh"
export BPFLAB_RUN_DIR=/run/bpflab-test-trouble-app
. "$TOP/tests/helpers/trouble.sh"
trouble_setup
trouble_grades trouble-app app:checkout app:index.html network:web2
trouble_nothing_left
echo ok
