// SPDX-License-Identifier: GPL-2.0
/*
 * redirect.c - how the lockdown reaches into the kernel: redirecting a few
 * kernel functions to the module's wrappers, and calling kernel functions
 * that are not exported.  The rules themselves are in lockdown.c.
 *
 * A module cannot register an LSM (security_add_hooks() is __init), so a
 * function is redirected the way livepatch redirects one: an IPMODIFY
 * ftrace_ops sets the saved instruction pointer at the function's ftrace
 * site to the wrapper, which has the same prototype.  The wrapper decides,
 * then calls the original through a static call (redirect.h), which is a
 * direct CALL into the function's ftrace site; the thunk sees that the
 * call comes from the module and lets it through.
 *
 * At load, before anything is patched (sb_redirect_init()):
 *  - every function is found by name (kallsyms is not exported: a kprobe,
 *    registered disabled, resolves the name and patches nothing);
 *  - its prototype in the running kernel's BTF must be the one this build
 *    was compiled for (btf.c);
 *  - a redirected function must begin with its ftrace call site, after an
 *    ENDBR64 or a sealed ENDBR on IBT kernels;
 *  - on an IBT kernel, the ftrace thunk, the one module function the
 *    kernel calls indirectly on this path, must begin with ENDBR64.
 * Any failure refuses the load with one line naming it.
 *
 * The ftrace_ops is registered only when the first process is locked
 * (sb_redirect_arm()), so that an unload that never locked anything does
 * not wait for the RCU-tasks grace period unregistering it needs.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/atomic.h>
#include <linux/ftrace.h>
#include <linux/kprobes.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/wait_bit.h>

#include "compat.h"
#include "redirect.h"

static struct sb_redirect *sb_redirects;
static size_t sb_nr_redirects;

static struct ftrace_ops sb_redirect_ops;
static DEFINE_MUTEX(sb_redirect_mutex);	/* arming and disarming */
static bool sb_filtered, sb_armed;

/* Redirected calls in flight, so that unload can wait for them. */
static atomic_t sb_inflight = ATOMIC_INIT(0);

void sb_redirect_enter(void)
{
	atomic_inc(&sb_inflight);
}

void sb_redirect_leave(void)
{
	if (atomic_dec_and_test(&sb_inflight))
		wake_up_var(&sb_inflight);
}

/*
 * Runs at the ftrace site of a redirected function (@ip), preemption off.
 * The call from the wrapper itself (parent in this module) goes on into
 * the original.
 */
static void notrace sb_ftrace_thunk(unsigned long ip, unsigned long parent_ip,
				    struct ftrace_ops *ops,
				    struct ftrace_regs *fregs)
{
	size_t i;

	if (within_module(parent_ip, THIS_MODULE))
		return;
	for (i = 0; i < sb_nr_redirects; i++)
		if (sb_redirects[i].site == ip && sb_redirects[i].wrapper) {
			sb_ftrace_set_ip(fregs,
					 (unsigned long)sb_redirects[i].wrapper);
			return;
		}
}

/* The address of a kernel symbol, or 0. */
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

/* ENDBR64, f3 0f 1e fa, as a little-endian word. */
#define SB_ENDBR64	0xfa1e0ff3U

static bool is_endbr64(const void *p)
{
	u32 insn;

	memcpy(&insn, p, sizeof(insn));
	return insn == SB_ENDBR64;
}

/*
 * The ftrace site of the function whose first instruction the kprobe
 * lookup gave: there, or after a 4-byte ENDBR64 or sealed ENDBR (a 4-byte
 * NOP, arch/x86/include/asm/ibt.h) that the lookup did not skip.  The site
 * is a 5-byte NOP or a CALL (rel32) while traced.  0 if neither.
 */
static unsigned long ftrace_site(unsigned long addr)
{
	static const u8 nop5[5] = { 0x0f, 0x1f, 0x44, 0x00, 0x00 };
	const u8 *p = (const u8 *)addr;

	if (is_endbr64(p) || (p[0] == 0x0f && p[1] == 0x1f && p[2] == 0x40))
		p += 4;
	if (p[0] == 0xe8 || !memcmp(p, nop5, sizeof(nop5)))
		return (unsigned long)p;
	return 0;
}

/**
 * sb_redirect_init() - find and check every function; point the static calls
 * @r, @n: the functions (kept; must outlive sb_redirect_exit())
 *
 * Nothing is redirected yet.
 *
 * Return: 0, or -ENOENT/-EINVAL/-EOPNOTSUPP after logging why.
 */
