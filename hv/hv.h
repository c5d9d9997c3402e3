/* SPDX-License-Identifier: GPL-2.0 */
/*
 * hv.h - the RootKernel: a thin VMX hypervisor late-launched under the
 * running kernel.  This header is the interface between hv/ and the OS glue
 * in kmod/, plus the RootKernel's private structures.
 *
 * Memory rule: every page the RootKernel owns (VMXON and VMCS regions, host
 * stacks, EPT tables, the EPTP list, the MSR bitmap, the host page table and
 * the structures below) is allocated by hv_alloc_pages() and removed from the
 * guest's EPT before the first CPU launches.  After that, only host context
 * (VM-exit handlers) and CPUs still running natively may touch them; guest
 * code reaches the RootKernel through hypercalls only.
 */
#ifndef SKYBRIDGE_HV_H
#define SKYBRIDGE_HV_H

#include <linux/bitops.h>
#include <linux/siphash.h>
#include <linux/spinlock.h>
#include <linux/stddef.h>
#include <linux/types.h>
#include <asm/desc_defs.h>
#include <asm/processor-flags.h>

#include "hypercall.h"
#include "../uapi/skybridge_tramp.h"

#define HV_NR_EXIT_REASONS	HV_STATS_REASONS
#define HV_VIEW_MAX_TABLES	64	/* EPT tables one view may own */
#define HV_MAX_ENTRY_PAGES	64
#define HV_MAX_IDT_GUARD	8	/* write-protected IDT pages */
#define HV_POOL_BLOCK_ORDER	4	/* the pool comes in 64 KiB blocks */
#define HV_POOL_BLOCKS		64
#define HV_POOL_PAGES		(HV_POOL_BLOCKS << HV_POOL_BLOCK_ORDER)
#define HV_MAX_OWNERS		2048	/* owner ids: 11 bits (EPT bits 62:52) */
#define HV_OWNER_SHIFT		52
#define HV_OWNER_MASK		GENMASK_ULL(62, 52)
#define HV_VPID			1	/* one guest: the running kernel */
#define HV_HOST_STACK_ORDER	2	/* 16 KiB */

/* Allowed VMX control values and features, computed once (caps.c). */
struct hv_caps {
	u32 vmcs_revision;
	u32 pin_ctls;
	u32 proc_ctls;
	u32 proc2_ctls;
	u32 exit_ctls;
	u32 entry_ctls;
	u64 ept_vpid;		/* IA32_VMX_EPT_VPID_CAP */
	bool ept_2m;
	bool ept_1g;
	u8 phys_bits;
	u64 cr0_fixed0, cr0_fixed1;
	u64 cr4_fixed0, cr4_fixed1;
	u64 xcr0_supported;
};

/* Guest GPRs as saved by the exit entry (entry.S): push order reversed. */
struct hv_regs {
	u64 rax, rcx, rdx, rbx, rsp, rbp, rsi, rdi;
	u64 r8, r9, r10, r11, r12, r13, r14, r15;
};

/* What host context needs to hand back to the guest when leaving VMX. */
struct hv_devirt_frame {
	u64 rip, rsp, rflags, cs, ss;
};

/*
 * The native state a VM exit (or a VM entry that fails after loading the
 * host state) leaves changed and the host-state fields cannot bring back
 * (SDM 27.5): core.c restores it when a CPU leaves VMX.
 */
#define HV_NATIVE_MSRS	8	/* FS and GS base, EFER, PAT, DEBUGCTL, SYSENTER */
struct hv_native {
	struct desc_ptr gdt, idt;
	u16 ldt;
	u64 cr3, cr4, dr7;
	u64 msr[HV_NATIVE_MSRS];	/* in core.c's native_msrs[] order */
};

struct hv_global;

/* Per-CPU RootKernel state; one page each, hidden from the guest. */
struct hv_cpu {
	struct hv_devirt_frame devirt;	/* first: entry.S relies on it */
	struct hv_global *g;
	unsigned int cpu;
	bool launched;
	bool ran;			/* the guest ran since the last VMLAUNCH */
	u32 entry_failure;		/* exit reason of a failed VM entry */
	u64 entry_qual;			/* ... and its qualification */
	struct hv_native native;	/* as it was at VMLAUNCH */
	u64 vmxon_pa;
	u64 vmcs_pa;
	void *vmxon;
	void *vmcs;
	void *stack;
	bool nmi_pending;		/* waits for the guest's NMI window */
	bool drop_vectoring;		/* this exit's event is not to be delivered again */
	u64 idtr_base;			/* guard.c: this CPU's IDT as last seen */
	u32 idtr_limit;
	struct hv_cpu_stats stats;
};

