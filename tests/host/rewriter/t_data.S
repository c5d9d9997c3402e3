/* SPDX-License-Identifier: GPL-2.0 */
/* 0F 01 D4 in a data object inside .text: cannot be moved, must be refused. */
	.text
	.globl test_main
	.type test_main, @function
test_main:
	mov blob(%rip), %edi
	call put_hex
	mov $19, %eax
	ret
	.size test_main, . - test_main

	.type blob, @object
blob:
	.byte 0x0f, 0x01, 0xd4, 0x00
	.size blob, . - blob

#include "common.inc"
