#!/usr/bin/env bash
# clang-format (kernel style) check and clang-tidy (bug-finding) on user-space C.
# `scripts/lint.sh fix` rewrites the formatting instead of checking it.
set -u
cd "$(dirname "$0")/.."
build=${BUILD:-build}
mapfile -t files < <(git ls-files '*.c' '*.h' | grep -v '^build')
if [ "${1:-}" = fix ]; then
	clang-format -i "${files[@]}"
	exit 0
fi
rc=0
clang-format --dry-run -Werror "${files[@]}" 2>/dev/null || { echo "lint: clang-format wants changes (scripts/lint.sh fix)"; rc=1; }
flags="-std=gnu11 -D_GNU_SOURCE -I$build -I. -Ibpf $(pkg-config --cflags lua5.4 ncursesw yaml-0.1 json-c libnl-route-3.0 2>/dev/null)"
for f in "${files[@]}"; do
	case "$f" in *.bpf.c | *.h | tests/*) continue ;; esac
	out=$(clang-tidy --quiet "$f" -- $flags 2>/dev/null | grep -E 'warning:|error:')
	[ -n "$out" ] && { echo "$out"; rc=1; }
done
exit $rc
