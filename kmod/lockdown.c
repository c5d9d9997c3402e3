// SPDX-License-Identifier: GPL-2.0
/*
 * lockdown.c - no unchecked executable memory in a registered process.
 *
 * VMFUNC has no privilege check, so the trampoline's checks mean something
 * only if the trampoline is the one place a registered process can execute
 * the instruction.  When a process registers a server, connects or
 * attaches, its mm is *locked* for the rest of its life (until exit or
 * exec): everything it has executable is checked, and from then on every
 * page that becomes executable is checked first, and no checked page can
 * change.  docs/design.md ("Exec-memory lockdown") has the threat analysis
 * this follows; in short, by what each class of attack is closed:
 *
 * Which pages.  A page may execute only if scan.c passed it: no VMFUNC,
 * no half of one at either edge (so no arrangement of pages can form one
 * across a boundary), not pinned for DMA.
 *
 * New executable memory.  VM_EXEC is set on a mapping only by do_mmap()
 * and mprotect() (both redirected here, and run under the mmap_lock held
 * for writing, in which the check and the change happen together), or
 * implicitly by the READ_IMPLIES_EXEC personality, of which do_mmap() and
 * mprotect() see the effect and brk() is the one other user (redirected
 * too).  What the hooks test is the mm, so every process sharing it
 * (clone(CLONE_VM)) is covered.  Anonymous memory, memfds, SysV shm and
 * devices never become executable; /dev/skybridge's trampoline is the one
 * exception (sb_dev_mmap() checks that mapping).
 *
 * The bytes behind a checked page.  Executable file pages come only from a
 * regular file of a file system whose contents change only through the
 * page cache (local block-device file systems, tmpfs and ramfs, mounted in
 * the initial user namespace: not FUSE, network or user-namespace mounts),
 * and the file the mapping finally holds (overlayfs swaps in the real one)
 * loses its writers the way a running binary does (deny_write_access():
 * open for writing and truncate fail with ETXTBSY for every process) until
 * the mm dies.  The pages read are the page-cache pages themselves, the
 * ones the mapping shows, and a pinned one is refused: after the writers
 * are denied no new writable pin can be taken.
 *
 * The mappings themselves are sealed with the kernel's own flags:
 * VM_MAYWRITE cleared, so that nothing can make a private copy of a page
 * (mprotect(PROT_WRITE), ptrace and /proc/PID/mem writes with FOLL_FORCE,
 * userfaultfd registration all fail in the kernel's own checks), and
 * VM_DONTEXPAND set, so that mremap() cannot grow one over unchecked
 * bytes of its file.  Those checks run under the kernel's own locks on
 * every path, present or future, which is why they are used instead of
 * more hooks.
 *
 * How functions are redirected and called: redirect.c.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/atomic.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/hashtable.h>
#include <linux/magic.h>
#include <linux/mm.h>
#include <linux/mman.h>
#include <linux/mmu_notifier.h>
#include <linux/mount.h>
#include <linux/personality.h>
#include <linux/rcupdate.h>
#include <linux/rwsem.h>
#include <linux/sched/signal.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/static_call.h>
#include <linux/user_namespace.h>
#include <linux/userfaultfd_k.h>

#include "compat.h"
#include "kmod.h"
#include "redirect.h"

/* Files one locked mm may map executable: a bound, not a tuning knob. */
#define SB_LOCK_MAX_FILES	4096

struct sb_xfile {
	struct list_head node;
	struct file *file;		/* a reference; its writers denied */
};

struct sb_lock {
	struct mmu_notifier mn;		/* mmu_notifier_get(): one per mm */
	struct hlist_node hnode;	/* in sb_lock_hash while the mm lives */
	struct mutex mutex;		/* files, nr_files; active's writers */
	bool active;			/* the rules apply */
	struct list_head files;
	unsigned int nr_files;
};

static DEFINE_HASHTABLE(sb_lock_hash, 6);
static DEFINE_MUTEX(sb_locks_mutex);	/* sb_lock_hash writers */
static atomic_t sb_nr_locks = ATOMIC_INIT(0);	/* entries in sb_lock_hash */

