#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# library: libskybridge on the fast path in the guest: the transport it
# picks, the echo example (payload in the connection buffer) and the
# key-value example (its handler allocates: handoff), with the module loaded.
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
# One client after another gets the same attachment id: each must see its
# own buffer, never the previous connection's (the server's mapping of id
# 0 is emptied and refilled at each connect).
bad=""
for msg in "first message" "second" "third message, the longest one" "4"; do
	got=$(sb-echo-client "$msg" 2>&1)
	case $got in
	"$msg (value"*) ;;
	*) bad="$bad [$msg -> $got]" ;;
	esac
done
[ -z "$bad" ] && ok "four echo clients in turn each get their own payload back" ||
	not_ok "echo clients in turn:$bad"
# A chain through the library: the relay's handler calls the echo server.
sb-relay-server relay echo >/tmp/relay-server.out 2>&1 &
relay=$!
sleep 2
got=$(sb-echo-client -n relay "through the relay" 2>&1)
echo "# relay: $got; $(cat /tmp/relay-server.out)"
case $got in
"through the relay (value 1001017, via vmfunc)") ok "a chain through the library: client -> relay -> echo, payload and value right" ;;
*) not_ok "relay: got '$got'; relay: $(cat /tmp/relay-server.out)" ;;
esac
grep -q 'relaying to "echo" over vmfunc' /tmp/relay-server.out &&
	ok "the relay calls the echo server over the vmfunc transport, from its handler" ||
	not_ok "the relay did not report vmfunc to its target: $(cat /tmp/relay-server.out)"
kill $relay 2>/dev/null
wait $relay 2>/dev/null
kill $srv 2>/dev/null
wait $srv 2>/dev/null
grep -q vmfunc /tmp/echo-server.out && ok "the echo server uses the vmfunc transport" ||
	not_ok "the echo server did not report the vmfunc transport: $(cat /tmp/echo-server.out)"
check_dmesg "library: echo"

# The key-value example allocates and locks in its handler: on the fast path
# the system calls that may take are handed to the slot threads (handoff).
h0=$(skyctl stats exits | awk '/HANDOFF_ADOPTED/ { n += $4 } END { print n + 0 }')
sb-kv-server kvdemo >/tmp/kv-server.out 2>&1 &
srv=$!
sleep 2
out=""
for i in 1 2 3 4 5 6 7 8; do
	out="$out$(sb-kv-client -n kvdemo put key$i value-$i 2>&1);"
done
got=$(sb-kv-client -n kvdemo get key5 2>&1)
h1=$(skyctl stats exits | awk '/HANDOFF_ADOPTED/ { n += $4 } END { print n + 0 }')
echo "# kv: $out get: $got; handoffs adopted $h0 -> $h1"
case "$out|$got" in
*"ok (8 keys);|value-5") ok "the key-value example stores and finds 8 keys on the fast path" ;;
*) not_ok "kv example: puts '$out', get '$got'; server: $(cat /tmp/kv-server.out)" ;;
esac
grep -q vmfunc /tmp/kv-server.out && ok "the key-value server uses the vmfunc transport" ||
	not_ok "the key-value server did not report the vmfunc transport: $(cat /tmp/kv-server.out)"
kill $srv 2>/dev/null
wait $srv 2>/dev/null
check_dmesg "library: key-value"
