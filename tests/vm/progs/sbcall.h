/* SPDX-License-Identifier: GPL-2.0 */
/*
 * sbcall.h - the direct-call ABI used raw, without libskybridge, by the
 * in-guest test programs: sessions, a server with parked slot threads, a
 * connection, and calls (uapi/skybridge.h has the contract).
 *
 * The call itself is the library's: lib/sb_tramp.h's sb_tramp_call(), the
 * same instruction sequence libskybridge and skybench use.  The wrappers
 * here only pick the word RAX carries (the thread's rseq area, or in a
 * handler SB_CALL_NESTED(slot)) and split the result.  Calls that break the
 * convention on purpose (attacks) are written by hand in their programs.
 */
#ifndef SKYBRIDGE_SBCALL_H
#define SKYBRIDGE_SBCALL_H

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/rseq.h>
#include <unistd.h>

#include "uapi/skybridge_hv.h"
#include "uapi/skybridge.h"
#include "lib/sb_tramp.h"

struct sbt_ret {
	int64_t status;
	uint64_t value;
};

typedef struct sbt_ret (*sbt_handler_t)(uint64_t id, uint64_t a0, uint64_t a1,
					uint64_t a2, uint64_t a3);

struct sbt_conn {
	int fd;
	uint32_t view, id;
	uint64_t key;
	void *buf;
};

/*
 * Open a session and map the trampoline and the data pages
 * (sb_tramp_map()); the session's fd, or -errno (then nothing stays open).
 */
static inline int sbt_open(void)
{
	int fd = open(SKYBRIDGE_DEVICE_PATH, O_RDWR | O_CLOEXEC), err;

	if (fd < 0)
		return -errno;
	err = sb_tramp_map(fd);
	if (err) {
		close(fd);
		return err;
	}
	return fd;
}

struct sbt_slot_arg {
	uint64_t tp, rseq;
	int ready, stop, park, fd;
	unsigned int idx;
	pthread_mutex_t lock;
	pthread_cond_t cond;
};

/*
 * HC_ADOPT: become the handler of handoff @token until it returns; its
 * status, and its value in *@value; or a negative errno if refused.  Every
 * GPR comes back as it was; vector registers in the init state.
 */
static inline int64_t sbt_adopt(uint64_t token, uint64_t ret_rsp,
				uint64_t *value)
{
	register uint64_t rdi asm("rdi") = token;
	register uint64_t rsi asm("rsi") = ret_rsp;
	uint64_t rax = HC_ADOPT;

	asm volatile("vmcall"
		     : "+a"(rax), "+r"(rdi), "+r"(rsi)
		     :
		     : "memory", "cc", "xmm0", "xmm1", "xmm2", "xmm3", "xmm4",
		       "xmm5", "xmm6", "xmm7", "xmm8", "xmm9", "xmm10",
		       "xmm11", "xmm12", "xmm13", "xmm14", "xmm15");
	if ((int64_t)rax < 0) {
		*value = 0;
		return (int64_t)rax;
	}
	*value = rsi;
	return (int64_t)rdi;
}

/* A parked slot thread: finish each call handed to this slot. */
static inline void sbt_park_loop(struct sbt_slot_arg *a)
{
	for (;;) {
		struct sb_park p = { .size = sizeof(p), .slot = a->idx };
		struct sb_complete c = { .size = sizeof(c), .slot = a->idx };
		uint64_t value;

		if (ioctl(a->fd, SB_IOC_PARK, &p)) {
			if (errno == EINTR)
				continue;
			return;		/* ENOENT: the server is gone */
		}
		c.token = p.token;
		c.status = sbt_adopt(p.token, p.ret_rsp, &value);
		c.value = value;
		if (ioctl(a->fd, SB_IOC_COMPLETE, &c))
			fprintf(stderr, "slot %u: SB_IOC_COMPLETE (fd %d, status %lld): %s\n",
				a->idx, a->fd, (long long)c.status,
				strerror(errno));
	}
}

/*
 * The slot whose thread this is, or -1: a handler reads it on the slot's
 * TLS, to make a call of its own (SB_CALL_NESTED).
 */
static __thread int sbt_my_slot = -1;

static void *sbt_slot_thread(void *p)
{
	struct sbt_slot_arg *a = p;

	sbt_my_slot = (int)a->idx;
	pthread_mutex_lock(&a->lock);
	a->tp = sb_thread_pointer();
	a->rseq = sb_rseq_area();
	a->ready = 1;
	pthread_cond_broadcast(&a->cond);
	while (!a->stop && !a->park)
		pthread_cond_wait(&a->cond, &a->lock);
	pthread_mutex_unlock(&a->lock);
	if (a->park)
		sbt_park_loop(a);
	return NULL;
}

#define SBT_STACK	(64 * 1024)

/*
 * Register a server on session @fd: @nslots parked slot threads lend their
 * TLS, each slot gets its own handler stack.  Returns the view or -errno.
 */
