#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# ackguardctl unit tests: runs the cmocka binaries, validates the JSON and
# Prometheus printers with external parsers, and checks the command line's
# usage errors (which never reach the kernel). Exit status 1 on any failure.
#
# usage: run.sh UNIT_DIR ACKGUARDCTL
set -u
dir=$1
tool=$2
py=/usr/bin/python3
failed=0

pass() { echo "ok - $1"; }
fail() { echo "not ok - $1"; failed=1; }
check() {
	name=$1
	shift
	if "$@"; then pass "$name"; else fail "$name"; fi
}

for t in test_parse test_print test_decode test_netlink test_flowmath_hz100 \
	test_flowmath_hz250 test_flowmath_hz300 test_flowmath_hz1000; do
	check "$t" "$dir/$t"
done

for k in show-json stats-json flows-json flows-json-empty escape-json; do
	check "json $k" sh -c "'$dir/emit_samples' $k | $py '$dir/check_json.py'"
done
check "json show-json-pretty (--show)" sh -c \
	"'$dir/emit_samples' show-json-pretty | $py '$dir/check_json.py' --show"
pretty=$(mktemp)
"$dir/emit_samples" show-json-pretty >"$pretty"
check "show -j -p is json.dumps(indent=2) of show -j" sh -c "
	'$dir/emit_samples' show-json |
	$py -c 'import json,sys; print(json.dumps(json.load(sys.stdin), indent=2))' |
	cmp -s - '$pretty'"
rm -f "$pretty"
for k in event-json watch-json watch-json-noflows; do
	check "json-lines $k" sh -c \
		"'$dir/emit_samples' $k | $py '$dir/check_json.py' --lines"
done

for k in prom prom-absent; do
	check "prom $k (check_prom.py --up)" \
		sh -c "'$dir/emit_samples' $k | $py '$dir/check_prom.py' --up"
done
for k in prom prom-counters prom-absent; do
	check "prom $k (check_prom.py)" \
		sh -c "'$dir/emit_samples' $k | $py '$dir/check_prom.py'"
	if command -v promtool >/dev/null 2>&1; then
		check "prom $k (promtool check metrics)" \
			sh -c "'$dir/emit_samples' $k | promtool check metrics"
	else
		echo "SKIP: prom $k (promtool): not installed"
	fi
done
# The checker itself must reject broken input.
check "check_prom.py rejects bad input" sh -c "
	! printf 'ackguard_x_total 1\n' | $py '$dir/check_prom.py' 2>/dev/null &&
	! printf '# HELP ackguard_a_total a\n# TYPE ackguard_a_total counter\nackguard_a_total -1\n' | $py '$dir/check_prom.py' 2>/dev/null &&
	! printf '# HELP ackguard_g g\n# TYPE ackguard_g gauge\nackguard_g{a=\"1\"} 1\nackguard_g{a=\"1\"} 2\n' | $py '$dir/check_prom.py' 2>/dev/null &&
	! '$dir/emit_samples' prom-counters | $py '$dir/check_prom.py' --up 2>/dev/null &&
	! '$dir/emit_samples' prom | grep -v 'ackguard_kernel_invalid_ratelimit_seconds' | $py '$dir/check_prom.py' --up 2>/dev/null"

# The storm test's reference rate holds every rate the module's estimator
# reports over bursty senders, and refuses wrong ones.
check "check_sendlog.py: reference rate vs the module's estimator" \
	$py "$dir/check_sendlog.py"

# Command line: usage errors exit 1 and name the offending word.
usage() {
	want=$1
	shift
	out=$("$tool" "$@" 2>&1 >/dev/null)
	rc=$?
	if [ "$rc" -ne 1 ]; then
		fail "usage: ackguardctl $*: exit $rc, want 1"
	elif ! printf '%s' "$out" | grep -qF -- "$want"; then
		fail "usage: ackguardctl $*: '$out' lacks '$want'"
	else
		pass "usage: ackguardctl $*"
	fi
}
usage '"frob"' frob
usage '"--frob"' --frob
usage '"bogus"' set bogus 1
usage '"0"' set burst 0
usage '"5parsecs"' set interval 5parsecs
usage '"burst"' set mode enforce burst
usage 'nothing to set' set
usage '"x"' show x
usage '"x"' flush x
usage '"10.0.0.1/33"' flows addr 10.0.0.1/33
usage '"wat"' flows reason wat
usage '"port"' flows port
usage '"0"' watch --count 0
usage '"soon"' monitor --timeout soon
usage '"xml"' stats -o xml
usage 'missing namespace name after "-n"' show -n
usage 'missing namespace name after "--netns"' --netns
usage 'invalid network namespace name "a/b"' -n a/b show
usage 'invalid network namespace name ".."' --netns=.. show
usage 'two network namespaces' -n a show -n b
usage 'no JSON form' dump -j
usage 'no JSON form' -p dump
usage '"x"' dump x
usage '"port"' dump port

# The commands over a fake kernel.
if sh "$dir/cli.sh" "$dir"; then :; else failed=1; fi
# dist/ (config, units, metrics file) over the same fake kernel.
if sh "$dir/dist.sh" "$dir"; then :; else failed=1; fi

# make install: the tool, its man page, completion and the ynl spec where
# the kernel's ynl CLI looks for it (PREFIX=/usr, as the packages install).
inst=$(mktemp -d)
check "make install puts ackguard.yaml in /usr/share/ynl/specs" sh -c "
	make -s -C '$dir/../../userspace' install DESTDIR='$inst' PREFIX=/usr >/dev/null &&
	cmp -s '$inst/usr/share/ynl/specs/ackguard.yaml' '$dir/../../module/uapi/ackguard.yaml' &&
	test -x '$inst/usr/sbin/ackguardctl' && test -f '$inst/usr/share/man/man8/ackguardctl.8' &&
	make -s -C '$dir/../../userspace' uninstall DESTDIR='$inst' PREFIX=/usr >/dev/null &&
	test ! -e '$inst/usr/share/ynl/specs/ackguard.yaml'"
rm -rf "$inst"

check "ackguardctl --version" sh -c "'$tool' --version | grep -qx 'ackguardctl [0-9][0-9.]*.*'"
check "ackguardctl help" sh -c "'$tool' help | grep -q '^Usage: ackguardctl'"
check "ackguardctl set --help" sh -c "'$tool' set --help | grep -q '^Usage: ackguardctl'"

if [ "$failed" -ne 0 ]; then
	echo "unit tests: FAILED"
	exit 1
fi
echo "unit tests: all passed"
