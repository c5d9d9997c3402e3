// SPDX-License-Identifier: GPL-2.0
/*
 * call.c - kernel entries and faults while a thread is inside a direct call:
 * in a server view (running the trampoline's T1 or a handler, in the
 * server's address space) or in the landing view (the trampoline's T2).
 *
 * Neither the thread's registers nor its stack pointer can be trusted there:
 * they are the server's.  What can be trusted is the client's own memory:
 * its trampoline T0 saved its frame on its stack and recorded that stack
 * pointer in this CPU's slot of its data page (SB_TRAMP_DATA), at a fixed
 * address.  The RootKernel reads that slot through the client's own page
 * tables (the CR3 value; the identity EPT maps them) and sends the thread
 * there, in the plain view:
 *
 *  - in the landing view the call has finished: the thread goes to T3 (the
 *    client return) with the results in RDI/RSI;
 *  - an external interrupt or an NMI in a server view: the call is saved as
 *    a continuation (cont.c) and the thread goes to the resume stub, which
 *    issues HC_RESUME once Linux has handled the interrupt;
 *  - a system call or a fault-class exception in a handler, in the view of
 *    a server that takes handoffs: the handler's state goes to its server
 *    (cont.c, "handoff") and the thread goes to T3 with SB_STATUS_HANDOFF
 *    and the token, to wait for the result in the kernel;
 *  - anything else in a server view (another exception, a system call in
 *    a server without handoff or when no record is free, a fetch from a
 *    page the view does not execute): the call is abandoned and the
 *    thread goes to T3 with -EFAULT or -ENOSYS.  The kernel never sees the
 *    event: its delivery is undone (the state goes back to CPL 3).
 *
 * An interrupt whose delivery the CPU completed keeps its frame: only the
 * frame's RIP, RSP and RFLAGS are rewritten, and Linux handles it.  An NMI
 * exits before delivery; it is injected after the redirect.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/err.h>
#include <linux/errno.h>
#include <linux/mm.h>
#include <linux/string.h>
#include <asm/irq_vectors.h>
#include <asm/msr.h>
#include <asm/page.h>
#include <asm/pgtable_types.h>
#include <asm/processor-flags.h>
#include <asm/segment.h>
#include <asm/trapnr.h>
#include <asm/vmx.h>

#include "hv.h"
#include "vmx_ops.h"

/* Vectors that push an error code (SDM 6.13). */
#define ERRCODE_VECTORS	(BIT(8) | BIT(10) | BIT(11) | BIT(12) | BIT(13) | \
			 BIT(14) | BIT(17) | BIT(21) | BIT(29) | BIT(30))

static u64 cpu_slot_va(struct hv_global *g, struct hv_cpu *hc)
{
	return SB_TRAMP_BASE + SBT_CPU + ((u64)hc->cpu << SBT_CPU_SHIFT);
}

/**
 * hv_call_client() - the client frame of the call running on this CPU
 *
 * Return: true with @c filled in from the thread's own memory (its RSP and
 * FS/GS bases at call entry), false if there is none to be found.
 */
bool hv_call_client(struct hv_cpu *hc, struct hv_client *c)
{
	struct hv_global *g = hc->g;
	u64 cr3 = vmcs_readl(GUEST_CR3);

	c->nest_id = 0;
	c->nest_view = 0;
	c->nest_nonce = 0;
	/*
	 * The bases go into the VMCS: a non-canonical one would fail the VM
	 * entry (SDM 26.3.1.2), so it makes the frame untrustworthy.
	 */
	return hv_has_tramp(g) &&
	       hv_guest_user_u64(cr3, cpu_slot_va(g, hc), &c->rsp, false) &&
	       hv_guest_user_u64(cr3, c->rsp + SBF_FS, &c->fs_base, false) &&
	       hv_guest_user_u64(cr3, c->rsp + SBF_GS, &c->gs_base, false) &&
	       c->fs_base < TASK_SIZE_MAX && c->gs_base < TASK_SIZE_MAX;
}

/* On resume, possibly on another CPU: this CPU's slot is the thread's now. */
bool hv_call_set_slot(struct hv_cpu *hc, const struct hv_client *c)
{
	u64 rsp = c->rsp;

	return hv_guest_user_u64(vmcs_readl(GUEST_CR3), cpu_slot_va(hc->g, hc),
			      &rsp, true);
}

