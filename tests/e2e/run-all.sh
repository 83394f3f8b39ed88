#!/bin/bash
# run-all.sh: every end-to-end scenario, one after the other, in one guest:
#   tests/vm/run.sh -- tests/e2e/run-all.sh
# Each scenario runs as its own process (its trap cleans up its namespaces
# and unloads the module even when it fails) under a time limit.  The last
# line is "N passed, N failed, N skipped"; the exit status is non-zero if
# anything failed.
#
# Environment: AG_SCENARIOS="inject loop ..." runs a subset (names without
# test_ and .sh); AG_SCENARIO_TIMEOUT (s, default 600) limits each one;
# AG_REQUIRE_MODULE=1 makes a missing module/ackguard.ko a failure.
set -u
here=$(cd "$(dirname "$0")" && pwd)
all="inject states samehost malformed pretcp oracle traffic legit loop dnat ah nfqueue reload owner dkms service deb"
scenarios=${AG_SCENARIOS:-$all}
limit=${AG_SCENARIO_TIMEOUT:-600}

pass=0
failed=0
skipped=0
t_all=$(date +%s)
echo "# ackguard e2e: kernel $(uname -r), scenarios: $scenarios"
[ -f "$here/../../module/ackguard.ko" ] || [ -n "${AG_KO:-}" ] ||
	echo "# module/ackguard.ko is not built (AG_REQUIRE_MODULE=${AG_REQUIRE_MODULE:-0})"
for s in $scenarios; do
	script=$here/test_$s.sh
	echo "# ---- test_$s"
	if [ ! -f "$script" ]; then
		echo "not ok - test_$s: no such scenario"
		failed=$((failed + 1))
		continue
	fi
	out=$(mktemp /tmp/ag-run-all.XXXXXX)
	t0=$(date +%s)
	timeout -k 20 "$limit" bash "$script" 2>&1 | tee "$out"
	rc=${PIPESTATUS[0]}
	t1=$(date +%s)
	line=$(grep -E "^# test_$s: [0-9]+ passed, [0-9]+ failed, [0-9]+ skipped$" "$out" | tail -n 1)
	rm -f "$out"
	if [ -z "$line" ]; then
		case $rc in
		124 | 137) why="timed out after ${limit}s" ;;
		*) why="ended (exit $rc) without its summary" ;;
		esac
		echo "not ok - test_$s $why"
		failed=$((failed + 1))
	else
		set -- $(echo "$line" | sed -E 's/.*: ([0-9]+) passed, ([0-9]+) failed, ([0-9]+) skipped/\1 \2 \3/')
		pass=$((pass + $1))
		failed=$((failed + $2))
		skipped=$((skipped + $3))
		if [ "$rc" != 0 ] && [ "$2" = 0 ]; then
			echo "not ok - test_$s exited $rc"
			failed=$((failed + 1))
		fi
	fi
	echo "# test_$s took $((t1 - t0))s"
	# Belt and braces: nothing of one scenario may leak into the next.
	grep -q '^ackguard ' /proc/modules && rmmod ackguard 2>/dev/null
	for ns in ag-cli ag-rtr ag-srv; do ip netns del "$ns" 2>/dev/null; done
done
echo "# all scenarios took $(($(date +%s) - t_all))s"
echo "$pass passed, $failed failed, $skipped skipped"
[ "$failed" = 0 ]
