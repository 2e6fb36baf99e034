#!/usr/bin/env bash
# "Network or app?" (c): the app server's orders report is a slow query on
# the lab's MariaDB. `bpflab observe mysql --slow 100ms` lists it (~400 ms)
# and not the quick lookups; the exercise accepts database:orders and
# rejects a wrong table or layer with a hint.
# timeout: 120
. "$(dirname "$0")/../lib.sh"
export BPFLAB_RUN_DIR=/run/bpflab-test-trouble-mysql
need_cmd mariadbd
need_cmd mariadb
. "$TOP/tests/helpers/trouble.sh"
trouble_setup
trouble_grades trouble-mysql database:orders database:customers network:db
trouble_nothing_left
echo ok
