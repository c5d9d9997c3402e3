// SPDX-License-Identifier: GPL-2.0
/*
 * exit.c - VM-exit dispatch and handlers (host context).
 *
 * Handler contract: a handler runs with interrupts off on the host stack,
 * with the guest's GPRs in @regs (written back on VMRESUME).  It returns
 * EXIT_RESUME after either advancing the guest RIP past the instruction
 * (skip_instruction()) or injecting an event, or EXIT_LEAVE_VMX after it has
 * left VMX operation (only the devirtualize hypercall does).
 *
 * Host context runs on Linux's GDT, IDT, TSS and per-CPU base with its own
 * page table (the kernel half of Linux's).  It may touch only the direct map,
 * kernel and module text and static data: its TLB entries (VPID 0) are not
 * flushed when the guest changes vmalloc or module mappings.  Logging goes
 * through vprintk_emit() at LOGLEVEL_SCHED, which defers the console work to
 * the guest (an irq_work), so a VM exit never takes console locks.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/bits.h>
#include <linux/kernel.h>
#include <linux/mm.h>
#include <linux/printk.h>
#include <linux/ratelimit.h>
#include <linux/string.h>
#include <asm/debugreg.h>
#include <asm/desc.h>
#include <asm/fpu/xcr.h>
#include <asm/invpcid.h>
#include <asm/msr.h>
#include <asm/special_insns.h>
#include <asm/sync_core.h>
#include <asm/tlbflush.h>
#include <asm/trapnr.h>
#include <asm/vmx.h>

#include "hv.h"
#include "vmx_ops.h"

static int exit_unexpected(struct hv_cpu *hc, struct hv_regs *regs, u32 reason);
static void reinject_vectoring_event(struct hv_cpu *hc);

/* VM-entry interruption information (SDM 24.8.3). */
#define INTR_TYPE_HW_EXCEPTION	(3 << 8)
#define INTR_DELIVER_CODE	BIT(11)
#define INTR_VALID		BIT(31)
/* SDM Appendix C; not named in Linux 6.1's headers. */
#define EXIT_REASON_GETSEC	11

#define VEC_UD			6
#define VEC_GP			13

/* EPT-violation qualification (SDM 27.2.1, Table 27-7). */
#define EPT_QUAL_READ		BIT(0)
#define EPT_QUAL_WRITE		BIT(1)
#define EPT_QUAL_FETCH		BIT(2)

void hv_log(const char *fmt, ...)
{
	va_list args;

	va_start(args, fmt);
	vprintk_emit(0, LOGLEVEL_SCHED, NULL, fmt, args);
	va_end(args);
}

