// SPDX-License-Identifier: GPL-2.0
/*
 * rootkernel.c - the RootKernel's OS glue: what hv/ needs from Linux and
 * Linux from it.
 *
 *  - CPU hotplug: the RootKernel is a CPUHP_AP_ONLINE_DYN state, so a CPU
 *    that comes online is launched (hv_cpu_launch(), on that CPU, interrupts
 *    off) and a CPU going offline is devirtualized first (HC_DEVIRTUALIZE).
 *    If any CPU fails to launch, the hotplug core rolls back the CPUs
 *    already launched and insmod fails with the reason logged.
 *  - hv_os_notify(): host context (an exit handler) cannot take locks or
 *    sleep, so it queues an irq_work (NMI-safe); the irq_work schedules a
 *    work item, since on_each_cpu() must not wait in interrupt context.
 *    ENTRY_SYNC: every CPU flushes its EPT translations, then HC_ENTRY_SYNC,
 *    and one more flush if that found a new entry point (hv/guard.c).
 *    HANDOFF: the handoff work takes it (kmod/handoff.c).  The work items
 *    live in module data: the guest runs them, and RootKernel memory is
 *    hidden from the guest.
 *  - reboot, power-off, halt and kexec: the reboot notifier devirtualizes
 *    every CPU before the machine leaves Linux's hands (below).
 *  - the per-CPU launch state and the exit counts, for debugfs.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/cpu.h>
#include <linux/cpuhotplug.h>
#include <linux/irq_work.h>
#include <linux/moduleparam.h>
#include <linux/percpu.h>
#include <linux/reboot.h>
#include <linux/workqueue.h>
#include <asm/apic.h>
#include <asm/desc.h>
#include <asm/irq_vectors.h>
#include <asm/msr.h>
#include <asm/tsc.h>

#include "../hv/hv.h"
#include "kmod.h"

static DEFINE_PER_CPU(bool, sb_hv_on);
static DEFINE_PER_CPU(u64, sb_launch_ticks);
static enum cpuhp_state sb_cpuhp_state;
static bool sb_shutting_down;	/* a reboot stopped the RootKernel for good */

long sb_hypercall(u64 nr, u64 a0, u64 a1, u64 a2)
{
	unsigned long flags;
	long ret = -ESHUTDOWN;

	/* Interrupts off: no reboot IPI between the check and the VMCALL. */
	local_irq_save(flags);
	if (likely(this_cpu_read(sb_hv_on)))
		asm volatile("vmcall"
			     : "=a"(ret)
			     : "a"(nr), "D"(a0), "S"(a1), "d"(a2)
			     : "memory");
	local_irq_restore(flags);
	return ret;
}

static void flush_on_cpu(void *unused)
{
	if (this_cpu_read(sb_hv_on))
		sb_hypercall(HC_EPT_FLUSH_ALL, 0, 0, 0);
}

static void entry_sync_fn(struct work_struct *work)
{
	long added;

	cpus_read_lock();
	on_each_cpu(flush_on_cpu, NULL, 1);
	added = this_cpu_read(sb_hv_on) ? sb_hypercall(HC_ENTRY_SYNC, 0, 0, 0) : 0;
	if (added > 0)
		on_each_cpu(flush_on_cpu, NULL, 1);
	cpus_read_unlock();
	if (added < 0)
		pr_err("entry-page rescan failed: %ld\n", added);
}
static DECLARE_WORK(entry_sync_work, entry_sync_fn);

static void entry_sync_irq(struct irq_work *work)
{
	schedule_work(&entry_sync_work);
}
static DEFINE_IRQ_WORK(entry_sync_irq_work, entry_sync_irq);

static void handoff_irq(struct irq_work *work)
{
	sb_handoff_schedule();
}
static DEFINE_IRQ_WORK(handoff_irq_work, handoff_irq);

/* Host context: NMI-safe, takes no locks. */
void hv_os_notify(enum hv_event event)
{
	irq_work_queue(event == HV_EVENT_HANDOFF ? &handoff_irq_work :
		       &entry_sync_irq_work);
}

/*
 * The stall bound (docs/design.md, "Stalls"): a call interrupted in a
 * handler whose client does not resume within stall_ms stops holding its
 * server (HC_CONT_EXPIRE): it goes on as an orphan handoff, or its slot
 * is released.  Checked every stall_ms / 2, or every 50 ms if that is
 * sooner (so that a smaller bound written at run time takes effect soon).
 */
static unsigned int stall_ms = 100;
module_param(stall_ms, uint, 0644);
MODULE_PARM_DESC(stall_ms,
		 "an interrupted call whose client does not resume within this many ms stops holding its server (10-60000, default 100)");

static void stall_fn(struct work_struct *work);
static DECLARE_DELAYED_WORK(stall_work, stall_fn);

static unsigned int stall_bound_ms(void)
{
	return clamp_t(unsigned int, READ_ONCE(stall_ms), 10, 60000);
}

static unsigned long stall_period(void)
{
	return msecs_to_jiffies(min(stall_bound_ms() / 2, 50U));
}

