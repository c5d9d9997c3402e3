// SPDX-License-Identifier: GPL-2.0
/*
 * sb-share - what all users share, taken by one: the RootKernel's records
 * (continuations and handoffs) and EPT pool pages, each charged to a
 * per-user share; and a stalled call, which must not hold a server longer
 * than the stall bound (docs/design.md, "Shares" and "Stalls").  An attacker
 * (uid 2001) takes all it can; a victim (uid 2002) must not notice.  Each
 * attack first shows that the attacker really holds what it takes.
 *
 * Usage: sb-share handoff SHARE | resume SHARE | pool | stall | stall-plain
 *   (root; the module loaded with records_per_user=SHARE for the first two,
 *   and, for resume, stall_ms large enough that nothing expires meanwhile)
 *
 *  handoff      the attacker's handoff server sleeps in every handler, called
 *               from SHARE + 8 threads: the ones past its share get EDQUOT;
 *               the victim's handed-off calls work meanwhile (item 5)
 *  resume       the attacker's client abandons SHARE + 8 interrupted calls
 *               (its SIGALRM handler jumps away from the resume stub): past
 *               its share its calls get EDQUOT; the victim's interrupted
 *               calls still resume (item 6)
 *  pool         the attacker registers servers and attaches clients until the
 *               EPT pool refuses it (EDQUOT); the victim still registers and
 *               calls (item 9)
 *  stall        a client abandons a call whose handler holds a lock, in a
 *               handoff server: another client gets the lock within the stall
 *               bound (item 7)
 *  stall-plain  the same in a one-slot server without handoff: the slot is
 *               free again within the bound
 */
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/select.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "sbcall.h"
#include "testserver.h"
#include "../../tap.h"

#define ATTACKER	2001
#define VICTIM		2002

enum { OP_SLEEP = 1, OP_SPIN, OP_PID, OP_LOCKED_SPIN, OP_LOCK, OP_PING };

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

static void spin(uint64_t n)
{
	__asm__ volatile("1: dec %0; jnz 1b" : "+r"(n) : : "cc");
}

static struct sbt_ret handler(uint64_t id, uint64_t op, uint64_t a1,
			      uint64_t a2, uint64_t a3)
{
	struct timespec ts = { .tv_sec = (time_t)a1 };

	(void)id; (void)a2; (void)a3;
	switch (op) {
	case OP_SLEEP:			/* a system call: handed off */
		nanosleep(&ts, NULL);
		return (struct sbt_ret){ 0, 1 };
	case OP_SPIN:
		spin(a1);
		return (struct sbt_ret){ 0, 2 };
	case OP_PID:
		return (struct sbt_ret){ 0, (uint64_t)getpid() };
	case OP_LOCKED_SPIN:		/* holds the lock while it spins */
		pthread_mutex_lock(&lock);
		spin(a1);
		pthread_mutex_unlock(&lock);
		return (struct sbt_ret){ 0, 3 };
	case OP_LOCK:
		pthread_mutex_lock(&lock);
		pthread_mutex_unlock(&lock);
		return (struct sbt_ret){ 0, 4 };
	case OP_PING:
		return (struct sbt_ret){ 0, 0x9119 };
	}
	return (struct sbt_ret){ -EINVAL, 0 };
}

static double now_s(void)
{
	return now_ms() / 1000.0;
}

/* This process becomes @uid (a fresh client: its own session). */
static int become(int uid, int *fd)
{
	if (setresgid(uid, uid, uid) || setresuid(uid, uid, uid))
		return -errno;
	*fd = sbt_open();
	return *fd < 0 ? *fd : 0;
}

static int start(struct testserver *s, const char *name, int uid,
		 uint32_t flags, unsigned int slots)
{
	*s = (struct testserver){ .name = name, .handler = handler, .slots = slots,
				  .flags = flags, .uid = uid };
	return testserver_start(s);
}

/* A child that reports one int back through a pipe. */
struct child {
	pid_t pid;
	int fd;
};

