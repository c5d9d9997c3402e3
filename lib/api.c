// SPDX-License-Identifier: MIT
/*
 * api.c - the public functions: argument checks, transport choice, errors.
 *
 * Each function checks its arguments once and hands over to the transport
 * through the object's ops pointer.  sb_call() adds one load (the fork
 * generation) and one compare-and-swap (one call per connection at a time)
 * to the transport's own path.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "sb_internal.h"
#include "uapi/skybridge.h"

atomic_uint sb_fork_gen;

static const struct sb_transport_ops *transport;
static pthread_once_t transport_once = PTHREAD_ONCE_INIT;

static void fork_child(void)
{
	atomic_fetch_add(&sb_fork_gen, 1);
}

/*
 * Does /dev/skybridge offer the fast path?  SB_IOC_INFO, and only a module
 * of our ABI version, at our trampoline address, that says direct calls
 * work.  ENOENT (no module) or any other failure means no.
 */
static bool device_offers_vmfunc(void)
{
	struct sb_info info = { .size = sizeof(info) };
	int fd = open(SKYBRIDGE_DEVICE_PATH, O_RDWR | O_CLOEXEC);
	bool ok;

	if (fd < 0)
		return false;
	ok = ioctl(fd, SB_IOC_INFO, &info) == 0 &&
	     info.api_version == SB_API_VERSION &&
	     info.tramp_base == SB_TRAMP_BASE && (info.flags & SB_INFO_VMFUNC);
	close(fd);
	return ok;
}

static void transport_init(void)
{
	const char *force = getenv("SKYBRIDGE_TRANSPORT");

	pthread_atfork(NULL, NULL, fork_child);
	transport = &sb_fallback_ops;
	if (force && strcmp(force, "fallback") == 0)
		return;
	if (sb_vmfunc_ops && device_offers_vmfunc() && sb_vmfunc_ops->probe() == 0)
		transport = sb_vmfunc_ops;
}

const struct sb_transport_ops *sb_transport_select(void)
{
	pthread_once(&transport_once, transport_init);
	return transport;
}

SB_EXPORT const char *sb_transport_name(void)
{
	return sb_transport_select()->name;
}

/* -- servers ------------------------------------------------------------ */

static int name_check(const char *name)
{
	size_t n;

	if (!name || !*name)
		return -EINVAL;
	n = strnlen(name, SB_NAME_MAX + 1);
	if (n > SB_NAME_MAX)
		return -ENAMETOOLONG;
	for (size_t i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)name[i];

		if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		      (ch >= '0' && ch <= '9') || strchr("._-+:@", ch)))
			return -EINVAL;
	}
	return 0;
}

static int attr_apply(struct sb_server *srv, const struct sb_server_attr *attr)
{
	struct sb_server_attr none = { 0 };
	uint64_t buf;

	if (!attr)
		attr = &none;
	if (attr->flags || attr->reserved || attr->buf_size > SB_BUF_MAX ||
	    attr->max_conns > SB_CONNS_MAX)
		return -EINVAL;
	buf = attr->buf_size ? attr->buf_size : SB_BUF_DEFAULT;
	srv->buf_size = (uint32_t)((buf + 4095) & ~4095ULL);
	srv->max_conns = attr->max_conns ? attr->max_conns : SB_CONNS_DEFAULT;
	return 0;
}

SB_EXPORT int sb_server_register(const char *name, sb_handler_t handler,
				 void *priv, unsigned int nslots,
				 const struct sb_server_attr *attr,
				 struct sb_server **out)
{
	const struct sb_transport_ops *ops = sb_transport_select();
	struct sb_server *srv;
	int err = name_check(name);

	if (err)
		return err;
	if (!handler || !out || nslots < 1 || nslots > SB_SLOTS_MAX)
		return -EINVAL;
	srv = calloc(1, ops->server_size);
	if (!srv)
		return -ENOMEM;
	srv->ops = ops;
	strcpy(srv->name, name);
	srv->handler = handler;
	srv->priv = priv;
	srv->nslots = nslots;
	srv->fork_gen = atomic_load(&sb_fork_gen);
	err = attr_apply(srv, attr);
	if (!err)
		err = sb_registry_add_server(srv);
	if (err)
		goto out_free;
	err = ops->register_server(srv);
	if (err)
		goto out_unlist;
	*out = srv;
	return 0;

out_unlist:
	sb_registry_del_server(srv);
	sb_registry_synchronize();
out_free:
	free(srv);
	return err;
}

SB_EXPORT int sb_server_unregister(struct sb_server *srv)
{
	int err;

	if (!srv)
		return -EINVAL;
	if (srv->fork_gen != atomic_load(&sb_fork_gen)) {
		srv->ops->forget_server(srv);
		free(srv);
		return -ESTALE;
	}
	err = srv->ops->unregister_server(srv);
	if (err)
		return err;
	sb_registry_del_server(srv);
	sb_registry_synchronize();
	free(srv);
	return 0;
}

