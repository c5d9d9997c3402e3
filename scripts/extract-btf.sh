#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# extract-btf.sh VMLINUZ OUT - write the kernel's BTF (its .BTF section,
# what /sys/kernel/btf/vmlinux shows when it runs) to OUT.
#
# A bzImage holds the compressed vmlinux after its setup code; Debian's 6.1
# uses LZ4 (legacy frame, magic 02 21 4C 18), 6.12 zstd (28 B5 2F FD).
# The first occurrence of either magic starts the payload; the decompressor
# stops at the payload's end.
set -eu
die() { echo "extract-btf.sh: $*" >&2; exit 1; }
[ $# = 2 ] || die "usage: extract-btf.sh VMLINUZ OUT"
img=$1 out=$2
[ -f "$img" ] || die "no such kernel image: $img"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
find_magic() { LC_ALL=C grep -obUaP "$1" "$img" | head -n 1 | cut -d: -f1; }
# The earlier of the two magics: either may also occur inside the other's
# compressed data.
zoff=$(find_magic '\x28\xb5\x2f\xfd' || true)
loff=$(find_magic '\x02\x21\x4c\x18' || true)
[ -n "$zoff$loff" ] || die "$img: no zstd or LZ4 payload found"
if [ -n "$zoff" ] && { [ -z "$loff" ] || [ "$zoff" -lt "$loff" ]; }; then
	tail -c +$((zoff + 1)) "$img" | zstd -dcq >"$tmp/vmlinux" 2>/dev/null || true
else
	tail -c +$((loff + 1)) "$img" | lz4 -dc >"$tmp/vmlinux" 2>/dev/null || true
fi
[ "$(head -c 4 "$tmp/vmlinux" | od -An -tx1 | tr -d ' ')" = 7f454c46 ] ||
	die "$img: the payload did not decompress to an ELF vmlinux"
objcopy -O binary --only-section=.BTF "$tmp/vmlinux" "$tmp/btf"
[ -s "$tmp/btf" ] || die "$img: no .BTF section (a kernel without CONFIG_DEBUG_INFO_BTF)"
mv "$tmp/btf" "$out"
