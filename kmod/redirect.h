/* SPDX-License-Identifier: GPL-2.0 */
/*
 * redirect.h - redirect kernel functions to the module's wrappers, and
 * call kernel functions that are not exported (redirect.c).
 */
#ifndef SKYBRIDGE_REDIRECT_H
#define SKYBRIDGE_REDIRECT_H

#include <linux/static_call.h>
#include "btf.h"

/*
 * One kernel function the module reaches by address.  @orig_key and
 * @orig_tramp are a static call (DEFINE_STATIC_CALL_NULL) through which the
 * module calls the function: sb_redirect_init() points it at the function,
 * and the kernel then patches every call site in the module into a direct
 * CALL (arch/x86/kernel/static_call.c).  No indirect branch ever targets
 * the function, so IBT's ENDBR check, and the sealing of ENDBRs of
 * functions whose address the kernel never takes, do not apply.  If
 * @wrapper is set, calls to the function from anywhere but the module go
 * to @wrapper instead once sb_redirect_arm() has run.
 */
struct sb_redirect {
	struct sb_btf_proto proto;	/* the name and the types expected */
	void *wrapper;			/* NULL: called, not redirected */
	struct static_call_key *orig_key;
	void *orig_tramp;
	unsigned long addr;		/* set by sb_redirect_init() */
	unsigned long site;		/* its ftrace call site */
};

#define SB_REDIRECT(sym, wrap, sc, ...)					\
	{								\
		.proto = { .name = sym,					\
			   .types = (const char *const []){ __VA_ARGS__, NULL } }, \
		.wrapper = wrap,					\
		.orig_key = &STATIC_CALL_KEY(sc),			\
		.orig_tramp = STATIC_CALL_TRAMP_ADDR(sc),		\
	}

int sb_redirect_init(struct sb_redirect *r, size_t n);
int sb_redirect_arm(void);
void sb_redirect_exit(void);
void sb_redirect_enter(void);
void sb_redirect_leave(void);

#endif /* SKYBRIDGE_REDIRECT_H */
