/* SPDX-License-Identifier: MIT */
/*
 * sb_internal.h - libskybridge internals: the transport interface and the
 * objects the public functions hand out.
 *
 * The public functions validate arguments once and then jump through the
 * object's ops pointer; a transport never looks anything up per call.  A
 * VMFUNC transport slots in by providing another struct sb_transport_ops and
 * being chosen by sb_transport_select().
 */
#ifndef SB_INTERNAL_H
#define SB_INTERNAL_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
/*
 * liburcu's memory-barrier flavour, under the generic rcu_* names (why not
 * the default membarrier flavour: registry.c).
 */
#define RCU_MB
#include <urcu.h>
#include <urcu/rculfhash.h>

#include "libskybridge.h"

#define SB_EXPORT __attribute__((visibility("default")))

struct sb_transport_ops;

/*
 * struct sb_server - what sb_server_register() returns.  Transport-specific
 * state follows in the transport's own structure (container_of).
 */
struct sb_server {
	const struct sb_transport_ops *ops;
	char name[SB_NAME_MAX + 1];
	sb_handler_t handler;
	void *priv;
	unsigned int nslots;
	uint32_t buf_size;
	uint32_t max_conns;
	uint32_t fork_gen;		/* sb_fork_gen at registration */
	struct cds_lfht_node reg_node;	/* in the process's server table */
	struct rcu_head rcu;
};

/*
 * struct sb_conn - what sb_connect() returns.  @in_call makes concurrent
 * calls on one connection fail instead of corrupting each other.
 */
struct sb_conn {
	const struct sb_transport_ops *ops;
	atomic_uint in_call;
	uint32_t fork_gen;		/* sb_fork_gen at connect */
	unsigned int wait_ms;
	struct sb_stats stats;		/* client-side counters */
};

/**
 * struct sb_transport_ops - one way of carrying calls
 * @name:       reported by sb_transport_name()
 * @server_size: bytes to allocate for a server (embeds struct sb_server
 *              first)
 * @probe:      0 if usable in this process, else a negative errno
 * @register_server:   set up @srv (common fields already filled); 0 or -errno
 * @unregister_server: tear down and free @srv; 0, or -EDEADLK from a handler
 * @server_stats:      fill @st for @srv
 * @connect:    connect to @name; on success *@out is a new connection
 * @disconnect: close and free @conn
 * @call:       one call; @len is already checked against the buffer size
 * @buffer:     the connection's shared buffer and its size
 * @forget_server, @forget_conn: free an object inherited over fork() without
 *              touching anything the parent still uses
 *
 * @call is the fast path: no locks, no lookups; everything it needs hangs
 * off the connection.
 */
struct sb_transport_ops {
	const char *name;
	size_t server_size;
	int (*probe)(void);
	int (*register_server)(struct sb_server *srv);
	int (*unregister_server)(struct sb_server *srv);
	void (*server_stats)(struct sb_server *srv, struct sb_stats *st);
	int (*connect)(const char *name, struct sb_conn **out);
	void (*disconnect)(struct sb_conn *conn);
	int (*call)(struct sb_conn *conn, const uint64_t args[SB_NARGS],
		    size_t len, size_t *reply_len, uint64_t *ret);
	void *(*buffer)(struct sb_conn *conn, size_t *size);
	void (*forget_server)(struct sb_server *srv);
	void (*forget_conn)(struct sb_conn *conn);
};

extern const struct sb_transport_ops sb_fallback_ops;
/* vmfunc.c: the fast path (direct calls); NULL on a non-x86-64 build. */
extern const struct sb_transport_ops *const sb_vmfunc_ops;

/* Bumped in every child after fork(): objects from before are the parent's. */
extern atomic_uint sb_fork_gen;

const struct sb_transport_ops *sb_transport_select(void);

/* registry.c: the process's table of servers by name (RCU, urcu-mb). */
void sb_rcu_reader_enter(void);
int sb_registry_add_server(struct sb_server *srv);
void sb_registry_del_server(struct sb_server *srv);
void sb_registry_synchronize(void);
unsigned long sb_name_hash(const char *name);

/* Largest status a handler may return unchanged (Linux's MAX_ERRNO). */
#define SB_MAX_ERRNO 4095

#endif /* SB_INTERNAL_H */
