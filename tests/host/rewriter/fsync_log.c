// SPDX-License-Identifier: GPL-2.0
/*
 * fsync_log.c - LD_PRELOAD shim for the rewriter host tests: before each
 * fsync(), append the path of the file or directory it is given (read from
 * /proc/self/fd) as one line to the file named by $SB_FSYNC_LOG.  Lets a
 * test see which directory sb-rewrite syncs after its rename, without
 * strace.
 */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

int fsync(int fd)
{
	static int (*real_fsync)(int);
	const char *log = getenv("SB_FSYNC_LOG");
	char link[64], path[4096];
	ssize_t n;
	int l;

	if (!real_fsync)
		real_fsync = (int (*)(int))dlsym(RTLD_NEXT, "fsync");
	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	n = readlink(link, path, sizeof(path) - 1);
	if (log && n > 0) {
		path[n++] = '\n';
		l = open(log, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
		if (l >= 0) {
			if (write(l, path, n) != n)
				path[0] = 0;	/* a short log line fails the test that reads it */
			close(l);
		}
	}
	if (!real_fsync) {
		errno = ENOSYS;
		return -1;
	}
	return real_fsync(fd);
}