static int child_start(struct child *c)
{
	int p[2];

	if (pipe(p))
		return -1;
	fflush(stdout);
	c->pid = fork();
	if (c->pid == 0) {
		close(p[0]);
		c->fd = p[1];
		return 0;
	}
	close(p[1]);
	c->fd = p[0];
	return 1;
}

static void child_say(struct child *c, int v)
{
	if (write(c->fd, &v, sizeof(v)) != sizeof(v))
		_exit(99);
}

static int child_hear(struct child *c)
{
	int v = -1;

	if (read(c->fd, &v, sizeof(v)) != sizeof(v))
		v = -1000;
	return v;
}

/* ---- handoff records ---------------------------------------------------- */

struct hcall {
	struct sbt_conn *c;
	int64_t status;
};

static void *handoff_caller(void *p)
{
	struct hcall *h = p;
	uint64_t v;

	h->status = sbt_call(h->c, OP_SLEEP, 3, 0, 0, &v);
	return NULL;
}

static void share_handoff(unsigned int share)
{
	struct testserver atk, vic;
	unsigned int n = share + 8, i, handed = 0, quota = 0, other = 0;
	struct child ch;
	pid_t attacker;
	int err;

	err = start(&atk, "share-atk", ATTACKER, SB_REGISTER_HANDOFF, 64);
	err = err ?: start(&vic, "share-vic", VICTIM, SB_REGISTER_HANDOFF, 4);
	if (!tap_result(!err, "handoff: attacker's and victim's servers", "%s", strerror(-err)))
		return;
	if (child_start(&ch) == 0) {		/* the attacker's client */
		struct hcall *h = calloc(n, sizeof(*h));
		pthread_t *t = calloc(n, sizeof(*t));
		struct sbt_conn c;
		int fd;

		if (become(ATTACKER, &fd) || sbt_connect(fd, "share-atk", &c))
			_exit(1);
		for (i = 0; i < n; i++) {
			h[i].c = &c;
			pthread_create(&t[i], NULL, handoff_caller, &h[i]);
		}
		for (i = 0; i < n; i++)
			pthread_join(t[i], NULL);
		for (i = 0; i < n; i++) {
			if (h[i].status == SB_STATUS_HANDOFF)
				handed++;
			else if (h[i].status == -EDQUOT)
				quota++;
			else
				other++;
		}
		child_say(&ch, handed);
		child_say(&ch, quota);
		child_say(&ch, other);
		sleep(4);			/* the handlers still sleep */
		_exit(0);
	}
	handed = child_hear(&ch);
	quota = child_hear(&ch);
	other = child_hear(&ch);
	attacker = ch.pid;
	printf("# handoff: share %u; of %u sleeping calls %u were handed off, %u got EDQUOT, %u other\n",
	       share, n, handed, quota, other);
	tap_result(handed >= share && handed <= share + 1,
		   "handoff: precondition: the attacker holds its whole share of records with sleeping handoffs",
		   "%u handed off, share %u", handed, share);
	tap_result(quota >= n - share - 1 && other == 0,
		   "handoff: the attacker's calls past its share get EDQUOT",
		   "%u EDQUOT, %u other", quota, other);
	/* The victim, meanwhile: a handed-off call (a system call) works. */
	if (child_start(&ch) == 0) {
		struct sbt_conn c;
		uint64_t v;
		int64_t st;
		int fd;

		if (become(VICTIM, &fd) || sbt_connect(fd, "share-vic", &c))
			_exit(1);
		st = sbt_call_wait(&c, OP_SLEEP, 0, 0, 0, &v);
		child_say(&ch, (int)st);
		_exit(0);
	}
	err = child_hear(&ch);
	tap_result(err == 0, "handoff: the victim's handed-off call works meanwhile",
		   "status %d", err);
	waitpid(ch.pid, NULL, 0);
	waitpid(attacker, NULL, 0);
	testserver_kill(&atk, SIGKILL);
	testserver_stop(&vic);
}

/* ---- continuation records ----------------------------------------------- */

