// SPDX-License-Identifier: GPL-2.0
/*
 * sb-workload - an ordinary workload that exercises what a late-launched
 * hypervisor could break: fork/exec, pipes, timers, CPU migration, and
 * cross-CPU IPIs (membarrier and TLB shootdowns).
 *
 * Usage: sb-workload [-n SCALE] [PREFIX]
 *        sb-workload -c
 *
 * SCALE (default 1) multiplies every count: 1000 fork/exec of
 * "/bin/busybox true", 2000 pipe round trips, 200 1-ms timer expirations,
 * 4 threads migrating 200 times each, 500 membarrier IPIs and 500 mprotect
 * shootdowns while helper threads run on every CPU.  Each part prints
 * "ok - ..." or "not ok - ...", then "# workload: N TSC ticks" (in a 1-vCPU
 * Bochs guest: emulated instructions).
 *
 * -c only measures CPUID (the one instruction that always exits under the
 * RootKernel): "# cpuid: N TSC ticks each", the median of 101 runs of 100.
 */
#include <errno.h>
#include <linux/membarrier.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/timerfd.h>
#include <sys/wait.h>
#include <unistd.h>
#include <x86intrin.h>

#include "../../tap.h"

static const char *prefix = "";
static int scale = 1;
static int ncpus;

#define NAME(buf, fmt, ...) snprintf(buf, sizeof(buf), "%s" fmt, prefix, ##__VA_ARGS__)

static void part_fork_exec(void)
{
	int i, n = 1000 * scale, bad = 0;
	char name[128];

	for (i = 0; i < n; i++) {
		int status;
		pid_t pid = fork();

		if (pid == 0) {
			execl("/bin/busybox", "true", (char *)NULL);
			_exit(127);
		}
		if (pid < 0 || waitpid(pid, &status, 0) != pid ||
		    !WIFEXITED(status) || WEXITSTATUS(status) != 0)
			bad++;
	}
	NAME(name, "%d fork/exec of busybox true", n);
	tap_result(bad == 0, name, "%d failed", bad);
}

static void part_pipes(void)
{
	int i, n = 2000 * scale, up[2], down[2], bad = 0;
	char name[128];
	pid_t pid;

	if (pipe(up) || pipe(down)) {
		NAME(name, "pipe round trips");
		tap_result(0, name, "pipe: %s", strerror(errno));
		return;
	}
	pid = fork();
	if (pid == 0) {
		uint32_t v;

		close(down[1]);
		close(up[0]);
		while (read(down[0], &v, sizeof(v)) == sizeof(v)) {
			v++;
			if (write(up[1], &v, sizeof(v)) != sizeof(v))
				break;
		}
		_exit(0);
	}
	close(down[0]);
	close(up[1]);
	for (i = 0; i < n; i++) {
		uint32_t v = i, w = 0;

		if (write(down[1], &v, sizeof(v)) != sizeof(v) ||
		    read(up[0], &w, sizeof(w)) != sizeof(w) || w != v + 1)
			bad++;
	}
	close(down[1]);
	waitpid(pid, NULL, 0);
	close(up[0]);
	NAME(name, "%d pipe round trips with correct data", n);
	tap_result(bad == 0, name, "%d wrong", bad);
}

static void part_timers(void)
{
	struct itimerspec its = { { 0, 1000000 }, { 0, 1000000 } };
	int fd = timerfd_create(CLOCK_MONOTONIC, 0), n = 200 * scale;
	uint64_t total = 0, exp;
	char name[128];

	if (fd < 0 || timerfd_settime(fd, 0, &its, NULL)) {
		NAME(name, "timer expirations");
		tap_result(0, name, "timerfd: %s", strerror(errno));
		return;
	}
	while (total < (uint64_t)n && read(fd, &exp, sizeof(exp)) == sizeof(exp))
		total += exp;
	close(fd);
	NAME(name, "%d 1-ms timer expirations", n);
	tap_result(total >= (uint64_t)n, name, "only %lu", (unsigned long)total);
}

struct migrator {
	pthread_t t;
	int moves;
	int wrong;
	volatile uint64_t sum;
};

