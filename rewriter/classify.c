// SPDX-License-Identifier: GPL-2.0
/*
 * classify.c - decode from a known instruction boundary up to a hit.
 *
 * x86 code cannot be decoded backwards, so we start from the closest
 * earlier address known to begin an instruction: a function symbol
 * (.symtab, else .dynsym), the end of a sized symbol, a function start
 * from the unwind table (.eh_frame_hdr), or the start of the code section.
 * Linear decoding from there is exact as long as no data sits between the
 * anchor and the hit; data inside a function (jump tables inlined by hand-
 * written assembly) can desynchronise it.  See docs/rewriter.md.
 */
#include "rewriter/classify.h"

#include <stdio.h>
#include <string.h>

const char *sbr_class_name(enum sbr_class c)
{
	switch (c) {
	case SBR_VMFUNC: return "vmfunc";
	case SBR_IN_INSN: return "in-insn";
	case SBR_SPAN: return "span";
	case SBR_DATA: return "data";
	}
	return "?";
}

static void consider(uint64_t cand, uint64_t vaddr, const struct sbr_region *r,
		     uint64_t *best, const char **kind, const char *what)
{
	if (cand >= r->lo && cand <= vaddr && cand > *best) {
		*best = cand;
		*kind = what;
	}
}

uint64_t sbr_anchor(const struct sbr_elf *e, const struct sbr_region *r, uint64_t vaddr,
		    const char **kind)
{
	const struct sbr_sym *s = sbr_elf_sym_before(e, vaddr);
	uint64_t best = r->lo;

	*kind = "section start";
	if (s && s->type == STT_FUNC)
		consider(s->addr, vaddr, r, &best, kind, "symbol");
	if (s && s->size)
		consider(s->addr + s->size, vaddr, r, &best, kind, "symbol end");
	consider(sbr_elf_anchor_before(e, vaddr), vaddr, r, &best, kind, "unwind table");
	return best;
}

static unsigned fields_of(const struct sbr_insn *in, uint64_t from, uint64_t to)
{
	unsigned f = 0;
	uint64_t a;

	for (a = from; a < to; a++)
		if (a >= in->vaddr && a < in->vaddr + in->zi.length)
			f |= sbr_field_of(&in->zi, a - in->vaddr);
	return f;
}

/* Non-code: say which section (or header) the bytes are in. */
static int as_data(const struct sbr_elf *e, const struct sbr_hit *h, struct sbr_cls *c)
{
	const struct sbr_sect *s = sbr_elf_section_at(e, h->vaddr);

	c->cls = SBR_DATA;
	if (!h->in_seg)
		snprintf(c->why, sizeof(c->why), "outside the segment but in one of its executable pages");
	else if (s)
		snprintf(c->why, sizeof(c->why), "in non-code section %s", s->name);
	else if (h->off < sizeof(Elf64_Ehdr) ||
		 (h->off >= e->ehdr.e_phoff &&
		  h->off < e->ehdr.e_phoff + e->phnum * sizeof(Elf64_Phdr)))
		snprintf(c->why, sizeof(c->why), "in the ELF/program headers");
	else
		snprintf(c->why, sizeof(c->why), "in bytes outside any section");
	return 0;
}

static bool in_object(const struct sbr_elf *e, uint64_t vaddr, struct sbr_cls *c)
{
	const struct sbr_sym *s = sbr_elf_sym_before(e, vaddr);

	if (!s || s->type != STT_OBJECT || vaddr - s->addr >= s->size)
		return false;
	c->cls = SBR_DATA;
	c->func = s->name;
	snprintf(c->why, sizeof(c->why), "inside data object %s in %s", s->name, c->region.name);
	return true;
}

static void name_func(const struct sbr_elf *e, uint64_t vaddr, struct sbr_cls *c)
{
	const struct sbr_sym *s = sbr_elf_sym_before(e, vaddr);

	if (s && s->type == STT_FUNC && (s->size == 0 || vaddr - s->addr < s->size))
		c->func = s->name;
}

/* The instruction(s) covering [v, v+3) were found: fill in the class. */
static void settle(struct sbr_cls *c, uint64_t v)
{
	const struct sbr_insn *a = &c->insn[0];
	char f[64];

	c->fields = fields_of(a, v, v + SBR_PAT_LEN);
	if (c->ninsn == 1 && a->zi.mnemonic == ZYDIS_MNEMONIC_VMFUNC) {
		c->cls = SBR_VMFUNC;
		snprintf(c->why, sizeof(c->why), "VMFUNC instruction");
		return;
	}
	if (c->ninsn == 1) {
		c->cls = SBR_IN_INSN;
		snprintf(c->why, sizeof(c->why), "in %s of %s",
			 sbr_fields_str(c->fields, f, sizeof(f)),
			 ZydisMnemonicGetString(a->zi.mnemonic));
		return;
	}
	c->fields |= fields_of(&c->insn[1], v, v + SBR_PAT_LEN);
	c->cls = SBR_SPAN;
	snprintf(c->why, sizeof(c->why), "across %s / %s (%s)",
		 ZydisMnemonicGetString(a->zi.mnemonic),
		 ZydisMnemonicGetString(c->insn[1].zi.mnemonic),
		 sbr_fields_str(c->fields, f, sizeof(f)));
}

static int undecodable(struct sbr_cls *c, uint64_t at)
{
	c->cls = SBR_DATA;
	snprintf(c->why, sizeof(c->why),
		 "does not decode as code (bad instruction at %#lx decoding from %s %#lx)",
		 (unsigned long)at, c->anchor_kind, (unsigned long)c->anchor);
	return 0;
}

int sbr_classify(struct sbr_elf *e, const struct sbr_hit *h, struct sbr_cls *c,
		 char *err, size_t errlen)
{
	uint64_t v = h->vaddr, pc;

	memset(c, 0, sizeof(*c));
	if (sbr_elf_load_details(e, err, errlen) < 0)
		return -1;
	if (!h->in_seg || !sbr_code_region(e, v, &c->region))
		return as_data(e, h, c);
	if (in_object(e, v, c))
		return 0;
	name_func(e, v, c);
	c->anchor = sbr_anchor(e, &c->region, v, &c->anchor_kind);
	for (pc = c->anchor;;) {
		struct sbr_insn *in = &c->insn[c->ninsn];

		if (sbr_decode(e, pc, c->region.hi, in) < 0)
			return undecodable(c, pc);
		pc += in->zi.length;
		if (c->ninsn == 0 && pc <= v)
			continue;		/* still before the hit */
		c->ninsn++;
		if (pc >= v + SBR_PAT_LEN || c->ninsn == 2)
			break;
	}
	if (pc < v + SBR_PAT_LEN)
		return undecodable(c, pc);
	settle(c, v);
	return 0;
}
