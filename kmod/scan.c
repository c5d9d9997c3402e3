// SPDX-License-Identifier: GPL-2.0
/*
 * scan.c - is this executable memory free of VMFUNC?
 *
 * VMFUNC has no privilege check: any occurrence of its bytes (0F 01 D4)
 * that a process can execute lets it switch views without the trampoline's
 * checks.  A page may become executable only if
 *   - it does not contain the sequence,
 *   - it does not end with 0F 01 and does not begin with 01 D4,
 *   - and nothing may write it behind the kernel's back: it is not pinned
 *     for DMA (an io_uring fixed buffer, RDMA), whose writes no page
 *     protection stops.
 * The second rule is what makes the check a property of each page alone.
 * A sequence that straddles two pages needs the first to end with 0F 01
 * (then D4) or the second to begin with 01 D4 (after 0F); refusing both
 * shapes means no arrangement of checked pages can form one, however
 * mremap(), munmap() and mmap() later place them next to each other.  On
 * Debian 12, 9 of the 241,021 executable pages of the 2,324 ELF files in
 * /usr/lib/x86_64-linux-gnu, /usr/bin, /usr/sbin and /usr/lib/gcc have
 * one of the two shapes (docs/design.md, "Exec-memory lockdown").
 *
 * sb_scan_exec() checks what a process has mapped executable when it is
 * locked; sb_scan_file() checks file pages before lockdown.c lets them
 * become executable, reading the very page-cache pages the mapping will
 * show.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/dcache.h>
#include <linux/fs.h>
#include <linux/highmem.h>
#include <linux/mm.h>
#include <linux/pagemap.h>
#include <linux/sched.h>
#include <linux/shmem_fs.h>
#include <linux/string.h>

#include "compat.h"
#include "kmod.h"

static const u8 vmfunc_insn[3] = { 0x0f, 0x01, 0xd4 };

/*
 * Check one page's bytes.  Return NULL, or what is wrong, with the offset
 * of the bytes in *@at.
 */
static const char *scan_page(const u8 *p, long *at)
{
	long i;

	if (p[0] == 0x01 && p[1] == 0xd4) {
		*at = 0;
		return "the page begins with 01 D4, the end of a VMFUNC";
	}
	if (p[PAGE_SIZE - 2] == 0x0f && p[PAGE_SIZE - 1] == 0x01) {
		*at = PAGE_SIZE - 2;
		return "the page ends with 0F 01, the start of a VMFUNC";
	}
	for (i = 0; i + 2 < PAGE_SIZE; i++) {
		const u8 *q = memchr(p + i, 0x0f, PAGE_SIZE - 2 - i);

		if (!q)
			break;
		i = q - p;
		if (!memcmp(q, vmfunc_insn, sizeof(vmfunc_insn))) {
			*at = i;
			return "VMFUNC bytes";
		}
	}
	return NULL;
}

/*
 * Pinned for DMA?  A large folio counts its pins exactly.  A small one
 * counts a pin as GUP_PIN_COUNTING_BIAS references (mm/gup.c), and every
 * page-table mapping of it holds one reference, so a library page mapped
 * by a thousand processes would look pinned to folio_maybe_dma_pinned();
 * what is left after the mappings is what counts.
 */
static bool page_pinned(struct page *page)
{
	struct folio *folio = page_folio(page);

	if (folio_test_large(folio))
		return folio_maybe_dma_pinned(folio);
	return folio_ref_count(folio) - sb_small_folio_mapcount(folio) >=
	       GUP_PIN_COUNTING_BIAS;
}

/* 0, or -EBUSY / -ENOEXEC with what is wrong in *@why, where in *@at. */
static int check_page(struct page *page, const char **why, long *at)
{
	u8 *p;

	if (page_pinned(page)) {
		*at = 0;
		*why = "the page is pinned for DMA (an io_uring fixed buffer?), which can write it behind any protection";
		return -EBUSY;
	}
	p = kmap_local_page(page);
	*why = scan_page(p, at);
	kunmap_local(p);
	return *why ? -ENOEXEC : 0;
}

static void report(struct vm_area_struct *vma, unsigned long addr,
		   const char *why)
{
	char buf[64];
	const char *name = "[anon]";

	if (vma->vm_file)
		name = d_path(&vma->vm_file->f_path, buf, sizeof(buf));
	else if (vma->vm_mm && vma->vm_start <= vma->vm_mm->start_stack &&
		 vma->vm_end >= vma->vm_mm->start_stack)
		name = "[stack]";
	pr_warn_ratelimited("%s[%d]: executable mapping %s at 0x%lx, offset 0x%lx: %s: registration refused\n",
			    current->comm, task_pid_nr(current),
			    IS_ERR(name) ? "?" : name, addr,
			    addr - vma->vm_start +
			    (vma->vm_file ? vma->vm_pgoff << PAGE_SHIFT : 0),
			    why);
}

