/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * skybridge_vmxreq.h - what the RootKernel needs of a CPU's VMX, as one
 * table: the module checks it before it launches (hv/caps.c), and a
 * preflight tool may check it before anyone runs insmod, from the same
 * lines, so that the two can never disagree.
 *
 * Each list is an X-macro: X(name, bits).  A control is usable when its
 * bits are 1 in the allowed-1 half (bits 63:32) of its capability MSR (SDM
 * Appendix A.3-A.5; the TRUE_* MSRs when IA32_VMX_BASIC[55] is set); the
 * EPT/VPID and VM-function capabilities when their bits are set in
 * IA32_VMX_EPT_VPID_CAP (A.10) and IA32_VMX_VMFUNC (A.11).  Bit positions
 * are the SDM's (Vol. 3C, chapter 24, "VM-Execution Control Fields" and
 * the following sections).
 */
#ifndef _UAPI_SKYBRIDGE_VMXREQ_H
#define _UAPI_SKYBRIDGE_VMXREQ_H

/* Capability MSRs (SDM Appendix A). */
#define SB_MSR_FEATURE_CONTROL		0x3a
#define SB_MSR_VMX_BASIC		0x480
#define SB_MSR_VMX_PINBASED_CTLS	0x481
#define SB_MSR_VMX_PROCBASED_CTLS	0x482
#define SB_MSR_VMX_EXIT_CTLS		0x483
#define SB_MSR_VMX_ENTRY_CTLS		0x484
#define SB_MSR_VMX_PROCBASED_CTLS2	0x48b
#define SB_MSR_VMX_EPT_VPID_CAP		0x48c
#define SB_MSR_VMX_TRUE_PINBASED_CTLS	0x48d
#define SB_MSR_VMX_TRUE_PROCBASED_CTLS	0x48e
#define SB_MSR_VMX_TRUE_EXIT_CTLS	0x48f
#define SB_MSR_VMX_TRUE_ENTRY_CTLS	0x490
#define SB_MSR_VMX_VMFUNC		0x491

/* IA32_VMX_BASIC (A.1): write-back VMCS memory, TRUE control MSRs. */
#define SB_VMX_BASIC_MEMTYPE(b)		(((b) >> 50) & 0xf)
#define SB_VMX_BASIC_MEMTYPE_WB		6
#define SB_VMX_BASIC_TRUE_CTLS		(1ULL << 55)
/* IA32_FEATURE_CONTROL (SDM 23.7): locked, VMXON outside SMX allowed. */
#define SB_FEATURE_CONTROL_LOCKED	(1ULL << 0)
#define SB_FEATURE_CONTROL_VMX		(1ULL << 2)

/*
 * Pin-based controls (24.6.1).  NMIs exit (with virtual NMIs) so that the
 * RootKernel takes a CPU out of any view before Linux sees the NMI.
 */
#define SB_VMX_REQ_PIN(X)						\
	X("NMI exiting", 1u << 3)					\
	X("virtual NMIs", 1u << 5)

/* Primary processor-based controls (24.6.2, Table 24-6). */
#define SB_VMX_REQ_PROC(X)						\
	X("use MSR bitmaps", 1u << 28)					\
	X("activate secondary controls", 1u << 31)
/* Allowed-1 only: turned on while an NMI waits for its window. */
#define SB_VMX_PROC_NMI_WINDOW		(1u << 22)
/* Must be allowed 0: exits on CR3 accesses would be on the hottest path. */
#define SB_VMX_PROC_CR3_EXITING		((1u << 15) | (1u << 16))

/*
 * Secondary processor-based controls (24.6.2, Table 24-7).  Linux reads
 * the clock with RDTSCP and flushes with INVPCID: without those controls
 * both are #UD.  Descriptor-table exiting: LIDT is seen (hv/guard.c).
 */
#define SB_VMX_REQ_PROC2(X)						\
	X("enable EPT", 1u << 1)					\
	X("descriptor-table exiting", 1u << 2)				\
	X("enable RDTSCP", 1u << 3)					\
	X("enable VPID", 1u << 5)					\
	X("enable INVPCID", 1u << 12)					\
	X("enable VM functions", 1u << 13)
/*
 * Secondary controls the RootKernel sets when the CPU has the instruction
 * they govern: with the control at 0 the instruction is #UD in the guest,
 * and Linux uses it wherever CPUID shows it (XSAVES for the FPU state,
 * TPAUSE in udelay() with WAITPKG).  X(name, bits, CPUID leaf, subleaf,
 * register (0 EAX, 1 EBX, 2 ECX, 3 EDX), bit): CPUID.(0DH,1):EAX[3] is
 * XSAVES, CPUID.(07H,0):ECX[5] WAITPKG (SDM Vol. 2A, CPUID).  A CPU that
 * has the instruction but whose VMX cannot enable it is refused.  (PCONFIG,
 * bit 11, is left out: Linux only reads its CPUID leaf.)
 */
#define SB_VMX_REQ_PROC2_IF_CPU(X)					\
	X("enable XSAVES/XRSTORS", 1u << 20, 0xd, 1, 0, 3)		\
	X("enable user wait and pause", 1u << 26, 7, 0, 2, 5)

/* VM-exit controls (24.7.1). */
#define SB_VMX_REQ_EXIT(X)						\
	X("save debug controls", 1u << 2)				\
	X("host address-space size", 1u << 9)				\
	X("save IA32_PAT", 1u << 18)					\
	X("load IA32_PAT", 1u << 19)					\
	X("save IA32_EFER", 1u << 20)					\
	X("load IA32_EFER", 1u << 21)

/* VM-entry controls (24.8.1). */
#define SB_VMX_REQ_ENTRY(X)						\
	X("load debug controls", 1u << 2)				\
	X("IA-32e mode guest", 1u << 9)					\
	X("load IA32_PAT", 1u << 14)					\
	X("load IA32_EFER", 1u << 15)

/* IA32_VMX_EPT_VPID_CAP (A.10). */
#define SB_VMX_REQ_EPT_VPID(X)						\
	X("EPT 4-level page walk", 1ULL << 6)				\
	X("EPT write-back paging structures", 1ULL << 14)		\
	X("INVEPT single-context and all-context",			\
	  (1ULL << 20) | (1ULL << 25) | (1ULL << 26))			\
	X("INVVPID single-context and all-context",			\
	  (1ULL << 32) | (1ULL << 41) | (1ULL << 42))
/* Preferred, not required: fewer EPT tables. */
#define SB_VMX_EPT_2M			(1ULL << 16)
#define SB_VMX_EPT_1G			(1ULL << 17)

/* IA32_VMX_VMFUNC (A.11): VM function 0, EPTP switching (24.6.14). */
#define SB_VMX_REQ_VMFUNC(X)						\
	X("VM function EPTP switching", 1ULL << 0)

#endif /* _UAPI_SKYBRIDGE_VMXREQ_H */
