# shellcheck shell=bash
# tests/lib/guest.sh: what the guest suites (tests/e2e, tests/e2e/ctl,
# tests/stress, tests/lab) do the same way; each suite's lib.sh sources it.

# ---------------------------------------------------------------- reporting
# TAP-like lines ("ok - DESC", "not ok - DESC", comments "# ..."), counted
# for the suite's own summary line.
GUEST_PASS=0
GUEST_FAIL=0
GUEST_SKIP=0
# shellcheck disable=SC2034 # counted by tests/e2e/ctl (known_bug)
GUEST_TODO=0

log() { echo "# $*"; }
vlog() { [ "${AG_VERBOSE:-0}" = 1 ] && echo "# + $*" >&2; return 0; }
ok() {
	GUEST_PASS=$((GUEST_PASS + 1))
	echo "ok - $*"
}
fail() {
	GUEST_FAIL=$((GUEST_FAIL + 1))
	echo "not ok - $*"
}
skip() {
	GUEST_SKIP=$((GUEST_SKIP + 1))
	echo "ok - $* # SKIP"
}
# check DESC CMD...: ok if CMD succeeds, else fail
check() {
	local desc=$1
	shift
	if "$@"; then ok "$desc"; else fail "$desc"; fi
}

# ---------------------------------------------------------------- processes

# guest_reap PID...: stop background processes started by a suite: SIGTERM
# to all, then up to 2 s for each to go (one that ignores SIGTERM must not
# hang the cleanup), SIGKILL, and reap it.
guest_reap() {
	local pid
	for pid in "$@"; do
		kill "$pid" 2>/dev/null
	done
	for pid in "$@"; do
		for _ in 1 2 3 4 5 6 7 8 9 10; do
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.2
		done
		kill -9 "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
	done
	return 0
}

# wait_file FILE [SECS]: wait up to SECS (30) for FILE to exist, non-empty.
wait_file() {
	local f=$1 t=${2:-30} i=0
	while [ ! -s "$f" ]; do
		i=$((i + 1))
		[ "$i" -le $((t * 10)) ] || return 1
		sleep 0.1
	done
}

# ---------------------------------------------------------------- netns
GUEST_NS=()

nsx() { # NS CMD...
	local ns=$1
	shift
	vlog "[$ns] $*"
	ip netns exec "$ns" "$@"
}

# ns_add NS: a fresh namespace, deleted by guest_del_netns; lo up, and quiet,
# deterministic IPv6: no DAD, no router solicitations.
ns_add() {
	ip netns del "$1" 2>/dev/null
	ip netns add "$1" || return 1
	GUEST_NS+=("$1")
	ip -n "$1" link set lo up
	nsx "$1" sysctl -qw net.ipv6.conf.all.accept_dad=0 \
		net.ipv6.conf.default.accept_dad=0 \
		net.ipv6.conf.default.router_solicitations=0 >/dev/null
}

# ns_del NS: delete one before the cleanup does.
ns_del() {
	local n=() x
	ip netns del "$1" 2>/dev/null
	for x in "${GUEST_NS[@]}"; do
		[ "$x" = "$1" ] || n+=("$x")
	done
	GUEST_NS=("${n[@]}")
}

# guest_del_netns: delete every namespace ns_add made (for the cleanup).
guest_del_netns() {
	local ns
	for ns in "${GUEST_NS[@]}"; do
		ip netns del "$ns" 2>/dev/null
	done
	GUEST_NS=()
}

# ---------------------------------------------------------------- module

ag_loaded() { grep -q '^ackguard ' /proc/modules; }

# ag_unload: rmmod ackguard if loaded, retried for 5 s while it is busy (a
# namespace on its way out, a netlink dump in flight); on CPU $AG_RMMOD_CPU
# when set (test_reload unloads on each CPU in turn).
ag_unload() {
	local i pin=()
	ag_loaded || return 0
	[ -n "${AG_RMMOD_CPU:-}" ] && pin=(taskset -c "$AG_RMMOD_CPU")
	for i in $(seq 1 50); do
		vlog "${pin[*]} rmmod ackguard"
		"${pin[@]}" rmmod ackguard 2>/dev/null && return 0
		sleep 0.1
	done
	"${pin[@]}" rmmod ackguard
}

# ---------------------------------------------------------------- hooks

# guest_pin_hooks [NS]: an accept-all nft input chain (IPv4 and IPv6) in
# namespace NS, or in the current one, kept for the suite's life so that
# the kernel's LOCAL_IN netfilter static keys stay on. Otherwise every
# insmod/rmmod of ackguard (whose hooks are the only LOCAL_IN ones)
# live-patches the jump label in ip_local_deliver() and ip6_input(), and
# under QEMU 7.2 multi-threaded TCG the vCPU running that code at ACK-loop
# rates is now and then left trapping on the old int3 forever: a soft
# lockup at ip_local_deliver+0x5c in ksoftirqd, reproduced with nft alone,
# without ackguard. An emulator fault, not a module one; AG_NO_HOOK_PIN=1
# leaves the pin out to see it. Non-zero if nft fails, unless the kernel
# has no nf_tables (before 3.13) and no CONFIG_JUMP_LABEL (its config in
# /proc/config.gz): then no hook is live-patched, there is nothing to pin,
# and a line on stdout says so.
guest_pin_hooks() {
	local in_ns=() err

	[ "${AG_NO_HOOK_PIN:-0}" = 1 ] && return 0
	[ -n "${1:-}" ] && in_ns=(ip netns exec "$1")
	modprobe -q nf_tables 2>/dev/null
	err=$("${in_ns[@]}" nft -f - 2>&1 <<-'NFT'
		table inet ag_hook_pin {
			chain in { type filter hook input priority 0; policy accept; }
		}
	NFT
	) && return 0
	if [ -r /proc/config.gz ] && ! zcat /proc/config.gz | grep -q '^CONFIG_JUMP_LABEL=y'; then
		echo "# no nft here, and no CONFIG_JUMP_LABEL: netfilter hooks are not live-patched, nothing to pin"
		return 0
	fi
	echo "$err" >&2
	return 1
}

# guest_unpin_hooks: remove the pin from the current namespace (a pin in a
# suite's own namespace goes with it).
guest_unpin_hooks() {
	nft delete table inet ag_hook_pin 2>/dev/null
	return 0
}
