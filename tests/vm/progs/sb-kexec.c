// SPDX-License-Identifier: GPL-2.0
/*
 * sb-kexec - load a kernel with kexec_file_load(2) and reboot into it: what
 * "kexec -s -l KERNEL --initrd=INITRD --command-line=CMDLINE; kexec -e" does,
 * without kexec-tools (the lab's reboot.sh: a kexec with the module loaded).
 *
 * Usage: sb-kexec KERNEL INITRD CMDLINE
 *
 * Does not return on success; exits 1 with the reason on failure.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/reboot.h>

int main(int argc, char **argv)
{
	int kernel, initrd;

	if (argc != 4) {
		fprintf(stderr, "usage: sb-kexec KERNEL INITRD CMDLINE\n");
		return 2;
	}
	kernel = open(argv[1], O_RDONLY | O_CLOEXEC);
	initrd = open(argv[2], O_RDONLY | O_CLOEXEC);
	if (kernel < 0 || initrd < 0) {
		fprintf(stderr, "sb-kexec: %s: %s\n", kernel < 0 ? argv[1] : argv[2],
			strerror(errno));
		return 1;
	}
	if (syscall(SYS_kexec_file_load, kernel, initrd, strlen(argv[3]) + 1,
		    argv[3], 0UL)) {
		fprintf(stderr, "sb-kexec: kexec_file_load: %s\n", strerror(errno));
		return 1;
	}
	sync();
	syscall(SYS_reboot, LINUX_REBOOT_MAGIC1, LINUX_REBOOT_MAGIC2,
		LINUX_REBOOT_CMD_KEXEC, NULL);
	fprintf(stderr, "sb-kexec: reboot(LINUX_REBOOT_CMD_KEXEC): %s\n",
		strerror(errno));
	return 1;
}
