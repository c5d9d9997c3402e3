/* SPDX-License-Identifier: MIT */
/*
 * sb_tramp.h - the /dev/skybridge direct-call ABI (uapi/skybridge.h) as seen
 * from userspace: mapping a session's trampoline at its fixed address, a slot
 * thread's thread pointer and rseq area, handler stacks, and the call itself.
 *
 * Header-only and internal: libskybridge's fast path (vmfunc.c) uses it, and
 * so does skybench's "raw trampoline" row, so that the two time exactly the
 * same call sequence.  x86-64 only.
 */
#ifndef SB_TRAMP_H
#define SB_TRAMP_H

#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/rseq.h>	/* __rseq_offset, __rseq_size: glibc 2.35 or later */

#include "uapi/skybridge.h"

#define SB_TRAMP_PAGE		4096UL
#define SB_TRAMP_CODE_SIZE	(SB_TRAMP_CODE_PAGES * SB_TRAMP_PAGE)
#define SB_TRAMP_DATA_SIZE	(SB_TRAMP_DATA_PAGES * SB_TRAMP_PAGE)

/* What the trampoline returns: RAX and RDX. */
struct sb_tramp_res {
	int64_t status;
	uint64_t value;
};

/* The calling thread's thread pointer (its FS base). */
static inline uint64_t sb_thread_pointer(void)
{
	return (uint64_t)(uintptr_t)__builtin_thread_pointer();
}

/*
 * The calling thread's struct rseq as glibc lays it out, or 0 if glibc
 * registers none (__rseq_size == 0: GLIBC_TUNABLES=glibc.pthread.rseq=0, or
 * a glibc built without it).  What the trampoline wants in RAX.
 */
static inline uint64_t sb_rseq_area(void)
{
	if (__rseq_size == 0)
		return 0;
	return sb_thread_pointer() + (uint64_t)__rseq_offset;
}

/*
 * As sb_rseq_area(), but 0 also when the kernel refused this thread's
 * registration (cpu_id < 0): what a slot descriptor reports.
 */
static inline uint64_t sb_rseq_registered(void)
{
	uint64_t area = sb_rseq_area();

	if (area && (int32_t)((struct rseq *)(uintptr_t)area)->cpu_id < 0)
		return 0;
	return area;
}

/*
 * sb_tramp_map() - map session @fd's trampoline code and data pages at
 * SB_TRAMP_BASE and SB_TRAMP_DATA.  The kernel refuses them anywhere else;
 * MAP_FIXED_NOREPLACE makes us refuse to clobber whatever is already there.
 *
 * Return: 0, -EADDRINUSE if the range is taken (by another session's
 * trampoline, say), or another negative errno.
 */
static inline int sb_tramp_map(int fd)
{
	void *code, *data;
	int err;

	code = mmap((void *)(uintptr_t)SB_TRAMP_BASE, SB_TRAMP_CODE_SIZE,
		    PROT_READ | PROT_EXEC, MAP_SHARED | MAP_FIXED_NOREPLACE, fd, 0);
	if (code == MAP_FAILED)
		return errno == EEXIST ? -EADDRINUSE : -errno;
	if (code != (void *)(uintptr_t)SB_TRAMP_BASE) {	/* pre-4.17 kernel: a hint */
		munmap(code, SB_TRAMP_CODE_SIZE);
		return -EADDRINUSE;
	}
	data = mmap((void *)(uintptr_t)SB_TRAMP_DATA, SB_TRAMP_DATA_SIZE,
		    PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED_NOREPLACE, fd,
		    (off_t)(SB_TRAMP_DATA_PGOFF * SB_TRAMP_PAGE));
	if (data == MAP_FAILED || data != (void *)(uintptr_t)SB_TRAMP_DATA) {
		err = data == MAP_FAILED ? (errno == EEXIST ? -EADDRINUSE : -errno)
					 : -EADDRINUSE;
		if (data != MAP_FAILED)
			munmap(data, SB_TRAMP_DATA_SIZE);
		munmap(code, SB_TRAMP_CODE_SIZE);
		return err;
	}
	return 0;
}

