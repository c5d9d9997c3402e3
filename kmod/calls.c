// SPDX-License-Identifier: GPL-2.0
/*
 * calls.c - direct server calls: sessions, the server registry, connections
 * and attachments, the trampoline mapping, and the EPT remaps that make a
 * client's page-table root show the server's address space in the server's
 * view (docs/design.md, "Direct calls"; ABI: uapi/skybridge.h).
 *
 * Objects and lifetimes:
 *  - a session is one open file of /dev/skybridge, bound to the mm that
 *    opened it.  It owns the process's data pages (the INFO page and the
 *    per-CPU return slots) and, if the process registered, its server.
 *  - a server holds a view index, the pinned slot stacks and TLS pages, an
 *    mmu_notifier on its mm (INVEPT on every CPU after any change of its
 *    page tables) and its attachments.  It is referenced by its session and
 *    by every connection; the view is destroyed with the last reference, so
 *    a client of a server that went away still enters a valid view, lands in
 *    its own address space, fails T1's landing check and gets -EPIPE.
 *  - a connection is an anonymous file; each attachment binds one session
 *    (a process's page-table root) to the server through one connection,
 *    with an id (the server's key-table index) and a random 64-bit key.
 *    Attaching remaps the process's root pair onto the server's in the
 *    server's view; detaching (close() of the connection in that process,
 *    close of the session, or the connection's release) removes the key,
 *    then the remap, then flushes the view on every CPU.  The remap
 *    refers to roots that stay allocated: each session holds a reference
 *    (mmgrab) on its mm, so a root is never freed while remapped.
 *  - a handler may call another server (a chain A -> B -> C), on A's
 *    thread, so C's view also remaps A's root: each view remaps the roots
 *    of every process that can be running when it is entered, its clients
 *    and, transitively, the clients of those clients that are servers
 *    (remaps_sync()).  Reaching a view is not authority: a call into C
 *    still needs a key of C's, and only B holds the one it was given.
 *
 * One mutex (sb_calls_lock) orders every registry change; the call path
 * takes no lock at all.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/anon_inodes.h>
#include <linux/cred.h>
#include <linux/ctype.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/highmem.h>
#include <linux/kref.h>
#include <linux/moduleparam.h>
#include <linux/mm.h>
#include <linux/mmu_notifier.h>
#include <linux/mutex.h>
#include <linux/random.h>
#include <linux/seq_file.h>
#include <linux/sched/mm.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <asm/fsgsbase.h>
#include <asm/io.h>
#include <asm/msr.h>
#include <asm/processor.h>

#include "../hv/hv.h"
#include "../uapi/skybridge.h"
#include "kmod.h"
#include "tramp.h"

static DEFINE_MUTEX(sb_calls_lock);
static LIST_HEAD(sb_servers);
static struct page *sb_code[SB_TRAMP_CODE_PAGES];
static struct hv_tramp sb_hv_tramp;
static bool sb_vmfunc_ok;
static atomic_t sb_nr_views = ATOMIC_INIT(0);	/* server views in use */

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

struct sb_user {
	struct list_head node;
	kuid_t uid;
	unsigned int servers, atts;
};
static LIST_HEAD(sb_users);
static DEFINE_MUTEX(sb_users_lock);

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
static int user_charge(kuid_t uid, bool server)
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

static void user_uncharge(kuid_t uid, bool server)
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

/* Live objects, for the debugfs "objects" file: the lab's leak checks. */
static atomic_t sb_nr_sessions, sb_nr_servers, sb_nr_conns, sb_nr_atts;

struct sb_session;
struct sb_conn;

struct sb_att {
	struct sb_server *srv;
	struct sb_conn *conn;
	struct sb_session *sess;	/* the attached process */
	struct list_head conn_node;
	unsigned int id;
	u64 root;
	kuid_t uid;			/* charged for it */
	u64 handoffs;			/* its calls that were handed off */
};

struct sb_server {
	struct kref ref;
	struct list_head node;		/* in sb_servers while registered */
	char name[SKYBRIDGE_NAME_LEN];
	int view;
	bool live;			/* registered: name, keys, remaps */
	struct sb_session *sess;	/* its session, while live */
	struct mm_struct *mm;
	u64 root;
	struct mmu_notifier mn;
	bool mn_registered;
	bool charged;			/* counted against its owner */
	u32 access;
	kuid_t owner, uid;
	kgid_t gid;
	u32 nr_slots, buf_size;
	struct page **pinned;
	unsigned int nr_pinned;
	struct sb_att *atts[SKYBRIDGE_MAX_ATTACH];
	u64 gone_calls, gone_busy;	/* counts of detached attachments */
	bool handoff;			/* SB_REGISTER_HANDOFF */
	struct sb_handoff *ho[SKYBRIDGE_MAX_SLOTS];	/* per slot */
	u64 *remapped;			/* roots remapped in its view now */
	unsigned int nr_remapped, max_remapped;
	unsigned long reach_gen;	/* remaps_sync()'s visit mark */
	unsigned long ho_queued;	/* slots whose handoff awaits a thread */
	u64 handoffs, handoffs_failed, handoff_faults;
};

struct sb_session {
	struct mm_struct *mm;		/* mmgrab()ed: its root outlives remaps */
	struct page *data[SB_TRAMP_DATA_PAGES];
	struct sb_server *server;
	bool was_server;		/* registered once: handoffs to cancel */
	unsigned long buf_addr;		/* the server's buffer mapping, or 0 */
	unsigned long buf_len;
};

struct sb_conn {
	struct sb_server *srv;
	struct list_head atts;
	struct page **buf;
	unsigned int nr_buf;
};

static const struct file_operations sb_conn_fops;
static int buf_update(struct sb_server *srv, struct sb_conn *conn,
		      unsigned int id, bool show);

static u64 *info_u64(struct sb_session *s, unsigned int off)
{
	return page_address(s->data[0]) + off;
}

/* The trampoline's counters of attachment @id (tramp.h, COUNT page). */
static u64 *count_u64(struct sb_session *s, unsigned int off, unsigned int id)
{
	return (u64 *)page_address(s->data[SB_TRAMP_DATA_PAGES - 1]) +
	       off / 8 + id;
}

static u64 root_of_mm(struct mm_struct *mm)
{
	return __pa(mm->pgd);
}

/* --- handoff ------------------------------------------------------------ */

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
enum sb_ho_state { HO_QUEUED, HO_ADOPTED, HO_DONE };

