/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vmx_ops.h - VMX instruction wrappers.
 *
 * VMCS accessors check the field's width at compile time (SDM 24.11.2: bits
 * 14:13 of the encoding give the width; bit 0 set is the "high" half of a
 * 64-bit field, which is never needed in 64-bit mode).  A failed VMREAD or
 * VMWRITE is reported once per CPU through a single noinline path and
 * remembered, so that setup code can write a batch of fields and check once.
 */
#ifndef SKYBRIDGE_HV_VMX_OPS_H
#define SKYBRIDGE_HV_VMX_OPS_H

#include <linux/build_bug.h>
#include <linux/types.h>
#include <asm/vmx.h>

/* SDM 24.11.2: encoding bits 14:13. */
#define VMCS_WIDTH_16		0
#define VMCS_WIDTH_64		1
#define VMCS_WIDTH_32		2
#define VMCS_WIDTH_NATURAL	3
#define vmcs_field_width(f)	(((f) >> 13) & 3)

#define vmcs_check_width(field, width)					\
	BUILD_BUG_ON_MSG(__builtin_constant_p(field) &&			\
			 (vmcs_field_width(field) != (width) ||		\
			  ((field) & 1)),				\
			 "VMCS accessor width does not match the field")

void hv_vmwrite_error(unsigned long field, u64 value);
void hv_vmread_error(unsigned long field);

static __always_inline bool __vmwrite(unsigned long field, u64 value)
{
	asm goto("vmwrite %[value], %[field]\n\t"
			  "jbe %l[fail]"
			  : : [field] "r"(field), [value] "rm"(value)
			  : "cc" : fail);
	return true;
fail:
	hv_vmwrite_error(field, value);
	return false;
}

static __always_inline u64 __vmread(unsigned long field)
{
	u64 value;

	asm_goto_output("vmread %[field], %[value]\n\t"
			  "jbe %l[fail]"
			  : [value] "=r"(value) : [field] "r"(field)
			  : "cc" : fail);
	return value;
fail:
	hv_vmread_error(field);
	return 0;
}

#define vmcs_write16(f, v) ({ vmcs_check_width(f, VMCS_WIDTH_16); __vmwrite(f, (u16)(v)); })
#define vmcs_write32(f, v) ({ vmcs_check_width(f, VMCS_WIDTH_32); __vmwrite(f, (u32)(v)); })
#define vmcs_write64(f, v) ({ vmcs_check_width(f, VMCS_WIDTH_64); __vmwrite(f, (u64)(v)); })
#define vmcs_writel(f, v)  ({ vmcs_check_width(f, VMCS_WIDTH_NATURAL); __vmwrite(f, (u64)(v)); })

#define vmcs_read16(f) ({ vmcs_check_width(f, VMCS_WIDTH_16); (u16)__vmread(f); })
#define vmcs_read32(f) ({ vmcs_check_width(f, VMCS_WIDTH_32); (u32)__vmread(f); })
#define vmcs_read64(f) ({ vmcs_check_width(f, VMCS_WIDTH_64); (u64)__vmread(f); })
#define vmcs_readl(f)  ({ vmcs_check_width(f, VMCS_WIDTH_NATURAL); (unsigned long)__vmread(f); })

/*
 * The VMX instructions that take a memory operand report failure in CF or
 * ZF (SDM 30.2, "VMfailInvalid"/"VMfailValid"): one asm-goto body, written
 * once, for all of them.  VMXON, VMCLEAR and VMPTRLD take the physical
 * address in memory (SDM 30.3); INVEPT and INVVPID a type register and a
 * 128-bit descriptor: {EPTP, 0} and {VPID, linear address}.
 */
#define VMX_INSN(insn, ...)						\
	do {								\
		asm goto(insn "\n\tjbe %l[fail]"			\
			 : : __VA_ARGS__ : "cc", "memory" : fail);	\
		return 0;						\
fail:									\
		return -EIO;						\
	} while (0)

static __always_inline int vmx_on(u64 pa)
{
	VMX_INSN("vmxon %0", "m"(pa));
}

static __always_inline int vmcs_clear(u64 pa)
{
	VMX_INSN("vmclear %0", "m"(pa));
}

static __always_inline int vmcs_load(u64 pa)
{
	VMX_INSN("vmptrld %0", "m"(pa));
}

static __always_inline int vmx_invept(unsigned long type, u64 eptp)
{
	struct { u64 eptp, rsvd; } desc = { eptp, 0 };

	VMX_INSN("invept %0, %1", "m"(desc), "r"(type));
}

static __always_inline int vmx_invvpid(unsigned long type, u16 vpid)
{
	struct { u64 vpid, gva; } desc = { vpid, 0 };

	VMX_INSN("invvpid %0, %1", "m"(desc), "r"(type));
}

static __always_inline void vmx_off(void)
{
	asm volatile("vmxoff" : : : "cc", "memory");
}

#endif /* SKYBRIDGE_HV_VMX_OPS_H */
