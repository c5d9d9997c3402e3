// SPDX-License-Identifier: GPL-2.0
/*
 * mem.c - the RootKernel's own memory.
 *
 * Every page is allocated here and recorded, so that hv_hide_all() can take
 * all of them out of the guest's EPT before the first launch and
 * hv_free_all() can return them once no CPU is in VMX operation.  The record
 * itself holds only addresses and lives in ordinary (guest-visible) memory:
 * it is used while every CPU runs natively.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/gfp.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <asm/vmx.h>

#include "hv.h"

struct hv_block {
	unsigned long va;
	unsigned int order;
	bool hidden;
};

static struct hv_block *blocks;
static size_t nr_blocks, cap_blocks;
static u64 *hidden_root;		/* the identity EPT, once it hides them */

static int record_block(unsigned long va, unsigned int order)
{
	struct hv_block *grown;

	if (nr_blocks == cap_blocks) {
		size_t cap = cap_blocks ? cap_blocks * 2 : 64;

		grown = krealloc_array(blocks, cap, sizeof(*blocks), GFP_KERNEL);
		if (!grown)
			return -ENOMEM;
		blocks = grown;
		cap_blocks = cap;
	}
	blocks[nr_blocks++] = (struct hv_block){ .va = va, .order = order };
	return 0;
}

/**
 * hv_alloc_pages() - zeroed, recorded RootKernel pages
 * @order: log2 of the number of pages
 *
 * Return: the direct-map address, or NULL.
 */
void *hv_alloc_pages(unsigned int order)
{
	unsigned long va = __get_free_pages(GFP_KERNEL | __GFP_ZERO, order);

	if (!va)
		return NULL;
	if (record_block(va, order)) {
		free_pages(va, order);
		return NULL;
	}
	return (void *)va;
}

/**
 * hv_hide_all() - remove every recorded page from the EPT rooted at @root
 *
 * Hiding a page can split a large EPT page, which allocates (and records)
 * new table pages; those are hidden in turn until nothing is left.
 */
int hv_hide_all(u64 *root)
{
	size_t i;
	int err;

	hidden_root = root;
	for (i = 0; i < nr_blocks; i++) {
		unsigned long pa = __pa(blocks[i].va);
		unsigned long n, pages = 1UL << blocks[i].order;

		if (blocks[i].hidden)
			continue;
		for (n = 0; n < pages; n++) {
			/* A page beyond the identity map is hidden already. */
			err = ept_identity_clear(root, pa + n * PAGE_SIZE, ~0ULL);
			if (err && err != -EFAULT)
				return err;
		}
		blocks[i].hidden = true;
	}
	return 0;
}

/*
 * Is the page at @pa the RootKernel's (or beyond the identity map)?  Once
 * everything is hidden, the identity EPT itself says so in a few reads: the
 * guest walker asks this at every level of every walk, on the interrupt
 * path (a scan of the allocation record, hundreds of blocks, was the
 * largest cost of a trapped call).
 */
bool hv_page_is_hidden(u64 pa)
{
	return hidden_root &&
	       !(ept_perms(hidden_root, pa) & VMX_EPT_READABLE_MASK);
}

/* Only once no CPU is in VMX operation. */
void hv_free_all(void)
{
	size_t i;

	for (i = 0; i < nr_blocks; i++)
		free_pages(blocks[i].va, blocks[i].order);
	kfree(blocks);
	blocks = NULL;
	hidden_root = NULL;
	nr_blocks = 0;
	cap_blocks = 0;
}
