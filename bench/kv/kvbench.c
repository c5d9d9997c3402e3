// SPDX-License-Identifier: GPL-2.0
/*
 * kvbench - a key-value macro benchmark: one server process holds a hash
 * table (get and put, a reader-writer lock, malloc'd values) and serves
 * client threads over the skybridge library and, in the same run, over a
 * UNIX stream socket, with YCSB-like operation mixes.  Usage: usage() below
 * or kvbench --help; method and results: docs/benchmarks.md.
 */
#include <errno.h>
#include <getopt.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <stddef.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <libskybridge.h>

#include "../bench.h"

#define KV_KEY_LEN	16		/* "user%011u" + NUL */
#define KV_BUCKETS	4096
#define KV_MAX_VALUE	4096
#define KV_MAX_THREADS	8

enum { OP_GET = 1, OP_PUT = 2 };

struct opts {
	unsigned long ops;		/* per client thread */
	unsigned int records;
	unsigned int value;		/* bytes */
	unsigned int threads;
	const char *workloads;
	bool use_sb, use_unix;
	int guest;			/* -1: detect */
};

/* -- the table ------------------------------------------------------------ */

struct item {
	struct item *next;
	char key[KV_KEY_LEN];
	size_t len;
	char *value;
};

static struct {
	pthread_rwlock_t lock;
	struct item *bucket[KV_BUCKETS];
	unsigned long count;
} table = { .lock = PTHREAD_RWLOCK_INITIALIZER };

static unsigned int hash(const char *key)
{
	unsigned int h = 2166136261u;

	for (; *key; key++)
		h = (h ^ (unsigned char)*key) * 16777619u;
	return h % KV_BUCKETS;
}

/* Copy @key's value to @out (at most @max bytes); its length or -ENOENT. */
static long kv_get(const char *key, char *out, size_t max)
{
	struct item *it;
	long ret = -ENOENT;

	pthread_rwlock_rdlock(&table.lock);
	for (it = table.bucket[hash(key)]; it; it = it->next) {
		if (strcmp(it->key, key))
			continue;
		ret = it->len < max ? (long)it->len : (long)max;
		memcpy(out, it->value, (size_t)ret);
		break;
	}
	pthread_rwlock_unlock(&table.lock);
	return ret;
}

static long kv_put(const char *key, const char *value, size_t len)
{
	char *copy = malloc(len ? len : 1);
	struct item **p, *it;

	if (!copy)
		return -ENOMEM;
	memcpy(copy, value, len);
	pthread_rwlock_wrlock(&table.lock);
	for (p = &table.bucket[hash(key)]; *p && strcmp((*p)->key, key);
	     p = &(*p)->next)
		;
	it = *p;
	if (!it) {
		it = calloc(1, sizeof(*it));
		if (!it) {
			pthread_rwlock_unlock(&table.lock);
			free(copy);
			return -ENOMEM;
		}
		snprintf(it->key, sizeof(it->key), "%s", key);
		*p = it;
		table.count++;
	}
	free(it->value);
	it->value = copy;
	it->len = len;
	pthread_rwlock_unlock(&table.lock);
	return 0;
}

/*
 * The request, in the connection buffer (skybridge) or on the socket: a
 * header, the key, then for a put the value.  The answer: status and, for
 * a get, the value.
 */
struct req {
	uint32_t op, vlen;
	char key[KV_KEY_LEN];
};

struct rep {
	int32_t status;
	uint32_t vlen;
};

/* -- skybridge server ------------------------------------------------------- */

static int sb_handler(struct sb_call *call, uint64_t *ret)
{
	struct req r;
	long n;

	if (call->len < sizeof(r))
		return -EINVAL;
	memcpy(&r, call->buf, sizeof(r));	/* the buffer is shared: copy */
	r.key[KV_KEY_LEN - 1] = 0;
	if (r.op == OP_PUT) {
		if (r.vlen > call->len - sizeof(r) || r.vlen > KV_MAX_VALUE)
			return -EINVAL;
		call->len = 0;
		*ret = 0;
		return (int)kv_put(r.key, (char *)call->buf + sizeof(r), r.vlen);
	}
	if (r.op != OP_GET)
		return -EINVAL;
	n = kv_get(r.key, call->buf, call->buf_size);
	call->len = n < 0 ? 0 : (size_t)n;
	*ret = n < 0 ? 0 : (uint64_t)n;
	return n < 0 ? (int)n : 0;
}

/* -- UNIX socket server: one thread per connection ------------------------ */

