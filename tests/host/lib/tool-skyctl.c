// SPDX-License-Identifier: GPL-2.0
/*
 * tool-skyctl.c - skyctl's command line and output, on the host: against a
 * stand-in for the module (fake-sysstats.so, preloaded), each "stats"
 * section prints the debugfs file's format for known figures, the human
 * views show them, the request follows the ABI's rules and grows until the
 * records fit; and each failure (no module, no permission, an older
 * module, the server list without root, bad usage) gives its message and
 * exit status.  In the lab, sb-sysstats checks skyctl against the real
 * debugfs files.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "runcmd.h"
#include "../../tap.h"

#if !defined(SKYCTL) || !defined(FAKE_SO)
#error "build with -DSKYCTL=\"path/to/skyctl\" -DFAKE_SO=\"path/to/fake-sysstats.so\""
#endif

#define SKYBRIDGE_DEVICE_PATH_HOST	"/dev/skybridge"

static char logpath[64];

/* Whether this host's CPU shows VMX ("vmx" among /proc/cpuinfo's flags). */
static bool has_vmx(void)
{
	char line[8192];
	bool vmx = false;
	FILE *f = fopen("/proc/cpuinfo", "r");

	while (f && fgets(line, sizeof(line), f))
		if (!strncmp(line, "flags", 5) && strstr(line, " vmx"))
			vmx = true;
	if (f)
		fclose(f);
	return vmx;
}

/* skyctl @args with the fake module in mode @mode (and extra @env). */
static int run(const char *mode, const char *env, const char *args)
{
	char e[512];

	snprintf(e, sizeof(e), "LD_PRELOAD=%s FAKE_SYSSTATS=%s FAKE_LOG=%s %s",
		 FAKE_SO, mode, logpath, env);
	unlink(logpath);
	return run_cmd(e, SKYCTL, args);
}

static void prints(const char *args, const char *want)
{
	char name[160];
	int rc = run("ok", "", args);

	snprintf(name, sizeof(name), "skyctl %s: prints the debugfs format", args);
	tap_result(rc == 0 && !strcmp(out, want) && !err[0], name,
		   "exit %d, stdout \"%s\", expected \"%s\", stderr \"%s\"", rc,
		   out, want, err);
}

static void fails(const char *mode, const char *env, const char *args,
		  int want_rc, const char *msg, const char *what)
{
	char name[200];
	int rc = run(mode, env, args);

	snprintf(name, sizeof(name), "skyctl %s, %s: exit %d, \"%s\"", args, what,
		 want_rc, msg);
	tap_result(rc == want_rc && strstr(err, msg) && !out[0] &&
		   (want_rc != 2 || strstr(err, "\nTry 'skyctl --help'.\n")), name,
		   "exit %d, stdout \"%.200s\", stderr \"%.300s\"", rc, out, err);
}

static int count_lines(const char *s, const char *prefix)
{
	int n = 0;

	for (; s && *s; s = strchr(s, '\n') ? strchr(s, '\n') + 1 : NULL)
		n += !strncmp(s, prefix, strlen(prefix));
	return n;
}

