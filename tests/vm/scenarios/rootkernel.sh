#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# rootkernel: skyctl check (the preflight) before and after, late launch on
# every CPU, what guest code can and cannot see, a workload under the
# hypervisor, no exits on hot paths, hidden RootKernel memory, a second
# hypervisor refused, CPU hotplug, NMIs, VM entries the CPU refuses at
# launch, and 20 load/unload cycles.  dmesg is checked after every step.
# The production module ($MODULE) throughout, but for the checks that need
# the test build's hooks ($TEST_MODULE): the hidden-memory probe, the
# launch rollback and the broken VMCS fields.
#
# Usage (guest): rootkernel.sh [WORKLOAD_SCALE]
. /lab/lib.sh
# The module's figures come from skyctl stats (SB_IOC_SYSSTATS); debugfs
# only for the test build's hooks (and that the production module has none).
D=/sys/kernel/debug/skybridge
scale=${1:-1}
ncpus=$(grep -c ^processor /proc/cpuinfo)
echo 1 >/proc/sys/kernel/sysrq

# The guest kernel's own KVM, a competing user of VMX: kvm_intel_load
# fails with the reason in /tmp/kvm.err; kvm_unload takes all of it out.
K=/lib/modules/$(uname -r)/kernel
kvm_intel_load() {
	insmod $K/virt/lib/irqbypass.ko 2>/dev/null
	insmod $K/arch/x86/kvm/kvm.ko 2>/dev/null
	insmod $K/arch/x86/kvm/kvm-intel.ko 2>/tmp/kvm.err
}
kvm_unload() {
	rmmod kvm_intel 2>/dev/null
	rmmod kvm 2>/dev/null
	rmmod irqbypass 2>/dev/null
}

run_tap sb-hvcheck off "before insmod: "
for c in $(seq 0 $((ncpus - 1))); do
	taskset -c "$c" sb-desctest dump >/tmp/desc.native.$c
done
check_dmesg "before insmod"

# Baseline path length of the workload without the RootKernel: only
# meaningful with one vCPU (RDTSC = instruction count), so only run there.
base=n/a
if [ "$ncpus" = 1 ]; then
	base=$(sb-workload -n "$scale" "native: " | tee /dev/stderr | sed -n 's/^# workload: \([0-9]*\).*/\1/p')
	echo "# measure: native $(sb-workload -c)"
fi

# skyctl check, the preflight, before any insmod: another user cannot read
# MSRs and is told so (exit 2); root gets the msr module loaded for it and
# a ready box; with kvm_intel holding VMX (6.12 does from load) it fails
# the box, and the module then refuses too: the two agree.
rmmod msr 2>/dev/null
su -s /bin/sh nobody -c '/lab/bin/skyctl check' >/tmp/pf.out 2>&1
rc=$?
if [ $rc = 2 ] && grep -q '^SKIP  MSR access: .*run skyctl check as root' /tmp/pf.out &&
   grep -q '^verdict: could not tell' /tmp/pf.out && ! grep -q '^FAIL' /tmp/pf.out; then
	ok "skyctl check as nobody: could not tell (exit 2), asks for root"
else
	not_ok "skyctl check as nobody: exit $rc: $(tr '\n' '|' </tmp/pf.out)"
fi
skyctl check >/tmp/pf.out 2>&1
rc=$?
if [ $rc = 0 ] && grep -q '^verdict: ready' /tmp/pf.out && ! grep -Eq '^(FAIL|SKIP)' /tmp/pf.out &&
   grep -q '^PASS  MSR access: /dev/cpu/N/msr (loaded the msr module)' /tmp/pf.out &&
   grep -q '^PASS  VMX function "VM function EPTP switching"' /tmp/pf.out &&
   grep -q "^PASS  same VMX on every CPU: $ncpus online CPU" /tmp/pf.out; then
	ok "skyctl check as root: ready (exit 0), msr loaded, $(grep -c '^PASS  VMX ' /tmp/pf.out) VMX requirements pass, CPUs: $ncpus"
