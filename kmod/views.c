// SPDX-License-Identifier: GPL-2.0
/*
 * views.c - the Linux side of EPT views: making a server's view pair at a
 * free index, and flushing or destroying a view on every CPU.  (Which pages
 * a view must not execute, the kernel's entry points, the RootKernel finds
 * and keeps true itself: hv/guard.c.)
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/cpu.h>
#include <linux/mutex.h>
#include <linux/smp.h>

#include "../hv/hv.h"
#include "kmod.h"

static DEFINE_MUTEX(sb_views_lock);

static void flush_on_cpu(void *arg)
{
	long ret = sb_hypercall(HC_VIEW_FLUSH, (unsigned long)arg, 0, 0);

	if (ret)
		pr_err_ratelimited("view %lu: flush failed on CPU %d: %ld\n",
				   (unsigned long)arg, smp_processor_id(), ret);
}

/**
 * sb_view_destroy() - take view @index out of service on every CPU, free it
 *
 * The IPI that runs the flush is a kernel entry: a CPU that was running in
 * the view traps back to the plain view before it flushes.
 */
int sb_view_destroy(unsigned int index)
{
	long ret;

	ret = sb_hypercall(HC_VIEW_INVALIDATE, index, 0, 0);
	if (ret)
		return ret;
	cpus_read_lock();
	on_each_cpu(flush_on_cpu, (void *)(unsigned long)index, 1);
	ret = sb_hypercall(HC_VIEW_FREE, index, 0, 0);
	cpus_read_unlock();
	if (ret)
		pr_err("view %u: cannot free: %ld\n", index, ret);
	return ret;
}

/**
 * sb_view_flush() - INVEPT view @index on every CPU, after a change of its
 * EPT or of the server's page tables; any context with interrupts enabled
 */
void sb_view_flush(unsigned int index)
{
	on_each_cpu(flush_on_cpu, (void *)(unsigned long)index, 1);
}

/**
 * sb_view_create_server() - make a server view at a free index
 * @handoff: system calls and faults in its handlers hand off (hv/cont.c)
 * @owner: the owner id its EPT tables and handoff records are charged to
 *
 * A server view takes two indices: its own, even, and its return view's,
 * the next (hv/view.c).
 *
 * Return: the view index (2-510, even), or a negative errno: -ENOSPC when
 * no pair of indices is free.
 */
int sb_view_create_server(bool handoff, u16 owner)
{
	unsigned int index;
	long ret;

	mutex_lock(&sb_views_lock);
	for (index = HV_VIEW_FIRST, ret = 0; index < HV_NR_VIEWS; index += 2) {
		ret = sb_hypercall(HC_VIEW_CREATE_SERVER, index,
				   handoff ? HV_VIEW_F_HANDOFF : 0, owner);
		if (ret != -EBUSY)
			break;
		ret = 0;
	}
	mutex_unlock(&sb_views_lock);
	if (ret)
		return ret;
	return index < HV_NR_VIEWS ? index : -ENOSPC;
}
