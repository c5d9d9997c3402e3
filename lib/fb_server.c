// SPDX-License-Identifier: MIT
/*
 * fb_server.c - fallback transport, server side.
 *
 * Threads per server: one per declared slot, each parked in futex_wait() on
 * its slot word in the shared slot table, and one monitor that accepts
 * connections and notices clients hanging up.  The handler runs on the slot
 * thread, so inside it the server process is simply itself: syscalls, page
 * faults and signals behave as in any program.
 *
 * Connection lifetime: slot threads reach a connection through refs[idx],
 * never through a lookup.  A slot thread raises refs[idx].busy before reading
 * refs[idx].conn; the monitor clears .conn and then waits for .busy to drop
 * to 0 before unmapping (both sides sequentially consistent, so at least one
 * of them sees the other).  The RCU list srv->conns is only for
 * sb_server_stats().
 */
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>
#include <urcu/rculist.h>

#include "fallback.h"
#include "futex.h"
#include "sb_internal.h"

/* Written into a free slot word at unregister so no client can claim it. */
#define FB_SLOT_STOP	UINT32_MAX

struct fb_server;

struct fb_srv_conn {
	struct fb_server *srv;
	int sock;
	uint32_t idx;
	uint64_t id;
	struct fb_conn_page *page;
	void *buf;
	size_t map_size;
	atomic_ulong calls;
	atomic_ulong errors;
	struct cds_list_head node;	/* srv->conns, RCU */
};

/* Padded to a cache line: slot threads bump .busy on every call. */
struct fb_conn_ref {
	_Atomic(struct fb_srv_conn *) conn;
	atomic_uint busy;
	uint32_t pad[13];
};

struct fb_slot_thread {
	struct fb_server *srv;
	unsigned int slot;
	pthread_t thread;
	atomic_ulong syscalls;
};

struct fb_server {
	struct sb_server pub;
	uint64_t instance;
	int listen_fd;
	int epoll_fd;
	int stop_fd;
	int table_fd;
	struct fb_table *table;
	size_t table_size;
	struct fb_conn_ref *refs;
	struct fb_slot_thread *slots;
	unsigned int nthreads;		/* slot threads started */
	pthread_t monitor;
	bool monitor_started;
	atomic_bool stopping;
	uint64_t next_id;
	pthread_mutex_t conns_lock;	/* writers of @conns */
	struct cds_list_head conns;
	atomic_ulong live_conns;
	/* Counters of connections already closed. */
	atomic_ulong closed_calls, closed_errors, closed_busy, closed_timeouts;
	atomic_ulong monitor_syscalls;
};

#define to_fb_server(s) caa_container_of(s, struct fb_server, pub)

/* Set on slot threads: lets unregister refuse to run from a handler. */
static __thread struct fb_server *fb_current_server;

/* -- the call path (slot threads) -------------------------------------- */

static void slot_free(struct fb_slot_thread *st, struct fb_slot *slot)
{
	struct fb_table *table = st->srv->table;

	atomic_store(&slot->word, 0);
	if (atomic_load(&table->waiters)) {
		atomic_fetch_add(&table->free_seq, 1);
		futex_wake(&table->free_seq, INT_MAX);
		atomic_fetch_add_explicit(&st->syscalls, 1, memory_order_relaxed);
	}
}

static int clamp_status(int status)
{
	if (status > 0 || status < -SB_MAX_ERRNO)
		return -EPROTO;
	return status;
}

/*
 * Run the call posted by @c.  The client's page is untrusted shared memory:
 * read each field once, check the length against our own buffer size.
 */
static void call_run(struct fb_slot_thread *st, struct fb_slot *slot,
		     struct fb_srv_conn *c)
{
	struct fb_server *srv = st->srv;
	struct fb_conn_page *page = c->page;
	struct sb_call call = {
		.buf = c->buf,
		.buf_size = srv->pub.buf_size,
		.conn_id = c->id,
		.slot = st->slot,
		.priv = srv->pub.priv,
	};
	uint32_t seq = atomic_load_explicit(&page->call_seq, memory_order_acquire);
	uint64_t len = __atomic_load_n(&page->len, __ATOMIC_RELAXED);
	uint64_t ret = 0;
	int status;

