#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# fuzz: random and mutated ioctl and mmap arguments from two processes and
# their threads (sb-fuzz), then: dmesg clean, every session, server,
# connection, attachment and view gone, and the RootKernel's EPT pool back
# where it was.
#
# Usage (guest): fuzz.sh [CALLS]   (default 200000)
. /lab/lib.sh
calls=${1:-200000}

# The module's figures: skyctl stats (SB_IOC_SYSSTATS), no debugfs.
pool() { skyctl stats pool | sed -n 's/^ept_pool_free \([0-9]*\)$/\1/p'; }

module_loaded || check "insmod" insmod "$MODULE"
pool0=$(pool)
echo "# objects before: $(skyctl stats objects | tr '\n' ' ')"
run_tap timeout 1500 sb-fuzz -n "$calls" -t 2 -s "$(date +%s)" "fuzz: "
check_dmesg "after $calls fuzzed calls"
objs=$(skyctl stats objects | tr '\n' ' ')
echo "# objects after: $objs"
if [ "$objs" = "sessions 0 servers 0 connections 0 attachments 0 views 0 handoffs 0 " ]; then
	ok "fuzz: every session, server, connection, attachment and view is gone"
else
	not_ok "fuzz: objects left after the fuzzer exited: $objs"
fi
pool1=$(pool)
[ "$pool0" = "$pool1" ] && ok "fuzz: the EPT pool is back to $pool0 free pages" ||
	not_ok "fuzz: EPT pool free pages $pool0 before, $pool1 after"
check "rmmod after fuzzing" rmmod skybridge
check_dmesg "fuzz: after rmmod"
lab_done
