/* SPDX-License-Identifier: GPL-2.0 */
/*
 * compat.h - the kernel API differences between the Linux versions the
 * module builds for: Debian 12's 6.1, Debian 13's (and Debian 12's
 * backported) 6.12, and what lies between by the version cut-offs (Ubuntu
 * 24.04's 6.8).  A feature test where the kernel gives one; the version
 * only where nothing else tells.  Each line names the change.
 */
#ifndef SKYBRIDGE_COMPAT_H
#define SKYBRIDGE_COMPAT_H

#include <linux/file.h>
#include <linux/mm.h>
#include <linux/version.h>

#include "protos.h"

/* 6.3: vma->vm_flags is const; changed through vm_flags_set()/_clear(). */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 3, 0)
#define sb_vm_flags_set(vma, f)		vm_flags_set(vma, f)
#define sb_vm_flags_clear(vma, f)	vm_flags_clear(vma, f)
#else
#define sb_vm_flags_set(vma, f)		((vma)->vm_flags |= (f))
#define sb_vm_flags_clear(vma, f)	((vma)->vm_flags &= ~(f))
#endif

/* 6.12: struct fd is one word; its file through fd_file(). */
#ifdef fd_file
#define sb_fd_file(f)			fd_file(f)
#else
#define sb_fd_file(f)			((f).file)
#endif

/*
 * 6.3: zap_page_range() is gone; zap_page_range_single() is exported
 * instead (in 6.1 it exists but is not exported).
 */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 3, 0)
#define sb_zap_range(vma, a, n)		zap_page_range_single(vma, a, n, NULL)
#else
#define sb_zap_range(vma, a, n)		zap_page_range(vma, a, n)
#endif

/* 6.5: get_user_pages_remote() lost its vmas argument. */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 5, 0)
#define sb_gup_remote(mm, start, n, flags, pages, locked) \
	get_user_pages_remote(mm, start, n, flags, pages, locked)
#else
#define sb_gup_remote(mm, start, n, flags, pages, locked) \
	get_user_pages_remote(mm, start, n, flags, pages, NULL, locked)
#endif

/*
 * 6.6: mmu_notifier_ops.invalidate_range is gone;
 * arch_invalidate_secondary_tlbs is called at the same points (after the
 * page-table change, before the pages are freed), with the same arguments.
 */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 6, 0)
#define SB_MN_INVALIDATE	arch_invalidate_secondary_tlbs
#else
#define SB_MN_INVALIDATE	invalidate_range
#endif

/* 6.5: ftrace_instruction_pointer_set() became _regs_set_instruction_pointer(). */
#ifdef ftrace_regs_set_instruction_pointer
#define sb_ftrace_set_ip(fregs, ip)	ftrace_regs_set_instruction_pointer(fregs, ip)
#else
#define sb_ftrace_set_ip(fregs, ip)	ftrace_instruction_pointer_set(fregs, ip)
#endif

/*
 * 6.6: do_mmap() takes a vm_flags_t before pgoff (user shadow stacks).  No
 * macro tells, and a wrapper with the other prototype would build and
 * corrupt every mmap: btf.c checks the running kernel's prototype against
 * SB_DO_MMAP_TYPES before anything is redirected.
 */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 6, 0)
#define SB_DO_MMAP_PARAMS						\
	struct file *file, unsigned long addr, unsigned long len,	\
	unsigned long prot, unsigned long flags, vm_flags_t vm_flags,	\
	unsigned long pgoff, unsigned long *populate, struct list_head *uf
#define SB_DO_MMAP_ARGS	\
	file, addr, len, prot, flags, vm_flags, pgoff, populate, uf
#define SB_DO_MMAP_VM_FLAGS	vm_flags
#define SB_DO_MMAP_TYPES	SB_DO_MMAP_TYPES_6_6
#else
#define SB_DO_MMAP_PARAMS						\
	struct file *file, unsigned long addr, unsigned long len,	\
	unsigned long prot, unsigned long flags, unsigned long pgoff,	\
	unsigned long *populate, struct list_head *uf
#define SB_DO_MMAP_ARGS	file, addr, len, prot, flags, pgoff, populate, uf
#define SB_DO_MMAP_VM_FLAGS	0
#define SB_DO_MMAP_TYPES	SB_DO_MMAP_TYPES_6_1
#endif

/*
 * 6.6: user shadow stacks (CONFIG_X86_USER_SHADOW_STACK).  Is one enabled
 * for @t?  Never before.
 */
#ifdef CONFIG_X86_USER_SHADOW_STACK
#include <asm/prctl.h>
#define sb_task_shstk(t)	(!!((t)->thread.features & ARCH_SHSTK_SHSTK))
#else
#define sb_task_shstk(t)	false
#endif

/*
 * The page-table mappings of an order-0 folio.  folio_mapcount() is not
 * exported in 6.1 (mm/util.c) and an inline later; for an order-0 folio
 * both read _mapcount, which starts at -1.
 */
static inline int sb_small_folio_mapcount(struct folio *folio)
{
	return atomic_read(&folio->_mapcount) + 1;
}

#endif /* SKYBRIDGE_COMPAT_H */
