// SPDX-License-Identifier: GPL-2.0
/*
 * test-fallback.c - the fallback transport across processes: a server child
 * (fork) and the test as its client.  Correctness of calls and payloads,
 * slot exhaustion and bounded waiting, dead servers and dead clients, fork
 * and unregister semantics, connection limits.
 *
 * Handlers coordinate with the test through an anonymous shared mapping made
 * before fork ("hold" calls park until the test releases them), so the busy
 * tests are deterministic instead of relying on sleeps.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include <libskybridge.h>

#include "../../tap.h"

enum op {
	OP_ADD,		/* ret = a1 + a2 + a3 */
	OP_ERR,		/* status = -a1 */
	OP_POSITIVE,	/* status = 7: not allowed */
	OP_REVERSE,	/* reverse the payload in place, ret = its byte sum */
	OP_PID,		/* ret = the handler's pid */
	OP_HOLD,	/* park until shared->release, ret = slot */
	OP_EXIT,	/* the server dies mid-call */
	OP_UNREG,	/* try to unregister from inside the handler */
	OP_BIGREPLY,	/* claim a reply longer than the buffer */
};

struct shared {
	atomic_int held;	/* handlers parked in OP_HOLD */
	atomic_int release;
	struct sb_server *srv;	/* the server child's own server */
};

static struct shared *sh;
static char name_buf[64];

static const char *test_name(const char *what)
{
	snprintf(name_buf, sizeof(name_buf), "fb-%d-%s", (int)getpid(), what);
	return name_buf;
}

static int hold(void)
{
	double until = now_ms() + 10000;	/* never park forever */

	atomic_fetch_add(&sh->held, 1);
	while (!atomic_load(&sh->release) && now_ms() < until)
		usleep(1000);
	atomic_fetch_sub(&sh->held, 1);
	return 0;
}

static uint64_t reverse(unsigned char *buf, size_t len)
{
	uint64_t sum = 0;

	for (size_t i = 0; i < len / 2; i++) {
		unsigned char t = buf[i];

		buf[i] = buf[len - 1 - i];
		buf[len - 1 - i] = t;
	}
	for (size_t i = 0; i < len; i++)
		sum += buf[i];
	return sum;
}

static int handler(struct sb_call *call, uint64_t *ret)
{
	switch (call->args[0]) {
	case OP_ADD:
		*ret = call->args[1] + call->args[2] + call->args[3];
		return 0;
	case OP_ERR:
		return -(int)call->args[1];
	case OP_POSITIVE:
		return 7;
	case OP_REVERSE:
		*ret = reverse(call->buf, call->len);
		return 0;
	case OP_PID:
		*ret = (uint64_t)getpid();
		return 0;
	case OP_HOLD:
		*ret = call->slot;
		return hold();
	case OP_EXIT:
		_exit(3);
	case OP_UNREG:
		return sb_server_unregister(sh->srv);
	case OP_BIGREPLY:
		call->len = call->buf_size + 100;
		return 0;
	}
	return -ENOSYS;
}

/*
 * Fork a server child serving @name with @nslots slots until SIGTERM; it
 * exits 0 if registering and unregistering both worked.  Returns its pid
 * once the name is registered (or -1).
 */
static pid_t server_start(const char *name, unsigned int nslots,
			  const struct sb_server_attr *attr)
{
	int pfd[2], err = -1;
	sigset_t set;
	pid_t pid;

	if (pipe(pfd))
		return -1;
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		int sig;

		sigprocmask(SIG_BLOCK, &set, NULL);
		alarm(30);
		err = sb_server_register(name, handler, NULL, nslots, attr, &sh->srv);
		if (write(pfd[1], &err, sizeof(err)) != sizeof(err) || err)
			_exit(1);
		sigwait(&set, &sig);
		_exit(sb_server_unregister(sh->srv) ? 1 : 0);
	}
	close(pfd[1]);
	if (read(pfd[0], &err, sizeof(err)) != sizeof(err) || err) {
		tap_result(false, "start a server child", "register: %d (%s)", err,
		      sb_strerror(err));
		waitpid(pid, NULL, 0);
		pid = -1;
	}
	close(pfd[0]);
	return pid;
}