else
	not_ok "skyctl check as root: exit $rc: $(grep -Ev '^PASS' /tmp/pf.out | tr '\n' '|')"
fi
if kvm_intel_load; then
	skyctl check >/tmp/pf.out 2>&1
	rc=$?
	if [ "$(cat /sys/module/kvm/parameters/enable_virt_at_load 2>/dev/null)" = Y ]; then
		if [ $rc = 1 ] && grep -q '^FAIL  other hypervisors: kvm_intel is loaded and holds VMX' /tmp/pf.out; then
			ok "skyctl check with kvm_intel holding VMX: not ready (exit 1), says why"
		else
			not_ok "skyctl check with kvm_intel holding VMX: exit $rc: $(grep -v '^PASS' /tmp/pf.out | tr '\n' '|')"
		fi
		if insmod "$MODULE" 2>/tmp/sb.err; then
			not_ok "the module loaded while kvm_intel holds VMX"
			rmmod skybridge
		else
			ok "the module agrees: refused while kvm_intel holds VMX: $(dmesg | grep -m1 -o 'CPU [0-9]*: VMXON failed.*')"
		fi
		module_loaded && not_ok "skybridge left loaded after the refusal"
	elif [ $rc = 0 ] && grep -q '^WARN  other hypervisors: kvm_intel is loaded' /tmp/pf.out; then
		ok "skyctl check with kvm_intel loaded (VMX taken per guest): ready, warns"
	else
		not_ok "skyctl check with kvm_intel loaded: exit $rc: $(grep -v '^PASS' /tmp/pf.out | tr '\n' '|')"
	fi
else
	not_ok "kvm_intel does not load natively: $(cat /tmp/kvm.err)"
fi
kvm_unload
check_dmesg "after skyctl check"

check "insmod" insmod "$MODULE"
n=$(skyctl stats state | grep -c ': vmx,')
if [ "$n" = "$ncpus" ]; then ok "all $ncpus CPUs run under the RootKernel"; else
	not_ok "only $n of $ncpus CPUs under the RootKernel: $(skyctl stats state 2>&1 | tr '\n' ' ')"; fi
v=$(skyctl stats version 2>&1)
[ "$v" = 0.1 ] && ok "RootKernel version is 0.1" || not_ok "RootKernel version: $v"
for c in $(seq 0 $((ncpus - 1))); do
	run_tap taskset -c "$c" sb-hvcheck on "cpu $c: "
	# SGDT, SIDT, SLDT, STR exit now and the RootKernel carries them out.
	taskset -c "$c" sb-desctest dump >/tmp/desc.vmx.$c
	if cmp -s /tmp/desc.native.$c /tmp/desc.vmx.$c; then
		ok "cpu $c: SGDT, SIDT, SLDT and STR store what they store natively: $(tr '\n' ' ' </tmp/desc.vmx.$c)"
	else
		not_ok "cpu $c: SGDT/SIDT/SLDT/STR differ: native $(tr '\n' ' ' </tmp/desc.native.$c), now $(tr '\n' ' ' </tmp/desc.vmx.$c)"
	fi
	run_tap taskset -c "$c" sb-desctest faults "cpu $c: "
	run_tap taskset -c "$c" sb-desctest ldt 2 "cpu $c, module loaded: "
done
skyctl stats exits | grep -q 'DESC_EMULATED [1-9]' && ok "descriptor-table instructions were emulated and counted" ||
	not_ok "no descriptor-table instruction counted"
skyctl check >/tmp/pf.out 2>&1
rc=$?
[ $rc = 0 ] && grep -q '^PASS  skybridge: the RootKernel 0.1 is running' /tmp/pf.out &&
	grep -q '^verdict: ready: skybridge is running' /tmp/pf.out &&
	ok "skyctl check under the RootKernel: says it runs, ready" ||
	not_ok "skyctl check under the RootKernel: exit $rc: $(grep -v '^PASS' /tmp/pf.out | tr '\n' '|')"
