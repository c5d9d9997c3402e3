#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# install-deps.sh - install everything skybridge needs on Debian 12, as root.
#
# Idempotent and quiet when everything is present.  Installs the host
# toolchain, dkms, the emulator (Bochs with VMX/EPT/VMFUNC), the boot tools,
# the userspace libraries, and the Debian cloud kernel headers for the emulated
# machine: 6.1 (installed), and 6.12 (unpacked under build/guest-6.12/).  The guest kernel *image* is never installed as the host's kernel:
# it is downloaded and unpacked under build/guest/ (see fetch_guest_kernel).
#
# Usage: scripts/install-deps.sh [BUILD_DIR]
set -eu

BUILD_DIR=${1:-$(dirname "$0")/../build}
mkdir -p "$BUILD_DIR"
BUILD_DIR=$(cd "$BUILD_DIR" && pwd)
GUEST_DIR=$BUILD_DIR/guest

die() { echo "install-deps: $*" >&2; exit 1; }

HOST_PKGS="build-essential bc kmod flex bison pkg-config
	libelf-dev liburcu-dev libzydis-dev sparse
	bochs bochsbios vgabios
	busybox-static isolinux syslinux-common xorriso cpio xz-utils
	lz4 zstd pahole
	gnuplot-nox"
# pahole: the 6.12 headers' module build runs it for the module's BTF
# (CONFIG_DEBUG_INFO_BTF_MODULES); linux-headers-6.12 depends on it, but
# those headers are unpacked here, not installed.  (Found by make
# fresh-check: this machine had it from elsewhere.)
# dkms: "make dkms-install" and the host test's private DKMS builds.  Without
# its Recommends (linux-headers-amd64 would add a second, generic kernel's
# headers, and sudo).
NORECOMMENDS_PKGS="dkms"

missing_pkgs() {
	for p in "$@"; do
		dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null |
			grep -q '^install ok installed$' || echo "$p"
	done
}

need_root() {
	[ "$(id -u)" = 0 ] || die "missing packages ($*); run as root: make deps"
}

apt_updated=
apt_update_once() {
	[ -n "$apt_updated" ] && return
	apt-get update -qq >/dev/null || die "apt-get update failed"
	apt_updated=1
}

# apt_install [--no-install-recommends] PKG...
apt_install() {
	opts=
	if [ "$1" = --no-install-recommends ]; then
		opts=$1
		shift
	fi
	need_root "$@"
	apt_update_once
	echo "install-deps: installing $*"
	# shellcheck disable=SC2086
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $opts "$@" >/dev/null ||
		die "apt-get install $* failed"
}

# The guest kernel: the ABI that Debian's cloud-amd64 meta-package points at,
# recorded in build/guest/kernel-version so that headers and image always match.
resolve_guest_abi() {
	if [ -s "$GUEST_DIR/kernel-version" ]; then
		cat "$GUEST_DIR/kernel-version"
		return
	fi
	abi=$(apt-cache depends linux-image-cloud-amd64 2>/dev/null |
		sed -n 's/^ *Depends: linux-image-\(.*-cloud-amd64\)$/\1/p' | head -n1)
	if [ -z "$abi" ]; then
		apt_update_once
		abi=$(apt-cache depends linux-image-cloud-amd64 2>/dev/null |
			sed -n 's/^ *Depends: linux-image-\(.*-cloud-amd64\)$/\1/p' | head -n1)
	fi
	[ -n "$abi" ] || die "cannot resolve the linux-image-cloud-amd64 version"
	echo "$abi"
}

