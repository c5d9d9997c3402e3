// SPDX-License-Identifier: GPL-2.0
/*
 * scan.c - the registration-time check of a process's executable memory.
 *
 * VMFUNC has no privilege check: any occurrence of its bytes (0F 01 D4)
 * that a process can execute lets it switch views without the trampoline's
 * checks.  Before a process registers a server, connects or attaches, every
 * executable mapping it has, but the trampoline, is read and searched for
 * the sequence, including sequences that straddle two pages; one hit
 * refuses the registration with ENOEXEC and logs the mapping and offset.
 *
 * This covers what the process has mapped at that moment.  What it maps
 * executable afterwards is checked by lockdown.c, which reads the file
 * range with sb_scan_file() before the mapping exists.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/dcache.h>
#include <linux/fs.h>
#include <linux/highmem.h>
#include <linux/mm.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "compat.h"
#include "kmod.h"

static const u8 vmfunc_insn[3] = { 0x0f, 0x01, 0xd4 };

/*
 * Search one page, @tail holding the last two bytes of the page before it
 * (or 0xff when there is none).  Return the offset of the first byte of a
 * hit relative to the page, possibly -2 or -1 (a signed long: compare it
 * with PAGE_SIZE, an unsigned long, only by equality), or PAGE_SIZE.
 */
static long scan_page(const u8 *p, u8 tail[2])
{
	long i;

	if (tail[0] == 0x0f && tail[1] == 0x01 && p[0] == 0xd4)
		return -2;
	if (tail[1] == 0x0f && p[0] == 0x01 && p[1] == 0xd4)
		return -1;
	for (i = 0; i + 2 < PAGE_SIZE; i++) {
		const u8 *q = memchr(p + i, 0x0f, PAGE_SIZE - 2 - i);

		if (!q)
			break;
		i = q - p;
		if (!memcmp(q, vmfunc_insn, sizeof(vmfunc_insn)))
			return i;
	}
	tail[0] = p[PAGE_SIZE - 2];
	tail[1] = p[PAGE_SIZE - 1];
	return PAGE_SIZE;
}

static void report(struct vm_area_struct *vma, unsigned long addr)
{
	char buf[64];
	const char *name = "[anon]";

	if (vma->vm_file)
		name = d_path(&vma->vm_file->f_path, buf, sizeof(buf));
	else if (vma->vm_mm && vma->vm_start <= vma->vm_mm->start_stack &&
		 vma->vm_end >= vma->vm_mm->start_stack)
		name = "[stack]";
	pr_warn_ratelimited("%s[%d]: VMFUNC bytes at 0x%lx, offset 0x%lx in executable mapping %s: registration refused\n",
			    current->comm, task_pid_nr(current), addr,
			    addr - vma->vm_start +
			    (vma->vm_file ? vma->vm_pgoff << PAGE_SHIFT : 0),
			    IS_ERR(name) ? "?" : name);
}

/**
 * sb_scan_exec() - refuse a process with VMFUNC in its executable memory
 * @mm: the calling process's mm
 * @skip: a mapping not to scan (the trampoline), or NULL
 *
 * Return: 0, -ENOEXEC after logging where the sequence is, -EFAULT if an
 * executable mapping cannot be read, or -EINTR on a fatal signal.
 */
int sb_scan_exec(struct mm_struct *mm,
		 bool (*skip)(struct vm_area_struct *vma))
{
	struct vm_area_struct *vma;
	int err = 0;
	VMA_ITERATOR(vmi, mm, 0);

	mmap_read_lock(mm);
	for_each_vma(vmi, vma) {
		unsigned long addr, prev_end = 0;
		u8 tail[2] = { 0xff, 0xff };

		if (!(vma->vm_flags & VM_EXEC) || (skip && skip(vma)))
			continue;
		for (addr = vma->vm_start; addr < vma->vm_end && !err;
		     addr += PAGE_SIZE) {
			struct page *page;
			long hit;
			u8 *p;

			if (fatal_signal_pending(current)) {
				err = -EINTR;
				break;
			}
			if (sb_gup_remote(mm, addr, 1, FOLL_FORCE, &page,
					  NULL) != 1) {
				pr_warn_ratelimited("%s[%d]: cannot read executable memory at 0x%lx: registration refused\n",
						    current->comm,
						    task_pid_nr(current), addr);
				err = -EFAULT;
				break;
			}
			if (addr != prev_end)
				tail[0] = tail[1] = 0xff;
			p = kmap_local_page(page);
			hit = scan_page(p, tail);
			kunmap_local(p);
			put_page(page);
			prev_end = addr + PAGE_SIZE;
			if (hit != (long)PAGE_SIZE) {
				report(vma, addr + hit);
				err = -ENOEXEC;
			}
			cond_resched();
		}
		if (err)
			break;
	}
	mmap_read_unlock(mm);
	return err;
}

/**
 * sb_scan_file() - search a file range for VMFUNC before it is mapped
 * @file: the file, open for reading, whose writers are already denied
 * @pos: first byte of the range
 * @len: length of the range; bytes past the end of the file are zeroes
 *	 in a mapping, so they cannot hold the sequence
 *
 * Reads through the page cache, which is what a mapping shows.
 *
 * Return: 0, -ENOEXEC after logging the file and offset, -EIO if the file
 * cannot be read, -ENOMEM, or -EINTR on a fatal signal.
 */
int sb_scan_file(struct file *file, loff_t pos, loff_t len)
{
	loff_t end, at = pos;
	u8 tail[2] = { 0xff, 0xff };
	int err = 0;
	u8 *buf;

	if (pos < 0 || len <= 0)
		return 0;
	end = pos > LLONG_MAX - len ? LLONG_MAX : pos + len;
	end = min(end, i_size_read(file_inode(file)));
	buf = kmalloc(PAGE_SIZE, GFP_KERNEL);
	if (!buf)
		return -ENOMEM;
	while (at < end) {
		size_t got = 0;
		ssize_t n = 0;
		long hit;

		while (got < PAGE_SIZE && at + (loff_t)got < end) {
			loff_t off = at + got;

			n = kernel_read(file, buf + got, PAGE_SIZE - got, &off);
			if (n <= 0)
				break;
			got += n;
		}
		if (n < 0 || !got) {
			pr_warn_ratelimited("%s[%d]: cannot read %pD at 0x%llx (%zd): executable mapping refused\n",
					    current->comm, task_pid_nr(current),
					    file, at, n);
			err = -EIO;
			break;
		}
		memset(buf + got, 0, PAGE_SIZE - got);
		hit = scan_page(buf, tail);
		if (hit != (long)PAGE_SIZE && at + hit < end) {
			pr_warn_ratelimited("%s[%d]: VMFUNC bytes at offset 0x%llx of %pD: executable mapping refused\n",
					    current->comm, task_pid_nr(current),
					    at + hit, file);
			err = -ENOEXEC;
			break;
		}
		at += got;
		if (fatal_signal_pending(current)) {
			err = -EINTR;
			break;
		}
		cond_resched();
	}
	kfree(buf);
	return err;
}
