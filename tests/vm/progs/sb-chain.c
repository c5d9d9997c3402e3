// SPDX-License-Identifier: GPL-2.0
/*
 * sb-chain - calls made from inside a handler: a chain A -> B -> C on A's
 * thread (docs/design.md, section 6, "Chains").
 *
 * Three processes: C serves additions and long spins (one slot); B (two
 * slots) is a client of C and of C2, and its handler forwards to them
 * with SB_CALL_NESTED; A, this process, is a client of B, and later also
 * of C with a key of its own.  Checked:
 *
 *  - N chained calls with correct results, and B's own answers in between;
 *  - chained calls whose handler in C spins for tens of milliseconds of
 *    guest time, so that interrupts take continuations two levels deep;
 *  - authority: A's root is remapped in C's view (a chain runs on A's
 *    thread), so A reaches C's view, but with B's attachment id and any
 *    key but B's C refuses (EACCES, not EPIPE: the view was reached);
 *  - forged returns: A enters C claiming to be a handler of B, to get a
 *    result delivered into B's return view, with a wrong key, with A's own
 *    valid key for C, with nonce 0 and with a bad slot: B's return view
 *    refuses each (A gets EFAULT), and B's memory and service are intact;
 *  - C2 gone: B's call to it fails with EPIPE back in B's handler, which
 *    returns normally, so B's slots are not lost (five times, two slots);
 *  - C busy: while one of A's threads holds C's only slot, a chained call
 *    from another gets EBUSY from C inside B's handler;
 *  - C4 killed while a chained call spins in it: B's handler gets ESTALE
 *    (the RootKernel returns the failed resume into B's return view);
 *  - a handler's ordinary (not nested) call fails cleanly (EOPNOTSUPP);
 *  - a fault or a system call in C's handler: B's handler gets EFAULT or
 *    ENOSYS and goes on, C's slot is released; C3 takes handoffs, but a
 *    chained call to it is not handed off (ENOSYS to B), while A's own
 *    call is;
 *  - afterwards every server view is given back.
 *
 * Lines "# measure chain" give the chained and the direct null call in
 * TSC ticks (emulated instructions on a 1-vCPU lab guest) and the VM exits
 * during the chained calls.
 *
 * Usage: sb-chain [-n CALLS]
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <x86intrin.h>

#include "sbcall.h"
#include "sysstats.h"
#include "testserver.h"
#include "../../tap.h"

enum {
	OP_ADD = 1,		/* C, B: a1 + a2 */
	OP_SPIN = 2,		/* C: spin a2 iterations, a1 + 1 */
	OP_FWD = 3,		/* B: C's OP_ADD(a1, a2) + 1000 */
	OP_FWD_SPIN = 4,	/* B: C's OP_SPIN(a1, a2) + 1000 */
	OP_FWD_C2 = 5,		/* B: C2's OP_ADD(a1, a2) + 1000 */
	OP_INFO = 6,		/* B: its C connection: view << 32 | id */
	OP_CANARY = 7,		/* B: how many canary words changed */
	OP_FWD_PLAIN = 8,	/* B: an ordinary call from the handler */
	OP_FAULT = 9,		/* C: a NULL dereference */
	OP_SYS = 10,		/* C: getpid() */
	OP_FWD_FAULT = 11,	/* B: C's OP_FAULT, + 1000 */
	OP_FWD_SYS = 12,	/* B: C's OP_SYS, + 1000 */
	OP_FWD_C3SYS = 13,	/* B: C3's (handoff) OP_SYS, + 1000 */
	OP_FWD_C4_SPIN = 14,	/* B: C4's OP_SPIN(a1, a2) + 1000 */
};

#define CANARY_WORDS	512
#define CANARY(i)	(0xb0b0000000000000ULL ^ ((uint64_t)(i) * 0x9e3779b97f4a7c15ULL))

/* In B: its connections to C, C2 and C3, and a canary nobody may write. */
static struct sbt_conn to_c, to_c2, to_c3, to_c4;
static volatile uint64_t canary[CANARY_WORDS];

