#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# bench: the benchmark suite in the emulated machine, with the RootKernel
# running (make vm-bench / make demo).  Run it with --cpus 1: in a one-vCPU
# guest RDTSC advances once per emulated instruction, so every figure is an
# instruction path length, the direct call included.
#
# Usage (guest): bench.sh [SKYBENCH OPTIONS]   (then kvbench, fixed options)
. /lab/lib.sh
check "insmod (RootKernel under the benchmark)" insmod "$MODULE"
echo "# RootKernel state: $(tr '\n' ' ' </sys/kernel/debug/skybridge/state)"
skybench --guest --no-throughput --placement same --csv /tmp/skybench.csv "$@"
rc=$?
[ $rc -eq 0 ] && ok "skybench ran" || not_ok "skybench exited $rc"
echo "# CSV:"
sed 's/^/# csv: /' /tmp/skybench.csv
# The key-value macro benchmark: the same server over skybridge (its fast
# path, handoffs for the handler's malloc) and a UNIX socket.
kvbench --guest -n 2000 -r 500
rc=$?
[ $rc -eq 0 ] && ok "kvbench ran" || not_ok "kvbench exited $rc"
echo "# exits during the benchmarks:"
sed 's/^/#   /' /sys/kernel/debug/skybridge/exits
check "rmmod" rmmod skybridge
check_dmesg "bench"
lab_done
