#!/bin/bash
# ackguard.service as installed (make -C dist install, under a scratch
# prefix), its commands run as systemd would run them (the guest has no
# systemd): ExecStartPre's modprobe loads the module (pointed with -d at a
# module tree holding the built ackguard.ko), ExecStart's ackguard-apply
# changes what "ackguardctl show" reports to what the file says (keys left
# out back to the module's parameters), a bad file names FILE:LINE and
# changes nothing, ExecReload applies an edit; ackguard-textfile writes
# ackguard_up 1 with the real module and ackguard_up 0 without it.  The
# commands run with the unit's CapabilityBoundingSet and NoNewPrivileges
# (setpriv), on the guest's read-only root (as ProtectSystem=strict leaves
# it); the seccomp and namespace options need systemd and are not tried.
# Run: tests/vm/run.sh -- tests/e2e/test_service.sh
. "$(dirname "$0")/lib.sh"
ag_init test_service
ag_need_module "the unit's commands on the built module" || ag_summary

AG_CTL=${AG_CTL:-$AG_ROOT/userspace/ackguardctl}
[ -x "$AG_CTL" ] || die "$AG_CTL is not built (make -C userspace)"
T=$AG_TMP
kver=$(uname -r)

# Installed as a package would, with ackguardctl from the tree.
make -s -C "$AG_ROOT/dist" install PREFIX="$T/usr" SYSCONFDIR="$T/etc" \
	UNITDIR="$T/units" SBINDIR="$(dirname "$AG_CTL")" >"$T/make.log" 2>&1 ||
	{ cat "$T/make.log"; die "make -C dist install"; }
unit=$T/units/ackguard.service
# exec_line KEY: the command of the unit's KEY= line
exec_line() { sed -n "s/^$1=//p" "$unit"; }
pre=$(exec_line ExecStartPre)
start=$(exec_line ExecStart)
reload=$(exec_line ExecReload)
check "ExecStartPre is modprobe ackguard ($pre)" test "$pre" = "/sbin/modprobe ackguard"
check "ExecStart is the installed ackguard-apply ($start)" \
	test "$start" = "$T/usr/libexec/ackguard/ackguard-apply" -a -x "$start"

# modprobe's view of the built module: a module tree of its own.
mkdir -p "$T/mods/lib/modules/$kver/extra"
cp "$AG_KO" "$T/mods/lib/modules/$kver/extra/"
for m in $(modinfo -F depends "$AG_KO" | tr , ' '); do
	modprobe -q "$m"
done
depmod -b "$T/mods" "$kver" 2>/dev/null || die "depmod -b"

