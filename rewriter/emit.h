// SPDX-License-Identifier: GPL-2.0
/*
 * emit.h - produce pattern-free encodings of one instruction: relocated to
 * a new address, and if its own bytes still hold 0F 01 D4, transformed
 * into an equivalent form (addressing-form substitution, immediate or
 * displacement splitting).
 */
#ifndef SBR_EMIT_H
#define SBR_EMIT_H

#include "rewriter/decode.h"

#define SBR_EMIT_MAX 48		/* longest output for one input instruction */

/*
 * Encode IN (decoded at IN->vaddr from the original file) to run at ADDR.
 * Writes at most SBR_EMIT_MAX bytes free of the pattern to OUT and returns
 * the length, or -1 with *WHY set to a static reason.
 */
int sbr_emit_relocated(const struct sbr_elf *e, const struct sbr_insn *in, uint64_t addr,
		       uint8_t *out, const char **why);

/*
 * Same-length in-place alternative for IN (e.g. base/index swapped in a
 * SIB byte): writes IN->zi.length bytes to OUT and returns 0, or -1.
 */
int sbr_emit_substitute(const struct sbr_insn *in, uint8_t *out);

#endif