struct sb_handoff {
	struct list_head node;		/* in sb_handoffs */
	u64 token;
	u64 client_root;
	struct sb_server *srv;		/* NULL once the server is released */
	struct mm_struct *server_mm;	/* compared, never dereferenced */
	unsigned int slot;
	enum sb_ho_state state;
	bool orphan;			/* no client will collect the result */
	bool waiting;			/* a client thread is in SB_IOC_WAIT */
	s64 status;
	u64 value;
};

/* Bound the results nobody has collected yet (docs/design.md). */
#define SB_MAX_HANDOFFS		1024
#define SB_MAX_HANDOFFS_CLIENT	64	/* per client address space */

static LIST_HEAD(sb_handoffs);
static unsigned int sb_nr_handoffs;
static void server_put(struct sb_server *srv);
static DECLARE_WAIT_QUEUE_HEAD(sb_handoff_wq);

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
static void handoffs_server_gone(struct sb_server *srv)
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
static DECLARE_WORK(sb_handoff_work, sb_handoff_work_fn);

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
static long sb_park(struct sb_session *sess, void __user *arg)
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
static long sb_complete(struct sb_session *sess, void __user *arg)
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
static long sb_conn_wait(struct sb_conn *conn, void __user *arg)
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
static void handoffs_session_gone(struct sb_session *sess)
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

/* --- servers ------------------------------------------------------------ */

static void server_release(struct kref *ref)
{
	struct sb_server *srv = container_of(ref, struct sb_server, ref);
	struct sb_handoff *ho;

	mutex_lock(&sb_calls_lock);
	list_for_each_entry(ho, &sb_handoffs, node)
		if (ho->srv == srv)
			ho->srv = NULL;
	mutex_unlock(&sb_calls_lock);

	if (srv->view >= 0) {
		sb_view_destroy(srv->view);
		atomic_dec(&sb_nr_views);
	}
	if (srv->charged)
		user_uncharge(srv->owner, true);
	kfree(srv->remapped);
	kfree(srv);
	atomic_dec(&sb_nr_servers);
}

static void server_put(struct sb_server *srv)
{
	kref_put(&srv->ref, server_release);
}

/* --- remaps: who can run in a server's view ------------------------------ */

static bool roots_has(const u64 *roots, unsigned int n, u64 root)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		if (roots[i] == root)
			return true;
	return false;
}

/* Append @root to the array at @roots (@n used, @max allocated). */
static int roots_add(u64 **roots, unsigned int *n, unsigned int *max,
		     u64 root)
{
	if (*n == *max) {
		unsigned int grow = *max ? 2 * *max : 16;
		u64 *p = krealloc_array(*roots, grow, sizeof(u64), GFP_KERNEL);

		if (!p)
			return -ENOMEM;
		*roots = p;
		*max = grow;
	}
	(*roots)[(*n)++] = root;
	return 0;
}

static unsigned long sb_reach_gen;

/*
 * The roots that may be running when @target's view is entered: those of
 * its clients, and of the clients of every client that is a live server,
 * transitively (breadth first: the graph may have cycles, and the kernel
 * stack is no place for its depth).  @target's own root is left out: in
 * its own view it is its own address space already.
 */
static int reach_collect(struct sb_server *target, u64 **roots,
			 unsigned int *n, unsigned int *max)
{
	unsigned int head = 0, tail = 0, cap = atomic_read(&sb_nr_views) + 1;
	struct sb_server **queue;
	int err = 0;

	queue = kmalloc_array(cap, sizeof(*queue), GFP_KERNEL);
	if (!queue)
		return -ENOMEM;
	sb_reach_gen++;
	target->reach_gen = sb_reach_gen;
	queue[tail++] = target;
	while (head < tail && !err) {
		struct sb_server *srv = queue[head++];
		unsigned int i;

		for (i = 0; i < SKYBRIDGE_MAX_ATTACH && !err; i++) {
			struct sb_att *att = srv->atts[i];
			struct sb_server *via;

			if (!att)
				continue;
			if (att->root != target->root &&
			    !roots_has(*roots, *n, att->root))
				err = roots_add(roots, n, max, att->root);
			via = att->sess->server;
			if (via && via->live && via->reach_gen != sb_reach_gen &&
			    tail < cap) {
				via->reach_gen = sb_reach_gen;
				queue[tail++] = via;
			}
		}
	}
	kfree(queue);
	return err;
}

/*
 * Make @srv's view remap exactly the @n roots at @want onto its root:
 * removals first, then additions, then one flush on every CPU
 * (sb_calls_lock held).
 */
static int remaps_apply(struct sb_server *srv, const u64 *want, unsigned int n)
{
	bool changed = false;
	unsigned int i = 0;
	int err = 0;
	long ret;

	while (i < srv->nr_remapped) {
		u64 root = srv->remapped[i];

		if (roots_has(want, n, root)) {
			i++;
			continue;
		}
		ret = sb_hypercall(HC_VIEW_REMAP, srv->view, root, 0);
		if (ret)
			pr_err("view %d: cannot remove a remap: %ld\n",
			       srv->view, ret);
		srv->remapped[i] = srv->remapped[--srv->nr_remapped];
		changed = true;
	}
	for (i = 0; i < n && !err; i++) {
		if (roots_has(srv->remapped, srv->nr_remapped, want[i]))
			continue;
		err = roots_add(&srv->remapped, &srv->nr_remapped,
				&srv->max_remapped, want[i]);
		if (err)
			break;
		ret = sb_hypercall(HC_VIEW_REMAP, srv->view, want[i], srv->root);
		changed = true;
		if (ret) {
			/* Half made (the view or its return view): undo. */
			sb_hypercall(HC_VIEW_REMAP, srv->view, want[i], 0);
			srv->nr_remapped--;
			err = ret;
		}
	}
	if (changed)
		sb_view_flush(srv->view);
	return err;
}

/**
 * remaps_sync() - bring every live server's remaps up to date, after an
 * attachment or a server came or went (sb_calls_lock held)
 *
 * Return: 0, or the first error (-ENOMEM: memory or EPT tables); a caller
 * that added something then takes it away and syncs again.
 */
static int remaps_sync(void)
{
	struct sb_server *srv;
	int ret = 0;

	list_for_each_entry(srv, &sb_servers, node) {
		unsigned int n = 0, max = 0;
		u64 *want = NULL;
		int err;

		err = reach_collect(srv, &want, &n, &max);
		if (!err)
			err = remaps_apply(srv, want, n);
		kfree(want);
		if (err && !ret)
			ret = err;
	}
	return ret;
}

