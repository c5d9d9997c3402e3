// SPDX-License-Identifier: MIT
/*
 * echo-client - call an echo server.
 *
 *   sb-echo-client [-n NAME] [MESSAGE]
 *
 * Sends MESSAGE (default "hello") as the payload and prints what comes back.
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <libskybridge.h>

int main(int argc, char **argv)
{
	const char *name = "echo", *msg = "hello";
	uint64_t args[SB_NARGS] = { 1000 }, ret;
	struct sb_conn *c;
	size_t size, len, reply_len;
	char *buf;
	int opt, err;

	while ((opt = getopt(argc, argv, "n:h")) != -1) {
		if (opt != 'n') {
			fprintf(stderr, "Usage: sb-echo-client [-n NAME] [MESSAGE]\n");
			return opt == 'h' ? 0 : 2;
		}
		name = optarg;
	}
	if (optind < argc)
		msg = argv[optind];

	err = sb_connect(name, &c);
	if (err) {
		fprintf(stderr, "sb-echo-client: %s: %s\n", name, sb_strerror(err));
		return 1;
	}
	buf = sb_conn_buffer(c, &size);
	len = strlen(msg);
	if (len > size)
		len = size;
	memcpy(buf, msg, len);
	err = sb_call_buf(c, args, len, &reply_len, &ret);
	if (err) {
		fprintf(stderr, "sb-echo-client: call: %s\n", sb_strerror(err));
		sb_disconnect(c);
		return 1;
	}
	printf("%.*s (value %llu, via %s)\n", (int)reply_len, buf,
	       (unsigned long long)ret, sb_conn_transport_name(c));
	sb_disconnect(c);
	return 0;
}
