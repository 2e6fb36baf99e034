#!/usr/bin/env bash
# The main job: the console on the default lab. Until a console is built in,
# the capability table and then live events.
set -u
cd "$(dirname "$0")/.."
bin=${BPFLAB:-build/bpflab}
if "$bin" help console >/dev/null 2>&1 && "$bin" console --help >/dev/null 2>&1; then
	exec "$bin" console "$@"
fi
"$bin" doctor || true
echo
echo "Live events (Ctrl-C stops and removes everything bpflab created):"
exec "$bin" events -o compact
