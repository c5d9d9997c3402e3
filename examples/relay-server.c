// SPDX-License-Identifier: MIT
/*
 * relay-server - a server whose handler calls another server: a chain.
 *
 *   sb-relay-server NAME TARGET   serve NAME until SIGINT/SIGTERM; each call
 *                                 goes on to server TARGET
 *
 * The payload and the word arguments go to TARGET unchanged, TARGET's
 * reply comes back, and the value gets 1000000 added, so that a client can
 * tell the relay was on the way.  On the fast path the whole chain runs on
 * the client's thread: client -> relay -> TARGET -> relay -> client, with
 * no system call (docs/design.md, section 6, "Chains").  TARGET is
 * connected once, before serving: a handler must not block.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include <libskybridge.h>

#define RELAY_MARK	1000000

static int relay(struct sb_call *call, uint64_t *ret)
{
	struct sb_conn *target = call->priv;
	size_t size, reply_len = 0;
	char *buf = sb_conn_buffer(target, &size);
	int err;

	if (call->len > size)
		return -EMSGSIZE;
	memcpy(buf, call->buf, call->len);
	err = sb_call_buf(target, call->args, call->len, &reply_len, ret);
	if (err)
		return err;
	if (reply_len > call->buf_size)
		reply_len = call->buf_size;
	memcpy(call->buf, buf, reply_len);
	call->len = reply_len;
	*ret += RELAY_MARK;
	return 0;
}

int main(int argc, char **argv)
{
	struct sb_server *srv;
	struct sb_conn *target;
	sigset_t stop;
	int err, sig;

	if (argc != 3) {
		fprintf(stderr, "Usage: sb-relay-server NAME TARGET\n");
		return 2;
	}
	/* Block the stop signals first: the library's threads inherit the mask. */
	sigemptyset(&stop);
	sigaddset(&stop, SIGINT);
	sigaddset(&stop, SIGTERM);
	sigprocmask(SIG_BLOCK, &stop, NULL);

	err = sb_connect(argv[2], &target);
	if (err) {
		fprintf(stderr, "sb-relay-server: %s: %s\n", argv[2], sb_strerror(err));
		return 1;
	}
	/* One slot: the connection to TARGET carries one call at a time. */
	err = sb_server_register(argv[1], relay, target, 1, NULL, &srv);
	if (err) {
		fprintf(stderr, "sb-relay-server: %s: %s\n", argv[1], sb_strerror(err));
		sb_disconnect(target);
		return 1;
	}
	printf("serving \"%s\" over %s, relaying to \"%s\" over %s\n", argv[1],
	       sb_transport_name(), argv[2], sb_conn_transport_name(target));
	fflush(stdout);
	sigwait(&stop, &sig);
	sb_server_unregister(srv);
	sb_disconnect(target);
	return 0;
}
