// SPDX-License-Identifier: MIT
/*
 * fb_common.c - pieces of the fallback transport both sides use: the
 * rendezvous socket address and sealed shared-memory regions.
 */
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "fallback.h"
#include "libskybridge.h"

/**
 * fb_socket_addr() - the abstract socket address of server @name
 * @name: a validated server name
 * @sun:  a struct sockaddr_un to fill
 * @len:  receives the address length (abstract names are not NUL-terminated)
 *
 * Return: 0 or -ENAMETOOLONG.
 */
int fb_socket_addr(const char *name, void *sun, unsigned int *len)
{
	struct sockaddr_un *addr = sun;
	size_t prefix = strlen(FB_SOCK_PREFIX), n = strlen(name);

	if (1 + prefix + n > sizeof(addr->sun_path))
		return -ENAMETOOLONG;
	memset(addr, 0, sizeof(*addr));
	addr->sun_family = AF_UNIX;
	/* sun_path[0] stays '\0': the abstract namespace, no file to clean up. */
	memcpy(addr->sun_path + 1, FB_SOCK_PREFIX, prefix);
	memcpy(addr->sun_path + 1 + prefix, name, n);
	*len = (unsigned int)(offsetof(struct sockaddr_un, sun_path) + 1 + prefix + n);
	return 0;
}

/**
 * fb_memfd() - a zeroed shared-memory file of @size bytes that cannot be
 * resized any more
 *
 * The seals matter: a peer that could shrink the file would make the other
 * side's next access to the mapping raise SIGBUS.
 *
 * Return: the fd, or a negative errno.
 */
int fb_memfd(const char *what, uint64_t size)
{
	int fd = memfd_create(what, MFD_CLOEXEC | MFD_ALLOW_SEALING);

	if (fd < 0)
		return -errno;
	if (ftruncate(fd, (off_t)size) < 0 ||
	    fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL) < 0) {
		int err = -errno;

		close(fd);
		return err;
	}
	return fd;
}
