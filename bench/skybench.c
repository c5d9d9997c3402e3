// SPDX-License-Identifier: GPL-2.0
/*
 * skybench - round-trip latency and throughput of the skybridge transports
 * against the kernel's IPC mechanisms, side by side in one run.
 *
 * Usage text: usage() below, or skybench --help.  docs/benchmarks.md has the
 * method and the host results.
 */
#include <errno.h>
#include <stdarg.h>
#include <getopt.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <libskybridge.h>

#include "bench.h"

#define MAX_PAYLOADS	8
#define MAX_THREADS	4

struct opts {
	size_t samples;
	size_t warmup;
	size_t payloads[MAX_PAYLOADS];
	int npayloads;
	bool want[16];			/* per mechs[] index */
	bool same, cross;
	bool throughput;
	int threads[MAX_THREADS];
	int nthreads;
	unsigned int duration_ms;
	const char *csv;
	const char *plot;
	int guest;			/* -1 auto, 0 host, 1 guest */
	bool quiet;
};



static struct result *results;
static size_t nresults, results_cap;

static const char *prog = "skybench";

/* -- usage and options --------------------------------------------------- */

static void usage(FILE *f)
{
	fprintf(f,
"Usage: skybench [OPTIONS]\n"
"\n"
"Measure cross-process call round trips: the skybridge library's transport\n"
"against pipes, UNIX sockets, eventfd, futex, SysV and POSIX message queues\n"
"and shared-memory spinning, in one run, on the same core and across cores.\n"
"With /dev/skybridge offering VMFUNC (the emulated lab machine, --guest), the\n"
"library's direct call and the bare trampoline call (null handler) too.\n"
"\n"
"Each round trip sends a request of max(PAYLOAD, 8) bytes, copied from the\n"
"client's memory into the server's, and returns one 8-byte value.  Latency\n"
"is measured with RDTSC around every round trip after a warm-up, and\n"
"reported as min, median and 99th percentile.\n"
"\n"
"Options:\n"
"  -n, --samples N       round trips measured per case (default 10000;\n"
"                        at least 100)\n"
"  -w, --warmup N        round trips before measuring (default 1000)\n"
"  -p, --payloads LIST   payload sizes in bytes, comma-separated, suffixes\n"
"                        K (KiB) allowed, at most 64K (default 0,64,4K,64K)\n"
"  -m, --mechanisms LIST mechanisms to run (default all; see --list)\n"
"      --placement WHERE same, cross or both (default both; cross needs 2\n"
"                        CPUs)\n"
"  -t, --threads LIST    client threads for the throughput runs (default\n"
"                        1,2,4; each at most 4)\n"
"  -d, --duration MS     length of each throughput run (default 300)\n"
"      --no-throughput   latency only\n"
"      --csv FILE        also write every result as CSV to FILE\n"
"      --plot FILE       also draw a PNG bar chart with gnuplot\n"
"      --guest           report as the emulated lab machine: RDTSC counts\n"
"                        emulated instructions, so no cycles or ns\n"
"      --host            report as a real machine (ns and TSC ticks)\n"
"                        (default: --guest if SKYBRIDGE_LAB=1 or the DMI\n"
"                        vendor is Bochs, else --host)\n"
"  -l, --list            list the mechanisms and exit\n"
"  -q, --quiet           no progress lines on stderr\n"
"  -h, --help            this text\n"
"\n"
"Units: on a host, latency is in nanoseconds (TSC ticks converted with the\n"
"TSC rate measured at start) and in raw TSC ticks; in --guest mode, in\n"
"emulated instructions only.  syscalls/rt counts the system calls both\n"
"sides made per round trip; ctxsw/rt the voluntary plus involuntary context\n"
"switches of both processes (getrusage) per round trip.\n"
"\n"
"Exit status: 0 on success, 1 if a mechanism failed, 2 on bad usage.\n");
}

static void __attribute__((noreturn, format(printf, 1, 2))) bad_usage(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nTry '%s --help' for more information.\n", prog);
	exit(2);
}

