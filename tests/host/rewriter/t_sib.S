/* SPDX-License-Identifier: GPL-2.0 */
/*
 * 0F 01 D4 across SIB and displacement: SIB 0x0F is base rdi, index rcx,
 * scale 1, followed by disp32 01 D4 00 00.
 */
	.text
	.globl test_main
	.type test_main, @function
test_main:
	push %rbx
	lea table(%rip), %rdi
	sub $0xd401, %rdi
	mov $8, %ecx
	mov 0xd401(%rdi,%rcx,1), %rax		/* 48 8B 84 0F 01 D4 00 00 */
	lea 0xd401(%rdi,%rcx,1), %rbx		/* 48 8D 9C 0F 01 D4 00 00 */
	lea table(%rip), %rdx
	sub %rdx, %rbx
	mov %rax, %rdi
	call put_hex
	mov %rbx, %rdi
	call put_hex
	pop %rbx
	mov $11, %eax
	ret
	.size test_main, . - test_main

	.section .rodata
table:
	.quad 0x1111111111111111, 0x2222222222222222, 0x3333333333333333

#include "common.inc"
