// SPDX-License-Identifier: GPL-2.0
/*
 * caps.c - VMX capability check and control values, computed once.
 *
 * Each missing capability fails with a message that names it.  Control
 * values follow SDM Appendix A.3-A.5: a bit may be 0 if it is 0 in the low
 * half of the capability MSR, and may be 1 if it is 1 in the high half; the
 * TRUE_* MSRs are used when IA32_VMX_BASIC[55] says they exist.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/bits.h>
#include <linux/errno.h>
#include <linux/printk.h>
#include <linux/smp.h>
#include <asm/cpufeature.h>
#include <asm/msr.h>
#include <asm/processor.h>
#include <asm/vmx.h>

#include "hv.h"

/* IA32_FEATURE_CONTROL (SDM 23.7): lock, VMXON outside SMX. */
#define FEAT_CTL_LOCK		BIT_ULL(0)
#define FEAT_CTL_VMX_OUTSIDE	BIT_ULL(2)

/* IA32_VMX_BASIC (SDM A.1). */
#define VMX_BASIC_REVISION(b)	((u32)(b) & 0x7fffffff)
#define VMX_BASIC_MEMTYPE(b)	(((b) >> 50) & 0xf)

#define VMX_MEMTYPE_WB		6

/* IA32_VMX_EPT_VPID_CAP bits we rely on (SDM A.10). */
#define EPT_CAP_WB		BIT_ULL(14)
#define VPID_CAP_INVVPID	BIT_ULL(32)
#define VPID_CAP_SINGLE		BIT_ULL(41)
#define VPID_CAP_ALL		BIT_ULL(42)

struct ctl_want {
	const char *name;
	u32 bit;
};

/*
 * Adjust @want to what the capability MSR allows; fail naming the first
 * wanted control the CPU cannot set.  Bits the CPU requires are added.
 */
static int adjust_ctls(u32 msr, const char *kind, const struct ctl_want *want,
		       size_t n, u32 *out)
{
	u32 allowed0, allowed1, val = 0;
	size_t i;

	rdmsr(msr, allowed0, allowed1);
	for (i = 0; i < n; i++) {
		if (!(allowed1 & want[i].bit)) {
			pr_err("CPU lacks the VMX %s control \"%s\"\n", kind,
			       want[i].name);
			return -EOPNOTSUPP;
		}
		val |= want[i].bit;
	}
	*out = (val | allowed0) & allowed1;
	return 0;
}

/*
 * No exits on hot paths: external interrupts, HLT, I/O, CR3, RDTSC,
 * exceptions and (through an all-zero bitmap) MSRs stay in the guest.
 */
/*
 * NMIs exit (with virtual NMIs, SDM 24.6.1 and 26.3.1.5) so that the
 * RootKernel can put a CPU back in the plain view before delivering the
 * NMI to Linux: an NMI whose delivery traps out of a view is never seen.
 */
static const struct ctl_want pin_want[] = {
	{ "NMI exiting", PIN_BASED_NMI_EXITING },
	{ "virtual NMIs", PIN_BASED_VIRTUAL_NMIS },
};
static const struct ctl_want proc_want[] = {
	{ "use MSR bitmaps", CPU_BASED_USE_MSR_BITMAPS },
	{ "activate secondary controls", CPU_BASED_ACTIVATE_SECONDARY_CONTROLS },
};
static const struct ctl_want proc2_want[] = {
	{ "enable EPT", SECONDARY_EXEC_ENABLE_EPT },
	{ "enable VPID", SECONDARY_EXEC_ENABLE_VPID },
	{ "enable VM functions", SECONDARY_EXEC_ENABLE_VMFUNC },
	/* Linux reads the clock with RDTSCP: without this it takes #UD. */
	{ "enable RDTSCP", SECONDARY_EXEC_ENABLE_RDTSCP },
	{ "enable INVPCID", SECONDARY_EXEC_ENABLE_INVPCID },
	/* LIDT exits: the IDT's targets stay out of views (guard.c). */
	{ "descriptor-table exiting", SECONDARY_EXEC_DESC },
};
static const struct ctl_want exit_want[] = {
	{ "host address-space size", VM_EXIT_HOST_ADDR_SPACE_SIZE },
	{ "save IA32_EFER", VM_EXIT_SAVE_IA32_EFER },
	{ "load IA32_EFER", VM_EXIT_LOAD_IA32_EFER },
	{ "save IA32_PAT", VM_EXIT_SAVE_IA32_PAT },
	{ "load IA32_PAT", VM_EXIT_LOAD_IA32_PAT },
	{ "save debug controls", VM_EXIT_SAVE_DEBUG_CONTROLS },
};
static const struct ctl_want entry_want[] = {
	{ "IA-32e mode guest", VM_ENTRY_IA32E_MODE },
	{ "load IA32_EFER", VM_ENTRY_LOAD_IA32_EFER },
	{ "load IA32_PAT", VM_ENTRY_LOAD_IA32_PAT },
	{ "load debug controls", VM_ENTRY_LOAD_DEBUG_CONTROLS },
};