enum hv_view_state { HV_VIEW_FREE, HV_VIEW_LIVE, HV_VIEW_DYING };
/*
 * LANDING is the one landing view (index 1: T2 returns to the plain view);
 * RETURN is a server view's own landing view, at the server view's index
 * + 1, with the same remaps (T2 returns into the server view: chains).
 * OTHER is no call's view: only the lab's test build makes such views
 * (hv/test/), and the call code leaves them alone.
 */
enum hv_view_kind { HV_VIEW_KIND_OTHER, HV_VIEW_KIND_SERVER,
		    HV_VIEW_KIND_LANDING, HV_VIEW_KIND_RETURN };

/*
 * The direct-call trampoline, as the module hands it to hv_init(): the
 * physical pages of its four code pages (T0 client entry, T1 server side,
 * T2 landing tail, T3 client return), and where in them (offsets from
 * SB_TRAMP_BASE) the RootKernel sends threads.  Everything else about it
 * is the fixed layout of uapi/skybridge_tramp.h.
 */
struct hv_tramp {
	u64 code_pa[4];		/* 0: no trampoline */
	u32 resume_off;		/* in T3: the resume stub, token in R12 */
	u32 handler_ret_off;	/* in T1: where a handler returns to */
	u32 abort_off;		/* in T1: where a failed handler's call ends */
};
#define HV_TRAMP_VA(off)	(SB_TRAMP_BASE + (off))
#define hv_has_tramp(g)		((g)->tramp.code_pa[0] != 0)

/* An exception an emulated instruction raises instead of completing. */
struct hv_fault {
	unsigned int vector;
	u32 code;		/* error code, for the vectors that have one */
	u64 cr2;		/* #PF: the linear address */
};

/* The client side of a call in progress, from the client's own memory. */
struct hv_client {
	u64 rsp, fs_base, gs_base;
	/*
	 * A call interrupted in a handler that another handler called (a
	 * chain): the T1 frame's nest id, return view and nonce, read from
	 * the server's memory when the call was interrupted, so that if it
	 * cannot resume the calling handler still gets an answer.  0: none.
	 */
	u64 nest_id, nest_view, nest_nonce;
};

struct hv_view {
	struct hv_global *g;
	enum hv_view_state state;
	enum hv_view_kind kind;
	u16 owner;			/* the server's owner id */
	u16 charge;			/* who pays for the tables made now */
	bool over_share;		/* a table was refused to @charge */
	unsigned int nr_owned;
	u64 eptp;
	u64 *root;
	bool handoff;			/* server view: faults hand off */
	u64 *owned[HV_VIEW_MAX_TABLES];
	u16 owned_by[HV_VIEW_MAX_TABLES];	/* the owner charged for each */
};

/*
 * A continuation record.  RESUME: an interrupted visit its own thread goes
 * back into (HC_RESUME).  HANDOFF: a handler's state, waiting for a thread
 * of its server to adopt it (HC_ADOPT).  ADOPTED: that thread runs the
 * handler natively; its own state waits here until the handler returns.
 */
enum hv_cont_kind { HV_CONT_RESUME, HV_CONT_HANDOFF, HV_CONT_ADOPTED };

struct hv_cont {
	u64 token;			/* 0: free */
	u16 owner;			/* charged to (cont.c) */
	/* Cleared for each new use (cont_fill()). */
	struct_group(state,
	struct hv_regs regs;
	u64 root;			/* root that may HC_RESUME it; 0: none */
	unsigned int view;
	enum hv_cont_kind kind;
	u64 rip, rflags, fs_base, gs_base;
	u64 tsc;			/* when it was saved */
	bool call;			/* a direct call: client below */
	bool stale;			/* can never resume: ESTALE, reusable */
	bool expired;			/* ... because it stalled: ETIMEDOUT */
	struct hv_client client;
	/* Handoffs (cont.c, "handoff"). */
	u64 server_root;		/* the server's root: who may adopt */
	u64 client_root;		/* the caller's root */
	bool taken;			/* reported to the kernel */
	bool orphan;			/* its client went away */
	u32 cause;			/* vector or HV_CAUSE_* */
	u64 ret_rsp;			/* adopted: RSP at the handler's return */
	struct hv_regs parked;		/* adopted: the adopting thread's state */
	u64 parked_rip, parked_rflags, parked_fs, parked_gs;
	);
	void *xsave;			/* one page, XSAVE standard format */
};

