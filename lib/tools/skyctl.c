// SPDX-License-Identifier: MIT
/*
 * skyctl - show what skybridge is doing.
 *
 * Asks the module through /dev/skybridge (SB_IOC_SYSSTATS, uapi/skybridge.h),
 * so it needs neither debugfs nor, but for the server list, root: the
 * registered servers with their counters and attachments, the RootKernel's
 * state and its VM exits and events, the live objects, the EPT pool and
 * records, and the exec-memory lockdown's counts.  "skyctl stats SECTION"
 * prints a section in the format of the debugfs file of that name.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>
#include <asm/vmx.h>
#include <cpuid.h>

#include "preflight.h"
#include "uapi/skybridge.h"

static const struct { unsigned int reason; const char *name; } exit_names[] = {
	VMX_EXIT_REASONS
};
static const struct { unsigned int ev; const char *name; } event_names[] = {
	SB_SYSSTATS_EVENT_NAMES
};

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: skyctl [all | servers | objects | exits]\n"
		"       skyctl stats [SECTION...]\n"
		"       skyctl check\n"
		"       skyctl -h | --help\n"
		"\n"
		"Show the state of skybridge, asked of the module through %s\n"
		"(SB_IOC_SYSSTATS): debugfs is not needed.  Or, before anyone loads\n"
		"the module, check whether this box can run it.\n"
		"\n"
		"  all      (the default) servers, then everything \"stats\" shows\n"
		"  servers  every registered server: view index, owner uid, slots,\n"
		"           slots busy now, attachments, the calls, EBUSY and EACCES\n"
		"           refusals counted by the trampoline, and the calls handed\n"
		"           off to slot threads (of those, the ones that failed and\n"
		"           the ones a fault caused); then each attachment's calls,\n"
		"           refusals and collected handoffs\n"
		"  objects  live sessions (not counting skyctl's own), servers,\n"
		"           connections, attachments, views, handoffs\n"
		"  exits    the RootKernel's VM exits and events, summed over CPUs\n"
		"  stats    the RootKernel's version and state on each CPU, the live\n"
		"           objects, the EPT pool and records, the exec-memory\n"
		"           lockdown's counts, and the exits and events summed\n"
		"\n"
		"\"stats SECTION...\" prints each SECTION as plain lines for scripts,\n"
		"the same lines as the debugfs file /sys/kernel/debug/skybridge/SECTION:\n"
		"  version  the RootKernel's version, MAJOR.MINOR\n"
		"  state    \"cpu N: vmx|native, launch T TSC ticks\" per online CPU\n"
		"  exits    \"cpu N: total N\", then \"cpu N: REASON N\" for each exit\n"
		"           reason with a non-zero count and \"cpu N: EVENT N\" for\n"
		"           every event, per online CPU (\"cpu N: native\" for a CPU\n"
		"           the RootKernel does not run on); EPT_POOL_FREE and\n"
		"           RECORDS_USED are the same on every CPU\n"
		"  objects  \"KIND N\" for sessions (not counting skyctl's own),\n"
		"           servers, connections, attachments, views, handoffs\n"
		"  lockdown \"locked N\" (processes under the exec-memory lockdown),\n"
		"           then \"KIND N\", refusals since load, for each kind\n"
		"  servers  \"server NAME view N owner UID slots N busy_now N\n"
		"           attachments N calls N busy N denied N handoffs N\n"
		"           handoffs_failed N faults N\", each followed by its\n"
		"           \"  attachment ID uid UID calls N busy N handoffs N\"\n"
		"  pool     (no debugfs file) \"ept_pool_pages N\", \"ept_pool_free N\",\n"
		"           \"ept_pool_share N\" (per user), \"records N\",\n"
		"           \"records_used N\", \"records_share N\"\n"
		"\n"
		"\"check\" needs no module.  It prints one line per check, \"PASS\",\n"
		"\"WARN\", \"FAIL\" or \"SKIP\" (could not run), the check's name and\n"
		"what it saw, then a verdict: an Intel CPU with VMX; no hypervisor\n"
		"below this kernel, and no kvm_intel holding VMX; XSAVE state that fits\n"
		"a page; the kernel's series (6.1 and 6.12 are tested), PTI, IBT, user\n"
		"shadow stacks; whether the kernel loads unsigned modules (Secure Boot,\n"
		"lockdown); and, as root, through /dev/cpu/N/msr (it loads the msr\n"
		"module if needed): IA32_FEATURE_CONTROL on every CPU, and every VMX\n"
		"control, EPT, VPID and VM-function capability the RootKernel needs,\n"
		"from the same table the module checks (uapi/skybridge_vmxreq.h), the\n"
		"same on every CPU.  It changes nothing but loading msr.\n"
		"\n"
		"The server list names every user's servers: it needs root\n"
		"(CAP_SYS_ADMIN); everything else is open to any user who may open\n"
		"%s.  \"all\" leaves the servers out, and says so, for\n"
		"other users.  The per-server and per-attachment counters live in\n"
		"each server's own memory: a server can reset or forge its own.\n"
		"\n"
		"Exit status: 0 on success, 1 if the module could not be asked (not\n"
		"loaded, too old, or the servers without root), 2 on a usage error.\n"
		"\"check\": 0 ready (warnings may remain), 1 not ready (a check\n"
		"failed), 2 could not tell (a check could not run: not root, no msr\n"
		"module; or a usage error).\n",
		SKYBRIDGE_DEVICE_PATH, SKYBRIDGE_DEVICE_PATH);
}

static void usage_error(const char *fmt, const char *arg)
{
	fprintf(stderr, "skyctl: ");
	fprintf(stderr, fmt, arg);
	fprintf(stderr, "\nTry 'skyctl --help'.\n");
	exit(2);
}

/* What the module said, with room for every record. */
struct stats {
	struct sb_sysstats s;
	struct sb_sysstats_cpu *cpus;
	struct sb_sysstats_server *srv;
	struct sb_sysstats_attachment *att;
};

