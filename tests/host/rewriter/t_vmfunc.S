/* SPDX-License-Identifier: GPL-2.0 */
/* A real VMFUNC (0F 01 D4, Intel SDM Vol. 2B), never executed: must be refused. */
	.text
	.globl test_main
	.type test_main, @function
test_main:
	mov $0x5eed, %edi
	call put_hex
	mov $3, %eax
	ret
	.size test_main, . - test_main

	.type never_called, @function
never_called:
	xor %eax, %eax
	vmfunc
	ret
	.size never_called, . - never_called

#include "common.inc"
