// SPDX-License-Identifier: GPL-2.0
/*
 * x86enc.h - the few instructions the rewriter writes by hand.  Encodings
 * from the Intel SDM Vol. 2 (JMP, MOV, LEA, NOP); each returns its length.
 */
#ifndef SBR_X86ENC_H
#define SBR_X86ENC_H

#include <stdint.h>
#include <stddef.h>

#define SBR_JMP32_LEN 5
#define SBR_INT3 0xcc
#define SBR_NOP 0x90

/* jmp rel32 at FROM to TO (E9 cd). */
size_t sbr_enc_jmp32(uint8_t *buf, uint64_t from, uint64_t to);

/* mov r32, imm32 (B8+rd) or, for WIDTH 64, the shortest of C7 /0 and B8+rd io. */
size_t sbr_enc_mov_imm(uint8_t *buf, unsigned reg, unsigned width, uint64_t value);

/* lea r, [r + disp32] (8D /r, mod=10): adds DISP without touching flags. */
size_t sbr_enc_lea_add(uint8_t *buf, unsigned reg, unsigned width, int32_t disp);

/* bswap r (0F C8+rd): reverses the bytes, leaves flags alone. */
size_t sbr_enc_bswap(uint8_t *buf, unsigned reg, unsigned width);

#endif
