#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Unit tests of dist/ (running ackguard on a server), over the fake kernel of
# ackguardctl-fake: ackguard-apply (a good file is one "set" with every key,
# a bad one names FILE:LINE and sets nothing, its value grammar is
# ackguardctl's), ackguard-textfile (atomic, ackguard_up, timestamp), the
# alerting rules (promtool test rules) and make -C dist check (systemd-analyze
# verify, shellcheck).
#
# usage: dist.sh UNIT_DIR     (prints ok / not ok lines; exit 1 on failure)
set -u
dir=$(cd "$1" && pwd)
top=$(cd "$dir/../.." && pwd)
dist=$top/dist
py=/usr/bin/python3
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failed=0

pass() { echo "ok - dist: $1"; }
fail() { echo "not ok - dist: $1"; failed=1; }
same() { # NAME GOT WANT
	if [ "$2" = "$3" ]; then pass "$1"; else fail "$1: got '$2', want '$3'"; fi
}
has() { # NAME FILE FIXED-STRING
	if grep -qF -- "$3" "$2"; then pass "$1"; else fail "$1: no '$3' in: $(cat "$2")"; fi
}

export ACKGUARDCTL="$dir/ackguardctl-fake"
export AGC_FAKE_LOG="$tmp/log"
# The module's parameters as sysfs shows them (not all defaults, so that a
# value taken from here cannot be mistaken for a built-in one).
export ACKGUARD_PARAMS="$tmp/params"
mkdir "$ACKGUARD_PARAMS"
p() { echo "$2" >"$ACKGUARD_PARAMS/$1"; }
p mode enforce
p interval_ms 500
p burst 3
p max_flows 16384
p flow_timeout_s 60
p storm_pps 100
p log_throttle N

# apply NAME WANT_RC FILE-CONTENT [ARGS...]: ackguard-apply -c on a file
# holding the content (printf format); output in $tmp/out, $tmp/err.
apply() {
	name=$1
	want=$2
	# shellcheck disable=SC2059 # the content is a printf format
	printf "$3" >"$tmp/conf"
	shift 3
	: >"$AGC_FAKE_LOG"
	sh "$dist/ackguard-apply" -c "$tmp/conf" "$@" >"$tmp/out" 2>"$tmp/err"
	rc=$?
	if [ "$rc" -ne "$want" ]; then
		fail "$name: exit $rc, want $want ($(cat "$tmp/err"))"
		return 1
	fi
	return 0
}

# ---------------------------------------------------------------- apply

apply "every key" 0 '# all of them\nmode = monitor\n  interval=250ms   # trailing comment\nburst\t=\t5\nmax-flows = 1000\nflow-timeout = 2m\nstorm-pps = 50\nlog = off\n' &&
	same "every key: one set call with all of them" "$(cat "$AGC_FAKE_LOG")" \
		"set mode=1 interval_ms=250 burst=5 max_flows=1000 flow_timeout_s=120 storm_pps=50 log=0"
apply "CRLF, no final newline" 0 'mode = off\r\nburst = 7' &&
	same "CRLF, no final newline: the keys left out are the module's parameters" \
		"$(cat "$AGC_FAKE_LOG")" \
		"set mode=0 interval_ms=500 burst=7 max_flows=16384 flow_timeout_s=60 storm_pps=100 log=0"
cp "$dist/ackguard.conf" "$tmp/shipped.conf"
: >"$AGC_FAKE_LOG"
if sh "$dist/ackguard-apply" -c "$tmp/shipped.conf" >"$tmp/out" 2>"$tmp/err"; then
	same "shipped ackguard.conf (all commented): the module's parameters" \
		"$(cat "$AGC_FAKE_LOG")" \
		"set mode=2 interval_ms=500 burst=3 max_flows=16384 flow_timeout_s=60 storm_pps=100 log=0"
else
	fail "shipped ackguard.conf applies ($(cat "$tmp/err"))"
fi
# The shipped file's commented values are the module's built-in defaults
# (module/config.c) and are valid.
sed -n 's/^#\([a-z-]* = [^ ]*\)$/\1/p' "$dist/ackguard.conf" >"$tmp/uncommented"
same "shipped ackguard.conf documents every key" \
	"$(cut -d' ' -f1 "$tmp/uncommented" | tr '\n' ' ')" \
	"mode interval burst max-flows flow-timeout storm-pps log "
: >"$AGC_FAKE_LOG"
if sh "$dist/ackguard-apply" -c "$tmp/uncommented" >"$tmp/out" 2>"$tmp/err"; then
	same "shipped ackguard.conf's values are the module's defaults" \
		"$(cat "$AGC_FAKE_LOG")" \
		"set mode=2 interval_ms=500 burst=1 max_flows=16384 flow_timeout_s=60 storm_pps=100 log=1"