static int open_device(void)
{
	int fd = open(SKYBRIDGE_DEVICE_PATH, O_RDONLY | O_CLOEXEC);

	if (fd >= 0)
		return fd;
	if (errno == ENOENT || errno == ENODEV || errno == ENXIO)
		fprintf(stderr, "skyctl: %s: the skybridge module is not loaded (insmod skybridge.ko, or modprobe skybridge)\n",
			SKYBRIDGE_DEVICE_PATH);
	else if (errno == EACCES || errno == EPERM)
		fprintf(stderr, "skyctl: %s: permission denied (root, or a member of the group the device belongs to, may open it)\n",
			SKYBRIDGE_DEVICE_PATH);
	else
		fprintf(stderr, "skyctl: %s: %s\n", SKYBRIDGE_DEVICE_PATH,
			strerror(errno));
	return -1;
}

/* Grow @p to @n records of @size; false if out of memory. */
static bool grow(void *p, uint32_t n, size_t size)
{
	void *q = realloc(*(void **)p, (n ? n : 1) * size);

	if (!q)
		return false;
	*(void **)p = q;
	return true;
}

/*
 * Ask the module, with the server list if @servers; until every record
 * fits (CPUs, servers and attachments may come and go meanwhile).
 * Returns 0 or an errno (-1: could not open the device, reason printed).
 */
static int fetch_raw(struct stats *st, bool servers)
{
	uint32_t want_cpu = 8, want_srv = 16, want_att = 64;
	int fd, tries, err = 0;

	fd = open_device();
	if (fd < 0)
		return -1;
	for (tries = 0; tries < 8; tries++) {
		if (!grow(&st->cpus, want_cpu, sizeof(*st->cpus)) ||
		    !grow(&st->srv, want_srv, sizeof(*st->srv)) ||
		    !grow(&st->att, want_att, sizeof(*st->att))) {
			err = ENOMEM;
			break;
		}
		memset(&st->s, 0, sizeof(st->s));
		st->s.size = sizeof(st->s);
		st->s.cpus = (uintptr_t)st->cpus;
		st->s.cpu_size = sizeof(*st->cpus);
		st->s.nr_cpus = want_cpu;
		if (servers) {
			st->s.flags = SB_SYSSTATS_SERVERS;
			st->s.servers = (uintptr_t)st->srv;
			st->s.server_size = sizeof(*st->srv);
			st->s.nr_servers = want_srv;
			st->s.attachments = (uintptr_t)st->att;
			st->s.attachment_size = sizeof(*st->att);
			st->s.nr_attachments = want_att;
		}
		if (ioctl(fd, SB_IOC_SYSSTATS, &st->s)) {
			err = errno;
			break;
		}
		err = 0;
		if (st->s.nr_cpus <= want_cpu && st->s.nr_servers <= want_srv &&
		    st->s.nr_attachments <= want_att)
			break;
		want_cpu = st->s.nr_cpus + 8;
		want_srv = st->s.nr_servers + 16;
		want_att = st->s.nr_attachments + 64;
		err = EAGAIN;
	}
	close(fd);
	return err;
}

