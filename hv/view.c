// SPDX-License-Identifier: GPL-2.0
/*
 * view.c - EPT views: the entries of the EPTP list beyond the plain view.
 *
 * View index 0 is the plain view (the identity EPT).  Index 1 is reserved
 * for the landing view; 2-511 are created and destroyed through CPL-0
 * hypercalls.  A server view comes in a pair: the server view at an even
 * index and its return view at the next (the landing view of calls made
 * from inside the server's handlers, docs/design.md "Chains"); the pair is
 * created, remapped, flushed and freed as one.  A view starts as a clone
 * of the identity EPT that shares all of its tables; a per-page change
 * (clear execute, remap one 4 KiB page) copies only the tables on the path
 * to that page, from a pool of hidden pages set aside at init.  Unused list
 * entries are zero, so a VMFUNC to them exits and gets #UD.
 *
 * In every view the pages holding kernel entry points (all 256 IDT gate
 * targets, SYSCALL and SYSENTER targets, guard.c) are not executable, so any kernel entry made while a
 * CPU runs in a view exits before the first kernel instruction, and the
 * EPT-violation handler puts the CPU back in the plain view (exit.c).
 *
 * Teardown (SDM 28.4.3.1: INVEPT single-context per EPTP): HC_VIEW_INVALIDATE
 * clears the list entry, so no CPU can enter the view again; the module then
 * makes every CPU take a kernel entry (an IPI: it traps out of the view) and
 * run HC_VIEW_FLUSH there (INVEPT for the view); HC_VIEW_FREE returns the
 * pages only once every launched CPU has flushed.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/bitmap.h>
#include <linux/err.h>
#include <linux/errno.h>
#include <linux/mm.h>
#include <linux/string.h>
#include <asm/page.h>
#include <asm/vmx.h>

#include "hv.h"
#include "vmx_ops.h"

static u64 *pool_get(struct hv_global *g)
{
	u64 *page;

	if (!g->pool_free)
		return NULL;
	page = g->pool[--g->pool_free];
	memset(page, 0, PAGE_SIZE);
	return page;
}

static void pool_put(struct hv_global *g, u64 *page)
{
	g->pool[g->pool_free++] = page;
}

/*
 * A table for view @ctx from the pool, charged to the owner the view's
 * current change is for (v->charge; 0, the module's own, has no share).
 */
static u64 *view_alloc(void *ctx)
{
	struct hv_view *v = ctx;
	struct hv_global *g = v->g;
	u64 *page;

	if (v->nr_owned == HV_VIEW_MAX_TABLES)
		return NULL;
	if (v->charge && g->owner_pages[v->charge] >= g->limits.pages_share) {
		v->over_share = true;
		return NULL;
	}
	page = pool_get(g);
	if (page) {
		v->owned_by[v->nr_owned] = v->charge;
		v->owned[v->nr_owned++] = page;
		g->owner_pages[v->charge]++;
	}
	return page;
}

static bool view_owns(void *ctx, u64 *table)
{
	struct hv_view *v = ctx;
	unsigned int i;

	for (i = 0; i < v->nr_owned; i++)
		if (v->owned[i] == table)
			return true;
	return false;
}

void hv_view_release(struct hv_view *v)
{
	while (v->nr_owned) {
		pool_put(v->g, v->owned[--v->nr_owned]);
		v->g->owner_pages[v->owned_by[v->nr_owned]]--;
	}
	v->root = NULL;
	v->eptp = 0;
	v->owner = v->charge = 0;
	v->state = HV_VIEW_FREE;
}

