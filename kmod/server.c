// SPDX-License-Identifier: GPL-2.0
/*
 * server.c - the server registry: SB_IOC_REGISTER (checking the handler's
 * and the buffers' mappings, pinning every slot's stack, TLS and rseq area,
 * taking a view pair), SB_IOC_UNREGISTER and SB_IOC_LOOKUP, taking a server
 * out of service (server_kill()) and freeing it with its last reference,
 * and the mmu notifier on a server's mm.  It owns sb_calls_lock, the one
 * mutex that orders every change of servers, attachments, remaps and
 * handoffs, and sb_servers, the list of live servers, under it.  A
 * server's memory lives by its kref (held by its session, each connection
 * and each parked thread); server_release() takes sb_calls_lock itself, so
 * server_put() and server_destroy() (mmu_notifier_unregister() may sleep
 * long) are called without it.  The notifier's invalidate_range takes no
 * lock of ours (it only flushes the view); its release takes
 * sb_calls_lock.  Registration checks the caller's mappings under its mmap
 * read lock, before it takes sb_calls_lock.
 */
#include <linux/cred.h>
#include <linux/ctype.h>
#include <linux/kref.h>
#include <linux/list.h>
#include <linux/mm.h>
#include <linux/mmu_notifier.h>
#include <linux/mutex.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uaccess.h>

#include "../uapi/skybridge.h"
#include "compat.h"
#include "kmod.h"
#include "objects.h"

DEFINE_MUTEX(sb_calls_lock);
LIST_HEAD(sb_servers);

/* Live servers, for the debugfs "objects" file. */
atomic_t sb_nr_servers;
atomic_t sb_nr_views = ATOMIC_INIT(0);	/* server views in use */

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

void server_put(struct sb_server *srv)
{
	kref_put(&srv->ref, server_release);
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
void server_kill(struct sb_server *srv)
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
	.SB_MN_INVALIDATE	= sb_mn_invalidate_range,
	.release		= sb_mn_release,
};

/* Called without sb_calls_lock: mmu_notifier_unregister() may sleep long. */
void server_destroy(struct sb_server *srv)
{
	if (srv->mn_registered)
		mmu_notifier_unregister(&srv->mn, srv->mm);
	server_unpin(srv);
	server_put(srv);
}

bool name_ok(const char *name)
{
	size_t i, n = strnlen(name, SKYBRIDGE_NAME_LEN);

	if (!n || n == SKYBRIDGE_NAME_LEN)
		return false;
	for (i = 0; i < n; i++)
		if (!isalnum(name[i]) && !strchr("._-", name[i]))
			return false;
	return true;
}

struct sb_server *server_find(const char *name)
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

long sb_register(struct sb_session *sess, void __user *arg)
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
	err = err ?: sb_shstk_refused();
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
		u16 owner = sb_owner_of(srv->owner);

		view = owner ? sb_view_create_server(srv->handoff, owner) : -EDQUOT;
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

long sb_unregister(struct sb_session *sess)
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

long sb_lookup(void __user *arg)
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
