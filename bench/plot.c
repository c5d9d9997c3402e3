// SPDX-License-Identifier: GPL-2.0
/*
 * plot.c - skybench's PNG: median latency per mechanism and payload, one
 * panel per placement, plus throughput; drawn by gnuplot from a data file.
 * Every axis names its unit.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench.h"


static const struct result *find(const struct result *res, size_t n,
				 const struct mech *m, const char *where,
				 size_t payload, int threads)
{
	for (size_t i = 0; i < n; i++)
		if (res[i].m == m && !strcmp(res[i].where, where) &&
		    res[i].payload == payload && res[i].threads == threads &&
		    !res[i].note[0])
			return &res[i];
	return NULL;
}

/* Distinct values, in first-seen order. */
static size_t collect_payloads(const struct result *res, size_t n, size_t *out,
			       size_t max)
{
	size_t k = 0;

	for (size_t i = 0; i < n; i++) {
		bool seen = false;

		if (!strcmp(res[i].where, "any"))
			continue;
		for (size_t j = 0; j < k; j++)
			seen |= out[j] == res[i].payload;
		if (!seen && k < max)
			out[k++] = res[i].payload;
	}
	return k;
}

static void write_latency_block(FILE *f, const struct result *res, size_t n,
				const struct env *e, const char *where,
				const size_t *pl, size_t npl)
{
	fprintf(f, "# %s\nmechanism", where);
	for (size_t p = 0; p < npl; p++)
		fprintf(f, "\t\"%zu B\"", pl[p]);
	fprintf(f, "\n");
	for (size_t i = 0; i < nmechs; i++) {
		bool any = false;

		for (size_t p = 0; p < npl; p++)
			any |= find(res, n, mechs[i], where, pl[p], 1) != NULL;
		if (!any)
			continue;
		fprintf(f, "\"%s\"", mechs[i]->key);
		for (size_t p = 0; p < npl; p++) {
			const struct result *r = find(res, n, mechs[i], where, pl[p], 1);

			if (!r)
				fprintf(f, "\t?");
			else if (e->guest)
				fprintf(f, "\t%llu", (unsigned long long)r->med);
			else
				fprintf(f, "\t%.1f", (double)r->med * 1000.0 / e->tsc_mhz);
		}
		fprintf(f, "\n");
	}
	fprintf(f, "\n\n");
}

static int write_throughput_block(FILE *f, const struct result *res, size_t n)
{
	int threads[4] = { 0 }, nt = 0, rows = 0;

	for (size_t i = 0; i < n; i++) {
		bool seen = false;

		if (strcmp(res[i].where, "any"))
			continue;
		for (int j = 0; j < nt; j++)
			seen |= threads[j] == res[i].threads;
		if (!seen && nt < 4)
			threads[nt++] = res[i].threads;
	}
	fprintf(f, "# throughput\nmechanism");
	for (int t = 0; t < nt; t++)
		fprintf(f, "\t\"%d thread%s\"", threads[t], threads[t] > 1 ? "s" : "");
	fprintf(f, "\n");
	for (size_t i = 0; i < nmechs; i++) {
		bool any = false;

		for (int t = 0; t < nt; t++)
			any |= find(res, n, mechs[i], "any", 0, threads[t]) != NULL;
		if (!any)
			continue;
		rows++;
		fprintf(f, "\"%s\"", mechs[i]->key);
		for (int t = 0; t < nt; t++) {
			const struct result *r = find(res, n, mechs[i], "any", 0, threads[t]);

			if (r)
				fprintf(f, "\t%.0f", r->calls_per_s / 1000.0);
			else
				fprintf(f, "\t?");
		}
		fprintf(f, "\n");
	}
	return rows ? nt : 0;
}

static void write_script(FILE *f, const char *png, const char *data,
			 const struct env *e, int npanels, size_t npl, int ntp,
			 bool same, bool cross)
{
	const char *unit = e->guest ? "emulated instructions" : "ns";
	int block = 0;

	fprintf(f, "set terminal pngcairo size 1200,%d noenhanced font ',10'\n",
		420 * npanels);
	fprintf(f, "set output '%s'\n", png);
	fprintf(f, "set datafile missing '?'\nset style data histograms\n");
	fprintf(f, "set style histogram clustered gap 1\nset style fill solid 0.8 border -1\n");
	fprintf(f, "set key outside right top\nset grid ytics\nset xtics rotate by -30\n");
	fprintf(f, "set multiplot layout %d,1 title 'skybench: %s, %s mode (%s); "
		"skybridge direct call: n/a (needs /dev/skybridge with VMFUNC)'\n",
		npanels, e->cpu, e->guest ? "guest" : "host",
		e->guest ? "RDTSC = emulated instructions" : "TSC-timed");
	for (int pl = 0; pl < 2; pl++) {
		if ((pl == 0 && !same) || (pl == 1 && !cross))
			continue;
		fprintf(f, "set logscale y\nset title 'median round-trip latency, %s'\n",
			pl == 0 ? "same core" : "cross core");
		fprintf(f, "set ylabel 'median round trip (%s, log scale)'\n", unit);
		fprintf(f, "plot for [c=2:%zu] '%s' index %d using c:xtic(1) title columnheader(c)\n",
			npl + 1, data, block++);
	}
	if (ntp) {
		fprintf(f, "unset logscale y\nset title 'throughput, null calls, unpinned'\n");
		fprintf(f, "set ylabel 'thousand calls per second%s'\n",
			e->guest ? " (emulated time)" : "");
		fprintf(f, "plot for [c=2:%d] '%s' index %d using c:xtic(1) title columnheader(c)\n",
			ntp + 1, data, block);
	}
	fprintf(f, "unset multiplot\n");
}

static int run_gnuplot(const char *script)
{
	pid_t pid = fork();
	int status;

	if (pid < 0)
		return -errno;
	if (pid == 0) {
		execlp("gnuplot", "gnuplot", script, (char *)NULL);
		_exit(127);
	}
	if (waitpid(pid, &status, 0) < 0)
		return -errno;
	if (WIFEXITED(status) && WEXITSTATUS(status) == 127)
		return -ENOENT;
	return WIFEXITED(status) && !WEXITSTATUS(status) ? 0 : -EIO;
}

int plot_png(const char *path, const struct result *res, size_t n,
	     const struct env *e)
{
	char dir[] = "/tmp/skybench-plot-XXXXXX", data[64], script[64];
	size_t pl[8], npl = collect_payloads(res, n, pl, 8);
	bool same = false, cross = false;
	FILE *df, *sf;
	int ntp, err;

	for (size_t i = 0; i < n; i++) {
		same |= !strcmp(res[i].where, "same-core") && !res[i].note[0];
		cross |= !strcmp(res[i].where, "cross-core") && !res[i].note[0];
	}
	if (!mkdtemp(dir))
		return -errno;
	snprintf(data, sizeof(data), "%s/data", dir);
	snprintf(script, sizeof(script), "%s/plot.gp", dir);
	df = fopen(data, "w");
	sf = fopen(script, "w");
	if (!df || !sf)
		return -errno;
	if (same)
		write_latency_block(df, res, n, e, "same-core", pl, npl);
	if (cross)
		write_latency_block(df, res, n, e, "cross-core", pl, npl);
	ntp = write_throughput_block(df, res, n);
	fclose(df);
	write_script(sf, path, data, e, same + cross + (ntp > 0), npl, ntp, same,
		     cross);
	fclose(sf);
	err = same + cross + (ntp > 0) ? run_gnuplot(script) : -ENODATA;
	unlink(data);
	unlink(script);
	rmdir(dir);
	return err;
}
