#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# ackguardctl unit tests: the real commands over the fake kernel of
# fake_netlink.c (ackguardctl-fake): output, exit codes, the requests sent,
# watch/monitor loops and signal handling.
#
# usage: cli.sh UNIT_DIR     (prints ok / not ok lines; exit 1 on failure)
set -u
dir=$1
bin="$dir/ackguardctl-fake"
py=/usr/bin/python3
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failed=0
export AGC_FAKE_LOG="$tmp/log"

pass() { echo "ok - cli: $1"; }
fail() { echo "not ok - cli: $1"; failed=1; }

# run NAME WANT_RC [ENV=V...] -- ARGS...: stdout in $tmp/out, stderr in $tmp/err
run() {
	name=$1
	want=$2
	shift 2
	: >"$AGC_FAKE_LOG"
	env "$@" >"$tmp/out" 2>"$tmp/err"
	rc=$?
	if [ "$rc" -ne "$want" ]; then
		fail "$name: exit $rc, want $want ($(cat "$tmp/err"))"
		return 1
	fi
	return 0
}
has() { # FILE NAME FIXED-STRING
	if grep -qF -- "$3" "$1"; then pass "$2"; else fail "$2: no '$3' in $(cat "$1")"; fi
}
same() { # NAME GOT WANT
	if [ "$2" = "$3" ]; then pass "$1"; else fail "$1: got '$2', want '$3'"; fi
}
json() { # NAME [--lines]
	if $py "$dir/check_json.py" "$@" <"$tmp/out"; then pass "$1 json"; else fail "$1 json"; fi
}

run notloaded 2 AGC_FAKE=notloaded "$bin" show &&
	same "not loaded message" "$(cat "$tmp/err")" \
		"ackguard is not loaded (try: modprobe ackguard)"
run "notloaded monitor" 2 AGC_FAKE=notloaded "$bin" monitor &&
	same "not loaded (monitor)" "$(cat "$tmp/err")" \
		"ackguard is not loaded (try: modprobe ackguard)"

run show 0 "$bin" && has "$tmp/out" "show text" "  mode          enforce"
run "show (no command)" 0 "$bin" show -j && json "show -j"
run "stats" 0 "$bin" stats && has "$tmp/out" "stats text" "reasons:"
run "stats json" 0 "$bin" -j stats && json "stats -j" &&
	same "stats -j has no config" \
		"$($py -c 'import json,sys; print(sorted(json.load(sys.stdin)))' <"$tmp/out")" \
		"['counters']"
run "stats prom" 0 "$bin" stats -o prometheus &&
	if $py "$dir/check_prom.py" <"$tmp/out"; then pass "stats -o prometheus"; else fail "stats -o prometheus"; fi

run set 0 "$bin" set mode monitor interval 250 flow-timeout 2m log on &&
	same "set request" "$(cat "$AGC_FAKE_LOG")" \
		"set mode=1 interval_ms=250 flow_timeout_s=120 log=1"
run "set usage" 1 "$bin" set mode monitor burst 0 &&
	same "set usage sends nothing" "$(cat "$AGC_FAKE_LOG")" ""
run "set rejected" 2 AGC_FAKE=einval "$bin" set burst 1 &&
	same "set ext-ack message" "$(cat "$tmp/err")" \
		"ackguardctl: set: ackguard: burst must be at least 2 per interval"
run "set eperm" 2 AGC_FAKE=eperm "$bin" set burst 5 &&
	same "set eperm message" "$(cat "$tmp/err")" \
		"ackguardctl: set: Operation not permitted"

run flows 0 "$bin" flows && same "flows lines" "$(wc -l <"$tmp/out")" 4
run "flows filter" 0 "$bin" -j flows port 443 family inet6 && json "flows -j" &&
	same "flows filtered" \
		"$($py -c 'import json,sys; print([f["local_port"] for f in json.load(sys.stdin)])' <"$tmp/out")" \
		"[443]" &&
	same "flows filter sent" "$(cat "$AGC_FAKE_LOG")" "flows filter=0x12"
run "flows top" 0 "$bin" flows --top 2 --sort dropped -j &&
	same "flows --top --sort dropped" \
		"$($py -c 'import json,sys; print([f["local_port"] for f in json.load(sys.stdin)])' <"$tmp/out")" \
		"[22, 80]"
run "flows eperm" 2 AGC_FAKE=eperm "$bin" flows &&
	same "flows eperm message" "$(cat "$tmp/err")" \
		"ackguardctl: flows: Operation not permitted"
run flush 0 "$bin" flush && same "flush request" "$(cat "$AGC_FAKE_LOG")" "flush"

run "watch json" 0 "$bin" -j watch --interval 100ms --count 3 &&
	json "watch -j" --lines &&
	same "watch -j refreshes" "$(wc -l <"$tmp/out")" 3 &&
	same "watch paws rate" \
		"$($py -c 'import json,sys; d=json.loads(sys.stdin.readline()); print(900 <= d["per_second"]["reasons"]["paws"]["seen"] <= 1100)' <"$tmp/out")" \
		"True"
run "watch text" 0 "$bin" watch --interval 0.1 --count 2 &&
	same "watch blocks" "$(grep -c '^ackguard watch: refresh' "$tmp/out")" 2
# A refresh that ends after the next one was due (loaded machine) must not
# turn the next wait into an endless one.
run "watch late" 0 AGC_FAKE_SLOW_MS=150 timeout 10 "$bin" -j watch --interval 100ms --count 3 &&
	same "watch late refreshes" "$(wc -l <"$tmp/out")" 3
run "watch eperm" 0 AGC_FAKE=eperm "$bin" watch --interval 100ms --count 1 &&
	has "$tmp/out" "watch without flows" "top flows by rate: unavailable" &&
	has "$tmp/err" "watch eperm warning" "cannot list flows"

run "monitor count" 0 AGC_FAKE_EVENTS=5 "$bin" -j monitor --count 3 &&
	json "monitor -j" --lines &&
	same "monitor events" \
		"$($py -c 'import json,sys; print(" ".join(json.loads(l)["event"] for l in sys.stdin))' <"$tmp/out")" \
		"storm_start storm_end storm_start"
run "monitor text" 0 "$bin" monitor --timeout 200ms &&
	same "monitor text lines" "$(grep -c ' storm-\(start\|end\) ' "$tmp/out")" 3
run "monitor short" 2 "$bin" monitor --count 5 --timeout 200ms &&
	has "$tmp/err" "monitor timeout message" "timed out after 3 of 5 events"

# SIGINT/SIGTERM end watch and monitor with status 0.
for sig in TERM INT; do
	for cmd in "monitor" "watch --interval 100ms"; do
		# shellcheck disable=SC2086
		AGC_FAKE_EVENTS=0 "$bin" $cmd >"$tmp/out" 2>&1 &
		pid=$!
		sleep 0.3
		kill -"$sig" "$pid"
		wait "$pid"
		same "$cmd: SIG$sig exits 0" "$?" 0
	done
done

[ "$failed" -eq 0 ]
