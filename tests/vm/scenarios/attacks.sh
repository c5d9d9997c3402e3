#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# attacks: direct calls played by an attacker (sb-attack): keys, jumps to
# the trampoline's VMFUNC sites, malicious handlers with and without client
# signals, VMFUNC from an unregistered process and from a client's or a
# server's own code; the boundary contract (sb-boundary: flags, control
# words, segment bases, the client memory the RootKernel reads); then the
# exec-memory lockdown (sb-lockdown).  The victim is checked after each;
# dmesg after each.
#
# Sub-tests (scenarios/run-one.sh attacks.sh SUBTEST): each sb-attack
# subcommand below, boundary-SUB for each sb-boundary subcommand, and
# lockdown (sb-lockdown).  The check that no process is left locked runs
# after each.
. /lab/lib.sh
# One literal line: run-one.sh and the host tests read it as text.
subtests keys sites server signals unregistered raw-client raw-server boundary-df boundary-ac boundary-fpctl boundary-gsbase boundary-frame boundary-canonical lockdown

module_loaded || check "insmod" insmod "$MODULE"
for a in keys sites server signals unregistered raw-client raw-server; do
	subtest "$a" || continue
	echo "# sb-attack $a"
	# shellcheck disable=SC2086
	run_tap timeout 120 sb-attack "$a" ${LAB_SUBTEST_ARGS-}
	check_dmesg "attack $a"
done
for b in df ac fpctl gsbase frame canonical; do
	subtest "boundary-$b" || continue
	echo "# sb-boundary $b"
	run_tap timeout 120 sb-boundary "$b"
	check_dmesg "boundary $b"
done
if subtest lockdown; then
	echo "# sb-lockdown"
	# shellcheck disable=SC2086
	run_tap timeout 600 sb-lockdown ${LAB_SUBTEST_ARGS-}
	check_dmesg "lockdown"
fi
skyctl stats lockdown | sed 's/^/# lockdown: /'
check "lockdown: no process is left locked" \
	sh -c 'skyctl stats lockdown | grep -qx "locked 0"'
dmesg | grep -i skybridge | tail -n 20 | sed 's/^/# dmesg: /'
lab_done
