// SPDX-License-Identifier: GPL-2.0
/*
 * cont.c - continuations: an interrupted visit to a view, saved so that the
 * thread can go back into it later.
 *
 * When an external interrupt arrives while a CPL-3 thread is in a call in
 * a server view (NMIs exit before delivery, exit.c; call.c decides), the
 * RootKernel (host context, before the first kernel instruction) saves the
 * thread's state in a continuation record in RootKernel memory: GPRs,
 * RIP/RSP/RFLAGS from the frame the CPU pushed, FS and GS base, and the
 * extended (XSAVE) state.  It then clears
 * the GPRs and vector registers, puts the record's token in R12, and
 * rewrites the pushed frame's RIP to the trampoline's resume stub, so Linux
 * handles the interrupt for a thread that looks like it was at the resume
 * stub, in the plain view, with nothing of the view's registers.  The stub
 * issues HC_RESUME with the token; the RootKernel checks it, restores the
 * state and re-enters the view where the thread was.
 *
 * A token is 64 bits of SipHash over a counter under a random key that lives
 * in RootKernel memory: unguessable, used once, and bound to the page-table
 * root of the thread that made it (the physical address, normalized for
 * PTI's kernel/user pair and without PCID bits).  Exceptions and SYSCALL
 * in a view are not saved: they are handled natively (exit.c).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/bits.h>
#include <linux/errno.h>
#include <linux/siphash.h>
#include <linux/string.h>
#include <asm/desc.h>
#include <asm/processor-flags.h>
#include <asm/special_insns.h>
#include <asm/vmx.h>

#include "hv.h"
#include "vmx_ops.h"

static void xsave_all(void *area)
{
	asm volatile("xsave64 (%0)" : : "r"(area), "a"(-1), "d"(-1) : "memory");
}

static void xrstor_all(const void *area)
{
	asm volatile("xrstor64 (%0)" : : "r"(area), "a"(-1), "d"(-1) : "memory");
}

/* Load the init state of every XSAVE component (MXCSR 0x1f80). */
void hv_xrstor_init(struct hv_global *g)
{
	xrstor_all(g->xsave_init);
}

/* The IDT vector whose gate targets @rip, or -1 (host context). */
int hv_idt_vector(u64 rip)
{
	const gate_desc *idt = (const gate_desc *)vmcs_readl(GUEST_IDTR_BASE);
	unsigned int n = (vmcs_read32(GUEST_IDTR_LIMIT) + 1) / sizeof(*idt);
	unsigned int v;

	for (v = 0; v < n && v < 256; v++)
		if (gate_offset(&idt[v]) == rip)
			return v;
	return -1;
}

static unsigned int handoffs_in_use(struct hv_global *g);

/* A free record, or else a stale one (its owner would only get ESTALE). */
static struct hv_cont *cont_free_slot(struct hv_global *g)
{
	struct hv_cont *stale = NULL;
	unsigned int i;

	for (i = 0; i < HV_NR_CONTS; i++) {
		if (!g->conts[i].token)
			return &g->conts[i];
		if (g->conts[i].stale && g->conts[i].kind == HV_CONT_RESUME &&
		    !stale)
			stale = &g->conts[i];
	}
	return stale;
}

/*
 * Fill record @c with a fresh token and the thread's state in view @index,
 * as a RESUME record of the current root (view_lock held).
 */
static u64 cont_fill(struct hv_global *g, struct hv_cont *c,
		     struct hv_regs *regs, unsigned int index, u64 rip,
		     u64 rsp, u64 rflags)
{
	c->token = siphash_2u64(++g->token_counter, rdtsc(), &g->token_key) | 1;
	c->kind = HV_CONT_RESUME;
	c->root = hv_guest_root(g);
	c->view = index;
	c->regs = *regs;
	c->regs.rsp = rsp;
	c->rip = rip;
	c->rflags = rflags;
	c->fs_base = vmcs_readl(GUEST_FS_BASE);
	c->gs_base = vmcs_readl(GUEST_GS_BASE);
	c->call = false;
	c->stale = false;
	c->server_root = 0;
	c->client_root = 0;
	c->taken = false;
	c->orphan = false;
	xsave_all(c->xsave);
	return c->token;
}