/*
 * Remove one attachment's key and buffer (sb_calls_lock held).  The
 * caller then runs remaps_sync(), which takes the remaps that are no
 * longer needed away.
 */
static void att_detach(struct sb_att *att)
{
	struct sb_server *srv = att->srv;

	srv->atts[att->id] = NULL;
	if (srv->live) {
		WRITE_ONCE(*info_u64(srv->sess, SBI_KEYS + 8 * att->id), 0);
		srv->gone_calls += xchg(count_u64(srv->sess, SBN_CALLS, att->id), 0);
		srv->gone_busy += xchg(count_u64(srv->sess, SBN_BUSY, att->id), 0);
		buf_update(srv, att->conn, att->id, false);
	}
	list_del(&att->conn_node);
	user_uncharge(att->uid, false);
	kfree(att);
	atomic_dec(&sb_nr_atts);
}

static void server_unpin(struct sb_server *srv)
{
	if (srv->pinned)
		unpin_user_pages(srv->pinned, srv->nr_pinned);
	kvfree(srv->pinned);
	srv->pinned = NULL;
	srv->nr_pinned = 0;
}

/*
 * Take the server out of service (sb_calls_lock held): no name, no keys, no
 * remaps.  The view and the structure live on while connections refer to
 * them.
 */
static void server_kill(struct sb_server *srv)
{
	unsigned int i;

	if (!srv->live)
		return;
	list_del_init(&srv->node);
	for (i = 0; i < SKYBRIDGE_MAX_ATTACH; i++)
		if (srv->atts[i])
			att_detach(srv->atts[i]);
	remaps_apply(srv, NULL, 0);
	remaps_sync();		/* what was reachable through it */
	WRITE_ONCE(*(u32 *)info_u64(srv->sess, SBI_VIEW), 0);
	handoffs_server_gone(srv);
	srv->live = false;
	srv->sess = NULL;
	wake_up_all(&sb_handoff_wq);
}

/* The server's page tables changed: no CPU may keep stale translations. */
static void sb_mn_invalidate_range(struct mmu_notifier *mn,
				   struct mm_struct *mm,
				   unsigned long start, unsigned long end)
{
	struct sb_server *srv = container_of(mn, struct sb_server, mn);

	sb_view_flush(srv->view);
}

/* The server's address space is going away: stop calls into it. */
static void sb_mn_release(struct mmu_notifier *mn, struct mm_struct *mm)
{
	struct sb_server *srv = container_of(mn, struct sb_server, mn);

	mutex_lock(&sb_calls_lock);
	server_kill(srv);
	mutex_unlock(&sb_calls_lock);
}

static const struct mmu_notifier_ops sb_mn_ops = {
	.invalidate_range	= sb_mn_invalidate_range,
	.release		= sb_mn_release,
};

/* Called without sb_calls_lock: mmu_notifier_unregister() may sleep long. */
static void server_destroy(struct sb_server *srv)
{
	if (srv->mn_registered)
		mmu_notifier_unregister(&srv->mn, srv->mm);
	server_unpin(srv);
	server_put(srv);
}

static const struct vm_operations_struct sb_vm_ops;

/* The trampoline's code mapping: the only place VMFUNC may be. */
static bool is_tramp_vma(struct vm_area_struct *vma)
{
	return vma->vm_ops == &sb_vm_ops && vma->vm_pgoff == 0;
}

static bool name_ok(const char *name)
{
	size_t i, n = strnlen(name, SKYBRIDGE_NAME_LEN);

	if (!n || n == SKYBRIDGE_NAME_LEN)
		return false;
	for (i = 0; i < n; i++)
		if (!isalnum(name[i]) && !strchr("._-", name[i]))
			return false;
	return true;
}

static struct sb_server *server_find(const char *name)
{
	struct sb_server *srv;

	list_for_each_entry(srv, &sb_servers, node)
		if (!strcmp(srv->name, name))
			return srv;
	return NULL;
}

static int pin_range(struct sb_server *srv, unsigned long start,
		     unsigned long end, unsigned int max)
{
	unsigned long n = (PAGE_ALIGN(end) - (start & PAGE_MASK)) >> PAGE_SHIFT;
	long got;

	if (srv->nr_pinned + n > max)
		return -E2BIG;
	got = pin_user_pages_fast(start & PAGE_MASK, n,
				  FOLL_WRITE | FOLL_LONGTERM,
				  srv->pinned + srv->nr_pinned);
	if (got > 0)
		srv->nr_pinned += got;
	return got == n ? 0 : -EFAULT;
}

#define SB_STACK_MAX	(1UL << 20)
#define SB_PIN_PER_SLOT	((SB_STACK_MAX >> PAGE_SHIFT) + 4)

/* Check and pin every slot's stack, TLS and rseq area. */
static int slots_setup(struct sb_server *srv, struct sb_session *sess,
		       const struct sb_slot_desc *d, unsigned int n)
{
	unsigned int i, max = n * SB_PIN_PER_SLOT;
	u8 *info = page_address(sess->data[0]);
	int err = 0;

	srv->pinned = kvcalloc(max, sizeof(*srv->pinned), GFP_KERNEL);
	if (!srv->pinned)
		return -ENOMEM;
	for (i = 0; i < n && !err; i++) {
		u64 top = d[i].stack_top, size = d[i].stack_size;
		u64 fs = d[i].fs_base, rseq = d[i].rseq;

		if ((top & 15) || !size || size > SB_STACK_MAX ||
		    top > TASK_SIZE_MAX || top < size || !fs || fs >= TASK_SIZE_MAX ||
		    (rseq & 31) || rseq >= TASK_SIZE_MAX - 32)
			return -EINVAL;
		err = pin_range(srv, top - size, top, max);
		err = err ?: pin_range(srv, fs - 1, fs + 8, max);
		if (!err && rseq)
			err = pin_range(srv, rseq, rseq + 32, max);
		memcpy(info + SBI_SLOTS + i * SBI_SLOT_SIZE + SBI_SLOT_STACK, &top, 8);
		memcpy(info + SBI_SLOTS + i * SBI_SLOT_SIZE + SBI_SLOT_FS, &fs, 8);
		memcpy(info + SBI_SLOTS + i * SBI_SLOT_SIZE + SBI_SLOT_RSEQ, &rseq, 8);
	}
	return err;
}

