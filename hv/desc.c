// SPDX-License-Identifier: GPL-2.0
/*
 * desc.c - emulation of the descriptor-table instructions (LGDT, LIDT,
 * LLDT, LTR, SGDT, SIDT, SLDT, STR), which exit while descriptor-table
 * exiting is on (SDM 24.6.2, Table 24-7).  The RootKernel turns it on so
 * that a LIDT can never go unseen (guard.c).  Linux executes these
 * instructions at CPU bring-up, suspend/resume and kexec, and user programs
 * rarely (SGDT/SIDT/SLDT/STR are not privileged without UMIP); so this is
 * not a hot path, but it must be exact: it runs instead of the instruction.
 *
 * Faults with priority over the VM exit (SDM 25.1.1: #UD, and the #GP of
 * LGDT/LIDT/LLDT/LTR at CPL > 0) never reach here.  The others are raised
 * here as the instruction would: #GP(0) for a non-canonical address, #PF
 * for a linear address the guest's page tables refuse, #GP(selector) and
 * #NP(selector) for a bad LLDT or LTR operand.
 *
 * The operand comes from the VM-exit instruction-information field (SDM
 * 27.2.5, Tables 27-10 and 27-11) and the displacement from the exit
 * qualification; memory goes through the guest's page tables (gmem.c).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/bits.h>
#include <linux/mm.h>
#include <linux/string.h>
#include <asm/desc.h>
#include <asm/processor-flags.h>
#include <asm/trapnr.h>
#include <asm/vmx.h>

#include "hv.h"
#include "vmx_ops.h"

/* Instruction information (SDM Tables 27-10 and 27-11). */
#define II_SCALE(i)		((i) & 3)
#define II_REG1(i)		(((i) >> 3) & 0xf)
#define II_ADDR_SIZE(i)		(((i) >> 7) & 7)	/* 0: 16, 1: 32, 2: 64 */
#define II_IS_REG		BIT(10)
#define II_SEG(i)		(((i) >> 15) & 7)
#define II_INDEX(i)		(((i) >> 18) & 0xf)
#define II_INDEX_INVALID	BIT(22)
#define II_BASE(i)		(((i) >> 23) & 0xf)
#define II_BASE_INVALID		BIT(27)
#define II_IDENTITY(i)		(((i) >> 28) & 3)

/* Identities: GDTR/IDTR (Table 27-10) and LDTR/TR (Table 27-11). */
enum { ID_SGDT, ID_SIDT, ID_LGDT, ID_LIDT };
enum { ID_SLDT, ID_STR, ID_LLDT, ID_LTR };

/* Segment access rights as the VMCS holds them (SDM 24.4.1). */
#define AR_UNUSABLE	BIT(16)
#define TYPE_LDT	2
#define TYPE_TSS_AVAIL	9
#define TYPE_TSS_BUSY	11

/* Segment registers as the instruction information numbers them. */
enum { SEG_ES, SEG_CS, SEG_SS, SEG_DS, SEG_FS, SEG_GS, NR_SEGS };

static u64 gpr(struct hv_regs *regs, unsigned int n)
{
	return n == 4 ? vmcs_readl(GUEST_RSP) : ((u64 *)regs)[n];
}

static void set_gpr(struct hv_regs *regs, unsigned int n, u64 val)
{
	if (n == 4)
		vmcs_writel(GUEST_RSP, val);
	else
		((u64 *)regs)[n] = val;
}

static void fault(struct hv_fault *f, unsigned int vector, u32 code)
{
	f->vector = vector;
	f->code = code;
}

static const u32 seg_base_field[NR_SEGS] = {
	GUEST_ES_BASE, GUEST_CS_BASE, GUEST_SS_BASE,
	GUEST_DS_BASE, GUEST_FS_BASE, GUEST_GS_BASE,
};

/* The linear address of the memory operand; false (with @f) if invalid. */
static bool operand_address(struct hv_regs *regs, u32 info, u64 *la,
			    struct hv_fault *f)
{
	u64 ea = vmcs_readl(EXIT_QUALIFICATION);	/* the displacement */
	unsigned int seg = II_SEG(info);

