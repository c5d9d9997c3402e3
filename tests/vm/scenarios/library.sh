#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# library: libskybridge on the fast path in the guest: the transport it
# picks, the echo example (payload in the connection buffer) and the
# key-value example, with the module loaded.
. /lab/lib.sh

module_loaded || check "insmod" insmod "$MODULE"
sb-echo-server >/tmp/echo-server.out 2>&1 &
srv=$!
sleep 2
out=$(sb-echo-client "direct call payload" 2>&1)
echo "$out" | sed 's/^/# /'
case $out in
*"direct call payload"*) ok "the echo example round-trips its payload" ;;
*) not_ok "echo example: $out; server: $(cat /tmp/echo-server.out)" ;;
esac
kill $srv 2>/dev/null
wait $srv 2>/dev/null
grep -q vmfunc /tmp/echo-server.out && ok "the echo server uses the vmfunc transport" ||
	not_ok "the echo server did not report the vmfunc transport: $(cat /tmp/echo-server.out)"
check_dmesg "library: echo"