/* 0 for 0; 1 for an error of fetch_raw(), said. */
static int report(int err)
{
	switch (err) {
	case 0:
		return 0;
	case -1:
		break;
	case ENOTTY:
		fprintf(stderr, "skyctl: the loaded skybridge module has no SB_IOC_SYSSTATS: it is older than this skyctl (its debugfs files, under /sys/kernel/debug/skybridge/, have the figures)\n");
		break;
	case EPERM:
		fprintf(stderr, "skyctl: the server list names every user's servers: it needs root (CAP_SYS_ADMIN); \"skyctl stats\" needs no privilege\n");
		break;
	case EINVAL:
		fprintf(stderr, "skyctl: the module refused the request (EINVAL): skyctl and the loaded module do not agree on SB_IOC_SYSSTATS\n");
		break;
	case EAGAIN:
		fprintf(stderr, "skyctl: the number of CPUs, servers or attachments kept changing; try again\n");
		break;
	default:
		fprintf(stderr, "skyctl: SB_IOC_SYSSTATS: %s\n", strerror(err));
	}
	return 1;
}

static int fetch(struct stats *st, bool servers)
{
	return report(fetch_raw(st, servers));
}

static void release(struct stats *st)
{
	free(st->cpus);
	free(st->srv);
	free(st->att);
}

static const char *exit_name(unsigned int reason)
{
	size_t i;

	for (i = 0; i < sizeof(exit_names) / sizeof(exit_names[0]); i++)
		if (exit_names[i].reason == reason)
			return exit_names[i].name;
	return "UNKNOWN";
}

static const char *event_name(unsigned int ev)
{
	size_t i;

	for (i = 0; i < sizeof(event_names) / sizeof(event_names[0]); i++)
		if (event_names[i].ev == ev)
			return event_names[i].name;
	return NULL;
}

/* The sessions, but skyctl's own. */
static unsigned int others_sessions(const struct stats *st)
{
	return st->s.objects.sessions ? st->s.objects.sessions - 1 : 0;
}

/* --- the debugfs files' formats --------------------------------------- */

static void sec_version(const struct stats *st)
{
	printf("%u.%u\n", st->s.hv_version >> 16, st->s.hv_version & 0xffff);
}

static void sec_state(const struct stats *st)
{
	uint32_t i;

	for (i = 0; i < st->s.nr_cpus; i++)
		printf("cpu %u: %s, launch %llu TSC ticks\n", st->cpus[i].cpu,
		       st->cpus[i].flags & SB_CPU_VMX ? "vmx" : "native",
		       (unsigned long long)st->cpus[i].launch_tsc);
}

static void sec_exits(const struct stats *st)
{
	uint32_t i, r, e;

	for (i = 0; i < st->s.nr_cpus; i++) {
		const struct sb_sysstats_cpu *c = &st->cpus[i];

		if (!(c->flags & SB_CPU_COUNTED)) {
			printf("cpu %u: native\n", c->cpu);
			continue;
		}
		printf("cpu %u: total %llu\n", c->cpu,
		       (unsigned long long)c->exits_total);
		for (r = 0; r < st->s.nr_exit_reasons && r < SB_SYSSTATS_EXIT_REASONS; r++)
			if (c->exits[r])
				printf("cpu %u: %s %llu\n", c->cpu, exit_name(r),
				       (unsigned long long)c->exits[r]);
		for (e = 0; e < st->s.nr_events && e < SB_SYSSTATS_EVENTS; e++) {
			const char *name = event_name(e);

			if (name)
				printf("cpu %u: %s %llu\n", c->cpu, name,
				       (unsigned long long)c->events[e]);
			else
				printf("cpu %u: EVENT_%u %llu\n", c->cpu, e,
				       (unsigned long long)c->events[e]);
			/* debugfs's order: the pool after the landing traps */
			if (e == SB_EV_CALL_LANDING_TRAP)
				printf("cpu %u: EPT_POOL_FREE %u\n", c->cpu,
				       st->s.ept_pool_free);
		}
		printf("cpu %u: RECORDS_USED %u\n", c->cpu, st->s.records_used);
	}
}

