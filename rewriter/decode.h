// SPDX-License-Identifier: GPL-2.0
/*
 * decode.h - Zydis decoding of the instructions of a mapped ELF file, by
 * virtual address.
 */
#ifndef SBR_DECODE_H
#define SBR_DECODE_H

#include <Zydis/Zydis.h>

#include "rewriter/elffile.h"

/* Which part of an instruction a byte belongs to. */
enum sbr_field {
	SBR_F_PREFIX = 1 << 0,
	SBR_F_OPCODE = 1 << 1,
	SBR_F_MODRM = 1 << 2,
	SBR_F_SIB = 1 << 3,
	SBR_F_DISP = 1 << 4,
	SBR_F_IMM = 1 << 5,
	SBR_F_REL = 1 << 6,		/* relative branch offset */
};

struct sbr_insn {
	uint64_t vaddr;
	ZydisDecodedInstruction zi;
	ZydisDecodedOperand ops[ZYDIS_MAX_OPERAND_COUNT];
};

/* Decodable code range: the SHF_EXECINSTR section (or PF_X segment) at VADDR. */
struct sbr_region {
	uint64_t lo, hi;
	const char *name;
};

/* Find the code range holding VADDR.  Returns false if VADDR is not code. */
bool sbr_code_region(const struct sbr_elf *e, uint64_t vaddr, struct sbr_region *r);

/* Decode one instruction at VADDR, not reading at or past LIMIT. */
int sbr_decode(const struct sbr_elf *e, uint64_t vaddr, uint64_t limit, struct sbr_insn *in);

/* Field of byte INDEX within instruction IN. */
enum sbr_field sbr_field_of(const ZydisDecodedInstruction *zi, unsigned index);

/* "disp", "modrm+sib", ...: FIELDS as text into BUF. */
const char *sbr_fields_str(unsigned fields, char *buf, size_t len);

/* Is IN a relative jmp/jcc/call (one relative immediate)? */
bool sbr_is_rel_branch(const struct sbr_insn *in);

/* Branch target of a relative branch. */
uint64_t sbr_rel_target(const struct sbr_insn *in);

/* Does IN use RIP-relative addressing? */
bool sbr_is_riprel(const struct sbr_insn *in);

#endif
