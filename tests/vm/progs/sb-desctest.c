// SPDX-License-Identifier: GPL-2.0
/*
 * sb-desctest - user-mode SGDT, SIDT, SLDT and STR.  With the RootKernel
 * loaded they exit (descriptor-table exiting) and hv/desc.c carries them
 * out; they must behave exactly as on the bare CPU.
 *
 *   sb-desctest dump            print what the four instructions store
 *   sb-desctest faults [PREFIX] TAP checks: stores that fault deliver the
 *                               signal the CPU would, at the right address;
 *                               register forms keep or clear the upper bits
 *                               as the CPU does
 *   sb-desctest ldt SECS [PREFIX]  install an LDT (modify_ldt) and check
 *                               for SECS seconds that its descriptor stays
 *                               usable (LAR) while the kernel switches to
 *                               and from this process (LLDT, emulated under
 *                               the RootKernel) and while the module is
 *                               loaded or unloaded meanwhile
 *
 * The scenario compares "dump" before and after insmod on the same CPU.
 */
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <asm/ldt.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "../../tap.h"

struct __attribute__((packed)) dtr {
	uint16_t limit;
	uint64_t base;
};

static sigjmp_buf env;
static volatile void *fault_addr;
static volatile int fault_sig;

static void on_fault(int sig, siginfo_t *si, void *uc)
{
	(void)uc;
	fault_sig = sig;
	fault_addr = si->si_addr;
	siglongjmp(env, 1);
}

/* SIDT to @p; returns the signal it took (0: none). */
static int sidt_at(void *p)
{
	fault_sig = 0;
	fault_addr = NULL;
	if (sigsetjmp(env, 1) == 0)
		asm volatile("sidt (%0)" : : "r"(p) : "memory");
	return fault_sig;
}

static void dump(void)
{
	struct dtr idt, gdt;
	uint16_t ldt, tr;

	asm volatile("sidt %0" : "=m"(idt));
	asm volatile("sgdt %0" : "=m"(gdt));
	asm volatile("sldt %0" : "=m"(ldt));
	asm volatile("str %0" : "=m"(tr));
	printf("idt %#x %#llx\ngdt %#x %#llx\nldt %#x\ntr %#x\n", idt.limit,
	       (unsigned long long)idt.base, gdt.limit,
	       (unsigned long long)gdt.base, ldt, tr);
}