static sigjmp_buf away;
static volatile sig_atomic_t abandon;

static void on_alrm(int sig)
{
	(void)sig;
	if (abandon)
		siglongjmp(away, 1);
}

/*
 * A call of @op whose handler spins @iters; a SIGALRM @ms into it, taken at the
 * resume stub, jumps away for good if @leave.  The call's status, or 1 if
 * it was abandoned.
 */
static int64_t call_interrupted(struct sbt_conn *c, uint64_t op, uint64_t iters,
				int ms, int leave)
{
	struct itimerval it = { { 0, 0 }, { 0, ms * 1000 } };
	volatile int64_t st = 0;
	uint64_t v;

	abandon = leave;
	if (sigsetjmp(away, 1))
		return 1;
	setitimer(ITIMER_REAL, &it, NULL);
	st = sbt_call(c, op, iters, 0, 0, &v);
	memset(&it, 0, sizeof(it));
	setitimer(ITIMER_REAL, &it, NULL);
	return st;
}

static void share_resume(unsigned int share)
{
	struct sigaction sa = { .sa_handler = on_alrm };
	struct testserver atk, vic;
	unsigned int n = share + 8, i;
	int abandoned = 0, quota = 0, other = 0, vok;
	struct child ch;
	int err;

	err = start(&atk, "share-ratk", ATTACKER, 0, 64);
	err = err ?: start(&vic, "share-rvic", VICTIM, 0, 4);
	if (!tap_result(!err, "resume: attacker's and victim's servers", "%s", strerror(-err)))
		return;
	if (child_start(&ch) == 0) {
		struct sbt_conn c;
		int fd;

		if (become(ATTACKER, &fd) || sbt_connect(fd, "share-ratk", &c))
			_exit(1);
		sigaction(SIGALRM, &sa, NULL);
		for (i = 0; i < n; i++) {
			/* ~1 s of spinning, abandoned after 30 ms */
			int64_t st = call_interrupted(&c, OP_SPIN, 20000000, 30, 1);

			if (st == 1)
				abandoned++;
			else if (st == -EDQUOT)
				quota++;
			else
				other++;
		}
		child_say(&ch, abandoned);
		child_say(&ch, quota);
		child_say(&ch, other);
		pause();
		_exit(0);
	}
	abandoned = child_hear(&ch);
	quota = child_hear(&ch);
	other = child_hear(&ch);
	printf("# resume: share %u; of %u abandoned calls %d were abandoned, %d got EDQUOT, %d other\n",
	       share, n, abandoned, quota, other);
	tap_result(abandoned >= (int)share,
		   "resume: precondition: the attacker holds its whole share of records with abandoned calls",
		   "%d abandoned, share %u", abandoned, share);
	tap_result(quota >= 1 && abandoned + quota + other == (int)n,
		   "resume: the attacker's interrupted calls past its share get EDQUOT",
		   "%d EDQUOT, %d other", quota, other);
	/* The victim's long calls are interrupted and resume, meanwhile. */
	{
		struct child v;

		if (child_start(&v) == 0) {
			struct sbt_conn c;
			int fd, good = 0;

			if (become(VICTIM, &fd) || sbt_connect(fd, "share-rvic", &c))
				_exit(1);
			for (i = 0; i < 5; i++) {
				uint64_t val;

				good += sbt_call(&c, OP_SPIN, 2000000, 0, 0, &val) == 0 &&
					val == 2;
			}
			child_say(&v, good);
			_exit(0);
		}
		vok = child_hear(&v);
		waitpid(v.pid, NULL, 0);
	}
	tap_result(vok == 5,
		   "resume: the victim's interrupted calls resume meanwhile",
		   "%d of 5 right", vok);
	kill(ch.pid, SIGKILL);
	waitpid(ch.pid, NULL, 0);
	testserver_kill(&atk, SIGKILL);
	testserver_stop(&vic);
}

/* ---- the EPT pool ------------------------------------------------------- */

