// SPDX-License-Identifier: GPL-2.0
/*
 * sb-calltest - direct server calls in the guest, through the raw ABI.
 *
 * Usage: sb-calltest basic [CALLS]
 *
 * basic: a server process (an adder: a0+a1+a2+a3, status a3 == 7 ? -42 : 0)
 * and a client process; lookup, connect, CALLS calls (default 1000000) with
 * every result checked, the status and value kept apart, wrong keys and
 * ids refused, and the null round trip timed with RDTSC (in a 1-vCPU guest:
 * emulated instructions).
 */
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <x86intrin.h>

#include "sbcall.h"
#include "tap.h"

static struct sbt_ret adder(uint64_t id, uint64_t a0, uint64_t a1, uint64_t a2,
			    uint64_t a3)
{
	(void)id;
	return (struct sbt_ret){ a3 == 7 ? -42 : 0, a0 + a1 + a2 + a3 };
}

static struct sbt_ret null_handler(uint64_t id, uint64_t a0, uint64_t a1,
				   uint64_t a2, uint64_t a3)
{
	(void)id; (void)a0; (void)a1; (void)a2; (void)a3;
	return (struct sbt_ret){ 0, 0 };
}

/* Fork a server; returns its pid once registered, and a pipe to stop it. */
static pid_t server_start(const char *name, sbt_handler_t h, unsigned int slots,
			  int *stop_fd)
{
	int ready[2], stop[2];
	pid_t pid;
	char c;

	if (pipe(ready) || pipe(stop))
		return -1;
	pid = fork();
	if (pid == 0) {
		int fd = sbt_open();
		int view = fd < 0 ? fd : sbt_register(fd, name, h, slots, 0, NULL);

		close(ready[0]);
		close(stop[1]);
		if (view < 0) {
			fprintf(stderr, "server %s: %s\n", name, strerror(-view));
			_exit(1);
		}
		if (write(ready[1], "r", 1) != 1)
			_exit(1);
		while (read(stop[0], &c, 1) > 0)
			;
		_exit(0);
	}
	close(ready[1]);
	close(stop[0]);
	if (read(ready[0], &c, 1) != 1) {
		close(stop[1]);
		waitpid(pid, NULL, 0);
		return -1;
	}
	close(ready[0]);
	*stop_fd = stop[1];
	return pid;
}

static int server_stop(pid_t pid, int stop_fd)
{
	int status;

	close(stop_fd);
	if (waitpid(pid, &status, 0) != pid)
		return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static void basic(unsigned long calls)
{
	struct sbt_conn c;
	struct sb_lookup l;
	unsigned long i, bad = 0;
	uint64_t v, t[10000];
	int64_t st;
	pid_t pid, npid;
	int fd, stop, nstop;

	pid = server_start("adder", adder, 2, &stop);
	tap_result(pid > 0, "a server registers", "server did not start");
	if (pid <= 0)
		return;
	fd = sbt_open();
	tap_result(fd >= 0, "a client opens a session and maps the trampoline",
		   "%s", strerror(-fd));
	if (fd < 0)
		return;
	memset(&l, 0, sizeof(l));
	l.size = sizeof(l);
	strcpy(l.name, "adder");
	tap_result(ioctl(fd, SB_IOC_LOOKUP, &l) == 0 && l.view >= 2 &&
		   l.nr_slots == 2, "lookup finds the server",
		   "%s view %u slots %u", strerror(errno), l.view, l.nr_slots);
	strcpy(l.name, "nosuch");
	tap_result(ioctl(fd, SB_IOC_LOOKUP, &l) < 0 && errno == ENOENT,
		   "lookup of an unknown name fails with ENOENT", "%s",
		   strerror(errno));

	memset(&c, 0, sizeof(c));
	st = sbt_connect(fd, "adder", &c);
	tap_result(st == 0, "connect", "%s", strerror((int)-st));
	if (st)
		return;
	st = sbt_call(&c, 1, 2, 3, 4, &v);
	tap_result(st == 0 && v == 10, "one call: 1+2+3+4",
		   "status %lld value %llu", (long long)st, (unsigned long long)v);
	st = sbt_call(&c, 1, 2, 3, 7, &v);
	tap_result(st == -42 && v == 13, "status and value come back apart",
		   "status %lld value %llu", (long long)st, (unsigned long long)v);

	for (i = 0; i < calls; i++) {
		st = sbt_call(&c, i, i << 1, 5, 9, &v);
		if (st || v != i + (i << 1) + 14)
			bad++;
	}
	tap_result(bad == 0, "calls with correct results", "%lu of %lu wrong",
		   bad, calls);
	printf("# %lu calls\n", calls);

	st = sbt_call_raw(c.view, c.id, c.key ^ 1, 1, 2, 3, 4, &v);
	tap_result(st == -EACCES && v == 0, "a wrong key is refused (EACCES)",
		   "status %lld", (long long)st);
	st = sbt_call_raw(c.view, c.id, 0, 1, 2, 3, 4, &v);
	tap_result(st == -EACCES, "a zero key is refused", "status %lld",
		   (long long)st);
	st = sbt_call_raw(c.view, c.id + 1, c.key, 1, 2, 3, 4, &v);
	tap_result(st == -EACCES, "another attachment's id is refused",
		   "status %lld", (long long)st);
	st = sbt_call_raw(c.view, 100000, c.key, 1, 2, 3, 4, &v);
	tap_result(st == -EACCES, "an out-of-range id is refused", "status %lld",
		   (long long)st);

	/* A second server: this client is not attached to it. */
	npid = server_start("null", null_handler, 1, &nstop);
	if (npid > 0) {
		memset(&l, 0, sizeof(l));
		l.size = sizeof(l);
		strcpy(l.name, "null");
		ioctl(fd, SB_IOC_LOOKUP, &l);
		st = sbt_call_raw(l.view, c.id, c.key, 1, 2, 3, 4, &v);
		tap_result(st == -EPIPE, "a server the client is not attached to: EPIPE",
			   "status %lld", (long long)st);
		server_stop(npid, nstop);
	}

	/* The null round trip, timed. */
	for (i = 0; i < 1000; i++)
		sbt_call(&c, 0, 0, 0, 0, &v);
	for (i = 0; i < 10000; i++) {
		uint64_t t0 = __rdtsc();

		sbt_call(&c, 0, 0, 0, 0, &v);
		t[i] = __rdtsc() - t0;
	}
	qsort(t, 10000, sizeof(t[0]), cmp_u64);
	printf("# measure: raw direct call round trip (rdtsc delta, 10000 samples): min %llu median %llu p99 %llu\n",
	       (unsigned long long)t[0], (unsigned long long)t[5000],
	       (unsigned long long)t[9900]);

	tap_result(server_stop(pid, stop) == 0, "the server exits cleanly",
		   "server failed");
	st = sbt_call(&c, 1, 2, 3, 4, &v);
	tap_result(st == -EPIPE, "after the server exits, calls fail with EPIPE",
		   "status %lld", (long long)st);
	close(c.fd);
	close(fd);
}

int main(int argc, char **argv)
{
	if (argc >= 2 && !strcmp(argv[1], "basic")) {
		basic(argc >= 3 ? strtoul(argv[2], NULL, 0) : 1000000);
		return tap_exit();
	}
	fprintf(stderr, "usage: sb-calltest basic [CALLS]\n");
	return 2;
}
