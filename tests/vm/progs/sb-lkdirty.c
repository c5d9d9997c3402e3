// SPDX-License-Identifier: GPL-2.0
/*
 * sb-lkdirty - a client whose own code holds the VMFUNC bytes 0F 01 D4, in
 * the immediate of a MOV: connect must be refused (ENOEXEC) until
 * sb-rewrite has rewritten the binary.
 *
 * Usage: sb-lkdirty NAME
 * Connects to server NAME, calls nothing, and exits with 0 on success or
 * with the connect's errno.  Prints the immediate, so that the instruction
 * stays in the program.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "sbcall.h"

static unsigned int __attribute__((noinline)) stray_imm(void)
{
	unsigned int v;

	/* B8 0F 01 D4 00: mov $0xd4010f, %eax */
	asm volatile("movl $0xd4010f, %0" : "=a"(v));
	return v;
}

int main(int argc, char **argv)
{
	struct sbt_conn c;
	int fd, st;

	if (argc != 2) {
		fprintf(stderr, "usage: sb-lkdirty NAME\n");
		return 2;
	}
	printf("# sb-lkdirty: immediate 0x%x\n", stray_imm());
	fd = sbt_open();
	if (fd < 0)
		return -fd;
	st = sbt_connect(fd, argv[1], &c);
	printf("# sb-lkdirty: connect %s: %s\n", argv[1], st ? strerror(-st) : "ok");
	return -st;
}
