// SPDX-License-Identifier: GPL-2.0
/*
 * guard.c - keeping the entry set true while views exist.
 *
 * In every view the pages holding kernel entry points are not executable
 * (view.c): the targets of the 256 IDT gates and of the SYSCALL (LSTAR,
 * CSTAR) and SYSENTER (SYSENTER_EIP) MSRs, as they are when the RootKernel
 * is prepared (hv_guard_init()).  It catches every later change,
 * on every CPU, before a thread can enter the kernel through it:
 *
 *  - WRMSR to IA32_LSTAR, IA32_CSTAR or IA32_SYSENTER_EIP exits (their bits
 *    in the MSR bitmap's write halves, SDM 24.6.9).  The new target's page
 *    joins the set, then the RootKernel does the write.
 *  - LIDT exits (descriptor-table exiting, SDM 24.6.2 Table 24-7), and
 *    desc.c carries it out; a new table is scanned before the guest runs
 *    again.  (The cleaner way, letting the instruction run under the
 *    monitor trap flag, is not open to us: Bochs 2.7's Haswell has no MTF.)
 *  - The pages of every loaded IDT are read-only in the plain view, and a
 *    write to them is refused with #GP.  Linux 6.1 never writes its IDT
 *    after boot (idt_setup_apic_and_irq_gates() maps it read-only, and
 *    alloc_intr_gate() refuses from then on), so only code that defeated
 *    Linux's own protection gets there.  A table is changed by loading
 *    another one, which the previous item covers.
 *
 * A gate whose target is the one that vector had when the RootKernel was
 * loaded (idt_known) adds nothing: that is how the unused vectors' stubs in
 * freed init memory, skipped by the module, stay skipped.
 *
 * Flushing.  The MSRs and the IDTR are per CPU: after they change, only this
 * CPU can enter the kernel through the new target, and an INVEPT of all
 * contexts here is enough.  When a newly loaded table's page becomes
 * read-only, other CPUs may still hold writable translations of it: the
 * OS glue's sync work (hv_os_notify()) makes every CPU INVEPT, then scans every loaded
 * table once more (HC_ENTRY_SYNC) and flushes everywhere again if that
 * found a new target.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/mm.h>
#include <linux/string.h>
#include <asm/desc.h>
#include <asm/msr.h>
#include <asm/pgtable.h>
#include <asm/processor.h>
#include <asm/vmx.h>

#include "hv.h"
#include "vmx_ops.h"

/*
 * The physical address of kernel virtual address @va, through init_mm's
 * tables, or 0 if it is a user address or not mapped.  A lockless walk, so
 * also safe in host context.
 */
static u64 kernel_pa(u64 va)
{
	unsigned int level;
	pte_t *pte;

	if (va < TASK_SIZE_MAX)
		return 0;
	pte = lookup_address(va, &level);
	if (!pte || !pte_present(*pte))
		return 0;
	return ((u64)pte_pfn(*pte) << PAGE_SHIFT) +
	       (va & ~page_level_mask(level));
}

/* Copy @len bytes of kernel memory at @va (any mapping) through the direct map. */
static bool read_kernel(u64 va, void *buf, size_t len)
{
	while (len) {
		size_t n = min_t(size_t, len, PAGE_SIZE - (va & ~PAGE_MASK));
		u64 pa = kernel_pa(va);

		if (!pa || !pfn_valid(PHYS_PFN(pa)))
			return false;
		memcpy(buf, __va(pa), n);
		buf += n;
		va += n;
		len -= n;
	}
	return true;
}

/*
 * Entry target @va: its page joins the entry set (unless it is unmapped:
 * entering there faults in the plain view too).  view_lock held, or no CPU
 * launched yet.
 */
static int entry_add(struct hv_global *g, u64 va)
{
	u64 pa = kernel_pa(va);

	return pa ? hv_entry_page_add(g, pa) : 0;
}

static int add_target(struct hv_cpu *hc, u64 va)
{
	int ret = entry_add(hc->g, va);

	if (ret > 0)
		hc->stats.entry_pages_added++;
	return ret;
}

/* The gates of the IDT at @base whose targets changed.  view_lock held. */
static int scan_idt(struct hv_cpu *hc, u64 base, u32 limit)
{
	unsigned int v, n = min_t(unsigned int, (limit + 1) / sizeof(gate_desc),
				  ARRAY_SIZE(hc->g->idt_known));
	int ret, added = 0;

	for (v = 0; v < n; v++) {
		gate_desc gate;
		u64 target;

		if (!read_kernel(base + v * sizeof(gate), &gate, sizeof(gate)))
			continue;	/* not mapped: no CPU can use it either */
		target = gate_offset(&gate);
		if (target == hc->g->idt_known[v])
			continue;
		ret = add_target(hc, target);
		if (ret < 0)
			return ret;
		added += ret;
	}
	return added;
}