else
	fail "shipped ackguard.conf uncommented applies ($(cat "$tmp/err"))"
fi
for k in mode interval_ms burst max_flows flow_timeout_s storm_pps log_throttle; do
	v=$(sed -n "s/^static [a-z *]*\\b$k = \"*\\([a-z0-9]*\\)\"*;.*/\\1/p" "$top/module/config.c")
	case $k in
	interval_ms) k=interval v=${v}ms ;;
	flow_timeout_s) k=flow-timeout v=${v}s ;;
	max_flows) k=max-flows ;;
	storm_pps) k=storm-pps ;;
	log_throttle) k=log && { [ "$v" = true ] && v=on || v=off; } ;;
	esac
	has "ackguard.conf: $k's default is module/config.c's" "$tmp/uncommented" "$k = $v"
done

# bad NAME LINE MESSAGE CONTENT: exit 1, "FILE:LINE: ...MESSAGE", no set.
bad() {
	apply "$1" 1 "$4" || return
	has "$1: names $tmp/conf:$2" "$tmp/err" "$tmp/conf:$2: "
	has "$1: says why" "$tmp/err" "$3"
	has "$1: says nothing was applied" "$tmp/err" "nothing applied"
	same "$1: no set call" "$(cat "$AGC_FAKE_LOG")" ""
}
bad "unknown key" 2 'unknown key "bursts"' 'mode = off\nbursts = 4\n'
bad "bad value" 3 'burst "0": out of range (1..10000)' '\n\nburst = 0\nmode = off\n'
bad "bad mode" 1 'use off, monitor or enforce' 'mode = Enforce\n'
bad "duplicate" 4 'burst given twice (first at line 2)' 'mode = off\nburst = 4\n# x\nburst = 4\n'
bad "no =" 1 'expected "key = value"' 'burst 4\n'
bad "two values" 1 'one value expected' 'log = on off\n'
bad "empty value" 1 'empty value' 'interval =\n'
apply "every bad line reported" 1 'mode = x\nburst = 0\nlog = y\n' &&
	same "every bad line reported" "$(grep -c "$tmp/conf:[123]: " "$tmp/err")" 3

apply "--check" 0 'burst = 9\n' --check &&
	has "--check prints the command" "$tmp/out" "set mode enforce interval 500ms burst 9" &&
	same "--check sets nothing" "$(cat "$AGC_FAKE_LOG")" ""

: >"$AGC_FAKE_LOG"
sh "$dist/ackguard-apply" -c "$tmp/nonexistent" >"$tmp/out" 2>"$tmp/err"
same "-c of a missing file: exit 1" "$?" 1
same "-c of a missing file: no set call" "$(cat "$AGC_FAKE_LOG")" ""

printf 'burst = 4\n' >"$tmp/conf"
: >"$AGC_FAKE_LOG"
ACKGUARD_PARAMS=$tmp/none sh "$dist/ackguard-apply" -c "$tmp/conf" >"$tmp/out" 2>"$tmp/err"
same "module not loaded: exit 2" "$?" 2
has "module not loaded: says so" "$tmp/err" "ackguard is not loaded"
same "module not loaded: no set call" "$(cat "$AGC_FAKE_LOG")" ""

printf 'burst = 4\n' >"$tmp/conf"
AGC_FAKE=einval sh "$dist/ackguard-apply" -c "$tmp/conf" >"$tmp/out" 2>"$tmp/err"
same "kernel refuses: exit 2" "$?" 2
has "kernel refuses: its reason" "$tmp/err" "burst must be at least 2 per interval"
has "kernel refuses: nothing changed" "$tmp/err" "nothing was changed"

# Installed (paths rewritten): the default file, and none at all.
inst=$tmp/inst
unitdir=$(pkg-config --variable=systemdsystemunitdir systemd 2>/dev/null || echo /lib/systemd/system)
if make -s -C "$dist" install DESTDIR="$inst" PREFIX=/usr SYSCONFDIR=/etc >"$tmp/out" 2>&1; then
	pass "make -C dist install"
else
	fail "make -C dist install: $(cat "$tmp/out")"
fi
# shellcheck disable=SC2016 # the script's own text
same "installed ackguard-apply runs /usr/sbin/ackguardctl" \
	"$(grep '^ctl=' "$inst/usr/libexec/ackguard/ackguard-apply")" 'ctl=${ACKGUARDCTL:-/usr/sbin/ackguardctl}'
same "installed units name the installed scripts" \
	"$(cd "$inst$unitdir" && grep -h '^Exec' ackguard.service ackguard-textfile.service | tr '\n' ' ')" \
	"ExecStartPre=/sbin/modprobe ackguard ExecStart=/usr/libexec/ackguard/ackguard-apply ExecReload=/usr/libexec/ackguard/ackguard-apply ExecStart=/usr/libexec/ackguard/ackguard-textfile "
