#!/bin/bash
# Scenario p: the oracle on real traffic.  The kernel judges what ackguard
# classifies in connections between two Linux ends: bulk each way,
# half-closed requests (HTTP/1.0 style), keepalive probes and zero-window
# probes, over loopback (both ends in ag-srv), a veth between two
# namespaces, and a router whose netem delays, loses, duplicates and
# reorders (the issue's figures: delay 4 ms, loss 1.5%, duplication 2%,
# reordering 15%), IPv4 and IPv6.
#
# Both ends' namespaces have net.ipv4.tcp_invalid_ratelimit at its maximum
# and ackguard counts in monitor mode (drops nothing).  traffic.py primes
# every socket at both ends before data moves (see there), so every later
# segment TCP sends down a rate-limited path is counted in one
# TCPACKSkipped* counter, and the priming leaves exactly one seq segment
# per socket that ackguard counted and the kernel answered.  Segments are
# not judged one by one here (they are in test_oracle); per reason R, over
# both ends, after each phase:
#   ackguard's R_seen - the kernel's TCPACKSkipped(R) <= slack(R)
# with slack(seq) = the sockets primed, slack(synrecv|finwait2|timewait) =
# the connections (a request or timewait socket answers its first segment
# uncounted: duplicated SYNs, reordered old ACKs after a close), and
# what a full socket answered before its priming (netem's copies of a SYN
# or SYN-ACK meet a new socket first): for challenge the challenge ACKs
# TCP sent (TCPChallengeACK), for paws the PAWS rejects it did not count
# as limited (PAWSEstab - TCPACKSkippedPAWS), for seq the SYN segments
# beyond one SYN and one SYN-ACK a connection (nft counts them).  More than that is a segment ackguard classified
# that TCP does not rate-limit: what it would drop in enforce mode.  Less
# is allowed and reported: ackguard passes unjudged what meets a socket its
# owner holds (TCP judges it later, from the backlog; module/classify.c).
# Also: every byte arrives, and the keepalive and zero-window phases made
# the kernel count something (not a comparison of two silences).
# The whole run takes ~400 s in the emulated guest (check-debug's rt and
# debug boots); make check runs the netem path's halfclose and keepalive
# phases with 20 requests and 2 s idle (scripts/check.sh).
# Knobs: AG_TRAFFIC_MB (16), AG_TRAFFIC_CONNS (50), AG_TRAFFIC_IDLE (5 s),
# AG_TRAFFIC_NETEM, AG_TRAFFIC_PATHS ("lo veth netem"), AG_TRAFFIC_PHASES
# ("bulk halfclose keepalive zerowin").
# Run: tests/vm/run.sh -- tests/e2e/test_traffic.sh
. "$(dirname "$0")/lib.sh"
ag_init test_traffic

PORT=5500
MB=${AG_TRAFFIC_MB:-16}
CONNS=${AG_TRAFFIC_CONNS:-50}
IDLE=${AG_TRAFFIC_IDLE:-5}
NETEM=${AG_TRAFFIC_NETEM:-delay 4ms loss 1.5% duplicate 2% reorder 15% 50%}
PATHS=${AG_TRAFFIC_PATHS:-lo veth netem}
PHASES=${AG_TRAFFIC_PHASES:-bulk halfclose keepalive zerowin}
REASONS="paws seq challenge synrecv finwait2 timewait"

ag_need_module "test_traffic: real traffic judged by the kernel" || ag_summary
grep -q TCPACKSkippedPAWS /proc/net/netstat ||
	{ skip "no TCPACKSkipped* counters on $(uname -r) (before 4.0)"; ag_summary; }