/*
 * Back to CPL 3, as if the kernel entry being delivered never happened,
 * with RFLAGS clean: nothing of either side's flags crosses (T3 restores
 * the client's own from its frame).
 */
static void set_user_state(u64 rip, u64 rsp)
{
	vmcs_write16(GUEST_CS_SELECTOR, __USER_CS);
	vmcs_writel(GUEST_CS_BASE, 0);
	vmcs_write32(GUEST_CS_LIMIT, 0xffffffff);
	vmcs_write32(GUEST_CS_AR_BYTES, 0xa0fb);	/* code, DPL 3, L, G */
	vmcs_write16(GUEST_SS_SELECTOR, __USER_DS);
	vmcs_writel(GUEST_SS_BASE, 0);
	vmcs_write32(GUEST_SS_LIMIT, 0xffffffff);
	vmcs_write32(GUEST_SS_AR_BYTES, 0xc0f3);	/* data, DPL 3, D/B, G */
	vmcs_writel(GUEST_RIP, rip);
	vmcs_writel(GUEST_RSP, rsp);
	vmcs_writel(GUEST_RFLAGS, HV_RFLAGS_CLEAN);
	vmcs_write32(GUEST_INTERRUPTIBILITY_INFO, 0);
	vmcs_writel(GUEST_PENDING_DBG_EXCEPTIONS, 0);
}

/*
 * Exceptions of the fault class (SDM 6.5): the saved RIP is the faulting
 * instruction, so a handler handed off runs it again natively and gets the
 * same fault, or none once Linux has served it (demand paging).
 */
#define FAULT_VECTORS	(BIT(X86_TRAP_DE) | BIT(X86_TRAP_UD) | BIT(X86_TRAP_NM) | \
			 BIT(X86_TRAP_NP) | BIT(X86_TRAP_SS) | BIT(X86_TRAP_GP) | \
			 BIT(X86_TRAP_PF) | BIT(X86_TRAP_MF) | BIT(X86_TRAP_AC) | \
			 BIT(X86_TRAP_XF))

/*
 * What the thread was doing when it left the view.  TRAP_STOPPED: nothing
 * was delivered and the thread stopped between two instructions (an NMI
 * exit, or a page walk through a closing remap).
 */
struct trap {
	enum { TRAP_IRQ, TRAP_STOPPED, TRAP_EXCEPTION, TRAP_SYSCALL, TRAP_FAULT } kind;
	u64 *frame;		/* TRAP_IRQ: the frame the CPU pushed */
	u64 rip, rsp, rflags;	/* the thread's user state */
	u64 restart;		/* handoff: where the handler goes on, or 0 */
	u32 cause;		/* handoff: vector or HV_CAUSE_SYSCALL */
};

static bool classify(struct hv_cpu *hc, struct hv_regs *regs, bool nmi,
		     struct trap *t)
{
	u64 rip = vmcs_readl(GUEST_RIP);
	u64 *frame;
	int vec;

	t->frame = NULL;
	t->restart = 0;
	if (nmi || (vmcs_read16(GUEST_CS_SELECTOR) & 3)) {
		/* Nothing was delivered: the state is the thread's. */
		t->kind = nmi ? TRAP_STOPPED : TRAP_FAULT;
		t->rip = rip;
		t->rsp = vmcs_readl(GUEST_RSP);
		t->rflags = vmcs_readl(GUEST_RFLAGS);
		return true;
	}
	if (hv_guard_syscall_entry(rip)) {
		t->kind = TRAP_SYSCALL;
		t->rip = regs->rcx;
		t->rsp = vmcs_readl(GUEST_RSP);
		t->rflags = regs->r11;
		/* SYSCALL (0F 05) left RCX after itself; SYSENTER leaves none. */
		if (rip == native_read_msr(MSR_LSTAR))
			t->restart = t->rip - 2;
		t->cause = HV_CAUSE_SYSCALL;
		return true;
	}
	vec = hv_idt_vector(rip);
	if (vec < 0)
		return false;
	frame = (u64 *)vmcs_readl(GUEST_RSP);
	if (vec < 32 && (ERRCODE_VECTORS & BIT(vec)))
		frame++;
	if ((frame[1] & 3) != 3)
		return false;		/* not from user mode: not ours */
	t->rip = frame[0];
	t->rflags = frame[2];
	t->rsp = frame[3];
	if (vec >= 32 && vec != IA32_SYSCALL_VECTOR) {
		t->kind = TRAP_IRQ;
		t->frame = frame;
	} else if (vec == IA32_SYSCALL_VECTOR) {
		t->kind = TRAP_SYSCALL;
		t->restart = t->rip - 2;	/* INT 0x80 is CD 80 */
		t->cause = HV_CAUSE_SYSCALL;
	} else {
		t->kind = TRAP_EXCEPTION;
		t->cause = vec;
		if (FAULT_VECTORS & BIT(vec))
			t->restart = t->rip;
	}
	return true;
}

