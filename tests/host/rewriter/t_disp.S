/* SPDX-License-Identifier: GPL-2.0 */
/* 0F 01 D4 in a displacement: lea with disp32 0x00D4010F. */
	.text
	.globl test_main
	.type test_main, @function
test_main:
	push %rbx
	mov $0x1000, %ebx
	stc
	lea 0xd4010f(%rbx), %rax		/* 48 8D 83 0F 01 D4 00 */
	lea 0xd4010f(%rbx), %ecx		/* 8D 8B 0F 01 D4 00 */
	setc %dl
	push %rdx
	push %rcx
	mov %rax, %rdi
	call put_hex
	pop %rdi
	call put_hex
	pop %rdi
	call put_hex
	pop %rbx
	mov $9, %eax
	ret
	.size test_main, . - test_main

#include "common.inc"