# ag-cli <-> ag-rtr (netem both ways) <-> ag-srv, and a direct veth
# ag-cli (ag-cd) <-> ag-srv (ag-sd): 10.99.8.0/24, fd99:8::/64
ns_setup_routed || die "namespace setup failed"
veth_pair $CLI ag-cd $SRV ag-sd || die "direct veth"
ip -n $CLI addr add 10.99.8.1/24 dev ag-cd
ip -n $SRV addr add 10.99.8.2/24 dev ag-sd
ip -n $CLI -6 addr add fd99:8::1/64 dev ag-cd nodad
ip -n $SRV -6 addr add fd99:8::2/64 dev ag-sd nodad
ns_ping $CLI 10.99.8.2 && ns_ping $CLI fd99:8::2 || die "direct veth: no ping"
for dev in ag-rc ag-rs; do
	# shellcheck disable=SC2086 # NETEM is a list of words
	tc -n $RTR qdisc add dev $dev root netem limit 100000 $NETEM ||
		die "netem on $dev failed"
done
log "netem on the router, both ways: $NETEM"
for ns in $CLI $SRV; do
	for lim in 2147483647 2147483 86400000; do
		nsx $ns sysctl -qw net.ipv4.tcp_invalid_ratelimit=$lim >/dev/null 2>&1 && break
	done
	nsx $ns sysctl -qw net.ipv4.tcp_challenge_ack_limit=2147483647 >/dev/null 2>&1 ||
		sysctl -qw net.ipv4.tcp_challenge_ack_limit=2147483647 >/dev/null
	got=$(nsx $ns sysctl -n net.ipv4.tcp_invalid_ratelimit)
	[ "$got" -ge 86400000 ] || die "$ns: tcp_invalid_ratelimit $got, not >= 1 day"
done
ag_load mode=monitor || die "insmod mode=monitor failed"
# Handshake segments with SYN at both ends, before ackguard: netem's
# duplicates (and TCP's retransmissions) beyond one SYN and one SYN-ACK a
# connection can meet a socket before its priming (a SYN copy at the
# server's new child, a SYN-ACK copy at the client), whose first answer
# (a challenge ACK, or a dupack once data moved) the kernel does not count.
for ns in $CLI $SRV; do
	nsx $ns nft -f - <<EOF || die "nft SYN counters in $ns"
table inet ag_traffic {
	chain in {
		type filter hook input priority -500; policy accept;
		tcp dport $PORT tcp flags & syn == syn counter
		tcp sport $PORT tcp flags & syn == syn counter
	}
}
EOF
done

# snap ARRAY: both ends' counters, summed: k_R the kernel's
# TCPACKSkipped(R), a_R ackguard's R_seen, chal TCPChallengeACK, paws
# PAWSEstab, syn the SYN counters above (one awk and one nft a namespace:
# a process costs ~0.1 s in the emulated guest)
snap() {
	local -n _s=$1
	local ns k v
	_s=()
	for ns in $CLI $SRV; do
		while read -r k v; do
			_s[$k]=$((${_s[$k]:-0} + v))
		done <<<"$(nsx $ns awk '
			BEGIN {
				m["TCPACKSkippedPAWS"] = "k_paws"; m["TCPACKSkippedSeq"] = "k_seq"
				m["TCPACKSkippedChallenge"] = "k_challenge"
				m["TCPACKSkippedSynRecv"] = "k_synrecv"
				m["TCPACKSkippedFinWait2"] = "k_finwait2"
				m["TCPACKSkippedTimeWait"] = "k_timewait"
				m["TCPChallengeACK"] = "chal"; m["PAWSEstab"] = "paws"
			}
			FILENAME ~ /ackguard/ {
				if ($1 ~ /_seen$/) { sub(/_seen$/, "", $1); print "a_" $1, $2 }
				next
			}
			$1 != "TcpExt:" { next }
			!h { n = split($0, hdr); h = 1; next }
			{ for (i = 2; i <= n; i++) if (hdr[i] in m) print m[hdr[i]], $i; h = 0 }
		' /proc/net/netstat /proc/net/ackguard/stats)"
		for v in $(nsx $ns nft list table inet ag_traffic |
			awk '{ for (i = 1; i < NF; i++) if ($i == "packets") print $(i + 1) }'); do
			_s[syn]=$((${_s[syn]:-0} + v))
		done
	done
}