/*
 * The thread goes back to its client in the plain view: nothing of the
 * server's state reaches the client or Linux.  The caller sets RIP, RSP
 * and RFLAGS.
 */
static void to_client(struct hv_cpu *hc, struct hv_regs *regs,
		      const struct hv_client *client, u64 rdi, u64 rsi,
		      u64 token)
{
	struct hv_global *g = hc->g;

	hv_xrstor_init(g);
	memset(regs, 0, sizeof(*regs));
	regs->rdi = rdi;
	regs->rsi = rsi;
	regs->r12 = token;
	vmcs_write64(EPT_POINTER, g->eptp);
	vmcs_writel(GUEST_FS_BASE, client->fs_base);
	vmcs_writel(GUEST_GS_BASE, client->gs_base);
}

/*
 * A handler's call that cannot go on ends in T1 (tramp.S,
 * sb_tramp_t1_abort), in the server's view: T1 frees the slot whose thread
 * pointer the handler runs on and sends @status where the call's result
 * was to go, to the first client or to the handler that made the call.
 * Nothing of the handler's state is kept but its FS base, which names the
 * slot.
 */
static void to_abort(struct hv_cpu *hc, struct hv_regs *regs, u64 status)
{
	hv_xrstor_init(hc->g);
	memset(regs, 0, sizeof(*regs));
	regs->rdi = status;
	set_user_state(HV_TRAMP_VA(hc->g->tramp.abort_off), 0);
}

/*
 * The thread's call cannot go on and there is no trustworthy client frame
 * to send it back to (the client corrupted or unmapped its own memory):
 * nothing of the server's state is kept, and the thread goes to address 0
 * with RSP 0 in the plain view, every register clear: it takes a fault
 * there, and with no stack for a signal frame dies of SIGSEGV unless it
 * has an alternate signal stack.  For an interrupt whose delivery is
 * complete, only the frame changes: Linux handles the interrupt first.
 */
static void dead_end(struct hv_cpu *hc, struct hv_regs *regs, u64 *frame)
{
	hv_xrstor_init(hc->g);
	memset(regs, 0, sizeof(*regs));
	vmcs_write64(EPT_POINTER, hc->g->eptp);
	vmcs_writel(GUEST_FS_BASE, 0);
	vmcs_writel(GUEST_GS_BASE, 0);
	if (frame) {
		regs->rsp = vmcs_readl(GUEST_RSP);
		frame[0] = 0;
		frame[2] = HV_RFLAGS_CLEAN;
		frame[3] = 0;
	} else {
		set_user_state(0, 0);
	}
	hc->stats.call_dead_ends++;
}

/*
 * The busy slot of the server at page-table root @root whose thread pointer
 * is @fs (the slot the handler on this thread runs on), read through the
 * server's page tables; -1 if none.  @top gets its stack top.
 */
static int busy_slot(u64 root, u64 fs, u64 *top)
{
	u64 busy, va, slot_fs;
	int i;

	if (!hv_guest_user_u64(root, HV_TRAMP_VA(SBT_INFO + SBI_BUSY), &busy, false))
		return -1;
	for (; busy; busy &= busy - 1) {
		i = __ffs(busy);
		va = HV_TRAMP_VA(SBT_INFO + SBI_SLOTS + i * SBI_SLOT_SIZE);
		if (hv_guest_user_u64(root, va + SBI_SLOT_FS, &slot_fs, false) &&
		    slot_fs == fs &&
		    hv_guest_user_u64(root, va + SBI_SLOT_STACK, top, false))
			return i;
	}
	return -1;
}

/*
 * Did another handler make the call the handler on this thread serves (a
 * chain)?  The nest id in T1's frame below the stack top of the busy slot
 * that lends the handler's thread pointer says so; read through the
 * server's page tables.  If so, @c gets the frame's nest id, return view
 * and nonce (from the server's memory: T2 checks them again).
 */
static bool handler_nested(struct hv_cpu *hc, struct hv_view *view,
			   struct hv_client *c)
{
	u64 root = hv_view_remap_target(view, hv_guest_root(hc->g));
	u64 top, id, rv, nonce;