int main(void)
{
	char log[512];
	int rc;

	snprintf(logpath, sizeof(logpath), "/tmp/tool-skyctl-%d.log", (int)getpid());

	/* Each section in its debugfs file's format. */
	prints("stats version", "0.1\n");
	prints("stats state", "cpu 0: vmx, launch 111 TSC ticks\ncpu 1: native, launch 0 TSC ticks\n");
	prints("stats exits",
	       "cpu 0: total 17\ncpu 0: CPUID 7\ncpu 0: VMCALL 10\n"
	       "cpu 0: HIDDEN_MEMORY_VIOLATION 0\ncpu 0: HYPERCALL_REFUSED 0\n"
	       "cpu 0: VIEW_TRAP_KERNEL_ENTRY 0\ncpu 0: VIEW_TRAP_OTHER 0\n"
	       "cpu 0: CONT_SAVED 5\ncpu 0: CONT_RESUMED 0\ncpu 0: CONT_TABLE_FULL 0\n"
	       "cpu 0: CALL_ABORTED 0\ncpu 0: CALL_LANDING_TRAP 0\n"
	       "cpu 0: EPT_POOL_FREE 1000\ncpu 0: ENTRY_MSR_WRITE 0\n"
	       "cpu 0: ENTRY_IDT_LOAD 0\ncpu 0: ENTRY_IDT_WRITE_REFUSED 0\n"
	       "cpu 0: ENTRY_PAGE_ADDED 0\ncpu 0: DESC_EMULATED 0\ncpu 0: HANDOFF 0\n"
	       "cpu 0: HANDOFF_ORPHANED 0\ncpu 0: HANDOFF_ADOPTED 2\n"
	       "cpu 0: HANDOFF_RETURNED 0\ncpu 0: CALL_DEAD_END 0\n"
	       "cpu 0: CONT_EXPIRED 0\ncpu 0: RECORDS_USED 4\ncpu 1: native\n");
	/* Three sessions, one of them skyctl's own. */
	prints("stats objects",
	       "sessions 2\nservers 1\nconnections 1\nattachments 1\nviews 1\nhandoffs 0\n");
	prints("stats lockdown", "locked 2\nwx 1\nanon_exec 3\na_new_kind 5\n");
	prints("stats servers",
	       "server echo view 2 owner 1000 slots 4 busy_now 1 attachments 2 calls 12 busy 3 denied 1 handoffs 2 handoffs_failed 0 faults 0\n"
	       "  attachment 0 uid 1000 calls 6 busy 0 handoffs 0\n"
	       "  attachment 1 uid 1001 calls 6 busy 1 handoffs 0\n");
	prints("stats pool",
	       "ept_pool_pages 1024\nept_pool_free 1000\nept_pool_share 256\n"
	       "records 512\nrecords_used 4\nrecords_share 64\n");
	prints("stats version objects", "0.1\nsessions 2\nservers 1\nconnections 1\nattachments 1\nviews 1\nhandoffs 0\n");

	/* The request: the ABI's rules, no server list unless asked for. */
	rc = run("ok", "", "stats objects");
	slurp(logpath, log, sizeof(log));
	tap_result(rc == 0 && !strncmp(log, "ok flags 0 cpus ", 16) &&
		   strstr(log, " servers 0 attachments 0\n") && !strstr(log, "EINVAL"),
		   "skyctl stats: a valid request, without the server list",
		   "exit %d, requests \"%s\"", rc, log);
	rc = run("ok", "", "stats servers");
	slurp(logpath, log, sizeof(log));
	tap_result(rc == 0 && !strncmp(log, "ok flags 1 ", 11) && !strstr(log, "EINVAL"),
		   "skyctl stats servers: a valid request with SB_SYSSTATS_SERVERS",
		   "exit %d, requests \"%s\"", rc, log);
	rc = run("ok", "FAKE_CPUS=40", "stats state");
	slurp(logpath, log, sizeof(log));
	tap_result(rc == 0 && count_lines(out, "cpu ") == 40 && strstr(out, "cpu 39: native") &&
		   count_lines(log, "ok ") == 2,
		   "skyctl: 40 CPUs, more than its first room: it asks again, prints all",
		   "exit %d, %d cpu lines, requests \"%s\"", rc, count_lines(out, "cpu "), log);

	/* The human views. */
	rc = run("ok", "", "");
	tap_result(rc == 0 && strstr(out, "SERVER ") && strstr(out, "echo ") &&
		   strstr(out, "RootKernel 0.1 on 1 of 2 online CPU(s); direct calls available") &&
		   strstr(out, "EPT pool: 1000 of 1024 pages free") &&
		   strstr(out, "lockdown: 2 process(es) locked") && strstr(out, "a_new_kind") &&
		   strstr(out, "CONT_SAVED") && !err[0],
		   "skyctl: servers, then the state, objects, pool, lockdown and exits",
		   "exit %d: %.600s / %.200s", rc, out, err);
	rc = run("ok", "FAKE_NOT_ROOT=1", "all");
	tap_result(rc == 0 && strstr(out, "(servers: not shown, listing them needs root)") &&
		   strstr(out, "RootKernel 0.1") && !strstr(out, "SERVER "),
		   "skyctl all, not root: everything but the servers, and says so",
		   "exit %d: %.300s / %.200s", rc, out, err);
	rc = run("ok", "", "exits");
	tap_result(rc == 0 && strstr(out, "over 1 CPU(s)") && strstr(out, "total ") &&
		   strstr(out, "VMCALL ") && strstr(out, "HANDOFF_ADOPTED ") &&
		   !strstr(out, "HANDOFF_ORPHANED"),
		   "skyctl exits: the non-zero exits and events, summed",
		   "exit %d: %.400s", rc, out);
	rc = run("ok", "", "objects");
	tap_result(rc == 0 && !strcmp(out, "sessions 2\nservers 1\nconnections 1\nattachments 1\nviews 1\nhandoffs 0\n"),
		   "skyctl objects: the live objects but skyctl's session",
		   "exit %d: %.300s", rc, out);
	rc = run("ok", "", "servers");
	tap_result(rc == 0 && strstr(out, "SERVER ") && strstr(out, "echo ") &&
		   count_lines(out, "  attachment ") == 2,
		   "skyctl servers: the table, with its attachments", "exit %d: %.400s", rc, out);
	rc = run("ok", "", "--help");
	tap_result(rc == 0 && !strncmp(out, "Usage: skyctl ", 14) && strstr(out, "stats SECTION") &&
		   strstr(out, "skyctl check\n") && strstr(out, "2 could not tell") &&
		   strstr(out, "CAP_SYS_ADMIN") && !err[0],
		   "skyctl --help: the usage, on stdout", "exit %d: %.200s", rc, out);

	/* What goes wrong, said. */
	fails("absent", "", "stats", 1, "the skybridge module is not loaded", "no module");
	fails("denied", "", "stats", 1, "permission denied", "a device it may not open");
	fails("old", "", "stats", 1, "has no SB_IOC_SYSSTATS: it is older than this skyctl",
	      "an older module");
	fails("ok", "FAKE_NOT_ROOT=1", "servers", 1, "needs root (CAP_SYS_ADMIN)",
	      "not root");
	fails("ok", "FAKE_NOT_ROOT=1", "stats servers", 1, "needs root (CAP_SYS_ADMIN)",
	      "not root");
	fails("ok", "", "frob", 2, "skyctl: unknown command 'frob'", "an unknown command");
	fails("ok", "", "stats frob", 2, "stats: unknown section 'frob'", "an unknown section");
	fails("ok", "", "-d /x", 2, "unknown option '-d'", "an unknown option");
	fails("ok", "", "objects extra", 2, "too many arguments: 'extra'", "an extra argument");

	/* This host, with no fake: no module here (unless one is loaded). */
	if (access(SKYBRIDGE_DEVICE_PATH_HOST, F_OK)) {
		rc = run_cmd("", SKYCTL, "stats");
		tap_result(rc == 1 && strstr(err, "/dev/skybridge: the skybridge module is not loaded") &&
			   !out[0], "skyctl stats on this host, no module: says so, exit 1",
			   "exit %d, stderr \"%s\"", rc, err);
	} else {
		printf("ok - skyctl stats on this host, no module # SKIP the module is loaded here\n");
	}
	/*
	 * skyctl check on this host: a machine without VMX (the developers'
	 * and CI's) must be told so, with exit 1; the canned machines are
	 * test-preflight's.
	 */
	fails("ok", "", "check extra", 2, "check takes no arguments: 'extra'",
	      "an extra argument");
	if (!has_vmx()) {
		rc = run_cmd("", SKYCTL, "check");
		tap_result(rc == 1 && strstr(out, "\nFAIL  VMX: CPUID.1:ECX[5] clear") &&
			   strstr(out, "\nverdict: not ready: ") && !err[0],
			   "skyctl check on this host (no VMX): FAIL names VMX, exit 1",
			   "exit %d, stdout \"%.2000s\", stderr \"%s\"", rc, out, err);
	} else {
		printf("ok - skyctl check on this host # SKIP this CPU has VMX\n");
	}
	unlink(logpath);
	return tap_exit();
}