static struct sbt_ret c_handler(uint64_t id, uint64_t a0, uint64_t a1,
				uint64_t a2, uint64_t a3)
{
	(void)id;
	(void)a3;
	if (a0 == OP_ADD)
		return (struct sbt_ret){ 0, a1 + a2 };
	if (a0 == OP_SPIN) {
		for (volatile uint64_t i = 0; i < a2; i++)
			;
		return (struct sbt_ret){ 0, a1 + 1 };
	}
	if (a0 == OP_FAULT)
		return (struct sbt_ret){ 0, *(volatile uint64_t *)(uintptr_t)a3 };
	if (a0 == OP_SYS) {
		long pid;

		__asm__ volatile("syscall" : "=a"(pid) : "0"(39L)	/* getpid */
				 : "rcx", "r11", "memory");
		return (struct sbt_ret){ 0, (uint64_t)pid };
	}
	return (struct sbt_ret){ -EINVAL, 0 };
}

static struct sbt_ret b_handler(uint64_t id, uint64_t a0, uint64_t a1,
				uint64_t a2, uint64_t a3)
{
	uint64_t v = 0;
	int64_t st;
	int bad = 0;

	(void)id;
	(void)a3;
	switch (a0) {
	case OP_ADD:
		return (struct sbt_ret){ 0, a1 + a2 };
	case OP_FWD:
		st = sbt_call_nested(&to_c, OP_ADD, a1, a2, 0, &v);
		return (struct sbt_ret){ st, v + 1000 };
	case OP_FWD_SPIN:
		st = sbt_call_nested(&to_c, OP_SPIN, a1, a2, 0, &v);
		return (struct sbt_ret){ st, v + 1000 };
	case OP_FWD_C2:
		st = sbt_call_nested(&to_c2, OP_ADD, a1, a2, 0, &v);
		return (struct sbt_ret){ st, v + 1000 };
	case OP_FWD_FAULT:
		st = sbt_call_nested(&to_c, OP_FAULT, 0, 0, 0, &v);
		return (struct sbt_ret){ st, v + 1000 };
	case OP_FWD_SYS:
		st = sbt_call_nested(&to_c, OP_SYS, 0, 0, 0, &v);
		return (struct sbt_ret){ st, v + 1000 };
	case OP_FWD_C4_SPIN:
		st = sbt_call_nested(&to_c4, OP_SPIN, a1, a2, 0, &v);
		return (struct sbt_ret){ st, v + 1000 };
	case OP_FWD_C3SYS:
		st = sbt_call_nested(&to_c3, OP_SYS, 0, 0, 0, &v);
		return (struct sbt_ret){ st, v + 1000 };
	case OP_INFO:
		return (struct sbt_ret){ 0, (uint64_t)to_c.view << 32 | to_c.id };
	case OP_CANARY:
		for (int i = 0; i < CANARY_WORDS; i++)
			bad += canary[i] != CANARY(i);
		return (struct sbt_ret){ 0, (uint64_t)bad };
	case OP_FWD_PLAIN:
		/*
		 * Deliberately malformed: an ordinary call's RAX (the slot
		 * thread's rseq, which T1 marked "not this CPU") from a handler.
		 */
		st = sbt_call_tag(to_c.view, to_c.id, to_c.key, OP_ADD, a1, a2,
				  0, &v, sb_rseq_area());
		return (struct sbt_ret){ st, v };
	}
	return (struct sbt_ret){ -EINVAL, 0 };
}

/*
 * chain_forge() - enter C's view at T0's VMFUNC site with a hand-made nest
 * claim, as an attacker would (deliberately hand-written: no well-formed
 * call does this; those use sbcall.h, i.e. lib/sb_tramp.h): RDI = C's view, RSI = attachment id, RDX =
 * nonce, RCX = nest id, R8 = the claimed return view, R9 = key.  Every
 * CPU's slot of this process points at the frame, so that the call ends
 * in its own T3 whatever happens; the frame holds the thread's rseq area
 * (forge_rseq), whose rseq_cs T3 clears, laid out as T0 lays it out
 * (uapi/skybridge_tramp.h, SBF_*).  Returns the status.
 */