/**
 * hv_cont_record() - save a visit interrupted in view @index
 * @rip, @rsp, @rflags: the thread's state there
 * @client: for a direct call, the client frame the thread goes back to
 *          meanwhile; NULL for a test view
 *
 * Return: the continuation's token, or 0 if no record is free.
 */
u64 hv_cont_record(struct hv_cpu *hc, struct hv_regs *regs,
		   unsigned int index, u64 rip, u64 rsp, u64 rflags,
		   const struct hv_client *client)
{
	struct hv_global *g = hc->g;
	struct hv_cont *c;
	u64 token = 0;

	arch_spin_lock(&g->view_lock);
	c = cont_free_slot(g);
	if (c) {
		token = cont_fill(g, c, regs, index, rip, rsp, rflags);
		c->call = client;
		if (client)
			c->client = *client;
	}
	arch_spin_unlock(&g->view_lock);
	if (token)
		hc->stats.conts_saved++;
	else
		hc->stats.conts_full++;
	return token;
}

/*
 * A call interrupted in a handler that another handler called (a chain)
 * cannot resume: its server went away, or the chain's remap did.  The
 * calling handler gets -ESTALE instead, in its server's return view, at
 * T2, which checks the nonce as for any return (view_lock held).
 *
 * Return: true if the thread was sent there.
 */
static bool cont_return_nested(struct hv_cpu *hc, struct hv_regs *regs,
			       struct hv_cont *c, u64 root)
{
	struct hv_global *g = hc->g;
	u64 rv = c->client.nest_view;
	struct hv_view *r;

	if (!c->call || !c->client.nest_id || rv <= HV_VIEW_FIRST ||
	    rv >= HV_NR_VIEWS || !(rv & 1))
		return false;
	r = &g->views[rv];
	if (r->state != HV_VIEW_LIVE || r->kind != HV_VIEW_KIND_RETURN ||
	    !hv_view_remaps(r, root))
		return false;
	memset(regs, 0, sizeof(*regs));
	regs->rcx = rv;			/* as VMFUNC would have left it */
	regs->rdi = -ESTALE;
	regs->r12 = c->client.nest_nonce;
	regs->r13 = c->client.nest_id;
	vmcs_writel(GUEST_RIP, HV_TRAMP_VA(SBT_T2));
	vmcs_writel(GUEST_RFLAGS, hv_user_rflags(c->rflags));
	vmcs_write32(GUEST_INTERRUPTIBILITY_INFO, 0);
	hv_xrstor_init(g);
	vmcs_write64(EPT_POINTER, r->eptp);
	hc->stats.call_aborts++;
	return true;
}

/**
 * hc_resume() - HC_RESUME: go back into the view of continuation RDI
 *
 * Return: HC_ENTERED after restoring it (or, for a chained call that
 * cannot resume, after sending the error to its caller), or a negative
 * errno for the caller's RAX.
 */