static DEFINE_RATELIMIT_STATE(hv_log_rs, 5 * HZ, 10);
#define hv_log_ratelimited(fmt, ...)					\
	do {								\
		if (__ratelimit(&hv_log_rs))				\
			hv_log(KBUILD_MODNAME ": " fmt, ##__VA_ARGS__); \
	} while (0)

void hv_vmwrite_error(unsigned long field, u64 value)
{
	hv_log_ratelimited("VMWRITE 0x%lx <- 0x%llx failed: error %u\n", field,
			   value, (u32)__vmread(VM_INSTRUCTION_ERROR));
}

void hv_vmread_error(unsigned long field)
{
	hv_log_ratelimited("VMREAD 0x%lx failed\n", field);
}

void hv_skip_instruction(void)
{
	vmcs_writel(GUEST_RIP, vmcs_readl(GUEST_RIP) +
		    vmcs_read32(VM_EXIT_INSTRUCTION_LEN));
	/* An instruction that completes ends STI/MOV-SS blocking. */
	vmcs_write32(GUEST_INTERRUPTIBILITY_INFO,
		     vmcs_read32(GUEST_INTERRUPTIBILITY_INFO) & ~3u);
}

static void inject_exception(unsigned int vector, bool has_code, u32 code)
{
	u32 info = vector | INTR_TYPE_HW_EXCEPTION | INTR_VALID;

	if (has_code) {
		info |= INTR_DELIVER_CODE;
		vmcs_write32(VM_ENTRY_EXCEPTION_ERROR_CODE, code);
	}
	vmcs_write32(VM_ENTRY_INTR_INFO_FIELD, info);
}

static int inject_ud(void)
{
	inject_exception(VEC_UD, false, 0);
	return EXIT_RESUME;
}

static int inject_gp(void)
{
	inject_exception(VEC_GP, true, 0);
	return EXIT_RESUME;
}

/* The instruction is done: on to the next one. */
static int exit_done(void)
{
	hv_skip_instruction();
	return EXIT_RESUME;
}

/* --- CPUID: hide VMX, announce the RootKernel ------------------------ */

static int exit_handle_cpuid(struct hv_cpu *hc, struct hv_regs *regs)
{
	u32 leaf = regs->rax, eax, ebx, ecx, edx;

	if (leaf >= HV_CPUID_BASE && leaf <= HV_CPUID_BASE + 0xff) {
		eax = ebx = ecx = edx = 0;
		if (leaf == HV_CPUID_BASE) {
			eax = HV_CPUID_MAX;
			ebx = HV_CPUID_SIG_EBX;
			ecx = HV_CPUID_SIG_ECX;
			edx = HV_CPUID_SIG_EDX;
		} else if (leaf == HV_CPUID_VERSION) {
			eax = HV_VERSION;
		}
	} else {
		cpuid_count(leaf, regs->rcx, &eax, &ebx, &ecx, &edx);
		if (leaf == 1) {
			ecx &= ~BIT(5);		/* VMX: ours */
			ecx |= BIT(31);		/* hypervisor present */
		}
	}
	regs->rax = eax;
	regs->rbx = ebx;
	regs->rcx = ecx;
	regs->rdx = edx;
	return exit_done();
}

/* --- XSETBV: validate against SDM 13.3 before executing it ----------- */

/* x87 always, AVX needs SSE, MPX and AVX-512 whole, AVX-512 needs AVX. */
static bool xcr0_valid(const struct hv_caps *caps, u64 v)
{
	const u64 avx512 = GENMASK_ULL(7, 5), mpx = GENMASK_ULL(4, 3);

	return !(v & ~caps->xcr0_supported) && (v & BIT_ULL(0)) &&
	       (!(v & BIT_ULL(2)) || (v & BIT_ULL(1))) &&
	       (!(v & mpx) || (v & mpx) == mpx) &&
	       (!(v & avx512) || ((v & avx512) == avx512 && (v & BIT_ULL(2))));
}

static int exit_handle_xsetbv(struct hv_cpu *hc, struct hv_regs *regs)
{
	u64 v = (regs->rdx << 32) | (u32)regs->rax;

	if (hv_guest_cpl() || (u32)regs->rcx != 0 || !xcr0_valid(&hc->g->caps, v))
		return inject_gp();
	xsetbv(0, v);
	return exit_done();
}

/* --- instructions the guest may not use ------------------------------ */

static int exit_handle_invd(struct hv_cpu *hc, struct hv_regs *regs)
{
	/* Discarding dirty lines would lose host data: write them back. */
	native_wbinvd();
	return exit_done();
}

/* MOV to CR4 exits only when it tries to set VMXE: as with VMX absent, #GP. */
static int exit_handle_cr_access(struct hv_cpu *hc, struct hv_regs *regs)
{
	return inject_gp();
}

/*
 * MSRs outside the bitmap's ranges always exit (SDM 25.1.3).  Pass them
 * through; a #GP in host context is fixed up by the exception table and
 * reflected to the guest.
 */
static int exit_handle_rdmsr(struct hv_cpu *hc, struct hv_regs *regs)
{
	u32 lo, hi;

	if (rdmsr_safe(regs->rcx, &lo, &hi))
		return inject_gp();
	regs->rax = lo;
	regs->rdx = hi;
	return exit_done();
}

static int exit_handle_wrmsr(struct hv_cpu *hc, struct hv_regs *regs)
{
	u64 val = (regs->rdx << 32) | (u32)regs->rax;

	/* The SYSCALL and SYSENTER targets: guard.c keeps views safe. */
	if (hv_guard_msr(regs->rcx) ? hv_guard_wrmsr(hc, regs->rcx, val) :
	    wrmsr_safe(regs->rcx, regs->rax, regs->rdx))
		return inject_gp();
	return exit_done();
}

/* --- EPT violations and misconfigurations ------------------------------ */

/*
 * A violation in any view but the plain one is a kernel entry (the entry
 * pages are not executable there) or a stray access: go back to the plain
 * view and retry the same instruction there, which Linux then runs as
 * usual.  The kernel thus never runs in a view.
 */
static int leave_view(struct hv_cpu *hc, struct hv_regs *regs, u64 eptp)
{
	unsigned int index;
	struct hv_view *view = hv_view_by_eptp(hc->g, eptp, &index);

	/* A direct call in progress goes back to its client (call.c). */
	if (view && hv_call_trap(hc, regs, view, index, false)) {
		hc->stats.view_traps_kernel++;
		return EXIT_RESUME;
	}

	vmcs_write64(EPT_POINTER, hc->g->eptp);
	if (vmcs_read32(IDT_VECTORING_INFO_FIELD) & VECTORING_INFO_VALID_MASK)
		hv_log_ratelimited("CPU %u: view trap during event delivery: vectoring 0x%x, RIP 0x%lx\n",
				   hc->cpu, vmcs_read32(IDT_VECTORING_INFO_FIELD),
				   vmcs_readl(GUEST_RIP));
	if (vmcs_read16(GUEST_CS_SELECTOR) & 3) {
		hc->stats.view_traps_user++;
		return EXIT_RESUME;
	}
	hc->stats.view_traps_kernel++;
	/* The lab's test views save an interrupted visit (hv/test/). */
	if (view)
		hv_test_view_trap(hc, regs, view, index);
	return EXIT_RESUME;
}

static int exit_handle_ept_violation(struct hv_cpu *hc, struct hv_regs *regs)
{
	u64 gpa = vmcs_read64(GUEST_PHYSICAL_ADDRESS);
	u64 qual = vmcs_readl(EXIT_QUALIFICATION);
	u64 eptp = vmcs_read64(EPT_POINTER);
	bool hidden;

	if (eptp != hc->g->eptp)
		return leave_view(hc, regs, eptp);
	/* An adopted handler returning to T1 (cont.c, "handoff"). */
	if ((qual & EPT_QUAL_FETCH) && hv_handoff_return(hc, regs))
		return EXIT_RESUME;
	/* A VMFUNC to the plain view at a trampoline site (call.c). */
	if ((qual & EPT_QUAL_FETCH) && hv_call_plain_fetch(hc, regs))
		return EXIT_RESUME;
	/* A write to a loaded IDT, or a stale translation (guard.c). */
	if (qual & EPT_QUAL_WRITE) {
		switch (hv_guard_ept_write(hc, gpa)) {
		case GUARD_RETRY:
			return EXIT_RESUME;
		case GUARD_REFUSE:
			return inject_gp();
		case GUARD_NOT_MINE:
			break;
		}
	}
	hidden = hv_page_is_hidden(gpa & PAGE_MASK);

	if (hidden)
		hc->stats.ept_violations_hidden++;
	hv_log_ratelimited("CPU %u: guest %s of %s GPA 0x%llx at RIP 0x%lx (qualification 0x%llx): #GP\n",
			   hc->cpu, qual & EPT_QUAL_FETCH ? "fetch" :
			   qual & EPT_QUAL_WRITE ? "write" : "read",
			   hidden ? "RootKernel" : "unmapped or non-executable", gpa,
			   vmcs_readl(GUEST_RIP), qual);
	/* Never retry: the access would fault again forever. */
	return inject_gp();
}

static int exit_handle_ept_misconfig(struct hv_cpu *hc, struct hv_regs *regs)
{
	hv_log_ratelimited("CPU %u: EPT misconfiguration at GPA 0x%llx, RIP 0x%lx: #GP\n",
			   hc->cpu, vmcs_read64(GUEST_PHYSICAL_ADDRESS),
			   vmcs_readl(GUEST_RIP));
	hv_dump_vmcs(hc);
	return inject_gp();
}

/* --- descriptor tables (guard.c) ----------------------------------------- */

/* LIDT and its kin: carried out by desc.c, or the fault it would take. */
static int exit_handle_desc(struct hv_cpu *hc, struct hv_regs *regs)
{
	u32 reason = vmcs_read32(VM_EXIT_REASON) & 0xffff;
	struct hv_fault f;

	if (hv_desc_emulate(hc, regs, reason, &f)) {
		return exit_done();
	}
	if (f.vector == X86_TRAP_PF)
		native_write_cr2(f.cr2);	/* CR2 is not in the VMCS */
	inject_exception(f.vector, f.vector != X86_TRAP_UD, f.code);
	return EXIT_RESUME;
}

/* --- NMIs ------------------------------------------------------------------- */

static void nmi_window(bool open)
{
	u32 ctl = vmcs_read32(CPU_BASED_VM_EXEC_CONTROL);

	ctl = open ? ctl | CPU_BASED_NMI_WINDOW_EXITING :
		     ctl & ~CPU_BASED_NMI_WINDOW_EXITING;
	vmcs_write32(CPU_BASED_VM_EXEC_CONTROL, ctl);
}

/*
 * Deliver a pending NMI now, or ask for an exit when the guest can take it:
 * not while NMIs are blocked, nor in the shadow of MOV SS or STI (a VM
 * entry that injects an NMI there fails on some processors: SDM 26.3.1.5;
 * the NMI window opens only once neither is left), nor over another event.
 */
static void nmi_deliver(struct hv_cpu *hc)
{
	u32 intr = vmcs_read32(GUEST_INTERRUPTIBILITY_INFO);

	if ((intr & (GUEST_INTR_STATE_NMI | GUEST_INTR_STATE_MOV_SS |
		     GUEST_INTR_STATE_STI)) ||
	    (vmcs_read32(VM_ENTRY_INTR_INFO_FIELD) & INTR_VALID)) {
		nmi_window(true);
		return;
	}
	hc->nmi_pending = false;
	nmi_window(false);
	vmcs_write32(VM_ENTRY_INTR_INFO_FIELD, NMI_VECTOR | INTR_TYPE_NMI_INTR |
		     INTR_VALID);
}

/*
 * An NMI exited instead of being delivered.  Leave any view first, so the
 * NMI is delivered in the plain view like any other kernel entry would end
 * up, then give it to Linux.
 */
static int exit_handle_exception_nmi(struct hv_cpu *hc, struct hv_regs *regs)
{
	u32 info = vmcs_read32(VM_EXIT_INTR_INFO);
	struct hv_view *view;
	unsigned int index;
	u64 eptp;

	if ((info & INTR_INFO_INTR_TYPE_MASK) != INTR_TYPE_NMI_INTR)
		return exit_unexpected(hc, regs, EXIT_REASON_EXCEPTION_NMI);
	/* An NMI exit leaves NMIs blocked until an IRET (SDM 27.5.?): do one. */
	iret_to_self();
	eptp = vmcs_read64(EPT_POINTER);
	if (eptp != hc->g->eptp) {
		/* A call in progress is saved and sent to its client first. */
		view = hv_view_by_eptp(hc->g, eptp, &index);
		if (!view || !hv_call_trap(hc, regs, view, index, true))
			vmcs_write64(EPT_POINTER, hc->g->eptp);
		hc->stats.view_traps_kernel++;
	}
	/* An event this NMI interrupted in delivery goes first. */
	reinject_vectoring_event(hc);
	hc->nmi_pending = true;
	nmi_deliver(hc);
	return EXIT_RESUME;
}

static int exit_handle_nmi_window(struct hv_cpu *hc, struct hv_regs *regs)
{
	if (hc->nmi_pending)
		nmi_deliver(hc);
	else
		nmi_window(false);
	return EXIT_RESUME;
}

/* --- INIT, SIPI, triple fault ------------------------------------------- */

static int exit_handle_init_sipi(struct hv_cpu *hc, struct hv_regs *regs)
{
	/*
	 * CPUs are launched only while online and devirtualized before they go
	 * offline, so Linux never sends INIT/SIPI to a CPU in VMX operation.
	 * If one arrives anyway, ignore it rather than reset a running CPU.
	 */
	hv_log_ratelimited("CPU %u: ignored INIT/SIPI (exit reason %u)\n",
			   hc->cpu, vmcs_read32(VM_EXIT_REASON) & 0xffff);
	return EXIT_RESUME;
}

/* Interrupts stay off in host context: only NMIs or a reset end this. */
static void __noreturn hv_stop_cpu(void)
{
	for (;;)
		native_halt();
}

static int exit_handle_triple_fault(struct hv_cpu *hc, struct hv_regs *regs)
{
	pr_emerg("CPU %u: guest triple fault; state follows, CPU stopped\n",
		 hc->cpu);
	hv_dump_vmcs(hc);
	hv_stop_cpu();
}

/* --- dispatch ------------------------------------------------------------- */

typedef int (*exit_handler_t)(struct hv_cpu *hc, struct hv_regs *regs);

static const exit_handler_t exit_handlers[HV_NR_EXIT_REASONS] = {
	[EXIT_REASON_EXCEPTION_NMI]	= exit_handle_exception_nmi,
	[EXIT_REASON_NMI_WINDOW]	= exit_handle_nmi_window,
	[EXIT_REASON_TRIPLE_FAULT]	= exit_handle_triple_fault,
	[EXIT_REASON_INIT_SIGNAL]	= exit_handle_init_sipi,
	[EXIT_REASON_SIPI_SIGNAL]	= exit_handle_init_sipi,
	[EXIT_REASON_CPUID]		= exit_handle_cpuid,
	[EXIT_REASON_INVD]		= exit_handle_invd,
	[EXIT_REASON_VMCALL]		= hv_hypercall,
	[EXIT_REASON_CR_ACCESS]		= exit_handle_cr_access,
	[EXIT_REASON_MSR_READ]		= exit_handle_rdmsr,
	[EXIT_REASON_MSR_WRITE]		= exit_handle_wrmsr,
	[EXIT_REASON_EPT_VIOLATION]	= exit_handle_ept_violation,
	[EXIT_REASON_EPT_MISCONFIG]	= exit_handle_ept_misconfig,
	[EXIT_REASON_XSETBV]		= exit_handle_xsetbv,
	[EXIT_REASON_GDTR_IDTR]		= exit_handle_desc,
	[EXIT_REASON_LDTR_TR]		= exit_handle_desc,
};

void hv_dump_vmcs(struct hv_cpu *hc)
{
	pr_emerg("CPU %u VMCS: exit reason 0x%x qual 0x%lx intr-info 0x%x idt-vec 0x%x\n",
		 hc->cpu, vmcs_read32(VM_EXIT_REASON), vmcs_readl(EXIT_QUALIFICATION),
		 vmcs_read32(VM_EXIT_INTR_INFO), vmcs_read32(IDT_VECTORING_INFO_FIELD));
	pr_emerg("  RIP 0x%lx RSP 0x%lx RFLAGS 0x%lx CS 0x%x SS 0x%x (AR 0x%x)\n",
		 vmcs_readl(GUEST_RIP), vmcs_readl(GUEST_RSP),
		 vmcs_readl(GUEST_RFLAGS), vmcs_read16(GUEST_CS_SELECTOR),
		 vmcs_read16(GUEST_SS_SELECTOR), vmcs_read32(GUEST_SS_AR_BYTES));
	pr_emerg("  CR0 0x%lx CR3 0x%lx CR4 0x%lx EFER 0x%llx GPA 0x%llx GLA 0x%lx\n",
		 vmcs_readl(GUEST_CR0), vmcs_readl(GUEST_CR3),
		 vmcs_readl(GUEST_CR4), vmcs_read64(GUEST_IA32_EFER),
		 vmcs_read64(GUEST_PHYSICAL_ADDRESS), vmcs_readl(GUEST_LINEAR_ADDRESS));
	pr_emerg("  interruptibility 0x%x activity %u VM-instruction error %u\n",
		 vmcs_read32(GUEST_INTERRUPTIBILITY_INFO),
		 vmcs_read32(GUEST_ACTIVITY_STATE),
		 vmcs_read32(VM_INSTRUCTION_ERROR));
}

/*
 * The VMX instructions, GETSEC and a failed VMFUNC (EPTP switching to an
 * invalid entry) exit unconditionally: #UD, as without VMX (SDM 25.1.2).
 */
#define EXITS_QUIETLY_UD	(BIT_ULL(EXIT_REASON_GETSEC) |			\
				 GENMASK_ULL(EXIT_REASON_VMON, EXIT_REASON_VMCLEAR) | \
				 BIT_ULL(EXIT_REASON_INVEPT) | BIT_ULL(EXIT_REASON_INVVPID) | \
				 BIT_ULL(EXIT_REASON_VMFUNC))

