// SPDX-License-Identifier: GPL-2.0
/*
 * handoff.c - the kernel's side of handed-off calls (below): the table of
 * handoffs (sb_handoffs, sb_nr_handoffs), sb_handoff_wq, the work item
 * that takes new handoffs from the RootKernel, SB_IOC_PARK, SB_IOC_COMPLETE
 * and a connection's SB_IOC_WAIT, and the end of the handoffs of a server
 * or a session that goes.  sb_calls_lock (server.c) protects the table,
 * each handoff and a server's ho[], ho_queued and handoff counts: every
 * function here runs with it held or takes it, but the waits sleep on
 * sb_handoff_wq without it (their conditions read live, ho_queued and a
 * handoff's state locklessly; a handoff with a waiter is never freed, and a
 * parked thread holds a reference on its server), and
 * sb_handoff_schedule(), called from an irq_work, only queues the work.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/wait.h>
#include <linux/workqueue.h>
#include <asm/fsgsbase.h>

#include "../hv/hv.h"
#include "../uapi/skybridge.h"
#include "kmod.h"
#include "objects.h"

/*
 * A call whose handler made a system call or faulted in the server's view
 * is handed to the slot's parked thread (hv/cont.c has the RootKernel's
 * side, docs/design.md section 6 the whole story).  The kernel's part: take
 * each new handoff from the RootKernel (HC_HANDOFF_TAKE; run by a work item
 * the RootKernel queues, and by every SB_IOC_WAIT), find its server by root
 * and its slot by the handler's thread pointer, wake the slot's thread
 * (SB_IOC_PARK), and carry the result (SB_IOC_COMPLETE) to the client
 * (SB_IOC_WAIT).  The slot stays busy, in the server's busy mask, until
 * SB_IOC_COMPLETE or the server's end.
 *
 * A handoff lives on sb_handoffs until its result has been collected, or,
 * with no client to collect it (orphan), until it is done.  All under
 * sb_calls_lock.
 */

/* Bound the results nobody has collected yet (docs/design.md). */
#define SB_MAX_HANDOFFS		1024
#define SB_MAX_HANDOFFS_CLIENT	64	/* per client address space */

LIST_HEAD(sb_handoffs);
unsigned int sb_nr_handoffs;
DECLARE_WAIT_QUEUE_HEAD(sb_handoff_wq);

static void handoff_free(struct sb_handoff *ho)
{
	list_del(&ho->node);
	sb_nr_handoffs--;
	kfree(ho);
}

/*
 * The call is over, with a result for the client or with EOWNERDEAD
 * (@failed): give the slot back, wake the client (sb_calls_lock held).
 */
static void handoff_finish(struct sb_handoff *ho, s64 status, u64 value,
			   bool failed)
{
	struct sb_server *srv = ho->srv;

	if (srv) {
		if (srv->ho[ho->slot] == ho)
			srv->ho[ho->slot] = NULL;
		clear_bit(ho->slot, &srv->ho_queued);
		if (srv->live)
			clear_bit(ho->slot,
				  (unsigned long *)info_u64(srv->sess, SBI_BUSY));
		if (failed)
			srv->handoffs_failed++;
		ho->srv = NULL;
	}
	ho->status = status;
	ho->value = value;
	ho->state = HO_DONE;
	if (ho->orphan && !ho->waiting)
		handoff_free(ho);
	wake_up_all(&sb_handoff_wq);
}

/* The handoff of @token (the RootKernel's tokens are unique), or NULL. */
static struct sb_handoff *handoff_by_token(u64 token)
{
	struct sb_handoff *ho;

	list_for_each_entry(ho, &sb_handoffs, node)
		if (ho->token == token)
			return ho;
	return NULL;
}

/* The server goes out of service: calls no thread adopted yet fail. */
void handoffs_server_gone(struct sb_server *srv)
{
	unsigned int i;
	long ret;

	ret = sb_hypercall(HC_HANDOFF_CANCEL, 0, srv->root, 0);
	if (ret < 0)
		pr_err("server %s: cannot cancel handoffs: %ld\n", srv->name, ret);
	for (i = 0; i < srv->nr_slots; i++)
		if (srv->ho[i] && srv->ho[i]->state == HO_QUEUED)
			handoff_finish(srv->ho[i], -EOWNERDEAD, 0, true);
}

/* The live server whose page-table root is @root. */
static struct sb_server *server_by_root(u64 root)
{
	struct sb_server *srv;

	list_for_each_entry(srv, &sb_servers, node)
		if (srv->root == root && srv->live)
			return srv;
	return NULL;
}

static u64 slot_u64(struct sb_server *srv, unsigned int slot, unsigned int off)
{
	return *info_u64(srv->sess, SBI_SLOTS + slot * SBI_SLOT_SIZE + off);
}

