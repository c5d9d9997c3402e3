/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * skybridge_hv.h - what user space may ask of the RootKernel directly: its
 * CPUID signature and version, and the hypercalls any privilege level may
 * issue.  The hypercalls reserved to the kernel (CPL 0) are the module's
 * business (hv/hypercall.h) and not part of this ABI.
 *
 * Calling convention: VMCALL with RAX = hypercall number, RDI, RSI, RDX =
 * arguments; the result comes back in RAX: >= 0 on success, a negative
 * errno value on failure.  No other register changes, and a hypercall
 * never injects a fault into its caller.  Numbers from HC_PRIVILEGED_BASE
 * up fail with -EPERM below CPL 0; an unknown number fails with -ENOSYS.
 * Without the RootKernel, VMCALL raises #UD (SIGILL).
 */
#ifndef _UAPI_SKYBRIDGE_HV_H
#define _UAPI_SKYBRIDGE_HV_H

#define HV_VERSION_MAJOR	0
#define HV_VERSION_MINOR	1
#define HV_VERSION		((HV_VERSION_MAJOR << 16) | HV_VERSION_MINOR)

/*
 * CPUID leaves (0x40000000-0x400000FF is reserved for software): 0x40000000
 * returns the highest leaf in EAX and "SkyBridgeRK\0" in EBX, ECX, EDX;
 * 0x40000001 returns HV_VERSION in EAX.  CPUID.1:ECX[31] (hypervisor
 * present) is set and CPUID.1:ECX[5] (VMX) is clear while it runs.
 */
#define HV_CPUID_BASE		0x40000000u
#define HV_CPUID_VERSION	0x40000001u
#define HV_CPUID_MAX		HV_CPUID_VERSION
#define HV_CPUID_SIG_EBX	0x42796b53u	/* "SkyB" */
#define HV_CPUID_SIG_ECX	0x67646972u	/* "ridg" */
#define HV_CPUID_SIG_EDX	0x004b5265u	/* "eRK\0" */

/* Any CPL: RAX <- HV_VERSION. */
#define HC_VERSION		0x0000
/*
 * CPL 3: RDI = continuation token.  Goes back into the view an interrupt
 * took this thread out of, with every register as it was there; does not
 * return on success.  -EINVAL for a token that is unknown, used, or made
 * by another address space; -ESTALE if the view is gone.  When the
 * RootKernel redirects a thread to the trampoline's resume stub, R12 holds
 * the token and every other GPR is zero.
 */
#define HC_RESUME		0x0001
/*
 * CPL 3: RDI = handoff token, RSI = the RSP the handler will have when it
 * returns (its slot's stack top - SBS_HANDLER_RSP, skybridge_tramp.h).  A
 * thread of the server the token's call was handed to adopts the handler:
 * it continues natively, in the plain view of its own process, at the
 * system call or faulting instruction, with the handler's registers and FS
 * base.  When the handler returns to the trampoline with that RSP, the
 * thread comes back here with every register as at the VMCALL except RAX =
 * 0, RDI = the handler's status, RSI = its value (vector registers: the
 * init state).  Fails, at once, with -EINVAL for a token that is unknown,
 * used, or not handed to this address space (docs/design.md, section 6,
 * "Handoff").
 */
#define HC_ADOPT		0x0002

/* From here on: CPL 0 only (-EPERM otherwise). */
#define HC_PRIVILEGED_BASE	0x1000

/*
 * View indices: positions in the RootKernel's EPTP list (SDM 24.6.14),
 * VMFUNC leaf 0's ECX.  0 is the plain view, 1 the landing view (the
 * trampoline's T2); from 2 on, each server has a pair (its view at an even
 * index, its return view at the next).  An unused index raises #UD.
 */
#define HV_VIEW_PLAIN		0
#define HV_VIEW_LANDING		1
#define HV_VIEW_FIRST		2
#define HV_NR_VIEWS		512

#endif /* _UAPI_SKYBRIDGE_HV_H */