/*
 * What one owner (a user, as the module numbers them: 1 to
 * HV_MAX_OWNERS - 1; 0 is the module's own) may hold of what all share.
 */
struct hv_limits {
	u32 records;			/* continuation and handoff records */
	u32 records_share;		/* ... per owner */
	u32 pages_share;		/* EPT pool pages per owner */
};

/* Shared RootKernel state; hidden from the guest. */
struct hv_global {
	struct hv_caps caps;
	struct hv_limits limits;
	u64 eptp;			/* the plain view */
	u64 *ept_root;
	u64 *eptp_list;
	struct hv_tramp tramp;
	void *msr_bitmap;
	u64 host_cr3;
	arch_spinlock_t view_lock;	/* views, pool, entry pages */
	struct hv_view *views;		/* HV_NR_VIEWS */
	unsigned long *view_flushed;	/* HV_NR_VIEWS bitmaps of nr_cpus */
	u64 *pool[HV_POOL_PAGES];
	unsigned int pool_free;
	u64 entry_pages[HV_MAX_ENTRY_PAGES];
	unsigned int nr_entry_pages;
	u64 idt_known[256];		/* gate targets at load: not new */
	u64 idt_guard[HV_MAX_IDT_GUARD];	/* read-only in the plain view */
	unsigned int nr_idt_guard;
	struct hv_cont *conts;		/* limits.records of them */
	u16 *free_conts;		/* indices of free records, a stack */
	unsigned int nr_free_conts;
	u16 *owner_records, *owner_pages;	/* per owner id, held now */
	siphash_key_t token_key;
	u64 token_counter;
	void *xsave_init;		/* XSAVE image of the init state */
	bool pti;
	unsigned int nr_cpus;
	struct hv_cpu *cpus[];		/* indexed by CPU number */
};

static inline unsigned long *hv_view_flushed(struct hv_global *g, u64 index)
{
	return g->view_flushed + index * BITS_TO_LONGS(g->nr_cpus);
}

/* RFLAGS for a thread sent to the other side: IF, and nothing of anyone's. */
#define HV_RFLAGS_CLEAN	(X86_EFLAGS_IF | X86_EFLAGS_FIXED)

/*
 * RFLAGS for a thread the RootKernel sends back to user mode or into a view:
 * the arithmetic and user-settable flags it had, IF set, never TF.
 */
static inline u64 hv_user_rflags(u64 rflags)
{
	const u64 user = X86_EFLAGS_CF | X86_EFLAGS_PF | X86_EFLAGS_AF |
			 X86_EFLAGS_ZF | X86_EFLAGS_SF | X86_EFLAGS_DF |
			 X86_EFLAGS_OF | X86_EFLAGS_AC | X86_EFLAGS_ID;

	return (rflags & user) | X86_EFLAGS_IF | X86_EFLAGS_FIXED;
}

/* The guest's current privilege level: SS.DPL (SDM 24.4.1). */
#define hv_guest_cpl()	((vmcs_read32(GUEST_SS_AR_BYTES) >> 5) & 3)

/*
 * CR4 writes that bypass Linux's cached copy: VMXE is the RootKernel's and
 * never appears in Linux's shadow of CR4 (see docs/design.md).
 */
static __always_inline void hv_write_cr4(unsigned long val)
{
	asm volatile("mov %0, %%cr4" : : "r"(val) : "memory");
}

/*
 * A hypercall handler returns the value for the caller's RAX (>= 0, or a
 * negative errno), and the caller's RIP moves past its VMCALL; or it
 * returns HC_ENTERED after it gave the thread another state altogether (a
 * resume, an adoption), or HC_LEFT_VMX after devirtualizing this CPU.
 */
#define HC_ENTERED	LONG_MAX
#define HC_LEFT_VMX	(LONG_MAX - 1)
typedef long (*hv_hypercall_fn)(struct hv_cpu *hc, struct hv_regs *regs);

/* caps.c */
int hv_caps_probe(struct hv_caps *caps);
int hv_cpu_enable_vmx_msr(void);

/* mem.c */
void *hv_alloc_pages(unsigned int order);
int hv_hide_all(u64 *ept_root);
void hv_free_all(void);
bool hv_page_is_hidden(u64 pa);

/* ept.c */
struct ept_ops {
	u64 *(*alloc)(void *ctx);
	bool (*owns)(void *ctx, u64 *table);
	void *ctx;
};

