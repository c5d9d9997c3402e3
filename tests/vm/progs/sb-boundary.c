// SPDX-License-Identifier: GPL-2.0
/*
 * sb-boundary - the boundary contract (docs/design.md section 6, "The
 * boundary"), attacked from both sides.  Every architectural register and
 * flag that one side leaves behind must not reach the other: a client's
 * flags, GS base and control words must not reach a handler, a server's
 * must not reach the client, and the RootKernel must not keep a server's
 * registers when a client corrupts or unmaps the memory it reads on the
 * way out.  Each attack first shows that its mechanism works where it must
 * (in the attacker's own process), so that no check passes because the
 * operation itself failed.
 *
 * Usage: sb-boundary df | ac | fpctl | gsbase | frame | canonical | all
 *
 *  df         a client calls with RFLAGS.DF set; the handler's "rep stosb"
 *             must run forwards (issue 19, item 1)
 *  ac         a client calls with RFLAGS.AC set into a handoff server whose
 *             handler makes an unaligned load: no #AC, no SIGBUS (item 2)
 *  fpctl      handlers change MXCSR and the x87 control word, once
 *             returning normally and once jumping straight to T1's last
 *             VMFUNC: the client gets its own back (item 3)
 *  gsbase     the client's GS base does not reach the handler (item 4)
 *  frame      a thread's stack is unmapped while its call is interrupted
 *             in a handler that holds secrets in R15 and XMM7: the thread
 *             never sees them, and the server's slot comes back (item 10)
 *  canonical  the same with a non-canonical FS base written into the
 *             thread's frame: no VM-entry failure, no hang (item 8)
 */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <ucontext.h>
#include <unistd.h>

#include "uapi/skybridge_tramp.h"
#include "sbcall.h"
#include "testserver.h"
#include "../../tap.h"

#define T1_SITE		(SB_TRAMP_BASE + SBT_VMFUNC_SITE(SBT_T1))
#define F_DF		0x400ULL
#define F_AC		0x40000ULL
#define MAGIC		0x6f776e6564212121ULL	/* "owned!!!" */
#define SECRET		0x5ec7e75ec7e75ec7ULL
#define SECRET_GS	0x00007f1234560000ULL
#define MXCSR_SERVER	0x1d80		/* divide-by-zero unmasked */
#define FCW_SERVER	0x037b		/* x87 zero-divide unmasked */
#define MXCSR_CLIENT	0x7f80		/* round toward zero, all masked */
#define FCW_CLIENT	0x0f7f		/* round toward zero, all masked */

enum { OP_FLAGS = 1, OP_STOS, OP_GSBASE, OP_FPCTL, OP_FPCTL_SKIP,
       OP_UNALIGNED, OP_SECRETS, OP_PING };

/* The server's memory: a target with guard pages on both sides. */
static unsigned char area[3 * 4096] __attribute__((aligned(4096)));

static uint64_t read_flags(void)
{
	uint64_t f;

	__asm__ volatile("pushfq; pop %0" : "=r"(f));
	return f;
}

/*
 * "rep stosb" of 64 bytes at @dst with whatever DF is; the flags it ran
 * with.  Leaves DF clear.
 */
static uint64_t stos_probe(unsigned char *dst)
{
	uint64_t n = 64, f;

	__asm__ volatile("pushfq; pop %[f]; rep stosb; cld"
			 : [f] "=&r"(f), "+D"(dst), "+c"(n) : "a"(0x55) : "memory");
	return f;
}

/* Bytes of @a outside [4096, 4160) that are not zero; @a cleared. */
static unsigned int guard_damage(unsigned char *a)
{
	unsigned int bad = 0, i;

	for (i = 0; i < sizeof(area); i++) {
		if ((i < 4096 || i >= 4160) && a[i])
			bad++;
		a[i] = 0;
	}
	return bad;
}

static uint64_t rdgsbase(void)
{
	uint64_t v;

	__asm__ volatile("rdgsbase %0" : "=r"(v));
	return v;
}

static void wrgsbase(uint64_t v)
{
	__asm__ volatile("wrgsbase %0" : : "r"(v) : "memory");
}

static uint32_t get_mxcsr(void)
{
	uint32_t v;

	__asm__ volatile("stmxcsr %0" : "=m"(v));
	return v;
}

static uint16_t get_fcw(void)
{
	uint16_t v;

	__asm__ volatile("fnstcw %0" : "=m"(v));
	return v;
}