if grep -rn '@[A-Z]*@' "$inst" >"$tmp/out"; then
	fail "no placeholder left after install: $(cat "$tmp/out")"
else
	pass "no placeholder left after install"
fi
make -s -C "$dist" install DESTDIR= PREFIX="$tmp/inst2/usr" \
	SYSCONFDIR="$tmp/inst2/etc" >/dev/null 2>&1
a2=$tmp/inst2/usr/libexec/ackguard/ackguard-apply
printf 'burst = 4\n' >"$tmp/inst2/etc/ackguard/ackguard.conf"
: >"$AGC_FAKE_LOG"
sh "$a2" >"$tmp/out" 2>"$tmp/err"
same "default file (SYSCONFDIR/ackguard/ackguard.conf): applied" \
	"$(cat "$AGC_FAKE_LOG")" \
	"set mode=2 interval_ms=500 burst=4 max_flows=16384 flow_timeout_s=60 storm_pps=100 log=0"
rm "$tmp/inst2/etc/ackguard/ackguard.conf"
: >"$AGC_FAKE_LOG"
sh "$a2" >"$tmp/out" 2>"$tmp/err"
same "no default file: exit 0" "$?" 0
has "no default file: says so" "$tmp/out" "the module's defaults apply"
same "no default file: the module's parameters" "$(cat "$AGC_FAKE_LOG")" \
	"set mode=2 interval_ms=500 burst=3 max_flows=16384 flow_timeout_s=60 storm_pps=100 log=0"

# ackguard-apply's value grammar is ackguardctl's: each value is accepted by
# one exactly when by the other.
agree=0
disagree=
while read -r k v; do
	[ "$v" = '""' ] && v=
	printf '%s = %s\n' "$k" "$v" >"$tmp/conf"
	sh "$dist/ackguard-apply" -c "$tmp/conf" --check >/dev/null 2>&1
	a=$?
	"$ACKGUARDCTL" set "$k" "$v" >/dev/null 2>&1
	c=$?
	if [ "$a" -eq "$c" ]; then
		agree=$((agree + 1))
	else
		disagree="$disagree [$k $v: apply $a, ackguardctl $c]"
	fi
done <<'EOF'
mode enforce
mode monitor
mode off
mode Enforce
mode on
log on
log off
log yes
interval 1ms
interval 0ms
interval 0
interval 1
interval 250
interval 0250
interval 010
interval 1.5s
interval 0.25s
interval 0.0005s
interval 0.001s
interval 0.0010s
interval 1.0000000001s
interval 1.0000000000s
interval 1.0000000000000000000001s
interval 1m
interval 1.0001m
interval 60000ms
interval 60000
interval 60001
interval 60.001s
interval 1h
interval 0.0000166666h
interval .5s
interval 5.
interval 5.s
interval 5s5
interval 1e3
interval 500us
interval 5S
interval 99999999999999999999ms
interval 99999999999999999999999999999999999999
interval -1
interval +5
interval ""
flow-timeout 1
flow-timeout 0
flow-timeout 86400
flow-timeout 86401
flow-timeout 1500ms
flow-timeout 2000ms
flow-timeout 1m
flow-timeout 1.5m
flow-timeout 1.55m
flow-timeout 1d
flow-timeout 1.0000115741d
flow-timeout 24h
flow-timeout 24.0001h
flow-timeout 0.5s
flow-timeout 999ms
flow-timeout 1000ms
flow-timeout ""
burst 0
burst 1
burst 10000
burst 10001
burst 007
burst 000000000000000000000000007
burst +5
burst 5x
burst ""
burst -0
burst 99999999999999999999
max-flows 4194304
max-flows 4194305
storm-pps 100000000
storm-pps 100000001
storm-pps 1
EOF
same "apply and ackguardctl agree on $agree values" "$disagree" ""

# ---------------------------------------------------------------- textfile

tf=$tmp/tf
mkdir "$tf"
out=$tf/ackguard.prom
textfile() { # NAME WANT_RC [ENV=V...]
	name=$1
	want=$2
	shift 2
	env "$@" sh "$dist/ackguard-textfile" -o "$out" >"$tmp/out" 2>"$tmp/err"
	rc=$?
	[ "$rc" -eq "$want" ] || { fail "$name: exit $rc, want $want ($(cat "$tmp/err"))" && return 1; }
}
prom_ok() { # NAME
	if $py "$dir/check_prom.py" <"$out" >"$tmp/pc" 2>&1; then
		pass "$1: valid exposition format"
	else
		fail "$1: check_prom.py: $(cat "$tmp/pc")"
	fi
}
fresh() { # NAME: the timestamp is now (within 5 s)
	ts=$(sed -n 's/^ackguard_textfile_timestamp_seconds \([0-9]*\)$/\1/p' "$out")
	now=$(date +%s)
	if [ -n "$ts" ] && [ $((now - ts)) -le 5 ] && [ $((ts - now)) -le 5 ]; then
		pass "$1: timestamp is now ($ts)"
	else
		fail "$1: timestamp '$ts', now $now"
	fi
}

