#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# shares: what all users share (the RootKernel's records and EPT pool
# pages), taken by one user: each is charged to a per-user share, and an
# attacker (uid 2001) over its share gets EDQUOT while a victim (uid 2002)
# goes on; and a stalled call (a client that never resumes) holds its
# server for no longer than stall_ms (sb-share).  Afterwards no object is
# left and the pool has every page back.  Issue 19, items 5, 6, 7 and 9.
#
# Sub-tests (scenarios/run-one.sh shares.sh SUBTEST): records, pool, stall.
. /lab/lib.sh
subtests records pool stall
# The module's figures: skyctl stats (SB_IOC_SYSSTATS), no debugfs.
pool_free() { skyctl stats pool | sed -n 's/^ept_pool_free \([0-9]*\)$/\1/p'; }

reload() {
	module_loaded && rmmod skybridge
	check "insmod $*" insmod "$MODULE" "$@"
}
# objects_clean NAME: every object gone and the pool full again.
objects_clean() {
	sleep 1
	objs=$(skyctl stats objects | tr '\n' ' ')
	if [ -z "$objs" ] || echo "$objs" | grep -Eq ' [1-9]'; then
		not_ok "$1: objects left: ${objs:-(skyctl failed)}"
	else
		ok "$1: no object is left"
	fi
	p=$(pool_free)
	[ "$p" = "$pool0" ] && ok "$1: the EPT pool has every page back ($p)" ||
		not_ok "$1: the EPT pool has $p pages free, $pool0 at first"
	r=$(skyctl stats pool | sed -n 's/^records_used \([0-9]*\)$/\1/p')
	[ "${r:-x}" = 0 ] && ok "$1: every record is free again" ||
		not_ok "$1: $r records still in use"
	check_dmesg "$1"
}

if subtest records; then
	reload records_per_user=8 stall_ms=60000
	pool0=$(pool_free)
	run_tap timeout 180 sb-share handoff 8
	objects_clean "records: handoff"
	run_tap timeout 180 sb-share resume 8
	objects_clean "records: resume"
fi
if subtest pool; then
	reload pool_pages_per_user=16
	pool0=$(pool_free)
	run_tap timeout 300 sb-share pool
	objects_clean "pool"
fi
if subtest stall; then
	reload
	pool0=$(pool_free)
	run_tap timeout 120 sb-share stall
	objects_clean "stall"
	run_tap timeout 120 sb-share stall-plain
	objects_clean "stall-plain"
fi
module_loaded && check "rmmod" rmmod skybridge
lab_done