	if (!root || busy_slot(root, vmcs_readl(GUEST_FS_BASE), &top) < 0 ||
	    !hv_guest_user_u64(root, top - SBS_NEST_ID, &id, false) || !id)
		return false;
	if (c && hv_guest_user_u64(root, top - SBS_NEST_VIEW, &rv, false) &&
	    hv_guest_user_u64(root, top - SBS_NEST_CALLER_NONCE, &nonce, false)) {
		c->nest_id = id;
		c->nest_view = rv;
		c->nest_nonce = nonce;
	}
	return true;
}

/*
 * Slot @slot of the server at page-table root @root is free again: atomic
 * on its busy mask, where T1 claims slots with lock bts on other CPUs.
 */
static void clear_busy(u64 root, int slot)
{
	struct hv_fault f;
	u64 pa = hv_guest_pa(root, HV_TRAMP_VA(SBT_INFO + SBI_BUSY),
			     HV_GMEM_USER | HV_GMEM_WRITE, &f);

	if (pa)
		clear_bit(slot, (unsigned long *)__va(pa));
}

/**
 * hv_call_release_own_slot() - the busy slot whose thread pointer is @fs in
 * the server at page-table root @root is free again; nothing up a chain
 * (a calling handler gets its call's error when the thread resumes)
 */
void hv_call_release_own_slot(u64 root, u64 fs)
{
	u64 top;
	int slot = busy_slot(root, fs, &top);

	if (slot >= 0)
		clear_busy(root, slot);
}

/**
 * hv_call_release_slots() - the handler whose thread pointer is @fs, in
 * server view @view, on a thread of the process at root @client_root,
 * cannot go on and nobody can be told (an interrupt with no record free or
 * no client frame; a stalled call): its slot is released, and so, up a
 * chain, is each calling handler's, which ran on that same thread.
 */
void hv_call_release_slots(struct hv_global *g, struct hv_view *view,
			   u64 client_root, u64 fs)
{
	u64 root, top, id, rv, pa, nonce;
	int slot, depth;
	struct hv_fault f;

	root = hv_view_remap_target(view, client_root);
	slot = root ? busy_slot(root, fs, &top) : -1;
	for (depth = 0; slot >= 0 && depth < 16; depth++) {
		clear_busy(root, slot);
		/*
		 * The caller's slot is its nest id - 1, in the view before its
		 * return view; this server's memory says so, and this server
		 * might lie: the caller's slot goes only if its nest record
		 * holds the very nonce of this call, which is then spent, so
		 * that the call it waits for can never return into it.
		 */
		if (!hv_guest_user_u64(root, top - SBS_NEST_ID, &id, false) ||
		    !id || id > SKYBRIDGE_MAX_SLOTS ||
		    !hv_guest_user_u64(root, top - SBS_NEST_VIEW, &rv, false) ||
		    !hv_guest_user_u64(root, top - SBS_NEST_CALLER_NONCE, &nonce, false) ||
		    !nonce || !(rv & 1) || rv <= HV_VIEW_FIRST || rv >= HV_NR_VIEWS ||
		    g->views[rv - 1].state != HV_VIEW_LIVE)
			return;
		root = hv_view_remap_target(&g->views[rv - 1], client_root);
		slot = id - 1;
		if (!root || !hv_guest_user_u64(root, HV_TRAMP_VA(SBT_INFO + SBI_SLOTS +
				slot * SBI_SLOT_SIZE + SBI_SLOT_STACK), &top, false) ||
		    ((top - SBS_NEST_NONCE) & 7))
			return;
		/* Atomic against T2 spending it on another CPU (the answer). */
		pa = hv_guest_pa(root, top - SBS_NEST_NONCE,
				 HV_GMEM_USER | HV_GMEM_WRITE, &f);
		if (!pa || cmpxchg((u64 *)__va(pa), nonce, 0) != nonce)
			return;
	}
}

static void release_slots(struct hv_cpu *hc, struct hv_view *view)
{
	hv_call_release_slots(hc->g, view, hv_guest_root(hc->g),
			      vmcs_readl(GUEST_FS_BASE));
}

/*
 * The handler on this thread goes on natively in its server, its result
 * dropped (nobody can be told): only in a server that hands off, for a call
 * that no handler made (a chain), with a record free.
 */
