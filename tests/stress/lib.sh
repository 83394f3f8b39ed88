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
# shellcheck source=tests/lib/guest.sh
. "$ST_ROOT/tests/lib/guest.sh"
AG_KO=${AG_KO:-$ST_ROOT/module/ackguard.ko}
AG_CTL=${AG_CTL:-$ST_ROOT/userspace/ackguardctl}
AG_PY=${AG_PY:-/usr/bin/python3}
FLOOD=$ST_DIR/ackflood
ST_NAME=stress
ST_PIDS=()
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

summary() {
	echo "# $ST_NAME: $GUEST_PASS passed, $GUEST_FAIL failed, $GUEST_SKIP skipped"
	[ "$GUEST_FAIL" -eq 0 ]
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
	local rc=$?
	trap - EXIT INT TERM
	guest_reap "${ST_PIDS[@]}"
	ST_PIDS=()
	ag_unload
	guest_del_netns
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

# keep_nf_key: the LOCAL_IN hooks pinned in a namespace of the suite's own
# while ackguard is loaded and unloaded under the flood (guest_pin_hooks in
# tests/lib/guest.sh).
keep_nf_key() {
	ns_add ags-keep && guest_pin_hooks ags-keep
}

ag_load() { # PARAM=VALUE...
	ag_unload || return 1
	vlog "insmod $AG_KO $*"
	insmod "$AG_KO" "$@"
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
