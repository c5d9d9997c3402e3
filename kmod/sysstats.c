// SPDX-License-Identifier: GPL-2.0
/*
 * sysstats.c - SB_IOC_SYSSTATS: what the debugfs files show (debugfs.c),
 * through the device, for callers that have no debugfs: the RootKernel's
 * version and state per CPU, its exit and event counts per CPU, its EPT
 * pool and records, the live objects, the exec-memory lockdown's counts
 * and, for CAP_SYS_ADMIN only, the servers and their attachments.  The
 * figures come from the same functions the debugfs files use.
 *
 * Everything is gathered into kernel memory first and copied out with no
 * lock held: a fault on the caller's buffers may sleep for as long as the
 * caller likes (userfaultfd, FUSE), and must not hold sb_calls_lock (every
 * registration, connection and release) or the CPU hotplug lock meanwhile.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/capability.h>
#include <linux/cpu.h>
#include <linux/cred.h>
#include <linux/kernel.h>
#include <linux/minmax.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/smp.h>
#include <linux/string.h>
#include <linux/uaccess.h>

#include "../hv/hv.h"
#include "../uapi/skybridge.h"
#include "kmod.h"
#include "objects.h"

/* Where each SB_EV_* is in the RootKernel's per-CPU counters. */
#define EV(ev, field) [ev] = offsetof(struct hv_cpu_stats, field)
static const size_t sb_event_offset[SB_EV_NR] = {
	EV(SB_EV_HIDDEN_MEMORY_VIOLATION, ept_violations_hidden),
	EV(SB_EV_HYPERCALL_REFUSED, hypercalls_refused),
	EV(SB_EV_VIEW_TRAP_KERNEL_ENTRY, view_traps_kernel),
	EV(SB_EV_VIEW_TRAP_OTHER, view_traps_user),
	EV(SB_EV_CONT_SAVED, conts_saved),
	EV(SB_EV_CONT_RESUMED, conts_resumed),
	EV(SB_EV_CONT_TABLE_FULL, conts_full),
	EV(SB_EV_CALL_ABORTED, call_aborts),
	EV(SB_EV_CALL_LANDING_TRAP, call_landing_traps),
	EV(SB_EV_ENTRY_MSR_WRITE, entry_msr_writes),
	EV(SB_EV_ENTRY_IDT_LOAD, entry_idt_loads),
	EV(SB_EV_ENTRY_IDT_WRITE_REFUSED, entry_idt_writes),
	EV(SB_EV_ENTRY_PAGE_ADDED, entry_pages_added),
	EV(SB_EV_DESC_EMULATED, desc_emulated),
	EV(SB_EV_HANDOFF, handoffs),
	EV(SB_EV_HANDOFF_ORPHANED, handoffs_orphaned),
	EV(SB_EV_HANDOFF_ADOPTED, handoffs_adopted),
	EV(SB_EV_HANDOFF_RETURNED, handoffs_returned),
	EV(SB_EV_CALL_DEAD_END, call_dead_ends),
	EV(SB_EV_CONT_EXPIRED, conts_expired),
};
#undef EV

/*
 * Servers and attachments that can exist at once: a live server holds a
 * view pair.  Bounds the kernel's copies of the lists.
 */
#define SB_MAX_SERVERS	((HV_NR_VIEWS - HV_VIEW_FIRST) / 2)

struct cpu_read {
	struct hv_cpu_stats *hv;	/* kmalloc: the RootKernel writes it */
	int err;
};

static void read_on_cpu(void *arg)
{
	struct cpu_read *r = arg;

	r->err = sb_hv_stats(r->hv);
}

/* An array argument: none (count 0), or an address and the record size. */
static bool array_ok(u64 addr, u32 size, u32 nr, size_t want)
{
	return !nr || (addr && size == want);
}

