/* SPDX-License-Identifier: GPL-2.0 */
/*
 * hvtest.h - the lab's test build of the RootKernel (SKYBRIDGE_TEST=1):
 * test views and the CPL-0 hypercalls that drive them.  The production
 * module has none of this (a host test checks its symbol table).
 *
 * A test view is a clone of the plain view with every kernel entry page
 * not executable, like any view, and optionally one 4 KiB page remapped; an
 * interrupt taken in it from CPL 3 is saved as a continuation and the thread
 * is sent to the view's resume address, if it has one (HC_TEST_VIEW_RESUME).
 * Destroyed with the ordinary HC_VIEW_INVALIDATE, FLUSH and FREE.
 */
#ifndef SKYBRIDGE_HV_TEST_H
#define SKYBRIDGE_HV_TEST_H

/* RDI = view (2-511); if RSI != 0, GPA RSI shows host page RDX there. */
#define HC_TEST_VIEW_CREATE	0x1003
/* RDI = view, RSI = user address interrupted visits resume through (0: none). */
#define HC_TEST_VIEW_RESUME	0x1007
/*
 * The EPT permissions of the 4 KiB page at GPA RSI in view RDI (0: the
 * plain view), HV_PERM_* (SDM 28.3.2: bits 0-2); -ENOENT if not mapped.
 */
#define HC_TEST_VIEW_QUERY	0x100a
#define HV_PERM_READ		0x1
#define HV_PERM_WRITE		0x2
#define HV_PERM_EXEC		0x4
/* RAX: an address of RootKernel memory; reading it from the guest must fault. */
#define HC_TEST_HIDDEN		0x100f
/* An NMI to this CPU in host context (testnmi.c): RAX = the host's CR3. */
#define HC_TEST_NMI_SELF	0x1011
/* Hold an NMI for this CPU's guest, as if its NMI window never opened. */
#define HC_TEST_NMI_HOLD	0x1012

#ifndef __ASSEMBLY__
/*
 * The guest-state field the next launch breaks (testlaunch.c), chosen by
 * the module parameter test_launch_corrupt; 0: none.
 */
enum hv_test_corrupt {
	HV_TEST_CORRUPT_NONE, HV_TEST_CORRUPT_RFLAGS, HV_TEST_CORRUPT_ACTIVITY,
	HV_TEST_CORRUPT_CR0, HV_TEST_CORRUPT_LINK, HV_TEST_CORRUPT_HOST_RIP,
	HV_TEST_CORRUPT_MAX
};
extern int hv_test_launch_corrupt;
void hv_test_before_launch(struct hv_cpu *hc);
/* testnmi.c: the host's top level on the odd page of its pair; NMIs seen. */
extern int hv_test_host_cr3_odd;
extern unsigned long hv_test_nmis;
extern u64 hv_test_nmi_cr3;
u64 *hv_test_host_pgd(u64 *pair);
long hc_test_nmi_self(struct hv_cpu *hc, struct hv_regs *regs);
long hc_test_nmi_hold(struct hv_cpu *hc, struct hv_regs *regs);

long hc_test_view_create(struct hv_cpu *hc, struct hv_regs *regs);
long hc_test_view_resume(struct hv_cpu *hc, struct hv_regs *regs);
long hc_test_view_query(struct hv_cpu *hc, struct hv_regs *regs);
long hc_test_hidden(struct hv_cpu *hc, struct hv_regs *regs);
bool hv_test_view_trap(struct hv_cpu *hc, struct hv_regs *regs,
		       struct hv_view *v, unsigned int index);

#define HV_TEST_HYPERCALLS						\
	HC(HC_TEST_VIEW_CREATE,	hc_test_view_create,	0, true),	\
	HC(HC_TEST_VIEW_RESUME,	hc_test_view_resume,	0, true),	\
	HC(HC_TEST_VIEW_QUERY,	hc_test_view_query,	0, true),	\
	HC(HC_TEST_HIDDEN,	hc_test_hidden,		0, false),	\
	HC(HC_TEST_NMI_SELF,	hc_test_nmi_self,	0, false),	\
	HC(HC_TEST_NMI_HOLD,	hc_test_nmi_hold,	0, false),
#endif

#endif /* SKYBRIDGE_HV_TEST_H */
