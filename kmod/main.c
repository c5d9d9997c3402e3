// SPDX-License-Identifier: GPL-2.0
/*
 * skybridge module entry: prepare the RootKernel, late-launch it on every
 * CPU (rootkernel.c), install the exec-memory lockdown, and create
 * /dev/skybridge.  The device's file operations (sessions, ioctls, the
 * trampoline mapping) are in device.c.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/module.h>

#include "../hv/hv.h"
#include "../uapi/skybridge.h"
#include "kmod.h"

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
	struct hv_limits limits;
	int err;

	err = sb_calls_init();
	if (err)
		return err;
	/* First: it names a RootKernel that is already running. */
	err = sb_limits(&limits) ?: hv_init(sb_tramp(), &limits);
	if (err)
		goto free_calls;
	err = sb_lockdown_init();
	if (err)
		goto free_hv;
	err = sb_rootkernel_start();
	if (err)
		goto unhook;

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
	sb_rootkernel_stop();
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
	sb_test_views_exit();
	sb_rootkernel_stop();
	hv_exit();
	sb_test_free();
	sb_lockdown_exit();
	sb_calls_exit();
	pr_info("unloaded: every CPU runs natively again\n");
}

module_init(skybridge_init);
module_exit(skybridge_exit);

MODULE_LICENSE("GPL");
MODULE_AUTHOR("skybridge developers");
MODULE_DESCRIPTION("SkyBridge direct IPC: a late-launched VMX RootKernel and VMFUNC server calls");
