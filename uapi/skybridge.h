/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * skybridge.h - the /dev/skybridge ioctl ABI, shared verbatim by the kernel
 * module and userspace.
 *
 * Rules (Documentation/driver-api/ioctl.rst, botching-up-ioctls.rst):
 * fixed-size fields only, __u64 for user pointers, natural alignment with
 * explicit padding, reserved fields and unknown flags must be zero (EINVAL
 * otherwise), every argument structure starts with its size (callers set it
 * to sizeof; a later version may grow the structure and accept both sizes),
 * unknown commands fail with ENOTTY.
 *
 * Two numbering spaces, not to be confused:
 *  - a *view index* is a position in the RootKernel's EPTP list (VMFUNC's
 *    ECX): 0 is the plain view, 1 the landing view, 2-511 one per server;
 *  - a *slot* is one of a server's concurrency slots (a stack and a TLS
 *    block that one call at a time borrows).
 * An *attachment* is one process's right to call one server through one
 * connection; its *id* indexes the server's key table and its *key* is the
 * secret the server-side trampoline checks.
 *
 * Objects:
 *  - a *session* is an open file of /dev/skybridge.  It belongs to the
 *    process (mm) that opened it; ioctls from another process get EBADFD.
 *    The trampoline and the session's data pages are mmap()ed from it.
 *  - a *connection* is a file returned by SB_IOC_CONNECT.  It may be passed
 *    over SCM_RIGHTS or inherited; in another process it is only a right to
 *    SB_IOC_ATTACH.  close() in a process detaches that process.
 */
#ifndef _UAPI_SKYBRIDGE_H
#define _UAPI_SKYBRIDGE_H

#include <linux/const.h>
#ifndef __ASSEMBLY__
#include <linux/ioctl.h>
#include <linux/types.h>
#endif

/* Device node created by the module (misc device, dynamic minor). */
#define SKYBRIDGE_DEVICE_NAME	"skybridge"
#define SKYBRIDGE_DEVICE_PATH	"/dev/skybridge"

/*
 * ioctl type byte.  0xB7 is unused in Documentation/userspace-api/
 * ioctl/ioctl-number.rst as of Linux 6.1.
 */
#define SKYBRIDGE_IOCTL_TYPE	0xB7

#define SB_API_VERSION		1
#define SKYBRIDGE_NAME_LEN	64	/* including the terminating NUL */
#define SKYBRIDGE_MAX_SLOTS	64	/* slots per server */
#define SKYBRIDGE_MAX_ATTACH	256	/* attachments per server */
#define SKYBRIDGE_MAX_CPUS	512	/* CPUs the per-CPU data page covers */

/*
 * The trampoline: SB_TRAMP_CODE_PAGES pages of code mapped read+execute at
 * SB_TRAMP_BASE in every process that uses skybridge (mmap of a session at
 * file offset 0, MAP_SHARED | MAP_FIXED_NOREPLACE), followed directly by the
 * session's data pages, read+write, at SB_TRAMP_DATA (file offset
 * SB_TRAMP_DATA_PGOFF pages, length SB_TRAMP_DATA_PAGES pages).  Both
 * mappings are refused anywhere else, cannot be remapped, made writable
 * (code) or executable (data), and are not inherited by fork().
 */
#define SB_TRAMP_BASE		_AC(0x00003b0000000000, ULL)
#define SB_TRAMP_CODE_PAGES	4
#define SB_TRAMP_DATA_PGOFF	SB_TRAMP_CODE_PAGES
#define SB_TRAMP_DATA_PAGES	10	/* info, 8 per-CPU pages, counters */
#define SB_TRAMP_DATA		(SB_TRAMP_BASE + SB_TRAMP_CODE_PAGES * _AC(4096, ULL))

/*
 * A server's per-connection buffers: mmap of the server's session at file
 * offset SB_BUF_PGOFF pages, length SKYBRIDGE_MAX_ATTACH * buf_size, anywhere;
 * attachment id N's connection buffer appears at N * buf_size, put there by
 * the kernel at connect time, so that handlers never fault on it.  A client
 * maps its connection's buffer with mmap of the connection file at offset 0.
 */
#define SB_BUF_PGOFF		_AC(0x100000, ULL)

