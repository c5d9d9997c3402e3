/* SPDX-License-Identifier: GPL-2.0 */
/*
 * tap.h - "ok - NAME" / "not ok - NAME: why" lines, for every test program
 * of the project: the host tests (tests/host/) and the in-guest programs
 * (tests/vm/progs/).  tests/host/run and the lab's suite count those lines;
 * a "not ok ... # TODO" line is a known gap (TAP's TODO), not a failure.
 * tap_exit() gives the program's exit status.  Tests that fork report from
 * the child; the child's failure count comes back as its exit status
 * (tap_fork(), tap_wait()).
 */
#ifndef SB_TESTS_TAP_H
#define SB_TESTS_TAP_H

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static int tap_failures;

/* One check: "ok - NAME", or "not ok - NAME: why" and a failure. */
__attribute__((format(printf, 3, 4)))
static inline bool tap_result(bool pass, const char *name, const char *fmt, ...)
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
	return pass;
}

/*
 * A check of something not built yet: "not ok - NAME: why # TODO todo" when
 * it fails, which is counted as a known gap, not a failure (TAP's TODO).
 */
__attribute__((format(printf, 4, 5)))
static inline void tap_todo(bool pass, const char *name, const char *todo,
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

/* Fork a child for a test with its own time limit; returns its pid. */
static inline pid_t tap_fork(unsigned int seconds)
{
	pid_t pid;

	fflush(stdout);
	pid = fork();
	if (pid == 0)
		alarm(seconds);
	return pid;
}

/* Reap a tap_fork() child and fold its result into ours. */
static inline void tap_wait(pid_t pid, const char *what)
{
	int status;

	if (waitpid(pid, &status, 0) < 0) {
		tap_result(false, what, "waitpid failed");
		return;
	}
	if (WIFSIGNALED(status))
		tap_result(false, what, "test child killed by signal %d (timeout: 14)",
			   WTERMSIG(status));
	else if (WEXITSTATUS(status))
		tap_failures++;	/* the child printed its own "not ok" */
}

static inline double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static inline int tap_exit(void)
{
	return tap_failures ? 1 : 0;
}

#endif /* SB_TESTS_TAP_H */
