#!/bin/bash
# Scenario f: malformed segments with the module loaded.
#
# inject.py --mode malformed sends, to an established connection and to
# the listening socket, TCP option lists with length 0, 1, or running past
# the header, a kind byte with no length, doff < 5, doff past the end of
# the packet, headers cut short, IPv4 options and fragments, and for IPv6
# extension header chains (hop-by-hop, destination options, routing,
# fragment; long chains, chains cut short).  The guest must survive (no
# BUG/WARNING: tests/vm/run.sh checks the kernel log), the malformed
# counter must rise, and the module must still limit a PAWS flood after.
# Run: tests/vm/run.sh -- tests/e2e/test_malformed.sh
. "$(dirname "$0")/lib.sh"
ag_init test_malformed

PORT=5001
REPEAT=${AG_MALFORMED_REPEAT:-3}

ns_setup || die "namespace setup failed"
ratelimit $SRV 0 || die "cannot set tcp_invalid_ratelimit"
tcpserver $SRV --addr :: --port $PORT --mode hold || die "server did not start"

dst_of() { if [ "$1" = 4 ]; then echo $SRV4; else echo $SRV6; fi; }

if ! ag_need_module "test_malformed: malformed segments against the module"; then
	# Still exercise the generator, so the tool itself stays tested.
	for fam in 4 6; do
		check "IPv$fam malformed set sent (no module)" \
			inject $CLI --mode malformed --family $fam --dst "$(dst_of $fam)" \
			--port $PORT --count "$REPEAT" --rate 200
	done
	ag_summary
fi

ag_load mode=enforce interval_ms=500 burst=1 || die "insmod mode=enforce"
for fam in 4 6; do
	m0=$(stat_get $SRV malformed)
	if ! inject $CLI --mode malformed --family $fam --dst "$(dst_of $fam)" \
		--port $PORT --count "$REPEAT" --rate 200; then
		fail "IPv$fam: inject.py --mode malformed failed"
		continue
	fi
	m1=$(stat_get $SRV malformed)
	log "IPv$fam: $(res sent) malformed segments sent; malformed $m0 -> $m1"
	check "IPv$fam: malformed counter rose ($m0 -> $m1)" [ "${m1:-0}" -gt "${m0:-0}" ]
	check "IPv$fam: module still loaded, stats readable" [ -n "$m1" ]
done
stat_dump $SRV

# The module still does its job.
for fam in 4 6; do
	what="IPv$fam paws after the malformed set"
	d0=$(stat_get $SRV paws_dropped)
	if ! inject $CLI --mode paws --family $fam --dst "$(dst_of $fam)" --port $PORT \
		--count 100 --rate 100 --full-settle; then
		fail "$what: inject.py failed"
		continue
	fi
	d1=$(stat_get $SRV paws_dropped)
	bound=$(limit_bound "$(res duration)" 500 1)
	log "$what: sent=$(res sent) answered=$(res answered) bound=$bound paws_dropped+$((d1 - d0))"
	check "$what: still limited ($(res answered) <= $bound)" [ "$(res answered)" -le "$bound" ]
	check "$what: drops counted ($((d1 - d0)))" [ $((d1 - d0)) -ge $(($(res sent) - bound)) ]
done
check "rmmod" ag_unload

ag_summary