uint64_t forge_rseq;
int64_t chain_forge(uint64_t view, uint64_t id, uint64_t nonce, uint64_t nest,
		    uint64_t rview, uint64_t key);
_Static_assert(SB_TRAMP_BASE == 0x3b0000000000ULL, "asm below hardcodes it");
__asm__(
"	.text\n"
"	.globl chain_forge\n"
"chain_forge:\n"
"	push %rbp\n"
"	push %rbx\n"
"	push %r12\n"
"	push %r13\n"
"	push %r14\n"
"	push %r15\n"
"	pushfq\n"
"	sub $8, %rsp\n"			/* SBF_FPCTL: MXCSR, FCW */
"	stmxcsr (%rsp)\n"
"	fnstcw 4(%rsp)\n"
"	rdgsbase %rax\n"
"	push %rax\n"
"	rdfsbase %rax\n"
"	push %rax\n"
"	push forge_rseq(%rip)\n"
"	mov %rdx, %r12\n"
"	mov %rcx, %r13\n"
"	mov %r8, %r14\n"
"	mov %r9, %r11\n"
"	mov %rdi, %r9\n"
"	mov %rsi, %rdi\n"
"	movabs $0x3b0000005000, %rax\n"	/* SB_TRAMP_DATA + per-CPU pages */
"	xor %ecx, %ecx\n"
"1:	mov %rsp, (%rax)\n"
"	add $64, %rax\n"
"	inc %ecx\n"
"	cmp $512, %ecx\n"
"	jb 1b\n"
"	mov %r9d, %ecx\n"
"	movabs $0x3b0000000ffd, %r10\n"	/* T0's VMFUNC site */
"	xor %eax, %eax\n"			/* VMFUNC leaf 0 */
"	jmp *%r10\n");

/* In B, on its session: the connections its handler forwards to. */
static int b_connect(int fd)
{
	int err = sbt_connect(fd, "chain-c", &to_c);

	err = err ?: sbt_connect(fd, "chain-c3", &to_c3);
	err = err ?: sbt_connect(fd, "chain-c4", &to_c4);
	return err ?: sbt_connect(fd, "chain-c2", &to_c2);
}

/* In every server process before it registers; B also connects. */
static int chain_setup(const struct testserver *s, int fd)
{
	for (int i = 0; i < CANARY_WORDS; i++)
		canary[i] = CANARY(i);
	return s->handler == b_handler ? b_connect(fd) : 0;
}

/* Start server @name in a process of its own: 0 or -errno. */
static int proc_start(struct testserver *p, const char *name, sbt_handler_t h,
		      unsigned int slots, uint32_t flags)
{
	*p = (struct testserver){ .name = name, .handler = h, .slots = slots,
				  .flags = flags, .setup = chain_setup };
	return testserver_start(p);
}

static int views_free(int fd)
{
	struct sb_info info = { .size = sizeof(info) };

	return ioctl(fd, SB_IOC_INFO, &info) ? -1 : (int)info.views_free;
}

/*
 * Sum of one of the RootKernel's counters over all CPUs: "total" (VM
 * exits) or an event (SB_IOC_SYSSTATS: sysstats.h).
 */
