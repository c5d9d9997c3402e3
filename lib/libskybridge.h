/* SPDX-License-Identifier: MIT */
/*
 * libskybridge.h - libskybridge, the SkyBridge user API.
 *
 * A *server* registers a handler under a name with a number of concurrency
 * slots; a *client* connects to it by name and calls the handler with up to
 * four 64-bit arguments and, optionally, a payload in a buffer shared by the
 * connection.  Every call returns a status (0 or a negative errno value) and,
 * separately, a 64-bit value.
 *
 * Two transports sit behind these functions (see sb_transport_name()):
 *
 *  - "vmfunc": the SkyBridge fast path.  The client thread switches into the
 *    server's address space with VMFUNC and runs the handler itself, on a
 *    slot's stack and thread-local storage.  Needs /dev/skybridge with the
 *    RootKernel loaded (SB_IOC_INFO says so).  One server per process.  A
 *    handler's system call or page fault hands the call to the slot's own
 *    thread, which finishes it natively (slower, same result).
 *  - "fallback-futex": shared memory between the processes plus futex
 *    wake-ups.  The handler runs on one of the server's slot threads.  Used
 *    whenever /dev/skybridge is missing or refuses (ENOENT, ENOTTY).
 *
 * docs/libskybridge.md lists where the two differ.  All functions are
 * thread-safe; a connection carries at most one call at a time (a second,
 * concurrent call on the same connection fails with -EALREADY), so give each
 * calling thread its own connection.
 *
 * Handlers must not use liburcu's membarrier flavour (urcu-memb, the default
 * "urcu.h" of liburcu >= 0.13): in the fast path a handler runs on a client's
 * CPU, which the server's membarrier() never interrupts.
 */
#ifndef LIBSKYBRIDGE_H
#define LIBSKYBRIDGE_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Longest server name, in bytes, without the terminating NUL. */
#define SB_NAME_MAX		63
/* Number of word arguments of a call. */
#define SB_NARGS		4
/* Most concurrency slots a server may declare. */
#define SB_SLOTS_MAX		64
/* Per-connection shared buffer: default and largest size, in bytes. */
#define SB_BUF_DEFAULT		(64 * 1024)
#define SB_BUF_MAX		(16 * 1024 * 1024)
/* Default and largest number of simultaneous connections to one server. */
#define SB_CONNS_DEFAULT	256
#define SB_CONNS_MAX		4096
/* Longest a client may ask to wait for a free slot, in milliseconds. */
#define SB_WAIT_MAX_MS		60000

struct sb_server;
struct sb_conn;

/**
 * struct sb_call - one call, as the handler sees it
 * @args:     the client's word arguments
 * @buf:      the connection's shared buffer (same bytes the client sees
 *            through sb_conn_buffer())
 * @buf_size: size of @buf in bytes
 * @len:      on entry, the payload length the client passed (0 for sb_call());
 *            the handler may set it to the reply length it left in @buf
 *            (at most @buf_size)
 * @conn_id:  identifies the calling connection, unique within the server
 * @slot:     the slot running this call, 0 .. nslots - 1
 * @priv:     the @priv pointer given to sb_server_register()
 */
struct sb_call {
	uint64_t args[SB_NARGS];
	void *buf;
	size_t buf_size;
	size_t len;
	uint64_t conn_id;
	unsigned int slot;
	void *priv;
};

/**
 * typedef sb_handler_t - a server's call handler
 * @call: the call; see struct sb_call
 * @ret:  where to store the call's value (initialised to 0)
 *
 * Return: the call's status, 0 or a negative errno value, passed unchanged to
 * the client.  Anything outside [-4095, 0] reaches the client as -EPROTO.  The
 * library's own failures (see sb_strerror()) use -ECONNRESET, -EBUSY,
 * -ETIMEDOUT, -EALREADY, -ESTALE, -ENOTCONN, -EMSGSIZE, -EINVAL and, on the
 * fast path, -ECONNABORTED and -EOPNOTSUPP; a handler that needs its errors
 * told apart from those should avoid them.
 *
 * On the fast path ("vmfunc") the handler runs on the caller's thread and
 * CPU with the slot's stack (64 KiB) and TLS until it makes a system call
 * or faults; from there on the slot's own thread finishes it (handoff).  It
 * may call other servers with sb_call() and sb_call_buf() on connections
 * its process made beforehand (a chain, on the same thread); a system call
 * or fault in such a chained call's handler is not handed off: the call
 * fails with -ECONNABORTED.
 */
