// SPDX-License-Identifier: GPL-2.0
/*
 * lockdown.c - no unchecked executable memory in a registered process.
 *
 * VMFUNC has no privilege check, so the trampoline's checks mean something
 * only if the trampoline is the one place a registered process can execute
 * the instruction.  scan.c checks the executable memory a process has when
 * it registers a server, connects or attaches.  From that moment on its mm
 * is *locked* for the rest of its life (until exit or exec), and this file
 * keeps the check true.  The rules (docs/design.md, section 6, "Exec-memory
 * lockdown"):
 *
 *   1. No W+X: no mapping may be writable and executable at once.
 *   2. New executable memory only from a regular file that nobody can
 *      write: the lock takes the file's write access away the way exec
 *      does for a running binary (deny_write_access(): open for writing
 *      and truncate fail with ETXTBSY, for every process) and holds it
 *      until the mm dies.  The mapped range is read and searched first.
 *      Anonymous memory, memfds and SysV shm (whose writers the count
 *      misses) and device files never become executable; /dev/skybridge's
 *      trampoline is the one exception, and sb_dev_mmap() checks that
 *      mapping itself.
 *   3. mprotect() may add PROT_EXEC only to a file mapping that never had
 *      private copies of pages (no anon_vma), after the same check.
 *   4. A mapping that may become executable (VM_MAYEXEC) cannot grow by
 *      mremap() to cover unchecked bytes of its file.
 *   5. No forced writes: ptrace(POKETEXT/POKEDATA) and /proc/PID/mem
 *      writes into a locked mm fail with EIO (FOLL_FORCE ignores page
 *      protections).  process_vm_writev() honours them, so rule 1 covers
 *      it.  userfaultfd cannot place pages into a locked mm (UFFDIO_COPY
 *      fails with EACCES).
 *   6. No personality(READ_IMPLIES_EXEC), which would make the heap W+X.
 *
 * A module cannot register an LSM (security_add_hooks() is __init), so the
 * rules are enforced by wrapping kernel functions through ftrace, the way
 * livepatch redirects a function: an IPMODIFY ftrace_ops sets the saved
 * instruction pointer to a wrapper with the same prototype, which decides
 * and then calls the original (a call from this module is not redirected).
 * The functions are found by name through a kprobe, since kallsyms is not
 * exported.  Every redirected call is counted, so that unload can wait for
 * the last wrapper to return.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/atomic.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/ftrace.h>
#include <linux/hashtable.h>
#include <linux/kprobes.h>
#include <linux/mm.h>
#include <linux/mman.h>
#include <linux/mmu_notifier.h>
#include <linux/module.h>
#include <linux/mount.h>
#include <linux/personality.h>
#include <linux/rcupdate.h>
#include <linux/sched/signal.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/wait_bit.h>

#include "kmod.h"

/* Files one locked mm may map executable: a bound, not a tuning knob. */
#define SB_LOCK_MAX_FILES	4096

struct sb_xfile {
	struct list_head node;
	struct file *file;		/* a reference; its writers denied */
};

struct sb_lock {
	struct mmu_notifier mn;		/* mmu_notifier_get(): one per mm */
	struct hlist_node hnode;	/* in sb_lock_hash while the mm lives */
	struct mutex mutex;		/* files, nr_files, active, pending */
	bool active;			/* the rules apply */
	bool kept;			/* a registration check passed */
	unsigned int pending;		/* checks in progress */
	struct list_head files;
	unsigned int nr_files;
};

static DEFINE_HASHTABLE(sb_lock_hash, 6);
static DEFINE_MUTEX(sb_locks_mutex);	/* sb_lock_hash writers */
static atomic_t sb_nr_locks = ATOMIC_INIT(0);	/* entries in sb_lock_hash */

/* Refusals by kind, for debugfs "lockdown" and the lab. */
enum {
	SBL_WX, SBL_ANON, SBL_FILE, SBL_BUSY, SBL_VMFUNC, SBL_MPROTECT,
	SBL_MREMAP, SBL_FORCE, SBL_UFFD, SBL_PERSONALITY, SBL_NR
};
static const char *const sbl_names[SBL_NR] = {
	"wx", "anon_exec", "not_regular_file", "file_writable", "vmfunc",
	"mprotect_private", "mremap_grow", "forced_write", "uffd_copy",
	"personality",
};
static atomic64_t sbl_count[SBL_NR];

