// SPDX-License-Identifier: MIT
/*
 * vmfunc.c - the SkyBridge fast path: direct calls through /dev/skybridge's
 * trampoline (uapi/skybridge.h; ABI mechanics in sb_tramp.h, the library's
 * header page and status word in vmfunc.h).
 *
 * Session.  One per process: /dev/skybridge opened once, its trampoline code
 * and data mapped at their fixed addresses, lazily at the first register or
 * connect, then shared by every server and connection of the process.  A
 * fork() child inherits neither mapping and may not use the parent's session
 * (EBADFD), so the first register or connect in a child (sb_fork_gen moved)
 * closes its copy of the parent's file and opens its own.
 *
 * Server.  The kernel allows one server per session, so one fast-path server
 * per process: a second sb_server_register() fails with -EBUSY.  Each slot is
 * a parked thread that lends its TLS (FS base, struct rseq) plus a separate
 * handler stack; the parked thread's own stack stays its own.  The kernel's
 * trampoline enters vm_entry() on the slot's stack with the slot's FS base,
 * on the *client's* thread and CPU; vm_entry() adapts the call to the
 * sb_handler_t API.  A handler's system call or page fault is handed to the
 * slot's parked thread (SB_REGISTER_HANDOFF; handoff_loop()), which finishes
 * it natively; the entry itself never enters the kernel, and the parked
 * threads use no errno-setting wrappers (they share errno with the handlers
 * running on their TLS).
 *
 * Client.  sb_connect() is SB_IOC_CONNECT plus a mapping of the connection
 * file (the header page and the buffer); a call is one trampoline call with
 * the attachment's id, view and key: no lock, no lookup, no system call.
 */
#include <stddef.h>

#include "sb_internal.h"

#if defined(__x86_64__)

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/futex.h>
#include <pthread.h>
#include <semaphore.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "futex.h"
#include "uapi/skybridge_hv.h"
#include "sb_tramp.h"
#include "vmfunc.h"

/* Handler stack per slot, and the parked slot thread's own (it only waits). */
#define VM_STACK_SIZE		(64 * 1024)
#define VM_PARK_STACK_SIZE	(128 * 1024)
/* A busy call that waits retries this many times at CPU speed, then sleeps. */
#define VM_BUSY_SPINS		64
#define VM_BUSY_SLEEP_NS	50000

/* -- the session -------------------------------------------------------- */

static struct {
	int fd;				/* -1: none */
	uint32_t fork_gen;		/* sb_fork_gen when opened */
	struct sb_server *server;	/* the session's one server, or NULL */
	char *bufs;			/* the server buffer mapping, kept for */
	size_t bufs_size;		/* the next server (see bufs_map()) */
} session = { .fd = -1 };
static pthread_mutex_t session_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_once_t session_once = PTHREAD_ONCE_INIT;

static void session_prefork(void)
{
	pthread_mutex_lock(&session_lock);
}

static void session_postfork_parent(void)
{
	pthread_mutex_unlock(&session_lock);
}

static void session_postfork_child(void)
{
	pthread_mutex_init(&session_lock, NULL);
}

static void session_init(void)
{
	pthread_atfork(session_prefork, session_postfork_parent,
		       session_postfork_child);
}

/* Under session_lock: open and map this process's session. */
static int session_open(uint32_t gen)
{
	int fd = open(SKYBRIDGE_DEVICE_PATH, O_RDWR | O_CLOEXEC);
	int err;

	if (fd < 0)
		return -errno;
	err = sb_tramp_map(fd);
	if (err) {
		close(fd);
		return err;
	}
	session.fd = fd;
	session.fork_gen = gen;
	session.server = NULL;
	session.bufs = NULL;	/* a parent's is not ours to unmap */
	session.bufs_size = 0;
	return 0;
}

/*
 * session_get() - this process's session file, opened and mapped on first
 * use (again in a fork() child); if @srv, also claim the session's one
 * server place for it.
 *
 * Return: the fd, or -EBUSY (@srv: the process already has a fast-path
 * server), -EADDRINUSE (the trampoline's address range is taken), or
 * another negative errno.
 */