static void *migrate(void *arg)
{
	struct migrator *m = arg;
	int i, j;

	for (i = 0; i < m->moves; i++) {
		int cpu = i % ncpus;
		cpu_set_t set;

		CPU_ZERO(&set);
		CPU_SET(cpu, &set);
		if (sched_setaffinity(0, sizeof(set), &set) ||
		    sched_getcpu() != cpu)
			m->wrong++;
		for (j = 0; j < 1000; j++)
			m->sum += j;
	}
	return NULL;
}

static void part_migrate(void)
{
	struct migrator m[4];
	int i, wrong = 0;
	char name[128];

	for (i = 0; i < 4; i++) {
		m[i] = (struct migrator){ .moves = 200 * scale };
		pthread_create(&m[i].t, NULL, migrate, &m[i]);
	}
	for (i = 0; i < 4; i++) {
		pthread_join(m[i].t, NULL);
		wrong += m[i].wrong;
	}
	NAME(name, "4 threads migrated %d times each across %d CPUs",
	     200 * scale, ncpus);
	tap_result(wrong == 0, name, "%d moves landed on the wrong CPU", wrong);
}

static atomic_int spin_stop;

static void *spinner(void *arg)
{
	volatile char *page = arg;

	while (!atomic_load(&spin_stop))
		(void)page[0];
	return NULL;
}

static void part_ipis(void)
{
	int i, n = 500 * scale, bad = 0, nspin = ncpus > 1 ? ncpus : 1;
	pthread_t t[16];
	char name[128];
	char *page = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (page == MAP_FAILED) {
		NAME(name, "IPI storm");
		tap_result(0, name, "mmap: %s", strerror(errno));
		return;
	}
	page[0] = 1;
	if (nspin > 16)
		nspin = 16;
	if (syscall(SYS_membarrier, MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED, 0, 0))
		bad++;
	for (i = 0; i < nspin; i++)
		pthread_create(&t[i], NULL, spinner, page);
	for (i = 0; i < n; i++) {
		if (syscall(SYS_membarrier, MEMBARRIER_CMD_PRIVATE_EXPEDITED, 0, 0))
			bad++;
		/* Each permission change shoots down the other CPUs' TLBs. */
		if (mprotect(page, 4096, (i & 1) ? PROT_READ | PROT_WRITE : PROT_READ))
			bad++;
	}
	mprotect(page, 4096, PROT_READ | PROT_WRITE);
	atomic_store(&spin_stop, 1);
	for (i = 0; i < nspin; i++)
		pthread_join(t[i], NULL);
	munmap(page, 4096);
	NAME(name, "%d membarrier IPIs and mprotect shootdowns with %d spinning threads",
	     n, nspin);
	tap_result(bad == 0, name, "%d calls failed", bad);
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static int measure_cpuid(void)
{
	uint64_t runs[101];
	unsigned int a, b, c, d;
	int r, i;

	for (r = 0; r < 101; r++) {
		uint64_t t0 = __rdtsc();

		for (i = 0; i < 100; i++)
			asm volatile("cpuid" : "=a"(a), "=b"(b), "=c"(c), "=d"(d)
				     : "a"(0), "c"(0));
		runs[r] = __rdtsc() - t0;
	}
	qsort(runs, 101, sizeof(runs[0]), cmp_u64);
	printf("# cpuid: %llu TSC ticks each\n", (unsigned long long)runs[50] / 100);
	return 0;
}

int main(int argc, char **argv)
{
	uint64_t t0;
	int opt;

	while ((opt = getopt(argc, argv, "cn:")) != -1) {
		if (opt == 'c')
			return measure_cpuid();
		if (opt != 'n' || (scale = atoi(optarg)) < 1) {
			fprintf(stderr, "usage: sb-workload [-n SCALE] [PREFIX] | -c\n");
			return 2;
		}
	}
	if (optind < argc)
		prefix = argv[optind];
	ncpus = sysconf(_SC_NPROCESSORS_ONLN);

	t0 = __rdtsc();
	part_fork_exec();
	part_pipes();
	part_timers();
	part_migrate();
	part_ipis();
	printf("# workload: %llu TSC ticks\n", (unsigned long long)(__rdtsc() - t0));
	return tap_exit();
}
