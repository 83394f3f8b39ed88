#!/usr/bin/env bash
# checkpatch --strict on the module's sources, with the checkpatch.pl of
# Debian's linux-source-6.1 (unpacked once into a cache directory).
set -euo pipefail
cd "$(dirname "$0")/.."
cache=${AG_CACHE:-$HOME/.cache/ackguard}
cp_dir=$cache/checkpatch
tarball=$(ls /usr/src/linux-source-6.1.tar.* 2>/dev/null | head -n1)
if [ ! -x "$cp_dir/scripts/checkpatch.pl" ]; then
	[ -n "$tarball" ] || { echo "style: linux-source-6.1 is not installed" >&2; exit 1; }
	mkdir -p "$cp_dir"
	top=$(basename "$tarball" | sed 's/\.tar\..*//')
	tar -xf "$tarball" -C "$cp_dir" --strip-components=1 \
		"$top/scripts/checkpatch.pl" "$top/scripts/spelling.txt" \
		"$top/scripts/const_structs.checkpatch"
fi
files=$(git ls-files --cached --others --exclude-standard -- 'module/*.c' 'module/*.h')
[ -n "$files" ] || { echo "style: no module sources found" >&2; exit 1; }
# shellcheck disable=SC2086
if out=$("$cp_dir/scripts/checkpatch.pl" --strict --no-tree --terse -f $files); then
	echo "style: checkpatch --strict clean ($(echo $files | wc -w) files)"
else
	echo "$out" | grep -v '^total: 0 errors, 0 warnings, 0 checks'
	exit 1
fi
