// SPDX-License-Identifier: GPL-2.0
/*
 * ept.c - the identity EPT: every guest-physical address maps to the same
 * host-physical address, with the memory type the MTRRs give it, in the
 * largest pages that keep one memory type per page.
 *
 * With EPT in use the MTRRs are not consulted for guest accesses (SDM
 * 28.3.7): the EPT memory type replaces them and is combined with the guest's
 * PAT as the MTRR type would be on bare metal (IPAT stays 0), so the guest
 * sees the memory types it would see natively.
 *
 * EPT entry layout (SDM 28.2.2, Tables 28-1..28-6): bits 2:0 read, write,
 * execute; in a leaf, bits 5:3 memory type and bit 7 "page" (for 1 GiB and
 * 2 MiB leaves); bits 51:12 the physical address.  Bits 62:52 are ignored
 * by the CPU unless a feature we never enable gives some of them a meaning
 * (sub-page write permissions, supervisor shadow-stack control, paging-
 * write and guest-paging verification: all off): a remapped root's 4 KiB
 * leaf keeps the owner id of its process there (view.c).  One generic walker serves
 * every level; levels are numbered 4 (PML4, 512 GiB per entry) to 1 (4 KiB).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/bits.h>
#include <linux/err.h>
#include <linux/errno.h>
#include <linux/mm.h>
#include <linux/printk.h>
#include <linux/string.h>
#include <asm/msr.h>
#include <asm/mtrr.h>
#include <asm/vmx.h>

#include "hv.h"

#define EPT_RWX			VMX_EPT_RWX_MASK
#define EPT_LARGE		BIT_ULL(7)
#define EPT_MT_SHIFT		VMX_EPT_MT_EPTE_SHIFT
#define EPT_ADDR_MASK		GENMASK_ULL(51, 12)
#define EPT_ENTRIES		512

#define LEVEL_SHIFT(l)		(12 + 9 * ((l) - 1))
#define LEVEL_SIZE(l)		(1ULL << LEVEL_SHIFT(l))
#define LEVEL_INDEX(a, l)	(((a) >> LEVEL_SHIFT(l)) & (EPT_ENTRIES - 1))

/* EPTP (SDM 24.6.11): WB paging structures, 4-level walk (length - 1 = 3). */
#define EPTP_MT_WB		6ULL
#define EPTP_WALK_4		(3ULL << 3)

/* MTRR memory types (SDM 11.11.1) and MSRs (SDM 11.11.2). */
#define MT_UC			0
#define MT_WC			1
#define MT_WT			4
#define MT_WP			5
#define MT_WB			6
#define EPT_MTRR_VCNT(c)	((c) & 0xff)
#define EPT_MTRR_FIX		BIT_ULL(8)
#define EPT_MTRR_DEF_TYPE(d)	((d) & 0xff)
#define EPT_MTRR_DEF_FE		BIT_ULL(10)
#define EPT_MTRR_DEF_E		BIT_ULL(11)
#define EPT_MTRR_VAR_VALID		BIT_ULL(11)
#define EPT_MTRR_MAX_VAR		32
#define FIXED_MTRR_END		0x100000ULL

struct mtrr_snapshot {
	bool enabled;
	bool fixed_enabled;
	u8 def_type;
	unsigned int nr_var;
	u64 phys_mask;
	struct { u64 base, mask; u8 type; } var[EPT_MTRR_MAX_VAR];
	u8 fixed[88];		/* one type per fixed sub-range, SDM 11.11.2.2 */
};

static struct mtrr_snapshot mtrr;

static void mtrr_read_fixed(void)
{
	static const u32 msrs[] = {
		MSR_MTRRfix64K_00000, MSR_MTRRfix16K_80000,
		MSR_MTRRfix16K_A0000, MSR_MTRRfix4K_C0000,
		MSR_MTRRfix4K_C8000, MSR_MTRRfix4K_D0000,
		MSR_MTRRfix4K_D8000, MSR_MTRRfix4K_E0000,
		MSR_MTRRfix4K_E8000, MSR_MTRRfix4K_F0000,
		MSR_MTRRfix4K_F8000,
	};
	unsigned int i, b;
	u64 v;

	for (i = 0; i < ARRAY_SIZE(msrs); i++) {
		rdmsrl(msrs[i], v);
		for (b = 0; b < 8; b++)
			mtrr.fixed[i * 8 + b] = (v >> (8 * b)) & 0xff;
	}
}

