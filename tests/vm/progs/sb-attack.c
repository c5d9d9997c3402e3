// SPDX-License-Identifier: GPL-2.0
/*
 * sb-attack - direct calls played by an attacker: clients and servers that
 * break the calling convention, jump into the trampoline's VMFUNC sites,
 * or execute VMFUNC in their own code.  Each attack prints TAP lines; the
 * other party is checked afterwards: the victim server keeps a canary page
 * and a call counter (OP_CHECK), the victim client keeps a canary and
 * checks its registers, stack, flags and TLS after every call.
 *
 * Usage: sb-attack keys | sites | server | signals | unregistered |
 *                  raw-client | raw-server | all
 *
 *  keys          keys of another attachment / another server (EACCES)
 *  sites         a client jumps to the VMFUNC sites of T0, T1 and T2 (and
 *                to T1/T2/T3 entry) with every view index (T0) or a sample,
 *                junk registers and a valid stack, in forked children
 *  server        malicious handlers: TF, bogus RSP, foreign FS base, jump to
 *                T1's VMFUNC with ECX=1, 0 or the server's own return view
 *                (with a junk nonce), to T2's or T0's VMFUNC
 *  signals       the same with SIGALRM (itimer) and SIGTRAP handlers in the
 *                client: handlers must run on the client's stack
 *  unregistered  a process without a session executes VMFUNC 0..520 in its
 *                own code while a legit client calls
 *  raw-client    an attached client tries to make a page with VMFUNC
 *                executable, to execute VMFUNC into its server's view from
 *                its own code (refused by the exec-memory lockdown)
 *  raw-server    a server whose handler would execute VMFUNC to the plain
 *                view from its own code (refused at registration)
 */
#include <errno.h>
#include <sched.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#include "uapi/skybridge_tramp.h"
#include "sbcall.h"
#include "testserver.h"
#include "../../tap.h"

_Static_assert(SB_TRAMP_BASE == 0x3b0000000000ULL, "asm below hardcodes it");

#define T0_SITE		(SB_TRAMP_BASE + 0x0ffd)
#define T1_SITE		(SB_TRAMP_BASE + 0x1ffd)
#define T2_SITE		(SB_TRAMP_BASE + 0x2ffd)
#define CPU_SLOTS	(SB_TRAMP_BASE + 0x5000)

enum { OP_ADD = 1, OP_CHECK = 2, OP_ATTACK = 3 };

#define CANARY_WORDS	512
#define CANARY(i)	(0xc0ffee0000000000ULL ^ ((uint64_t)(i) * 0x9e3779b97f4a7c15ULL))
#define MAGIC		0x6f776e6564212121ULL	/* "owned!!!" */

/* The victim server's canary (and the client's: same binary, forked). */
static volatile uint64_t canary[CANARY_WORDS] __attribute__((aligned(4096)));
static volatile uint64_t calls_served;
static volatile uint64_t pwned;		/* a client word a server must not reach */
static __thread uint64_t tls_word = 0x7115;

static void canary_fill(void)
{
	for (int i = 0; i < CANARY_WORDS; i++)
		canary[i] = CANARY(i);
}

static int canary_bad(void)
{
	int bad = 0;

	for (int i = 0; i < CANARY_WORDS; i++)
		bad += canary[i] != CANARY(i);
	return bad;
}

/* ---- assembly: raw jumps, a checked call, malicious handlers ----------- */

/*
 * Deliberately hand-written, not sbcall.h's calls (lib/sb_tramp.h's
 * sb_tramp_call(), what every well-formed call of the tests uses):
 *  - sbatk_jump enters the trampoline at any address (its VMFUNC sites,
 *    the middle of a page) with any registers: malformed on purpose;
 *  - sbatk_call is a well-formed call, but it loads sentinels into the
 *    callee-saved registers and records RSP and RFLAGS on both sides of
 *    the call, which a C wrapper cannot do;
 *  - the h_* handlers break the convention from the server's side.
 */

/* Registers for sbatk_jump (offsets used by the assembly). */
struct jregs {
	uint64_t rsp, target, rcx, rbx, rbp, rsi, rdx, r8, r9, r10, r11,
		 r12, r13, r14, r15, rax, rdi;
};

/* A call with sentinels in the callee-saved registers. */
struct callregs {
	uint64_t view, id, key, a0, a1, a2, a3, rseq;		/* 0..56 */
	uint64_t status, value, rbx, rbp, r12, r13, r14, r15;	/* 64..120 */
	uint64_t rsp_before, rsp_after, flags_before, flags_after; /* 128..152 */
};

void sbatk_jump(const struct jregs *r) __attribute__((noreturn));
void sbatk_call(struct callregs *r);
void sbatk_landed(void);
struct callregs *sbatk_cur;
uint64_t sbatk_landed_status;
extern char sbatk_pagea[], sbatk_gadget[];
struct sbt_ret h_tf(uint64_t, uint64_t, uint64_t, uint64_t, uint64_t);
struct sbt_ret h_rsp(uint64_t, uint64_t, uint64_t, uint64_t, uint64_t);
struct sbt_ret h_fs(uint64_t, uint64_t, uint64_t, uint64_t, uint64_t);
struct sbt_ret h_t1site(uint64_t, uint64_t, uint64_t, uint64_t, uint64_t);
struct sbt_ret h_t1site_tf(uint64_t, uint64_t, uint64_t, uint64_t, uint64_t);
struct sbt_ret h_t1site0(uint64_t, uint64_t, uint64_t, uint64_t, uint64_t);
struct sbt_ret h_t1site_rv(uint64_t, uint64_t, uint64_t, uint64_t, uint64_t);
struct sbt_ret h_t2site(uint64_t, uint64_t, uint64_t, uint64_t, uint64_t);
struct sbt_ret h_t0site(uint64_t, uint64_t, uint64_t, uint64_t, uint64_t);
struct sbt_ret h_vmf0(uint64_t, uint64_t, uint64_t, uint64_t, uint64_t);
struct sbt_ret benign(uint64_t, uint64_t, uint64_t, uint64_t, uint64_t);
void sbatk_landed_c(void) __attribute__((noreturn));

