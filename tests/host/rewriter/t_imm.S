/* SPDX-License-Identifier: GPL-2.0 */
/*
 * 0F 01 D4 inside mov immediates: imm32 (B8+r), imm64 (movabs) and a
 * sign-extended imm32 (C7 /0).  The carry flag is set before and read
 * after, so a rewrite that clobbers flags shows up in the output.
 */
	.text
	.globl test_main
	.type test_main, @function
test_main:
	push %rbx
	push %r12
	stc
	movl $0x00d4010f, %eax			/* B8 0F 01 D4 00 */
	movabs $0x55d4010f33221100, %rbx	/* bytes 00 11 22 33 0F 01 D4 55 */
	movq $0xffffffffd4010f00, %r12		/* 49 C7 C4 00 0F 01 D4 */
	setc %dl
	movzbl %dl, %edx
	push %rdx
	mov %rax, %rdi
	call put_hex
	mov %rbx, %rdi
	call put_hex
	mov %r12, %rdi
	call put_hex
	pop %rdi
	call put_hex
	pop %r12
	pop %rbx
	mov $7, %eax
	ret
	.size test_main, . - test_main

#include "common.inc"