static int sysstats_check(const struct sb_sysstats *in)
{
	unsigned int i;

	if (in->size != sizeof(*in) || (in->flags & ~SB_SYSSTATS_SERVERS) ||
	    in->pad)
		return -EINVAL;
	for (i = 0; i < ARRAY_SIZE(in->reserved); i++)
		if (in->reserved[i])
			return -EINVAL;
	if (!array_ok(in->cpus, in->cpu_size, in->nr_cpus,
		      sizeof(struct sb_sysstats_cpu)) ||
	    !array_ok(in->servers, in->server_size, in->nr_servers,
		      sizeof(struct sb_sysstats_server)) ||
	    !array_ok(in->attachments, in->attachment_size, in->nr_attachments,
		      sizeof(struct sb_sysstats_attachment)))
		return -EINVAL;
	if (!(in->flags & SB_SYSSTATS_SERVERS) &&
	    (in->servers || in->nr_servers || in->attachments ||
	     in->nr_attachments))
		return -EINVAL;
	if ((in->flags & SB_SYSSTATS_SERVERS) && !capable(CAP_SYS_ADMIN))
		return -EPERM;
	return 0;
}

/*
 * Every online CPU's state into @st, and the first @room of them into
 * @rec, with their counts; the pool and record figures from the first CPU
 * whose RootKernel answers.
 */
static int sysstats_cpus(struct sb_sysstats *st, struct sb_sysstats_cpu *rec,
			 u32 room)
{
	struct cpu_read r;
	bool have_global = false;
	unsigned int cpu, i;
	u32 n = 0;

	BUILD_BUG_ON(HV_STATS_REASONS > SB_SYSSTATS_EXIT_REASONS);
	BUILD_BUG_ON(SB_EV_NR > SB_SYSSTATS_EVENTS);
	r.hv = kmalloc(sizeof(*r.hv), GFP_KERNEL);
	if (!r.hv)
		return -ENOMEM;
	cpus_read_lock();
	for_each_online_cpu(cpu) {
		bool vmx = sb_cpu_virtualized(cpu);
		struct sb_sysstats_cpu *c = n < room ? &rec[n] : NULL;

		n++;
		st->cpus_vmx += vmx;
		if (c) {
			c->cpu = cpu;
			c->flags = vmx ? SB_CPU_VMX : 0;
			c->launch_tsc = sb_cpu_launch_ticks(cpu);
		}
		if (!vmx || (!c && have_global))
			continue;
		r.err = -ENODEV;
		if (smp_call_function_single(cpu, read_on_cpu, &r, 1) || r.err)
			continue;
		if (!have_global) {
			have_global = true;
			st->ept_pool_free = r.hv->ept_pool_free;
			st->records_used = r.hv->records_used;
		}
		if (!c)
			continue;
		c->flags |= SB_CPU_COUNTED;
		c->exits_total = r.hv->exits_total;
		memcpy(c->exits, r.hv->exits, sizeof(r.hv->exits));
		for (i = 0; i < SB_EV_NR; i++)
			c->events[i] = *(u64 *)((u8 *)r.hv + sb_event_offset[i]);
	}
	cpus_read_unlock();
	kfree(r.hv);
	st->nr_cpus = n;
	st->nr_exit_reasons = HV_STATS_REASONS;
	st->nr_events = SB_EV_NR;
	if (have_global)
		st->state |= SB_STATE_HV;
	return 0;
}

static void sysstats_lockdown(struct sb_sysstats *st)
{
	const char *names[SB_SYSSTATS_LOCKDOWN_KINDS];
	u64 refused[SB_SYSSTATS_LOCKDOWN_KINDS];
	unsigned int i, kinds;

	kinds = sb_lockdown_counts(&st->locked, names, refused,
				   SB_SYSSTATS_LOCKDOWN_KINDS);
	if (kinds > SB_SYSSTATS_LOCKDOWN_KINDS) {
		pr_warn_once("SB_IOC_SYSSTATS: %u lockdown kinds, room for %d\n",
			     kinds, SB_SYSSTATS_LOCKDOWN_KINDS);
		kinds = SB_SYSSTATS_LOCKDOWN_KINDS;
	}
	for (i = 0; i < kinds; i++) {
		strscpy(st->lockdown[i].name, names[i],
			sizeof(st->lockdown[i].name));
		st->lockdown[i].refused = refused[i];
	}
	st->nr_lockdown_kinds = kinds;
}

