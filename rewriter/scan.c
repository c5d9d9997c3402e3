// SPDX-License-Identifier: GPL-2.0
/*
 * scan.c - the fast path: memchr over executable pages.
 *
 * We search for the last byte, D4, rather than the first: 0F starts every
 * two-byte opcode and is very common in code, while D4 is rare (it is not
 * a valid opcode in 64-bit mode and appears only as a ModRM/SIB value or in
 * data), so memchr runs much longer between candidates.
 *
 * The kernel maps whole pages, so the bytes sharing a page with a PF_X
 * segment (before its start, after its end) are executable too; they are
 * scanned and reported as outside the segment.
 */
#include "rewriter/scan.h"

#include <stdlib.h>
#include <string.h>

const uint8_t sbr_pattern[SBR_PAT_LEN] = { 0x0f, 0x01, 0xd4 };

size_t sbr_find(const uint8_t *p, size_t n, size_t from)
{
	size_t i = from + 2;

	while (i < n) {
		const uint8_t *d = memchr(p + i, 0xd4, n - i);

		if (!d)
			return n;
		i = d - p;
		if (p[i - 1] == 0x01 && p[i - 2] == 0x0f)
			return i - 2;
		i++;
	}
	return n;
}

struct range { uint64_t lo, hi; };

static int range_cmp(const void *a, const void *b)
{
	const struct range *x = a, *y = b;

	return (x->lo > y->lo) - (x->lo < y->lo);
}

/* Page-rounded file ranges of the executable segments, sorted and merged. */
static size_t exec_ranges(const struct sbr_elf *e, struct range *r)
{
	size_t i, n = 0, m = 0;

	for (i = 0; i < e->phnum; i++) {
		const GElf_Phdr *p = &e->phdr[i];
		uint64_t hi;

		if (p->p_type != PT_LOAD || !(p->p_flags & PF_X) || p->p_filesz == 0)
			continue;
		hi = (p->p_offset + p->p_filesz + SBR_PAGE - 1) & ~(SBR_PAGE - 1);
		r[n].lo = p->p_offset & ~(SBR_PAGE - 1);
		r[n].hi = hi < e->size ? hi : e->size;
		n++;
	}
	qsort(r, n, sizeof(*r), range_cmp);
	for (i = 0; i < n; i++) {
		if (m && r[i].lo <= r[m - 1].hi) {
			if (r[i].hi > r[m - 1].hi)
				r[m - 1].hi = r[i].hi;
		} else {
			r[m++] = r[i];
		}
	}
	return m;
}

/* Map a hit's file offset back to a vaddr through the segment owning its page. */
static void locate(const struct sbr_elf *e, struct sbr_hit *h)
{
	const GElf_Phdr *p = sbr_elf_xseg_at_off(e, h->off);
	size_t i;

	h->in_seg = p != NULL;
	for (i = 0; !p && i < e->phnum; i++) {
		const GElf_Phdr *q = &e->phdr[i];

		if (q->p_type == PT_LOAD && (q->p_flags & PF_X) &&
		    h->off >= (q->p_offset & ~(SBR_PAGE - 1)) &&
		    h->off < q->p_offset + q->p_filesz + SBR_PAGE)
			p = q;
	}
	h->vaddr = p ? p->p_vaddr + (h->off - p->p_offset) : 0;
}

static int push_hit(struct sbr_hit **v, size_t *n, size_t *cap, uint64_t off)
{
	if (*n == *cap) {
		struct sbr_hit *nv = reallocarray(*v, *cap = *cap * 2 + 8, sizeof(**v));

		if (!nv)
			return -1;
		*v = nv;
	}
	(*v)[(*n)++] = (struct sbr_hit){ .off = off };
	return 0;
}

long sbr_scan(const struct sbr_elf *e, struct sbr_hit **hits, uint64_t *scanned)
{
	struct range *r = calloc(e->phnum ? e->phnum : 1, sizeof(*r));
	size_t nr, i, n = 0, cap = 0;

	*hits = NULL;
	*scanned = 0;
	if (!r)
		return -1;
	nr = exec_ranges(e, r);
	for (i = 0; i < nr; i++) {
		const uint8_t *base = e->data + r[i].lo;
		size_t len = r[i].hi - r[i].lo, at = 0;

		*scanned += len;
		while ((at = sbr_find(base, len, at)) < len) {
			if (push_hit(hits, &n, &cap, r[i].lo + at) < 0) {
				free(r);
				free(*hits);	/* callers may return without freeing */
				*hits = NULL;
				return -1;
			}
			at++;
		}
	}
	free(r);
	for (i = 0; i < n; i++)
		locate(e, &(*hits)[i]);
	return n;
}
