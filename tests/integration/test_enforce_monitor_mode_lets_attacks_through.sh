#!/usr/bin/env bash
# timeout: 240
# policy-mode: monitor posts every attack of test_enforce_file_attacks_killed
# and kills none: the same attacks succeed, the bytes change. This proves the
# enforce test can fail.
MODE=monitor exec bash "$(dirname "$0")/test_enforce_file_attacks_killed.sh"