static void set_fpctl(uint32_t mxcsr, uint16_t fcw)
{
	__asm__ volatile("ldmxcsr %0; fldcw %1" : : "m"(mxcsr), "m"(fcw));
}

/* ---- the server ------------------------------------------------------- */

/*
 * Secrets in R15 and XMM7 while it spins @n iterations.  On a page of its
 * own (the padding after it keeps everything else off that page), so that
 * an attacker can make just this code fault in its own address space.
 */
__attribute__((noinline, section(".text.bnd_secret"), aligned(4096)))
static void secret_spin(uint64_t n)
{
	__asm__ volatile("push %%r15\n\t"
			 "movabs %1, %%r15\n\t"
			 "movq %%r15, %%xmm7\n\t"
			 "1: dec %0\n\t"
			 "jnz 1b\n\t"
			 "pop %%r15\n\t"
			 "pxor %%xmm7, %%xmm7"
			 : "+r"(n) : "i"(SECRET) : "xmm7", "cc");
}

__attribute__((noinline, used, section(".text.bnd_secret"), aligned(4096)))
static void secret_pad(void)
{
	__asm__ volatile("nop");
}

static struct sbt_ret handler(uint64_t id, uint64_t op, uint64_t a1,
			      uint64_t a2, uint64_t a3)
{
	uint64_t v = 0, f;

	(void)id; (void)a2; (void)a3;
	switch (op) {
	case OP_FLAGS:
		return (struct sbt_ret){ 0, read_flags() };
	case OP_STOS:
		f = stos_probe(area + 4096);
		return (struct sbt_ret){ guard_damage(area), f };
	case OP_GSBASE:
		return (struct sbt_ret){ 0, rdgsbase() };
	case OP_FPCTL:
		set_fpctl(MXCSR_SERVER, FCW_SERVER);
		return (struct sbt_ret){ 0, 0 };
	case OP_FPCTL_SKIP:
		/* Skip T1's clearing: straight to its VMFUNC, to the landing view. */
		__asm__ volatile("ldmxcsr %0; fldcw %1\n\t"
				 "xor %%eax, %%eax\n\t"	/* VMFUNC leaf 0 */
				 "mov $1, %%ecx\n\t"		/* the landing view */
				 "mov %2, %%rdi\n\t"
				 "xor %%esi, %%esi\n\t"
				 "jmp *%3"
				 : : "m"((uint32_t){ MXCSR_SERVER }),
				     "m"((uint16_t){ FCW_SERVER }),
				     "i"(MAGIC), "r"(T1_SITE)
				 : "rax", "rcx", "rdi", "rsi", "memory");
		__builtin_unreachable();
	case OP_UNALIGNED:
		f = read_flags();
		__asm__ volatile("mov (%1), %0" : "=r"(v) : "r"(area + 4097));
		return (struct sbt_ret){ 0, f };
	case OP_SECRETS:
		secret_spin(a1);
		return (struct sbt_ret){ 0, 0 };
	case OP_PING:
		return (struct sbt_ret){ 0, 0x9119 };
	}
	return (struct sbt_ret){ -EINVAL, 0 };
}

/* ---- client side ------------------------------------------------------ */

/*
 * A call with @set (DF, AC) set in RFLAGS over the call; the flags the
 * client had right after it returned in *@after.  One asm block: nothing
 * compiled runs with DF or AC set.
 */
