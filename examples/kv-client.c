// SPDX-License-Identifier: MIT
/*
 * kv-client - talk to sb-kv-server.
 *
 *   sb-kv-client [-n NAME] put KEY VALUE
 *   sb-kv-client [-n NAME] get KEY
 *   sb-kv-client [-n NAME] del KEY
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <libskybridge.h>

#include "kv.h"

static int usage(int status)
{
	fprintf(status ? stderr : stdout,
		"Usage: sb-kv-client [-n NAME] put KEY VALUE | get KEY | del KEY\n");
	return status;
}

/* Fill the shared buffer and make the call; 0 or a negative errno. */
static int kv_call(struct sb_conn *c, int op, const char *key, const char *value,
		   size_t *reply_len, uint64_t *count)
{
	size_t size, klen = strlen(key), vlen = value ? strlen(value) : 0;
	char *buf = sb_conn_buffer(c, &size);
	uint64_t args[SB_NARGS] = { (uint64_t)op, klen };
	size_t len = klen;

	if (klen > KV_KEY_MAX || klen + 1 + vlen > size)
		return -EMSGSIZE;
	memcpy(buf, key, klen);
	if (op == KV_PUT) {
		buf[klen] = '\0';
		memcpy(buf + klen + 1, value, vlen);
		len = klen + 1 + vlen;
	}
	return sb_call_buf(c, args, len, reply_len, count);
}

int main(int argc, char **argv)
{
	const char *name = "kv", *cmd;
	size_t reply_len = 0;
	uint64_t count = 0;
	struct sb_conn *c;
	int opt, op, err;

	while ((opt = getopt(argc, argv, "n:h")) != -1) {
		if (opt == 'h')
			return usage(0);
		if (opt != 'n')
			return usage(2);
		name = optarg;
	}
	if (optind >= argc)
		return usage(2);
	cmd = argv[optind];
	if (!strcmp(cmd, "put") && argc - optind == 3)
		op = KV_PUT;
	else if (!strcmp(cmd, "get") && argc - optind == 2)
		op = KV_GET;
	else if (!strcmp(cmd, "del") && argc - optind == 2)
		op = KV_DEL;
	else
		return usage(2);

	err = sb_connect(name, &c);
	if (err) {
		fprintf(stderr, "sb-kv-client: %s: %s\n", name, sb_strerror(err));
		return 1;
	}
	err = kv_call(c, op, argv[optind + 1], op == KV_PUT ? argv[optind + 2] : NULL,
		      &reply_len, &count);
	if (err == -ENOENT)
		fprintf(stderr, "sb-kv-client: %s: no such key\n", argv[optind + 1]);
	else if (err)
		fprintf(stderr, "sb-kv-client: %s: %s\n", cmd, sb_strerror(err));
	else if (op == KV_GET)
		printf("%.*s\n", (int)reply_len, (char *)sb_conn_buffer(c, NULL));
	else
		printf("ok (%llu keys)\n", (unsigned long long)count);
	sb_disconnect(c);
	return err ? 1 : 0;
}