static void mtrr_snapshot_read(u8 phys_bits)
{
	u64 cap, def, base, mask;
	unsigned int i;

	rdmsrl(MSR_MTRRcap, cap);
	rdmsrl(MSR_MTRRdefType, def);
	mtrr.enabled = def & EPT_MTRR_DEF_E;
	mtrr.fixed_enabled = (def & EPT_MTRR_DEF_FE) && (cap & EPT_MTRR_FIX);
	mtrr.def_type = EPT_MTRR_DEF_TYPE(def);
	mtrr.phys_mask = GENMASK_ULL(phys_bits - 1, 12);
	mtrr.nr_var = 0;
	for (i = 0; i < EPT_MTRR_VCNT(cap) && i < EPT_MTRR_MAX_VAR; i++) {
		rdmsrl(MTRRphysBase_MSR(i), base);
		rdmsrl(MTRRphysMask_MSR(i), mask);
		if (!(mask & EPT_MTRR_VAR_VALID))
			continue;
		mtrr.var[mtrr.nr_var].base = base & mtrr.phys_mask;
		mtrr.var[mtrr.nr_var].mask = mask & mtrr.phys_mask;
		mtrr.var[mtrr.nr_var].type = base & 0xff;
		mtrr.nr_var++;
	}
	if (mtrr.fixed_enabled)
		mtrr_read_fixed();
}

static u8 mtrr_fixed_type(u64 pa)
{
	if (pa < 0x80000)
		return mtrr.fixed[pa >> 16];
	if (pa < 0xc0000)
		return mtrr.fixed[8 + ((pa - 0x80000) >> 14)];
	return mtrr.fixed[24 + ((pa - 0xc0000) >> 12)];
}

/* SDM 11.11.4.1: UC wins, WT beats WB, other overlaps are undefined (UC). */
static u8 mtrr_type_at(u64 pa)
{
	unsigned int i;
	int type = -1;

	if (!mtrr.enabled)
		return MT_UC;
	if (mtrr.fixed_enabled && pa < FIXED_MTRR_END)
		return mtrr_fixed_type(pa);
	for (i = 0; i < mtrr.nr_var; i++) {
		u8 t = mtrr.var[i].type;

		if ((pa & mtrr.var[i].mask) != (mtrr.var[i].base & mtrr.var[i].mask))
			continue;
		if (type < 0 || type == t)
			type = t;
		else if (t == MT_UC || type == MT_UC)
			type = MT_UC;
		else if ((t == MT_WT && type == MT_WB) ||
			 (t == MT_WB && type == MT_WT))
			type = MT_WT;
		else
			type = MT_UC;
	}
	return type < 0 ? mtrr.def_type : type;
}

/*
 * Does [pa, pa + size) (size a power of two, pa aligned to it) have one
 * memory type?  A variable MTRR splits it only if some address inside
 * matches and the mask has bits below the range's size (then some other
 * address inside differs in a masked bit and does not match).
 */
static bool mtrr_range_uniform(u64 pa, u64 size)
{
	u64 low = (size - 1) & mtrr.phys_mask;
	unsigned int i;

	if (!mtrr.enabled)
		return true;
	if (mtrr.fixed_enabled && pa < FIXED_MTRR_END)
		return size == PAGE_SIZE;
	for (i = 0; i < mtrr.nr_var; i++) {
		u64 m = mtrr.var[i].mask, hi = m & ~low;

		if (!(m & low))
			continue;
		if ((pa & hi) == (mtrr.var[i].base & hi))
			return false;
	}
	return true;
}

static u64 *ept_alloc_table(void)
{
	return hv_alloc_pages(0);
}

static u64 ept_make_leaf(u64 pa, u8 type, int level)
{
	return pa | EPT_RWX | ((u64)type << EPT_MT_SHIFT) |
	       (level > 1 ? EPT_LARGE : 0);
}

static u64 ept_table_entry(u64 *table)
{
	return __pa(table) | EPT_RWX;
}

static u64 *ept_next_table(u64 entry)
{
	return __va(entry & EPT_ADDR_MASK);
}

static bool ept_is_leaf(u64 entry, int level)
{
	return level == 1 || (entry & EPT_LARGE);
}

