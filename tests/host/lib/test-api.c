// SPDX-License-Identifier: GPL-2.0
/*
 * test-api.c - libskybridge unit tests in one process: argument checking,
 * sb_strerror(), transport choice, name collisions, and calls to a server
 * in the same process (many threads, few slots).
 */
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <libskybridge.h>

#include "../../tap.h"

static char name_buf[64];

static const char *test_name(const char *what)
{
	snprintf(name_buf, sizeof(name_buf), "api-%d-%s", (int)getpid(), what);
	return name_buf;
}

static int add_handler(struct sb_call *call, uint64_t *ret)
{
	*ret = call->args[0] + call->args[1] + call->args[2] + call->args[3];
	return 0;
}

static void test_strerror(void)
{
	static const int codes[] = { EINVAL, ENAMETOOLONG, EEXIST, ECONNREFUSED,
		ECONNRESET, EBUSY, ETIMEDOUT, EALREADY, ESTALE, EUSERS, EMSGSIZE,
		EPROTO, EDEADLK };
	bool all = true;

	for (size_t i = 0; i < sizeof(codes) / sizeof(codes[0]); i++) {
		const char *a = sb_strerror(-codes[i]), *b = sb_strerror(codes[i]);

		if (!a || !*a || a != b)
			all = false;
	}
	tap_result(all, "sb_strerror describes every library status, sign-insensitive",
	      "a description was empty or differed by sign");
	tap_result(strstr(sb_strerror(-ECONNRESET), "server dead") != NULL,
	      "sb_strerror(-ECONNRESET) says \"server dead\"", "got \"%s\"",
	      sb_strerror(-ECONNRESET));
	tap_result(strstr(sb_strerror(-EBUSY), "all slots busy") != NULL,
	      "sb_strerror(-EBUSY) says \"all slots busy\"", "got \"%s\"",
	      sb_strerror(-EBUSY));
	tap_result(strcmp(sb_strerror(0), "success") == 0, "sb_strerror(0) is \"success\"",
	      "got \"%s\"", sb_strerror(0));
	tap_result(strcmp(sb_strerror(-EACCES), "Permission denied") == 0,
	      "sb_strerror falls back to the C library's text",
	      "got \"%s\"", sb_strerror(-EACCES));
	tap_result(strcmp(sb_strerror(-99999), "unknown error") == 0 &&
	      strcmp(sb_strerror(INT_MIN), "unknown error") == 0,
	      "sb_strerror survives out-of-range values", "got \"%s\"",
	      sb_strerror(-99999));
}

static void test_transport(void)
{
	tap_result(strcmp(sb_transport_name(), "fallback-futex") == 0,
	      "transport is fallback-futex without /dev/skybridge's fast path",
	      "got \"%s\"", sb_transport_name());
	tap_result(strcmp(sb_conn_transport_name(NULL), "none") == 0,
	      "sb_conn_transport_name(NULL) is \"none\"", "got \"%s\"",
	      sb_conn_transport_name(NULL));
}

