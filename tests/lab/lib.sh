# shellcheck shell=bash
# tests/lab/lib.sh: helpers of the storm lab (storm-lab.sh) and the
# benchmarks (bench/bench-guest.sh).  Runs as root inside the test VM
# (tests/vm/run.sh); every packet stays inside the namespaces made here.
#
# Routed topology (a real ACK loop needs a middlebox that rewrites):
#   lab-cli (l-cli) <-> (r-cli) lab-rtr (r-srv) <-> (l-srv) lab-srv
#   10.98.1.1 / fd98:1::1   router .254 / ::fe    10.98.2.1 / fd98:2::1
set -u

LAB_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
LAB_ROOT=$(cd "$LAB_DIR/../.." && pwd)
# shellcheck source=tests/lib/guest.sh
. "$LAB_ROOT/tests/lib/guest.sh"
LAB_KO=${AG_KO:-$LAB_ROOT/module/ackguard.ko}
# shellcheck disable=SC2034 # used by the scripts that source this
LAB_CTL=$LAB_ROOT/userspace/ackguardctl
# shellcheck disable=SC2034
LAB_PY=/usr/bin/python3
LAB_PIDS=()
LAB_TMP=

CLI=lab-cli
RTR=lab-rtr
SRV=lab-srv
CLI4=10.98.1.1
SRV4=10.98.2.1
CLI6=fd98:1::1
SRV6=fd98:2::1

lab_init() {
	if [ "$(id -u)" != 0 ] || [ "${AG_IN_VM:-0}" != 1 ]; then
		echo "$0: runs as root inside the test VM: tests/vm/run.sh -- $0" >&2
		exit 2
	fi
	LAB_TMP=$(mktemp -d /tmp/ag-lab.XXXXXX)
	trap lab_cleanup EXIT
	trap 'exit 130' INT
	trap 'exit 143' TERM
	# The guest's module autoload goes through the host's modprobe; load
	# what the lab uses up front so no step waits for it (each modprobe is
	# slow under emulation: LAB_KMODS lists only what the caller needs).
	local m
	for m in ${LAB_KMODS:-veth sch_ingress cls_u32 act_pedit act_csum nf_tables}; do
		modprobe -q "$m" 2>/dev/null || true
	done
	lab_pin_hooks
}

# The LOCAL_IN hooks pinned in a namespace of the lab's own, kept for the
# guest's life: the lab loads and unloads ackguard under a running loop
# (guest_pin_hooks in tests/lib/guest.sh; without it a CI run of make demo
# hung in a soft lockup). Not deleted at cleanup: the loop namespaces die
# asynchronously, and removing the pin first flipped the key under the
# still running, now unprotected loop (the same lockup, seen once after
# the demo's verdict).
lab_pin_hooks() {
	[ "${AG_NO_HOOK_PIN:-0}" = 1 ] && return 0
	{ [ -e /run/netns/lab-pin ] || ip netns add lab-pin; } &&
		guest_pin_hooks lab-pin ||
		echo "warning: cannot pin the LOCAL_IN hooks (nft)" >&2
}

lab_cleanup() {
	local rc=$?
	trap - EXIT INT TERM
	guest_reap "${LAB_PIDS[@]}"
	LAB_PIDS=()
	ag_unload
	guest_del_netns
	[ -n "$LAB_TMP" ] && rm -rf "$LAB_TMP"
	exit "$rc"
}

# lab_bg NS CMD...: run CMD in NS in the background (killed at cleanup);
# its pid goes to LAB_LASTPID.
lab_bg() {
	local ns=$1
	shift
	ip netns exec "$ns" "$@" &
	LAB_LASTPID=$!
	LAB_PIDS+=("$LAB_LASTPID")
}

lab_kill() { # PID: stop one background process started with lab_bg
	guest_reap "$1"
}

veth_pair() { # NS1 DEV1 NS2 DEV2
	ip link add name "$2" netns "$1" type veth peer name "$4" netns "$3" ||
		return 1
	ip -n "$1" link set "$2" up
	ip -n "$3" link set "$4" up
}

