// SPDX-License-Identifier: GPL-2.0
/*
 * output.h - turn a patcher's image and patch area into a new ELF file,
 * written atomically (temp file in the destination directory, fsync,
 * verify clean, rename).
 */
#ifndef SBR_OUTPUT_H
#define SBR_OUTPUT_H

#include "rewriter/patch.h"

/* Write P's result to DST.  On failure nothing is left at DST or beside it. */
int sbr_output_write(const struct sbr_patcher *p, const char *dst, char *err, size_t errlen);

/* Write LEN bytes of DATA to DST atomically with MODE. */
int sbr_write_atomic(const char *dst, const uint8_t *const *parts, const size_t *lens,
		     size_t nparts, mode_t mode, char *err, size_t errlen);

#endif