asm(
"	.text\n"
"	.globl sbatk_jump\n"
"sbatk_jump:\n"
"	mov 0(%rdi), %rsp\n"
"	pushq 8(%rdi)\n"
"	mov 16(%rdi), %rcx\n"
"	mov 24(%rdi), %rbx\n"
"	mov 32(%rdi), %rbp\n"
"	mov 40(%rdi), %rsi\n"
"	mov 48(%rdi), %rdx\n"
"	mov 56(%rdi), %r8\n"
"	mov 64(%rdi), %r9\n"
"	mov 72(%rdi), %r10\n"
"	mov 80(%rdi), %r11\n"
"	mov 88(%rdi), %r12\n"
"	mov 96(%rdi), %r13\n"
"	mov 104(%rdi), %r14\n"
"	mov 112(%rdi), %r15\n"
"	mov 120(%rdi), %rax\n"
"	mov 128(%rdi), %rdi\n"
"	ret\n"
/* T3 returned here with the status in RAX (a crafted client frame). */
"	.globl sbatk_landed\n"
"sbatk_landed:\n"
"	mov %rax, sbatk_landed_status(%rip)\n"
"	and $-16, %rsp\n"
"	call sbatk_landed_c\n"
"	ud2\n"
"	.globl sbatk_call\n"
"sbatk_call:\n"
"	push %rbx\n"
"	push %rbp\n"
"	push %r12\n"
"	push %r13\n"
"	push %r14\n"
"	push %r15\n"
"	mov %rdi, sbatk_cur(%rip)\n"
"	pushfq\n"
"	pop %rax\n"
"	mov %rax, 144(%rdi)\n"
"	mov %rsp, 128(%rdi)\n"
"	movabs $0x1111111111111111, %rbx\n"
"	movabs $0x2222222222222222, %rbp\n"
"	movabs $0x3333333333333333, %r12\n"
"	movabs $0x4444444444444444, %r13\n"
"	movabs $0x5555555555555555, %r14\n"
"	movabs $0x6666666666666666, %r15\n"
"	mov 0(%rdi), %r9\n"
"	mov 16(%rdi), %r11\n"
"	mov 24(%rdi), %rsi\n"
"	mov 32(%rdi), %rdx\n"
"	mov 40(%rdi), %r10\n"
"	mov 48(%rdi), %r8\n"
"	mov 56(%rdi), %rax\n"
"	mov 8(%rdi), %rdi\n"
"	movabs $0x3b0000000000, %rcx\n"
"	call *%rcx\n"
"	mov sbatk_cur(%rip), %rcx\n"
"	mov %rax, 64(%rcx)\n"
"	mov %rdx, 72(%rcx)\n"
"	mov %rbx, 80(%rcx)\n"
"	mov %rbp, 88(%rcx)\n"
"	mov %r12, 96(%rcx)\n"
"	mov %r13, 104(%rcx)\n"
"	mov %r14, 112(%rcx)\n"
"	mov %r15, 120(%rcx)\n"
"	mov %rsp, 136(%rcx)\n"
"	mov 128(%rcx), %rsp\n"
"	pushfq\n"
"	pop %rax\n"
"	mov %rax, 152(%rcx)\n"
"	pop %r15\n"
"	pop %r14\n"
"	pop %r13\n"
"	pop %r12\n"
"	pop %rbp\n"
"	pop %rbx\n"
"	ret\n"

/*
 * Malicious handlers (RDI id, RSI a0, RDX a1 = spin count, RCX a2, R8 a3):
 * anything but OP_ATTACK goes to the benign handler.
 */
"	.macro ATTACK_PROLOGUE\n"
"	cmp $3, %rsi\n"
"	jne benign\n"
"	test %rdx, %rdx\n"
"	jz 2f\n"
"1:	dec %rdx\n"
"	jnz 1b\n"
"2:\n"
"	.endm\n"
"	.macro JUNK_REGS\n"
"	movabs $0x1badbadbadbadbad, %rbx\n"
"	movabs $0x2badbadbadbadbad, %rbp\n"
"	movabs $0x3badbadbadbadbad, %r8\n"
"	movabs $0x4badbadbadbadbad, %r9\n"
"	movabs $0x5badbadbadbadbad, %r10\n"
"	movabs $0x6badbadbadbadbad, %r12\n"
"	movabs $0x7badbadbadbadbad, %r13\n"
"	movabs $0x0badbadbadbadbad, %r14\n"
"	movabs $0x1badbadbadbadbad, %r15\n"
"	movabs $0x5a5a5a5a, %rdi\n"		/* the status a client would see */
"	movabs $0xbadbadbadbad7777, %rsi\n"
"	movabs $0xbadbadbadbad8888, %rdx\n"
"	.endm\n"
"	.globl h_tf\n"
"h_tf:	ATTACK_PROLOGUE\n"
"	pushfq\n"
"	orq $0x100, (%rsp)\n"
"	popfq\n"
"	xor %eax, %eax\n"
"	mov $0xaa, %edx\n"
"	ret\n"
"	.globl h_rsp\n"
"h_rsp:	ATTACK_PROLOGUE\n"
"	mov $0x1000, %rsp\n"
"	ret\n"
"	.globl h_fs\n"
"h_fs:	ATTACK_PROLOGUE\n"
"	movabs $0x7f00deadb000, %rax\n"
"	wrfsbase %rax\n"
"	xor %eax, %eax\n"
"	mov $0xf5, %edx\n"
"	ret\n"
"	.globl h_t1site\n"
"h_t1site: ATTACK_PROLOGUE\n"
"	JUNK_REGS\n"
"	mov $1, %ecx\n"
"	xor %eax, %eax\n"
"	mov $0x1000, %rsp\n"
"	movabs $0x3b0000001ffd, %r11\n"
"	jmp *%r11\n"
"	.globl h_t1site_tf\n"
"h_t1site_tf: ATTACK_PROLOGUE\n"
"	JUNK_REGS\n"
"	pushfq\n"
"	orq $0x100, (%rsp)\n"
"	mov $1, %ecx\n"
"	xor %eax, %eax\n"
"	movabs $0x3b0000001ffd, %r11\n"
"	popfq\n"
"	jmp *%r11\n"
"	.globl h_t1site0\n"
"h_t1site0: ATTACK_PROLOGUE\n"
"	JUNK_REGS\n"
"	xor %ecx, %ecx\n"
"	xor %eax, %eax\n"
"	mov $0x1000, %rsp\n"
"	movabs $0x3b0000001ffd, %r11\n"
"	jmp *%r11\n"
/* T1's VMFUNC into the server's own return view (INFO's view + 1). */
"	.globl h_t1site_rv\n"
"h_t1site_rv: ATTACK_PROLOGUE\n"
"	JUNK_REGS\n"
"	movabs $0x3b0000004000, %rax\n"
"	mov (%rax), %ecx\n"
"	inc %ecx\n"
"	mov $1, %r13d\n"
"	xor %eax, %eax\n"
"	movabs $0x3b0000001ffd, %r11\n"
"	jmp *%r11\n"
"	.globl h_t2site\n"
"h_t2site: ATTACK_PROLOGUE\n"
"	JUNK_REGS\n"
"	xor %ecx, %ecx\n"
"	xor %eax, %eax\n"
"	movabs $0x3b0000002ffd, %r11\n"
"	jmp *%r11\n"
"	.globl h_t0site\n"
"h_t0site: ATTACK_PROLOGUE\n"
"	JUNK_REGS\n"
"	xor %ecx, %ecx\n"
"	xor %eax, %eax\n"
"	movabs $0x3b0000000ffd, %r11\n"
"	jmp *%r11\n"
/* VMFUNC(0) from the server's own code (page A, remapped at run time). */
"	.globl h_vmf0\n"
"h_vmf0:	ATTACK_PROLOGUE\n"
"	lea pwned(%rip), %rdi\n"
"	movabs $0x6f776e6564212121, %rsi\n"
"	xor %eax, %eax\n"
"	xor %ecx, %ecx\n"
"	lea sbatk_gadget - 3(%rip), %r11\n"
"	jmp *%r11\n"

/*
 * Page A: int3 padding in the binary.  An attacker replaces its own copy
 * with a page whose last three bytes are VMFUNC; the instruction after it
 * is then the first of page B, the gadget, in the *other* party's address
 * space (same binary, forked: same addresses).  The gadget stores RSI at
 * [RDI] and returns to the client through its CPU slot and T3.  The binary
 * itself holds no VMFUNC sequence.
 */
"	.section .text.sbatk, \"ax\", @progbits\n"
"	.balign 4096\n"
"	.globl sbatk_pagea\n"
"sbatk_pagea:\n"
"	.fill 4096, 1, 0xcc\n"
"	.globl sbatk_gadget\n"
"sbatk_gadget:\n"
"	mov %rsi, (%rdi)\n"
"	rdtscp\n"
"	and $511, %ecx\n"
"	shl $6, %ecx\n"
"	movabs $0x3b0000005000, %rax\n"
"	mov (%rax, %rcx), %rsp\n"
"	xor %edi, %edi\n"
"	xor %esi, %esi\n"
"	movabs $0x3b0000003000, %rax\n"
"	jmp *%rax\n"
"	.fill 4096 - 64, 1, 0xcc\n"
"	.text\n"
);

