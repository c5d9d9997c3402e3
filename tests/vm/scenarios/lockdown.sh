#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# lockdown: issue 20's attacks on the exec-memory lockdown, played by
# sb-escape, one sub-test per attack and per group of threat-analysis
# rows: private-copy, brk, brk-race, uring, overlay, fuse, mremap,
# mremap-race, forced, uffd, refusals (sb-escape's usage says what each
# does).  Each attack first shows its move works in an unlocked process,
# then checks the new contract's refusal in a locked one and, if the move
# went through, that no executable mapping holds VMFUNC.  dmesg after each;
# no process left locked afterwards.
#
# overlay and fuse need the guest kernel's overlay and fuse modules
# (scripts/mkinitramfs.sh puts them in the initramfs where they are
# modules) and an unprivileged user namespace; /dev/fuse is made 0666, as
# a distribution's udev rules make it.  brk-race and mremap-race take an
# iteration count: run-one.sh lockdown.sh mremap-race 20000.
. /lab/lib.sh
subtests private-copy brk brk-race uring overlay fuse mremap mremap-race forced uffd refusals

module_loaded || check "insmod" insmod "$MODULE"

# fs_module NAME: the file system NAME is available (built in, or the guest
# kernel's module from the initramfs, loaded now); a failure says why not.
fs_module() {
	grep -qw "$1" /proc/filesystems && return 0
	ko=$(find "/lib/modules/$(uname -r)" -name "$1.ko" 2>/dev/null | head -n 1)
	if [ -z "$ko" ]; then
		not_ok "$1: no $1.ko for $(uname -r) in the initramfs and not built in: the $1 attack cannot run"
		return 1
	fi
	insmod "$ko" && grep -qw "$1" /proc/filesystems && return 0
	not_ok "$1: insmod $ko failed: the $1 attack cannot run"
	return 1
}

for a in private-copy brk brk-race uring overlay fuse mremap mremap-race forced uffd refusals; do
	subtest "$a" || continue
	case $a in
	overlay) fs_module overlay || continue ;;
	fuse) fs_module fuse || continue
		chmod 0666 /dev/fuse ;;
	esac
	echo "# sb-escape $a"
	# shellcheck disable=SC2086
	run_tap timeout 900 sb-escape "$a" ${LAB_SUBTEST_ARGS-}
	check_dmesg "escape $a"
done
skyctl stats lockdown | sed 's/^/# lockdown: /'
check "escape: no process is left locked" \
	sh -c 'skyctl stats lockdown | grep -qx "locked 0"'
dmesg | grep -i skybridge | tail -n 20 | sed 's/^/# dmesg: /'
lab_done
