/* SPDX-License-Identifier: GPL-2.0 */
/* A shared library whose code holds 0F 01 D4 in a mov immediate. */
	.text
	.globl dirty_value
	.type dirty_value, @function
dirty_value:
	movl $0x00d4010f, %eax			/* B8 0F 01 D4 00 */
	add %edi, %eax
	ret
	.size dirty_value, . - dirty_value
	.section .note.GNU-stack, "", @progbits