/**
 * sb_scan_exec() - check every executable page of a process
 * @mm: the calling process's mm; its mmap_lock is held
 * @skip: a mapping not to scan (the trampoline), or NULL
 *
 * Reads each page the way the process sees it (execute-only ones too).
 *
 * Return: 0; -ENOEXEC (VMFUNC, or half of one at a page's edge) or
 * -EBUSY (a page pinned for DMA), after logging where; -EFAULT if an
 * executable page cannot be read; -EINTR on a fatal signal.
 */
int sb_scan_exec(struct mm_struct *mm,
		 bool (*skip)(struct vm_area_struct *vma))
{
	struct vm_area_struct *vma;
	VMA_ITERATOR(vmi, mm, 0);

	mmap_assert_locked(mm);
	for_each_vma(vmi, vma) {
		unsigned long addr;

		if (!(vma->vm_flags & VM_EXEC) || (skip && skip(vma)))
			continue;
		for (addr = vma->vm_start; addr < vma->vm_end;
		     addr += PAGE_SIZE) {
			struct page *page;
			const char *why;
			long at;
			int err;

			if (fatal_signal_pending(current))
				return -EINTR;
			if (sb_gup_remote(mm, addr, 1, FOLL_FORCE, &page,
					  NULL) != 1) {
				pr_warn_ratelimited("%s[%d]: cannot read executable memory at 0x%lx: registration refused\n",
						    current->comm,
						    task_pid_nr(current), addr);
				return -EFAULT;
			}
			err = check_page(page, &why, &at);
			put_page(page);
			if (err) {
				report(vma, addr + at, why);
				return err;
			}
			cond_resched();
		}
	}
	return 0;
}

/* The page-cache page at @index, read in if need be, with a reference. */
static struct page *file_page(struct file *file, pgoff_t index)
{
	struct address_space *mapping = file->f_mapping;
	struct folio *folio;

	/* shmem has no ->read_folio; its pages come from shmem itself. */
	if (shmem_mapping(mapping))
		return shmem_read_mapping_page(mapping, index);
	if (!mapping->a_ops->read_folio)
		return ERR_PTR(-EINVAL);
	folio = read_mapping_folio(mapping, index, file);
	if (IS_ERR(folio))
		return ERR_CAST(folio);
	return folio_file_page(folio, index);
}

/**
 * sb_scan_file() - check file pages before they become executable
 * @file: the file the mapping holds, its writers already denied
 * @first: the first page of the range
 * @nr: the number of pages; those past the end of the file are not there
 *	to execute (SIGBUS)
 *
 * Reads the page-cache pages themselves, which are what the mapping will
 * show, whatever the file system's read path does (O_DIRECT, FUSE's
 * direct I/O).
 *
 * Return: 0; -ENOEXEC or -EBUSY after logging the file and offset; -EIO if
 * a page cannot be read; -EACCES if the file system has no page cache to
 * read; -EINTR on a fatal signal.
 */
int sb_scan_file(struct file *file, pgoff_t first, unsigned long nr)
{
	loff_t size = i_size_read(file_inode(file));
	pgoff_t end, index;

	end = DIV_ROUND_UP(size, PAGE_SIZE);
	if (first >= end)
		return 0;
	end = min_t(pgoff_t, end, first + min_t(unsigned long, nr, end - first));
	for (index = first; index < end; index++) {
		struct page *page = file_page(file, index);
		const char *why;
		long at;
		int err;

		if (IS_ERR(page)) {
			pr_warn_ratelimited("%s[%d]: cannot read page %lu of %pD (%ld): executable mapping refused\n",
					    current->comm, task_pid_nr(current),
					    index, file, PTR_ERR(page));
			return PTR_ERR(page) == -EINVAL ? -EACCES : -EIO;
		}
		err = check_page(page, &why, &at);
		put_page(page);
		if (err) {
			pr_warn_ratelimited("%s[%d]: %pD offset 0x%llx: %s: executable mapping refused\n",
					    current->comm, task_pid_nr(current),
					    file, ((loff_t)index << PAGE_SHIFT) + at,
					    why);
			return err;
		}
		if (fatal_signal_pending(current))
			return -EINTR;
		cond_resched();
	}
	return 0;
}
