#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# calls: direct server calls through the trampoline (sb-calltest): the basic
# checks on every CPU in turn, then threads, long calls, signals,
# migration, faulting handlers, fork and SCM_RIGHTS; dmesg checked after
# each.  Last, rmmod is refused while a server and a client exist.
. /lab/lib.sh
ncpus=$(grep -c ^processor /proc/cpuinfo)

module_loaded || check "insmod" insmod "$MODULE"
for c in $(seq 0 $((ncpus - 1))); do
	run_tap taskset -c "$c" sb-calltest basic 1000000
	check_dmesg "calls on cpu $c"
done
for t in threads long signals migrate faults fork scm; do
	run_tap sb-calltest "$t"
	check_dmesg "calls: $t"
done