SB_EXPORT int sb_server_stats(struct sb_server *srv, struct sb_stats *st)
{
	if (!srv || !st)
		return -EINVAL;
	memset(st, 0, sizeof(*st));
	srv->ops->server_stats(srv, st);
	return 0;
}

/* -- connections -------------------------------------------------------- */

SB_EXPORT int sb_connect(const char *name, struct sb_conn **out)
{
	const struct sb_transport_ops *ops = sb_transport_select();
	struct sb_conn *c;
	int err = name_check(name);

	if (err)
		return err;
	if (!out)
		return -EINVAL;
	err = ops->connect(name, &c);
	if (err)
		return err;
	c->ops = ops;
	c->fork_gen = atomic_load(&sb_fork_gen);
	*out = c;
	return 0;
}

SB_EXPORT int sb_disconnect(struct sb_conn *c)
{
	if (!c)
		return 0;
	if (c->fork_gen != atomic_load(&sb_fork_gen))
		c->ops->forget_conn(c);
	else
		c->ops->disconnect(c);
	return 0;
}

SB_EXPORT int sb_call_buf(struct sb_conn *c, const uint64_t args[SB_NARGS],
			  size_t len, size_t *reply_len, uint64_t *ret)
{
	size_t size;
	int err;

	if (!c)
		return -EINVAL;
	if (c->fork_gen != atomic_load_explicit(&sb_fork_gen, memory_order_relaxed))
		return -ESTALE;
	if (len) {
		c->ops->buffer(c, &size);
		if (len > size)
			return -EMSGSIZE;
	}
	if (atomic_exchange_explicit(&c->in_call, 1, memory_order_acquire))
		return -EALREADY;
	err = c->ops->call(c, args, len, reply_len, ret);
	atomic_store_explicit(&c->in_call, 0, memory_order_release);
	return err;
}

SB_EXPORT int sb_call(struct sb_conn *c, const uint64_t args[SB_NARGS],
		      uint64_t *ret)
{
	return sb_call_buf(c, args, 0, NULL, ret);
}

SB_EXPORT void *sb_conn_buffer(struct sb_conn *c, size_t *size)
{
	if (!c) {
		if (size)
			*size = 0;
		return NULL;
	}
	return c->ops->buffer(c, size);
}

SB_EXPORT int sb_conn_set_wait(struct sb_conn *c, unsigned int timeout_ms)
{
	if (!c || timeout_ms > SB_WAIT_MAX_MS)
		return -EINVAL;
	c->wait_ms = timeout_ms;
	return 0;
}

SB_EXPORT int sb_conn_stats(struct sb_conn *c, struct sb_stats *st)
{
	if (!c || !st)
		return -EINVAL;
	*st = c->stats;
	st->conns = 1;
	return 0;
}

SB_EXPORT const char *sb_conn_transport_name(struct sb_conn *c)
{
	return c ? c->ops->name : "none";
}

/* -- errors ------------------------------------------------------------- */

/* What each status means when this library returns it. */
static const char *const sb_errors[] = {
	[EINVAL]	= "invalid argument (NULL object, bad name, slot count or flags)",
	[ENAMETOOLONG]	= "server name longer than SB_NAME_MAX bytes",
	[EEXIST]	= "a server with this name is already registered",
	[ECONNREFUSED]	= "no server registered under this name",
	[ECONNRESET]	= "server dead: it exited, crashed or unregistered",
	[EBUSY]		= "all slots busy: the server runs as many calls as it declared slots "
			  "(or, registering: this process already has a fast-path server)",
	[ETIMEDOUT]	= "timed out waiting for a free slot (or for the server to answer)",
	[EALREADY]	= "another call on this connection is in flight (use one connection per thread)",
	[ESTALE]	= "object inherited across fork(): reconnect (or re-register) in the child",
	[EUSERS]	= "the server has no room for another connection",
	[EMSGSIZE]	= "payload larger than the connection's shared buffer",
	[EPROTO]	= "protocol error: the peer sent something malformed, or a handler returned a positive value",
	[EDEADLK]	= "a server cannot be unregistered from one of its own handlers",
	[ENOTTY]	= "/dev/skybridge refused the request (no fast path)",
	[ECONNABORTED]	= "call aborted in the server: its handler could not be resumed "
			  "or handed off (fast path)",
	[EOPNOTSUPP]	= "the fast path needs rseq: glibc registers none in this process "
			  "(GLIBC_TUNABLES=glibc.pthread.rseq=0?)",
	[EADDRINUSE]	= "the trampoline's fixed address range is taken "
			  "(two copies of libskybridge in one process?)",
	[ENOMEM]	= "out of memory",
};

SB_EXPORT const char *sb_strerror(int err)
{
	const char *msg;

	if (err == 0)
		return "success";
	if (err == INT_MIN)
		return "unknown error";
	if (err < 0)
		err = -err;
	if ((size_t)err < sizeof(sb_errors) / sizeof(sb_errors[0]) && sb_errors[err])
		return sb_errors[err];
	msg = strerrordesc_np(err);
	return msg ? msg : "unknown error";
}
