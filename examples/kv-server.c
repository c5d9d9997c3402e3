// SPDX-License-Identifier: MIT
/*
 * kv-server - a key-value store behind skybridge calls.
 *
 *   sb-kv-server [NAME]       serve NAME (default "kv") until SIGINT/SIGTERM
 *
 * A chained hash table under a reader-writer lock: handlers run on several
 * slots at once (in the fast path, on the callers' threads), so the table
 * needs the same locking as in any multi-threaded server.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libskybridge.h>

#include "kv.h"

#define KV_BUCKETS 1024

struct kv_item {
	struct kv_item *next;
	char *key;
	void *value;
	size_t value_len;
};

struct kv_table {
	pthread_rwlock_t lock;
	struct kv_item *bucket[KV_BUCKETS];
	uint64_t count;
};

static unsigned int kv_hash(const char *key)
{
	unsigned int h = 2166136261u;

	for (; *key; key++)
		h = (h ^ (unsigned char)*key) * 16777619u;
	return h % KV_BUCKETS;
}

static struct kv_item **kv_find(struct kv_table *t, const char *key)
{
	struct kv_item **p = &t->bucket[kv_hash(key)];

	while (*p && strcmp((*p)->key, key))
		p = &(*p)->next;
	return p;
}

static int kv_put(struct kv_table *t, const char *key, const void *value,
		  size_t len)
{
	void *copy = malloc(len ? len : 1);
	struct kv_item **p, *it;

	if (!copy)
		return -ENOMEM;
	memcpy(copy, value, len);
	pthread_rwlock_wrlock(&t->lock);
	p = kv_find(t, key);
	it = *p;
	if (!it) {
		it = calloc(1, sizeof(*it));
		if (it)
			it->key = strdup(key);
		if (!it || !it->key) {
			pthread_rwlock_unlock(&t->lock);
			free(it);
			free(copy);
			return -ENOMEM;
		}
		*p = it;
		t->count++;
	}
	free(it->value);
	it->value = copy;
	it->value_len = len;
	pthread_rwlock_unlock(&t->lock);
	return 0;
}

static int kv_get(struct kv_table *t, const char *key, struct sb_call *call)
{
	struct kv_item *it;
	int err = 0;

	pthread_rwlock_rdlock(&t->lock);
	it = *kv_find(t, key);
	if (!it)
		err = -ENOENT;
	else if (it->value_len > call->buf_size)
		err = -EMSGSIZE;
	else {
		memcpy(call->buf, it->value, it->value_len);
		call->len = it->value_len;
	}
	pthread_rwlock_unlock(&t->lock);
	return err;
}

static int kv_del(struct kv_table *t, const char *key)
{
	struct kv_item **p, *it;

	pthread_rwlock_wrlock(&t->lock);
	p = kv_find(t, key);
	it = *p;
	if (it) {
		*p = it->next;
		t->count--;
	}
	pthread_rwlock_unlock(&t->lock);
	if (!it)
		return -ENOENT;
	free(it->key);
	free(it->value);
	free(it);
	return 0;
}

/* The buffer is shared with the client: copy the key out before using it. */
static int kv_handler(struct sb_call *call, uint64_t *ret)
{
	struct kv_table *t = call->priv;
	bool put = call->args[0] == KV_PUT;
	size_t klen = put ? call->args[1] : call->len, in_len = call->len;
	char key[KV_KEY_MAX + 1];
	int err;

	if (!klen || klen > KV_KEY_MAX || klen + put > in_len)
		return -EINVAL;
	memcpy(key, call->buf, klen);
	key[klen] = '\0';
	call->len = 0;		/* no reply bytes unless GET finds the key */
	switch (call->args[0]) {
	case KV_PUT:
		err = kv_put(t, key, (char *)call->buf + klen + 1, in_len - klen - 1);
		break;
	case KV_GET:
		err = kv_get(t, key, call);
		break;
	case KV_DEL:
		err = kv_del(t, key);
		break;
	default:
		err = -EOPNOTSUPP;
	}
	*ret = t->count;
	return err;
}

int main(int argc, char **argv)
{
	const char *name = argc > 1 ? argv[1] : "kv";
	static struct kv_table table = { .lock = PTHREAD_RWLOCK_INITIALIZER };
	struct sb_server *srv;
	sigset_t stop;
	int err, sig;

	sigemptyset(&stop);
	sigaddset(&stop, SIGINT);
	sigaddset(&stop, SIGTERM);
	sigprocmask(SIG_BLOCK, &stop, NULL);

	err = sb_server_register(name, kv_handler, &table, 4, NULL, &srv);
	if (err) {
		fprintf(stderr, "sb-kv-server: %s: %s\n", name, sb_strerror(err));
		return 1;
	}
	printf("key-value server \"%s\" over %s; Ctrl-C stops\n", name,
	       sb_transport_name());
	fflush(stdout);
	sigwait(&stop, &sig);
	sb_server_unregister(srv);
	return 0;
}
