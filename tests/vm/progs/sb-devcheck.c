// SPDX-License-Identifier: GPL-2.0
/*
 * sb-devcheck - check the /dev/skybridge node and its ioctl refusal.
 *
 * Usage: sb-devcheck [PREFIX]
 *
 * Checks that /dev/skybridge is a character device with mode 0666 that opens
 * read/write, and that ioctl commands the module does not define (in its own
 * type byte, of every direction, and a foreign one) fail with ENOTTY.  PREFIX
 * is prepended to every test name.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#include "../../tap.h"
#include "uapi/skybridge.h"

static const char *prefix = "";

static void check_unknown_ioctl(int fd, unsigned long cmd, const char *what)
{
	uint64_t buf[8] = { 0 };
	char name[128];
	int rc, err;

	errno = 0;
	rc = ioctl(fd, cmd, buf);
	err = errno;
	snprintf(name, sizeof(name), "%sioctl %s (0x%lx) fails with ENOTTY",
		 prefix, what, cmd);
	tap_result(rc == -1 && err == ENOTTY, name, "rc=%d errno=%d (%s)", rc,
		   err, strerror(err));
}

int main(int argc, char **argv)
{
	char name[128];
	struct stat st;
	int fd, rc;

	if (argc > 2) {
		fprintf(stderr, "usage: sb-devcheck [PREFIX]\n");
		return 2;
	}
	if (argc == 2)
		prefix = argv[1];

	rc = stat(SKYBRIDGE_DEVICE_PATH, &st);
	snprintf(name, sizeof(name), "%s%s is a character device", prefix,
		 SKYBRIDGE_DEVICE_PATH);
	tap_result(rc == 0 && S_ISCHR(st.st_mode), name, "stat: %s, mode 0%o",
		   rc ? strerror(errno) : "ok", rc ? 0 : st.st_mode);
	if (rc)
		return tap_exit();

	snprintf(name, sizeof(name), "%s%s has mode 0666", prefix,
		 SKYBRIDGE_DEVICE_PATH);
	tap_result((st.st_mode & 07777) == 0666, name, "mode is 0%o",
		   st.st_mode & 07777);

	fd = open(SKYBRIDGE_DEVICE_PATH, O_RDWR | O_CLOEXEC);
	snprintf(name, sizeof(name), "%sopen %s read/write", prefix,
		 SKYBRIDGE_DEVICE_PATH);
	tap_result(fd >= 0, name, "%s", strerror(errno));
	if (fd < 0)
		return tap_exit();

	check_unknown_ioctl(fd, _IO(SKYBRIDGE_IOCTL_TYPE, 0), "_IO(type, 0)");
	check_unknown_ioctl(fd, _IOR(SKYBRIDGE_IOCTL_TYPE, 0x7f, uint64_t),
			    "_IOR(type, 0x7f)");
	check_unknown_ioctl(fd, _IOW(SKYBRIDGE_IOCTL_TYPE, 0x80, uint64_t),
			    "_IOW(type, 0x80)");
	check_unknown_ioctl(fd, _IOWR(SKYBRIDGE_IOCTL_TYPE, 0xff, uint64_t[8]),
			    "_IOWR(type, 0xff)");
	check_unknown_ioctl(fd, TCGETS, "TCGETS");

	close(fd);
	return tap_exit();
}