static int read_full(int fd, void *p, size_t len)
{
	while (len) {
		ssize_t n = read(fd, p, len);

		if (n <= 0)
			return n == 0 ? -EPIPE : -errno;
		p = (char *)p + n;
		len -= (size_t)n;
	}
	return 0;
}

static int write_full(int fd, const void *p, size_t len)
{
	while (len) {
		ssize_t n = write(fd, p, len);

		if (n <= 0)
			return n == 0 ? -EPIPE : -errno;
		p = (const char *)p + n;
		len -= (size_t)n;
	}
	return 0;
}

static void *unix_conn(void *arg)
{
	int fd = (int)(intptr_t)arg;
	static __thread char val[KV_MAX_VALUE];
	struct req r;
	struct rep a;
	long n;

	while (!read_full(fd, &r, sizeof(r))) {
		r.key[KV_KEY_LEN - 1] = 0;
		a.vlen = 0;
		if (r.op == OP_PUT && r.vlen <= KV_MAX_VALUE &&
		    !read_full(fd, val, r.vlen)) {
			a.status = (int32_t)kv_put(r.key, val, r.vlen);
		} else if (r.op == OP_GET) {
			n = kv_get(r.key, val, sizeof(val));
			a.status = n < 0 ? (int32_t)n : 0;
			a.vlen = n < 0 ? 0 : (uint32_t)n;
		} else {
			break;
		}
		if (write_full(fd, &a, sizeof(a)) || write_full(fd, val, a.vlen))
			break;
	}
	close(fd);
	return NULL;
}

static void unix_serve(int lfd)
{
	for (;;) {
		int fd = accept(lfd, NULL, NULL);
		pthread_t t;

		if (fd < 0)
			continue;
		if (pthread_create(&t, NULL, unix_conn, (void *)(intptr_t)fd))
			close(fd);
		else
			pthread_detach(t);
	}
}

/* -- the server process ------------------------------------------------------ */

struct server {
	pid_t pid;
	char sb_name[40];
	struct sockaddr_un addr;
	socklen_t addr_len;
};

/*
 * Fork the server: it registers with the library (if @use_sb) and listens
 * on an abstract UNIX socket, then writes one byte on @ready.
 */
static int server_start(struct server *s, bool use_sb, unsigned int slots)
{
	int ready[2], lfd;
	char c = 'x';

	snprintf(s->sb_name, sizeof(s->sb_name), "kvbench.%d", (int)getpid());
	memset(&s->addr, 0, sizeof(s->addr));
	s->addr.sun_family = AF_UNIX;
	snprintf(s->addr.sun_path + 1, sizeof(s->addr.sun_path) - 1,
		 "kvbench.%d", (int)getpid());
	s->addr_len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 +
				  strlen(s->addr.sun_path + 1));
	if (pipe(ready))
		return -errno;
	s->pid = fork();
	if (s->pid < 0)
		return -errno;
	if (s->pid == 0) {
		struct sb_server_attr attr = { .buf_size = 2 * KV_MAX_VALUE };
		struct sb_server *srv;
		int err = 0;

		close(ready[0]);
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (lfd < 0 || bind(lfd, (struct sockaddr *)&s->addr, s->addr_len) ||
		    listen(lfd, 64))
			err = errno;
		if (!err && use_sb)
			err = -sb_server_register(s->sb_name, sb_handler, NULL,
						  slots, &attr, &srv);
		if (err) {
			fprintf(stderr, "kvbench: server: %s\n", strerror(err));
			_exit(1);
		}
		c = use_sb ? sb_transport_name()[0] : 'u';
		if (write(ready[1], &c, 1) != 1)
			_exit(1);
		unix_serve(lfd);
		_exit(0);
	}
	close(ready[1]);
	if (read(ready[0], &c, 1) != 1) {
		close(ready[0]);
		waitpid(s->pid, NULL, 0);
		return -ECHILD;
	}
	close(ready[0]);
	return 0;
}

static void server_stop(struct server *s)
{
	kill(s->pid, SIGKILL);
	waitpid(s->pid, NULL, 0);
}

/* -- clients ------------------------------------------------------------------- */

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}


enum kvmech { M_SB, M_UNIX };

struct client {
	enum kvmech m;
	const struct server *srv;
	const struct opts *o;
	unsigned int read_pct;
	unsigned int seed;
	uint64_t *lat;			/* o->ops entries */
	unsigned long errors;
	double start, end;		/* the measured loop, CLOCK_MONOTONIC */
	uint64_t tsc_start, tsc_end;
	int err;			/* setup */
	pthread_t t;
};

static unsigned int rnd(unsigned int *s)
{
	*s = *s * 1103515245u + 12345u;
	return *s >> 8;
}

