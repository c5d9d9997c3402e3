// SPDX-License-Identifier: GPL-2.0
/*
 * vmcs.c - fill a VMCS so that the guest is this CPU, exactly as it runs
 * now, and the host is the RootKernel (its own stack, page table and entry
 * point; Linux's GDT, IDT, TSS and per-CPU base).
 *
 * Guest-state checks that Bochs enforces (and the SDM 26.3.1 requires):
 * null data segments and LDTR marked unusable (access rights 0 is rejected),
 * TR a busy 64-bit TSS, CR4.VMXE set in the guest CR4, VMCS link pointer all
 * ones, IA-32e mode guest with EFER.LMA.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/bits.h>
#include <linux/mm.h>
#include <asm/debugreg.h>
#include <asm/desc.h>
#include <asm/msr.h>
#include <asm/special_insns.h>
#include <asm/vmx.h>

#include "hv.h"
#include "vmx_ops.h"
#include "../uapi/skybridge_vmxreq.h"

#define AR_UNUSABLE		BIT(16)	/* SDM 24.4.1, Table 24-2 */

/* SDM 24.4.1: access rights = LAR bits 15:8 and 23:20, shifted down by 8. */
static u32 segment_ar(u16 sel)
{
	u32 lar;
	bool valid;

	if (!(sel & ~3))
		return AR_UNUSABLE;
	asm("lar %[sel], %[ar]\n\t"
	    "setz %[ok]"
	    : [ar] "=r"(lar), [ok] "=qm"(valid) : [sel] "rm"((u32)sel) : "cc");
	return valid ? (lar >> 8) & 0xf0ff : AR_UNUSABLE;
}

static u32 segment_limit(u16 sel)
{
	u32 limit = 0;

	if (sel & ~3)
		asm("lsl %[sel], %[lim]" : [lim] "+r"(limit) : [sel] "rm"((u32)sel));
	return limit;
}

/* Base of a 16-byte system descriptor (TSS, LDT) in the GDT. */
static u64 system_segment_base(const struct desc_ptr *gdt, u16 sel)
{
	const struct ldttss_desc *d = (const void *)(gdt->address + (sel & ~7));

	if (!(sel & ~7))
		return 0;
	return d->base0 | ((u64)d->base1 << 16) | ((u64)d->base2 << 24) |
	       ((u64)d->base3 << 32);
}

static u16 read_sel(int which)
{
	u16 sel;

	switch (which) {
	case 0: asm("mov %%es, %0" : "=rm"(sel)); break;
	case 1: asm("mov %%cs, %0" : "=rm"(sel)); break;
	case 2: asm("mov %%ss, %0" : "=rm"(sel)); break;
	case 3: asm("mov %%ds, %0" : "=rm"(sel)); break;
	case 4: asm("mov %%fs, %0" : "=rm"(sel)); break;
	default: asm("mov %%gs, %0" : "=rm"(sel)); break;
	}
	return sel;
}

/* VMCS guest segment fields are spaced by 2 in encoding (SDM App. B). */
static bool write_guest_segments(void)
{
	static const u32 sel_field[] = { GUEST_ES_SELECTOR, GUEST_CS_SELECTOR,
		GUEST_SS_SELECTOR, GUEST_DS_SELECTOR, GUEST_FS_SELECTOR,
		GUEST_GS_SELECTOR };
	static const u32 ar_field[] = { GUEST_ES_AR_BYTES, GUEST_CS_AR_BYTES,
		GUEST_SS_AR_BYTES, GUEST_DS_AR_BYTES, GUEST_FS_AR_BYTES,
		GUEST_GS_AR_BYTES };
	static const u32 limit_field[] = { GUEST_ES_LIMIT, GUEST_CS_LIMIT,
		GUEST_SS_LIMIT, GUEST_DS_LIMIT, GUEST_FS_LIMIT, GUEST_GS_LIMIT };
	static const u32 base_field[] = { GUEST_ES_BASE, GUEST_CS_BASE,
		GUEST_SS_BASE, GUEST_DS_BASE, GUEST_FS_BASE, GUEST_GS_BASE };
	bool ok = true;
	int i;

	for (i = 0; i < 6; i++) {
		u16 sel = read_sel(i);

		ok &= __vmwrite(sel_field[i], sel);
		ok &= __vmwrite(ar_field[i], segment_ar(sel));
		ok &= __vmwrite(limit_field[i], segment_limit(sel));
		ok &= __vmwrite(base_field[i], 0);
	}
	/* In 64-bit mode only FS and GS have bases; they live in MSRs. */
	ok &= vmcs_writel(GUEST_FS_BASE, native_read_msr(MSR_FS_BASE));
	ok &= vmcs_writel(GUEST_GS_BASE, native_read_msr(MSR_GS_BASE));
	return ok;
}

