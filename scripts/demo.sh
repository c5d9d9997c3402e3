#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# demo.sh - the main job ("make demo"): boot the emulated Intel machine, load
# skybridge.ko in it and run the showcase there.
#
# The benchmark suite (bench/) does not exist yet: until it does, the demo runs
# the load/unload scenario and says so.  The demo always uses the lab, even on
# a host with VT-x; late-launching under your own kernel is a separate,
# explicit step (README: "On real hardware").
set -eu
src=$(cd "$(dirname "$0")/.." && pwd)
echo "skybridge demo: no benchmark suite yet (bench/ is empty);" \
     "running the load/unload scenario in the emulated machine instead."
exec "$src/tests/vm/run" --cpus 1 "$src/tests/vm/scenarios/load-unload.sh"