u64 *ept_build_identity(const struct hv_caps *caps);
u64 *ept_walk_4k(u64 *root, u64 gpa, const struct ept_ops *ops);
u64 ept_lookup(u64 *root, u64 gpa);
u64 ept_leaf(u64 *root, u64 gpa);
u64 ept_entry_4k(u64 *root, u64 gpa);
unsigned int ept_perms(u64 *root, u64 gpa);
int ept_exec_only(u64 *root, u64 gpa, const struct ept_ops *ops);
int ept_identity_clear(u64 *root, u64 gpa, u64 bits);
u64 ept_make_eptp(u64 *root);

/* vmcs.c */
int hv_vmcs_setup(struct hv_cpu *hc);

/* gmem.c: guest memory through the guest's own page tables */
#define HV_GMEM_WRITE	BIT(0)	/* a write */
#define HV_GMEM_USER	BIT(1)	/* a user-mode access (CPL 3) */
#define HV_GMEM_WP	BIT(2)	/* supervisor writes obey R/W (CR0.WP) */
#define HV_GMEM_SMAP	BIT(3)	/* supervisor data access to user pages faults */
u64 hv_guest_pa(u64 cr3, u64 va, unsigned int access, struct hv_fault *f);
bool hv_guest_copy(u64 va, void *buf, size_t len, bool write,
		   struct hv_fault *f);
bool hv_guest_user_u64(u64 cr3, u64 va, u64 *val, bool write);
u64 hv_guest_root(struct hv_global *g);

/* view.c */
/*
 * A remap being taken away is closed first (HC_VIEW_REMAP, RDX =
 * HV_VIEW_REMAP_CLOSE): the root's entry stays, with the server's root and
 * owner in it, but not present (bits 2:0 clear), so that a thread still in
 * the view stops at its next page walk.  HV_EPT_CLOSED marks it, and the
 * entry's own access rights wait in bits 10:8 for the removal.  The CPU
 * ignores every other bit of an EPT entry whose bits 2:0 are clear (SDM
 * Vol. 3C, "EPT Translation Mechanism"; bit 63 only with EPT-violation
 * #VE, which is never enabled here).
 */
#define HV_EPT_CLOSED		BIT_ULL(11)
#define HV_EPT_CLOSED_RWX_SHIFT	8
enum hv_view_op { HV_CLEAR_EXEC, HV_SET_EXEC, HV_REMAP, HV_REMAP_CLOSE };
struct hv_view *hv_view_by_eptp(struct hv_global *g, u64 eptp,
				unsigned int *index);
int hv_view_new(struct hv_global *g, u64 index, enum hv_view_kind kind);
int hv_view_edit(struct hv_view *v, u64 gpa, enum hv_view_op op, u64 hpa);
void hv_view_publish(struct hv_global *g, unsigned int index);
void hv_view_release(struct hv_view *v);
bool hv_gpa_usable(struct hv_global *g, u64 gpa);
int hv_tramp_protect(struct hv_global *g);
int hv_landing_build(struct hv_global *g);
bool hv_view_remaps(struct hv_view *v, u64 root);
bool hv_view_remap_live(struct hv_view *v, u64 root);
u64 hv_view_remap_target(struct hv_view *v, u64 root);
u16 hv_view_remap_owner(struct hv_view *v, u64 root);
int hv_entry_page_add(struct hv_global *g, u64 gpa);
int hv_identity_set_write(struct hv_global *g, u64 gpa, bool writable);
long hc_view_create_server(struct hv_cpu *hc, struct hv_regs *regs);
long hc_view_remap(struct hv_cpu *hc, struct hv_regs *regs);
long hc_view_invalidate(struct hv_cpu *hc, struct hv_regs *regs);
long hc_view_flush(struct hv_cpu *hc, struct hv_regs *regs);
long hc_view_free(struct hv_cpu *hc, struct hv_regs *regs);

/* guard.c */
int hv_guard_init(struct hv_global *g);
bool hv_guard_msr(u32 msr);
bool hv_guard_syscall_entry(u64 rip);
int hv_guard_wrmsr(struct hv_cpu *hc, u32 msr, u64 val);
void hv_guard_idt_loaded(struct hv_cpu *hc, u64 base, u32 limit);
enum hv_guard_write { GUARD_NOT_MINE, GUARD_RETRY, GUARD_REFUSE };
enum hv_guard_write hv_guard_ept_write(struct hv_cpu *hc, u64 gpa);
long hc_entry_sync(struct hv_cpu *hc, struct hv_regs *regs);

/* desc.c */
bool hv_desc_emulate(struct hv_cpu *hc, struct hv_regs *regs, u32 reason,
		     struct hv_fault *f);

