#!/bin/bash
# check-dmesg.sh [--ignore ERE]... FILE
#
# Fail (exit 1) if the kernel log FILE shows a kernel bug: oops, BUG, WARN
# splat, lockdep report, RCU stall, list corruption, sanitizer report, soft
# lockup, hung task, ... or a taint other than O (out-of-tree module) and
# E (unsigned module), which loading our own module is expected to set.
# Taints are read from "Tainted:" lines and from the marker line
# "ackguard-vm: tainted=N" that tests/vm/guest-init appends, because most
# taints (e.g. a forced module load) print nothing matchable.
#
# Each finding is printed as FILE:LINE: reason: text, followed by the log
# around the first one.  Lines matching an --ignore ERE are skipped.
# Exit: 0 clean, 1 findings, 2 usage/unreadable file.
set -euo pipefail

ignore=
while [ $# -gt 0 ]; do
	case $1 in
	--ignore)
		[ $# -ge 2 ] || { echo "check-dmesg: --ignore needs an ERE" >&2; exit 2; }
		ignore+="$2"$'\n'
		shift 2
		;;
	--) shift; break ;;
	-*) echo "usage: $0 [--ignore ERE]... FILE" >&2; exit 2 ;;
	*) break ;;
	esac
done
[ $# -eq 1 ] || { echo "usage: $0 [--ignore ERE]... FILE" >&2; exit 2; }
file=$1
[ -r "$file" ] || { echo "check-dmesg: cannot read $file" >&2; exit 2; }

# Regexes go through ENVIRON rather than -v, which would eat backslashes.
AG_CD_IGNORE=$ignore AG_CD_FILE=$file LC_ALL=C awk '
BEGIN {
	nign = split(ENVIRON["AG_CD_IGNORE"], ign, "\n")
	fname = ENVIRON["AG_CD_FILE"]
	n = 0
	# ERE <TAB> reason.  Order matters only for the reason shown.
	pats = \
	"kernel BUG\tkernel BUG\n" \
	"BUG:\tBUG\n" \
	"BUG [^ ]+ \\((Not tainted|Tainted)\tslab corruption\n" \
	"WARNING: possible\tlockdep\n" \
	"possible recursive locking|possible circular locking|inconsistent lock state|lock held when returning|suspicious RCU usage|bad unlock balance\tlockdep\n" \
	"WARNING:\tWARN splat\n" \
	"------------\\[ cut here \\]------------\tWARN splat\n" \
	"Oops\toops\n" \
	"general protection\tgeneral protection fault\n" \
	"Call Trace\tcall trace\n" \
	"rcu_(sched|preempt|bh) detected stall|RCU stall|rcu: INFO|detected stalls on CPU\tRCU stall\n" \
	"list_(add|del) corruption\tlist corruption\n" \
	"UBSAN\tUBSAN\n" \
	"KASAN\tKASAN\n" \
	"KFENCE\tKFENCE\n" \
	"soft lockup|hard LOCKUP\tlockup\n" \
	"blocked for more than [0-9]+ seconds\thung task\n" \
	"Kernel panic\tpanic\n" \
	"refcount_t: \trefcount\n" \
	"unreferenced object 0x\tkmemleak\n" \
	"Disabling lock debugging due to kernel taint\ttaint\n" \
	"double fault|stack-protector|stack guard page\tstack corruption\n"
	npat = split(pats, tmp, "\n")
	np = 0
	for (i = 1; i <= npat; i++) {
		if (tmp[i] == "")
			continue
		split(tmp[i], f, "\t")
		np++
		pre[np] = f[1]
		why[np] = f[2]
	}
	# Taint bit -> letter (include/linux/panic.h); O (12) and E (13) allowed.
	letters = "PFSRMBUDAWCIOELKXTN"
}
function report(reason) {
	n++
	printf "check-dmesg: %s:%d: %s: %s\n", fname, NR, reason, $0
	if (first == 0)
		first = NR
}
function bad_taint(mask,    b, bad, v) {
	bad = ""
	for (b = 0; b < 32; b++) {
		v = int(mask / (2 ^ b)) % 2
		if (v && b != 12 && b != 13)
			bad = bad (b < length(letters) ? substr(letters, b + 1, 1) : "bit" b)
	}
	return bad
}
{
	line[NR] = $0
	for (i = 1; i <= nign; i++)
		if (ign[i] != "" && $0 ~ ign[i])
			next
	if (match($0, /^ackguard-vm: tainted=[0-9]+$/)) {
		t = bad_taint(substr($0, 22) + 0)
		if (t != "")
			report("taint " t)
		next
	}
	for (i = 1; i <= np; i++)
		if ($0 ~ pre[i]) {
			report(why[i])
			next
		}
	# A splat matched above already; this catches e.g. a panic banner.
	if (match($0, /Tainted: [A-Z ]*/)) {
		t = substr($0, RSTART + 9, RLENGTH - 9)
		gsub(/[GOE ]/, "", t)
		if (t != "")
			report("taint " t)
	}
}
END {
	if (n == 0)
		exit 0
	printf "check-dmesg: %d finding(s); log around the first one:\n", n
	lo = first - 5; if (lo < 1) lo = 1
	hi = first + 40; if (hi > NR) hi = NR
	for (i = lo; i <= hi; i++)
		printf "    %s\n", line[i]
	exit 1
}' "$file"
