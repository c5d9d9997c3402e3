#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# load-cycles: N insmod/rmmod cycles (default 40) beside a process that
# keeps switching its LDT, the stress for a load or unload that hangs a
# 2-vCPU guest.  Not in the suite; run it on its own:
#   tests/vm/run --cpus 2 --add tests/vm/scenarios:/lab/scenarios \
#       tests/vm/scenarios/load-cycles.sh 40
. /lab/lib.sh
n=${1:-40}
ncpus=$(grep -c ^processor /proc/cpuinfo)
taskset -c $((ncpus - 1)) sb-desctest ldt 600 "ldt: " >/tmp/ldt.out 2>&1 &
ldt=$!
for i in $(seq 1 "$n"); do
	echo "# cycle $i"
	insmod "$MODULE" || not_ok "cycle $i: insmod"
	rmmod skybridge || not_ok "cycle $i: rmmod"
done
kill $ldt 2>/dev/null
check_dmesg "$n load/unload cycles"
lab_done