static int64_t call_flags(const struct sbt_conn *c, uint64_t op,
			  uint64_t set, uint64_t *value, uint64_t *after)
{
	register uint64_t rax __asm__("rax") = sb_rseq_area();
	register uint64_t rcx __asm__("rcx") = SB_TRAMP_BASE + SB_CALL_OFFSET;
	register uint64_t rdi __asm__("rdi") = c->id;
	register uint64_t rsi __asm__("rsi") = op;
	register uint64_t rdx __asm__("rdx") = 0;
	register uint64_t r10 __asm__("r10") = 0;
	register uint64_t r8 __asm__("r8") = 0;
	register uint64_t r9 __asm__("r9") = c->view;
	register uint64_t r11 __asm__("r11") = c->key;
	uint64_t rbx = set;

	__asm__ volatile(
		"mov	%%rsp, %%r12\n\t"
		"sub	$128, %%rsp\n\t"
		"and	$-16, %%rsp\n\t"
		"pushfq\n\t"
		"or	%%rbx, (%%rsp)\n\t"
		"popfq\n\t"
		"call	*%%rcx\n\t"
		"pushfq\n\t"
		"pop	%%rbx\n\t"
		"pushfq\n\t"
		"andq	$~0x40400, (%%rsp)\n\t"
		"popfq\n\t"
		"mov	%%r12, %%rsp"
		: "+r"(rax), "+r"(rcx), "+r"(rdi), "+r"(rsi), "+r"(rdx),
		  "+r"(r10), "+r"(r8), "+r"(r9), "+r"(r11), "+b"(rbx)
		:
		: "r12", "memory", "cc", "xmm0", "xmm1", "xmm2", "xmm3", "xmm4",
		  "xmm5", "xmm6", "xmm7", "xmm8", "xmm9", "xmm10", "xmm11",
		  "xmm12", "xmm13", "xmm14", "xmm15", "st", "st(1)", "st(2)",
		  "st(3)", "st(4)", "st(5)", "st(6)", "st(7)");
	*value = rdx;
	*after = rbx;
	return (int64_t)rax;
}

static int session = -1;

static int server_up(struct testserver *s, const char *name, uint32_t flags,
		     unsigned int slots, struct sbt_conn *c)
{
	int err;

	*s = (struct testserver){ .name = name, .handler = handler,
				  .slots = slots, .flags = flags };
	err = testserver_start(s);
	if (err)
		return err;
	if (session < 0)
		session = sbt_open();
	if (session < 0)
		return session;
	return sbt_connect(session, name, c);
}

static void attack_df(void)
{
	struct testserver s;
	struct sbt_conn c;
	uint64_t v, after, f;
	unsigned char mine[sizeof(area)] __attribute__((aligned(16)));
	int64_t st;
	int err;

	/* The mechanism: with DF set, rep stosb runs backwards. */
	memset(mine, 0, sizeof(mine));
	__asm__ volatile("std" ::: "memory");
	f = stos_probe(mine + 4096);
	tap_result((f & F_DF) && guard_damage(mine) == 63,
		   "df: precondition: rep stosb with DF set writes 63 bytes below its target",
		   "flags 0x%lx", (unsigned long)f);

	err = server_up(&s, "bnd-df", 0, 1, &c);
	if (!tap_result(!err, "df: server and connection", "%s", strerror(-err)))
		return;
	st = call_flags(&c, OP_STOS, F_DF, &v, &after);
	tap_result(st == 0 && !(v & F_DF),
		   "df: a handler called with the client's DF set runs with DF clear, and writes nothing outside its target",
		   "status %ld (guard bytes written), handler's flags 0x%lx",
		   (long)st, (unsigned long)v);
	tap_result(after & F_DF, "df: the client gets its own DF back",
		   "flags after 0x%lx", (unsigned long)after);
	st = call_flags(&c, OP_FLAGS, F_DF | F_AC, &v, &after);
	tap_result(st == 0 && !(v & (F_DF | F_AC | 0x100 | 0x4000)),
		   "df: the handler starts with DF, AC, TF and NT clear",
		   "status %ld, flags 0x%lx", (long)st, (unsigned long)v);
	tap_result(testserver_stop(&s) == 0, "df: the server lived", "ended %d",
		   testserver_result(&s));
}

static void attack_ac(void)
{
	struct testserver s;
	struct sbt_conn c;
	uint64_t v = 0, after;
	int64_t st;
	pid_t pid;
	int err, status = 0;

	/*
	 * The mechanism: with AC set, an unaligned load raises #AC, SIGBUS
	 * (in a child: AC stays set in a signal handler, and libc code is not
	 * written for it).
	 */
	pid = fork();
	if (pid == 0) {
		__asm__ volatile("pushfq; orq $0x40000, (%%rsp); popfq\n\t"
				 "mov (%1), %0\n\t"
				 "pushfq; andq $~0x40000, (%%rsp); popfq"
				 : "=r"(v) : "r"(area + 4097) : "cc", "memory");
		_exit(0);
	}
	waitpid(pid, &status, 0);
	tap_result(WIFSIGNALED(status) && WTERMSIG(status) == SIGBUS,
		   "ac: precondition: an unaligned load with AC set raises SIGBUS here",
		   "child status 0x%x", status);

	err = server_up(&s, "bnd-ac", SB_REGISTER_HANDOFF, 2, &c);
	if (!tap_result(!err, "ac: handoff server and connection", "%s", strerror(-err)))
		return;
	st = call_flags(&c, OP_UNALIGNED, F_AC, &v, &after);
	if (st == SB_STATUS_HANDOFF)
		st = sbt_wait(&c, &v);
	tap_result(st == 0 && !(v & F_AC),
		   "ac: a handler called with the client's AC set runs with AC clear: its unaligned load does not fault",
		   "status %ld, handler's flags 0x%lx", (long)st, (unsigned long)v);
	tap_result(after & F_AC, "ac: the client gets its own AC back",
		   "flags after 0x%lx", (unsigned long)after);
	st = sbt_call(&c, OP_PING, 0, 0, 0, &v);
	tap_result(st == 0 && v == 0x9119, "ac: the server still serves",
		   "status %ld", (long)st);
	tap_result(testserver_stop(&s) == 0, "ac: the server lived (no SIGBUS)",
		   "ended %d", testserver_result(&s));
}