static void test_bad_register(void)
{
	struct sb_server_attr attr = { .flags = 1 };
	struct sb_server *srv = NULL;
	char longname[SB_NAME_MAX + 2];
	int err;

	memset(longname, 'a', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	err = sb_server_register(NULL, add_handler, NULL, 1, NULL, &srv);
	tap_result(err == -EINVAL, "register refuses a NULL name", "got %d", err);
	err = sb_server_register("", add_handler, NULL, 1, NULL, &srv);
	tap_result(err == -EINVAL, "register refuses an empty name", "got %d", err);
	err = sb_server_register("a/b", add_handler, NULL, 1, NULL, &srv);
	tap_result(err == -EINVAL, "register refuses '/' in a name", "got %d", err);
	err = sb_server_register(longname, add_handler, NULL, 1, NULL, &srv);
	tap_result(err == -ENAMETOOLONG, "register refuses a 64-byte name",
	      "got %d", err);
	err = sb_server_register("x", NULL, NULL, 1, NULL, &srv);
	tap_result(err == -EINVAL, "register refuses a NULL handler", "got %d", err);
	err = sb_server_register("x", add_handler, NULL, 0, NULL, &srv);
	tap_result(err == -EINVAL, "register refuses 0 slots", "got %d", err);
	err = sb_server_register("x", add_handler, NULL, SB_SLOTS_MAX + 1, NULL, &srv);
	tap_result(err == -EINVAL, "register refuses SB_SLOTS_MAX + 1 slots",
	      "got %d", err);
	err = sb_server_register("x", add_handler, NULL, 1, &attr, &srv);
	tap_result(err == -EINVAL, "register refuses unknown attr flags", "got %d", err);
	attr.flags = 0;
	attr.buf_size = SB_BUF_MAX + 1;
	err = sb_server_register("x", add_handler, NULL, 1, &attr, &srv);
	tap_result(err == -EINVAL, "register refuses a buffer above SB_BUF_MAX",
	      "got %d", err);
	err = sb_server_register("x", add_handler, NULL, 1, NULL, NULL);
	tap_result(err == -EINVAL, "register refuses a NULL out pointer", "got %d", err);
	tap_result(srv == NULL, "failed registers leave *out alone", "srv=%p", (void *)srv);
	err = sb_server_unregister(NULL);
	tap_result(err == -EINVAL, "unregister refuses NULL", "got %d", err);
}

static void test_bad_conn(void)
{
	uint64_t args[SB_NARGS] = { 0 }, ret;
	struct sb_conn *c = NULL;
	struct sb_stats st;
	size_t size = 1;
	int err;

	err = sb_call(NULL, args, &ret);
	tap_result(err == -EINVAL, "sb_call refuses a NULL connection", "got %d", err);
	err = sb_call_buf(NULL, args, 0, NULL, &ret);
	tap_result(err == -EINVAL, "sb_call_buf refuses a NULL connection", "got %d", err);
	tap_result(sb_conn_buffer(NULL, &size) == NULL && size == 0,
	      "sb_conn_buffer(NULL) is NULL with size 0", "size=%zu", size);
	err = sb_connect(NULL, &c);
	tap_result(err == -EINVAL, "connect refuses a NULL name", "got %d", err);
	err = sb_connect("bad name", &c);
	tap_result(err == -EINVAL, "connect refuses a space in a name", "got %d", err);
	err = sb_connect(test_name("nobody"), &c);
	tap_result(err == -ECONNREFUSED, "connect to an unknown name: -ECONNREFUSED",
	      "got %d (%s)", err, sb_strerror(err));
	tap_result(sb_conn_set_wait(NULL, 1) == -EINVAL,
	      "sb_conn_set_wait refuses NULL", "accepted");
	tap_result(sb_conn_stats(NULL, &st) == -EINVAL, "sb_conn_stats refuses NULL",
	      "accepted");
	tap_result(sb_disconnect(NULL) == 0, "sb_disconnect(NULL) is a no-op", "failed");
}

/* Same process, two registrations of one name. */
static void test_collision_local(void)
{
	struct sb_server *a = NULL, *b = NULL;
	int err;

	err = sb_server_register(test_name("twice"), add_handler, NULL, 1, NULL, &a);
	tap_result(err == 0, "register a server", "got %d (%s)", err, sb_strerror(err));
	err = sb_server_register(test_name("twice"), add_handler, NULL, 1, NULL, &b);
	tap_result(err == -EEXIST, "second register of a name in one process: -EEXIST",
	      "got %d", err);
	tap_result(sb_server_unregister(a) == 0, "unregister", "failed");
	err = sb_server_register(test_name("twice"), add_handler, NULL, 1, NULL, &b);
	tap_result(err == 0, "the name is free again after unregister", "got %d", err);
	if (!err)
		sb_server_unregister(b);
}

struct stress_arg {
	const char *name;
	int calls;
	int bad;
	int busy;
};

/* Each thread its own connection, waiting for slots: all calls succeed. */
static void *stress_thread(void *p)
{
	struct stress_arg *a = p;
	struct sb_conn *c;
	uint64_t ret;

	if (sb_connect(a->name, &c)) {
		a->bad = a->calls;
		return NULL;
	}
	sb_conn_set_wait(c, 10000);
	for (int i = 0; i < a->calls; i++) {
		uint64_t args[SB_NARGS] = { (uint64_t)i, 1, 2, 3 };
		int err = sb_call(c, args, &ret);

		if (err == -EBUSY)
			a->busy++;
		if (err || ret != (uint64_t)i + 6)
			a->bad++;
	}
	sb_disconnect(c);
	return NULL;
}

static void test_local_stress(void)
{
	enum { THREADS = 4, CALLS = 3000 };
	struct stress_arg args[THREADS];
	pthread_t tid[THREADS];
	struct sb_server *srv;
	struct sb_stats st;
	const char *name = test_name("stress");
	int bad = 0, err;

	err = sb_server_register(name, add_handler, NULL, 2, NULL, &srv);
	if (!tap_result(err == 0, "register an in-process server with 2 slots",
		   "got %d", err))
		return;
	for (int i = 0; i < THREADS; i++) {
		args[i] = (struct stress_arg){ .name = name, .calls = CALLS };
		pthread_create(&tid[i], NULL, stress_thread, &args[i]);
	}
	for (int i = 0; i < THREADS; i++) {
		pthread_join(tid[i], NULL);
		bad += args[i].bad;
	}
	tap_result(bad == 0, "4 threads x 3000 waiting calls on 2 slots all succeed",
	      "%d calls failed or returned a wrong value", bad);
	sb_server_stats(srv, &st);
	tap_result(st.calls == THREADS * CALLS && st.errors == 0,
	      "server stats count every call", "calls=%llu errors=%llu",
	      (unsigned long long)st.calls, (unsigned long long)st.errors);
	tap_result(sb_server_unregister(srv) == 0, "unregister after the stress run",
	      "failed");
}

int main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	alarm(60);
	test_strerror();
	test_transport();
	test_bad_register();
	test_bad_conn();
	test_collision_local();
	test_local_stress();
	return tap_failures ? 1 : 0;
}