long hc_resume(struct hv_cpu *hc, struct hv_regs *regs)
{
	struct hv_global *g = hc->g;
	u64 root = hv_guest_root(g), token = regs->rdi;
	struct hv_cont *c = NULL;
	struct hv_view *v;
	unsigned int i;
	long err = 0;

	if (!token)
		return -EINVAL;
	arch_spin_lock(&g->view_lock);
	for (i = 0; i < HV_NR_CONTS; i++)
		if (g->conts[i].token == token && g->conts[i].root == root)
			c = &g->conts[i];
	if (!c) {
		err = -EINVAL;		/* forged, reused or foreign */
		goto out;
	}
	v = &g->views[c->view];
	if (v->state != HV_VIEW_LIVE || c->stale) {
		err = cont_return_nested(hc, regs, c, root) ? 0 : -ESTALE;
		/* A call handed to its server lives on for the server. */
		if (c->kind == HV_CONT_RESUME)
			c->token = 0;
		else
			c->root = 0;
		goto out;
	}
	/*
	 * A call resumes only while its client's root is still remapped onto
	 * the server's: otherwise the thread would run the server's code in
	 * its own address space.  Then this CPU's slot becomes the thread's.
	 */
	if (c->call) {
		if (!hv_view_remaps(v, root)) {
			err = cont_return_nested(hc, regs, c, root) ? 0 : -ESTALE;
			c->token = 0;
			goto out;
		}
		if (!hv_call_set_slot(hc, &c->client)) {
			err = -EFAULT;
			c->token = 0;
			goto out;
		}
	}
	*regs = c->regs;
	vmcs_writel(GUEST_RIP, c->rip);
	vmcs_writel(GUEST_RFLAGS, hv_user_rflags(c->rflags));
	vmcs_writel(GUEST_FS_BASE, c->fs_base);
	vmcs_writel(GUEST_GS_BASE, c->gs_base);
	vmcs_write32(GUEST_INTERRUPTIBILITY_INFO, 0);
	xrstor_all(c->xsave);
	vmcs_write64(EPT_POINTER, v->eptp);
	c->token = 0;
	hc->stats.conts_resumed++;
out:
	arch_spin_unlock(&g->view_lock);
	return err ?: HC_ENTERED;
}

/* Drop the continuations of a view being freed (view_lock held). */
void hv_cont_drop_view(struct hv_global *g, unsigned int index)
{
	unsigned int i;

	for (i = 0; i < HV_NR_CONTS; i++)
		if (g->conts[i].token && g->conts[i].view == index &&
		    g->conts[i].kind != HV_CONT_ADOPTED)
			g->conts[i].token = 0;
}

/*
 * The continuations made by page-table root @root in view @index can never
 * resume (its remap is gone): their owners get ESTALE.  A direct call
 * interrupted in its handler is handed to the server (root @server_root, 0
 * if the view does not hand off): the handler still runs to completion,
 * so no lock it holds stays held, and its result is dropped.  A call
 * interrupted in the trampoline itself holds no server state worth
 * finishing; its record may be taken for new ones meanwhile.
 *
 * Return: true if a call was handed off (the caller notifies the kernel).
 */
bool hv_cont_drop_root(struct hv_global *g, unsigned int index, u64 root,
		       u64 server_root)
{
	unsigned int i, n = handoffs_in_use(g);
	bool handed = false;

	for (i = 0; i < HV_NR_CONTS; i++) {
		struct hv_cont *c = &g->conts[i];

		if (!c->token || c->kind != HV_CONT_RESUME ||
		    c->view != index || c->root != root)
			continue;
		c->stale = true;
		if (!c->call || !server_root || hv_tramp_va(g, c->rip) ||
		    n >= HV_MAX_HANDOFFS)
			continue;
		c->kind = HV_CONT_HANDOFF;
		c->server_root = server_root;
		c->client_root = root;
		c->taken = false;
		c->orphan = true;
		c->cause = HV_CAUSE_INTERRUPT;
		handed = true;
		n++;
	}
	return handed;
}

/* --- handoff ----------------------------------------------------------- */

/*
 * A handler that makes a system call or takes an exception in its server's
 * view cannot be served there: the kernel would run for the client's
 * thread.  Its state becomes a HANDOFF record bound to the server's root,
 * the client goes back to T3 with SB_STATUS_HANDOFF and the token, and the
 * kernel (notified through irq_work, whether or not the client cooperates)
 * wakes the slot's parked thread.  That thread's HC_ADOPT swaps its own
 * state into the record and continues as the handler, natively, at the
 * faulting instruction or the system call, in its own process.  When the
 * handler returns, its RET fetches T1 in the plain view, where T1 does not
 * execute (tramp.h): the EPT violation at the return address, with the RSP
 * the adopter announced, brings the adopter back out of HC_ADOPT with the
 * results.  docs/design.md, section 6, "Handoff".
 */

static unsigned int handoffs_in_use(struct hv_global *g)
{
	unsigned int i, n = 0;

	for (i = 0; i < HV_NR_CONTS; i++)
		if (g->conts[i].token && g->conts[i].kind != HV_CONT_RESUME)
			n++;
	return n;
}

