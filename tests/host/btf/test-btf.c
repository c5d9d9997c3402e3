// SPDX-License-Identifier: GPL-2.0
/*
 * test-btf - kmod/btf.c's prototype check, on the host, against the BTF of
 * the lab's guest kernels (extracted from their images by
 * scripts/extract-btf.sh).
 *
 * Usage: test-btf [BTF-6.1 BTF-6.12] (default: the paths it was built with)
 *
 * For each kernel: the functions the lockdown reaches (kmod/protos.h) pass
 * with the do_mmap() prototype of that version and fail, naming the
 * difference, with the other's; a missing function and damaged BTF fail
 * with a reason.  This is the check that keeps the compat.h cut-off honest
 * without booting anything.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/types.h>

typedef __u32 u32;
#include "kmod/btf.h"
#include "kmod/protos.h"
#include "tests/tap.h"

static void *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	long n;

	if (!f)
		return NULL;
	if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) > 0 &&
	    fseek(f, 0, SEEK_SET) == 0) {
		buf = malloc(n);
		if (buf && fread(buf, 1, n, f) != (size_t)n) {
			free(buf);
			buf = NULL;
		}
		*len = n;
	}
	fclose(f);
	return buf;
}

#define TYPES(...)	(const char *const []){ __VA_ARGS__, NULL }

static int check(const void *btf, size_t len, bool new_mmap, char *why,
		 size_t wlen)
{
	const struct sb_btf_proto p[] = {
		{ "do_mmap", new_mmap ? TYPES(SB_DO_MMAP_TYPES_6_6) :
					TYPES(SB_DO_MMAP_TYPES_6_1) },
		{ "security_file_mprotect", TYPES(SB_FILE_MPROTECT_TYPES) },
		{ "__x64_sys_brk", TYPES(SB_SYSCALL_TYPES) },
		{ "__ia32_sys_brk", TYPES(SB_SYSCALL_TYPES) },
		{ "do_munmap", TYPES(SB_DO_MUNMAP_TYPES) },
	};

	why[0] = 0;
	return sb_btf_check_buf(btf, len, p, sizeof(p) / sizeof(p[0]), why,
				wlen);
}

static void kernel(const char *path, const char *ver, bool new_mmap)
{
	const struct sb_btf_proto missing[] = {
		{ "sb_no_such_function", TYPES("void") },
	};
	const struct sb_btf_proto wrong_ret[] = {
		{ "do_munmap", TYPES("long int", "struct mm_struct *",
				     "long unsigned int", "size_t",
				     "struct list_head *") },
	};
	char why[200];
	size_t len = 0;
	char *btf = slurp(path, &len);
	int err;

	if (!btf) {
		tap_result(0, ver, "cannot read %s (run make host-tests)", path);
		return;
	}
	err = check(btf, len, new_mmap, why, sizeof(why));
	tap_result(err == 0, "btf: the lockdown's functions match the kernel's prototypes",
		   "%s: %s", ver, why);
	err = check(btf, len, !new_mmap, why, sizeof(why));
	tap_result(err && strstr(why, "do_mmap has") && strstr(why, "parameters, this module was built for"),
		   "btf: the other version's do_mmap() is refused, naming the difference",
		   "%s: err %d, '%s'", ver, err, why);
	printf("# %s, other do_mmap: %s\n", ver, why);
	err = sb_btf_check_buf(btf, len, missing, 1, why, sizeof(why));
	tap_result(err && strstr(why, "sb_no_such_function is not in the kernel's BTF"),
		   "btf: a missing function is refused", "%s: '%s'", ver, why);
	err = sb_btf_check_buf(btf, len, wrong_ret, 1, why, sizeof(why));
	tap_result(err && strstr(why, "do_munmap returns 'int'"),
		   "btf: a different return type is refused", "%s: '%s'", ver, why);
	/* Damage: truncated in the middle of the types, bad magic. */
	err = sb_btf_check_buf(btf, len / 3, missing, 1, why, sizeof(why));
	tap_result(err && strstr(why, "unreadable"),
		   "btf: truncated BTF is refused as unreadable", "%s: '%s'", ver, why);
	btf[0] ^= 0xff;
	err = sb_btf_check_buf(btf, len, missing, 1, why, sizeof(why));
	tap_result(err && strstr(why, "bad magic"),
		   "btf: a blob that is not BTF is refused", "%s: '%s'", ver, why);
	free(btf);
}

int main(int argc, char **argv)
{
	if (argc != 1 && argc != 3) {
		fprintf(stderr, "usage: test-btf [BTF-6.1 BTF-6.12]\n");
		return 2;
	}
	kernel(argc == 3 ? argv[1] : SB_BTF_61, "6.1", false);
	kernel(argc == 3 ? argv[2] : SB_BTF_612, "6.12", true);
	return tap_exit();
}
