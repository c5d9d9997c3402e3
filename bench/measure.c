// SPDX-License-Identifier: GPL-2.0
/*
 * measure.c - clocks, percentiles, CPU placement and the host/guest question.
 */
#include <cpuid.h>
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench.h"

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC_RAW, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

/*
 * TSC ticks per microsecond, against CLOCK_MONOTONIC_RAW over ~200 ms; the
 * best of three so a preemption in the middle does not skew it.
 */
double tsc_mhz_measure(void)
{
	double best = 0;

	for (int i = 0; i < 3; i++) {
		uint64_t n0 = mono_ns(), t0 = tsc_read(), n1, t1;
		struct timespec nap = { .tv_nsec = 70 * 1000 * 1000 };

		nanosleep(&nap, NULL);
		t1 = tsc_read();
		n1 = mono_ns();
		double mhz = (double)(t1 - t0) * 1000.0 / (double)(n1 - n0);

		/* A preempted read pair inflates n, lowering the rate: keep the max. */
		if (mhz > best)
			best = mhz;
	}
	return best;
}

int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* Nearest-rank percentile of sorted[0..n). */
uint64_t percentile(const uint64_t *sorted, size_t n, double p)
{
	size_t rank;

	if (!n)
		return 0;
	rank = (size_t)(p / 100.0 * (double)n + 0.999999);
	if (rank < 1)
		rank = 1;
	if (rank > n)
		rank = n;
	return sorted[rank - 1];
}

int pin_to_cpu(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	return sched_setaffinity(0, sizeof(set), &set) ? -errno : 0;
}

/* The first two CPUs we may run on; returns how many there are. */
int cpus_usable(int *first, int *second)
{
	cpu_set_t set;
	int n = 0;

	*first = *second = -1;
	if (sched_getaffinity(0, sizeof(set), &set))
		return 0;
	for (int cpu = 0; cpu < CPU_SETSIZE; cpu++) {
		if (!CPU_ISSET(cpu, &set))
			continue;
		if (n == 0)
			*first = cpu;
		else if (n == 1)
			*second = cpu;
		n++;
	}
	return n;
}

void cpu_model(char *buf, size_t len)
{
	FILE *f = fopen("/proc/cpuinfo", "r");
	char line[256];

	snprintf(buf, len, "unknown CPU");
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		char *colon = strchr(line, ':');

		if (strncmp(line, "model name", 10) || !colon)
			continue;
		colon += 2;
		colon[strcspn(colon, "\n")] = '\0';
		snprintf(buf, len, "%s", colon);
		break;
	}
	fclose(f);
}

static bool dmi_says_bochs(void)
{
	static const char *const files[] = {
		"/sys/class/dmi/id/bios_vendor",
		"/sys/class/dmi/id/sys_vendor",
	};

	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		FILE *f = fopen(files[i], "r");
		char line[128] = "";

		if (!f)
			continue;
		if (!fgets(line, sizeof(line), f))
			line[0] = '\0';
		fclose(f);
		if (strstr(line, "Bochs"))
			return true;
	}
	return false;
}

/* CPUID.1:ECX bit 31: running under some hypervisor. */
static bool cpuid_hypervisor_bit(void)
{
	unsigned int a, b, c, d;

	return __get_cpuid(1, &a, &b, &c, &d) && (c & (1u << 31));
}

/*
 * Are we the emulated lab machine, whose TSC counts instructions?  The CPUID
 * hypervisor bit alone cannot tell: the development hosts are themselves
 * KVM guests and set it.  Trust SKYBRIDGE_LAB=1 (the lab's init sets it) or
 * Bochs' own DMI strings; otherwise this is a host.
 */
bool lab_guest_detect(const char **why)
{
	const char *lab = getenv("SKYBRIDGE_LAB");

	if (lab && strcmp(lab, "1") == 0) {
		*why = "SKYBRIDGE_LAB=1";
		return true;
	}
	if (dmi_says_bochs()) {
		*why = "DMI vendor is Bochs";
		return true;
	}
	*why = cpuid_hypervisor_bit() ?
		"CPUID hypervisor bit set, but no Bochs signature: treated as a host" :
		"bare metal";
	return false;
}