static int session_get(struct sb_server *srv)
{
	uint32_t gen = atomic_load(&sb_fork_gen);
	int ret = 0;

	pthread_once(&session_once, session_init);
	pthread_mutex_lock(&session_lock);
	if (session.fd >= 0 && session.fork_gen != gen) {
		/* The parent's: unusable here, and it must not outlive the parent. */
		close(session.fd);
		session.fd = -1;
		session.server = NULL;
	}
	if (session.fd < 0)
		ret = session_open(gen);
	if (!ret && srv) {
		if (session.server)
			ret = -EBUSY;
		else
			session.server = srv;
	}
	if (!ret)
		ret = session.fd;
	pthread_mutex_unlock(&session_lock);
	return ret;
}

/* Give back the server place taken by session_get(@srv). */
static void session_release(struct sb_server *srv)
{
	pthread_mutex_lock(&session_lock);
	if (session.server == srv)
		session.server = NULL;
	pthread_mutex_unlock(&session_lock);
}

/* -- the server: slots and the handler entry ----------------------------- */

struct vm_server;

/* One per slot, a cache line each: the call holding the slot writes it. */
struct vm_slot {
	struct vm_server *srv;
	unsigned int idx;
	bool started;
	pthread_t thread;
	void *stack_top;
	uint64_t fs_base;		/* reported by the slot thread */
	uint64_t rseq;
	uint64_t calls;			/* relaxed atomics: stats read them */
	uint64_t errors;
	uint32_t active;		/* vm_entry() is running on this slot */
	uint32_t adopted;		/* ... natively, on the slot thread */
} __attribute__((aligned(64)));

struct vm_server {
	struct sb_server pub;
	int fd;				/* the session's (not ours to close) */
	char *bufs;			/* the session's: MAX_ATTACH * kbuf_size */
	size_t bufs_size;
	uint32_t kbuf_size;		/* VM_HDR_SIZE + pub.buf_size */
	struct vm_slot *slots;
	unsigned int nthreads;		/* slot threads started */
	atomic_uint stop;		/* the slot threads' futex word: VM_T_* */
	sem_t ready;			/* each slot thread posts once */
	bool registered;		/* SB_IOC_REGISTER succeeded */
};

#define to_vm_server(s) caa_container_of(s, struct vm_server, pub)

/*
 * The slot whose TLS this is: set by each slot thread, and read by
 * vm_entry(), which runs on that TLS.  initial-exec: a plain %fs-relative
 * load, never __tls_get_addr() (which may allocate).
 */
static __thread struct vm_slot *vm_current_slot
	__attribute__((tls_model("initial-exec")));

struct vm_ret {
	int64_t status;
	uint64_t value;
};

/*
 * vm_entry() - what the trampoline calls (SysV: returns in RAX:RDX), on a
 * slot's handler stack with the slot thread's FS base, for attachment @id,
 * once its key checked out.  Runs the sb_handler_t with the connection's
 * buffer in this process (id * kbuf_size into the buffer mapping, past the
 * header page).  No system calls, no locks, no allocation.
 */
__attribute__((used, noinline))
static struct vm_ret vm_entry(uint64_t id, uint64_t a0, uint64_t a1,
			      uint64_t a2, uint64_t a3)
{
	struct vm_slot *slot = vm_current_slot;
	struct vm_server *srv;
	struct vm_buf_hdr *hdr;
	struct sb_call call;
	uint64_t ret = 0, len;
	int status;

	if (!slot || id >= SKYBRIDGE_MAX_ATTACH)	/* cannot happen */
		return (struct vm_ret){ vm_status_encode(-EPROTO, 0), 0 };
	__atomic_store_n(&slot->active, 1, __ATOMIC_RELAXED);
	srv = slot->srv;
	hdr = (struct vm_buf_hdr *)(srv->bufs + id * srv->kbuf_size);
	len = __atomic_load_n(&hdr->len, __ATOMIC_RELAXED);	/* read once */
	call = (struct sb_call){
		.args = { a0, a1, a2, a3 },
		.buf = (char *)hdr + VM_HDR_SIZE,
		.buf_size = srv->pub.buf_size,
		.conn_id = id,
		.slot = slot->idx,
		.priv = srv->pub.priv,
	};
	if (len > srv->pub.buf_size) {
		status = -EMSGSIZE;
	} else {
		call.len = (size_t)len;
		status = vm_status_clamp(srv->pub.handler(&call, &ret));
	}
	if (call.len > srv->pub.buf_size)
		call.len = srv->pub.buf_size;
	__atomic_store_n(&slot->calls, slot->calls + 1, __ATOMIC_RELAXED);
	if (status)
		__atomic_store_n(&slot->errors, slot->errors + 1, __ATOMIC_RELAXED);
	__atomic_store_n(&slot->active, 0, __ATOMIC_RELEASE);
	return (struct vm_ret){ vm_status_encode(status, call.len), ret };
}