/* SIGTERM the server; true if it unregistered cleanly. */
static bool server_stop(pid_t pid)
{
	int status;

	kill(pid, SIGTERM);
	if (waitpid(pid, &status, 0) != pid)
		return false;
	return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

static int call_op(struct sb_conn *c, enum op op, uint64_t a1, uint64_t *ret)
{
	uint64_t args[SB_NARGS] = { op, a1, 0, 0 };

	return sb_call(c, args, ret);
}

static void test_calls(void)
{
	const char *name = test_name("calls");
	uint64_t args[SB_NARGS] = { OP_ADD, 40, 2, 1000 }, ret = 0;
	pid_t pid = server_start(name, 2, NULL);
	struct sb_conn *c;
	struct sb_stats st;
	int err;

	if (pid < 0)
		return;
	err = sb_connect(name, &c);
	if (!tap_result(err == 0, "connect to a server in another process",
		   "got %d (%s)", err, sb_strerror(err)))
		goto out;
	tap_result(strcmp(sb_conn_transport_name(c), "fallback-futex") == 0,
	      "the connection runs on fallback-futex", "got %s",
	      sb_conn_transport_name(c));
	err = sb_call(c, args, &ret);
	tap_result(err == 0 && ret == 1042, "a call returns status 0 and the value",
	      "status %d, value %llu", err, (unsigned long long)ret);
	err = call_op(c, OP_PID, 0, &ret);
	tap_result(err == 0 && ret == (uint64_t)pid,
	      "the handler runs in the server process", "ran in pid %llu, server %d",
	      (unsigned long long)ret, (int)pid);
	err = call_op(c, OP_ERR, ENOENT, &ret);
	tap_result(err == -ENOENT, "a handler's negative status reaches the client",
	      "got %d", err);
	err = call_op(c, OP_POSITIVE, 0, &ret);
	tap_result(err == -EPROTO, "a positive handler status becomes -EPROTO",
	      "got %d", err);
	err = call_op(c, 99, 0, &ret);
	tap_result(err == -ENOSYS, "status and value stay separate (unknown op)",
	      "got %d", err);
	err = 0;
	for (int i = 0; i < 1000 && !err; i++) {
		uint64_t a[SB_NARGS] = { OP_ADD, (uint64_t)i, (uint64_t)i << 32, 0 };

		err = sb_call(c, a, &ret);
		if (ret != (uint64_t)i + ((uint64_t)i << 32))
			err = -EBADMSG;
	}
	tap_result(err == 0, "1000 consecutive calls return the right values",
	      "got %d", err);
	sb_conn_stats(c, &st);
	tap_result(st.calls == 1005 && st.errors == 3,
	      "client stats count calls and errors", "calls %llu errors %llu",
	      (unsigned long long)st.calls, (unsigned long long)st.errors);
	sb_disconnect(c);
out:
	tap_result(server_stop(pid), "the server unregisters cleanly on SIGTERM",
	      "server child failed");
}

static bool payload_round_trip(struct sb_conn *c, size_t len)
{
	size_t size, reply_len = 0;
	unsigned char *buf = sb_conn_buffer(c, &size);
	uint64_t args[SB_NARGS] = { OP_REVERSE }, ret, sum = 0;
	int err;

	for (size_t i = 0; i < len; i++) {
		buf[i] = (unsigned char)(i * 7 + len);
		sum += buf[i];
	}
	err = sb_call_buf(c, args, len, &reply_len, &ret);
	if (err || ret != sum || reply_len != len)
		return false;
	for (size_t i = 0; i < len; i++)
		if (buf[i] != (unsigned char)((len - 1 - i) * 7 + len))
			return false;
	return true;
}

static void test_payload(void)
{
	struct sb_server_attr attr = { .buf_size = 100000 };
	const char *name = test_name("payload");
	static const size_t lens[] = { 0, 1, 64, 4095, 4096, 65536 };
	uint64_t args[SB_NARGS] = { OP_BIGREPLY }, ret;
	pid_t pid = server_start(name, 1, &attr);
	size_t size, reply_len;
	struct sb_conn *c;
	char what[80];
	int err;

	if (pid < 0 || sb_connect(name, &c)) {
		tap_result(false, "payload: connect", "no server");
		goto out;
	}
	sb_conn_buffer(c, &size);
	tap_result(size == 102400, "the buffer size is the requested one rounded to pages",
	      "got %zu", size);
	for (size_t i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		snprintf(what, sizeof(what), "a %zu-byte payload round-trips", lens[i]);
		tap_result(payload_round_trip(c, lens[i]), what, "bytes or length wrong");
	}
	tap_result(payload_round_trip(c, size), "a payload filling the whole buffer round-trips",
	      "bytes or length wrong");
	err = sb_call_buf(c, args, size + 1, NULL, &ret);
	tap_result(err == -EMSGSIZE, "a payload larger than the buffer: -EMSGSIZE",
	      "got %d", err);
	err = sb_call_buf(c, args, 0, &reply_len, &ret);
	tap_result(err == 0 && reply_len == size,
	      "a handler's oversized reply length is clamped to the buffer",
	      "status %d, reply_len %zu", err, reply_len);
	sb_disconnect(c);
out:
	if (pid > 0)
		server_stop(pid);
}

static void test_collision(void)
{
	const char *name = test_name("taken");
	pid_t pid = server_start(name, 1, NULL);
	struct sb_server *srv;
	int err;

	if (pid < 0)
		return;
	err = sb_server_register(name, handler, NULL, 1, NULL, &srv);
	tap_result(err == -EEXIST, "registering a name another process holds: -EEXIST",
	      "got %d (%s)", err, sb_strerror(err));
	if (!err)
		sb_server_unregister(srv);
	server_stop(pid);
	err = sb_server_register(name, handler, NULL, 1, NULL, &srv);
	tap_result(err == 0, "the name is free once that server unregistered",
	      "got %d (%s)", err, sb_strerror(err));
	if (!err)
		sb_server_unregister(srv);
}

struct hold_arg {
	const char *name;
	int err;
	uint64_t ret;
};

static void *hold_thread(void *p)
{
	struct hold_arg *a = p;
	struct sb_conn *c;

	a->err = sb_connect(a->name, &c);
	if (a->err)
		return NULL;
	a->err = call_op(c, OP_HOLD, 0, &a->ret);
	sb_disconnect(c);
	return NULL;
}

static bool wait_held(int n)
{
	double until = now_ms() + 5000;

	while (atomic_load(&sh->held) != n && now_ms() < until)
		usleep(500);
	return atomic_load(&sh->held) == n;
}

struct late_arg {
	struct sb_conn *c;
	int err;
	double ms;
};

static void *late_call_thread(void *p)
{
	struct late_arg *a = p;
	uint64_t ret;
	double t0 = now_ms();

	a->err = call_op(a->c, OP_ADD, 1, &ret);
	a->ms = now_ms() - t0;
	return NULL;
}

static void test_slots(void)
{
	const char *name = test_name("slots");
	struct hold_arg h[2] = { { .name = name }, { .name = name } };
	pid_t pid = server_start(name, 2, NULL);
	struct late_arg late = { 0 };
	pthread_t tid[2], lt;
	struct sb_conn *c;
	uint64_t ret;
	double t0, ms;
	int err;

	if (pid < 0 || sb_connect(name, &c)) {
		tap_result(false, "slots: connect", "no server");
		goto out;
	}
	atomic_store(&sh->release, 0);
	for (int i = 0; i < 2; i++)
		pthread_create(&tid[i], NULL, hold_thread, &h[i]);
	tap_result(wait_held(2), "two calls occupy both slots", "held=%d",
	      atomic_load(&sh->held));

	t0 = now_ms();
	err = call_op(c, OP_ADD, 1, &ret);
	ms = now_ms() - t0;
	tap_result(err == -EBUSY, "a third call against 2 busy slots: -EBUSY",
	      "got %d (%s)", err, sb_strerror(err));
	tap_result(ms < 100, "-EBUSY comes at once (fail fast)", "took %.1f ms", ms);

	sb_conn_set_wait(c, 150);
	t0 = now_ms();
	err = call_op(c, OP_ADD, 1, &ret);
	ms = now_ms() - t0;
	tap_result(err == -ETIMEDOUT, "waiting 150 ms for a slot that stays busy: -ETIMEDOUT",
	      "got %d", err);
	tap_result(ms >= 145 && ms < 1000, "the wait is bounded by the timeout",
	      "took %.1f ms", ms);

	sb_conn_set_wait(c, 5000);
	late.c = c;
	pthread_create(&lt, NULL, late_call_thread, &late);
	usleep(100 * 1000);
	atomic_store(&sh->release, 1);
	pthread_join(lt, NULL);
	tap_result(late.err == 0 && late.ms >= 90 && late.ms < 2000,
	      "a waiting call runs as soon as a slot frees",
	      "status %d after %.1f ms", late.err, late.ms);
	for (int i = 0; i < 2; i++)
		pthread_join(tid[i], NULL);
	tap_result(h[0].err == 0 && h[1].err == 0 && h[0].ret != h[1].ret,
	      "the two held calls ran on different slots", "status %d/%d slot %llu/%llu",
	      h[0].err, h[1].err, (unsigned long long)h[0].ret,
	      (unsigned long long)h[1].ret);
	sb_disconnect(c);
out:
	if (pid > 0)
		server_stop(pid);
}

struct hold_conn_arg {
	struct sb_conn *c;
	int err;
};

static void *hold_on_conn(void *p)
{
	struct hold_conn_arg *a = p;
	uint64_t ret;

	a->err = call_op(a->c, OP_HOLD, 0, &ret);
	return NULL;
}

static void test_one_call_per_conn(void)
{
	const char *name = test_name("already");
	pid_t pid = server_start(name, 2, NULL);
	struct hold_conn_arg a = { 0 };
	struct sb_conn *c;
	pthread_t tid;
	uint64_t ret;
	int err;

	if (pid < 0 || sb_connect(name, &c)) {
		tap_result(false, "already: connect", "no server");
		goto out;
	}
	atomic_store(&sh->release, 0);
	a.c = c;
	pthread_create(&tid, NULL, hold_on_conn, &a);
	wait_held(1);
	err = call_op(c, OP_ADD, 1, &ret);
	tap_result(err == -EALREADY, "a second concurrent call on one connection: -EALREADY",
	      "got %d", err);
	atomic_store(&sh->release, 1);
	pthread_join(tid, NULL);
	tap_result(a.err == 0, "the first call still completes", "got %d", a.err);
	err = call_op(c, OP_ADD, 1, &ret);
	tap_result(err == 0 && ret == 1, "the connection works again afterwards",
	      "got %d", err);
	err = call_op(c, OP_UNREG, 0, &ret);
	tap_result(err == -EDEADLK, "unregistering from inside a handler: -EDEADLK",
	      "got %d", err);
	sb_disconnect(c);
out:
	if (pid > 0)
		tap_result(server_stop(pid), "the server still unregisters normally",
		      "server child failed");
}

/* The server dies inside a handler: the caller gets an error, not a hang. */
static void test_dead_server_in_call(void)
{
	const char *name = test_name("dies");
	pid_t pid = server_start(name, 1, NULL);
	struct sb_conn *c;
	uint64_t ret;
	double t0, ms;
	int err, status;

	if (pid < 0 || sb_connect(name, &c)) {
		tap_result(false, "dies: connect", "no server");
		return;
	}
	t0 = now_ms();
	err = call_op(c, OP_EXIT, 0, &ret);
	ms = now_ms() - t0;
	tap_result(err == -ECONNRESET, "the server exits mid-call: -ECONNRESET",
	      "got %d (%s)", err, sb_strerror(err));
	tap_result(ms < 1000, "the dead server is noticed within a second",
	      "took %.1f ms", ms);
	err = call_op(c, OP_ADD, 0, &ret);
	tap_result(err == -ECONNRESET, "later calls fail at once with -ECONNRESET",
	      "got %d", err);
	waitpid(pid, &status, 0);
	sb_disconnect(c);
	err = sb_connect(name, &c);
	tap_result(err == -ECONNREFUSED, "connecting to the dead server's name: -ECONNREFUSED",
	      "got %d", err);
}

/* SIGKILL while calls sleep in the handler and in the slot wait. */
static void test_killed_server(void)
{
	const char *name = test_name("killed");
	pid_t pid = server_start(name, 1, NULL);
	struct hold_conn_arg a = { 0 };
	struct late_arg w = { 0 };
	struct sb_conn *c1, *c2;
	pthread_t t1, t2;

	if (pid < 0 || sb_connect(name, &c1) || sb_connect(name, &c2)) {
		tap_result(false, "killed: connect", "no server");
		return;
	}
	atomic_store(&sh->release, 0);
	a.c = c1;
	pthread_create(&t1, NULL, hold_on_conn, &a);
	wait_held(1);
	sb_conn_set_wait(c2, 20000);
	w.c = c2;
	pthread_create(&t2, NULL, late_call_thread, &w);
	usleep(50 * 1000);
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	atomic_store(&sh->held, 0);
	pthread_join(t1, NULL);
	pthread_join(t2, NULL);
	tap_result(a.err == -ECONNRESET, "a call in the handler of a SIGKILLed server: -ECONNRESET",
	      "got %d", a.err);
	tap_result(w.err == -ECONNRESET && w.ms < 2000,
	      "a call waiting for a slot of a SIGKILLed server: -ECONNRESET, no hang",
	      "got %d after %.1f ms", w.err, w.ms);
	sb_disconnect(c1);
	sb_disconnect(c2);
}

/* A client dies in the middle of a call: the server carries on. */
static void test_dead_client(void)
{
	const char *name = test_name("client");
	struct sb_server_attr attr = { .max_conns = 2 };
	pid_t pid = server_start(name, 1, &attr), client;
	struct sb_conn *c = NULL;
	uint64_t ret = 0;
	double until;
	int err = -1;

	if (pid < 0)
		return;
	atomic_store(&sh->release, 0);
	client = tap_fork(20);
	if (client == 0) {
		if (sb_connect(name, &c) == 0)
			call_op(c, OP_HOLD, 0, &ret);
		_exit(0);
	}
	tap_result(wait_held(1), "a client child's call is in the handler", "held %d",
	      atomic_load(&sh->held));
	kill(client, SIGKILL);
	waitpid(client, NULL, 0);
	atomic_store(&sh->release, 1);
	/* The handler finishes, the slot frees, the connection is reclaimed. */
	until = now_ms() + 3000;
	while (now_ms() < until) {
		err = sb_connect(name, &c);
		if (!err)
			break;
		usleep(5000);
	}
	tap_result(err == 0, "the server accepts a new client after one died",
	      "got %d", err);
	if (!err) {
		err = call_op(c, OP_ADD, 5, &ret);
		tap_result(err == 0 && ret == 5, "and its slot is free again", "got %d", err);
	}
	sb_disconnect(c);
	tap_result(server_stop(pid), "the server survives its client's death",
	      "server child failed");
}

static void test_max_conns(void)
{
	const char *name = test_name("full");
	struct sb_server_attr attr = { .max_conns = 2 };
	pid_t pid = server_start(name, 1, &attr);
	struct sb_conn *c[3] = { 0 };
	double until;
	int err;

	if (pid < 0)
		return;
	sb_connect(name, &c[0]);
	sb_connect(name, &c[1]);
	err = sb_connect(name, &c[2]);
	tap_result(err == -EUSERS, "a connection beyond max_conns: -EUSERS", "got %d", err);
	sb_disconnect(c[0]);
	until = now_ms() + 3000;
	do {
		err = sb_connect(name, &c[2]);
	} while (err == -EUSERS && now_ms() < until && !usleep(2000));
	tap_result(err == 0, "a disconnect frees a connection place", "got %d", err);
	sb_disconnect(c[1]);
	if (!err)
		sb_disconnect(c[2]);
	server_stop(pid);
}

static void test_unregister_and_fork(void)
{
	const char *name = test_name("unreg");
	pid_t pid = server_start(name, 1, NULL), child;
	struct sb_conn *c;
	uint64_t ret;
	int err;

	if (pid < 0 || sb_connect(name, &c)) {
		tap_result(false, "unreg: connect", "no server");
		return;
	}
	child = tap_fork(10);
	if (child == 0) {
		int e = call_op(c, OP_ADD, 1, &ret);
		bool ok = tap_result(e == -ESTALE,
				"a connection inherited over fork(): -ESTALE in the child",
				"got %d", e);

		sb_disconnect(c);
		_exit(ok ? 0 : 1);
	}
	tap_wait(child, "fork child");
	err = call_op(c, OP_ADD, 2, &ret);
	tap_result(err == 0 && ret == 2, "the parent's connection survives the child's",
	      "got %d", err);
	tap_result(server_stop(pid), "the server unregisters", "server child failed");
	err = call_op(c, OP_ADD, 1, &ret);
	tap_result(err == -ECONNRESET, "calls after the server unregistered: -ECONNRESET",
	      "got %d", err);
	sb_disconnect(c);
}

int main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	sh = mmap(NULL, sizeof(*sh), PROT_READ | PROT_WRITE,
		  MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (sh == MAP_FAILED)
		return 2;
	alarm(90);
	test_calls();
	test_payload();
	test_collision();
	test_slots();
	test_one_call_per_conn();
	test_dead_server_in_call();
	test_killed_server();
	test_dead_client();
	test_max_conns();
	test_unregister_and_fork();
	return tap_failures ? 1 : 0;
}