static void refused(unsigned int kind, const char *what)
{
	atomic64_inc(&sbl_count[kind]);
	pr_info_ratelimited("%s[%d]: %s refused: the process is registered with skybridge (%s)\n",
			    current->comm, task_pid_nr(current), what,
			    sbl_names[kind]);
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

/* Give back every file's write access (the mm is gone or unlocking). */
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

/*
 * May @file become executable in a locked mm, bytes [@pgoff pages, +@len)?
 * Under mmap_lock; takes l->mutex.
 */
static int file_exec_ok(struct sb_lock *l, struct file *file,
			unsigned long pgoff, unsigned long len, const char *what)
{
	int err;

	if (sb_is_dev_file(file))
		return 0;		/* the trampoline: sb_dev_mmap() decides */
	if (!file_kind_ok(file)) {
		refused(SBL_FILE, what);
		return -EACCES;
	}
	mutex_lock(&l->mutex);
	err = lock_file(l, file);
	mutex_unlock(&l->mutex);
	if (err) {
		if (err == -ETXTBSY)
			refused(SBL_BUSY, what);
		return err;
	}
	if (pgoff > (LLONG_MAX >> PAGE_SHIFT))
		return 0;		/* past any file: nothing to read */
	err = sb_scan_file(file, (loff_t)pgoff << PAGE_SHIFT, len);
	if (err == -ENOEXEC)
		refused(SBL_VMFUNC, what);
	return err;
}

/* --- the wrapped functions ------------------------------------------ */

/* Redirected calls in flight, so that unload can wait for them. */
static atomic_t sb_hooks_inflight = ATOMIC_INIT(0);

static void hook_enter(void)
{
	atomic_inc(&sb_hooks_inflight);
}

static void hook_exit(void)
{
	if (atomic_dec_and_test(&sb_hooks_inflight))
		wake_up_var(&sb_hooks_inflight);
}

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

static unsigned long (*orig_do_mmap)(struct file *file, unsigned long addr,
				     unsigned long len, unsigned long prot,
				     unsigned long flags, unsigned long pgoff,
				     unsigned long *populate,
				     struct list_head *uf);

/* Rules 1 and 2; do_mmap() runs with current->mm's mmap_lock held. */
static int mmap_check(struct file *file, unsigned long len,
		      unsigned long prot, unsigned long pgoff)
{
	struct sb_lock *l = lock_active(current->mm);

	if (!l || !reads_exec(prot, file))
		return 0;
	if (prot & PROT_WRITE) {
		refused(SBL_WX, "mmap(PROT_WRITE|PROT_EXEC)");
		return -EACCES;
	}
	if (!file) {
		refused(SBL_ANON, "mmap(PROT_EXEC) of anonymous memory");
		return -EACCES;
	}
	if (!(file->f_mode & FMODE_READ))
		return 0;		/* do_mmap() refuses it with EACCES */
	return file_exec_ok(l, file, pgoff, len, "mmap(PROT_EXEC)");
}

static unsigned long sb_do_mmap(struct file *file, unsigned long addr,
				unsigned long len, unsigned long prot,
				unsigned long flags, unsigned long pgoff,
				unsigned long *populate, struct list_head *uf)
{
	unsigned long ret;
	int err;

	hook_enter();
	err = mmap_check(file, PAGE_ALIGN(len), prot, pgoff);
	ret = err ? (unsigned long)(long)err :
	      orig_do_mmap(file, addr, len, prot, flags, pgoff, populate, uf);
	hook_exit();
	return ret;
}

static int (*orig_file_mprotect)(struct vm_area_struct *vma,
				 unsigned long reqprot, unsigned long prot);

/* Rules 1 and 3, per VMA, mmap_lock held for writing. */
static int mprotect_check(struct vm_area_struct *vma, unsigned long prot)
{
	struct sb_lock *l = lock_active(vma->vm_mm);

	if (!l || !(prot & PROT_EXEC))
		return 0;
	if (prot & PROT_WRITE) {
		refused(SBL_WX, "mprotect(PROT_WRITE|PROT_EXEC)");
		return -EACCES;
	}
	if (vma->vm_flags & VM_EXEC)
		return 0;		/* checked when it became executable */
	if (!vma->vm_file) {
		refused(SBL_ANON, "mprotect(PROT_EXEC) of anonymous memory");
		return -EACCES;
	}
	if (vma->anon_vma) {
		/* Private copies of pages may differ from the file. */
		refused(SBL_MPROTECT, "mprotect(PROT_EXEC) of a written private mapping");
		return -EACCES;
	}
	return file_exec_ok(l, vma->vm_file, vma->vm_pgoff,
			    vma->vm_end - vma->vm_start, "mprotect(PROT_EXEC)");
}

static int sb_file_mprotect(struct vm_area_struct *vma, unsigned long reqprot,
			    unsigned long prot)
{
	int err;

	hook_enter();
	err = mprotect_check(vma, prot) ?: orig_file_mprotect(vma, reqprot, prot);
	hook_exit();
	return err;
}

static int (*orig_access_remote_vm)(struct mm_struct *mm, unsigned long addr,
				    void *buf, int len, unsigned int gup_flags);

/* Rule 5: ptrace pokes and /proc/PID/mem writes; 0 bytes means EIO. */
static int sb_access_remote_vm(struct mm_struct *mm, unsigned long addr,
			       void *buf, int len, unsigned int gup_flags)
{
	int ret = 0;

	hook_enter();
	if ((gup_flags & FOLL_WRITE) && lock_active(mm))
		refused(SBL_FORCE, "a forced write (ptrace, /proc/PID/mem)");
	else
		ret = orig_access_remote_vm(mm, addr, buf, len, gup_flags);
	hook_exit();
	return ret;
}

static ssize_t (*orig_mcopy_atomic)(struct mm_struct *dst_mm,
				    unsigned long dst_start,
				    unsigned long src_start, unsigned long len,
				    atomic_t *mmap_changing, __u64 mode);

static ssize_t sb_mcopy_atomic(struct mm_struct *dst_mm,
			       unsigned long dst_start, unsigned long src_start,
			       unsigned long len, atomic_t *mmap_changing,
			       __u64 mode)
{
	ssize_t ret;

	hook_enter();
	if (lock_active(dst_mm)) {
		refused(SBL_UFFD, "userfaultfd UFFDIO_COPY");
		ret = -EACCES;
	} else {
		ret = orig_mcopy_atomic(dst_mm, dst_start, src_start, len,
					mmap_changing, mode);
	}
	hook_exit();
	return ret;
}

/* Rule 4: may the mapping at @addr grow from @old_len to @new_len? */
static long mremap_check(unsigned long addr, unsigned long old_len,
			 unsigned long new_len)
{
	struct mm_struct *mm = current->mm;
	struct vm_area_struct *vma;
	bool grows_file;

	if (!lock_active(mm) || PAGE_ALIGN(new_len) <= PAGE_ALIGN(old_len))
		return 0;
	if (mmap_read_lock_killable(mm))
		return -EINTR;
	vma = vma_lookup(mm, addr);
	/* Not only VM_EXEC: mprotect() may add it while mremap() runs. */
	grows_file = vma && vma->vm_file && (vma->vm_flags & VM_MAYEXEC) &&
		     !sb_is_dev_file(vma->vm_file);
	mmap_read_unlock(mm);
	if (!grows_file)
		return 0;
	refused(SBL_MREMAP, "mremap() growing a file mapping that may execute");
	return -EACCES;
}

static long (*orig_x64_mremap)(const struct pt_regs *regs);
static long (*orig_ia32_mremap)(const struct pt_regs *regs);

static long sb_x64_mremap(const struct pt_regs *regs)
{
	long ret;

	hook_enter();
	ret = mremap_check(regs->di, regs->si, regs->dx) ?:
	      orig_x64_mremap(regs);
	hook_exit();
	return ret;
}

static long sb_ia32_mremap(const struct pt_regs *regs)
{
	long ret;

	hook_enter();
	ret = mremap_check((u32)regs->bx, (u32)regs->cx, (u32)regs->dx) ?:
	      orig_ia32_mremap(regs);
	hook_exit();
	return ret;
}

/* Rule 6. */
static long personality_check(unsigned int persona)
{
	if (persona == 0xffffffff || !(persona & READ_IMPLIES_EXEC) ||
	    !lock_active(current->mm))
		return 0;
	refused(SBL_PERSONALITY, "personality(READ_IMPLIES_EXEC)");
	return -EPERM;
}

static long (*orig_x64_personality)(const struct pt_regs *regs);
static long (*orig_ia32_personality)(const struct pt_regs *regs);

static long sb_x64_personality(const struct pt_regs *regs)
{
	long ret;

	hook_enter();
	ret = personality_check(regs->di) ?: orig_x64_personality(regs);
	hook_exit();
	return ret;
}

static long sb_ia32_personality(const struct pt_regs *regs)
{
	long ret;

	hook_enter();
	ret = personality_check(regs->bx) ?: orig_ia32_personality(regs);
	hook_exit();
	return ret;
}

/* --- ftrace redirection --------------------------------------------- */

struct sb_hook {
	const char *name;
	void *wrapper;
	void *orig_ptr;			/* where to store the original */
	unsigned long addr;
};

#define HOOK(sym, w, o) { .name = sym, .wrapper = w, .orig_ptr = &o }

static struct sb_hook sb_hooks[] = {
	HOOK("do_mmap", sb_do_mmap, orig_do_mmap),
	HOOK("security_file_mprotect", sb_file_mprotect, orig_file_mprotect),
	HOOK("__access_remote_vm", sb_access_remote_vm, orig_access_remote_vm),
	HOOK("mcopy_atomic", sb_mcopy_atomic, orig_mcopy_atomic),
	HOOK("__x64_sys_mremap", sb_x64_mremap, orig_x64_mremap),
	HOOK("__ia32_sys_mremap", sb_ia32_mremap, orig_ia32_mremap),
	HOOK("__x64_sys_personality", sb_x64_personality, orig_x64_personality),
	HOOK("__ia32_sys_personality", sb_ia32_personality,
	     orig_ia32_personality),
};

/*
 * One ftrace_ops for every hooked function: one code patch and one
 * trampoline at load, one RCU-tasks wait at unload.
 */
static struct ftrace_ops sb_hook_ops;
static bool sb_hooks_filtered, sb_hooks_registered;

/*
 * Runs at the entry of a hooked function (@ip: its address), preemption
 * off.  The call from the wrapper itself (parent in this module) goes on
 * into the original.
 */
static void notrace sb_ftrace_thunk(unsigned long ip, unsigned long parent_ip,
				    struct ftrace_ops *ops,
				    struct ftrace_regs *fregs)
{
	size_t i;

	if (within_module(parent_ip, THIS_MODULE))
		return;
	for (i = 0; i < ARRAY_SIZE(sb_hooks); i++)
		if (sb_hooks[i].addr == ip) {
			ftrace_instruction_pointer_set(fregs,
					(unsigned long)sb_hooks[i].wrapper);
			return;
		}
}

/*
 * kallsyms_lookup_name() is not exported; a kprobe resolves names.  It is
 * registered disabled, so nothing is patched: only the address is wanted.
 */
static unsigned long symbol_addr(const char *name)
{
	struct kprobe kp = { .symbol_name = name, .flags = KPROBE_FLAG_DISABLED };
	unsigned long addr;

	if (register_kprobe(&kp) < 0)
		return 0;
	addr = (unsigned long)kp.addr;
	unregister_kprobe(&kp);
	return addr;
}

static void hooks_remove(void)
{
	if (sb_hooks_registered)
		unregister_ftrace_function(&sb_hook_ops);
	if (sb_hooks_filtered)
		ftrace_free_filter(&sb_hook_ops);
	sb_hooks_registered = sb_hooks_filtered = false;
	/*
	 * A task may have been redirected and not yet have counted itself in
	 * hook_enter().  unregister_ftrace_function() of an ops in module
	 * memory (dynamic) waits for an RCU-tasks grace period on a
	 * preemptible kernel (ftrace_shutdown(), kernel/trace/ftrace.c), after
	 * which every such task has passed a voluntary switch, which the
	 * wrapper makes only after counting itself.  Then the count drains.
	 */
	wait_var_event(&sb_hooks_inflight, !atomic_read(&sb_hooks_inflight));
}

static int hooks_install(void)
{
	unsigned long ips[ARRAY_SIZE(sb_hooks)];
	size_t i;
	int err;

	for (i = 0; i < ARRAY_SIZE(sb_hooks); i++) {
		struct sb_hook *h = &sb_hooks[i];

		h->addr = symbol_addr(h->name);
		if (!h->addr) {
			pr_err("lockdown: kernel function %s not found\n",
			       h->name);
			return -ENOENT;
		}
		/* The original runs past the ftrace site, unredirected. */
		*(unsigned long *)h->orig_ptr = h->addr;
		ips[i] = h->addr;
	}
	sb_hook_ops.func = sb_ftrace_thunk;
	sb_hook_ops.flags = FTRACE_OPS_FL_IPMODIFY | FTRACE_OPS_FL_PERMANENT;
#ifndef CONFIG_HAVE_DYNAMIC_FTRACE_WITH_ARGS
	sb_hook_ops.flags |= FTRACE_OPS_FL_SAVE_REGS;
#endif
	sb_hooks_filtered = true;	/* even a failed call may leave a hash */
	err = ftrace_set_filter_ips(&sb_hook_ops, ips, ARRAY_SIZE(ips), 0, 0);
	if (err) {
		pr_err("lockdown: cannot trace the hooked functions: %d\n", err);
		goto fail;
	}
	err = register_ftrace_function(&sb_hook_ops);
	if (err) {
		pr_err("lockdown: cannot redirect the hooked functions: %d (another IPMODIFY user, such as a live patch?)\n",
		       err);
		goto fail;
	}
	sb_hooks_registered = true;
	return 0;
fail:
	hooks_remove();
	return err;
}

/* --- registration ----------------------------------------------------- */

/* Rules 1 and 2 for what @mm has already (mmap_lock held for writing). */
static int lock_existing(struct sb_lock *l, struct mm_struct *mm,
			 bool (*skip)(struct vm_area_struct *vma))
{
	struct vm_area_struct *vma;
	VMA_ITERATOR(vmi, mm, 0);
	int err;

	for_each_vma(vmi, vma) {
		if (!(vma->vm_flags & VM_EXEC) || (skip && skip(vma)))
			continue;
		if (vma->vm_flags & VM_WRITE) {
			pr_warn_ratelimited("%s[%d]: writable and executable mapping at 0x%lx: registration refused\n",
					    current->comm, task_pid_nr(current),
					    vma->vm_start);
			return -EACCES;
		}
		if (!vma->vm_file)
			continue;	/* anonymous or vdso: the scan reads it */
		if (!file_kind_ok(vma->vm_file)) {
			pr_warn_ratelimited("%s[%d]: %pD, mapped executable at 0x%lx, is not a regular file: registration refused\n",
					    current->comm, task_pid_nr(current),
					    vma->vm_file, vma->vm_start);
			return -EACCES;
		}
		err = lock_file(l, vma->vm_file);
		if (err) {
			pr_warn_ratelimited("%s[%d]: %pD, mapped executable at 0x%lx, is open for writing: registration refused\n",
					    current->comm, task_pid_nr(current),
					    vma->vm_file, vma->vm_start);
			return err;
		}
	}
	return 0;
}

static bool thread_reads_exec(void)
{
	struct task_struct *t;
	bool found = false;

	rcu_read_lock();
	for_each_thread(current, t)
		if (t->personality & READ_IMPLIES_EXEC)
			found = true;
	rcu_read_unlock();
	return found;
}

/**
 * sb_lockdown() - check a process's executable memory and lock it
 * @mm: current->mm, about to register a server, connect or attach
 * @skip: mappings not to check (the trampoline)
 *
 * Applies the rules to what @mm has now and from now on, then scans its
 * executable memory.  On success the mm stays locked until it dies, even
 * if the registration fails later for another reason, and later calls
 * return at once: every executable byte it gained since was checked when
 * it was mapped.  On failure the mm is unlocked again, unless an earlier
 * check locked it.
 *
 * Return: 0; -EACCES for a W+X mapping or READ_IMPLIES_EXEC; -ETXTBSY if
 * a file mapped executable is open for writing; sb_scan_exec()'s errors.
 */
int sb_lockdown(struct mm_struct *mm, bool (*skip)(struct vm_area_struct *vma))
{
	struct sb_lock *l;
	int err;

	if (thread_reads_exec()) {
		pr_warn_ratelimited("%s[%d]: READ_IMPLIES_EXEC personality: registration refused\n",
				    current->comm, task_pid_nr(current));
		return -EACCES;
	}
	l = lock_get(mm);
	if (IS_ERR(l))
		return PTR_ERR(l);
	/* Locked by an earlier success: the rules kept it clean since. */
	if (READ_ONCE(l->kept))
		return 0;
	if (mmap_write_lock_killable(mm))
		return -EINTR;
	mutex_lock(&l->mutex);
	l->pending++;
	WRITE_ONCE(l->active, true);
	err = lock_existing(l, mm, skip);
	mutex_unlock(&l->mutex);
	mmap_write_unlock(mm);

	/* Nothing can be added unchecked now: read what is there. */
	err = err ?: sb_scan_exec(mm, skip);

	mutex_lock(&l->mutex);
	l->pending--;
	if (!err)
		l->kept = true;
	else if (!l->kept && !l->pending) {
		WRITE_ONCE(l->active, false);
		lock_release_files(l);
	}
	mutex_unlock(&l->mutex);
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
	return hooks_install();
}

/* After the last session: no registration can start. */
void sb_lockdown_exit(void)
{
	struct sb_lock *l;
	struct hlist_node *tmp;
	int bkt;

	hooks_remove();
	mutex_lock(&sb_locks_mutex);
	hash_for_each_safe(sb_lock_hash, bkt, tmp, l, hnode)
		lock_unhash(l);
	mutex_unlock(&sb_locks_mutex);
	mmu_notifier_synchronize();
}