/*
 * Wait on @word while it is @val: a raw FUTEX_WAIT_PRIVATE, because glibc's
 * syscall() would write errno, which lives in the TLS a handler may be
 * borrowing at that moment.
 */
static void park_wait(atomic_uint *word, unsigned int val)
{
	register long r10 __asm__("r10") = 0;	/* no timeout */
	long ret;

	__asm__ volatile("syscall"
			 : "=a"(ret)
			 : "0"((long)SYS_futex), "D"(word),
			   "S"((long)FUTEX_WAIT_PRIVATE), "d"((long)val), "r"(r10)
			 : "rcx", "r11", "memory");
	(void)ret;
}

/* The slot threads' futex word: what they are to do next. */
enum { VM_T_WAIT, VM_T_STOP, VM_T_PARK };

/* ioctl(2) without errno, for the same reason as park_wait(). */
static long raw_ioctl(int fd, unsigned long cmd, void *arg)
{
	long ret;

	__asm__ volatile("syscall"
			 : "=a"(ret)
			 : "0"((long)SYS_ioctl), "D"((long)fd), "S"(cmd), "d"(arg)
			 : "rcx", "r11", "memory");
	return ret;
}

/*
 * HC_ADOPT (uapi/skybridge_hv.h): this thread becomes the handler of handoff
 * @token until the handler returns.  Every GPR comes back as it was, the
 * vector registers in their init state (all caller-saved in the SysV ABI,
 * and MXCSR and the x87 control word at their defaults).
 */
static int64_t vm_adopt(uint64_t token, uint64_t ret_rsp, uint64_t *value)
{
	register uint64_t rdi __asm__("rdi") = token;
	register uint64_t rsi __asm__("rsi") = ret_rsp;
	uint64_t rax = HC_ADOPT;

	__asm__ volatile("vmcall"
			 : "+a"(rax), "+r"(rdi), "+r"(rsi)
			 :
			 : "memory", "cc", "xmm0", "xmm1", "xmm2", "xmm3",
			   "xmm4", "xmm5", "xmm6", "xmm7", "xmm8", "xmm9",
			   "xmm10", "xmm11", "xmm12", "xmm13", "xmm14", "xmm15");
	if ((int64_t)rax < 0) {
		*value = 0;
		return vm_status_encode(-EPROTO, 0);
	}
	*value = rsi;
	return (int64_t)rdi;
}

/*
 * Handoff (docs/design.md, section 6): a handler that made a system call or
 * faulted on a client's thread is finished here, natively, by the thread
 * whose TLS it was using.  Until SB_IOC_UNREGISTER makes SB_IOC_PARK fail.
 */
static void handoff_loop(struct vm_slot *slot)
{
	int fd = slot->srv->fd;

	for (;;) {
		struct sb_park p = { .size = sizeof(p), .slot = slot->idx };
		struct sb_complete c = { .size = sizeof(c), .slot = slot->idx };
		uint64_t value;
		long ret = raw_ioctl(fd, SB_IOC_PARK, &p);

		if (ret == -EINTR)
			continue;
		if (ret)
			return;
		c.token = p.token;
		__atomic_store_n(&slot->adopted, 1, __ATOMIC_RELAXED);
		c.status = vm_adopt(p.token, p.ret_rsp, &value);
		__atomic_store_n(&slot->adopted, 0, __ATOMIC_RELAXED);
		c.value = value;
		raw_ioctl(fd, SB_IOC_COMPLETE, &c);
	}
}

/*
 * A slot thread: report the TLS to lend, then wait for handoffs until
 * unregister.  It runs with every signal blocked (threads_start()): a
 * signal handler on this thread would share errno and the rest of the TLS
 * with a running handler.
 */
static void *slot_main(void *arg)
{
	struct vm_slot *slot = arg;
	struct vm_server *srv = slot->srv;

	vm_current_slot = slot;
	slot->fs_base = sb_thread_pointer();
	slot->rseq = sb_rseq_registered();
	sem_post(&srv->ready);
	while (atomic_load(&srv->stop) == VM_T_WAIT)
		park_wait(&srv->stop, VM_T_WAIT);
	if (atomic_load(&srv->stop) == VM_T_PARK)
		handoff_loop(slot);
	return NULL;
}

