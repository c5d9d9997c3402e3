// SPDX-License-Identifier: GPL-2.0
/*
 * caps.c - VMX capability check and control values, computed once.
 *
 * What is required is one table, uapi/skybridge_vmxreq.h, which a preflight
 * tool checks too.  Each missing capability fails with a message that names
 * it.  Control values follow SDM Appendix A.3-A.5: a bit may be 0 if it is 0
 * in the low half of the capability MSR, and may be 1 if it is 1 in the
 * high half; the TRUE_* MSRs are used when IA32_VMX_BASIC[55] says they
 * exist.
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
#include "../uapi/skybridge_vmxreq.h"

struct vmx_want {
	const char *name;
	u64 bits;
};
#define WANT(name, bits)	{ name, bits },

static const struct vmx_want pin_want[] = { SB_VMX_REQ_PIN(WANT) };
static const struct vmx_want proc_want[] = { SB_VMX_REQ_PROC(WANT) };
static const struct vmx_want proc2_want[] = { SB_VMX_REQ_PROC2(WANT) };
static const struct vmx_want exit_want[] = { SB_VMX_REQ_EXIT(WANT) };
static const struct vmx_want entry_want[] = { SB_VMX_REQ_ENTRY(WANT) };
static const struct vmx_want ept_want[] = { SB_VMX_REQ_EPT_VPID(WANT) };
static const struct vmx_want vmfunc_want[] = { SB_VMX_REQ_VMFUNC(WANT) };

struct vmx_want_if_cpu {
	const char *name;
	u32 bits;
	u32 leaf, subleaf;
	u8 reg, bit;
};
#define WANT_IF_CPU(name, bits, leaf, subleaf, reg, bit) \
	{ name, bits, leaf, subleaf, reg, bit },
static const struct vmx_want_if_cpu proc2_if_cpu[] = {
	SB_VMX_REQ_PROC2_IF_CPU(WANT_IF_CPU)
};

/* Whether this CPU has @w's instruction: its CPUID bit, leaf in range. */
static bool cpu_has_insn(const struct vmx_want_if_cpu *w)
{
	u32 r[4];

	if (cpuid_eax(0) < w->leaf)
		return false;
	cpuid_count(w->leaf, w->subleaf, &r[0], &r[1], &r[2], &r[3]);
	return r[w->reg] & BIT(w->bit);
}

/* The first of @want whose bits @have lacks, named in the log; or 0. */
static int missing(const char *what, const struct vmx_want *want, size_t n,
		   u64 have)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if ((have & want[i].bits) != want[i].bits) {
			pr_err("CPU lacks the VMX %s \"%s\"\n", what, want[i].name);
			return -EOPNOTSUPP;
		}
	}
	return 0;
}

/*
 * Adjust @want to what capability MSR @msr allows (bits the CPU requires
 * are added), or fail naming the first control it cannot set.
 */
static int adjust_ctls(u32 msr, const char *kind, const struct vmx_want *want,
		       size_t n, u32 extra, u32 *out)
{
	u32 allowed0, allowed1, val;
	size_t i;

	rdmsr(msr, allowed0, allowed1);
	val = extra & allowed1;
	for (i = 0; i < n; i++)
		val |= want[i].bits;
	*out = (val | allowed0) & allowed1;
	return missing(kind, want, n, allowed1);
}