static bool parse_size(const char *s, size_t *out)
{
	char *end;
	unsigned long long v;

	if (*s < '0' || *s > '9')
		return false;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno)
		return false;
	if (*end == 'K' || *end == 'k') {
		v *= 1024;
		end++;
	}
	if (*end)
		return false;
	*out = (size_t)v;
	return true;
}

static size_t parse_count(const char *opt, const char *s, size_t min, size_t max)
{
	size_t v;

	if (!parse_size(s, &v) || v < min || v > max)
		bad_usage("%s wants a number from %zu to %zu, not '%s'", opt, min,
			  max, s);
	return v;
}

static void parse_payloads(struct opts *o, char *list)
{
	o->npayloads = 0;
	for (char *tok = strtok(list, ","); tok; tok = strtok(NULL, ",")) {
		size_t v;

		if (o->npayloads == MAX_PAYLOADS)
			bad_usage("--payloads takes at most %d sizes", MAX_PAYLOADS);
		if (!parse_size(tok, &v) || v > BENCH_MAX_PAYLOAD)
			bad_usage("--payloads: '%s' is not a size from 0 to 64K", tok);
		o->payloads[o->npayloads++] = v;
	}
	if (!o->npayloads)
		bad_usage("--payloads needs at least one size");
}

static void parse_mechanisms(struct opts *o, char *list)
{
	memset(o->want, 0, sizeof(o->want));
	for (char *tok = strtok(list, ","); tok; tok = strtok(NULL, ",")) {
		size_t i;

		for (i = 0; i < nmechs; i++)
			if (strcmp(tok, mechs[i]->key) == 0)
				break;
		if (i == nmechs)
			bad_usage("unknown mechanism '%s' (see --list)", tok);
		o->want[i] = true;
	}
}

static void parse_threads(struct opts *o, char *list)
{
	o->nthreads = 0;
	for (char *tok = strtok(list, ","); tok; tok = strtok(NULL, ",")) {
		if (o->nthreads == MAX_THREADS)
			bad_usage("--threads takes at most %d counts", MAX_THREADS);
		o->threads[o->nthreads++] = (int)parse_count("--threads", tok, 1,
							     MAX_THREADS);
	}
	if (!o->nthreads)
		bad_usage("--threads needs at least one count");
}

static void list_mechanisms(void)
{
	for (size_t i = 0; i < nmechs; i++)
		printf("%-12s %s%s%s%s%s\n", mechs[i]->key, mechs[i]->name,
		       mechs[i]->na ? "  -- " : "", mechs[i]->na ? mechs[i]->na : "",
		       mechs[i]->events ? "  -- per round trip: " : "",
		       mechs[i]->events ? mechs[i]->events : "");
}

enum { OPT_PLACEMENT = 256, OPT_NO_TP, OPT_CSV, OPT_PLOT, OPT_GUEST, OPT_HOST };