static int threads_start(struct vm_server *srv)
{
	pthread_attr_t attr;
	sigset_t all, old;
	int err;

	err = -pthread_attr_init(&attr);
	if (err)
		return err;
	pthread_attr_setstacksize(&attr, VM_PARK_STACK_SIZE);
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	for (unsigned int i = 0; i < srv->pub.nslots && !err; i++) {
		struct vm_slot *slot = &srv->slots[i];

		err = -pthread_create(&slot->thread, &attr, slot_main, slot);
		if (!err) {
			slot->started = true;
			srv->nthreads++;
		}
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	pthread_attr_destroy(&attr);
	/* Every started thread posts once, even when a later one failed. */
	for (unsigned int i = 0; i < srv->nthreads; i++)
		while (sem_wait(&srv->ready) && errno == EINTR)
			;
	return err;
}

/*
 * Threads in handoff_loop() leave once SB_IOC_UNREGISTER is done; the others
 * now.
 */
static void threads_stop(struct vm_server *srv)
{
	atomic_store(&srv->stop, VM_T_STOP);
	syscall(SYS_futex, &srv->stop, FUTEX_WAKE_PRIVATE, INT_MAX, NULL, NULL, 0);
	for (unsigned int i = 0; i < srv->pub.nslots; i++)
		if (srv->slots[i].started)
			pthread_join(srv->slots[i].thread, NULL);
	srv->nthreads = 0;
}

static int slots_create(struct vm_server *srv)
{
	unsigned int n = srv->pub.nslots;

	srv->slots = aligned_alloc(64, n * sizeof(*srv->slots));
	if (!srv->slots)
		return -ENOMEM;
	/* memset also touches the pages vm_entry() writes: no fault there. */
	memset(srv->slots, 0, n * sizeof(*srv->slots));
	for (unsigned int i = 0; i < n; i++) {
		srv->slots[i].srv = srv;
		srv->slots[i].idx = i;
		srv->slots[i].stack_top = sb_stack_alloc(VM_STACK_SIZE);
		if (!srv->slots[i].stack_top)
			return -ENOMEM;
	}
	return 0;
}

/*
 * The session's buffer mapping (file offset SB_BUF_PGOFF).  The kernel takes
 * it only before the session's first registration, so it outlives a server
 * and the next server of the same buffer size reuses it; a different size
 * gets a new mapping, if the kernel allows one.
 */
static int bufs_map(struct vm_server *srv)
{
	size_t size = (size_t)SKYBRIDGE_MAX_ATTACH * srv->kbuf_size;
	int err = 0;
	void *p;

	pthread_mutex_lock(&session_lock);
	if (session.bufs && session.bufs_size != size) {
		munmap(session.bufs, session.bufs_size);
		session.bufs = NULL;
	}
	if (!session.bufs) {
		p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, srv->fd,
			 (off_t)(SB_BUF_PGOFF * SB_TRAMP_PAGE));
		if (p == MAP_FAILED) {
			err = -errno;
		} else {
			madvise(p, size, MADV_DONTFORK);	/* best effort */
			session.bufs = p;
			session.bufs_size = size;
		}
	}
	srv->bufs = session.bufs;
	srv->bufs_size = size;
	pthread_mutex_unlock(&session_lock);
	return err;
}

static int kernel_register(struct vm_server *srv)
{
	struct sb_slot_desc desc[SKYBRIDGE_MAX_SLOTS];
	struct sb_register r = {
		.size = sizeof(r),
		.handler = (uint64_t)(uintptr_t)vm_entry,
		.slots = (uint64_t)(uintptr_t)desc,
		.nr_slots = srv->pub.nslots,
		.access = SB_ACCESS_ANY,
		.buf_size = srv->kbuf_size,
	};

	memset(desc, 0, sizeof(desc));
	strcpy(r.name, srv->pub.name);
	for (unsigned int i = 0; i < srv->pub.nslots; i++) {
		desc[i].stack_top = (uint64_t)(uintptr_t)srv->slots[i].stack_top;
		desc[i].stack_size = VM_STACK_SIZE;
		desc[i].fs_base = srv->slots[i].fs_base;
		desc[i].rseq = srv->slots[i].rseq;
	}
	/* System calls and faults in handlers go to the slot threads. */
	r.flags = SB_REGISTER_HANDOFF;
	if (ioctl(srv->fd, SB_IOC_REGISTER, &r) < 0)
		return -errno;
	srv->registered = true;
	atomic_store(&srv->stop, VM_T_PARK);
	syscall(SYS_futex, &srv->stop, FUTEX_WAKE_PRIVATE, INT_MAX, NULL, NULL, 0);
	return 0;
}

