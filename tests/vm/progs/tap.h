/* SPDX-License-Identifier: GPL-2.0 */
/*
 * tap.h - minimal TAP-style reporting for the in-guest test programs.
 *
 * Each check prints "ok - NAME" or "not ok - NAME: why"; the lab's suite
 * driver counts those lines.  tap_exit() returns non-zero if any failed.
 */
#ifndef SKYBRIDGE_TAP_H
#define SKYBRIDGE_TAP_H

#include <stdarg.h>
#include <stdio.h>

static int tap_failures;

static inline void tap_result(int pass, const char *name, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static inline void tap_result(int pass, const char *name, const char *fmt, ...)
{
	va_list ap;

	if (pass) {
		printf("ok - %s\n", name);
	} else {
		tap_failures++;
		printf("not ok - %s: ", name);
		va_start(ap, fmt);
		vprintf(fmt, ap);
		va_end(ap);
		putchar('\n');
	}
	fflush(stdout);
}

static inline int tap_exit(void)
{
	return tap_failures ? 1 : 0;
}

#endif /* SKYBRIDGE_TAP_H */
