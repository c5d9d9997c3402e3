// SPDX-License-Identifier: GPL-2.0
/*
 * trampath - the direct-call trampoline's path on real hardware, with the
 * address-space switches left out.
 *
 * The lab's figures for a direct call are emulated-instruction path
 * lengths; they say nothing about cycles.  This program runs the very
 * trampoline code the module maps (kmod/tramp.S, assembled again with each
 * of its three VMFUNCs replaced by a 3-byte NOP) as ordinary user memory at
 * the trampoline's fixed address, with an INFO page set up the way the
 * kernel sets it up for one server, and times a null call through it with
 * the TSC on the host: T0 (frame, vector-state clearing, the rseq critical
 * section), T1 (landing and key checks, slot claim, call counter, stack and
 * TLS switch, a null handler, clearing), T2 (RDTSCP, RSP from the per-CPU
 * slot, FS/GS from the frame) and T3.
 *
 * A direct call on VT-x hardware costs this path plus its 3 VMFUNCs (and
 * whatever the EPTP switches do to the TLB and caches, which the NOPs do
 * not): "path + 3 x VMFUNC" is a lower bound, never an estimate.
 *
 * Usage: trampath [-n SAMPLES] [-w WARMUP] [-c CPU] [-s]
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/mman.h>
#include <unistd.h>

#include "bench.h"
#include "sb_tramp.h"
#include "uapi/skybridge_tramp.h"

#define VIEW	7	/* any index: T1 compares it with the INFO page's */
#define ID	3
#define KEY	0x5eed5eed5eed5eedULL

/* The null handler: status 0, value 0, no stack use. */
__asm__(".pushsection .text\n"
	".type tp_null_handler, @function\n"
	"tp_null_handler:\n"
	"\txor %eax, %eax\n"
	"\txor %edx, %edx\n"
	"\tret\n"
	".size tp_null_handler, . - tp_null_handler\n"
	".popsection");
void tp_null_handler(void);

/* A struct rseq for the slot: T1 writes -1 into its cpu_id. */
static struct rseq slot_rseq __attribute__((aligned(32)));

static void usage(FILE *f)
{
	fprintf(f,
"Usage: trampath [-n SAMPLES] [-w WARMUP] [-c CPU] [-s]\n"
"\n"
"Time the skybridge trampoline's own path (kmod/tramp.S with its three\n"
"VMFUNCs replaced by 3-byte NOPs, so no address-space switch) on this\n"
"machine, in TSC ticks and ns: min, median and p99 of SAMPLES null calls\n"
"(default 100000) after WARMUP (default 10000), pinned to CPU (default:\n"
"the first usable one).  Needs x86-64 with FSGSBASE enabled by the kernel\n"
"(Linux 5.9 or later) and glibc's rseq registration; no VT-x, no module.\n"
"\n"
"A direct call on hardware costs this path plus 3 VMFUNCs plus their TLB\n"
"and cache effects: the printed path is the part of a lower bound that can\n"
"be measured without VT-x.  Exit status 3: FSGSBASE or rseq missing.\n"
"\n"
"-s  instead, check the trampoline's refusals (wrong key, key 0, id out of\n"
"    range, wrong view) and its counters; prints TAP lines, exits 1 on a\n"
"    failure.\n");
}

