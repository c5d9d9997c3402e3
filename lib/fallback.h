/* SPDX-License-Identifier: MIT */
/*
 * fallback.h - the fallback transport's shared-memory layout and wire format.
 *
 * Rendezvous: a server listens on the abstract UNIX seqpacket socket
 * "\0skybridge/<name>".  A client connects and sends a struct fb_hello; the
 * server answers with a struct fb_welcome and, over SCM_RIGHTS, two sealed
 * memfds:
 *
 *  - the server's *slot table* (one per server, mapped by all its clients):
 *    one cache line per slot.  A slot word is 0 when free; a client claims a
 *    slot and posts its call in one compare-and-swap of 0 -> its connection
 *    index + 1, and the slot's server thread futex-waits on that word.
 *  - the connection's *region* (one per connection): a header page (call and
 *    done sequence words, arguments, results) followed by the shared buffer.
 *    The client futex-waits on done_seq.
 *
 * The socket stays open for the connection's life: its hang-up is how each
 * side learns that the other died.  Both memfds are sealed against resizing
 * so neither side can SIGBUS the other by truncating.
 */
#ifndef SB_FALLBACK_H
#define SB_FALLBACK_H

#include <assert.h>
#include <stdatomic.h>
#include <stdint.h>

#define FB_MAGIC	0x53427962u	/* "SByb" */
#define FB_VERSION	1u
#define FB_PAGE		4096u
#define FB_CACHELINE	64u

/* Socket name: "\0" "skybridge/" name. */
#define FB_SOCK_PREFIX	"skybridge/"

/* How long either side waits for the other during the handshake. */
#define FB_HANDSHAKE_MS	2000
/* A waiting client checks the server is alive this often. */
#define FB_LIVENESS_MS	20

struct fb_hello {
	uint32_t magic;
	uint32_t version;
	uint32_t flags;		/* must be 0 */
	uint32_t reserved;	/* must be 0 */
};

struct fb_welcome {
	uint32_t magic;
	uint32_t version;
	int32_t status;		/* 0, or why the connection was refused */
	uint32_t conn_idx;	/* the client posts conn_idx + 1 into a slot */
	uint64_t conn_id;
	uint64_t instance;	/* random per server registration */
	uint32_t nslots;
	uint32_t buf_size;
	uint64_t region_size;
	uint64_t table_size;
};

struct fb_slot {
	atomic_uint word;	/* 0 free, else posting connection index + 1 */
	atomic_uint sleeping;	/* the slot thread is (about to be) in futex_wait */
	uint32_t pad[14];
};
static_assert(sizeof(struct fb_slot) == FB_CACHELINE, "one slot per line");

struct fb_table {
	uint32_t magic;
	uint32_t version;
	uint32_t nslots;
	uint32_t pad0;
	uint64_t instance;
	atomic_uint free_seq;	/* bumped when a slot frees; waiters sleep on it */
	atomic_uint waiters;	/* clients sleeping on free_seq */
	uint32_t pad1[8];
	struct fb_slot slot[];
};
static_assert(sizeof(struct fb_table) == FB_CACHELINE, "header is one line");

/*
 * Header page of a connection region.  The client writes args/len and
 * call_seq; the server writes ret/status/reply_len and then done_seq.
 * busy/timeouts are the client's own counts, shown to the server's stats.
 */
struct fb_conn_page {
	uint32_t magic;
	uint32_t version;
	atomic_uint call_seq;
	atomic_uint done_seq;
	atomic_uint client_sleeping;
	uint32_t pad0;
	uint64_t args[4];
	uint64_t len;
	uint64_t ret;
	int64_t status;
	uint64_t reply_len;
	uint64_t busy;
	uint64_t timeouts;
};
static_assert(sizeof(struct fb_conn_page) <= FB_PAGE, "header fits a page");

static inline uint64_t fb_table_size(unsigned int nslots)
{
	uint64_t size = sizeof(struct fb_table) + nslots * sizeof(struct fb_slot);

	return (size + FB_PAGE - 1) & ~(uint64_t)(FB_PAGE - 1);
}

/* fb_common.c */
int fb_socket_addr(const char *name, void *sun, unsigned int *len);
int fb_memfd(const char *what, uint64_t size);

#endif /* SB_FALLBACK_H */