static int faults(const char *prefix)
{
	long pg = sysconf(_SC_PAGESIZE);
	struct sigaction sa = { .sa_sigaction = on_fault, .sa_flags = SA_SIGINFO };
	char name[160];
	uint8_t *m;
	struct dtr ref, got;
	uint64_t r;
	uint16_t tr;
	int sig;

	sigaction(SIGSEGV, &sa, NULL);
	sigaction(SIGBUS, &sa, NULL);
	asm volatile("sidt %0" : "=m"(ref));
	asm volatile("str %0" : "=m"(tr));

	/* Pages: fresh (never touched), read-only, writable, inaccessible. */
	m = mmap(NULL, 4 * pg, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (m == MAP_FAILED || mprotect(m + pg, pg, PROT_READ) ||
	    mprotect(m + 3 * pg, pg, PROT_NONE)) {
		perror("mmap");
		return 1;
	}

	snprintf(name, sizeof(name), "%sSIDT into a page not yet faulted in stores the IDTR", prefix);
	sig = sidt_at(m + 8);
	memcpy(&got, m + 8, sizeof(got));
	tap_result(!sig && got.limit == ref.limit && got.base == ref.base, name,
		   "signal %d, stored %#x %#llx, expected %#x %#llx", sig,
		   got.limit, (unsigned long long)got.base, ref.limit,
		   (unsigned long long)ref.base);

	snprintf(name, sizeof(name), "%sSIDT into a read-only page: SIGSEGV at that page", prefix);
	sig = sidt_at(m + pg + 16);
	tap_result(sig == SIGSEGV && fault_addr == m + pg + 16, name,
		   "signal %d at %p, expected %d at %p", sig, fault_addr,
		   SIGSEGV, (void *)(m + pg + 16));

	snprintf(name, sizeof(name), "%sSIDT across into an inaccessible page: SIGSEGV at its first byte", prefix);
	sig = sidt_at(m + 3 * pg - 4);
	tap_result(sig == SIGSEGV && fault_addr == m + 3 * pg, name,
		   "signal %d at %p, expected %d at %p", sig, fault_addr,
		   SIGSEGV, (void *)(m + 3 * pg));

	snprintf(name, sizeof(name), "%sSIDT to a non-canonical address: SIGSEGV", prefix);
	sig = sidt_at((void *)0x8000000000000000ull);
	tap_result(sig == SIGSEGV, name, "signal %d", sig);

	snprintf(name, sizeof(name), "%sSTR to a 16-bit register keeps bits 16-63", prefix);
	r = 0x1122334455667788ull;
	asm volatile(".byte 0x66, 0x0f, 0x00, 0xc8" : "+a"(r));	/* str %ax */
	tap_result(r == (0x1122334455660000ull | tr), name, "RAX %#llx",
		   (unsigned long long)r);

	snprintf(name, sizeof(name), "%sSTR to a 64-bit register zero-extends", prefix);
	r = 0x1122334455667788ull;
	asm volatile(".byte 0x48, 0x0f, 0x00, 0xc8" : "+a"(r));	/* str %rax */
	tap_result(r == tr, name, "RAX %#llx", (unsigned long long)r);

	snprintf(name, sizeof(name), "%sSLDT to a 32-bit register zero-extends", prefix);
	r = 0x1122334455667788ull;
	asm volatile(".byte 0x0f, 0x00, 0xc1" : "+c"(r));	/* sldt %ecx */
	tap_result(r == 0, name, "RCX %#llx (no LDT: selector 0)",
		   (unsigned long long)r);

	munmap(m, 4 * pg);
	return tap_failures ? 1 : 0;
}

/* LAR of LDT entry 0 at RPL 3: does the CPU see our LDT right now? */
static int ldt_usable(void)
{
	uint32_t ar = 0;
	uint8_t ok;

	asm volatile("lar %[sel], %[ar]\n\tsetz %[ok]"
		     : [ar] "=r"(ar), [ok] "=q"(ok) : [sel] "r"(0x7) : "cc");
	return ok && (ar & 0x8000);	/* present */
}

static int ldt_test(unsigned int secs, const char *prefix)
{
	struct user_desc d = {
		.entry_number = 0, .base_addr = 0, .limit = 0xfffff,
		.seg_32bit = 1, .contents = 0, .limit_in_pages = 1,
		.useable = 1,
	};
	unsigned long checks = 0, lost = 0, yields = 0;
	char name[160];
	time_t end;

	snprintf(name, sizeof(name), "%smodify_ldt installs an LDT entry", prefix);
	if (syscall(SYS_modify_ldt, 1, &d, sizeof(d))) {
		tap_result(0, name, "%s", strerror(errno));
		return 1;
	}
	tap_result(ldt_usable(), name, "LAR of selector 7 fails");
	end = time(NULL) + secs;
	while (time(NULL) < end) {
		for (int i = 0; i < 1000; i++, checks++)
			lost += !ldt_usable();
		usleep(500);	/* switch away and back: LLDT each time */
		yields++;
	}
	snprintf(name, sizeof(name), "%sthe LDT stays usable across %lu switches away and back",
		 prefix, yields);
	tap_result(!lost, name, "%lu of %lu checks found it gone", lost, checks);
	return tap_failures ? 1 : 0;
}

int main(int argc, char **argv)
{
	if (argc >= 2 && !strcmp(argv[1], "dump")) {
		dump();
		return 0;
	}
	if (argc >= 2 && !strcmp(argv[1], "faults"))
		return faults(argc > 2 ? argv[2] : "");
	if (argc >= 3 && !strcmp(argv[1], "ldt"))
		return ldt_test(atoi(argv[2]), argc > 3 ? argv[3] : "");
	fprintf(stderr, "usage: %s dump | faults [PREFIX] | ldt SECS [PREFIX]\n",
		argv[0]);
	return 2;
}
