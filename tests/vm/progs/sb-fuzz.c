// SPDX-License-Identifier: GPL-2.0
/*
 * sb-fuzz - throw random and mutated arguments at /dev/skybridge.
 *
 *   sb-fuzz [-n CALLS] [-t THREADS] [-s SEED] [PREFIX]
 *
 * One process registers a server ("fuzz.srv") and connects to it, so that
 * connect and attach have something to find; then THREADS threads in this
 * process and THREADS in a forked child (which inherits the fds: its
 * sessions belong to another mm; it also opens one of its own, whose
 * mappings can succeed) issue CALLS ioctls in all (default
 * 200,000), mixed with close() of fds other threads are using, attach with
 * random fds, and mmap/mprotect/mremap/munmap of the device and connection
 * files with random offsets, lengths and protections.
 *
 * Arguments: random bytes; valid structures with one field or byte changed;
 * NULL, kernel, unmapped, read-only and misaligned pointers; structures that
 * run into an inaccessible page; command numbers of every direction and
 * size in our ioctl type and a foreign one.  Operations that would pass
 * validation and scan the whole process (register, connect, attach) are
 * rationed: they cost millions of emulated instructions each.
 *
 * Checked as it goes (TAP): unknown commands always get ENOTTY; a session
 * used from the other process gets EBADFD for the commands bound to its mm;
 * no ioctl succeeds with an argument it cannot have read.  The scenario
 * checks dmesg and that every object and EPT page came back.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sbcall.h"
#include "../../tap.h"

#define NFDS		32
#define DEEP_BUDGET	24	/* validated register/connect/attach per process */

static int fds[NFDS];		/* shared on purpose: raced by every thread */
static int session_fd;		/* opened by the parent */
static int own_fd = -1;		/* the child's own session: its mmaps work */
static int conn_fd;		/* a real connection, by the parent */
static uint8_t *pages;		/* 0: rw, 1: ro, 2: none */
static long pg;
static long per_thread;
static atomic_long n_ioctl, n_ok, n_close, n_mmap, n_mmap_ok, n_deep;
static atomic_long n_deep_wanted;
static atomic_long n_errno[160];
static atomic_int bad_enotty, bad_ebadfd, bad_ok;
static int in_child;
static int pipe_fds[2];		/* the child's report; never closed here */

static uint64_t rnd(uint64_t *s)
{
	/* xorshift64* */
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 2685821657736338717ull;
}

static void *pick_ptr(uint64_t *s, void *valid, size_t len)
{
	switch (rnd(s) % 10) {
	case 0: return NULL;
	case 1: return (void *)0xffff888000000000ull;	/* kernel direct map */
	case 2: return (void *)0xffffffff81000000ull;	/* kernel text */
	case 3: return pages + 2 * pg;			/* PROT_NONE */
	case 4: return pages + 2 * pg - len / 2;	/* runs into PROT_NONE */
	case 5: return pages + pg;			/* read-only */
	case 6: return (uint8_t *)valid + 1;		/* misaligned */
	case 7: return (void *)SB_TRAMP_BASE;		/* trampoline code */
	default: return valid;
	}
}

