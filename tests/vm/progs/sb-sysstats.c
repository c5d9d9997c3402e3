// SPDX-License-Identifier: GPL-2.0
/*
 * sb-sysstats - SB_IOC_SYSSTATS, the figures of the debugfs files without
 * debugfs (uapi/skybridge.h), and skyctl, which prints them.
 *
 * Usage: sb-sysstats [agree | bad | unpriv | all] [PREFIX]
 *
 *   agree   the ioctl and debugfs agree, file by file: version, state,
 *           objects and lockdown exactly (read while nothing changes),
 *           exits as counters (ioctl <= debugfs <= ioctl read after), with
 *           the same exit and event names; then again with a server, a
 *           client, calls and a refused call: objects, lockdown, and the
 *           servers and attachments exactly; and "skyctl stats SECTION"
 *           prints what debugfs SECTION does
 *   bad     wrong size, unknown flags, non-zero reserved and pad words,
 *           wrong record sizes, counts without addresses and the server
 *           arrays without their flag: EINVAL; unreadable and unwritable
 *           memory: EFAULT; arrays too small: the count of what exists,
 *           nothing written past the room given
 *   unpriv  another uid gets every count but not the server list (EPERM),
 *           and so does root without CAP_SYS_ADMIN; skyctl says so
 *   all     (default) all three
 *
 * Needs the module loaded and, for "agree", debugfs mounted; runs as root.
 * PREFIX is prepended to every test name.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/capability.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include <asm/vmx.h>

#include "../../tap.h"
#include "sysstats.h"
#include "testserver.h"

#define DBG "/sys/kernel/debug/skybridge/"

static const char *prefix = "";

static const struct { unsigned int reason; const char *name; } exit_names[] = {
	VMX_EXIT_REASONS
};
static const struct { unsigned int ev; const char *name; } event_names[] = {
	SB_SYSSTATS_EVENT_NAMES
};

#define CHECK(pass, name, ...) do {					\
	char n_[256];							\
	snprintf(n_, sizeof(n_), "%s%s", prefix, name);			\
	tap_result(pass, n_, __VA_ARGS__);				\
} while (0)

/* A whole file (or a command's output, @cmd), into a malloc()ed string. */
static char *slurp(const char *path, int cmd)
{
	FILE *f = cmd ? popen(path, "r") : fopen(path, "r");
	size_t len = 0, cap = 4096, n;
	char *s = malloc(cap);

	if (!f || !s) {
		if (f)
			cmd ? pclose(f) : fclose(f);
		free(s);
		return NULL;
	}
	while ((n = fread(s + len, 1, cap - len - 1, f)) > 0) {
		len += n;
		if (cap - len < 2) {
			char *t = realloc(s, cap *= 2);

			if (!t)
				break;
			s = t;
		}
	}
	s[len] = 0;
	if ((cmd ? pclose(f) : fclose(f)) != 0 && cmd) {
		free(s);
		return NULL;
	}
	return s;
}

/* Append to a growing string. */
__attribute__((format(printf, 2, 3)))
static void cat(char **s, const char *fmt, ...)
{
	size_t old = *s ? strlen(*s) : 0;
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	*s = realloc(*s, old + n + 1);
	va_start(ap, fmt);
	vsnprintf(*s + old, n + 1, fmt, ap);
	va_end(ap);
}

/* --- the debugfs formats, from the ioctl ------------------------------- */

static char *fmt_version(const struct sbs *st)
{
	char *s = NULL;

	cat(&s, "%u.%u\n", st->s.hv_version >> 16, st->s.hv_version & 0xffff);
	return s;
}

static char *fmt_state(const struct sbs *st)
{
	char *s = NULL;
	uint32_t i;

	cat(&s, "%s", "");
	for (i = 0; i < st->s.nr_cpus; i++)
		cat(&s, "cpu %u: %s, launch %llu TSC ticks\n", st->cpus[i].cpu,
		    st->cpus[i].flags & SB_CPU_VMX ? "vmx" : "native",
		    (unsigned long long)st->cpus[i].launch_tsc);
	return s;
}

