/* SPDX-License-Identifier: GPL-2.0 */
/*
 * tramp.S - the direct-call trampoline: four pages of user-mode code that
 * the module copies into pages of its own and maps at SB_TRAMP_BASE in every
 * process that uses skybridge (layout: tramp.h; calling convention:
 * uapi/skybridge.h; design: docs/design.md, "Direct calls").
 *
 * It is data to the kernel (it lives in .rodata and never runs in kernel
 * mode) and position-independent: every reference is RIP-relative within
 * the mapping, whose layout is fixed.
 *
 * The call, in views (P plain, S the server's, L landing):
 *   T0 (P)  save the client's frame on its stack, record RSP in this CPU's
 *           slot of the client's data page (an rseq critical section, so a
 *           preemption before the VMFUNC restarts it), clear the client's
 *           registers, VMFUNC(S).
 *   T1 (S)  landing check, key check, slot claim, count the call, switch to
 *           the slot's stack and TLS, call the handler, release the slot,
 *           clear every register but the two results, VMFUNC(L).
 *   T2 (L)  load RSP from this CPU's slot (never from a register), VMFUNC(P).
 *   T3 (P)  pop the client's frame and return.
 *
 * A call from inside a handler of server B (a chain; RAX = SB_CALL_NESTED)
 * runs T0 in B's view SB and returns through B's return view RB = SB + 1:
 *   T0 (SB) save the frame on the handler's stack, record RSP and a fresh
 *           nonce in the slot's nest record (tramp.h), pass the nonce, the
 *           nest id (slot + 1) and RB to T1, VMFUNC(S).
 *   T1 (S)  as above; the result goes to RB instead of L, with the nonce.
 *   T2 (RB) RB's index is the one VMFUNC entered (ECX), not a claim; the
 *           nest record of the slot must hold the nonce, which is then
 *           spent; load RSP from it, VMFUNC(SB).
 *   T3 (SB) pop the handler's frame and return into the handler.
 * Interrupts, exceptions and system calls in S or L trap to the RootKernel
 * (hv/call.c), which sends the thread to T3 or to the resume stub.
 */
#include <linux/errno.h>
#define SBT_RFLAGS_CLEAN	0x2	/* RFLAGS: bit 1 (always set), nothing else */
#include "../uapi/skybridge.h"
#include "../uapi/skybridge_hv.h"
#include "../uapi/skybridge_tramp.h"

#define INFO(field)	sb_tramp_start + SBT_INFO + (field)(%rip)
#ifdef SB_TRAMP_HOST_NOP
/*
 * bench/trampath: the same code as ordinary user memory on a host without
 * VT-x, each VMFUNC replaced by a 3-byte NOP (nopl (%rax)), so that the
 * path around the address-space switches can be timed in real cycles.
 */
#define VMFUNC		.byte 0x0f, 0x1f, 0x00
#else
#define VMFUNC		.byte 0x0f, 0x01, 0xd4
#endif

	.section .rodata.skybridge_tramp, "a"
	.balign SBT_PAGE
	.globl sb_tramp_start
sb_tramp_start:

/* ---- T0: client entry, plain view ------------------------------------- */
	push	%rbp
	push	%rbx
	push	%r12
	push	%r13
	push	%r14
	push	%r15
	pushfq
	sub	$8, %rsp		/* SysV: MXCSR's and the FCW's control bits are callee-saved */
	stmxcsr	(%rsp)
	fnstcw	4(%rsp)
	rdgsbase %rbx
	push	%rbx
	rdfsbase %rbx
	push	%rbx
	push	%rax			/* struct rseq * (T3 drops it) */
	/* The client's vector registers do not reach the server. */
	mov	%rdx, %rbx
	mov	$SBT_XCLEAR_MASK, %eax
	xor	%edx, %edx
	xrstor64 sb_xinit(%rip)
	mov	%rbx, %rdx
	mov	%r9d, %ecx		/* VMFUNC leaf 0, EPTP index: the server */
	xor	%ebx, %ebx
	xor	%ebp, %ebp
	xor	%r13d, %r13d		/* nest id: none */
	xor	%r14d, %r14d
	xor	%r15d, %r15d
	testb	$1, (%rsp)
	jnz	t0_nested
	jmp	t0_arm

	.long	SBT_RSEQ_SIG
t0_abort:				/* rseq abort: preempted, migrated or signalled */
t0_arm:
	mov	(%rsp), %r12
	lea	t0_rseq_cs(%rip), %rax
	mov	%rax, 8(%r12)		/* rseq->rseq_cs */
