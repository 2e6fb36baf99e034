#!/usr/bin/env bash
# Every C file and header is clang-format clean in the kernel style
# (.clang-format): `scripts/lint.sh fix` repairs what this finds.
# timeout: 120
. "$(dirname "$0")/../lib.sh"
need_cmd clang-format
need_cmd git
cd "$TOP" || fail "no tree"
git rev-parse --git-dir >/dev/null 2>&1 || skip "not a git checkout"
mapfile -t files < <(git ls-files '*.c' '*.h')
[ ${#files[@]} -gt 100 ] || fail "only ${#files[@]} C files found"
out=$(clang-format --dry-run -Werror "${files[@]}" 2>&1) ||
	fail "not kernel style: $(grep -o '^[^:]*\.[ch]' <<<"$out" | sort -u | head -20 | tr '\n' ' ')"
echo "${#files[@]} files in kernel style"