static bool idt_page_guarded(struct hv_global *g, u64 pa)
{
	unsigned int i;

	for (i = 0; i < g->nr_idt_guard; i++)
		if (g->idt_guard[i] == (pa & PAGE_MASK))
			return true;
	return false;
}

static void guard_add(struct hv_global *g, u64 va, u64 *want, unsigned int *n)
{
	u64 pa = kernel_pa(va) & PAGE_MASK;
	unsigned int i;

	if (!pa)
		return;
	for (i = 0; i < *n; i++)
		if (want[i] == pa)
			return;
	if (*n == HV_MAX_IDT_GUARD) {
		hv_log(KBUILD_MODNAME ": more than %d IDT pages loaded: writes to 0x%llx are not watched\n",
		       HV_MAX_IDT_GUARD, pa);
		return;
	}
	want[(*n)++] = pa;
}

/*
 * Write-protect exactly the pages of the IDTs the CPUs have loaded, in the
 * plain view.  view_lock held.  Return: whether anything changed.
 */
static bool guard_update(struct hv_global *g)
{
	u64 want[HV_MAX_IDT_GUARD];
	unsigned int cpu, i, n = 0;
	bool changed = false;

	for (cpu = 0; cpu < g->nr_cpus; cpu++) {
		struct hv_cpu *c = g->cpus[cpu];

		if (!c || !c->idtr_limit)
			continue;
		guard_add(g, c->idtr_base, want, &n);
		guard_add(g, c->idtr_base + c->idtr_limit, want, &n);
	}
	for (i = 0; i < g->nr_idt_guard; i++) {
		unsigned int j;

		for (j = 0; j < n && want[j] != g->idt_guard[i]; j++)
			;
		if (j == n) {
			hv_identity_set_write(g, g->idt_guard[i], true);
			changed = true;
		}
	}
	for (i = 0; i < n; i++) {
		if (idt_page_guarded(g, want[i]))
			continue;
		if (hv_identity_set_write(g, want[i], false))
			hv_log(KBUILD_MODNAME ": cannot write-protect the IDT page 0x%llx: writes to it are not watched\n",
			       want[i]);
		changed = true;
	}
	memcpy(g->idt_guard, want, n * sizeof(want[0]));
	g->nr_idt_guard = n;
	return changed;
}

/* Every IDT a CPU has loaded, scanned again.  view_lock held. */
static int scan_all(struct hv_cpu *hc)
{
	struct hv_global *g = hc->g;
	unsigned int cpu;
	int ret, added = 0;

	for (cpu = 0; cpu < g->nr_cpus; cpu++) {
		struct hv_cpu *c = g->cpus[cpu];

		if (!c || !c->idtr_limit)
			continue;
		ret = scan_idt(hc, c->idtr_base, c->idtr_limit);
		if (ret < 0)
			return ret;
		added += ret;
	}
	return added;
}

static void flush_all_contexts(struct hv_cpu *hc)
{
	if (vmx_invept(VMX_EPT_EXTENT_GLOBAL, 0))
		hv_log(KBUILD_MODNAME ": CPU %u: INVEPT failed\n", hc->cpu);
}

/**
 * hv_guard_init() - before the first launch: the entry set from the IDT
 * (all 256 gates, live or not) and the SYSCALL and SYSENTER MSRs, the
 * IDT's targets as Linux set them, and its page write-protected; kernel
 * context, after the RootKernel's memory is hidden (a freed early-boot
 * stub may lie in it: such a page is skipped, view.c)
 */
int hv_guard_init(struct hv_global *g)
{
	const gate_desc *gates;
	struct desc_ptr idt;
	unsigned int cpu, v;
	u32 *bitmap = g->msr_bitmap;
	int err = 0;

	store_idt(&idt);
	gates = (const gate_desc *)idt.address;
	for (v = 0; v < ARRAY_SIZE(g->idt_known) &&
		    v < (idt.size + 1U) / sizeof(gate_desc); v++) {
		g->idt_known[v] = gate_offset(&gates[v]);
		err = min(err, entry_add(g, g->idt_known[v]));
	}
	err = min(err, entry_add(g, native_read_msr(MSR_LSTAR)));
	err = min(err, entry_add(g, native_read_msr(MSR_CSTAR)));
	err = min(err, entry_add(g, native_read_msr(MSR_IA32_SYSENTER_EIP)));
	if (err < 0)
		return err;

	/*
	 * SDM 24.6.9: write bitmap for MSRs 0-0x1fff at byte 2048, for
	 * 0xc0000000-0xc0001fff at byte 3072.
	 */
	__set_bit(MSR_IA32_SYSENTER_EIP, (unsigned long *)(bitmap + 2048 / 4));
	__set_bit(MSR_LSTAR & 0x1fff, (unsigned long *)(bitmap + 3072 / 4));
	__set_bit(MSR_CSTAR & 0x1fff, (unsigned long *)(bitmap + 3072 / 4));

	/* Each CPU's own IDTR is read again when it launches. */
	for (cpu = 0; cpu < g->nr_cpus; cpu++) {
		if (!g->cpus[cpu])
			continue;
		g->cpus[cpu]->idtr_base = idt.address;
		g->cpus[cpu]->idtr_limit = idt.size;
	}
	guard_update(g);
	return g->nr_idt_guard ? 0 : -EFAULT;
}