	for (int i = 0; i < SB_NARGS; i++)
		call.args[i] = __atomic_load_n(&page->args[i], __ATOMIC_RELAXED);
	if (len > srv->pub.buf_size) {
		status = -EMSGSIZE;
		call.len = 0;
	} else {
		call.len = (size_t)len;
		status = clamp_status(srv->pub.handler(&call, &ret));
	}
	if (call.len > srv->pub.buf_size)
		call.len = srv->pub.buf_size;

	page->ret = ret;
	page->status = status;
	page->reply_len = call.len;
	atomic_fetch_add_explicit(&c->calls, 1, memory_order_relaxed);
	if (status)
		atomic_fetch_add_explicit(&c->errors, 1, memory_order_relaxed);

	/* Free the slot before completing, so the client's next call finds it. */
	slot_free(st, slot);
	atomic_store(&page->done_seq, seq);
	if (atomic_load(&page->client_sleeping)) {
		futex_wake(&page->done_seq, 1);
		atomic_fetch_add_explicit(&st->syscalls, 1, memory_order_relaxed);
	}
}

static void slot_serve(struct fb_slot_thread *st, struct fb_slot *slot,
		       uint32_t word)
{
	struct fb_server *srv = st->srv;
	uint32_t idx = word - 1;
	struct fb_conn_ref *ref;
	struct fb_srv_conn *c;

	if (idx >= srv->pub.max_conns) {	/* garbage from a client */
		slot_free(st, slot);
		return;
	}
	ref = &srv->refs[idx];
	atomic_fetch_add(&ref->busy, 1);
	c = atomic_load(&ref->conn);
	if (c)
		call_run(st, slot, c);
	else
		slot_free(st, slot);
	atomic_fetch_sub(&ref->busy, 1);
}

/* Wait for a posted call; 0 when the server is stopping. */
static uint32_t slot_wait(struct fb_slot_thread *st, struct fb_slot *slot)
{
	for (;;) {
		uint32_t word;

		if (atomic_load(&st->srv->stopping))
			return 0;
		word = atomic_load(&slot->word);
		if (word && word != FB_SLOT_STOP)
			return word;
		atomic_store(&slot->sleeping, 1);
		if (atomic_load(&slot->word) == word) {
			futex_wait(&slot->word, word, 0);
			atomic_fetch_add_explicit(&st->syscalls, 1,
						  memory_order_relaxed);
		}
		atomic_store(&slot->sleeping, 0);
	}
}

static void *slot_main(void *arg)
{
	struct fb_slot_thread *st = arg;
	struct fb_slot *slot = &st->srv->table->slot[st->slot];
	uint32_t word;

	fb_current_server = st->srv;
	while ((word = slot_wait(st, slot)))
		slot_serve(st, slot, word);
	return NULL;
}

/* -- connections (monitor thread) -------------------------------------- */

static int conn_find_idx(struct fb_server *srv)
{
	for (uint32_t i = 0; i < srv->pub.max_conns; i++)
		if (!atomic_load(&srv->refs[i].conn) &&
		    !atomic_load(&srv->refs[i].busy))
			return (int)i;
	return -EUSERS;
}

static void conn_free(struct fb_srv_conn *c)
{
	if (c->page)
		munmap(c->page, c->map_size);
	if (c->sock >= 0)
		close(c->sock);
	free(c);
}