static int exit_unexpected(struct hv_cpu *hc, struct hv_regs *regs, u32 reason)
{
	if (reason < 64 && (EXITS_QUIETLY_UD & BIT_ULL(reason)))
		return inject_ud();
	hv_log_ratelimited("CPU %u: unexpected VM exit, reason %u: #UD\n",
			   hc->cpu, reason);
	hv_dump_vmcs(hc);
	return inject_ud();
}

/*
 * An exit during event delivery (IDT-vectoring information valid) must
 * deliver that event again unless the handler injected its own.
 */
static void reinject_vectoring_event(struct hv_cpu *hc)
{
	u32 vec = vmcs_read32(IDT_VECTORING_INFO_FIELD);

	if (hc->drop_vectoring) {
		hc->drop_vectoring = false;
		return;
	}
	if (!(vec & VECTORING_INFO_VALID_MASK) ||
	    (vmcs_read32(VM_ENTRY_INTR_INFO_FIELD) & INTR_VALID))
		return;
	if (vec & VECTORING_INFO_DELIVER_CODE_MASK)
		vmcs_write32(VM_ENTRY_EXCEPTION_ERROR_CODE,
			     vmcs_read32(IDT_VECTORING_ERROR_CODE));
	vmcs_write32(VM_ENTRY_INSTRUCTION_LEN,
		     vmcs_read32(VM_EXIT_INSTRUCTION_LEN));
	vmcs_write32(VM_ENTRY_INTR_INFO_FIELD, vec & ~BIT(12));
}

