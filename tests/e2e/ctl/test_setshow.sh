#!/bin/bash
# test_setshow: ackguardctl set -> show round trip (text and JSON) for every
# key and several spellings of each value; every bad value rejected with exit
# status 1, a message naming the offending word, and the configuration
# unchanged (show -j compared before and after).
. "$(dirname "$0")/lib.sh"
ctl_init test_setshow
ctl_load || ctl_die "cannot load the module"

T=$CTL_TMP
CHK=("$AG_PY" "$CTL_DIR/ctlcheck.py")

# json_cfg FILE KEY: one config value of a show -j output, as JSON has it
# (no python here: each start costs much in the emulated guest).
json_cfg() { grep -o "\"config\":{[^}]*}" "$1" | grep -o "\"$2\":[^,}]*" | cut -d: -f2; }
# text_cfg FILE KEY: the value word of a config line of show's text.
text_cfg() { awk -v k="$2" '/^config:/ { c = 1; next } /^[^ ]/ { c = 0 } c && $1 == k { print $2 }' "$1"; }

# roundtrip KEY VALUE JSONKEY JSONVALUE TEXTVALUE
roundtrip() {
	local k=$1 v=$2 jk=$3 jv=$4 tv=$5 got gott
	if ! ctl set "$k" "$v" 2>"$T/err"; then
		fail "set $k $v: accepted"
		diag "$T/err"
		return
	fi
	ctl -j show >"$T/j" && ctl show >"$T/t" || { fail "set $k $v: show"; return; }
	got=$(json_cfg "$T/j" "$jk")
	gott=$(text_cfg "$T/t" "$k")
	if [ "$got" = "$jv" ] && [ "$gott" = "$tv" ]; then
		ok "set $k $v -> show -j $jk=$got, show $k $gott"
	else
		fail "set $k $v -> show -j $jk=$got (want $jv), show $k $gott (want $tv)"
	fi
	# What show prints is what set takes: setting it again changes nothing.
	cp "$T/j" "$T/j0"
	if ctl set "$k" "$gott" 2>"$T/err" && ctl -j show >"$T/j1" &&
		cmp -s "$T/j0" "$T/j1"; then
		ok "set $k $gott (show's own word) changes nothing"
	else
		fail "set $k $gott (show's own word) changes nothing"
		diag "$T/err" "$T/j0" "$T/j1"
	fi
}

log "every key, several spellings"
roundtrip mode off mode '"off"' off
roundtrip mode monitor mode '"monitor"' monitor
roundtrip mode enforce mode '"enforce"' enforce
roundtrip interval 1ms interval_ms 1 1ms
roundtrip interval 250 interval_ms 250 250ms
roundtrip interval 1.5s interval_ms 1500 1500ms
roundtrip interval 0.25s interval_ms 250 250ms
roundtrip interval 1m interval_ms 60000 60s
roundtrip interval 60000ms interval_ms 60000 60s
roundtrip interval 2s interval_ms 2000 2s
roundtrip interval 500ms interval_ms 500 500ms
roundtrip burst 1 burst 1 1
roundtrip burst 10000 burst 10000 10000
roundtrip burst 7 burst 7 7
roundtrip max-flows 1 max_flows 1 1
roundtrip max-flows 4194304 max_flows 4194304 4194304
roundtrip max-flows 16384 max_flows 16384 16384
roundtrip flow-timeout 1 flow_timeout_s 1 1s
roundtrip flow-timeout 1d flow_timeout_s 86400 86400s
roundtrip flow-timeout 86400s flow_timeout_s 86400 86400s
roundtrip flow-timeout 1.5m flow_timeout_s 90 90s
roundtrip flow-timeout 2h flow_timeout_s 7200 7200s
roundtrip flow-timeout 3000ms flow_timeout_s 3 3s
roundtrip flow-timeout 60 flow_timeout_s 60 60s
roundtrip storm-pps 1 storm_pps 1 1
roundtrip storm-pps 100000000 storm_pps 100000000 100000000
roundtrip storm-pps 100 storm_pps 100 100
roundtrip log off log false off
roundtrip log on log true on

log "all keys in one set"
if ctl set mode monitor interval 2s burst 3 max-flows 500 flow-timeout 2m \
	storm-pps 42 log off 2>"$T/err" && ctl -j show >"$T/j"; then
	got=$(jget "$T/j" "json.dumps(j['config'], sort_keys=True)")
	want='{"burst": 3, "flow_timeout_s": 120, "interval_ms": 2000, "log": false, "max_flows": 500, "mode": "monitor", "storm_pps": 42}'
	if [ "$got" = "$want" ]; then
		ok "set with all seven keys applies all of them"
	else
		fail "set with all seven keys applies all of them: $got"
	fi