/* Is @va in the trampoline's code pages? */
bool hv_tramp_va(struct hv_global *g, u64 va)
{
	return hv_has_tramp(g) && va >= SB_TRAMP_BASE &&
	       va - SB_TRAMP_BASE < SB_TRAMP_CODE_PAGES * PAGE_SIZE;
}

/**
 * hv_handoff_record() - save a handler's state for its server to adopt
 * @index: the server view
 * @rip: where the handler goes on: the faulting instruction, or its SYSCALL
 * @server_root: the server's page-table root
 * @cause: the exception vector, HV_CAUSE_SYSCALL or HV_CAUSE_INTERRUPT
 * @orphan: nobody waits for the result (the client's frame is gone)
 *
 * Return: the handoff's token, or 0 if no record may be taken.
 */
u64 hv_handoff_record(struct hv_cpu *hc, struct hv_regs *regs,
		      unsigned int index, u64 rip, u64 rsp, u64 rflags,
		      u64 server_root, u32 cause, bool orphan)
{
	struct hv_global *g = hc->g;
	struct hv_cont *c = NULL;
	u64 token = 0;

	arch_spin_lock(&g->view_lock);
	if (handoffs_in_use(g) < HV_MAX_HANDOFFS)
		c = cont_free_slot(g);
	if (c) {
		token = cont_fill(g, c, regs, index, rip, rsp, rflags);
		c->kind = HV_CONT_HANDOFF;
		c->client_root = c->root;
		c->root = 0;		/* nobody resumes it: its server adopts */
		c->gs_base = 0;		/* the client's: meaningless there */
		c->server_root = server_root;
		c->cause = cause;
		c->orphan = orphan;
	}
	arch_spin_unlock(&g->view_lock);
	if (token)
		hc->stats.handoffs++;
	else
		hc->stats.conts_full++;
	return token;
}

/**
 * hc_adopt() - HC_ADOPT: this thread becomes the handler of handoff RDI;
 * RSI: its RSP when the handler returns to T1
 *
 * Return: HC_ENTERED after the swap, or a negative errno for RAX.
 */
long hc_adopt(struct hv_cpu *hc, struct hv_regs *regs)
{
	struct hv_global *g = hc->g;
	u64 root = hv_guest_root(g), token = regs->rdi, ret_rsp = regs->rsi;
	struct hv_cont *c = NULL;
	unsigned int i;

	if (!token)
		return -EINVAL;
	arch_spin_lock(&g->view_lock);
	for (i = 0; i < HV_NR_CONTS; i++)
		if (g->conts[i].token == token &&
		    g->conts[i].kind == HV_CONT_HANDOFF &&
		    g->conts[i].server_root == root)
			c = &g->conts[i];
	if (!c) {
		arch_spin_unlock(&g->view_lock);
		return -EINVAL;
	}
	c->parked = *regs;
	c->parked_rip = vmcs_readl(GUEST_RIP) +
			vmcs_read32(VM_EXIT_INSTRUCTION_LEN);
	c->parked_rflags = vmcs_readl(GUEST_RFLAGS);
	c->parked_fs = vmcs_readl(GUEST_FS_BASE);
	c->parked_gs = vmcs_readl(GUEST_GS_BASE);
	c->ret_rsp = ret_rsp;
	c->kind = HV_CONT_ADOPTED;

	/* The thread's own GS base stays: the client's means nothing here. */
	*regs = c->regs;
	vmcs_writel(GUEST_RIP, c->rip);
	vmcs_writel(GUEST_RFLAGS, hv_user_rflags(c->rflags));
	vmcs_writel(GUEST_FS_BASE, c->fs_base);
	vmcs_write32(GUEST_INTERRUPTIBILITY_INFO, 0);
	xrstor_all(c->xsave);
	arch_spin_unlock(&g->view_lock);
	hc->stats.handoffs_adopted++;
	return HC_ENTERED;
}

/**
 * hv_handoff_return() - an EPT violation in the plain view: is it an
 * adopted handler returning to T1?
 *
 * Return: true if so; the adopter is then back after its HC_ADOPT.
 */
