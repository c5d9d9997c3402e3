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

/*
 * A check of something not built yet: "not ok - NAME: why # TODO todo" when
 * it fails, which the lab counts as a known gap, not a failure (TAP's TODO).
 */
static inline void tap_todo(int pass, const char *name, const char *todo,
			    const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static inline void tap_todo(int pass, const char *name, const char *todo,
			    const char *fmt, ...)
{
	va_list ap;

	if (pass) {
		printf("ok - %s\n", name);
	} else {
		printf("not ok - %s: ", name);
		va_start(ap, fmt);
		vprintf(fmt, ap);
		va_end(ap);
		printf(" # TODO %s\n", todo);
	}
	fflush(stdout);
}

static inline int tap_exit(void)
{
	return tap_failures ? 1 : 0;
}

#endif /* SKYBRIDGE_TAP_H */