static void share_pool(void)
{
	struct testserver vic;
	struct child ch;
	int servers, edquot_reg, clients, edquot_conn, err;
	uint64_t v;

	if (child_start(&ch) == 0) {
		/*
		 * The attacker: servers until the pool refuses one, then client
		 * processes attached to the first until it refuses one.
		 */
		int fd, n = 0, q = 0, k = 0, qc = 0, i;

		setpgid(0, 0);		/* one group: killed as one */
		if (become(ATTACKER, &fd))
			_exit(1);
		for (i = 0; i < 15 && !q; i++) {
			struct testserver s;
			char *name = malloc(32);

			snprintf(name, 32, "pool-atk-%d", i);
			s = (struct testserver){ .name = name, .handler = handler,
						 .slots = 1 };
			err = testserver_start(&s);
			q = err == -EDQUOT;
			n += !err;
			if (err && !q)
				break;
		}
		for (k = 0; k < 64 && n && !qc; k++) {
			struct child cl;

			if (child_start(&cl) == 0) {
				struct sbt_conn c;
				int cfd = sbt_open();

				err = cfd < 0 ? cfd : sbt_connect(cfd, "pool-atk-0", &c);
				child_say(&cl, err);
				if (!err)
					pause();
				_exit(0);
			}
			err = child_hear(&cl);
			qc = err == -EDQUOT;
			if (err && !qc)
				break;
		}
		child_say(&ch, n);
		child_say(&ch, q);
		child_say(&ch, k - qc);
		child_say(&ch, qc);
		pause();
		_exit(0);
	}
	servers = child_hear(&ch);
	edquot_reg = child_hear(&ch);
	clients = child_hear(&ch);
	edquot_conn = child_hear(&ch);
	printf("# pool: the attacker registered %d servers before EDQUOT (%d), then attached %d clients before EDQUOT (%d)\n",
	       servers, edquot_reg, clients, edquot_conn);
	tap_result(servers >= 1 && servers < 15 && edquot_reg,
		   "pool: the attacker's servers run into its pool share (EDQUOT), well before its server limit",
		   "%d servers, EDQUOT %d", servers, edquot_reg);
	tap_result(edquot_conn,
		   "pool: the attacker's clients run into its pool share too (EDQUOT at connect)",
		   "%d clients attached, EDQUOT %d", clients, edquot_conn);
	err = start(&vic, "pool-vic", VICTIM, 0, 1);
	tap_result(!err, "pool: the victim still registers a server", "%s", strerror(-err));
	if (!err) {
		struct child c;

		if (child_start(&c) == 0) {
			struct sbt_conn cn;
			int fd;

			if (become(VICTIM, &fd) || sbt_connect(fd, "pool-vic", &cn))
				_exit(1);
			child_say(&c, (int)sbt_call(&cn, OP_PING, 0, 0, 0, &v));
			_exit(0);
		}
		err = child_hear(&c);
		waitpid(c.pid, NULL, 0);
		tap_result(err == 0, "pool: ... connects and calls it", "status %d", err);
		testserver_stop(&vic);
	}
	kill(-ch.pid, SIGKILL);
	while (waitpid(ch.pid, NULL, 0) < 0 && errno == EINTR)
		;
}

static int set_stall_ms(int ms)
{
	FILE *f = fopen("/sys/module/skybridge/parameters/stall_ms", "w");
	int ok = f && fprintf(f, "%d\n", ms) > 0;

	if (f)
		ok &= fclose(f) == 0;
	return ok ? 0 : -1;
}

/*
 * Another client's call, retried on EBUSY, in a child given @limit seconds
 * (a handed-off call waits in the kernel, killable only): its status, or
 * -ETIMEDOUT; in *@t how long it took.
 */
