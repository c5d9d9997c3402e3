// SPDX-License-Identifier: GPL-2.0
/*
 * sb-viewtest - EPT views and kernel-entry interception, from user mode.
 *
 * Usage: sb-viewtest [PREFIX]   (root; the lab's test build of the module loaded)
 *
 * Creates test view 2, in which page A of this process shows page B's
 * contents, and checks with raw VMFUNC that: the view really switches the
 * address space; every kernel entry made in the view (syscall, int 0x80,
 * timer interrupt, #BP, #UD, #GP, #DE, #PF) runs in the plain view and
 * gives the usual result or signal; a task spinning in the view never lets
 * another task run in it; a VMFUNC to every index 0-520 other than 0 and 2
 * raises SIGILL, also for an unprivileged process sweeping while the view
 * is in use; a single-step trap right after entering the view is delivered
 * in the plain view; 1,000,000 round trips work; bad test-view commands
 * are refused; a destroyed view cannot be entered.
 *
 * Usage: sb-viewtest --spin-plain SECONDS
 *
 * Executes VMFUNC to view 0 (the plain view) in a loop for SECONDS: the
 * boundary behaviour without any view or trap, for comparison.
 *
 * Usage: sb-viewtest --spin SECONDS [--ipi]
 *
 * Creates view 4 and spends SECONDS entering it and spinning there, so that
 * interrupts, NMIs (e.g. "echo l > /proc/sysrq-trigger" from outside) and,
 * with --ipi, TLB-shootdown IPIs from a second thread on another CPU arrive
 * while the CPU is in the view.  Exits 0 if every visit ended and every
 * mprotect() succeeded.
 */
#include <errno.h>
#include <stdatomic.h>
#include <fcntl.h>
#include <sched.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <pthread.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <sys/wait.h>
#include <unistd.h>

#include "uapi/skybridge_hv.h"
#include "../../tap.h"
#include "testview.h"

#define VIEW		2
#define MARK_A		0xaaaaaaaaaaaaaaaaull
#define MARK_B		0xbbbbbbbbbbbbbbbbull

static const char *prefix = "";
static volatile uint64_t *A, *B;
static sigjmp_buf trap_env;
static volatile sig_atomic_t trap_sig;
static volatile uint64_t seen_in_handler;

#define NAME(buf, fmt, ...) snprintf(buf, sizeof(buf), "%s" fmt, prefix, ##__VA_ARGS__)

static inline void vmfunc(uint32_t index)
{
	asm volatile("vmfunc" : : "a"(0), "c"(index) : "memory");
}

/* Enter the view, read A, leave: no kernel entry in between. */
static uint64_t peek_in_view(void)
{
	uint64_t v, idx = VIEW, fn = 0;

	asm volatile("vmfunc\n\t"
		     "movq (%[a]), %[v]\n\t"
		     "xorl %%ecx, %%ecx\n\t"
		     "vmfunc"
		     : [v] "=&r"(v), "+c"(idx)
		     : "a"(fn), [a] "r"(A)
		     : "memory");
	return v;
}

static void on_trap(int sig)
{
	seen_in_handler = *A;		/* which view does the handler run in? */
	trap_sig = sig;
	siglongjmp(trap_env, 1);
}

