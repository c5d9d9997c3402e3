#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# mkinitramfs.sh - build the lab guest's base initramfs (uncompressed newc
# cpio: faster to unpack in the emulator than gzip).
#
# Usage: scripts/mkinitramfs.sh OUT.cpio MODULE.ko BINDIR GUEST_ROOT KVER
#
# Contents: busybox (static), /init, /lab/lib.sh, /lab/skybridge.ko (the
# production module), /lab/test/skybridge.ko (the test build), the
# project's binaries in /lab/bin with the shared libraries they need (a real
# glibc, so dynamically linked programs run as on any distribution), the
# guest kernel's own kvm modules for the second-hypervisor tests, its msr
# module for skyctl check, and its overlay and fuse modules for
# lockdown.sh's attacks (unpacked where the kernel ships them
# xz-compressed, as 6.12 does), with a modules.dep for modprobe.
set -eu

die() { echo "mkinitramfs: $*" >&2; exit 1; }

[ $# -eq 5 ] || die "usage: mkinitramfs.sh OUT.cpio MODULE.ko BINDIR GUEST_ROOT KVER"
out=$1 module=$2 bindir=$3 groot=$4 kver=$5
src=$(cd "$(dirname "$0")/.." && pwd)

busybox=/bin/busybox
[ -x "$busybox" ] || die "no $busybox: install busybox-static"
! ldd "$busybox" >/dev/null 2>&1 || die "$busybox is dynamic: install busybox-static"
[ -f "$module" ] || die "no module at $module"

stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT

mkdir -p "$stage/bin" "$stage/sbin" "$stage/lab/bin" "$stage/lab/run" \
	"$stage/proc" "$stage/sys" "$stage/dev" "$stage/tmp" "$stage/etc" \
	"$stage/root" "$stage/usr/bin" "$stage/usr/sbin"
cp "$busybox" "$stage/bin/busybox"
cp "$src/tests/vm/init" "$stage/init"
chmod 755 "$stage/init"
cp "$src/tests/vm/lib.sh" "$stage/lab/lib.sh"
cp "$module" "$stage/lab/skybridge.ko"
twin=$(dirname "$module")/../twin/skybridge_twin.ko
[ ! -f "$twin" ] || cp "$twin" "$stage/lab/skybridge_twin.ko"
# The test build (test views and hooks), for the scenarios that need them.
testmod=$(dirname "$module")/../test/skybridge.ko
[ -f "$testmod" ] || die "no test build of the module at $testmod"
mkdir -p "$stage/lab/test"
cp "$testmod" "$stage/lab/test/skybridge.ko"
echo "root:x:0:0:root:/root:/bin/sh" >"$stage/etc/passwd"
echo "nobody:x:65534:65534:nobody:/nonexistent:/bin/sh" >>"$stage/etc/passwd"
printf 'root:x:0:\nnogroup:x:65534:\n' >"$stage/etc/group"

# Copy a shared library dependency closure, keeping the host's paths.
copy_libs() {
	ldd "$1" 2>/dev/null | awk '/=> \//{print $3} /^\t\/[^ ]+ \(/{print $1}' |
	while read -r lib; do
		[ -e "$stage$lib" ] && continue
		mkdir -p "$stage$(dirname "$lib")"
		cp -L "$lib" "$stage$lib"
	done
}

for prog in "$bindir"/*; do
	[ -f "$prog" ] && [ -x "$prog" ] || continue
	cp "$prog" "$stage/lab/bin/"
	copy_libs "$prog"
done

# Modules of the guest kernel the tests load, uncompressed for busybox
# insmod (6.12 ships them xz-compressed): msr, for skyctl check; kvm, a
# competing hypervisor; and overlay and fuse where they are modules (6.1:
# both; 6.12: overlay, fuse is built in), for the lockdown's attacks.
mdir=lib/modules/$kver
for m in kernel/arch/x86/kernel/msr.ko \
	 kernel/arch/x86/kvm/kvm-intel.ko kernel/arch/x86/kvm/kvm.ko \
	 kernel/virt/lib/irqbypass.ko \
	 kernel/fs/overlayfs/overlay.ko kernel/fs/fuse/fuse.ko; do
	if [ -f "$groot/$mdir/$m" ]; then
		mkdir -p "$stage/$mdir/$(dirname "$m")"
		cp "$groot/$mdir/$m" "$stage/$mdir/$m"
	elif [ -f "$groot/$mdir/$m.xz" ]; then
		if command -v xz >/dev/null; then
			mkdir -p "$stage/$mdir/$(dirname "$m")"
			xz -dc "$groot/$mdir/$m.xz" >"$stage/$mdir/$m"
		else
			echo "mkinitramfs: no xz to unpack $m.xz: left out (install xz-utils)" >&2
		fi
	fi
done

# modules.dep, so that "modprobe msr" (skyctl check) works as on a real box.
busybox depmod -b "$stage" "$kver" ||
	die "busybox depmod failed for $kver"

(cd "$stage" && find . | LC_ALL=C sort | cpio -o -H newc --quiet) >"$out.tmp"
mv "$out.tmp" "$out"