static char *fmt_objects(const struct sbs *st)
{
	const struct sb_sysstats_objects *o = &st->s.objects;
	char *s = NULL;

	cat(&s, "sessions %u\nservers %u\nconnections %u\nattachments %u\nviews %u\nhandoffs %u\n",
	    o->sessions, o->servers, o->connections, o->attachments, o->views,
	    o->handoffs);
	return s;
}

static char *fmt_lockdown(const struct sbs *st)
{
	char *s = NULL;
	uint32_t i;

	cat(&s, "locked %u\n", st->s.locked);
	for (i = 0; i < st->s.nr_lockdown_kinds; i++)
		cat(&s, "%.*s %llu\n", SB_SYSSTATS_KIND_LEN, st->s.lockdown[i].name,
		    (unsigned long long)st->s.lockdown[i].refused);
	return s;
}

static char *fmt_servers(const struct sbs *st)
{
	char *s = NULL, line[512];
	uint32_t i, a;

	cat(&s, "%s", "");
	for (i = 0; i < st->s.nr_servers; i++) {
		sbs_server_line(st, i, line, sizeof(line));
		cat(&s, "%s\n", line);
		for (a = 0; a < st->s.nr_attachments; a++)
			if (st->att[a].server == i)
				cat(&s, "  attachment %u uid %u calls %llu busy %llu handoffs %llu\n",
				    st->att[a].id, st->att[a].uid,
				    (unsigned long long)st->att[a].calls,
				    (unsigned long long)st->att[a].busy,
				    (unsigned long long)st->att[a].handoffs);
	}
	return s;
}

/* Three reads on @fd, debugfs @file between them: all the same. */
static void same_thrice(int fd, const char *file, bool servers,
			char *(*fmt)(const struct sbs *), const char *what)
{
	struct sbs a, b;
	char *sa = NULL, *sb = NULL, *d, name[160];
	int ea, eb;

	ea = sbs_get(fd, &a, servers);
	d = slurp(file, 0);
	eb = sbs_get(fd, &b, servers);
	if (!ea && !eb) {
		sa = fmt(&a);
		sb = fmt(&b);
	}
	snprintf(name, sizeof(name), "agree: %s: the ioctl gives what debugfs %s does",
		 what, file + strlen(DBG));
	CHECK(!ea && !eb && d && !strcmp(sa, d) && !strcmp(sb, d), name,
	      "ioctl %s/%s, debugfs %s; ioctl \"%s\", debugfs \"%s\"",
	      strerror(-ea), strerror(-eb), d ? "read" : strerror(errno),
	      sa ? sa : "-", d ? d : "-");
	if (!ea)
		sbs_free(&a);
	if (!eb)
		sbs_free(&b);
	free(sa);
	free(sb);
	free(d);
}

/* skyctl's section @sec is the debugfs file of that name. */
static void skyctl_prints(const char *sec)
{
	char cmd[128], path[128], name[160];
	char *out, *d;

	snprintf(cmd, sizeof(cmd), "skyctl stats %s", sec);
	snprintf(path, sizeof(path), DBG "%s", sec);
	out = slurp(cmd, 1);
	d = slurp(path, 0);
	snprintf(name, sizeof(name), "agree: \"skyctl stats %s\" prints debugfs %s",
		 sec, sec);
	CHECK(out && d && !strcmp(out, d), name, "skyctl \"%s\", debugfs \"%s\"",
	      out ? out : "(failed)", d ? d : "(unreadable)");
	free(out);
	free(d);
}

static int exit_reason(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(exit_names) / sizeof(exit_names[0]); i++)
		if (!strcmp(exit_names[i].name, name))
			return (int)exit_names[i].reason;
	return -1;
}

static int event_index(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(event_names) / sizeof(event_names[0]); i++)
		if (!strcmp(event_names[i].name, name))
			return (int)event_names[i].ev;
	return -1;
}

static const struct sb_sysstats_cpu *cpu_rec(const struct sbs *st,
					     unsigned int cpu)
{
	uint32_t i;

	for (i = 0; i < st->s.nr_cpus; i++)
		if (st->cpus[i].cpu == cpu)
			return &st->cpus[i];
	return NULL;
}

/*
 * debugfs "exits" against two ioctl reads around it: every counter
 * between them, every name one of the ioctl's, every ioctl event there.
 */
