// SPDX-License-Identifier: GPL-2.0
/*
 * emit.c - relocation and semantics-preserving transforms of one instruction.
 *
 * Relocation re-encodes only what depends on the instruction's address
 * (relative branches, RIP-relative operands), with Zydis's encoder given
 * absolute targets; everything else is copied byte for byte.  Transforms
 * used when the bytes themselves carry the pattern:
 *
 *  - base/index swap: [b + i*1 + d] == [i + b*1 + d], changes the SIB byte;
 *  - mov reg, imm  ->  mov reg, imm-k ; lea reg, [reg+k]   (lea keeps flags),
 *                     or mov reg, bswap(imm) ; bswap reg      (so does bswap);
 *  - lea r, [m+d]  ->  lea r, [m+d-k] ; lea r, [r+k].
 */
#include "rewriter/emit.h"

#include <string.h>

#include "rewriter/scan.h"
#include "rewriter/x86enc.h"

typedef void (*tweak_fn)(ZydisEncoderRequest *req, const struct sbr_insn *in, int64_t arg);

static int encode(const struct sbr_insn *in, uint64_t addr, tweak_fn tweak, int64_t arg,
		  uint8_t *out)
{
	ZydisEncoderRequest req;
	uint64_t next = in->vaddr + in->zi.length;
	ZyanUSize len = ZYDIS_MAX_INSTRUCTION_LENGTH;
	unsigned i;

	if (!ZYAN_SUCCESS(ZydisEncoderDecodedInstructionToEncoderRequest(&in->zi, in->ops,
			in->zi.operand_count_visible, &req)))
		return -1;
	for (i = 0; i < in->zi.operand_count_visible; i++) {
		const ZydisDecodedOperand *op = &in->ops[i];

		if (op->type == ZYDIS_OPERAND_TYPE_IMMEDIATE && op->imm.is_relative) {
			req.operands[i].imm.u = next + op->imm.value.s;
			req.branch_type = ZYDIS_BRANCH_TYPE_NONE;
			req.branch_width = ZYDIS_BRANCH_WIDTH_NONE;
		}
		if (op->type == ZYDIS_OPERAND_TYPE_MEMORY && op->mem.base == ZYDIS_REGISTER_RIP)
			req.operands[i].mem.displacement = next + op->mem.disp.value;
	}
	if (tweak)
		tweak(&req, in, arg);
	if (!ZYAN_SUCCESS(ZydisEncoderEncodeInstructionAbsolute(&req, out, &len, addr)))
		return -1;
	return len;
}

static int mem_operand(const struct sbr_insn *in)
{
	unsigned i;

	for (i = 0; i < in->zi.operand_count_visible; i++)
		if (in->ops[i].type == ZYDIS_OPERAND_TYPE_MEMORY)
			return i;
	return -1;
}

static void swap_base_index(ZydisEncoderRequest *req, const struct sbr_insn *in, int64_t arg)
{
	ZydisEncoderOperand *m = &req->operands[arg];

	(void)in;
	m->mem.base = in->ops[arg].mem.index;
	m->mem.index = in->ops[arg].mem.base;
}

static bool swappable(const struct sbr_insn *in, int m)
{
	const ZydisDecodedOperand *op = &in->ops[m];

	return m >= 0 && op->mem.scale <= 1 && op->mem.base != ZYDIS_REGISTER_NONE &&
	       op->mem.index != ZYDIS_REGISTER_NONE && op->mem.base != ZYDIS_REGISTER_RIP &&
	       op->mem.base != ZYDIS_REGISTER_RSP && op->mem.base != ZYDIS_REGISTER_ESP &&
	       !(in->zi.attributes & ZYDIS_ATTRIB_HAS_EVEX) &&
	       ZydisRegisterGetClass(op->mem.index) == ZydisRegisterGetClass(op->mem.base) &&
	       (ZydisRegisterGetClass(op->mem.base) == ZYDIS_REGCLASS_GPR64 ||
		ZydisRegisterGetClass(op->mem.base) == ZYDIS_REGCLASS_GPR32);
}

int sbr_emit_substitute(const struct sbr_insn *in, uint8_t *out)
{
	uint8_t buf[ZYDIS_MAX_INSTRUCTION_LENGTH];
	int m = mem_operand(in), n;

	if (!swappable(in, m) || sbr_is_riprel(in) || sbr_is_rel_branch(in))
		return -1;
	n = encode(in, in->vaddr, swap_base_index, m, buf);
	if (n != in->zi.length || sbr_has_pattern(buf, n))
		return -1;
	memcpy(out, buf, n);
	return 0;
}

