// SPDX-License-Identifier: GPL-2.0
/*
 * gmem.c - guest memory, reached through the guest's own page tables.
 *
 * The one guest page walker: 4- or 5-level paging as GUEST_CR4.LA57 says
 * (SDM 4.5), the access rights of the access being made (user/supervisor,
 * write with CR0.WP, SMAP: SDM 4.6), and the paging-structure and data pages
 * checked to be RAM outside the RootKernel's memory.  Guest-physical
 * addresses are host-physical ones (the identity EPT), so memory is read
 * and written through the direct map.  Used by the emulated descriptor-table
 * instructions (desc.c) and by the call code, which reads a client's frame
 * from its own memory (call.c).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/mm.h>
#include <asm/processor-flags.h>
#include <asm/trapnr.h>
#include <asm/vmx.h>

#include "hv.h"
#include "vmx_ops.h"

/* Page-fault error code bits (SDM 4.7). */
#define PF_PROT		BIT(0)
#define PF_WRITE	BIT(1)
#define PF_USER		BIT(2)

static bool ram_page(u64 pa)
{
	return pfn_valid(PHYS_PFN(pa)) && !hv_page_is_hidden(pa & PAGE_MASK);
}

/**
 * hv_guest_pa() - the guest-physical address of linear address @va in the
 * page tables at @cr3, for an access of kind @access (HV_GMEM_*)
 *
 * Return: the address, or 0 with @f filled in: the #PF the access takes, or
 * #GP(0) if the page it reaches is not RAM or is the RootKernel's.
 */
u64 hv_guest_pa(u64 cr3, u64 va, unsigned int access, struct hv_fault *f)
{
	bool user = access & HV_GMEM_USER, write = access & HV_GMEM_WRITE;
	int level = (vmcs_readl(GUEST_CR4) & X86_CR4_LA57) ? 5 : 4;
	u64 table = cr3 & CR3_ADDR_MASK & PAGE_MASK;
	bool user_page = true, writable = true;

	f->vector = X86_TRAP_PF;
	f->code = (write ? PF_WRITE : 0) | (user ? PF_USER : 0);
	f->cr2 = va;
	for (; level >= 1; level--) {
		unsigned int shift = PAGE_SHIFT + 9 * (level - 1);
		u64 entry;

		if (!ram_page(table))
			return 0;
		entry = ((u64 *)__va(table))[(va >> shift) & 511];
		if (!(entry & _PAGE_PRESENT))
			return 0;
		user_page &= !!(entry & _PAGE_USER);
		writable &= !!(entry & _PAGE_RW);
		table = entry & PTE_PFN_MASK;
		if (level > 1 && !(level <= 3 && (entry & _PAGE_PSE))) {
			table &= PAGE_MASK;
			continue;
		}
		f->code |= PF_PROT;
		if ((user && !user_page) ||
		    (write && !writable && (user || (access & HV_GMEM_WP))) ||
		    (!user && user_page && (access & HV_GMEM_SMAP)))
			return 0;
		table = (table & ~((1ULL << shift) - 1)) | (va & ((1ULL << shift) - 1));
		if (!ram_page(table)) {
			f->vector = X86_TRAP_GP;
			f->code = 0;
			return 0;
		}
		return table;
	}
	return 0;
}

/*
 * Copy between @buf and guest linear memory at @va, as an access of the
 * guest's current CPL through its current page tables.
 */
bool hv_guest_copy(u64 va, void *buf, size_t len, bool write,
		   struct hv_fault *f)
{
	unsigned int access = write ? HV_GMEM_WRITE : 0;
	u8 *p = buf;

	if (hv_guest_cpl() == 3)
		access |= HV_GMEM_USER;
	if (vmcs_readl(GUEST_CR0) & X86_CR0_WP)
		access |= HV_GMEM_WP;
	/* SMAP (SDM 4.6.1): supervisor data access to a user page, AC clear. */
	if ((vmcs_readl(GUEST_CR4) & X86_CR4_SMAP) &&
	    !(vmcs_readl(GUEST_RFLAGS) & X86_EFLAGS_AC))
		access |= HV_GMEM_SMAP;
	while (len) {
		size_t n = min_t(size_t, len, PAGE_SIZE - (va & ~PAGE_MASK));
		u64 pa = hv_guest_pa(vmcs_readl(GUEST_CR3), va, access, f);

		if (!pa)
			return false;
		if (write)
			memcpy(__va(pa), p, n);
		else
			memcpy(p, __va(pa), n);
		p += n;
		va += n;
		len -= n;
	}
	return true;
}

/*
 * Read or write one naturally aligned u64 at user address @va in the page
 * tables at @cr3 (a process's own memory, whatever the CPU runs now).
 */
bool hv_guest_user_u64(u64 cr3, u64 va, u64 *val, bool write)
{
	struct hv_fault f;
	u64 pa;

	if ((va & 7) || va >= TASK_SIZE_MAX)
		return false;
	pa = hv_guest_pa(cr3, va, HV_GMEM_USER | (write ? HV_GMEM_WRITE : 0), &f);
	if (!pa)
		return false;
	if (write)
		WRITE_ONCE(*(u64 *)__va(pa), *val);
	else
		*val = READ_ONCE(*(u64 *)__va(pa));
	return true;
}

/*
 * The page-table root of the thread in the guest now: CR3 without PCID
 * bits, and with PTI the kernel half of the pair (the user half is 4 KiB
 * above it), so that both halves name one address space.
 */
u64 hv_guest_root(struct hv_global *g)
{
	u64 root = vmcs_readl(GUEST_CR3) & CR3_ADDR_MASK;

	return g->pti ? root & ~BIT_ULL(PAGE_SHIFT) : root;
}
