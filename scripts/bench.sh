#!/bin/bash
# bench.sh (make bench): the ackguard benchmarks (bench/bench-guest.sh) in
# the QEMU guest, then on the host, into BENCH_OUT (build/bench; the copy
# committed under bench/ is updated on purpose: make bench BENCH_OUT=bench):
#   results.json       every figure, the per-round values, the checks
#   results.txt        the table as printed (markdown)
#   raw.jsonl          the raw records, reaction.csv the 100 ms
#                      router samples of the reaction measurement
# Every figure is a ratio or a count measured side by side in one run.
# Environment: AG_BENCH_SECTIONS ("legit cpu scale reaction"),
# AG_BENCH_ROUNDS (3), AG_BENCH_FLOWS (100000), BENCH_OUT (default build/bench).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
out=${BENCH_OUT:-$root/build/bench}
t0=$(date +%s)

# always: make rebuilds what is older than its sources (a module or tool
# left from an older tree would show the wrong code)
make module userspace >/dev/null
make -s -C bench

# slab_nomerge: the flow cache gets its own line in /proc/slabinfo (else
# SLUB merges it with another cache of the same size).  2 GB: room for
# 100,000 sockets.  Results reach the host through the VM work dir, kept
# (AG_VM_KEEP=1) in a private TMPDIR where it is easy to find.
vmtmp=$(mktemp -d)
trap 'rm -rf "$vmtmp"' EXIT
set +e
TMPDIR=$vmtmp AG_VM_KEEP=1 AG_VM_APPEND="slab_nomerge ${AG_VM_APPEND:-}" \
	tests/vm/run.sh --mem 2048 --timeout 1800 -- bench/bench-guest.sh
rc=$?
set -e
work=$(find "$vmtmp" -maxdepth 1 -name 'ackguard-vm.*' -type d | head -n 1)
if [ -z "$work" ] || [ ! -s "$work/out/results.json" ]; then
	echo "bench: the guest left no results (run.sh exit $rc)" >&2
	exit 1
fi
mkdir -p "$out"
cp "$work/out/results.json" "$work/out/raw.jsonl" "$out/"
[ -f "$work/out/reaction.csv" ] && cp "$work/out/reaction.csv" "$out/"
[ -f "$work/out/results.txt" ] && cp "$work/out/results.txt" "$out/"
echo "bench: $out/results.json ($(($(date +%s) - t0)) s; exit $rc)"
exit "$rc"
