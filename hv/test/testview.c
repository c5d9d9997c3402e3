// SPDX-License-Identifier: GPL-2.0
/*
 * testview.c - test views for the lab's test build (hvtest.h): how the lab
 * proves, without any server, that a view really shows other memory, that
 * every kernel entry traps out of it, and that an interrupted visit is
 * saved and resumed (tests/vm/progs/sb-viewtest.c, sb-resumetest.c).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/err.h>
#include <linux/errno.h>
#include <linux/string.h>
#include <asm/processor-flags.h>
#include <asm/vmx.h>

#include "../hv.h"
#include "../vmx_ops.h"

/* Where each test view's interrupted visits resume; 0: they just end. */
static u64 resume_rip[HV_NR_VIEWS];

long hc_test_view_create(struct hv_cpu *hc, struct hv_regs *regs)
{
	struct hv_global *g = hc->g;
	u64 index = regs->rdi, from = regs->rsi, to = regs->rdx;
	int err;

	if (from && (!hv_gpa_usable(g, from) || !hv_gpa_usable(g, to)))
		return -EINVAL;
	err = hv_view_new(g, index, HV_VIEW_KIND_OTHER);
	if (err)
		return err;
	if (from)
		err = hv_view_edit(&g->views[index], from, HV_REMAP, to);
	if (err) {
		hv_view_release(&g->views[index]);
		return err;
	}
	resume_rip[index] = 0;
	hv_view_publish(g, index);
	return 0;
}

long hc_test_view_resume(struct hv_cpu *hc, struct hv_regs *regs)
{
	struct hv_global *g = hc->g;
	u64 index = regs->rdi;

	if (index < HV_VIEW_FIRST || index >= HV_NR_VIEWS ||
	    g->views[index].state != HV_VIEW_LIVE ||
	    g->views[index].kind != HV_VIEW_KIND_OTHER || regs->rsi >= TASK_SIZE_MAX)
		return -EINVAL;
	resume_rip[index] = regs->rsi;
	return 0;
}

long hc_test_view_query(struct hv_cpu *hc, struct hv_regs *regs)
{
	struct hv_global *g = hc->g;
	u64 index = regs->rdi, gpa = regs->rsi;
	u64 *root;

	if (index >= HV_NR_VIEWS || gpa >= (1ULL << g->caps.phys_bits))
		return -EINVAL;
	if (index == HV_VIEW_PLAIN)
		root = g->ept_root;
	else if (g->views[index].state == HV_VIEW_LIVE)
		root = g->views[index].root;
	else
		return -ENOENT;
	return ept_perms(root, gpa) ?: -ENOENT;
}

long hc_test_hidden(struct hv_cpu *hc, struct hv_regs *regs)
{
	return (long)hc->g;
}

/*
 * A kernel entry in test view @v, the CPU already back in the plain view:
 * an interrupt from CPL 3 in a view with a resume address is saved, and the
 * thread goes to that address in the plain view with the token in R12 and
 * nothing of the view's registers.
 */
bool hv_test_view_trap(struct hv_cpu *hc, struct hv_regs *regs,
		       struct hv_view *v, unsigned int index)
{
	u64 *frame = (u64 *)vmcs_readl(GUEST_RSP);
	u64 token;
	int vec;

	if (v->kind != HV_VIEW_KIND_OTHER || !resume_rip[index])
		return false;
	/* Interrupts (and NMI) push no error code: RIP, CS, RFLAGS, RSP, SS. */
	vec = hv_idt_vector(vmcs_readl(GUEST_RIP));
	if ((vec != 2 && vec < 32) || (frame[1] & 3) != 3)
		return false;
	token = hv_cont_record(hc, regs, index, frame[0], frame[3], frame[2],
			       NULL);
	if (IS_ERR_VALUE(token))
		return false;
	hv_xrstor_init(hc->g);
	memset(regs, 0, sizeof(*regs));
	regs->rsp = (u64)frame;
	regs->r12 = token;
	frame[0] = resume_rip[index];
	frame[2] &= ~X86_EFLAGS_TF;
	return true;
}
