/* SPDX-License-Identifier: GPL-2.0 */
/*
 * btf.h - prototype checks against the kernel's BTF (btf.c).
 */
#ifndef SKYBRIDGE_BTF_H
#define SKYBRIDGE_BTF_H

#include <linux/types.h>

/*
 * A function and the types this build expects, spelled as btf.c spells
 * them: types[0] is the return type, then one entry per parameter, then
 * NULL.
 */
struct sb_btf_proto {
	const char *name;
	const char *const *types;
};

int sb_btf_check_buf(const void *data, size_t len,
		     const struct sb_btf_proto *protos, size_t n,
		     char *why, size_t wlen);
#ifdef __KERNEL__
int sb_btf_check(const struct sb_btf_proto *protos, size_t n);
#endif

#endif /* SKYBRIDGE_BTF_H */
