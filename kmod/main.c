// SPDX-License-Identifier: GPL-2.0
/*
 * skybridge module entry: the /dev/skybridge misc device.
 *
 * The ioctl table is empty at this stage; every command is refused with
 * -ENOTTY, as Documentation/driver-api/ioctl.rst asks for unknown commands.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/module.h>

#include "../uapi/skybridge.h"

static long sb_dev_ioctl(struct file *file, unsigned int cmd,
			 unsigned long arg)
{
	return -ENOTTY;
}

static const struct file_operations sb_dev_fops = {
	.owner		= THIS_MODULE,
	.unlocked_ioctl	= sb_dev_ioctl,
	.compat_ioctl	= compat_ptr_ioctl,
	.llseek		= noop_llseek,
};

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

	err = misc_register(&sb_miscdev);
	if (err) {
		pr_err("cannot register /dev/%s: %d\n", SKYBRIDGE_DEVICE_NAME,
		       err);
		return err;
	}
	pr_info("loaded\n");
	return 0;
}

static void __exit skybridge_exit(void)
{
	misc_deregister(&sb_miscdev);
	pr_info("unloaded\n");
}

module_init(skybridge_init);
module_exit(skybridge_exit);

MODULE_LICENSE("GPL");
MODULE_AUTHOR("skybridge developers");
MODULE_DESCRIPTION("SkyBridge direct IPC: a late-launched VMX RootKernel and VMFUNC server calls");
