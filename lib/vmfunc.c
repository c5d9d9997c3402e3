// SPDX-License-Identifier: MIT
/*
 * vmfunc.c - the SkyBridge fast path's place in the library.
 *
 * The VMFUNC transport (trampoline, /dev/skybridge ioctls, slot threads whose
 * stacks and TLS the trampoline borrows) plugs in here as a struct
 * sb_transport_ops.  Until /dev/skybridge defines the ioctls it needs, there
 * is none, and sb_transport_select() always chooses the fallback.
 */
#include <stddef.h>

#include "sb_internal.h"

const struct sb_transport_ops *const sb_vmfunc_ops = NULL;
