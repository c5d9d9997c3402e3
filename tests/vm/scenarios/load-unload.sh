#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# load-unload: insmod, /dev/skybridge exists with mode 0666 and refuses
# unknown ioctls with ENOTTY, rmmod removes it; ten times, dmesg clean after
# every cycle.  In the first cycle, SB_IOC_SYSSTATS (sb-sysstats): it agrees
# with debugfs, refuses bad input, and keeps the server list from other
# users.
#
# Usage (host): tests/vm/run [--cpus N] tests/vm/scenarios/load-unload.sh [CYCLES]
. /lab/lib.sh

cycles=${1:-10}

for i in $(seq 1 "$cycles"); do
	check "cycle $i: insmod" insmod "$MODULE"
	if module_loaded; then
		ok "cycle $i: module listed in /proc/modules"
	else
		not_ok "cycle $i: module not in /proc/modules after insmod"
	fi
	run_tap sb-devcheck "cycle $i: "
	[ "$i" != 1 ] || run_tap timeout 600 sb-sysstats all "cycle $i: sysstats: "
	check "cycle $i: rmmod" rmmod skybridge
	if module_loaded; then
		not_ok "cycle $i: module still listed after rmmod"
	else
		ok "cycle $i: module gone after rmmod"
	fi
	if [ -e /dev/skybridge ]; then
		not_ok "cycle $i: /dev/skybridge still exists after rmmod"
	else
		ok "cycle $i: /dev/skybridge removed by rmmod"
	fi
	check_dmesg "cycle $i"
done

lab_done