# unpack_pkgs ROOT PKG...: download the packages (never installed) and
# unpack them all into ROOT, emptied first.
unpack_pkgs() {
	dest=$1
	shift
	tmp=$(mktemp -d)
	# apt-get download fetches as the _apt user, which must write here.
	chown _apt "$tmp" 2>/dev/null || chmod 777 "$tmp"
	(cd "$tmp" && apt-get download -qq "$@" >/dev/null) ||
		die "apt-get download $* failed"
	rm -rf "$dest"
	mkdir -p "$dest"
	for deb in "$tmp"/*.deb; do
		dpkg-deb -x "$deb" "$dest" || die "unpacking $deb failed"
	done
	rm -rf "$tmp"
}

fetch_guest_kernel() {
	abi=$1
	root=$GUEST_DIR/root
	if [ -f "$root/boot/vmlinuz-$abi" ] && [ -d "$root/lib/modules/$abi" ]; then
		return
	fi
	need_root "linux-image-$abi"
	apt_update_once
	echo "install-deps: unpacking guest kernel linux-image-$abi into $GUEST_DIR"
	unpack_pkgs "$root" "linux-image-$abi"
	[ -f "$root/boot/vmlinuz-$abi" ] || die "no vmlinuz in linux-image-$abi"
}

# The second guest, Linux 6.12 LTS (Debian 13's kernel, offered to Debian 12
# as linux-image-6.12.*+deb12-cloud-amd64), in build/guest-6.12/.  Its
# headers package depends on its image package, so neither is installed on
# the host: the image and the headers, their common part and kbuild are
# unpacked into build/guest-6.12/root, and the headers' Makefile is pointed
# at the unpacked common part.  The version is resolved once, as for 6.1.
GUEST612_DIR=$BUILD_DIR/guest-6.12

resolve_612_abi() {
	if [ -s "$GUEST612_DIR/kernel-version" ]; then
		cat "$GUEST612_DIR/kernel-version"
		return
	fi
	apt_update_once
	abi=$(apt-cache depends linux-headers-6.12-cloud-amd64 2>/dev/null |
		sed -n 's/^ *Depends: linux-headers-\(6\.12\..*-cloud-amd64\)$/\1/p' | head -n1)
	[ -n "$abi" ] || die "cannot resolve the linux-headers-6.12-cloud-amd64 version"
	echo "$abi"
}

fetch_612() {
	abi=$1
	root=$GUEST612_DIR/root
	hdr=$root/usr/src/linux-headers-$abi
	if [ -f "$root/boot/vmlinuz-$abi" ] && [ -f "$hdr/Makefile" ] &&
	   grep -q "^include $root/" "$hdr/Makefile"; then
		return
	fi
	need_root "linux-image-$abi"
	apt_update_once
	ver=${abi%-cloud-amd64}
	echo "install-deps: unpacking guest kernel linux-image-$abi and its headers into $GUEST612_DIR"
	unpack_pkgs "$root" "linux-image-$abi" "linux-headers-$abi" \
		"linux-headers-$ver-common" "linux-kbuild-$ver"
	[ -f "$root/boot/vmlinuz-$abi" ] || die "no vmlinuz in linux-image-$abi"
	[ -f "$hdr/Makefile" ] || die "no headers in linux-headers-$abi"
	# "include /usr/src/linux-headers-VER-common/Makefile": the unpacked one.
	sed -i "s|^include /usr/src/|include $root/usr/src/|" "$hdr/Makefile"
}

main() {
	# shellcheck disable=SC2086
	set -- $(missing_pkgs $HOST_PKGS)
	[ $# -eq 0 ] || apt_install "$@"
	# shellcheck disable=SC2086
	set -- $(missing_pkgs $NORECOMMENDS_PKGS)
	[ $# -eq 0 ] || apt_install --no-install-recommends "$@"

	mkdir -p "$GUEST_DIR"
	abi=$(resolve_guest_abi)
	set -- $(missing_pkgs "linux-headers-$abi")
	[ $# -eq 0 ] || apt_install "$@"
	fetch_guest_kernel "$abi"
	echo "$abi" >"$GUEST_DIR/kernel-version.tmp"
	mv "$GUEST_DIR/kernel-version.tmp" "$GUEST_DIR/kernel-version"

	mkdir -p "$GUEST612_DIR"
	abi=$(resolve_612_abi)
	fetch_612 "$abi"
	echo "$abi" >"$GUEST612_DIR/kernel-version.tmp"
	mv "$GUEST612_DIR/kernel-version.tmp" "$GUEST612_DIR/kernel-version"
}

main
