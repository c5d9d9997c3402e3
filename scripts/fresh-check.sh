#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# fresh-check.sh - "make fresh-check": the README's commands, as a new user
# runs them, on a fresh Debian 12 root file system.
#
# A developer's machine (and CI, which runs on it) already has whatever the
# project once needed, and lacks nothing the project noticed; a new user's
# machine is neither.  This builds a clean bookworm root with mmdebstrap,
# using this host's own apt source definitions as its mirror list (so no
# mirror is named in the project), puts a clean clone of HEAD in it, and in
# a chroot with the root's own minimal /dev (mmdebstrap's device nodes, not
# the host's /dev) runs:
#   1. apt-get install git make, as the README tells a minimal install to;
#   2. make deps;
#   3. make demo QUICK=1: one 1-vCPU boot of the lab that loads the module
#      and runs a short benchmark;
#   4. make host-check: the host tests.
# It installs nothing on the host but mmdebstrap, unmounts and removes the
# root at the end (also on failure or interrupt), and prints how long each
# step took.  Exit status: 0 when every step passed, 1 when a step failed,
# 2 when it could not start (not root, no path to the package registry).
#
# Usage: scripts/fresh-check.sh [--keep]
#   --keep   leave the root in build/fresh/root for inspection (unmounted)
# Each step's log stays in build/fresh/STEP.log.
set -u
src=$(cd "$(dirname "$0")/.." && pwd)
PROG=fresh-check
base=$src/build/fresh
root=$base/root
keep=

die() {
	echo "$PROG: $*" >&2
	exit 2
}

case ${1-} in
"") ;;
--keep) keep=1 ;;
-h|--help)
	sed -n '3,29p' "$0" | sed 's/^# \{0,1\}//'
	exit 0 ;;
*) die "unknown argument '$1' (usage: scripts/fresh-check.sh [--keep])" ;;
esac

[ "$(id -u)" = 0 ] ||
	die "needs root: it builds a Debian root file system, mounts /proc in it and chroots (run: sudo make fresh-check)"
command -v git >/dev/null || die "needs git, to clone HEAD into the fresh root"
git -C "$src" rev-parse --verify -q HEAD >/dev/null ||
	die "$src is not a git checkout with a HEAD commit"

# The host's apt source definitions: every file apt itself reads.
sources=()
if [ -f /etc/apt/sources.list ] && grep -qE '^[[:space:]]*deb[[:space:]]' /etc/apt/sources.list; then
	sources+=(/etc/apt/sources.list)
fi
for f in /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources; do
	[ -f "$f" ] && sources+=("$f")