static void sec_objects(const struct stats *st)
{
	const struct sb_sysstats_objects *o = &st->s.objects;

	printf("sessions %u\nservers %u\nconnections %u\nattachments %u\nviews %u\nhandoffs %u\n",
	       others_sessions(st), o->servers, o->connections,
	       o->attachments, o->views, o->handoffs);
}

static void sec_lockdown(const struct stats *st)
{
	uint32_t i;

	printf("locked %u\n", st->s.locked);
	for (i = 0; i < st->s.nr_lockdown_kinds && i < SB_SYSSTATS_LOCKDOWN_KINDS; i++)
		printf("%.*s %llu\n", SB_SYSSTATS_KIND_LEN,
		       st->s.lockdown[i].name,
		       (unsigned long long)st->s.lockdown[i].refused);
}

static void sec_servers(const struct stats *st)
{
	uint32_t i, a;

	for (i = 0; i < st->s.nr_servers; i++) {
		const struct sb_sysstats_server *s = &st->srv[i];

		printf("server %.*s view %u owner %u slots %u busy_now %u attachments %u calls %llu busy %llu denied %llu handoffs %llu handoffs_failed %llu faults %llu\n",
		       SKYBRIDGE_NAME_LEN, s->name, s->view, s->owner_uid,
		       s->nr_slots, s->slots_busy, s->attachments,
		       (unsigned long long)s->calls, (unsigned long long)s->busy,
		       (unsigned long long)s->denied,
		       (unsigned long long)s->handoffs,
		       (unsigned long long)s->handoffs_failed,
		       (unsigned long long)s->handoff_faults);
		for (a = 0; a < st->s.nr_attachments; a++)
			if (st->att[a].server == i)
				printf("  attachment %u uid %u calls %llu busy %llu handoffs %llu\n",
				       st->att[a].id, st->att[a].uid,
				       (unsigned long long)st->att[a].calls,
				       (unsigned long long)st->att[a].busy,
				       (unsigned long long)st->att[a].handoffs);
	}
}

static void sec_pool(const struct stats *st)
{
	printf("ept_pool_pages %u\nept_pool_free %u\nept_pool_share %u\n"
	       "records %u\nrecords_used %u\nrecords_share %u\n",
	       st->s.ept_pool_pages, st->s.ept_pool_free, st->s.ept_pool_share,
	       st->s.records, st->s.records_used, st->s.records_share);
}

static const struct {
	const char *name;
	void (*show)(const struct stats *st);
} sections[] = {
	{ "version", sec_version },
	{ "state", sec_state },
	{ "exits", sec_exits },
	{ "objects", sec_objects },
	{ "lockdown", sec_lockdown },
	{ "servers", sec_servers },
	{ "pool", sec_pool },
};
#define NR_SECTIONS	(sizeof(sections) / sizeof(sections[0]))

/* --- the human views ---------------------------------------------------- */

static void show_servers(const struct stats *st)
{
	uint32_t i, a;

	printf("%-24s %5s %6s %5s %5s %5s %12s %10s %10s %10s %8s %8s\n",
	       "SERVER", "VIEW", "OWNER", "SLOTS", "BUSY", "CONNS", "CALLS",
	       "EBUSY", "EACCES", "HANDOFFS", "FAILED", "FAULTS");
	for (i = 0; i < st->s.nr_servers; i++) {
		const struct sb_sysstats_server *s = &st->srv[i];

		printf("%-24.*s %5u %6u %5u %5u %5u %12llu %10llu %10llu %10llu %8llu %8llu\n",
		       SKYBRIDGE_NAME_LEN, s->name, s->view, s->owner_uid,
		       s->nr_slots, s->slots_busy, s->attachments,
		       (unsigned long long)s->calls, (unsigned long long)s->busy,
		       (unsigned long long)s->denied,
		       (unsigned long long)s->handoffs,
		       (unsigned long long)s->handoffs_failed,
		       (unsigned long long)s->handoff_faults);
		for (a = 0; a < st->s.nr_attachments; a++)
			if (st->att[a].server == i)
				printf("  attachment %-3u uid %-6u %30llu %10llu %21llu\n",
				       st->att[a].id, st->att[a].uid,
				       (unsigned long long)st->att[a].calls,
				       (unsigned long long)st->att[a].busy,
				       (unsigned long long)st->att[a].handoffs);
	}
	if (!st->s.nr_servers)
		printf("(no server registered)\n");
}

