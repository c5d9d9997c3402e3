// SPDX-License-Identifier: GPL-2.0
/*
 * mechs.c - the IPC mechanisms skybench compares, each as a client round
 * trip and a server loop.  See bench.h for the round trip they all run.
 *
 * System calls are counted where they are made (ch->syscalls on the client,
 * shm->syscalls on the server), so "syscalls per round trip" is what each
 * mechanism really did, partial reads included.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/futex.h>
#include <mqueue.h>
#include <pthread.h>
#include <semaphore.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/ipc.h>
#include <sys/mman.h>
#include <sys/msg.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <libskybridge.h>

#include "bench.h"
#include "sb_tramp.h"	/* lib/: the direct-call ABI, for the raw row */

/* -- server bookkeeping ------------------------------------------------- */

void srv_ready(struct chan *ch)
{
	char one = 1;

	if (write(ch->ready[1], &one, 1) != 1)
		_exit(1);
}

static void srv_snapshot(struct chan *ch, struct srv_snap *s)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	if (ch->m->server_syscalls)
		ch->shm->syscalls = ch->m->server_syscalls(ch);
	s->syscalls = ch->shm->syscalls;
	s->nvcsw = ru.ru_nvcsw;
	s->nivcsw = ru.ru_nivcsw;
}

/* Called once per request, before the reply. */
void srv_served(struct chan *ch)
{
	struct chan_shm *shm = ch->shm;
	uint64_t n = ++shm->served;

	if (n == shm->mark_at[0])
		srv_snapshot(ch, &shm->snap[0]);
	else if (n == shm->mark_at[1])
		srv_snapshot(ch, &shm->snap[1]);
}

/* -- byte streams and messages ------------------------------------------ */

