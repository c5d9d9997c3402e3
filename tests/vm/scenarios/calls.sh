#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# calls: direct server calls through the trampoline (sb-calltest): the basic
# checks on every CPU in turn, then threads, long calls, signals,
# migration, faulting handlers, handoff, fork and SCM_RIGHTS, chains
# (sb-chain); dmesg checked after each.  Last, rmmod is refused while a server and a client exist.
#
# Sub-tests (scenarios/run-one.sh calls.sh SUBTEST [ARGS]): basic (on every
# CPU; ARGS: CALLS), each sb-calltest subcommand below (cycle and churn:
# ARGS N), chain (sb-chain; ARGS: -n CALLS), limits, rmmod.  The check
# that no object is left runs after each.
. /lab/lib.sh
subtests basic threads long busy kill disconnect handoff signals migrate faults fork scm stray shstk munmap cycle churn chain limits rmmod
ncpus=$(grep -c ^processor /proc/cpuinfo)

module_loaded || check "insmod" insmod "$MODULE"
if subtest basic; then
	for c in $(seq 0 $((ncpus - 1))); do
		n=100000; [ "$c" -eq 0 ] && n=1000000
		# shellcheck disable=SC2086
		run_tap taskset -c "$c" sb-calltest basic ${LAB_SUBTEST_ARGS:-$n}
		check_dmesg "calls on cpu $c"
	done
fi
echo "# memory before the call tests: $(grep -E '^(MemFree|Slab|SUnreclaim):' /proc/meminfo | tr -s ' ' | tr '\n' ' ')"
for t in threads long busy kill disconnect handoff signals migrate faults fork scm stray shstk munmap "cycle 20" "churn 20"; do
	subtest "${t%% *}" || continue
	[ -z "${LAB_SUBTEST_ARGS-}" ] || t="${t%% *} $LAB_SUBTEST_ARGS"
	# shellcheck disable=SC2086
	run_tap sb-calltest $t
	check_dmesg "calls: $t"
done
# Calls from inside handlers: chains A -> B -> C.
if subtest chain; then
	# shellcheck disable=SC2086
	run_tap sb-chain ${LAB_SUBTEST_ARGS-}
	check_dmesg "calls: chain"
fi
# Everything the tests made is gone: counted objects and EPT pages (the
# kernel's own counters move for reasons of their own: printed only).
echo "# memory after the call tests: $(grep -E '^(MemFree|Slab|SUnreclaim):' /proc/meminfo | tr -s ' ' | tr '\n' ' ')"
objs=$(skyctl stats objects | tr '\n' ' ')
[ "$objs" = "sessions 0 servers 0 connections 0 attachments 0 views 0 handoffs 0 " ] &&
	ok "calls: no session, server, connection, attachment or view is left" ||
	not_ok "calls: objects left: $objs"
# Per-user limits, lowered for the test through the module's parameters.
if subtest limits; then
	P=/sys/module/skybridge/parameters
	s0=$(cat $P/max_servers_per_user) a0=$(cat $P/max_attachments_per_user)
	echo 2 >$P/max_servers_per_user
	echo 3 >$P/max_attachments_per_user
	run_tap sb-calltest limits
	echo "$s0" >$P/max_servers_per_user
	echo "$a0" >$P/max_attachments_per_user
	check_dmesg "calls: limits"
fi
# rmmod while a server and a client exist is refused (their files hold the
# module); once they are gone it succeeds, and the module loads again.
if subtest rmmod; then
	sb-calltest hold 8 >/tmp/hold.out 2>&1 &
	holder=$!
	# Until the client calls: registering and connecting each scan a
	# glibc-linked program (tens of millions of emulated instructions).
	held=
	for i in 1 2 3 4 5 6; do
		sleep 1
		if skyctl servers | grep -Eq '^ops +[0-9]+ +0 +1 +[01] +1 +[1-9][0-9]* '; then
			held=$i
			break
		fi
	done
	check_fails "rmmod is refused while a server and a client are connected" rmmod skybridge
	skyctl | sed 's/^/# skyctl: /'
	[ -n "$held" ] && ok "skyctl lists the holding server with its calls (after ${held} s)" ||
		not_ok "skyctl servers, 6 s after the start: $(skyctl servers 2>&1 | tr '\n' '|')"
	wait $holder
	run_tap cat /tmp/hold.out
	check "rmmod after they exit" rmmod skybridge
	check "insmod again" insmod "$MODULE"
	check_dmesg "calls: rmmod"
fi
lab_done
