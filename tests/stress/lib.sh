# shellcheck shell=bash disable=SC2016
# tests/stress/lib.sh: helpers sourced by stress.sh and flood.sh, which run
# as root inside the test VM (tests/vm/run.sh).
#
# Environment:
#   AG_KO    module to load (default module/ackguard.ko)
#   AG_CTL   ackguardctl (default userspace/ackguardctl)
#   AG_PY    python (default /usr/bin/python3)
#   AG_VERBOSE=1  echo helper commands
set -u

ST_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ST_ROOT=$(cd "$ST_DIR/../.." && pwd)
AG_KO=${AG_KO:-$ST_ROOT/module/ackguard.ko}
AG_CTL=${AG_CTL:-$ST_ROOT/userspace/ackguardctl}
AG_PY=${AG_PY:-/usr/bin/python3}
FLOOD=$ST_DIR/ackflood
ST_NAME=stress
ST_PASS=0
ST_FAIL=0
ST_PIDS=()
ST_NS=()
ST_TMP=

# Two namespaces on a veth pair, fixed MACs so ackflood can address frames.
CLI=ags-cli
SRV=ags-srv
CLI4=10.98.0.1
SRV4=10.98.0.2
CLI6=fd98::1
SRV6=fd98::2
CLIMAC=02:00:00:98:00:01
SRVMAC=02:00:00:98:00:02

log() { echo "# $*"; }
vlog() { [ "${AG_VERBOSE:-0}" = 1 ] && echo "# + $*" >&2; return 0; }
ok() {
	ST_PASS=$((ST_PASS + 1))
	echo "ok - $*"
}
fail() {
	ST_FAIL=$((ST_FAIL + 1))
	echo "not ok - $*"
}
check() { # DESC CMD...
	local d=$1
	shift
	if "$@"; then ok "$d"; else fail "$d"; fi
}
summary() {
	echo "# $ST_NAME: $ST_PASS passed, $ST_FAIL failed, 0 skipped"
	[ "$ST_FAIL" -eq 0 ]
	exit
}
die() {
	fail "$ST_NAME: $*"
	summary
}
now_ms() { echo $(($(date +%s%N) / 1000000)); }

st_init() {
	ST_NAME=$1
	[ "$(id -u)" = 0 ] || { echo "# $ST_NAME must run as root (tests/vm/run.sh)" >&2; exit 2; }
	if [ "${AG_IN_VM:-0}" != 1 ] && [ "${AG_ALLOW_HOST:-0}" != 1 ]; then
		echo "# $ST_NAME: refusing to run outside the test VM; use tests/vm/run.sh -- $0" >&2
		exit 2
	fi
	[ -f "$AG_KO" ] || { echo "# $ST_NAME: no module $AG_KO (make module)" >&2; exit 2; }
	[ -x "$FLOOD" ] || { echo "# $ST_NAME: no $FLOOD (make -C tests/stress)" >&2; exit 2; }
	[ -x "$AG_CTL" ] || { echo "# $ST_NAME: no $AG_CTL (make userspace)" >&2; exit 2; }
	ST_TMP=$(mktemp -d /tmp/ag-stress.XXXXXX)
	trap st_cleanup EXIT
	trap 'exit 130' INT
	trap 'exit 143' TERM
	# built-ins just succeed; see tests/e2e/lib.sh on module autoload
	for m in veth ipv6; do modprobe -q "$m" 2>/dev/null || true; done
	ulimit -n 1048576 2>/dev/null || ulimit -n 65536 2>/dev/null || true
	log "$ST_NAME: kernel $(uname -r), $(nproc) CPUs, module ${AG_KO#"$ST_ROOT"/}"
}

st_cleanup() {
	local rc=$? pid ns
	trap - EXIT INT TERM
	for pid in "${ST_PIDS[@]}"; do kill "$pid" 2>/dev/null; done
	for pid in "${ST_PIDS[@]}"; do
		for _ in 1 2 3 4 5 6 7 8 9 10; do
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.2
		done
		kill -9 "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
	done
	ST_PIDS=()
	ag_unload
	for ns in "${ST_NS[@]}"; do ip netns del "$ns" 2>/dev/null; done
	[ -n "$ST_TMP" ] && rm -rf "$ST_TMP"
	exit "$rc"
}

# bg CMD...: background job killed by the cleanup; sets LASTPID.  "bg nsx
# NS CMD" runs `ip netns exec NS CMD`, which execs CMD: LASTPID is CMD's
# own pid, so killing it stops CMD (killing a backgrounded shell function
# would leave its children running).
bg() {
	vlog "bg $*"
	if [ "$1" = nsx ]; then
		shift
		set -- ip netns exec "$@"
	fi
	"$@" &
	LASTPID=$!
	ST_PIDS+=("$LASTPID")
}
# stop_bg PID...: TERM and reap, returning the first non-zero status
# other than the TERM itself
stop_bg() {
	local pid rc=0 r
	for pid in "$@"; do kill "$pid" 2>/dev/null; done
	for pid in "$@"; do
		wait "$pid"
		r=$?
		[ "$r" = 0 ] || [ "$r" = 143 ] || [ "$rc" != 0 ] || rc=$r
	done
	return $rc
}
nsx() { # NS CMD...
	local ns=$1
	shift
	vlog "[$ns] $*"
	ip netns exec "$ns" "$@"
}
wait_file() { # FILE [SECS]
	local i=0
	while [ ! -s "$1" ]; do
		i=$((i + 1))
		[ $i -le $((${2:-60} * 10)) ] || return 1
		sleep 0.1
	done
}