/* One 4 KiB page of view @v: clear or set execute, or remap it to @hpa. */
int hv_view_edit(struct hv_view *v, u64 gpa, enum hv_view_op op, u64 hpa)
{
	const struct ept_ops ops = { view_alloc, view_owns, v };
	u64 *entry;

	v->over_share = false;
	entry = ept_walk_4k(v->root, gpa, &ops);
	if (IS_ERR(entry))
		return v->over_share ? -EDQUOT : PTR_ERR(entry);
	if (!entry)
		return -EFAULT;		/* hidden or beyond the map */
	if (op == HV_CLEAR_EXEC)
		*entry &= ~VMX_EPT_EXECUTABLE_MASK;
	else if (op == HV_SET_EXEC)
		*entry |= VMX_EPT_EXECUTABLE_MASK;
	else if (op == HV_REMAP_CLOSE && !(*entry & HV_EPT_CLOSED))
		*entry = (*entry & ~(u64)VMX_EPT_RWX_MASK) | HV_EPT_CLOSED |
			 ((*entry & VMX_EPT_RWX_MASK) << HV_EPT_CLOSED_RWX_SHIFT);
	else if (op == HV_REMAP) {
		/* the new address, and the owner id of a remapped root */
		if (*entry & HV_EPT_CLOSED)
			*entry = (*entry & ~(HV_EPT_CLOSED |
				  ((u64)VMX_EPT_RWX_MASK << HV_EPT_CLOSED_RWX_SHIFT))) |
				 ((*entry >> HV_EPT_CLOSED_RWX_SHIFT) & VMX_EPT_RWX_MASK);
		*entry = (*entry & ~(PTE_PFN_MASK | HV_OWNER_MASK)) |
			 (hpa & (PTE_PFN_MASK | HV_OWNER_MASK));
	}
	return 0;
}

bool hv_gpa_usable(struct hv_global *g, u64 gpa)
{
	return gpa && !(gpa & ~PAGE_MASK) && !hv_page_is_hidden(gpa) &&
	       gpa < (1ULL << g->caps.phys_bits);
}

/*
 * Make @v a landing view of @kind: the plain view's mappings (the
 * RootKernel's memory already hidden) with T2 the only executable page.
 * The kernel entry pages are thus not executable there either.
 */
static int landing_init(struct hv_global *g, struct hv_view *v,
			enum hv_view_kind kind)
{
	const struct ept_ops ops = { view_alloc, view_owns, v };
	int err;

	v->g = g;
	v->kind = kind;
	v->handoff = false;
	v->root = view_alloc(v);
	if (!v->root)
		return -ENOMEM;
	memcpy(v->root, g->ept_root, PAGE_SIZE);
	err = ept_exec_only(v->root, g->tramp.code_pa[2], &ops);
	if (err) {
		hv_view_release(v);
		return err;
	}
	v->eptp = ept_make_eptp(v->root);
	v->state = HV_VIEW_LIVE;
	return 0;
}

/**
 * hv_view_new() - start view @index of @kind: the plain view's mappings
 * with every kernel entry page not executable; not in the EPTP list yet
 * (hv_view_publish()), freed with hv_view_release().  view_lock held.
 */
int hv_view_new(struct hv_global *g, u64 index, enum hv_view_kind kind)
{
	struct hv_view *v;
	unsigned int i;
	int err = 0;

	if (index < HV_VIEW_FIRST || index >= HV_NR_VIEWS)
		return -EINVAL;
	if (!g->nr_entry_pages)
		return -ENOENT;
	v = &g->views[index];
	if (v->state != HV_VIEW_FREE)
		return -EBUSY;
	v->g = g;
	v->kind = kind;
	v->handoff = false;
	v->root = view_alloc(v);
	if (!v->root)
		return -ENOMEM;
	memcpy(v->root, g->ept_root, PAGE_SIZE);
	for (i = 0; i < g->nr_entry_pages && !err; i++)
		err = hv_view_edit(v, g->entry_pages[i], HV_CLEAR_EXEC, 0);
	if (err)
		hv_view_release(v);
	return err;
}