textfile "module loaded" 0 &&
	prom_ok "module loaded" &&
	same "module loaded: ackguard_up 1, once" "$(grep '^ackguard_up' "$out")" "ackguard_up 1" &&
	has "module loaded: the counters" "$out" 'ackguard_segments_dropped_total{reason="paws"} 100000' &&
	fresh "module loaded" &&
	same "module loaded: world-readable (node_exporter is not root)" \
		"$(stat -c %a "$out")" 644 &&
	same "module loaded: no temporary file left" "$(ls -A "$tf")" "ackguard.prom"

textfile "not loaded" 0 AGC_FAKE=notloaded &&
	prom_ok "not loaded" &&
	same "not loaded: ackguard_up 0, once" "$(grep '^ackguard_up' "$out")" "ackguard_up 0" &&
	same "not loaded: no counters" "$(grep -c '^ackguard_[a-z_]*_total' "$out")" 0 &&
	fresh "not loaded"

# ackguardctl failing for another reason: the service fails, the file says so.
cat >"$tmp/ctl-broken" <<'EOF'
#!/bin/sh
echo "ackguard_flows_active 1"
echo "ackguardctl: stats: Connection refused" >&2
exit 2
EOF
chmod +x "$tmp/ctl-broken"
textfile "ackguardctl fails" 1 ACKGUARDCTL="$tmp/ctl-broken" &&
	same "ackguardctl fails: ackguard_up 0, no partial counters" \
		"$(grep -v '^#' "$out" | cut -d' ' -f1 | tr '\n' ' ')" \
		"ackguard_up ackguard_textfile_timestamp_seconds " &&
	has "ackguardctl fails: its message" "$tmp/err" "Connection refused"

# An ackguardctl that prints ackguard_up itself: not twice.  It is also slow:
# while it writes, the collector still reads the previous, whole file.
# (ackguardctl prints it since 0.2.0; the line is added when the one under
# test does not.)
cat >"$tmp/ctl-slow" <<EOF
#!/bin/sh
m=\$("$ACKGUARDCTL" stats -o prometheus) || exit
printf '%s\n' "\$m"
printf '%s\n' "\$m" | grep -q '^ackguard_up ' ||
	printf '# HELP ackguard_up Up.\n# TYPE ackguard_up gauge\nackguard_up 1\n'
sleep 1
EOF
chmod +x "$tmp/ctl-slow"
textfile "before the slow run" 0 && cp "$out" "$tmp/before"
ACKGUARDCTL="$tmp/ctl-slow" sh "$dist/ackguard-textfile" -o "$out" >/dev/null 2>&1 &
bgpid=$!
sleep 0.5
if cmp -s "$out" "$tmp/before"; then
	pass "while writing, the old file is intact"
else
	fail "while writing, the old file is intact"
fi
set -- "$tf"/.ackguard.prom.*
same "while writing, the new one is a hidden temporary (not *.prom)" \
	"$#:$(test -e "$1" && echo exists)" "1:exists"
wait "$bgpid"
same "slow run: exit 0" "$?" 0
same "ackguard_up from ackguardctl: once" "$(grep -c '^ackguard_up ' "$out")" 1
prom_ok "ackguard_up from ackguardctl"
same "slow run: no temporary file left" "$(ls -A "$tf")" "ackguard.prom"

env sh "$dist/ackguard-textfile" -o "$tmp/nodir/x.prom" >"$tmp/out" 2>"$tmp/err"
same "missing directory: exit 1" "$?" 1
has "missing directory: says so" "$tmp/err" "does not exist"

# ---------------------------------------------------------------- rules, units

if command -v promtool >/dev/null 2>&1; then
	if (cd "$dir" && promtool test rules ackguard.rules.test.yml) >"$tmp/out" 2>&1; then
		pass "alerting rules fire as documented (promtool test rules)"
	else
		fail "promtool test rules: $(cat "$tmp/out")"
	fi
else
	echo "SKIP: promtool test rules: promtool not installed"
fi

if make -s -C "$dist" check >"$tmp/out" 2>&1; then
	pass "make -C dist check (systemd-analyze verify, shellcheck, promtool check rules)"
else
	fail "make -C dist check: $(cat "$tmp/out")"
fi

[ "$failed" -eq 0 ]