static sigjmp_buf fpe_env;

static void on_fpe(int sig)
{
	siglongjmp(fpe_env, sig);
}

static void attack_fpctl(void)
{
	struct sigaction sa = { .sa_handler = on_fpe };
	struct testserver s;
	struct sbt_conn c;
	volatile float zero = 0.0f, r = 0;
	volatile int got;
	uint32_t mx;
	uint16_t cw;
	uint64_t v;
	int64_t st;
	int err;

	err = server_up(&s, "bnd-fp", 0, 2, &c);
	if (!tap_result(!err, "fpctl: server and connection", "%s", strerror(-err)))
		return;
	set_fpctl(MXCSR_CLIENT, FCW_CLIENT);
	st = sbt_call(&c, OP_FPCTL, 0, 0, 0, &v);
	mx = get_mxcsr();
	cw = get_fcw();
	set_fpctl(0x1f80, 0x037f);
	tap_result(st == 0 && mx == MXCSR_CLIENT && cw == FCW_CLIENT,
		   "fpctl: a handler that changes MXCSR and FCW: the client gets its own back",
		   "status %ld, MXCSR 0x%x FCW 0x%x (want 0x%x 0x%x)", (long)st,
		   mx, cw, MXCSR_CLIENT, FCW_CLIENT);

	set_fpctl(MXCSR_CLIENT, FCW_CLIENT);
	st = sbt_call(&c, OP_FPCTL_SKIP, 0, 0, 0, &v);
	mx = get_mxcsr();
	cw = get_fcw();
	tap_result((uint64_t)st == MAGIC,
		   "fpctl: precondition: a handler jumps to T1's last VMFUNC, skipping T1, and its status reaches the client",
		   "status 0x%lx", (unsigned long)st);
	tap_result(mx == MXCSR_CLIENT && cw == FCW_CLIENT,
		   "fpctl: ... and the client still gets its own MXCSR and FCW back",
		   "MXCSR 0x%x FCW 0x%x (want 0x%x 0x%x)", mx, cw, MXCSR_CLIENT,
		   FCW_CLIENT);
	set_fpctl(0x1f80, 0x037f);
	sigaction(SIGFPE, &sa, NULL);
	got = sigsetjmp(fpe_env, 1);
	if (!got)
		r = 1.0f / zero;
	signal(SIGFPE, SIG_DFL);
	tap_result(!got, "fpctl: 1.0f/0.0f in the client afterwards raises nothing",
		   "signal %d (result %f)", got, (double)r);
	testserver_kill(&s, SIGKILL);
}

static void attack_gsbase(void)
{
	struct testserver s;
	struct sbt_conn c;
	uint64_t v = ~0ULL, mine;
	int64_t st;
	int err;

	err = server_up(&s, "bnd-gs", 0, 1, &c);
	if (!tap_result(!err, "gsbase: server and connection", "%s", strerror(-err)))
		return;
	wrgsbase(SECRET_GS);
	mine = rdgsbase();
	st = sbt_call(&c, OP_GSBASE, 0, 0, 0, &v);
	tap_result(mine == SECRET_GS, "gsbase: precondition: the client's GS base is its secret",
		   "0x%lx", (unsigned long)mine);
	mine = rdgsbase();
	wrgsbase(0);
	tap_result(st == 0 && v == 0,
		   "gsbase: the handler sees GS base 0, not the client's",
		   "status %ld, handler's GS base 0x%lx", (long)st, (unsigned long)v);
	tap_result(mine == SECRET_GS, "gsbase: the client gets its own GS base back",
		   "0x%lx", (unsigned long)mine);
	tap_result(testserver_stop(&s) == 0, "gsbase: the server lived", "ended %d",
		   testserver_result(&s));
}

