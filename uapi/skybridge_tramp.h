/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * skybridge_tramp.h - the layout of the trampoline and of a session's data
 * pages: an ABI between the module, which maps them into every process that
 * uses skybridge (at SB_TRAMP_BASE, uapi/skybridge.h), the trampoline's own
 * code (kmod/tramp.S), the RootKernel, which reads a client's frame from
 * them, and user programs that read their INFO and COUNT pages.
 *
 * The user mapping, at SB_TRAMP_BASE in every process that uses skybridge:
 *
 *   +0x0000 T0  client entry              executable in the plain and server views
 *   +0x1000 T1  server side               executable in server views only
 *   +0x2000 T2  client return tail        executable in landing and return views only
 *   +0x3000 T3  client return, resume     executable in the plain and server views
 *   +0x4000 INFO  the session's info page (read+write, never executable)
 *   +0x5000 CPU   8 pages: per-CPU return slots of this process
 *   +0xd000 COUNT its server's call counters, per attachment id
 *
 * Each of T0, T1 and T2 ends with a VMFUNC in its last three bytes, so the
 * instruction after it is the first byte of the next page, which can only
 * execute in the view that VMFUNC was meant to enter.  Usable from C and
 * from assembly.
 */
#ifndef _UAPI_SKYBRIDGE_TRAMP_H
#define _UAPI_SKYBRIDGE_TRAMP_H

#include "skybridge.h"	/* SB_TRAMP_BASE, SB_TRAMP_CODE_PAGES */

#define SBT_PAGE		0x1000
#define SBT_T0			0x0000
#define SBT_T1			0x1000
#define SBT_T2			0x2000
#define SBT_T3			0x3000
#define SBT_INFO		0x4000
#define SBT_CPU			0x5000
#define SBT_COUNT		0xd000
#define SBT_CPU_SHIFT		6	/* 64 bytes per CPU */
#define SBT_VMFUNC_SITE(page)	((page) + SBT_PAGE - 3)

/* INFO page: written by the kernel except busy, which T1 updates. */
#define SBI_VIEW		0x000	/* u32: this process's server view */
#define SBI_BUSY		0x008	/* u64: slots in use */
#define SBI_MASK		0x010	/* u64: slots that exist */
#define SBI_HANDLER		0x018	/* u64: handler entry */
#define SBI_DENIED		0x020	/* u64: calls refused for the key (T1) */
#define SBI_SLOTS		0x100	/* 64 x struct { stack, fs, rseq } */
#define SBI_SLOT_SIZE		24
#define SBI_SLOT_STACK		0
#define SBI_SLOT_FS		8
#define SBI_SLOT_RSEQ		16
#define SBI_KEYS		0x800	/* 256 x u64; 0: no attachment */

/*
 * COUNT page: per attachment id, calls that reached the handler and calls
 * refused because every slot was busy (T1, lock inc; the kernel zeroes an
 * id's counters when it is attached).
 */
#define SBN_CALLS		0x000	/* 256 x u64 */
#define SBN_BUSY		0x800	/* 256 x u64 */

/* CPU slot: the client's RSP after T0 saved its frame. */
#define SBC_RSP			0

/*
 * The top of each slot's handler stack (T1 sets RSP there):
 *   top - 8   nest record: the handler's RSP after T0 saved its frame, for
 *             a call the handler makes to another server (a chain)
 *   top - 16  nest record: that call's nonce, 0 when none is outstanding
 *   top - 24  T1's frame: the slot
 *   top - 32  T1's frame: the nest id (slot + 1 of the calling handler,
 *             0: not a call from a handler)
 *   top - 40  T1's frame: the view the result goes to (landing or return)
 *   top - 48  T1's frame: the caller's nonce
 *   top - 56  the handler's return address (into T1)
 * so a handler returns to T1 with RSP = top - SBS_HANDLER_RSP.
 */
#define SBS_NEST_RSP		8
#define SBS_NEST_NONCE		16
#define SBS_RESERVED		16	/* bytes of the nest record */
#define SBS_NEST_ID		32
#define SBS_NEST_VIEW		40
#define SBS_NEST_CALLER_NONCE	48
#define SBS_HANDLER_RSP		48

/*
 * The client frame T0 leaves at that RSP (lowest address first): its struct
 * rseq pointer, FS base, GS base, MXCSR and the x87 control word, RFLAGS,
 * R15, R14, R13, R12, RBX, RBP, return address.  T3 restores all of it:
 * the client's control state comes back whatever the server did.
 */
#define SBF_RSEQ		0
#define SBF_FS			8
#define SBF_GS			16
#define SBF_FPCTL		24	/* MXCSR: bits 0-31, FCW: bits 32-47 */
#define SBF_RFLAGS		32
#define SBF_RET			88
#define SBF_SIZE		96

/* RSEQ_SIG on x86 (glibc sysdeps/unix/sysv/linux/x86/bits/rseq.h). */
#define SBT_RSEQ_SIG		0x53053053

/*
 * XRSTOR mask for clearing: every component but PKRU (9) and AMX (17, 18),
 * which XFD or protection keys would make fault or matter.
 */
#define SBT_XCLEAR_MASK		0xfff9fdff

#endif /* _UAPI_SKYBRIDGE_TRAMP_H */
