/* SPDX-License-Identifier: MIT */
/*
 * futex.h - the two futex operations the fallback transport needs.
 *
 * Shared (not FUTEX_PRIVATE_FLAG) because the words live in memfd mappings
 * shared by two processes.
 */
#ifndef SB_FUTEX_H
#define SB_FUTEX_H

#include <errno.h>
#include <linux/futex.h>
#include <stdatomic.h>
#include <stdint.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

/*
 * futex_wait() - sleep while *@word == @val, at most @timeout_ms (relative;
 * 0: no limit).
 * Return: 0 (woken, or *@word already differed: EAGAIN), or -ETIMEDOUT,
 * -EINTR.
 */
static inline int futex_wait(atomic_uint *word, uint32_t val,
			     unsigned int timeout_ms)
{
	struct timespec ts = {
		.tv_sec = timeout_ms / 1000,
		.tv_nsec = (long)(timeout_ms % 1000) * 1000000L,
	};

	if (syscall(SYS_futex, word, FUTEX_WAIT, val, timeout_ms ? &ts : NULL,
		    NULL, 0) == 0)
		return 0;
	if (errno == EAGAIN)
		return 0;
	return -errno;
}

/* futex_wake() - wake up to @n waiters on @word. */
static inline void futex_wake(atomic_uint *word, int n)
{
	syscall(SYS_futex, word, FUTEX_WAKE, n, NULL, NULL, 0);
}

/* Milliseconds on CLOCK_MONOTONIC, for deadlines. */
static inline uint64_t sb_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

#endif /* SB_FUTEX_H */