static bool write_guest_tables(void)
{
	struct desc_ptr gdt, idt;
	u16 tr, ldt;
	bool ok = true;

	native_store_gdt(&gdt);
	store_idt(&idt);
	asm("str %0" : "=rm"(tr));
	asm("sldt %0" : "=rm"(ldt));

	ok &= vmcs_writel(GUEST_GDTR_BASE, gdt.address);
	ok &= vmcs_write32(GUEST_GDTR_LIMIT, gdt.size);
	ok &= vmcs_writel(GUEST_IDTR_BASE, idt.address);
	ok &= vmcs_write32(GUEST_IDTR_LIMIT, idt.size);

	ok &= vmcs_write16(GUEST_TR_SELECTOR, tr);
	ok &= vmcs_write32(GUEST_TR_AR_BYTES, segment_ar(tr));
	ok &= vmcs_write32(GUEST_TR_LIMIT, segment_limit(tr));
	ok &= vmcs_writel(GUEST_TR_BASE, system_segment_base(&gdt, tr));

	ok &= vmcs_write16(GUEST_LDTR_SELECTOR, ldt);
	ok &= vmcs_write32(GUEST_LDTR_AR_BYTES, segment_ar(ldt));
	ok &= vmcs_write32(GUEST_LDTR_LIMIT, segment_limit(ldt));
	ok &= vmcs_writel(GUEST_LDTR_BASE, system_segment_base(&gdt, ldt));
	return ok;
}

static bool write_guest_state(void)
{
	unsigned long cr4 = __read_cr4();
	bool ok = true;

	ok &= vmcs_writel(GUEST_CR0, native_read_cr0());
	ok &= vmcs_writel(GUEST_CR3, __native_read_cr3());
	ok &= vmcs_writel(GUEST_CR4, cr4);
	ok &= vmcs_writel(GUEST_DR7, native_get_debugreg(7));
	ok &= vmcs_writel(GUEST_RFLAGS, native_save_fl());
	ok &= vmcs_write64(GUEST_IA32_DEBUGCTL, native_read_msr(MSR_IA32_DEBUGCTLMSR));
	ok &= vmcs_write64(GUEST_IA32_PAT, native_read_msr(MSR_IA32_CR_PAT));
	ok &= vmcs_write64(GUEST_IA32_EFER, native_read_msr(MSR_EFER));
	ok &= vmcs_write32(GUEST_SYSENTER_CS, native_read_msr(MSR_IA32_SYSENTER_CS));
	ok &= vmcs_writel(GUEST_SYSENTER_ESP, native_read_msr(MSR_IA32_SYSENTER_ESP));
	ok &= vmcs_writel(GUEST_SYSENTER_EIP, native_read_msr(MSR_IA32_SYSENTER_EIP));
	ok &= write_guest_segments();
	ok &= write_guest_tables();
	ok &= vmcs_write64(VMCS_LINK_POINTER, ~0ULL);
	ok &= vmcs_write32(GUEST_INTERRUPTIBILITY_INFO, 0);
	ok &= vmcs_write32(GUEST_ACTIVITY_STATE, 0);
	ok &= vmcs_writel(GUEST_PENDING_DBG_EXCEPTIONS, 0);
	/* RSP and RIP are written by hv_launch() itself. */
	return ok;
}

