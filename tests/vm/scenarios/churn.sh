#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# churn: server death over and over (sb-calltest churn): a handoff server
# registers, a client connects, a call is handed off, a second one is in
# the server's slot thread when the server is killed; then dmesg clean,
# every object, view index and EPT page back, slab and free memory printed
# before and after.
#
# Usage (guest): churn.sh [CYCLES]   (default 20)
. /lab/lib.sh
cycles=${1:-20}

module_loaded || check "insmod" insmod "$MODULE"
run_tap sb-calltest churn "$cycles"
check_dmesg "after $cycles register/connect/handoff/kill cycles"
