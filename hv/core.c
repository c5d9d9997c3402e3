// SPDX-License-Identifier: GPL-2.0
/*
 * core.c - bring the RootKernel up and down.
 *
 * hv_init() allocates everything for every possible CPU, builds the identity
 * EPT and hides all of it from the guest, while every CPU still runs
 * natively.  hv_cpu_launch() then late-launches one CPU (called on that CPU
 * by the OS glue), and HC_DEVIRTUALIZE (hv_devirtualize()) takes it out of
 * VMX operation again.  hv_exit() frees the memory once no CPU is in VMX
 * operation.
 *
 * From the first launch on, guest code must not dereference anything
 * hv_alloc_pages() returned: the EPT makes it fault.  The pointers kept here
 * are only handed to CPUs that still run natively.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/mm.h>
#include <linux/overflow.h>
#include <linux/random.h>
#include <linux/slab.h>
#include <asm/debugreg.h>
#include <asm/desc.h>
#include <asm/invpcid.h>
#include <asm/msr.h>
#include <asm/processor.h>
#include <asm/special_insns.h>
#include <asm/tlbflush.h>
#include <asm/vmx.h>

#include "hv.h"
#include "vmx_ops.h"

static struct hv_global *hv;

static_assert(offsetof(struct hv_cpu, devirt) == 0);
static_assert(sizeof(struct hv_cpu) <= PAGE_SIZE);
static_assert(sizeof(struct hv_regs) == 16 * 8);

static int alloc_cpu(struct hv_global *g, unsigned int cpu)
{
	struct hv_cpu *hc = hv_alloc_pages(0);

	if (!hc)
		return -ENOMEM;
	hc->g = g;
	hc->cpu = cpu;
	hc->vmxon = hv_alloc_pages(0);
	hc->vmcs = hv_alloc_pages(0);
	hc->stack = hv_alloc_pages(HV_HOST_STACK_ORDER);
	if (!hc->vmxon || !hc->vmcs || !hc->stack)
		return -ENOMEM;
	/* SDM 24.2 and 24.11.5: both regions start with the revision id. */
	*(u32 *)hc->vmxon = g->caps.vmcs_revision;
	*(u32 *)hc->vmcs = g->caps.vmcs_revision;
	hc->vmxon_pa = __pa(hc->vmxon);
	hc->vmcs_pa = __pa(hc->vmcs);
	g->cpus[cpu] = hc;
	return 0;
}

/*
 * The host's page table: a private top level holding the kernel half of
 * Linux's (the lower levels are shared).  It outlives any process, unlike
 * the CR3 of whoever ran insmod, and maps no user memory.  It is the even
 * page of an 8 KiB-aligned pair, as Linux's own are under PTI: an NMI,
 * #MC or #DB in host context goes through Linux's paranoid entry, which
 * takes a CR3 with bit 12 set for a user page table and clears the bit
 * (PTI_USER_PGTABLE_MASK); on an odd page it would run on the page below.
 */
static int alloc_host_page_table(struct hv_global *g)
{
	u64 *pair = hv_alloc_pages(1), *top;
	const u64 *cur = __va(read_cr3_pa());

	if (!pair)
		return -ENOMEM;
	top = hv_test_host_pgd(pair);
	memcpy(top + 256, cur + 256, 256 * sizeof(u64));
	g->host_cr3 = __pa(top);
	return 0;
}

/* Continuation records: one XSAVE page each (checked to be enough). */
static int alloc_conts(struct hv_global *g)
{
	u32 eax, size, ecx, edx;
	unsigned int i;

	cpuid_count(0xd, 0, &eax, &size, &ecx, &edx);
	if (!boot_cpu_has(X86_FEATURE_XSAVE) || size > PAGE_SIZE) {
		pr_err("continuations need XSAVE with at most %lu bytes of state (have %u)\n",
		       PAGE_SIZE, size);
		return -EOPNOTSUPP;
	}
	g->xsave_init = hv_alloc_pages(0);
	g->conts = hv_alloc_pages(get_order(g->limits.records * sizeof(*g->conts)));
	g->owner_records = hv_alloc_pages(get_order(HV_MAX_OWNERS * sizeof(u16)));
	g->owner_pages = hv_alloc_pages(get_order(HV_MAX_OWNERS * sizeof(u16)));
	g->free_conts = hv_alloc_pages(get_order(g->limits.records * sizeof(u16)));
	if (!g->xsave_init || !g->conts || !g->owner_records || !g->owner_pages ||
	    !g->free_conts)
		return -ENOMEM;
	/* XSTATE_BV = 0 restores the init state; MXCSR's init value is 0x1f80. */
	*(u32 *)(g->xsave_init + 24) = 0x1f80;
	for (i = 0; i < g->limits.records; i++) {
		g->conts[i].xsave = hv_alloc_pages(0);
		if (!g->conts[i].xsave)
			return -ENOMEM;
		g->free_conts[g->nr_free_conts++] = g->limits.records - 1 - i;
	}
	get_random_bytes(&g->token_key, sizeof(g->token_key));
	g->pti = boot_cpu_has(X86_FEATURE_PTI);
	return 0;
}

