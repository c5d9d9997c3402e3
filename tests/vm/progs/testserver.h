/* SPDX-License-Identifier: GPL-2.0 */
/*
 * testserver.h - start a test server in a process of its own, wait until
 * it serves, stop it and reap it, and say how it ended.  The in-guest test
 * programs' one way to do it (the server itself is sbcall.h's raw one).
 *
 *	struct testserver s = { .name = "ops", .handler = ops, .slots = 1 };
 *
 *	err = testserver_start(&s);	0 once registered (s.pid), or -errno
 *	...calls...
 *	rc = testserver_stop(&s);	0 if it exited with status 0
 *
 * The server process closes every inherited fd (the parent's session, the
 * other servers' stop pipes, which must see EOF when their owner stops
 * them), optionally takes another uid, opens its own session, runs @setup,
 * registers, runs @started, tells the parent it is ready and serves until
 * its stop pipe is closed; then it exits with @finish's answer (default 0).
 * If any step fails it prints "server NAME: why" on stderr and exits with
 * the errno, which testserver_start() returns negated.
 *
 * How it ended (testserver_stop(), _kill(), _wait()): its exit status, or
 * 128 + the signal that killed it (as a shell says it), or -1 if it was
 * never started or could not be reaped; the raw wait status is in
 * s.status for WIFSIGNALED() and the like.  Each may be called again: a
 * server is reaped once, and a later call gives the same answer.
 */
#ifndef SKYBRIDGE_TESTSERVER_H
#define SKYBRIDGE_TESTSERVER_H

#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sbcall.h"

struct testserver {
	/* Set by the caller. */
	const char *name;
	sbt_handler_t handler;
	unsigned int slots;		/* 1 to SKYBRIDGE_MAX_SLOTS */
	uint32_t flags;			/* SB_REGISTER_* */
	int uid;			/* nonzero: serve as this uid */
	/*
	 * Optional, run in the server process: @setup on its fresh session
	 * @fd before it registers, @started after; each returns 0 or -errno
	 * (then the server does not serve).  @finish, once it is told to
	 * stop, gives its exit status (say, nonzero if its memory changed).
	 */
	int (*setup)(const struct testserver *s, int fd);
	int (*started)(const struct testserver *s, int fd);
	int (*finish)(const struct testserver *s);

	/* Set by testserver_*(). */
	pid_t pid;			/* the server process, kept after reaping */
	int stop_fd;			/* write end of its stop pipe, or -1 */
	int running;			/* started and not reaped yet */
	int reaped;			/* status holds its wait status */
	int status;
};

/* In the server process: serve, never return. */
static inline void testserver_serve(struct testserver *s, int ready_fd,
				    int stop_fd)
{
	int fd, err = 0;
	char c;

	/* Not the parent's session, nor the other servers' stop pipes. */
	for (fd = 3; fd < 1024; fd++)
		if (fd != ready_fd && fd != stop_fd)
			close(fd);
	if (s->uid && setresuid(s->uid, s->uid, s->uid))
		err = -errno;
	fd = err ? err : sbt_open();
	if (fd < 0)
		err = fd;
	if (!err && s->setup)
		err = s->setup(s, fd);
	if (!err) {
		int view = sbt_register_flags(fd, s->name, s->handler, s->slots,
					      0, NULL, s->flags);

		err = view < 0 ? view : 0;
	}
	if (!err && s->started)
		err = s->started(s, fd);
	if (err) {
		fprintf(stderr, "server %s: %s\n", s->name, strerror(-err));
		_exit(-err > 0 && -err < 256 ? -err : 255);
	}
	if (write(ready_fd, "r", 1) != 1)
		_exit(255);
	while (read(stop_fd, &c, 1) > 0)
		;
	_exit(s->finish ? s->finish(s) : 0);
}

/* How a reaped server ended: exit status, 128 + signal, or -1. */
static inline int testserver_result(const struct testserver *s)
{
	if (!s->reaped)
		return -1;
	if (WIFEXITED(s->status))
		return WEXITSTATUS(s->status);
	if (WIFSIGNALED(s->status))
		return 128 + WTERMSIG(s->status);
	return -1;
}

/*
 * Wait for the server to end by itself (it crashed, or someone else killed
 * it) and reap it; then close its stop pipe.  How it ended.
 */
static inline int testserver_wait(struct testserver *s)
{
	pid_t r;

	if (s->running) {
		while ((r = waitpid(s->pid, &s->status, 0)) < 0 && errno == EINTR)
			;
		s->reaped = r == s->pid;
		s->running = 0;
	}
	if (s->stop_fd >= 0) {
		close(s->stop_fd);
		s->stop_fd = -1;
	}
	return testserver_result(s);
}

/*
 * Fork the server and wait until it serves.  0 (s->pid is the server), or
 * the negative errno it failed with (its registration's, or a hook's; the
 * server is reaped then), or -ECHILD if it died without one.
 */
static inline int testserver_start(struct testserver *s)
{
	int ready[2], stop[2], err;
	ssize_t n;
	char c;

	s->pid = 0;
	s->stop_fd = -1;
	s->running = s->reaped = s->status = 0;
	if (pipe(ready))
		return -errno;
	if (pipe(stop)) {
		err = -errno;
		close(ready[0]);
		close(ready[1]);
		return err;
	}
	fflush(stdout);
	fflush(stderr);
	s->pid = fork();
	if (s->pid == 0)
		testserver_serve(s, ready[1], stop[0]);
	err = s->pid < 0 ? -errno : 0;
	close(ready[1]);
	close(stop[0]);
	if (err) {
		s->pid = 0;
		close(ready[0]);
		close(stop[1]);
		return err;
	}
	s->stop_fd = stop[1];
	s->running = 1;
	while ((n = read(ready[0], &c, 1)) < 0 && errno == EINTR)
		;
	close(ready[0]);
	if (n == 1)
		return 0;
	testserver_wait(s);
	if (s->reaped && WIFEXITED(s->status) && WEXITSTATUS(s->status))
		return -WEXITSTATUS(s->status);
	return -ECHILD;
}

/* Tell the server to stop (close its stop pipe) and reap it.  How it ended. */
static inline int testserver_stop(struct testserver *s)
{
	if (s->stop_fd >= 0) {
		close(s->stop_fd);
		s->stop_fd = -1;
	}
	return testserver_wait(s);
}

/* Send the server @sig and reap it.  How it ended. */
static inline int testserver_kill(struct testserver *s, int sig)
{
	if (s->running)
		kill(s->pid, sig);
	return testserver_wait(s);
}

#endif /* SKYBRIDGE_TESTSERVER_H */
