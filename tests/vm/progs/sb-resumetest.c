// SPDX-License-Identifier: GPL-2.0
/*
 * sb-resumetest - interrupted view visits: continuation, redirect, resume.
 *
 * Usage: sb-resumetest [PREFIX]   (root; the lab's test build of the module loaded)
 *
 * Creates test view 3 (page A shows page B in it) with a resume address.
 * A visit loads every GPR and YMM0 with known values, enters the view and
 * waits there for a timer interrupt; the RootKernel saves the visit, Linux
 * returns the thread to the resume stub (token in R12, other GPRs zero), the
 * stub resumes with HC_RESUME, and the visit must find itself back in the
 * view with every GPR and YMM0 intact.  Then: a used token, a forged token,
 * token 0 and another process's token are refused with -EINVAL.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../../tap.h"
#include "testview.h"
#include "uapi/skybridge_hv.h"

#define VIEW		3
#define MARK_A		0xaaaaaaaaaaaaaaaaull
#define MARK_B		0xbbbbbbbbbbbbbbbbull

static const char *prefix = "";

/* Shared with the assembly below (RIP-relative, no registers needed). */
uint64_t visit_in[15], visit_out[15];
uint8_t visit_ymm_in[32] __attribute__((aligned(32)));
uint8_t visit_ymm_out[32] __attribute__((aligned(32)));
volatile uint64_t resume_count, resume_token, resume_error, seen_after;
volatile uint64_t *page_a;
volatile uint64_t stub_mode;		/* 0: resume; 1: publish token, exit */
volatile uint64_t *shared_token;

void visit(void);
void resume_stub(void);

/*
 * visit_in/out order: rax rbx rcx rdx rsi rdi rbp r8 r9 r10 r11 r12 r13 r14
 * r15 (RSP is not loaded: the visit runs on this stack).
 */
asm(".text\n"
    ".globl visit\n"
    "visit:\n\t"
    "push %rbx\n\tpush %rbp\n\tpush %r12\n\tpush %r13\n\tpush %r14\n\tpush %r15\n\t"
    "vmovdqu visit_ymm_in(%rip), %ymm0\n\t"
    "mov visit_in+8(%rip), %rbx\n\t"
    "mov visit_in+24(%rip), %rdx\n\t"
    "mov visit_in+32(%rip), %rsi\n\t"
    "mov visit_in+40(%rip), %rdi\n\t"
    "mov visit_in+48(%rip), %rbp\n\t"
    "mov visit_in+56(%rip), %r8\n\t"
    "mov visit_in+64(%rip), %r9\n\t"
    "mov visit_in+72(%rip), %r10\n\t"
    "mov visit_in+80(%rip), %r11\n\t"
    "mov visit_in+88(%rip), %r12\n\t"
    "mov visit_in+96(%rip), %r13\n\t"
    "mov visit_in+104(%rip), %r14\n\t"
    "mov visit_in+112(%rip), %r15\n\t"
    "xor %eax, %eax\n\t"
    "mov $" "3" ", %ecx\n\t"
    "vmfunc\n"
    "1:\n\t"
    "cmpq $0, resume_count(%rip)\n\t"
    "je 1b\n\t"
    "mov %rax, visit_out+0(%rip)\n\t"
    "mov %rbx, visit_out+8(%rip)\n\t"
    "mov %rcx, visit_out+16(%rip)\n\t"
    "mov %rdx, visit_out+24(%rip)\n\t"
    "mov %rsi, visit_out+32(%rip)\n\t"
    "mov %rdi, visit_out+40(%rip)\n\t"
    "mov %rbp, visit_out+48(%rip)\n\t"
    "mov %r8, visit_out+56(%rip)\n\t"
    "mov %r9, visit_out+64(%rip)\n\t"
    "mov %r10, visit_out+72(%rip)\n\t"
    "mov %r11, visit_out+80(%rip)\n\t"
    "mov %r12, visit_out+88(%rip)\n\t"
    "mov %r13, visit_out+96(%rip)\n\t"
    "mov %r14, visit_out+104(%rip)\n\t"
    "mov %r15, visit_out+112(%rip)\n\t"
    "vmovdqu %ymm0, visit_ymm_out(%rip)\n\t"
    "mov page_a(%rip), %rax\n\t"
    "mov (%rax), %rax\n\t"
    "mov %rax, seen_after(%rip)\n\t"
    "xor %eax, %eax\n\t"
    "xor %ecx, %ecx\n\t"
    "vmfunc\n\t"
    "vzeroupper\n\t"
    "pop %r15\n\tpop %r14\n\tpop %r13\n\tpop %r12\n\tpop %rbp\n\tpop %rbx\n\t"
    "ret\n"
    ".globl resume_stub\n"
    "resume_stub:\n\t"
    "lock incq resume_count(%rip)\n\t"
    "mov %r12, resume_token(%rip)\n\t"
    "cmpq $0, stub_mode(%rip)\n\t"
    "jne 2f\n\t"
    "mov $1, %eax\n\t"			/* HC_RESUME */
    "mov %r12, %rdi\n\t"
    "vmcall\n\t"
    "mov %rax, resume_error(%rip)\n\t"
    "mov $60, %eax\n\t"			/* exit(3): resume failed */
    "mov $3, %edi\n\t"
    "syscall\n"
    "2:\n\t"
    "mov shared_token(%rip), %rax\n\t"
    "mov %r12, (%rax)\n\t"
    "mov $60, %eax\n\t"			/* exit(0): token published */
    "xor %edi, %edi\n\t"
    "syscall\n");

