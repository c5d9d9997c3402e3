/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kmod.h - shared declarations of the Linux glue (kmod/).
 */
#ifndef SKYBRIDGE_KMOD_H
#define SKYBRIDGE_KMOD_H

#include <linux/types.h>

extern bool sb_test_hooks;

struct dentry;
struct file;
struct inode;
struct vm_area_struct;
struct hv_tramp;

int sb_debugfs_init(void);
void sb_debugfs_exit(void);

int sb_view_create(unsigned int index, u64 from_pa, u64 to_pa);
int sb_view_destroy(unsigned int index);
int sb_view_create_server(bool handoff);
void sb_view_flush(unsigned int index);

int sb_calls_init(void);
void sb_calls_exit(void);
struct seq_file;
void sb_calls_show_objects(struct seq_file *m);
void sb_calls_show_servers(struct seq_file *m);
long sb_dev_ioctl(struct file *file, unsigned int cmd, unsigned long arg);
int sb_dev_open(struct inode *inode, struct file *file);
int sb_dev_release(struct inode *inode, struct file *file);
int sb_dev_mmap(struct file *file, struct vm_area_struct *vma);
const struct hv_tramp *sb_tramp(void);

struct mm_struct;
int sb_scan_exec(struct mm_struct *mm,
		 bool (*skip)(struct vm_area_struct *vma));
int sb_scan_file(struct file *file, loff_t pos, loff_t len);
int sb_lockdown(struct mm_struct *mm,
		bool (*skip)(struct vm_area_struct *vma));
int sb_lockdown_init(void);
void sb_lockdown_exit(void);
void sb_lockdown_show(struct seq_file *m);
bool sb_is_dev_file(struct file *file);
void sb_views_debugfs(struct dentry *dir);
void sb_views_exit(void);
void sb_views_free(void);

#endif /* SKYBRIDGE_KMOD_H */
