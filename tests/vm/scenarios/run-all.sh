#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# run-all: the in-guest side of tests/vm/suite.  Runs each named scenario from
# /lab/scenarios in turn, in one boot, and prints its TAP lines.  A scenario
# that exits non-zero without printing a "not ok" line gets one here, so every
# failure is counted exactly once.  Exits non-zero if anything failed.
#
# Usage (guest): run-all.sh SCENARIO...   (a SCENARIO may carry arguments:
#                                           "fuzz.sh 2000000")
failed=0
for s in "$@"; do
	echo "# scenario $s"
	t0=$(cut -d. -f1 /proc/uptime)
	log=/tmp/scenario.$$.log
	# shellcheck disable=SC2086
	{ sh /lab/scenarios/$s 2>&1; echo $? >"$log.rc"; } | tee "$log"
	rc=$(cat "$log.rc")
	echo "# scenario $s took $(($(cut -d. -f1 /proc/uptime) - t0)) s of guest time"
	n=$(grep '^not ok' "$log" | grep -vc '# TODO')
	if [ "$rc" -ne 0 ] && [ "$n" -eq 0 ]; then
		echo "not ok - $s: exited $rc without reporting a failed check"
		n=1
	fi
	[ "$n" -eq 0 ] || failed=1
	rm -f "$log" "$log.rc"
done
exit $failed