ns_ping() { # NS ADDR (skipped when ping is not installed)
	local i
	command -v ping >/dev/null 2>&1 || return 0
	for i in $(seq 20); do
		nsx "$1" ping -q -c 1 -W 1 "$2" >/dev/null 2>&1 && return 0
		sleep 0.2
	done
	echo "# ping $2 from $1 failed" >&2
	return 1
}

# lab_routed: client - router - server, IPv4 and IPv6, the router forwarding.
lab_routed() {
	ns_add $CLI && ns_add $RTR && ns_add $SRV || return 1
	veth_pair $CLI l-cli $RTR r-cli || return 1
	veth_pair $RTR r-srv $SRV l-srv || return 1
	ip -n $CLI addr add $CLI4/24 dev l-cli
	ip -n $RTR addr add 10.98.1.254/24 dev r-cli
	ip -n $RTR addr add 10.98.2.254/24 dev r-srv
	ip -n $SRV addr add $SRV4/24 dev l-srv
	ip -n $CLI -6 addr add $CLI6/64 dev l-cli nodad
	ip -n $RTR -6 addr add fd98:1::fe/64 dev r-cli nodad
	ip -n $RTR -6 addr add fd98:2::fe/64 dev r-srv nodad
	ip -n $SRV -6 addr add $SRV6/64 dev l-srv nodad
	ip -n $CLI route add default via 10.98.1.254
	ip -n $SRV route add default via 10.98.2.254
	ip -n $CLI -6 route add default via fd98:1::fe
	ip -n $SRV -6 route add default via fd98:2::fe
	nsx $RTR sysctl -qw net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1 >/dev/null
	lab_rewriter && ns_ping $CLI $SRV4 && ns_ping $CLI $SRV6
}

# lab_rewriter: the router's qdiscs for pedit_add, and how it rewrites.
# Kernels before 4.5 have no clsact: there (3.10) the rewrite happens on
# the way in, on the ingress qdisc of the same two devices (every segment
# the router forwards passes one of them).  Kernels before 4.11 have no
# extended pedit (ex ... add): there a plain key does it (pedit_add).  Each
# fallback is told on stdout, in the lab's transcript.
LAB_TC_DIR=egress
LAB_PEDIT_EX=1
lab_rewriter() {
	local dev
	if tc -n $RTR qdisc add dev r-cli clsact 2>/dev/null; then
		tc -n $RTR qdisc add dev r-srv clsact || return 1
	else
		LAB_TC_DIR="parent ffff:"
		echo "    (no clsact qdisc on kernel $(uname -r): the router rewrites at its ingress)"
		for dev in r-cli r-srv; do
			tc -n $RTR qdisc add dev $dev ingress || return 1
		done
	fi
	# shellcheck disable=SC2086 # LAB_TC_DIR is one or two words
	if tc -n $RTR filter add dev r-cli $LAB_TC_DIR pref 99 protocol ip u32 \
		match ip protocol 6 0xff action pedit ex munge offset 44 u32 add 0 \
		2>/dev/null; then
		tc -n $RTR filter del dev r-cli $LAB_TC_DIR pref 99
	else
		LAB_PEDIT_EX=0
		echo "    (no extended pedit on kernel $(uname -r): plain pedit keys, which only set or"
		echo "     xor: TSval set to 2^28 ticks before now, sequence numbers xor 0xf0000000)"
	fi
}

# lab_has_limiter: the kernel has net.ipv4.tcp_invalid_ratelimit (4.0 and
# later; vanilla 3.10 answers every invalid segment).
lab_has_limiter() { [ -e /proc/sys/net/ipv4/tcp_invalid_ratelimit ]; }

# ratelimit MS NS...: the kernel's own net.ipv4.tcp_invalid_ratelimit
# (it covers IPv6 too), 0 = the behaviour of a kernel without the fix.
# Without the sysctl, 0 is what the kernel does anyway; any other value
# cannot be had and fails.
ratelimit() {
	local ms=$1 ns
	shift
	if ! lab_has_limiter; then
		[ "$ms" = 0 ]
		return
	fi
	for ns in "$@"; do
		nsx "$ns" sysctl -qw net.ipv4.tcp_invalid_ratelimit="$ms" >/dev/null || return 1
	done
}

