#!/usr/bin/env bash
# timeout: 240
# A protected copy of /etc keeps every byte: each write path (append, tee,
# dd, a 100 MB append, sed -i, cp, mv, ": >", truncate, a hardlink made
# before the policy, a symlink, python3, perl, useradd) is SIGKILLed before
# its effect, readers live, and kill events name the policy.
# With MODE=monitor the same attacks succeed and are posted: the test can fail.
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/helpers/policies.sh"
need_root
need_cmd python3
need_cmd perl
need_cmd useradd
MODE=${MODE:-enforce}
export BPFLAB_RUN_DIR=${BPFLAB_RUN_DIR:-/run/bpflab-test-enforce}

dir=$(mktemp -d /tmp/bl-enforce-files.XXXXXX)
etc=$dir/etc
EVENTS_PID=
cleanup() {
	[ -n "$EVENTS_PID" ] && kill "$EVENTS_PID" 2>/dev/null
	stop_engine
	rm -rf "$dir"
}
trap cleanup EXIT

mkdir -p "$etc"
cp /etc/passwd /etc/shadow /etc/group /etc/gshadow "$etc/"
ln "$etc/shadow" "$dir/shadow-hardlink" # made before the policy exists
ln -s "$etc/passwd" "$dir/passwd-symlink"
file_write_policy --except-binary /usr/sbin/vipw protect-etc-copy "$MODE" Prefix \
	"$etc/passwd" "$etc/shadow" "$etc/group" "$etc/gshadow" >"$dir/policy.yaml"

ENGINE_LOG=$dir/engine.log start_engine --modules proc,enforce
"$BPFLAB" policy apply "$dir/policy.yaml" || fail "apply failed"
"$BPFLAB" events -o json --type kprobe,exit --timeout 200s >"$dir/events.json" 2>&1 &
EVENTS_PID=$!
sleep 1

sums() { (cd "$etc" && sha256sum passwd shadow group gshadow); }
before=$(sums)

# attack NAME COMMAND: run it, record its exit status
declare -A status changed
attack() {
	local pre
	pre=$(sums)
	bash -c "$2" >/dev/null 2>&1
	status[$1]=$?
	[ "$pre" = "$(sums)" ] || changed[$1]=1
	echo "attack $1: exit ${status[$1]}${changed[$1]:+, bytes changed}"
}

cd "$dir" || fail "no test dir"
attack append "echo 'evil:x:0:0::/root:/bin/sh' >> $etc/passwd"
attack tee "echo 'evil:x:0:0::/root:/bin/sh' | tee -a $etc/passwd"
attack dd "echo evil | dd of=$etc/passwd conv=notrunc"
attack append_100mb "head -c 100000000 /dev/zero >> $etc/shadow"
attack sed_i "sed -i s/root/toor/ $etc/passwd"
attack cp_over "cp /etc/hostname $etc/passwd"
attack mv_over "echo evil > $dir/new; mv $dir/new $etc/passwd"
attack truncate_redirect ": > $etc/passwd"
attack truncate_cmd "truncate -s 0 $etc/group"
attack hardlink "echo evil >> $dir/shadow-hardlink"
attack symlink "echo evil >> $dir/passwd-symlink"
attack relative_name "cd $etc && echo evil >> passwd"
attack python3 "python3 -c 'open(\"$etc/passwd\", \"a\").write(\"evil\")'"
attack perl "perl -e 'open(my \$f, \">>\", \"$etc/passwd\") or die; print \$f \"evil\"'"
attack useradd "useradd --prefix $dir evil"

# readers are never killed
for r in "cat $etc/passwd" "id" "ls -l $etc/passwd" "grep root $etc/shadow"; do
	bash -c "$r" >/dev/null 2>&1
	rc=$?
	[ $rc -eq 0 ] || fail "reader '$r' exited $rc"
done

after=$(sums)
sleep 1
kills=$(grep -c '"action":"KPROBE_ACTION_SIGKILL"' "$dir/events.json")
posts=$(grep -c '"action":"KPROBE_ACTION_POST"' "$dir/events.json")
echo "kill events: $kills, post events: $posts"
"$BPFLAB" policy list

# Every attack dies by SIGKILL and leaves every byte: rename, unlink, link,
# truncate and write-opens are refused by the immutable flag (enforce mode
# sets it) before they act, the kill comes from sys_enter, the lease or
# sys_exit (user space only for the hardlink and symlink names).
if [ "$MODE" = enforce ]; then
	for a in "${!status[@]}"; do
		[ "${status[$a]}" -eq 137 ] || fail "attack $a was not killed (exit ${status[$a]})"
		[ -z "${changed[$a]:-}" ] || fail "attack $a changed protected bytes"
	done
	[ "$before" = "$after" ] ||
		fail "protected bytes changed: $(diff <(echo "$before") <(echo "$after"))"
	grep -q '"mechanism":"immutable+sigkill"' "$dir/events.json" ||
		fail "no event says the immutable flag acted"
	# A write-open the flag refused is killed in the kernel when the name is
	# a protected one as written; user space decides only for other names
	# (the hardlink, the symlink, useradd's "$dir//etc/passwd"), which the
	# kernel program cannot resolve.
	grep -q 'of a protected name; killed in the kernel' "$dir/events.json" ||
		fail "no refused write-open was killed in the kernel"
	by_user=$(grep 'the name resolved to a protected inode' "$dir/events.json" |
		grep -o '"file_arg":{"path":"[^"]*"' | cut -d'"' -f6 |
		grep -x -e "$etc/passwd" -e "$etc/shadow" -e "$etc/group" -e "$etc/gshadow" \
			-e passwd -e shadow -e group -e gshadow)
	[ -z "$by_user" ] || fail "user space, not the kernel, killed write-opens of: $by_user"
	[ "$kills" -ge "${#status[@]}" ] || fail "only $kills kill events for ${#status[@]} attacks"
	grep -q '"policy_name":"protect-etc-copy"' "$dir/events.json" || fail "no event names the policy"
	grep -q '"process_exit".*"signal":"SIGKILL"' "$dir/events.json" || fail "no process_exit with SIGKILL"
	"$BPFLAB" policy list | grep -q 'syscall entry → death' || fail "no kill latency reported"
else
	killed=0
	for a in "${!status[@]}"; do
		[ "${status[$a]}" -eq 137 ] && killed=$((killed + 1))
	done
	[ $killed -eq 0 ] || fail "$killed attacks were killed in monitor mode"
	[ "$before" != "$after" ] || fail "monitor mode: the attacks changed nothing"
	[ "$kills" -eq 0 ] || fail "monitor mode posted $kills kills"
	[ "$posts" -ge 10 ] || fail "monitor mode posted only $posts events"
fi
if [ "$MODE" = enforce ]; then
	lsattr "$etc/passwd" | grep -q '^[^ ]*i' || fail "enforce mode did not set the immutable flag"
else
	lsattr "$etc"/* | grep -q '^[^ ]*i' && fail "monitor mode set an immutable flag"
fi
"$BPFLAB" policy delete protect-etc-copy || fail "delete failed"
flagged=$(lsattr "$etc"/* "$dir/shadow-hardlink" | grep '^[^ ]*i')
[ -z "$flagged" ] || fail "immutable flags left after delete: $flagged"
echo "ok: $MODE"
