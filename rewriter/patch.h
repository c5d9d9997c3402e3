// SPDX-License-Identifier: GPL-2.0
/*
 * patch.h - plan and apply the fix for each hit on a copy of the file.
 *
 * Fixes, tried in order:
 *   substitute  same-length equivalent instruction written in place;
 *   thunk       a rel32 jmp/jcc/call whose offset holds the bytes is
 *               retargeted to a "jmp target" stub in the patch area (its
 *               length, and a call's return address, are unchanged);
 *   relocate    the instructions around the hit move to the patch area
 *               (re-encoded, transformed where needed) and are replaced by
 *               jmp rel32 there; the stub jumps back afterwards.
 * The patch area becomes a new PF_R|PF_X PT_LOAD (see output.c).
 */
#ifndef SBR_PATCH_H
#define SBR_PATCH_H

#include "rewriter/classify.h"

struct sbr_opts {
	const uint64_t *allow;		/* file offsets of VMFUNCs to keep */
	size_t nallow;
};

struct sbr_span { uint64_t lo, hi; };

struct sbr_patcher {
	struct sbr_elf *e;
	const struct sbr_opts *o;
	uint8_t *img;			/* the output file's first e->size bytes */
	uint8_t *pa;			/* patch area contents */
	size_t pa_len, pa_cap;
	uint64_t pa_vaddr, pa_off;	/* where the patch area will live */
	size_t pa_start;		/* room reserved at its start for a moved phdr table */
	struct sbr_span *done;		/* vaddr ranges already rewritten */
	size_t ndone;
};

enum sbr_verdict {
	SBR_FIXED,			/* rewritten (method says how) */
	SBR_ALLOWED,			/* whitelisted VMFUNC, left alone */
	SBR_REFUSED,			/* cannot be made safe; reason says why */
};

struct sbr_outcome {
	enum sbr_verdict verdict;
	const char *method;		/* substitute, thunk, relocate, earlier patch */
	char reason[160];
};

/* Copy E's image into P.  -1 on ENOMEM, with nothing left to free. */
int sbr_patch_init(struct sbr_patcher *p, struct sbr_elf *e, const struct sbr_opts *o);
void sbr_patch_free(struct sbr_patcher *p);

/* Decide and apply the fix for hit H classified as C.  -1 only on ENOMEM. */
int sbr_patch_hit(struct sbr_patcher *p, const struct sbr_hit *h, const struct sbr_cls *c,
		  struct sbr_outcome *out);

const char *sbr_verdict_name(enum sbr_verdict v);

#endif