static bool orphan_handoff(struct hv_cpu *hc, struct hv_regs *regs,
			   struct hv_view *view, unsigned int index,
			   const struct trap *t, bool nested)
{
	bool irq = t->kind == TRAP_IRQ || t->kind == TRAP_STOPPED;
	u64 server_root;

	if (!view->handoff || nested || (!irq && !t->restart))
		return false;
	server_root = hv_view_remap_target(view, hv_guest_root(hc->g));
	if (!server_root ||
	    IS_ERR_VALUE(hv_handoff_record(hc, regs, index,
					   irq ? t->rip : t->restart, t->rsp,
					   t->rflags, server_root,
					   irq ? HV_CAUSE_INTERRUPT : t->cause, true)))
		return false;
	hv_os_notify(HV_EVENT_HANDOFF);
	return true;
}

/**
 * hv_call_trap() - a kernel entry, NMI or fault in a server, return or
 * landing view
 * @view: the view the CPU is in (EPT_POINTER still selects it)
 * @nmi: an NMI exit (the NMI is still to be delivered)
 *
 * There is no fallback in server and return views that keeps the server's
 * state: if the client frame in the client's own memory cannot be
 * trusted, the handler's state goes to its server or is dropped (its slot
 * released) and the thread ends at a dead end (dead_end()).
 *
 * Return: true if handled (the CPU is back in the plain view); false for a
 * view that is no call's (the lab's test views), for a thread whose root
 * the view does not remap and for a thread in the landing view without a
 * frame (strays), which the caller handles.
 */
bool hv_call_trap(struct hv_cpu *hc, struct hv_regs *regs,
		  struct hv_view *view, unsigned int index, bool nmi)
{
	struct hv_global *g = hc->g;
	u64 target, rdi = 0, rsi = 0, token = 0, server_root;
	bool in_handler, have_client, nested = false;
	struct hv_client client;
	struct trap t;

	/*
	 * A thread whose root this view does not remap sees its own address
	 * space here: it came by a stray VMFUNC of its own, and nothing of a
	 * server's can be in its registers.
	 */
	if (view->kind == HV_VIEW_KIND_OTHER ||
	    (view->kind != HV_VIEW_KIND_LANDING &&
	     !hv_view_remaps(view, hv_guest_root(g))))
		return false;
	if (!classify(hc, regs, nmi, &t)) {
		dead_end(hc, regs, NULL);
		return true;
	}
	/*
	 * A page walk through a closing remap (HV_VIEW_REMAP_CLOSE): the
	 * thread was in the view when its remap closed, and stopped there
	 * with nothing done.  It is kept as an interrupted call, whose
	 * resume fails with ESTALE (or whose server finishes it).
	 */
	if (t.kind == TRAP_FAULT && view->kind != HV_VIEW_KIND_LANDING &&
	    !hv_view_remap_live(view, hv_guest_root(g))) {
		u32 vec = vmcs_read32(IDT_VECTORING_INFO_FIELD);
		u32 type = vec & VECTORING_INFO_TYPE_MASK;

		t.kind = TRAP_STOPPED;
		/*
		 * The walk may have stopped the delivery of an event.  An
		 * interrupt or NMI is delivered again, at the resume stub;
		 * an exception or INT n comes back when the instruction runs
		 * again on resume, and would hit the client now.
		 */
		if ((vec & VECTORING_INFO_VALID_MASK) &&
		    type != INTR_TYPE_EXT_INTR && type != INTR_TYPE_NMI_INTR)
			hc->drop_vectoring = true;
	}
	have_client = hv_call_client(hc, &client);
	/* In a handler, not in the trampoline (a server view's T0, T1, T3). */
	in_handler = view->kind == HV_VIEW_KIND_SERVER && !hv_tramp_va(g, t.rip);
	if (in_handler)
		nested = handler_nested(hc, view, have_client ? &client : NULL);

