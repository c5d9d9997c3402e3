/* SPDX-License-Identifier: GPL-2.0 */
/*
 * skybridge.h - shared declarations of the Linux glue (kmod/).
 */
#ifndef SKYBRIDGE_KMOD_H
#define SKYBRIDGE_KMOD_H

extern bool sb_test_hooks;

int sb_debugfs_init(void);
void sb_debugfs_exit(void);

#endif /* SKYBRIDGE_KMOD_H */
