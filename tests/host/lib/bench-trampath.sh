#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# bench-trampath: the trampoline code (kmod/tramp.S, VMFUNC as NOP) runs on
# the host: its refusals and counters (trampath -s), and a short timing run
# prints the table with its units.  A host whose kernel gives user space no
# FSGSBASE (or glibc no rseq) cannot run it: reported as a TAP skip.
T=@TRAMPATH@
$T -s
rc=$?
if [ $rc -eq 3 ]; then
	echo "ok - trampath # SKIP this host lacks user FSGSBASE or rseq"
	exit 0
fi
[ $rc -eq 0 ] || echo "not ok - trampath -s exited $rc"
out=$($T -n 1000 -w 100 2>&1)
if [ $? -eq 0 ] && echo "$out" | grep -q '^null call, 3 NOPs for VMFUNC (TSC ticks) ' &&
   echo "$out" | grep -q '^  the same in ns ' && echo "$out" | grep -q 'lower bound'; then
	echo "ok - trampath: a short run prints ticks, ns and the lower-bound caveat"
else
	echo "not ok - trampath: short run: $(echo "$out" | head -n 3 | tr '\n' ' ')"
fi
