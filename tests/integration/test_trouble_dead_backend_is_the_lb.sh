#!/usr/bin/env bash
# "Network or app?" (d): one of three backends behind the VIP 198.18.5.80:8080
# crashes. Requests through the VIP fail on that backend only: `svc
# backends` shows it active and taking connections, `bpflab observe` shows
# its TCP resets while the others answer 200; the exercise accepts
# lb:198.18.1.3:8080 and rejects another backend or layer with a hint.
# timeout: 120
. "$(dirname "$0")/../lib.sh"
export BPFLAB_RUN_DIR=/run/bpflab-test-trouble-lb
. "$TOP/tests/helpers/trouble.sh"
trouble_setup
trouble_grades trouble-backend lb:198.18.1.3:8080 lb:198.18.1.1:8080 app:web3
trouble_nothing_left
echo ok