static int probe_controls(struct hv_caps *caps, bool true_ctls)
{
	u32 lo, hi, need2 = 0;
	size_t i;
	int err;

	for (i = 0; i < ARRAY_SIZE(proc2_if_cpu); i++)
		if (cpu_has_insn(&proc2_if_cpu[i]))
			need2 |= proc2_if_cpu[i].bits;

#define ADJUST(m, kind, want, extra, out)					\
	(err = err ?: adjust_ctls(true_ctls ? SB_MSR_VMX_TRUE_##m : SB_MSR_VMX_##m, \
				  kind, want, ARRAY_SIZE(want), extra, out))
	err = 0;
	ADJUST(PINBASED_CTLS, "pin-based control", pin_want, 0, &caps->pin_ctls);
	ADJUST(PROCBASED_CTLS, "processor-based control", proc_want, 0,
	       &caps->proc_ctls);
	ADJUST(EXIT_CTLS, "VM-exit control", exit_want, 0, &caps->exit_ctls);
	ADJUST(ENTRY_CTLS, "VM-entry control", entry_want, 0, &caps->entry_ctls);
#undef ADJUST
	err = err ?: adjust_ctls(SB_MSR_VMX_PROCBASED_CTLS2, "secondary control",
				 proc2_want, ARRAY_SIZE(proc2_want), need2,
				 &caps->proc2_ctls);
	if (err)
		return err;
	/* The guest's kernel would meet #UD where CPUID promised it. */
	for (i = 0; i < ARRAY_SIZE(proc2_if_cpu); i++) {
		if ((need2 & proc2_if_cpu[i].bits) &&
		    !(caps->proc2_ctls & proc2_if_cpu[i].bits)) {
			pr_err("CPU has the instruction but lacks the VMX secondary control \"%s\"\n",
			       proc2_if_cpu[i].name);
			return -EOPNOTSUPP;
		}
	}

	/* NMI-window exiting is turned on only while an NMI waits. */
	rdmsr(true_ctls ? SB_MSR_VMX_TRUE_PROCBASED_CTLS :
	      SB_MSR_VMX_PROCBASED_CTLS, lo, hi);
	if (!(hi & SB_VMX_PROC_NMI_WINDOW)) {
		pr_err("CPU lacks the VMX processor-based control \"NMI-window exiting\"\n");
		return -EOPNOTSUPP;
	}
	if (caps->proc_ctls & SB_VMX_PROC_CR3_EXITING) {
		pr_err("CPU cannot run without CR3-load/store exiting (no TRUE controls)\n");
		return -EOPNOTSUPP;
	}
	return 0;
}

/* The bits the module's names and the shared table must agree on. */
static_assert(SB_VMX_EPT_2M == VMX_EPT_2MB_PAGE_BIT &&
	      SB_VMX_EPT_1G == VMX_EPT_1GB_PAGE_BIT);

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
	u64 basic, vmfunc;
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

	rdmsrl(SB_MSR_VMX_BASIC, basic);
	caps->vmcs_revision = (u32)basic & 0x7fffffff;
	if (SB_VMX_BASIC_MEMTYPE(basic) != SB_VMX_BASIC_MEMTYPE_WB) {
		pr_err("CPU lacks write-back VMCS memory (IA32_VMX_BASIC[53:50])\n");
		return -EOPNOTSUPP;
	}
	err = probe_controls(caps, basic & SB_VMX_BASIC_TRUE_CTLS);
	rdmsrl(SB_MSR_VMX_EPT_VPID_CAP, caps->ept_vpid);
	rdmsrl(SB_MSR_VMX_VMFUNC, vmfunc);
	err = err ?: missing("capability", ept_want, ARRAY_SIZE(ept_want),
			     caps->ept_vpid);
	err = err ?: missing("function", vmfunc_want, ARRAY_SIZE(vmfunc_want),
			     vmfunc);
	if (err)
		return err;
	caps->ept_2m = caps->ept_vpid & SB_VMX_EPT_2M;
	caps->ept_1g = caps->ept_vpid & SB_VMX_EPT_1G;

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

	rdmsrl(SB_MSR_FEATURE_CONTROL, fc);
	if (!(fc & SB_FEATURE_CONTROL_LOCKED)) {
		fc |= SB_FEATURE_CONTROL_LOCKED | SB_FEATURE_CONTROL_VMX;
		wrmsrl(SB_MSR_FEATURE_CONTROL, fc);
	}
	if (!(fc & SB_FEATURE_CONTROL_VMX)) {
		pr_err("CPU %d: VMX is disabled by the firmware (IA32_FEATURE_CONTROL locked without VMXON outside SMX)\n",
		       smp_processor_id());
		return -EOPNOTSUPP;
	}
	return 0;
}