static bool level_allowed(const struct hv_caps *caps, int level)
{
	return level == 1 || (level == 2 && caps->ept_2m) ||
	       (level == 3 && caps->ept_1g);
}

/* Fill @table (at @level, covering from @base) with the identity map. */
static int ept_fill(const struct hv_caps *caps, u64 *table, int level,
		    u64 base, u64 top)
{
	unsigned int i;
	int err;

	for (i = 0; i < EPT_ENTRIES; i++) {
		u64 pa = base + i * LEVEL_SIZE(level);
		u64 *sub;

		if (pa >= top)
			break;
		if (level_allowed(caps, level) &&
		    mtrr_range_uniform(pa, LEVEL_SIZE(level))) {
			table[i] = ept_make_leaf(pa, mtrr_type_at(pa), level);
			continue;
		}
		sub = ept_alloc_table();
		if (!sub)
			return -ENOMEM;
		table[i] = ept_table_entry(sub);
		err = ept_fill(caps, sub, level - 1, pa, top);
		if (err)
			return err;
	}
	return 0;
}

/**
 * ept_build_identity() - build the identity EPT
 *
 * Maps every physical address the CPU can form (with 1 GiB pages), or,
 * without 1 GiB pages, the first 64 GiB: that covers RAM and the MMIO holes
 * of the machines we target, at a cost of one table page per GiB.
 *
 * Return: the PML4 table, or NULL.
 */
u64 *ept_build_identity(const struct hv_caps *caps)
{
	u8 bits = min_t(u8, caps->phys_bits, 46);
	u64 top = caps->ept_1g ? 1ULL << bits : min(1ULL << bits, 64ULL << 30);
	u64 *root;

	mtrr_snapshot_read(caps->phys_bits);
	root = ept_alloc_table();
	if (!root || ept_fill(caps, root, 4, 0, top))
		return NULL;
	return root;
}

/* Replace the large leaf *@entry at @level by a table of the next level. */
static int ept_split(u64 *entry, int level, const struct ept_ops *ops)
{
	u64 old = *entry, pa = old & EPT_ADDR_MASK;
	u64 keep = old & (EPT_RWX | VMX_EPT_MT_MASK | VMX_EPT_IPAT_BIT);
	u64 *sub = ops->alloc(ops->ctx);
	unsigned int i;

	if (!sub)
		return -ENOMEM;
	for (i = 0; i < EPT_ENTRIES; i++)
		sub[i] = (pa + i * LEVEL_SIZE(level - 1)) | keep |
			 (level - 1 > 1 ? EPT_LARGE : 0);
	*entry = ept_table_entry(sub);
	return 0;
}

/* Give *@entry a private copy of the table it points to. */
static int ept_copy_table(u64 *entry, const struct ept_ops *ops)
{
	u64 *copy = ops->alloc(ops->ctx);

	if (!copy)
		return -ENOMEM;
	memcpy(copy, ept_next_table(*entry), PAGE_SIZE);
	*entry = ept_table_entry(copy);
	return 0;
}

/**
 * ept_walk_4k() - the 4 KiB leaf entry for @gpa, made writable
 * @root: a table @ops owns
 * @ops: allocates tables and says which tables may be written; a table it
 *       does not own is shared with another EPT and is copied first
 *
 * Large pages on the way are split, only where needed.
 *
 * Return: the entry, NULL if @gpa is not mapped, or an ERR_PTR.
 */
u64 *ept_walk_4k(u64 *root, u64 gpa, const struct ept_ops *ops)
{
	u64 *table = root;
	int level, err;

	for (level = 4; level > 1; level--) {
		u64 *entry = &table[LEVEL_INDEX(gpa, level)];

		if (!(*entry & EPT_RWX))
			return NULL;
		if (ept_is_leaf(*entry, level))
			err = ept_split(entry, level, ops);
		else if (!ops->owns(ops->ctx, ept_next_table(*entry)))
			err = ept_copy_table(entry, ops);
		else
			err = 0;
		if (err)
			return ERR_PTR(err);
		table = ept_next_table(*entry);
	}
	return &table[LEVEL_INDEX(gpa, 1)];
}

static u64 *identity_alloc(void *ctx)
{
	return ept_alloc_table();
}

static bool identity_owns(void *ctx, u64 *table)
{
	return true;
}

static const struct ept_ops identity_ops = {
	.alloc = identity_alloc,
	.owns = identity_owns,
};