/* The slot whose thread pointer the handler ran with, or -1. */
static int slot_by_fs(struct sb_server *srv, u64 fs_base)
{
	unsigned int i;

	for (i = 0; i < srv->nr_slots; i++)
		if (slot_u64(srv, i, SBI_SLOT_FS) == fs_base)
			return i;
	return -1;
}

/*
 * A client that never collects its results must not fill the table: past
 * SB_MAX_HANDOFFS_CLIENT of its own, its oldest uncollected one goes.
 */
static void handoffs_trim_client(u64 client_root)
{
	struct sb_handoff *ho, *oldest = NULL;
	unsigned int n = 0;

	list_for_each_entry(ho, &sb_handoffs, node) {
		if (ho->client_root != client_root)
			continue;
		n++;
		if (!oldest && ho->state == HO_DONE && !ho->waiting)
			oldest = ho;
	}
	if (n >= SB_MAX_HANDOFFS_CLIENT && oldest)
		handoff_free(oldest);
}

/* Take every new handoff from the RootKernel (sb_calls_lock held). */
static void handoff_dispatch(void)
{
	struct hv_handoff_info *info;
	struct sb_handoff *ho;
	struct sb_server *srv;
	int slot;

	lockdep_assert_held(&sb_calls_lock);
	/* kmalloc: the RootKernel writes only to direct-map memory. */
	info = kmalloc(sizeof(*info), GFP_KERNEL);
	if (!info) {
		pr_err_ratelimited("handoffs: no memory to take them\n");
		return;
	}
	while (sb_hypercall(HC_HANDOFF_TAKE, (u64)info, sizeof(*info), 0) == 1) {
		srv = server_by_root(info->server_root);
		slot = srv ? slot_by_fs(srv, info->fs_base) : -1;
		handoffs_trim_client(info->client_root);
		ho = sb_nr_handoffs < SB_MAX_HANDOFFS ?
		     kzalloc(sizeof(*ho), GFP_KERNEL) : NULL;
		if (ho) {
			ho->token = info->token;
			ho->client_root = info->client_root;
			ho->orphan = info->flags & HV_HANDOFF_ORPHAN;
			list_add_tail(&ho->node, &sb_handoffs);
			sb_nr_handoffs++;
		}
		if (!ho || slot < 0 || srv->ho[slot]) {
			/* Nobody can finish it: the client gets EOWNERDEAD. */
			sb_hypercall(HC_HANDOFF_CANCEL, info->token, 0, 0);
			if (ho)
				handoff_finish(ho, -EOWNERDEAD, 0, false);
			continue;
		}
		ho->srv = srv;
		ho->server_mm = srv->mm;
		ho->slot = slot;
		ho->state = HO_QUEUED;
		srv->ho[slot] = ho;
		set_bit(slot, &srv->ho_queued);
		srv->handoffs++;
		if (info->cause < HV_CAUSE_SYSCALL)
			srv->handoff_faults++;
	}
	kfree(info);
	wake_up_all(&sb_handoff_wq);
}

/* Scheduled after each handoff (sb_handoff_schedule()). */
static void sb_handoff_work_fn(struct work_struct *work)
{
	mutex_lock(&sb_calls_lock);
	handoff_dispatch();
	mutex_unlock(&sb_calls_lock);
}
DECLARE_WORK(sb_handoff_work, sb_handoff_work_fn);

/* From the RootKernel's notification (rootkernel.c), in an irq_work. */
void sb_handoff_schedule(void)
{
	if (READ_ONCE(sb_vmfunc_ok))
		schedule_work(&sb_handoff_work);
}

static bool park_ready(struct sb_server *srv, unsigned int slot)
{
	return !READ_ONCE(srv->live) || test_bit(slot, &srv->ho_queued);
}

/* SB_IOC_PARK: the slot's thread waits for a call to finish. */
long sb_park(struct sb_session *sess, void __user *arg)
{
	struct sb_handoff *ho;
	struct sb_server *srv;
	struct sb_park p;
	long err = 0;

	if (copy_from_user(&p, arg, sizeof(p)))
		return -EFAULT;
	if (p.size != sizeof(p) || p.flags || p.pad || p.reserved[0] ||
	    p.reserved[1])
		return -EINVAL;
	mutex_lock(&sb_calls_lock);
	srv = sess->server;
	if (!srv || !srv->live)
		err = -ENOENT;
	else if (p.slot >= srv->nr_slots)
		err = -EINVAL;
	else if (slot_u64(srv, p.slot, SBI_SLOT_FS) != x86_fsbase_read_cpu())
		err = -EPERM;		/* not the thread that lends the TLS */
	if (err) {
		mutex_unlock(&sb_calls_lock);
		return err;
	}
	/* A handler this thread adopted and left (a signal handler's jump). */
	ho = srv->ho[p.slot];
	if (ho && ho->state == HO_ADOPTED) {
		sb_hypercall(HC_HANDOFF_CANCEL, ho->token, 0, 0);
		handoff_finish(ho, -EOWNERDEAD, 0, true);
	}
	kref_get(&srv->ref);
	mutex_unlock(&sb_calls_lock);

	err = wait_event_interruptible(sb_handoff_wq, park_ready(srv, p.slot));
	mutex_lock(&sb_calls_lock);
	ho = srv->ho[p.slot];
	if (err) {
		err = -EINTR;
	} else if (!srv->live) {
		err = -ENOENT;
	} else if (ho && ho->state == HO_QUEUED) {
		ho->state = HO_ADOPTED;
		clear_bit(p.slot, &srv->ho_queued);
		p.token = ho->token;
		p.ret_rsp = slot_u64(srv, p.slot, SBI_SLOT_STACK) -
			    SBS_HANDLER_RSP;
	} else {
		err = -EINTR;		/* cannot happen: let the thread retry */
	}
	mutex_unlock(&sb_calls_lock);
	server_put(srv);
	if (!err && copy_to_user(arg, &p, sizeof(p)))
		err = -EFAULT;	/* adopted by nobody: failed when it parks again */
	return err;
}

