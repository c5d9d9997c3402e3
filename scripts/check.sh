#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# check.sh - what "make check" runs: the host tests, then the in-guest suite
# (1 and 2 vCPUs, see tests/vm/suite.conf), and one overall
# "N passed, N failed" line.  Exits non-zero on any failure.
set -u
src=$(cd "$(dirname "$0")/.." && pwd)
log=$src/build/check
mkdir -p "$log"

counts() {
	# The "<suite>: N passed, N failed" line of a log, as "N N"; "0 1" if
	# the suite never printed one (it died: count that as a failure).
	sed -n 's/^[a-z]*: \([0-9]*\) passed, \([0-9]*\) failed$/\1 \2/p' "$1" |
		tail -n1 | grep . || echo "0 1"
}

start=$(date +%s)
echo "== host tests (tests/host/run)"
"$src/tests/host/run" 2>&1 | tee "$log/host.log"
echo "== in-guest suite (tests/vm/suite; logs in build/vm/)"
"$src/tests/vm/suite" 2>&1 | tee "$log/vm.log"

set -- $(counts "$log/host.log") $(counts "$log/vm.log")
passed=$(($1 + $3))
failed=$(($2 + $4))
echo "== make check took $(($(date +%s) - start))s"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