static int alloc_views(struct hv_global *g)
{
	size_t flushed = HV_NR_VIEWS * BITS_TO_LONGS(g->nr_cpus) * sizeof(long);
	unsigned int b, i;

	g->view_lock = (arch_spinlock_t)__ARCH_SPIN_LOCK_UNLOCKED;
	g->views = hv_alloc_pages(get_order(HV_NR_VIEWS * sizeof(*g->views)));
	g->view_flushed = hv_alloc_pages(get_order(flushed));
	if (!g->views || !g->view_flushed)
		return -ENOMEM;
	for (b = 0; b < HV_POOL_BLOCKS; b++) {
		u8 *block = hv_alloc_pages(HV_POOL_BLOCK_ORDER);

		if (!block)
			return -ENOMEM;
		for (i = 0; i < (1U << HV_POOL_BLOCK_ORDER); i++)
			g->pool[g->pool_free++] = (u64 *)(block + i * PAGE_SIZE);
	}
	return 0;
}

/**
 * hv_init() - check the CPU and prepare the RootKernel; launches nothing
 * @limits: how many records, and what one owner may hold (1 to 65535 each)
 *
 * Return: 0, or a negative errno after logging why.
 */
int hv_init(const struct hv_tramp *tramp, const struct hv_limits *limits)
{
	unsigned int cpu, nr = nr_cpu_ids;
	size_t size = struct_size(hv, cpus, nr);
	struct hv_caps caps;
	int err;

	err = hv_caps_probe(&caps);
	if (err)
		return err;

	err = -ENOMEM;
	hv = hv_alloc_pages(get_order(size));
	if (!hv)
		goto fail;
	hv->caps = caps;
	hv->limits = *limits;
	hv->nr_cpus = nr;
	if (tramp)
		hv->tramp = *tramp;
	hv->msr_bitmap = hv_alloc_pages(0);	/* all zero: no MSR exits */
	hv->eptp_list = hv_alloc_pages(0);	/* zero entries are invalid */
	if (!hv->msr_bitmap || !hv->eptp_list)
		goto fail;
	err = alloc_host_page_table(hv);
	err = err ?: alloc_views(hv);
	err = err ?: alloc_conts(hv);
	if (err)
		goto fail;
	for_each_possible_cpu(cpu) {
		err = alloc_cpu(hv, cpu);
		if (err)
			goto fail;
	}

	err = -ENOMEM;
	hv->ept_root = ept_build_identity(&hv->caps);
	if (!hv->ept_root)
		goto fail;
	hv->eptp = ept_make_eptp(hv->ept_root);
	hv->eptp_list[0] = hv->eptp;	/* view 0: the plain identity view */

	err = hv_tramp_protect(hv);
	err = err ?: hv_hide_all(hv->ept_root);
	err = err ?: hv_landing_build(hv);
	err = err ?: hv_guard_init(hv);
	if (err)
		goto fail;
	pr_info("RootKernel %d.%d ready: EPT 1G pages %s, 2M pages %s, %u CPUs\n",
		HV_VERSION_MAJOR, HV_VERSION_MINOR,
		caps.ept_1g ? "yes" : "no", caps.ept_2m ? "yes" : "no", nr);
	return 0;

fail:
	pr_err("cannot prepare the RootKernel: %d\n", err);
	hv_free_all();
	hv = NULL;
	return err;
}

/* The MSRs of struct hv_native, in its msr[] order. */
static const u32 native_msrs[HV_NATIVE_MSRS] = {
	MSR_FS_BASE, MSR_GS_BASE, MSR_EFER, MSR_IA32_CR_PAT,
	MSR_IA32_DEBUGCTLMSR, MSR_IA32_SYSENTER_CS, MSR_IA32_SYSENTER_ESP,
	MSR_IA32_SYSENTER_EIP,
};