/* A valid-looking argument for @cmd in @buf, then one change. */
static int fill(uint64_t *s, unsigned int cmd, uint8_t *buf, size_t len)
{
	struct sb_info *info = (void *)buf;
	struct sb_register *r = (void *)buf;
	struct sb_lookup *l = (void *)buf;
	struct sb_connect *c = (void *)buf;
	struct sb_attach *a = (void *)buf;
	static __thread struct sb_slot_desc slot[2];
	int deep = 0;

	memset(buf, 0, len);
	switch (cmd) {
	case SB_IOC_INFO:
		info->size = sizeof(*info);
		break;
	case SB_IOC_STATS:
		((struct sb_call_stats *)buf)->size = sizeof(struct sb_call_stats);
		break;
	case SB_IOC_REGISTER:
		r->size = sizeof(*r);
		snprintf(r->name, sizeof(r->name), "fuzz.%u", (unsigned)(rnd(s) % 4));
		r->handler = (uint64_t)(uintptr_t)&fill;
		slot[0].stack_top = (uint64_t)(uintptr_t)(pages + pg);
		slot[0].stack_size = pg;
		r->slots = (uint64_t)(uintptr_t)slot;
		r->nr_slots = 1;
		r->access = SB_ACCESS_ANY;
		deep = 1;
		break;
	case SB_IOC_LOOKUP:
		l->size = sizeof(*l);
		strcpy(l->name, rnd(s) & 1 ? "fuzz.srv" : "fuzz.none");
		break;
	case SB_IOC_CONNECT:
		c->size = sizeof(*c);
		strcpy(c->name, rnd(s) & 1 ? "fuzz.srv" : "fuzz.none");
		deep = !strcmp(c->name, "fuzz.srv");
		break;
	case SB_IOC_ATTACH:
		a->size = sizeof(*a);
		a->conn_fd = rnd(s) & 1 ? conn_fd : fds[rnd(s) % NFDS];
		deep = 1;
		break;
	case SB_IOC_PARK:	/* no server of ours: ENOENT, never a sleep */
		((struct sb_park *)buf)->size = sizeof(struct sb_park);
		((struct sb_park *)buf)->slot = rnd(s) % 4;
		break;
	case SB_IOC_COMPLETE:
		((struct sb_complete *)buf)->size = sizeof(struct sb_complete);
		((struct sb_complete *)buf)->token = rnd(s);
		break;
	case SB_IOC_WAIT:	/* on a connection: a token nobody has */
		((struct sb_wait *)buf)->size = sizeof(struct sb_wait);
		((struct sb_wait *)buf)->token = rnd(s) | 1;
		break;
	default:
		for (size_t i = 0; i < len; i++)
			buf[i] = rnd(s);
		return 0;
	}
	/* One change, most of the time. */
	switch (rnd(s) % 8) {
	case 0:
		break;
	case 1:
		*(uint32_t *)buf = rnd(s) % 512;		/* size */
		deep = 0;
		break;
	case 2:
		buf[4 + rnd(s) % 4] ^= 1 << (rnd(s) % 8);	/* flags */
		deep = 0;
		break;
	case 3:
		buf[len - 1 - rnd(s) % 16] = rnd(s);		/* reserved */
		deep = 0;
		break;
	case 4:
		memset(buf + 8, 'A', len - 8 < 72 ? len - 8 : 72);	/* no NUL */
		deep = 0;
		break;
	default:
		buf[rnd(s) % len] ^= 1 << (rnd(s) % 8);
		break;
	}
	return deep;
}

static unsigned int pick_cmd(uint64_t *s)
{
	static const unsigned int valid[] = {
		SB_IOC_INFO, SB_IOC_REGISTER, SB_IOC_UNREGISTER,
		SB_IOC_LOOKUP, SB_IOC_CONNECT, SB_IOC_ATTACH, SB_IOC_STATS,
		SB_IOC_PARK, SB_IOC_COMPLETE, SB_IOC_WAIT,
	};

	switch (rnd(s) % 6) {
	case 0:	/* our type, any number, direction and size */
		return _IOC(rnd(s) % 4, SKYBRIDGE_IOCTL_TYPE, rnd(s) % 16,
			    rnd(s) % 512);
	case 1:	/* a foreign command */
		return rnd(s) & 1 ? TCGETS : (unsigned int)rnd(s);
	default:
		return valid[rnd(s) % (sizeof(valid) / sizeof(valid[0]))];
	}
}

static int is_known(unsigned int cmd)
{
	return cmd == SB_IOC_INFO || cmd == SB_IOC_REGISTER ||
	       cmd == SB_IOC_UNREGISTER || cmd == SB_IOC_LOOKUP ||
	       cmd == SB_IOC_CONNECT || cmd == SB_IOC_ATTACH ||
	       cmd == SB_IOC_STATS || cmd == SB_IOC_PARK ||
	       cmd == SB_IOC_COMPLETE || cmd == SB_IOC_WAIT;
}

static void do_ioctl(uint64_t *s)
{
	uint8_t buf[512] __attribute__((aligned(16)));
	unsigned int cmd = pick_cmd(s);
	int fd = rnd(s) % 4 ? (own_fd >= 0 && rnd(s) % 3 == 0 ? own_fd : session_fd) :
		 fds[rnd(s) % NFDS];
	size_t len = _IOC_SIZE(cmd) && _IOC_SIZE(cmd) < sizeof(buf) ?
		     _IOC_SIZE(cmd) : 128;
	int deep = fill(s, cmd, buf, len);
	void *arg = pick_ptr(s, buf, len);
	long ret;

	if (arg != buf)
		deep = 0;	/* it cannot get past copy_from_user */
	if (deep && atomic_fetch_add(&n_deep_wanted, 1) >= DEEP_BUDGET) {
		buf[0] ^= 0x80;		/* size: now refused early */
		deep = 0;
	}
	if (deep)
		atomic_fetch_add(&n_deep, 1);
	ret = ioctl(fd, cmd, arg);
	atomic_fetch_add(&n_ioctl, 1);
	if (!ret) {
		atomic_fetch_add(&n_ok, 1);
		/* Success needs an argument the kernel could read. */
		if (_IOC_SIZE(cmd) && is_known(cmd) && arg != buf &&
		    arg != (uint8_t *)buf + 1 && arg != pages + pg)
			atomic_fetch_add(&bad_ok, 1);
		if (cmd == SB_IOC_CONNECT && arg == buf) {
			int nfd = ((struct sb_connect *)buf)->fd;

			fds[rnd(s) % NFDS] = nfd;	/* let others race it */
		}
		return;
	}
	if (errno >= 0 && errno < 160)
		atomic_fetch_add(&n_errno[errno], 1);
	if (fd == session_fd && _IOC_TYPE(cmd) == SKYBRIDGE_IOCTL_TYPE &&
	    !is_known(cmd) && errno != ENOTTY)
		atomic_fetch_add(&bad_enotty, 1);
	if (in_child && fd == session_fd && arg == buf &&
	    (cmd == SB_IOC_REGISTER || cmd == SB_IOC_UNREGISTER ||
	     cmd == SB_IOC_CONNECT || cmd == SB_IOC_ATTACH ||
	     cmd == SB_IOC_STATS || cmd == SB_IOC_PARK ||
	     cmd == SB_IOC_COMPLETE) &&
	    errno != EBADFD)
		atomic_fetch_add(&bad_ebadfd, 1);
}

