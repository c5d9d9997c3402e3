// SPDX-License-Identifier: GPL-2.0
/*
 * testhooks.c - the module's test hooks, in the lab's test build only
 * (SKYBRIDGE_TEST=1, hv/test/hvtest.h): the production module has none of
 * them.  In /sys/kernel/debug/skybridge/:
 *
 *   test_view     accepts "create INDEX FROM TO" (FROM and TO are
 *                 page-aligned addresses in the writer's memory: in the
 *                 view, FROM's page shows TO's page; "0 0" for no remap),
 *                 "resume INDEX RIP" (interrupted visits resume through
 *                 RIP, hv/test/testview.c) and "destroy INDEX".  The pages
 *                 stay pinned while the view exists.  "entry HOW INDEX"
 *                 changes a kernel entry point on this CPU for a moment,
 *                 with interrupts off, to a fresh page that view INDEX
 *                 executes, and fails with EIO unless the RootKernel made
 *                 that page non-executable there before the change is
 *                 undone.  HOW: "lstar", "sysenter" (WRMSR), "lidt" (a copy
 *                 of the IDT with one gate changed).  "idt-write" loads an
 *                 unchanged copy and writes a gate in place: the RootKernel
 *                 must refuse the write (#GP, fixed up here) and leave the
 *                 gate and the page as they were, and the copy must be
 *                 writable again once it is unloaded.
 *   nmi_host      reading it sends this CPU an NMI in host context (the
 *                 RootKernel's HC_TEST_NMI_SELF) and prints the host's
 *                 CR3, the CR3 Linux's NMI handler ran on (the same, or
 *                 the PTI switch broke it) and the NMIs seen.
 *   nmi_held      writing CPU holds an NMI for that CPU's guest; offlining
 *                 the CPU must deliver it; reading prints "nmis N".
 *   probe_hidden  reading it tries to read RootKernel memory from the
 *                 guest kernel; expected: -EFAULT, and the RootKernel logs
 *                 the EPT violation.
 *
 * And the module parameters test_fail_launch_cpu: refuse to launch that
 * CPU, to exercise the rollback of a failed late launch; and
 * test_launch_corrupt: break one VMCS field before each VMLAUNCH
 * (hv/test/testlaunch.c), so that the CPU itself refuses the entry.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/debugfs.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <asm/asm.h>
#include <asm/desc.h>
#include <asm/io.h>
#include <asm/msr.h>
#include <asm/nmi.h>
#include <asm/special_insns.h>

#include "../../hv/hv.h"
#include "../kmod.h"

static int test_fail_cpu = -1;
module_param_named(test_fail_launch_cpu, test_fail_cpu, int, 0444);
MODULE_PARM_DESC(test_fail_launch_cpu,
		 "test build: refuse to launch this CPU, to exercise the rollback (default: -1, none)");

module_param_named(test_host_cr3_odd, hv_test_host_cr3_odd, int, 0444);
MODULE_PARM_DESC(test_host_cr3_odd,
		 "test build: put the host's top-level page table on the odd page of its pair, where an NMI in host context under PTI would run on the wrong page (default 0)");

static int set_launch_corrupt(const char *val, const struct kernel_param *kp)
{
	int n, err = kstrtoint(val, 0, &n);

	if (err)
		return err;
	if (n < HV_TEST_CORRUPT_NONE || n >= HV_TEST_CORRUPT_MAX)
		return -EINVAL;
	hv_test_launch_corrupt = n;
	return 0;
}

static const struct kernel_param_ops launch_corrupt_ops = {
	.set = set_launch_corrupt,
	.get = param_get_int,
};
module_param_cb(test_launch_corrupt, &launch_corrupt_ops, &hv_test_launch_corrupt, 0444);
MODULE_PARM_DESC(test_launch_corrupt,
		 "test build: break one VMCS field before each VMLAUNCH (hv/test/testlaunch.c: 1 guest RFLAGS, 2 activity state, 3 CR0, 4 link pointer, 5 host RIP; default 0, none)");

bool sb_test_refuse_launch(unsigned int cpu)
{
	if ((int)cpu != test_fail_cpu)
		return false;
	pr_err("CPU %u: launch refused by test_fail_launch_cpu\n", cpu);
	return true;
}

static DEFINE_MUTEX(test_lock);

struct test_view {
	bool live;
	struct page *pages[2];
};

static struct test_view test_views[HV_NR_VIEWS];

/*
 * Read 8 bytes at @addr; a fault (the RootKernel injects #GP for its own
 * memory) is fixed up by a plain exception-table entry.  Not
 * copy_from_kernel_nofault(): its user-access fixup warns on #GP.
 */
static int probe_read(const u64 *addr, u64 *val)
{
	u64 v;

	asm_goto_output("1: movq %[mem], %[val]\n\t"
			_ASM_EXTABLE(1b, %l[fault])
			: [val] "=r"(v) : [mem] "m"(*addr) : : fault);
	*val = v;
	return 0;
fault:
	return -EFAULT;
}