static void show_objects(const struct stats *st)
{
	sec_objects(st);
}

/* The exit reasons and events summed over CPUs. */
static void show_exits(const struct stats *st)
{
	unsigned long long total = 0, sum;
	uint32_t i, r, counted = 0;

	for (i = 0; i < st->s.nr_cpus; i++)
		if (st->cpus[i].flags & SB_CPU_COUNTED) {
			total += st->cpus[i].exits_total;
			counted++;
		}
	printf("RootKernel events over %u CPU(s) (\"total\" is all VM exits):\n",
	       counted);
	if (total)
		printf("  %-28s %14llu\n", "total", total);
	for (r = 0; r < st->s.nr_exit_reasons && r < SB_SYSSTATS_EXIT_REASONS; r++) {
		for (sum = 0, i = 0; i < st->s.nr_cpus; i++)
			sum += st->cpus[i].exits[r];
		if (sum)
			printf("  %-28s %14llu\n", exit_name(r), sum);
	}
	for (r = 0; r < st->s.nr_events && r < SB_SYSSTATS_EVENTS; r++) {
		for (sum = 0, i = 0; i < st->s.nr_cpus; i++)
			sum += st->cpus[i].events[r];
		if (sum)
			printf("  %-28s %14llu\n", event_name(r) ? event_name(r) : "EVENT", sum);
	}
	/* The pool and the records are one figure each, not a sum. */
	if (st->s.state & SB_STATE_HV) {
		printf("  %-28s %14u\n", "EPT_POOL_FREE", st->s.ept_pool_free);
		if (st->s.records_used)
			printf("  %-28s %14u\n", "RECORDS_USED", st->s.records_used);
	}
}

static void show_stats(const struct stats *st)
{
	const struct sb_sysstats_objects *o = &st->s.objects;
	uint32_t i;

	printf("RootKernel %u.%u on %u of %u online CPU(s); direct calls %s\n",
	       st->s.hv_version >> 16, st->s.hv_version & 0xffff,
	       st->s.cpus_vmx, st->s.nr_cpus,
	       st->s.state & SB_STATE_VMFUNC ? "available" : "off");
	for (i = 0; i < st->s.nr_cpus; i++)
		printf("  cpu %u: %s, launch %llu TSC ticks\n", st->cpus[i].cpu,
		       st->cpus[i].flags & SB_CPU_VMX ? "vmx" : "native",
		       (unsigned long long)st->cpus[i].launch_tsc);
	printf("\nobjects: %u sessions (not counting skyctl's), %u servers, %u connections,\n"
	       "         %u attachments, %u views, %u handoffs\n",
	       others_sessions(st), o->servers, o->connections, o->attachments,
	       o->views, o->handoffs);
	if (st->s.state & SB_STATE_HV)
		printf("EPT pool: %u of %u pages free (a user may hold %u); records: %u of %u in use (a user may hold %u)\n",
		       st->s.ept_pool_free, st->s.ept_pool_pages,
		       st->s.ept_pool_share, st->s.records_used, st->s.records,
		       st->s.records_share);
	else
		printf("EPT pool and records: unknown (the RootKernel did not answer)\n");
	printf("lockdown: %u process(es) locked; refusals since load:\n",
	       st->s.locked);
	for (i = 0; i < st->s.nr_lockdown_kinds && i < SB_SYSSTATS_LOCKDOWN_KINDS; i++)
		printf("  %-28.*s %14llu\n", SB_SYSSTATS_KIND_LEN,
		       st->s.lockdown[i].name,
		       (unsigned long long)st->s.lockdown[i].refused);
	printf("\n");
	show_exits(st);
}

/* "stats SECTION...": each in its debugfs format. */
static int stats_sections(int n, char **names)
{
	bool servers = false;
	struct stats st;
	int i;
	size_t s;

	for (i = 0; i < n; i++) {
		for (s = 0; s < NR_SECTIONS && strcmp(sections[s].name, names[i]); s++)
			;
		if (s == NR_SECTIONS)
			usage_error("stats: unknown section '%s' (version, state, exits, objects, lockdown, servers, pool)",
				    names[i]);
		servers |= !strcmp(names[i], "servers");
	}
	memset(&st, 0, sizeof(st));
	if (fetch(&st, servers)) {
		release(&st);
		return 1;
	}
	if (!n)
		show_stats(&st);
	for (i = 0; i < n; i++)
		for (s = 0; s < NR_SECTIONS; s++)
			if (!strcmp(sections[s].name, names[i]))
				sections[s].show(&st);
	release(&st);
	return 0;
}