/**
 * ept_identity_clear() - clear @bits (VMX_EPT_*_MASK) of the 4 KiB page at
 * @gpa in the identity EPT: all of them hides the page, execute keeps it
 * from executing; only while no CPU runs on it
 */
int ept_identity_clear(u64 *root, u64 gpa, u64 bits)
{
	u64 *entry = ept_walk_4k(root, gpa, &identity_ops);

	if (IS_ERR_OR_NULL(entry))
		return entry ? PTR_ERR(entry) : -EFAULT;
	*entry &= ~bits;
	return 0;
}

/* The leaf entry that maps @gpa in the EPT at @root, at *@level; 0 if none. */
static u64 ept_leaf_at(u64 *root, u64 gpa, int *level)
{
	u64 *table = root;

	for (*level = 4; *level >= 1; (*level)--) {
		u64 entry = table[LEVEL_INDEX(gpa, *level)];

		if (!(entry & EPT_RWX))
			return 0;
		if (ept_is_leaf(entry, *level))
			return entry;
		table = ept_next_table(entry);
	}
	return 0;
}

/*
 * The 4 KiB entry for @gpa in the EPT at @root, present or not; 0 if a
 * table on the way is missing or a large page maps it.  Nothing written.
 */
u64 ept_entry_4k(u64 *root, u64 gpa)
{
	u64 *table = root;
	int level;

	for (level = 4; level > 1; level--) {
		u64 entry = table[LEVEL_INDEX(gpa, level)];

		if (!(entry & EPT_RWX) || ept_is_leaf(entry, level))
			return 0;
		table = ept_next_table(entry);
	}
	return table[LEVEL_INDEX(gpa, 1)];
}

/* The leaf entry that maps @gpa in the EPT at @root, or 0; nothing written. */
u64 ept_leaf(u64 *root, u64 gpa)
{
	int level;

	return ept_leaf_at(root, gpa, &level);
}

/**
 * ept_lookup() - the host-physical address @gpa maps to in the EPT at @root,
 * or ~0 if it is not mapped; nothing is written
 */
u64 ept_lookup(u64 *root, u64 gpa)
{
	int level;
	u64 entry = ept_leaf_at(root, gpa, &level);

	if (!entry)
		return ~0ULL;
	return (entry & EPT_ADDR_MASK & ~(LEVEL_SIZE(level) - 1)) |
	       (gpa & (LEVEL_SIZE(level) - 1));
}

/**
 * ept_perms() - the effective permissions of @gpa in the EPT at @root: the
 * AND of the read/write/execute bits of every level (SDM 28.3.2); 0 if it
 * is not mapped
 */
unsigned int ept_perms(u64 *root, u64 gpa)
{
	unsigned int perms = EPT_RWX;
	u64 *table = root;
	int level;

	for (level = 4; level >= 1; level--) {
		u64 entry = table[LEVEL_INDEX(gpa, level)];

		perms &= entry & EPT_RWX;
		if (!perms)
			return 0;
		if (level == 1 || ept_is_leaf(entry, level))
			return perms;
		table = ept_next_table(entry);
	}
	return 0;
}

/**
 * ept_exec_only() - in the EPT at @root (owned through @ops), make the 4 KiB
 * page at @gpa the only executable page: execute is cleared in every entry
 * off its path, at every level (EPT permissions are the AND of all levels,
 * SDM 28.3.2), so the rest of the tables can stay shared
 */
int ept_exec_only(u64 *root, u64 gpa, const struct ept_ops *ops)
{
	u64 *leaf = ept_walk_4k(root, gpa, ops);
	u64 *table = root;
	int level;
	unsigned int i;

	if (IS_ERR(leaf))
		return PTR_ERR(leaf);
	if (!leaf)
		return -EFAULT;
	for (level = 4; level >= 1; level--) {
		unsigned int keep = LEVEL_INDEX(gpa, level);

		for (i = 0; i < EPT_ENTRIES; i++)
			if (i != keep)
				table[i] &= ~VMX_EPT_EXECUTABLE_MASK;
		table[keep] |= VMX_EPT_EXECUTABLE_MASK;
		if (level > 1)
			table = ept_next_table(table[keep]);
	}
	return 0;
}

u64 ept_make_eptp(u64 *root)
{
	return __pa(root) | EPTP_MT_WB | EPTP_WALK_4;
}
