# SPDX-License-Identifier: GPL-2.0
#
# lib.sh - helpers for in-guest scenarios: ". /lab/lib.sh".
#
# Every check prints "ok - NAME" or "not ok - NAME: why"; the suite driver on
# the host counts those lines.  A scenario ends with "lab_done", which exits
# non-zero if any check failed.

LAB_FAILED=0
# The module users load; the lab's test build (test views and hooks:
# hv/test/, kmod/test/) only where a scenario needs those.
MODULE=/lab/skybridge.ko
TEST_MODULE=/lab/test/skybridge.ko

ok() { echo "ok - $*"; }
not_ok() { echo "not ok - $*"; LAB_FAILED=$((LAB_FAILED + 1)); }

# check NAME CMD...: run CMD, pass if it exits 0; show its output on failure.
check() {
	name=$1
	shift
	if out=$("$@" 2>&1); then
		ok "$name"
	else
		not_ok "$name: '$*' failed: $(echo "$out" | tail -n 3 | tr '\n' ' ')"
	fi
}

# check_fails NAME CMD...: pass if CMD exits non-zero.
check_fails() {
	name=$1
	shift
	if out=$("$@" 2>&1); then
		not_ok "$name: '$*' unexpectedly succeeded: $out"
	else
		ok "$name"
	fi
}

# Kernel log lines that always mean a bug: the standards' list.
# Lines the kernel printed before the lab's script started (the guest
# kernel's own boot: 6.12 warns about the emulated CPU's topology) do not
# count; /init recorded that moment's uptime in /run/lab-script-start.
dmesg_bad_lines() {
	dmesg | awk -v t0="$(cat /run/lab-script-start 2>/dev/null || echo 0)" '
		/BUG:|WARNING:|Oops|general protection|Kernel panic|kfence|KASAN|UBSAN/ {
			t = $0; sub(/^\[ */, "", t); sub(/\].*/, "", t)
			if ($0 !~ /^\[/ || t + 0 >= t0 + 0) print
		}'
}

# check_dmesg NAME: the kernel log has no oops, warning, BUG or GP fault.
check_dmesg() {
	bad=$(dmesg_bad_lines)
	if [ -z "$bad" ]; then
		ok "$1: dmesg clean"
	else
		not_ok "$1: dmesg has: $(echo "$bad" | head -n 3 | tr '\n' ' ')"
	fi
}

# Run a TAP-printing program: its "not ok" lines count as failures here.
run_tap() {
	out=$("$@" 2>&1)
	rc=$?
	echo "$out"
	n=$(echo "$out" | grep '^not ok' | grep -vc '# TODO')
	LAB_FAILED=$((LAB_FAILED + n))
	if [ "$rc" -ne 0 ] && [ "$n" -eq 0 ]; then
		not_ok "$*: exited $rc without reporting a failure"
	fi
}

module_loaded() { grep -q '^skybridge ' /proc/modules; }

# Sub-tests, for scenarios/run-one.sh SCENARIO SUBTEST [ARGS], which runs
# the scenario with LAB_SUBTEST=SUBTEST and LAB_SUBTEST_ARGS=ARGS.  A
# scenario that has them names them all on one line near its top,
# "subtests NAME...", and wraps each in "subtest NAME"; whatever is not
# wrapped (insmod, checks of what is left afterwards) runs for every one.
# Without LAB_SUBTEST everything runs.

# subtests NAME...: refuse (exit 2) a LAB_SUBTEST that is not one of them.
subtests() {
	[ -n "${LAB_SUBTEST-}" ] || return 0
	for t in "$@"; do
		[ "$t" != "$LAB_SUBTEST" ] || return 0
	done
	echo "$0: no sub-test '$LAB_SUBTEST'; there are: $*" >&2
	exit 2
}

# subtest NAME: true if NAME is to run (LAB_SUBTEST is empty or NAME).
subtest() {
	[ -n "${LAB_SUBTEST-}" ] || return 0
	[ "$1" = "$LAB_SUBTEST" ] || return 1
	LAB_SUBTEST_RAN=1
}

lab_done() {
	if [ -n "${LAB_SUBTEST-}" ] && [ -z "${LAB_SUBTEST_RAN-}" ]; then
		not_ok "sub-test $LAB_SUBTEST: the scenario lists it but never ran it"
	fi
	if [ "$LAB_FAILED" -ne 0 ]; then
		echo "# $LAB_FAILED check(s) failed"
		exit 1
	fi
	exit 0
}
