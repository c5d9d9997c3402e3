// SPDX-License-Identifier: GPL-2.0
/*
 * io_shim.c - LD_PRELOAD shim for the rewriter host tests, so they can see
 * and break sb-rewrite's file I/O without strace or a special filesystem:
 *
 *   SB_FSYNC_LOG=FILE   before each fsync(), append the path of the file or
 *                       directory it is given (from /proc/self/fd) to FILE
 *   SB_FAIL_CLOSE=STR   close() of a file whose path contains STR closes it
 *                       but reports EIO (as NFS can for a failed write-back)
 */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static ssize_t fd_path(int fd, char *path, size_t len)
{
	char link[64];
	ssize_t n;

	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	n = readlink(link, path, len - 1);
	if (n > 0)
		path[n] = 0;
	return n;
}

int fsync(int fd)
{
	static int (*real_fsync)(int);
	const char *log = getenv("SB_FSYNC_LOG");
	char path[4096];
	ssize_t n;
	int l;

	if (!real_fsync)
		real_fsync = (int (*)(int))dlsym(RTLD_NEXT, "fsync");
	n = fd_path(fd, path, sizeof(path) - 1);
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

int close(int fd)
{
	static int (*real_close)(int);
	const char *match = getenv("SB_FAIL_CLOSE");
	char path[4096];
	int fail, r;

	if (!real_close)
		real_close = (int (*)(int))dlsym(RTLD_NEXT, "close");
	if (!real_close) {
		errno = ENOSYS;
		return -1;
	}
	fail = match && *match && fd_path(fd, path, sizeof(path)) > 0 && strstr(path, match);
	r = real_close(fd);
	if (fail && r == 0) {
		errno = EIO;
		return -1;
	}
	return r;
}