/*
 * The handler must be in an executable mapping; the connection buffers, if
 * any, must be mapped already, SKYBRIDGE_MAX_ATTACH buffers long.
 */
static int mappings_ok(struct sb_session *sess, u64 handler, u32 buf_size)
{
	struct vm_area_struct *vma;
	int err = 0;

	if (handler >= TASK_SIZE_MAX)
		return -EFAULT;
	mmap_read_lock(current->mm);
	vma = find_vma(current->mm, handler);
	if (!vma || vma->vm_start > handler || !(vma->vm_flags & VM_EXEC))
		err = -EFAULT;
	else if (buf_size && sess->buf_len != SKYBRIDGE_MAX_ATTACH * (u64)buf_size)
		err = -ENXIO;
	mmap_read_unlock(current->mm);
	return err;
}

static long sb_register(struct sb_session *sess, void __user *arg)
{
	struct sb_register r;
	struct sb_slot_desc *slots = NULL;
	struct sb_server *srv;
	int view, err;

	if (copy_from_user(&r, arg, sizeof(r)))
		return -EFAULT;
	if (r.size != sizeof(r) || (r.flags & ~SB_REGISTER_HANDOFF) ||
	    r.reserved[0] || r.reserved[1] ||
	    !r.nr_slots || r.nr_slots > SKYBRIDGE_MAX_SLOTS ||
	    !r.access || (r.access & ~(SB_ACCESS_UID | SB_ACCESS_GID | SB_ACCESS_ANY)) ||
	    (r.buf_size & ~PAGE_MASK) || r.buf_size > SKYBRIDGE_BUF_MAX ||
	    !name_ok(r.name))
		return -EINVAL;
	if (!sb_vmfunc_ok)
		return -EOPNOTSUPP;
	err = mappings_ok(sess, r.handler, r.buf_size);
	err = err ?: sb_lockdown(current->mm, is_tramp_vma);
	if (err)
		return err;
	slots = memdup_user(u64_to_user_ptr(r.slots),
			    r.nr_slots * sizeof(*slots));
	if (IS_ERR(slots))
		return PTR_ERR(slots);

	srv = kzalloc(sizeof(*srv), GFP_KERNEL);
	if (!srv) {
		kfree(slots);
		return -ENOMEM;
	}
	atomic_inc(&sb_nr_servers);
	kref_init(&srv->ref);
	INIT_LIST_HEAD(&srv->node);
	memcpy(srv->name, r.name, sizeof(srv->name));
	srv->view = -1;
	srv->mm = current->mm;
	srv->root = root_of_mm(current->mm);
	srv->access = r.access;
	srv->owner = current_euid();
	srv->uid = make_kuid(current_user_ns(), r.uid);
	srv->gid = make_kgid(current_user_ns(), r.gid);
	srv->nr_slots = r.nr_slots;
	srv->buf_size = r.buf_size;
	srv->handoff = r.flags & SB_REGISTER_HANDOFF;
	if (((r.access & SB_ACCESS_UID) && !uid_valid(srv->uid)) ||
	    ((r.access & SB_ACCESS_GID) && !gid_valid(srv->gid))) {
		err = -EINVAL;
		goto fail;
	}

	mutex_lock(&sb_calls_lock);
	err = sess->server ? -EBUSY : server_find(r.name) ? -EEXIST : 0;
	if (!err) {
		err = user_charge(srv->owner, true);
		srv->charged = !err;
	}
	if (!err)
		err = slots_setup(srv, sess, slots, r.nr_slots);
	if (!err) {
		view = sb_view_create_server(srv->handoff);
		err = view < 0 ? view : 0;
		if (!err)
			atomic_inc(&sb_nr_views);
	}
	if (err) {
		mutex_unlock(&sb_calls_lock);
		goto fail;
	}
	srv->view = view;
	srv->mn.ops = &sb_mn_ops;
	err = mmu_notifier_register(&srv->mn, current->mm);
	if (err) {
		mutex_unlock(&sb_calls_lock);
		goto fail;
	}
	srv->mn_registered = true;
	*info_u64(sess, SBI_HANDLER) = r.handler;
	*info_u64(sess, SBI_MASK) = r.nr_slots == 64 ? ~0ULL :
				    (1ULL << r.nr_slots) - 1;
	*info_u64(sess, SBI_BUSY) = 0;
	*info_u64(sess, SBI_DENIED) = 0;
	clear_page(page_address(sess->data[SB_TRAMP_DATA_PAGES - 1]));
	WRITE_ONCE(*(u32 *)info_u64(sess, SBI_VIEW), view);
	srv->sess = sess;
	srv->live = true;
	sess->server = srv;
	sess->was_server = true;
	list_add(&srv->node, &sb_servers);
	mutex_unlock(&sb_calls_lock);
	kfree(slots);

	r.view = view;
	if (copy_to_user(arg, &r, sizeof(r)))
		return -EFAULT;	/* registered all the same; INFO tells */
	return 0;

fail:
	kfree(slots);
	server_destroy(srv);
	return err;
}

static long sb_unregister(struct sb_session *sess)
{
	struct sb_server *srv;

	mutex_lock(&sb_calls_lock);
	srv = sess->server;
	if (srv)
		server_kill(srv);
	sess->server = NULL;
	mutex_unlock(&sb_calls_lock);
	if (!srv)
		return -ENOENT;
	server_destroy(srv);
	return 0;
}

static bool may_connect(struct sb_server *srv)
{
	if (srv->access & SB_ACCESS_ANY)
		return true;
	if (uid_eq(current_euid(), srv->owner))
		return true;
	if ((srv->access & SB_ACCESS_UID) && uid_eq(current_euid(), srv->uid))
		return true;
	return (srv->access & SB_ACCESS_GID) && in_egroup_p(srv->gid);
}

static long sb_lookup(void __user *arg)
{
	struct sb_lookup l;
	struct sb_server *srv;

	if (copy_from_user(&l, arg, sizeof(l)))
		return -EFAULT;
	if (l.size != sizeof(l) || l.flags || l.reserved[0] || l.reserved[1] ||
	    !name_ok(l.name))
		return -EINVAL;
	mutex_lock(&sb_calls_lock);
	srv = server_find(l.name);
	if (srv) {
		l.view = srv->view;
		l.nr_slots = srv->nr_slots;
		l.buf_size = srv->buf_size;
		l.owner_uid = from_kuid_munged(current_user_ns(), srv->owner);
	}
	mutex_unlock(&sb_calls_lock);
	if (!srv)
		return -ENOENT;
	return copy_to_user(arg, &l, sizeof(l)) ? -EFAULT : 0;
}