/* Put view @index (and a server view's return view) in service. */
void hv_view_publish(struct hv_global *g, unsigned int index)
{
	struct hv_view *v = &g->views[index];

	v->eptp = ept_make_eptp(v->root);
	v->state = HV_VIEW_LIVE;
	/* Last: a VMFUNC may use the entries from now on. */
	if (v->kind == HV_VIEW_KIND_SERVER)
		WRITE_ONCE(g->eptp_list[index + 1], v[1].eptp);
	WRITE_ONCE(g->eptp_list[index], v->eptp);
}

/*
 * HC_VIEW_CREATE_SERVER: server view RDI (even) and its return view at RDI
 * + 1.  A server view executes the trampoline's T0, T1 and T3, not T2
 * (skybridge_tramp.h): a handler may call another server (T0) and get its
 * result back (T3).  RSI: HV_VIEW_F_HANDOFF or 0.
 */
long hc_view_create_server(struct hv_cpu *hc, struct hv_regs *regs)
{
	struct hv_global *g = hc->g;
	u64 index = regs->rdi;
	struct hv_view *v;
	unsigned int i;
	int err;

	if ((regs->rsi & ~(u64)HV_VIEW_F_HANDOFF) || (index & 1) ||
	    index >= HV_NR_VIEWS - 1 || regs->rdx >= HV_MAX_OWNERS)
		return -EINVAL;
	if (!hv_has_tramp(g))
		return -ENODEV;
	if (g->views[index + 1].state != HV_VIEW_FREE)
		return -EBUSY;
	g->views[index].charge = g->views[index + 1].charge = regs->rdx;
	err = hv_view_new(g, index, HV_VIEW_KIND_SERVER);
	if (err)
		return err;
	v = &g->views[index];
	v->owner = v[1].owner = regs->rdx;
	for (i = 0; i < ARRAY_SIZE(g->tramp.code_pa) && !err; i++)
		err = hv_view_edit(v, g->tramp.code_pa[i],
				   i == 2 ? HV_CLEAR_EXEC : HV_SET_EXEC, 0);
	err = err ?: landing_init(g, &v[1], HV_VIEW_KIND_RETURN);
	if (err) {
		hv_view_release(v);
		return err;
	}
	v->handoff = regs->rsi & HV_VIEW_F_HANDOFF;
	hv_view_publish(g, index);
	return 0;
}

/* A server view's return view, or NULL (for any other kind). */
static struct hv_view *return_of(struct hv_view *v)
{
	return v->kind == HV_VIEW_KIND_SERVER ? v + 1 : NULL;
}

/* The view at @index if it is in @state, else an ERR_PTR. */
static struct hv_view *view_in_state(struct hv_global *g, u64 index,
				     enum hv_view_state state)
{
	if (index < HV_VIEW_FIRST || index >= HV_NR_VIEWS)
		return ERR_PTR(-EINVAL);
	if (g->views[index].state != state)
		return ERR_PTR(-ENOENT);
	/* A return view goes with its server view, never on its own. */
	if (g->views[index].kind == HV_VIEW_KIND_RETURN)
		return ERR_PTR(-EINVAL);
	return &g->views[index];
}

/* HC_VIEW_INVALIDATE: view RDI leaves the EPTP list for good. */
long hc_view_invalidate(struct hv_cpu *hc, struct hv_regs *regs)
{
	struct hv_global *g = hc->g;
	u64 index = regs->rdi;
	struct hv_view *v = view_in_state(g, index, HV_VIEW_LIVE);

	if (IS_ERR(v))
		return PTR_ERR(v);
	WRITE_ONCE(g->eptp_list[index], 0);
	v->state = HV_VIEW_DYING;
	bitmap_zero(hv_view_flushed(g, index), g->nr_cpus);
	if (return_of(v)) {
		WRITE_ONCE(g->eptp_list[index + 1], 0);
		v[1].state = HV_VIEW_DYING;
	}
	return 0;
}