static inline int sbt_register_flags(int fd, const char *name,
				     sbt_handler_t h, unsigned int nslots,
				     unsigned int buf_size, void **bufs,
				     uint32_t flags)
{
	struct sbt_slot_arg *args[SKYBRIDGE_MAX_SLOTS];
	struct sb_slot_desc d[SKYBRIDGE_MAX_SLOTS];
	struct sb_register r;
	unsigned int i;

	if (nslots > SKYBRIDGE_MAX_SLOTS)
		return -EINVAL;
	for (i = 0; i < nslots; i++) {
		struct sbt_slot_arg *a = calloc(1, sizeof(*a));
		pthread_t t;
		char *stack = mmap(NULL, SBT_STACK, PROT_READ | PROT_WRITE,
				   MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE,
				   -1, 0);

		if (!a || stack == MAP_FAILED)
			return -ENOMEM;
		pthread_mutex_init(&a->lock, NULL);
		pthread_cond_init(&a->cond, NULL);
		a->idx = i;
		if (pthread_create(&t, NULL, sbt_slot_thread, a))
			return -EAGAIN;
		args[i] = a;
		pthread_mutex_lock(&a->lock);
		while (!a->ready)
			pthread_cond_wait(&a->cond, &a->lock);
		pthread_mutex_unlock(&a->lock);
		d[i].stack_top = (uint64_t)stack + SBT_STACK;
		d[i].stack_size = SBT_STACK;
		d[i].fs_base = a->tp;
		d[i].rseq = a->rseq;
	}
	if (buf_size) {
		void *b = mmap(NULL, (size_t)SKYBRIDGE_MAX_ATTACH * buf_size,
			       PROT_READ | PROT_WRITE, MAP_SHARED, fd,
			       SB_BUF_PGOFF * 4096);

		if (b == MAP_FAILED)
			return -errno;
		if (bufs)
			*bufs = b;
	}
	mlockall(MCL_CURRENT | MCL_FUTURE);
	memset(&r, 0, sizeof(r));
	r.size = sizeof(r);
	snprintf(r.name, sizeof(r.name), "%s", name);
	r.handler = (uint64_t)h;
	r.slots = (uint64_t)d;
	r.nr_slots = nslots;
	r.access = SB_ACCESS_ANY;
	r.buf_size = buf_size;
	r.flags = flags;
	if (ioctl(fd, SB_IOC_REGISTER, &r))
		return -errno;
	/* With handoff, each slot's thread parks for its slot. */
	for (i = 0; i < nslots && (flags & SB_REGISTER_HANDOFF); i++) {
		pthread_mutex_lock(&args[i]->lock);
		args[i]->fd = fd;
		args[i]->park = 1;
		pthread_cond_broadcast(&args[i]->cond);
		pthread_mutex_unlock(&args[i]->lock);
	}
	return r.view;
}

static inline int sbt_register(int fd, const char *name, sbt_handler_t h,
			       unsigned int nslots, unsigned int buf_size,
			       void **bufs)
{
	return sbt_register_flags(fd, name, h, nslots, buf_size, bufs, 0);
}

static inline int sbt_connect(int fd, const char *name, struct sbt_conn *c)
{
	struct sb_connect r;

	memset(&r, 0, sizeof(r));
	r.size = sizeof(r);
	snprintf(r.name, sizeof(r.name), "%s", name);
	if (ioctl(fd, SB_IOC_CONNECT, &r))
		return -errno;
	c->fd = r.fd;
	c->view = r.view;
	c->id = r.id;
	c->key = r.key;
	c->buf = NULL;
	if (r.buf_size) {
		c->buf = mmap(NULL, r.buf_size, PROT_READ | PROT_WRITE,
			      MAP_SHARED, r.fd, 0);
		if (c->buf == MAP_FAILED)
			return -errno;
	}
	return 0;
}

/*
 * A call with RAX = @tag (the thread's struct rseq, or in a handler
 * SB_CALL_NESTED(slot)): status in the return value, the value in *@value.
 * sb_tramp_call() is the one call sequence (lib/sb_tramp.h).
 */
static inline int64_t sbt_call_tag(uint64_t view, uint64_t id, uint64_t key,
				   uint64_t a0, uint64_t a1, uint64_t a2,
				   uint64_t a3, uint64_t *value, uint64_t tag)
{
	struct sb_tramp_res r = sb_tramp_call(id, a0, a1, a2, a3, view, key,
					      tag);

	*value = r.value;
	return r.status;
}

static inline int64_t sbt_call_raw(uint64_t view, uint64_t id, uint64_t key,
				   uint64_t a0, uint64_t a1, uint64_t a2,
				   uint64_t a3, uint64_t *value)
{
	return sbt_call_tag(view, id, key, a0, a1, a2, a3, value,
			    sb_rseq_area());
}

/* A call from inside a handler, to another server (a chain). */
static inline int64_t sbt_call_nested(const struct sbt_conn *c, uint64_t a0,
				      uint64_t a1, uint64_t a2, uint64_t a3,
				      uint64_t *value)
{
	return sbt_call_tag(c->view, c->id, c->key, a0, a1, a2, a3, value,
			    SB_CALL_NESTED((uint64_t)sbt_my_slot));
}

static inline int64_t sbt_call(const struct sbt_conn *c, uint64_t a0,
			       uint64_t a1, uint64_t a2, uint64_t a3,
			       uint64_t *value)
{
	return sbt_call_raw(c->view, c->id, c->key, a0, a1, a2, a3, value);
}

/* The result of a call that returned SB_STATUS_HANDOFF (token in @value). */
static inline int64_t sbt_wait(const struct sbt_conn *c, uint64_t *value)
{
	struct sb_wait w = { .size = sizeof(w), .token = *value };

	if (ioctl(c->fd, SB_IOC_WAIT, &w))
		return -errno;
	*value = w.value;
	return w.status;
}

/* A call, waiting for the result if it was handed off. */
static inline int64_t sbt_call_wait(const struct sbt_conn *c, uint64_t a0,
				    uint64_t a1, uint64_t a2, uint64_t a3,
				    uint64_t *value)
{
	int64_t st = sbt_call(c, a0, a1, a2, a3, value);

	return st == SB_STATUS_HANDOFF ? sbt_wait(c, value) : st;
}

#endif /* SKYBRIDGE_SBCALL_H */
