// SPDX-License-Identifier: GPL-2.0
/*
 * hypercall.c - VMCALL: one table of hypercalls, each with the one CPL it
 * may be issued from and whether it runs under the view lock, and the small
 * hypercalls that need no home of their own.
 *
 * The ABI: uapi/skybridge_hv.h (any CPL) and hypercall.h (CPL 0).  RAX =
 * number, RDI/RSI/RDX = arguments, RAX = result; no other register changes
 * and no fault is ever injected into the caller.  A number the table does
 * not have: -ENOSYS; the wrong CPL: -EPERM.  Both are counted.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/mm.h>
#include <linux/nospec.h>
#include <linux/string.h>
#include <asm/vmx.h>

#include "hv.h"
#include "vmx_ops.h"

/*
 * Hypercall buffers must be in the direct map (its translations never go
 * stale: exit.c) and outside RootKernel memory.
 */
bool hv_direct_map_buffer(u64 va, u64 size)
{
	void *p = (void *)va;

	return size && va + size > va && virt_addr_valid(p) &&
	       virt_addr_valid(p + size - 1) &&
	       !hv_page_is_hidden(__pa(p) & PAGE_MASK) &&
	       !hv_page_is_hidden(__pa(p + size - 1) & PAGE_MASK);
}

static long hc_version(struct hv_cpu *hc, struct hv_regs *regs)
{
	return HV_VERSION;
}

static long hc_devirtualize(struct hv_cpu *hc, struct hv_regs *regs)
{
	hv_devirtualize(hc, regs);
	return HC_LEFT_VMX;
}

/* RDI: a direct-map struct hv_cpu_stats, RSI: its size. */
static long hc_get_stats(struct hv_cpu *hc, struct hv_regs *regs)
{
	if (regs->rsi != sizeof(hc->stats) ||
	    !hv_direct_map_buffer(regs->rdi, regs->rsi))
		return -EINVAL;
	hc->stats.ept_pool_free = READ_ONCE(hc->g->pool_free);
	hc->stats.records_used = hc->g->limits.records -
				 READ_ONCE(hc->g->nr_free_conts);
	memcpy((void *)regs->rdi, &hc->stats, sizeof(hc->stats));
	return 0;
}

static long hc_ept_flush_all(struct hv_cpu *hc, struct hv_regs *regs)
{
	return vmx_invept(VMX_EPT_EXTENT_GLOBAL, 0) ? -EIO : 0;
}

#define HC_NR_USER	0x10	/* numbers 0-0xf; then 0x1000 on, CPL 0 */
#define HC_INDEX(nr)	((nr) < HC_PRIVILEGED_BASE ? (nr) : \
			 (nr) - HC_PRIVILEGED_BASE + HC_NR_USER)
#define HC(nr, fn, cpl, locked)	[HC_INDEX(nr)] = { fn, cpl, locked }
#define CPL_ANY		(-1)

static const struct hv_hypercall {
	hv_hypercall_fn fn;
	s8 cpl;			/* the CPL it may come from, or CPL_ANY */
	bool locked;		/* run under g->view_lock */
} hypercalls[] = {
	HC(HC_VERSION,		hc_version,		CPL_ANY, false),
	HC(HC_RESUME,		hc_resume,		3, false),
	HC(HC_ADOPT,		hc_adopt,		3, false),
	HC(HC_DEVIRTUALIZE,	hc_devirtualize,	0, false),
	HC(HC_GET_STATS,	hc_get_stats,		0, false),
	HC(HC_VIEW_INVALIDATE,	hc_view_invalidate,	0, true),
	HC(HC_VIEW_FLUSH,	hc_view_flush,		0, true),
	HC(HC_VIEW_FREE,	hc_view_free,		0, true),
	HC(HC_VIEW_CREATE_SERVER, hc_view_create_server, 0, true),
	HC(HC_VIEW_REMAP,	hc_view_remap,		0, true),
	HC(HC_ENTRY_SYNC,	hc_entry_sync,		0, false),
	HC(HC_EPT_FLUSH_ALL,	hc_ept_flush_all,	0, false),
	HC(HC_HANDOFF_TAKE,	hc_handoff_take,	0, false),
	HC(HC_HANDOFF_CANCEL,	hc_handoff_cancel,	0, false),
	HC(HC_CONT_EXPIRE,	hc_cont_expire,		0, false),
	HV_TEST_HYPERCALLS
};

/* The VMCALL exit (exit.c's table). */
int hv_hypercall(struct hv_cpu *hc, struct hv_regs *regs)
{
	const struct hv_hypercall *h = NULL;
	u64 nr = regs->rax, i = ARRAY_SIZE(hypercalls);
	long ret;

	if (nr < HC_NR_USER ||
	    (nr >= HC_PRIVILEGED_BASE && nr - HC_PRIVILEGED_BASE < i - HC_NR_USER))
		i = HC_INDEX(nr);
	if (i < ARRAY_SIZE(hypercalls))
		h = &hypercalls[array_index_nospec(i, ARRAY_SIZE(hypercalls))];
	/* Every CPL-0 number, known or not, is refused below CPL 0. */
	if (nr >= HC_PRIVILEGED_BASE && hv_guest_cpl() != 0)
		ret = -EPERM;
	else if (!h || !h->fn)
		ret = -ENOSYS;
	else if (h->cpl != CPL_ANY && h->cpl != hv_guest_cpl())
		ret = -EPERM;
	else
		ret = 0;
	if (ret) {
		hc->stats.hypercalls_refused++;
	} else {
		if (h->locked)
			arch_spin_lock(&hc->g->view_lock);
		ret = h->fn(hc, regs);
		if (h->locked)
			arch_spin_unlock(&hc->g->view_lock);
		if (ret == HC_ENTERED)
			return EXIT_RESUME;
		if (ret == HC_LEFT_VMX)
			return EXIT_LEAVE_VMX;
	}
	regs->rax = ret;
	hv_skip_instruction();
	return EXIT_RESUME;
}