static uint64_t spin_sink;

struct sbt_ret benign(uint64_t id, uint64_t a0, uint64_t a1, uint64_t a2,
		      uint64_t a3)
{
	(void)id;
	if (a0 == OP_CHECK)
		return (struct sbt_ret){ canary_bad(), calls_served };
	calls_served++;
	for (uint64_t i = 0; i < a3; i++)
		__atomic_add_fetch(&spin_sink, 1, __ATOMIC_RELAXED);
	return (struct sbt_ret){ 0, a1 + a2 };
}

static volatile unsigned char vzero;

/* Replace this process's page A by one that ends with VMFUNC. */
static int arm_page_a(void)
{
	unsigned char *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
				MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		return -errno;
	memset(p, 0xcc, 4096);
	p[4093] = 0x0f;
	p[4094] = 0x01;
	p[4095] = 0xd4 ^ vzero;
	if (mprotect(p, 4096, PROT_READ | PROT_EXEC))
		return -errno;
	if (mremap(p, 4096, 4096, MREMAP_MAYMOVE | MREMAP_FIXED,
		   sbatk_pagea) == MAP_FAILED)
		return -errno;
	return 0;
}

/* ---- servers ---------------------------------------------------------- */

struct server {
	const char *name;
	sbt_handler_t h;
	struct testserver srv;
	struct sbt_conn c;
};

/* In a server process, before it registers. */
static int server_setup(const struct testserver *s, int fd)
{
	pthread_attr_t a;

	(void)fd;
	/* Small slot threads: mlockall pins their stacks. */
	pthread_attr_init(&a);
	pthread_attr_setstacksize(&a, 64 * 1024);
	pthread_setattr_default_np(&a);
	canary_fill();
	return s->handler == h_vmf0 ? arm_page_a() : 0;
}

/* Its exit status: 3 if its canary changed. */
static int server_finish(const struct testserver *s)
{
	(void)s;
	return canary_bad() ? 3 : 0;
}

/* Start server @s in a process of its own: 0 or -errno. */
static int server_start(struct server *s, unsigned int slots)
{
	s->srv = (struct testserver){ .name = s->name, .handler = s->h,
				      .slots = slots, .setup = server_setup,
				      .finish = server_finish };
	return testserver_start(&s->srv);
}

static int session = -1;

static int session_get(void)
{
	if (session < 0)
		session = sbt_open();
	return session;
}

/*
 * Start a server and connect this process to it: 0, or the -errno of the
 * server's start (s->srv.running is 0 then), of the session or the connect.
 */
static int server_up(struct server *s, unsigned int slots)
{
	int err;

	err = server_start(s, slots);
	if (err)
		return err;
	if (session_get() < 0)
		return session;
	err = sbt_connect(session, s->name, &s->c);
	if (err)
		fprintf(stderr, "connect %s: %s\n", s->name, strerror(-err));
	return err;
}

/*
 * The victim is healthy: a call returns the right sum and its canary is
 * intact.  Returns 0 or prints why not into @why.
 */
static int victim_ok(const struct sbt_conn *c, char *why, size_t len)
{
	uint64_t v;
	int64_t st;

	st = sbt_call(c, OP_ADD, 1000, 234, 0, &v);
	if (st || v != 1234) {
		snprintf(why, len, "legit call: status %lld value %llu",
			 (long long)st, (unsigned long long)v);
		return -1;
	}
	st = sbt_call(c, OP_CHECK, 0, 0, 0, &v);
	if (st) {
		snprintf(why, len, "server canary: %lld words changed (or status)",
			 (long long)st);
		return -1;
	}
	return 0;
}

static void check_victim(const struct sbt_conn *c, const char *what)
{
	char why[128] = "", name[160];
	int r = victim_ok(c, why, sizeof(why));

	snprintf(name, sizeof(name), "%s: the server still answers, canary intact",
		 what);
	tap_result(r == 0, name, "%s", why);
}

static void server_down(struct server *s, const char *what)
{
	char name[160];
	int r;

	close(s->c.fd);
	r = testserver_stop(&s->srv);

	snprintf(name, sizeof(name), "%s: server %s exits with its canary intact",
		 what, s->name);
	tap_result(r == 0, name, "exit status %d", r);
}

/* ---- signals ------------------------------------------------------------ */

static sigjmp_buf jenv;
static volatile sig_atomic_t jarmed;
static volatile int last_sig;

static uint64_t tp_saved;