/* Offsets k tried when splitting a constant c into (c - k) + k. */
static const int32_t split_k[] = {
	0x1000, 0x10000, 0x1000000, 0x100, 0x1, 0x7f, -0x1000, 0x12345, 0x3000000,
	0x7fff0000, -0x7fff0000,
};

static bool gpr_dst(const struct sbr_insn *in, unsigned *reg, unsigned *width)
{
	const ZydisDecodedOperand *d = &in->ops[0];
	ZydisRegisterClass cls;

	if (in->zi.operand_count_visible != 2 || d->type != ZYDIS_OPERAND_TYPE_REGISTER)
		return false;
	cls = ZydisRegisterGetClass(d->reg.value);
	if (cls != ZYDIS_REGCLASS_GPR32 && cls != ZYDIS_REGCLASS_GPR64)
		return false;
	*reg = ZydisRegisterGetId(d->reg.value);
	*width = cls == ZYDIS_REGCLASS_GPR64 ? 64 : 32;
	return true;
}

static int split_mov_imm(const struct sbr_insn *in, uint8_t *out)
{
	const ZydisDecodedOperand *s = &in->ops[1];
	unsigned reg, width, i;
	uint64_t v;
	size_t n;

	if (in->zi.mnemonic != ZYDIS_MNEMONIC_MOV || !gpr_dst(in, &reg, &width) ||
	    s->type != ZYDIS_OPERAND_TYPE_IMMEDIATE)
		return -1;
	v = s->imm.is_signed ? (uint64_t)s->imm.value.s : s->imm.value.u;
	if (width == 32)
		v &= 0xffffffffu;
	for (i = 0; i < sizeof(split_k) / sizeof(split_k[0]); i++) {
		n = sbr_enc_mov_imm(out, reg, width, v - (int64_t)split_k[i]);
		n += sbr_enc_lea_add(out + n, reg, width, split_k[i]);
		if (!sbr_has_pattern(out, n))
			return n;
	}
	/* High bytes of an imm64 can only change through byte reversal. */
	n = sbr_enc_mov_imm(out, reg, width, width == 64 ? __builtin_bswap64(v) :
			    __builtin_bswap32((uint32_t)v));
	n += sbr_enc_bswap(out + n, reg, width);
	return sbr_has_pattern(out, n) ? -1 : (int)n;
}

static void shift_disp(ZydisEncoderRequest *req, const struct sbr_insn *in, int64_t k)
{
	(void)in;
	req->operands[1].mem.displacement -= k;
}

static int split_lea_disp(const struct sbr_insn *in, uint64_t addr, uint8_t *out)
{
	unsigned reg, width, i;

	if (in->zi.mnemonic != ZYDIS_MNEMONIC_LEA || !gpr_dst(in, &reg, &width) ||
	    in->zi.address_width != 64)
		return -1;
	for (i = 0; i < sizeof(split_k) / sizeof(split_k[0]); i++) {
		int n = encode(in, addr, shift_disp, split_k[i], out);

		if (n < 0)
			return -1;
		n += sbr_enc_lea_add(out + n, reg, width, split_k[i]);
		if (!sbr_has_pattern(out, n))
			return n;
	}
	return -1;
}

int sbr_emit_relocated(const struct sbr_elf *e, const struct sbr_insn *in, uint64_t addr,
		       uint8_t *out, const char **why)
{
	int64_t off = sbr_elf_vaddr_to_off(e, in->vaddr);
	int m = mem_operand(in), n;

	if (sbr_is_rel_branch(in) || sbr_is_riprel(in)) {
		n = encode(in, addr, NULL, 0, out);
		if (n < 0) {
			*why = "relative operand cannot be re-encoded at the patch address";
			return -1;
		}
	} else if (in->zi.attributes & ZYDIS_ATTRIB_IS_RELATIVE) {
		*why = "implicitly RIP-relative instruction";
		return -1;
	} else {
		n = in->zi.length;
		memcpy(out, e->data + off, n);
	}
	if (!sbr_has_pattern(out, n))
		return n;
	if (swappable(in, m) && (n = encode(in, addr, swap_base_index, m, out)) > 0 &&
	    !sbr_has_pattern(out, n))
		return n;
	if ((n = split_mov_imm(in, out)) > 0 || (n = split_lea_disp(in, addr, out)) > 0)
		return n;
	*why = "no transform removes the bytes from this instruction";
	return -1;
}