bool hv_handoff_return(struct hv_cpu *hc, struct hv_regs *regs)
{
	struct hv_global *g = hc->g;
	struct hv_cont *c = NULL;
	u64 root, rsp, status, value;
	unsigned int i;

	if (!hv_has_tramp(g) ||
	    vmcs_readl(GUEST_RIP) != HV_TRAMP_VA(g->tramp.handler_ret_off) ||
	    (vmcs_read16(GUEST_CS_SELECTOR) & 3) != 3)
		return false;
	root = hv_guest_root(g);
	rsp = vmcs_readl(GUEST_RSP);
	arch_spin_lock(&g->view_lock);
	for (i = 0; i < HV_NR_CONTS; i++)
		if (g->conts[i].token && g->conts[i].kind == HV_CONT_ADOPTED &&
		    g->conts[i].server_root == root &&
		    g->conts[i].ret_rsp == rsp)
			c = &g->conts[i];
	if (!c) {
		arch_spin_unlock(&g->view_lock);
		return false;
	}
	status = regs->rax;
	value = regs->rdx;
	*regs = c->parked;
	regs->rax = 0;
	regs->rdi = status;
	regs->rsi = value;
	vmcs_writel(GUEST_RIP, c->parked_rip);
	vmcs_writel(GUEST_RFLAGS, hv_user_rflags(c->parked_rflags));
	vmcs_writel(GUEST_FS_BASE, c->parked_fs);
	vmcs_writel(GUEST_GS_BASE, c->parked_gs);
	vmcs_write32(GUEST_INTERRUPTIBILITY_INFO, 0);
	hv_xrstor_init(g);
	c->token = 0;
	arch_spin_unlock(&g->view_lock);
	hc->stats.handoffs_returned++;
	return true;
}

/* HC_HANDOFF_TAKE: report one handoff the kernel has not seen yet. */
long hc_handoff_take(struct hv_cpu *hc, struct hv_regs *regs)
{
	struct hv_global *g = hc->g;
	u64 buf = regs->rdi, size = regs->rsi;
	struct hv_handoff_info info = {};
	unsigned int i;
	long found = 0;

	if (size != sizeof(info) || !hv_direct_map_buffer(buf, size))
		return -EINVAL;
	arch_spin_lock(&g->view_lock);
	for (i = 0; i < HV_NR_CONTS && !found; i++) {
		struct hv_cont *c = &g->conts[i];

		if (!c->token || c->kind != HV_CONT_HANDOFF || c->taken)
			continue;
		c->taken = true;
		info.token = c->token;
		info.server_root = c->server_root;
		info.client_root = c->client_root;
		info.fs_base = c->fs_base;
		info.rsp = c->regs.rsp;
		info.flags = c->orphan ? HV_HANDOFF_ORPHAN : 0;
		info.cause = c->cause;
		found = 1;
	}
	arch_spin_unlock(&g->view_lock);
	if (found) {
		memcpy((void *)buf, &info, sizeof(info));
		if (info.flags & HV_HANDOFF_ORPHAN)
			hc->stats.handoffs_orphaned++;
	}
	return found;
}

/*
 * HC_HANDOFF_CANCEL: forget handoff RDI, or (RDI = 0) those to the server
 * root RSI not adopted yet, or with RDX = 1 all of them.
 */
long hc_handoff_cancel(struct hv_cpu *hc, struct hv_regs *regs)
{
	struct hv_global *g = hc->g;
	u64 token = regs->rdi, server_root = regs->rsi, adopted = regs->rdx;
	unsigned int i;
	long n = 0;

	if (!token && !server_root)
		return -EINVAL;
	arch_spin_lock(&g->view_lock);
	for (i = 0; i < HV_NR_CONTS; i++) {
		struct hv_cont *c = &g->conts[i];

		if (!c->token || c->kind == HV_CONT_RESUME)
			continue;
		if (token ? c->token != token :
		    c->server_root != server_root ||
		    (c->kind == HV_CONT_ADOPTED && !adopted))
			continue;
		c->token = 0;
		n++;
	}
	arch_spin_unlock(&g->view_lock);
	return n;
}