static void do_mmap(uint64_t *s)
{
	static const uint64_t offs[] = {
		0, SB_TRAMP_DATA_PGOFF, SB_BUF_PGOFF, 1, SB_TRAMP_CODE_PAGES - 1,
		SB_TRAMP_DATA_PGOFF + SB_TRAMP_DATA_PAGES, 0xfffff,
	};
	static const int prots[] = {
		PROT_READ, PROT_READ | PROT_WRITE, PROT_READ | PROT_EXEC,
		PROT_READ | PROT_WRITE | PROT_EXEC, PROT_NONE,
	};
	int fd = rnd(s) % 3 == 0 ? session_fd : rnd(s) & 1 ? own_fd :
		 fds[rnd(s) % NFDS];
	size_t len = (1 + rnd(s) % 12) * pg;
	uint64_t off = offs[rnd(s) % 7];
	void *hint = NULL;
	int flags = rnd(s) % 4 ? MAP_SHARED : MAP_PRIVATE;
	uint8_t *p;

	if (rnd(s) & 1) {
		hint = (void *)(off >= SB_TRAMP_DATA_PGOFF && off < SB_BUF_PGOFF ?
				SB_TRAMP_DATA : SB_TRAMP_BASE);
		flags |= MAP_FIXED_NOREPLACE;
	}
	atomic_fetch_add(&n_mmap, 1);
	p = mmap(hint, len, prots[rnd(s) % 5], flags, fd, off * pg);
	if (p == MAP_FAILED)
		return;
	atomic_fetch_add(&n_mmap_ok, 1);
	switch (rnd(s) % 4) {
	case 0:
		mprotect(p, pg, prots[rnd(s) % 5]);
		break;
	case 1: {
		void *q = mremap(p, len, len + pg, MREMAP_MAYMOVE);

		if (q != MAP_FAILED) {
			p = q;
			len += pg;
		}
		break;
	}
	case 2:
		if (len > (size_t)pg)
			munmap(p + pg, pg);	/* a split */
		break;
	default:
		break;
	}
	munmap(p, len);
}

static void do_close(uint64_t *s)
{
	unsigned int i = rnd(s) % NFDS;
	int fd = fds[i];

	/* Never the fds the checks rely on. */
	if (fd > 2 && fd != session_fd && fd != conn_fd && fd != own_fd &&
	    fd != pipe_fds[0] && fd != pipe_fds[1]) {
		close(fd);
		atomic_fetch_add(&n_close, 1);
	}
	fds[i] = rnd(s) & 1 ? -1 : (int)(rnd(s) % 64);
}

static void *worker(void *arg)
{
	uint64_t s = (uint64_t)(uintptr_t)arg | 1;

	for (long i = 0; i < per_thread; i++) {
		unsigned int op = rnd(&s) % 100;

		if (op < 90)
			do_ioctl(&s);
		else if (op < 96)
			do_mmap(&s);
		else
			do_close(&s);
	}
	return NULL;
}

static void run(int nthreads, uint64_t seed)
{
	pthread_t t[16];
	int i;

	for (i = 0; i < nthreads; i++)
		pthread_create(&t[i], NULL, worker,
			       (void *)(uintptr_t)(seed + 7919 * i + in_child));
	for (i = 0; i < nthreads; i++)
		pthread_join(t[i], NULL);
}

static struct sbt_ret echo_handler(uint64_t id, uint64_t a0, uint64_t a1,
				   uint64_t a2, uint64_t a3)
{
	(void)id; (void)a1; (void)a2; (void)a3;
	return (struct sbt_ret){ 0, a0 };
}

