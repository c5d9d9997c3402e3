#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# views: EPT views and kernel-entry interception, driven by raw VMFUNC from a
# test program (sb-viewtest) through the test-only view interface of the
# module's test build ($TEST_MODULE).  On every CPU in turn; dmesg checked
# after each.
. /lab/lib.sh
# debugfs for the test build's test_view hook; the counts from skyctl
# stats (SB_IOC_SYSSTATS).
D=/sys/kernel/debug/skybridge
ncpus=$(grep -c ^processor /proc/cpuinfo)

check "insmod (test build)" insmod "$TEST_MODULE"
for c in $(seq 0 $((ncpus - 1))); do
	run_tap taskset -c "$c" sb-viewtest "cpu $c: "
	check_dmesg "views on cpu $c"
	run_tap taskset -c "$c" sb-resumetest "cpu $c: "
	check_dmesg "resume on cpu $c"
done
# Interrupts, NMIs and TLB-shootdown IPIs arriving on a CPU whose thread
# keeps entering a view.  The NMIs come from sysrq "l" written on cpu 0;
# their backtraces must name the spinning thread on cpu 1.
if [ "$ncpus" -ge 2 ]; then
	taskset -c 1 sb-viewtest --spin 8 --ipi >/tmp/spin.out 2>&1 &
	spin=$!
	sleep 2
	before=$(dmesg | grep -A2 'NMI backtrace for cpu 1' | grep -c 'Comm: sb-viewtest')
	for i in 1 2 3 4; do taskset -c 0 sh -c 'echo l >/proc/sysrq-trigger'; sleep 1; done
	if wait $spin; then ok "a thread in a view on cpu 1 survives interrupts, NMIs and shootdown IPIs: $(cat /tmp/spin.out)"; else
		not_ok "spinning in a view under interrupts, NMIs and IPIs: $(cat /tmp/spin.out)"; fi
	after=$(dmesg | grep -A2 'NMI backtrace for cpu 1' | grep -c 'Comm: sb-viewtest')
	[ $((after - before)) -ge 3 ] && ok "$((after - before)) of 4 NMIs reached cpu 1 while its thread kept entering a view" ||
		not_ok "only $((after - before)) of 4 NMIs reached the thread on cpu 1"
	check_dmesg "interrupts, NMIs and IPIs in a view"
else
	if sb-viewtest --spin 3 >/tmp/spin.out 2>&1; then ok "a thread spinning in a view for 3 s: $(cat /tmp/spin.out)"; else
		not_ok "spinning in a view: $(cat /tmp/spin.out)"; fi
fi

# Kernel entry points changed while a view exists (hv/guard.c).  On each
# CPU, the module moves one entry point at a time to a fresh page for a
# moment (interrupts off) and fails unless that page became non-executable
# in the live view 300 before the change was undone.
if echo "create 300 0 0" >$D/test_view; then
	for c in $(seq 0 $((ncpus - 1))); do
		for how in lstar sysenter lidt idt-write; do
			if taskset -c "$c" sh -c "echo 'entry $how 300' >$D/test_view" 2>/tmp/entry.err; then
				ok "cpu $c: entry point moved by $how: its new page is not executable in a live view"
			else
				not_ok "cpu $c: entry point moved by $how: $(cat /tmp/entry.err) $(dmesg | grep 'test entry' | tail -1)"
			fi
		done
	done
	check "destroy view 300" sh -c "echo 'destroy 300' >$D/test_view"
else
	not_ok "create view 300 for the entry-point tests"
fi
check_dmesg "entry points changed while a view exists"
# Views work as before once the entry points are back.
run_tap taskset -c 0 sb-viewtest "after the entry-point changes: "
# Per CPU: 2 MSRs set and restored, 2 IDTs loaded and restored, one write
# to a loaded IDT refused, 3 new entry pages, and at least the 4 LIDTs and
# the 2 SIDTs carried out by the RootKernel.
for kn in ENTRY_MSR_WRITE:4 ENTRY_IDT_LOAD:4 ENTRY_IDT_WRITE_REFUSED:1 \
	  ENTRY_PAGE_ADDED:3 DESC_EMULATED:6; do
	k=${kn%:*}
	min=$((${kn#*:} * ncpus))
	n=$(skyctl stats exits | grep " $k " | awk '{s += $NF} END {print s + 0}')
	[ "$n" -ge "$min" ] && ok "$k counted $n times (at least $min)" ||
		not_ok "$k counted $n times, expected at least $min"
done

echo "# exits after the view tests:"
skyctl stats exits >/tmp/exits
sed 's/^/#   /' /tmp/exits
grep -q 'VIEW_TRAP_KERNEL_ENTRY [1-9]' /tmp/exits && ok "kernel entries in a view were trapped and counted" ||
	not_ok "no kernel-entry traps counted"
grep -q 'CONT_RESUMED [1-9]' /tmp/exits && ok "continuations were saved and resumed" ||
	not_ok "no continuation resumed"
check "rmmod" rmmod skybridge
check_dmesg "views: after rmmod"
lab_done
