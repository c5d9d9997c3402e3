/* SPDX-License-Identifier: GPL-2.0 */
/*
 * skybridge.h - shared declarations of the Linux glue (kmod/).
 */
#ifndef SKYBRIDGE_KMOD_H
#define SKYBRIDGE_KMOD_H

#include <linux/types.h>

extern bool sb_test_hooks;

struct dentry;

int sb_debugfs_init(void);
void sb_debugfs_exit(void);

int sb_view_create(unsigned int index, u64 from_pa, u64 to_pa);
int sb_view_destroy(unsigned int index);
void sb_views_debugfs(struct dentry *dir);
void sb_views_exit(void);

#endif /* SKYBRIDGE_KMOD_H */
