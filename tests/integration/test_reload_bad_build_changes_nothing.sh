#!/usr/bin/env bash
# timeout: 90
# A reload that cannot complete changes nothing: a new build whose object
# does not open, whose maps or programs do not match the running ones, or
# a binary that carries no bpflab objects, fails with a message naming the
# object and the reason, the engine keeps exactly the programs it had
# (same ids, no extra one: what the failed build had already loaded is
# closed), and the service VIP keeps answering. Then `reload --from` a
# good build directory, and `reload --binary` a bpflab binary on disk,
# each swap every program.
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/helpers/netns.sh"
need_root
need_cmd python3
need_cmd ip
export BPFLAB_RUN_DIR=${BPFLAB_RUN_DIR:-/run/bpflab-test-reload-bad}
objdir=$(dirname "$BPFLAB")/bpf
[ -f "$objdir/lb.bpf.o" ] || skip "no built objects in $objdir"

tmp=$(mktemp -d /tmp/bl-reload-bad.XXXXXX)
export ENGINE_LOG=$tmp/engine.log
C=bpflab-rlbad-c-$$ B=bpflab-rlbad-b-$$
SRV=
cleanup() {
	[ -n "$SRV" ] && kill "$SRV" 2>/dev/null
	stop_engine
	ip netns del $C 2>/dev/null
	ip netns del $B 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT

netns_pair $C $B bl-rlbad-$$ 37
ip netns exec $B python3 -c '
import socketserver
class H(socketserver.BaseRequestHandler):
    def handle(self): self.request.sendall(b"up\n")
socketserver.ThreadingTCPServer.allow_reuse_address = True
socketserver.ThreadingTCPServer(("0.0.0.0", 8080), H).serve_forever()
' &
SRV=$!
wait_for bash -c "ip netns exec $B ss -ltn | grep -q 8080" || fail "backend did not start"

start_engine --modules proc,lb
"$BPFLAB" svc add rlbad --vip 198.19.211.10:80/tcp --backend 198.18.37.2:8080 || fail "svc add"
vip() { ip netns exec $C python3 -c '
import socket
s = socket.create_connection(("198.19.211.10", 80), timeout=3); print(s.recv(8).decode().strip())'; }
assert_eq "$(vip)" up "the VIP answers before any reload"

prog_ids() {
	local f
	for f in /proc/"$ENGINE_PID"/fd/*; do
		[[ $(readlink "$f" 2>/dev/null) == *bpf-prog* ]] &&
			awk '/^prog_id:/ {print $2}' /proc/"$ENGINE_PID"/fdinfo/"${f##*/}"
	done | sort -n | tr '\n' ' '
}
ids=$(prog_ids)
[ -n "$ids" ] || fail "the engine holds no programs"

# no such directory: refused before the engine is asked
"$BPFLAB" reload --from "$tmp/nowhere" 2>"$tmp/err"
assert_eq "$?" 2 "a missing --from directory is a usage error"

# lb.bpf.o is garbage; proc.bpf.o (tracked first) is fine and gets loaded
mkdir "$tmp/garbage"
cp "$objdir/proc.bpf.o" "$tmp/garbage/"
head -c 4096 /dev/urandom >"$tmp/garbage/lb.bpf.o"
"$BPFLAB" reload --from "$tmp/garbage" 2>"$tmp/err" && fail "a garbage object reloaded"
cat "$tmp/err"
assert_contains "$(cat "$tmp/err")" "lb.bpf.o: cannot open"
assert_eq "$(prog_ids)" "$ids" "a failed reload changed the engine's programs"
assert_eq "$(vip)" up "the VIP answers after a failed reload"

# lb.bpf.o is another module's object: the running lb programs are missing
mkdir "$tmp/wrong"
cp "$objdir/proc.bpf.o" "$tmp/wrong/"
cp "$objdir/netpol.bpf.o" "$tmp/wrong/lb.bpf.o"
"$BPFLAB" reload --from "$tmp/wrong" 2>"$tmp/err" && fail "a foreign object reloaded"
cat "$tmp/err"
grep -Eq "lb: (the new build has no program bl_lb_|map .* changed layout)" "$tmp/err" ||
	fail "the error does not say what does not match: $(cat "$tmp/err")"
assert_eq "$(prog_ids)" "$ids" "a failed reload changed the engine's programs"
assert_eq "$(vip)" up "the VIP answers after a failed reload"

# a binary without bpflab's objects
"$BPFLAB" reload --binary /bin/true 2>"$tmp/err" && fail "a binary without BPF objects reloaded"
cat "$tmp/err"
assert_contains "$(cat "$tmp/err")" "no embedded BPF object has all of proc's programs"
assert_eq "$(prog_ids)" "$ids" "a failed reload changed the engine's programs"

# a good build directory: every program swapped, the VIP still answers
out=$("$BPFLAB" reload --from "$objdir") || fail "reload --from $objdir failed"
echo "$out"
assert_contains "$out" "^proc "
assert_contains "$out" "^lb "
after=$(prog_ids)
for id in $ids; do
	[[ " $after " == *" $id "* ]] && fail "program $id was not swapped"
done
assert_eq "$(wc -w <<<"$after")" "$(wc -w <<<"$ids")" "the engine holds another number of programs"
assert_eq "$(vip)" up "the VIP answers after the reload"

# a bpflab binary on disk (a copy of this build): its embedded objects
cp "$BPFLAB" "$tmp/bpflab-new"
out=$("$BPFLAB" reload --binary "$tmp/bpflab-new") || fail "reload --binary failed"
echo "$out"
again=$(prog_ids)
for id in $after; do
	[[ " $again " == *" $id "* ]] && fail "program $id was not swapped by --binary"
done
assert_eq "$(vip)" up "the VIP answers after reload --binary"
echo "ok: failed reloads changed nothing; reload --from and --binary each swapped $(wc -w <<<"$ids") programs"
exit 0
