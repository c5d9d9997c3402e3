/* SPDX-License-Identifier: MIT */
/*
 * vmfunc.h - libskybridge's own conventions on top of the direct-call ABI:
 * the connection buffer's header page and the handler's status word.  Pure
 * logic, no system calls, so the host tests check it without a fast path.
 *
 * Header page.  The ABI passes four words and no payload length, and the
 * library's sb_call_buf() needs one.  So a library server asks the kernel for
 * buffers one page larger than its users' buf_size and keeps the first page
 * for a struct vm_buf_hdr; the user's buffer starts at the second page.  The
 * client writes len there before each call; the handler entry reads it once
 * and checks it against the server's own size (the client can race it).
 *
 * Status word.  The trampoline returns either the handler's status or its
 * own negative errno in RAX, and nothing tells the two apart.  So the
 * library's handler entry never returns a negative RAX: it returns VM_DONE |
 * reply_len << 16 | -status.  A negative RAX is always the trampoline's; a
 * handler's -EBUSY or -EPIPE stays the handler's.  It also carries the reply
 * length back without another store to shared memory.
 */
#ifndef SB_VMFUNC_H
#define SB_VMFUNC_H

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>

#define VM_HDR_SIZE	4096u

struct vm_buf_hdr {
	uint64_t len;		/* client: payload bytes of this call */
	uint64_t reserved[7];
};

#define VM_DONE			(1ULL << 62)
#define VM_STATUS_MASK		0xffffULL
#define VM_RLEN_SHIFT		16
#define VM_RLEN_MASK		((1ULL << 40) - 1)
/* Bits that must be clear in a handler's status word. */
#define VM_RESERVED_BITS	(~(VM_DONE | VM_RLEN_MASK << VM_RLEN_SHIFT | \
				   VM_STATUS_MASK))

/* Largest status a handler may return unchanged (as SB_MAX_ERRNO). */
#define VM_MAX_ERRNO	4095

/*
 * vm_status_encode() - the handler entry's RAX for @status (already within
 * [-VM_MAX_ERRNO, 0]) and @reply_len (already at most the buffer size).
 */
static inline int64_t vm_status_encode(int status, uint64_t reply_len)
{
	return (int64_t)(VM_DONE | (reply_len & VM_RLEN_MASK) << VM_RLEN_SHIFT |
			 (uint64_t)-(int64_t)status);
}

/* A handler's status as the library passes it on: [-VM_MAX_ERRNO, 0]. */
static inline int vm_status_clamp(int status)
{
	return status > 0 || status < -VM_MAX_ERRNO ? -EPROTO : status;
}

/**
 * vm_status_decode() - what a call's RAX means to the caller
 * @raw:       RAX from the trampoline
 * @buf_size:  the connection's buffer size (users' bytes)
 * @reply_len: receives the reply length when the handler ran
 * @ran:       set to whether the handler ran to completion
 *
 * The trampoline's own statuses map onto the library's:
 *   -EPIPE (not attached, server gone)     -> -ECONNRESET
 *   -ESTALE (server gone during the call)  -> -ECONNRESET
 *   -EACCES (wrong key: attachment revoked) -> -ECONNRESET
 *   -EBUSY (all slots busy)                -> -EBUSY
 *   -EOPNOTSUPP (no rseq)                  -> -EOPNOTSUPP
 *   -EFAULT, -ENOSYS, -EAGAIN, -EINVAL, -EINTR (the handler faulted, made
 *    a system call, or could not be resumed after an interrupt: the call
 *    was aborted)
 *                                          -> -ECONNABORTED
 *   anything else                          -> -EPROTO
 *
 * Return: the status sb_call() returns.
 */
static inline int vm_status_decode(int64_t raw, uint64_t buf_size,
				   uint64_t *reply_len, bool *ran)
{
	uint64_t word = (uint64_t)raw, rlen, neg;

	*ran = false;
	if (raw < 0) {
		switch (-word) {
		case EPIPE:
		case ESTALE:
		case EACCES:
			return -ECONNRESET;
		case EBUSY:
			return -EBUSY;
		case EOPNOTSUPP:
			return -EOPNOTSUPP;
		case EFAULT:
		case ENOSYS:
		case EAGAIN:
		case EINVAL:
		case EINTR:
			return -ECONNABORTED;
		default:
			return -EPROTO;
		}
	}
	if (!(word & VM_DONE) || (word & VM_RESERVED_BITS))
		return -EPROTO;
	neg = word & VM_STATUS_MASK;
	rlen = word >> VM_RLEN_SHIFT & VM_RLEN_MASK;
	if (neg > VM_MAX_ERRNO || rlen > buf_size)
		return -EPROTO;
	*ran = true;
	*reply_len = rlen;
	return -(int)neg;
}

/* Server names the kernel accepts: [A-Za-z0-9._-] (the library also allows +:@). */
static inline bool vm_name_ok(const char *name)
{
	for (; *name; name++) {
		char ch = *name;

		if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		      (ch >= '0' && ch <= '9') || ch == '.' || ch == '_' ||
		      ch == '-'))
			return false;
	}
	return true;
}

#endif /* SB_VMFUNC_H */