static void key_of(char *key, unsigned int n)
{
	snprintf(key, KV_KEY_LEN, "user%011u", n);
}

/* One client connection, either kind. */
struct conn {
	enum kvmech m;
	struct sb_conn *sb;
	char *buf;
	size_t buf_size;
	int fd;
	char val[KV_MAX_VALUE];
};

static int conn_open(struct conn *c, enum kvmech m, const struct server *s)
{
	c->m = m;
	if (m == M_SB) {
		int err = sb_connect(s->sb_name, &c->sb);

		if (err)
			return err;
		c->buf = sb_conn_buffer(c->sb, &c->buf_size);
		return c->buf && c->buf_size >= sizeof(struct req) + KV_MAX_VALUE ?
		       0 : -EMSGSIZE;
	}
	c->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (c->fd < 0)
		return -errno;
	return connect(c->fd, (const struct sockaddr *)&s->addr, s->addr_len) ?
	       -errno : 0;
}

static void conn_close(struct conn *c)
{
	if (c->m == M_SB)
		sb_disconnect(c->sb);
	else
		close(c->fd);
}

/* One operation: 0 or a negative errno. */
static int conn_op(struct conn *c, uint32_t op, const char *key,
		   const char *value, uint32_t vlen)
{
	struct req r = { .op = op, .vlen = op == OP_PUT ? vlen : 0 };
	struct rep a;
	int err;

	memcpy(r.key, key, KV_KEY_LEN);
	if (c->m == M_SB) {
		uint64_t args[SB_NARGS] = { op }, ret;
		size_t reply = 0;

		memcpy(c->buf, &r, sizeof(r));
		if (op == OP_PUT)
			memcpy(c->buf + sizeof(r), value, vlen);
		err = sb_call_buf(c->sb, args, sizeof(r) + r.vlen, &reply, &ret);
		if (!err && op == OP_GET)
			memcpy(c->val, c->buf, reply);
		return err;
	}
	err = write_full(c->fd, &r, sizeof(r));
	if (!err && op == OP_PUT)
		err = write_full(c->fd, value, vlen);
	err = err ?: read_full(c->fd, &a, sizeof(a));
	if (!err && a.vlen > KV_MAX_VALUE)
		err = -EPROTO;
	err = err ?: read_full(c->fd, c->val, a.vlen);
	return err ?: a.status;
}

static void *client_main(void *arg)
{
	struct client *cl = arg;
	const struct opts *o = cl->o;
	struct conn *c = calloc(1, sizeof(*c));
	char key[KV_KEY_LEN], value[KV_MAX_VALUE];
	unsigned long i;

	if (!c) {
		cl->err = -ENOMEM;
		return NULL;
	}
	memset(value, 'v', sizeof(value));
	cl->err = conn_open(c, cl->m, cl->srv);
	if (cl->err) {
		free(c);
		return NULL;
	}
	cl->start = now_s();
	cl->tsc_start = tsc_read();
	for (i = 0; i < o->ops; i++) {
		bool read = rnd(&cl->seed) % 100 < cl->read_pct;
		uint64_t t0;

		key_of(key, rnd(&cl->seed) % o->records);
		t0 = tsc_read();
		if (conn_op(c, read ? OP_GET : OP_PUT, key, value, o->value))
			cl->errors++;
		cl->lat[i] = tsc_read() - t0;
	}
	cl->end = now_s();
	cl->tsc_end = tsc_read();
	conn_close(c);
	free(c);
	return NULL;
}

/* Insert every record once, from one connection (not measured). */
static int load(enum kvmech m, const struct server *s, const struct opts *o)
{
	struct conn *c = calloc(1, sizeof(*c));
	char key[KV_KEY_LEN], value[KV_MAX_VALUE];
	unsigned int i;
	int err;

	if (!c)
		return -ENOMEM;
	memset(value, 'v', sizeof(value));
	err = conn_open(c, m, s);
	for (i = 0; !err && i < o->records; i++) {
		key_of(key, i);
		err = conn_op(c, OP_PUT, key, value, o->value);
	}
	if (!err)
		conn_close(c);
	free(c);
	return err;
}

/* -- the run ------------------------------------------------------------------- */

static const char *unit(bool guest)
{
	return guest ? "emulated instructions" : "ns";
}