/*
 * The client call.  Jump-and-link (call) to SB_TRAMP_BASE + SB_CALL_OFFSET
 * with:
 *   RDI = attachment id, RSI, RDX, R10, R8 = word arguments 0-3,
 *   R9 = the server's view index, R11 = the attachment's key,
 *   RAX = the address of the calling thread's registered struct rseq
 *         (glibc: __builtin_thread_pointer() + __rseq_offset), or in a
 *         handler, SB_CALL_NESTED(its slot);
 * returns RAX = status (0, the handler's status, or a negative errno from
 * the trampoline or the RootKernel: EPIPE not attached or server gone,
 * EACCES wrong key, EBUSY all slots busy, EOPNOTSUPP no registered rseq,
 * EPROTONOSUPPORT the calling thread has a user shadow stack enabled,
 * EFAULT the handler faulted, ENOSYS the handler made a system call (both
 * only for a server registered without SB_REGISTER_HANDOFF, or a call
 * from a handler), ESTALE the server went away while the call was
 * interrupted, EAGAIN an interrupt found no continuation record free (or
 * RDRAND gave no nonce for a call from a handler), EINVAL the resume was
 * refused (or SB_CALL_NESTED named no slot)), RDX = value.
 * Preserved: RBX, RBP, R12-R15, RSP, FS and GS base, RFLAGS, MXCSR and the
 * x87 control word (as the SysV ABI wants them).  Everything else is
 * clobbered: the other GPRs and every vector register; the x87 stack is
 * left empty.  The handler starts with RFLAGS clear but IF (no DF or AC of
 * the client's), GS base 0, the slot's FS base and the default MXCSR and
 * x87 control word (docs/design.md, "The boundary").
 *
 * The handler, entered on the slot's stack with the slot's FS base:
 *   struct { __s64 status; __u64 value; } handler(__u64 id, __u64 a0,
 *                                                 __u64 a1, __u64 a2,
 *                                                 __u64 a3);
 * (SysV: RAX = status, RDX = value).  In a server registered without
 * SB_REGISTER_HANDOFF it must not make system calls or touch memory that is
 * not resident.
 *
 * Handoff.  In a server registered with SB_REGISTER_HANDOFF, a system call
 * or a fault (#DE, #UD, #NM, #NP, #SS, #GP, #PF, #MF, #AC, #XM) in the
 * handler hands the call to the slot's thread, parked in SB_IOC_PARK: it
 * adopts the handler's state (HC_ADOPT, hv/hypercall.h) and finishes the
 * handler natively in the server's process, then reports the result with
 * SB_IOC_COMPLETE.  The client's call returns at once with status
 * SB_STATUS_HANDOFF and the handoff's token as the value; the client gets
 * the result with SB_IOC_WAIT on its connection.  A handler must therefore
 * not return SB_STATUS_HANDOFF itself.
 */
#define SB_CALL_OFFSET		0
/*
 * RAX for a call a handler makes to another server (a chain A -> B -> C):
 * the slot the handler runs on, tagged in bit 0 (a struct rseq pointer is
 * 32-byte aligned).  Such a call returns into the handler through its
 * server's return view; a bad slot number fails with EINVAL.
 */
#define SB_CALL_NESTED(slot)	(((slot) << 1) | 1)
#define SB_STATUS_HANDOFF	(-115)	/* -EINPROGRESS */

#ifndef __ASSEMBLY__
/* SB_IOC_INFO: what this module offers. */
struct sb_info {
	__u32 size;		/* in: sizeof(struct sb_info) */
	__u32 api_version;	/* out: SB_API_VERSION */
	__u32 flags;		/* out: SB_INFO_* */
	__u32 nr_cpus;		/* out: CPU numbers are below this */
	__u64 tramp_base;	/* out: SB_TRAMP_BASE */
	__u32 views_free;	/* out: servers that could still get a view
				 * (each takes a pair of view indices) */
	__u32 reserved[7];	/* out: zero */
};
#define SB_INFO_VMFUNC		(1u << 0)	/* direct calls work */
#define SB_INFO_PTI		(1u << 1)	/* page-table isolation is on */

/* Access policy for SB_IOC_REGISTER (who may connect and attach). */
#define SB_ACCESS_UID		(1u << 0)	/* callers with euid == uid */
#define SB_ACCESS_GID		(1u << 1)	/* callers in group gid */
#define SB_ACCESS_ANY		(1u << 2)	/* anyone */

struct sb_slot_desc {
	__u64 stack_top;	/* 16-byte aligned; the handler's RSP + 8 */
	__u64 stack_size;	/* bytes below stack_top, pinned */
	__u64 fs_base;		/* the slot thread's thread pointer */
	__u64 rseq;		/* its struct rseq, or 0 */
};

