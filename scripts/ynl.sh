#!/usr/bin/env bash
# Print the directory of the kernel's own ynl tool (tools/net/ynl of Debian's
# linux-source-6.12, with the Documentation/netlink schemas its cli.py
# validates specs against), extracting only those two directories once into
# ${AG_CACHE:-$HOME/.cache/ackguard}/ynl-6.12. Never into the repository: the
# guest (which sees the host's / read-only) runs it from the cache.
#
#   scripts/ynl.sh          -> /root/.cache/ackguard/ynl-6.12
#   $(scripts/ynl.sh)/tools/net/ynl/cli.py --spec module/uapi/ackguard.yaml ...
set -euo pipefail
tarball=${AG_YNL_TARBALL:-/usr/src/linux-source-6.12.tar.xz}
out=${AG_CACHE:-$HOME/.cache/ackguard}/ynl-6.12

if [ ! -f "$out/tools/net/ynl/cli.py" ]; then
	[ -f "$tarball" ] || {
		echo "ynl.sh: no $tarball (apt-get install linux-source-6.12, or make deps)" >&2
		exit 1
	}
	mkdir -p "$(dirname "$out")"
	tmp=$(mktemp -d "$out.XXXXXX")
	trap 'rm -rf "$tmp"' EXIT
	tar -xJf "$tarball" -C "$tmp" --strip-components=1 \
		--wildcards 'linux-source-6.12/tools/net/ynl/*' \
		'linux-source-6.12/Documentation/netlink/*'
	rm -rf "$out"
	mv "$tmp" "$out"
	trap - EXIT
fi
echo "$out"