static void exits_agree(int fd)
{
	struct sbs a, b;
	char *d, *line, *save = NULL, name[64], bad[512] = "";
	unsigned long long v, lo, hi;
	unsigned int cpu, lines = 0, events_seen = 0, counted = 0;
	uint32_t i;
	int ea, eb, r;

	ea = sbs_get(fd, &a, false);
	d = slurp(DBG "exits", 0);
	eb = sbs_get(fd, &b, false);
	if (ea || eb || !d) {
		CHECK(0, "agree: exits: both read", "ioctl %s/%s, debugfs %s",
		      strerror(-ea), strerror(-eb), d ? "read" : "unreadable");
		goto out;
	}
	for (i = 0; i < a.s.nr_cpus; i++)
		counted += !!(a.cpus[i].flags & SB_CPU_COUNTED);
	for (line = strtok_r(d, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		const struct sb_sysstats_cpu *ca, *cb;
		char why[160] = "";

		lines++;
		if (sscanf(line, "cpu %u: %63s %llu", &cpu, name, &v) != 3) {
			ca = (sscanf(line, "cpu %u: native", &cpu) == 1) ? cpu_rec(&a, cpu) : NULL;
			if (!ca || (ca->flags & SB_CPU_COUNTED))
				snprintf(why, sizeof(why), "[%s] ", line);
			goto next;
		}
		ca = cpu_rec(&a, cpu);
		cb = cpu_rec(&b, cpu);
		if (!ca || !cb || !(ca->flags & SB_CPU_COUNTED)) {
			snprintf(why, sizeof(why), "[%s: no counted cpu %u in the ioctl] ", line, cpu);
			goto next;
		}
		if (!strcmp(name, "total")) {
			lo = ca->exits_total, hi = cb->exits_total;
		} else if (!strcmp(name, "EPT_POOL_FREE")) {
			/* Levels, not counters: between the two reads. */
			lo = a.s.ept_pool_free, hi = b.s.ept_pool_free;
		} else if (!strcmp(name, "RECORDS_USED")) {
			lo = a.s.records_used, hi = b.s.records_used;
		} else if ((r = event_index(name)) >= 0) {
			lo = ca->events[r], hi = cb->events[r];
			events_seen++;
		} else if ((r = exit_reason(name)) >= 0 && r < SB_SYSSTATS_EXIT_REASONS) {
			lo = ca->exits[r], hi = cb->exits[r];
		} else {
			snprintf(why, sizeof(why), "[%s: a name the ioctl does not have] ", line);
			goto next;
		}
		if (lo > hi) {	/* a level that went down */
			unsigned long long t = lo;

			lo = hi;
			hi = t;
		}
		if (v < lo || v > hi) {
			snprintf(why, sizeof(why), "[%s: ioctl before %llu, after %llu] ", line, lo, hi);
		}
next:
		if (why[0] && strlen(bad) + strlen(why) < sizeof(bad))
			strcat(bad, why);
	}
	CHECK(!bad[0] && lines > 0, "agree: exits: every debugfs counter lies between two ioctl reads around it",
	      "%u lines; %s", lines, bad);
	CHECK(events_seen == counted * SB_EV_NR && a.s.nr_events == SB_EV_NR,
	      "agree: exits: debugfs has every event the ioctl names, on every CPU",
	      "%u event lines for %u CPUs, %u events each; nr_events %u",
	      events_seen, counted, SB_EV_NR, a.s.nr_events);
	/* An exit reason the ioctl counts before debugfs is read: shown. */
	bad[0] = 0;
	free(d);
	d = slurp(DBG "exits", 0);
	for (i = 0; d && i < a.s.nr_cpus; i++) {
		for (r = 0; r < SB_SYSSTATS_EXIT_REASONS; r++) {
			char want[96];
			const char *nm = NULL;
			size_t k;

			if (!a.cpus[i].exits[r])
				continue;
			for (k = 0; k < sizeof(exit_names) / sizeof(exit_names[0]); k++)
				if ((int)exit_names[k].reason == r)
					nm = exit_names[k].name;
			if (!nm)
				continue;
			snprintf(want, sizeof(want), "cpu %u: %s ", a.cpus[i].cpu, nm);
			if (!strstr(d, want) && strlen(bad) + strlen(want) + 2 < sizeof(bad)) {
				strcat(bad, want);
				strcat(bad, "; ");
			}
		}
	}
	CHECK(d && !bad[0], "agree: exits: every exit reason the ioctl counts is in debugfs",
	      "missing: %s", d ? bad : "(debugfs unreadable)");
	CHECK(a.s.nr_exit_reasons == SB_SYSSTATS_EXIT_REASONS,
	      "agree: exits: the ioctl counts all the exit reasons",
	      "nr_exit_reasons %u", a.s.nr_exit_reasons);
out:
	if (!ea)
		sbs_free(&a);
	if (!eb)
		sbs_free(&b);
	free(d);
}

static struct sbt_ret adder(uint64_t id, uint64_t a0, uint64_t a1, uint64_t a2,
			    uint64_t a3)
{
	(void)id;
	return (struct sbt_ret){ 0, a0 + a1 + a2 + a3 };
}

static void agree(void)
{
	static const char *const secs[] = { "version", "state", "objects", "lockdown" };
	struct testserver srv = { .name = "sysstats", .handler = adder, .slots = 2 };
	struct sbt_conn c = { .fd = -1 };
	struct sbs st;
	uint64_t v;
	size_t i;
	int fd, err, calls = 0;
	char line[512], want[512];

	fd = open(SKYBRIDGE_DEVICE_PATH, O_RDWR | O_CLOEXEC);
	CHECK(fd >= 0, "agree: open " SKYBRIDGE_DEVICE_PATH, "%s", strerror(errno));
	if (fd < 0)
		return;
	same_thrice(fd, DBG "version", false, fmt_version, "idle");
	same_thrice(fd, DBG "state", false, fmt_state, "idle");
	same_thrice(fd, DBG "objects", false, fmt_objects, "idle");
	same_thrice(fd, DBG "lockdown", false, fmt_lockdown, "idle");
	same_thrice(fd, DBG "servers", true, fmt_servers, "idle");
	exits_agree(fd);
	err = sbs_get(fd, &st, false);
	CHECK(!err && st.s.nr_cpus == (uint32_t)sysconf(_SC_NPROCESSORS_ONLN) &&
	      st.s.cpus_vmx == st.s.nr_cpus && (st.s.state & SB_STATE_HV) &&
	      st.s.ept_pool_pages > 0 && st.s.ept_pool_free <= st.s.ept_pool_pages &&
	      st.s.records > 0 && st.s.ept_pool_share > 0 && st.s.records_share > 0,
	      "agree: every online CPU is listed and under the RootKernel; pool and records given",
	      "%s; cpus %u (online %ld), vmx %u, state %#x, pool %u/%u share %u, records %u share %u",
	      strerror(-err), st.s.nr_cpus, sysconf(_SC_NPROCESSORS_ONLN), st.s.cpus_vmx,
	      st.s.state, st.s.ept_pool_free, st.s.ept_pool_pages, st.s.ept_pool_share,
	      st.s.records, st.s.records_share);
	if (!err)
		sbs_free(&st);
	for (i = 0; i < sizeof(secs) / sizeof(secs[0]); i++)
		skyctl_prints(secs[i]);

	/* With a server, a client, its calls and a refused one. */
	err = testserver_start(&srv);
	CHECK(!err, "agree: a server registers", "%s", strerror(-err));
	if (err)
		goto out;
	err = sb_tramp_map(fd);
	if (!err)
		err = sbt_connect(fd, "sysstats", &c);
	CHECK(!err, "agree: a client connects", "%s", strerror(-err));
	if (err)
		goto stop;
	for (i = 0; i < 3; i++)
		calls += sbt_call(&c, 1, 2, 3, 4, &v) == 0 && v == 10;
	CHECK(calls == 3 && sbt_call_raw(c.view, c.id, c.key ^ 1, 0, 0, 0, 0, &v) == -EACCES,
	      "agree: 3 calls, and one with a wrong key refused", "%d calls answered", calls);
	same_thrice(fd, DBG "objects", false, fmt_objects, "a server and a client");
	same_thrice(fd, DBG "lockdown", false, fmt_lockdown, "a server and a client");
	same_thrice(fd, DBG "servers", true, fmt_servers, "a server and a client");
	sbs_server_named("sysstats", line, sizeof(line));
	snprintf(want, sizeof(want),
		 "server sysstats view %u owner 0 slots 2 busy_now 0 attachments 1 calls 3 busy 0 denied 1 handoffs 0 handoffs_failed 0 faults 0",
		 c.view);
	CHECK(!strcmp(line, want), "agree: the server's own figures: 3 calls, 1 denied, 1 attachment",
	      "\"%s\", expected \"%s\"", line, want);
	err = sbs_get(fd, &st, false);
	CHECK(!err && st.s.locked >= 2 && st.s.objects.servers >= 1 &&
	      st.s.objects.attachments >= 1 && st.s.objects.views >= 1,
	      "agree: the counts see the server and the client (2 locked processes)",
	      "%s; locked %u servers %u attachments %u views %u", strerror(-err),
	      st.s.locked, st.s.objects.servers, st.s.objects.attachments,
	      st.s.objects.views);
	if (!err)
		sbs_free(&st);
	skyctl_prints("servers");
	skyctl_prints("objects");
	close(c.fd);
stop:
	err = testserver_stop(&srv);
	CHECK(err == 0, "agree: the server exits normally", "%d", err);
out:
	close(fd);
}

/* --- bad input ------------------------------------------------------- */

static struct sb_sysstats good(void)
{
	struct sb_sysstats s;

	memset(&s, 0, sizeof(s));
	s.size = sizeof(s);
	return s;
}

static void refused(int fd, struct sb_sysstats *s, int want, const char *what)
{
	char name[160];
	int rc = ioctl(fd, SB_IOC_SYSSTATS, s), e = errno;

	snprintf(name, sizeof(name), "bad: %s: %s", what, strerror(want));
	CHECK(rc == -1 && e == want, name, "rc %d, %s", rc, rc ? strerror(e) : "accepted");
}

static void bad(void)
{
	struct sb_sysstats_cpu cpus[2];
	struct sb_sysstats_server srv[1];
	struct sb_sysstats_attachment att[1];
	struct sb_sysstats s, *ro;
	char big[sizeof(s) + 64];
	unsigned int i;
	int fd = open(SKYBRIDGE_DEVICE_PATH, O_RDWR | O_CLOEXEC), rc;
	long online = sysconf(_SC_NPROCESSORS_ONLN);

	CHECK(fd >= 0, "bad: open " SKYBRIDGE_DEVICE_PATH, "%s", strerror(errno));
	if (fd < 0)
		return;
	s = good();
	rc = ioctl(fd, SB_IOC_SYSSTATS, &s);
	CHECK(rc == 0 && s.size == sizeof(s) && s.nr_cpus == (uint32_t)online &&
	      s.hv_version == HV_VERSION && s.nr_lockdown_kinds > 0,
	      "bad: no arrays at all: the counts, and how many CPUs there are",
	      "rc %d (%s), nr_cpus %u, online %ld", rc, strerror(errno),
	      s.nr_cpus, online);
	s = good();
	s.size = 0;
	refused(fd, &s, EINVAL, "size 0");
	s = good();
	s.size = sizeof(s) - 8;
	refused(fd, &s, EINVAL, "size - 8");
	memset(big, 0, sizeof(big));
	((struct sb_sysstats *)big)->size = sizeof(s) + 64;
	refused(fd, (struct sb_sysstats *)big, EINVAL, "size + 64 (a later version's)");
	s = good();
	s.flags = 1u << 1;
	refused(fd, &s, EINVAL, "unknown flag 1 << 1");
	s = good();
	s.flags = 1u << 31;
	refused(fd, &s, EINVAL, "unknown flag 1 << 31");
	s = good();
	s.pad = 1;
	refused(fd, &s, EINVAL, "non-zero pad");
	for (i = 0; i < sizeof(s.reserved) / sizeof(s.reserved[0]); i++) {
		char what[64];

		s = good();
		s.reserved[i] = 1ull << (i * 7);
		snprintf(what, sizeof(what), "non-zero reserved[%u]", i);
		refused(fd, &s, EINVAL, what);
	}
	s = good();
	s.nr_cpus = 2;
	s.cpus = (uintptr_t)cpus;
	s.cpu_size = sizeof(cpus[0]) - 8;
	refused(fd, &s, EINVAL, "cpu_size too small");
	s.cpu_size = sizeof(cpus[0]) + 8;
	refused(fd, &s, EINVAL, "cpu_size too large");
	s.cpu_size = 0;
	refused(fd, &s, EINVAL, "cpu_size 0 with CPUs asked for");
	s = good();
	s.nr_cpus = 2;
	s.cpu_size = sizeof(cpus[0]);
	refused(fd, &s, EINVAL, "nr_cpus without an address");
	s = good();
	s.servers = (uintptr_t)srv;
	s.server_size = sizeof(srv[0]);
	s.nr_servers = 1;
	refused(fd, &s, EINVAL, "a server array without SB_SYSSTATS_SERVERS");
	s = good();
	s.attachments = (uintptr_t)att;
	refused(fd, &s, EINVAL, "an attachment address without SB_SYSSTATS_SERVERS");
	s = good();
	s.nr_attachments = 1;
	refused(fd, &s, EINVAL, "an attachment count without SB_SYSSTATS_SERVERS");
	s = good();
	s.flags = SB_SYSSTATS_SERVERS;
	s.servers = (uintptr_t)srv;
	s.server_size = sizeof(srv[0]) + 1;
	s.nr_servers = 1;
	refused(fd, &s, EINVAL, "server_size wrong");
	s.server_size = sizeof(srv[0]);
	s.attachments = (uintptr_t)att;
	s.attachment_size = sizeof(att[0]) - 1;
	s.nr_attachments = 1;
	refused(fd, &s, EINVAL, "attachment_size wrong");

	refused(fd, NULL, EFAULT, "a NULL argument");
	s = good();
	s.nr_cpus = 1;
	s.cpus = 8;
	s.cpu_size = sizeof(cpus[0]);
	refused(fd, &s, EFAULT, "CPU records to an unmapped address");
	ro = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (ro != MAP_FAILED) {
		*ro = good();
		mprotect(ro, 4096, PROT_READ);
		refused(fd, ro, EFAULT, "an argument in read-only memory");
		munmap(ro, 4096);
	}

	/* Too little room: the count of what exists, nothing past the room. */
	memset(cpus, 0xa5, sizeof(cpus));
	s = good();
	s.nr_cpus = 1;
	s.cpus = (uintptr_t)cpus;
	s.cpu_size = sizeof(cpus[0]);
	s.hv_version = 0xdeadbeef;	/* output fields' input: ignored */
	s.objects.sessions = 12345;
	rc = ioctl(fd, SB_IOC_SYSSTATS, &s);
	{
		const unsigned char *p = (const unsigned char *)&cpus[1];
		size_t k, untouched = 1;

		for (k = 0; k < sizeof(cpus[1]); k++)
			untouched &= p[k] == 0xa5;
		CHECK(rc == 0 && s.nr_cpus == (uint32_t)online && cpus[0].cpu == 0 &&
		      (cpus[0].flags & SB_CPU_VMX) && cpus[0].reserved[0] == 0 &&
		      untouched && s.hv_version != 0xdeadbeef &&
		      s.objects.sessions < 12345,
		      "bad: room for one CPU: one record, the count of all, output fields set",
		      "rc %d (%s), nr_cpus %u (online %ld), cpu %u flags %#x, past the room %s",
		      rc, strerror(errno), s.nr_cpus, online, cpus[0].cpu,
		      cpus[0].flags, untouched ? "untouched" : "written");
	}
	close(fd);
}

/* --- who may ask ----------------------------------------------------- */

/* In a child: SB_IOC_SYSSTATS without and with the server list. */
static void as_other(const char *who)
{
	struct sbs st;
	char name[160];
	int err;

	err = sbs_get(-1, &st, false);
	snprintf(name, sizeof(name), "unpriv: %s gets every count", who);
	CHECK(!err && st.s.nr_cpus == (uint32_t)sysconf(_SC_NPROCESSORS_ONLN) &&
	      st.s.cpus_vmx == st.s.nr_cpus && st.s.nr_lockdown_kinds > 0 &&
	      (st.s.state & SB_STATE_HV), name, "%s; cpus %u vmx %u kinds %u",
	      strerror(-err), st.s.nr_cpus, st.s.cpus_vmx, st.s.nr_lockdown_kinds);
	if (!err)
		sbs_free(&st);
	err = sbs_get(-1, &st, true);
	snprintf(name, sizeof(name), "unpriv: %s is refused the server list (EPERM)", who);
	CHECK(err == -EPERM, name, "%s", err ? strerror(-err) : "given");
	if (!err)
		sbs_free(&st);
}

/* skyctl @args as the current user: exit status, and output in @out. */
static int skyctl(const char *args, char **out)
{
	char cmd[128];
	FILE *f;
	int st;

	snprintf(cmd, sizeof(cmd), "skyctl %s 2>&1", args);
	f = popen(cmd, "r");
	*out = NULL;
	if (!f)
		return -1;
	*out = calloc(1, 8192);
	if (*out)
		(void)!fread(*out, 1, 8191, f);
	st = pclose(f);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static void unpriv(void)
{
	pid_t pid;

	pid = tap_fork(120);
	if (pid == 0) {
		char *out;
		int rc;

		if (setgroups(0, NULL) || setresgid(65534, 65534, 65534) ||
		    setresuid(65534, 65534, 65534)) {
			CHECK(0, "unpriv: become uid 65534", "%s", strerror(errno));
			_exit(tap_exit());
		}
		as_other("uid 65534");
		rc = skyctl("stats", &out);
		CHECK(rc == 0 && out && strstr(out, "RootKernel ") && strstr(out, "lockdown: "),
		      "unpriv: skyctl stats works for uid 65534", "exit %d: %.300s", rc, out);
		free(out);
		rc = skyctl("servers", &out);
		CHECK(rc == 1 && out && strstr(out, "needs root"),
		      "unpriv: skyctl servers says it needs root, exit 1", "exit %d: %.300s", rc, out);
		free(out);
		rc = skyctl("", &out);
		CHECK(rc == 0 && out && strstr(out, "(servers: not shown, listing them needs root)") &&
		      strstr(out, "RootKernel "),
		      "unpriv: skyctl shows the rest and says the servers need root",
		      "exit %d: %.300s", rc, out);
		free(out);
		_exit(tap_exit());
	}
	tap_wait(pid, "unpriv: uid 65534");

	pid = tap_fork(60);
	if (pid == 0) {
		struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3, 0 };
		struct __user_cap_data_struct d[2];

		memset(d, 0, sizeof(d));
		if (syscall(SYS_capget, &h, d) == 0) {
			d[0].effective &= ~(1u << CAP_SYS_ADMIN);
			d[0].permitted &= ~(1u << CAP_SYS_ADMIN);
		}
		if (syscall(SYS_capset, &h, d)) {
			CHECK(0, "unpriv: drop CAP_SYS_ADMIN", "%s", strerror(errno));
			_exit(tap_exit());
		}
		as_other("root without CAP_SYS_ADMIN");
		_exit(tap_exit());
	}
	tap_wait(pid, "unpriv: root without CAP_SYS_ADMIN");

	{
		struct sbs st;
		int err = sbs_get(-1, &st, true);

		CHECK(!err, "unpriv: root with CAP_SYS_ADMIN gets the server list",
		      "%s", strerror(-err));
		if (!err)
			sbs_free(&st);
	}
}

int main(int argc, char **argv)
{
	const char *what = argc > 1 ? argv[1] : "all";

	if (argc > 3 || (strcmp(what, "agree") && strcmp(what, "bad") &&
			 strcmp(what, "unpriv") && strcmp(what, "all"))) {
		fprintf(stderr, "usage: sb-sysstats [agree | bad | unpriv | all] [PREFIX]\n");
		return 2;
	}
	if (argc > 2)
		prefix = argv[2];
	if (!strcmp(what, "agree") || !strcmp(what, "all"))
		agree();
	if (!strcmp(what, "bad") || !strcmp(what, "all"))
		bad();
	if (!strcmp(what, "unpriv") || !strcmp(what, "all"))
		unpriv();
	return tap_exit();
}
