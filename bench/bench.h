/* SPDX-License-Identifier: GPL-2.0 */
/*
 * bench.h - skybench internals: the IPC mechanisms under test and the
 * measurement helpers.
 *
 * Every mechanism runs the same round trip between a client process (the
 * benchmark) and a server process (a fork()ed child): the client hands over
 * a request of max(payload, 8) bytes copied from its private memory, the
 * server copies it into its own private memory and answers with one 8-byte
 * value.  Shared-memory mechanisms copy in and out of the shared buffer, so
 * each side makes one copy of the payload everywhere.
 */
#ifndef SKYBENCH_H
#define SKYBENCH_H

#include <stdalign.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define BENCH_MAX_PAYLOAD	(64 * 1024)
#define BENCH_MAX_CHANNELS	8

/* What the server child reports at the start and end of the measured phase. */
struct srv_snap {
	uint64_t syscalls;
	long nvcsw;
	long nivcsw;
};

/* Shared (MAP_SHARED anonymous) between one client and its server. */
struct chan_shm {
	uint64_t mark_at[2];		/* served counts to snapshot at */
	uint64_t served;
	uint64_t syscalls;		/* the server's, counted by design */
	struct srv_snap snap[2];
	alignas(64) atomic_uint req;	/* futex / spin words */
	alignas(64) atomic_uint rep;
	alignas(64) uint64_t value;
	alignas(4096) unsigned char buf[BENCH_MAX_PAYLOAD];
};

struct chan {
	const struct mech *m;
	size_t payload;
	size_t msg;			/* max(payload, 8): bytes on the wire */
	int idx;			/* channel number, 0 .. nchan - 1 */
	int nchan;
	struct chan_shm *shm;
	int fd[4];
	int ready[2];			/* the server writes one byte when ready */
	pid_t server;
	void *priv;			/* mechanism state */
	unsigned char *cbuf;		/* client's private payload */
	unsigned char *sbuf;		/* server's private copy */
	uint64_t syscalls;		/* the client's, counted by design */
	char name[64];
};

struct env;

/**
 * struct mech - one IPC mechanism
 * @key:         short name for -m and the CSV
 * @name:        long name for the table
 * @na:          non-NULL: not available here, and why
 * @unavailable: may be NULL; else non-NULL return: not available in this
 *               run (@e: the machine and transport), and why
 * @events:      what one round trip costs by design, in events the
 *               instruction counts cannot show (VMFUNCs, VM exits,
 *               syscalls); NULL: see the measured sys/rt and csw/rt
 * @max_payload: largest payload it carries (0: BENCH_MAX_PAYLOAD)
 * @cross_only:  meaningless on one CPU (busy-waiting)
 * @null_only:   carries no payload: only the 0-byte cases run
 * @shared_server: one server process serves every channel (throughput)
 * @setup:       before fork; 0 or -errno
 * @serve:       in the server child: set up, srv_ready(), serve forever
 * @client_init: in the client once the server is ready (may be NULL)
 * @rt:          one round trip; 0 or -errno
 * @teardown:    after the server is gone
 * @server_syscalls, @client_syscalls: where a mechanism counts its system
 *               calls itself (the skybridge library); NULL: counted in
 *               shm->syscalls / ch->syscalls
 */
struct mech {
	const char *key;
	const char *name;
	const char *na;
	const char *(*unavailable)(const struct env *e);
	const char *events;
	size_t max_payload;
	bool cross_only;
	bool null_only;
	bool shared_server;
	int (*setup)(struct chan *ch);
	void (*serve)(struct chan *ch);
	int (*client_init)(struct chan *ch);
	int (*rt)(struct chan *ch);
	void (*teardown)(struct chan *ch);
	uint64_t (*server_syscalls)(struct chan *ch);
	uint64_t (*client_syscalls)(struct chan *ch);
};

extern const struct mech *const mechs[];
extern const size_t nmechs;

/* mechs.c: the server child's helpers. */
void srv_ready(struct chan *ch);
void srv_served(struct chan *ch);
/* Why @m cannot run in this run (static or from the environment), or NULL. */
const char *mech_na(const struct mech *m, const struct env *e);
/* Check whether the kernel limit lets @m carry @payload; NULL if so. */
const char *mech_payload_limit(const struct mech *m, size_t payload);

/* One measured case (latency) or run (throughput). */
struct result {
	const struct mech *m;
	const char *where;		/* "same-core", "cross-core", "any" */
	size_t payload;
	int threads;			/* throughput runs */
	size_t samples;
	uint64_t min, med, p99;		/* TSC ticks */
	double calls_per_s;
	double sys_per_rt, csw_per_rt;	/* < 0: unknown */
	char note[96];
};

/* What the run found out about the machine. */
struct env {
	bool guest;
	const char *guest_why;
	double tsc_mhz;
	int ncpus, cpu0, cpu1;
	char cpu[128];
	char kernel[160];
	const char *transport;
};

/* plot.c: 0 or -errno. */
int plot_png(const char *path, const struct result *res, size_t n,
	     const struct env *e);

/* measure.c */
static inline uint64_t tsc_read(void)
{
	uint32_t lo, hi;

	/* LFENCE first: do not start the clock before earlier work retired. */
	__asm__ volatile("lfence; rdtsc" : "=a"(lo), "=d"(hi) :: "memory");
	return (uint64_t)hi << 32 | lo;
}

double tsc_mhz_measure(void);
int cmp_u64(const void *a, const void *b);
uint64_t percentile(const uint64_t *sorted, size_t n, double p);
int pin_to_cpu(int cpu);
int cpus_usable(int *first, int *second);
void cpu_model(char *buf, size_t len);
bool lab_guest_detect(const char **why);

#endif /* SKYBENCH_H */