/* The server's buffer mapping, if it has one (server mm read-locked). */
static struct vm_area_struct *buf_vma(struct sb_server *srv)
{
	unsigned long addr = srv->live ? srv->sess->buf_addr : 0;
	struct vm_area_struct *vma = addr ? find_vma(srv->mm, addr) : NULL;

	if (vma && vma->vm_start == addr && vma->vm_private_data == srv->sess)
		return vma;
	return NULL;
}

static int buf_insert(struct vm_area_struct *vma, struct sb_server *srv,
		      struct sb_conn *conn, unsigned int id)
{
	unsigned long addr = vma->vm_start + (unsigned long)id * srv->buf_size;
	unsigned int i;
	int err = 0;

	for (i = 0; i < conn->nr_buf && !err; i++)
		err = vm_insert_page(vma, addr + i * PAGE_SIZE, conn->buf[i]);
	return err;
}

/*
 * Show (or, @show false, hide) a connection's buffer in the server's buffer
 * mapping at attachment @id, so that handlers never fault on it.  The range
 * is emptied first either way: vm_insert_page() never replaces a page, and
 * a page left there would show one connection's data to the next one at
 * that id.  (zap_page_range(), not zap_vma_ptes(): the latter only handles
 * VM_PFNMAP mappings and silently did nothing to this VM_MIXEDMAP one.)
 *
 * Return: 0, or the error of vm_insert_page() for @show.
 */
static int buf_update(struct sb_server *srv, struct sb_conn *conn,
		      unsigned int id, bool show)
{
	struct vm_area_struct *vma;
	unsigned long addr;
	int err = 0;

	if (!conn->nr_buf || !srv->live || !srv->sess->buf_addr ||
	    !mmget_not_zero(srv->mm))
		return 0;
	mmap_read_lock(srv->mm);
	vma = buf_vma(srv);
	if (vma) {
		addr = vma->vm_start + (unsigned long)id * srv->buf_size;
		zap_page_range(vma, addr, srv->buf_size);
		if (show)
			err = buf_insert(vma, srv, conn, id);
	}
	mmap_read_unlock(srv->mm);
	mmput(srv->mm);
	if (err)
		pr_warn_ratelimited("server %s: cannot map connection buffer %u: %d\n",
				    srv->name, id, err);
	return err;
}

/* Attach @sess to @conn (sb_calls_lock held). */
static int att_create(struct sb_session *sess, struct sb_conn *conn,
		      u32 *id, u64 *key)
{
	struct sb_server *srv = conn->srv;
	struct sb_att *att;
	unsigned int i;
	long ret;

	if (!srv->live)
		return -EPIPE;
	if (!may_connect(srv))
		return -EACCES;
	list_for_each_entry(att, &conn->atts, conn_node)
		if (att->sess == sess)
			return -EEXIST;
	for (i = 0; i < SKYBRIDGE_MAX_ATTACH && srv->atts[i]; i++)
		;
	if (i == SKYBRIDGE_MAX_ATTACH)
		return -ENOSPC;
	att = kzalloc(sizeof(*att), GFP_KERNEL);
	if (!att)
		return -ENOMEM;
	att->uid = current_euid();
	ret = user_charge(att->uid, false);
	if (ret) {
		kfree(att);
		return ret;
	}
	att->srv = srv;
	att->conn = conn;
	att->sess = sess;
	att->id = i;
	att->root = root_of_mm(sess->mm);
	do {
		*key = get_random_u64();
	} while (!*key);

	atomic_inc(&sb_nr_atts);
	srv->atts[i] = att;
	list_add(&att->conn_node, &conn->atts);
	ret = remaps_sync() ?: buf_update(srv, conn, i, true);
	if (ret) {
		att_detach(att);
		remaps_sync();
		return ret;
	}
	WRITE_ONCE(*count_u64(srv->sess, SBN_CALLS, i), 0);
	WRITE_ONCE(*count_u64(srv->sess, SBN_BUSY, i), 0);
	WRITE_ONCE(*info_u64(srv->sess, SBI_KEYS + 8 * i), *key);
	*id = i;
	return 0;
}

static struct sb_conn *conn_alloc(struct sb_server *srv)
{
	struct sb_conn *conn = kzalloc(sizeof(*conn), GFP_KERNEL);
	unsigned int i;

	if (!conn)
		return NULL;
	INIT_LIST_HEAD(&conn->atts);
	conn->nr_buf = srv->buf_size >> PAGE_SHIFT;
	if (conn->nr_buf) {
		conn->buf = kcalloc(conn->nr_buf, sizeof(*conn->buf), GFP_KERNEL);
		for (i = 0; conn->buf && i < conn->nr_buf; i++) {
			conn->buf[i] = alloc_page(GFP_KERNEL_ACCOUNT | __GFP_ZERO);
			if (!conn->buf[i])
				break;
		}
		if (!conn->buf || i < conn->nr_buf) {
			while (conn->buf && i--)
				__free_page(conn->buf[i]);
			kfree(conn->buf);
			kfree(conn);
			return NULL;
		}
	}
	kref_get(&srv->ref);
	conn->srv = srv;
	atomic_inc(&sb_nr_conns);
	return conn;
}

static void conn_free(struct sb_conn *conn)
{
	unsigned int i;

	for (i = 0; i < conn->nr_buf; i++)
		__free_page(conn->buf[i]);
	kfree(conn->buf);
	server_put(conn->srv);
	kfree(conn);
	atomic_dec(&sb_nr_conns);
}