/* The native state at VMLAUNCH, for a VM entry that fails (exit.c). */
static void native_save(struct hv_native *n)
{
	unsigned int i;

	native_store_gdt(&n->gdt);
	store_idt(&n->idt);
	asm volatile("sldt %0" : "=rm"(n->ldt));
	n->cr3 = __native_read_cr3();
	n->cr4 = __read_cr4();
	n->dr7 = native_get_debugreg(7);
	for (i = 0; i < HV_NATIVE_MSRS; i++)
		rdmsrl(native_msrs[i], n->msr[i]);
}

static int check_fixed_bits(const struct hv_caps *caps)
{
	unsigned long cr0 = native_read_cr0(), cr4 = __read_cr4() | X86_CR4_VMXE;

	/* SDM A.7, A.8: bits 1 in FIXED0 must be 1, bits 0 in FIXED1 must be 0. */
	if ((cr0 & caps->cr0_fixed0) != caps->cr0_fixed0 ||
	    (cr0 & ~caps->cr0_fixed1) ||
	    (cr4 & caps->cr4_fixed0) != caps->cr4_fixed0 ||
	    (cr4 & ~caps->cr4_fixed1)) {
		pr_err("CPU %d: CR0 0x%lx / CR4 0x%lx violate the VMX fixed bits\n",
		       smp_processor_id(), cr0, cr4);
		return -EOPNOTSUPP;
	}
	return 0;
}

static int launch_this_cpu(struct hv_cpu *hc)
{
	unsigned long cr4 = __read_cr4();
	int err, r;

	err = hv_cpu_enable_vmx_msr();
	err = err ?: check_fixed_bits(&hc->g->caps);
	if (err)
		return err;

	/* Raw write: Linux's cached CR4 never holds VMXE (docs/design.md). */
	hv_write_cr4(cr4 | X86_CR4_VMXE);
	if (vmx_on(hc->vmxon_pa)) {
		pr_err("CPU %u: VMXON failed (is another hypervisor active?)\n",
		       hc->cpu);
		err = -EBUSY;
		goto clear_vmxe;
	}
	if (vmcs_clear(hc->vmcs_pa) || vmcs_load(hc->vmcs_pa)) {
		pr_err("CPU %u: VMCLEAR/VMPTRLD failed\n", hc->cpu);
		err = -EIO;
		goto vmxoff;
	}
	err = hv_vmcs_setup(hc);
	if (err) {
		pr_err("CPU %u: writing the VMCS failed\n", hc->cpu);
		goto vmxoff;
	}
	/* Nothing cached from an earlier load may survive (VPID 1, any EPTP). */
	if (vmx_invept(VMX_EPT_EXTENT_GLOBAL, 0) ||
	    vmx_invvpid(VMX_VPID_EXTENT_ALL_CONTEXT, 0)) {
		pr_err("CPU %u: INVEPT/INVVPID failed\n", hc->cpu);
		err = -EIO;
		goto vmxoff;
	}
	hv_test_before_launch(hc);
	native_save(&hc->native);
	hc->ran = false;
	hc->launched = true;
	r = hv_launch();
	if (r == 0)
		return 0;	/* the guest from here on: hc is out of reach */
	hc->launched = false;
	err = -EIO;
	if (r == HV_LAUNCH_ENTRY_FAILED) {
		/* exit.c left VMX already. */
		pr_err("CPU %u: VM entry failed: exit reason 0x%x, qualification 0x%llx (SDM 26.8: 33 is invalid guest state, 34 MSR loading, 41 a machine check); nothing launched\n",
		       hc->cpu, hc->entry_failure, hc->entry_qual);
		goto clear_vmxe;
	}
	pr_err("CPU %u: VMLAUNCH failed: %s %u\n", hc->cpu,
	       r == HV_LAUNCH_FAIL_INVALID ? "VMfailInvalid" : "VM-instruction error",
	       r == HV_LAUNCH_FAIL_INVALID ? 0 : vmcs_read32(VM_INSTRUCTION_ERROR));
vmxoff:
	vmx_off();
clear_vmxe:
	hv_write_cr4(cr4);
	return err;
}

/**
 * hv_cpu_launch() - late-launch the RootKernel on @cpu; called on @cpu,
 * natively, with interrupts off.  The OS glue devirtualizes it again with
 * HC_DEVIRTUALIZE.
 */