int main(int argc, char **argv)
{
	long calls = 200000;
	int nthreads = 2, opt, status;
	uint64_t seed = 1;
	const char *prefix = "";
	struct sbt_conn c = { .fd = -1 };
	char name[200];
	pid_t child;
	long child_stats[6] = { 0 };

	while ((opt = getopt(argc, argv, "n:t:s:")) != -1) {
		if (opt == 'n')
			calls = atol(optarg);
		else if (opt == 't')
			nthreads = atoi(optarg);
		else if (opt == 's')
			seed = strtoull(optarg, NULL, 0);
		else {
			nthreads = 0;	/* the usage below */
			break;
		}
	}
	if (optind < argc)
		prefix = argv[optind];
	if (nthreads < 1 || nthreads > 16 || calls < 1 || optind + 1 < argc) {
		fprintf(stderr, "usage: %s [-n CALLS] [-t THREADS 1-16] [-s SEED] [PREFIX]\n",
			argv[0]);
		return 2;
	}
	signal(SIGPIPE, SIG_IGN);
	pg = sysconf(_SC_PAGESIZE);
	pages = mmap(NULL, 3 * pg, PROT_READ | PROT_WRITE,
		     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (pages == MAP_FAILED || mprotect(pages + pg, pg, PROT_READ) ||
	    mprotect(pages + 2 * pg, pg, PROT_NONE))
		return 1;

	session_fd = sbt_open();
	snprintf(name, sizeof(name), "%sregister a server and connect to it", prefix);
	if (session_fd < 0 || sbt_register(session_fd, "fuzz.srv", echo_handler, 2, 4096, NULL) < 0 ||
	    sbt_connect(session_fd, "fuzz.srv", &c)) {
		tap_result(0, name, "%s", strerror(errno));
		return tap_exit();
	}
	conn_fd = c.fd;
	for (int i = 0; i < NFDS; i++)
		fds[i] = i % 3 == 0 ? session_fd : i % 3 == 1 ? conn_fd : i;
	/* 90 in 100 operations are ioctls (worker()). */
	per_thread = (calls * 10 / 9 + 2 * nthreads - 1) / 2 / nthreads;
	printf("# seed %llu, %d threads in each of 2 processes\n",
	       (unsigned long long)seed, nthreads);

	if (pipe(pipe_fds))
		return 1;
	child = fork();
	if (child == 0) {
		in_child = 1;
		/* Unlike the parent's, its mm has no trampoline mapped yet. */
		own_fd = open(SKYBRIDGE_DEVICE_PATH, O_RDWR | O_CLOEXEC);
		run(nthreads, seed);
		child_stats[0] = n_ioctl;
		child_stats[1] = bad_enotty;
		child_stats[2] = bad_ebadfd;
		child_stats[3] = bad_ok;
		child_stats[4] = n_mmap;
		child_stats[5] = n_mmap_ok;
		if (write(pipe_fds[1], child_stats, sizeof(child_stats)) < 0)
			_exit(1);
		_exit(0);
	}
	run(nthreads, seed);
	if (read(pipe_fds[0], child_stats, sizeof(child_stats)) != sizeof(child_stats) ||
	    waitpid(child, &status, 0) != child) {
		child_stats[0] = -1;
		status = -1;
	}

	printf("# fuzz: %ld ioctls here + %ld in the child, %ld succeeded here; mmaps: %ld here (%ld mapped), %ld in the child (%ld mapped); %ld closes; %ld validated register/connect/attach\n",
	       (long)n_ioctl, child_stats[0], (long)n_ok, (long)n_mmap,
	       (long)n_mmap_ok, child_stats[4], child_stats[5], (long)n_close,
	       (long)n_deep);
	printf("# errnos here:");
	for (int e = 0; e < 160; e++)
		if (n_errno[e])
			printf(" %s %ld", strerrorname_np(e) ?: "?", (long)n_errno[e]);
	printf("\n");

	snprintf(name, sizeof(name), "%sthe forked child ran and exited cleanly", prefix);
	tap_result(WIFEXITED(status) && WEXITSTATUS(status) == 0 &&
		   child_stats[0] > 0, name, "status %#x", status);
	snprintf(name, sizeof(name), "%s%ld ioctls in all (asked for %ld)", prefix,
		 (long)n_ioctl + child_stats[0], calls);
	tap_result(n_ioctl + child_stats[0] >= calls - calls / 50, name,
		   "too few");
	snprintf(name, sizeof(name), "%sunknown commands in our type always get ENOTTY", prefix);
	tap_result(!bad_enotty && !child_stats[1], name, "%d + %ld did not",
		   (int)bad_enotty, child_stats[1]);
	snprintf(name, sizeof(name), "%sanother process's session gets EBADFD", prefix);
	tap_result(!child_stats[2], name, "%ld times something else", child_stats[2]);
	snprintf(name, sizeof(name), "%sno command succeeds with an argument it cannot read", prefix);
	tap_result(!bad_ok && !child_stats[3], name, "%d + %ld successes",
		   (int)bad_ok, child_stats[3]);
	return tap_exit();
}