/* Unpublish @c, wait out any slot thread using it, then free it. */
static void conn_drop(struct fb_srv_conn *c)
{
	struct fb_server *srv = c->srv;
	struct fb_conn_ref *ref = &srv->refs[c->idx];

	epoll_ctl(srv->epoll_fd, EPOLL_CTL_DEL, c->sock, NULL);
	atomic_store(&ref->conn, NULL);
	while (atomic_load(&ref->busy))
		usleep(100);

	pthread_mutex_lock(&srv->conns_lock);
	cds_list_del_rcu(&c->node);
	pthread_mutex_unlock(&srv->conns_lock);
	atomic_fetch_sub(&srv->live_conns, 1);
	synchronize_rcu();	/* sb_server_stats() may still be reading @c */

	atomic_fetch_add(&srv->closed_calls, atomic_load(&c->calls));
	atomic_fetch_add(&srv->closed_errors, atomic_load(&c->errors));
	atomic_fetch_add(&srv->closed_busy, __atomic_load_n(&c->page->busy, __ATOMIC_RELAXED));
	atomic_fetch_add(&srv->closed_timeouts,
			 __atomic_load_n(&c->page->timeouts, __ATOMIC_RELAXED));
	conn_free(c);
}

static int conn_map_region(struct fb_server *srv, struct fb_srv_conn *c)
{
	int fd;

	c->map_size = FB_PAGE + srv->pub.buf_size;
	fd = fb_memfd("skybridge-conn", c->map_size);
	if (fd < 0)
		return fd;
	c->page = mmap(NULL, c->map_size, PROT_READ | PROT_WRITE, MAP_SHARED,
		       fd, 0);
	if (c->page == MAP_FAILED) {
		int err = -errno;

		c->page = NULL;
		close(fd);
		return err;
	}
	c->page->magic = FB_MAGIC;
	c->page->version = FB_VERSION;
	c->buf = (char *)c->page + FB_PAGE;
	return fd;
}

static int send_welcome(int sock, const struct fb_welcome *w, int fd1, int fd2)
{
	union {
		struct cmsghdr hdr;
		char space[CMSG_SPACE(2 * sizeof(int))];
	} ctl;
	struct iovec iov = { .iov_base = (void *)w, .iov_len = sizeof(*w) };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };
	int fds[2] = { fd1, fd2 };

	if (fd1 >= 0) {
		memset(&ctl, 0, sizeof(ctl));
		msg.msg_control = ctl.space;
		msg.msg_controllen = sizeof(ctl.space);
		ctl.hdr.cmsg_level = SOL_SOCKET;
		ctl.hdr.cmsg_type = SCM_RIGHTS;
		ctl.hdr.cmsg_len = CMSG_LEN(sizeof(fds));
		memcpy(CMSG_DATA(&ctl.hdr), fds, sizeof(fds));
	}
	if (sendmsg(sock, &msg, MSG_NOSIGNAL) != (ssize_t)sizeof(*w))
		return -EPIPE;
	return 0;
}

static void refuse(int sock, int status)
{
	struct fb_welcome w = {
		.magic = FB_MAGIC, .version = FB_VERSION, .status = status,
	};

	send_welcome(sock, &w, -1, -1);
	close(sock);
}

static int read_hello(int sock)
{
	struct fb_hello h;
	ssize_t n = recv(sock, &h, sizeof(h), 0);

	if (n != (ssize_t)sizeof(h))
		return n < 0 && errno == EAGAIN ? -ETIMEDOUT : -EPROTO;
	if (h.magic != FB_MAGIC || h.version != FB_VERSION || h.flags ||
	    h.reserved)
		return -EPROTO;
	return 0;
}

