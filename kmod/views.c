// SPDX-License-Identifier: GPL-2.0
/*
 * views.c - the Linux side of EPT views: the kernel entry pages the
 * RootKernel makes non-executable in every view, view teardown across all
 * CPUs, and the test-only view interface.
 *
 * Entry pages are the pages holding the targets of all 256 IDT gates (live
 * or not: unused vectors point at early-boot stubs on another page) and of
 * the SYSCALL (LSTAR, CSTAR) and SYSENTER MSRs.  They are read again from
 * the IDT and the MSRs each time a view is created; the RootKernel adds
 * the targets of every later change (WRMSR, LIDT, a write to the IDT) on
 * its own, in every view (hv/guard.c).
 *
 * Test views (test_hooks=1 only): /sys/kernel/debug/skybridge/test_view
 * accepts "create INDEX FROM TO" (FROM and TO are page-aligned addresses in
 * the writer's memory: in the view, FROM's page shows TO's page; "0 0" for
 * no remap), "resume INDEX RIP" (interrupted visits resume through RIP,
 * see hv/cont.c) and "destroy INDEX".  The pages stay pinned while the view
 * exists.  "entry HOW INDEX" changes a kernel entry point on this CPU for a
 * moment, with interrupts off, to a fresh page that view INDEX executes,
 * and fails with EIO unless the RootKernel made that page non-executable
 * there before the change is undone.  HOW: "lstar", "sysenter" (WRMSR),
 * "lidt" (a copy of the IDT with one gate changed).  "idt-write" loads an
 * unchanged copy and writes a gate in place: the RootKernel must refuse the
 * write (#GP, fixed up here) and leave the gate and the page as they were,
 * and the copy must be writable again once it is unloaded.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/cpu.h>
#include <linux/debugfs.h>
#include <linux/mm.h>
#include <linux/mutex.h>
#include <linux/slab.h>
#include <linux/smp.h>
#include <linux/uaccess.h>
#include <asm/asm.h>
#include <asm/desc.h>
#include <asm/io.h>
#include <asm/msr.h>
#include <asm/pgtable_types.h>

#include "../hv/hv.h"
#include "kmod.h"

static DEFINE_MUTEX(sb_views_lock);

struct test_view {
	bool live;
	struct page *pages[2];
};

static struct test_view test_views[HV_NR_VIEWS];

static int add_entry_page(u64 *pages, int n, unsigned long va)
{
	u64 pa = hv_kernel_pa(va) & PAGE_MASK;
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
 * @handoff: system calls and faults in its handlers hand off (hv/cont.c)
 *
 * A server view takes two indices: its own, even, and its return view's,
 * the next (hv/view.c).
 *
 * Return: the view index (2-510, even), or a negative errno: -ENOSPC when
 * no pair of indices is free.
 */