# The faulty middlebox.  On both router egress devices, for the segments of
# one TCP port (either direction), add 0xf0000000 to one 32-bit word of
# every TCP segment, then fix the TCP checksum.  Offsets are from the start
# of the IP header:
#   ts4  44 = 20 (IPv4) + 24: TSval when options start NOP,NOP,TS (Linux)
#   seq4 24 = 20 + 4: the sequence number
#   ts6  64 = 40 (IPv6) + 24
#   seq6 44 = 40 + 4
# Each variant gets its own filter priority, so it can be removed alone.
# Without extended pedit (LAB_PEDIT_EX=0, before 4.11) a key only does
# (word & mask) ^ val: a TSval is set to one 2^28 ticks before now (TSval
# is jiffies there: in the past of both ends' ts_recent from then on), a
# sequence number is xored with 0xf0000000 (moved by at least 2^28: out of
# any window).
# pedit_add VARIANT PORT PREF [PORTMASK] [VARIANT PORT PREF PORTMASK]...:
# one tc process for all the rules (each exec is slow under emulation).
pedit_add() {
	local batch=$LAB_TMP/pedit.$$.batch v port pref mask proto match off dev dir
	local ts key
	: >"$batch"
	[ "$LAB_PEDIT_EX" = 0 ] && ts=$(awk '/^jiffies:/ { printf "0x%08x\n", ($2 - 268435456) % 4294967296; exit }' /proc/timer_list)
	while [ $# -gt 0 ]; do
		v=$1 port=$2 pref=$3 mask=${4:-0xffff}
		shift $(($# >= 4 ? 4 : $#))
		case $v in
		ts4) proto=ip match=ip off=44 ;;
		seq4) proto=ip match=ip off=24 ;;
		ts6) proto=ipv6 match=ip6 off=64 ;;
		seq6) proto=ipv6 match=ip6 off=44 ;;
		*) return 2 ;;
		esac
		key="ex munge offset $off u32 add 0xf0000000"
		if [ "$LAB_PEDIT_EX" = 0 ]; then
			case $v in
			ts*) key="munge offset $off u32 set $ts" ;;
			seq*) key="munge offset $off u32 invert retain 0xf0000000" ;;
			esac
		fi
		for dev in r-cli r-srv; do
			for dir in sport dport; do
				echo "filter add dev $dev $LAB_TC_DIR pref $pref protocol $proto u32" \
					"match $match protocol 6 0xff match $match $dir $port $mask" \
					"action pedit $key pipe action csum tcp" >>"$batch"
			done
		done
	done
	tc -n $RTR -batch "$batch"
}

pedit_del() { # PREF...
	local dev pref batch=$LAB_TMP/pedit.$$.batch
	: >"$batch"
	for pref in "$@"; do
		for dev in r-cli r-srv; do
			echo "filter del dev $dev $LAB_TC_DIR pref $pref" >>"$batch"
		done
	done
	tc -n $RTR -batch "$batch" 2>/dev/null
	return 0
}

# ------------------------------------------------------------------ module

lab_load() { # PARAM=VALUE...
	ag_unload || return 1
	insmod "$LAB_KO" "$@" || {
		echo "# insmod $LAB_KO $* failed" >&2
		return 1
	}
}

# ------------------------------------------------------------------ counters

# netstat_get NS NAME: a TcpExt (or other /proc/net/netstat) counter in NS.
netstat_get() {
	nsx "$1" awk -v n="$2" '
		{
			if (!($1 in hdr)) { hdr[$1] = $0; next }
			k = split(hdr[$1], h)
			for (i = 2; i <= k; i++)
				if (h[i] == n) { print $i; f = 1; exit }
			delete hdr[$1]
		}
		END { if (!f) print 0 }' /proc/net/netstat
}

# busy_ticks: busy time of all CPUs so far, in USER_HZ ticks (/proc/stat:
# everything but idle and iowait).
busy_ticks() {
	awk '$1 == "cpu" { print $2 + $3 + $4 + $7 + $8 + $9; exit }' /proc/stat
}

now() { date +%s.%N; }
