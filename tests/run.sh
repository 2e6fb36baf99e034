#!/usr/bin/env bash
# Runs every test layer and prints one closing line: "N passed, N failed, N skipped".
#   unit         build/tests/test_* (cmocka, TAP output: each case counts)
#   integration  tests/integration/test_*.sh (root; namespaces, sandboxes, engine)
#   console      tests/console/test_*.sh (tmux send-keys / capture-pane)
#   fuzz         build/fuzz/fuzz_* for a bounded time each
# A script passes with exit 0, is skipped with exit 77 (feature missing), and
# fails otherwise. Its log is in build/test-logs/. A "# timeout: N" line in a
# script sets its limit (default 300 s). A "# long" line marks a test that
# only `make test-all` (BPFLAB_TEST_ALL=1) runs; `make test` skips it.
# Usage: tests/run.sh [LAYER...] [-k PATTERN]
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 1
export TOP=$top BUILD=${BUILD:-build}
export BPFLAB=${BPFLAB:-$top/$BUILD/bpflab}
logs=$top/$BUILD/test-logs
mkdir -p "$logs"
passed=0 failed=0 skipped=0
failures=()
pattern=""
layers=()
while [ $# -gt 0 ]; do
	case "$1" in
	-k) pattern=$2; shift 2 ;;
	*) layers+=("$1"); shift ;;
	esac
done
[ ${#layers[@]} -eq 0 ] && layers=(unit integration console fuzz)

if [ -t 1 ]; then G=$'\e[32m' R=$'\e[31m' Y=$'\e[33m' N=$'\e[0m'; else G= R= Y= N=; fi
result() { # name status seconds
	case "$2" in
	pass) passed=$((passed + 1)); printf '%sPASS%s %s (%ss)\n' "$G" "$N" "$1" "$3" ;;
	skip) skipped=$((skipped + 1)); printf '%sSKIP%s %s%s\n' "$Y" "$N" "$1" "${4:+: $4}" ;;
	*) failed=$((failed + 1)); failures+=("$1"); printf '%sFAIL%s %s (%ss)\n' "$R" "$N" "$1" "$3" ;;
	esac
}
wanted() { [ -z "$pattern" ] || [[ "$1" == *$pattern* ]]; }

run_unit() {
	local bin name log t0 line
	for bin in "$BUILD"/tests/test_*; do
		[ -x "$bin" ] || continue
		name=$(basename "$bin")
		wanted "$name" || continue
		log=$logs/$name.log
		t0=$SECONDS
		CMOCKA_MESSAGE_OUTPUT=TAP timeout 120 "$bin" >"$log" 2>&1
		local rc=$? n=0
		while IFS= read -r line; do
			case "$line" in
			"ok "*"# SKIP"*) result "$name: ${line#*- }" skip 0; n=$((n + 1)) ;;
			"ok "*) result "$name: ${line#*- }" pass $((SECONDS - t0)); n=$((n + 1)) ;;
			"not ok "*) result "$name: ${line#*- }" fail $((SECONDS - t0)); n=$((n + 1)) ;;
			esac
		done <"$log"
		if [ $n -eq 0 ] || { [ $rc -ne 0 ] && ! grep -q '^not ok' "$log"; }; then
			result "$name (crashed or printed no results, rc=$rc)" fail $((SECONDS - t0))
			tail -20 "$log" | sed 's/^/    /'
		fi
		grep -A15 '^not ok' "$log" | sed 's/^/    /' | head -40
	done
}

run_scripts() { # dir
	local f name log t0 rc limit why
	for f in "$1"/test_*.sh; do
		[ -f "$f" ] || continue
		name=${f#tests/}
		wanted "$name" || continue
		log=$logs/$(echo "$name" | tr / _).log
		if grep -q '^# long$' "$f" && [ -z "${BPFLAB_TEST_ALL:-}" ]; then
			result "$name" skip 0 "long test: make test-all runs it"
			continue
		fi
		limit=$(sed -n 's/^# timeout: *\([0-9]*\).*/\1/p' "$f" | head -1)
		t0=$SECONDS
		timeout --kill-after=10 "${limit:-300}" bash "$f" >"$log" 2>&1
		rc=$?
		case $rc in
		0) result "$name" pass $((SECONDS - t0)) ;;
		77) why=$(grep -m1 '^SKIP:' "$log" | cut -d' ' -f2-); result "$name" skip 0 "$why" ;;
		*)
			[ $rc -eq 124 ] && echo "timed out after ${limit:-300}s" >>"$log"
			result "$name" fail $((SECONDS - t0))
			tail -30 "$log" | sed 's/^/    /'
			;;
		esac
	done
}

run_fuzz() {
	local bin name corpus log t0
	for bin in "$BUILD"/fuzz/fuzz_*; do
		[ -x "$bin" ] || continue
		name=$(basename "$bin")
		wanted "$name" || continue
		corpus=tests/fuzz/corpus/${name#fuzz_}
		mkdir -p "$logs/$name.corpus"
		log=$logs/$name.log
		t0=$SECONDS
		# bounded: the seed corpus plus ${FUZZ_SECONDS:-6}s of new inputs
		if "$bin" -max_total_time="${FUZZ_SECONDS:-6}" -timeout=10 -rss_limit_mb=2048 -artifact_prefix="$logs/$name-" -print_final_stats=1 \
			"$logs/$name.corpus" $( [ -d "$corpus" ] && echo "$corpus") >"$log" 2>&1; then
			result "fuzz: $name ($(grep -o 'stat::number_of_executed_units: [0-9]*' "$log" | awk '{print $2}') runs)" pass $((SECONDS - t0))
		else
			result "fuzz: $name" fail $((SECONDS - t0))
			grep -A20 'ERROR' "$log" | head -40 | sed 's/^/    /'
		fi
	done
}

for layer in "${layers[@]}"; do
	case "$layer" in
	unit) run_unit ;;
	integration) run_scripts tests/integration ;;
	console) run_scripts tests/console ;;
	fuzz) run_fuzz ;;
	*) echo "unknown layer: $layer" >&2; exit 2 ;;
	esac
done

if [ ${#failures[@]} -gt 0 ]; then
	echo
	echo "Failed:"
	printf '  %s\n' "${failures[@]}"
fi
echo
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
