#!/usr/bin/env bash
# Install, from Debian's archive, everything the build, the tests and the demo
# need. Idempotent and quiet when all is present.
set -euo pipefail

# The guest boots Debian's generic 6.1 kernel: its image and headers, plus
# the cloud and rt headers the module is also built against (and the rt
# image, which make check-debug boots).
pkgs=(
	build-essential pkg-config git
	linux-image-amd64 linux-headers-amd64
	linux-headers-cloud-amd64 linux-headers-rt-amd64
	# make check-debug also boots the PREEMPT_RT kernel
	linux-image-rt-amd64
	linux-source-6.1 xz-utils
	# bookworm's own 6.12 (bookworm-security): the newest kernel the module
	# is built for and booted on (README: supported kernels)
	linux-image-6.12-amd64 linux-headers-6.12-amd64
	linux-headers-6.12-cloud-amd64 linux-headers-6.12-rt-amd64
	linux-image-6.12-rt-amd64 linux-source-6.12
	dkms kmod
	# make deb: the packages (dh-sequence-dkms), checked by lintian
	debhelper dh-dkms fakeroot dpkg-dev lintian
	libnl-3-dev libnl-genl-3-dev libcmocka-dev
	qemu-system-x86 busybox-static cpio
	iproute2 iptables nftables ethtool tcpdump iperf3 util-linux procps
	python3 python3-scapy python3-yaml
	# the kernel's own ynl CLI (scripts/ynl.sh extracts it from the 6.12
	# source; the ctl guest suite's test_ynl runs it against the module)
	linux-source-6.12 python3-jsonschema
	gnuplot-nox
	prometheus
	# make -C dist check: systemd-analyze verify, shellcheck
	systemd shellcheck
	# scripts/debug-kernel.sh (the KASAN/lockdep kernel of make check-debug)
	flex bison bc libelf-dev libssl-dev lz4
)

missing=()
for p in "${pkgs[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
		missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
	echo "deps.sh: missing packages: ${missing[*]} (run as root)" >&2
	exit 1
fi
echo "deps.sh: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
