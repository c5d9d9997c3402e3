/* SPDX-License-Identifier: GPL-2.0 */
/*
 * 0F 01 D4 across two instructions: mov $0x0f000000, %eax ends in 0F and
 * add %edx, %esp is 01 D4.  The add truncates %rsp, so the stack pointer
 * is saved in %rbx around it and nothing touches memory in between.
 */
	.text
	.globl test_main
	.type test_main, @function
test_main:
	push %rbx
	mov %rsp, %rbx
	xor %edx, %edx
	mov $0x0f000000, %eax			/* B8 00 00 00 0F */
	add %edx, %esp				/* 01 D4 */
	mov %esp, %ecx
	mov %rbx, %rsp
	mov %ebx, %edx
	sub %edx, %ecx				/* 0: esp unchanged by adding 0 */
	push %rcx
	mov %rax, %rdi
	call put_hex
	pop %rdi
	call put_hex
	pop %rbx
	mov $17, %eax
	ret
	.size test_main, . - test_main

#include "common.inc"