static void parse_opts(struct opts *o, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "samples", required_argument, NULL, 'n' },
		{ "warmup", required_argument, NULL, 'w' },
		{ "payloads", required_argument, NULL, 'p' },
		{ "mechanisms", required_argument, NULL, 'm' },
		{ "placement", required_argument, NULL, OPT_PLACEMENT },
		{ "threads", required_argument, NULL, 't' },
		{ "duration", required_argument, NULL, 'd' },
		{ "no-throughput", no_argument, NULL, OPT_NO_TP },
		{ "csv", required_argument, NULL, OPT_CSV },
		{ "plot", required_argument, NULL, OPT_PLOT },
		{ "guest", no_argument, NULL, OPT_GUEST },
		{ "host", no_argument, NULL, OPT_HOST },
		{ "list", no_argument, NULL, 'l' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	char defaults_p[] = "0,64,4K,64K", defaults_t[] = "1,2,4";
	int c;

	*o = (struct opts){ .samples = 10000, .warmup = 1000, .same = true,
			    .cross = true, .throughput = true,
			    .duration_ms = 300, .guest = -1 };
	parse_payloads(o, defaults_p);
	parse_threads(o, defaults_t);
	for (size_t i = 0; i < nmechs; i++)
		o->want[i] = true;

	opterr = 0;
	while ((c = getopt_long(argc, argv, ":n:w:p:m:t:d:lqh", longopts, NULL)) != -1) {
		switch (c) {
		case 'n':
			o->samples = parse_count("--samples", optarg, 100, 10000000);
			break;
		case 'w':
			o->warmup = parse_count("--warmup", optarg, 0, 10000000);
			break;
		case 'p':
			parse_payloads(o, optarg);
			break;
		case 'm':
			parse_mechanisms(o, optarg);
			break;
		case OPT_PLACEMENT:
			o->same = !strcmp(optarg, "same") || !strcmp(optarg, "both");
			o->cross = !strcmp(optarg, "cross") || !strcmp(optarg, "both");
			if (!o->same && !o->cross)
				bad_usage("--placement wants same, cross or both, not '%s'",
					  optarg);
			break;
		case 't':
			parse_threads(o, optarg);
			break;
		case 'd':
			o->duration_ms = (unsigned int)parse_count("--duration", optarg,
								   10, 60000);
			break;
		case OPT_NO_TP:
			o->throughput = false;
			break;
		case OPT_CSV:
			o->csv = optarg;
			break;
		case OPT_PLOT:
			o->plot = optarg;
			break;
		case OPT_GUEST:
			o->guest = 1;
			break;
		case OPT_HOST:
			o->guest = 0;
			break;
		case 'l':
			list_mechanisms();
			exit(0);
		case 'q':
			o->quiet = true;
			break;
		case 'h':
			usage(stdout);
			exit(0);
		case ':':
			bad_usage("option %s needs an argument", argv[optind - 1]);
		default:
			bad_usage("unknown option '%s'", argv[optind - 1]);
		}
	}
	if (optind < argc)
		bad_usage("unexpected argument '%s'", argv[optind]);
}

/* -- channels ------------------------------------------------------------ */