/*
 * Tear down what vm_register_server() built.  Only once the kernel runs no
 * handler on the slots any more (never registered, or SB_IOC_UNREGISTER
 * returned): then the stacks and the TLS may go.
 */
static void server_destroy(struct vm_server *srv)
{
	if (srv->slots) {
		threads_stop(srv);
		for (unsigned int i = 0; i < srv->pub.nslots; i++)
			sb_stack_free(srv->slots[i].stack_top, VM_STACK_SIZE);
		free(srv->slots);
		srv->slots = NULL;
	}
	srv->bufs = NULL;	/* the session keeps the mapping */
	sem_destroy(&srv->ready);
	session_release(&srv->pub);
}

static int vm_register_server(struct sb_server *pub)
{
	struct vm_server *srv = to_vm_server(pub);
	int err;

	if (!vm_name_ok(pub->name) ||
	    (uint64_t)pub->buf_size + VM_HDR_SIZE > SKYBRIDGE_BUF_MAX)
		return -EINVAL;
	srv->kbuf_size = pub->buf_size + VM_HDR_SIZE;
	srv->fd = session_get(pub);
	if (srv->fd < 0)
		return srv->fd;
	sem_init(&srv->ready, 0, 0);
	err = slots_create(srv);
	if (!err)
		err = bufs_map(srv);
	if (!err)
		err = threads_start(srv);
	if (!err)
		err = kernel_register(srv);
	if (err)
		server_destroy(srv);
	return err;
}

/*
 * After SB_IOC_UNREGISTER (keys gone, no new call gets in): wait until no
 * handler runs on a slot, then a grace period for the few instructions of
 * vm_entry()'s epilogue and the trampoline's slot release that still use
 * the slot's stack.  uapi/skybridge.h does not say whether UNREGISTER
 * itself waits for calls in flight; this is the library's own caution, and
 * it cannot see a call preempted between the key check and vm_entry().
 */
#define VM_UNREGISTER_GRACE_US	10000

static void calls_drain(struct vm_server *srv)
{
	for (unsigned int i = 0; i < srv->pub.nslots; i++)
		while (__atomic_load_n(&srv->slots[i].active, __ATOMIC_ACQUIRE))
			usleep(100);
	usleep(VM_UNREGISTER_GRACE_US);
}

static int vm_unregister_server(struct sb_server *pub)
{
	struct vm_server *srv = to_vm_server(pub);

	if (vm_current_slot && vm_current_slot->srv == srv)
		return -EDEADLK;
	if (ioctl(srv->fd, SB_IOC_UNREGISTER) < 0)
		return -errno;
	calls_drain(srv);
	server_destroy(srv);
	return 0;
}

/*
 * In a fork() child: no slot threads, no session; the stacks were left out
 * of the child (MADV_DONTFORK) and the buffer mapping may or may not have
 * been copied, so unmap nothing: whatever the child mapped at those
 * addresses since is its own.
 */
static void vm_forget_server(struct sb_server *pub)
{
	struct vm_server *srv = to_vm_server(pub);

	free(srv->slots);
	srv->slots = NULL;
}

static void vm_server_stats(struct sb_server *pub, struct sb_stats *st)
{
	struct vm_server *srv = to_vm_server(pub);

	for (unsigned int i = 0; i < srv->pub.nslots; i++) {
		st->calls += __atomic_load_n(&srv->slots[i].calls, __ATOMIC_RELAXED);
		st->errors += __atomic_load_n(&srv->slots[i].errors, __ATOMIC_RELAXED);
	}
	/* The trampoline counts refusals for the kernel (SB_IOC_STATS). */
	if (srv->registered) {
		struct sb_call_stats k = { .size = sizeof(k) };

		if (!ioctl(srv->fd, SB_IOC_STATS, &k)) {
			st->busy = k.busy;
			st->conns = k.attachments;
		}
	}
}

