// SPDX-License-Identifier: GPL-2.0
/*
 * decode.c - instruction decoding over the file image.
 */
#include "rewriter/decode.h"

#include <stdio.h>
#include <string.h>

bool sbr_code_region(const struct sbr_elf *e, uint64_t vaddr, struct sbr_region *r)
{
	size_t i;

	if (e->nsects) {
		const struct sbr_sect *s = sbr_elf_section_at(e, vaddr);

		if (!s || !(s->flags & SHF_EXECINSTR))
			return false;
		*r = (struct sbr_region){ s->addr, s->addr + s->size, s->name };
		return true;
	}
	/* No section headers: the whole PF_X segment is taken to be code. */
	for (i = 0; i < e->phnum; i++) {
		const GElf_Phdr *p = &e->phdr[i];

		if (p->p_type == PT_LOAD && (p->p_flags & PF_X) &&
		    vaddr >= p->p_vaddr && vaddr - p->p_vaddr < p->p_filesz) {
			*r = (struct sbr_region){ p->p_vaddr, p->p_vaddr + p->p_filesz, "segment" };
			return true;
		}
	}
	return false;
}

static ZydisDecoder *decoder(void)
{
	static ZydisDecoder dec;
	static bool ready;

	if (!ready) {
		ZydisDecoderInit(&dec, ZYDIS_MACHINE_MODE_LONG_64, ZYDIS_STACK_WIDTH_64);
		ready = true;
	}
	return &dec;
}

int sbr_decode(const struct sbr_elf *e, uint64_t vaddr, uint64_t limit, struct sbr_insn *in)
{
	int64_t off = sbr_elf_vaddr_to_off(e, vaddr);
	uint64_t avail;

	if (off < 0 || vaddr >= limit)
		return -1;
	avail = limit - vaddr;
	if (avail > ZYDIS_MAX_INSTRUCTION_LENGTH)
		avail = ZYDIS_MAX_INSTRUCTION_LENGTH;
	if ((uint64_t)off + avail > e->size)
		avail = e->size - off;
	in->vaddr = vaddr;
	if (!ZYAN_SUCCESS(ZydisDecoderDecodeFull(decoder(), e->data + off, avail, &in->zi, in->ops)))
		return -1;
	return 0;
}

static bool within(unsigned i, unsigned off, unsigned bits)
{
	return bits && i >= off && i < off + bits / 8;
}

enum sbr_field sbr_field_of(const ZydisDecodedInstruction *zi, unsigned i)
{
	const ZydisDecodedInstructionRaw *raw = &zi->raw;
	unsigned k;

	if (i < raw->prefix_count)
		return SBR_F_PREFIX;
	if ((zi->attributes & ZYDIS_ATTRIB_HAS_MODRM) && i == raw->modrm.offset)
		return SBR_F_MODRM;
	if ((zi->attributes & ZYDIS_ATTRIB_HAS_SIB) && i == raw->sib.offset)
		return SBR_F_SIB;
	if (within(i, raw->disp.offset, raw->disp.size))
		return SBR_F_DISP;
	for (k = 0; k < 2; k++)
		if (within(i, raw->imm[k].offset, raw->imm[k].size))
			return raw->imm[k].is_relative ? SBR_F_REL : SBR_F_IMM;
	return SBR_F_OPCODE;
}

const char *sbr_fields_str(unsigned fields, char *buf, size_t len)
{
	static const char *const names[] = {
		"prefix", "opcode", "modrm", "sib", "disp", "imm", "rel",
	};
	size_t i, at = 0;

	buf[0] = 0;
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (fields & (1u << i))
			at += snprintf(buf + at, at < len ? len - at : 0, "%s%s",
				       at ? "+" : "", names[i]);
	return buf;
}

bool sbr_is_rel_branch(const struct sbr_insn *in)
{
	const ZydisDecodedInstruction *zi = &in->zi;

	return (zi->attributes & ZYDIS_ATTRIB_IS_RELATIVE) && zi->raw.imm[0].is_relative &&
	       (zi->meta.category == ZYDIS_CATEGORY_COND_BR ||
		zi->meta.category == ZYDIS_CATEGORY_UNCOND_BR ||
		zi->meta.category == ZYDIS_CATEGORY_CALL);
}

uint64_t sbr_rel_target(const struct sbr_insn *in)
{
	return in->vaddr + in->zi.length + in->zi.raw.imm[0].value.s;
}

bool sbr_is_riprel(const struct sbr_insn *in)
{
	unsigned i;

	for (i = 0; i < in->zi.operand_count; i++)
		if (in->ops[i].type == ZYDIS_OPERAND_TYPE_MEMORY &&
		    in->ops[i].mem.base == ZYDIS_REGISTER_RIP)
			return true;
	return false;
}