int sb_view_create_server(bool handoff)
{
	unsigned int index;
	long ret;

	mutex_lock(&sb_views_lock);
	ret = sb_set_entry_pages();
	for (index = HV_VIEW_FIRST; !ret && index < HV_NR_VIEWS; index += 2) {
		ret = hv_call(HC_VIEW_CREATE_SERVER, index,
			      handoff ? HV_VIEW_F_HANDOFF : 0, 0);
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

/*
 * Pages that became entry pages in a test stay non-executable in every view
 * until the RootKernel is gone: they are freed at module exit only.
 */
#define TEST_ENTRY_MAX	32
static struct page *test_entry_pages[TEST_ENTRY_MAX];
static unsigned int test_entry_nr;

/* Store @val at @addr; a #GP (the RootKernel refusing it) is fixed up. */
static int probe_write(u64 *addr, u64 val)
{
	asm goto("1: movq %[val], %[mem]\n\t"
		 _ASM_EXTABLE(1b, %l[fault])
		 : : [mem] "m"(*addr), [val] "r"(val) : "memory"
		 : fault);
	return 0;
fault:
	return -EFAULT;
}

static void set_gate_target(gate_desc *gate, unsigned long va)
{
	gate->offset_low = (u16)va;
	gate->offset_middle = (u16)(va >> 16);
	gate->offset_high = (u32)(va >> 32);
}

/* Execute permission of @pa in view @index: 1, 0, or a negative errno. */
static long view_executes(unsigned int index, u64 pa)
{
	long perms = hv_call(HC_VIEW_QUERY, index, pa, 0);

	return perms < 0 ? perms : !!(perms & HV_PERM_EXEC);
}

static int test_entry(const char *how, unsigned int index)
{
	struct page *target, *copy = NULL;
	int refused = 0, rewritten = 0;
	unsigned long va, flags;
	long before, during;
	struct desc_ptr idt;
	u64 old = 0, seen = 0;
	gate_desc *gates;
	gate_desc want;

	if (strcmp(how, "lstar") && strcmp(how, "sysenter") &&
	    strcmp(how, "lidt") && strcmp(how, "idt-write"))
		return -EINVAL;
	if (!test_views[index].live)
		return -ENOENT;
	if (test_entry_nr == TEST_ENTRY_MAX)
		return -ENOSPC;
	target = alloc_page(GFP_KERNEL | __GFP_ZERO);
	if (!target)
		return -ENOMEM;
	test_entry_pages[test_entry_nr++] = target;
	va = (unsigned long)page_address(target);
	before = view_executes(index, page_to_phys(target));
	if (before != 1) {
		pr_err("test entry: a fresh page is not executable in view %u (%ld)\n",
		       index, before);
		return -EIO;
	}
	if (!strcmp(how, "lidt") || !strcmp(how, "idt-write")) {
		copy = alloc_page(GFP_KERNEL | __GFP_ZERO);
		if (!copy)
			return -ENOMEM;
	}

	local_irq_save(flags);
	if (!strcmp(how, "lstar") || !strcmp(how, "sysenter")) {
		u32 msr = how[0] == 'l' ? MSR_LSTAR : MSR_IA32_SYSENTER_EIP;

		rdmsrl(msr, old);
		wrmsrl(msr, va);
		rdmsrl(msr, seen);
		during = view_executes(index, page_to_phys(target));
		wrmsrl(msr, old);
	} else {		/* "lidt", "idt-write": @copy is the new IDT */
		store_idt(&idt);
		gates = page_address(copy);
		memcpy(gates, (void *)idt.address, idt.size + 1);
		if (how[0] == 'l')
			set_gate_target(&gates[IA32_SYSCALL_VECTOR], va);
		load_idt(&(struct desc_ptr){ .size = idt.size,
					     .address = (unsigned long)gates });
		if (how[0] == 'i') {
			want = gates[IA32_SYSCALL_VECTOR];
			set_gate_target(&want, va);
			refused = probe_write((u64 *)&gates[IA32_SYSCALL_VECTOR],
					      *(u64 *)&want);
		}
		seen = gate_offset(&gates[IA32_SYSCALL_VECTOR]);
		during = view_executes(index, page_to_phys(target));
		load_idt(&idt);
		if (how[0] == 'i')
			rewritten = probe_write((u64 *)&gates[IA32_SYSCALL_VECTOR],
						*(u64 *)&want);
	}
	local_irq_restore(flags);
	if (copy)
		__free_page(copy);

	if (how[0] == 'i') {
		if (!refused || rewritten || seen == va || during != 1) {
			pr_err("test entry idt-write: write %s, gate %s, page %s in view %u (%ld), %s after unloading\n",
			       refused ? "refused" : "done",
			       seen == va ? "changed" : "unchanged",
			       during == 1 ? "executable" : "not executable",
			       index, during,
			       rewritten ? "still read-only" : "writable");
			return -EIO;
		}
		pr_info("test entry idt-write: a write to the loaded IDT was refused\n");
		return 0;
	}
	if (seen != va) {
		pr_err("test entry %s: the new target did not take: 0x%llx\n",
		       how, seen);
		return -EIO;
	}
	if (during != 0) {
		pr_err("test entry %s: the new target's page stayed executable in view %u (%ld)\n",
		       how, index, during);
		return -EIO;
	}
	pr_info("test entry %s: the new target is not executable in view %u\n",
		how, index);
	return 0;
}

static ssize_t test_view_write(struct file *file, const char __user *ubuf,
			       size_t len, loff_t *ppos)
{
	unsigned long from = 0, to = 0;
	unsigned int index;
	char buf[96], how[16];
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
	else if (sscanf(buf, "entry %15s %u", how, &index) == 2 &&
		 index >= HV_VIEW_FIRST && index < HV_NR_VIEWS)
		err = test_entry(how, index);
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

/* After devirtualization: the test's entry pages may go back. */
void sb_views_free(void)
{
	while (test_entry_nr)
		__free_page(test_entry_pages[--test_entry_nr]);
}
