/* SPDX-License-Identifier: GPL-2.0 */
/* A 32-bit program: sb-rewrite must refuse it with a clear error. */
	.text
	.globl _start
_start:
	mov $1, %eax
	xor %ebx, %ebx
	int $0x80