/*
 * SB_IOC_REGISTER, SB_IOC_CONNECT and SB_IOC_ATTACH first check the
 * calling process's executable memory and lock it (the exec-memory
 * lockdown, docs/design.md section 6); each fails with
 *   EACCES   a mapping is writable and executable; an executable mapping
 *            is not of a regular file (a memfd, SysV shm, a device), is of
 *            a file system other than a local block-device one, tmpfs or
 *            ramfs of the initial user namespace (FUSE, NFS, a user
 *            namespace's mount), has private copies of pages (written
 *            since it was mapped), or is registered with userfaultfd;
 *   ETXTBSY  a file mapped executable is open for writing;
 *   ENOEXEC  an executable page (but the trampoline's) holds the VMFUNC
 *            bytes 0F 01 D4, ends with 0F 01 or begins with 01 D4
 *            (sb-rewrite removes VMFUNC from binaries);
 *   EBUSY    an executable page is pinned for DMA (an io_uring buffer);
 *   EPROTONOSUPPORT  a thread has a user shadow stack enabled (calls do
 *            not support them; a thread that enables one later has its
 *            calls fail with the same error).
 * The kernel log names the mapping and offset.  On failure nothing is
 * changed.  After the first success the process stays locked until it
 * exits or execs: what becomes executable passes the same checks
 * (PROT_EXEC of anonymous memory or memfds and W+X: EACCES); its
 * executable mappings cannot become writable, be written by ptrace or
 * /proc/PID/mem (EIO), be registered with userfaultfd, or grow by mremap()
 * (EFAULT); a READ_IMPLIES_EXEC thread's brk() is refused; and its
 * executable files cannot be opened for writing (ETXTBSY) by anyone.
 */

/* SB_IOC_REGISTER: make the calling process a server. */
#define SB_REGISTER_HANDOFF	(1u << 0)	/* faults and syscalls hand off */

struct sb_register {
	__u32 size;		/* in: sizeof(struct sb_register) */
	__u32 flags;		/* in: SB_REGISTER_* */
	char name[SKYBRIDGE_NAME_LEN];	/* in: NUL-terminated, [A-Za-z0-9._-] */
	__u64 handler;		/* in: entry point, in an executable mapping */
	__u64 slots;		/* in: pointer to nr_slots struct sb_slot_desc */
	__u32 nr_slots;		/* in: 1..SKYBRIDGE_MAX_SLOTS */
	__u32 access;		/* in: SB_ACCESS_* */
	__u32 uid;		/* in: for SB_ACCESS_UID */
	__u32 gid;		/* in: for SB_ACCESS_GID */
	__u32 buf_size;		/* in: connection buffer bytes, page multiple,
				 * 0..SKYBRIDGE_BUF_MAX */
	__u32 view;		/* out: the server's view index */
	__u64 reserved[2];	/* zero */
};
#define SKYBRIDGE_BUF_MAX		(1u << 20)

/* SB_IOC_LOOKUP: is there a server of this name? */
struct sb_lookup {
	__u32 size;
	__u32 flags;		/* in: 0 */
	char name[SKYBRIDGE_NAME_LEN];	/* in */
	__u32 view;		/* out */
	__u32 nr_slots;		/* out */
	__u32 buf_size;		/* out */
	__u32 owner_uid;	/* out */
	__u64 reserved[2];	/* zero */
};

/* SB_IOC_CONNECT: connect to a server and attach the calling process. */
struct sb_connect {
	__u32 size;
	__u32 flags;		/* in: 0 */
	char name[SKYBRIDGE_NAME_LEN];	/* in */
	__s32 fd;		/* out: the connection file (O_CLOEXEC) */
	__u32 view;		/* out: the server's view index */
	__u32 id;		/* out: attachment id */
	__u32 buf_size;		/* out */
	__u64 key;		/* out: calling key */
	__u64 reserved[2];	/* zero */
};

/* SB_IOC_ATTACH: attach the calling process to a connection it holds. */
struct sb_attach {
	__u32 size;
	__u32 flags;		/* in: 0 */
	__s32 conn_fd;		/* in */
	__u32 view;		/* out */
	__u32 id;		/* out */
	__u32 buf_size;		/* out */
	__u64 key;		/* out */
	__u64 reserved[2];	/* zero */
};

/*
 * SB_IOC_STATS on a session: the counters of the caller's own server (ENOENT
 * if it has none), over its lifetime.  On a connection file: the caller's
 * attachment to that server (calls and busy only; ENOTCONN if not
 * attached).  The trampoline counts in the server's own data pages, so a
 * server can reset or forge its own figures: they are statistics, not an
 * audit trail.  Calls cut short by a fault or system call in the handler
 * count as calls.
 */
