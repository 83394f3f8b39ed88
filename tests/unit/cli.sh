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

# The kernel's own limiter (fake: tcp_invalid_ratelimit 500 unless told).
run "show kernel" 0 "$bin" show &&
	has "$tmp/out" "show: the sysctl" "  tcp_invalid_ratelimit  500ms" &&
	has "$tmp/out" "show: its meaning" "  the kernel limits too (one answer per 500 ms per socket); ackguard adds the per-flow view and its own policy"
kernel_json() { # NAME WANT
	json "$1" --show &&
		same "$1: limiter" "$($py -c 'import json,sys; j=json.load(sys.stdin); print(j["kernel_invalid_ratelimit_ms"], j["kernel_limiter"], j["kernel_limiter_note"])' <"$tmp/out")" "$2"
}
run "show -j ratelimit 0" 0 AGC_FAKE_RATELIMIT=0 "$bin" -j show &&
	kernel_json "show -j ratelimit 0" "0 off the kernel answers every invalid segment; ackguard is the only limiter"
run "show -j ratelimit 1000" 0 AGC_FAKE_RATELIMIT=1000 "$bin" -j show &&
	kernel_json "show -j ratelimit 1000" "1000 on the kernel limits too (one answer per 1000 ms per socket); ackguard adds the per-flow view and its own policy"
run "show -j without the sysctl" 0 AGC_FAKE_RATELIMIT=absent "$bin" -j show &&
	kernel_json "show -j without the sysctl" "None absent the kernel has no upstream limiter (before 4.0); ackguard is the only limiter"
run "show -j unreadable sysctl" 0 AGC_FAKE_RATELIMIT=unknown "$bin" show -j &&
	kernel_json "show -j unreadable sysctl" "None unknown net.ipv4.tcp_invalid_ratelimit could not be read (/proc/sys/net/ipv4: No such file or directory)"
run "stats prom absent" 0 AGC_FAKE_RATELIMIT=absent "$bin" stats -o prometheus &&
	if $py "$dir/check_prom.py" --up <"$tmp/out"; then pass "stats -o prometheus --up (absent)"; else fail "stats -o prometheus --up (absent)"; fi &&
	same "prom: absent limiter" "$(grep '^ackguard_kernel' "$tmp/out")" "ackguard_kernel_limiter_present 0"
run "stats prom 0" 0 AGC_FAKE_RATELIMIT=0 "$bin" stats -o prometheus &&
	same "prom: limiter off" "$(grep '^ackguard_kernel' "$tmp/out" | tr '\n' ' ')" \
		"ackguard_kernel_limiter_present 1 ackguard_kernel_invalid_ratelimit_seconds 0.000 " &&
	same "prom: ackguard_up, build_info first" "$(grep -v '^#' "$tmp/out" | head -n 2 | tr '\n' ' ')" \
		"ackguard_up 1 ackguard_build_info{version=\"$("$bin" --version | cut -d' ' -f2)\",kernel=\"6.1.0-test\"} 1 "
run "stats json no kernel" 0 "$bin" stats -o json &&
	same "stats -o json has no kernel" \
		"$($py -c 'import json,sys; print(sorted(json.load(sys.stdin)))' <"$tmp/out")" "['counters']"

# -p: indented JSON, and -p alone means -j -p. (show's paws counter moves
# with the clock in the fake: the layout is compared, flows for equality.)
run "show -j -p" 0 "$bin" -j -p show &&
	same "show -j -p is laid out as json.dumps(indent=2)" \
		"$($py -c 'import json,sys; print(json.dumps(json.load(sys.stdin), indent=2))' <"$tmp/out")" \
		"$(cat "$tmp/out")"
run "flows -j -p" 0 "$bin" -j -p flows && json "flows -j -p" && cp "$tmp/out" "$tmp/pretty" &&
	run "flows -j" 0 "$bin" -j flows &&
	same "flows -j -p is json.dumps(indent=2) of flows -j" \
		"$($py -c 'import json,sys; print(json.dumps(json.load(sys.stdin), indent=2))' <"$tmp/out")" \
		"$(cat "$tmp/pretty")"
run "-p implies -j" 0 "$bin" flows --pretty &&
	if cmp -s "$tmp/out" "$tmp/pretty"; then pass "flows --pretty is flows -j -p"; else fail "flows --pretty is flows -j -p"; fi
run "monitor -p" 0 AGC_FAKE_EVENTS=5 "$bin" -p monitor --count 1 && json "monitor -p" &&
	same "monitor -p: one indented document" "$(head -n 1 "$tmp/out")" "{"
run "flows -p empty" 0 "$bin" -p flows port 9 && same "flows -p, no flow: []" "$(cat "$tmp/out")" "[]"

# -n NAME: the namespace is entered before anything is asked of the kernel.
run "-n missing netns" 2 "$bin" -n agc-no-such-ns show &&
	same "-n: message" "$(cat "$tmp/err")" \
		"ackguardctl: show: cannot open network namespace \"agc-no-such-ns\": No such file or directory" &&
	same "-n: nothing sent" "$(cat "$AGC_FAKE_LOG")" ""
run "--netns= missing netns" 2 "$bin" --netns=agc-no-such-ns set mode off &&
	same "--netns=: nothing set" "$(cat "$AGC_FAKE_LOG")" ""
run "-n, no command" 2 "$bin" -n agc-no-such-ns && has "$tmp/err" "-n: default show" 'network namespace "agc-no-such-ns"'
run "-n help" 0 "$bin" -n agc-no-such-ns help && has "$tmp/out" "-n with help: no namespace needed" "--netns NAME"

# dump: the stable format (pinned in test_print.c too).
run dump 0 "$bin" dump &&
	same "dump: pinned lines" "$(cat "$tmp/out")" "$(printf '%s\n' \
'inet	10.0.0.1	22	192.0.2.7	51234	1	1	1200	65000	20	123010	23010	100000	100005	123000	23000	100000	10	10	0	0	0	0	0	0	0	0	0	0	0	0	0' \
'inet6	2001:db8::1	443	2001:db8::2	40000	6	0	3	850	20	7	7	0	0	0	0	0	0	0	0	0	0	0	0	0	0	0	0	0	7	7	0' \
'inet	10.0.0.1	80	198.51.100.9	1025	12	0	0	90061000	20	5	4	1	1	0	0	0	0	0	0	0	0	0	5	4	1	0	0	0	0	0	0')" &&
	same "dump: 32 tab-separated columns on each line" \
		"$(awk -F '\t' '{ print NF }' "$tmp/out" | sort -u)" 32 &&
	same "dump: the same request as flows" "$(cat "$AGC_FAKE_LOG")" "flows filter=0"
run "dump filter" 0 "$bin" dump port 443 --sort seen --top 1 &&
	same "dump port 443" "$(cut -f 3 "$tmp/out")" 443 &&
	same "dump filter sent" "$(cat "$AGC_FAKE_LOG")" "flows filter=0x10"
run "dump eperm" 2 AGC_FAKE=eperm "$bin" dump &&
	same "dump eperm message" "$(cat "$tmp/err")" "ackguardctl: dump: Operation not permitted"

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
