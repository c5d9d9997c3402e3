// SPDX-License-Identifier: GPL-2.0
/*
 * views.c - the Linux side of EPT views: the kernel entry pages the
 * RootKernel makes non-executable in every view, view teardown across all
 * CPUs, and the test-only view interface.
 *
 * Entry pages are the pages holding the targets of all 256 IDT gates (live
 * or not: unused vectors point at early-boot stubs on another page) and of
 * the SYSCALL (LSTAR, CSTAR) and SYSENTER MSRs.  They are read again from
 * the IDT and the MSRs each time a view is created, so a view always traps
 * the entry points in force when it was made.  Linux sets them at boot and
 * on CPU bring-up, to the same values; changes made while a view exists are
 * not detected (docs/design.md).
 *
 * Test views (test_hooks=1 only): /sys/kernel/debug/skybridge/test_view
 * accepts "create INDEX FROM TO" (FROM and TO are page-aligned addresses in
 * the writer's memory: in the view, FROM's page shows TO's page; "0 0" for
 * no remap), "resume INDEX RIP" (interrupted visits resume through RIP,
 * see hv/cont.c) and "destroy INDEX".  The pages stay pinned while the view
 * exists.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/cpu.h>
#include <linux/debugfs.h>
#include <linux/mm.h>
#include <linux/mutex.h>
#include <linux/slab.h>
#include <linux/smp.h>
#include <linux/uaccess.h>
#include <asm/desc.h>
#include <asm/io.h>
#include <asm/msr.h>
#include <asm/pgtable_types.h>

#include "../hv/hv.h"
#include "skybridge.h"

static DEFINE_MUTEX(sb_views_lock);

struct test_view {
	bool live;
	struct page *pages[2];
};

static struct test_view test_views[HV_NR_VIEWS];

/* Physical address of a kernel virtual address, through init_mm's tables. */
static u64 kernel_va_to_pa(unsigned long va)
{
	unsigned int level;
	pte_t *pte = lookup_address(va, &level);

	if (!pte || !pte_present(*pte))
		return 0;
	return ((u64)pte_pfn(*pte) << PAGE_SHIFT) +
	       (va & ~page_level_mask(level));
}

static int add_entry_page(u64 *pages, int n, unsigned long va)
{
	u64 pa = kernel_va_to_pa(va) & PAGE_MASK;
	int i;

	if (!pa)
		return n;
	for (i = 0; i < n; i++)
		if (pages[i] == pa)
			return n;
	if (n < HV_MAX_ENTRY_PAGES)
		pages[n++] = pa;
	return n;
}

/* Collect the entry pages and hand them to the RootKernel. */
static int sb_set_entry_pages(void)
{
	u64 *pages = kcalloc(HV_MAX_ENTRY_PAGES, sizeof(u64), GFP_KERNEL);
	const gate_desc *gates;
	struct desc_ptr idt;
	int i, n = 0;
	u64 msr;
	long ret;

	if (!pages)
		return -ENOMEM;
	store_idt(&idt);
	gates = (const gate_desc *)idt.address;
	for (i = 0; i < (idt.size + 1) / (int)sizeof(gate_desc); i++)
		n = add_entry_page(pages, n, gate_offset(&gates[i]));
	rdmsrl(MSR_LSTAR, msr);
	n = add_entry_page(pages, n, msr);
	rdmsrl(MSR_CSTAR, msr);
	n = add_entry_page(pages, n, msr);
	rdmsrl(MSR_IA32_SYSENTER_EIP, msr);
	n = add_entry_page(pages, n, msr);

	ret = hv_call(HC_SET_ENTRY_PAGES, (u64)pages, n, 0);
	kfree(pages);
	if (ret)
		pr_err("RootKernel refused %d entry pages: %ld\n", n, ret);
	return ret;
}

static void flush_on_cpu(void *arg)
{
	long ret = hv_call(HC_VIEW_FLUSH, (unsigned long)arg, 0, 0);

	if (ret)
		pr_err_ratelimited("view %lu: flush failed on CPU %d: %ld\n",
				   (unsigned long)arg, smp_processor_id(), ret);
}

/**
 * sb_view_destroy() - take view @index out of service on every CPU, free it
 *
 * The IPI that runs the flush is a kernel entry: a CPU that was running in
 * the view traps back to the plain view before it flushes.
 */
int sb_view_destroy(unsigned int index)
{
	long ret;

	ret = hv_call(HC_VIEW_INVALIDATE, index, 0, 0);
	if (ret)
		return ret;
	cpus_read_lock();
	on_each_cpu(flush_on_cpu, (void *)(unsigned long)index, 1);
	ret = hv_call(HC_VIEW_FREE, index, 0, 0);
	cpus_read_unlock();
	if (ret)
		pr_err("view %u: cannot free: %ld\n", index, ret);
	return ret;
}

