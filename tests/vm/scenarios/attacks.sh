#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# attacks: direct calls played by an attacker (sb-attack): keys, jumps to
# the trampoline's VMFUNC sites, malicious handlers with and without client
# signals, VMFUNC from an unregistered process and from a client's or a
# server's own code; then the exec-memory lockdown (sb-lockdown).  The
# victim is checked after each; dmesg after each.
. /lab/lib.sh

module_loaded || check "insmod" insmod "$MODULE"
for a in keys sites server signals unregistered raw-client raw-server; do
	echo "# sb-attack $a"
	run_tap timeout 120 sb-attack "$a"
	check_dmesg "attack $a"
done
echo "# sb-lockdown"
run_tap timeout 600 sb-lockdown
check_dmesg "lockdown"
sed 's/^/# lockdown: /' /sys/kernel/debug/skybridge/lockdown
check "lockdown: no process is left locked" \
	grep -qx "locked 0" /sys/kernel/debug/skybridge/lockdown
dmesg | grep -i skybridge | tail -n 20 | sed 's/^/# dmesg: /'
lab_done