	if (!(info & II_BASE_INVALID))
		ea += gpr(regs, II_BASE(info));
	if (!(info & II_INDEX_INVALID))
		ea += gpr(regs, II_INDEX(info)) << II_SCALE(info);
	if (II_ADDR_SIZE(info) == 0)
		ea &= 0xffff;
	else if (II_ADDR_SIZE(info) == 1)
		ea &= 0xffffffff;
	if (seg >= NR_SEGS) {
		fault(f, X86_TRAP_UD, 0);
		return false;
	}
	/* 64-bit mode: only FS and GS have bases (SDM 3.4.4). */
	if (!(vmcs_read32(GUEST_CS_AR_BYTES) & VMX_AR_L_MASK) ||
	    seg == SEG_FS || seg == SEG_GS)
		ea += vmcs_readl(seg_base_field[seg]);
	if (!(vmcs_read32(GUEST_CS_AR_BYTES) & VMX_AR_L_MASK))
		ea &= 0xffffffff;
	if (!__is_canonical_address(ea, boot_cpu_data.x86_virt_bits)) {
		fault(f, seg == SEG_SS ? X86_TRAP_SS : X86_TRAP_GP, 0);
		return false;
	}
	*la = ea;
	return true;
}

/* LGDT, LIDT, SGDT, SIDT (SDM Vol. 2: 10 bytes in 64-bit mode, else 6). */
static bool emulate_dt(struct hv_cpu *hc, struct hv_regs *regs, u32 info,
		       struct hv_fault *f)
{
	bool longmode = vmcs_read32(GUEST_CS_AR_BYTES) & VMX_AR_L_MASK;
	unsigned int id = II_IDENTITY(info), len = longmode ? 10 : 6;
	bool idt = id == ID_SIDT || id == ID_LIDT;
	u8 buf[10] = {};
	u16 limit;
	u64 la, base = 0;

	if (!operand_address(regs, info, &la, f))
		return false;
	if (id == ID_SGDT || id == ID_SIDT) {
		limit = vmcs_read32(idt ? GUEST_IDTR_LIMIT : GUEST_GDTR_LIMIT);
		base = vmcs_readl(idt ? GUEST_IDTR_BASE : GUEST_GDTR_BASE);
		memcpy(buf, &limit, 2);
		memcpy(buf + 2, &base, len - 2);
		return hv_guest_copy(la, buf, len, true, f);
	}
	if (!hv_guest_copy(la, buf, len, false, f))
		return false;
	memcpy(&limit, buf, 2);
	memcpy(&base, buf + 2, len - 2);
	/* 32-bit operand size outside 64-bit mode: a 32-bit base. */
	if (!__is_canonical_address(base, boot_cpu_data.x86_virt_bits)) {
		fault(f, X86_TRAP_GP, 0);
		return false;
	}
	if (idt) {
		vmcs_writel(GUEST_IDTR_BASE, base);
		vmcs_write32(GUEST_IDTR_LIMIT, limit);
		hv_guard_idt_loaded(hc, base, limit);
	} else {
		vmcs_writel(GUEST_GDTR_BASE, base);
		vmcs_write32(GUEST_GDTR_LIMIT, limit);
	}
	return true;
}

/* An operand size prefix (0x66) among the instruction's prefixes? */
static bool has_opsize_prefix(void)
{
	unsigned int len = vmcs_read32(VM_EXIT_INSTRUCTION_LEN), i;
	u8 insn[15];
	struct hv_fault ignore;

	if (len > sizeof(insn) ||
	    !hv_guest_copy(vmcs_readl(GUEST_RIP), insn, len, false, &ignore))
		return false;
	for (i = 0; i < len && insn[i] != 0x0f; i++)
		if (insn[i] == 0x66)
			return true;
	return false;
}

/*
 * The 16-byte system descriptor @sel names in the GDT (SDM 3.5.2), for
 * LLDT and LTR; false with #GP(selector) if it lies outside the GDT.
 */
static bool read_system_desc(u16 sel, struct ldttss_desc *d, u64 *la,
			     struct hv_fault *f)
{
	u32 limit = vmcs_read32(GUEST_GDTR_LIMIT);

	if ((sel & SEGMENT_TI_MASK) || (sel | 7) + 8 > limit) {
		fault(f, X86_TRAP_GP, sel & ~3);
		return false;
	}
	*la = vmcs_readl(GUEST_GDTR_BASE) + (sel & ~7);
	return hv_guest_copy(*la, d, sizeof(*d), false, f);
}

static u64 system_desc_base(const struct ldttss_desc *d)
{
	return d->base0 | ((u64)d->base1 << 16) | ((u64)d->base2 << 24) |
	       ((u64)d->base3 << 32);
}

static u32 system_desc_limit(const struct ldttss_desc *d)
{
	u32 limit = d->limit0 | ((u32)d->limit1 << 16);

	return d->g ? (limit << 12) | 0xfff : limit;
}

