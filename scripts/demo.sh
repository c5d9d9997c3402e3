#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# demo.sh - the main job ("make demo" = "make vm-bench"): boot the emulated
# Intel machine with one vCPU, late-launch the RootKernel in it, and run the
# IPC benchmark suite there.  Figures are emulated-instruction path lengths.
#
# The demo always uses the lab, even on a host with VT-x; late-launching
# under your own kernel is a separate, explicit step (README: "On real
# hardware").  The table shows the skybridge direct call (through the
# library, and the bare trampoline) next to the kernel's IPC mechanisms, all
# under the RootKernel.
#
# Usage: scripts/demo.sh [--quick] [SKYBENCH OPTIONS]
#   --quick   fewer samples and no kvbench mixes beyond one short one: a few
#             minutes instead of about ten, for smoke tests (make demo QUICK=1)
set -eu
src=$(cd "$(dirname "$0")/.." && pwd)
how="skybench"
[ "${1-}" != --quick ] || how="a short skybench (--quick)"
echo "skybridge demo: booting the emulated machine (1 vCPU) and running $how" \
     "under the RootKernel; figures are emulated instructions, not cycles."
exec "$src/tests/vm/run" --cpus 1 --timeout 1800 --name demo \
	"$src/tests/vm/scenarios/bench.sh" "$@"