/* -- the client ----------------------------------------------------------- */

struct vm_conn {
	struct sb_conn pub;
	uint64_t key;
	uint32_t id;
	uint32_t view;
	struct vm_buf_hdr *hdr;		/* the mapping: header page, then buffer */
	void *buf;
	size_t buf_size;		/* users' bytes */
	size_t map_size;
	int fd;				/* the connection file */
	bool dead;
};

#define to_vm_conn(c) caa_container_of(c, struct vm_conn, pub)

static int connect_errno(int err)
{
	switch (err) {
	case ENOENT:
	case ESRCH:
		return -ECONNREFUSED;
	case ENOSPC:
	case EUSERS:
		return -EUSERS;
	default:
		return -err;
	}
}

static int vm_connect(const char *name, struct sb_conn **out)
{
	struct sb_connect r = { .size = sizeof(r) };
	struct vm_conn *c;
	void *map;
	int fd;

	if (!vm_name_ok(name))
		return -EINVAL;
	if (__rseq_size == 0)	/* the trampoline needs the caller's rseq */
		return -EOPNOTSUPP;
	fd = session_get(NULL);
	if (fd < 0)
		return fd;
	strcpy(r.name, name);
	if (ioctl(fd, SB_IOC_CONNECT, &r) < 0)
		return connect_errno(errno);
	/* The kernel's answer describes a library server, or we cannot use it. */
	if (r.fd < 0)
		return -EPROTO;
	if (r.id >= SKYBRIDGE_MAX_ATTACH || r.buf_size <= VM_HDR_SIZE ||
	    r.buf_size > SKYBRIDGE_BUF_MAX || r.buf_size % SB_TRAMP_PAGE) {
		close(r.fd);
		return -EPROTO;
	}
	c = calloc(1, sizeof(*c));
	if (!c) {
		close(r.fd);
		return -ENOMEM;
	}
	map = mmap(NULL, r.buf_size, PROT_READ | PROT_WRITE, MAP_SHARED, r.fd, 0);
	if (map == MAP_FAILED) {
		int err = -errno;

		close(r.fd);
		free(c);
		return err;
	}
	madvise(map, r.buf_size, MADV_DONTFORK);	/* best effort */
	c->fd = r.fd;
	c->id = r.id;
	c->view = r.view;
	c->key = r.key;
	c->hdr = map;
	c->map_size = r.buf_size;
	c->buf = (char *)map + VM_HDR_SIZE;
	c->buf_size = r.buf_size - VM_HDR_SIZE;
	*out = &c->pub;
	return 0;
}

/* Closing the connection file detaches this process. */
static void vm_disconnect(struct sb_conn *conn)
{
	struct vm_conn *c = to_vm_conn(conn);

	munmap(c->hdr, c->map_size);
	close(c->fd);
	free(c);
}

/* In a fork() child: close our copy of the file; unmap nothing (as above). */
static void vm_forget_conn(struct sb_conn *conn)
{
	struct vm_conn *c = to_vm_conn(conn);

	close(c->fd);
	free(c);
}

static void *vm_buffer(struct sb_conn *conn, size_t *size)
{
	struct vm_conn *c = to_vm_conn(conn);

	if (size)
		*size = c->buf_size;
	return c->buf;
}

/*
 * What the trampoline wants in RAX: the calling thread's struct rseq, or,
 * in a handler running in its server's view (on a client's thread), the
 * slot it runs on, so that the result comes back through the server's
 * return view (a chain, uapi/skybridge.h).  A handler handed off to its
 * slot thread runs natively: an ordinary call there.
 */
static inline bool vm_in_handler(void)
{
	struct vm_slot *slot = vm_current_slot;

	return slot && __atomic_load_n(&slot->active, __ATOMIC_RELAXED) &&
	       !__atomic_load_n(&slot->adopted, __ATOMIC_RELAXED);
}

static inline uint64_t vm_call_tag(void)
{
	if (vm_in_handler())
		return SB_CALL_NESTED((uint64_t)vm_current_slot->idx);
	return sb_rseq_area();
}

/*
 * One trampoline call.  The trampoline itself gives the caller its MXCSR
 * and x87 control word back (fesetround(), flush-to-zero survive).
 */
