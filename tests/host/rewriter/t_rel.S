/* SPDX-License-Identifier: GPL-2.0 */
/*
 * 0F 01 D4 in a call's rel32 and in a RIP-relative disp32.  Linked with
 * .text at 0x401000 and the targets placed so that:
 *   call far_fn          at 0x401000: E8 0F 01 D4 00   (far_fn = 0x1141114)
 *   mov far_data(%rip)   at 0x401005: 48 8B 1D 0F 01 D4 01  (far_data = 0x214111b)
 * (see the ld options in run.sh).
 */
	.text
	.globl test_main
	.type test_main, @function
test_main:
	call far_fn
	mov far_data(%rip), %rbx
	push %rbx
	mov %rax, %rdi
	call put_hex
	pop %rdi
	call put_hex
	mov $13, %eax
	ret
	.size test_main, . - test_main

	.section .fartext, "ax"
	.type far_fn, @function
far_fn:
	mov $0x42, %eax
	ret
	.size far_fn, . - far_fn

	.section .fardata, "aw"
far_data:
	.byte 0xef, 0xcd, 0xab, 0x90, 0x78, 0x56, 0x34, 0x12

#include "common.inc"
