/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * skybridge.h - the /dev/skybridge ioctl ABI, shared verbatim by the kernel
 * module and userspace.
 *
 * Rules (Documentation/driver-api/ioctl.rst, botching-up-ioctls.rst):
 * fixed-size fields only, __u64 for user pointers, natural alignment with
 * explicit padding, reserved fields must be zero, unknown commands fail with
 * ENOTTY.
 *
 * At this stage of the project the device exists but defines no commands:
 * every ioctl fails with ENOTTY.
 */
#ifndef _UAPI_SKYBRIDGE_H
#define _UAPI_SKYBRIDGE_H

#include <linux/ioctl.h>
#include <linux/types.h>

/* Device node created by the module (misc device, dynamic minor). */
#define SKYBRIDGE_DEVICE_NAME	"skybridge"
#define SKYBRIDGE_DEVICE_PATH	"/dev/skybridge"

/*
 * ioctl type byte.  0xB7 is unused in Documentation/userspace-api/
 * ioctl/ioctl-number.rst as of Linux 6.1.
 */
#define SKYBRIDGE_IOCTL_TYPE	0xB7

#endif /* _UAPI_SKYBRIDGE_H */
