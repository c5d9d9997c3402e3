// SPDX-License-Identifier: MIT
/*
 * echo-server - the smallest skybridge server.
 *
 *   sb-echo-server [NAME]       serve NAME (default "echo") until SIGINT/SIGTERM
 *
 * A call's value is its first argument plus its payload length; the payload
 * stays in the shared buffer, so the client reads back what it sent.
 */
#include <signal.h>
#include <stdio.h>

#include <libskybridge.h>

static int echo(struct sb_call *call, uint64_t *ret)
{
	*ret = call->args[0] + call->len;
	return 0;	/* call->len unchanged: the reply is the request */
}

int main(int argc, char **argv)
{
	const char *name = argc > 1 ? argv[1] : "echo";
	struct sb_server *srv;
	sigset_t stop;
	int err, sig;

	/* Block the stop signals first: the library's threads inherit the mask. */
	sigemptyset(&stop);
	sigaddset(&stop, SIGINT);
	sigaddset(&stop, SIGTERM);
	sigprocmask(SIG_BLOCK, &stop, NULL);

	err = sb_server_register(name, echo, NULL, 4, NULL, &srv);
	if (err) {
		fprintf(stderr, "sb-echo-server: %s: %s\n", name, sb_strerror(err));
		return 1;
	}
	printf("serving \"%s\" over %s, 4 slots; Ctrl-C stops\n", name,
	       sb_transport_name());
	fflush(stdout);
	sigwait(&stop, &sig);
	sb_server_unregister(srv);
	return 0;
}
