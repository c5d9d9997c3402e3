// SPDX-License-Identifier: MIT
/*
 * fb_client.c - fallback transport, client side.
 *
 * A call: write the arguments into the connection's header page, claim a
 * free slot of the server's slot table by compare-and-swap (which also posts
 * the call), wake the slot thread if it sleeps, then sleep on done_seq.  Two
 * futex syscalls at most on each side; none when the peer is awake.
 *
 * While it sleeps, the client wakes every FB_LIVENESS_MS to check that the
 * server still holds its end of the connection socket: a dead server means
 * -ECONNRESET, not a hang.
 *
 * The slot table is mapped once per server instance per process and shared
 * by all connections to it: the *peer table*, name -> mapping, read by every
 * connecting thread and written only when the first connection to a server
 * comes or the last goes.  RCU (urcu-mb, see registry.c) keeps those reads
 * lock-free; a reader takes a reference only if the count is not already 0.
 */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "fallback.h"
#include "futex.h"
#include "sb_internal.h"

struct fb_peer {
	char name[SB_NAME_MAX + 1];
	uint64_t instance;
	struct fb_table *table;
	size_t table_size;
	atomic_ulong refs;
	struct cds_lfht_node node;
};

struct fb_conn {
	struct sb_conn pub;
	int sock;
	uint32_t post_word;		/* conn_idx + 1 */
	uint32_t seq;
	unsigned int nslots;
	unsigned int hint;		/* slot to try first */
	bool dead;
	struct fb_conn_page *page;
	void *buf;
	size_t buf_size;
	size_t map_size;
	struct fb_table *table;
	struct fb_peer *peer;
};

#define to_fb_conn(c) caa_container_of(c, struct fb_conn, pub)

/* -- the peer table ----------------------------------------------------- */

static struct cds_lfht *peers;
static pthread_once_t peers_once = PTHREAD_ONCE_INIT;
static pthread_mutex_t peers_lock = PTHREAD_MUTEX_INITIALIZER;

static void peers_init(void)
{
	/* Fixed size: auto-resize would start a worker thread in every client. */
	peers = cds_lfht_new(64, 64, 64, 0, NULL);
}

struct peer_key {
	const char *name;
	uint64_t instance;
};

static int peer_match(struct cds_lfht_node *node, const void *key)
{
	const struct peer_key *k = key;
	struct fb_peer *p = caa_container_of(node, struct fb_peer, node);

	return p->instance == k->instance && strcmp(p->name, k->name) == 0;
}

/* Take a reference unless the count already reached 0 (being freed). */
static bool peer_tryget(struct fb_peer *p)
{
	unsigned long refs = atomic_load(&p->refs);

	while (refs)
		if (atomic_compare_exchange_weak(&p->refs, &refs, refs + 1))
			return true;
	return false;
}

static struct fb_peer *peer_lookup(const struct peer_key *k)
{
	struct cds_lfht_iter iter;
	struct cds_lfht_node *node;
	struct fb_peer *p = NULL;

	rcu_read_lock();
	cds_lfht_lookup(peers, sb_name_hash(k->name) ^ k->instance, peer_match,
			k, &iter);
	node = cds_lfht_iter_get_node(&iter);
	if (node) {
		p = caa_container_of(node, struct fb_peer, node);
		if (!peer_tryget(p))
			p = NULL;
	}
	rcu_read_unlock();
	return p;
}

static void peer_put(struct fb_peer *p)
{
	if (atomic_fetch_sub(&p->refs, 1) != 1)
		return;
	pthread_mutex_lock(&peers_lock);
	rcu_read_lock();
	cds_lfht_del(peers, &p->node);
	rcu_read_unlock();
	pthread_mutex_unlock(&peers_lock);
	synchronize_rcu();
	munmap(p->table, p->table_size);
	free(p);
}

/*
 * Publish @p, or return the equal peer another thread published first (with
 * a reference taken); a dying equal peer is replaced.
 */
static struct fb_peer *peer_publish(struct fb_peer *p, const struct peer_key *k)
{
	unsigned long hash = sb_name_hash(k->name) ^ k->instance;
	struct fb_peer *won = NULL;
	struct cds_lfht_node *old;