static int run_trapping(void (*fn)(void))
{
	struct sigaction sa = { .sa_handler = on_trap };
	int sigs[] = { SIGILL, SIGSEGV, SIGTRAP, SIGFPE, SIGBUS };
	unsigned int i;

	sigemptyset(&sa.sa_mask);
	sa.sa_flags = SA_NODEFER;
	for (i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		sigaction(sigs[i], &sa, NULL);
	trap_sig = 0;
	seen_in_handler = 0;
	if (!sigsetjmp(trap_env, 1))
		fn();
	for (i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		signal(sigs[i], SIG_DFL);
	return trap_sig;
}

static void in_view_int3(void) { vmfunc(VIEW); asm volatile("int3"); }
static void in_view_ud2(void) { vmfunc(VIEW); asm volatile("ud2"); }
static void in_view_hlt(void) { vmfunc(VIEW); asm volatile("hlt"); }
static void in_view_pf(void)
{
	vmfunc(VIEW);
	asm volatile("movl $1, 8" : : : "memory");	/* #PF at address 8 */
}
static void in_view_de(void)
{
	unsigned int zero = 0, q;

	vmfunc(VIEW);
	asm volatile("divl %[d]" : "=a"(q) : "a"(1), "d"(0), [d] "r"(zero));
	(void)q;
}

static void check_exception(void (*fn)(void), const char *what, int want)
{
	char name[128];
	int sig = run_trapping(fn);

	NAME(name, "%s in the view delivers signal %d", what, want);
	tap_result(sig == want, name, "got %d", sig);
	NAME(name, "%s: the signal handler runs in the plain view", what);
	tap_result(seen_in_handler == MARK_A, name, "handler read %#lx",
		   (unsigned long)seen_in_handler);
}

static void check_syscalls(void)
{
	uint64_t ret = 0, idx = VIEW;
	char name[128];

	asm volatile("vmfunc\n\t"
		     "movl %[nr], %%eax\n\t"
		     "syscall"
		     : "+a"(ret), "+c"(idx)
		     : [nr] "i"(SYS_getpid)
		     : "r11", "memory");
	NAME(name, "SYSCALL getpid in the view returns the pid");
	tap_result(ret == (uint64_t)getpid(), name, "got %ld", (long)ret);
	NAME(name, "after a SYSCALL in the view the thread is in the plain view");
	tap_result(*A == MARK_A, name, "A reads %#lx", (unsigned long)*A);

	idx = VIEW;
	ret = 0;
	asm volatile("vmfunc\n\t"
		     "movl $20, %%eax\n\t"	/* i386 getpid */
		     "int $0x80"
		     : "+a"(ret), "+c"(idx)
		     :
		     : "r8", "r9", "r10", "r11", "memory");
	NAME(name, "int 0x80 getpid in the view returns the pid");
	tap_result((uint32_t)ret == (uint32_t)getpid(), name, "got %ld", (long)ret);
	NAME(name, "after int 0x80 in the view the thread is in the plain view");
	tap_result(*A == MARK_A, name, "A reads %#lx", (unsigned long)*A);
}

/* Spin in the view until a kernel entry (the timer) puts us back. */
static long spin_until_plain(long limit)
{
	uint64_t idx = VIEW;
	long left = limit;

	asm volatile("vmfunc\n"
		     "1:\n\t"
		     "cmpq %[mark], (%[a])\n\t"
		     "je 2f\n\t"
		     "decq %[left]\n\t"
		     "jnz 1b\n"
		     "2:"
		     : [left] "+r"(left), "+c"(idx)
		     : "a"(0), [a] "r"(A), [mark] "r"(MARK_A)
		     : "memory", "cc");
	return left;
}

static void check_timer(void)
{
	char name[128];
	long left = spin_until_plain(400000000L);

	NAME(name, "a timer interrupt takes a spinning thread out of the view");
	tap_result(left > 0 && *A == MARK_A, name, "left %ld, A %#lx", left,
		   (unsigned long)*A);
}

/*
 * Parent spins in the view again and again; the child, on the same CPU,
 * reads the shared page A: it must never see B's contents.
 */
static void check_no_foreign_view(void)
{
	char name[128];
	int status, i;
	pid_t child;
	cpu_set_t one;

	CPU_ZERO(&one);
	CPU_SET(sched_getcpu(), &one);
	sched_setaffinity(0, sizeof(one), &one);
	child = fork();
	if (child == 0) {
		long seen_b = 0, reads = 0;

		for (i = 0; i < 2000000; i++, reads++)
			if (*A != MARK_A)
				seen_b++;
		_exit(seen_b ? 1 : 0);
	}
	for (i = 0; i < 40; i++)
		spin_until_plain(400000000L);
	waitpid(child, &status, 0);
	NAME(name, "a task spinning in a view never lets another task run in it");
	tap_result(WIFEXITED(status) && WEXITSTATUS(status) == 0, name,
		   "child saw the view's contents (status %#x)", status);
}

static volatile int sweep_sig[521];

static uint32_t sweep_index;
static void sweep_one(void)
{
	uint64_t idx = sweep_index;

	asm volatile("vmfunc\n\t"
		     "xorl %%ecx, %%ecx\n\t"
		     "vmfunc"
		     : "+c"(idx) : "a"(0) : "memory");
}

static void check_sweep(void)
{
	int wrong = 0, first_wrong = -1;
	char name[128];
	uint32_t i;

	for (i = 0; i <= 520; i++) {
		int expect = (i == HV_VIEW_PLAIN || i == HV_VIEW_LANDING ||
			      i == VIEW) ? 0 : SIGILL;

		sweep_index = i;
		sweep_sig[i] = run_trapping(sweep_one);
		if (sweep_sig[i] != expect) {
			wrong++;
			if (first_wrong < 0)
				first_wrong = i;
		}
	}
	NAME(name, "VMFUNC to every index 0-520: #UD except the live views 0, 1 (landing) and %d",
	     VIEW);
	tap_result(wrong == 0, name, "%d wrong, first index %d (signal %d)",
		   wrong, first_wrong, first_wrong < 0 ? 0 : sweep_sig[first_wrong]);
	NAME(name, "after the sweep the thread is in the plain view");
	tap_result(*A == MARK_A, name, "A reads %#lx", (unsigned long)*A);
}

static void check_round_trips(void)
{
	long i, n = 1000000, seen_b = 0;
	char name[128];

	for (i = 0; i < n; i++)
		if (peek_in_view() == MARK_B)
			seen_b++;
	NAME(name, "%ld VMFUNC round trips into the view and back", n);
	/* A timer interrupt between the two VMFUNCs ends the visit early. */
	tap_result(seen_b > n * 9 / 10 && *A == MARK_A, name,
		   "only %ld saw the view", seen_b);
}

/* TF set by POPF traps after the next instruction: the VMFUNC itself. */
static void in_view_single_step(void)
{
	uint64_t idx = VIEW;

	asm volatile("pushfq\n\t"
		     "orl $0x100, (%%rsp)\n\t"
		     "popfq\n\t"
		     "vmfunc\n\t"
		     "nop"
		     : "+c"(idx) : "a"(0) : "memory", "cc");
}

/* An unprivileged process sweeps every index while the view is in use. */
static void check_unprivileged_sweep(void)
{
	char name[128];
	int status;
	pid_t pid = fork();

	if (pid == 0) {
		uint32_t i;
		int round, wrong = 0;

		if (setgid(65534) || setuid(65534))
			_exit(2);
		for (round = 0; round < 3; round++)
			for (i = 0; i <= 520; i++) {
				int expect = (i == HV_VIEW_PLAIN || i == HV_VIEW_LANDING ||
			      i == VIEW) ? 0 : SIGILL;

				sweep_index = i;
				if (run_trapping(sweep_one) != expect)
					wrong++;
			}
		_exit(wrong ? 1 : 0);
	}
	check_round_trips();
	waitpid(pid, &status, 0);
	NAME(name, "an unprivileged process sweeping indices 0-520 three times gets #UD for every unused one");
	tap_result(WIFEXITED(status) && WEXITSTATUS(status) == 0, name,
		   "status %#x", status);
}

static void check_bad_commands(void)
{
	static const struct { const char *cmd; int err; } bad[] = {
		{ "create 0 0 0", -EINVAL }, { "create 1 0 0", -EINVAL },
		{ "create 512 0 0", -EINVAL }, { "create 2 0 0", -EBUSY },
		{ "destroy 3", -ENOENT }, { "frobnicate", -EINVAL },
		{ "create 3 1001 2000", -EINVAL },
	};
	char name[128];
	unsigned int i;
	int err;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err = view_cmd("%s", bad[i].cmd);
		NAME(name, "test view command '%s' fails with %d", bad[i].cmd,
		     bad[i].err);
		tap_result(err == bad[i].err, name, "got %d", err);
	}
}

#define SPIN_VIEW 4

static atomic_int spin_done;
static int mprotect_failures;

static void *mprotect_storm(void *page)
{
	int i = 0;

	while (!atomic_load(&spin_done))
		if (mprotect(page, 4096, (i++ & 1) ? PROT_READ | PROT_WRITE : PROT_READ))
			mprotect_failures++;
	return NULL;
}

static int spin_mode(int seconds, int ipi)
{
	struct timespec t0, t;
	pthread_t storm;
	void *page = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	long visits = 0;
	int err;

	err = view_cmd("create %d 0 0", SPIN_VIEW);
	if (err) {
		fprintf(stderr, "sb-viewtest: cannot create view %d: %s\n",
			SPIN_VIEW, strerror(-err));
		return 1;
	}
	if (ipi)
		pthread_create(&storm, NULL, mprotect_storm, page);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	do {
		uint64_t idx = SPIN_VIEW, n = 200000;

		asm volatile("vmfunc\n"
			     "1: decq %[n]\n\t"
			     "jnz 1b\n\t"
			     "xorl %%ecx, %%ecx\n\t"
			     "vmfunc"
			     : [n] "+r"(n), "+c"(idx) : "a"(0) : "memory", "cc");
		visits++;
		clock_gettime(CLOCK_MONOTONIC, &t);
	} while (t.tv_sec - t0.tv_sec < seconds);
	atomic_store(&spin_done, 1);
	if (ipi)
		pthread_join(storm, NULL);
	err = view_cmd("destroy %d", SPIN_VIEW);
	printf("# spin: %ld visits, %d mprotect failures, destroy %d\n",
	       visits, mprotect_failures, err);
	return err || mprotect_failures ? 1 : 0;
}

int main(int argc, char **argv)
{
	char name[128];
	int err, ok_views = 0, i;
	uint64_t v = 0;

	if (argc >= 3 && !strcmp(argv[1], "--spin-plain")) {
		/* VMFUNC to the plain view only: no view, no trap. */
		struct timespec t0, t;

		clock_gettime(CLOCK_MONOTONIC, &t0);
		do {
			for (i = 0; i < 100000; i++)
				vmfunc(0);
			clock_gettime(CLOCK_MONOTONIC, &t);
		} while (t.tv_sec - t0.tv_sec < atoi(argv[2]));
		return 0;
	}
	if (argc >= 3 && !strcmp(argv[1], "--spin"))
		return spin_mode(atoi(argv[2]), argc > 3 && !strcmp(argv[3], "--ipi"));
	if (argc > 2 || (argc == 2 && argv[1][0] == '-')) {
		fprintf(stderr, "usage: sb-viewtest [PREFIX] | --spin-plain SECONDS | --spin SECONDS [--ipi]\n");
		return 2;
	}
	if (argc == 2)
		prefix = argv[1];

	A = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	B = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (A == MAP_FAILED || B == MAP_FAILED)
		return 2;
	*A = MARK_A;
	*B = MARK_B;

	err = view_cmd("create %d %lx %lx", VIEW, (unsigned long)A, (unsigned long)B);
	NAME(name, "create test view %d (A shows B)", VIEW);
	tap_result(err == 0, name, "error %d", err);
	if (err)
		return tap_exit();

	for (i = 0; i < 100 && v != MARK_B; i++)
		v = peek_in_view();
	NAME(name, "in the view, A's address shows B's page");
	tap_result(v == MARK_B, name, "read %#lx", (unsigned long)v);
	NAME(name, "back in the plain view, A is A");
	tap_result(*A == MARK_A, name, "read %#lx", (unsigned long)*A);

	check_syscalls();
	check_exception(in_view_int3, "int3", SIGTRAP);
	check_exception(in_view_ud2, "ud2 (#UD)", SIGILL);
	check_exception(in_view_hlt, "hlt at CPL 3 (#GP)", SIGSEGV);
	check_exception(in_view_de, "divide by zero (#DE)", SIGFPE);
	check_exception(in_view_pf, "a NULL write (#PF)", SIGSEGV);
	check_timer();
	check_no_foreign_view();
	check_exception(in_view_single_step, "a single-step trap (#DB, IST)", SIGTRAP);
	check_sweep();
	check_unprivileged_sweep();
	check_bad_commands();

	err = view_cmd("destroy %d", VIEW);
	NAME(name, "destroy test view %d", VIEW);
	tap_result(err == 0, name, "error %d", err);
	sweep_index = VIEW;
	NAME(name, "a destroyed view cannot be entered (SIGILL)");
	tap_result(run_trapping(sweep_one) == SIGILL, name, "no SIGILL");
	for (i = 0; i < 3; i++)
		ok_views += view_cmd("create %d 0 0", VIEW) == 0 &&
			    view_cmd("destroy %d", VIEW) == 0;
	NAME(name, "view %d can be created and destroyed again", VIEW);
	tap_result(ok_views == 3, name, "%d of 3 cycles", ok_views);
	return tap_exit();
}
