#!/bin/bash
# ci_run.sh: .ci/run's decisions, with make, deps.sh and debug-kernel.sh
# replaced by fakes in a scratch copy: it sums both runs' "N passed, N
# failed", fails when either fails or dies without its summary, and runs
# make check-debug only when make check passed, with a deadline at CI's
# budget less its margin (check-debug itself skips the boots that would
# not end by then: tests/unit/check_debug_plan.sh).  TAP output.
set -uo pipefail
# the cases set what they test; a caller's own CI settings (a rehearsal
# run with AG_CI_DEBUG=0) must not reach the other cases
unset AG_CI_DEBUG AG_CI_BUDGET AG_CI_MARGIN AG_CHECK_DEBUG_DEADLINE
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/.ci" "$tmp/scripts" "$tmp/bin"
cp "$here/../../.ci/run" "$tmp/.ci/run"
printf '#!/bin/sh\nexit 0\n' >"$tmp/scripts/deps.sh"
# FAKE_<TARGET>="PASS FAIL RC", or "none RC" for a run without a summary
cat >"$tmp/bin/make" <<'EOF'
#!/bin/bash
case $1 in
check) set -- ${FAKE_CHECK:-5 0 0} ;;
check-debug)
	echo "check-debug ran"
	if [ -n "${AG_CHECK_DEBUG_DEADLINE:-}" ]; then
		echo "deadline in $((AG_CHECK_DEBUG_DEADLINE - $(date +%s))) s"
	else
		echo "no deadline"
	fi
	set -- ${FAKE_DEBUG:-7 0 0}
	;;
*) exit 2 ;;
esac
[ "$1" = none ] && exit "$2"
echo "$1 passed, $2 failed"
exit "$3"
EOF
chmod +x "$tmp/scripts/"*.sh "$tmp/bin/make"

n=0
bad=0
# case DESC WANT_RC WANT_LAST WANT_GREP [VAR=VALUE...]: WANT_GREP is an
# extended regular expression the output must match
case_() {
	local desc=$1 want_rc=$2 want_last=$3 want_grep=$4 out rc last
	shift 4
	out=$(env PATH="$tmp/bin:$PATH" "$@" bash "$tmp/.ci/run" 2>&1)
	rc=$?
	last=$(tail -n 1 <<<"$out")
	n=$((n + 1))
	if [ "$rc" = "$want_rc" ] && [ "$last" = "$want_last" ] &&
		grep -qE -- "$want_grep" <<<"$out"; then
		echo "ok $n - $desc"
	else
		echo "not ok $n - $desc: exit $rc, last line '$last'"
		sed 's/^/#   /' <<<"$out"
		bad=$((bad + 1))
	fi
}

case_ "both green: sums both runs, exit 0" 0 "12 passed, 0 failed" "check-debug ran"
case_ "check-debug's deadline: CI's start + budget - margin" 0 "12 passed, 0 failed" \
	"^deadline in (4[89]|50) s$" AG_CI_BUDGET=1000 AG_CI_MARGIN=950
case_ "the default deadline: 5,400 s less 300" 0 "12 passed, 0 failed" \
	"^deadline in (509[89]|5100) s$"
case_ "check-debug fails: exit 1, its failures counted" 1 "14 passed, 2 failed" \
	"check-debug ran" FAKE_DEBUG="9 2 1"
case_ "check-debug dies without a summary: one failure" 1 "5 passed, 1 failed" \
	"make check-debug exited 3" FAKE_DEBUG="none 3"
case_ "check-debug exits non-zero with 0 failures: one failure" 1 "12 passed, 1 failed" \
	"make check-debug exited 2" FAKE_DEBUG="7 0 2"
case_ "make check fails: check-debug skipped, exit 1" 1 "4 passed, 1 failed" \
	"skipped: make check failed" FAKE_CHECK="4 1 1"
case_ "AG_CI_DEBUG=0: skipped" 0 "5 passed, 0 failed" "skipped: AG_CI_DEBUG=0" AG_CI_DEBUG=0
case_ "AG_CI_DEBUG=1: all of it, no deadline" 0 "12 passed, 0 failed" \
	"^no deadline$" AG_CI_DEBUG=1
echo "$((n - bad)) passed, $bad failed"
[ "$bad" = 0 ]
