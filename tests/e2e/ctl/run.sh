#!/bin/bash
# tests/e2e/ctl/run.sh: the guest tests of the generic netlink family and
# ackguardctl (issue 3), all in one guest boot:
#
#   make module && make -C userspace
#   tests/vm/run.sh -- tests/e2e/ctl/run.sh
#
# Each test_* runs as its own process under a time limit; its EXIT trap
# kills what it started, deletes its namespaces and unloads the module, and
# this runner does the same again after each one, so nothing leaks from one
# test into the next even when a test dies.  Every check prints one line,
# "ok - DESC" or "not ok - DESC"; a check of a known, reported bug fails as
# "not ok - DESC # TODO known bug: ..." (TAP's TODO: not a failure unless
# AG_CTL_STRICT=1).  The last line is "N passed, N failed, N todo"; the exit
# status is non-zero if anything failed.
#
# test_ynl needs the kernel's ynl tool on the host (scripts/ynl.sh; the path
# in AG_YNL, default ${AG_CACHE:-$HOME/.cache/ackguard}/ynl-6.12).
#
# Environment: AG_CTL_TESTS="setshow validation ..." runs a subset (names
# without test_ and the extension); AG_CTL_TEST_TIMEOUT (s, default 900) limits
# each one; AG_CTL_DUMP_FLOWS (default 5000), AG_CTL_STORM_RATE (default
# 200) and AG_CTL_STORM_SECS (default 8) are read by test_dump and
# test_storm; AG_CTL_STRICT=1 counts checks of known, reported bugs (lines
# "not ok - ... # TODO known bug: ...") as failures.  (tests/vm/run.sh
# passes only AG_* variables into the guest.)
set -u
here=$(cd "$(dirname "$0")" && pwd)
all="setshow validation priv netns storm formats dump ynl"
tests=${AG_CTL_TESTS:-$all}
limit=${AG_CTL_TEST_TIMEOUT:-900}

if [ "${AG_IN_VM:-0}" != 1 ]; then
	echo "run.sh: run me inside the test VM: tests/vm/run.sh -- $0" >&2
	exit 2
fi

cleanup_all() {
	local ns
	for ns in $(ip netns list 2>/dev/null | awk '{ print $1 }'); do
		case $ns in agc-*) ip netns del "$ns" 2>/dev/null ;; esac
	done
	if grep -q '^ackguard ' /proc/modules; then
		for _ in 1 2 3 4 5 6 7 8 9 10; do
			rmmod ackguard 2>/dev/null && break
			sleep 0.3
		done
	fi
}
trap cleanup_all EXIT

pass=0
failed=0
todo=0
t_all=$(date +%s)
echo "# ackguardctl/netlink guest tests: kernel $(uname -r), tests: $tests"
for t in $tests; do
	script=$here/test_$t.sh
	echo "# ---- test_$t"
	if [ ! -f "$script" ]; then
		echo "not ok - test_$t: no such test"
		failed=$((failed + 1))
		continue
	fi
	out=$(mktemp /tmp/agc-run.XXXXXX)
	t0=$(date +%s)
	timeout -k 20 "$limit" bash "$script" 2>&1 | tee "$out"
	rc=${PIPESTATUS[0]}
	t1=$(date +%s)
	p=$(grep -c '^ok - ' "$out")
	f=$(grep '^not ok - ' "$out" | grep -vc '# TODO')
	d=$(grep '^not ok - ' "$out" | grep -c '# TODO')
	pass=$((pass + p))
	failed=$((failed + f))
	todo=$((todo + d))
	if ! grep -qE "^# test_$t: [0-9]+ passed, [0-9]+ failed, [0-9]+ todo$" "$out"; then
		case $rc in
		124 | 137) why="timed out after ${limit}s" ;;
		*) why="ended (exit $rc) without its summary" ;;
		esac
		echo "not ok - test_$t $why"
		failed=$((failed + 1))
	elif [ "$rc" != 0 ] && [ "$f" = 0 ]; then
		echo "not ok - test_$t exited $rc"
		failed=$((failed + 1))
	fi
	rm -f "$out"
	echo "# test_$t took $((t1 - t0))s"
	cleanup_all
done
echo "# all tests took $(($(date +%s) - t_all))s"
echo "$pass passed, $failed failed, $todo todo"
[ "$failed" = 0 ]