static struct chan *chan_new(const struct mech *m, size_t payload, int idx,
			     int nchan)
{
	struct chan *ch = calloc(1, sizeof(*ch));

	if (!ch)
		return NULL;
	ch->m = m;
	ch->payload = payload;
	ch->msg = payload < 8 ? 8 : payload;
	ch->idx = idx;
	ch->nchan = nchan;
	for (int i = 0; i < 4; i++)
		ch->fd[i] = -1;
	ch->ready[0] = ch->ready[1] = -1;
	ch->shm = mmap(NULL, sizeof(*ch->shm), PROT_READ | PROT_WRITE,
		       MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ch->cbuf = malloc(BENCH_MAX_PAYLOAD);
	ch->sbuf = malloc(BENCH_MAX_PAYLOAD);
	if (ch->shm == MAP_FAILED || !ch->cbuf || !ch->sbuf || pipe(ch->ready)) {
		free(ch);	/* a benchmark: leaking on this path is harmless */
		return NULL;
	}
	for (size_t i = 0; i < BENCH_MAX_PAYLOAD; i++)
		ch->cbuf[i] = (unsigned char)i;
	memset(ch->sbuf, 0, BENCH_MAX_PAYLOAD);
	ch->shm->mark_at[0] = ch->shm->mark_at[1] = UINT64_MAX;
	return ch;
}

static void chan_free(struct chan *ch)
{
	if (ch->m->teardown)
		ch->m->teardown(ch);
	close(ch->ready[0]);
	if (ch->ready[1] >= 0)
		close(ch->ready[1]);
	munmap(ch->shm, sizeof(*ch->shm));
	free(ch->cbuf);
	free(ch->sbuf);
	free(ch);
}

/* Fork the server for @ch on @cpu (-1: anywhere) and wait until it serves. */
static int server_start(struct chan *ch, int cpu)
{
	struct pollfd pfd = { .fd = ch->ready[0], .events = POLLIN };
	char byte;

	fflush(NULL);
	ch->server = fork();
	if (ch->server < 0)
		return -errno;
	if (ch->server == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		close(ch->ready[0]);
		if (cpu >= 0)
			pin_to_cpu(cpu);
		ch->m->serve(ch);
		_exit(0);
	}
	close(ch->ready[1]);
	ch->ready[1] = -1;
	if (poll(&pfd, 1, 5000) != 1 || read(ch->ready[0], &byte, 1) != 1)
		return -ETIMEDOUT;
	return 0;
}

static void server_stop(struct chan *ch)
{
	if (ch->server <= 0)
		return;
	kill(ch->server, SIGKILL);
	waitpid(ch->server, NULL, 0);
	ch->server = 0;
}

static uint64_t client_syscalls(struct chan *ch)
{
	return ch->m->client_syscalls ? ch->m->client_syscalls(ch) : ch->syscalls;
}

/* -- latency ------------------------------------------------------------- */

static struct result *result_add(const struct mech *m, const char *where,
				 size_t payload, int threads)
{
	struct result *r;

	if (nresults == results_cap) {
		results_cap = results_cap ? 2 * results_cap : 64;
		results = realloc(results, results_cap * sizeof(*results));
		if (!results) {
			perror(prog);
			exit(1);
		}
	}
	r = &results[nresults++];
	*r = (struct result){ .m = m, .where = where, .payload = payload,
			      .threads = threads, .sys_per_rt = -1,
			      .csw_per_rt = -1 };
	return r;
}

static long csw(const struct rusage *ru)
{
	return ru->ru_nvcsw + ru->ru_nivcsw;
}

static int measure(struct chan *ch, const struct opts *o, struct result *r)
{
	uint64_t *t = malloc(o->samples * sizeof(*t)), sys0, sys1;
	struct srv_snap *snap = ch->shm->snap;
	struct rusage ru0, ru1;
	int err = 0;

	if (!t)
		return -ENOMEM;
	for (size_t i = 0; i < o->warmup && !err; i++)
		err = ch->m->rt(ch);
	getrusage(RUSAGE_SELF, &ru0);
	sys0 = client_syscalls(ch);
	for (size_t i = 0; i < o->samples && !err; i++) {
		uint64_t t0 = tsc_read();

		err = ch->m->rt(ch);
		t[i] = tsc_read() - t0;
	}
	sys1 = client_syscalls(ch);
	getrusage(RUSAGE_SELF, &ru1);
	if (!err) {
		qsort(t, o->samples, sizeof(*t), cmp_u64);
		r->samples = o->samples;
		r->min = t[0];
		r->med = percentile(t, o->samples, 50);
		r->p99 = percentile(t, o->samples, 99);
		r->sys_per_rt = (double)(sys1 - sys0 + snap[1].syscalls -
					 snap[0].syscalls) / (double)o->samples;
		r->csw_per_rt = (double)(csw(&ru1) - csw(&ru0) + snap[1].nvcsw -
					 snap[0].nvcsw + snap[1].nivcsw -
					 snap[0].nivcsw) / (double)o->samples;
	}
	free(t);
	return err;
}

static void latency_case(const struct mech *m, size_t payload, bool same,
			 const struct env *e, const struct opts *o)
{
	struct result *r = result_add(m, same ? "same-core" : "cross-core", payload, 1);
	int ccpu = e->cpu0, scpu = same ? e->cpu0 : e->cpu1;
	const char *limit = mech_payload_limit(m, payload), *na = mech_na(m, e);
	struct chan *ch;
	int err;

	if (na) {
		snprintf(r->note, sizeof(r->note), "%s", na);
		return;
	}
	if (m->null_only && payload) {
		snprintf(r->note, sizeof(r->note), "n/a (null calls only)");
		return;
	}
	if (m->cross_only && same) {
		snprintf(r->note, sizeof(r->note),
			 "n/a (spinning on one CPU measures the scheduler)");
		return;
	}
	if (limit) {
		snprintf(r->note, sizeof(r->note), "%s", limit);
		return;
	}
	ch = chan_new(m, payload, 0, 1);
	if (!ch) {
		snprintf(r->note, sizeof(r->note), "error: out of memory");
		return;
	}
	ch->shm->mark_at[0] = o->warmup;
	ch->shm->mark_at[1] = o->warmup + o->samples;
	pin_to_cpu(ccpu);
	err = m->setup ? m->setup(ch) : 0;
	if (!err)
		err = server_start(ch, scpu);
	if (!err && m->client_init)
		err = m->client_init(ch);
	if (!err)
		err = measure(ch, o, r);
	server_stop(ch);
	chan_free(ch);
	if (err)
		snprintf(r->note, sizeof(r->note), "error: %s", sb_strerror(err));
}

/* -- throughput ---------------------------------------------------------- */

struct tp_worker {
	struct chan *ch;
	pthread_t tid;
	atomic_ulong calls;
	atomic_bool *stop;
	int cpu;			/* -1: unpinned */
	int err;
};

static void *tp_main(void *arg)
{
	struct tp_worker *w = arg;

	if (w->cpu >= 0)
		pin_to_cpu(w->cpu);
	while (!atomic_load_explicit(w->stop, memory_order_relaxed)) {
		w->err = w->ch->m->rt(w->ch);
		if (w->err)
			break;
		atomic_fetch_add_explicit(&w->calls, 1, memory_order_relaxed);
	}
	return NULL;
}

static unsigned long tp_total(struct tp_worker *w, int n)
{
	unsigned long sum = 0;

	for (int i = 0; i < n; i++)
		sum += atomic_load(&w[i].calls);
	return sum;
}

static int tp_start(const struct mech *m, int n, const struct env *e,
		    struct tp_worker *w, atomic_bool *stop)
{
	int err = 0;

	for (int i = 0; i < n && !err; i++) {
		struct chan *ch = chan_new(m, 0, i, n);

		if (!ch)
			return -ENOMEM;
		w[i].ch = ch;
		w[i].stop = stop;
		w[i].cpu = m->cross_only ? e->cpu0 : -1;
		err = m->setup ? m->setup(ch) : 0;
		/* Spinning pairs are pinned apart: together they measure the scheduler. */
		if (!err && (!m->shared_server || i == 0))
			err = server_start(ch, m->cross_only ? e->cpu1 : -1);
	}
	for (int i = 0; i < n && !err; i++)
		if (m->client_init)
			err = m->client_init(w[i].ch);
	for (int i = 0; i < n && !err; i++)
		err = -pthread_create(&w[i].tid, NULL, tp_main, &w[i]);
	return err;
}

static void throughput_case(const struct mech *m, int n, const struct env *e,
			    const struct opts *o)
{
	struct result *r = result_add(m, "any", 0, n);
	struct tp_worker w[MAX_THREADS] = { 0 };
	atomic_bool stop = false;
	const char *na = mech_na(m, e);
	unsigned long c0, c1;
	double t0, t1;
	int err, started;

	if (na) {
		snprintf(r->note, sizeof(r->note), "%s", na);
		return;
	}
	if (m->cross_only && 2 * n > e->ncpus) {
		snprintf(r->note, sizeof(r->note),
			 "n/a (%d spinning pairs need %d CPUs)", n, 2 * n);
		return;
	}
	err = tp_start(m, n, e, w, &stop);
	started = 0;
	for (int i = 0; i < n; i++)
		started += w[i].tid != 0;
	if (!err) {
		struct timespec warm = { .tv_nsec = 50 * 1000 * 1000 };
		struct timespec run = { .tv_sec = o->duration_ms / 1000,
					.tv_nsec = (long)(o->duration_ms % 1000) * 1000000L };

		nanosleep(&warm, NULL);
		c0 = tp_total(w, n);
		t0 = (double)tsc_read();
		nanosleep(&run, NULL);
		c1 = tp_total(w, n);
		t1 = (double)tsc_read();
		r->calls_per_s = (double)(c1 - c0) / ((t1 - t0) / (e->tsc_mhz * 1e6));
		r->samples = c1 - c0;
	}
	/* Clients finish their round trip first: a futex waiter would not notice a dead server. */
	atomic_store(&stop, true);
	for (int i = 0; i < started; i++)
		pthread_join(w[i].tid, NULL);
	for (int i = 0; i < n; i++)
		if (w[i].ch)
			server_stop(w[i].ch);
	for (int i = 0; i < n; i++)
		if (w[i].ch)
			chan_free(w[i].ch);
	if (err)
		snprintf(r->note, sizeof(r->note), "error: %s", sb_strerror(err));
}

/* -- output -------------------------------------------------------------- */

static double to_ns(const struct env *e, uint64_t ticks)
{
	return (double)ticks * 1000.0 / e->tsc_mhz;
}

static void print_header(const struct env *e, const struct opts *o)
{
	printf("# skybench: %s mode (%s)\n", e->guest ? "guest" : "host", e->guest_why);
	printf("# cpu: %s; %d usable CPU(s); kernel %s\n", e->cpu, e->ncpus, e->kernel);
	if (e->guest)
		printf("# unit: emulated instructions (RDTSC deltas in the emulator; "
		       "not cycles, not time)\n");
	else
		printf("# unit: ns (TSC ticks / %.1f MHz, measured) and raw TSC ticks\n",
		       e->tsc_mhz);
	printf("# skybridge transport: %s; %zu samples per case after %zu warm-up "
	       "round trips\n", e->transport, o->samples, o->warmup);
}

static void print_latency(const struct env *e)
{
	const char *where = NULL;

	for (size_t i = 0; i < nresults; i++) {
		struct result *r = &results[i];

		if (r->threads != 1 || !strcmp(r->where, "any"))
			continue;
		if (!where || strcmp(where, r->where)) {
			where = r->where;
			printf("\n## round-trip latency, %s\n", where);
			if (e->guest)
				printf("%-34s %7s %10s %10s %10s %8s %8s  %s\n", "mechanism",
				       "payload", "min instr", "med instr", "p99 instr",
				       "sys/rt", "csw/rt", "events/rt (by design)");
			else
				printf("%-34s %7s %9s %9s %9s %10s %10s %10s %7s %7s  %s\n",
				       "mechanism", "payload", "min ns", "med ns", "p99 ns",
				       "min tick", "med tick", "p99 tick", "sys/rt", "csw/rt",
				       "events/rt (by design)");
		}
		printf("%-34s %7zu ", r->m->name, r->payload);
		if (r->note[0])
			printf("%s\n", r->note);
		else if (e->guest)
			printf("%10llu %10llu %10llu %8.2f %8.3f%s%s\n",
			       (unsigned long long)r->min, (unsigned long long)r->med,
			       (unsigned long long)r->p99, r->sys_per_rt, r->csw_per_rt,
			       r->m->events ? "  " : "", r->m->events ? r->m->events : "");
		else
			printf("%9.0f %9.0f %9.0f %10llu %10llu %10llu %7.2f %7.3f%s%s\n",
			       to_ns(e, r->min), to_ns(e, r->med), to_ns(e, r->p99),
			       (unsigned long long)r->min, (unsigned long long)r->med,
			       (unsigned long long)r->p99, r->sys_per_rt, r->csw_per_rt,
			       r->m->events ? "  " : "", r->m->events ? r->m->events : "");
	}
}

static void print_throughput(const struct env *e, const struct opts *o)
{
	bool any = false;

	for (size_t i = 0; i < nresults; i++) {
		struct result *r = &results[i];

		if (strcmp(r->where, "any"))
			continue;
		if (!any) {
			printf("\n## throughput, null calls, unpinned, %u ms per run "
			       "(calls per second%s)\n", o->duration_ms,
			       e->guest ? " of emulated time: indicative only" : "");
			printf("%-34s %7s %14s\n", "mechanism", "threads", "calls/s");
			any = true;
		}
		printf("%-34s %7d ", r->m->name, r->threads);
		if (r->note[0])
			printf("%s\n", r->note);
		else
			printf("%14.0f\n", r->calls_per_s);
	}
}

static int write_csv(const char *path, const struct env *e)
{
	FILE *f = fopen(path, "w");

	if (!f)
		return -errno;
	fprintf(f, "kind,mode,mechanism,placement,payload_bytes,threads,samples,unit,"
		"min,median,p99,min_ns,median_ns,p99_ns,calls_per_s,syscalls_per_rt,"
		"ctxsw_per_rt,tsc_mhz,note,events_per_rt\n");
	for (size_t i = 0; i < nresults; i++) {
		struct result *r = &results[i];
		bool tp = !strcmp(r->where, "any"), ok = !r->note[0];

		fprintf(f, "%s,%s,%s,%s,%zu,%d,%zu,%s,", tp ? "throughput" : "latency",
			e->guest ? "guest" : "host", r->m->key, r->where, r->payload,
			r->threads, r->samples,
			tp ? "calls/s" : e->guest ? "emulated instructions" : "TSC ticks");
		if (ok && !tp)
			fprintf(f, "%llu,%llu,%llu,", (unsigned long long)r->min,
				(unsigned long long)r->med, (unsigned long long)r->p99);
		else
			fprintf(f, ",,,");
		if (ok && !tp && !e->guest)
			fprintf(f, "%.1f,%.1f,%.1f,", to_ns(e, r->min), to_ns(e, r->med),
				to_ns(e, r->p99));
		else
			fprintf(f, ",,,");
		if (ok && tp)
			fprintf(f, "%.0f,,,", r->calls_per_s);
		else if (ok)
			fprintf(f, ",%.3f,%.4f,", r->sys_per_rt, r->csw_per_rt);
		else
			fprintf(f, ",,,");
		fprintf(f, "%.1f,\"%s\",\"%s\"\n", e->guest ? 0.0 : e->tsc_mhz, r->note,
			r->m->events ? r->m->events : "");
	}
	return fclose(f) ? -errno : 0;
}

static int run_all(const struct env *e, const struct opts *o)
{
	int failed = 0;

	for (int pl = 0; pl < 2; pl++) {
		bool same = pl == 0;

		if ((same && !o->same) || (!same && !o->cross))
			continue;
		for (int p = 0; p < o->npayloads; p++)
			for (size_t i = 0; i < nmechs; i++) {
				if (!o->want[i])
					continue;
				if (!o->quiet)
					fprintf(stderr, "%s: %s, %zu B, %s\n", prog,
						mechs[i]->key, o->payloads[p],
						same ? "same core" : "cross core");
				if (!same && e->ncpus < 2) {
					struct result *r = result_add(mechs[i], "cross-core",
								      o->payloads[p], 1);

					snprintf(r->note, sizeof(r->note),
						 "skipped: only 1 CPU");
					continue;
				}
				latency_case(mechs[i], o->payloads[p], same, e, o);
				failed |= !strncmp(results[nresults - 1].note, "error", 5);
			}
	}
	/* Throughput runs unpinned, over every usable CPU. */
	if (o->throughput) {
		cpu_set_t all;

		CPU_ZERO(&all);
		for (int c = 0; c < CPU_SETSIZE; c++)
			CPU_SET(c, &all);
		sched_setaffinity(0, sizeof(all), &all);
		for (size_t i = 0; i < nmechs; i++)
			for (int t = 0; t < o->nthreads && o->want[i]; t++) {
				if (!o->quiet)
					fprintf(stderr, "%s: throughput %s, %d thread(s)\n",
						prog, mechs[i]->key, o->threads[t]);
				throughput_case(mechs[i], o->threads[t], e, o);
				failed |= !strncmp(results[nresults - 1].note, "error", 5);
			}
	}
	return failed;
}

static void env_probe(struct env *e, const struct opts *o)
{
	struct utsname u;
	bool detected = lab_guest_detect(&e->guest_why);

	e->guest = o->guest < 0 ? detected : o->guest;
	if (o->guest >= 0)
		e->guest_why = o->guest ? "--guest" : "--host";
	e->ncpus = cpus_usable(&e->cpu0, &e->cpu1);
	cpu_model(e->cpu, sizeof(e->cpu));
	uname(&u);
	snprintf(e->kernel, sizeof(e->kernel), "%s %s", u.release, u.machine);
	e->tsc_mhz = tsc_mhz_measure();
	e->transport = sb_transport_name();
}

int main(int argc, char **argv)
{
	struct opts o;
	struct env e;
	int failed, err;

	parse_opts(&o, argc, argv);
	signal(SIGPIPE, SIG_IGN);
	env_probe(&e, &o);
	failed = run_all(&e, &o);
	print_header(&e, &o);
	print_latency(&e);
	print_throughput(&e, &o);
	if (o.csv && (err = write_csv(o.csv, &e))) {
		fprintf(stderr, "%s: %s: %s\n", prog, o.csv, strerror(-err));
		failed = 1;
	}
	if (o.plot && (err = plot_png(o.plot, results, nresults, &e))) {
		fprintf(stderr, "%s: %s: %s\n", prog, o.plot, strerror(-err));
		failed = 1;
	}
	return failed ? 1 : 0;
}