/*
 * A VM entry that failed after the checks of controls and host state (SDM
 * 26.8): bit 31 of the exit reason, basic reason 33 (invalid guest state),
 * 34 (MSR loading) or 41 (a machine check); the host state is loaded as by
 * a VM exit and no guest state is saved.  If the guest never ran, this was
 * the first VMLAUNCH: undo it (hv_launch() fails).  Otherwise the
 * RootKernel gave the guest a state the CPU refuses and there is nothing to
 * go back to: say so once and stop this CPU, never a #UD and a VMRESUME of
 * the same state forever.
 */
static int exit_entry_failed(struct hv_cpu *hc, struct hv_regs *regs, u32 full)
{
	hc->entry_failure = full;
	hc->entry_qual = vmcs_readl(EXIT_QUALIFICATION);
	if (!hc->ran) {
		hv_launch_unwind(hc, regs);
		return EXIT_LEAVE_VMX;
	}
	pr_emerg("CPU %u: VM entry failed: exit reason 0x%x, qualification 0x%llx; CPU stopped\n",
		 hc->cpu, full, hc->entry_qual);
	hv_dump_vmcs(hc);
	hv_stop_cpu();
}

/* Called by hv_exit_entry with the guest's GPRs. */
int hv_handle_exit(struct hv_regs *regs, struct hv_cpu *hc)
{
	u32 full = vmcs_read32(VM_EXIT_REASON), reason = full & 0xffff;
	u64 rsp = vmcs_readl(GUEST_RSP);
	int ret;

	if (unlikely(full & VMX_EXIT_REASONS_FAILED_VMENTRY))
		return exit_entry_failed(hc, regs, full);
	hc->ran = true;
	regs->rsp = rsp;
	hc->stats.exits_total++;
	if (reason < HV_NR_EXIT_REASONS)
		hc->stats.exits[reason]++;

	/* VM exits clear the entry interruption field's valid bit (SDM 27.2). */
	if (reason < HV_NR_EXIT_REASONS && exit_handlers[reason])
		ret = exit_handlers[reason](hc, regs);
	else
		ret = exit_unexpected(hc, regs, reason);
	if (ret != EXIT_RESUME)
		return ret;
	/* Only these exits can interrupt the delivery of an event (SDM 27.2.4). */
	if (reason == EXIT_REASON_EPT_VIOLATION ||
	    reason == EXIT_REASON_EPT_MISCONFIG ||
	    reason == EXIT_REASON_TASK_SWITCH ||
	    reason == EXIT_REASON_APIC_ACCESS)
		reinject_vectoring_event(hc);
	if (regs->rsp != rsp)
		vmcs_writel(GUEST_RSP, regs->rsp);
	return ret;
}

void hv_resume_failed(struct hv_cpu *hc)
{
	pr_emerg("CPU %u: VMRESUME failed, VM-instruction error %u; CPU stopped\n",
		 hc->cpu, vmcs_read32(VM_INSTRUCTION_ERROR));
	hv_dump_vmcs(hc);
	hv_stop_cpu();
}