/* HC_VIEW_FLUSH: INVEPT view RDI on this CPU, after a change or before it is freed. */
long hc_view_flush(struct hv_cpu *hc, struct hv_regs *regs)
{
	struct hv_global *g = hc->g;
	u64 index = regs->rdi;
	struct hv_view *v = view_in_state(g, index, HV_VIEW_DYING);

	if (IS_ERR(v))
		v = view_in_state(g, index, HV_VIEW_LIVE);
	if (IS_ERR(v))
		return PTR_ERR(v);
	if (vmx_invept(VMX_EPT_EXTENT_CONTEXT, v->eptp) ||
	    (return_of(v) && vmx_invept(VMX_EPT_EXTENT_CONTEXT, v[1].eptp)))
		return -EIO;
	set_bit(hc->cpu, hv_view_flushed(g, index));
	return 0;
}

/* HC_VIEW_FREE: view RDI, once every launched CPU flushed it. */
long hc_view_free(struct hv_cpu *hc, struct hv_regs *regs)
{
	struct hv_global *g = hc->g;
	u64 index = regs->rdi;
	struct hv_view *v = view_in_state(g, index, HV_VIEW_DYING);
	unsigned int cpu;

	if (IS_ERR(v))
		return PTR_ERR(v);
	for (cpu = 0; cpu < g->nr_cpus; cpu++)
		if (g->cpus[cpu] && g->cpus[cpu]->launched &&
		    !test_bit(cpu, hv_view_flushed(g, index)))
			return -EBUSY;
	hv_cont_drop_view(g, index);
	if (return_of(v)) {
		hv_cont_drop_view(g, index + 1);
		hv_view_release(v + 1);
	}
	hv_view_release(v);
	return 0;
}

/* The live view whose EPTP is @eptp (host context, on a trap). */
struct hv_view *hv_view_by_eptp(struct hv_global *g, u64 eptp,
				unsigned int *index)
{
	unsigned int i;

	for (i = HV_VIEW_LANDING; i < HV_NR_VIEWS; i++) {
		if (g->views[i].eptp == eptp && g->views[i].state != HV_VIEW_FREE) {
			*index = i;
			return &g->views[i];
		}
	}
	return NULL;
}

/*
 * A view whose EPT cannot take a change it must have is closed: its list
 * entry goes, so a VMFUNC to it exits and gets #UD, until the module
 * destroys it.
 */
static void view_close(struct hv_global *g, unsigned int index, int err)
{
	WRITE_ONCE(g->eptp_list[index], 0);
	hv_log(KBUILD_MODNAME ": view %u: cannot protect an entry page (%d): closed\n",
	       index, err);
}

/**
 * hv_entry_page_add() - make @gpa an entry page: not executable in any view,
 * live or made later; view_lock held
 *
 * The set only grows: a page that stops holding an entry point is kernel
 * text, and stays non-executable in views.  A page of RootKernel memory
 * needs nothing: it is absent from every view.  That happens for real:
 * unused IDT vectors keep pointing at early-boot stubs in init memory that
 * Linux freed, and the page allocator may since have given that page to the
 * RootKernel.
 *
 * Return: 1 if added, 0 if already in the set or RootKernel memory, or a
 * negative errno: then every view was closed instead (fail closed).
 */
int hv_entry_page_add(struct hv_global *g, u64 gpa)
{
	unsigned int i;
	int err;

	gpa &= PAGE_MASK;
	if (!gpa || gpa >= (1ULL << g->caps.phys_bits))
		return -EINVAL;
	if (hv_page_is_hidden(gpa))
		return 0;
	for (i = 0; i < g->nr_entry_pages; i++)
		if (g->entry_pages[i] == gpa)
			return 0;
	if (g->nr_entry_pages == HV_MAX_ENTRY_PAGES) {
		for (i = HV_VIEW_FIRST; i < HV_NR_VIEWS; i++)
			if (g->views[i].state == HV_VIEW_LIVE)
				view_close(g, i, -ENOSPC);
		return -ENOSPC;
	}
	g->entry_pages[g->nr_entry_pages++] = gpa;
	/* The landing view executes T2 only: nothing to do there. */
	for (i = HV_VIEW_FIRST; i < HV_NR_VIEWS; i++) {
		if (g->views[i].state != HV_VIEW_LIVE)
			continue;
		err = hv_view_edit(&g->views[i], gpa, HV_CLEAR_EXEC, 0);
		if (err)
			view_close(g, i, err);
	}
	return 1;
}