/* "skyctl check": the machine as it is (preflight.c reads it through us). */
static void real_cpuid(void *ctx, uint32_t leaf, uint32_t sub, uint32_t r[4])
{
	(void)ctx;
	__cpuid_count(leaf, sub, r[0], r[1], r[2], r[3]);
}

static int real_rdmsr(void *ctx, unsigned int cpu, uint32_t msr, uint64_t *val)
{
	char path[64];
	int fd, err = 0;

	(void)ctx;
	snprintf(path, sizeof(path), "/dev/cpu/%u/msr", cpu);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (pread(fd, val, sizeof(*val), msr) != sizeof(*val))
		err = errno ? -errno : -EIO;
	close(fd);
	return err;
}

static int real_read_file(void *ctx, const char *path, char *buf, size_t size)
{
	size_t n = 0;
	ssize_t r;
	int fd;

	(void)ctx;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	while (n < size - 1 && (r = read(fd, buf + n, size - 1 - n)) > 0)
		n += r;
	close(fd);
	buf[n] = '\0';
	return n;
}

/* modprobe msr, quietly: preflight.c says what came of it. */
static int real_load_msr(void *ctx)
{
	int status, null;
	pid_t pid;

	(void)ctx;
	pid = fork();
	if (pid < 0)
		return -errno;
	if (!pid) {
		null = open("/dev/null", O_RDWR);
		if (null >= 0) {
			dup2(null, 1);
			dup2(null, 2);
		}
		execlp("modprobe", "modprobe", "msr", (char *)NULL);
		_exit(127);
	}
	if (waitpid(pid, &status, 0) < 0)
		return -errno;
	if (!WIFEXITED(status) || WEXITSTATUS(status))
		return WIFEXITED(status) && WEXITSTATUS(status) == 127 ? -ENOENT : -EIO;
	return access("/dev/cpu/0/msr", F_OK) ? -ENODEV : 0;
}

static int check(void)
{
	struct utsname u;
	struct pf_ops ops = {
		.cpuid = real_cpuid,
		.rdmsr = real_rdmsr,
		.read_file = real_read_file,
		.load_msr = real_load_msr,
		.root = geteuid() == 0,
	};
	int rc;

	ops.release = uname(&u) ? "unknown" : u.release;
	rc = sb_preflight(&ops, stdout);
	fflush(stdout);
	return rc;
}

int main(int argc, char **argv)
{
	const char *what = "all";
	struct stats st;
	int rc;

	if (argc > 1 && (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help"))) {
		if (argc > 2)
			usage_error("%s takes no arguments", argv[1]);
		usage(stdout);
		return 0;
	}
	if (argc > 1 && argv[1][0] == '-')
		usage_error("unknown option '%s'", argv[1]);
	if (argc > 1)
		what = argv[1];
	if (!strcmp(what, "stats"))
		return stats_sections(argc - 2, argv + 2);
	if (!strcmp(what, "check")) {
		if (argc > 2)
			usage_error("check takes no arguments: '%s'", argv[2]);
		return check();
	}
	if (strcmp(what, "all") && strcmp(what, "servers") &&
	    strcmp(what, "objects") && strcmp(what, "exits"))
		usage_error("unknown command '%s'", what);
	if (argc > 2)
		usage_error("too many arguments: '%s'", argv[2]);

	memset(&st, 0, sizeof(st));
	if (!strcmp(what, "all")) {
		/* For another user: everything but the servers. */
		rc = fetch_raw(&st, true);
		if (rc == EPERM) {
			rc = fetch(&st, false);
			if (!rc)
				printf("(servers: not shown, listing them needs root)\n\n");
		} else if (rc) {
			rc = report(rc);
		} else {
			show_servers(&st);
			printf("\n");
		}
	} else {
		rc = fetch(&st, !strcmp(what, "servers"));
		if (!rc && !strcmp(what, "servers"))
			show_servers(&st);
	}
	if (rc) {
		release(&st);
		return rc;
	}
	if (!strcmp(what, "objects"))
		show_objects(&st);
	else if (!strcmp(what, "exits"))
		show_exits(&st);
	else if (!strcmp(what, "all"))
		show_stats(&st);
	release(&st);
	return 0;
}
