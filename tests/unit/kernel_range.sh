#!/bin/bash
# The kernels ackguard builds for are written twice: Kbuild's ag_verified
# (the build refuses any other series) and dkms.conf's
# BUILD_EXCLUSIVE_KERNEL (DKMS refuses any other kernel).  Both must name
# the same series, and Kbuild must really refuse the others: evaluated for
# every series from 3.0 to 7.9 with the kernel's VERSION/PATCHLEVEL, as the
# kernel's make would include it.
# Run: tests/unit/kernel_range.sh
set -u
cd "$(dirname "$0")/../.."
pass=0 fail=0
check() { # DESCRIPTION CMD...
	local d=$1
	shift
	if "$@"; then echo "ok - $d"; pass=$((pass + 1)); else echo "not ok - $d"; fail=$((fail + 1)); fi
}
verified=$(sed -n 's/^ag_verified := //p' module/Kbuild)
range=$(sed -n 's/^BUILD_EXCLUSIVE_KERNEL="\(.*\)"$/\1/p' dkms.conf)
check "Kbuild names its verified series ($verified)" [ -n "$verified" ]
check "dkms.conf has a BUILD_EXCLUSIVE_KERNEL range ($range)" [ -n "$range" ]

kbuild_accepts() { # VERSION PATCHLEVEL
	make -s -f module/Kbuild src=module srctree=/nonexistent VERSION="$1" \
		PATCHLEVEL="$2" SUBLEVEL=7 --eval 'ag_range_probe:' ag_range_probe \
		>/dev/null 2>&1
}
bad_dkms='' bad_kbuild='' refused=0
for v in 3 4 5 6 7; do
	for p in $(seq 0 20); do
		s=$v.$p
		want=no
		case " $verified " in *" $s "*) want=yes ;; esac
		got=no
		printf '%s\n' "$s.7-1-amd64" | grep -qE "$range" && got=yes
		[ "$got" = "$want" ] || bad_dkms="$bad_dkms $s(dkms $got)"
		got=no
		kbuild_accepts "$v" "$p" && got=yes
		[ "$got" = "$want" ] || bad_kbuild="$bad_kbuild $s(kbuild $got)"
		[ "$want" = no ] && refused=$((refused + 1))
	done
done
check "dkms.conf's range takes exactly Kbuild's series (3.0 to 7.20; wrong:${bad_dkms:- none})" \
	[ -z "$bad_dkms" ]
check "Kbuild accepts exactly its series and refuses the other $refused (wrong:${bad_kbuild:- none})" \
	[ -z "$bad_kbuild" ]
msg=$(make -s -f module/Kbuild src=module srctree=/nonexistent VERSION=4 PATCHLEVEL=4 \
	SUBLEVEL=121 --eval 'ag_range_probe:' ag_range_probe 2>&1)
check "the refusal names the verified series: '$(echo "$msg" | sed 's/.*\*\*\* //')'" \
	sh -c 'printf "%s" "$1" | grep -q "Linux 4.4 is not supported: classification is verified on $2 only"' sh "$msg" "$verified"
check "AG_UNVERIFIED_KERNEL=1 builds anyway, with a warning" \
	sh -c 'make -s -f module/Kbuild src=module srctree=/nonexistent VERSION=7 PATCHLEVEL=1 SUBLEVEL=5 AG_UNVERIFIED_KERNEL=1 --eval "ag_range_probe:" ag_range_probe 2>&1 | grep -q "is not verified"'
echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
