#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# bench: the benchmark suite in the emulated machine, with the RootKernel
# running (make vm-bench / make demo).  Run it with --cpus 1: in a one-vCPU
# guest RDTSC advances once per emulated instruction, so every figure is an
# instruction path length, the direct call included.
#
# Usage (guest): bench.sh [--quick] [SKYBENCH OPTIONS]   (then kvbench)
#   --quick: 1,000 samples per case and a short kvbench, for smoke tests
. /lab/lib.sh
kv_args="-n 2000 -r 500"
if [ "${1-}" = --quick ]; then
	shift
	set -- -n 1000 -w 100 "$@"
	kv_args="-n 200 -r 100"
fi
check "insmod (RootKernel under the benchmark)" insmod "$MODULE"
echo "# RootKernel state: $(skyctl stats state | tr '\n' ' ')"
skybench --guest --no-throughput --placement same --csv /tmp/skybench.csv "$@"
rc=$?
[ $rc -eq 0 ] && ok "skybench ran" || not_ok "skybench exited $rc"
echo "# CSV:"
sed 's/^/# csv: /' /tmp/skybench.csv
# The key-value macro benchmark: the same server over skybridge (its fast
# path, handoffs for the handler's malloc) and a UNIX socket.
# shellcheck disable=SC2086
kvbench --guest $kv_args
rc=$?
[ $rc -eq 0 ] && ok "kvbench ran" || not_ok "kvbench exited $rc"
echo "# exits during the benchmarks:"
skyctl stats exits | sed 's/^/#   /'
check "rmmod" rmmod skybridge
check_dmesg "bench"
lab_done
