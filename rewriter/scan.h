// SPDX-License-Identifier: GPL-2.0
/*
 * scan.h - find every 0F 01 D4 (VMFUNC, Intel SDM Vol. 2B) byte sequence
 * that the kernel would map executable.
 */
#ifndef SBR_SCAN_H
#define SBR_SCAN_H

#include "rewriter/elffile.h"

#define SBR_PAT_LEN 3
extern const uint8_t sbr_pattern[SBR_PAT_LEN];

struct sbr_hit {
	uint64_t off;		/* file offset of the 0F */
	uint64_t vaddr;		/* where it is mapped (relative to load base for PIE) */
	bool in_seg;		/* inside a PF_X segment's file image, not just its pages */
};

/* Offset of the first pattern at or after FROM in P[0..N), or N. */
size_t sbr_find(const uint8_t *p, size_t n, size_t from);

/* Does P[0..N) contain the pattern anywhere? */
static inline bool sbr_has_pattern(const uint8_t *p, size_t n)
{
	return sbr_find(p, n, 0) < n;
}

/*
 * Every hit in executable pages of E, sorted by offset.  *SCANNED receives
 * the number of bytes examined.  Returns the hit count, or -1 (no memory)
 * with *HITS NULL.  The caller frees *HITS.
 */
long sbr_scan(const struct sbr_elf *e, struct sbr_hit **hits, uint64_t *scanned);

#endif