check_dmesg "after the guest-visible checks"

echo "# state: $(skyctl stats state | tr '\n' ' ')"
[ "$ncpus" = 1 ] && echo "# measure: under RootKernel $(sb-workload -c)"
before=$(skyctl stats exits | sed -n 's/^cpu 0: total \([0-9]*\)$/\1/p')
under=$(sb-workload -n "$scale" "under RootKernel: " | tee /dev/stderr | sed -n 's/^# workload: \([0-9]*\).*/\1/p')
case $under in *[!0-9]*|'') not_ok "workload under the RootKernel did not report" ;; esac
echo "# exits during the workload (all CPUs, by reason):"
skyctl stats exits >/tmp/exits
sed 's/^/#   /' /tmp/exits
after=$(sed -n 's/^cpu 0: total \([0-9]*\)$/\1/p' /tmp/exits)
echo "# measure: workload native ${base} ticks, under RootKernel ${under} ticks, cpu0 exits $((after - before))"
if ! grep -q '^cpu 0: total [0-9]' /tmp/exits; then
	not_ok "no exit counts from skyctl stats exits"
elif grep -Eq ': (EXCEPTION_NMI|EXTERNAL_INTERRUPT|HLT|IO_INSTRUCTION|RDTSC|RDTSCP|CR_ACCESS|MSR_READ|MSR_WRITE|INVLPG|PAUSE_INSTRUCTION|MWAIT_INSTRUCTION) [1-9]' /tmp/exits; then
	not_ok "exits on hot paths: $(grep -E ': (EXCEPTION_NMI|EXTERNAL_INTERRUPT|HLT|IO_INSTRUCTION|RDTSC|RDTSCP|CR_ACCESS|MSR_READ|MSR_WRITE|INVLPG) ' /tmp/exits | tr '\n' ' ')"
else
	ok "no exits for interrupts, HLT, I/O, RDTSC, CR3, MSRs or exceptions"
fi
check_dmesg "after the workload"

# A second hypervisor is refused cleanly.
if insmod /lab/skybridge_twin.ko 2>/tmp/twin.err; then
	not_ok "a second copy of the module loaded"
	rmmod skybridge_twin
else
	ok "a second copy of the module is refused: $(cat /tmp/twin.err)"
fi
dmesg | grep -q 'RootKernel is already running' && ok "the refusal names the running RootKernel" ||
	not_ok "no clear reason for refusing the second copy"
if kvm_intel_load; then
	not_ok "kvm_intel loaded under the RootKernel"
else
	ok "kvm_intel is refused: $(cat /tmp/kvm.err)"
fi
dmesg | grep -Eiq 'kvm.*(no hardware support|VMX not supported|disabled by bios)' &&
	ok "kvm_intel says why: $(dmesg | grep -Ei 'kvm.*(no hardware support|not supported|disabled)' | tail -n1)" ||
	not_ok "kvm_intel gave no clear reason"
kvm_unload
run_tap sb-hvcheck on "after the second-hypervisor attempts: "
check_dmesg "after the second-hypervisor attempts"

# CPU hotplug: offline devirtualizes the CPU, online launches it again.
if [ "$ncpus" -ge 2 ]; then
	check "cpu1 offline" sh -c 'echo 0 > /sys/devices/system/cpu/cpu1/online'
	skyctl stats state >/tmp/state
	if [ ! -s /tmp/state ]; then not_ok "skyctl stats state after offline: nothing"
	elif grep -q '^cpu 1:' /tmp/state; then not_ok "cpu1 still listed after offline"
	else ok "cpu1 is offline"; fi
	check "cpu1 online" sh -c 'echo 1 > /sys/devices/system/cpu/cpu1/online'
	skyctl stats state | grep -q '^cpu 1: vmx' && ok "cpu1 relaunched under the RootKernel on online" ||
		not_ok "cpu1 after online: $(skyctl stats state 2>&1 | grep '^cpu 1')"
	run_tap taskset -c 1 sb-hvcheck on "cpu 1 after hotplug: "
	check_dmesg "after CPU hotplug"
