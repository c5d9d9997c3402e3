// SPDX-License-Identifier: GPL-2.0
/*
 * debugfs.c - /sys/kernel/debug/skybridge/: the RootKernel's state, version
 * and per-CPU exit counts by reason, read through the hypervisor.
 *
 *   state         "cpu N: vmx|native, launch T TSC ticks" per online CPU
 *   version       RootKernel version, major.minor
 *   exits         one line per CPU and exit reason with a non-zero count
 *   lockdown      "locked N" (processes under the exec-memory lockdown) and
 *                 one "KIND N" line per kind of refusal (kmod/lockdown.c)
 *   objects, servers  live objects and servers (kmod/device.c)
 * and, in the lab's test build only, test_view and probe_hidden
 * (kmod/test/testhooks.c).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/cpu.h>
#include <linux/debugfs.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <asm/asm.h>
#include <asm/vmx.h>

#include "../hv/hv.h"
#include "kmod.h"

static struct dentry *sb_debugfs;

static const struct { u32 reason; const char *name; } exit_names[] = {
	VMX_EXIT_REASONS
};

static const char *exit_name(u32 reason)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(exit_names); i++)
		if (exit_names[i].reason == reason)
			return exit_names[i].name;
	return "UNKNOWN";
}

static int state_show(struct seq_file *m, void *v)
{
	unsigned int cpu;

	cpus_read_lock();
	for_each_online_cpu(cpu)
		seq_printf(m, "cpu %u: %s, launch %llu TSC ticks\n", cpu,
			   sb_cpu_virtualized(cpu) ? "vmx" : "native",
			   sb_cpu_launch_ticks(cpu));
	cpus_read_unlock();
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(state);

static int lockdown_show(struct seq_file *m, void *v)
{
	sb_lockdown_show(m);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(lockdown);

static int objects_show(struct seq_file *m, void *v)
{
	sb_calls_show_objects(m);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(objects);

static int servers_show(struct seq_file *m, void *v)
{
	sb_calls_show_servers(m);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(servers);

static int version_show(struct seq_file *m, void *v)
{
	seq_printf(m, "%d.%d\n", HV_VERSION_MAJOR, HV_VERSION_MINOR);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(version);

struct stats_call {
	struct hv_cpu_stats *stats;
	int err;
};

static void stats_on_cpu(void *arg)
{
	struct stats_call *c = arg;

	c->err = sb_hv_stats(c->stats);
}

/* The RootKernel's event counters, by the names the lab greps for. */
#define STAT(name, field) { name, offsetof(struct hv_cpu_stats, field) }
static const struct {
	const char *name;
	size_t offset;
} stat_fields[] = {
	STAT("HIDDEN_MEMORY_VIOLATION", ept_violations_hidden),
	STAT("HYPERCALL_REFUSED", hypercalls_refused),
	STAT("VIEW_TRAP_KERNEL_ENTRY", view_traps_kernel),
	STAT("VIEW_TRAP_OTHER", view_traps_user),
	STAT("CONT_SAVED", conts_saved),
	STAT("CONT_RESUMED", conts_resumed),
	STAT("CONT_TABLE_FULL", conts_full),
	STAT("CALL_ABORTED", call_aborts),
	STAT("CALL_LANDING_TRAP", call_landing_traps),
	STAT("EPT_POOL_FREE", ept_pool_free),
	STAT("ENTRY_MSR_WRITE", entry_msr_writes),
	STAT("ENTRY_IDT_LOAD", entry_idt_loads),
	STAT("ENTRY_IDT_WRITE_REFUSED", entry_idt_writes),
	STAT("ENTRY_PAGE_ADDED", entry_pages_added),
	STAT("DESC_EMULATED", desc_emulated),
	STAT("HANDOFF", handoffs),
	STAT("HANDOFF_ORPHANED", handoffs_orphaned),
	STAT("HANDOFF_ADOPTED", handoffs_adopted),
	STAT("HANDOFF_RETURNED", handoffs_returned),
	STAT("CALL_DEAD_END", call_dead_ends),
	STAT("CONT_EXPIRED", conts_expired),
	STAT("RECORDS_USED", records_used),
};
#undef STAT

static int exits_show(struct seq_file *m, void *v)
{
	struct stats_call call;
	unsigned int cpu, r;

	/* kmalloc: the hypervisor writes only to direct-map memory. */
	call.stats = kmalloc(sizeof(*call.stats), GFP_KERNEL);
	if (!call.stats)
		return -ENOMEM;
	cpus_read_lock();
	for_each_online_cpu(cpu) {
		if (smp_call_function_single(cpu, stats_on_cpu, &call, 1) ||
		    call.err) {
			seq_printf(m, "cpu %u: native\n", cpu);
			continue;
		}
		seq_printf(m, "cpu %u: total %llu\n", cpu,
			   call.stats->exits_total);
		for (r = 0; r < HV_STATS_REASONS; r++)
			if (call.stats->exits[r])
				seq_printf(m, "cpu %u: %s %llu\n", cpu,
					   exit_name(r), call.stats->exits[r]);
		for (r = 0; r < ARRAY_SIZE(stat_fields); r++)
			seq_printf(m, "cpu %u: %s %llu\n", cpu,
				   stat_fields[r].name,
				   *(u64 *)((u8 *)call.stats + stat_fields[r].offset));
	}
	cpus_read_unlock();
	kfree(call.stats);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(exits);

int sb_debugfs_init(void)
{
	sb_debugfs = debugfs_create_dir(KBUILD_MODNAME, NULL);
	debugfs_create_file("state", 0444, sb_debugfs, NULL, &state_fops);
	debugfs_create_file("version", 0444, sb_debugfs, NULL, &version_fops);
	debugfs_create_file("exits", 0444, sb_debugfs, NULL, &exits_fops);
	debugfs_create_file("objects", 0444, sb_debugfs, NULL, &objects_fops);
	debugfs_create_file("servers", 0400, sb_debugfs, NULL, &servers_fops);
	debugfs_create_file("lockdown", 0444, sb_debugfs, NULL, &lockdown_fops);
	sb_test_debugfs(sb_debugfs);
	return 0;
}

void sb_debugfs_exit(void)
{
	debugfs_remove_recursive(sb_debugfs);
}
