#!/bin/bash
# check_debug_plan.sh: which boots make check-debug runs before a deadline
# (scripts/check-debug.sh --plan, in a scratch copy with a fake
# debug-kernel.sh): a boot runs only if it ends, by its estimate, before
# AG_CHECK_DEBUG_DEADLINE; a debug kernel still to build adds its build
# time; no deadline runs all.  TAP output.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/scripts"
cp "$here/../../scripts/check-debug.sh" "$tmp/scripts/"
# FAKE_CACHED=0: the debug kernel is not cached
# shellcheck disable=SC2016
printf '#!/bin/sh\n[ "${FAKE_CACHED:-1}" = 1 ]\n' >"$tmp/scripts/debug-kernel.sh"
chmod +x "$tmp/scripts/"*.sh

n=0
bad=0
# plan DESC WANT IN_SECS [ARGS...]: WANT is the plan's lines joined by
# spaces; IN_SECS the deadline from now ("" for none); ARGS check-debug's
plan() {
	local desc=$1 want=$2 in=$3 got deadline=""
	shift 3
	[ -n "$in" ] && deadline=$(($(date +%s) + in))
	got=$(env AG_EST_DEBUG=3000 AG_EST_RT=900 AG_EST_FULL=300 AG_EST_ORACLE=600 AG_EST_KERNEL=2700 \
		AG_CHECK_DEBUG_DEADLINE="$deadline" \
		bash "$tmp/scripts/check-debug.sh" --plan "$@" 2>&1 | tr '\n' ' ')
	n=$((n + 1))
	if [ "${got% }" = "$want" ]; then
		echo "ok $n - $desc"
	else
		echo "not ok $n - $desc: got '${got% }', want '$want'"
		bad=$((bad + 1))
	fi
}

plan "no deadline: all four" "run debug 3000 run rt 900 run full 300 run oracle 600" ""
plan "room for all: all four" "run debug 3000 run rt 900 run full 300 run oracle 600" 4900
plan "room for all but the oracle boot" \
	"run debug 3000 run rt 900 run full 300 skip oracle 600" 4300
plan "room for debug and rt only: full and oracle skipped" \
	"run debug 3000 run rt 900 skip full 300 skip oracle 600" 4100
plan "no room for debug: rt, full and oracle" \
	"skip debug 3000 run rt 900 run full 300 run oracle 600" 2900
FAKE_CACHED=0 plan "kernel to build: debug needs its build time too" \
	"skip debug 5700 run rt 900 run full 300 run oracle 600" 5000
plan "no room at all: nothing runs" \
	"skip debug 3000 skip rt 900 skip full 300 skip oracle 600" 100
plan "--no-rt leaves rt out of the plan" "run debug 3000 run full 300 skip oracle 600" 3400 \
	--no-rt
plan "--no-full: the oracle boot takes its time" "skip debug 3000 run rt 900 run oracle 600" 1600 \
	--no-full
echo "$((n - bad)) passed, $bad failed"
[ "$bad" = 0 ]