/* Optional secondary controls, set when the CPU has the matching feature. */
static u32 optional_proc2(u32 allowed1)
{
	u32 val = 0;

	/* The guest kernel uses XSAVES when the CPU has it. */
	if (boot_cpu_has(X86_FEATURE_XSAVES) &&
	    (allowed1 & SECONDARY_EXEC_XSAVES))
		val |= SECONDARY_EXEC_XSAVES;
	return val;
}

static int probe_controls(struct hv_caps *caps, bool true_ctls)
{
	u32 lo, hi;
	int err;

	err = adjust_ctls(true_ctls ? MSR_IA32_VMX_TRUE_PINBASED_CTLS :
			  MSR_IA32_VMX_PINBASED_CTLS, "pin-based",
			  pin_want, ARRAY_SIZE(pin_want), &caps->pin_ctls);
	err = err ?: adjust_ctls(true_ctls ? MSR_IA32_VMX_TRUE_PROCBASED_CTLS :
				 MSR_IA32_VMX_PROCBASED_CTLS, "processor-based",
				 proc_want, ARRAY_SIZE(proc_want),
				 &caps->proc_ctls);
	err = err ?: adjust_ctls(MSR_IA32_VMX_PROCBASED_CTLS2, "secondary",
				 proc2_want, ARRAY_SIZE(proc2_want),
				 &caps->proc2_ctls);
	err = err ?: adjust_ctls(true_ctls ? MSR_IA32_VMX_TRUE_EXIT_CTLS :
				 MSR_IA32_VMX_EXIT_CTLS, "VM-exit",
				 exit_want, ARRAY_SIZE(exit_want),
				 &caps->exit_ctls);
	err = err ?: adjust_ctls(true_ctls ? MSR_IA32_VMX_TRUE_ENTRY_CTLS :
				 MSR_IA32_VMX_ENTRY_CTLS, "VM-entry",
				 entry_want, ARRAY_SIZE(entry_want),
				 &caps->entry_ctls);
	if (err)
		return err;

	rdmsr(MSR_IA32_VMX_PROCBASED_CTLS2, lo, hi);
	caps->proc2_ctls |= optional_proc2(hi);

	/* NMI-window exiting is turned on only while an NMI waits. */
	rdmsr(true_ctls ? MSR_IA32_VMX_TRUE_PROCBASED_CTLS :
	      MSR_IA32_VMX_PROCBASED_CTLS, lo, hi);
	if (!(hi & CPU_BASED_NMI_WINDOW_EXITING)) {
		pr_err("CPU lacks the VMX processor-based control \"NMI-window exiting\"\n");
		return -EOPNOTSUPP;
	}

	/* Exits on CR3 access would be on the hottest path of all. */
	if (caps->proc_ctls & (CPU_BASED_CR3_LOAD_EXITING |
			       CPU_BASED_CR3_STORE_EXITING)) {
		pr_err("CPU cannot run without CR3-load/store exiting (no TRUE controls)\n");
		return -EOPNOTSUPP;
	}
	return 0;
}

static int probe_ept_vpid(struct hv_caps *caps)
{
	u64 cap, vmfunc;

	rdmsrl(MSR_IA32_VMX_EPT_VPID_CAP, cap);
	caps->ept_vpid = cap;
	if (!(cap & VMX_EPT_PAGE_WALK_4_BIT)) {
		pr_err("CPU lacks the EPT capability \"4-level page walk\"\n");
		return -EOPNOTSUPP;
	}
	if (!(cap & EPT_CAP_WB)) {
		pr_err("CPU lacks the EPT capability \"write-back paging structures\"\n");
		return -EOPNOTSUPP;
	}
	if (!(cap & VMX_EPT_INVEPT_BIT) || !(cap & VMX_EPT_EXTENT_CONTEXT_BIT) ||
	    !(cap & VMX_EPT_EXTENT_GLOBAL_BIT)) {
		pr_err("CPU lacks the EPT capability \"INVEPT single-context and all-context\"\n");
		return -EOPNOTSUPP;
	}
	if (!(cap & VPID_CAP_INVVPID) || !(cap & VPID_CAP_SINGLE) ||
	    !(cap & VPID_CAP_ALL)) {
		pr_err("CPU lacks the VPID capability \"INVVPID single-context and all-context\"\n");
		return -EOPNOTSUPP;
	}
	caps->ept_2m = cap & VMX_EPT_2MB_PAGE_BIT;
	caps->ept_1g = cap & VMX_EPT_1GB_PAGE_BIT;

	/* SDM 24.6.14 and A.11: VM function 0 is EPTP switching. */
	rdmsrl(MSR_IA32_VMX_VMFUNC, vmfunc);
	if (!(vmfunc & VMX_VMFUNC_EPTP_SWITCHING)) {
		pr_err("CPU lacks the VM function \"EPTP switching\" (IA32_VMX_VMFUNC bit 0)\n");
		return -EOPNOTSUPP;
	}
	return 0;
}