t0_cs_start:
	mov	4(%r12), %eax		/* rseq->cpu_id */
	cmp	$SKYBRIDGE_MAX_CPUS, %eax
	jae	t0_no_rseq
	shl	$SBT_CPU_SHIFT, %eax
	lea	sb_tramp_start + SBT_CPU(%rip), %r12
	mov	%rsp, SBC_RSP(%r12, %rax)
	xor	%eax, %eax
	xor	%r12d, %r12d
	jmp	t0_vmfunc

t0_no_rseq:
	mov	$-EOPNOTSUPP, %rdi
	xor	%esi, %esi
	jmp	t3_return

	/*
	 * A handler calls another server: no rseq and no per-CPU slot (the
	 * thread may move between CPUs before the call returns).  The
	 * frame's RSP and the call's nonce go to the nest record at the top
	 * of the handler's slot stack, where T2 in this server's return
	 * view finds them.
	 */
t0_nested:
	mov	(%rsp), %r12
	shr	$1, %r12		/* the handler's slot */
	cmp	$SKYBRIDGE_MAX_SLOTS, %r12
	jae	t0_bad_nested
	lea	(%r12, %r12, 2), %r12
	lea	INFO(SBI_SLOTS), %rax
	mov	SBI_SLOT_STACK(%rax, %r12, 8), %r12	/* its stack top */
	mov	$16, %r13d		/* RDRAND may fail transiently */
1:	rdrand	%rax
	jnc	2f
	test	%rax, %rax		/* 0 means "no call outstanding" */
	jnz	3f
2:	dec	%r13d
	jnz	1b
	mov	$-EAGAIN, %rdi
	xor	%esi, %esi
	jmp	t3_return
3:	mov	%rsp, -SBS_NEST_RSP(%r12)
	mov	%rax, -SBS_NEST_NONCE(%r12)
	mov	%rax, %r12		/* the nonce, to T1 */
	mov	(%rsp), %r13
	shr	$1, %r13
	inc	%r13			/* nest id: slot + 1 */
	mov	INFO(SBI_VIEW), %r14d
	inc	%r14d			/* this server's return view */
	xor	%eax, %eax
	jmp	t0_vmfunc

t0_bad_nested:
	mov	$-EINVAL, %rdi
	xor	%esi, %esi
	jmp	t3_return

	/* struct rseq_cs: the critical section runs through the VMFUNC. */
	.balign	32
t0_rseq_cs:
	.long	0, 0
	.quad	SB_TRAMP_BASE + (t0_cs_start - sb_tramp_start)
	.quad	SBT_PAGE - (t0_cs_start - sb_tramp_start)
	.quad	SB_TRAMP_BASE + (t0_abort - sb_tramp_start)

	.org	SBT_VMFUNC_SITE(SBT_T0), 0xcc
t0_vmfunc:
	VMFUNC

/* ---- T1: server side, the server's view ------------------------------- */
	/*
	 * Where the result goes: the landing view, or for a call from a
	 * handler (nest id in R13) that handler's return view, an odd index
	 * 3-511 (R14), with the nonce (R12), which T2 there checks.
	 */
	mov	$HV_VIEW_LANDING, %r15d
	test	%r13, %r13
	jz	1f
	cmp	$HV_NR_VIEWS, %r14
	jae	3f
	cmp	$HV_VIEW_FIRST, %r14
	jb	3f
	test	$1, %r14b
	jz	3f
	mov	%r14d, %r15d
	jmp	1f
3:	xor	%r12d, %r12d		/* not a return view: an ordinary call */
	xor	%r13d, %r13d
1:	cmp	INFO(SBI_VIEW), %ecx	/* landing check: am I in my view? */
	jne	t1_not_attached
	/*
	 * No user shadow stack (lockdown.c, sb_shstk_refused()): the next
	 * CALL would push to the client's SSP in this address space.  RDSSP
	 * leaves RAX alone (a NOP) while none is enabled.
	 */
	xor	%eax, %eax
	rdsspq	%rax
	test	%rax, %rax
	jnz	t1_shstk
	cmp	$SKYBRIDGE_MAX_ATTACH, %rdi
	jae	t1_denied
	lea	INFO(SBI_KEYS), %rax
	mov	(%rax, %rdi, 8), %rax
	test	%r11, %r11
	jz	t1_denied
	xor	%r11, %rax		/* constant time: one 64-bit compare */
	jnz	t1_denied
t1_claim:
	mov	INFO(SBI_BUSY), %rax
	mov	%rax, %rbx
	not	%rbx
	and	INFO(SBI_MASK), %rbx
	jz	t1_busy
	bsf	%rbx, %rbx
	lock bts %rbx, INFO(SBI_BUSY)
	jc	t1_claim
	lea	sb_tramp_start + SBT_COUNT(%rip), %rax
	lock incq SBN_CALLS(%rax, %rdi, 8)	/* this attachment's calls */
	lea	(%rbx, %rbx, 2), %rax
	lea	INFO(SBI_SLOTS), %rbp
	lea	(%rbp, %rax, 8), %rbp
	mov	SBI_SLOT_STACK(%rbp), %rsp
	sub	$SBS_RESERVED, %rsp	/* the slot's nest record */
	movq	$0, (%rsp)		/* no call of an earlier handler returns here */
	mov	SBI_SLOT_FS(%rbp), %rax
	wrfsbase %rax
	mov	SBI_SLOT_RSEQ(%rbp), %rax
	test	%rax, %rax
	jz	1f
	movl	$-1, 4(%rax)		/* rseq->cpu_id: not this thread's CPU */
