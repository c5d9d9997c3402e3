/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kmod.h - shared declarations of the Linux glue (kmod/).
 */
#ifndef SKYBRIDGE_KMOD_H
#define SKYBRIDGE_KMOD_H

#include <linux/types.h>

struct dentry;
struct file;
struct inode;
struct vm_area_struct;
struct hv_tramp;

int sb_debugfs_init(void);
void sb_debugfs_exit(void);

int sb_view_destroy(unsigned int index);
int sb_view_create_server(bool handoff, u16 owner);
struct hv_limits;
int sb_limits(struct hv_limits *l);
void sb_view_flush(unsigned int index);

/* Direct calls: device.c and handoff.c (their shared objects: objects.h) */
int sb_calls_init(void);
void sb_calls_exit(void);
struct seq_file;
void sb_calls_show_objects(struct seq_file *m);
void sb_calls_show_servers(struct seq_file *m);
struct sb_sysstats_objects;
struct sb_sysstats_server;
struct sb_sysstats_attachment;
struct user_namespace;
void sb_calls_objects(struct sb_sysstats_objects *o);
void sb_calls_list_servers(struct user_namespace *ns,
			   struct sb_sysstats_server *srv, u32 room_srv,
			   u32 *nr_srv, struct sb_sysstats_attachment *att,
			   u32 room_att, u32 *nr_att);
/* SB_IOC_SYSSTATS: sysstats.c */
long sb_sysstats(void __user *arg);
long sb_dev_ioctl(struct file *file, unsigned int cmd, unsigned long arg);
int sb_dev_open(struct inode *inode, struct file *file);
int sb_dev_release(struct inode *inode, struct file *file);
int sb_dev_mmap(struct file *file, struct vm_area_struct *vma);
const struct hv_tramp *sb_tramp(void);
void sb_handoff_schedule(void);

struct mm_struct;
int sb_scan_exec(struct mm_struct *mm,
		 bool (*skip)(struct vm_area_struct *vma));
int sb_scan_file(struct file *file, pgoff_t first, unsigned long nr);
int sb_lockdown(struct mm_struct *mm,
		bool (*skip)(struct vm_area_struct *vma));
int sb_shstk_refused(void);
int sb_lockdown_init(void);
void sb_lockdown_exit(void);
void sb_lockdown_show(struct seq_file *m);
unsigned int sb_lockdown_counts(unsigned int *locked, const char **names,
				u64 *refused, unsigned int n);
bool sb_is_dev_file(struct file *file);

/* rootkernel.c: the RootKernel's OS glue */
struct hv_cpu_stats;
int sb_rootkernel_start(void);
void sb_rootkernel_stop(void);
bool sb_cpu_virtualized(unsigned int cpu);
u64 sb_cpu_launch_ticks(unsigned int cpu);
int sb_hv_stats(struct hv_cpu_stats *out);

/*
 * A hypercall (ABI: uapi/skybridge_hv.h, hv/hypercall.h), on this CPU;
 * -ESHUTDOWN where the RootKernel does not run (after a reboot stopped it:
 * rootkernel.c), never a VMCALL that would be #UD.
 */
long sb_hypercall(u64 nr, u64 a0, u64 a1, u64 a2);

/* The lab's test build only (kmod/test/testhooks.c). */
#ifdef SKYBRIDGE_TEST
void sb_test_debugfs(struct dentry *dir);
void sb_test_views_exit(void);
void sb_test_free(void);
bool sb_test_refuse_launch(unsigned int cpu);
#else
static inline void sb_test_debugfs(struct dentry *dir) { }
static inline void sb_test_views_exit(void) { }
static inline void sb_test_free(void) { }
static inline bool sb_test_refuse_launch(unsigned int cpu) { return false; }
#endif

#endif /* SKYBRIDGE_KMOD_H */