int hv_cpu_launch(unsigned int cpu)
{
	if (!hv || cpu >= hv->nr_cpus || !hv->cpus[cpu])
		return -EINVAL;
	return launch_this_cpu(hv->cpus[cpu]);
}

/* Once no CPU is in VMX operation. */
void hv_exit(void)
{
	hv_free_all();
	hv = NULL;
}

/*
 * After VMXOFF, in host context: put back what a VM exit changed (SDM
 * 27.5), so that entry.S can return to the guest natively.
 */
static void native_restore(const struct hv_native *n)
{
	unsigned int i;

	hv_write_cr4(n->cr4 & ~X86_CR4_VMXE);
	native_load_gdt(&n->gdt);
	native_load_idt(&n->idt);
	/* An exit leaves LDTR unusable; a process with an LDT needs it back. */
	asm volatile("lldt %w0" : : "q"(n->ldt));
	for (i = 0; i < HV_NATIVE_MSRS; i++)
		wrmsrl(native_msrs[i], n->msr[i]);
	native_set_debugreg(7, n->dr7);
	native_write_cr3(n->cr3);
	/* Drop every translation made in VMX root or under our host CR3. */
	if (n->cr4 & X86_CR4_PCIDE) {
		invpcid_flush_all();
	} else {
		hv_write_cr4((n->cr4 & ~X86_CR4_VMXE) ^ X86_CR4_PGE);
		hv_write_cr4(n->cr4 & ~X86_CR4_VMXE);
	}
}

/* Leave VMX operation on this CPU, to @rip and @rsp natively (host context). */
static void leave_vmx(struct hv_cpu *hc, const struct hv_native *n, u64 rip,
		      u64 rsp, u64 rflags)
{
	hc->devirt.rip = rip;
	hc->devirt.rsp = rsp;
	hc->devirt.rflags = rflags;
	hc->devirt.cs = __KERNEL_CS;
	hc->devirt.ss = __KERNEL_DS;
	vmcs_clear(hc->vmcs_pa);
	vmx_off();
	hc->launched = false;
	native_restore(n);
}

/* HC_DEVIRTUALIZE, in host context: the guest goes on natively. */
void hv_devirtualize(struct hv_cpu *hc, struct hv_regs *regs)
{
	struct hv_native n = {
		.gdt = { .size = vmcs_read32(GUEST_GDTR_LIMIT),
			 .address = vmcs_readl(GUEST_GDTR_BASE) },
		.idt = { .size = vmcs_read32(GUEST_IDTR_LIMIT),
			 .address = vmcs_readl(GUEST_IDTR_BASE) },
		.ldt = vmcs_read16(GUEST_LDTR_SELECTOR),
		.cr3 = vmcs_readl(GUEST_CR3), .cr4 = vmcs_readl(GUEST_CR4),
		.dr7 = vmcs_readl(GUEST_DR7),
		.msr = { vmcs_readl(GUEST_FS_BASE), vmcs_readl(GUEST_GS_BASE),
			 vmcs_read64(GUEST_IA32_EFER), vmcs_read64(GUEST_IA32_PAT),
			 vmcs_read64(GUEST_IA32_DEBUGCTL),
			 vmcs_read32(GUEST_SYSENTER_CS),
			 vmcs_readl(GUEST_SYSENTER_ESP),
			 vmcs_readl(GUEST_SYSENTER_EIP) },
	};

	leave_vmx(hc, &n, vmcs_readl(GUEST_RIP) + vmcs_read32(VM_EXIT_INSTRUCTION_LEN),
		  vmcs_readl(GUEST_RSP), vmcs_readl(GUEST_RFLAGS));
	/* An NMI still waiting for the guest's NMI window is the caller's. */
	regs->rax = hc->nmi_pending ? HV_DEVIRT_NMI_PENDING : 0;
	hc->nmi_pending = false;
}

/*
 * A VM entry failed at this CPU's first VMLAUNCH, after loading the host
 * state (exit.c): no guest state was saved, and the state launch_this_cpu()
 * had goes back from its copy.  hv_launch() then returns
 * HV_LAUNCH_ENTRY_FAILED; interrupts stay off, as they were.
 */
void hv_launch_unwind(struct hv_cpu *hc, struct hv_regs *regs)
{
	leave_vmx(hc, &hc->native, vmcs_readl(GUEST_RIP), vmcs_readl(GUEST_RSP),
		  X86_EFLAGS_FIXED);
	regs->rax = HV_LAUNCH_ENTRY_FAILED;
}