fi

# NMIs go straight to the guest: an all-CPU NMI backtrace must work.
echo l >/proc/sysrq-trigger
sleep 1
if [ "$ncpus" -ge 2 ]; then
	dmesg | grep -q 'NMI backtrace for cpu 1' && ok "NMI delivered to cpu 1 under the RootKernel" ||
		not_ok "no NMI backtrace from cpu 1"
fi
check_dmesg "after the NMI backtrace"

check "rmmod" rmmod skybridge
run_tap sb-hvcheck off "after rmmod: "

# The production module has none of the test build's hooks.
check "insmod (production, for its debugfs files)" insmod "$MODULE"
for f in test_view probe_hidden; do
	[ -e $D/$f ] && not_ok "the production module has the test hook $f" ||
		ok "the production module has no $f"
done
check "rmmod" rmmod skybridge

# The test build: the guest kernel cannot read RootKernel memory; the
# RootKernel says so.
check "insmod (test build)" insmod "$TEST_MODULE"
r=$(cat $D/probe_hidden)
if [ "$r" = "-14" ]; then ok "guest kernel read of RootKernel memory faults (-EFAULT)"; else
	not_ok "guest kernel read of RootKernel memory returned '$r'"; fi
if dmesg | grep -q 'guest read of RootKernel GPA'; then ok "RootKernel logged the EPT violation with the GPA"; else
	not_ok "no EPT-violation report in dmesg"; fi
skyctl stats exits | grep -q 'HIDDEN_MEMORY_VIOLATION [1-9]' && ok "hidden-memory violation counted" ||
	not_ok "hidden-memory violation not counted"
check_dmesg "after the hidden-memory probe"

# An NMI in host context runs Linux's NMI handler on the host's CR3 (PTI's
# paranoid entry leaves a CR3 with bit 12 clear alone: the host's table is
# the even page of its pair).  With the table on the odd page the same NMI
# triple-faults the machine (test_host_cr3_odd=1: not run here).
for c in $(seq 0 $((ncpus - 1))); do
	r=$(taskset -c "$c" cat $D/nmi_host 2>&1)
	host=$(echo "$r" | sed -n 's/^host_cr3 \(0x[0-9a-f]*\) .*/\1/p')
	seen=$(echo "$r" | sed -n 's/.* nmi_cr3 \(0x[0-9a-f]*\) .*/\1/p')
	if [ -n "$host" ] && [ "$host" = "$seen" ] && [ $((host & 0x1000)) = 0 ]; then
		ok "cpu $c: an NMI in host context ran on the host's CR3 ($host, bit 12 clear)"
	else
		not_ok "cpu $c: NMI in host context: '$r'"
	fi
done
check_dmesg "after NMIs in host context"

# An NMI the RootKernel holds for the guest (its NMI window not open yet)
# when the CPU is devirtualized goes to Linux natively, not lost: hold one
# on the last CPU, take that CPU offline, and the test handler must see it.
if [ "$ncpus" -ge 2 ]; then
	last=$((ncpus - 1))
	n0=$(sed -n 's/^nmis //p' $D/nmi_held)
	if echo "$last" >$D/nmi_held; then
		echo 0 >/sys/devices/system/cpu/cpu$last/online
		n1=$(sed -n 's/^nmis //p' $D/nmi_held)
		echo 1 >/sys/devices/system/cpu/cpu$last/online
		[ -n "$n0" ] && [ "$n1" = $((n0 + 1)) ] &&
			ok "an NMI held for cpu $last reached Linux when the cpu went offline" ||
			not_ok "an NMI held for cpu $last: NMIs seen $n0 before, $n1 after the offline"
		skyctl stats state | grep -q "^cpu $last: vmx" || not_ok "cpu $last not relaunched after online"
	else
		not_ok "could not hold an NMI for cpu $last"
	fi
	check_dmesg "after an NMI held across devirtualization"
