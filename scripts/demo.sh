#!/bin/bash
# demo.sh (make demo): the storm lab.  Boots the QEMU guest, reproduces a
# real TCP ACK loop through a faulty router and shows it step by step:
# unprotected (four variants), the kernel's own limiter, ackguard in
# monitor then enforce mode (tests/lab/storm-lab.sh).  Then, on the host:
#   build/demo/storm.csv      the time series (one row per second)
#   build/demo/phases.csv     phase boundaries
#   build/demo/summary.txt    the summary table
#   build/demo/storm.png      packets/s over time with the phases marked
# Exit 0 only if the loop ran at >= 1000 pkt/s unprotected and fell to
# <= 10 pkt/s under enforce.  Options: DEMO_OUT=DIR (default build/demo);
# KERNEL=<matrix version> (make demo KERNEL=3.10): the module built for
# that kernel of ../shared/kernels (scripts/kernel-tree.sh), and the lab
# run on it, booted, instead of Debian's 6.1.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
out=${DEMO_OUT:-$root/build/demo}
t0=$(date +%s)

# always: make rebuilds what is older than its sources (a module or tool
# left from an older tree would show the wrong code)
kernel=${KERNEL:-}
vm=()
if [ -n "$kernel" ]; then
	make module userspace KERNEL="$kernel" >/dev/null
	vm=(--kernel "$(scripts/kernel-tree.sh --kernel "$kernel")")
	# SeaBIOS: under qboot 3.10 hangs calibrating its TSC against the
	# PIT; no_timer_check: on a loaded host the emulated PIT can miss the
	# matrix kernels' timer check (scripts/check-kernels.sh does the same)
	export AG_VM_SEABIOS=1 AG_VM_APPEND="no_timer_check ${AG_VM_APPEND:-}"
	echo "demo: kernel $(scripts/kernel-tree.sh --kver "$kernel") (matrix $kernel)"
else
	make module userspace >/dev/null
fi
command -v gnuplot >/dev/null || { echo "demo: gnuplot missing (apt-get install gnuplot-nox)" >&2; exit 1; }

# Files the guest writes to $AG_VM_WORK/out reach the host through the VM
# work dir: AG_VM_KEEP=1 keeps it, a private TMPDIR makes it findable.
vmtmp=$(mktemp -d)
trap 'rm -rf "$vmtmp"' EXIT
set +e
TMPDIR=$vmtmp AG_VM_KEEP=1 tests/vm/run.sh "${vm[@]}" --timeout 400 -- tests/lab/storm-lab.sh
rc=$?
set -e
work=$(find "$vmtmp" -maxdepth 1 -name 'ackguard-vm.*' -type d | head -n 1)
mkdir -p "$out"
if [ -z "$work" ] || [ ! -s "$work/out/storm.csv" ]; then
	echo "demo: the guest left no results (run.sh exit $rc)" >&2
	exit 1
fi
rm -f "$out"/storm.csv "$out"/phases.csv "$out"/summary.txt "$out"/storm.png
cp "$work"/out/* "$out"/
if [ -s "$out/phases.csv" ]; then
	tests/lab/plot.sh "$out" >/dev/null && echo "demo: plot $out/storm.png"
fi
echo "demo: time series $out/storm.csv, summary $out/summary.txt"
echo "demo: $(($(date +%s) - t0)) s in all; exit $rc"
exit "$rc"