static int write_full(int fd, const void *buf, size_t len, uint64_t *sys)
{
	const char *p = buf;

	while (len) {
		ssize_t n = write(fd, p, len);

		(*sys)++;
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

static int read_full(int fd, void *buf, size_t len, uint64_t *sys)
{
	char *p = buf;

	while (len) {
		ssize_t n = read(fd, p, len);

		(*sys)++;
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (n == 0)
			return -EPIPE;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* fd[0]/fd[1]: client's request write / reply read; fd[2]/fd[3]: server's. */
static int stream_rt(struct chan *ch)
{
	uint64_t value;
	int err = write_full(ch->fd[0], ch->cbuf, ch->msg, &ch->syscalls);

	if (!err)
		err = read_full(ch->fd[1], &value, sizeof(value), &ch->syscalls);
	return err;
}

static void stream_serve(struct chan *ch)
{
	uint64_t value = 42, *sys = &ch->shm->syscalls;

	close(ch->fd[0]);
	close(ch->fd[1]);
	srv_ready(ch);
	for (;;) {
		if (read_full(ch->fd[2], ch->sbuf, ch->msg, sys))
			_exit(0);
		srv_served(ch);
		if (write_full(ch->fd[3], &value, sizeof(value), sys))
			_exit(0);
	}
}

static void fds_close(struct chan *ch)
{
	for (int i = 0; i < 4; i++)
		if (ch->fd[i] >= 0) {
			close(ch->fd[i]);
			ch->fd[i] = -1;
		}
}

static int pipe_setup(struct chan *ch)
{
	int req[2], rep[2];

	if (pipe(req))
		return -errno;
	if (pipe(rep)) {
		close(req[0]);
		close(req[1]);
		return -errno;
	}
	ch->fd[0] = req[1];
	ch->fd[1] = rep[0];
	ch->fd[2] = req[0];
	ch->fd[3] = rep[1];
	return 0;
}

/* One socketpair: each side reads and writes its own end. */
static int sockpair_setup(struct chan *ch, int type)
{
	int sv[2], big = 4 * BENCH_MAX_PAYLOAD;

	if (socketpair(AF_UNIX, type, 0, sv))
		return -errno;
	/* A 64 KiB datagram must fit the send buffer in one piece. */
	for (int i = 0; i < 2; i++) {
		setsockopt(sv[i], SOL_SOCKET, SO_SNDBUF, &big, sizeof(big));
		setsockopt(sv[i], SOL_SOCKET, SO_RCVBUF, &big, sizeof(big));
	}
	ch->fd[0] = sv[0];
	ch->fd[1] = dup(sv[0]);
	ch->fd[2] = sv[1];
	ch->fd[3] = dup(sv[1]);
	return 0;
}

static int ustream_setup(struct chan *ch)
{
	return sockpair_setup(ch, SOCK_STREAM);
}

static int udgram_setup(struct chan *ch)
{
	return sockpair_setup(ch, SOCK_DGRAM);
}

/* Datagrams arrive whole: one recv each, no loop. */
static int dgram_rt(struct chan *ch)
{
	uint64_t value;

	ch->syscalls += 2;
	if (send(ch->fd[0], ch->cbuf, ch->msg, 0) != (ssize_t)ch->msg)
		return -errno;
	if (recv(ch->fd[1], &value, sizeof(value), 0) != sizeof(value))
		return -EPROTO;
	return 0;
}

static void dgram_serve(struct chan *ch)
{
	uint64_t value = 42;

	close(ch->fd[0]);
	close(ch->fd[1]);
	srv_ready(ch);
	for (;;) {
		ch->shm->syscalls += 2;
		if (recv(ch->fd[2], ch->sbuf, ch->msg, 0) != (ssize_t)ch->msg)
			_exit(0);
		srv_served(ch);
		if (send(ch->fd[3], &value, sizeof(value), 0) != sizeof(value))
			_exit(0);
	}
}

/* -- eventfd and futex: a doorbell, payload in shared memory -------------- */

static int eventfd_setup(struct chan *ch)
{
	ch->fd[0] = eventfd(0, EFD_CLOEXEC);
	ch->fd[1] = eventfd(0, EFD_CLOEXEC);
	return ch->fd[0] < 0 || ch->fd[1] < 0 ? -errno : 0;
}

static int eventfd_rt(struct chan *ch)
{
	uint64_t one = 1, got;

	memcpy(ch->shm->buf, ch->cbuf, ch->payload);
	ch->shm->value = 7;
	ch->syscalls += 2;
	if (write(ch->fd[0], &one, sizeof(one)) != sizeof(one) ||
	    read(ch->fd[1], &got, sizeof(got)) != sizeof(got))
		return -errno;
	return 0;
}

static void eventfd_serve(struct chan *ch)
{
	uint64_t one = 1, got;

	srv_ready(ch);
	for (;;) {
		ch->shm->syscalls += 2;
		if (read(ch->fd[0], &got, sizeof(got)) != sizeof(got))
			_exit(0);
		memcpy(ch->sbuf, ch->shm->buf, ch->payload);
		ch->shm->value = 42;
		srv_served(ch);
		if (write(ch->fd[1], &one, sizeof(one)) != sizeof(one))
			_exit(0);
	}
}

static long futex(atomic_uint *word, int op, unsigned int val)
{
	return syscall(SYS_futex, word, op, val, NULL, NULL, 0);
}

static int shm_setup(struct chan *ch)
{
	atomic_store(&ch->shm->req, 0);
	atomic_store(&ch->shm->rep, 0);
	return 0;
}

/*
 * The textbook futex ping-pong: always wake, sleep while the word is
 * unchanged.  (The skybridge fallback skips wakes nobody waits for.)
 */
static int futex_rt(struct chan *ch)
{
	struct chan_shm *shm = ch->shm;
	unsigned int seq = atomic_load(&shm->req) + 1;

	memcpy(shm->buf, ch->cbuf, ch->payload);
	shm->value = 7;
	atomic_store(&shm->req, seq);
	futex(&shm->req, FUTEX_WAKE, 1);
	ch->syscalls++;
	while (atomic_load(&shm->rep) != seq) {
		futex(&shm->rep, FUTEX_WAIT, seq - 1);
		ch->syscalls++;
	}
	return 0;
}

static void futex_serve(struct chan *ch)
{
	struct chan_shm *shm = ch->shm;
	unsigned int seen = 0;

	srv_ready(ch);
	for (;;) {
		while (atomic_load(&shm->req) == seen) {
			futex(&shm->req, FUTEX_WAIT, seen);
			shm->syscalls++;
		}
		seen = atomic_load(&shm->req);
		memcpy(ch->sbuf, shm->buf, ch->payload);
		shm->value = 42;
		srv_served(ch);
		atomic_store(&shm->rep, seen);
		futex(&shm->rep, FUTEX_WAKE, 1);
		shm->syscalls++;
	}
}

static inline void cpu_relax(void)
{
	__asm__ volatile("pause" ::: "memory");
}

static int spin_rt(struct chan *ch)
{
	struct chan_shm *shm = ch->shm;
	unsigned int seq = atomic_load(&shm->req) + 1;

	memcpy(shm->buf, ch->cbuf, ch->payload);
	shm->value = 7;
	atomic_store(&shm->req, seq);
	while (atomic_load(&shm->rep) != seq)
		cpu_relax();
	return 0;
}

static void spin_serve(struct chan *ch)
{
	struct chan_shm *shm = ch->shm;
	unsigned int seen = 0;

	srv_ready(ch);
	for (;;) {
		while (atomic_load(&shm->req) == seen)
			cpu_relax();
		seen = atomic_load(&shm->req);
		memcpy(ch->sbuf, shm->buf, ch->payload);
		shm->value = 42;
		srv_served(ch);
		atomic_store(&shm->rep, seen);
	}
}

/* -- message queues ------------------------------------------------------ */

struct sysv_msg {
	long mtype;
	unsigned char data[BENCH_MAX_PAYLOAD];
};

struct sysv_state {
	int req_q, rep_q;
	struct sysv_msg msg;
};

static int sysv_setup(struct chan *ch)
{
	struct sysv_state *s = calloc(1, sizeof(*s));

	if (!s)
		return -ENOMEM;
	s->req_q = msgget(IPC_PRIVATE, IPC_CREAT | 0600);
	s->rep_q = msgget(IPC_PRIVATE, IPC_CREAT | 0600);
	ch->priv = s;
	return s->req_q < 0 || s->rep_q < 0 ? -errno : 0;
}

static int sysv_rt(struct chan *ch)
{
	struct sysv_state *s = ch->priv;

	s->msg.mtype = 1;
	memcpy(s->msg.data, ch->cbuf, ch->msg);
	ch->syscalls += 2;
	if (msgsnd(s->req_q, &s->msg, ch->msg, 0))
		return -errno;
	if (msgrcv(s->rep_q, &s->msg, sizeof(uint64_t), 0, 0) != sizeof(uint64_t))
		return -errno;
	return 0;
}

static void sysv_serve(struct chan *ch)
{
	struct sysv_state *s = ch->priv;
	uint64_t value = 42;

	srv_ready(ch);
	for (;;) {
		ch->shm->syscalls += 2;
		if (msgrcv(s->req_q, &s->msg, ch->msg, 0, 0) != (ssize_t)ch->msg)
			_exit(0);
		memcpy(ch->sbuf, s->msg.data, ch->msg);
		srv_served(ch);
		s->msg.mtype = 1;
		memcpy(s->msg.data, &value, sizeof(value));
		if (msgsnd(s->rep_q, &s->msg, sizeof(value), 0))
			_exit(0);
	}
}

static void sysv_teardown(struct chan *ch)
{
	struct sysv_state *s = ch->priv;

	if (!s)
		return;
	if (s->req_q >= 0)
		msgctl(s->req_q, IPC_RMID, NULL);
	if (s->rep_q >= 0)
		msgctl(s->rep_q, IPC_RMID, NULL);
	free(s);
	ch->priv = NULL;
}

struct posix_mq {
	mqd_t req, rep;
	char req_name[64], rep_name[64];
};

static int posix_setup(struct chan *ch)
{
	struct posix_mq *q = calloc(1, sizeof(*q));
	struct mq_attr req_attr = { .mq_maxmsg = 1, .mq_msgsize = (long)ch->msg };
	struct mq_attr rep_attr = { .mq_maxmsg = 1, .mq_msgsize = 8 };

	if (!q)
		return -ENOMEM;
	ch->priv = q;
	snprintf(q->req_name, sizeof(q->req_name), "/skybench-%d-%d-req",
		 (int)getpid(), ch->idx);
	snprintf(q->rep_name, sizeof(q->rep_name), "/skybench-%d-%d-rep",
		 (int)getpid(), ch->idx);
	q->req = mq_open(q->req_name, O_RDWR | O_CREAT | O_EXCL, 0600, &req_attr);
	q->rep = mq_open(q->rep_name, O_RDWR | O_CREAT | O_EXCL, 0600, &rep_attr);
	/* Unlinked at once: nothing is left behind if we die. */
	mq_unlink(q->req_name);
	mq_unlink(q->rep_name);
	return q->req == (mqd_t)-1 || q->rep == (mqd_t)-1 ? -errno : 0;
}

static int posix_rt(struct chan *ch)
{
	struct posix_mq *q = ch->priv;
	uint64_t value;

	ch->syscalls += 2;
	if (mq_send(q->req, (const char *)ch->cbuf, ch->msg, 0))
		return -errno;
	if (mq_receive(q->rep, (char *)&value, sizeof(value), NULL) != sizeof(value))
		return -errno;
	return 0;
}

static void posix_serve(struct chan *ch)
{
	struct posix_mq *q = ch->priv;
	uint64_t value = 42;

	srv_ready(ch);
	for (;;) {
		ch->shm->syscalls += 2;
		if (mq_receive(q->req, (char *)ch->sbuf, ch->msg, NULL) != (ssize_t)ch->msg)
			_exit(0);
		srv_served(ch);
		if (mq_send(q->rep, (const char *)&value, sizeof(value), 0))
			_exit(0);
	}
}

static void posix_teardown(struct chan *ch)
{
	struct posix_mq *q = ch->priv;

	if (!q)
		return;
	if (q->req != (mqd_t)-1)
		mq_close(q->req);
	if (q->rep != (mqd_t)-1)
		mq_close(q->rep);
	free(q);
	ch->priv = NULL;
}

/* -- skybridge ----------------------------------------------------------- */

struct sky_state {
	struct sb_conn *conn;
	struct sb_server *srv;
};

static struct chan *sky_server_chan;	/* the server child's channel */

static int sky_handler(struct sb_call *call, uint64_t *ret)
{
	struct chan *ch = sky_server_chan;

	memcpy(ch->sbuf, call->buf, call->len);
	srv_served(ch);
	*ret = 42;
	return 0;
}

static int sky_setup(struct chan *ch)
{
	ch->priv = calloc(1, sizeof(struct sky_state));
	/* Channel 0's server carries every channel when they share one. */
	snprintf(ch->name, sizeof(ch->name), "skybench-%d-%d", (int)getpid(),
		 ch->m->shared_server ? 0 : ch->idx);
	return ch->priv ? 0 : -ENOMEM;
}

/* The library counts its own futex calls: server side (slot threads)... */
static uint64_t sky_server_syscalls(struct chan *ch)
{
	struct sky_state *s = ch->priv;
	struct sb_stats st;

	sb_server_stats(s->srv, &st);
	return st.syscalls;
}

/* ...and client side. */
static uint64_t sky_client_syscalls(struct chan *ch)
{
	struct sky_state *s = ch->priv;
	struct sb_stats st;

	sb_conn_stats(s->conn, &st);
	return st.syscalls;
}

static void sky_serve_with(struct chan *ch, sb_handler_t handler)
{
	struct sky_state *s = ch->priv;
	unsigned int nslots = ch->m->shared_server ? (unsigned int)ch->nchan : 1;
	int err;

	sky_server_chan = ch;
	err = sb_server_register(ch->name, handler, NULL, nslots, NULL, &s->srv);
	if (err) {
		fprintf(stderr, "skybench: skybridge server: %s\n", sb_strerror(err));
		_exit(1);
	}
	srv_ready(ch);
	for (;;)
		pause();
}

static void sky_serve(struct chan *ch)
{
	sky_serve_with(ch, sky_handler);
}

static int sky_client_init(struct chan *ch)
{
	struct sky_state *s = ch->priv;
	int err = sb_connect(ch->name, &s->conn);

	if (!err)
		sb_conn_set_wait(s->conn, 1000);
	return err;
}

static int sky_rt(struct chan *ch)
{
	struct sky_state *s = ch->priv;
	static const uint64_t args[SB_NARGS] = { 1, 2, 3, 4 };
	uint64_t ret;
	size_t size;
	void *buf = sb_conn_buffer(s->conn, &size);

	memcpy(buf, ch->cbuf, ch->payload);
	return sb_call_buf(s->conn, args, ch->payload, NULL, &ret);
}

static void sky_teardown(struct chan *ch)
{
	struct sky_state *s = ch->priv;

	if (!s)
		return;
	sb_disconnect(s->conn);
	free(s);
	ch->priv = NULL;
}

/* -- skybridge direct call (the library over VMFUNC) --------------------- */

static bool sky_fast(void)
{
	return strcmp(sb_transport_name(), "vmfunc") == 0;
}

/* The process picks one transport: with the fast path, no fallback row. */
static const char *sky_fallback_na(const struct env *e)
{
	(void)e;
	return sky_fast() ? "n/a (this run uses the direct call; "
			    "SKYBRIDGE_TRANSPORT=fallback measures this)" : NULL;
}

static const char *direct_na(const struct env *e)
{
	if (!sky_fast())
		return "n/a (needs /dev/skybridge with VMFUNC)";
	if (!e->guest)
		return "n/a (guest only: run with --guest)";
	return NULL;
}

/*
 * The handler runs on the client's thread and CPU in this (the server's)
 * address space, where it may make no system call and take no page fault:
 * no srv_served() (getrusage at the marks), just the copy and the count.
 * The server's snapshots stay zero: it makes no syscalls and no switches.
 */
static int direct_handler(struct sb_call *call, uint64_t *ret)
{
	struct chan *ch = sky_server_chan;

	memcpy(ch->sbuf, call->buf, call->len);
	ch->shm->served++;
	*ret = 42;
	return 0;
}

static void direct_serve(struct chan *ch)
{
	/* Break copy-on-write and map the shared page before any handler runs. */
	memset(ch->sbuf, 0, BENCH_MAX_PAYLOAD);
	*(volatile uint64_t *)&ch->shm->served = ch->shm->served;
	sky_serve_with(ch, direct_handler);
}

/* -- raw trampoline: the bare ABI call, null handler ----------------------- */

/*
 * The null handler: status 0, value 0, straight back into the trampoline.
 * No prologue, no stack use: what remains is the trampoline's own path.
 */
__asm__(".pushsection .text\n"
	".globl raw_null_handler\n"
	".hidden raw_null_handler\n"
	".type raw_null_handler, @function\n"
	".p2align 4\n"
	"raw_null_handler:\n"
	"\txor %eax, %eax\n"
	"\txor %edx, %edx\n"
	"\tret\n"
	".size raw_null_handler, . - raw_null_handler\n"
	".popsection");
void raw_null_handler(void);

#define RAW_STACK_SIZE	(64 * 1024)

struct raw_state {
	int fd;				/* a session of the client */
	int conn_fd;
	uint32_t view, id;
	uint64_t key;
};

struct raw_slot {
	uint64_t fs_base, rseq;
	sem_t ready;
};

/* A slot thread lends its TLS and waits forever (every signal blocked). */
static void *raw_slot_main(void *arg)
{
	struct raw_slot *s = arg;

	s->fs_base = sb_thread_pointer();
	s->rseq = sb_rseq_registered();
	sem_post(&s->ready);
	for (;;)
		pause();
	return NULL;
}

static void __attribute__((noreturn)) raw_fail(const char *what, int err)
{
	fprintf(stderr, "skybench: raw trampoline server: %s: %s\n", what,
		strerror(err));
	_exit(1);
}

/* The server child: a session, slots, SB_IOC_REGISTER, nothing else. */
static void raw_serve(struct chan *ch)
{
	unsigned int n = ch->m->shared_server ? (unsigned int)ch->nchan : 1;
	struct sb_slot_desc desc[BENCH_MAX_CHANNELS] = { 0 };
	struct sb_register r = {
		.size = sizeof(r),
		.handler = (uint64_t)(uintptr_t)raw_null_handler,
		.slots = (uint64_t)(uintptr_t)desc,
		.nr_slots = n,
		.access = SB_ACCESS_ANY,
	};
	int fd = open(SKYBRIDGE_DEVICE_PATH, O_RDWR | O_CLOEXEC), err;
	sigset_t all, old;

	if (fd < 0)
		raw_fail("open", errno);
	err = sb_tramp_map(fd);
	if (err)
		raw_fail("trampoline mapping", -err);
	static struct raw_slot slots[BENCH_MAX_CHANNELS];

	sigfillset(&all);
	for (unsigned int i = 0; i < n; i++) {
		struct raw_slot *s = &slots[i];
		pthread_t t;
		void *top = sb_stack_alloc(RAW_STACK_SIZE);

		if (!top)
			raw_fail("handler stack", ENOMEM);
		sem_init(&s->ready, 0, 0);
		pthread_sigmask(SIG_SETMASK, &all, &old);
		err = pthread_create(&t, NULL, raw_slot_main, s);
		pthread_sigmask(SIG_SETMASK, &old, NULL);
		if (err)
			raw_fail("slot thread", err);
		while (sem_wait(&s->ready))
			;
		desc[i] = (struct sb_slot_desc){ .stack_top = (uintptr_t)top,
						 .stack_size = RAW_STACK_SIZE,
						 .fs_base = s->fs_base,
						 .rseq = s->rseq };
	}
	snprintf(r.name, sizeof(r.name), "%s", ch->name);
	/* No handoff here: the null handler must not fault (best effort). */
	mlockall(MCL_CURRENT | MCL_FUTURE);
	if (ioctl(fd, SB_IOC_REGISTER, &r) < 0)
		raw_fail("SB_IOC_REGISTER", errno);
	srv_ready(ch);
	for (;;)
		pause();
}

static int raw_setup(struct chan *ch)
{
	struct raw_state *s = calloc(1, sizeof(*s));

	if (!s)
		return -ENOMEM;
	s->fd = s->conn_fd = -1;
	ch->priv = s;
	snprintf(ch->name, sizeof(ch->name), "skybench-raw-%d-%d", (int)getpid(),
		 ch->m->shared_server ? 0 : ch->idx);
	return 0;
}

static int raw_client_init(struct chan *ch)
{
	struct raw_state *s = ch->priv;
	struct sb_connect c = { .size = sizeof(c) };
	int err;

	s->fd = open(SKYBRIDGE_DEVICE_PATH, O_RDWR | O_CLOEXEC);
	if (s->fd < 0)
		return -errno;
	/*
	 * Already mapped in this process (by libskybridge's session for the
	 * direct row, or an earlier raw channel): the trampoline is the same
	 * code, and attachments belong to the process, not to a session.
	 */
	err = sb_tramp_map(s->fd);
	if (err && err != -EADDRINUSE)
		return err;
	snprintf(c.name, sizeof(c.name), "%s", ch->name);
	if (ioctl(s->fd, SB_IOC_CONNECT, &c) < 0)
		return -errno;
	s->conn_fd = c.fd;
	s->view = c.view;
	s->id = c.id;
	s->key = c.key;
	return 0;
}

static int raw_rt(struct chan *ch)
{
	struct raw_state *s = ch->priv;
	struct sb_tramp_res r = sb_tramp_call(s->id, 1, 2, 3, 4, s->view, s->key,
					      sb_rseq_area());

	if (r.status == 0)
		return 0;
	return r.status < 0 && r.status >= -4095 ? (int)r.status : -EPROTO;
}

/* Closing the connection detaches; the trampoline mapping stays. */
static void raw_teardown(struct chan *ch)
{
	struct raw_state *s = ch->priv;

	if (!s)
		return;
	if (s->conn_fd >= 0)
		close(s->conn_fd);
	if (s->fd >= 0)
		close(s->fd);
	free(s);
	ch->priv = NULL;
}

#define DIRECT_EVENTS	"3 VMFUNC, 0 VM exits, 0 syscalls"

/* -- the table ----------------------------------------------------------- */

static const struct mech mech_sky = {
	.key = "skybridge", .name = "skybridge fallback (futex)",
	.unavailable = sky_fallback_na,
	.shared_server = true,
	.setup = sky_setup, .serve = sky_serve, .client_init = sky_client_init,
	.rt = sky_rt, .teardown = sky_teardown,
	.server_syscalls = sky_server_syscalls,
	.client_syscalls = sky_client_syscalls,
};
static const struct mech mech_direct = {
	.key = "direct", .name = "skybridge direct call (guest only)",
	.unavailable = direct_na, .events = DIRECT_EVENTS,
	.shared_server = true,
	.setup = sky_setup, .serve = direct_serve, .client_init = sky_client_init,
	.rt = sky_rt, .teardown = sky_teardown,
	.client_syscalls = sky_client_syscalls,
};
static const struct mech mech_raw = {
	.key = "raw", .name = "raw trampoline (null handler)",
	.unavailable = direct_na, .events = DIRECT_EVENTS,
	.null_only = true, .shared_server = true,
	.setup = raw_setup, .serve = raw_serve, .client_init = raw_client_init,
	.rt = raw_rt, .teardown = raw_teardown,
};
static const struct mech mech_pipe = {
	.key = "pipe", .name = "pipe",
	.setup = pipe_setup, .serve = stream_serve, .rt = stream_rt,
	.teardown = fds_close,
};
static const struct mech mech_ustream = {
	.key = "unix-stream", .name = "UNIX stream socket",
	.setup = ustream_setup, .serve = stream_serve, .rt = stream_rt,
	.teardown = fds_close,
};
static const struct mech mech_udgram = {
	.key = "unix-dgram", .name = "UNIX datagram socket",
	.setup = udgram_setup, .serve = dgram_serve, .rt = dgram_rt,
	.teardown = fds_close,
};
static const struct mech mech_eventfd = {
	.key = "eventfd", .name = "eventfd (+ shm payload)",
	.setup = eventfd_setup, .serve = eventfd_serve, .rt = eventfd_rt,
	.teardown = fds_close,
};
static const struct mech mech_futex = {
	.key = "futex", .name = "futex ping-pong (+ shm)",
	.setup = shm_setup, .serve = futex_serve, .rt = futex_rt,
};
static const struct mech mech_sysv = {
	.key = "sysv-mq", .name = "SysV message queue",
	.setup = sysv_setup, .serve = sysv_serve, .rt = sysv_rt,
	.teardown = sysv_teardown,
};
static const struct mech mech_posix = {
	.key = "posix-mq", .name = "POSIX message queue",
	.setup = posix_setup, .serve = posix_serve, .rt = posix_rt,
	.teardown = posix_teardown,
};
static const struct mech mech_spin = {
	.key = "spin", .name = "shared-memory spin",
	.cross_only = true,
	.setup = shm_setup, .serve = spin_serve, .rt = spin_rt,
};

const struct mech *const mechs[] = {
	&mech_sky, &mech_direct, &mech_raw, &mech_pipe, &mech_ustream, &mech_udgram,
	&mech_eventfd, &mech_futex, &mech_sysv, &mech_posix, &mech_spin,
};
const size_t nmechs = sizeof(mechs) / sizeof(mechs[0]);

static long read_long(const char *path)
{
	FILE *f = fopen(path, "r");
	long v = -1;

	if (f) {
		if (fscanf(f, "%ld", &v) != 1)
			v = -1;
		fclose(f);
	}
	return v;
}

const char *mech_na(const struct mech *m, const struct env *e)
{
	if (m->na)
		return m->na;
	return m->unavailable ? m->unavailable(e) : NULL;
}

/* Kernel limits on message sizes, read where the kernel publishes them. */
const char *mech_payload_limit(const struct mech *m, size_t payload)
{
	static char why[96];
	size_t msg = payload < 8 ? 8 : payload;
	long max = -1;

	if (m == &mech_sysv)
		max = read_long("/proc/sys/kernel/msgmax");
	else if (m == &mech_posix)
		max = read_long("/proc/sys/fs/mqueue/msgsize_max");
	if (max >= 0 && msg > (size_t)max) {
		snprintf(why, sizeof(why), "n/a (message size limit %ld B)", max);
		return why;
	}
	return NULL;
}