/*
 * sb_stack_alloc() - a handler stack of @size bytes (a page multiple) above
 * a PROT_NONE guard page, populated so a handler never faults on it, and
 * left out of fork() children.
 *
 * Return: the stack's top (16-byte aligned: page aligned), or NULL.
 */
static inline void *sb_stack_alloc(size_t size)
{
	char *base = mmap(NULL, size + SB_TRAMP_PAGE, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK | MAP_POPULATE,
			  -1, 0);

	if (base == MAP_FAILED)
		return NULL;
	if (mprotect(base, SB_TRAMP_PAGE, PROT_NONE)) {
		munmap(base, size + SB_TRAMP_PAGE);
		return NULL;
	}
	madvise(base, size + SB_TRAMP_PAGE, MADV_DONTFORK);	/* best effort */
	return base + SB_TRAMP_PAGE + size;
}

static inline void sb_stack_free(void *top, size_t size)
{
	if (top)
		munmap((char *)top - size - SB_TRAMP_PAGE, size + SB_TRAMP_PAGE);
}

/*
 * sb_tramp_call() - one direct call through the trampoline mapped at
 * SB_TRAMP_BASE, registers as uapi/skybridge.h lays them out.
 * @rseq: the calling thread's struct rseq (sb_rseq_area())
 *
 * The asm keeps the caller's red zone (128 bytes below RSP) out of the
 * call's way and aligns RSP to 16 bytes for the call, saving the original in
 * R12, which the trampoline preserves.  Everything the ABI lets the
 * trampoline clobber is declared clobbered: RCX, RSI, RDI, R8-R11 (as
 * in/out operands), every vector register, the x87/MMX stack, flags and
 * memory.  MXCSR and the x87 control word come back as they were: the
 * trampoline itself saves and restores them (uapi/skybridge.h).
 */
static inline struct sb_tramp_res sb_tramp_call(uint64_t id, uint64_t a0,
						uint64_t a1, uint64_t a2,
						uint64_t a3, uint64_t view,
						uint64_t key, uint64_t rseq)
{
	register uint64_t rax __asm__("rax") = rseq;
	register uint64_t rcx __asm__("rcx") = SB_TRAMP_BASE + SB_CALL_OFFSET;
	register uint64_t rdi __asm__("rdi") = id;
	register uint64_t rsi __asm__("rsi") = a0;
	register uint64_t rdx __asm__("rdx") = a1;
	register uint64_t r10 __asm__("r10") = a2;
	register uint64_t r8 __asm__("r8") = a3;
	register uint64_t r9 __asm__("r9") = view;
	register uint64_t r11 __asm__("r11") = key;

	__asm__ volatile(
		"mov	%%rsp, %%r12\n\t"
		"sub	$128, %%rsp\n\t"
		"and	$-16, %%rsp\n\t"
		"call	*%%rcx\n\t"
		"mov	%%r12, %%rsp"
		: "+r"(rax), "+r"(rcx), "+r"(rdi), "+r"(rsi), "+r"(rdx),
		  "+r"(r10), "+r"(r8), "+r"(r9), "+r"(r11)
		:
		: "r12", "memory", "cc", "fpsr",
		  "xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "xmm6", "xmm7",
		  "xmm8", "xmm9", "xmm10", "xmm11", "xmm12", "xmm13", "xmm14",
		  "xmm15",
#ifdef __AVX512F__
		  "xmm16", "xmm17", "xmm18", "xmm19", "xmm20", "xmm21", "xmm22",
		  "xmm23", "xmm24", "xmm25", "xmm26", "xmm27", "xmm28", "xmm29",
		  "xmm30", "xmm31", "k1", "k2", "k3", "k4", "k5", "k6", "k7",
#endif
		  "st", "st(1)", "st(2)", "st(3)", "st(4)", "st(5)", "st(6)",
		  "st(7)", "mm0", "mm1", "mm2", "mm3", "mm4", "mm5", "mm6", "mm7");
	return (struct sb_tramp_res){ .status = (int64_t)rax, .value = rdx };
}

#endif /* SB_TRAMP_H */
