/* SPDX-License-Identifier: GPL-2.0 */
/*
 * hypercall.h - the RootKernel's VMCALL ABI towards the module: the CPL-0
 * hypercalls and their structures.  The user-callable ones, the calling
 * convention and the CPUID signature are in uapi/skybridge_hv.h.
 */
#ifndef SKYBRIDGE_HV_HYPERCALL_H
#define SKYBRIDGE_HV_HYPERCALL_H

#ifndef __ASSEMBLY__
#include <linux/types.h>
#endif
#include "../uapi/skybridge_hv.h"

/*
 * Numbers 0x1002, 0x1003, 0x1007, 0x100a, 0x100f, 0x1011 and 0x1012 are
 * the lab's test build's (hv/test/hvtest.h); the production module answers
 * -ENOSYS.
 */
/*
 * CPL 0: leave VMX operation on this CPU (VMXOFF) and return natively.
 * Returns 0, or HV_DEVIRT_NMI_PENDING if an NMI was still waiting for the
 * guest's NMI window: the caller sends it to this CPU again.
 */
#define HC_DEVIRTUALIZE		0x1000
#define HV_DEVIRT_NMI_PENDING	1
/* CPL 0: copy this CPU's struct hv_cpu_stats to RDI (a direct-map kernel
 * address), RSI = its size. */
#define HC_GET_STATS		0x1001
/* CPL 0: view teardown, in this order: invalidate the list entry, flush the
 * view on every CPU (each CPU calls HC_VIEW_FLUSH), free. */
#define HC_VIEW_INVALIDATE	0x1004
#define HC_VIEW_FLUSH		0x1005
#define HC_VIEW_FREE		0x1006
/*
 * CPL 0: create server view RDI (2-510, even) and its return view at RDI +
 * 1: a clone of the plain view with the entry pages not executable and the
 * trampoline's execute rights of a server view.  No client root is
 * remapped yet.  RSI: flags, HV_VIEW_F_HANDOFF or 0.  RDX: the server's
 * owner id (1 to HV_MAX_OWNERS - 1), charged for its EPT tables and its
 * handoff records; -EDQUOT if its share of the pool is used up.
 */
#define HC_VIEW_CREATE_SERVER	0x1008
/*
 * CPL 0: in server view RDI, map the page-table root at RSI (and with PTI
 * its user half, RSI + 4 KiB) onto the root at RDX; RDX = 0 removes the
 * remap (and hands the root's interrupted calls in the view to the server,
 * or with HV_VIEW_F_HANDOFF unset drops them).  The low 11 bits of RSI are
 * the owner id of the process at that root: it pays for the tables the
 * remap needs (-EDQUOT over its share) and for its continuations in the
 * view.  The caller then flushes the view on every CPU (HC_VIEW_FLUSH).
 */
#define HC_VIEW_REMAP		0x1009
/*
 * HC_VIEW_REMAP's RDX to close the remap of RSI first (-ENOENT if there is
 * none): the view keeps knowing the server's root, but a thread of RSI's
 * process still in the view stops at its next page walk and is taken out
 * as an interrupted call that cannot resume (ESTALE), and none gets in.
 * The caller flushes the view on every CPU, then removes the remap
 * (RDX = 0): no thread is left running there with the remap gone, which
 * would go on in its own address space with the server's registers.
 */
#define HV_VIEW_REMAP_CLOSE	1
/*
 * CPL 0: scan every IDT a CPU has loaded again, add the pages of targets
 * that changed to the entry set (not executable in any view), write-protect
 * the tables' pages again, and INVEPT all contexts on this CPU.  Returns the
 * number of entry pages added.  The module's sync work issues it after the
 * RootKernel saw a write to an IDT (docs/design.md, section 5).
 */
#define HC_ENTRY_SYNC		0x100b
/* CPL 0: INVEPT all contexts on this CPU. */
#define HC_EPT_FLUSH_ALL	0x100c
/*
 * CPL 0: report one handoff not reported yet: RDI = direct-map struct
 * hv_handoff_info, RSI = its size.  Returns 1 if one was written, 0 if
 * none is waiting.
 */
#define HC_HANDOFF_TAKE		0x100d
/*
 * CPL 0: forget handoff RDI (its adopter, if any, can no longer return
 * through it), or with RDI = 0 the handoffs to the server root RSI that no
 * thread adopted yet, and with RDX = 1 the adopted ones too.  Returns how
 * many were forgotten.
 */
#define HC_HANDOFF_CANCEL	0x100e

/*
 * CPL 0: every call interrupted in a server view before TSC value RDI and
 * not resumed since stops holding its server (cont.c); how many did.
 */
#define HC_CONT_EXPIRE		0x1010

/* HC_VIEW_CREATE_SERVER, RSI: faults and system calls in handlers hand off. */
#define HV_VIEW_F_HANDOFF	0x1

#define HV_STATS_REASONS	80

#ifndef __ASSEMBLY__
struct hv_handoff_info {
	__u64 token;
	__u64 server_root;	/* physical address of the server's PGD */
	__u64 client_root;	/* ... and of the caller's */
	__u64 fs_base;		/* the handler's: its slot's thread pointer */
	__u64 rsp;		/* the handler's stack pointer */
	__u64 flags;		/* HV_HANDOFF_ORPHAN */
	__u64 cause;		/* exception vector, or HV_CAUSE_* */
};
#define HV_HANDOFF_ORPHAN	0x1	/* the client detached mid-call */
#define HV_CAUSE_SYSCALL	0x100	/* SYSCALL or INT 0x80 */
#define HV_CAUSE_INTERRUPT	0x101	/* an orphan: interrupted, not trapped */

struct hv_cpu_stats {
	__u64 exits_total;
	__u64 exits[HV_STATS_REASONS];	/* by basic exit reason, SDM App. C */
	__u64 ept_violations_hidden;	/* guest touched RootKernel memory */
	__u64 hypercalls_refused;
	__u64 view_traps_kernel;	/* kernel entry in a view: back to plain */
	__u64 view_traps_user;		/* other fault in a view: back to plain */
	__u64 conts_saved;		/* interrupted visits saved */
	__u64 conts_resumed;		/* ... and resumed */
	__u64 conts_full;		/* no free record: visit ended instead */
	__u64 launch_tsc;		/* TSC ticks from VMXON to the guest */
	__u64 call_aborts;		/* calls abandoned: fault or syscall */
	__u64 call_landing_traps;	/* kernel entries in the landing view */
	__u64 ept_pool_free;		/* view EPT pages free (global) */
	__u64 entry_msr_writes;		/* WRMSR to LSTAR, CSTAR, SYSENTER_EIP */
	__u64 entry_idt_loads;		/* LIDT that changed this CPU's IDTR */
	__u64 entry_idt_writes;		/* writes to a loaded IDT refused */
	__u64 entry_pages_added;	/* entry pages found by the above */
	__u64 desc_emulated;		/* LIDT, SIDT, ... carried out */
	__u64 handoffs;			/* handler traps handed off */
	__u64 handoffs_orphaned;	/* ... of clients that went away */
	__u64 handoffs_adopted;		/* HC_ADOPT that succeeded */
	__u64 handoffs_returned;	/* adopted handlers that returned */
	__u64 call_dead_ends;		/* calls ended with no client frame to go to */
	__u64 conts_expired;		/* interrupted calls that stalled (global) */
	__u64 records_used;		/* continuation and handoff records in use (global) */
};
#endif /* !__ASSEMBLY__ */


#endif /* SKYBRIDGE_HV_HYPERCALL_H */