static inline struct sb_tramp_res vm_invoke(struct vm_conn *c,
					    const uint64_t args[SB_NARGS])
{
	return sb_tramp_call(c->id, args[0], args[1], args[2], args[3], c->view,
			     c->key, vm_call_tag());
}

/*
 * A call its handler could not finish on this thread was handed to the
 * server's slot thread: wait for the result (killable only, so no EINTR).
 * A server that died meanwhile reads as a vanished server (-ESTALE).
 */
static void vm_collect(struct vm_conn *c, struct sb_tramp_res *r)
{
	struct sb_wait w = { .size = sizeof(w), .token = r->value };

	if (r->status != SB_STATUS_HANDOFF)
		return;
	if (ioctl(c->fd, SB_IOC_WAIT, &w) < 0) {
		r->status = errno == EOWNERDEAD ? -ESTALE : -EINVAL;
		r->value = 0;
		return;
	}
	r->status = w.status;
	r->value = w.value;
}

/*
 * Every slot was busy and the connection waits: retry, first at CPU speed,
 * then sleeping VM_BUSY_SLEEP_NS between tries, until the deadline.  There
 * is nothing to sleep on: the kernel frees slots without telling anyone.
 */
static int vm_wait_slot(struct vm_conn *c, const uint64_t args[SB_NARGS],
			struct sb_tramp_res *r, uint64_t *rlen, bool *ran)
{
	uint64_t deadline = sb_now_ms() + c->pub.wait_ms;
	struct timespec nap = { .tv_nsec = VM_BUSY_SLEEP_NS };
	int status;

	for (unsigned int tries = 0;; tries++) {
		if (tries < VM_BUSY_SPINS) {
			for (int i = 0; i < 32; i++)
				__asm__ volatile("pause" ::: "memory");
		} else {
			nanosleep(&nap, NULL);
			c->pub.stats.syscalls++;
		}
		*r = vm_invoke(c, args);
		vm_collect(c, r);
		status = vm_status_decode(r->status, c->buf_size, rlen, ran);
		if (*ran || status != -EBUSY)
			return status;
		if (sb_now_ms() >= deadline)
			return -ETIMEDOUT;
	}
}

static int vm_call(struct sb_conn *conn, const uint64_t args[SB_NARGS],
		   size_t len, size_t *reply_len, uint64_t *ret)
{
	static const uint64_t zero[SB_NARGS];
	struct vm_conn *c = to_vm_conn(conn);
	struct sb_tramp_res r;
	uint64_t rlen = 0;
	bool ran;
	int status;

	if (c->dead)
		return -ECONNRESET;
	if (!args)
		args = zero;
	__atomic_store_n(&c->hdr->len, (uint64_t)len, __ATOMIC_RELAXED);
	r = vm_invoke(c, args);
	vm_collect(c, &r);
	status = vm_status_decode(r.status, c->buf_size, &rlen, &ran);
	if (!ran && status == -EBUSY) {
		/* A handler cannot wait: the sleep would be a system call. */
		if (c->pub.wait_ms && !vm_in_handler())
			status = vm_wait_slot(c, args, &r, &rlen, &ran);
		if (status == -EBUSY)
			c->pub.stats.busy++;
		else if (status == -ETIMEDOUT)
			c->pub.stats.timeouts++;
	}
	if (!ran) {
		if (status == -ECONNRESET)
			c->dead = true;
		return status;
	}
	c->pub.stats.calls++;
	if (status)
		c->pub.stats.errors++;
	if (ret)
		*ret = r.value;
	if (reply_len)
		*reply_len = (size_t)rlen;
	return status;
}

static int vm_probe(void)
{
	return 0;
}

static const struct sb_transport_ops vm_ops = {
	.name = "vmfunc",
	.server_size = sizeof(struct vm_server),
	.probe = vm_probe,
	.register_server = vm_register_server,
	.unregister_server = vm_unregister_server,
	.server_stats = vm_server_stats,
	.connect = vm_connect,
	.disconnect = vm_disconnect,
	.call = vm_call,
	.buffer = vm_buffer,
	.forget_server = vm_forget_server,
	.forget_conn = vm_forget_conn,
};

const struct sb_transport_ops *const sb_vmfunc_ops = &vm_ops;

#else	/* !__x86_64__: VMFUNC is an x86 instruction */

const struct sb_transport_ops *const sb_vmfunc_ops = NULL;

#endif
