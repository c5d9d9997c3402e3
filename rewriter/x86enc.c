// SPDX-License-Identifier: GPL-2.0
/*
 * x86enc.c - hand encoders for jmp rel32, mov-immediate and lea-add.
 */
#include "rewriter/x86enc.h"

#include <string.h>

static size_t put32(uint8_t *p, uint32_t v)
{
	memcpy(p, &v, 4);		/* x86-64 is little-endian, like the encoding */
	return 4;
}

size_t sbr_enc_jmp32(uint8_t *buf, uint64_t from, uint64_t to)
{
	buf[0] = 0xe9;
	return 1 + put32(buf + 1, (uint32_t)(to - (from + SBR_JMP32_LEN)));
}

/* REX: 0100WRXB; emitted only when some bit is set. */
static size_t rex(uint8_t *p, unsigned w, unsigned r, unsigned b)
{
	uint8_t v = 0x40 | w << 3 | (r >> 3) << 2 | (b >> 3);

	if (v == 0x40)
		return 0;
	*p = v;
	return 1;
}

size_t sbr_enc_mov_imm(uint8_t *buf, unsigned reg, unsigned width, uint64_t value)
{
	size_t n;

	if (width == 32) {
		n = rex(buf, 0, 0, reg);
		buf[n++] = 0xb8 + (reg & 7);
		return n + put32(buf + n, (uint32_t)value);
	}
	n = rex(buf, 1, 0, reg);
	if ((int64_t)value == (int32_t)value) {	/* C7 /0 id, sign-extended */
		buf[n++] = 0xc7;
		buf[n++] = 0xc0 | (reg & 7);
		return n + put32(buf + n, (uint32_t)value);
	}
	buf[n++] = 0xb8 + (reg & 7);
	memcpy(buf + n, &value, 8);
	return n + 8;
}

size_t sbr_enc_lea_add(uint8_t *buf, unsigned reg, unsigned width, int32_t disp)
{
	size_t n = rex(buf, width == 64, reg, reg);

	buf[n++] = 0x8d;
	buf[n++] = 0x80 | (reg & 7) << 3 | (reg & 7);
	if ((reg & 7) == 4)
		buf[n++] = 0x24;	/* rsp/r12 as base need a SIB byte */
	return n + put32(buf + n, (uint32_t)disp);
}

size_t sbr_enc_bswap(uint8_t *buf, unsigned reg, unsigned width)
{
	size_t n = rex(buf, width == 64, 0, reg);

	buf[n++] = 0x0f;
	buf[n++] = 0xc8 + (reg & 7);
	return n;
}