/*
 * brk() takes the mmap_lock itself, after its wrapper decides; a lock
 * activated in between would let a READ_IMPLIES_EXEC task's heap become
 * executable unchecked.  Such a brk() runs under this semaphore read, and
 * activation takes it for writing.  Other tasks never touch it.
 */
static DECLARE_RWSEM(sb_activation_sem);

/* Refusals by kind, for debugfs "lockdown" and the lab. */
enum {
	SBL_WX, SBL_ANON, SBL_FILE, SBL_FS, SBL_BUSY, SBL_VMFUNC, SBL_PINNED,
	SBL_PRIVATE, SBL_UFFD, SBL_BRK, SBL_NR
};
static const char *const sbl_names[SBL_NR] = {
	"wx", "anon_exec", "not_regular_file", "untrusted_fs", "file_writable",
	"vmfunc", "pinned", "private_copies", "userfaultfd", "brk_read_implies_exec",
};
static atomic64_t sbl_count[SBL_NR];

static void refused(unsigned int kind, const char *what, const char *detail)
{
	atomic64_inc(&sbl_count[kind]);
	pr_info_ratelimited("%s[%d]: %s refused: the process is registered with skybridge (%s%s%s)\n",
			    current->comm, task_pid_nr(current), what,
			    sbl_names[kind], detail ? ": " : "",
			    detail ?: "");
}

/* --- the set of locked mms ------------------------------------------ */

/* The lock of @mm if its rules apply; the caller keeps @mm alive. */
static struct sb_lock *lock_active(struct mm_struct *mm)
{
	struct sb_lock *l, *found = NULL;

	if (!atomic_read(&sb_nr_locks) || !mm)
		return NULL;
	rcu_read_lock();
	hash_for_each_possible_rcu(sb_lock_hash, l, hnode, (unsigned long)mm)
		if (l->mn.mm == mm) {
			found = l;
			break;
		}
	rcu_read_unlock();
	/*
	 * An entry leaves the hash only when its mm is released or at module
	 * exit, neither of which can happen while the caller holds @mm and a
	 * wrapper runs; so it is safe to use after rcu_read_unlock().
	 */
	return found && READ_ONCE(found->active) ? found : NULL;
}

/* Give back every file's write access (the mm is gone, or a check failed). */
static void lock_release_files(struct sb_lock *l)
{
	struct sb_xfile *x, *tmp;

	list_for_each_entry_safe(x, tmp, &l->files, node) {
		allow_write_access(x->file);
		fput(x->file);
		kfree(x);
	}
	INIT_LIST_HEAD(&l->files);
	l->nr_files = 0;
}

/* Take @l out of the hash and drop it (sb_locks_mutex held). */
static void lock_unhash(struct sb_lock *l)
{
	hash_del_rcu(&l->hnode);
	atomic_dec(&sb_nr_locks);
	mutex_lock(&l->mutex);
	WRITE_ONCE(l->active, false);
	lock_release_files(l);
	mutex_unlock(&l->mutex);
	mmu_notifier_put(&l->mn);
}

static struct mmu_notifier *lock_alloc(struct mm_struct *mm)
{
	struct sb_lock *l = kzalloc(sizeof(*l), GFP_KERNEL);

	if (!l)
		return ERR_PTR(-ENOMEM);
	mutex_init(&l->mutex);
	INIT_LIST_HEAD(&l->files);
	INIT_HLIST_NODE(&l->hnode);
	return &l->mn;
}

static void lock_free(struct mmu_notifier *mn)
{
	kfree(container_of(mn, struct sb_lock, mn));
}

/* The mm exits (or execs away): the files may be written again. */
static void lock_mm_release(struct mmu_notifier *mn, struct mm_struct *mm)
{
	struct sb_lock *l = container_of(mn, struct sb_lock, mn);

	mutex_lock(&sb_locks_mutex);
	if (!hlist_unhashed(&l->hnode))
		lock_unhash(l);
	mutex_unlock(&sb_locks_mutex);
}

static const struct mmu_notifier_ops sb_lock_mn_ops = {
	.release	= lock_mm_release,
	.alloc_notifier	= lock_alloc,
	.free_notifier	= lock_free,
};

/* The lock record of @mm, created if need be, in the hash. */
static struct sb_lock *lock_get(struct mm_struct *mm)
{
	struct mmu_notifier *mn = mmu_notifier_get(&sb_lock_mn_ops, mm);
	struct sb_lock *l;

	if (IS_ERR(mn))
		return ERR_CAST(mn);
	l = container_of(mn, struct sb_lock, mn);
	mutex_lock(&sb_locks_mutex);
	if (hlist_unhashed(&l->hnode)) {
		hash_add_rcu(sb_lock_hash, &l->hnode, (unsigned long)mm);
		atomic_inc(&sb_nr_locks);
		mutex_unlock(&sb_locks_mutex);
		return l;	/* the hash owns the reference */
	}
	mutex_unlock(&sb_locks_mutex);
	mmu_notifier_put(mn);	/* not the last: the hash has one */
	return l;
}

/* --- files ---------------------------------------------------------- */

/*
 * Deny writers to @file for as long as @l lives (l->mutex held), unless
 * that is done already.  -ETXTBSY if someone may write it now.
 */
static int lock_file(struct sb_lock *l, struct file *file)
{
	struct inode *inode = file_inode(file);
	struct sb_xfile *x;

	lockdep_assert_held(&l->mutex);
	list_for_each_entry(x, &l->files, node)
		if (file_inode(x->file) == inode)
			return 0;
	if (l->nr_files >= SB_LOCK_MAX_FILES)
		return -EMFILE;
	x = kmalloc(sizeof(*x), GFP_KERNEL);
	if (!x)
		return -ENOMEM;
	if (deny_write_access(file)) {
		kfree(x);
		return -ETXTBSY;
	}
	x->file = get_file(file);
	list_add(&x->node, &l->files);
	l->nr_files++;
	return 0;
}

/*
 * A regular file opened through the VFS, whose writers i_writecount
 * counts.  Not a device; not a file of a kernel-internal mount (a memfd,
 * whose own writable fd was never counted, or shared anonymous memory);
 * and not a clone like SysV shm's, whose writable attachments skip the
 * count as well.
 */
static bool file_kind_ok(struct file *file)
{
	return S_ISREG(file_inode(file)->i_mode) &&
	       !(file->f_path.mnt->mnt_sb->s_flags & SB_KERNMOUNT) &&
	       file->f_op == file_inode(file)->i_fop;
}

/* A stacking file system (overlayfs): the mapping will hold another file. */
static bool file_stacked(struct file *file)
{
	return file_inode(file)->i_sb->s_stack_depth > 0;
}

/*
 * NULL if the contents of @sb's files change only through its page cache,
 * by writers the lock can deny; else why not.  A FUSE daemon answers reads
 * as it likes (FOPEN_DIRECT_IO bypasses the cache), a network file system
 * is changed by other machines, and a file system mounted in a user
 * namespace is its mounter's to change underneath.
 */
static const char *fs_untrusted(struct super_block *sb)
{
	if (sb->s_user_ns != &init_user_ns)
		return "file system mounted in a user namespace";
	if (sb->s_magic == FUSE_SUPER_MAGIC)
		return "FUSE file system";
	if (sb->s_type->fs_flags & FS_REQUIRES_DEV)
		return NULL;
	if (sb->s_magic == TMPFS_MAGIC || sb->s_magic == RAMFS_MAGIC)
		return NULL;
	return "not a local block-device file system, tmpfs or ramfs";
}

/*
 * May pages [@pgoff, +@nr) of @file become executable in @l's mm?  Kind,
 * file system, writers denied, and with @scan the pages themselves.
 * mmap_lock held for writing; takes l->mutex.
 */
static int file_exec_ok(struct sb_lock *l, struct file *file, pgoff_t pgoff,
			unsigned long nr, const char *what, bool scan)
{
	const char *why;
	int err;

	if (!file_kind_ok(file)) {
		refused(SBL_FILE, what, NULL);
		return -EACCES;
	}
	if (!scan)
		return 0;
	why = fs_untrusted(file_inode(file)->i_sb);
	if (why) {
		refused(SBL_FS, what, why);
		return -EACCES;
	}
	mutex_lock(&l->mutex);
	err = lock_file(l, file);
	mutex_unlock(&l->mutex);
	if (err) {
		if (err == -ETXTBSY)
			refused(SBL_BUSY, what, NULL);
		return err;
	}
	err = sb_scan_file(file, pgoff, nr);
	if (err == -ENOEXEC)
		refused(SBL_VMFUNC, what, NULL);
	else if (err == -EBUSY)
		refused(SBL_PINNED, what, NULL);
	return err;
}

/*
 * Seal a checked executable mapping (mmap_lock held for writing): nothing
 * may write it, even with FOLL_FORCE, nor register it with userfaultfd
 * (VM_MAYWRITE), nor grow it (VM_DONTEXPAND).
 */
static void seal(struct vm_area_struct *vma)
{
	if (vma->vm_flags & VM_MAYWRITE)
		sb_vm_flags_clear(vma, VM_MAYWRITE);
	if (!(vma->vm_flags & VM_DONTEXPAND))
		sb_vm_flags_set(vma, VM_DONTEXPAND);
}

/* --- the redirected functions --------------------------------------- */

static bool reads_exec(unsigned long prot, struct file *file)
{
	if (prot & PROT_EXEC)
		return true;
	/* do_mmap() adds PROT_EXEC for READ_IMPLIES_EXEC the same way. */
	return (prot & PROT_READ) &&
	       (current->personality & READ_IMPLIES_EXEC) &&
	       !(file && ((file->f_path.mnt->mnt_flags & MNT_NOEXEC) ||
			  (file->f_path.mnt->mnt_sb->s_iflags & SB_I_NOEXEC)));
}

/*
 * The originals, reached by direct calls (redirect.h).  The types are the
 * prototypes this build was compiled for; btf.c checks them against the
 * running kernel's before the calls are pointed anywhere.
 */
typedef unsigned long sb_do_mmap_fn(SB_DO_MMAP_PARAMS);
typedef int sb_file_mprotect_fn(struct vm_area_struct *vma,
				unsigned long reqprot, unsigned long prot);
typedef long sb_syscall_fn(const struct pt_regs *regs);
typedef int sb_do_munmap_fn(struct mm_struct *mm, unsigned long start,
			    size_t len, struct list_head *uf);

DEFINE_STATIC_CALL_NULL(sb_orig_do_mmap, sb_do_mmap_fn);
DEFINE_STATIC_CALL_NULL(sb_orig_file_mprotect, sb_file_mprotect_fn);
DEFINE_STATIC_CALL_NULL(sb_orig_x64_brk, sb_syscall_fn);
DEFINE_STATIC_CALL_NULL(sb_orig_ia32_brk, sb_syscall_fn);
DEFINE_STATIC_CALL_NULL(sb_orig_do_munmap, sb_do_munmap_fn);

/* Rules for a new mapping, before it exists (mmap_lock held for writing). */
static int mmap_check(struct sb_lock *l, struct file *file, unsigned long len,
		      unsigned long prot, unsigned long pgoff)
{
	if (prot & PROT_WRITE) {
		refused(SBL_WX, "mmap(PROT_WRITE|PROT_EXEC)", NULL);
		return -EACCES;
	}
	if (!file) {
		refused(SBL_ANON, "mmap(PROT_EXEC) of anonymous memory", NULL);
		return -EACCES;
	}
	if (sb_is_dev_file(file) || !(file->f_mode & FMODE_READ))
		return 0;	/* sb_dev_mmap() decides; do_mmap() refuses */
	/* A stacked file is checked once the mapping holds the real one. */
	return file_exec_ok(l, file, pgoff, len >> PAGE_SHIFT,
			    "mmap(PROT_EXEC)", !file_stacked(file));
}

/*
 * The mapping exists, with the lock still held: check what it finally
 * holds (a stacking file system puts its real file there), and seal it.
 */
static int mmap_seal(struct sb_lock *l, struct mm_struct *mm,
		     struct file *file, unsigned long start, unsigned long len)
{
	bool checked = file && !file_stacked(file);
	struct vm_area_struct *vma;

	for (vma = find_vma(mm, start); vma && vma->vm_start < start + len;
	     vma = find_vma(mm, vma->vm_end)) {
		int err;

		if (!(vma->vm_flags & VM_EXEC))
			continue;
		if (vma->vm_file && sb_is_dev_file(vma->vm_file))
			continue;
		if ((vma->vm_flags & VM_WRITE) || !vma->vm_file) {
			refused(vma->vm_flags & VM_WRITE ? SBL_WX : SBL_ANON,
				"mmap(PROT_EXEC)", "the mapping made is not a read-only file mapping");
			return -EACCES;
		}
		if (!checked || file_inode(vma->vm_file) != file_inode(file)) {
			err = file_exec_ok(l, vma->vm_file, vma->vm_pgoff,
					   vma_pages(vma), "mmap(PROT_EXEC)",
					   true);
			if (err)
				return err;
		}
		seal(vma);
	}
	return 0;
}

static unsigned long sb_do_mmap(SB_DO_MMAP_PARAMS)
{
	struct mm_struct *mm = current->mm;
	struct sb_lock *l;
	unsigned long ret;
	int err;

	sb_redirect_enter();
	l = lock_active(mm);
	if (!l || (!reads_exec(prot, file) &&
		   !(SB_DO_MMAP_VM_FLAGS & VM_EXEC))) {
		ret = static_call(sb_orig_do_mmap)(SB_DO_MMAP_ARGS);
		goto out;
	}
	err = mmap_check(l, file, PAGE_ALIGN(len), prot, pgoff);
	if (err) {
		ret = (unsigned long)(long)err;
		goto out;
	}
	ret = static_call(sb_orig_do_mmap)(SB_DO_MMAP_ARGS);
	if (IS_ERR_VALUE(ret))
		goto out;
	err = mmap_seal(l, mm, file, ret, PAGE_ALIGN(len));
	if (err) {
		/* Nothing ran in it: the lock was held throughout. */
		static_call(sb_orig_do_munmap)(mm, ret, PAGE_ALIGN(len), uf);
		ret = (unsigned long)(long)err;
	}
out:
	sb_redirect_leave();
	return ret;
}

/* Rules for mprotect(PROT_EXEC), per VMA, mmap_lock held for writing. */
static int mprotect_check(struct vm_area_struct *vma, unsigned long prot)
{
	const char *what = "mprotect(PROT_EXEC)";
	struct sb_lock *l = lock_active(vma->vm_mm);
	int err;

	if (!l || !(prot & PROT_EXEC))
		return 0;
	if (prot & PROT_WRITE) {
		refused(SBL_WX, "mprotect(PROT_WRITE|PROT_EXEC)", NULL);
		return -EACCES;
	}
	if (vma->vm_flags & VM_EXEC)
		return 0;	/* checked and sealed when it became executable */
	if (!vma->vm_file) {
		refused(SBL_ANON, what, "anonymous memory");
		return -EACCES;
	}
	if (vma->anon_vma) {
		refused(SBL_PRIVATE, what, "the mapping has private copies of pages, which may differ from the file");
		return -EACCES;
	}
	if (vma->vm_flags & __VM_UFFD_FLAGS) {
		refused(SBL_UFFD, what, "the mapping is registered with userfaultfd");
		return -EACCES;
	}
	err = file_exec_ok(l, vma->vm_file, vma->vm_pgoff, vma_pages(vma),
			   what, true);
	if (!err)
		seal(vma);	/* the whole mapping, even if only part is asked */
	return err;
}

static int sb_file_mprotect(struct vm_area_struct *vma, unsigned long reqprot,
			    unsigned long prot)
{
	int err;

	sb_redirect_enter();
	err = mprotect_check(vma, prot) ?:
	      static_call(sb_orig_file_mprotect)(vma, reqprot, prot);
	sb_redirect_leave();
	return err;
}

/*
 * A READ_IMPLIES_EXEC task's brk() would make the heap writable and
 * executable (VM_DATA_DEFAULT_FLAGS): in a locked mm it is refused, and
 * brk() returns the break unchanged (ENOMEM from sbrk()).  A task changes
 * only its own personality, so the test cannot go stale during the call.
 * True if refused; otherwise the caller runs brk() and calls brk_done().
 */
static bool brk_refused(long *ret)
{
	if (!(current->personality & READ_IMPLIES_EXEC))
		return false;
	down_read(&sb_activation_sem);
	if (!lock_active(current->mm))
		return false;	/* brk_done() releases the semaphore */
	up_read(&sb_activation_sem);
	refused(SBL_BRK, "brk() with READ_IMPLIES_EXEC", NULL);
	*ret = READ_ONCE(current->mm->brk);
	return true;
}

static void brk_done(void)
{
	if (current->personality & READ_IMPLIES_EXEC)
		up_read(&sb_activation_sem);
}

static long sb_x64_brk(const struct pt_regs *regs)
{
	long ret;

	sb_redirect_enter();
	if (!brk_refused(&ret)) {
		ret = static_call(sb_orig_x64_brk)(regs);
		brk_done();
	}
	sb_redirect_leave();
	return ret;
}

static long sb_ia32_brk(const struct pt_regs *regs)
{
	long ret;

	sb_redirect_enter();
	if (!brk_refused(&ret)) {
		ret = static_call(sb_orig_ia32_brk)(regs);
		brk_done();
	}
	sb_redirect_leave();
	return ret;
}

static struct sb_redirect sb_redirects[] = {
	SB_REDIRECT("do_mmap", sb_do_mmap, sb_orig_do_mmap, SB_DO_MMAP_TYPES),
	SB_REDIRECT("security_file_mprotect", sb_file_mprotect,
		    sb_orig_file_mprotect, SB_FILE_MPROTECT_TYPES),
	SB_REDIRECT("__x64_sys_brk", sb_x64_brk, sb_orig_x64_brk,
		    SB_SYSCALL_TYPES),
	SB_REDIRECT("__ia32_sys_brk", sb_ia32_brk, sb_orig_ia32_brk,
		    SB_SYSCALL_TYPES),
	/* Called, not redirected: undoing a mapping refused once made. */
	SB_REDIRECT("do_munmap", NULL, sb_orig_do_munmap, SB_DO_MUNMAP_TYPES),
};

/* --- registration ----------------------------------------------------- */

/*
 * The rules for what @mm has mapped executable already, then the scan of
 * every such page, then the seal (mmap_lock held for writing, l->mutex
 * held: nothing can change in between).
 */
static int lock_existing(struct sb_lock *l, struct mm_struct *mm,
			 bool (*skip)(struct vm_area_struct *vma))
{
	struct vm_area_struct *vma;
	VMA_ITERATOR(vmi, mm, 0);
	const char *why = NULL;
	int err;

	for_each_vma(vmi, vma) {
		struct file *f = vma->vm_file;

		if (!(vma->vm_flags & VM_EXEC) || (skip && skip(vma)))
			continue;
		err = -EACCES;
		if (vma->vm_flags & VM_WRITE)
			why = "is writable and executable";
		else if (vma->vm_flags & __VM_UFFD_FLAGS)
			why = "is registered with userfaultfd";
		else if (f && !file_kind_ok(f))
			why = "is not a regular file";
		else if (f && (why = fs_untrusted(file_inode(f)->i_sb)))
			;
		else if (f && vma->anon_vma)
			why = "has private copies of pages, which may differ from the file";
		else if (f && (err = lock_file(l, f)))
			why = err == -ETXTBSY ? "is open for writing" :
			      "cannot be locked";
		if (why && f) {
			pr_warn_ratelimited("%s[%d]: executable mapping of %pD at 0x%lx %s: registration refused\n",
					    current->comm, task_pid_nr(current),
					    f, vma->vm_start, why);
			return err;
		}
		if (why) {
			pr_warn_ratelimited("%s[%d]: anonymous executable mapping at 0x%lx %s: registration refused\n",
					    current->comm, task_pid_nr(current),
					    vma->vm_start, why);
			return err;
		}
	}
	err = sb_scan_exec(mm, skip);
	if (err)
		return err;
	vma_iter_init(&vmi, mm, 0);
	for_each_vma(vmi, vma)
		if ((vma->vm_flags & VM_EXEC) && !(skip && skip(vma)))
			seal(vma);
	return 0;
}

/**
 * sb_shstk_refused() - refuse a process that uses user shadow stacks
 *
 * A handler runs on its client's thread, with the client's shadow-stack
 * pointer, in the server's address space: its first CALL would write
 * there, where the server may have a shadow stack of its own (a client
 * can place its shadow stack at any free address: map_shadow_stack()).
 * And a handed-off handler finishes in a server thread whose shadow stack
 * never saw the call.  So neither a client nor a server may have one:
 * registration, connect and attach refuse with EPROTONOSUPPORT if any
 * thread of the caller has one on, and T1 refuses a call from a thread
 * that turned one on later (RDSSP, before the server's view is touched:
 * kmod/tramp.S).
 *
 * Return: 0 or -EPROTONOSUPPORT (logged).
 */
int sb_shstk_refused(void)
{
	struct task_struct *t;
	bool on = false;

	rcu_read_lock();
	for_each_thread(current, t)
		on |= sb_task_shstk(t);
	rcu_read_unlock();
	if (!on)
		return 0;
	pr_info_ratelimited("%s[%d]: user shadow stacks are enabled: skybridge calls do not support them (run it with glibc.cpu.x86_shstk=off in GLIBC_TUNABLES); refused\n",
			    current->comm, task_pid_nr(current));
	return -EPROTONOSUPPORT;
}

/**
 * sb_lockdown() - check a process's executable memory and lock it
 * @mm: current->mm, about to register a server, connect or attach
 * @skip: mappings not to check (the trampoline)
 *
 * Applies the rules to what @mm has now and from now on.  On success the
 * mm stays locked until it dies, even if the registration fails later for
 * another reason, and later calls return at once: every executable byte
 * it gained since was checked when it was mapped.  On failure nothing is
 * changed, so that the process can fix itself and retry.
 *
 * Return: 0; -EACCES (a mapping the rules refuse); -ETXTBSY (a file
 * mapped executable is open for writing); -ENOEXEC, -EBUSY, -EFAULT
 * (sb_scan_exec()); -EINTR; the hooks' errors.
 */
int sb_lockdown(struct mm_struct *mm, bool (*skip)(struct vm_area_struct *vma))
{
	struct sb_lock *l;
	int err;

	/* The rules for later changes must be in place before any check. */
	err = sb_redirect_arm();
	if (err)
		return err;
	l = lock_get(mm);
	if (IS_ERR(l))
		return PTR_ERR(l);
	if (READ_ONCE(l->active))
		return 0;
	if (down_write_killable(&sb_activation_sem))
		return -EINTR;
	if (mmap_write_lock_killable(mm)) {
		up_write(&sb_activation_sem);
		return -EINTR;
	}
	mutex_lock(&l->mutex);
	if (!l->active) {
		err = lock_existing(l, mm, skip);
		if (err)
			lock_release_files(l);
		else
			WRITE_ONCE(l->active, true);
	}
	mutex_unlock(&l->mutex);
	mmap_write_unlock(mm);
	up_write(&sb_activation_sem);
	return err;
}

/* debugfs "lockdown": locked mms and refusals by kind. */
void sb_lockdown_show(struct seq_file *m)
{
	unsigned int i;

	seq_printf(m, "locked %d\n", atomic_read(&sb_nr_locks));
	for (i = 0; i < SBL_NR; i++)
		seq_printf(m, "%s %lld\n", sbl_names[i],
			   (long long)atomic64_read(&sbl_count[i]));
}

int sb_lockdown_init(void)
{
	return sb_redirect_init(sb_redirects, ARRAY_SIZE(sb_redirects));
}

/* After the last session: no registration can start. */
void sb_lockdown_exit(void)
{
	struct sb_lock *l;
	struct hlist_node *tmp;
	int bkt;

	sb_redirect_exit();
	mutex_lock(&sb_locks_mutex);
	hash_for_each_safe(sb_lock_hash, bkt, tmp, l, hnode)
		lock_unhash(l);
	mutex_unlock(&sb_locks_mutex);
	mmu_notifier_synchronize();
}

/*
 * SB_IOC_SYSSTATS: the locked mms, and the name and refusals of each kind
 * (up to @n of them); returns the number of kinds.
 */
unsigned int sb_lockdown_counts(unsigned int *locked, const char **names,
				u64 *refused, unsigned int n)
{
	unsigned int i;

	*locked = atomic_read(&sb_nr_locks);
	for (i = 0; i < n && i < SBL_NR; i++) {
		names[i] = sbl_names[i];
		refused[i] = atomic64_read(&sbl_count[i]);
	}
	return SBL_NR;
}