static long sb_connect(struct sb_session *sess, void __user *arg)
{
	struct sb_connect c;
	struct sb_server *srv;
	struct sb_conn *conn = NULL;
	int fd, err;

	if (copy_from_user(&c, arg, sizeof(c)))
		return -EFAULT;
	if (c.size != sizeof(c) || c.flags || c.reserved[0] || c.reserved[1] ||
	    !name_ok(c.name))
		return -EINVAL;
	/* No scan (slow) for a name nobody serves. */
	mutex_lock(&sb_calls_lock);
	err = server_find(c.name) ? 0 : -ENOENT;
	mutex_unlock(&sb_calls_lock);
	err = err ?: sb_lockdown(current->mm, is_tramp_vma);
	if (err)
		return err;
	mutex_lock(&sb_calls_lock);
	srv = server_find(c.name);
	err = srv ? 0 : -ENOENT;
	if (!err) {
		conn = conn_alloc(srv);
		err = conn ? 0 : -ENOMEM;
	}
	if (!err)
		err = att_create(sess, conn, &c.id, &c.key);
	if (!err) {
		c.view = srv->view;
		c.buf_size = srv->buf_size;
	}
	mutex_unlock(&sb_calls_lock);
	if (err) {
		if (conn)
			conn_free(conn);
		return err;
	}
	fd = anon_inode_getfd("[skybridge-conn]", &sb_conn_fops, conn,
			      O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		mutex_lock(&sb_calls_lock);
		att_detach(list_first_entry(&conn->atts, struct sb_att, conn_node));
		remaps_sync();
		mutex_unlock(&sb_calls_lock);
		conn_free(conn);
		return fd;
	}
	c.fd = fd;
	if (copy_to_user(arg, &c, sizeof(c)))
		return -EFAULT;	/* the fd stays; closing it detaches */
	return 0;
}

static long sb_attach(struct sb_session *sess, void __user *arg)
{
	struct sb_attach a;
	struct sb_conn *conn;
	struct fd f;
	int err;

	if (copy_from_user(&a, arg, sizeof(a)))
		return -EFAULT;
	if (a.size != sizeof(a) || a.flags || a.reserved[0] || a.reserved[1])
		return -EINVAL;
	err = sb_lockdown(current->mm, is_tramp_vma);
	if (err)
		return err;
	f = fdget(a.conn_fd);
	if (!f.file)
		return -EBADF;
	if (f.file->f_op != &sb_conn_fops) {
		fdput(f);
		return -EINVAL;
	}
	conn = f.file->private_data;
	mutex_lock(&sb_calls_lock);
	err = att_create(sess, conn, &a.id, &a.key);
	if (!err) {
		a.view = conn->srv->view;
		a.buf_size = conn->srv->buf_size;
	}
	mutex_unlock(&sb_calls_lock);
	fdput(f);
	if (err)
		return err;
	return copy_to_user(arg, &a, sizeof(a)) ? -EFAULT : 0;
}

/* Fill @st from @srv's counters (sb_calls_lock held, server live). */
static void server_stats(struct sb_server *srv, struct sb_call_stats *st)
{
	unsigned int i;

	st->calls = srv->gone_calls;
	st->busy = srv->gone_busy;
	for (i = 0; i < SKYBRIDGE_MAX_ATTACH; i++) {
		st->calls += READ_ONCE(*count_u64(srv->sess, SBN_CALLS, i));
		st->busy += READ_ONCE(*count_u64(srv->sess, SBN_BUSY, i));
		st->attachments += !!srv->atts[i];
	}
	st->denied = READ_ONCE(*info_u64(srv->sess, SBI_DENIED));
	st->handoffs = srv->handoffs;
	st->handoffs_failed = srv->handoffs_failed;
	st->handoff_faults = srv->handoff_faults;
	st->slots_busy = hweight64(READ_ONCE(*info_u64(srv->sess, SBI_BUSY)));
}

static int stats_in(struct sb_call_stats *st, void __user *arg)
{
	if (copy_from_user(st, arg, sizeof(*st)))
		return -EFAULT;
	if (st->size != sizeof(*st) || st->flags)
		return -EINVAL;
	*st = (struct sb_call_stats){ .size = sizeof(*st) };
	return 0;
}

/* SB_IOC_STATS on a session: the caller's server. */
static long sb_session_stats(struct sb_session *sess, void __user *arg)
{
	struct sb_call_stats st;
	int err = stats_in(&st, arg);

	if (err)
		return err;
	mutex_lock(&sb_calls_lock);
	if (sess->server && sess->server->live)
		server_stats(sess->server, &st);
	else
		err = -ENOENT;
	mutex_unlock(&sb_calls_lock);
	if (err)
		return err;
	return copy_to_user(arg, &st, sizeof(st)) ? -EFAULT : 0;
}

/* --- connection files ---------------------------------------------------- */

/* SB_IOC_STATS on a connection: the caller's attachment. */
static long sb_conn_ioctl(struct file *file, unsigned int cmd,
			  unsigned long arg)
{
	struct sb_conn *conn = file->private_data;
	void __user *uarg = (void __user *)arg;
	struct sb_call_stats st;
	struct sb_att *att;
	int err;

	if (cmd == SB_IOC_WAIT)
		return sb_conn_wait(conn, uarg);
	if (cmd != SB_IOC_STATS)
		return -ENOTTY;
	err = stats_in(&st, uarg);
	if (err)
		return err;
	err = -ENOTCONN;
	mutex_lock(&sb_calls_lock);
	list_for_each_entry(att, &conn->atts, conn_node) {
		if (att->sess->mm != current->mm || !conn->srv->live)
			continue;
		st.calls = READ_ONCE(*count_u64(conn->srv->sess, SBN_CALLS, att->id));
		st.busy = READ_ONCE(*count_u64(conn->srv->sess, SBN_BUSY, att->id));
		st.handoffs = att->handoffs;
		err = 0;
	}
	mutex_unlock(&sb_calls_lock);
	if (err)
		return err;
	return copy_to_user(uarg, &st, sizeof(st)) ? -EFAULT : 0;
}

/* close() in a process detaches that process (if it is attached). */
static int sb_conn_flush(struct file *file, fl_owner_t id)
{
	struct sb_conn *conn = file->private_data;
	struct sb_att *att, *tmp;

	if (!current->mm)
		return 0;
	mutex_lock(&sb_calls_lock);
	list_for_each_entry_safe(att, tmp, &conn->atts, conn_node)
		if (att->sess->mm == current->mm)
			att_detach(att);
	remaps_sync();
	mutex_unlock(&sb_calls_lock);
	return 0;
}

static int sb_conn_release(struct inode *inode, struct file *file)
{
	struct sb_conn *conn = file->private_data;
	struct sb_att *att, *tmp;

	mutex_lock(&sb_calls_lock);
	list_for_each_entry_safe(att, tmp, &conn->atts, conn_node)
		att_detach(att);
	remaps_sync();
	mutex_unlock(&sb_calls_lock);
	conn_free(conn);
	return 0;
}

static int sb_vma_mremap(struct vm_area_struct *vma)
{
	return -EINVAL;
}

static int sb_vma_split(struct vm_area_struct *vma, unsigned long addr)
{
	return -EINVAL;
}

