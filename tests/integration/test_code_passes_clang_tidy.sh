#!/usr/bin/env bash
# long
# The user-space C (bpf/, lab/, console/, agent/, tests/) has no clang-tidy
# finding under the tree's .clang-tidy (bug-finding checks: clang-analyzer,
# bugprone, cert-err34-c). A finding is fixed, or a real false positive is
# marked `// NOLINT(check)` with the reason. Runs scripts/lint.sh tidy, one
# file per core; needs the build's skeleton headers.
# timeout: 400
. "$(dirname "$0")/../lib.sh"
need_cmd clang-tidy
need_cmd git
cd "$TOP" || fail "no tree"
git rev-parse --git-dir >/dev/null 2>&1 || skip "not a git checkout"
[ -d "$BUILD/skel" ] || skip "no $BUILD/skel: build first (make BUILD=$BUILD)"

# the checks are live: a planted atoi() and NULL dereference are found
tmp=$(mktemp -d /tmp/bl-health-tidy.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
cp .clang-tidy "$tmp/"
cat >"$tmp/planted.c" <<'C'
#include <stdlib.h>
int planted(const char *s)
{
	int *p = NULL;

	if (atoi(s) > 1)
		return *p;
	return 0;
}
C
planted=$(BUILD=$BUILD ./scripts/lint.sh tidy "$tmp/planted.c" 2>&1)
assert_contains "$planted" "planted.c:6:6: warning: .*\[cert-err34-c\]" "atoi not reported"
assert_contains "$planted" "planted.c:7:10: warning: .*\[clang-analyzer-core.NullDereference\]" "NULL dereference not reported"

out=$(BUILD=$BUILD ./scripts/lint.sh tidy 2>&1)
rc=$?
echo "$out" | tail -1
# it must have looked at the tree, not stopped early
files=$(sed -n 's/^lint: [0-9]* clang-tidy findings in \([0-9]*\) files$/\1/p' <<<"$out")
[ -n "$files" ] || fail "lint.sh did not run: $out"
[ "$files" -gt 100 ] || fail "only $files C files checked"
if [ $rc -ne 0 ]; then
	echo "$out" | head -n -1
	fail "clang-tidy: $(grep -c ': warning: \|: error: ' <<<"$out") findings (scripts/lint.sh tidy FILE to check one)"
fi