int sb_redirect_init(struct sb_redirect *r, size_t n)
{
	struct sb_btf_proto *protos;
	size_t i;
	int err;

	if (IS_ENABLED(CONFIG_X86_KERNEL_IBT) && !is_endbr64(sb_ftrace_thunk)) {
		pr_err("this kernel enforces IBT, but the module's ftrace thunk does not begin with ENDBR64 (built without -fcf-protection=branch?); refusing to load\n");
		return -EOPNOTSUPP;
	}
	protos = kcalloc(n, sizeof(*protos), GFP_KERNEL);
	if (!protos)
		return -ENOMEM;
	for (i = 0; i < n; i++)
		protos[i] = r[i].proto;
	err = sb_btf_check(protos, n);
	kfree(protos);
	if (err)
		return err;
	for (i = 0; i < n; i++) {
		r[i].addr = symbol_addr(r[i].proto.name);
		if (!r[i].addr) {
			pr_err("kernel function %s not found (kprobes cannot resolve it); refusing to load\n",
			       r[i].proto.name);
			return -ENOENT;
		}
		r[i].site = ftrace_site(r[i].addr);
		if (r[i].wrapper && !r[i].site) {
			pr_err("kernel function %s does not begin with an ftrace call site (CONFIG_DYNAMIC_FTRACE?); refusing to load\n",
			       r[i].proto.name);
			return -EOPNOTSUPP;
		}
	}
	for (i = 0; i < n; i++)
		__static_call_update(r[i].orig_key, r[i].orig_tramp,
				     (void *)(r[i].site ?: r[i].addr));
	sb_redirects = r;
	sb_nr_redirects = n;
	return 0;
}

/**
 * sb_redirect_arm() - redirect the functions that have wrappers
 *
 * Idempotent; the first call patches the kernel.
 *
 * Return: 0, or the error of ftrace (logged).
 */
int sb_redirect_arm(void)
{
	unsigned long *ips;
	size_t i, k = 0;
	int err = 0;

	mutex_lock(&sb_redirect_mutex);
	if (sb_armed)
		goto out;
	ips = kcalloc(sb_nr_redirects, sizeof(*ips), GFP_KERNEL);
	if (!ips) {
		err = -ENOMEM;
		goto out;
	}
	for (i = 0; i < sb_nr_redirects; i++)
		if (sb_redirects[i].wrapper)
			ips[k++] = sb_redirects[i].site;
	sb_redirect_ops.func = sb_ftrace_thunk;
	sb_redirect_ops.flags = FTRACE_OPS_FL_IPMODIFY | FTRACE_OPS_FL_PERMANENT;
#ifndef CONFIG_HAVE_DYNAMIC_FTRACE_WITH_ARGS
	sb_redirect_ops.flags |= FTRACE_OPS_FL_SAVE_REGS;
#endif
	sb_filtered = true;	/* even a failed call may leave a hash */
	err = ftrace_set_filter_ips(&sb_redirect_ops, ips, k, 0, 0);
	kfree(ips);
	if (err) {
		pr_err("lockdown: cannot trace the redirected functions: %d\n",
		       err);
		goto out;
	}
	err = register_ftrace_function(&sb_redirect_ops);
	if (err) {
		pr_err("lockdown: cannot redirect the functions: %d (another IPMODIFY user, such as a live patch?)\n",
		       err);
		goto out;
	}
	sb_armed = true;
out:
	mutex_unlock(&sb_redirect_mutex);
	return err;
}

/* Undo sb_redirect_arm(); wait until no wrapper runs. */
void sb_redirect_exit(void)
{
	mutex_lock(&sb_redirect_mutex);
	if (sb_armed)
		unregister_ftrace_function(&sb_redirect_ops);
	if (sb_filtered)
		ftrace_free_filter(&sb_redirect_ops);
	sb_armed = sb_filtered = false;
	mutex_unlock(&sb_redirect_mutex);
	/*
	 * A task may have been redirected and not yet have counted itself in
	 * sb_redirect_enter().  unregister_ftrace_function() of an ops in
	 * module memory (dynamic) waits for an RCU-tasks grace period on a
	 * preemptible kernel (ftrace_shutdown(), kernel/trace/ftrace.c), after
	 * which every such task has passed a voluntary switch, which the
	 * wrapper makes only after counting itself.  Then the count drains.
	 */
	wait_var_event(&sb_inflight, !atomic_read(&sb_inflight));
}