1:	push	%rbx			/* T1's frame: tramp.h */
	push	%r13
	push	%r15
	push	%r12
	/*
	 * The handler starts from a state the SysV ABI allows, whatever the
	 * client left (docs/design.md, "The boundary"): no GS base of the
	 * client's, and RFLAGS with DF, AC, TF, NT, ID and the arithmetic
	 * flags clear (IF stays: POPF cannot change it at CPL 3).
	 */
	xor	%eax, %eax
	wrgsbase %rax
	mov	%r10, %rcx
	pushq	$SBT_RFLAGS_CLEAN
	popfq
	call	*INFO(SBI_HANDLER)
	/*
	 * A handler handed off to its slot thread (hv/cont.c) returns here
	 * in the plain view, where this page does not execute: the
	 * RootKernel takes that fetch as the end of the handoff.
	 */
	.globl	sb_tramp_t1_ret
sb_tramp_t1_ret:
	pop	%r12			/* nonce */
	pop	%rcx			/* landing view */
	pop	%r13			/* nest id */
	pop	%rbx			/* slot */
	and	$(SKYBRIDGE_MAX_SLOTS - 1), %ebx
	lock btr %rbx, INFO(SBI_BUSY)
	mov	%rax, %rdi		/* status */
	mov	%rdx, %rsi		/* value */
t1_leave:
	/*
	 * Nothing of the server's registers reaches the client: all but the
	 * results, and the landing view (ECX), nonce (R12) and nest id (R13);
	 * not the slot's FS base either (T2 loads the client's).
	 */
	mov	$SBT_XCLEAR_MASK, %eax
	xor	%edx, %edx
	xrstor64 sb_xinit(%rip)
	xor	%eax, %eax
	wrfsbase %rax
	xor	%ebx, %ebx
	xor	%ebp, %ebp
	xor	%r8d, %r8d
	xor	%r9d, %r9d
	xor	%r10d, %r10d
	xor	%r11d, %r11d
	xor	%r14d, %r14d
	xor	%r15d, %r15d
	jmp	t1_vmfunc

t1_not_attached:
	mov	$-EPIPE, %rdi
	jmp	2f
t1_shstk:
	mov	$-EPROTONOSUPPORT, %rdi
	jmp	2f
t1_denied:
	lock incq INFO(SBI_DENIED)
	mov	$-EACCES, %rdi
	jmp	2f
t1_busy:
	lea	sb_tramp_start + SBT_COUNT(%rip), %rax
	lock incq SBN_BUSY(%rax, %rdi, 8)	/* id checked with the key */
	mov	$-EBUSY, %rdi
2:	xor	%esi, %esi
	mov	%r15d, %ecx
	jmp	t1_leave

	/*
	 * The RootKernel ends a call whose handler faulted or made a system
	 * call (and was not handed off) here, in the server's view, with RDI
	 * = the status and every other register zero; the FS base is still
	 * the handler's.  Its slot is the busy one that lends that thread
	 * pointer; the T1 frame at the slot's stack top says where the result
	 * goes.  So the slot is released and a handler's own caller (a chain)
	 * gets the error.  No such slot: the ud2 ends the call at its first
	 * client instead (hv/call.c).
	 */
	.globl	sb_tramp_t1_abort
sb_tramp_t1_abort:
	rdfsbase %rax
	lea	INFO(SBI_SLOTS), %rbp
	xor	%ebx, %ebx
1:	bt	%rbx, INFO(SBI_BUSY)
	jnc	2f
	cmp	SBI_SLOT_FS(%rbp), %rax
	je	3f
2:	add	$SBI_SLOT_SIZE, %rbp
	inc	%ebx
	cmp	$SKYBRIDGE_MAX_SLOTS, %ebx
	jb	1b
	ud2
3:	mov	SBI_SLOT_STACK(%rbp), %rsp
	sub	$SBS_HANDLER_RSP, %rsp
	mov	%rdi, %rax
	xor	%edx, %edx
	jmp	sb_tramp_t1_ret

	.org	SBT_VMFUNC_SITE(SBT_T1), 0xcc
t1_vmfunc:
	VMFUNC