static int call_until(const char *name, uint64_t op, double limit, double *t)
{
	double t0 = now_s();
	struct child ch;
	int st = -ETIMEDOUT;

	if (child_start(&ch) == 0) {
		int fd = sbt_open();
		struct sbt_conn c;
		uint64_t v = 0;

		st = fd < 0 ? fd : sbt_connect(fd, name, &c);
		while (!st) {
			st = (int)sbt_call_wait(&c, op, 0, 0, 0, &v);
			if (st != -EBUSY)
				break;
			usleep(5000);
			st = 0;
		}
		child_say(&ch, st);
		_exit(0);
	}
	for (;;) {
		struct timeval tv = { 0, 20000 };
		fd_set set;

		FD_ZERO(&set);
		FD_SET(ch.fd, &set);
		if (select(ch.fd + 1, &set, NULL, NULL, &tv) > 0) {
			st = child_hear(&ch);
			break;
		}
		if (now_s() - t0 > limit)
			break;
	}
	*t = now_s() - t0;
	kill(ch.pid, SIGKILL);
	waitpid(ch.pid, NULL, 0);
	close(ch.fd);
	return st;
}

static void share_stall(int handoff)
{
	struct sigaction sa = { .sa_handler = on_alrm };
	const char *what = handoff ? "stall" : "stall-plain";
	/* A handler of ~100 ms holding the lock; a plain one of ~1 s. */
	uint64_t op = handoff ? OP_LOCKED_SPIN : OP_SPIN;
	uint64_t iters = handoff ? 2500000 : 25000000;
	struct testserver s;
	struct child ch;
	int err, st;
	double t;

	/* Nothing expires at first: the stall is there. */
	if (!tap_result(!set_stall_ms(60000), "stall: stall_ms is writable", "%s", what))
		return;
	err = start(&s, what, 0, handoff ? SB_REGISTER_HANDOFF : 0, handoff ? 4 : 1);
	if (!tap_result(!err, "stall: server", "%s: %s", what, strerror(-err)))
		return;
	if (child_start(&ch) == 0) {
		struct sbt_conn c;
		int fd = sbt_open();

		if (fd < 0 || sbt_connect(fd, what, &c))
			_exit(1);
		sigaction(SIGALRM, &sa, NULL);
		child_say(&ch, (int)call_interrupted(&c, op, iters, 30, 1));
		pause();
		_exit(0);
	}
	err = child_hear(&ch);
	tap_result(err == 1, "stall: precondition: a client abandoned its interrupted call",
		   "%s: status %d", what, err);
	/* With a handoff: the lock the abandoned handler holds; else the slot. */
	st = call_until(what, handoff ? OP_LOCK : OP_PING, 1.5, &t);
	printf("# %s: with no bound, another call got status %d after %.3f s\n",
	       what, st, t);
	tap_result(st == -ETIMEDOUT,
		   "stall: precondition: with no bound, another client waits on the abandoned call",
		   "%s: status %d after %.3f s", what, st, t);
	set_stall_ms(100);
	st = call_until(what, handoff ? OP_LOCK : OP_PING, 10, &t);
	printf("# %s: with stall_ms=100, another call got status %d after %.3f s\n",
	       what, st, t);
	tap_result(st == 0 && t < 1.0,
		   "stall: with stall_ms=100 another client gets what the abandoned call held within 1 s",
		   "%s: status %d after %.3f s", what, st, t);
	kill(ch.pid, SIGKILL);
	waitpid(ch.pid, NULL, 0);
	tap_result(testserver_stop(&s) == 0, "stall: the server lived", "%s", what);
}

int main(int argc, char **argv)
{
	const char *what = argc >= 2 ? argv[1] : "";
	unsigned int share = argc >= 3 ? (unsigned int)atoi(argv[2]) : 0;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (!strcmp(what, "handoff") && share)
		share_handoff(share);
	else if (!strcmp(what, "resume") && share)
		share_resume(share);
	else if (!strcmp(what, "pool"))
		share_pool();
	else if (!strcmp(what, "stall"))
		share_stall(1);
	else if (!strcmp(what, "stall-plain"))
		share_stall(0);
	else {
		fprintf(stderr, "usage: sb-share handoff SHARE | resume SHARE | pool | stall | stall-plain\n");
		return 2;
	}
	return tap_exit();
}
