// SPDX-License-Identifier: GPL-2.0
/*
 * skybridge module entry: late-launch the RootKernel on every online CPU
 * (and on every CPU that comes online later), and create /dev/skybridge.
 *
 * CPU hotplug: the RootKernel is a CPUHP_AP_ONLINE_DYN state, so a CPU that
 * comes online is launched and a CPU going offline is devirtualized first.
 * If any CPU fails to launch, the hotplug core rolls back the CPUs already
 * launched and insmod fails with the reason logged.
 *
 * The device's file operations (sessions, ioctls, the trampoline mapping)
 * are in calls.c.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/cpuhotplug.h>
#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/module.h>

#include "../hv/hv.h"
#include "../uapi/skybridge.h"
#include "kmod.h"

bool sb_test_hooks;
module_param_named(test_hooks, sb_test_hooks, bool, 0444);
MODULE_PARM_DESC(test_hooks, "create test-only debugfs files (default: off)");

static int sb_test_fail_cpu = -1;
module_param_named(test_fail_launch_cpu, sb_test_fail_cpu, int, 0444);
MODULE_PARM_DESC(test_fail_launch_cpu,
		 "test only: refuse to launch this CPU, to exercise the rollback (default: -1, none)");

static enum cpuhp_state sb_cpuhp_state;

static int sb_cpu_online(unsigned int cpu)
{
	if ((int)cpu == sb_test_fail_cpu) {
		pr_err("CPU %u: launch refused by test_fail_launch_cpu\n", cpu);
		return -EIO;
	}
	return hv_cpu_up(cpu);
}

static const struct file_operations sb_dev_fops = {
	.owner		= THIS_MODULE,
	.open		= sb_dev_open,
	.release	= sb_dev_release,
	.mmap		= sb_dev_mmap,
	.unlocked_ioctl	= sb_dev_ioctl,
	.compat_ioctl	= compat_ptr_ioctl,
	.llseek		= noop_llseek,
};

bool sb_is_dev_file(struct file *file)
{
	return file->f_op == &sb_dev_fops;
}

/*
 * World read/write, like /dev/kvm: clients and servers are unprivileged
 * processes; what each may do is decided per ioctl, not by the node's mode.
 */
static struct miscdevice sb_miscdev = {
	.minor	= MISC_DYNAMIC_MINOR,
	.name	= SKYBRIDGE_DEVICE_NAME,
	.fops	= &sb_dev_fops,
	.mode	= 0666,
};

static int __init skybridge_init(void)
{
	int err;

	err = sb_calls_init();
	if (err)
		return err;
	/* First: it names a RootKernel that is already running. */
	err = hv_init(sb_tramp());
	if (err)
		goto free_calls;
	err = sb_lockdown_init();
	if (err)
		goto free_hv;
	err = cpuhp_setup_state(CPUHP_AP_ONLINE_DYN, "skybridge/hv:online",
				sb_cpu_online, hv_cpu_down);
	if (err < 0) {
		pr_err("late launch failed: %d\n", err);
		goto unhook;
	}
	sb_cpuhp_state = err;

	err = misc_register(&sb_miscdev);
	if (err) {
		pr_err("cannot register /dev/%s: %d\n", SKYBRIDGE_DEVICE_NAME,
		       err);
		goto devirtualize;
	}
	sb_debugfs_init();
	pr_info("loaded: RootKernel running on %u CPUs\n", num_online_cpus());
	return 0;

devirtualize:
	cpuhp_remove_state(sb_cpuhp_state);
unhook:
	sb_lockdown_exit();
free_hv:
	hv_exit();
free_calls:
	sb_calls_exit();
	return err;
}

static void __exit skybridge_exit(void)
{
	sb_debugfs_exit();
	misc_deregister(&sb_miscdev);
	sb_views_exit();
	cpuhp_remove_state(sb_cpuhp_state);
	hv_exit();
	sb_views_free();
	sb_lockdown_exit();
	sb_calls_exit();
	pr_info("unloaded: every CPU runs natively again\n");
}

module_init(skybridge_init);
module_exit(skybridge_exit);

MODULE_LICENSE("GPL");
MODULE_AUTHOR("skybridge developers");
MODULE_DESCRIPTION("SkyBridge direct IPC: a late-launched VMX RootKernel and VMFUNC server calls");