declare -A B A
total_excess=0
# phase PATH FAMILY PHASE: one traffic.py run; compare the deltas
phase() {
	local path=$1 fam=$2 ph=$3 srvns=$SRV clins=$CLI dst out res r k ag kc p slack x line extra
	case $path/$fam in
	lo/4) dst=127.0.0.1 clins=$SRV ;;
	lo/6) dst=::1 clins=$SRV ;;
	veth/4) dst=10.99.8.2 ;;
	veth/6) dst=fd99:8::2 ;;
	netem/4) dst=$RSRV4 ;;
	netem/6) dst=$RSRV6 ;;
	esac
	local what="$path IPv$fam $ph"
	rm -f "$AG_TMP/ready" "$AG_TMP/served"
	ag_bg $srvns "$AG_PY" "$AG_E2E/traffic.py" serve --phase "$ph" --addr "$dst" \
		--port $PORT --idle "$IDLE" --ready "$AG_TMP/ready" --out "$AG_TMP/served"
	local spid=$AG_LASTPID
	wait_file "$AG_TMP/ready" 60 || { fail "$what: server did not start"; return; }
	snap B
	out=$(nsx $clins timeout 600 "$AG_PY" "$AG_E2E/traffic.py" run --phase "$ph" \
		--dst "$dst" --port $PORT --idle "$IDLE" --conns "$CONNS" --mb "$MB")
	sleep 0.5
	snap A
	ag_kill "$spid"
	res=$(printf '%s\n' "$out" | grep '^RESULT ')
	AG_RESULT=$res
	check "$what: every byte arrived ($(res secs) s)" [ "$(res bytes_ok)" = 1 ]
	# SYN segments beyond each connection's SYN and SYN-ACK
	extra=$((${A[syn]:-0} - ${B[syn]:-0} - 2 * $(res conns)))
	[ "$extra" -ge 0 ] || extra=0
	line="" x=0 k=0
	for r in $REASONS; do
		# this phase's counts: ackguard's (ag) and the kernel's (kc)
		ag=$((${A[a_$r]:-0} - ${B[a_$r]:-0}))
		kc=$((${A[k_$r]:-0} - ${B[k_$r]:-0}))
		k=$((k + kc))
		case $r in
		seq) slack=$(($(res primed) + extra)) ;;
		# the challenge ACKs TCP sent (TCPChallengeACK: a limited
		# path's answers that went out), and the PAWS rejects it did
		# not count as limited (PAWSEstab counts them all)
		challenge) slack=$((${A[chal]:-0} - ${B[chal]:-0})) ;;
		paws) slack=$((${A[paws]:-0} - ${B[paws]:-0} - kc)) ;;
		*) slack=$(res conns) ;;
		esac
		line+=" $r=$ag/$kc(slack $slack)"
		if [ $((ag - kc)) -gt "${slack:-0}" ]; then
			x=$((x + ag - kc - slack))
			line+="(+$((ag - kc - slack)) over)"
		fi
	done
	log "$what: ackguard/kernel per reason:$line; $extra extra SYN segments"
	check "$what: ackguard classified nothing TCP does not rate-limit (excess $x)" [ "$x" = 0 ]
	total_excess=$((total_excess + x))
	case $ph in
	keepalive | zerowin)
		# the priming accounts for at most two counts a socket (three
		# segments, the first answered): more is a probe
		p=$(res primed)
		check "$what: the kernel rate-limited the probes ($k counted, $((2 * p)) of them at most the priming's)" \
			[ "$k" -gt $((2 * p)) ]
		;;
	esac
}

for path in $PATHS; do
	for fam in 4 6; do
		for ph in $PHASES; do
			phase "$path" "$fam" "$ph"
		done
	done
done
log "in all: $total_excess segments classified beyond what the kernel rate-limited"
stat_dump $SRV
check "rmmod" ag_unload
ag_summary
