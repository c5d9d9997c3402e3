// SPDX-License-Identifier: GPL-2.0
/*
 * classify.h - what a 0F 01 D4 hit is: a real VMFUNC, bytes inside one
 * instruction, bytes spanning two instructions, or not code at all.
 */
#ifndef SBR_CLASSIFY_H
#define SBR_CLASSIFY_H

#include "rewriter/decode.h"
#include "rewriter/scan.h"

enum sbr_class {
	SBR_VMFUNC,		/* the VMFUNC instruction itself */
	SBR_IN_INSN,		/* inside one instruction; fields say where */
	SBR_SPAN,		/* across an instruction boundary */
	SBR_DATA,		/* not instructions, yet mapped executable */
};

struct sbr_cls {
	enum sbr_class cls;
	unsigned fields;		/* enum sbr_field bits covering the three bytes */
	uint64_t anchor;		/* where linear decoding started */
	const char *anchor_kind;
	const char *func;		/* containing symbol, if known */
	struct sbr_insn insn[2];	/* the instruction(s) holding the bytes */
	int ninsn;
	struct sbr_region region;	/* code range decoded */
	char why[160];			/* detail for reports */
};

const char *sbr_class_name(enum sbr_class c);

/* Classify hit H.  Returns -1 only when E's sections/symbols are unreadable. */
int sbr_classify(struct sbr_elf *e, const struct sbr_hit *h, struct sbr_cls *c,
		 char *err, size_t errlen);

/*
 * The best known instruction boundary at or before VADDR inside region R,
 * used as the start for linear decoding.  Sets *kind to describe it.
 */
uint64_t sbr_anchor(const struct sbr_elf *e, const struct sbr_region *r, uint64_t vaddr,
		    const char **kind);

#endif