#define NAME(buf, fmt, ...) snprintf(buf, sizeof(buf), "%s" fmt, prefix, ##__VA_ARGS__)

static int64_t hc_resume(uint64_t token)
{
	uint64_t rax = HC_RESUME;

	asm volatile("vmcall" : "+a"(rax) : "D"(token) : "memory");
	return (int64_t)rax;
}

/* Run one visit in a child; the child's exit status says how it went. */
static int run_visit(void)
{
	int status, i;
	pid_t pid = fork();

	if (pid == 0) {
		for (i = 0; i < 15; i++)
			visit_in[i] = 0x1111111111111111ull * (i + 1) ^ 0x0f0f;
		for (i = 0; i < 32; i++)
			visit_ymm_in[i] = 0xc0 + i;
		/*
		 * Fault in (copy-on-write after fork) everything the visit
		 * writes: a page fault in the view ends the visit (it is not
		 * an interrupt, so it is not resumable).
		 */
		memset(visit_out, 0, sizeof(visit_out));
		memset(visit_ymm_out, 0, sizeof(visit_ymm_out));
		seen_after = resume_token = resume_error = 0;
		if (*page_a != MARK_A)	/* shared mappings fault in after fork */
			_exit(4);
		visit();
		if (memcmp(visit_ymm_out, visit_ymm_in, 32))
			_exit(5);
		for (i = 0; i < 15; i++)
			if (i != 0 && i != 2 && visit_out[i] != visit_in[i])
				_exit(10 + i);
		if (seen_after != MARK_B)
			_exit(6);
		if (!resume_count)
			_exit(7);
		/* The token is single-use. */
		if (hc_resume(resume_token) != -EINVAL)
			_exit(8);
		_exit(0);
	}
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status);
}

static const char *visit_failure(int code)
{
	static char buf[64];

	switch (code) {
	case 3: return "HC_RESUME failed in the stub";
	case 4: return "page A lost its contents";
	case 5: return "YMM0 changed";
	case 6: return "not back in the view after resume";
	case 7: return "never resumed";
	case 8: return "a used token was accepted again";
	case -1: return "the child died";
	}
	snprintf(buf, sizeof(buf), "GPR %d changed", code - 10);
	return buf;
}

