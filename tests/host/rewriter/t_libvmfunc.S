/* SPDX-License-Identifier: GPL-2.0 */
/* A shared library with a real VMFUNC: sb-exec must refuse to run its users. */
	.text
	.globl dirty_value
	.type dirty_value, @function
dirty_value:
	vmfunc
	ret
	.size dirty_value, . - dirty_value
	.section .note.GNU-stack, "", @progbits