/* Identity tables split after launch come from the pool, for good. */
static u64 *identity_pool_alloc(void *ctx)
{
	return pool_get(ctx);
}

static bool identity_owns_all(void *ctx, u64 *table)
{
	return true;
}

/**
 * hv_identity_set_write() - allow or deny writes to the 4 KiB page at @gpa
 * in the plain view; view_lock held.  The caller flushes: a CPU may go on
 * using a stale translation until it runs INVEPT.
 */
int hv_identity_set_write(struct hv_global *g, u64 gpa, bool writable)
{
	const struct ept_ops ops = { identity_pool_alloc, identity_owns_all, g };
	u64 *entry;

	if (!hv_gpa_usable(g, gpa & PAGE_MASK))
		return -EINVAL;
	entry = ept_walk_4k(g->ept_root, gpa & PAGE_MASK, &ops);
	if (IS_ERR(entry))
		return PTR_ERR(entry);
	if (!entry)
		return -EFAULT;
	if (writable)
		*entry |= VMX_EPT_WRITABLE_MASK;
	else
		*entry &= ~VMX_EPT_WRITABLE_MASK;
	return 0;
}

/* The roots of a page-table pair: with PTI, the kernel and the user half. */
static unsigned int root_pages(struct hv_global *g)
{
	return g->pti ? 2 : 1;
}

/*
 * HC_VIEW_REMAP: in server view RDI (and its return view), map the
 * page-table root pair at RSI onto the one at RDX, or with RDX = 0 remove
 * the remap (the root's interrupted calls there are handed to the server,
 * or dropped), or with RDX = HV_VIEW_REMAP_CLOSE close it first (hv.h,
 * HV_EPT_CLOSED).
 */
long hc_view_remap(struct hv_cpu *hc, struct hv_regs *regs)
{
	struct hv_global *g = hc->g;
	u64 index = regs->rdi, server = regs->rdx;
	u64 owner = regs->rsi & (HV_MAX_OWNERS - 1);
	u64 client = regs->rsi & ~(u64)(HV_MAX_OWNERS - 1);
	struct hv_view *v = view_in_state(g, index, HV_VIEW_LIVE);
	u64 align = (PAGE_SIZE << (root_pages(g) - 1)) - 1;
	u64 old = 0;
	unsigned int i;
	int err = 0;

	if (IS_ERR(v))
		return PTR_ERR(v);
	if (server == HV_VIEW_REMAP_CLOSE) {
		if (v->kind != HV_VIEW_KIND_SERVER || (client & align) ||
		    !hv_view_remap_live(v, client))
			return -ENOENT;
		for (i = 0; i < root_pages(g) && !err; i++) {
			err = hv_view_edit(v, client + i * PAGE_SIZE,
					   HV_REMAP_CLOSE, 0);
			if (!err)
				err = hv_view_edit(v + 1, client + i * PAGE_SIZE,
						   HV_REMAP_CLOSE, 0);
		}
		return err;
	}
	if (v->kind != HV_VIEW_KIND_SERVER || (client & align) ||
	    (server & align) || !hv_gpa_usable(g, client) ||
	    (server && !hv_gpa_usable(g, server)))
		return -EINVAL;
	/*
	 * The server this root goes to now: its interrupted calls are handed
	 * to it, or their slots freed, when the remap goes (cont.c).
	 */
	if (!server)
		old = hv_view_remap_target(v, client);
	v->charge = v[1].charge = owner;
	for (i = 0; i < root_pages(g) && !err; i++) {
		u64 to = ((server ?: client) + i * PAGE_SIZE) |
			 (server ? owner << HV_OWNER_SHIFT : 0);

		err = hv_view_edit(v, client + i * PAGE_SIZE, HV_REMAP, to);
		/* The return view shows the same address spaces. */
		if (!err)
			err = hv_view_edit(v + 1, client + i * PAGE_SIZE, HV_REMAP, to);
	}
	if (!server) {
		bool handed = hv_cont_drop_root(g, index, client, old);

		/* Nothing of the server runs in a return view: no handoff. */
		hv_cont_drop_root(g, index + 1, client, 0);
		if (handed)
			hv_os_notify(HV_EVENT_HANDOFF);
	}
	return err;
}

