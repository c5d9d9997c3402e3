// SPDX-License-Identifier: GPL-2.0
/*
 * bench-kvbench.c - kvbench's command-line contract and a tiny real run on
 * the host (fallback transport and UNIX socket): bad options exit 2 with a
 * message, a run prints one line per mechanism and mix in ns and exits 0,
 * guest mode never says ns.
 */
#include <stdlib.h>
#include <string.h>

#include "runcmd.h"
#include "../../tap.h"

#ifndef KVBENCH
#error "build with -DKVBENCH=\"path/to/kvbench\""
#endif

static int run(const char *args)
{
	return run_cmd("", KVBENCH, args);
}

static int count(const char *s, const char *what)
{
	int n = 0;

	for (; (s = strstr(s, what)); s++)
		n++;
	return n;
}

static void refuses(const char *args, const char *msg)
{
	char name[160];
	int rc = run(args);

	snprintf(name, sizeof(name), "kvbench %s: exit 2 and says \"%s\"", args, msg);
	tap_result(rc == 2 && strstr(err, msg), name, "exit %d, stderr: %s", rc, err);
}

int main(void)
{
	int rc;

	setvbuf(stdout, NULL, _IOLBF, 0);
	refuses("-n 0", "positive number");
	refuses("-v 5000", "at most 4096");
	refuses("-t 9", "at most 8 threads");
	refuses("-w AD", "letters from ABC");
	refuses("-m pipes", "skybridge and unix");
	refuses("extra", "unexpected argument");
	rc = run("--help");
	tap_result(rc == 0 && strstr(out, "Usage: kvbench"), "kvbench --help prints the usage",
		   "exit %d", rc);
	rc = run("--host -n 300 -r 50");
	tap_result(rc == 0 && count(out, "  ns\n") == 6 &&
		   count(out, "skybridge  fallback-futex") == 3 &&
		   count(out, "unix       stream socket") == 3,
		   "kvbench --host: 3 mixes over skybridge (fallback) and the socket, in ns",
		   "exit %d, output:\n%s%s", rc, out, err);
	rc = run("--guest -n 200 -r 20 -w C -m unix");
	tap_result(rc == 0 && count(out, "emulated instructions\n") == 1 &&
		   !strstr(out, " ns\n"),
		   "kvbench --guest states emulated instructions, never ns",
		   "exit %d, output:\n%s", rc, out);
	return tap_failures ? 1 : 0;
}