/* ---- T2: client return tail, landing view ----------------------------- */
	cmp	$HV_VIEW_LANDING, %ecx	/* ECX: the view VMFUNC entered */
	jne	t2_nested
	rdtscp				/* ECX = TSC_AUX: this CPU */
	and	$(SKYBRIDGE_MAX_CPUS - 1), %ecx
	shl	$SBT_CPU_SHIFT, %ecx
	lea	sb_tramp_start + SBT_CPU(%rip), %rax
	mov	SBC_RSP(%rax, %rcx), %rsp
	/*
	 * The client's FS and GS bases, from its own frame, before it is back
	 * in the plain view: from the first instruction there a signal may
	 * run the client's handlers, which must never see the server's.
	 */
	mov	SBF_FS(%rsp), %rax
	wrfsbase %rax
	mov	SBF_GS(%rsp), %rax
	wrgsbase %rax
	xor	%eax, %eax
	xor	%ecx, %ecx
	xor	%edx, %edx
	jmp	t2_vmfunc

	/*
	 * A return view (ECX odd, 3-511): the result of a call a handler of
	 * the server whose view is ECX - 1 made.  This is that server's
	 * address space; the slot's nest record must hold the call's nonce.
	 */
t2_nested:
	lea	-1(%r13), %rax		/* nest id - 1: the slot */
	cmp	$SKYBRIDGE_MAX_SLOTS, %rax
	jae	t2_refuse
	test	%r12, %r12
	jz	t2_refuse
	lea	(%rax, %rax, 2), %rax
	lea	INFO(SBI_SLOTS), %rdx
	mov	SBI_SLOT_STACK(%rdx, %rax, 8), %rdx	/* its stack top */
	cmp	-SBS_NEST_NONCE(%rdx), %r12
	jne	t2_refuse
	movq	$0, -SBS_NEST_NONCE(%rdx)	/* spent */
	mov	-SBS_NEST_RSP(%rdx), %rsp
	mov	SBF_FS(%rsp), %rax
	wrfsbase %rax
	mov	SBF_GS(%rsp), %rax
	wrgsbase %rax
	dec	%ecx			/* the server's view */
	xor	%eax, %eax
	xor	%edx, %edx
	xor	%r12d, %r12d
	xor	%r13d, %r13d
	jmp	t2_vmfunc

	/*
	 * Not a call this server is waiting for (a forged or replayed
	 * return): the exception ends the call at its first client, with
	 * EFAULT (hv/call.c).
	 */
t2_refuse:
	ud2

	.org	SBT_VMFUNC_SITE(SBT_T2), 0xcc
t2_vmfunc:
	VMFUNC

/* ---- T3: client return, plain view ------------------------------------- */
t3_return:
	/*
	 * FS and GS are the client's already: T2 loaded them from this frame,
	 * the RootKernel does when it sends a thread here, and T0's own
	 * early exit never changed them.
	 */
	mov	%rdi, %rax
	mov	%rsi, %rdx
	/*
	 * The rseq critical section is over: rseq->rseq_cs = NULL.  Left
	 * set, it points into this mapping, which a fork() child does not
	 * have: the kernel would kill the child with SIGSEGV on its first
	 * return to user mode.  A handler's frame (a chain) holds its tagged
	 * slot instead.
	 */
	mov	(%rsp), %rcx
	test	$1, %cl
	jnz	1f
	movq	$0, 8(%rcx)
	/*
	 * The client's own x87 and SSE control state, from its frame, on
	 * every way back: a server that skipped T1's clearing must not leave
	 * its MXCSR, control word or a non-empty x87 stack behind.
	 */
1:	fninit
	fldcw	SBF_FPCTL + 4(%rsp)
	ldmxcsr	SBF_FPCTL(%rsp)
	add	$SBF_RFLAGS, %rsp	/* struct rseq *, FS and GS base, control words */
	popfq
	pop	%r15
	pop	%r14
	pop	%r13
	pop	%r12
	pop	%rbx
	pop	%rbp
	ret

	/*
	 * An interrupt took the thread out of the server's view: the
	 * RootKernel left the token in R12 and RSP at the client's frame.
	 */
	.globl	sb_tramp_t3_resume
sb_tramp_t3_resume:
	mov	%r12, %rdi
	mov	$HC_RESUME, %eax
	vmcall				/* does not return on success */
	mov	%rax, %rdi
	xor	%esi, %esi
	jmp	t3_return

	/* XSAVE image of the init state (XSTATE_BV = 0), for XRSTOR. */
	.balign	64
sb_xinit:
	.word	0x037f			/* x87 FCW */
	.org	sb_xinit + 24, 0
	.long	0x1f80			/* MXCSR */
	.org	sb_xinit + 576, 0

	.org	SBT_T3 + SBT_PAGE, 0xcc
	.globl	sb_tramp_end
sb_tramp_end:
