// SPDX-License-Identifier: GPL-2.0
/*
 * device.c - the /dev/skybridge file: a session per open file (the
 * process's data pages, and its mm, held by mmgrab() so that its root
 * outlives every remap), the mappings of the trampoline's code and data
 * and of a server's buffers, the ioctls' dispatch, SB_IOC_INFO and
 * SB_IOC_STATS, the debugfs "servers" and "objects" files and their
 * figures for SB_IOC_SYSSTATS (sysstats.c), and the trampoline's code
 * pages, copied at module init.  sb_calls_lock (server.c) protects what a
 * session's release takes down (its server, its attachments, its handoffs)
 * and the servers that STATS, SYSSTATS and "servers" read.  The code pages
 * and sb_vmfunc_ok are written at module init and exit only, when no
 * process can call; a session's buffer address is set by mmap() before it
 * registers, under the process's mmap lock, which sb_register() reads it
 * under.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/cred.h>
#include <linux/fs.h>
#include <linux/list.h>
#include <linux/mm.h>
#include <linux/mutex.h>
#include <linux/sched/mm.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uaccess.h>
#include <asm/io.h>
#include <asm/processor.h>

#include "../hv/hv.h"
#include "../uapi/skybridge.h"
#include "compat.h"
#include "kmod.h"
#include "objects.h"
#include "tramp.h"

static struct page *sb_code[SB_TRAMP_CODE_PAGES];
static struct hv_tramp sb_hv_tramp;
bool sb_vmfunc_ok;

/* Live sessions, for the debugfs "objects" file. */
static atomic_t sb_nr_sessions;

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

/* The trampoline's code mapping: the only place VMFUNC may be. */
bool is_tramp_vma(struct vm_area_struct *vma)
{
	return vma->vm_ops == &sb_vm_ops && vma->vm_pgoff == 0;
}

int insert_pages(struct vm_area_struct *vma, struct page **pages,
		 unsigned int n)
{
	unsigned int i;
	int err = 0;

	for (i = 0; i < n && !err; i++)
		err = vm_insert_page(vma, vma->vm_start + i * PAGE_SIZE, pages[i]);
	return err;
}

/* Shared, never inherited, never moved, grown, dumped or split. */
int vma_setup(struct vm_area_struct *vma, unsigned long len)
{
	if (vma->vm_end - vma->vm_start != len || !(vma->vm_flags & VM_SHARED))
		return -EINVAL;
	sb_vm_flags_set(vma, VM_DONTCOPY | VM_DONTEXPAND | VM_DONTDUMP | VM_MIXEDMAP);
	vma->vm_ops = &sb_vm_ops;
	return 0;
}

/* --- sessions: the /dev/skybridge file ----------------------------------- */

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

int stats_in(struct sb_call_stats *st, void __user *arg)
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

/*
 * SB_IOC_SYSSTATS's server list: the first @room_srv servers into @srv and
 * the first @room_att of their attachments (in server order, then by id)
 * into @att; how many of each there are in *@nr_srv and *@nr_att.  The
 * figures are the debugfs "servers" file's; uids in @ns.
 */
void sb_calls_list_servers(struct user_namespace *ns,
			   struct sb_sysstats_server *srv, u32 room_srv,
			   u32 *nr_srv, struct sb_sysstats_attachment *att,
			   u32 room_att, u32 *nr_att)
{
	struct sb_server *s;
	u32 nsrv = 0, na = 0;
	unsigned int i;

	mutex_lock(&sb_calls_lock);
	list_for_each_entry(s, &sb_servers, node) {
		if (nsrv < room_srv) {
			struct sb_sysstats_server *r = &srv[nsrv];
			struct sb_call_stats st = { .size = sizeof(st) };

			server_stats(s, &st);
			strscpy(r->name, s->name, sizeof(r->name));
			r->view = s->view;
			r->owner_uid = from_kuid_munged(ns, s->owner);
			r->nr_slots = s->nr_slots;
			r->slots_busy = st.slots_busy;
			r->attachments = st.attachments;
			r->calls = st.calls;
			r->busy = st.busy;
			r->denied = st.denied;
			r->handoffs = st.handoffs;
			r->handoffs_failed = st.handoffs_failed;
			r->handoff_faults = st.handoff_faults;
		}
		for (i = 0; i < SKYBRIDGE_MAX_ATTACH; i++) {
			struct sb_att *a = s->atts[i];
			struct sb_sysstats_attachment *r;

			if (!a || na++ >= room_att)
				continue;
			r = &att[na - 1];
			r->server = nsrv;
			r->id = i;
			r->uid = from_kuid_munged(ns, a->uid);
			r->calls = READ_ONCE(*count_u64(s->sess, SBN_CALLS, i));
			r->busy = READ_ONCE(*count_u64(s->sess, SBN_BUSY, i));
			r->handoffs = a->handoffs;
		}
		nsrv++;
	}
	mutex_unlock(&sb_calls_lock);
	*nr_srv = nsrv;
	*nr_att = na;
}

/* What is alive now: debugfs "objects" and SB_IOC_SYSSTATS. */
void sb_calls_objects(struct sb_sysstats_objects *o)
{
	mutex_lock(&sb_calls_lock);
	o->handoffs = sb_nr_handoffs;
	mutex_unlock(&sb_calls_lock);
	o->sessions = atomic_read(&sb_nr_sessions);
	o->servers = atomic_read(&sb_nr_servers);
	o->connections = atomic_read(&sb_nr_conns);
	o->attachments = atomic_read(&sb_nr_atts);
	o->views = atomic_read(&sb_nr_views);
}

/* The debugfs "objects" file. */
void sb_calls_show_objects(struct seq_file *m)
{
	struct sb_sysstats_objects o;

	sb_calls_objects(&o);
	seq_printf(m, "sessions %d\nservers %d\nconnections %d\nattachments %d\nviews %d\nhandoffs %u\n",
		   (int)o.sessions, (int)o.servers, (int)o.connections,
		   (int)o.attachments, (int)o.views, o.handoffs);
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
		sb_vm_flags_clear(vma, VM_MAYWRITE);
		return insert_pages(vma, sb_code, SB_TRAMP_CODE_PAGES);
	}
	if (vma->vm_pgoff == SB_TRAMP_DATA_PGOFF) {
		if (vma->vm_start != SB_TRAMP_DATA || (vma->vm_flags & VM_EXEC))
			return -EINVAL;
		err = vma_setup(vma, SB_TRAMP_DATA_PAGES * PAGE_SIZE);
		if (err)
			return err;
		sb_vm_flags_clear(vma, VM_MAYEXEC);
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
		sb_vm_flags_clear(vma, VM_MAYEXEC);
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
	case SB_IOC_SYSSTATS:
		return sb_sysstats(uarg);
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