	pthread_mutex_lock(&peers_lock);
	rcu_read_lock();
	old = cds_lfht_add_unique(peers, hash, peer_match, k, &p->node);
	if (old != &p->node) {
		won = caa_container_of(old, struct fb_peer, node);
		if (!peer_tryget(won)) {
			cds_lfht_add_replace(peers, hash, peer_match, k, &p->node);
			won = NULL;
		}
	}
	rcu_read_unlock();
	pthread_mutex_unlock(&peers_lock);
	return won;
}

/* Map @fd as a new peer and publish it, or use the one another thread won with. */
static struct fb_peer *peer_insert(const struct peer_key *k, int fd,
				   size_t size)
{
	struct fb_peer *p = calloc(1, sizeof(*p)), *won;

	if (!p)
		return NULL;
	p->table = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (p->table == MAP_FAILED) {
		free(p);
		return NULL;
	}
	strcpy(p->name, k->name);
	p->instance = k->instance;
	p->table_size = size;
	atomic_store(&p->refs, 1);
	won = peer_publish(p, k);
	if (!won)
		return p;
	munmap(p->table, size);
	free(p);
	return won;
}

static struct fb_peer *peer_get(const struct peer_key *k, int fd, size_t size)
{
	struct fb_peer *p;

	pthread_once(&peers_once, peers_init);
	if (!peers)
		return NULL;
	sb_rcu_reader_enter();
	p = peer_lookup(k);
	if (p)
		return p;
	return peer_insert(k, fd, size);
}

/* -- connect / disconnect ----------------------------------------------- */

static int recv_welcome(int sock, struct fb_welcome *w, int fds[2])
{
	union {
		struct cmsghdr hdr;
		char space[CMSG_SPACE(2 * sizeof(int))];
	} ctl;
	struct iovec iov = { .iov_base = w, .iov_len = sizeof(*w) };
	struct msghdr msg = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = ctl.space, .msg_controllen = sizeof(ctl.space),
	};
	struct cmsghdr *cm;
	ssize_t n;

	fds[0] = fds[1] = -1;
	n = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC);
	if (n < 0)
		return errno == EAGAIN ? -ETIMEDOUT : -errno;
	if (n == 0)
		return -ECONNRESET;
	cm = CMSG_FIRSTHDR(&msg);
	if (cm && cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SCM_RIGHTS &&
	    cm->cmsg_len == CMSG_LEN(2 * sizeof(int)))
		memcpy(fds, CMSG_DATA(cm), 2 * sizeof(int));
	if (n != (ssize_t)sizeof(*w) || w->magic != FB_MAGIC ||
	    w->version != FB_VERSION || (msg.msg_flags & (MSG_TRUNC | MSG_CTRUNC)))
		return -EPROTO;
	if (w->status)
		return w->status < 0 && w->status >= -SB_MAX_ERRNO ? w->status : -EPROTO;
	return fds[1] >= 0 ? 0 : -EPROTO;
}

static bool fd_has_size(int fd, uint64_t size)
{
	struct stat st;

	return fstat(fd, &st) == 0 && (uint64_t)st.st_size == size;
}

/* The server is untrusted: check every size before mapping anything. */
static int welcome_check(const struct fb_welcome *w, const int fds[2])
{
	if (w->nslots < 1 || w->nslots > SB_SLOTS_MAX || !w->buf_size ||
	    w->buf_size > SB_BUF_MAX || w->buf_size % FB_PAGE ||
	    w->region_size != FB_PAGE + (uint64_t)w->buf_size ||
	    w->table_size != fb_table_size(w->nslots) ||
	    w->conn_idx >= SB_CONNS_MAX)
		return -EPROTO;
	if (!fd_has_size(fds[0], w->region_size) ||
	    !fd_has_size(fds[1], w->table_size))
		return -EPROTO;
	return 0;
}

