#!/bin/bash
# The module as an operator's DKMS builds it (scripts/dkms-build.sh, run by
# make check on the host, passes its path as AG_DKMS_KO) loads in the guest,
# is the same version, and limits a PAWS flood like the tree's build.
# Run: AG_DKMS_KO=... tests/vm/run.sh -- tests/e2e/test_dkms.sh
. "$(dirname "$0")/lib.sh"
ag_init test_dkms

PORT=5003
if [ -z "${AG_DKMS_KO:-}" ] || [ ! -f "$AG_DKMS_KO" ]; then
	if [ "${AG_REQUIRE_MODULE:-0}" = 1 ]; then
		fail "DKMS-built module present (AG_DKMS_KO='${AG_DKMS_KO:-}')"
	else
		skip "no DKMS-built module (AG_DKMS_KO unset)"
	fi
	ag_summary
fi
# the tree's own build (AG_KO: module/ackguard.ko, or the flavour's build
# of make check-debug) gives the version the DKMS build must have
tree_ver=$(modinfo -F version "$AG_KO" 2>/dev/null)
AG_KO=$AG_DKMS_KO

dkms_ver=$(modinfo -F version "$AG_KO")
check "DKMS module is version $tree_ver ($dkms_ver)" test -n "$dkms_ver" -a "$dkms_ver" = "$tree_ver"
check "DKMS module vermagic matches the guest kernel" \
	sh -c "modinfo -F vermagic '$AG_KO' | grep -q '^$(uname -r) '"

ns_setup || die "namespace setup failed"
ratelimit $SRV 0 || die "cannot set tcp_invalid_ratelimit"
tcpserver $SRV --addr :: --port $PORT --mode hold || die "server did not start"
if ag_load; then
	ok "DKMS-built module loads"
	inject $CLI --mode paws --family 4 --dst $SRV4 --port $PORT --count 100 --rate 100
	answered=$(res answered)
	dropped=$(stat_get $SRV paws_dropped)
	if [ -n "$answered" ] && [ "$answered" -le 3 ] && [ "${dropped:-0}" -ge 97 ]; then
		ok "DKMS-built module limits a PAWS flood (answered $answered of 100, dropped $dropped)"
	else
		fail "DKMS-built module limits a PAWS flood (answered ${answered:-?} of 100, dropped ${dropped:-?})"
	fi
	check "DKMS-built module unloads" ag_unload
else
	fail "DKMS-built module loads"
fi
ag_summary