static u32 system_desc_ar(const struct ldttss_desc *d)
{
	return d->type | (d->dpl << 5) | (d->p << 7) | (d->g << 15);
}

/* LLDT, LTR (SDM Vol. 2; the checks after the CPL check). */
static bool load_system_seg(struct hv_regs *regs, u32 info, u16 sel,
			    struct hv_fault *f)
{
	bool ltr = II_IDENTITY(info) == ID_LTR;
	struct ldttss_desc d;
	u64 la;

	if (!(sel & ~3)) {
		if (ltr) {
			fault(f, X86_TRAP_GP, 0);
			return false;
		}
		vmcs_write16(GUEST_LDTR_SELECTOR, sel);
		vmcs_write32(GUEST_LDTR_AR_BYTES, AR_UNUSABLE);
		return true;
	}
	if (!read_system_desc(sel, &d, &la, f))
		return false;
	/* The 5-bit type holds S (0: system) above the 4-bit type. */
	if (d.type != (ltr ? TYPE_TSS_AVAIL : TYPE_LDT)) {
		fault(f, X86_TRAP_GP, sel & ~3);
		return false;
	}
	if (!d.p) {
		fault(f, X86_TRAP_NP, sel & ~3);
		return false;
	}
	/* A base from memory goes into the VMCS: canonical or #GP (SDM 26.3.1.2). */
	if (!__is_canonical_address(system_desc_base(&d), boot_cpu_data.x86_virt_bits)) {
		fault(f, X86_TRAP_GP, sel & ~3);
		return false;
	}
	if (ltr) {
		/* LTR marks the TSS busy in memory. */
		d.type = TYPE_TSS_BUSY;
		if (!hv_guest_copy(la, &d, 8, true, f))
			return false;
		vmcs_write16(GUEST_TR_SELECTOR, sel);
		vmcs_writel(GUEST_TR_BASE, system_desc_base(&d));
		vmcs_write32(GUEST_TR_LIMIT, system_desc_limit(&d));
		vmcs_write32(GUEST_TR_AR_BYTES, system_desc_ar(&d));
	} else {
		vmcs_write16(GUEST_LDTR_SELECTOR, sel);
		vmcs_writel(GUEST_LDTR_BASE, system_desc_base(&d));
		vmcs_write32(GUEST_LDTR_LIMIT, system_desc_limit(&d));
		vmcs_write32(GUEST_LDTR_AR_BYTES, system_desc_ar(&d));
	}
	return true;
}

/* LLDT, LTR, SLDT, STR. */
static bool emulate_ldt_tr(struct hv_regs *regs, u32 info, struct hv_fault *f)
{
	unsigned int id = II_IDENTITY(info);
	u64 la;
	u16 sel;

	if (id == ID_SLDT || id == ID_STR) {
		sel = vmcs_read16(id == ID_STR ? GUEST_TR_SELECTOR :
				  GUEST_LDTR_SELECTOR);
		if (!(info & II_IS_REG)) {
			return operand_address(regs, info, &la, f) &&
			       hv_guest_copy(la, &sel, 2, true, f);
		}
		/* To a register: zero-extended, but a 16-bit form keeps the rest. */
		if (has_opsize_prefix())
			set_gpr(regs, II_REG1(info),
				(gpr(regs, II_REG1(info)) & ~0xffffULL) | sel);
		else
			set_gpr(regs, II_REG1(info), sel);
		return true;
	}
	if (info & II_IS_REG)
		sel = gpr(regs, II_REG1(info));
	else if (!operand_address(regs, info, &la, f) ||
		 !hv_guest_copy(la, &sel, 2, false, f))
		return false;
	return load_system_seg(regs, info, sel, f);
}

/**
 * hv_desc_emulate() - a descriptor-table exit (reason 46 or 47)
 * @f: the exception to inject instead, when it returns false
 *
 * Return: true if the instruction was carried out (the caller skips it).
 */
bool hv_desc_emulate(struct hv_cpu *hc, struct hv_regs *regs, u32 reason,
		     struct hv_fault *f)
{
	u32 info = vmcs_read32(VMX_INSTRUCTION_INFO);

	f->cr2 = 0;
	hc->stats.desc_emulated++;
	if (reason == EXIT_REASON_GDTR_IDTR)
		return emulate_dt(hc, regs, info, f);
	return emulate_ldt_tr(regs, info, f);
}