static int probe_hidden_show(struct seq_file *m, void *v)
{
	const u64 *addr = (const u64 *)sb_hypercall(HC_TEST_HIDDEN, 0, 0, 0);
	u64 val;

	/* An address comes back as a "negative" long: only errnos are errors. */
	if (IS_ERR_VALUE((unsigned long)addr))
		return (long)addr;
	seq_printf(m, "%d\n", probe_read(addr, &val));
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(probe_hidden);

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
	err = sb_hypercall(HC_TEST_VIEW_CREATE, index, from_pa, to_pa);
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
	long perms = sb_hypercall(HC_TEST_VIEW_QUERY, index, pa, 0);

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

	mutex_lock(&test_lock);
	if (sscanf(buf, "create %u %lx %lx", &index, &from, &to) == 3 &&
	    index >= HV_VIEW_FIRST && index < HV_NR_VIEWS)
		err = test_view_create(index, from, to);
	else if (sscanf(buf, "resume %u %lx", &index, &from) == 2 &&
		 index >= HV_VIEW_FIRST && index < HV_NR_VIEWS)
		err = test_views[index].live ?
		      sb_hypercall(HC_TEST_VIEW_RESUME, index, from, 0) : -ENOENT;
	else if (sscanf(buf, "destroy %u", &index) == 1 &&
		 index >= HV_VIEW_FIRST && index < HV_NR_VIEWS)
		err = test_view_destroy(index);
	else if (sscanf(buf, "entry %15s %u", how, &index) == 2 &&
		 index >= HV_VIEW_FIRST && index < HV_NR_VIEWS)
		err = test_entry(how, index);
	else
		err = -EINVAL;
	mutex_unlock(&test_lock);
	return err ? err : len;
}

static const struct file_operations test_view_fops = {
	.owner	= THIS_MODULE,
	.write	= test_view_write,
	.llseek	= noop_llseek,
};

/*
 * nmi_host: an NMI in host context (hv/test/testnmi.c).  This handler
 * claims the one HC_TEST_NMI_SELF sends and records the CR3 it runs on:
 * the host's, unless the NMI entry's PTI switch changed it.
 */
static bool test_nmi_armed;

static int test_nmi(unsigned int type, struct pt_regs *regs)
{
	if (!READ_ONCE(test_nmi_armed))
		return NMI_DONE;
	WRITE_ONCE(test_nmi_armed, false);
	hv_test_nmi_cr3 = __native_read_cr3();
	WRITE_ONCE(hv_test_nmis, hv_test_nmis + 1);
	return NMI_HANDLED;
}

static int nmi_host_show(struct seq_file *m, void *v)
{
	long host_cr3;
	int err;

	err = register_nmi_handler(NMI_LOCAL, test_nmi, 0, "sb_test_nmi");
	if (err)
		return err;
	hv_test_nmi_cr3 = 0;
	WRITE_ONCE(test_nmi_armed, true);
	host_cr3 = sb_hypercall(HC_TEST_NMI_SELF, 0, 0, 0);
	WRITE_ONCE(test_nmi_armed, false);
	unregister_nmi_handler(NMI_LOCAL, "sb_test_nmi");
	if (host_cr3 < 0)
		seq_printf(m, "error %ld\n", host_cr3);
	else
		seq_printf(m, "host_cr3 0x%lx nmi_cr3 0x%llx nmis %lu\n",
			   host_cr3, hv_test_nmi_cr3, READ_ONCE(hv_test_nmis));
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(nmi_host);

/*
 * nmi_held: writing CPU has the RootKernel hold an NMI for that CPU's
 * guest (HC_TEST_NMI_HOLD) with the handler above armed; taking the CPU
 * offline must deliver it (HC_DEVIRTUALIZE hands it back); reading prints
 * "nmis N", the NMIs the handler claimed so far.
 */
static bool nmi_held_registered;

static void nmi_hold_fn(void *ret)
{
	*(long *)ret = sb_hypercall(HC_TEST_NMI_HOLD, 0, 0, 0);
}

static ssize_t nmi_held_write(struct file *file, const char __user *buf,
			      size_t len, loff_t *ppos)
{
	unsigned int cpu;
	long ret = -ENODEV;
	int err = kstrtouint_from_user(buf, len, 0, &cpu);

	if (err)
		return err;
	if (cpu >= nr_cpu_ids || !cpu_online(cpu))
		return -EINVAL;
	mutex_lock(&test_lock);
	if (!nmi_held_registered) {
		err = register_nmi_handler(NMI_LOCAL, test_nmi, 0, "sb_test_nmi_held");
		nmi_held_registered = !err;
	}
	if (!err) {
		WRITE_ONCE(test_nmi_armed, true);
		err = smp_call_function_single(cpu, nmi_hold_fn, &ret, 1) ?: ret;
	}
	mutex_unlock(&test_lock);
	return err ?: len;
}

static ssize_t nmi_held_read(struct file *file, char __user *buf, size_t len,
			     loff_t *ppos)
{
	char out[32];
	int n = scnprintf(out, sizeof(out), "nmis %lu\n", READ_ONCE(hv_test_nmis));

	return simple_read_from_buffer(buf, len, ppos, out, n);
}

static const struct file_operations nmi_held_fops = {
	.owner = THIS_MODULE,
	.write = nmi_held_write,
	.read = nmi_held_read,
};

void sb_test_debugfs(struct dentry *dir)
{
	debugfs_create_file("test_view", 0200, dir, NULL, &test_view_fops);
	debugfs_create_file("probe_hidden", 0400, dir, NULL, &probe_hidden_fops);
	debugfs_create_file("nmi_host", 0400, dir, NULL, &nmi_host_fops);
	debugfs_create_file("nmi_held", 0600, dir, NULL, &nmi_held_fops);
}

/* Before devirtualization: no view may outlive the module. */
void sb_test_views_exit(void)
{
	unsigned int i;

	mutex_lock(&test_lock);
	for (i = HV_VIEW_FIRST; i < HV_NR_VIEWS; i++)
		if (test_views[i].live)
			test_view_destroy(i);
	mutex_unlock(&test_lock);
}

/* After devirtualization: the test's entry pages may go back. */
void sb_test_free(void)
{
	if (nmi_held_registered)
		unregister_nmi_handler(NMI_LOCAL, "sb_test_nmi_held");
	nmi_held_registered = false;
	while (test_entry_nr)
		__free_page(test_entry_pages[--test_entry_nr]);
}