# The unit's capability bounding set, as setpriv takes it.
bset=-all
# shellcheck disable=SC2013 # one line of words
for c in $(sed -n 's/^CapabilityBoundingSet=//p' "$unit"); do
	c=${c#CAP_}
	bset="$bset,+${c,,}"
done
check "the unit keeps CAP_SYS_MODULE and CAP_NET_ADMIN only ($bset)" \
	test "$bset" = "-all,+sys_module,+net_admin"
grep -qx 'NoNewPrivileges=yes' "$unit" || fail "the unit sets NoNewPrivileges=yes"
sandbox=(setpriv --no-new-privs --inh-caps=-all --bounding-set="$bset")

ag_unload
read -ra w <<<"$pre"
if "${sandbox[@]}" "${w[0]}" -d "$T/mods" "${w[@]:1}" 2>"$T/err" && ag_loaded; then
	ok "ExecStartPre loads the module"
else
	fail "ExecStartPre loads the module: $(cat "$T/err")"
	ag_summary
fi

# cfg KEY: one value of show -j's config object (no python: slow here)
cfg() { "$AG_CTL" -j show | grep -o '"config":{[^}]*}' | grep -o "\"$1\":[^,}]*" | cut -d: -f2; }
show_cfg() { "$AG_CTL" -j show | grep -o '"config":{[^}]*}'; }

# Set by hand first: the file's run must undo what it does not say.
"$AG_CTL" set max-flows 100 flow-timeout 5m
conf=$T/etc/ackguard/ackguard.conf
cat >>"$conf" <<'EOF'
mode = monitor
interval = 250ms
burst = 4
storm-pps = 1000
log = off
EOF
# Control: the bounding set is real (without CAP_NET_ADMIN, set is refused).
setpriv --no-new-privs --inh-caps=-all --bounding-set=-all,+sys_module \
	"$start" >"$T/out" 2>"$T/err"
rc=$?
check "control: without CAP_NET_ADMIN ExecStart fails (exit $rc)" test "$rc" = 2
if "${sandbox[@]}" "$start" >"$T/out" 2>"$T/err"; then
	ok "ExecStart applies $conf"
else
	fail "ExecStart applies $conf: $(cat "$T/err")"
fi
got="$(cfg mode) $(cfg interval_ms) $(cfg burst) $(cfg storm_pps) $(cfg log)"
check "show reports the file's values (mode interval burst storm-pps log: $got)" \
	test "$got" = '"monitor" 250 4 1000 false'
got="$(cfg max_flows) $(cfg flow_timeout_s)"
check "keys the file leaves out are back to the module's (max_flows flow_timeout_s: $got)" \
	test "$got" = "16384 60"

show_cfg >"$T/before"
lines=$(wc -l <"$conf")
sed -i 's/^mode = monitor$/mode = enforce/' "$conf"
echo 'burst = 0' >>"$conf"
"${sandbox[@]}" "$start" >"$T/out" 2>"$T/err"
rc=$?
check "a bad file fails ExecStart (exit $rc)" test "$rc" = 1
check "the error names the file and line ($(head -n 1 "$T/err"))" \
	grep -qF "$conf:$((lines + 1)): burst \"0\"" "$T/err"
show_cfg >"$T/after"
check "a bad file changes nothing (not even its valid mode line)" cmp -s "$T/before" "$T/after"

sed -i '$d' "$conf"
if "${sandbox[@]}" "$reload" >"$T/out" 2>"$T/err" && [ "$(cfg mode)" = '"enforce"' ]; then
	ok "ExecReload applies the edited file (mode enforce)"
else
	fail "ExecReload applies the edited file: mode $(cfg mode), $(cat "$T/err")"
fi

tf=$T/usr/libexec/ackguard/ackguard-textfile
tunit=$T/units/ackguard-textfile.service
check "ackguard-textfile.service keeps no capability" \
	grep -qx 'CapabilityBoundingSet=' "$tunit"
check "ackguard-textfile.service runs the installed script" \
	grep -qx "ExecStart=$tf" "$tunit"
mkdir "$T/prom"
# As its unit runs it: no capability at all.
if setpriv --no-new-privs --inh-caps=-all --bounding-set=-all "$tf" -o "$T/prom/ackguard.prom" >"$T/out" 2>"$T/err" &&
	grep -qx 'ackguard_up 1' "$T/prom/ackguard.prom" &&
	grep -qx 'ackguard_mode{mode="enforce"} 1' "$T/prom/ackguard.prom" &&
	grep -q '^ackguard_textfile_timestamp_seconds [0-9]' "$T/prom/ackguard.prom"; then
	ok "ackguard-textfile, no capabilities, with the module: ackguard_up 1, its mode, the timestamp"
else
	fail "ackguard-textfile with the module: $(cat "$T/err")"
	sed 's/^/#   /' "$T/prom/ackguard.prom" 2>/dev/null | grep -v '^#   #'
fi

ag_unload
"$start" >"$T/out" 2>"$T/err"
rc=$?
check "ExecStart without the module: exit 2 ($rc), says so" \
	sh -c "[ $rc = 2 ] && grep -q 'not loaded' '$T/err'"
if setpriv --no-new-privs --inh-caps=-all --bounding-set=-all "$tf" -o "$T/prom/ackguard.prom" >"$T/out" 2>"$T/err" &&
	grep -qx 'ackguard_up 0' "$T/prom/ackguard.prom" &&
	! grep -q '^ackguard_segments' "$T/prom/ackguard.prom"; then
	ok "ackguard-textfile without the module: ackguard_up 0, no counters, exit 0"
else
	fail "ackguard-textfile without the module: $(cat "$T/err")"
fi

ag_summary