/* @root's entry in @v if its remap there is closing (HV_EPT_CLOSED), else 0. */
static u64 closed_entry(struct hv_view *v, u64 root)
{
	u64 e = ept_entry_4k(v->root, root);

	return e & HV_EPT_CLOSED ? e : 0;
}

/*
 * The server's page-table root that page-table root @root (hv_guest_root())
 * is remapped onto in server view @v, or 0 if it is not remapped there
 * (still the server's while the remap is closing).
 */
u64 hv_view_remap_target(struct hv_view *v, u64 root)
{
	u64 to;

	if (v->kind != HV_VIEW_KIND_SERVER && v->kind != HV_VIEW_KIND_RETURN)
		return 0;
	to = closed_entry(v, root);
	if (to)
		return to & PTE_PFN_MASK;
	to = ept_lookup(v->root, root);
	return to == root || to == ~0ULL ? 0 : to & PAGE_MASK;
}

/* The owner id of the process whose root @root view @v remaps (0: none). */
u16 hv_view_remap_owner(struct hv_view *v, u64 root)
{
	if (v->kind != HV_VIEW_KIND_SERVER && v->kind != HV_VIEW_KIND_RETURN)
		return 0;
	return ((closed_entry(v, root) ?: ept_leaf(v->root, root)) &
		HV_OWNER_MASK) >> HV_OWNER_SHIFT;
}

/* Does view @v map the page-table root @root onto another page (or close that remap)? */
bool hv_view_remaps(struct hv_view *v, u64 root)
{
	return (v->kind == HV_VIEW_KIND_SERVER || v->kind == HV_VIEW_KIND_RETURN) &&
	       ept_lookup(v->root, root) != root;
}

/* ... and not closing: a thread of @root may (re-)enter @v. */
bool hv_view_remap_live(struct hv_view *v, u64 root)
{
	return hv_view_remaps(v, root) && !closed_entry(v, root);
}

/**
 * hv_tramp_protect() - in the plain view, T1 and T2 of the trampoline do not
 * execute (tramp.h); before the RootKernel's memory is hidden, since the
 * identity EPT may need tables
 */
int hv_tramp_protect(struct hv_global *g)
{
	int err;

	if (!hv_has_tramp(g))
		return 0;
	err = ept_identity_clear(g->ept_root, g->tramp.code_pa[1],
				 VMX_EPT_EXECUTABLE_MASK);
	return err ?: ept_identity_clear(g->ept_root, g->tramp.code_pa[2],
					 VMX_EPT_EXECUTABLE_MASK);
}

/**
 * hv_landing_build() - the landing view: the plain view's mappings with T2
 * the only executable page; after the RootKernel's memory is hidden, so that
 * it shares the finished identity tables
 */
int hv_landing_build(struct hv_global *g)
{
	struct hv_view *v = &g->views[HV_VIEW_LANDING];
	int err;

	if (!hv_has_tramp(g))
		return 0;
	err = landing_init(g, v, HV_VIEW_KIND_LANDING);
	if (err)
		return err;
	g->eptp_list[HV_VIEW_LANDING] = v->eptp;
	return 0;
}
