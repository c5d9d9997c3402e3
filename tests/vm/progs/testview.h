/* SPDX-License-Identifier: GPL-2.0 */
/*
 * testview.h - the test-only view interface of the lab's test build of the
 * module (/lab/test/skybridge.ko), shared by the in-guest view test programs.
 */
#ifndef SKYBRIDGE_TESTVIEW_H
#define SKYBRIDGE_TESTVIEW_H

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <unistd.h>

#define TEST_VIEW_FILE	"/sys/kernel/debug/skybridge/test_view"

/* Write one command; 0 or the negative errno the module answered. */
static int view_cmd(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int view_cmd(const char *fmt, ...)
{
	char buf[96];
	va_list ap;
	int fd, n, err = 0;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	fd = open(TEST_VIEW_FILE, O_WRONLY);
	if (fd < 0)
		return -errno;
	if (write(fd, buf, n) != n)
		err = -errno;
	close(fd);
	return err;
}

#endif /* SKYBRIDGE_TESTVIEW_H */
