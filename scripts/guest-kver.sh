#!/usr/bin/env bash
# Print the kernel the module is built for and the QEMU guest boots.
#
# AG_KVER (or KVER) names it when set: the operator means that one, and it
# must have both its image in /boot and its headers.  Otherwise it is the
# project's reference kernel, Debian 12's generic 6.1 (the newest 6.1.*-amd64
# with image and headers), never merely the newest headers installed: the
# same archive also serves 6.12 (linux-image-6.12-amd64), and a machine that
# has it installed must not silently switch every build and boot to it.
# Says on stderr which kernel it picked when that is not the running one.
set -euo pipefail
want=${AG_KVER:-${KVER:-}}
if [ -n "$want" ]; then
	if [ ! -e "/boot/vmlinuz-$want" ] || [ ! -e "/lib/modules/$want/build" ]; then
		echo "guest-kver.sh: AG_KVER/KVER=$want: no /boot/vmlinuz-$want or /lib/modules/$want/build" >&2
		exit 1
	fi
	echo "$want"
	exit 0
fi
for d in $(ls -d /lib/modules/6.1.*-amd64 2>/dev/null | sort -rV); do
	v=${d##*/}
	[[ $v =~ ^6\.1\.[0-9]+-[0-9]+-amd64$ ]] || continue # no -cloud, -rt
	if [ -e "/boot/vmlinuz-$v" ] && [ -e "$d/build" ]; then
		[ "$v" = "$(uname -r)" ] ||
			echo "guest-kver.sh: kernel $v (Debian 6.1 generic, the reference; AG_KVER= for another)" >&2
		echo "$v"
		exit 0
	fi
done
echo "guest-kver.sh: no Debian 6.1 generic kernel with headers (run scripts/deps.sh, or set AG_KVER)" >&2
exit 1