static void fatal_handler(int sig)
{
	/* The attacker's junk may have reached FS: siglongjmp needs TLS. */
	if (tp_saved)
		asm volatile("wrfsbase %0" : : "r"(tp_saved));
	last_sig = sig;
	if (jarmed) {
		jarmed = 0;
		siglongjmp(jenv, sig);
	}
	signal(sig, SIG_DFL);
	raise(sig);
}

void sbatk_landed_c(void)
{
	if (jarmed) {
		jarmed = 0;
		siglongjmp(jenv, 1000);
	}
	_exit(99);
}

static void altstack(void)
{
	static char stk[64 * 1024] __attribute__((aligned(16)));
	stack_t ss = { .ss_sp = stk, .ss_size = sizeof(stk) };

	sigaltstack(&ss, NULL);
}

static void catch_fatal(int trap_too)
{
	struct sigaction sa;
	int sigs[] = { SIGSEGV, SIGILL, SIGBUS, SIGFPE, SIGTRAP };

	altstack();
	asm volatile("rdfsbase %0" : "=r"(tp_saved));
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = fatal_handler;
	sa.sa_flags = SA_ONSTACK | SA_NODEFER;
	for (unsigned int i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		if (sigs[i] != SIGTRAP || trap_too)
			sigaction(sigs[i], &sa, NULL);
}

static uint64_t rdfsbase(void)
{
	uint64_t v;

	asm volatile("rdfsbase %0" : "=r"(v));
	return v;
}

static uint64_t rdgsbase(void)
{
	uint64_t v;

	asm volatile("rdgsbase %0" : "=r"(v));
	return v;
}

/* ---- 1. keys ------------------------------------------------------------ */

static void attack_keys(void)
{
	struct server a = { .name = "atk-key-a", .h = benign };
	struct server b = { .name = "atk-key-b", .h = benign };
	struct sbt_conn c2;
	uint64_t v;
	int64_t st;

	if (server_up(&a, 4) || server_up(&b, 4)) {
		tap_result(0, "keys: servers up", "could not start servers");
		return;
	}
	st = sbt_connect(session, a.name, &c2);
	tap_result(st == 0 && c2.id != a.c.id, "keys: a second attachment to the same server",
		   "status %lld", (long long)st);
	st = sbt_call_raw(a.c.view, a.c.id, c2.key, OP_ADD, 1, 2, 0, &v);
	tap_result(st == -EACCES, "keys: id of one attachment with the key of another: EACCES",
		   "status %lld", (long long)st);
	st = sbt_call_raw(a.c.view, c2.id, a.c.key, OP_ADD, 1, 2, 0, &v);
	tap_result(st == -EACCES, "keys: the other way round: EACCES",
		   "status %lld", (long long)st);
	st = sbt_call_raw(a.c.view, b.c.id, b.c.key, OP_ADD, 1, 2, 0, &v);
	tap_result(st == -EACCES || (b.c.id == a.c.id && b.c.key == a.c.key),
		   "keys: another server's id and key on this server: EACCES",
		   "status %lld", (long long)st);
	st = sbt_call_raw(b.c.view, a.c.id, a.c.key, OP_ADD, 1, 2, 0, &v);
	tap_result(st == -EACCES, "keys: this server's key on another server: EACCES",
		   "status %lld", (long long)st);
	st = sbt_call_raw(a.c.view, a.c.id | (1ULL << 32), a.c.key, OP_ADD, 1, 2, 0, &v);
	tap_result(st == -EACCES, "keys: id with high bits set: EACCES",
		   "status %lld", (long long)st);
	close(c2.fd);
	st = sbt_call_raw(a.c.view, c2.id, c2.key, OP_ADD, 1, 2, 0, &v);
	tap_result(st == -EACCES, "keys: a closed attachment's key is refused",
		   "status %lld", (long long)st);
	check_victim(&a.c, "keys");
	check_victim(&b.c, "keys");
	server_down(&a, "keys");
	server_down(&b, "keys");
}

/* ---- 2. jumps to the VMFUNC sites -------------------------------------- */

#define OUT_LANDED	1000
#define OUT_NONE	0
#define OUT_DIED	2000	/* + signal that killed the child */

struct attempt {
	uint64_t target;
	uint32_t index;
	int crafted;		/* the CPU slots point at a crafted frame */
	int outcome;		/* signal number, OUT_LANDED or OUT_DIED + sig */
	int64_t status;		/* OUT_LANDED: RAX */
};

static uint64_t rng = 0x243f6a8885a308d3ULL;

static uint64_t junk(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static char jstack[64 * 1024] __attribute__((aligned(16)));
static uint64_t fframe[4096] __attribute__((aligned(64)));

/* Point every CPU slot of this process at a frame that returns here. */
static void craft_slots(int crafted)
{
	uint64_t *f = &fframe[2048];
	volatile uint64_t *slots = (volatile uint64_t *)CPU_SLOTS;

	f[SBF_RSEQ / 8] = sb_rseq_area();	/* T3 clears its rseq_cs */
	f[SBF_FS / 8] = rdfsbase();
	f[SBF_GS / 8] = rdgsbase();
	f[SBF_FPCTL / 8] = (0x037fULL << 32) | 0x1f80;	/* default FCW, MXCSR */
	f[SBF_RFLAGS / 8] = 0x202;
	for (int i = SBF_RFLAGS / 8 + 1; i < SBF_RET / 8; i++)
		f[i] = junk();
	f[SBF_RET / 8] = (uint64_t)sbatk_landed;
	for (int cpu = 0; cpu < 8; cpu++)
		slots[cpu * 8] = crafted ? (uint64_t)f : 0;
}

static void run_attempts(struct attempt *at, int n, const char *victim)
{
	struct sbt_conn c;
	int fd = sbt_open();

	if (fd < 0 || sbt_connect(fd, victim, &c))
		_exit(90);
	catch_fatal(1);
	alarm(20);
	for (int i = 0; i < n; i++) {
		struct jregs r;
		int sig;

		craft_slots(at[i].crafted);
		memset(jstack + sizeof(jstack) / 4, 0, sizeof(jstack) / 2);
		r.rsp = (uint64_t)&jstack[sizeof(jstack) / 2];
		r.target = at[i].target;
		r.rcx = 0xffffffff00000000ULL | at[i].index;
		r.rbx = junk(); r.rbp = junk(); r.rsi = junk(); r.rdx = junk();
		r.r8 = junk(); r.r9 = junk(); r.r10 = junk(); r.r11 = junk();
		r.r12 = junk(); r.r13 = junk(); r.r14 = junk(); r.r15 = junk();
		r.rax = 0;
		r.rdi = junk();
		/* The attached id and key half of the time: still refused? */
		if (i & 1) {
			r.rdi = c.id;
			r.r11 = c.key ^ 1;
		}
		sig = sigsetjmp(jenv, 1);
		if (sig == 0) {
			jarmed = 1;
			sbatk_jump(&r);
		}
		at[i].outcome = sig;
		at[i].status = sig == OUT_LANDED ? (int64_t)sbatk_landed_status : 0;
	}
	_exit(0);
}

static const char *outcome_name(int o, char *buf, size_t len)
{
	if (o == OUT_LANDED)
		return "returned through T3";
	if (o >= OUT_DIED) {
		snprintf(buf, len, "child killed by %s", strsignal(o - OUT_DIED));
		return buf;
	}
	if (o == OUT_NONE)
		return "not run";
	snprintf(buf, len, "%s", strsignal(o));
	return buf;
}

static void attack_sites(void)
{
	struct server v = { .name = "atk-victim", .h = benign };
	struct attempt *at;
	int n = 0, max = 1024, bad = 0;
	uint32_t sample[] = { 0, 1, 2, 3, 0, 510, 511, 512, 0xffffffff };
	struct { uint64_t target; const char *name; } sites[] = {
		{ T0_SITE, "T0 VMFUNC site" },
		{ T1_SITE, "T1 VMFUNC site" },
		{ T2_SITE, "T2 VMFUNC site" },
		{ SB_TRAMP_BASE + 0x1000, "T1 entry" },
		{ SB_TRAMP_BASE + 0x2000, "T2 entry" },
		{ SB_TRAMP_BASE + 0x3000, "T3 entry" },
	};

	if (server_up(&v, 8)) {
		tap_result(0, "sites: victim up", "could not start the victim");
		return;
	}
	sample[4] = v.c.view;
	at = mmap(NULL, max * sizeof(*at), PROT_READ | PROT_WRITE,
		  MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (at == MAP_FAILED)
		return;
	memset(at, 0, max * sizeof(*at));
	/* T0's site: every index, and the invalid ones, crafted slots. */
	for (uint32_t i = 0; i < 512; i++)
		at[n++] = (struct attempt){ T0_SITE, i, 1, 0, 0 };
	at[n++] = (struct attempt){ T0_SITE, 512, 1, 0, 0 };
	at[n++] = (struct attempt){ T0_SITE, 0xffffffff, 1, 0, 0 };
	/* A sample with the slots zero: no client frame to return to. */
	for (unsigned int i = 0; i < sizeof(sample) / sizeof(sample[0]); i++)
		at[n++] = (struct attempt){ T0_SITE, sample[i], 0, 0, 0 };
	for (unsigned int s = 1; s < sizeof(sites) / sizeof(sites[0]); s++)
		for (unsigned int i = 0; i < sizeof(sample) / sizeof(sample[0]); i++)
			for (int cr = 0; cr < 2; cr++)
				at[n++] = (struct attempt){ sites[s].target,
							    sample[i], cr, 0, 0 };

	for (int base = 0; base < n; ) {
		int cnt = n - base < 64 ? n - base : 64, st;
		pid_t pid;

		fflush(stdout);
		pid = fork();
		if (pid == 0) {
			rng ^= (uint64_t)base * 0x9e3779b97f4a7c15ULL;
			run_attempts(at + base, cnt, v.name);
		}
		waitpid(pid, &st, 0);
		if (!WIFEXITED(st) || WEXITSTATUS(st)) {
			/* Find the attempt it died in; go on after it. */
			int k = base;

			while (k < base + cnt && at[k].outcome)
				k++;
			if (k < base + cnt) {
				at[k].outcome = WIFSIGNALED(st) ?
					OUT_DIED + WTERMSIG(st) : OUT_DIED;
				k++;
			}
			printf("# sites: child for attempts %d.. ended with status 0x%x\n",
			       base, st);
			cnt = k - base;
		}
		base += cnt;
	}

	/* Summary per site: outcome counts. */
	for (unsigned int s = 0; s < sizeof(sites) / sizeof(sites[0]); s++) {
		struct { int outcome; int64_t status; int count; } sum[32];
		int ns = 0, total = 0;
		char buf[64];

		for (int i = 0; i < n; i++) {
			int k;

			if (at[i].target != sites[s].target)
				continue;
			total++;
			for (k = 0; k < ns; k++)
				if (sum[k].outcome == at[i].outcome &&
				    sum[k].status == at[i].status)
					break;
			if (k == ns && ns < 32)
				sum[ns++] = (typeof(sum[0])){ at[i].outcome,
							       at[i].status, 0 };
			if (k < 32)
				sum[k].count++;
			if (!(at[i].outcome == SIGSEGV || at[i].outcome == SIGILL ||
			      at[i].outcome == SIGBUS || at[i].outcome == OUT_LANDED)) {
				bad++;
				printf("# sites: %s index %u slots %s: %s\n",
				       sites[s].name, at[i].index,
				       at[i].crafted ? "crafted" : "zero",
				       outcome_name(at[i].outcome, buf, sizeof(buf)));
			}
		}
		printf("# sites: %s, %d attempts:", sites[s].name, total);
		for (int k = 0; k < ns; k++) {
			printf(" %s", outcome_name(sum[k].outcome, buf, sizeof(buf)));
			if (sum[k].outcome == OUT_LANDED)
				printf(" (status %lld)", (long long)sum[k].status);
			printf(" x%d;", sum[k].count);
		}
		printf("\n");
	}
	/* Which indices did what at T0's site (crafted slots). */
	for (int i = 0; i < 514; i++) {
		char buf[64];

		if (at[i].index < 2 || at[i].index == v.c.view || at[i].index >= 512 ||
		    at[i].outcome != SIGILL)
			printf("# sites: T0 site index %u: %s status %lld\n",
			       at[i].index, outcome_name(at[i].outcome, buf, sizeof(buf)),
			       (long long)at[i].status);
	}
	tap_result(bad == 0, "sites: every jump to a VMFUNC site ends in the attacker's own signal or its own return",
		   "%d attempts ended otherwise", bad);
	{
		int ok = 1, others = 0;

		for (int i = 0; i < 514; i++) {
			uint32_t x = at[i].index;
			int live = x == 0 || x == 1 || x == v.c.view;
			/* A return view executes T2 only: T1 faults there. */
			int ret_view = x >= 3 && x < 512 && (x & 1);

			if (!live && at[i].outcome != SIGILL &&
			    !(at[i].outcome == OUT_LANDED && at[i].status == -EPIPE) &&
			    !(ret_view && at[i].outcome == OUT_LANDED &&
			      at[i].status == -EFAULT))
				ok = 0;
			if (x == v.c.view + 1 && !(at[i].outcome == OUT_LANDED &&
						   at[i].status == -EFAULT))
				ok = 0;
			if (!live && at[i].outcome == OUT_LANDED)
				others++;
			if (x == v.c.view && !(at[i].outcome == OUT_LANDED &&
					       at[i].status == -EACCES))
				ok = 0;
		}
		printf("# sites: %d other live server view(s) answered EPIPE\n", others);
		tap_result(ok, "sites: T0 site: unused indices give SIGILL, other servers' views EPIPE, return views EFAULT, the victim's view refuses the key (EACCES)",
			   "see the # lines");
	}
	check_victim(&v.c, "sites");
	server_down(&v, "sites");
	munmap(at, max * sizeof(*at));
}

/* ---- 3/4. malicious servers --------------------------------------------- */

static struct server evil[] = {
	{ .name = "atk-tf", .h = h_tf },
	{ .name = "atk-rsp", .h = h_rsp },
	{ .name = "atk-fs", .h = h_fs },
	{ .name = "atk-t1site", .h = h_t1site },
	{ .name = "atk-t1site-tf", .h = h_t1site_tf },
	{ .name = "atk-t1site0", .h = h_t1site0 },
	{ .name = "atk-t1site-rv", .h = h_t1site_rv },
	{ .name = "atk-t2site", .h = h_t2site },
	{ .name = "atk-t0site", .h = h_t0site },
};
#define NEVIL	(sizeof(evil) / sizeof(evil[0]))

static uint64_t tp0;

/* One call to a malicious server, every client invariant checked. */
static int evil_call(struct server *s, uint64_t spin, char *why, size_t len,
		     int64_t *status)
{
	struct callregs r;
	int sig;

	memset(&r, 0, sizeof(r));
	r.view = s->c.view;
	r.id = s->c.id;
	r.key = s->c.key;
	r.a0 = OP_ATTACK;
	r.a1 = spin;
	r.rseq = sb_rseq_area();
	tls_word = 0x7115;
	pwned = 0;
	sig = sigsetjmp(jenv, 1);
	if (sig == 0) {
		jarmed = 1;
		sbatk_call(&r);
		jarmed = 0;
	} else {
		snprintf(why, len, "the client got %s", strsignal(sig));
		return -1;
	}
	*status = r.status;
	errno = 0;
	if (r.rbx != 0x1111111111111111ULL || r.rbp != 0x2222222222222222ULL ||
	    r.r12 != 0x3333333333333333ULL || r.r13 != 0x4444444444444444ULL ||
	    r.r14 != 0x5555555555555555ULL || r.r15 != 0x6666666666666666ULL)
		snprintf(why, len, "callee-saved registers changed: rbx %llx rbp %llx r12 %llx r15 %llx",
			 (unsigned long long)r.rbx, (unsigned long long)r.rbp,
			 (unsigned long long)r.r12, (unsigned long long)r.r15);
	else if (r.rsp_after != r.rsp_before)
		snprintf(why, len, "RSP changed: %llx -> %llx",
			 (unsigned long long)r.rsp_before,
			 (unsigned long long)r.rsp_after);
	else if (r.flags_after & 0x100)
		snprintf(why, len, "TF set after the call (rflags %llx)",
			 (unsigned long long)r.flags_after);
	else if ((r.flags_after ^ r.flags_before) & 0x40500)	/* AC DF TF */
		snprintf(why, len, "RFLAGS %llx -> %llx",
			 (unsigned long long)r.flags_before,
			 (unsigned long long)r.flags_after);
	else if (rdfsbase() != tp0 || tls_word != 0x7115)
		snprintf(why, len, "TLS: FS base %llx (want %llx), __thread %llx",
			 (unsigned long long)rdfsbase(), (unsigned long long)tp0,
			 (unsigned long long)tls_word);
	else if ((errno = 77, errno != 77))
		snprintf(why, len, "errno does not work");
	else if (canary_bad() || pwned)
		snprintf(why, len, "client memory written: %d canary words, pwned %llx",
			 canary_bad(), (unsigned long long)pwned);
	else if ((int64_t)r.status < -4095)
		snprintf(why, len, "status %lld is neither a result nor an errno",
			 (long long)r.status);
	else
		return 0;
	return -1;
}

static int evil_up(void)
{
	for (unsigned int i = 0; i < NEVIL; i++)
		if (server_up(&evil[i], 64)) {
			tap_result(0, "server: malicious servers up", "%s did not start",
				   evil[i].name);
			return -1;
		}
	return 0;
}

static void evil_down(const char *what)
{
	for (unsigned int i = 0; i < NEVIL; i++)
		server_down(&evil[i], what);
}

static void attack_server(void)
{
	struct server v = { .name = "atk-victim3", .h = benign };

	catch_fatal(1);
	canary_fill();
	tp0 = rdfsbase();
	if (server_up(&v, 8) || evil_up())
		return;
	for (unsigned int i = 0; i < NEVIL; i++) {
		char why[200] = "", name[128];
		int64_t st[3] = { 0, 0, 0 };
		int fails = 0;

		for (int k = 0; k < 3 && !fails; k++)
			fails += evil_call(&evil[i], k ? 1000 : 0, why, sizeof(why),
					   &st[k]) != 0;
		printf("# server %s: statuses %lld %lld %lld\n", evil[i].name,
		       (long long)st[0], (long long)st[1], (long long)st[2]);
		snprintf(name, sizeof(name), "server %s: the client gets a status, its registers, stack, flags and TLS intact",
			 evil[i].name);
		tap_result(!fails, name, "%s", why);
		snprintf(name, sizeof(name), "server %s: the same server still serves legit calls",
			 evil[i].name);
		{
			char w2[128] = "";

			tap_result(victim_ok(&evil[i].c, w2, sizeof(w2)) == 0, name,
				   "%s", w2);
		}
		check_victim(&v.c, evil[i].name);
	}
	evil_down("server");
	server_down(&v, "server");
}

/* ---- 4. signals in the client during malicious calls ------------------- */

static uintptr_t stack_lo, stack_hi;
static volatile int sig_alrm, sig_trap, sig_off_stack, sig_bad_fs;

static void sig_check(void)
{
	volatile char here;
	uintptr_t a = (uintptr_t)&here;

	if (a < stack_lo || a >= stack_hi)
		sig_off_stack++;
	if (rdfsbase() != tp0)
		sig_bad_fs++;
}

static void on_alrm(int sig)
{
	int e = errno;

	(void)sig;
	sig_alrm++;
	sig_check();
	errno = e;
}

static void on_trap(int sig)
{
	(void)sig;
	sig_trap++;
	sig_check();
}

static void find_stack(void)
{
	FILE *f = fopen("/proc/self/maps", "r");
	char line[256];

	while (f && fgets(line, sizeof(line), f))
		if (strstr(line, "[stack]"))
			sscanf(line, "%lx-%lx", &stack_lo, &stack_hi);
	if (f)
		fclose(f);
}

static void attack_signals(void)
{
	struct server v = { .name = "atk-victim4", .h = benign };
	struct itimerval it = { { 0, 2000 }, { 0, 2000 } };
	struct sigaction sa;

	catch_fatal(0);
	canary_fill();
	tp0 = rdfsbase();
	find_stack();
	if (server_up(&v, 8) || evil_up())
		return;
	memset(&sa, 0, sizeof(sa));
	sa.sa_flags = SA_RESTART;		/* the client's own stack */
	sa.sa_handler = on_alrm;
	sigaction(SIGALRM, &sa, NULL);
	sa.sa_handler = on_trap;
	sigaction(SIGTRAP, &sa, NULL);
	setitimer(ITIMER_REAL, &it, NULL);

	for (unsigned int i = 0; i < NEVIL; i++) {
		char why[200] = "", name[160];
		int fails = 0, alrm0 = sig_alrm, n_err = 0, n_res = 0, legit_bad = 0;

		for (int k = 0; k < 40 && !fails; k++) {
			int64_t st = 0;
			uint64_t val;

			/* A long legit call on the same server, then an attack. */
			st = sbt_call(&evil[i].c, OP_ADD, k, 1, 150000, &val);
			if (!(st == 0 && val == (uint64_t)k + 1) && st != -EBUSY)
				legit_bad++;
			if (k % 4)
				continue;
			fails += evil_call(&evil[i], 100000, why, sizeof(why), &st) != 0;
			if (st < 0)
				n_err++;
			else
				n_res++;
		}
		printf("# signals %s: %d SIGALRM during the loop, %d results, %d errors\n",
		       evil[i].name, sig_alrm - alrm0, n_res, n_err);
		snprintf(name, sizeof(name), "signals %s: calls end with a status, client state intact",
			 evil[i].name);
		tap_result(!fails, name, "%s", why);
		snprintf(name, sizeof(name), "signals %s: interrupted legit calls return the right result",
			 evil[i].name);
		tap_result(!legit_bad, name, "%d wrong", legit_bad);
		check_victim(&v.c, evil[i].name);
	}
	memset(&it, 0, sizeof(it));
	setitimer(ITIMER_REAL, &it, NULL);
	printf("# signals: %d SIGALRM, %d SIGTRAP, stack %lx-%lx\n", sig_alrm,
	       sig_trap, stack_lo, stack_hi);
	tap_result(sig_alrm > 0, "signals: SIGALRM was delivered during the calls",
		   "none");
	tap_result(sig_trap == 0, "signals: no SIGTRAP reached the client",
		   "%d SIGTRAP", sig_trap);
	tap_result(sig_off_stack == 0, "signals: every handler ran on the client's own stack",
		   "%d handlers off the stack %lx-%lx", sig_off_stack, stack_lo,
		   stack_hi);
	tap_result(sig_bad_fs == 0, "signals: every handler ran with the client's FS base",
		   "%d with another", sig_bad_fs);
	evil_down("signals");
	server_down(&v, "signals");
}

/* ---- 5. an unregistered process executes VMFUNC ------------------------ */

struct sweep {
	volatile int done, started;
	int rounds;
	int sigill[528];
	int other[528];
};

static void attack_unregistered(void)
{
	struct server v = { .name = "atk-victim5", .h = benign };
	int ncpus = sysconf(_SC_NPROCESSORS_ONLN);
	struct sweep *sw;
	unsigned long calls = 0, wrong = 0;
	pid_t pid;
	int st, ok;

	if (server_up(&v, 8))
		return;
	sw = mmap(NULL, sizeof(*sw), PROT_READ | PROT_WRITE,
		  MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (sw == MAP_FAILED)
		return;
	memset(sw, 0, sizeof(*sw));
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		cpu_set_t set;
		unsigned char *code = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
					   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

		CPU_ZERO(&set);
		CPU_SET(ncpus - 1, &set);
		sched_setaffinity(0, sizeof(set), &set);
		if (code == MAP_FAILED)
			_exit(90);
		/* vmfunc; ret (byte by byte: the binary holds no VMFUNC) */
		code[0] = 0x0f;
		code[1] = 0x01;
		code[2] = 0xd4 ^ vzero;
		code[3] = 0xc3;
		if (mprotect(code, 4096, PROT_READ | PROT_EXEC))
			_exit(91);
		catch_fatal(1);
		alarm(50);
		sw->started = 1;
		for (int round = 0; round < 3; round++) {
			for (int i = 0; i <= 520; i++) {
				int sig = sigsetjmp(jenv, 1);

				if (sig == 0) {
					uint64_t a = 0, c = i;

					/*
					 * Deliberately no trampoline call:
					 * VMFUNC(i) in this process's own code.
					 */
					jarmed = 1;
					asm volatile("sub $128, %%rsp\n\t"
						     "call *%2\n\t"
						     "add $128, %%rsp"
						     : "+a"(a), "+c"(c)
						     : "r"(code)
						     : "memory", "cc");
					jarmed = 0;
				} else if (sig == SIGILL) {
					sw->sigill[i]++;
				} else {
					sw->other[i]++;
				}
			}
			sw->rounds++;
		}
		sw->done = 1;
		_exit(0);
	}
	{
		cpu_set_t set;

		CPU_ZERO(&set);
		CPU_SET(0, &set);
		sched_setaffinity(0, sizeof(set), &set);
	}
	while (!sw->started)
		sched_yield();
	while (!sw->done) {
		uint64_t val;
		int64_t s = sbt_call(&v.c, OP_ADD, calls, 7, 0, &val);

		if (s || val != calls + 7)
			wrong++;
		calls++;
		if (ncpus == 1 && !(calls % 64))
			sched_yield();
		if (waitpid(pid, &st, WNOHANG) == pid)
			goto reaped;
	}
	waitpid(pid, &st, 0);
reaped:
	printf("# unregistered: %d rounds of 0..520, %lu concurrent calls (%d CPUs), victim view %u\n",
	       sw->rounds, calls, ncpus, v.c.view);
	tap_result(WIFEXITED(st) && WEXITSTATUS(st) == 0 && sw->rounds == 3,
		   "unregistered: the attacker survives every index, 3 rounds",
		   "status 0x%x after %d rounds", st, sw->rounds);
	tap_result(wrong == 0 && calls > 0,
		   "unregistered: the legit client's results stay correct meanwhile",
		   "%lu of %lu wrong", wrong, calls);
	ok = 1;
	for (int i = 0; i <= 520; i++) {
		int live = i == 0 || i == 1 || (unsigned int)i == v.c.view;

		/* A view of some other server: no signal either. */
		if (i >= 2 && i < 512 && !live && sw->sigill[i] == 0 && !sw->other[i]) {
			printf("# unregistered: index %d: a live view (another server)\n", i);
			continue;
		}
		if (sw->other[i] || (live ? sw->sigill[i] != 0 : sw->sigill[i] != 3)) {
			ok = 0;
			printf("# unregistered: index %d: %d SIGILL, %d other signals\n",
			       i, sw->sigill[i], sw->other[i]);
		}
	}
	tap_result(ok, "unregistered: SIGILL exactly for the unused indices (512..520 and free views), none for 0, 1 and live views",
		   "see the # lines");
	check_victim(&v.c, "unregistered");
	server_down(&v, "unregistered");
	munmap(sw, sizeof(*sw));
}

/* ---- 6. VMFUNC in the attacker's own code ------------------------------- */

/*
 * An attached client: its page-table root is remapped in the victim's view,
 * so its own VMFUNC(victim view) puts it in the server's address space at
 * the next instruction: the gadget on page B, writing the server's canary.
 * The gadget then jumps to T3, which is not executable there: the trap
 * sends the attacker back through its own (crafted) CPU slot.
 */
static void attack_raw_client(void)
{
	struct server v = { .name = "atk-victim6", .h = benign };
	struct { volatile int stage; int sig; int64_t status; } *res;
	uint64_t val;
	pid_t pid;
	int st;

	if (server_up(&v, 8))
		return;
	res = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS,
		   -1, 0);
	if (res == MAP_FAILED)
		return;
	memset(res, 0, sizeof(*res));
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		struct sbt_conn c;
		struct jregs r;
		int fd = sbt_open(), sig, err;

		if (fd < 0 || sbt_connect(fd, v.name, &c))
			_exit(90);
		res->stage = 1;
		err = arm_page_a();
		if (err) {
			res->status = err;
			_exit(0);		/* refused: the lockdown works */
		}
		res->stage = 2;
		catch_fatal(1);
		alarm(10);
		craft_slots(1);
		memset(&r, 0, sizeof(r));
		r.rsp = (uint64_t)&jstack[sizeof(jstack) / 2];
		r.target = (uint64_t)sbatk_gadget - 3;
		r.rcx = c.view;
		r.rax = 0;
		r.rdi = (uint64_t)&canary[5];
		r.rsi = MAGIC;
		sig = sigsetjmp(jenv, 1);
		if (sig == 0) {
			jarmed = 1;
			sbatk_jump(&r);
		}
		res->stage = 3;
		res->sig = sig;
		res->status = (int64_t)sbatk_landed_status;
		_exit(0);
	}
	waitpid(pid, &st, 0);
	printf("# raw-client: stage %d, outcome %d (%s), status %lld, child status 0x%x\n",
	       res->stage, res->sig, res->sig == OUT_LANDED ? "returned through T3" :
	       res->sig ? strsignal(res->sig) : "-", (long long)res->status, st);
	val = 0;
	{
		int64_t s = sbt_call(&v.c, OP_CHECK, 0, 0, 0, &val);

		const char *name = "raw-client: an attached client cannot make a page with VMFUNC executable (lockdown: EACCES), and the server's memory is untouched";

		if (res->stage >= 2)
			tap_result(0, name, "NOT BLOCKED: the client made its VMFUNC page executable, executed VMFUNC(%u) in its own code; canary check %lld",
				   v.c.view, (long long)s);
		else
			tap_result(s == 0 && res->stage == 1 && res->status == -EACCES,
				   name, "stage %d, refused with %lld, canary check %lld",
				   res->stage, (long long)res->status, (long long)s);
	}
	{
		uint64_t v2;
		int64_t s = sbt_call(&v.c, OP_ADD, 1000, 234, 0, &v2);

		tap_result(s == 0 && v2 == 1234, "raw-client: the server still answers",
			   "status %lld value %llu", (long long)s,
			   (unsigned long long)v2);
	}
	testserver_stop(&v.srv);
	munmap(res, 4096);
}

/*
 * A server whose handler executes VMFUNC(0) in its own code: the thread is
 * in the plain view with the client's page tables at the next instruction,
 * the gadget, which writes the client's memory and returns through T3.
 */
static void attack_raw_server(void)
{
	struct server s = { .name = "atk-vmf0", .h = h_vmf0 };
	char why[200] = "";
	int64_t st = 0;
	int r;

	catch_fatal(1);
	canary_fill();
	tp0 = rdfsbase();
	r = server_up(&s, 8);
	if (r) {
		/* Refused by the scan of its executable memory, nothing else. */
		tap_result(r == -ENOEXEC && !s.srv.running,
			   "raw-server: a server with VMFUNC in its own code is refused",
			   "%s: %s", s.srv.running ? "it registered, then the connect failed" :
			   "its start failed", strerror(-r));
		if (s.srv.running)
			testserver_stop(&s.srv);
		return;
	}
	r = evil_call(&s, 0, why, sizeof(why), &st);
	printf("# raw-server: status %lld, client word %llx\n", (long long)st,
	       (unsigned long long)pwned);
	tap_result(r == 0, "raw-server: a handler's own VMFUNC(0) cannot reach the client",
		   "NOT BLOCKED: a server with VMFUNC in its own code registered; the handler executed VMFUNC(0); the next instruction ran in the client's address space (plain view, client CR3) and %s",
		   why);
	server_down(&s, "raw-server");
}

int main(int argc, char **argv)
{
	const char *cmd = argc == 2 ? argv[1] : "";
	int all = !strcmp(cmd, "all"), done = 0;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (all || !strcmp(cmd, "keys"))
		attack_keys(), done = 1;
	if (all || !strcmp(cmd, "sites"))
		attack_sites(), done = 1;
	if (all || !strcmp(cmd, "server"))
		attack_server(), done = 1;
	if (all || !strcmp(cmd, "signals"))
		attack_signals(), done = 1;
	if (all || !strcmp(cmd, "unregistered"))
		attack_unregistered(), done = 1;
	if (all || !strcmp(cmd, "raw-client"))
		attack_raw_client(), done = 1;
	if (all || !strcmp(cmd, "raw-server"))
		attack_raw_server(), done = 1;
	if (!done) {
		fprintf(stderr, "usage: sb-attack keys|sites|server|signals|unregistered|raw-client|raw-server|all\n");
		return 2;
	}
	return tap_exit();
}