fi

check "rmmod (test build)" rmmod skybridge

# A VM entry the CPU refuses: the test build breaks one VMCS field before
# each VMLAUNCH (test_launch_corrupt, hv/test/testlaunch.c).  1-4 fail the
# guest-state checks after the host state is loaded (exit reason 33 with
# bit 31: the exit entry must undo the launch, not VMRESUME a VMCS that
# never ran); 5 fails VMLAUNCH itself.  insmod fails naming it, every CPU
# is native and works, nothing stays loaded.
for n in 1 2 3 4 5; do
	case $n in
	1) what="guest RFLAGS bit 1 clear" want='VM entry failed: exit reason 0x80000021, qualification 0x0' ;;
	2) what="guest activity state 4" want='VM entry failed: exit reason 0x80000021, qualification 0x0' ;;
	3) what="guest CR0.PE clear" want='VM entry failed: exit reason 0x80000021, qualification 0x0' ;;
	4) what="VMCS link pointer 0" want='VM entry failed: exit reason 0x80000021, qualification 0x4' ;;
	5) what="host RIP not canonical" want='VMLAUNCH failed: VM-instruction error 8' ;;
	esac
	before=$(dmesg | grep -c "$want")
	check_fails "insmod fails with $what" insmod "$TEST_MODULE" test_launch_corrupt=$n
	after=$(dmesg | grep -c "$want")
	[ "$after" -gt "$before" ] && ok "$what: the log says '$want'" ||
		not_ok "$what: no '$want' in the log: $(dmesg | grep skybridge | tail -n 3 | tr '\n' '|')"
	module_loaded && { not_ok "$what: module left loaded"; rmmod skybridge; }
	for c in $(seq 0 $((ncpus - 1))); do
		run_tap taskset -c "$c" sb-hvcheck off "$what, cpu $c: "
	done
	check_dmesg "after a launch with $what"
done

# A CPU that fails to launch rolls every CPU back and fails insmod.
if [ "$ncpus" -ge 2 ]; then
	last=$((ncpus - 1))
	check_fails "insmod fails when cpu $last cannot launch" insmod "$TEST_MODULE" test_fail_launch_cpu=$last
	module_loaded && not_ok "module loaded despite the failed launch" || ok "module not loaded after the failed launch"
	for c in $(seq 0 $last); do
		run_tap taskset -c "$c" sb-hvcheck off "after the rollback, cpu $c: "
	done
	dmesg | grep -q "CPU $last: launch refused" && ok "the failed launch is logged with the CPU" ||
		not_ok "no log line for the failed launch"
	check_dmesg "after the launch rollback"
fi
check_dmesg "after rmmod"

# A process with an LDT keeps it usable through the cycles: it is switched
# away and back (LLDT, emulated while the module is loaded) and the CPUs
# are devirtualized under it (an exit leaves LDTR unusable).
taskset -c $((ncpus - 1)) sb-desctest ldt 30 "during 20 load/unload cycles: " >/tmp/ldt.out 2>&1 &
ldt=$!
sleep 1
for i in $(seq 1 20); do
	insmod "$MODULE" || not_ok "cycle $i: insmod failed"
	n=$(skyctl stats state 2>/dev/null | grep -c ': vmx,')
	[ "$n" = "$ncpus" ] || not_ok "cycle $i: $n of $ncpus CPUs launched"
	rmmod skybridge || not_ok "cycle $i: rmmod failed"
	[ -z "$(dmesg_bad_lines)" ] || not_ok "cycle $i: dmesg has $(dmesg_bad_lines | head -n1)"
done
ok "20 load/unload cycles"
wait $ldt
run_tap cat /tmp/ldt.out
run_tap sb-hvcheck off "after 20 cycles: "
check_dmesg "after 20 cycles"
lab_done
