#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# kexec: with the module loaded and a direct call made, kexec into the same
# kernel (sb-kexec: kexec_file_load, then reboot(LINUX_REBOOT_CMD_KEXEC)).
# The reboot notifier must devirtualize every CPU first: the new kernel
# comes up with every CPU (a CPU still in VMX non-root ignores the INIT and
# SIPI that start it), sees no RootKernel, and can load the module and call
# again (VMX is free: VMXOFF ran).  The same script runs in both kernels;
# the new one finds lab.kexec=NCPUS on its command line.  The boot must
# have /lab/kernel (tests/vm/run --with-kernel) and memory for two kernels
# (--mem 1024).  It ends the boot: run it last.
#
# Usage (guest): kexec.sh
. /lab/lib.sh
ncpus=$(grep -c ^processor /proc/cpuinfo)

if grep -q 'lab\.kexec=' /proc/cmdline; then
	want=$(sed -n 's/.*lab\.kexec=\([0-9]*\).*/\1/p' /proc/cmdline)
	[ "$ncpus" = "$want" ] && ok "the kexec'd kernel came up with all $ncpus CPUs" ||
		not_ok "the kexec'd kernel has $ncpus CPUs, the first had $want"
	run_tap sb-hvcheck off "after kexec: "
	check "insmod in the kexec'd kernel (VMX is free again)" insmod "$MODULE"
	n=$(skyctl stats state | grep -c ': vmx,')
	[ "$n" = "$ncpus" ] && ok "after kexec, all $ncpus CPUs launched again" ||
		not_ok "after kexec, $n of $ncpus CPUs launched"
	run_tap sb-calltest basic 100
	check "rmmod in the kexec'd kernel" rmmod skybridge
	check_dmesg "after kexec"
	lab_done
	exit
fi

[ -f /lab/kernel ] || { not_ok "no /lab/kernel: run with tests/vm/run --with-kernel"; lab_done; }
check "insmod" insmod "$MODULE"
run_tap sb-calltest basic 100
# A small initrd for the next kernel: what its run of this script needs
# (kexec_file_load hashes kernel and initrd: at emulated speed the whole
# 40 MB initramfs took minutes, and the soft-lockup watchdog fired).
(cd / && { find init bin etc lab/lib.sh lab/skybridge.ko lab/run lab/scenarios \
	lab/bin/sb-hvcheck lab/bin/skyctl lab/bin/sb-calltest 2>/dev/null
	echo lab; echo lab/bin
	find lib lib64 usr -path lib/modules -prune -o -print 2>/dev/null; } |
	sort -u | cpio -o -H newc >/tmp/initrd.cpio 2>/dev/null)
echo "# initrd for the next kernel: $(wc -c </tmp/initrd.cpio) bytes"
# Hashing ~25 MB in the emulator takes tens of seconds in one system call.
echo 60 >/proc/sys/kernel/watchdog_thresh
echo "# kexec with the module loaded"
sb-kexec /lab/kernel /tmp/initrd.cpio "$(cat /proc/cmdline) lab.kexec=$ncpus"
not_ok "sb-kexec returned: $?"
lab_done