static int run_one(enum kvmech m, const struct server *s, const struct opts *o,
		   char workload, bool guest, double tsc_mhz)
{
	static const struct { char w; unsigned int read_pct; } mixes[] = {
		{ 'A', 50 }, { 'B', 95 }, { 'C', 100 },
	};
	struct client cl[KV_MAX_THREADS];
	unsigned long errors = 0, n = o->ops * o->threads;
	unsigned int read_pct = 0, t, k;
	uint64_t *all, tsc0 = UINT64_MAX, tsc1 = 0;
	double t0 = 1e300, t1 = 0, scale = guest ? 1.0 : 1000.0 / tsc_mhz;
	char tput[48];

	for (k = 0; k < sizeof(mixes) / sizeof(mixes[0]); k++)
		if (mixes[k].w == workload)
			read_pct = mixes[k].read_pct;
	all = calloc(n, sizeof(*all));
	if (!all)
		return -ENOMEM;
	for (t = 0; t < o->threads; t++) {
		cl[t] = (struct client){ .m = m, .srv = s, .o = o,
					 .read_pct = read_pct,
					 .seed = 12345u + t * 7919u,
					 .lat = all + t * o->ops };
		if (pthread_create(&cl[t].t, NULL, client_main, &cl[t]))
			cl[t].err = -EAGAIN;
	}
	for (t = 0; t < o->threads; t++) {
		if (cl[t].err != -EAGAIN)
			pthread_join(cl[t].t, NULL);
		if (cl[t].err) {
			fprintf(stderr, "kvbench: client: %s\n", sb_strerror(cl[t].err));
			free(all);
			return cl[t].err;
		}
		errors += cl[t].errors;
		/* Throughput over the measured loops only (not connects). */
		t0 = cl[t].start < t0 ? cl[t].start : t0;
		t1 = cl[t].end > t1 ? cl[t].end : t1;
		tsc0 = cl[t].tsc_start < tsc0 ? cl[t].tsc_start : tsc0;
		tsc1 = cl[t].tsc_end > tsc1 ? cl[t].tsc_end : tsc1;
	}
	qsort(all, n, sizeof(*all), cmp_u64);
	if (guest)
		snprintf(tput, sizeof(tput), "%.1f ops/M instr",
			 n * 1e6 / (double)(tsc1 - tsc0));
	else
		snprintf(tput, sizeof(tput), "%.0f ops/s", n / (t1 - t0));
	printf("%-10s %-14s %c %3u%%/%3u%% %7u %9lu %18s %10.0f %10.0f %10.0f %10.0f  %s%s\n",
	       m == M_SB ? "skybridge" : "unix", m == M_SB ?
	       sb_transport_name() : "stream socket", workload, read_pct,
	       100 - read_pct, o->threads, n, tput,
	       all[0] * scale, percentile(all, n, 50) * scale,
	       percentile(all, n, 99) * scale, all[n - 1] * scale, unit(guest),
	       errors ? " (errors!)" : "");
	free(all);
	return errors ? -EIO : 0;
}

static void usage(FILE *f)
{
	fprintf(f,
"Usage: kvbench [OPTIONS]\n"
"\n"
"A key-value macro benchmark.  A forked server process holds a hash table\n"
"(get and put under a reader-writer lock, values malloc'd) and serves the\n"
"same operations over the skybridge library (its fast path where\n"
"/dev/skybridge offers VMFUNC, else the fallback transport) and over a UNIX\n"
"stream socket (one server thread per connection).  After loading RECORDS\n"
"keys, client threads run YCSB-like mixes on uniformly chosen keys:\n"
"A = 50%% reads / 50%% updates, B = 95/5, C = read only.\n"
"\n"
"Options:\n"
"  -n, --ops N          operations per client thread and mix (default 10000)\n"
"  -r, --records N      keys loaded before the mixes (default 1000)\n"
"  -v, --value BYTES    value size, at most %d (default 100)\n"
"  -t, --threads N      client threads, 1-%d (default 1)\n"
"  -w, --workloads LIST mixes to run, letters from ABC (default ABC)\n"
"  -m, --mechanisms L   skybridge,unix (default both)\n"
"      --guest, --host  units: emulated instructions or ns (default:\n"
"                       detected, as skybench does)\n"
"  -h, --help           this text\n"
"\n"
"Output: one line per mechanism and mix: throughput (ops/s on a host; ops\n"
"per million emulated instructions in the lab, whose RDTSC counts\n"
"instructions) and the latency of one operation, min, median, p99 and max.\n"
"Exit status: 0, 1 if an operation failed, 2 for bad usage.\n",
		KV_MAX_VALUE, KV_MAX_THREADS);
}

