// SPDX-License-Identifier: GPL-2.0
/*
 * conn.c - connections and attachments.  SB_IOC_CONNECT makes a connection,
 * an anonymous file that holds a reference on its server and the
 * connection's buffer pages, and attaches the caller through it;
 * SB_IOC_ATTACH attaches another process that holds the file.  Attaching
 * charges the user, writes a random key at the attachment's id in the
 * server's key table, shows the connection's buffer in the server's buffer
 * mapping and remaps the process's root (remap.c); detaching undoes it all.
 * The connection file detaches the process that closes it, every process on
 * its release, and answers SB_IOC_STATS (the caller's attachment) and
 * SB_IOC_WAIT (handoff.c).  sb_calls_lock (server.c) protects the
 * attachments, a connection's list of them and a server's atts[]; showing
 * or hiding a buffer also takes the server's mmap read lock, inside it.  A
 * connection lives as long as its file, its buffer pages unchanged.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/anon_inodes.h>
#include <linux/cred.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/kref.h>
#include <linux/list.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/random.h>
#include <linux/sched/mm.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "../uapi/skybridge.h"
#include "compat.h"
#include "kmod.h"
#include "objects.h"

/* Live connections and attachments, for the debugfs "objects" file. */
atomic_t sb_nr_conns, sb_nr_atts;

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
		sb_zap_range(vma, addr, srv->buf_size);
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

/*
 * Remove one attachment's key and buffer (sb_calls_lock held).  The
 * caller then runs remaps_sync(), which takes the remaps that are no
 * longer needed away.
 */
void att_detach(struct sb_att *att)
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
	/* No owner id left for a new user: its remaps could not be charged. */
	ret = sb_owner_of(att->uid) ? user_charge(att->uid, false) : -EDQUOT;
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

static int sb_conn_mmap(struct file *file, struct vm_area_struct *vma)
{
	struct sb_conn *conn = file->private_data;
	int err;

	if (vma->vm_pgoff || !conn->nr_buf || (vma->vm_flags & VM_EXEC))
		return -EINVAL;
	err = vma_setup(vma, (unsigned long)conn->nr_buf << PAGE_SHIFT);
	if (err)
		return err;
	sb_vm_flags_clear(vma, VM_MAYEXEC);
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

long sb_connect(struct sb_session *sess, void __user *arg)
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
	err = err ?: sb_shstk_refused();
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

long sb_attach(struct sb_session *sess, void __user *arg)
{
	struct sb_attach a;
	struct sb_conn *conn;
	struct fd f;
	int err;

	if (copy_from_user(&a, arg, sizeof(a)))
		return -EFAULT;
	if (a.size != sizeof(a) || a.flags || a.reserved[0] || a.reserved[1])
		return -EINVAL;
	err = sb_shstk_refused() ?: sb_lockdown(current->mm, is_tramp_vma);
	if (err)
		return err;
	f = fdget(a.conn_fd);
	if (!sb_fd_file(f))
		return -EBADF;
	if (sb_fd_file(f)->f_op != &sb_conn_fops) {
		fdput(f);
		return -EINVAL;
	}
	conn = sb_fd_file(f)->private_data;
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
