// SPDX-License-Identifier: GPL-2.0
/*
 * testnmi.c - the lab's test build: an NMI taken in host context.
 *
 * HC_TEST_NMI_SELF sends this CPU an NMI from host context (an exit
 * handler) and waits for Linux's NMI handler to run there, through Linux's
 * own IDT, on whatever CR3 the host has.  Under PTI the NMI entry takes a
 * CR3 with bit 12 set for a user page table and clears that bit: with the
 * host's top level on an odd page it would run on the page below.  The
 * test build can put it there (test_host_cr3_odd) to show that; the
 * module's NMI handler (kmod/test/testhooks.c) records the CR3 it ran on.
 *
 * HC_TEST_NMI_HOLD leaves an NMI pending for the guest, as one that waits
 * for an NMI window that has not opened yet: HC_DEVIRTUALIZE must hand it
 * to the module, which sends it again natively, or it is lost.
 */
#include <linux/smp.h>
#include <asm/apic.h>
#include <asm/irq_vectors.h>
#include <asm/processor.h>
#include <asm/special_insns.h>

#include "../hv.h"

int hv_test_host_cr3_odd;
unsigned long hv_test_nmis;
u64 hv_test_nmi_cr3;

u64 *hv_test_host_pgd(u64 *pair)
{
	return hv_test_host_cr3_odd ? pair + PTRS_PER_PGD : pair;
}

/* Returns the host's CR3 once an NMI ran, or -ETIMEDOUT. */
long hc_test_nmi_self(struct hv_cpu *hc, struct hv_regs *regs)
{
	unsigned long before = READ_ONCE(hv_test_nmis), spins;

	apic->send_IPI(smp_processor_id(), NMI_VECTOR);
	for (spins = 0; spins < 100000000UL; spins++) {
		if (READ_ONCE(hv_test_nmis) != before)
			return __native_read_cr3();
		cpu_relax();
	}
	return -ETIMEDOUT;
}

long hc_test_nmi_hold(struct hv_cpu *hc, struct hv_regs *regs)
{
	hc->nmi_pending = true;
	return 0;
}