static int conn_map(struct fb_conn *c, const char *name,
		    const struct fb_welcome *w, const int fds[2])
{
	struct peer_key key = { .name = name, .instance = w->instance };

	c->map_size = w->region_size;
	c->page = mmap(NULL, c->map_size, PROT_READ | PROT_WRITE, MAP_SHARED,
		       fds[0], 0);
	if (c->page == MAP_FAILED) {
		c->page = NULL;
		return -errno;
	}
	c->peer = peer_get(&key, fds[1], w->table_size);
	if (!c->peer)
		return -ENOMEM;
	c->table = c->peer->table;
	if (c->page->magic != FB_MAGIC || c->table->magic != FB_MAGIC ||
	    c->table->nslots != w->nslots || c->table->instance != w->instance)
		return -EPROTO;
	c->buf = (char *)c->page + FB_PAGE;
	c->buf_size = w->buf_size;
	c->nslots = w->nslots;
	c->post_word = w->conn_idx + 1;
	c->seq = atomic_load(&c->page->call_seq);
	return 0;
}

static int sock_connect(const char *name)
{
	struct sockaddr_un addr;
	struct timeval tv = { .tv_sec = FB_HANDSHAKE_MS / 1000 };
	unsigned int len;
	int sock, err = fb_socket_addr(name, &addr, &len);

	if (err)
		return err;
	sock = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (sock < 0)
		return -errno;
	setsockopt(sock, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(sock, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	if (connect(sock, (struct sockaddr *)&addr, len) < 0) {
		err = errno == ENOENT ? -ECONNREFUSED : -errno;
		close(sock);
		return err;
	}
	return sock;
}

static void conn_free(struct fb_conn *c)
{
	if (c->peer)
		peer_put(c->peer);
	if (c->page)
		munmap(c->page, c->map_size);
	if (c->sock >= 0)
		close(c->sock);
	free(c);
}

int fb_connect(const char *name, struct sb_conn **out);
int fb_connect(const char *name, struct sb_conn **out)
{
	struct fb_hello hello = { .magic = FB_MAGIC, .version = FB_VERSION };
	struct fb_welcome w;
	struct fb_conn *c = calloc(1, sizeof(*c));
	int fds[2] = { -1, -1 }, err;

	if (!c)
		return -ENOMEM;
	c->sock = sock_connect(name);
	if (c->sock < 0) {
		err = c->sock;
		goto out_free;
	}
	if (send(c->sock, &hello, sizeof(hello), MSG_NOSIGNAL) != sizeof(hello)) {
		err = errno == EAGAIN ? -ETIMEDOUT : -ECONNRESET;
		goto out_free;
	}
	err = recv_welcome(c->sock, &w, fds);
	if (!err)
		err = welcome_check(&w, fds);
	if (!err)
		err = conn_map(c, name, &w, fds);
	if (err)
		goto out_free;
	close(fds[0]);
	close(fds[1]);
	*out = &c->pub;
	return 0;

out_free:
	if (fds[0] >= 0)
		close(fds[0]);
	if (fds[1] >= 0)
		close(fds[1]);
	conn_free(c);
	return err;
}

void fb_disconnect(struct sb_conn *conn);
void fb_disconnect(struct sb_conn *conn)
{
	conn_free(to_fb_conn(conn));
}

void *fb_buffer(struct sb_conn *conn, size_t *size);
void *fb_buffer(struct sb_conn *conn, size_t *size)
{
	struct fb_conn *c = to_fb_conn(conn);

	if (size)
		*size = c->buf_size;
	return c->buf;
}

/* -- the call path ------------------------------------------------------ */

/* Has the server closed its end of our socket (died or unregistered)? */
static bool server_gone(struct fb_conn *c)
{
	struct pollfd pfd = { .fd = c->sock, .events = POLLIN | POLLRDHUP };

	c->pub.stats.syscalls++;
	if (poll(&pfd, 1, 0) <= 0)
		return false;
	c->dead = true;
	return true;
}

static bool slot_try_claim(struct fb_conn *c)
{
	unsigned int s = c->hint;

	for (unsigned int i = 0; i < c->nslots; i++) {
		struct fb_slot *slot = &c->table->slot[s];
		uint32_t free_word = 0;

		if (atomic_compare_exchange_strong(&slot->word, &free_word,
						   c->post_word)) {
			c->hint = s;
			return true;
		}
		if (++s == c->nslots)
			s = 0;
	}
	return false;
}

/* Every slot is taken: sleep on free_seq until one frees or time runs out. */
static int slot_wait_claim(struct fb_conn *c)
{
	struct fb_table *t = c->table;
	uint64_t deadline = sb_now_ms() + c->pub.wait_ms;
	int err = 0;

	atomic_fetch_add(&t->waiters, 1);
	for (;;) {
		uint32_t seq = atomic_load(&t->free_seq);
		uint64_t now;

		if (slot_try_claim(c))
			break;
		now = sb_now_ms();
		if (now >= deadline) {
			err = -ETIMEDOUT;
			break;
		}
		futex_wait(&t->free_seq, seq,
			   deadline - now < FB_LIVENESS_MS ?
			   (unsigned int)(deadline - now) : FB_LIVENESS_MS);
		c->pub.stats.syscalls++;
		if (server_gone(c)) {
			err = -ECONNRESET;
			break;
		}
	}
	atomic_fetch_sub(&t->waiters, 1);
	return err;
}

static int slot_claim(struct fb_conn *c)
{
	int err;

	if (slot_try_claim(c))
		return 0;
	/* Off the fast path now: is "busy" really "gone"? */
	if (server_gone(c))
		return -ECONNRESET;
	if (!c->pub.wait_ms) {
		c->pub.stats.busy++;
		c->page->busy++;
		return -EBUSY;
	}
	err = slot_wait_claim(c);
	if (err == -ETIMEDOUT) {
		c->pub.stats.timeouts++;
		c->page->timeouts++;
	}
	return err;
}

static int done_wait(struct fb_conn *c, uint32_t seq)
{
	struct fb_conn_page *page = c->page;

	for (;;) {
		uint32_t done = atomic_load(&page->done_seq);

		if (done == seq)
			return 0;
		atomic_store(&page->client_sleeping, 1);
		if (atomic_load(&page->done_seq) == done) {
			int err = futex_wait(&page->done_seq, done, FB_LIVENESS_MS);

			c->pub.stats.syscalls++;
			if (err == -ETIMEDOUT && server_gone(c)) {
				atomic_store(&page->client_sleeping, 0);
				return -ECONNRESET;
			}
		}
		atomic_store(&page->client_sleeping, 0);
	}
}

/* The server wrote these: keep whatever it claims within bounds. */
static int result_read(struct fb_conn *c, size_t *reply_len, uint64_t *ret)
{
	struct fb_conn_page *page = c->page;
	int64_t status = page->status;
	uint64_t rlen = page->reply_len;

	if (status > 0 || status < -SB_MAX_ERRNO || rlen > c->buf_size)
		return -EPROTO;
	if (ret)
		*ret = page->ret;
	if (reply_len)
		*reply_len = (size_t)rlen;
	return (int)status;
}

int fb_call(struct sb_conn *conn, const uint64_t args[SB_NARGS], size_t len,
	    size_t *reply_len, uint64_t *ret);
int fb_call(struct sb_conn *conn, const uint64_t args[SB_NARGS], size_t len,
	    size_t *reply_len, uint64_t *ret)
{
	struct fb_conn *c = to_fb_conn(conn);
	struct fb_conn_page *page = c->page;
	struct fb_slot *slot;
	int err;

	if (c->dead)
		return -ECONNRESET;
	for (int i = 0; i < SB_NARGS; i++)
		page->args[i] = args ? args[i] : 0;
	page->len = len;
	atomic_store_explicit(&page->call_seq, ++c->seq, memory_order_release);

	err = slot_claim(c);
	if (err)
		return err;
	slot = &c->table->slot[c->hint];
	if (atomic_load(&slot->sleeping)) {
		futex_wake(&slot->word, 1);
		c->pub.stats.syscalls++;
	}
	err = done_wait(c, c->seq);
	if (err)
		return err;
	err = result_read(c, reply_len, ret);
	c->pub.stats.calls++;
	if (err)
		c->pub.stats.errors++;
	return err;
}