/**
 * sb_view_flush() - INVEPT view @index on every CPU, after a change of its
 * EPT or of the server's page tables; any context with interrupts enabled
 */
void sb_view_flush(unsigned int index)
{
	on_each_cpu(flush_on_cpu, (void *)(unsigned long)index, 1);
}

/**
 * sb_view_create_server() - make a server view at a free index
 *
 * Return: the view index (2-511), or a negative errno: -ENOSPC when every
 * index is taken.
 */
int sb_view_create_server(void)
{
	unsigned int index;
	long ret;

	mutex_lock(&sb_views_lock);
	ret = sb_set_entry_pages();
	for (index = HV_VIEW_FIRST; !ret && index < HV_NR_VIEWS; index++) {
		ret = hv_call(HC_VIEW_CREATE_SERVER, index, 0, 0);
		if (ret != -EBUSY)
			break;
		ret = 0;
	}
	mutex_unlock(&sb_views_lock);
	if (ret)
		return ret;
	return index < HV_NR_VIEWS ? index : -ENOSPC;
}

int sb_view_create(unsigned int index, u64 from_pa, u64 to_pa)
{
	int err = sb_set_entry_pages();

	return err ?: hv_call(HC_VIEW_CREATE, index, from_pa, to_pa);
}

static int pin_page(unsigned long va, struct page **page)
{
	if (va & ~PAGE_MASK)
		return -EINVAL;
	if (pin_user_pages_fast(va, 1, FOLL_WRITE | FOLL_LONGTERM, page) != 1)
		return -EFAULT;
	return 0;
}

static int test_view_create(unsigned int index, unsigned long from,
			    unsigned long to)
{
	struct test_view *tv = &test_views[index];
	u64 from_pa = 0, to_pa = 0;
	int err;

	if (tv->live)
		return -EBUSY;
	if (from || to) {
		err = pin_page(from, &tv->pages[0]);
		if (err)
			return err;
		err = pin_page(to, &tv->pages[1]);
		if (err) {
			unpin_user_page(tv->pages[0]);
			return err;
		}
		from_pa = page_to_phys(tv->pages[0]);
		to_pa = page_to_phys(tv->pages[1]);
	}
	err = sb_view_create(index, from_pa, to_pa);
	if (err) {
		if (from || to)
			unpin_user_pages(tv->pages, 2);
		memset(tv->pages, 0, sizeof(tv->pages));
		return err;
	}
	tv->live = true;
	return 0;
}

static int test_view_destroy(unsigned int index)
{
	struct test_view *tv = &test_views[index];
	int err;

	if (!tv->live)
		return -ENOENT;
	err = sb_view_destroy(index);
	if (err)
		return err;
	if (tv->pages[0])
		unpin_user_pages(tv->pages, 2);
	memset(tv, 0, sizeof(*tv));
	return 0;
}

static ssize_t test_view_write(struct file *file, const char __user *ubuf,
			       size_t len, loff_t *ppos)
{
	unsigned long from = 0, to = 0;
	unsigned int index;
	char buf[96];
	int err;

	if (len >= sizeof(buf))
		return -EINVAL;
	if (copy_from_user(buf, ubuf, len))
		return -EFAULT;
	buf[len] = '\0';

	mutex_lock(&sb_views_lock);
	if (sscanf(buf, "create %u %lx %lx", &index, &from, &to) == 3 &&
	    index >= HV_VIEW_FIRST && index < HV_NR_VIEWS)
		err = test_view_create(index, from, to);
	else if (sscanf(buf, "resume %u %lx", &index, &from) == 2 &&
		 index >= HV_VIEW_FIRST && index < HV_NR_VIEWS)
		err = test_views[index].live ?
		      hv_call(HC_VIEW_SET_RESUME, index, from, 0) : -ENOENT;
	else if (sscanf(buf, "destroy %u", &index) == 1 &&
		 index >= HV_VIEW_FIRST && index < HV_NR_VIEWS)
		err = test_view_destroy(index);
	else
		err = -EINVAL;
	mutex_unlock(&sb_views_lock);
	return err ? err : len;
}

static const struct file_operations test_view_fops = {
	.owner	= THIS_MODULE,
	.write	= test_view_write,
	.llseek	= noop_llseek,
};

void sb_views_debugfs(struct dentry *dir)
{
	if (sb_test_hooks)
		debugfs_create_file("test_view", 0200, dir, NULL,
				    &test_view_fops);
}

/* Before devirtualization: no view may outlive the module. */
void sb_views_exit(void)
{
	unsigned int i;

	mutex_lock(&sb_views_lock);
	for (i = HV_VIEW_FIRST; i < HV_NR_VIEWS; i++)
		if (test_views[i].live)
			test_view_destroy(i);
	mutex_unlock(&sb_views_lock);
}
