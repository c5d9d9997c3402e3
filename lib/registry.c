// SPDX-License-Identifier: MIT
/*
 * registry.c - the process's table of registered servers, by name.
 *
 * Read at register and connect time by any number of application threads,
 * written only when a server comes or goes: a read-mostly table, so it is an
 * RCU lock-free hash table (liburcu's cds_lfht).  Nothing on the per-call
 * path touches it.
 *
 * Flavour: urcu-mb (explicit read-side memory barriers).  Not urcu-memb (the
 * default "urcu.h"): its readers rely on the writer's membarrier() reaching
 * every CPU running the process, and in the SkyBridge fast path a handler --
 * which may well connect to a further server -- runs on a *client's* CPU,
 * which the server's membarrier() never interrupts.  Not QSBR either: a
 * library cannot make its callers' threads announce quiescent states.  The
 * cost of urcu-mb is two full barriers per read section, paid only at
 * register/connect time.
 */
#include <errno.h>
#include <pthread.h>
#include <string.h>

#include "sb_internal.h"

#define REGISTRY_BUCKETS 64

static struct cds_lfht *registry;
static pthread_once_t registry_once = PTHREAD_ONCE_INIT;
/* Serialises writers so "lookup then add" cannot race with unregister. */
static pthread_mutex_t registry_lock = PTHREAD_MUTEX_INITIALIZER;

static __thread bool rcu_registered;
static pthread_key_t rcu_exit_key;

/* urcu-mb readers must be registered, and unregistered before they exit. */
static void rcu_reader_exit(void *unused)
{
	(void)unused;
	if (rcu_registered) {
		rcu_unregister_thread();
		rcu_registered = false;
	}
}

static void registry_init(void)
{
	pthread_key_create(&rcu_exit_key, rcu_reader_exit);
	registry = cds_lfht_new(REGISTRY_BUCKETS, REGISTRY_BUCKETS,
				REGISTRY_BUCKETS, 0, NULL);
}

/**
 * sb_rcu_reader_enter() - make the calling thread an RCU reader (once)
 */
void sb_rcu_reader_enter(void)
{
	pthread_once(&registry_once, registry_init);
	if (rcu_registered)
		return;
	rcu_register_thread();
	rcu_registered = true;
	/* Any non-NULL value makes the destructor run at thread exit. */
	pthread_setspecific(rcu_exit_key, &rcu_registered);
}

/* FNV-1a: names are short, and a table lookup is off the call path. */
unsigned long sb_name_hash(const char *name)
{
	unsigned long h = 14695981039346656037UL;

	for (; *name; name++)
		h = (h ^ (unsigned char)*name) * 1099511628211UL;
	return h;
}

static int server_name_match(struct cds_lfht_node *node, const void *key)
{
	struct sb_server *srv = caa_container_of(node, struct sb_server, reg_node);

	return strcmp(srv->name, key) == 0;
}

/**
 * sb_registry_add_server() - insert @srv under its name
 *
 * Return: 0, or -EEXIST if this process already serves the name.
 */
int sb_registry_add_server(struct sb_server *srv)
{
	struct cds_lfht_node *old;

	sb_rcu_reader_enter();
	if (!registry)
		return -ENOMEM;
	pthread_mutex_lock(&registry_lock);
	rcu_read_lock();
	old = cds_lfht_add_unique(registry, sb_name_hash(srv->name),
				  server_name_match, srv->name, &srv->reg_node);
	rcu_read_unlock();
	pthread_mutex_unlock(&registry_lock);
	return old == &srv->reg_node ? 0 : -EEXIST;
}

/**
 * sb_registry_del_server() - remove @srv; readers may still see it until
 * sb_registry_synchronize() returns
 */
void sb_registry_del_server(struct sb_server *srv)
{
	sb_rcu_reader_enter();
	pthread_mutex_lock(&registry_lock);
	rcu_read_lock();
	cds_lfht_del(registry, &srv->reg_node);
	rcu_read_unlock();
	pthread_mutex_unlock(&registry_lock);
}

/**
 * sb_registry_synchronize() - wait until no reader can still see a removed
 * entry, so its memory may be freed
 */
void sb_registry_synchronize(void)
{
	synchronize_rcu();
}
