// SPDX-License-Identifier: GPL-2.0
/*
 * cont.c - continuations: an interrupted visit to a view, saved so that the
 * thread can go back into it later; and handoffs, a handler's state that its
 * server's own thread adopts.
 *
 * When an external interrupt arrives while a CPL-3 thread is in a call in
 * a server view (NMIs exit before delivery, exit.c; call.c decides), the
 * RootKernel (host context, before the first kernel instruction) saves the
 * thread's state in a record in RootKernel memory: GPRs, RIP/RSP/RFLAGS from
 * the frame the CPU pushed, FS and GS base, and the extended (XSAVE) state.
 * It then clears the GPRs and vector registers, puts the record's token in
 * R12, and rewrites the pushed frame's RIP to the trampoline's resume stub,
 * so Linux handles the interrupt for a thread that looks like it was at the
 * resume stub, in the plain view, with nothing of the view's registers.  The
 * stub issues HC_RESUME with the token; the RootKernel checks it, restores
 * the state and re-enters the view where the thread was.
 *
 * A token is 52 bits of SipHash over a counter under a random key that
 * lives in RootKernel memory, above its record's index + 1 (so that it is
 * found in O(1) on the interrupt path): unguessable, used once, and bound to
 * the page-table root of the thread that made it (the physical address,
 * normalized for PTI's kernel/user pair and without PCID bits).
 *
 * Records are shared by all users, so each is charged to an owner (a user,
 * as the module numbers them): a continuation to the owner of the client
 * root (the owner id its remap carries, view.c), a handoff to the server's.
 * No owner holds more than its share (struct hv_limits); over it, its own
 * call fails with EDQUOT and nobody else's.  A continuation its client does
 * not resume within the stall bound (HC_CONT_EXPIRE, which the module issues
 * periodically) stops holding the server: its handler goes on in its server
 * as an orphan handoff, or its slot is released (docs/design.md, "Stalls").
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/bits.h>
#include <linux/err.h>
#include <linux/errno.h>
#include <linux/nospec.h>
#include <linux/siphash.h>
#include <linux/string.h>
#include <asm/desc.h>
#include <asm/fpu/types.h>
#include <asm/processor-flags.h>
#include <asm/special_insns.h>
#include <asm/vmx.h>

#include "hv.h"
#include "vmx_ops.h"

static void xsave_all(void *area)
{
	asm volatile("xsave64 (%0)" : : "r"(area), "a"(-1), "d"(-1) : "memory");
}

/* XRSTOR the components in @mask (and XCR0) from @area. */
static void xrstor(const void *area, u64 mask)
{
	asm volatile("xrstor64 (%0)"
		     : : "r"(area), "a"((u32)mask), "d"((u32)(mask >> 32))
		     : "memory");
}

/*
 * Load the init state of every XSAVE component (MXCSR 0x1f80) but PKRU:
 * its init value, 0, opens every protection key, and the thread keeps the
 * PKRU it has (XRSTOR leaves a component outside its mask alone, SDM
 * Vol. 1, 13.8).  Which PKRU a handler and its client run with is issue
 * 22's PKRU deliverable; here the init state must not widen it.
 */
