// SPDX-License-Identifier: GPL-2.0
/*
 * limits.c - per-user limits of direct calls: the module parameters that
 * bound the servers (so view indices) and the attachments each effective
 * uid may hold at once, and the per-user counts they are checked against
 * (struct sb_user on sb_users, made on a user's first charge and freed when
 * it counts nothing).  sb_users_lock, a mutex of its own, protects the list
 * and the counts; it is the innermost lock (taken with sb_calls_lock held,
 * from registration, attachment and detachment, or without it, from a
 * server's release) and takes no other.  The limits are read with
 * READ_ONCE(): root may change them at any time in /sys/module.
 */
#include <linux/list.h>
#include <linux/moduleparam.h>
#include <linux/mutex.h>
#include <linux/slab.h>
#include <linux/uidgid.h>

#include "../hv/hv.h"
#include "kmod.h"
#include "objects.h"

/*
 * Per-user limits (by effective uid): the EPTP list has 510 server views
 * and every attachment costs a remap; no user may take them all.  Refused
 * with EDQUOT, like a key quota.
 */
static unsigned int max_servers_per_user = 16;
module_param(max_servers_per_user, uint, 0644);
MODULE_PARM_DESC(max_servers_per_user,
		 "servers, and so view indices, one user may have registered at once (default 16)");
static unsigned int max_attachments_per_user = 1024;
module_param(max_attachments_per_user, uint, 0644);
MODULE_PARM_DESC(max_attachments_per_user,
		 "attachments (connections, per process) one user may hold at once (default 1024)");

static DEFINE_MUTEX(sb_users_lock);

/*
 * Shares of what the RootKernel keeps for all users (hv_limits): its
 * continuation and handoff records, and the EPT pool's pages.  Set at load.
 */
static unsigned int max_records = 512;
module_param(max_records, uint, 0444);
MODULE_PARM_DESC(max_records,
		 "continuation and handoff records the RootKernel keeps, one page each (16-4095, default 512)");
static unsigned int records_per_user = 64;
module_param(records_per_user, uint, 0444);
MODULE_PARM_DESC(records_per_user,
		 "records one user's interrupted calls and handoffs may hold at once (default 64)");
static unsigned int pool_pages_per_user = 256;
module_param(pool_pages_per_user, uint, 0444);
MODULE_PARM_DESC(pool_pages_per_user,
		 "EPT pool pages (of 1024) one user's views and remaps may hold (default 256)");

/* The RootKernel's limits, from the parameters; -EINVAL if out of range. */
int sb_limits(struct hv_limits *l)
{
	l->records = max_records;
	l->records_share = records_per_user;
	l->pages_share = pool_pages_per_user;
	if (l->records < 16 || l->records > 4095 || !l->records_share ||
	    l->records_share > U16_MAX || !l->pages_share ||
	    l->pages_share > U16_MAX) {
		pr_err("max_records (16-4095), records_per_user and pool_pages_per_user (1-65535) out of range\n");
		return -EINVAL;
	}
	return 0;
}

/*
 * Owner ids: the number the RootKernel charges a user's records and pool
 * pages to, 1 to HV_MAX_OWNERS - 1, given on a user's first use and kept
 * while the module is loaded (the RootKernel may still hold charges after
 * the user's last object goes).  0: the table is full (EDQUOT).
 */
static kuid_t sb_owners[HV_MAX_OWNERS];
static unsigned int sb_nr_owners = 1;

u16 sb_owner_of(kuid_t uid)
{
	unsigned int i;
	u16 id = 0;

	mutex_lock(&sb_users_lock);
	for (i = 1; i < sb_nr_owners && !id; i++)
		if (uid_eq(sb_owners[i], uid))
			id = i;
	if (!id && sb_nr_owners < HV_MAX_OWNERS) {
		sb_owners[sb_nr_owners] = uid;
		id = sb_nr_owners++;
	}
	mutex_unlock(&sb_users_lock);
	return id;
}

struct sb_user {
	struct list_head node;
	kuid_t uid;
	unsigned int servers, atts;
};
static LIST_HEAD(sb_users);

/* @uid's entry, made if @create (sb_users_lock held); NULL if none. */
static struct sb_user *user_find(kuid_t uid, bool create)
{
	struct sb_user *u;

	list_for_each_entry(u, &sb_users, node)
		if (uid_eq(u->uid, uid))
			return u;
	u = create ? kzalloc(sizeof(*u), GFP_KERNEL) : NULL;
	if (u) {
		u->uid = uid;
		list_add(&u->node, &sb_users);
	}
	return u;
}

/* An entry that counts nothing goes (sb_users_lock held). */
static void user_trim(struct sb_user *u)
{
	if (!u->servers && !u->atts) {
		list_del(&u->node);
		kfree(u);
	}
}

/* Count one server or attachment against @uid; -EDQUOT over the limit. */
int user_charge(kuid_t uid, bool server)
{
	struct sb_user *u;
	int err = 0;

	mutex_lock(&sb_users_lock);
	u = user_find(uid, true);
	if (!u)
		err = -ENOMEM;
	else if (server && u->servers >= READ_ONCE(max_servers_per_user))
		err = -EDQUOT;
	else if (!server && u->atts >= READ_ONCE(max_attachments_per_user))
		err = -EDQUOT;
	else if (server)
		u->servers++;
	else
		u->atts++;
	if (u)
		user_trim(u);
	mutex_unlock(&sb_users_lock);
	return err;
}

void user_uncharge(kuid_t uid, bool server)
{
	struct sb_user *u;

	mutex_lock(&sb_users_lock);
	u = user_find(uid, false);
	if (u) {
		if (server)
			u->servers--;
		else
			u->atts--;
		user_trim(u);
	}
	mutex_unlock(&sb_users_lock);
}
