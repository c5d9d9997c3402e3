// SPDX-License-Identifier: GPL-2.0
/*
 * bench-skybench.c - skybench's command-line contract and a tiny real run:
 * bad options fail with exit 2 and one clear message, units are stated,
 * the direct call is reported as unavailable, guest mode never says ns.
 */
#include <stdlib.h>
#include <string.h>

#include "runcmd.h"
#include "../../tap.h"

#ifndef SKYBENCH
#error "build with -DSKYBENCH=\"path/to/skybench\""
#endif

/* Run skybench with @args (and @env prefix); returns its exit status. */
static int run(const char *env, const char *args)
{
	return run_cmd(env, SKYBENCH, args);
}

static int lines(const char *s)
{
	int n = 0;

	for (; *s; s++)
		n += *s == '\n';
	return n;
}

static void refuses(const char *args, const char *msg)
{
	char name[160];
	int rc = run("", args);

	snprintf(name, sizeof(name), "skybench %s: exit 2, \"%s\"", args, msg);
	tap_result(rc == 2 && strstr(err, msg) && strstr(err, "Try 'skybench --help'") &&
	      lines(err) == 2 && !out[0], name, "rc %d, stderr: %.200s", rc, err);
}

int main(void)
{
	char csv[64], name[] = "skybench -n 200 ... runs and states its units";
	int rc;

	setvbuf(stdout, NULL, _IOLBF, 0);
	rc = run("", "--help");
	tap_result(rc == 0 && strstr(out, "Usage: skybench [OPTIONS]") &&
	      strstr(out, "emulated instructions"), "skybench --help prints the usage",
	      "rc %d", rc);
	refuses("--bogus", "unknown option '--bogus'");
	refuses("-n 5", "--samples wants a number from 100");
	refuses("-n", "option -n needs an argument");
	refuses("-m nosuch", "unknown mechanism 'nosuch'");
	refuses("-p 1M", "--payloads: '1M' is not a size");
	refuses("--placement up", "--placement wants same, cross or both");
	refuses("extra", "unexpected argument 'extra'");
	rc = run("", "--list");
	tap_result(rc == 0 && lines(out) == 11 && strstr(out, "direct") && strstr(out, "raw"),
	      "skybench --list names the 11 mechanisms", "rc %d, %d lines", rc,
	      lines(out));

	snprintf(csv, sizeof(csv), "/tmp/skybench-test-%d.csv", (int)getpid());
	{
		char args[256];

		snprintf(args, sizeof(args), "-q -n 200 -w 20 -m skybridge,direct,pipe "
			 "-p 0,64 --placement same --no-throughput --host --csv %s", csv);
		rc = run("", args);
		tap_result(rc == 0 && strstr(out, "# unit: ns (TSC ticks") &&
		      strstr(out, "skybridge fallback (futex)               0 ") &&
		      strstr(out, "n/a (needs /dev/skybridge with VMFUNC)"), name,
		      "rc %d, out: %.300s err: %.200s", rc, out, err);
		slurp(csv, out, sizeof(out));
		tap_result(lines(out) == 7 && strstr(out, ",TSC ticks,"),
		      "the CSV has a header and one row per case, unit column set",
		      "%d lines", lines(out));
		snprintf(args, sizeof(args), "-q -n 100 -w 10 -m futex -p 0 --placement same "
			 "--no-throughput --csv %s", csv);
		rc = run("SKYBRIDGE_LAB=1", args);
		tap_result(rc == 0 && strstr(out, "guest mode (SKYBRIDGE_LAB=1)") &&
		      strstr(out, "unit: emulated instructions") && !strstr(out, " ns"),
		      "SKYBRIDGE_LAB=1: figures are emulated instructions, never ns",
		      "rc %d, out: %.300s", rc, out);
		slurp(csv, out, sizeof(out));
		tap_result(strstr(out, ",emulated instructions,") && !strstr(out, ",TSC ticks,"),
		      "guest-mode CSV labels the unit emulated instructions", "%.200s", out);
		unlink(csv);
	}
	return tap_failures ? 1 : 0;
}
