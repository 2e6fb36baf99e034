#!/usr/bin/env bash
# clang-format (kernel style) check and clang-tidy (bug-finding, .clang-tidy)
# on the user-space C of the tree. Needs a build (the skeleton headers):
# `make BUILD=build-x` then `BUILD=build-x scripts/lint.sh`.
#   scripts/lint.sh              both checks
#   scripts/lint.sh format       clang-format only
#   scripts/lint.sh tidy [FILE]  clang-tidy only (every file, or the ones named)
#   scripts/lint.sh fix          rewrite the formatting instead of checking it
# clang-tidy runs one file per process, $(nproc) at a time. Findings are
# printed one a line (file:line:col: warning: ... [check]); the last line
# counts them. Exit 0 when clean, 1 on any finding, 2 when it cannot run.
set -u
cd "$(dirname "$0")/.." || exit 2
build=${BUILD:-build}
mode=${1:-all}
[ $# -gt 0 ] && shift

# Tracked files plus new ones git does not ignore, never a build dir's.
mapfile -t files < <(git ls-files --cached --others --exclude-standard '*.c' '*.h' |
	grep -v '^build' | sort -u)

if [ "$mode" = fix ]; then
	clang-format -i "${files[@]}"
	exit 0
fi

format_check() {
	clang-format --dry-run -Werror "${files[@]}" 2>/dev/null && return 0
	echo "lint: clang-format wants changes (scripts/lint.sh fix)"
	return 1
}

# BPF programs have their own compiler checks; headers are checked through
# the .c files that include them (HeaderFilterRegex in .clang-tidy). What
# the analyzer reports inside a build dir is bpftool's generated skeleton
# code (a path that starts in our file still names it), not ours: dropped.
tidy_check() {
	local sources=("$@") flags out n
	if [ ${#sources[@]} -eq 0 ]; then
		mapfile -t sources < <(printf '%s\n' "${files[@]}" | grep '\.c$' | grep -v '\.bpf\.c$')
	fi
	if ! command -v clang-tidy >/dev/null; then
		echo "lint: clang-tidy is not installed (apt-get install clang-tidy)" >&2
		return 2
	fi
	if [ ! -d "$build/skel" ]; then
		echo "lint: no $build/skel: build first (make BUILD=$build)" >&2
		return 2
	fi
	# The Makefile's user-space flags (its PKGS), so every include resolves.
	flags="-std=gnu11 -D_GNU_SOURCE -I$build -I. -Ibpf"
	flags+=" $(pkg-config --cflags lua5.4 ncursesw yaml-0.1 json-c libbpf libnl-route-3.0 libvirt 2>/dev/null)"
	export flags
	# largest first, so no long file starts last and runs alone
	# shellcheck disable=SC2016 # expanded by the inner shell
	out=$(stat -c '%s %n' "${sources[@]}" | sort -rn | cut -d' ' -f2- | tr '\n' '\0' |
		xargs -0 -n1 -P"$(nproc)" sh -c 'clang-tidy --quiet "$1" -- $flags 2>/dev/null' sh |
		grep -E '^[^ ].*: (warning|error): ' | sed "s|^$PWD/||" |
		grep -v '^build[^/]*/' | sort -u)
	n=0
	[ -n "$out" ] && n=$(wc -l <<<"$out")
	[ "$n" -eq 0 ] || echo "$out"
	echo "lint: $n clang-tidy findings in ${#sources[@]} files"
	[ "$n" -eq 0 ]
}

case "$mode" in
format) format_check ;;
tidy) tidy_check "$@" ;;
all)
	rc=0
	format_check || rc=1
	tidy_check || rc=$?
	exit $rc
	;;
*)
	echo "usage: scripts/lint.sh [all|format|tidy [FILE...]|fix]" >&2
	exit 2
	;;
esac
