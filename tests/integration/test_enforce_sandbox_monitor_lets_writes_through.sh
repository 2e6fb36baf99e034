#!/usr/bin/env bash
# timeout: 180
# policy-mode: monitor on a sandbox's /etc/passwd sets no immutable flag
# and kills nothing: every write of test_enforce_sandbox_files_protected
# lands and is posted, so that test's enforce assertions are able to fail.
MODE=monitor exec bash "$(dirname "$0")/test_enforce_sandbox_files_protected.sh"