typedef int (*sb_handler_t)(struct sb_call *call, uint64_t *ret);

/**
 * struct sb_server_attr - optional server settings (all-zero: defaults)
 * @buf_size:  bytes of shared buffer per connection (0: SB_BUF_DEFAULT;
 *             rounded up to a page; at most SB_BUF_MAX)
 * @max_conns: simultaneous connections (0: SB_CONNS_DEFAULT; at most
 *             SB_CONNS_MAX); further connects fail with -EUSERS
 * @flags:     must be 0
 * @reserved:  must be 0
 */
struct sb_server_attr {
	uint32_t buf_size;
	uint32_t max_conns;
	uint32_t flags;
	uint32_t reserved;
};

/**
 * struct sb_stats - call counters
 * @calls:    calls completed (handler ran and returned)
 * @errors:   of those, calls whose status was not 0
 * @busy:     calls refused with -EBUSY because every slot was taken
 * @timeouts: calls that gave up waiting for a slot (-ETIMEDOUT)
 * @syscalls: system calls the transport made to carry calls (futex waits and
 *            wakes in the fallback); 0 on the fast path
 * @conns:    live connections (server side), 1 or 0 (client side)
 *
 * On the server side, in the fallback transport @busy and @timeouts are
 * reported by the clients themselves through the shared connection page:
 * informational, not authoritative.  On the VMFUNC fast path @busy and
 * @conns come from the kernel (SB_IOC_STATS: the trampoline counts refusals
 * in the server's memory) and @timeouts is 0.
 */
struct sb_stats {
	uint64_t calls;
	uint64_t errors;
	uint64_t busy;
	uint64_t timeouts;
	uint64_t syscalls;
	uint64_t conns;
};

/**
 * sb_server_register() - publish a handler under a name
 * @name:    1 to SB_NAME_MAX bytes, letters, digits and "._-+:@" only
 * @handler: called once per call, concurrently on up to @nslots slots
 * @priv:    passed to the handler in &struct sb_call.priv
 * @nslots:  concurrency slots, 1 .. SB_SLOTS_MAX; at most this many calls run
 *           at once, further calls fail with -EBUSY (or wait, see
 *           sb_conn_set_wait())
 * @attr:    optional settings, or NULL
 * @out:     receives the server
 *
 * Return: 0, or -EINVAL (bad argument), -ENAMETOOLONG, -EEXIST (the name is
 * taken, in this or another process), -ENOMEM, or another negative errno.
 * On the fast path also -EBUSY (this process already has a fast-path server:
 * the kernel allows one per process), -EINVAL for names with '+', ':' or '@'
 * and for buffers above 1 MiB - 4 KiB, -EADDRINUSE (the trampoline's fixed
 * address range is taken).
 */
int sb_server_register(const char *name, sb_handler_t handler, void *priv,
		       unsigned int nslots, const struct sb_server_attr *attr,
		       struct sb_server **out);

/**
 * sb_server_unregister() - withdraw a server and free it
 * @srv: from sb_server_register()
 *
 * Stops accepting connections, lets running handlers finish, then closes
 * every connection: its clients' further calls fail with -ECONNRESET.  The
 * name is free again on return.  Must not be called from a handler.
 *
 * Return: 0, -EINVAL for NULL, -EDEADLK from one of @srv's handlers, or
 * -ESTALE in a child process that inherited @srv over fork() (the memory
 * is freed there, the parent's server is unaffected).
 */
int sb_server_unregister(struct sb_server *srv);

/**
 * sb_server_stats() - sum the counters of a server's connections
 * @srv: the server
 * @st:  receives the counters, including those of connections since closed
 *
 * Return: 0 or -EINVAL.
 */
int sb_server_stats(struct sb_server *srv, struct sb_stats *st);

/**
 * sb_connect() - connect to a server by name
 * @name: the server's name
 * @out:  receives the connection
 *
 * Return: 0, or -EINVAL, -ENAMETOOLONG, -ECONNREFUSED (no server has that
 * name), -EUSERS (the server has no room for another connection),
 * -ETIMEDOUT (the server did not answer within 2 s), -EPROTO (it answered
 * nonsense), or another negative errno.  On the fast path also
 * -EOPNOTSUPP (glibc registers no rseq area in this process), -EACCES (the
 * server's access policy refuses this user).
 */