/* A token made by another process (another page-table root). */
static void check_foreign_token(void)
{
	volatile uint64_t *shared = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
					 MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	char name[128];
	int status;
	pid_t pid;

	*shared = 0;
	shared_token = shared;
	stub_mode = 1;
	resume_count = 0;	/* the visit waits for the stub to run */
	pid = fork();
	if (pid == 0) {
		visit();	/* the stub publishes the token and exits */
		_exit(9);
	}
	waitpid(pid, &status, 0);
	stub_mode = 0;
	NAME(name, "an interrupted visit in another process publishes its token");
	tap_result(*shared != 0, name, "status %#x", status);
	NAME(name, "another process's token is refused with -EINVAL");
	tap_result(*shared && hc_resume(*shared) == -EINVAL, name, "accepted");
}

/*
 * Path length of an interrupt: spin reading the TSC and record the gaps
 * longer than GAP_MIN (an interrupt was taken in between), in the plain
 * view and in the resumable view (trap, save, Linux, redirect, resume).
 * Meaningful in a one-vCPU guest only, where the TSC counts instructions.
 */
#define GAP_MIN		2000
#define NR_GAPS		64

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static uint64_t median_interrupt_gap(int in_view)
{
	uint64_t gaps[NR_GAPS], prev, now;
	int n = 0;

	if (in_view) {
		uint64_t idx = VIEW;

		asm volatile("vmfunc" : "+c"(idx) : "a"(0) : "memory");
	}
	prev = __builtin_ia32_rdtsc();
	while (n < NR_GAPS) {
		now = __builtin_ia32_rdtsc();
		if (now - prev > GAP_MIN)
			gaps[n++] = now - prev;
		prev = now;
	}
	if (in_view) {
		uint64_t idx = 0;

		asm volatile("vmfunc" : "+c"(idx) : "a"(0) : "memory");
	}
	qsort(gaps, NR_GAPS, sizeof(gaps[0]), cmp_u64);
	return gaps[NR_GAPS / 2];
}

static void measure(void)
{
	uint64_t plain = median_interrupt_gap(0);
	uint64_t view = median_interrupt_gap(1);

	printf("# measure: interrupt taken in the plain view: %llu TSC ticks; "
	       "in a resumable view (trap + save + redirect + resume): %llu; "
	       "difference %lld (1 vCPU: emulated instructions)\n",
	       (unsigned long long)plain, (unsigned long long)view,
	       (long long)(view - plain));
}

int main(int argc, char **argv)
{
	volatile uint64_t *a, *b;
	int err, i, code, good = 0;
	char name[128];

	if (argc > 2) {
		fprintf(stderr, "usage: sb-resumetest [PREFIX]\n");
		return 2;
	}
	if (argc == 2)
		prefix = argv[1];

	a = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	b = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (a == MAP_FAILED || b == MAP_FAILED)
		return 2;
	*a = MARK_A;
	*b = MARK_B;
	page_a = a;

	err = view_cmd("create %d %lx %lx", VIEW, (unsigned long)a, (unsigned long)b);
	err = err ?: view_cmd("resume %d %lx", VIEW, (unsigned long)resume_stub);
	NAME(name, "create resumable test view %d", VIEW);
	tap_result(err == 0, name, "error %d", err);
	if (err)
		return tap_exit();

	for (i = 0; i < 20; i++) {
		code = run_visit();
		if (code == 0)
			good++;
		else
			break;
	}
	NAME(name, "20 interrupted visits resume in the view with all GPRs and YMM0 intact");
	tap_result(good == 20, name, "visit %d: %s", good + 1, visit_failure(code));

	if (sysconf(_SC_NPROCESSORS_ONLN) == 1)
		measure();

	NAME(name, "a forged token is refused with -EINVAL");
	tap_result(hc_resume(0x123456789abcdefull) == -EINVAL, name, "accepted");
	NAME(name, "token 0 is refused with -EINVAL");
	tap_result(hc_resume(0) == -EINVAL, name, "accepted");
	check_foreign_token();

	err = view_cmd("resume %d %lx", VIEW, 0xffffffff81000000ul);
	NAME(name, "a kernel resume address is refused");
	tap_result(err == -EINVAL, name, "got %d", err);
	err = view_cmd("destroy %d", VIEW);
	NAME(name, "destroy view %d", VIEW);
	tap_result(err == 0, name, "error %d", err);
	return tap_exit();
}
