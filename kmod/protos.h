/* SPDX-License-Identifier: GPL-2.0 */
/*
 * protos.h - the prototypes of the kernel functions the lockdown reaches by
 * address, spelled the way btf.c spells BTF types: the return type, then
 * one entry per parameter.  compat.h picks the do_mmap() of the kernel
 * being built against; tests/host/btf checks every list against the BTF
 * of the lab's guest kernels, so a wrong version cut-off fails on the host
 * before it could fail at insmod.
 */
#ifndef SKYBRIDGE_PROTOS_H
#define SKYBRIDGE_PROTOS_H

/* Up to 6.5. */
#define SB_DO_MMAP_TYPES_6_1						\
	"long unsigned int", "struct file *", "long unsigned int",	\
	"long unsigned int", "long unsigned int", "long unsigned int",	\
	"long unsigned int", "long unsigned int *", "struct list_head *"

/* 6.6 on: vm_flags_t before pgoff. */
#define SB_DO_MMAP_TYPES_6_6						\
	"long unsigned int", "struct file *", "long unsigned int",	\
	"long unsigned int", "long unsigned int", "long unsigned int",	\
	"vm_flags_t", "long unsigned int", "long unsigned int *",	\
	"struct list_head *"

#define SB_FILE_MPROTECT_TYPES						\
	"int", "struct vm_area_struct *", "long unsigned int",		\
	"long unsigned int"

/* __x64_sys_* and __ia32_sys_*: the pt_regs syscall wrappers. */
#define SB_SYSCALL_TYPES	"long int", "const struct pt_regs *"

#define SB_DO_MUNMAP_TYPES						\
	"int", "struct mm_struct *", "long unsigned int", "size_t",	\
	"struct list_head *"

#endif /* SKYBRIDGE_PROTOS_H */