static int parse(int argc, char **argv, struct opts *o)
{
	static const struct option lo[] = {
		{ "ops", required_argument, NULL, 'n' },
		{ "records", required_argument, NULL, 'r' },
		{ "value", required_argument, NULL, 'v' },
		{ "threads", required_argument, NULL, 't' },
		{ "workloads", required_argument, NULL, 'w' },
		{ "mechanisms", required_argument, NULL, 'm' },
		{ "guest", no_argument, NULL, 'G' },
		{ "host", no_argument, NULL, 'H' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	char *end;
	int c;

	*o = (struct opts){ .ops = 10000, .records = 1000, .value = 100,
			    .threads = 1, .workloads = "ABC", .use_sb = true,
			    .use_unix = true, .guest = -1 };
	while ((c = getopt_long(argc, argv, "n:r:v:t:w:m:h", lo, NULL)) != -1) {
		unsigned long v = 0;

		if (strchr("nrvt", c)) {
			errno = 0;
			v = strtoul(optarg, &end, 10);
			if (errno || *end || !v) {
				fprintf(stderr, "kvbench: -%c wants a positive number, not '%s'\n",
					c, optarg);
				return -1;
			}
		}
		switch (c) {
		case 'n': o->ops = v; break;
		case 'r':
			if (v > 10000000) {
				fprintf(stderr, "kvbench: at most 10000000 records\n");
				return -1;
			}
			o->records = (unsigned int)v;
			break;
		case 'v':
			if (v > KV_MAX_VALUE) {
				fprintf(stderr, "kvbench: values of at most %d bytes\n",
					KV_MAX_VALUE);
				return -1;
			}
			o->value = (unsigned int)v;
			break;
		case 't':
			if (v > KV_MAX_THREADS) {
				fprintf(stderr, "kvbench: at most %d threads\n",
					KV_MAX_THREADS);
				return -1;
			}
			o->threads = (unsigned int)v;
			break;
		case 'w':
			if (!*optarg || strspn(optarg, "ABC") != strlen(optarg)) {
				fprintf(stderr, "kvbench: workloads are letters from ABC, not '%s'\n",
					optarg);
				return -1;
			}
			o->workloads = optarg;
			break;
		case 'm':
			o->use_sb = strstr(optarg, "skybridge") != NULL;
			o->use_unix = strstr(optarg, "unix") != NULL;
			if (!o->use_sb && !o->use_unix) {
				fprintf(stderr, "kvbench: mechanisms are skybridge and unix, not '%s'\n",
					optarg);
				return -1;
			}
			break;
		case 'G': o->guest = 1; break;
		case 'H': o->guest = 0; break;
		case 'h': usage(stdout); exit(0);
		default: usage(stderr); return -1;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "kvbench: unexpected argument '%s'\n", argv[optind]);
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct opts o;
	struct server s;
	const char *why = "";
	bool guest;
	double mhz = 0;
	int err, fail = 0;

	if (parse(argc, argv, &o))
		return 2;
	guest = o.guest < 0 ? lab_guest_detect(&why) : o.guest;
	if (!guest)
		mhz = tsc_mhz_measure();
	signal(SIGPIPE, SIG_IGN);
	err = server_start(&s, o.use_sb, o.threads);
	if (err) {
		fprintf(stderr, "kvbench: cannot start the server: %s\n",
			strerror(-err));
		return 1;
	}
	printf("# kvbench: %s mode%s%s; %u records, %u-byte values, %lu ops per thread and mix, %u client thread%s\n",
	       guest ? "guest" : "host", *why ? ", " : "", why, o.records,
	       o.value, o.ops, o.threads, o.threads == 1 ? "" : "s");
	printf("# latency unit: %s%s\n", unit(guest),
	       guest ? " (RDTSC in the lab counts emulated instructions: path lengths, not time)" :
	       "");
	printf("%-10s %-14s %c %9s %7s %9s %18s %10s %10s %10s %10s\n",
	       "MECHANISM", "TRANSPORT", 'W', "READ/UPD", "THREADS", "OPS",
	       "THROUGHPUT", "MIN", "MEDIAN", "P99", "MAX");
	for (int k = 0; k < 2; k++) {
		enum kvmech m = k ? M_UNIX : M_SB;

		if ((m == M_SB && !o.use_sb) || (m == M_UNIX && !o.use_unix))
			continue;
		err = load(m, &s, &o);
		if (err) {
			fprintf(stderr, "kvbench: loading over %s: %s\n",
				m == M_SB ? "skybridge" : "unix", sb_strerror(err));
			fail = 1;
			continue;
		}
		for (const char *w = o.workloads; *w; w++)
			if (run_one(m, &s, &o, *w, guest, mhz))
				fail = 1;
	}
	server_stop(&s);
	return fail;
}