/* ---- frame: the RootKernel reads the client's memory on the way out ---- */

/*
 * What the victim thread saw in its fatal-signal handler: written to a pipe
 * with a raw write(2) (its FS base may be anything: no TLS, no libc).
 */
struct seen {
	uint64_t sig, r15, xmm7, fs, rip;
};
static int seen_fd = -1;

static void raw_exit(int code)
{
	__asm__ volatile("syscall" : : "a"(SYS_exit_group), "D"(code) : "rcx", "r11", "memory");
	__builtin_unreachable();
}

static void on_fatal(int sig, siginfo_t *si, void *ctx)
{
	ucontext_t *uc = ctx;
	struct seen s = { .sig = (uint64_t)sig };
	long ret;

	(void)si;
	s.r15 = uc->uc_mcontext.gregs[REG_R15];
	s.rip = uc->uc_mcontext.gregs[REG_RIP];
	if (uc->uc_mcontext.fpregs)
		memcpy(&s.xmm7, &uc->uc_mcontext.fpregs->_xmm[7], 8);
	__asm__ volatile("rdfsbase %0" : "=r"(s.fs));
	__asm__ volatile("syscall" : "=a"(ret)
			 : "a"(SYS_write), "D"(seen_fd), "S"(&s), "d"(sizeof(s))
			 : "rcx", "r11", "memory");
	raw_exit(0);
}

#define VSTACK	(256 * 1024)
static char *victim_stack;
static struct sbt_conn fconn;
static volatile int victim_in, victim_done;
static volatile int64_t victim_status;
static int fattack;	/* 0: unmap the stack; 1: a non-canonical FS base */

/* The call, with its frame well below the thread's TCB (glibc puts it at
 * the top of the stack it is given). */
__attribute__((noinline)) static void victim_call(void)
{
	uint64_t v;

	victim_in = 1;
	/* About 2 s of guest time in the handler. */
	victim_status = sbt_call(&fconn, OP_SECRETS, 100000000, 0, 0, &v);
	victim_done = 1;
}

