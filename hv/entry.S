/* SPDX-License-Identifier: GPL-2.0 */
/*
 * entry.S - the three places where control crosses VMX transitions:
 *
 *   hv_launch        VMLAUNCH into the current context: returns 0 as the
 *                    guest, at the same stack, right after the launch.
 *   hv_exit_entry    HOST_RIP: saves the guest GPRs as struct hv_regs,
 *                    calls hv_handle_exit(), then VMRESUMEs (or leaves VMX).
 *   hv_devirt_return after VMXOFF: resumes the former guest natively with
 *                    its GPRs, RIP, RSP and RFLAGS, through an IRET frame.
 */
#include <linux/linkage.h>
#include <linux/objtool.h>
#include <linux/version.h>
#include <asm/asm.h>
#include <asm/ibt.h>
#include <asm/segment.h>
#include <asm/unwind_hints.h>
#include <asm/nospec-branch.h>

/* 6.4: UNWIND_HINT_EMPTY became UNWIND_HINT_END_OF_STACK. */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 4, 0)
#define HV_UNWIND_HINT_EMPTY	UNWIND_HINT_END_OF_STACK
#else
#define HV_UNWIND_HINT_EMPTY	UNWIND_HINT_EMPTY
#endif

/* SDM Appendix B.4.3: natural-width guest-state fields. */
#define VMCS_GUEST_RSP	0x681c
#define VMCS_GUEST_RIP	0x681e

/* struct hv_regs: 16 slots, rax at offset 0 (see hv.h). */
#define REGS_SIZE	(16 * 8)

/* struct hv_devirt_frame offsets (hv.h). */
#define FRAME_RIP	0
#define FRAME_RSP	8
#define FRAME_RFLAGS	16
#define FRAME_CS	24
#define FRAME_SS	32

.macro PUSH_GUEST_REGS
	push %r15
	push %r14
	push %r13
	push %r12
	push %r11
	push %r10
	push %r9
	push %r8
	push %rdi
	push %rsi
	push %rbp
	push $0			/* rsp slot: filled from the VMCS by C */
	push %rbx
	push %rdx
	push %rcx
	push %rax
.endm

.macro POP_GUEST_REGS
	pop %rax
	pop %rcx
	pop %rdx
	pop %rbx
	add $8, %rsp
	pop %rbp
	pop %rsi
	pop %rdi
	pop %r8
	pop %r9
	pop %r10
	pop %r11
	pop %r12
	pop %r13
	pop %r14
	pop %r15
.endm

	.text

/*
 * int hv_launch(void)
 *
 * The VMCS is current and filled except for the guest RSP and RIP, which
 * point here.  Returns 0 when running as the guest (RAX is 0 at VMLAUNCH
 * and a VM entry keeps the GPRs), 1 for VMfailInvalid, 2 for VMfailValid
 * (VM_INSTRUCTION_ERROR says why), and 3 when the entry failed after its
 * checks of controls and host state (SDM 26.8): the exit entry then leaves
 * VMX and comes back here natively with RAX = 3 (hv_launch_unwind()).
 */
SYM_FUNC_START(hv_launch)
	push %rbp
	push %rbx
	push %r12
	push %r13
	push %r14
	push %r15
	pushf

	mov $VMCS_GUEST_RSP, %eax
	vmwrite %rsp, %rax
	jbe .Lfail_invalid
	lea .Lguest_resume(%rip), %rdx
	mov $VMCS_GUEST_RIP, %eax
	vmwrite %rdx, %rax
	jbe .Lfail_invalid

	xor %eax, %eax
	UNWIND_HINT_SAVE
	vmlaunch
	/* Only reached when VMLAUNCH failed. */
	mov $2, %eax
	jnc .Lout			/* VMfailValid: ZF=1, CF=0 */
.Lfail_invalid:
	mov $1, %eax
	jmp .Lout

.Lguest_resume:
	/*
	 * Now the guest: same stack, GPRs as at VMLAUNCH except RSP/RIP (RAX
	 * 0); or native again with RAX 3.  The hint needs an instruction that
	 * no jump reaches (objtool): a NOP.
	 */
	UNWIND_HINT_RESTORE
	nop
.Lout:
	popf
	pop %r15
	pop %r14
	pop %r13
	pop %r12
	pop %rbx
	pop %rbp
	RET
SYM_FUNC_END(hv_launch)

/*
 * VM-exit entry.  RSP = HOST_RSP = stack top - 16; the hv_cpu pointer is
 * at stack top - 8.  Interrupts are off (a VM exit clears RFLAGS.IF).
 */
SYM_CODE_START(hv_exit_entry)
	HV_UNWIND_HINT_EMPTY
	/*
	 * Reached by a VM exit (HOST_RIP), never by an indirect branch; but
	 * an ENDBR64 (a NOP to every CPU but one tracking indirect branches)
	 * means nothing here depends on what a VM exit does to the IBT
	 * tracker, and objtool, which sees the address taken, is satisfied.
	 * KVM's vmx_vmexit does the same.  Empty without CONFIG_X86_KERNEL_IBT.
	 */
	ENDBR
	PUSH_GUEST_REGS
	mov %rsp, %rdi				/* struct hv_regs * */
	mov REGS_SIZE + 8(%rsp), %rsi		/* struct hv_cpu * */
	call hv_handle_exit
	test %eax, %eax
	jnz .Lleave_vmx

	POP_GUEST_REGS
	vmresume
	/*
	 * Only reached when VMRESUME failed.  hv_resume_failed() is
	 * __noreturn, and objtool (6.12) knows it: nothing may follow.
	 */
	PUSH_GUEST_REGS
	mov REGS_SIZE + 8(%rsp), %rdi
	call hv_resume_failed

.Lleave_vmx:
	/* hv_handle_exit() did VMXOFF and restored the native state. */
	mov %rsp, %rdi
	mov REGS_SIZE + 8(%rsp), %rsi	/* &hc->devirt: offset 0 */
	jmp hv_devirt_return
SYM_CODE_END(hv_exit_entry)

/*
 * void hv_devirt_return(struct hv_regs *regs, struct hv_devirt_frame *f)
 *
 * Build an IRET frame on this (host) stack from @f, below it a copy of
 * @regs, load every GPR from the copy and IRET: RSP, RFLAGS, CS and RIP come
 * back in one instruction and nothing is written to the guest's stack.
 */
SYM_CODE_START(hv_devirt_return)
	HV_UNWIND_HINT_EMPTY
	lea -(REGS_SIZE + 5 * 8)(%rdi), %rsp
	mov FRAME_RIP(%rsi), %rax
	mov %rax, REGS_SIZE(%rsp)
	mov FRAME_CS(%rsi), %rax
	mov %rax, REGS_SIZE + 8(%rsp)
	mov FRAME_RFLAGS(%rsi), %rax
	mov %rax, REGS_SIZE + 16(%rsp)
	mov FRAME_RSP(%rsi), %rax
	mov %rax, REGS_SIZE + 24(%rsp)
	mov FRAME_SS(%rsi), %rax
	mov %rax, REGS_SIZE + 32(%rsp)
	mov %rdi, %rsi
	mov %rsp, %rdi
	mov $16, %ecx
	cld
	rep movsq
	POP_GUEST_REGS
	UNWIND_HINT_IRET_REGS
	iretq
SYM_CODE_END(hv_devirt_return)