static int setup(void)
{
	extern const char sb_tramp_start[];
	const size_t code = SB_TRAMP_CODE_PAGES * 4096UL;
	const size_t data = SB_TRAMP_DATA_PAGES * 4096UL;
	char *c, *d, *info;
	void *stack = sb_stack_alloc(64 * 1024);

	c = mmap((void *)SB_TRAMP_BASE, code, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
	d = mmap((void *)SB_TRAMP_DATA, data, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE | MAP_POPULATE,
		 -1, 0);
	if (c != (void *)SB_TRAMP_BASE || d != (void *)SB_TRAMP_DATA || !stack) {
		fprintf(stderr, "trampath: cannot map the trampoline at 0x%llx: %s\n",
			(unsigned long long)SB_TRAMP_BASE, strerror(errno));
		return -1;
	}
	memcpy(c, sb_tramp_start, code);
	if (mprotect(c, code, PROT_READ | PROT_EXEC))
		return -1;
	/* What server.c writes for a registered server with one slot. */
	info = d;		/* the data pages start with INFO */
	*(uint32_t *)(info + SBI_VIEW) = VIEW;
	*(uint64_t *)(info + SBI_MASK) = 1;
	*(uint64_t *)(info + SBI_HANDLER) = (uint64_t)tp_null_handler;
	*(uint64_t *)(info + SBI_SLOTS + SBI_SLOT_STACK) = (uint64_t)stack;
	/* The slot lends this thread's own TLS: a signal meanwhile is safe. */
	*(uint64_t *)(info + SBI_SLOTS + SBI_SLOT_FS) = sb_thread_pointer();
	*(uint64_t *)(info + SBI_SLOTS + SBI_SLOT_RSEQ) = (uint64_t)&slot_rseq;
	*(uint64_t *)(info + SBI_KEYS + 8 * ID) = KEY;
	return 0;
}

/*
 * The trampoline's refusals, which the host can check without VT-x: each
 * case is one call; its status and the INFO/COUNT counters are compared.
 */
static int selftest(uint64_t rseq)
{
	const char *info = (const char *)SB_TRAMP_DATA;
	const uint64_t *denied = (const uint64_t *)(info + SBI_DENIED);
	const uint64_t *calls = (const uint64_t *)(SB_TRAMP_DATA + SBT_COUNT -
						    SBT_INFO + SBN_CALLS);
	static const struct {
		const char *what;
		uint64_t id, view, key;
		int64_t status;
		int denied, called;
	} cases[] = {
		{ "the right id, view and key", ID, VIEW, KEY, 0, 0, 1 },
		{ "a wrong key", ID, VIEW, KEY ^ 1, -EACCES, 1, 0 },
		{ "key 0 for an id without attachment", 0, VIEW, 0, -EACCES, 1, 0 },
		{ "an id past the key table", SKYBRIDGE_MAX_ATTACH, VIEW, KEY, -EACCES, 1, 0 },
		{ "another view index (the landing check)", ID, VIEW + 1, KEY, -EPIPE, 0, 0 },
	};
	int fails = 0;

	for (size_t k = 0; k < sizeof(cases) / sizeof(cases[0]); k++) {
		uint64_t d0 = *denied, c0 = calls[ID];
		struct sb_tramp_res r = sb_tramp_call(cases[k].id, 1, 2, 3, 4,
						      cases[k].view, cases[k].key,
						      rseq);
		int ok = r.status == cases[k].status && r.value == 0 &&
			 *denied - d0 == (uint64_t)cases[k].denied &&
			 calls[ID] - c0 == (uint64_t)cases[k].called;

		printf("%s - trampoline on the host: %s: status %lld",
		       ok ? "ok" : "not ok", cases[k].what, (long long)r.status);
		if (!ok)
			printf(" (want %lld), denied +%llu, calls +%llu",
			       (long long)cases[k].status,
			       (unsigned long long)(*denied - d0),
			       (unsigned long long)(calls[ID] - c0));
		printf("\n");
		fails += !ok;
	}
	return fails ? 1 : 0;
}

int main(int argc, char **argv)
{
	unsigned long n = 100000, warm = 10000, i, bad = 0;
	int cpu = -1, opt, other, self = 0;
	uint64_t *t, rseq = sb_rseq_area(), floor_med = 0;
	double mhz;
	char model[128];

	while ((opt = getopt(argc, argv, "n:w:c:sh")) != -1) {
		switch (opt) {
		case 's': self = 1; break;
		case 'n': n = strtoul(optarg, NULL, 0); break;
		case 'w': warm = strtoul(optarg, NULL, 0); break;
		case 'c': cpu = atoi(optarg); break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind != argc || n < 100) {
		usage(stderr);
		return 2;
	}
	/* HWCAP2_FSGSBASE (bit 1): the kernel lets user space use WRFSBASE. */
	if (!(getauxval(AT_HWCAP2) & (1UL << 1))) {
		fprintf(stderr, "trampath: the kernel has not enabled FSGSBASE for user space (Linux 5.9 or later on a CPU with it); the trampoline needs it\n");
		return 3;
	}
	if (!rseq) {
		fprintf(stderr, "trampath: glibc registers no rseq area here (GLIBC_TUNABLES=glibc.pthread.rseq=0?); the trampoline needs one\n");
		return 3;
	}
	if (cpu < 0 && cpus_usable(&cpu, &other) < 1)
		cpu = 0;
	if (pin_to_cpu(cpu)) {
		fprintf(stderr, "trampath: cannot pin to CPU %d: %s\n", cpu,
			strerror(errno));
		return 1;
	}
	if (setup())
		return 1;
	if (self)
		return selftest(rseq);
	t = calloc(n, sizeof(*t));
	if (!t)
		return 1;
	for (i = 0; i < warm + n; i++) {
		uint64_t t0 = tsc_read();
		struct sb_tramp_res r = sb_tramp_call(ID, 1, 2, 3, 4, VIEW, KEY,
						      rseq);
		uint64_t t1 = tsc_read();

		if (r.status || r.value)
			bad++;
		if (i >= warm)
			t[i - warm] = t1 - t0;
	}
	if (bad) {
		fprintf(stderr, "trampath: %lu calls returned a status or value other than 0\n",
			bad);
		return 1;
	}
	qsort(t, n, sizeof(*t), cmp_u64);
	/* The floor: the two TSC reads alone. */
	{
		uint64_t *e = calloc(n, sizeof(*e));

		if (!e)
			return 1;
		for (i = 0; i < n; i++) {
			uint64_t t0 = tsc_read();

			e[i] = tsc_read() - t0;
		}
		qsort(e, n, sizeof(*e), cmp_u64);
		floor_med = percentile(e, n, 50);
		free(e);
	}
	mhz = tsc_mhz_measure();
	cpu_model(model, sizeof(model));
	printf("# trampath: the trampoline's path without VMFUNC, on this host\n");
	printf("# cpu %d: %s; TSC %.0f MHz; %lu samples after %lu warm-up\n",
	       cpu, model, mhz, n, warm);
	printf("# every call returned status 0, value 0 (checked)\n");
	printf("%-44s %10s %10s %10s\n", "", "min", "median", "p99");
	printf("%-44s %10llu %10llu %10llu\n",
	       "null call, 3 NOPs for VMFUNC (TSC ticks)",
	       (unsigned long long)t[0],
	       (unsigned long long)percentile(t, n, 50),
	       (unsigned long long)percentile(t, n, 99));
	printf("%-44s %10.1f %10.1f %10.1f\n", "  the same in ns", t[0] * 1e3 / mhz,
	       percentile(t, n, 50) * 1e3 / mhz, percentile(t, n, 99) * 1e3 / mhz);
	printf("%-44s %10s %10llu\n", "the two lfence;rdtsc reads alone (TSC ticks)",
	       "", (unsigned long long)floor_med);
	printf("# the call's rows include those two reads\n");
	printf("# lower bound for a direct call on VT-x hardware: the median above\n"
	       "# + 3 x the cost of one VMFUNC (EPTP switch) + its TLB and cache effects.\n"
	       "# No citable per-VMFUNC figure is recorded here (docs/benchmarks.md),\n"
	       "# so no number is printed for the sum.\n");
	free(t);
	return 0;
}
