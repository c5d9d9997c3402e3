/* SPDX-License-Identifier: MIT */
/*
 * preflight.h - "skyctl check": can this box run skybridge?  The checks
 * read the machine only through struct pf_ops, so that a host test can
 * feed them canned CPUID leaves, MSRs and files (tests/host/lib/
 * test-preflight.c) and skyctl the real ones.
 */
#ifndef SB_PREFLIGHT_H
#define SB_PREFLIGHT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct pf_ops {
	/* CPUID leaf @leaf, subleaf @sub, on any CPU: r[0..3] = EAX..EDX. */
	void (*cpuid)(void *ctx, uint32_t leaf, uint32_t sub, uint32_t r[4]);
	/*
	 * MSR @msr of CPU @cpu: 0, or -ENOENT (no /dev/cpu/N/msr: the msr
	 * module is not loaded), -EACCES / -EPERM (not root), -EIO (the CPU
	 * has no such MSR).
	 */
	int (*rdmsr)(void *ctx, unsigned int cpu, uint32_t msr, uint64_t *val);
	/* A file's first @size - 1 bytes, NUL-terminated: length or -errno. */
	int (*read_file)(void *ctx, const char *path, char *buf, size_t size);
	/* Load the msr module (modprobe msr): 0 or -errno. */
	int (*load_msr)(void *ctx);
	const char *release;	/* the running kernel, uname -r */
	bool root;		/* effective uid 0 */
	void *ctx;
};

/* What "skyctl check" exits with. */
enum { PF_READY = 0, PF_NOT_READY = 1, PF_UNKNOWN = 2 };

/*
 * Run every check, print one line per check to @out ("PASS|WARN|FAIL|SKIP
 * name: what was seen") and a verdict line; return PF_READY if nothing
 * failed or was skipped, PF_NOT_READY if a check failed, else PF_UNKNOWN.
 */
int sb_preflight(const struct pf_ops *ops, FILE *out);

#endif /* SB_PREFLIGHT_H */
