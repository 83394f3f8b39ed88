#!/bin/bash
# Scenario g: same-host half-closed connections are left alone.
#
# The client sends a request and shutdown(SHUT_WR); the server answers in
# CLOSE_WAIT and closes (HTTP/1.0, netcat, proxies, sidecars): one answer of
# AG_SAMEHOST_MB (16) MB, then AG_SAMEHOST_SHORT (50) short ones, IPv4 and
# IPv6, over loopback inside ag-srv and over veth from ag-cli to ag-srv, with
# the module loaded at its defaults (enforce, burst 1, 500 ms).
# On loopback and veth the receive softirq runs inside the sender's
# dev_queue_xmit(): the peer's ACK of a segment reaches LOCAL_IN before the
# sender's tcp_event_new_data_sent() has advanced snd_nxt, while the sender
# owns its socket. TCP puts that ACK on the backlog and judges it later with
# fresh state; a module judging it at once saw "ACK of unsent data" outside
# ESTABLISHED, a challenge. Every one of these ACKs is one TCP accepts.
# Checks: every answer arrives intact; in both namespaces no reason's _seen
# moves and nothing is dropped.
# Run: tests/vm/run.sh -- tests/e2e/test_samehost.sh
. "$(dirname "$0")/lib.sh"
ag_init test_samehost

PORT=5005
MB=${AG_SAMEHOST_MB:-16}
SHORT=${AG_SAMEHOST_SHORT:-50}
SHORT_SIZE=300
XFER_TIMEOUT=${AG_XFER_TIMEOUT:-300}

ns_setup || die "namespace setup failed"
data=$AG_TMP/answer.bin
head -c $((MB * 1024 * 1024)) /dev/urandom >"$data" || die "cannot write $data"

ag_need_module "test_samehost: half-closed transfers with the module at its defaults" ||
	ag_summary
ag_load || die "insmod (defaults)"
tcpserver $SRV --addr :: --port $PORT --mode answer --file "$data" ||
	die "server (answer) did not start"

# fetch NS ADDR SIZE REPEAT: one fetch run; its result line in FETCH.
fetch() {
	local out=$AG_TMP/fetch.$RANDOM
	FETCH=
	nsx "$1" timeout "$XFER_TIMEOUT" "$AG_PY" "$AG_E2E/tcpapp.py" fetch --addr "$2" \
		--port $PORT --file "$data" --size "$3" --repeat "$4" --out "$out" >/dev/null ||
		return 1
	FETCH=$(cat "$out")
}

# judged A B: the reasons whose _seen or _dropped moved between two
# stats_snap arrays ("paws_seen+3 ..."), empty if none did.
judged() {
	local -n _j0=$1 _j1=$2
	local k d out=
	for k in "${!_j1[@]}"; do
		case $k in
		*_seen | *_dropped) ;;
		*) continue ;;
		esac
		d=$((_j1[$k] - ${_j0[$k]:-0}))
		[ "$d" != 0 ] && out="$out $k+$d"
	done
	echo "${out# }"
}

declare -A C0 C1 S0 S1
for path in lo4 lo6 veth4 veth6; do
	case $path in
	lo4) ns=$SRV addr=127.0.0.1 ;;
	lo6) ns=$SRV addr=::1 ;;
	veth4) ns=$CLI addr=$SRV4 ;;
	veth6) ns=$CLI addr=$SRV6 ;;
	esac
	stats_snap $CLI C0
	stats_snap $SRV S0
	t0=$(now_ns)
	if fetch "$ns" "$addr" $((MB * 1024 * 1024)) 1; then
		big=$FETCH
	else
		big="failed"
	fi
	t1=$(now_ns)
	if fetch "$ns" "$addr" $SHORT_SIZE "$SHORT"; then
		short=$FETCH
	else
		short="failed"
	fi
	stats_snap $CLI C1
	stats_snap $SRV S1
	log "$path: $MB MB in $(awk -v t=$((t1 - t0)) 'BEGIN { printf "%.2f", t / 1e9 }')s: $big;" \
		"$SHORT x $SHORT_SIZE bytes: $short"
	check "$path: the $MB MB answer arrived intact ($big)" \
		[ "${big#conns=1 intact=1 }" != "$big" ]
	check "$path: all $SHORT short answers arrived intact ($short)" \
		[ "${short#conns=$SHORT intact=$SHORT }" != "$short" ]
	j=$(judged S0 S1)
	check "$path: nothing classified or dropped in $SRV (${j:-none})" [ -z "$j" ]
	if [ "$ns" = "$CLI" ]; then
		j=$(judged C0 C1)
		check "$path: nothing classified or dropped in $CLI (${j:-none})" [ -z "$j" ]
	fi
done
stat_dump $SRV
check "rmmod" ag_unload

ag_summary