	if (view->kind == HV_VIEW_KIND_LANDING) {
		/*
		 * Nothing of a server's can be in the landing view but what
		 * the server chose to leave (T1 clears every register but the
		 * results, and the FS base): with no frame this is a stray
		 * VMFUNC of the thread's own, which goes on in the plain view.
		 */
		if (!have_client)
			return false;
		/* The call is over: deliver its results. */
		target = HV_TRAMP_VA(SBT_T3);
		rdi = regs->rdi;
		rsi = regs->rsi;
		hc->stats.call_landing_traps++;
	} else if (t.kind == TRAP_IRQ || t.kind == TRAP_STOPPED) {
		token = have_client ? hv_cont_record(hc, regs, index, t.rip,
						     t.rsp, t.rflags, &client) :
				      (u64)-EAGAIN;
		if (!IS_ERR_VALUE(token)) {
			target = HV_TRAMP_VA(g->tramp.resume_off);
		} else {
			/*
			 * No record free, or no frame to come back to: the
			 * handler cannot resume.  Its server finishes it, or
			 * its slot (and its callers', up a chain) comes back.
			 */
			hc->stats.call_aborts++;
			if (in_handler &&
			    !orphan_handoff(hc, regs, view, index, &t, nested))
				release_slots(hc, view);
			if (!have_client)
				goto dead;
			target = HV_TRAMP_VA(SBT_T3);
			rdi = token;	/* EDQUOT over the share, else EAGAIN */
			token = 0;
		}
	} else {
		target = HV_TRAMP_VA(SBT_T3);
		rdi = t.kind == TRAP_SYSCALL ? -ENOSYS : -EFAULT;
		/*
		 * The handler's own system call or fault: its server finishes
		 * it, unless another handler made the call (a chain): that one
		 * gets the error, in its own view.
		 */
		server_root = have_client && view->handoff && t.restart &&
			      !hv_tramp_va(g, t.restart) && !nested ?
			      hv_view_remap_target(view, hv_guest_root(g)) : 0;
		if (server_root) {
			rsi = hv_handoff_record(hc, regs, index, t.restart,
						t.rsp, t.rflags, server_root,
						t.cause, false);
			/* Over the server's share: EDQUOT, not the fault's. */
			if (rsi == (u64)-EDQUOT)
				rdi = -EDQUOT;
			if (IS_ERR_VALUE(rsi))
				rsi = 0;
		}
		if (rsi) {
			rdi = -EINPROGRESS;	/* SB_STATUS_HANDOFF */
			hv_os_notify(HV_EVENT_HANDOFF);
		} else {
			hc->stats.call_aborts++;
			if (in_handler && !have_client &&
			    orphan_handoff(hc, regs, view, index, &t, nested))
				goto dead;
			if (in_handler) {
				to_abort(hc, regs, rdi);
				return true;
			}
			if (!have_client)
				goto dead;
		}
	}

	to_client(hc, regs, &client, rdi, rsi, token);
	if (t.frame) {
		/* Linux handles the interrupt, then returns to @target. */
		regs->rsp = vmcs_readl(GUEST_RSP);
		t.frame[0] = target;
		t.frame[2] = HV_RFLAGS_CLEAN;
		t.frame[3] = client.rsp;
	} else {
		set_user_state(target, client.rsp);
		regs->rsp = client.rsp;
	}
	return true;
dead:
	dead_end(hc, regs, t.frame);
	return true;
}

/**
 * hv_call_plain_fetch() - an instruction fetch the plain view refused: is
 * it a VMFUNC to the plain view from a trampoline site?
 *
 * T1 and T2 do not execute in the plain view, so a thread that executes
 * the VMFUNC at the end of T0 or T1 with index 0 fetches their first byte
 * there.  From a client that is its own business, but a handler can do it
 * too (T0 and T1 execute in server views): then the thread is back in the
 * client's address space with the server's registers, and a #GP would
 * make Linux write a signal frame where the server's RSP points.  So the
 * call ends as an abandoned one: to T3 with -EFAULT, nothing of the
 * server's state kept.
 *
 * Return: true if so and handled; false otherwise (the caller injects #GP).
 */
bool hv_call_plain_fetch(struct hv_cpu *hc, struct hv_regs *regs)
{
	struct hv_global *g = hc->g;
	u64 rip = vmcs_readl(GUEST_RIP);
	struct hv_client client;

	if (!hv_has_tramp(g) || (vmcs_read16(GUEST_CS_SELECTOR) & 3) != 3 ||
	    (rip != HV_TRAMP_VA(SBT_T1) && rip != HV_TRAMP_VA(SBT_T2)))
		return false;
	hc->stats.call_aborts++;
	/* No frame to go back to: the server's registers must not stay. */
	if (!hv_call_client(hc, &client)) {
		dead_end(hc, regs, NULL);
		return true;
	}
	to_client(hc, regs, &client, -EFAULT, 0, 0);
	set_user_state(HV_TRAMP_VA(SBT_T3), client.rsp);
	regs->rsp = client.rsp;
	return true;
}