static void *victim(void *p)
{
	volatile char pad[32 * 1024];
	stack_t ss = { .ss_size = 64 * 1024 };

	(void)p;
	pad[0] = 0;
	__asm__ volatile("" : : "r"(pad) : "memory");
	ss.ss_sp = mmap(NULL, ss.ss_size, PROT_READ | PROT_WRITE,
			MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (ss.ss_sp == MAP_FAILED || sigaltstack(&ss, NULL))
		raw_exit(25);
	victim_call();
	return NULL;
}

static int last_cpu(void)
{
	return (int)sysconf(_SC_NPROCESSORS_ONLN) - 1;
}

/*
 * In a child: the victim thread calls the secret-holding handler; this
 * thread, on the same CPU, runs only while the victim is taken out of the
 * call by an interrupt, and then breaks the victim's own memory.
 */
static void frame_child(int wfd)
{
	struct sigaction sa = { .sa_sigaction = on_fatal, .sa_flags = SA_SIGINFO | SA_ONSTACK };
	pthread_attr_t at;
	cpu_set_t set;
	pthread_t t;
	uint64_t frame;

	seen_fd = wfd;
	CPU_ZERO(&set);
	CPU_SET(last_cpu(), &set);
	sched_setaffinity(0, sizeof(set), &set);
	victim_stack = mmap(NULL, VSTACK, PROT_READ | PROT_WRITE,
			    MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
	if (victim_stack == MAP_FAILED)
		_exit(20);
	sigaction(SIGSEGV, &sa, NULL);
	sigaction(SIGBUS, &sa, NULL);
	sigaction(SIGILL, &sa, NULL);
	sigaction(SIGTRAP, &sa, NULL);
	pthread_attr_init(&at);
	pthread_attr_setstack(&at, victim_stack, VSTACK);
	if (pthread_create(&t, &at, victim, NULL))
		_exit(21);
	while (!victim_in)
		sched_yield();
	usleep(100 * 1000);	/* the victim is in the handler, interrupted */
	/* Its frame: the RSP T0 left in this CPU's return slot. */
	frame = *(volatile uint64_t *)(SB_TRAMP_BASE + SBT_CPU +
				       ((uint64_t)last_cpu() << SBT_CPU_SHIFT));
	if (frame < (uint64_t)victim_stack + 4096 ||
	    frame >= (uint64_t)victim_stack + VSTACK - 16 * 1024)
		_exit(22);
	if (fattack == 0) {
		/* The pages around the frame; not the TCB at the top. */
		munmap((void *)((frame & ~4095UL) - 4096), 2 * 4096);
	} else {
		((volatile uint64_t *)frame)[SBF_FS / 8] = 0x8000000000000000ULL;
		((volatile uint64_t *)frame)[SBF_GS / 8] = 0x8000000000000000ULL;
	}
	/* The handler's spin, as this process sees it, faults from now on. */
	mprotect((void *)(uintptr_t)secret_spin, 4096, PROT_NONE);
	pthread_join(t, NULL);
	/* The call ended some other way: say how. */
	{
		struct seen s = { .sig = 0, .r15 = (uint64_t)victim_status };

		if (write(wfd, &s, sizeof(s)) != sizeof(s))
			_exit(23);
	}
	_exit(0);
}

static void attack_frame(int how)
{
	const char *what = how ? "canonical" : "frame";
	struct testserver s;
	struct seen seen = { 0 };
	char name[32];
	int fds[2], err, status = 0;
	uint64_t v;
	int64_t st;
	pid_t pid;
	ssize_t n;

	snprintf(name, sizeof(name), "bnd-%s", what);
	err = server_up(&s, name, 0, 1, &fconn);
	if (!tap_result(!err, "frame: server and connection", "%s: %s", what,
			strerror(-err)))
		return;
	if (pipe(fds))
		return;
	fattack = how;
	pid = fork();
	if (pid == 0) {
		close(fds[0]);
		/* A fresh session: the parent's is not this process's. */
		session = sbt_open();
		if (session < 0 || sbt_connect(session, name, &fconn))
			_exit(24);
		frame_child(fds[1]);
	}
	close(fds[1]);
	n = read(fds[0], &seen, sizeof(seen));
	close(fds[0]);
	waitpid(pid, &status, 0);
	tap_result(n == sizeof(seen) || WIFSIGNALED(status),
		   "frame: precondition: the victim's call was interrupted and its memory broken",
		   "%s: read %zd, child status 0x%x", what, n, status);
	tap_result(seen.r15 != SECRET && seen.xmm7 != SECRET,
		   "frame: the victim never sees the handler's R15 or XMM7",
		   "%s: signal %lu at 0x%lx, R15 0x%lx XMM7 0x%lx FS 0x%lx", what,
		   (unsigned long)seen.sig, (unsigned long)seen.rip,
		   (unsigned long)seen.r15, (unsigned long)seen.xmm7,
		   (unsigned long)seen.fs);
	printf("# %s: victim ended by signal %lu at 0x%lx, FS base 0x%lx, child status 0x%x\n",
	       what, (unsigned long)seen.sig, (unsigned long)seen.rip,
	       (unsigned long)seen.fs, status);
	/* The server's one slot is free again: a fresh call gets an answer. */
	st = sbt_call(&fconn, OP_PING, 0, 0, 0, &v);
	tap_result(st == 0 && v == 0x9119,
		   "frame: the server's only slot serves again afterwards",
		   "%s: status %ld", what, (long)st);
	tap_result(testserver_stop(&s) == 0, "frame: the server lived", "%s: ended %d",
		   what, testserver_result(&s));
}

int main(int argc, char **argv)
{
	const char *what = argc == 2 ? argv[1] : "";
	int all = !strcmp(what, "all"), known = all;

	setvbuf(stdout, NULL, _IOLBF, 0);
#define RUN(name, call) if (all || !strcmp(what, name)) { known = 1; call; }
	RUN("df", attack_df());
	RUN("ac", attack_ac());
	RUN("fpctl", attack_fpctl());
	RUN("gsbase", attack_gsbase());
	RUN("frame", attack_frame(0));
	RUN("canonical", attack_frame(1));
#undef RUN
	if (!known) {
		fprintf(stderr, "usage: sb-boundary df | ac | fpctl | gsbase | frame | canonical | all\n");
		return 2;
	}
	return tap_exit();
}