void hv_xrstor_init(struct hv_global *g)
{
	xrstor(g->xsave_init, ~XFEATURE_MASK_PKRU);
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

/* --- records and their owners (view_lock held) -------------------------- */

static void cont_charge(struct hv_global *g, struct hv_cont *c, u16 owner)
{
	c->owner = owner;
	g->owner_records[owner]++;
}

static void cont_drop(struct hv_global *g, struct hv_cont *c)
{
	if (!c->token)
		return;
	g->owner_records[c->owner]--;
	c->token = 0;
	g->free_conts[g->nr_free_conts++] = c - g->conts;
}

/* Owner 0 is the module's own (the lab's test views): no share. */
static bool over_share(struct hv_global *g, u16 owner)
{
	return owner && g->owner_records[owner] >= g->limits.records_share;
}

/*
 * A record for @owner: a free one, or else a stale RESUME record (its
 * owner would only get ESTALE); charged.  NULL with -EDQUOT when @owner
 * holds its share, -EAGAIN when every record is in use.
 */
static struct hv_cont *cont_take(struct hv_global *g, u16 owner, long *err)
{
	struct hv_cont *c;
	unsigned int i;

	if (over_share(g, owner)) {
		*err = -EDQUOT;
		return NULL;
	}
	/* A free record in O(1): interrupts take them on the call path. */
	for (i = 0; !g->nr_free_conts && i < g->limits.records; i++) {
		c = &g->conts[i];
		if (c->stale && c->kind == HV_CONT_RESUME)
			cont_drop(g, c);
	}
	if (!g->nr_free_conts) {
		*err = -EAGAIN;
		return NULL;
	}
	c = &g->conts[g->free_conts[--g->nr_free_conts]];
	cont_charge(g, c, owner);
	return c;
}

/* Move @c's charge to @owner; false (nothing moved) if that is over share. */
static bool cont_recharge(struct hv_global *g, struct hv_cont *c, u16 owner)
{
	if (c->owner != owner && over_share(g, owner))
		return false;
	g->owner_records[c->owner]--;
	cont_charge(g, c, owner);
	return true;
}

/*
 * The record with @token, or NULL: a token carries its record's index + 1
 * in its low 12 bits (the other 52 are SipHash, cont_fill()).
 */
static struct hv_cont *cont_find(struct hv_global *g, u64 token)
{
	u64 i = (token & 0xfff) - 1;

	if (!token || i >= g->limits.records)
		return NULL;
	i = array_index_nospec(i, g->limits.records);
	return g->conts[i].token == token ? &g->conts[i] : NULL;
}

/*
 * Fill record @c with a fresh token and the thread's state in view @index,
 * as a RESUME record of the current root.
 */
static u64 cont_fill(struct hv_global *g, struct hv_cont *c,
		     struct hv_regs *regs, unsigned int index, u64 rip,
		     u64 rsp, u64 rflags)
{
	u16 owner = c->owner;

	memset(&c->state, 0, sizeof(c->state));
	do {
		c->token = (siphash_2u64(++g->token_counter, rdtsc(),
					 &g->token_key) & ~0xfffULL) |
			   (c - g->conts + 1);
	} while (IS_ERR_VALUE(c->token));	/* a token is never an errno */
	c->owner = owner;
	c->kind = HV_CONT_RESUME;
	c->root = hv_guest_root(g);
	c->view = index;
	c->regs = *regs;
	c->regs.rsp = rsp;
	c->rip = rip;
	c->rflags = rflags;
	c->fs_base = vmcs_readl(GUEST_FS_BASE);
	c->gs_base = vmcs_readl(GUEST_GS_BASE);
	c->tsc = rdtsc();
	xsave_all(c->xsave);
	return c->token;
}

/**
 * hv_cont_record() - save a visit interrupted in view @index
 * @rip, @rsp, @rflags: the thread's state there
 * @client: for a direct call, the client frame the thread goes back to
 *          meanwhile; NULL for a test view
 *
 * Return: the continuation's token, or a negative errno (IS_ERR_VALUE):
 * -EDQUOT if the client's owner holds its share, -EAGAIN if no record is
 * free.
 */
u64 hv_cont_record(struct hv_cpu *hc, struct hv_regs *regs,
		   unsigned int index, u64 rip, u64 rsp, u64 rflags,
		   const struct hv_client *client)
{
	struct hv_global *g = hc->g;
	struct hv_cont *c;
	long err = 0;
	u64 token;

	arch_spin_lock(&g->view_lock);
	c = cont_take(g, client ? hv_view_remap_owner(&g->views[index],
						       hv_guest_root(g)) : 0, &err);
	token = c ? cont_fill(g, c, regs, index, rip, rsp, rflags) : err;
	if (c) {
		c->call = client;
		if (client)
			c->client = *client;
	}
	arch_spin_unlock(&g->view_lock);
	if (c)
		hc->stats.conts_saved++;
	else
		hc->stats.conts_full++;
	return token;
}

/*
 * Give the thread the state @regs, @rip, @rflags, FS base @fs (and GS base
 * @gs unless it is ~0: kept), the XSAVE image @xsave (NULL: the init
 * state), in view @eptp (0: kept).
 */
static void enter(struct hv_global *g, struct hv_regs *regs,
		  const struct hv_regs *from, u64 rip, u64 rflags, u64 fs,
		  u64 gs, const void *xsave, u64 eptp)
{
	*regs = *from;
	vmcs_writel(GUEST_RIP, rip);
	vmcs_writel(GUEST_RFLAGS, hv_user_rflags(rflags));
	vmcs_writel(GUEST_FS_BASE, fs);
	if (gs != ~0ULL)
		vmcs_writel(GUEST_GS_BASE, gs);
	vmcs_write32(GUEST_INTERRUPTIBILITY_INFO, 0);
	if (xsave)
		xrstor(xsave, ~0ULL);
	else
		hv_xrstor_init(g);
	if (eptp)
		vmcs_write64(EPT_POINTER, eptp);
}

/*
 * A call interrupted in a handler that another handler called (a chain)
 * cannot resume: its server went away, or the chain's remap did, or it
 * stalled.  The calling handler gets @err instead, in its server's return
 * view, at T2, which checks the nonce as for any return.
 *
 * Return: true if the thread was sent there.
 */
static bool cont_return_nested(struct hv_cpu *hc, struct hv_regs *regs,
			       struct hv_cont *c, u64 root, long err)
{
	struct hv_global *g = hc->g;
	u64 rv = c->client.nest_view;
	struct hv_regs to = {
		.rcx = rv,			/* as VMFUNC would have left it */
		.rdi = err,
		.r12 = c->client.nest_nonce,
		.r13 = c->client.nest_id,
	};
	struct hv_view *r;

	if (!c->call || !c->client.nest_id || rv <= HV_VIEW_FIRST ||
	    rv >= HV_NR_VIEWS || !(rv & 1))
		return false;
	r = &g->views[rv];
	if (r->state != HV_VIEW_LIVE || r->kind != HV_VIEW_KIND_RETURN ||
	    !hv_view_remap_live(r, root))
		return false;
	enter(g, regs, &to, HV_TRAMP_VA(SBT_T2), c->rflags, 0, ~0ULL, NULL,
	      r->eptp);
	hc->stats.call_aborts++;
	return true;
}

/*
 * RESUME record @c, a call interrupted in its handler, goes on in its
 * server as an orphan: the handler runs to completion on its slot thread
 * (so no lock it holds stays held) and its result is dropped.  Not for a
 * chained call (its handoff's client would be the first client, in
 * another call) or when the server's owner is over its share.
 */
static bool cont_orphan(struct hv_global *g, struct hv_cont *c,
			u64 server_root)
{
	if (!c->call || c->client.nest_id || !server_root ||
	    hv_tramp_va(g, c->rip) ||
	    !cont_recharge(g, c, g->views[c->view].owner))
		return false;
	c->kind = HV_CONT_HANDOFF;
	c->server_root = server_root;
	c->client_root = c->root;
	c->taken = false;
	c->orphan = true;
	c->cause = HV_CAUSE_INTERRUPT;
	return true;
}

/*
 * Interrupted call @c can never resume (its remap onto the server's root
 * @server_root is closing or gone): the server finishes it if the view
 * hands off, else the server's slot it held is free again.
 *
 * Return: true if handed off (the caller notifies the kernel).
 */
static bool cont_give_back(struct hv_global *g, struct hv_cont *c,
			   u64 server_root)
{
	c->stale = true;
	if (g->views[c->view].handoff && cont_orphan(g, c, server_root))
		return true;
	if (server_root && c->call)
		hv_call_release_own_slot(server_root, c->fs_base);
	return false;
}

/**
 * hc_resume() - HC_RESUME: go back into the view of continuation RDI
 *
 * Return: HC_ENTERED after restoring it (or, for a chained call that
 * cannot resume, after sending the error to its caller), or a negative
 * errno for the caller's RAX: -EINVAL (no such token of this address
 * space), -ESTALE (the server or the remap went away), -ETIMEDOUT (the
 * call stalled past the bound and was taken away).
 */
long hc_resume(struct hv_cpu *hc, struct hv_regs *regs)
{
	struct hv_global *g = hc->g;
	u64 root = hv_guest_root(g), token = regs->rdi;
	bool handed = false;
	struct hv_cont *c;
	struct hv_view *v;
	long err = 0;

	arch_spin_lock(&g->view_lock);
	c = cont_find(g, token);
	if (!c || c->root != root) {
		c = NULL;
		err = -EINVAL;		/* forged, reused or foreign */
		goto out;
	}
	v = &g->views[c->view];
	/*
	 * A call resumes only while its client's root is still remapped onto
	 * the server's, and the remap is not closing: otherwise the thread
	 * would run the server's code in its own address space.
	 */
	if (v->state != HV_VIEW_LIVE || c->stale ||
	    (c->call && !hv_view_remap_live(v, root))) {
		/*
		 * A remap closing, not removed yet: the call is given back
		 * now, as the removal would, which will not find the record.
		 */
		if (v->state == HV_VIEW_LIVE && !c->stale && c->call &&
		    hv_view_remaps(v, root))
			handed = cont_give_back(g, c,
						hv_view_remap_target(v, root));
		err = c->expired ? -ETIMEDOUT : -ESTALE;
		err = cont_return_nested(hc, regs, c, root, err) ? 0 : err;
		/* A call handed to its server lives on for the server. */
		if (c->kind == HV_CONT_RESUME)
			cont_drop(g, c);
		else
			c->root = 0;
		goto out;
	}
	/* This CPU's slot becomes the thread's. */
	if (c->call && !hv_call_set_slot(hc, &c->client)) {
		err = -EFAULT;
		cont_drop(g, c);
		goto out;
	}
	enter(g, regs, &c->regs, c->rip, c->rflags, c->fs_base, c->gs_base,
	      c->xsave, v->eptp);
	cont_drop(g, c);
	hc->stats.conts_resumed++;
out:
	arch_spin_unlock(&g->view_lock);
	if (handed)
		hv_os_notify(HV_EVENT_HANDOFF);
	return err ?: HC_ENTERED;
}

/* Drop the continuations of a view being freed (view_lock held). */
void hv_cont_drop_view(struct hv_global *g, unsigned int index)
{
	unsigned int i;

	for (i = 0; i < g->limits.records; i++)
		if (g->conts[i].view == index &&
		    g->conts[i].kind != HV_CONT_ADOPTED)
			cont_drop(g, &g->conts[i]);
}

/*
 * The continuations made by page-table root @root in view @index can never
 * resume (its remap onto the server's root @server_root is gone): their
 * owners get ESTALE.  A direct call interrupted in its handler is handed to
 * the server if the view hands off.  Otherwise, or for a call interrupted
 * in the trampoline itself (which holds no server state worth finishing),
 * the server's slot the call held is free again at once: until 2026-12-07
 * it stayed busy for good, so that a client of a server without handoff
 * took one of its slots with each connection it closed mid-call
 * (sb-calltest disconnect).  The records may be taken for new ones
 * meanwhile.
 *
 * Return: true if a call was handed off (the caller notifies the kernel).
 */
bool hv_cont_drop_root(struct hv_global *g, unsigned int index, u64 root,
		       u64 server_root)
{
	bool handed = false;
	unsigned int i;

	for (i = 0; i < g->limits.records; i++) {
		struct hv_cont *c = &g->conts[i];

		if (!c->token || c->kind != HV_CONT_RESUME ||
		    c->view != index || c->root != root)
			continue;
		handed |= cont_give_back(g, c, server_root);
	}
	return handed;
}

/**
 * hc_cont_expire() - HC_CONT_EXPIRE: every call interrupted in a server
 * view before TSC value RDI and not resumed since stops holding the
 * server: it goes on as an orphan handoff where the server hands off, else
 * its slot (and up a chain its callers') is released; its client's resume
 * gets -ETIMEDOUT.
 *
 * Return: how many expired.
 */
long hc_cont_expire(struct hv_cpu *hc, struct hv_regs *regs)
{
	struct hv_global *g = hc->g;
	bool handed = false;
	unsigned int i;
	long n = 0;

	arch_spin_lock(&g->view_lock);
	for (i = 0; i < g->limits.records; i++) {
		struct hv_cont *c = &g->conts[i];
		struct hv_view *v = &g->views[c->view];
		u64 server_root;

		if (!c->token || c->kind != HV_CONT_RESUME || !c->call ||
		    c->stale || c->tsc >= regs->rdi ||
		    v->kind != HV_VIEW_KIND_SERVER || v->state != HV_VIEW_LIVE)
			continue;
		c->stale = c->expired = true;
		server_root = hv_view_remap_target(v, c->root);
		if (v->handoff && cont_orphan(g, c, server_root))
			handed = true;
		else
			hv_call_release_slots(g, v, c->root, c->fs_base);
		n++;
	}
	arch_spin_unlock(&g->view_lock);
	if (handed)
		hv_os_notify(HV_EVENT_HANDOFF);
	hc->stats.conts_expired += n;
	return n;
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
 * execute (skybridge_tramp.h): the EPT violation at the return address,
 * with the RSP the adopter announced, brings the adopter back out of
 * HC_ADOPT with the results.  docs/design.md, section 6, "Handoff".
 */

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
 * Charged to the server's owner.  Return: the handoff's token, or a
 * negative errno (IS_ERR_VALUE): -EDQUOT over the owner's share, -EAGAIN
 * with no record free.
 */
u64 hv_handoff_record(struct hv_cpu *hc, struct hv_regs *regs,
		      unsigned int index, u64 rip, u64 rsp, u64 rflags,
		      u64 server_root, u32 cause, bool orphan)
{
	struct hv_global *g = hc->g;
	struct hv_cont *c;
	long err = 0;
	u64 token;

	arch_spin_lock(&g->view_lock);
	c = cont_take(g, g->views[index].owner, &err);
	token = err;
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
	if (c)
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
	u64 root = hv_guest_root(g), token = regs->rdi;
	struct hv_cont *c;

	arch_spin_lock(&g->view_lock);
	c = cont_find(g, token);
	if (!c || c->kind != HV_CONT_HANDOFF || c->server_root != root) {
		arch_spin_unlock(&g->view_lock);
		return -EINVAL;
	}
	c->parked = *regs;
	c->parked_rip = vmcs_readl(GUEST_RIP) +
			vmcs_read32(VM_EXIT_INSTRUCTION_LEN);
	c->parked_rflags = vmcs_readl(GUEST_RFLAGS);
	c->parked_fs = vmcs_readl(GUEST_FS_BASE);
	c->parked_gs = vmcs_readl(GUEST_GS_BASE);
	c->ret_rsp = regs->rsi;
	c->kind = HV_CONT_ADOPTED;
	/* The thread's own GS base stays: the client's means nothing here. */
	enter(g, regs, &c->regs, c->rip, c->rflags, c->fs_base, ~0ULL,
	      c->xsave, 0);
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
	u64 root, rsp;
	struct hv_regs back;
	unsigned int i;

	if (!hv_has_tramp(g) ||
	    vmcs_readl(GUEST_RIP) != HV_TRAMP_VA(g->tramp.handler_ret_off) ||
	    (vmcs_read16(GUEST_CS_SELECTOR) & 3) != 3)
		return false;
	root = hv_guest_root(g);
	rsp = vmcs_readl(GUEST_RSP);
	arch_spin_lock(&g->view_lock);
	for (i = 0; i < g->limits.records; i++)
		if (g->conts[i].token && g->conts[i].kind == HV_CONT_ADOPTED &&
		    g->conts[i].server_root == root &&
		    g->conts[i].ret_rsp == rsp)
			c = &g->conts[i];
	if (!c) {
		arch_spin_unlock(&g->view_lock);
		return false;
	}
	back = c->parked;
	back.rax = 0;
	back.rdi = regs->rax;		/* status */
	back.rsi = regs->rdx;		/* value */
	enter(g, regs, &back, c->parked_rip, c->parked_rflags, c->parked_fs,
	      c->parked_gs, NULL, 0);
	cont_drop(g, c);
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
	for (i = 0; i < g->limits.records && !found; i++) {
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
	for (i = 0; i < g->limits.records; i++) {
		struct hv_cont *c = &g->conts[i];

		if (!c->token || c->kind == HV_CONT_RESUME)
			continue;
		if (token ? c->token != token :
		    c->server_root != server_root ||
		    (c->kind == HV_CONT_ADOPTED && !adopted))
			continue;
		cont_drop(g, c);
		n++;
	}
	arch_spin_unlock(&g->view_lock);
	return n;
}
