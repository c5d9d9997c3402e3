#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# views: EPT views and kernel-entry interception, driven by raw VMFUNC from a
# test program (sb-viewtest) through the test-only view interface
# (test_hooks=1).  On every CPU in turn; dmesg checked after each.
. /lab/lib.sh
D=/sys/kernel/debug/skybridge
ncpus=$(grep -c ^processor /proc/cpuinfo)

check "insmod test_hooks=1" insmod "$MODULE" test_hooks=1
for c in $(seq 0 $((ncpus - 1))); do
	run_tap taskset -c "$c" sb-viewtest "cpu $c: "
	check_dmesg "views on cpu $c"
	run_tap taskset -c "$c" sb-resumetest "cpu $c: "
	check_dmesg "resume on cpu $c"
done
echo "# exits after the view tests:"
sed 's/^/#   /' $D/exits
grep -q 'VIEW_TRAP_KERNEL_ENTRY [1-9]' $D/exits && ok "kernel entries in a view were trapped and counted" ||
	not_ok "no kernel-entry traps counted"
grep -q 'CONT_RESUMED [1-9]' $D/exits && ok "continuations were saved and resumed" ||
	not_ok "no continuation resumed"
check "rmmod" rmmod skybridge
check_dmesg "views: after rmmod"
lab_done