struct sb_call_stats {
	__u32 size;		/* in: sizeof(struct sb_call_stats) */
	__u32 flags;		/* in: 0 */
	__u64 calls;		/* out: calls that reached the handler */
	__u64 busy;		/* out: refused, every slot busy (EBUSY) */
	__u64 denied;		/* out: refused, bad id or key (EACCES) */
	__u32 attachments;	/* out: attached processes now */
	__u32 slots_busy;	/* out: slots in use now */
	__u64 handoffs;		/* out: calls handed to a slot thread */
	__u64 handoffs_failed;	/* out: ... that did not complete: the
				 * server died or the thread left the
				 * handler (a crash) */
	__u64 handoff_faults;	/* out: handoffs for a fault (the others
				 * were for a system call or a dead client) */
	__u64 reserved[1];	/* out: zero */
};

/*
 * SB_IOC_PARK on the server's session, from the thread whose thread pointer
 * (FS base) slot @slot lends: sleep until a call on that slot is handed off
 * (interruptible: EINTR).  Returns the handoff's token and the RSP its
 * handler will return with; the thread then issues HC_ADOPT with both and,
 * after it returns, SB_IOC_COMPLETE.  ENOENT once the server is gone
 * (unregistered): the thread's work is over.  EPERM from another thread.
 * A thread that parks again while a handler it adopted is unfinished (a
 * signal handler took it away) fails that call (handoffs_failed).
 */
struct sb_park {
	__u32 size;		/* in: sizeof(struct sb_park) */
	__u32 flags;		/* in: 0 */
	__u32 slot;		/* in */
	__u32 pad;		/* in: 0 */
	__u64 token;		/* out */
	__u64 ret_rsp;		/* out */
	__u64 reserved[2];	/* in: zero */
};

/* SB_IOC_COMPLETE on the server's session: the result of handoff @token. */
struct sb_complete {
	__u32 size;		/* in: sizeof(struct sb_complete) */
	__u32 flags;		/* in: 0 */
	__u32 slot;		/* in: the slot it was parked for */
	__u32 pad;		/* in: 0 */
	__u64 token;		/* in */
	__s64 status;		/* in: for the client */
	__u64 value;		/* in: for the client */
	__u64 reserved[2];	/* in: zero */
};

/*
 * SB_IOC_WAIT on a connection: after a call returned SB_STATUS_HANDOFF, wait
 * for its result (killable; other signals wait).  EOWNERDEAD: the server
 * died or the handler did not finish (it crashed); ENOENT: no such handoff
 * for this process; EBUSY: another thread waits for it.
 */
struct sb_wait {
	__u32 size;		/* in: sizeof(struct sb_wait) */
	__u32 flags;		/* in: 0 */
	__u64 token;		/* in: the call's value */
	__s64 status;		/* out: the handler's */
	__u64 value;		/* out */
	__u64 reserved[2];	/* in: zero */
};

#define SB_IOC_INFO		_IOWR(SKYBRIDGE_IOCTL_TYPE, 0x00, struct sb_info)
#define SB_IOC_REGISTER		_IOWR(SKYBRIDGE_IOCTL_TYPE, 0x01, struct sb_register)
#define SB_IOC_UNREGISTER	_IO(SKYBRIDGE_IOCTL_TYPE, 0x02)
#define SB_IOC_LOOKUP		_IOWR(SKYBRIDGE_IOCTL_TYPE, 0x03, struct sb_lookup)
#define SB_IOC_CONNECT		_IOWR(SKYBRIDGE_IOCTL_TYPE, 0x04, struct sb_connect)
#define SB_IOC_ATTACH		_IOWR(SKYBRIDGE_IOCTL_TYPE, 0x05, struct sb_attach)
#define SB_IOC_STATS		_IOWR(SKYBRIDGE_IOCTL_TYPE, 0x06, struct sb_call_stats)
#define SB_IOC_PARK		_IOWR(SKYBRIDGE_IOCTL_TYPE, 0x07, struct sb_park)
#define SB_IOC_COMPLETE		_IOW(SKYBRIDGE_IOCTL_TYPE, 0x08, struct sb_complete)
#define SB_IOC_WAIT		_IOWR(SKYBRIDGE_IOCTL_TYPE, 0x09, struct sb_wait)
#endif /* !__ASSEMBLY__ */

#endif /* _UAPI_SKYBRIDGE_H */
