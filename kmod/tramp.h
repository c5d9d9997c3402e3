/* SPDX-License-Identifier: GPL-2.0 */
/*
 * tramp.h - the trampoline's symbols (kmod/tramp.S), for the module.  Its
 * layout is an ABI shared with every process and the RootKernel:
 * uapi/skybridge_tramp.h.
 */
#ifndef SKYBRIDGE_TRAMP_H
#define SKYBRIDGE_TRAMP_H

#include "../uapi/skybridge_tramp.h"

#ifndef __ASSEMBLY__
extern const char sb_tramp_start[];
extern const char sb_tramp_t3_resume[];
extern const char sb_tramp_t1_ret[];
extern const char sb_tramp_t1_abort[];
extern const char sb_tramp_end[];
#endif

#endif /* SKYBRIDGE_TRAMP_H */
