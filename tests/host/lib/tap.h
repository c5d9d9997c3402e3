/* SPDX-License-Identifier: GPL-2.0 */
/*
 * tap.h - "ok - NAME" / "not ok - NAME: reason" lines for host tests.
 *
 * Tests that fork report from the child; the child's failure count comes
 * back as its exit status (see tap_wait()).
 */
#ifndef SB_TEST_TAP_H
#define SB_TEST_TAP_H

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static int tap_failures;

__attribute__((format(printf, 3, 4)))
static inline bool check(bool ok, const char *name, const char *why, ...)
{
	va_list ap;

	if (ok) {
		printf("ok - %s\n", name);
	} else {
		printf("not ok - %s: ", name);
		va_start(ap, why);
		vprintf(why, ap);
		va_end(ap);
		printf("\n");
		tap_failures++;
	}
	fflush(stdout);
	return ok;
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
		check(false, what, "waitpid failed");
		return;
	}
	if (WIFSIGNALED(status))
		check(false, what, "test child killed by signal %d (timeout: 14)",
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

#endif /* SB_TEST_TAP_H */