static const struct vm_operations_struct sb_vm_ops = {
	.mremap		= sb_vma_mremap,
	.may_split	= sb_vma_split,
};

static int insert_pages(struct vm_area_struct *vma, struct page **pages,
			unsigned int n)
{
	unsigned int i;
	int err = 0;

	for (i = 0; i < n && !err; i++)
		err = vm_insert_page(vma, vma->vm_start + i * PAGE_SIZE, pages[i]);
	return err;
}

/* Shared, never inherited, never moved, grown, dumped or split. */
static int vma_setup(struct vm_area_struct *vma, unsigned long len)
{
	if (vma->vm_end - vma->vm_start != len || !(vma->vm_flags & VM_SHARED))
		return -EINVAL;
	vma->vm_flags |= VM_DONTCOPY | VM_DONTEXPAND | VM_DONTDUMP | VM_MIXEDMAP;
	vma->vm_ops = &sb_vm_ops;
	return 0;
}

static int sb_conn_mmap(struct file *file, struct vm_area_struct *vma)
{
	struct sb_conn *conn = file->private_data;
	int err;

	if (vma->vm_pgoff || !conn->nr_buf || (vma->vm_flags & VM_EXEC))
		return -EINVAL;
	err = vma_setup(vma, (unsigned long)conn->nr_buf << PAGE_SHIFT);
	if (err)
		return err;
	vma->vm_flags &= ~VM_MAYEXEC;
	return insert_pages(vma, conn->buf, conn->nr_buf);
}

static const struct file_operations sb_conn_fops = {
	.owner		= THIS_MODULE,
	.unlocked_ioctl	= sb_conn_ioctl,
	.flush		= sb_conn_flush,
	.release	= sb_conn_release,
	.mmap		= sb_conn_mmap,
	.llseek		= noop_llseek,
};

/* --- sessions: the /dev/skybridge file ----------------------------------- */

int sb_dev_open(struct inode *inode, struct file *file)
{
	struct sb_session *sess;
	unsigned int i;

	if (!current->mm)
		return -EINVAL;
	sess = kzalloc(sizeof(*sess), GFP_KERNEL);
	if (!sess)
		return -ENOMEM;
	for (i = 0; i < SB_TRAMP_DATA_PAGES; i++) {
		sess->data[i] = alloc_page(GFP_KERNEL_ACCOUNT | __GFP_ZERO);
		if (!sess->data[i])
			goto nomem;
	}
	mmgrab(current->mm);
	sess->mm = current->mm;
	file->private_data = sess;
	atomic_inc(&sb_nr_sessions);
	return 0;
nomem:
	while (i--)
		__free_page(sess->data[i]);
	kfree(sess);
	return -ENOMEM;
}

int sb_dev_release(struct inode *inode, struct file *file)
{
	struct sb_session *sess = file->private_data;
	struct sb_server *srv, *s;
	unsigned int i;

	/*
	 * Take down its server (the mm may have gone first: then the
	 * notifier's release already took it out of service) and detach this
	 * process from every server it is attached to.
	 */
	mutex_lock(&sb_calls_lock);
	srv = sess->server;
	if (srv)
		server_kill(srv);
	sess->server = NULL;
	list_for_each_entry(s, &sb_servers, node)
		for (i = 0; i < SKYBRIDGE_MAX_ATTACH; i++)
			if (s->atts[i] && s->atts[i]->sess == sess)
				att_detach(s->atts[i]);
	remaps_sync();
	handoffs_session_gone(sess);
	mutex_unlock(&sb_calls_lock);
	if (srv)
		server_destroy(srv);
	for (i = 0; i < SB_TRAMP_DATA_PAGES; i++)
		__free_page(sess->data[i]);
	mmdrop(sess->mm);
	kfree(sess);
	atomic_dec(&sb_nr_sessions);
	return 0;
}

/*
 * The debugfs "servers" file (skyctl reads it): one line per registered
 * server, then one per attachment.
 */
void sb_calls_show_servers(struct seq_file *m)
{
	struct sb_server *srv;
	unsigned int i;

	mutex_lock(&sb_calls_lock);
	list_for_each_entry(srv, &sb_servers, node) {
		struct sb_call_stats st = { .size = sizeof(st) };

		server_stats(srv, &st);
		seq_printf(m, "server %s view %d owner %u slots %u busy_now %u attachments %u calls %llu busy %llu denied %llu handoffs %llu handoffs_failed %llu faults %llu\n",
			   srv->name, srv->view,
			   from_kuid_munged(&init_user_ns, srv->owner),
			   srv->nr_slots, st.slots_busy, st.attachments,
			   st.calls, st.busy, st.denied, st.handoffs,
			   st.handoffs_failed, st.handoff_faults);
		for (i = 0; i < SKYBRIDGE_MAX_ATTACH; i++) {
			struct sb_att *att = srv->atts[i];

			if (!att)
				continue;
			seq_printf(m, "  attachment %u uid %u calls %llu busy %llu handoffs %llu\n",
				   i, from_kuid_munged(&init_user_ns, att->uid),
				   READ_ONCE(*count_u64(srv->sess, SBN_CALLS, i)),
				   READ_ONCE(*count_u64(srv->sess, SBN_BUSY, i)),
				   att->handoffs);
		}
	}
	mutex_unlock(&sb_calls_lock);
}

/* The debugfs "objects" file: what is alive now. */
void sb_calls_show_objects(struct seq_file *m)
{
	unsigned int handoffs;

	mutex_lock(&sb_calls_lock);
	handoffs = sb_nr_handoffs;
	mutex_unlock(&sb_calls_lock);
	seq_printf(m, "sessions %d\nservers %d\nconnections %d\nattachments %d\nviews %d\nhandoffs %u\n",
		   atomic_read(&sb_nr_sessions), atomic_read(&sb_nr_servers),
		   atomic_read(&sb_nr_conns), atomic_read(&sb_nr_atts),
		   atomic_read(&sb_nr_views), handoffs);
}

