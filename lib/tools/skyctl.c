// SPDX-License-Identifier: MIT
/*
 * skyctl - show what skybridge is doing.
 *
 * Reads the module's debugfs directory (root only) and prints the
 * registered servers with their counters and attachments, the live objects,
 * and the RootKernel's VM exits and events summed over CPUs.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DIR_DEFAULT	"/sys/kernel/debug/skybridge"
#define MAX_KINDS	128

static const char *dir = DIR_DEFAULT;

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: skyctl [-d DIR] [servers | objects | exits | all]\n"
		"\n"
		"Show the state of skybridge (default: all).\n"
		"\n"
		"  servers  every registered server: view index, owner uid, slots,\n"
		"           slots busy now, attachments, the calls, EBUSY and\n"
		"           EACCES refusals counted by the trampoline, and the\n"
		"           calls handed off to slot threads (of those, the ones\n"
		"           that failed and the ones a fault caused); then each\n"
		"           attachment's calls,\n"
		"           refusals and collected handoffs\n"
		"  objects  live sessions, servers, connections, attachments, views,\n"
		"           handoffs\n"
		"  exits    the RootKernel's VM exits and events, summed over CPUs\n"
		"\n"
		"  -d DIR   the module's debugfs directory (default %s)\n"
		"\n"
		"Needs root and a mounted debugfs.  The counters live in each\n"
		"server's own memory: a server can reset or forge its own.\n",
		DIR_DEFAULT);
}

static FILE *open_file(const char *name)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "r");
	if (!f)
		fprintf(stderr, "skyctl: %s: %s%s\n", path, strerror(errno),
			errno == ENOENT ? " (is the module loaded and debugfs mounted?)" :
			errno == EACCES ? " (run as root)" : "");
	return f;
}

static int show_servers(void)
{
	char line[512], name[80];
	unsigned int view, owner, slots, busy_now, atts, id, uid;
	unsigned long long calls, busy, denied, ho, ho_failed, ho_faults;
	FILE *f = open_file("servers");
	int n = 0;

	if (!f)
		return 1;
	printf("%-24s %5s %6s %5s %5s %5s %12s %10s %10s %10s %8s %8s\n",
	       "SERVER", "VIEW", "OWNER", "SLOTS", "BUSY", "CONNS", "CALLS",
	       "EBUSY", "EACCES", "HANDOFFS", "FAILED", "FAULTS");
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "server %79s view %u owner %u slots %u busy_now %u attachments %u calls %llu busy %llu denied %llu handoffs %llu handoffs_failed %llu faults %llu",
			   name, &view, &owner, &slots, &busy_now, &atts,
			   &calls, &busy, &denied, &ho, &ho_failed,
			   &ho_faults) == 12) {
			printf("%-24s %5u %6u %5u %5u %5u %12llu %10llu %10llu %10llu %8llu %8llu\n",
			       name, view, owner, slots, busy_now, atts, calls,
			       busy, denied, ho, ho_failed, ho_faults);
			n++;
		} else if (sscanf(line, " attachment %u uid %u calls %llu busy %llu handoffs %llu",
				  &id, &uid, &calls, &busy, &ho) == 5) {
			printf("  attachment %-3u uid %-6u %30llu %10llu %21llu\n",
			       id, uid, calls, busy, ho);
		}
	}
	fclose(f);
	if (!n)
		printf("(no server registered)\n");
	return 0;
}

static int show_objects(void)
{
	char line[256];
	FILE *f = open_file("objects");

	if (!f)
		return 1;
	while (fgets(line, sizeof(line), f))
		fputs(line, stdout);
	fclose(f);
	return 0;
}

static int show_exits(void)
{
	struct { char name[48]; unsigned long long total; } k[MAX_KINDS];
	unsigned int nk = 0, cpu, i, ncpu = 0;
	unsigned long long v;
	char line[256], name[48];
	FILE *f = open_file("exits");

	if (!f)
		return 1;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "cpu %u: %47s %llu", &cpu, name, &v) != 3)
			continue;
		if (cpu + 1 > ncpu)
			ncpu = cpu + 1;
		/* A pool size is the same on every CPU: not a sum. */
		for (i = 0; i < nk && strcmp(k[i].name, name); i++)
			;
		if (i == nk) {
			if (nk == MAX_KINDS)
				continue;
			snprintf(k[nk].name, sizeof(k[nk].name), "%s", name);
			k[nk++].total = 0;
		}
		if (!strcmp(name, "EPT_POOL_FREE"))
			k[i].total = v;
		else
			k[i].total += v;
	}
	fclose(f);
	printf("RootKernel events over %u CPU(s) (\"total\" is all VM exits):\n",
	       ncpu);
	for (i = 0; i < nk; i++)
		if (k[i].total)
			printf("  %-28s %14llu\n", k[i].name, k[i].total);
	return 0;
}

int main(int argc, char **argv)
{
	const char *what = "all";
	int i, rc = 0;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			usage(stdout);
			return 0;
		} else if (!strcmp(argv[i], "-d") && i + 1 < argc) {
			dir = argv[++i];
		} else if (argv[i][0] != '-' && i == argc - 1) {
			what = argv[i];
		} else {
			usage(stderr);
			return 2;
		}
	}
	if (!strcmp(what, "servers"))
		return show_servers();
	if (!strcmp(what, "objects"))
		return show_objects();
	if (!strcmp(what, "exits"))
		return show_exits();
	if (strcmp(what, "all")) {
		fprintf(stderr, "skyctl: unknown view '%s'\n", what);
		usage(stderr);
		return 2;
	}
	rc |= show_servers();
	printf("\n");
	rc |= show_objects();
	printf("\n");
	rc |= show_exits();
	return rc;
}