/* SB_IOC_COMPLETE: the adopted handler returned; its result. */
long sb_complete(struct sb_session *sess, void __user *arg)
{
	struct sb_handoff *ho;
	struct sb_complete c;

	if (copy_from_user(&c, arg, sizeof(c)))
		return -EFAULT;
	if (c.size != sizeof(c) || c.flags || c.pad || c.reserved[0] ||
	    c.reserved[1] || !c.token)
		return -EINVAL;
	mutex_lock(&sb_calls_lock);
	ho = handoff_by_token(c.token);
	if (ho && (ho->state != HO_ADOPTED || ho->server_mm != sess->mm ||
		   ho->slot != c.slot))
		ho = NULL;
	if (ho) {
		/* Normally gone already (the return ended it); else now. */
		sb_hypercall(HC_HANDOFF_CANCEL, c.token, 0, 0);
		handoff_finish(ho, c.status, c.value, false);
	}
	mutex_unlock(&sb_calls_lock);
	return ho ? 0 : -ENOENT;
}

/* SB_IOC_WAIT on a connection: the result of a call that was handed off. */
long sb_conn_wait(struct sb_conn *conn, void __user *arg)
{
	u64 root = root_of_mm(current->mm);
	struct sb_handoff *found;
	struct sb_att *att;
	struct sb_wait w;
	long err = 0;

	if (copy_from_user(&w, arg, sizeof(w)))
		return -EFAULT;
	if (w.size != sizeof(w) || w.flags || w.reserved[0] || w.reserved[1] ||
	    !w.token)
		return -EINVAL;
	mutex_lock(&sb_calls_lock);
	handoff_dispatch();
	found = handoff_by_token(w.token);
	if (found && (found->client_root != root || found->orphan ||
		      (found->srv && found->srv != conn->srv)))
		found = NULL;
	if (!found)
		err = conn->srv->live ? -ENOENT : -EOWNERDEAD;
	else if (found->waiting)
		err = -EBUSY;
	else
		found->waiting = true;
	mutex_unlock(&sb_calls_lock);
	if (err)
		return err;

	err = wait_event_killable(sb_handoff_wq,
				  READ_ONCE(found->state) == HO_DONE);
	mutex_lock(&sb_calls_lock);
	found->waiting = false;
	if (err) {
		/* Killed: the handler goes on, its result is dropped. */
		found->orphan = true;
		if (found->state == HO_DONE)
			handoff_free(found);
		mutex_unlock(&sb_calls_lock);
		return err;
	}
	w.status = found->status;
	w.value = found->value;
	handoff_free(found);
	list_for_each_entry(att, &conn->atts, conn_node)
		if (att->sess->mm == current->mm)
			att->handoffs++;
	mutex_unlock(&sb_calls_lock);
	return copy_to_user(arg, &w, sizeof(w)) ? -EFAULT : 0;
}

/*
 * A session goes (sb_calls_lock held).  Its process's uncollected results
 * go, and the rest become orphans.  If it ever held a server, every
 * handoff to that address space ends, adopted or not: no thread of it can
 * return through them after this.
 */
void handoffs_session_gone(struct sb_session *sess)
{
	u64 root = root_of_mm(sess->mm);
	struct sb_handoff *ho, *tmp;

	if (sess->was_server)
		sb_hypercall(HC_HANDOFF_CANCEL, 0, root, 1);
	list_for_each_entry_safe(ho, tmp, &sb_handoffs, node) {
		if (sess->was_server && ho->server_mm == sess->mm &&
		    ho->state != HO_DONE) {
			handoff_finish(ho, -EOWNERDEAD, 0, true);
			continue;	/* @ho may be gone */
		}
		if (ho->client_root == root && !ho->waiting) {
			if (ho->state == HO_DONE)
				handoff_free(ho);
			else
				ho->orphan = true;
		}
	}
}