ns_add() {
	ip netns del "$1" 2>/dev/null
	ip netns add "$1" || return 1
	ST_NS+=("$1")
	ip -n "$1" link set lo up
	nsx "$1" sysctl -qw net.ipv6.conf.all.accept_dad=0 \
		net.ipv6.conf.default.accept_dad=0 >/dev/null
}

# ns_setup: ags-cli (ags-c0) <-> ags-srv (ags-s0), 10.98.0.0/24, fd98::/64
ns_setup() {
	ns_add $CLI && ns_add $SRV || return 1
	ip link add name ags-c0 netns $CLI address $CLIMAC type veth \
		peer name ags-s0 netns $SRV address $SRVMAC || return 1
	ip -n $CLI link set ags-c0 up
	ip -n $SRV link set ags-s0 up
	ip -n $CLI addr add $CLI4/24 dev ags-c0
	ip -n $SRV addr add $SRV4/24 dev ags-s0
	ip -n $CLI -6 addr add $CLI6/64 dev ags-c0 nodad
	ip -n $SRV -6 addr add $SRV6/64 dev ags-s0 nodad
	# static neighbours: nothing but our traffic on the link
	ip -n $CLI neigh replace $SRV4 lladdr $SRVMAC dev ags-c0 nud permanent
	ip -n $SRV neigh replace $CLI4 lladdr $CLIMAC dev ags-s0 nud permanent
	ip -n $CLI -6 neigh replace $SRV6 lladdr $SRVMAC dev ags-c0 nud permanent
	ip -n $SRV -6 neigh replace $CLI6 lladdr $CLIMAC dev ags-s0 nud permanent
	local ns
	for ns in $CLI $SRV; do
		# many connections from one address; every dupack answered
		nsx "$ns" sysctl -qw net.ipv4.ip_local_port_range="1024 65000" \
			net.ipv4.tcp_invalid_ratelimit=0 \
			net.core.somaxconn=65535 net.ipv4.tcp_max_syn_backlog=65535 >/dev/null
	done
}

# keep_nf_key: an accept-all nftables input chain (IPv4 and IPv6) in a
# namespace of its own, so the kernel's static key for LOCAL_IN hooks stays
# on while ackguard is loaded and unloaded.  Otherwise every insmod/rmmod
# flips it, patching ip_local_deliver()'s code under the running flood,
# which livelocks an emulated (TCG) guest: soft lockup at
# ip_local_deliver+0x5c, reproduced with nft alone, without ackguard.
keep_nf_key() {
	modprobe -q nf_tables 2>/dev/null
	ns_add ags-keep &&
		nsx ags-keep nft add table inet agkeep &&
		nsx ags-keep nft add chain inet agkeep in \
			'{ type filter hook input priority 0; policy accept; }'
}

ag_loaded() { grep -q '^ackguard ' /proc/modules; }
ag_load() { # PARAM=VALUE...
	ag_unload || return 1
	vlog "insmod $AG_KO $*"
	insmod "$AG_KO" "$@"
}
ag_unload() {
	local i
	ag_loaded || return 0
	for i in $(seq 1 50); do
		rmmod ackguard 2>/dev/null && return 0
		sleep 0.1
	done
	echo "# rmmod ackguard: still busy after 5 s" >&2
	return 1
}

stat_get() { # NS NAME
	nsx "$1" awk -v n="$2" '$1 == n { print $2; f = 1; exit } END { exit !f }' \
		/proc/net/ackguard/stats 2>/dev/null
}
stat_dump() { # NS
	nsx "$1" cat /proc/net/ackguard/stats 2>/dev/null | tr '\n' ' ' | sed "s/^/# [$1] /"
	echo
}
# stats_consistent NS: for every reason, seen == passed + dropped (only
# meaningful once no segment is in flight)
stats_consistent() {
	nsx "$1" awk '
		{ v[$1] = $2 }
		END {
			split("paws seq challenge synrecv finwait2 timewait", r, " ")
			for (i in r) {
				s = v[r[i] "_seen"]; p = v[r[i] "_passed"]; d = v[r[i] "_dropped"]
				if (s != p + d) { print "# " r[i] ": seen " s " != passed " p " + dropped " d; bad = 1 }
			}
			exit bad
		}' /proc/net/ackguard/stats
}
# slab_active NAME: active objects of a slab cache (0 if none)
slab_active() {
	awk -v n="$1" '$1 == n { print $2; f = 1 } END { if (!f) print 0 }' /proc/slabinfo
}
