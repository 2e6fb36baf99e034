#!/usr/bin/env bash
# The verifier-safety exercise, loaded for real: each of the four unsafe
# programs (out-of-bounds packet read, unchecked map value, unbounded loop,
# write to skb->len) is refused with the kernel verifier's own message and the
# source line it stopped at (BTF line info); each fixed version is accepted.
# Then the exercise compiles a trainee's file with clang and grades it: the
# shipped fix PASSES, the unfixed source does NOT, with a hint, and so does a
# fix that loads but no longer does the job (run next to the shipped fix
# with BPF_PROG_TEST_RUN). No bl_vf_ program stays loaded.
# timeout: 60
. "$(dirname "$0")/../lib.sh"
need_root
need_cmd clang
need_cmd bpftool
export BPFLAB_RUN_DIR=/run/bpflab-test-verifier
tmp=$(mktemp -d /tmp/bl-verifier.XXXXXX)
cleanup() {
	rm -rf "$tmp"
	"$BPFLAB" down >/dev/null 2>&1
	true
}
trap cleanup EXIT

out=$("$BPFLAB" verifier show) || fail "verifier show: $out"
echo "$out"
assert_eq "$(grep -c 'unsafe  REJECTED by the kernel verifier' <<<"$out")" "4" "rejections"
assert_eq "$(grep -c 'fixed   ACCEPTED by the kernel verifier: processed' <<<"$out")" "4" "acceptances"
# the kernel's own words, and the line that matters, for each case
assert_contains "$out" "invalid access to packet" "oob message"
assert_contains "$out" ">> if (ip->protocol == IPPROTO_TCP) @ vf_oob.bpf.c:" "oob line"
assert_contains "$out" "R0 invalid mem access 'map_value_or_null'" "null message"
assert_contains "$out" ">> \*packets += 1; @ vf_null.bpf.c:" "null line"
grep -Eq 'jumps is too complex|BPF program is too large|infinite loop detected' <<<"$out" || fail "loop message"
assert_contains "$out" ">> for (__u32 i = 0; i < len; i++) { @ vf_loop.bpf.c:" "loop line"
assert_contains "$out" "invalid bpf_context access off=0 size=4" "ctx message"
assert_contains "$out" ">> skb->len = CLAMP_LEN; @ vf_ctx.bpf.c:" "ctx line"

json=$("$BPFLAB" verifier show --json oob ctx) || fail "show --json"
python3 -c '
import json, sys
cases = json.load(sys.stdin)
assert [c["case"] for c in cases] == ["oob", "ctx"], cases
for c in cases:
    assert not c["unsafe"]["accepted"] and c["unsafe"]["errno"] == 13, c
    assert c["fixed"]["accepted"] and c["fixed"]["errno"] == 0, c
' <<<"$json" || fail "JSON verdicts: $json"

# grading: the unfixed source (created from the case) is NOT YET, with a hint
got=$("$BPFLAB" verifier train loop --file "$tmp/loop.bpf.c")
rc=$?
echo "$got"
assert_eq "$rc" "1" "unfixed file's exit status"
assert_contains "$got" "NOT YET: the verifier still refuses it" "unfixed verdict"
assert_contains "$got" "Hint:" "hint"
# the shipped fix, compiled at run time by clang, PASSES
cp "$TOP/lab/verifier/vf_loop_fixed.bpf.c" "$tmp/fixed.bpf.c"
got=$("$BPFLAB" verifier train loop --file "$tmp/fixed.bpf.c") || fail "fixed file not PASSED: $got"
assert_contains "$got" "PASSED: the kernel verifier accepts your program, and on test" "fixed verdict"
# a NULL check alone loads, but no longer counts anything: BPF_PROG_TEST_RUN
# next to the shipped fix shows it
sed 's/\*packets += 1;/if (!packets)\n\t\treturn TC_ACT_OK;\n\t*packets += 1;/' \
	"$TOP/lab/verifier/vf_null.bpf.c" >"$tmp/null.bpf.c"
got=$("$BPFLAB" verifier train null --file "$tmp/null.bpf.c")
rc=$?
assert_eq "$rc" "1" "a fix that loads but does not count"
assert_contains "$got" "ACCEPTED by the kernel verifier" "the NULL check alone loads"
assert_contains "$got" "NOT YET: the verifier accepts it, but it does not do the job" "behaviour verdict"
assert_contains "$got" "map vf_per_mark does not hold" "which state differs"
# a file that keeps the verifier happy by deleting the program is no answer
printf '#include "vmlinux.h"\n#include <bpf/bpf_helpers.h>\nchar LICENSE[] SEC("license") = "GPL";\nSEC("tc") int bl_other(void *c) { return 0; }\n' >"$tmp/empty.bpf.c"
got=$("$BPFLAB" verifier train loop --file "$tmp/empty.bpf.c")
rc=$?
assert_eq "$rc" "1" "a program under another name"
assert_contains "$got" "must still be bl_vf_loop" "renamed program"

! bpftool prog show 2>/dev/null | grep -q 'name bl_vf_' || fail "a bl_vf_ program is still loaded"
echo ok
