#!/usr/bin/env bash
# Print the newest Debian generic (-amd64) kernel that has both an image in
# /boot and headers: the kernel the QEMU guest boots and the module targets.
set -euo pipefail
for d in $(ls -d /lib/modules/*-amd64 2>/dev/null | sort -rV); do
	v=${d##*/}
	case $v in *-cloud-amd64|*-rt-amd64) continue ;; esac
	if [ -e "/boot/vmlinuz-$v" ] && [ -e "$d/build" ]; then
		echo "$v"
		exit 0
	fi
done
echo "guest-kver.sh: no Debian kernel with headers (run scripts/deps.sh)" >&2
exit 1