static long long exits_sum(const char *name)
{
	static const struct { unsigned int ev; const char *name; } ev[] = {
		SB_SYSSTATS_EVENT_NAMES
	};
	size_t i;

	if (!strcmp(name, "total"))
		return sbs_exits();
	for (i = 0; i < sizeof(ev) / sizeof(ev[0]); i++)
		if (!strcmp(ev[i].name, name))
			return sbs_event(ev[i].ev);
	return -1;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

#define SAMPLES 10000

static uint64_t median_call(const struct sbt_conn *c, uint64_t op)
{
	static uint64_t t[SAMPLES];
	uint64_t v;

	for (int i = 0; i < SAMPLES; i++) {
		uint64_t t0 = __rdtsc();

		sbt_call(c, op, 1, 2, 0, &v);
		t[i] = __rdtsc() - t0;
	}
	qsort(t, SAMPLES, sizeof(t[0]), cmp_u64);
	return t[SAMPLES / 2];
}

/* The busy test: one thread holds C's only slot with a long spin. */
static struct sbt_conn a_to_b;
static volatile int spinner_in, spinner_done;
static int64_t spinner_st;
static uint64_t spinner_v;

static void *spinner(void *arg)
{
	(void)arg;
	spinner_in = 1;
	spinner_st = sbt_call(&a_to_b, OP_FWD_SPIN, 7, 6000000, 0, &spinner_v);
	spinner_done = 1;
	return NULL;
}

/*
 * fork() right after calls: the child must live.  T0 sets rseq->rseq_cs
 * to a descriptor in the trampoline mapping, which a child does not
 * inherit; unless T3 clears it, the kernel kills the child with SIGSEGV
 * on its first return to user mode.
 */
static int fork_lives(void)
{
	pid_t p;
	int st = -1;

	p = fork();

	if (p == 0)
		_exit(7);
	if (p < 0)
		return 0;
	waitpid(p, &st, 0);
	return WIFEXITED(st) && WEXITSTATUS(st) == 7;
}

int main(int argc, char **argv)
{
	struct testserver c, c2, c3, c4, b;
	struct sbt_conn a_to_c, a_to_c3;
	uint64_t n = 100000, v = 0, wrong = 0, cview, bid, info;
	int64_t st;
	int fd, views0, opt, bad;

	while ((opt = getopt(argc, argv, "n:")) != -1) {
		if (opt != 'n') {
			fprintf(stderr, "usage: %s [-n CALLS]\n", argv[0]);
			return 2;
		}
		n = strtoull(optarg, NULL, 0);
	}
	if (optind < argc) {
		fprintf(stderr, "usage: %s [-n CALLS]\n", argv[0]);
		return 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	fd = sbt_open();
	if (fd < 0) {
		tap_result(0, "chain: session", "%s", strerror(-fd));
		return 1;
	}
	views0 = views_free(fd);
	forge_rseq = sb_rseq_area();
	if (proc_start(&c, "chain-c", c_handler, 1, 0) ||
	    proc_start(&c2, "chain-c2", c_handler, 1, 0) ||
	    proc_start(&c3, "chain-c3", c_handler, 1, SB_REGISTER_HANDOFF) ||
	    proc_start(&c4, "chain-c4", c_handler, 1, 0) ||
	    proc_start(&b, "chain-b", b_handler, 2, 0)) {
		tap_result(0, "chain: C, C2, C3, C4 and B up", "could not start them");
		return 1;
	}
	st = sbt_connect(fd, "chain-b", &a_to_b);
	tap_result(st == 0, "chain: A connects to B", "%s", strerror((int)-st));
	if (st)
		return 1;

	/* 1. Chained calls, with B's own answers in between. */
	for (uint64_t i = 0; i < n; i++) {
		st = sbt_call(&a_to_b, OP_FWD, i, 3 * i, 0, &v);
		if (st || v != 4 * i + 1000) {
			if (wrong++ < 5)
				printf("# call %llu: status %lld value %llu\n",
				       (unsigned long long)i, (long long)st,
				       (unsigned long long)v);
		}
		if (i % 1000 == 0) {
			st = sbt_call(&a_to_b, OP_ADD, i, 5, 0, &v);
			wrong += st || v != i + 5;
		}
	}
	tap_result(wrong == 0, "chain: A -> B -> C calls all correct",
		   "%llu of %llu wrong", (unsigned long long)wrong,
		   (unsigned long long)n);
	tap_result(fork_lives(), "chain: a fork() right after the calls: the child lives",
		   "the child died");
	for (int i = 0; i < 10; i++)
		sbt_call(&a_to_b, OP_ADD, i, 1, 0, &v);
	tap_result(fork_lives(), "a fork() right after direct calls: the child lives (T3 clears rseq_cs)",
		   "the child died");

	/* 2. Long handlers in C: interrupts while two levels deep. */
	{
		long long saved0 = exits_sum("CONT_SAVED");
		uint64_t t0 = __rdtsc(), t;

		wrong = 0;
		for (int i = 0; i < 5; i++) {
			st = sbt_call(&a_to_b, OP_FWD_SPIN, i, 3000000, 0, &v);
			wrong += st || v != (uint64_t)i + 1 + 1000;
		}
		t = (__rdtsc() - t0) / 5;
		printf("# chain: a spinning chained call took %llu TSC ticks; continuations saved %lld\n",
		       (unsigned long long)t, exits_sum("CONT_SAVED") - saved0);
		tap_result(wrong == 0, "chain: 5 chained calls whose handler in C spins (3 M iterations) all correct",
			   "%llu wrong (last status %lld value %llu)",
			   (unsigned long long)wrong, (long long)st,
			   (unsigned long long)v);
	}

	/* 3. A reaches C's view but has no authority there. */
	st = sbt_call(&a_to_b, OP_INFO, 0, 0, 0, &info);
	cview = info >> 32;
	bid = info & 0xffffffff;
	bad = 0;
	srand(getpid());
	for (int i = 0; i < 1000 && st == 0; i++) {
		uint64_t key = (uint64_t)rand() << 33 ^ (uint64_t)rand() << 11 ^
			       (uint64_t)rand();

		st = sbt_call_raw(cview, bid, i ? key : 0, OP_ADD, 1, 2, 0, &v);
		bad += st != -EACCES;
		if (st == -EACCES)
			st = 0;
	}
	tap_result(bad == 0 && st == 0,
		   "chain: A calls C's view with B's attachment id and 1000 wrong keys: EACCES each time (the view is reached, the key refuses)",
		   "%d not EACCES, last status %lld", bad, (long long)st);

	/* 4. Forged returns into B's return view. */
	{
		uint64_t rview = a_to_b.view + 1;
		int64_t f1, f2, f3, f4, f5;

		f1 = chain_forge(cview, bid, 0x1234567890abcdefULL, 1, rview, 0);
		f2 = chain_forge(cview, bid, 0, 1, rview, 0);
		f3 = chain_forge(cview, bid, 0x55, 65, rview, 0);
		st = sbt_connect(fd, "chain-c", &a_to_c);
		f4 = st ? st : chain_forge(a_to_c.view, a_to_c.id,
					   0xfeedfacecafebeefULL, 1, rview,
					   a_to_c.key);
		/* A claim that is no return view: an ordinary refusal. */
		f5 = chain_forge(cview, bid, 0x77, 1, a_to_b.view, 0);
		printf("# chain: forged returns: statuses %lld %lld %lld %lld %lld\n",
		       (long long)f1, (long long)f2, (long long)f3,
		       (long long)f4, (long long)f5);
		tap_result(f1 == -EFAULT && f2 == -EFAULT && f3 == -EFAULT,
			   "chain: a return into B's return view with a guessed nonce, nonce 0 or a bad slot is refused there (EFAULT to A)",
			   "statuses %lld %lld %lld", (long long)f1,
			   (long long)f2, (long long)f3);
		tap_result(f4 == -EFAULT,
			   "chain: the same with A's own valid key for C: C serves A, the return into B's view is refused (EFAULT)",
			   "status %lld", (long long)f4);
		tap_result(f5 == -EACCES,
			   "chain: a nest claim naming a view that is not a return view is an ordinary call (EACCES for the key)",
			   "status %lld", (long long)f5);
		st = sbt_call(&a_to_b, OP_CANARY, 0, 0, 0, &v);
		tap_result(st == 0 && v == 0, "chain: B's memory is intact after the forgeries",
			   "status %lld, %llu canary words changed",
			   (long long)st, (unsigned long long)v);
		st = sbt_call(&a_to_b, OP_FWD, 20, 22, 0, &v);
		tap_result(st == 0 && v == 1042,
			   "chain: B still serves chained calls after the forgeries",
			   "status %lld value %llu", (long long)st,
			   (unsigned long long)v);
		st = sbt_call(&a_to_c, OP_ADD, 2, 3, 0, &v);
		tap_result(st == 0 && v == 5, "chain: C still serves A's own calls",
			   "status %lld value %llu", (long long)st,
			   (unsigned long long)v);
	}

	/* 5. An ordinary call from inside a handler: refused cleanly. */
	st = sbt_call(&a_to_b, OP_FWD_PLAIN, 1, 2, 0, &v);
	tap_result(st == -EOPNOTSUPP,
		   "chain: a handler's call without SB_CALL_NESTED fails with EOPNOTSUPP",
		   "status %lld value %llu", (long long)st, (unsigned long long)v);

	/*
	 * 6. A fault or a system call in C's handler (C has one slot): the
	 * error goes to B's handler, which goes on (value 1000), and C's slot
	 * is free again.  C3 takes handoffs, but not for a chained call: B
	 * gets ENOSYS; A's own call to C3 is handed off as usual.
	 */
	{
		int64_t s1, s2, s3, s4;
		uint64_t v1 = 0, v2 = 0, v3 = 0, v4 = 0;

		s1 = sbt_call(&a_to_b, OP_FWD_FAULT, 0, 0, 0, &v1);
		s2 = sbt_call(&a_to_b, OP_FWD_SYS, 0, 0, 0, &v2);
		s3 = sbt_call(&a_to_b, OP_FWD_C3SYS, 0, 0, 0, &v3);
		st = sbt_call(&a_to_b, OP_FWD, 30, 40, 0, &v);
		printf("# chain: C faults: %lld/%llu, C makes a system call: %lld/%llu, C3 (handoff) makes one: %lld/%llu, then %lld/%llu\n",
		       (long long)s1, (unsigned long long)v1, (long long)s2,
		       (unsigned long long)v2, (long long)s3,
		       (unsigned long long)v3, (long long)st,
		       (unsigned long long)v);
		tap_result(s1 == -EFAULT && v1 == 1000,
			   "chain: a fault in C's handler gives EFAULT to B's handler, which goes on",
			   "status %lld value %llu", (long long)s1,
			   (unsigned long long)v1);
		tap_result(s2 == -ENOSYS && v2 == 1000,
			   "chain: a system call in C's handler gives ENOSYS to B's handler, which goes on",
			   "status %lld value %llu", (long long)s2,
			   (unsigned long long)v2);
		tap_result(s3 == -ENOSYS && v3 == 1000,
			   "chain: a system call in a chained call to a handoff server is not handed off: ENOSYS to B's handler",
			   "status %lld value %llu", (long long)s3,
			   (unsigned long long)v3);
		tap_result(st == 0 && v == 1070,
			   "chain: C's only slot is free again after the failed calls",
			   "status %lld value %llu", (long long)st,
			   (unsigned long long)v);
		st = sbt_connect(fd, "chain-c3", &a_to_c3);
		s4 = st ? st : sbt_call_wait(&a_to_c3, OP_SYS, 0, 0, 0, &v4);
		tap_result(s4 == 0 && v4 == (uint64_t)c3.pid,
			   "chain: A's own call to C3 that makes a system call is handed off and gets C3's pid",
			   "status %lld value %llu, C3 is %d", (long long)s4,
			   (unsigned long long)v4, (int)c3.pid);
	}

	/* 7. C2 goes away: B's calls to it fail inside B, B's slots stay. */
	st = sbt_call(&a_to_b, OP_FWD_C2, 1, 1, 0, &v);
	tap_result(st == 0 && v == 1002, "chain: B forwards to C2 while C2 is up",
		   "status %lld value %llu", (long long)st, (unsigned long long)v);
	testserver_stop(&c2);
	bad = 0;
	for (int i = 0; i < 5; i++) {
		st = sbt_call(&a_to_b, OP_FWD_C2, 1, 1, 0, &v);
		bad += st != -EPIPE;
	}
	tap_result(bad == 0, "chain: with C2 gone, B's call to it fails with EPIPE inside B's handler (5 times)",
		   "%d of 5 otherwise, last status %lld", bad, (long long)st);
	st = sbt_call(&a_to_b, OP_FWD, 5, 6, 0, &v);
	tap_result(st == 0 && v == 1011, "chain: B's two slots were not lost to the failed calls",
		   "status %lld value %llu", (long long)st, (unsigned long long)v);

	/* 8. C's only slot busy: a chained call gets EBUSY inside B. */
	{
		pthread_t t;
		int busy = 0, others = 0, tries = 0;

		if (pthread_create(&t, NULL, spinner, NULL) == 0) {
			while (!spinner_in)
				sched_yield();
			while (!spinner_done && tries < 100000) {
				st = sbt_call(&a_to_b, OP_FWD, 1, 2, 0, &v);
				tries++;
				if (st == -EBUSY)
					busy++;
				else if (st != 0 || v != 1003)
					others++;
				if (busy)
					break;
			}
			pthread_join(t, NULL);
		}
		printf("# chain: busy: %d tries, %d EBUSY, %d other failures; the spinner: status %lld value %llu\n",
		       tries, busy, others, (long long)spinner_st,
		       (unsigned long long)spinner_v);
		tap_result(busy > 0 && others == 0 && spinner_st == 0 &&
			   spinner_v == 1008,
			   "chain: while C's only slot is held, a chained call gets EBUSY from C inside B; the holder's result is right",
			   "%d EBUSY, %d others, holder status %lld value %llu",
			   busy, others, (long long)spinner_st,
			   (unsigned long long)spinner_v);
		st = sbt_call(&a_to_b, OP_FWD, 9, 9, 0, &v);
		tap_result(st == 0 && v == 1018, "chain: afterwards B and C serve again",
			   "status %lld value %llu", (long long)st,
			   (unsigned long long)v);
	}

	/*
	 * 9. C4 killed while a chained call spins in it (interrupted there,
	 * so a continuation holds it): the call cannot resume, and B's
	 * handler, not only A, gets ESTALE; B's slot comes back.
	 */
	{
		pid_t killer = fork();
		uint64_t t0;

		if (killer == 0) {
			usleep(300000);
			kill(c4.pid, SIGKILL);
			_exit(0);
		}
		t0 = __rdtsc();
		st = sbt_call(&a_to_b, OP_FWD_C4_SPIN, 1, 100000000, 0, &v);
		printf("# chain: C4 killed mid-call: status %lld value %llu after %llu ticks\n",
		       (long long)st, (unsigned long long)v,
		       (unsigned long long)(__rdtsc() - t0));
		waitpid(killer, NULL, 0);
		testserver_wait(&c4);
		tap_result(st == -ESTALE && v == 1000,
			   "chain: C4 killed during a chained call: B's handler gets ESTALE and answers A",
			   "status %lld value %llu", (long long)st,
			   (unsigned long long)v);
		bad = 0;
		for (int i = 0; i < 3; i++) {
			st = sbt_call(&a_to_b, OP_FWD, i, 1, 0, &v);
			bad += st || v != (uint64_t)i + 1001;
		}
		tap_result(bad == 0, "chain: afterwards B's slots and C serve again",
			   "%d of 3 wrong, last status %lld value %llu", bad,
			   (long long)st, (unsigned long long)v);
	}

	/* 10. Measure: chained and direct null calls, VM exits. */
	{
		long long e0 = exits_sum("total"), e1;
		uint64_t chained = median_call(&a_to_b, OP_FWD);
		uint64_t direct;

		e1 = exits_sum("total");
		direct = median_call(&a_to_b, OP_ADD);
		printf("# measure chain: A -> B -> C -> B -> A round trip median %llu TSC ticks, A -> B -> A %llu (%d samples each); VM exits during the %d chained calls: %lld\n",
		       (unsigned long long)chained, (unsigned long long)direct,
		       SAMPLES, SAMPLES, e1 - e0);
	}

	/* 11. Everything given back. */
	close(a_to_c.fd);
	close(a_to_c3.fd);
	close(a_to_b.fd);
	testserver_stop(&b);
	testserver_stop(&c);
	testserver_stop(&c3);
	{
		int views1 = -1;

		for (int i = 0; i < 50 && (views1 = views_free(fd)) != views0; i++)
			usleep(100000);
		tap_result(views1 == views0, "chain: every server view is given back",
			   "views free before %d, after %d", views0, views1);
	}
	return tap_failures ? 1 : 0;
}
