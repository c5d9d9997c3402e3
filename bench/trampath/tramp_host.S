/* SPDX-License-Identifier: GPL-2.0 */
/*
 * tramp_host.S - kmod/tramp.S assembled for user space with each VMFUNC
 * replaced by a NOP of the same length (bench/trampath).
 */
#define SB_TRAMP_HOST_NOP
#include "../../kmod/tramp.S"

	.section .note.GNU-stack, "", @progbits