static void set_timeouts(int sock, unsigned int ms)
{
	struct timeval tv = { .tv_sec = ms / 1000, .tv_usec = (ms % 1000) * 1000 };

	setsockopt(sock, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(sock, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
}

/* Publish @c to slot threads, stats and the monitor's epoll set. */
static int conn_publish(struct fb_server *srv, struct fb_srv_conn *c)
{
	struct epoll_event ev = {
		.events = EPOLLIN | EPOLLRDHUP,
		.data.ptr = c,
	};

	if (epoll_ctl(srv->epoll_fd, EPOLL_CTL_ADD, c->sock, &ev) < 0)
		return -errno;
	atomic_store(&srv->refs[c->idx].conn, c);
	pthread_mutex_lock(&srv->conns_lock);
	cds_list_add_rcu(&c->node, &srv->conns);
	pthread_mutex_unlock(&srv->conns_lock);
	atomic_fetch_add(&srv->live_conns, 1);
	return 0;
}

/* Set up connection @idx for @sock; returns the region's memfd or -errno. */
static int conn_setup(struct fb_server *srv, int sock, int idx,
		      struct fb_srv_conn **out)
{
	struct fb_srv_conn *c = calloc(1, sizeof(*c));
	int fd, err;

	if (!c)
		return -ENOMEM;
	c->srv = srv;
	c->sock = -1;
	c->idx = (uint32_t)idx;
	c->id = ++srv->next_id;
	fd = conn_map_region(srv, c);
	if (fd < 0) {
		conn_free(c);
		return fd;
	}
	c->sock = sock;
	/* Published before the welcome: the client may post the moment it reads it. */
	err = conn_publish(srv, c);
	if (err) {
		close(fd);
		c->sock = -1;
		conn_free(c);
		return err;
	}
	*out = c;
	return fd;
}

/* A connection request: handshake, region, welcome with the two memfds. */
static void conn_accept(struct fb_server *srv)
{
	struct fb_welcome w = { .magic = FB_MAGIC, .version = FB_VERSION };
	struct fb_srv_conn *c = NULL;
	int sock, idx, fd;

	sock = accept4(srv->listen_fd, NULL, NULL, SOCK_CLOEXEC);
	if (sock < 0)
		return;
	set_timeouts(sock, FB_HANDSHAKE_MS);
	fd = read_hello(sock);
	if (!fd) {
		idx = conn_find_idx(srv);
		fd = idx < 0 ? idx : conn_setup(srv, sock, idx, &c);
	}
	if (fd < 0) {
		refuse(sock, fd);
		return;
	}
	w.conn_idx = c->idx;
	w.conn_id = c->id;
	w.instance = srv->instance;
	w.nslots = srv->pub.nslots;
	w.buf_size = srv->pub.buf_size;
	w.region_size = c->map_size;
	w.table_size = srv->table_size;
	if (send_welcome(sock, &w, fd, srv->table_fd))
		conn_drop(c);
	close(fd);
}

static void *monitor_main(void *arg)
{
	struct fb_server *srv = arg;
	struct epoll_event ev[16];

	for (;;) {
		int n = epoll_wait(srv->epoll_fd, ev, 16, -1);

		atomic_fetch_add_explicit(&srv->monitor_syscalls, 1,
					  memory_order_relaxed);
		for (int i = 0; i < n; i++) {
			if (ev[i].data.ptr == &srv->stop_fd)
				return NULL;
			if (ev[i].data.ptr == &srv->listen_fd)
				conn_accept(srv);
			else	/* a client hung up, died, or sent junk */
				conn_drop(ev[i].data.ptr);
		}
	}
}

/* -- register / unregister --------------------------------------------- */

static int table_create(struct fb_server *srv)
{
	struct fb_table *t;

	srv->table_size = fb_table_size(srv->pub.nslots);
	srv->table_fd = fb_memfd("skybridge-slots", srv->table_size);
	if (srv->table_fd < 0)
		return srv->table_fd;
	t = mmap(NULL, srv->table_size, PROT_READ | PROT_WRITE, MAP_SHARED,
		 srv->table_fd, 0);
	if (t == MAP_FAILED)
		return -errno;
	t->magic = FB_MAGIC;
	t->version = FB_VERSION;
	t->nslots = srv->pub.nslots;
	t->instance = srv->instance;
	srv->table = t;
	return 0;
}

static int listen_create(struct fb_server *srv)
{
	struct sockaddr_un addr;
	unsigned int len;
	int err = fb_socket_addr(srv->pub.name, &addr, &len);

	if (err)
		return err;
	srv->listen_fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (srv->listen_fd < 0)
		return -errno;
	if (bind(srv->listen_fd, (struct sockaddr *)&addr, len) < 0)
		return errno == EADDRINUSE ? -EEXIST : -errno;
	if (listen(srv->listen_fd, 128) < 0)
		return -errno;
	return 0;
}

static int epoll_watch(struct fb_server *srv, int fd, void *tag)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.ptr = tag };

	return epoll_ctl(srv->epoll_fd, EPOLL_CTL_ADD, fd, &ev) < 0 ? -errno : 0;
}