/* Copy the first min(@room, @n) of @n records of @size to @addr. */
static int copy_records(u64 addr, const void *recs, u32 room, u32 n,
			size_t size)
{
	size_t len = (size_t)min(room, n) * size;

	if (!len)
		return 0;
	return copy_to_user(u64_to_user_ptr(addr), recs, len) ? -EFAULT : 0;
}

/**
 * sb_sysstats() - SB_IOC_SYSSTATS (uapi/skybridge.h)
 * @arg: the caller's struct sb_sysstats
 */
long sb_sysstats(void __user *arg)
{
	struct sb_sysstats *in, *st;
	struct sb_sysstats_cpu *cpus = NULL;
	struct sb_sysstats_server *srv = NULL;
	struct sb_sysstats_attachment *att = NULL;
	u32 room_cpu, room_srv = 0, room_att = 0;
	struct hv_limits l;
	long err;

	in = kmalloc(2 * sizeof(*in), GFP_KERNEL);
	if (!in)
		return -ENOMEM;
	st = in + 1;
	err = -EFAULT;
	if (copy_from_user(in, arg, sizeof(*in)))
		goto out;
	err = sysstats_check(in);
	if (err)
		goto out;

	/* The input fields as given; every output field from zero. */
	memset(st, 0, sizeof(*st));
	st->size = in->size;
	st->flags = in->flags;
	st->cpus = in->cpus;
	st->cpu_size = in->cpu_size;
	st->servers = in->servers;
	st->server_size = in->server_size;
	st->attachments = in->attachments;
	st->attachment_size = in->attachment_size;

	err = -ENOMEM;
	room_cpu = min_t(u32, in->nr_cpus, nr_cpu_ids);
	if (room_cpu) {
		cpus = kvcalloc(room_cpu, sizeof(*cpus), GFP_KERNEL);
		if (!cpus)
			goto out;
	}
	if (in->flags & SB_SYSSTATS_SERVERS) {
		room_srv = min_t(u32, in->nr_servers, SB_MAX_SERVERS);
		room_att = min_t(u32, in->nr_attachments,
				 SB_MAX_SERVERS * SKYBRIDGE_MAX_ATTACH);
		srv = room_srv ? kvcalloc(room_srv, sizeof(*srv), GFP_KERNEL) : NULL;
		att = room_att ? kvcalloc(room_att, sizeof(*att), GFP_KERNEL) : NULL;
		if ((room_srv && !srv) || (room_att && !att))
			goto out;
	}

	st->hv_version = HV_VERSION;
	if (READ_ONCE(sb_vmfunc_ok))
		st->state |= SB_STATE_VMFUNC;
	err = sysstats_cpus(st, cpus, room_cpu);
	if (err)
		goto out;
	sb_calls_objects(&st->objects);
	st->ept_pool_pages = HV_POOL_PAGES;
	if (!sb_limits(&l)) {
		st->ept_pool_share = l.pages_share;
		st->records = l.records;
		st->records_share = l.records_share;
	}
	sysstats_lockdown(st);
	if (in->flags & SB_SYSSTATS_SERVERS)
		sb_calls_list_servers(current_user_ns(), srv, room_srv,
				      &st->nr_servers, att, room_att,
				      &st->nr_attachments);

	err = copy_records(st->cpus, cpus, room_cpu, st->nr_cpus,
			   sizeof(*cpus));
	if (!err)
		err = copy_records(st->servers, srv, room_srv, st->nr_servers,
				   sizeof(*srv));
	if (!err)
		err = copy_records(st->attachments, att, room_att,
				   st->nr_attachments, sizeof(*att));
	if (!err && copy_to_user(arg, st, sizeof(*st)))
		err = -EFAULT;
out:
	kvfree(att);
	kvfree(srv);
	kvfree(cpus);
	kfree(in);
	return err;
}
