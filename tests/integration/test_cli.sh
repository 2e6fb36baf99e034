#!/usr/bin/env bash
# The CLI: every verb has a man-page-style --help; unknown verbs and bad
# options exit 2; verbs that need root say so and exit 4 for other users.
. "$(dirname "$0")/../lib.sh"
need_root
out=$("$BPFLAB" --help) || fail "--help failed"
assert_contains "$out" "Usage: bpflab"
for verb in $(echo "$out" | awk '/^Verbs:/{f=1;next} /^$/{f=0} f{print $1}' | tr -d ,); do
	h=$("$BPFLAB" "$verb" --help) || fail "$verb --help exited $?"
	grep -qiE "usage: bpflab|SYNOPSIS" <<<"$h" || fail "$verb --help has no Usage/SYNOPSIS section"
done
"$BPFLAB" no-such-verb >/dev/null 2>&1; assert_eq $? 2 "unknown verb"
"$BPFLAB" events -o yaml >/dev/null 2>&1; assert_eq $? 2 "bad -o"
"$BPFLAB" events --timeout soon >/dev/null 2>&1; assert_eq $? 2 "bad --timeout"
msg=$(setpriv --reuid=65534 --regid=65534 --clear-groups "$BPFLAB" events 2>&1); rc=$?
assert_eq $rc 4 "non-root events"
assert_contains "$msg" "must run as root"