static int monitor_setup(struct fb_server *srv)
{
	int err;

	srv->epoll_fd = epoll_create1(EPOLL_CLOEXEC);
	srv->stop_fd = eventfd(0, EFD_CLOEXEC);
	if (srv->epoll_fd < 0 || srv->stop_fd < 0)
		return -errno;
	err = epoll_watch(srv, srv->listen_fd, &srv->listen_fd);
	if (!err)
		err = epoll_watch(srv, srv->stop_fd, &srv->stop_fd);
	return err;
}

/*
 * Library threads block every signal: the application's handlers belong on
 * its own threads, and a handler's synchronous faults are still delivered.
 */
static int threads_start(struct fb_server *srv)
{
	sigset_t all, old;
	int err = 0;

	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	for (unsigned int i = 0; i < srv->pub.nslots && !err; i++) {
		struct fb_slot_thread *st = &srv->slots[i];

		st->srv = srv;
		st->slot = i;
		err = -pthread_create(&st->thread, NULL, slot_main, st);
		if (!err)
			srv->nthreads++;
	}
	if (!err) {
		err = -pthread_create(&srv->monitor, NULL, monitor_main, srv);
		srv->monitor_started = !err;
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return err;
}

static void slot_threads_stop(struct fb_server *srv)
{
	atomic_store(&srv->stopping, true);
	for (unsigned int i = 0; i < srv->nthreads; i++) {
		struct fb_slot *slot = &srv->table->slot[i];
		uint32_t free_word = 0;

		/* A free slot becomes unclaimable; a busy one is seen on return. */
		atomic_compare_exchange_strong(&slot->word, &free_word, FB_SLOT_STOP);
		futex_wake(&slot->word, 1);
	}
	for (unsigned int i = 0; i < srv->nthreads; i++)
		pthread_join(srv->slots[i].thread, NULL);
	srv->nthreads = 0;
}

static void monitor_stop(struct fb_server *srv)
{
	uint64_t one = 1;

	if (!srv->monitor_started)
		return;
	if (write(srv->stop_fd, &one, sizeof(one)) != sizeof(one))
		abort();	/* an eventfd write of 1 cannot fail */
	pthread_join(srv->monitor, NULL);
	srv->monitor_started = false;
}

static void fds_close(struct fb_server *srv)
{
	int *fds[] = { &srv->listen_fd, &srv->epoll_fd, &srv->stop_fd,
		       &srv->table_fd };

	for (size_t i = 0; i < sizeof(fds) / sizeof(fds[0]); i++) {
		if (*fds[i] >= 0)
			close(*fds[i]);
		*fds[i] = -1;
	}
}

static void server_destroy(struct fb_server *srv)
{
	struct fb_srv_conn *c, *tmp;

	monitor_stop(srv);
	if (srv->listen_fd >= 0) {	/* free the name before the slow part */
		close(srv->listen_fd);
		srv->listen_fd = -1;
	}
	slot_threads_stop(srv);
	cds_list_for_each_entry_safe(c, tmp, &srv->conns, node)
		conn_drop(c);
	fds_close(srv);
	if (srv->table)
		munmap(srv->table, srv->table_size);
	free(srv->refs);
	free(srv->slots);
	pthread_mutex_destroy(&srv->conns_lock);
}

static int fb_register_server(struct sb_server *pub)
{
	struct fb_server *srv = to_fb_server(pub);
	int err;

	srv->listen_fd = srv->epoll_fd = srv->stop_fd = srv->table_fd = -1;
	pthread_mutex_init(&srv->conns_lock, NULL);
	CDS_INIT_LIST_HEAD(&srv->conns);
	if (getrandom(&srv->instance, sizeof(srv->instance), 0) !=
	    sizeof(srv->instance))
		srv->instance = (uint64_t)getpid() << 32 ^ sb_now_ms();
	srv->refs = calloc(pub->max_conns, sizeof(*srv->refs));
	srv->slots = calloc(pub->nslots, sizeof(*srv->slots));
	err = (!srv->refs || !srv->slots) ? -ENOMEM : 0;
	if (!err)
		err = listen_create(srv);
	if (!err)
		err = table_create(srv);
	if (!err)
		err = monitor_setup(srv);
	if (!err)
		err = threads_start(srv);
	if (err)
		server_destroy(srv);
	return err;
}

static int fb_unregister_server(struct sb_server *pub)
{
	struct fb_server *srv = to_fb_server(pub);

	if (fb_current_server == srv)
		return -EDEADLK;
	server_destroy(srv);
	return 0;
}

/* In a fork() child: the threads are gone; drop our copies only. */
static void fb_forget_server(struct sb_server *pub)
{
	struct fb_server *srv = to_fb_server(pub);
	struct fb_srv_conn *c, *tmp;

	cds_list_for_each_entry_safe(c, tmp, &srv->conns, node)
		conn_free(c);
	fds_close(srv);
	if (srv->table)
		munmap(srv->table, srv->table_size);
	free(srv->refs);
	free(srv->slots);
}

static void fb_server_stats(struct sb_server *pub, struct sb_stats *st)
{
	struct fb_server *srv = to_fb_server(pub);
	struct fb_srv_conn *c;

	st->calls = atomic_load(&srv->closed_calls);
	st->errors = atomic_load(&srv->closed_errors);
	st->busy = atomic_load(&srv->closed_busy);
	st->timeouts = atomic_load(&srv->closed_timeouts);
	st->syscalls = 0;
	for (unsigned int i = 0; i < srv->nthreads; i++)
		st->syscalls += atomic_load(&srv->slots[i].syscalls);
	st->conns = atomic_load(&srv->live_conns);

	sb_rcu_reader_enter();
	rcu_read_lock();
	cds_list_for_each_entry_rcu(c, &srv->conns, node) {
		st->calls += atomic_load(&c->calls);
		st->errors += atomic_load(&c->errors);
		st->busy += __atomic_load_n(&c->page->busy, __ATOMIC_RELAXED);
		st->timeouts += __atomic_load_n(&c->page->timeouts, __ATOMIC_RELAXED);
	}
	rcu_read_unlock();
}

/* Defined in fb_client.c. */
int fb_connect(const char *name, struct sb_conn **out);
void fb_disconnect(struct sb_conn *conn);
int fb_call(struct sb_conn *conn, const uint64_t args[SB_NARGS], size_t len,
	    size_t *reply_len, uint64_t *ret);
void *fb_buffer(struct sb_conn *conn, size_t *size);

static int fb_probe(void)
{
	return 0;
}

const struct sb_transport_ops sb_fallback_ops = {
	.name = "fallback-futex",
	.server_size = sizeof(struct fb_server),
	.probe = fb_probe,
	.register_server = fb_register_server,
	.unregister_server = fb_unregister_server,
	.server_stats = fb_server_stats,
	.connect = fb_connect,
	.disconnect = fb_disconnect,
	.call = fb_call,
	.buffer = fb_buffer,
	.forget_server = fb_forget_server,
	.forget_conn = fb_disconnect,
};