else
	fail "set with all seven keys accepted"
	diag "$T/err"
fi
ctl show >"$T/t" && ctl -j show >"$T/j"
if "${CHK[@]}" show-agree "$T/t" "$T/j"; then
	ok "show text and show -j agree"
else
	fail "show text and show -j agree"
fi

# reject WORD ARGS...: "ackguardctl ARGS" fails with status 1, its message
# names WORD, and show -j is the same before and after.  ("before" is the
# previous call's "after": nothing else changes the configuration here.)
reject() {
	local word=$1 rc
	shift
	[ -s "$T/after" ] && mv "$T/after" "$T/before" || ctl -j show >"$T/before"
	ctl "$@" >"$T/out" 2>"$T/err"
	rc=$?
	ctl -j show >"$T/after"
	local d="ackguardctl $*"
	if [ "$rc" != 1 ]; then
		fail "$d: exit status $rc, want 1"
		diag "$T/err"
	elif ! grep -qF -- "\"$word\"" "$T/err"; then
		fail "$d: message names \"$word\""
		diag "$T/err"
	elif [ -s "$T/out" ]; then
		fail "$d: nothing on stdout"
		diag "$T/out"
	elif ! cmp -s "$T/before" "$T/after"; then
		fail "$d: configuration unchanged"
		diag "$T/before" "$T/after"
	else
		ok "$d: exit 1, names \"$word\": $(head -n 1 "$T/err" | sed 's/^ackguardctl: //')"
	fi
}

log "bad values"
ctl set mode enforce interval 500ms burst 4 max-flows 1000 flow-timeout 60 \
	storm-pps 100 log on || fail "set a known configuration"
rm -f "$T/after"
for v in 0 -1 -0 10001 4294967296 99999999999999999999999 5parsecs 1.5 1e3 \
	0x10 ' 5' '5 ' '+5' ''; do
	reject "$v" set burst "$v"
done
for v in 0 0ms -5 -1s 60001 61s 2m 5parsecs 0.5ms 1.0001s \
	99999999999999999999d 1e3 '1 s' s .5s ''; do
	reject "$v" set interval "$v"
done
for v in 0 -1 4194305 99999999999999999999 1k ''; do
	reject "$v" set max-flows "$v"
done
for v in 0 0s -1 86401 2d 1500ms 5parsecs 0.5 ''; do
	reject "$v" set flow-timeout "$v"
done
for v in 0 -3 100000001 abc ''; do
	reject "$v" set storm-pps "$v"
done
for v in bogus ENFORCE 2 ''; do
	reject "$v" set mode "$v"
done
for v in maybe 1 true ON ''; do
	reject "$v" set log "$v"
done
reject bogus set bogus 1
reject Burst set Burst 1
reject max_flows set max_flows 10
reject burst set burst
reject interval set mode monitor interval
reject burst set burst 2 burst 3
reject 0 set burst 5 interval 0
reject 5parsecs set mode off interval 5parsecs log off
reject bogus set mode off bogus on

ctl -j show >"$T/before"
cp "$T/before" "$T/first"
ctl set >"$T/out" 2>"$T/err"
rc=$?
ctl -j show >"$T/after"
if [ "$rc" = 1 ] && grep -q 'nothing to set' "$T/err" && cmp -s "$T/before" "$T/after"; then
	ok "set without arguments: exit 1, nothing changed"
else
	fail "set without arguments: exit 1 (got $rc), nothing changed"
	diag "$T/err"
fi
got=$(json_cfg "$T/after" burst)
check "after all the rejected sets the configuration is the one set before them (burst $got)" \
	[ "$got" = 4 ]

log "without the module"
ag_unload || fail "unload"
ctl show >"$T/out" 2>"$T/err"
rc=$?
if [ "$rc" = 2 ] && [ "$(cat "$T/err")" = "ackguard is not loaded (try: modprobe ackguard)" ]; then
	ok "show without the module: exit 2, \"ackguard is not loaded\""
else
	fail "show without the module: exit 2 (got $rc) and the documented message"
	diag "$T/err"
fi
ctl set burst 2 >"$T/out" 2>"$T/err"
rc=$?
if [ "$rc" = 2 ] && grep -qx 'ackguard is not loaded (try: modprobe ackguard)' "$T/err"; then
	ok "set without the module: exit 2, \"ackguard is not loaded\""
else
	fail "set without the module: exit 2 (got $rc)"
	diag "$T/err"
fi
ctl set burst 0 >"$T/out" 2>"$T/err"
rc=$?
check "a bad value without the module is still a usage error (exit 1, got $rc)" [ "$rc" = 1 ]
ctl_summary