/*
 * Our own RootKernel hides CPUID.1:ECX.VMX from the guest; a second copy of
 * the module (or anything probing) must learn why VMX is gone.
 */
static bool skybridge_running(void)
{
	u32 eax, ebx, ecx, edx;

	cpuid(HV_CPUID_BASE, &eax, &ebx, &ecx, &edx);
	return ebx == HV_CPUID_SIG_EBX && ecx == HV_CPUID_SIG_ECX &&
	       edx == HV_CPUID_SIG_EDX;
}

/**
 * hv_caps_probe() - check that this CPU can run the RootKernel
 * @caps: filled with the control values to use
 *
 * Return: 0, or -EOPNOTSUPP / -EBUSY after logging what is missing.
 */
int hv_caps_probe(struct hv_caps *caps)
{
	u32 eax, ebx, ecx, edx;
	u64 basic;
	int err;

	if (skybridge_running()) {
		pr_err("a skybridge RootKernel is already running (CPUID 0x%x signature found)\n",
		       HV_CPUID_BASE);
		return -EBUSY;
	}
	if (boot_cpu_data.x86_vendor != X86_VENDOR_INTEL) {
		pr_err("CPU is not an Intel CPU: VMX is required\n");
		return -EOPNOTSUPP;
	}
	if (!(cpuid_ecx(1) & BIT(5))) {
		pr_err("CPU lacks VMX (CPUID.1:ECX[5]), or another hypervisor hides it\n");
		return -EOPNOTSUPP;
	}

	rdmsrl(MSR_IA32_VMX_BASIC, basic);
	caps->vmcs_revision = VMX_BASIC_REVISION(basic);
	if (VMX_BASIC_MEMTYPE(basic) != VMX_MEMTYPE_WB) {
		pr_err("CPU lacks write-back VMCS memory (IA32_VMX_BASIC[53:50])\n");
		return -EOPNOTSUPP;
	}
	err = probe_controls(caps, basic & VMX_BASIC_TRUE_CTLS);
	if (err)
		return err;
	err = probe_ept_vpid(caps);
	if (err)
		return err;

	rdmsrl(MSR_IA32_VMX_CR0_FIXED0, caps->cr0_fixed0);
	rdmsrl(MSR_IA32_VMX_CR0_FIXED1, caps->cr0_fixed1);
	rdmsrl(MSR_IA32_VMX_CR4_FIXED0, caps->cr4_fixed0);
	rdmsrl(MSR_IA32_VMX_CR4_FIXED1, caps->cr4_fixed1);

	caps->phys_bits = boot_cpu_data.x86_phys_bits;
	caps->xcr0_supported = 0;
	if (boot_cpu_has(X86_FEATURE_XSAVE)) {
		cpuid_count(0xd, 0, &eax, &ebx, &ecx, &edx);
		caps->xcr0_supported = ((u64)edx << 32) | eax;
	}
	return 0;
}

/**
 * hv_cpu_enable_vmx_msr() - make IA32_FEATURE_CONTROL allow VMXON here
 *
 * Enables and locks it if the firmware left it unlocked; refuses if it is
 * locked with VMX outside SMX disabled.  Runs on the CPU concerned.
 */
int hv_cpu_enable_vmx_msr(void)
{
	u64 fc;

	rdmsrl(MSR_IA32_FEAT_CTL, fc);
	if (!(fc & FEAT_CTL_LOCK)) {
		fc |= FEAT_CTL_LOCK | FEAT_CTL_VMX_OUTSIDE;
		wrmsrl(MSR_IA32_FEAT_CTL, fc);
	}
	if (!(fc & FEAT_CTL_VMX_OUTSIDE)) {
		pr_err("CPU %d: VMX is disabled by the firmware (IA32_FEATURE_CONTROL locked without VMXON outside SMX)\n",
		       smp_processor_id());
		return -EOPNOTSUPP;
	}
	return 0;
}