int sb_dev_mmap(struct file *file, struct vm_area_struct *vma)
{
	struct sb_session *sess = file->private_data;
	int err;

	if (current->mm != sess->mm)
		return -EBADFD;
	if (vma->vm_pgoff == 0) {
		if (!sb_vmfunc_ok)
			return -EOPNOTSUPP;
		if (vma->vm_start != SB_TRAMP_BASE || (vma->vm_flags & VM_WRITE))
			return -EINVAL;
		err = vma_setup(vma, SB_TRAMP_CODE_PAGES * PAGE_SIZE);
		if (err)
			return err;
		vma->vm_flags &= ~VM_MAYWRITE;
		return insert_pages(vma, sb_code, SB_TRAMP_CODE_PAGES);
	}
	if (vma->vm_pgoff == SB_TRAMP_DATA_PGOFF) {
		if (vma->vm_start != SB_TRAMP_DATA || (vma->vm_flags & VM_EXEC))
			return -EINVAL;
		err = vma_setup(vma, SB_TRAMP_DATA_PAGES * PAGE_SIZE);
		if (err)
			return err;
		vma->vm_flags &= ~VM_MAYEXEC;
		return insert_pages(vma, sess->data, SB_TRAMP_DATA_PAGES);
	}
	if (vma->vm_pgoff == SB_BUF_PGOFF) {
		/*
		 * Before registration only (so no connection exists yet and no
		 * lock is needed: the caller holds our mm's mmap lock, which
		 * sb_register() takes to read these fields).
		 */
		if ((vma->vm_flags & VM_EXEC) || READ_ONCE(sess->server) ||
		    sess->buf_addr)
			return -EINVAL;
		err = vma_setup(vma, vma->vm_end - vma->vm_start);
		if (err)
			return err;
		vma->vm_flags &= ~VM_MAYEXEC;
		vma->vm_private_data = sess;
		sess->buf_addr = vma->vm_start;
		sess->buf_len = vma->vm_end - vma->vm_start;
		return 0;
	}
	return -EINVAL;
}

static long sb_info(void __user *arg)
{
	struct sb_info info;

	if (copy_from_user(&info, arg, sizeof(info)))
		return -EFAULT;
	if (info.size != sizeof(info))
		return -EINVAL;
	memset(&info, 0, sizeof(info));
	info.size = sizeof(info);
	info.api_version = SB_API_VERSION;
	info.flags = (sb_vmfunc_ok ? SB_INFO_VMFUNC : 0) |
		     (boot_cpu_has(X86_FEATURE_PTI) ? SB_INFO_PTI : 0);
	info.nr_cpus = nr_cpu_ids;
	info.tramp_base = SB_TRAMP_BASE;
	/* In servers: each takes a pair (its view and its return view). */
	info.views_free = (HV_NR_VIEWS - HV_VIEW_FIRST) / 2 -
			  atomic_read(&sb_nr_views);
	return copy_to_user(arg, &info, sizeof(info)) ? -EFAULT : 0;
}

long sb_dev_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	struct sb_session *sess = file->private_data;
	void __user *uarg = (void __user *)arg;

	switch (cmd) {
	case SB_IOC_INFO:
		return sb_info(uarg);
	case SB_IOC_LOOKUP:
		return sb_lookup(uarg);
	case SB_IOC_REGISTER:
	case SB_IOC_UNREGISTER:
	case SB_IOC_CONNECT:
	case SB_IOC_ATTACH:
	case SB_IOC_STATS:
	case SB_IOC_PARK:
	case SB_IOC_COMPLETE:
		break;
	default:
		return -ENOTTY;
	}
	if (current->mm != sess->mm)
		return -EBADFD;
	switch (cmd) {
	case SB_IOC_REGISTER:
		return sb_register(sess, uarg);
	case SB_IOC_UNREGISTER:
		return sb_unregister(sess);
	case SB_IOC_CONNECT:
		return sb_connect(sess, uarg);
	case SB_IOC_STATS:
		return sb_session_stats(sess, uarg);
	case SB_IOC_PARK:
		return sb_park(sess, uarg);
	case SB_IOC_COMPLETE:
		return sb_complete(sess, uarg);
	default:
		return sb_attach(sess, uarg);
	}
}

/* --- module init ----------------------------------------------------------- */

const struct hv_tramp *sb_tramp(void)
{
	return sb_vmfunc_ok ? &sb_hv_tramp : NULL;
}

static bool cpu_can_call(void)
{
	if (!boot_cpu_has(X86_FEATURE_FSGSBASE) || !(__read_cr4() & X86_CR4_FSGSBASE)) {
		pr_warn("direct calls off: FSGSBASE is not enabled\n");
		return false;
	}
	if (!boot_cpu_has(X86_FEATURE_RDTSCP) || !boot_cpu_has(X86_FEATURE_XSAVE)) {
		pr_warn("direct calls off: no RDTSCP or XSAVE\n");
		return false;
	}
	if (nr_cpu_ids > SKYBRIDGE_MAX_CPUS) {
		pr_warn("direct calls off: more than %d CPUs\n", SKYBRIDGE_MAX_CPUS);
		return false;
	}
	return true;
}

/**
 * sb_calls_init() - copy the trampoline into pages of its own; before
 * hv_init(), which needs their addresses
 */
int sb_calls_init(void)
{
	unsigned int i;

	BUILD_BUG_ON(SB_TRAMP_CODE_PAGES != ARRAY_SIZE(sb_hv_tramp.code_pa));
	if (sb_tramp_end - sb_tramp_start != SB_TRAMP_CODE_PAGES * PAGE_SIZE)
		return -EINVAL;
	if (!cpu_can_call())
		return 0;
	for (i = 0; i < SB_TRAMP_CODE_PAGES; i++) {
		sb_code[i] = alloc_page(GFP_KERNEL);
		if (!sb_code[i]) {
			sb_calls_exit();
			return -ENOMEM;
		}
		memcpy(page_address(sb_code[i]), sb_tramp_start + i * PAGE_SIZE,
		       PAGE_SIZE);
		sb_hv_tramp.code_pa[i] = page_to_phys(sb_code[i]);
	}
	sb_hv_tramp.resume_off = sb_tramp_t3_resume - sb_tramp_start;
	sb_hv_tramp.handler_ret_off = sb_tramp_t1_ret - sb_tramp_start;
	sb_hv_tramp.abort_off = sb_tramp_t1_abort - sb_tramp_start;
	sb_vmfunc_ok = true;
	return 0;
}

/* After every CPU is native again: no view can run the pages any more. */
void sb_calls_exit(void)
{
	unsigned int i;

	WRITE_ONCE(sb_vmfunc_ok, false);
	cancel_work_sync(&sb_handoff_work);
	for (i = 0; i < SB_TRAMP_CODE_PAGES; i++) {
		if (sb_code[i])
			__free_page(sb_code[i]);
		sb_code[i] = NULL;
	}
	sb_vmfunc_ok = false;
}