static void stall_fn(struct work_struct *work)
{
	u64 now, ticks = (u64)stall_bound_ms() * tsc_khz;

	preempt_disable();
	now = rdtsc();
	if (this_cpu_read(sb_hv_on) && now > ticks)
		sb_hypercall(HC_CONT_EXPIRE, now - ticks, 0, 0);
	preempt_enable();
	schedule_delayed_work(&stall_work, stall_period());
}

static int sb_cpu_online(unsigned int cpu)
{
	unsigned long flags;
	int err;
	u64 t0;

	if (WARN_ON_ONCE(cpu != smp_processor_id()))
		return -EINVAL;
	if (sb_test_refuse_launch(cpu))
		return -EIO;
	if (this_cpu_read(sb_hv_on) || READ_ONCE(sb_shutting_down))
		return 0;
	local_irq_save(flags);
	t0 = rdtsc();
	err = hv_cpu_launch(cpu);
	if (!err) {
		this_cpu_write(sb_launch_ticks, rdtsc() - t0);
		this_cpu_write(sb_hv_on, true);
	} else {
		/* A VM entry that failed loaded TR's limit as 0x67 (SDM 27.5.2). */
		force_reload_TR();
	}
	local_irq_restore(flags);
	return err;
}

static int sb_cpu_offline(unsigned int cpu)
{
	unsigned long flags;
	long ret;

	if (WARN_ON_ONCE(cpu != smp_processor_id()))
		return -EINVAL;
	if (!this_cpu_read(sb_hv_on))
		return 0;
	local_irq_save(flags);
	ret = sb_hypercall(HC_DEVIRTUALIZE, 0, 0, 0);
	if (ret >= 0) {
		/* A VM exit left the TSS limit at 0x67 (SDM 27.5.2). */
		force_reload_TR();
		this_cpu_write(sb_hv_on, false);
		/* The RootKernel held an NMI for Linux: it comes natively now. */
		if (ret == HV_DEVIRT_NMI_PENDING)
			apic->send_IPI(cpu, NMI_VECTOR);
		ret = 0;
	}
	local_irq_restore(flags);
	if (ret)
		pr_err("CPU %u: devirtualization refused: %ld\n", cpu, ret);
	return ret ? -EIO : 0;
}

static void devirt_this_cpu(void *unused)
{
	sb_cpu_offline(smp_processor_id());
}

/*
 * Reboot, power-off, halt, and kexec (kernel_kexec() calls the reboot
 * notifiers too), in process context before the machine leaves Linux's
 * hands: devirtualize every CPU.  Under the RootKernel an INIT is ignored
 * and a triple fault stops the CPU, so a reset through the keyboard
 * controller or a triple fault would hang the box, and a kexec'd kernel
 * would run in non-root and could not start its other CPUs; Linux's own
 * emergency VMXOFF reads CR4's shadow, sees no VMXE, and does nothing.
 * From here no CPU launches again and every hypercall fails with
 * -ESHUTDOWN: processes still running may still be torn down.
 */
static int sb_reboot(struct notifier_block *nb, unsigned long action,
		     void *unused)
{
	WRITE_ONCE(sb_shutting_down, true);
	cpus_read_lock();
	on_each_cpu(devirt_this_cpu, NULL, 1);
	cpus_read_unlock();
	pr_info("RootKernel stopped on every CPU for %s\n",
		action == SYS_RESTART ? "a restart or kexec" :
		action == SYS_HALT ? "a halt" : "a power-off");
	return NOTIFY_DONE;
}

static struct notifier_block sb_reboot_nb = { .notifier_call = sb_reboot };

/* Late-launch the RootKernel on every online CPU, and on each that comes. */
int sb_rootkernel_start(void)
{
	int ret = cpuhp_setup_state(CPUHP_AP_ONLINE_DYN, "skybridge/hv:online",
				    sb_cpu_online, sb_cpu_offline);

	if (ret < 0) {
		pr_err("late launch failed: %d\n", ret);
		return ret;
	}
	sb_cpuhp_state = ret;
	register_reboot_notifier(&sb_reboot_nb);
	schedule_delayed_work(&stall_work, stall_period());
	return 0;
}

/* Devirtualize every CPU; nothing queued for the RootKernel may be left. */
void sb_rootkernel_stop(void)
{
	unsigned int cpu;

	unregister_reboot_notifier(&sb_reboot_nb);
	cancel_delayed_work_sync(&stall_work);
	/* After this no exit can queue anything. */
	cpuhp_remove_state(sb_cpuhp_state);
	irq_work_sync(&entry_sync_irq_work);
	cancel_work_sync(&entry_sync_work);
	irq_work_sync(&handoff_irq_work);
	for_each_possible_cpu(cpu)
		WARN_ON(per_cpu(sb_hv_on, cpu));
}

bool sb_cpu_virtualized(unsigned int cpu)
{
	return per_cpu(sb_hv_on, cpu);
}

u64 sb_cpu_launch_ticks(unsigned int cpu)
{
	return per_cpu(sb_launch_ticks, cpu);
}

/* This CPU's exit statistics, through the hypervisor; -ENODEV if native. */
int sb_hv_stats(struct hv_cpu_stats *out)
{
	if (!this_cpu_read(sb_hv_on))
		return -ENODEV;
	return sb_hypercall(HC_GET_STATS, (u64)out, sizeof(*out), 0);
}
