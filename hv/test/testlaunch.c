// SPDX-License-Identifier: GPL-2.0
/*
 * testlaunch.c - the lab's test build: break one field of the VMCS just
 * before VMLAUNCH, so that the lab sees the CPU refuse the entry and the
 * module fail insmod cleanly, naming the failure, with every CPU native
 * (rootkernel.sh).  Each field fails a different check (SDM Vol. 3C):
 *
 *   1 RFLAGS   guest RFLAGS bit 1, reserved, cleared (26.3.1.4)
 *   2 ACTIVITY guest activity state 4, not one of 0-3 (26.3.1.5)
 *   3 CR0      guest CR0.PE cleared: a fixed-1 bit (26.3.1.1)
 *   4 LINK     VMCS link pointer 0 instead of all ones (26.3.1.5)
 *   5 HOST_RIP host RIP not canonical (26.2.2): VMfailValid, not an exit
 *
 * 1 to 4 fail after the host state is loaded: exit reason 33 with bit 31
 * set, which exit.c unwinds; 5 fails the instruction itself.
 */
#include <asm/processor-flags.h>
#include <asm/vmx.h>

#include "../hv.h"
#include "../vmx_ops.h"

int hv_test_launch_corrupt;

void hv_test_before_launch(struct hv_cpu *hc)
{
	switch (hv_test_launch_corrupt) {
	case HV_TEST_CORRUPT_RFLAGS:
		vmcs_writel(GUEST_RFLAGS, vmcs_readl(GUEST_RFLAGS) & ~X86_EFLAGS_FIXED);
		break;
	case HV_TEST_CORRUPT_ACTIVITY:
		vmcs_write32(GUEST_ACTIVITY_STATE, 4);
		break;
	case HV_TEST_CORRUPT_CR0:
		vmcs_writel(GUEST_CR0, vmcs_readl(GUEST_CR0) & ~X86_CR0_PE);
		break;
	case HV_TEST_CORRUPT_LINK:
		vmcs_write64(VMCS_LINK_POINTER, 0);
		break;
	case HV_TEST_CORRUPT_HOST_RIP:
		vmcs_writel(HOST_RIP, 0x8000000000000000ULL);
		break;
	}
}
