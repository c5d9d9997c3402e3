// SPDX-License-Identifier: GPL-2.0
/*
 * sb-hvcheck - what an unprivileged process sees of the RootKernel.
 *
 * Usage: sb-hvcheck on|off [PREFIX]
 *
 * "on": the module is loaded.  CPUID 0x40000000 carries the skybridge
 * signature and 0x40000001 the version; CPUID.1 hides VMX and sets the
 * hypervisor bit; a CPL-3 VMCALL gets the version for HC_VERSION, -EPERM for
 * privileged numbers and -ENOSYS for unknown ones, with no other register
 * changed; VMX instructions and a VMFUNC to an invalid EPTP-list index raise
 * a signal in this process; VMFUNC to index 0 (the plain view) returns.
 *
 * "off": no RootKernel.  No signature, VMCALL and VMFUNC raise SIGILL.
 *
 * Prints "ok - ..." / "not ok - ..." lines; exits 1 if any check failed.
 */
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cpuid.h>

#include "../../tap.h"
#include "uapi/skybridge_hv.h"

static const char *prefix = "";
static sigjmp_buf trap_env;
static volatile sig_atomic_t trap_sig;

static void on_trap(int sig)
{
	trap_sig = sig;
	siglongjmp(trap_env, 1);
}

struct regs {
	uint64_t rax, rbx, rcx, rdx, rsi, rdi, r8, r9, r10, r11;
};

/* VMCALL with RAX=nr, RDI/RSI/RDX args; records every GPR afterwards. */
static void do_vmcall(uint64_t nr, struct regs *out)
{
	register uint64_t r8 asm("r8") = 0x8888;
	register uint64_t r9 asm("r9") = 0x9999;
	register uint64_t r10 asm("r10") = 0x1010;
	uint64_t rax = nr, rbx = 0xbbbb, rcx = 0xcccc, rdx = 0xdddd;
	uint64_t rsi = 0x5151, rdi = 0xd1d1;

	asm volatile("vmcall"
		     : "+a"(rax), "+b"(rbx), "+c"(rcx), "+d"(rdx), "+S"(rsi),
		       "+D"(rdi), "+r"(r8), "+r"(r9), "+r"(r10)
		     : : "memory", "cc");
	*out = (struct regs){ rax, rbx, rcx, rdx, rsi, rdi, r8, r9, r10, 0 };
}

static int others_intact(const struct regs *r)
{
	return r->rbx == 0xbbbb && r->rcx == 0xcccc && r->rdx == 0xdddd &&
	       r->rsi == 0x5151 && r->rdi == 0xd1d1 && r->r8 == 0x8888 &&
	       r->r9 == 0x9999 && r->r10 == 0x1010;
}

/* Run @fn; return the signal it raised, or 0. */
static int trapped(void (*fn)(void))
{
	struct sigaction sa = { .sa_handler = on_trap };

	sigemptyset(&sa.sa_mask);
	sa.sa_flags = SA_NODEFER;
	sigaction(SIGILL, &sa, NULL);
	sigaction(SIGSEGV, &sa, NULL);
	trap_sig = 0;
	if (!sigsetjmp(trap_env, 1))
		fn();
	signal(SIGILL, SIG_DFL);
	signal(SIGSEGV, SIG_DFL);
	return trap_sig;
}

static void vmcall_version(void)
{
	struct regs r;

	do_vmcall(HC_VERSION, &r);
}

static void vmfunc_index(uint32_t idx)
{
	asm volatile("vmfunc" : : "a"(0), "c"(idx) : "memory");
}

static void vmfunc_0(void) { vmfunc_index(0); }
static void vmfunc_1(void) { vmfunc_index(1); }
static void vmfunc_511(void) { vmfunc_index(511); }
static void vmfunc_bad_function(void)
{
	asm volatile("vmfunc" : : "a"(1), "c"(0) : "memory");
}

static void vmx_vmclear(void)
{
	uint64_t pa = 0;

	asm volatile("vmclear %0" : : "m"(pa) : "memory", "cc");
}

static void vmx_vmxoff(void)
{
	asm volatile("vmxoff" : : : "memory", "cc");
}

static void vmx_vmread(void)
{
	uint64_t v, f = 0x681e;

	asm volatile("vmread %1, %0" : "=r"(v) : "r"(f) : "cc");
}

#define NAME(buf, fmt, ...) snprintf(buf, sizeof(buf), "%s" fmt, prefix, ##__VA_ARGS__)

static void check_signal(void (*fn)(void), const char *what, int want_any)
{
	char name[160];
	int sig = trapped(fn);

	if (want_any) {
		NAME(name, "%s raises SIGILL or SIGSEGV in the caller", what);
		tap_result(sig == SIGILL || sig == SIGSEGV, name,
			   "got signal %d", sig);
	} else {
		NAME(name, "%s returns normally", what);
		tap_result(sig == 0, name, "got signal %d", sig);
	}
}