int sb_connect(const char *name, struct sb_conn **out);

/**
 * sb_disconnect() - close a connection and free it
 * @conn: from sb_connect(); NULL is ignored
 *
 * Must not race with a call on @conn.  In a child that inherited @conn over
 * fork(), only the child's copy is freed; the parent keeps its connection.
 *
 * Return: 0.
 */
int sb_disconnect(struct sb_conn *conn);

/**
 * sb_call() - call the server with word arguments only
 * @conn: the connection
 * @args: SB_NARGS arguments (NULL: all zero)
 * @ret:  receives the handler's value (NULL: discarded); untouched unless
 *        the status is 0 or came from the handler
 *
 * Return: the handler's status, or a library failure: -EINVAL (NULL @conn),
 * -EBUSY (every slot busy and the connection does not wait), -ETIMEDOUT (no
 * slot freed within the wait), -ECONNRESET (the server died or unregistered),
 * -EALREADY (another call on @conn is in flight), -ESTALE (@conn was inherited
 * over fork()); on the fast path also -ECONNABORTED (the handler could not be
 * resumed after an interrupt or handed off: the call was aborted, the
 * connection stays usable) and -EOPNOTSUPP (this thread has no usable rseq
 * area).  From inside a handler (a chain) the same, except that -EBUSY comes
 * at once whatever sb_conn_set_wait() says: a handler cannot wait.
 */
int sb_call(struct sb_conn *conn, const uint64_t args[SB_NARGS], uint64_t *ret);

/**
 * sb_call_buf() - call the server with a payload in the shared buffer
 * @conn:      the connection
 * @args:      SB_NARGS arguments (NULL: all zero)
 * @len:       bytes of payload the caller put at the start of the buffer
 * @reply_len: receives the reply length the handler set (NULL: discarded)
 * @ret:       receives the handler's value (NULL: discarded)
 *
 * Return: as sb_call(), and -EMSGSIZE if @len exceeds the buffer.
 */
int sb_call_buf(struct sb_conn *conn, const uint64_t args[SB_NARGS], size_t len,
		size_t *reply_len, uint64_t *ret);

/**
 * sb_conn_buffer() - the connection's shared buffer
 * @conn: the connection
 * @size: receives the buffer size in bytes (may be NULL)
 *
 * The handler sees the same bytes in &struct sb_call.buf.  Do not touch the
 * buffer while a call on @conn is in flight.
 *
 * Return: the buffer's address, or NULL for a NULL @conn.
 */
void *sb_conn_buffer(struct sb_conn *conn, size_t *size);

/**
 * sb_conn_set_wait() - choose between failing fast and waiting for a slot
 * @conn:       the connection
 * @timeout_ms: 0 (the default): a call finding every slot busy fails with
 *              -EBUSY at once; 1 .. SB_WAIT_MAX_MS: it waits up to that long
 *              for a slot, then fails with -ETIMEDOUT
 *
 * Return: 0 or -EINVAL.
 */
int sb_conn_set_wait(struct sb_conn *conn, unsigned int timeout_ms);

/**
 * sb_conn_stats() - a connection's counters, as its client counted them
 * @conn: the connection
 * @st:   receives the counters
 *
 * Return: 0 or -EINVAL.
 */
int sb_conn_stats(struct sb_conn *conn, struct sb_stats *st);

/**
 * sb_conn_transport_name() - the transport carrying a connection
 * @conn: the connection
 *
 * Return: "vmfunc" or "fallback-futex"; "none" for a NULL @conn.
 */
const char *sb_conn_transport_name(struct sb_conn *conn);

/**
 * sb_transport_name() - the transport this process uses for new servers and
 * connections
 *
 * Chosen once per process: "vmfunc" when /dev/skybridge offers the fast
 * path, otherwise "fallback-futex".  The environment variable
 * SKYBRIDGE_TRANSPORT=fallback forces the fallback.
 *
 * Return: a static string.
 */
const char *sb_transport_name(void);

/**
 * sb_strerror() - describe a status returned by this library
 * @err: a status, negative (as returned) or positive
 *
 * Return: a static string; skybridge-specific meanings ("server dead", "all
 * slots busy", ...) where the library gives an errno one, else strerror()'s
 * text, or "success" for 0.
 */
const char *sb_strerror(int err);

#ifdef __cplusplus
}
#endif

#endif /* LIBSKYBRIDGE_H */