static bool write_host_state(struct hv_cpu *hc)
{
	struct desc_ptr gdt, idt;
	u16 tr;
	bool ok = true;
	u64 stack_top = (u64)hc->stack + (PAGE_SIZE << HV_HOST_STACK_ORDER);

	native_store_gdt(&gdt);
	store_idt(&idt);
	asm("str %0" : "=rm"(tr));

	/* The exit entry finds its hv_cpu just above the initial RSP. */
	*(struct hv_cpu **)(stack_top - 8) = hc;

	ok &= vmcs_writel(HOST_CR0, native_read_cr0());
	ok &= vmcs_writel(HOST_CR3, hc->g->host_cr3);
	ok &= vmcs_writel(HOST_CR4, __read_cr4());
	ok &= vmcs_writel(HOST_RSP, stack_top - 16);
	ok &= vmcs_writel(HOST_RIP, (unsigned long)hv_exit_entry);
	ok &= vmcs_write16(HOST_CS_SELECTOR, __KERNEL_CS);
	ok &= vmcs_write16(HOST_SS_SELECTOR, __KERNEL_DS);
	ok &= vmcs_write16(HOST_DS_SELECTOR, 0);
	ok &= vmcs_write16(HOST_ES_SELECTOR, 0);
	ok &= vmcs_write16(HOST_FS_SELECTOR, 0);
	ok &= vmcs_write16(HOST_GS_SELECTOR, 0);
	ok &= vmcs_write16(HOST_TR_SELECTOR, tr);
	ok &= vmcs_writel(HOST_FS_BASE, 0);
	ok &= vmcs_writel(HOST_GS_BASE, native_read_msr(MSR_GS_BASE));
	ok &= vmcs_writel(HOST_TR_BASE, system_segment_base(&gdt, tr));
	ok &= vmcs_writel(HOST_GDTR_BASE, gdt.address);
	ok &= vmcs_writel(HOST_IDTR_BASE, idt.address);
	ok &= vmcs_write32(HOST_IA32_SYSENTER_CS, native_read_msr(MSR_IA32_SYSENTER_CS));
	ok &= vmcs_writel(HOST_IA32_SYSENTER_ESP, native_read_msr(MSR_IA32_SYSENTER_ESP));
	ok &= vmcs_writel(HOST_IA32_SYSENTER_EIP, native_read_msr(MSR_IA32_SYSENTER_EIP));
	ok &= vmcs_write64(HOST_IA32_PAT, native_read_msr(MSR_IA32_CR_PAT));
	ok &= vmcs_write64(HOST_IA32_EFER, native_read_msr(MSR_EFER));
	return ok;
}

static bool write_controls(struct hv_cpu *hc)
{
	const struct hv_caps *caps = &hc->g->caps;
	bool ok = true;

	ok &= vmcs_write32(PIN_BASED_VM_EXEC_CONTROL, caps->pin_ctls);
	ok &= vmcs_write32(CPU_BASED_VM_EXEC_CONTROL, caps->proc_ctls);
	ok &= vmcs_write32(SECONDARY_VM_EXEC_CONTROL, caps->proc2_ctls);
	ok &= vmcs_write32(VM_EXIT_CONTROLS, caps->exit_ctls);
	ok &= vmcs_write32(VM_ENTRY_CONTROLS, caps->entry_ctls);
	ok &= vmcs_write32(EXCEPTION_BITMAP, 0);
	ok &= vmcs_write32(PAGE_FAULT_ERROR_CODE_MASK, 0);
	ok &= vmcs_write32(PAGE_FAULT_ERROR_CODE_MATCH, 0);
	ok &= vmcs_write32(CR3_TARGET_COUNT, 0);
	ok &= vmcs_write32(VM_EXIT_MSR_STORE_COUNT, 0);
	ok &= vmcs_write32(VM_EXIT_MSR_LOAD_COUNT, 0);
	ok &= vmcs_write32(VM_ENTRY_MSR_LOAD_COUNT, 0);
	ok &= vmcs_write32(VM_ENTRY_INTR_INFO_FIELD, 0);
	ok &= vmcs_write64(MSR_BITMAP, __pa(hc->g->msr_bitmap));

	/* CR4.VMXE is the host's: the guest reads 0 and may not set it. */
	ok &= vmcs_writel(CR0_GUEST_HOST_MASK, 0);
	ok &= vmcs_writel(CR4_GUEST_HOST_MASK, X86_CR4_VMXE);
	ok &= vmcs_writel(CR4_READ_SHADOW, __read_cr4() & ~X86_CR4_VMXE);

	ok &= vmcs_write16(VIRTUAL_PROCESSOR_ID, HV_VPID);
	ok &= vmcs_write64(EPT_POINTER, hc->g->eptp);
	/* SDM 24.6.14: VM function 0, EPTP switching, through the list. */
	ok &= vmcs_write64(VM_FUNCTION_CONTROL, VMX_VMFUNC_EPTP_SWITCHING);
	ok &= vmcs_write64(EPTP_LIST_ADDRESS, __pa(hc->g->eptp_list));
	if (caps->proc2_ctls & VMCS_CONTROL_BIT(XSAVES))
		ok &= vmcs_write64(XSS_EXIT_BITMAP, 0);
	return ok;
}

/**
 * hv_vmcs_setup() - fill the current VMCS (already VMPTRLD'ed) for @hc
 *
 * Return: 0, or -EIO if a VMWRITE failed (already logged).
 */
int hv_vmcs_setup(struct hv_cpu *hc)
{
	bool ok = write_controls(hc);

	ok &= write_host_state(hc);
	ok &= write_guest_state();
	/* guard.c watches this CPU's IDT from here on. */
	hc->idtr_base = vmcs_readl(GUEST_IDTR_BASE);
	hc->idtr_limit = vmcs_read32(GUEST_IDTR_LIMIT);
	return ok ? 0 : -EIO;
}