bool hv_guard_msr(u32 msr)
{
	return msr == MSR_LSTAR || msr == MSR_CSTAR ||
	       msr == MSR_IA32_SYSENTER_EIP;
}

/* Is @rip this CPU's SYSCALL or SYSENTER entry (64-bit or compat)? */
bool hv_guard_syscall_entry(u64 rip)
{
	return rip == native_read_msr(MSR_LSTAR) ||
	       rip == native_read_msr(MSR_CSTAR) ||
	       rip == vmcs_readl(GUEST_SYSENTER_EIP);
}

/**
 * hv_guard_wrmsr() - an intercepted WRMSR of an entry MSR
 *
 * Return: 0 when done, -EINVAL for a value the CPU would refuse with #GP
 * (not canonical, SDM WRMSR).
 */
int hv_guard_wrmsr(struct hv_cpu *hc, u32 msr, u64 val)
{
	struct hv_global *g = hc->g;

	if (!__is_canonical_address(val, boot_cpu_data.x86_virt_bits))
		return -EINVAL;
	arch_spin_lock(&g->view_lock);
	add_target(hc, val);
	arch_spin_unlock(&g->view_lock);
	/* The SYSENTER MSRs are guest state in the VMCS (SDM 24.4.1). */
	if (msr == MSR_IA32_SYSENTER_EIP)
		vmcs_writel(GUEST_SYSENTER_EIP, val);
	else if (wrmsrl_safe(msr, val))
		return -EINVAL;
	flush_all_contexts(hc);
	hc->stats.entry_msr_writes++;
	return 0;
}

/**
 * hv_guard_idt_loaded() - an emulated LIDT has set this CPU's IDTR (desc.c)
 */
void hv_guard_idt_loaded(struct hv_cpu *hc, u64 base, u32 limit)
{
	struct hv_global *g = hc->g;
	bool guarded;

	if (base == hc->idtr_base && limit == hc->idtr_limit)
		return;
	arch_spin_lock(&g->view_lock);
	hc->idtr_base = base;
	hc->idtr_limit = limit;
	scan_idt(hc, base, limit);
	guarded = guard_update(g);
	arch_spin_unlock(&g->view_lock);
	hc->stats.entry_idt_loads++;
	/* The IDTR is this CPU's: flushing here covers its entries. */
	flush_all_contexts(hc);
	/*
	 * Another CPU may hold a writable translation of a page that is
	 * read-only now: all of them flush, then one more scan.
	 */
	if (guarded)
		hv_os_notify(HV_EVENT_ENTRY_SYNC);
}

/**
 * hv_guard_ept_write() - a write in the plain view the EPT refused
 *
 * Return: GUARD_REFUSE for a write to a loaded IDT (the caller injects
 * #GP), GUARD_RETRY if the page is writable by now and this CPU's
 * translation was stale (flushed here), GUARD_NOT_MINE otherwise.
 */
enum hv_guard_write hv_guard_ept_write(struct hv_cpu *hc, u64 gpa)
{
	struct hv_global *g = hc->g;
	enum hv_guard_write ret = GUARD_NOT_MINE;

	arch_spin_lock(&g->view_lock);
	if (idt_page_guarded(g, gpa))
		ret = GUARD_REFUSE;
	else if (ept_perms(g->ept_root, gpa) & VMX_EPT_WRITABLE_MASK)
		ret = GUARD_RETRY;
	arch_spin_unlock(&g->view_lock);
	if (ret == GUARD_REFUSE) {
		hc->stats.entry_idt_writes++;
		hv_log(KBUILD_MODNAME ": CPU %u: write to a loaded IDT (GPA 0x%llx) at RIP 0x%lx refused: #GP\n",
		       hc->cpu, gpa, vmcs_readl(GUEST_RIP));
	} else if (ret == GUARD_RETRY) {
		flush_all_contexts(hc);
	}
	return ret;
}

/* HC_ENTRY_SYNC: every loaded IDT scanned again; the pages it added. */
long hc_entry_sync(struct hv_cpu *hc, struct hv_regs *regs)
{
	struct hv_global *g = hc->g;
	long added;

	arch_spin_lock(&g->view_lock);
	added = scan_all(hc);
	guard_update(g);
	arch_spin_unlock(&g->view_lock);
	flush_all_contexts(hc);
	return added;
}