done
[ ${#sources[@]} -gt 0 ] || die "this host has no apt sources (/etc/apt/sources.list{,.d}) to use as the mirror list"

# A path to the package registry, asked of the first index apt would fetch,
# so that a closed network is one clear line, not a page of apt errors.
probe=$(apt-get --print-uris update 2>/dev/null | sed -n "s/^'\([^']*InRelease\)'.*/\1/p" | head -n1)
[ -n "$probe" ] || die "apt names no InRelease index to fetch (apt-get --print-uris update)"
probe_out=$(mktemp)
if ! timeout 60 /usr/lib/apt/apt-helper download-file "$probe" "$probe_out.file" >"$probe_out" 2>&1; then
	# apt-helper's reason is the indented line under "Err:".
	why=$(sed -n 's/^[[:space:]]\{1,\}\([^[:space:]].*\)/\1/p' "$probe_out" | tail -n1 | cut -c1-160)
	[ -n "$why" ] || why=$(grep -v '^[[:space:]]*$' "$probe_out" | tail -n1 | cut -c1-160)
	rm -f "$probe_out" "$probe_out.file"
	die "no network path to the package registry: $probe: ${why:-timed out after 60 s}"
fi
rm -f "$probe_out" "$probe_out.file"

if ! command -v mmdebstrap >/dev/null; then
	echo "$PROG: installing mmdebstrap on this host (the only package it installs here)"
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends mmdebstrap \
		>"$base.apt.log" 2>&1 || {
		tail -n 3 "$base.apt.log" >&2
		die "apt-get install mmdebstrap failed (log above)"
	}
	rm -f "$base.apt.log"
fi

# The mounts this script makes, innermost last; cleanup undoes them in
# reverse and removes the root.  Nothing of the host is bind-mounted.
mounts=()
cleanup() {
	local i
	for ((i = ${#mounts[@]} - 1; i >= 0; i--)); do
		umount "${mounts[i]}" 2>/dev/null || umount -l "${mounts[i]}" 2>/dev/null
	done
	mounts=()
	if grep -q " $root[/ ]" /proc/self/mounts; then
		echo "$PROG: something is still mounted under $root; not removing it" >&2
		return
	fi
	if [ -z "$keep" ]; then
		rm -rf --one-file-system "$root"
	fi
}
trap cleanup EXIT
trap 'echo "$PROG: interrupted" >&2; exit 2' INT TERM
mount_in() {	# TYPE TARGET [OPTIONS]
	mkdir -p "$root$2"
	mount -t "$1" ${3:+-o "$3"} "$1" "$root$2" || return 1
	mounts+=("$root$2")
}

if grep -q " $root[/ ]" /proc/self/mounts; then
	die "$root has mounts from an earlier run; unmount them first"
fi
rm -rf --one-file-system "$base"
mkdir -p "$base"

total_start=$(date +%s)
steps=()	# "NAME SECONDS RESULT"
failed=
# step NAME COMMAND...: run one step, log to build/fresh/NAME.log (shown on
# failure), and record its time.
step() {
	local name=$1 t0 rc
	shift
	echo "== $PROG: $name"
	t0=$(date +%s)
	"$@" >"$base/$name.log" 2>&1
	rc=$?
	steps+=("$name $(($(date +%s) - t0)) $([ $rc = 0 ] && echo passed || echo "FAILED(exit $rc)")")
	if [ $rc != 0 ]; then
		tail -n 25 "$base/$name.log"
		echo "$PROG: step '$name' failed (exit $rc); its log: $base/$name.log"
		failed=1
	else
		tail -n 3 "$base/$name.log"
	fi
	return $rc
}
# in_root COMMAND: run a shell command in the fresh root, as root, with the
# environment a login on a fresh machine would have and nothing of ours.
in_root() {
	chroot "$root" /usr/bin/env -i HOME=/root TERM=dumb LANG=C.UTF-8 \
		PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
		/bin/sh -c "cd /root/skybridge && $1"
}

summary() {
	local s
	echo "== $PROG: summary (clean bookworm root, HEAD $(git -C "$src" rev-parse --short HEAD))"
	printf '%-22s %8s  %s\n' step seconds result
	for s in "${steps[@]}"; do
		# shellcheck disable=SC2086
		printf '%-22s %8s  %s\n' $s
	done
	printf '%-22s %8s\n' total $(($(date +%s) - total_start))
}

make_root() {
	# The default variant (Debian's "important" priority, as debootstrap
	# installs), with this host's sources; mmdebstrap creates /dev's nodes.
	mmdebstrap --mode=root --variant=debootstrap bookworm "$root" "${sources[@]}"
}
if ! step mmdebstrap make_root; then
	summary
	exit 1
fi
mount_in proc /proc && mount_in sysfs /sys &&
	mount_in devpts /dev/pts newinstance,ptmxmode=0666 &&
	mount_in tmpfs /dev/shm mode=1777 ||
	die "cannot mount /proc, /sys, /dev/pts or /dev/shm in $root"

clone() {
	git clone -q --no-hardlinks "$src" "$root/root/skybridge" &&
		git -C "$root/root/skybridge" log --oneline -1
}
step clone clone &&
step install-git-make in_root 'apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq git make' &&
step make-deps in_root 'make deps' &&
step make-demo-quick in_root 'make demo QUICK=1'
# The host tests run even when the demo failed: they say more about why.
[ -z "$failed" ] || [ -f "$root/root/skybridge/build/guest/kernel-version" ] &&
	step make-host-check in_root 'make host-check'

summary
if [ -n "$failed" ]; then
	echo "$PROG: FAILED (step logs in $base/; rerun with --keep to keep the root)"
	exit 1
fi
echo "$PROG: passed: the README's commands work on a fresh Debian 12 root"
