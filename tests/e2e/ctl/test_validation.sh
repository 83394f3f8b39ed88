#!/bin/bash
# test_validation: the kernel's own checks of SET_CONFIG, bypassing
# ackguardctl's: genl.py (plain AF_NETLINK) sends out-of-range, unknown,
# wrong-length and mixed valid/invalid settings and checks that each is
# rejected with a negative errno, an extended-ACK message naming the
# setting (and pointing at the attribute), and no change at all to the
# configuration (GET_CONFIG before/after).  Once in the initial namespace,
# once in another one.
. "$(dirname "$0")/lib.sh"
ctl_init test_validation
ctl_load || ctl_die "cannot load the module"

# genl.py prints its own TAP lines; count them into ours.
run_validate() { # PREFIX [NS]
	local pfx=$1 ns=${2:-}
	local cmd=("$AG_PY" "$CTL_DIR/genl.py" validate)
	[ -n "$ns" ] && cmd=(ip netns exec "$ns" "${cmd[@]}")
	"${cmd[@]}" 2>&1 | sed -E "s/^(ok|not ok) - /\1 - $pfx/" >"$CTL_TMP/v"
	local rc=${PIPESTATUS[0]}
	relay <"$CTL_TMP/v"
	check "${pfx}genl.py validate exits 0 (got $rc)" [ "$rc" = 0 ]
}

run_validate ""
ns_add agc-v || ctl_die "netns"
run_validate "[netns agc-v] " agc-v
ctl_summary
