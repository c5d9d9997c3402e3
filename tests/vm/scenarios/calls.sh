#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# calls: direct server calls through the trampoline (sb-calltest), on every
# CPU in turn; dmesg checked after each.
. /lab/lib.sh
ncpus=$(grep -c ^processor /proc/cpuinfo)

module_loaded || check "insmod" insmod "$MODULE"
for c in $(seq 0 $((ncpus - 1))); do
	run_tap taskset -c "$c" sb-calltest basic 1000000
	check_dmesg "calls on cpu $c"
done