static void check_on(void)
{
	unsigned int a, b, c, d;
	char name[160];
	struct regs r;

	__cpuid(0x40000000, a, b, c, d);
	NAME(name, "CPUID 0x40000000 has the SkyBridgeRK signature");
	tap_result(b == HV_CPUID_SIG_EBX && c == HV_CPUID_SIG_ECX && d == HV_CPUID_SIG_EDX &&
		   a >= 0x40000001, name, "eax %x ebx %x ecx %x edx %x", a, b, c, d);
	__cpuid(0x40000001, a, b, c, d);
	NAME(name, "CPUID 0x40000001 has the version");
	tap_result(a == HV_VERSION, name, "eax %x", a);
	__cpuid(1, a, b, c, d);
	NAME(name, "CPUID.1:ECX hides VMX (bit 5)");
	tap_result(!(c & (1u << 5)), name, "ecx %x", c);
	NAME(name, "CPUID.1:ECX sets hypervisor-present (bit 31)");
	tap_result(c & (1u << 31), name, "ecx %x", c);

	do_vmcall(HC_VERSION, &r);
	NAME(name, "CPL-3 VMCALL HC_VERSION returns the version");
	tap_result(r.rax == HV_VERSION, name, "rax %lx", (long)r.rax);
	NAME(name, "CPL-3 VMCALL leaves every other register intact");
	tap_result(others_intact(&r), name, "rbx %lx rcx %lx rdx %lx rsi %lx rdi %lx",
		   (long)r.rbx, (long)r.rcx, (long)r.rdx, (long)r.rsi,
		   (long)r.rdi);
	do_vmcall(HC_PRIVILEGED_BASE, &r);	/* HC_DEVIRTUALIZE */
	NAME(name, "CPL-3 VMCALL HC_DEVIRTUALIZE is refused with -EPERM");
	tap_result((int64_t)r.rax == -EPERM, name, "rax %ld", (long)r.rax);
	do_vmcall(HC_PRIVILEGED_BASE + 1, &r);	/* HC_GET_STATS */
	NAME(name, "CPL-3 VMCALL HC_GET_STATS is refused with -EPERM");
	tap_result((int64_t)r.rax == -EPERM, name, "rax %ld", (long)r.rax);
	do_vmcall(0x777, &r);
	NAME(name, "CPL-3 VMCALL with an unknown number gets -ENOSYS");
	tap_result((int64_t)r.rax == -ENOSYS, name, "rax %ld", (long)r.rax);
	do_vmcall(~0ull, &r);
	NAME(name, "CPL-3 VMCALL with number ~0 gets -EPERM");
	tap_result((int64_t)r.rax == -EPERM, name, "rax %ld", (long)r.rax);

	check_signal(vmx_vmclear, "VMCLEAR at CPL 3", 1);
	check_signal(vmx_vmxoff, "VMXOFF at CPL 3", 1);
	check_signal(vmx_vmread, "VMREAD at CPL 3", 1);
	check_signal(vmfunc_0, "VMFUNC to view 0 (plain)", 0);
	check_signal(vmfunc_1, "VMFUNC to the landing view 1: no signal, back in the plain view", 0);
	check_signal(vmfunc_511, "VMFUNC to unused view 511", 1);
	check_signal(vmfunc_bad_function, "VMFUNC function 1 (undefined)", 1);
}

static void check_off(void)
{
	unsigned int a, b, c, d;
	char name[160];

	__cpuid(0x40000000, a, b, c, d);
	NAME(name, "no RootKernel signature without the module");
	tap_result(!(b == HV_CPUID_SIG_EBX && c == HV_CPUID_SIG_ECX && d == HV_CPUID_SIG_EDX),
		   name, "signature present");
	__cpuid(1, a, b, c, d);
	NAME(name, "CPUID.1:ECX shows VMX natively");
	tap_result(c & (1u << 5), name, "ecx %x", c);
	check_signal(vmcall_version, "VMCALL without the module", 1);
	check_signal(vmfunc_0, "VMFUNC without the module", 1);
}

int main(int argc, char **argv)
{
	if (argc < 2 || argc > 3 ||
	    (strcmp(argv[1], "on") && strcmp(argv[1], "off"))) {
		fprintf(stderr, "usage: sb-hvcheck on|off [PREFIX]\n");
		return 2;
	}
	if (argc == 3)
		prefix = argv[2];
	if (!strcmp(argv[1], "on"))
		check_on();
	else
		check_off();
	return tap_exit();
}