/* cont.c */
long hc_resume(struct hv_cpu *hc, struct hv_regs *regs);
long hc_adopt(struct hv_cpu *hc, struct hv_regs *regs);
long hc_handoff_take(struct hv_cpu *hc, struct hv_regs *regs);
long hc_handoff_cancel(struct hv_cpu *hc, struct hv_regs *regs);
long hc_cont_expire(struct hv_cpu *hc, struct hv_regs *regs);
void hv_cont_drop_view(struct hv_global *g, unsigned int index);
bool hv_cont_drop_root(struct hv_global *g, unsigned int index, u64 root,
		       u64 server_root);
u64 hv_handoff_record(struct hv_cpu *hc, struct hv_regs *regs,
		      unsigned int index, u64 rip, u64 rsp, u64 rflags,
		      u64 server_root, u32 cause, bool orphan);
bool hv_handoff_return(struct hv_cpu *hc, struct hv_regs *regs);
bool hv_tramp_va(struct hv_global *g, u64 va);
u64 hv_cont_record(struct hv_cpu *hc, struct hv_regs *regs,
		   unsigned int index, u64 rip, u64 rsp, u64 rflags,
		   const struct hv_client *client);
void hv_xrstor_init(struct hv_global *g);
int hv_idt_vector(u64 rip);

/* call.c */
bool hv_call_trap(struct hv_cpu *hc, struct hv_regs *regs,
		  struct hv_view *view, unsigned int index, bool nmi);
bool hv_call_plain_fetch(struct hv_cpu *hc, struct hv_regs *regs);
bool hv_call_client(struct hv_cpu *hc, struct hv_client *c);
bool hv_call_set_slot(struct hv_cpu *hc, const struct hv_client *c);
void hv_call_release_own_slot(u64 root, u64 fs);
void hv_call_release_slots(struct hv_global *g, struct hv_view *view,
			   u64 client_root, u64 fs);

/* exit.c: what an exit handler returns (hv_handle_exit()'s contract). */
enum { EXIT_RESUME = 0, EXIT_LEAVE_VMX = 1 };
void hv_skip_instruction(void);
void hv_log(const char *fmt, ...) __printf(1, 2);
void hv_dump_vmcs(struct hv_cpu *hc);
int hv_handle_exit(struct hv_regs *regs, struct hv_cpu *hc);
void hv_resume_failed(struct hv_cpu *hc) __noreturn;

/* hypercall.c */
int hv_hypercall(struct hv_cpu *hc, struct hv_regs *regs);
bool hv_direct_map_buffer(u64 va, u64 size);

/* entry.S: hv_launch() returns 0 as the guest, or one of these. */
#define HV_LAUNCH_FAIL_INVALID	1	/* VMfailInvalid */
#define HV_LAUNCH_FAIL_VALID	2	/* VMfailValid: VM_INSTRUCTION_ERROR */
#define HV_LAUNCH_ENTRY_FAILED	3	/* entry failed after the checks (exit.c) */
int hv_launch(void);
void hv_exit_entry(void);
void hv_devirt_return(struct hv_regs *regs, struct hv_devirt_frame *frame)
	__noreturn;

/* core.c: the interface used by kmod/ (kernel context, before launch). */
int hv_init(const struct hv_tramp *tramp, const struct hv_limits *limits);
void hv_exit(void);
int hv_cpu_launch(unsigned int cpu);
void hv_devirtualize(struct hv_cpu *hc, struct hv_regs *regs);
void hv_launch_unwind(struct hv_cpu *hc, struct hv_regs *regs);

/*
 * What the RootKernel asks of its OS glue (kmod/rootkernel.c), from host
 * context: NMI-safe, no locks.  ENTRY_SYNC: every CPU flushes its EPT
 * translations, then HC_ENTRY_SYNC (guard.c); HANDOFF: a handoff waits for
 * HC_HANDOFF_TAKE (cont.c).
 */
enum hv_event { HV_EVENT_ENTRY_SYNC, HV_EVENT_HANDOFF };
void hv_os_notify(enum hv_event event);

/* The lab's test build only (hv/test/): test views and their hypercalls. */
#ifdef SKYBRIDGE_TEST
#include "test/hvtest.h"
#else
#define HV_TEST_HYPERCALLS
static inline void hv_test_before_launch(struct hv_cpu *hc) { }
static inline u64 *hv_test_host_pgd(u64 *pair) { return pair; }
static inline bool hv_test_view_trap(struct hv_cpu *hc, struct hv_regs *regs,
				     struct hv_view *v, unsigned int index)
{
	return false;
}
#endif

#endif /* SKYBRIDGE_HV_H */
