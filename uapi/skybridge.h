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

/*
 * SB_IOC_SYSSTATS on a session (an open file of /dev/skybridge, of any
 * process): the module's machine-wide state and counters, the figures of
 * the debugfs files under /sys/kernel/debug/skybridge/ (state, version,
 * exits, objects, lockdown, servers), for callers that cannot read
 * debugfs: it is root's only, it may be absent (debugfs=off, not mounted)
 * and a kernel in lockdown restricts it.  An older module fails with
 * ENOTTY.  SB_API_VERSION is unchanged: the command is an addition.
 *
 * Who may ask: every caller may read the counts (they name nobody, as
 * /proc/stat does not).  The server list (SB_SYSSTATS_SERVERS: names,
 * owners and counters of every user's servers, and the uid of every
 * attached process) needs CAP_SYS_ADMIN, as debugfs "servers" is root's.
 *
 * Three arrays are optional: per-CPU records, servers and attachments,
 * each given as an address, a record size and a count.  On input the
 * count is the records the array has room for (0: none wanted, and the
 * address may be 0) and the size must be sizeof() the record (when the
 * count is not 0); on output the count is the records that exist.  The
 * kernel writes the first min(in, out) of them: a caller whose array was
 * too small sees a larger count and may call again.
 *
 * Every field not marked "in" is output only: its input value is ignored.
 * Errors: EINVAL  @size is not sizeof(struct sb_sysstats), an unknown flag,
 *                 a reserved or pad word that is not zero, a record size
 *                 that is not the record's, a count without an address,
 *                 or a server or attachment array without
 *                 SB_SYSSTATS_SERVERS;
 *         EPERM   SB_SYSSTATS_SERVERS without CAP_SYS_ADMIN;
 *         EFAULT  an address the kernel cannot read or write.
 */
#define SB_SYSSTATS_SERVERS	(1u << 0)	/* in: list servers too */

#define SB_SYSSTATS_EXIT_REASONS	80	/* exit reasons counted per CPU */
#define SB_SYSSTATS_EVENTS		32	/* room for events per CPU */
#define SB_SYSSTATS_LOCKDOWN_KINDS	16	/* room for refusal kinds */
#define SB_SYSSTATS_KIND_LEN		32	/* a kind's name, NUL included */

/*
 * The RootKernel's events, counted per CPU: indices in
 * struct sb_sysstats_cpu's events[] (the first nr_events are filled), by
 * the names debugfs "exits" gives them (SB_SYSSTATS_EVENT_NAMES).
 */
#define SB_EV_HIDDEN_MEMORY_VIOLATION	0	/* guest touched RootKernel memory */
#define SB_EV_HYPERCALL_REFUSED		1	/* hypercalls refused */
#define SB_EV_VIEW_TRAP_KERNEL_ENTRY	2	/* kernel entry in a view: to plain */
#define SB_EV_VIEW_TRAP_OTHER		3	/* other fault in a view: to plain */
#define SB_EV_CONT_SAVED		4	/* interrupted visits saved */
#define SB_EV_CONT_RESUMED		5	/* ... and resumed */
#define SB_EV_CONT_TABLE_FULL		6	/* no free record: visit ended */
#define SB_EV_CALL_ABORTED		7	/* calls abandoned: fault or syscall */
#define SB_EV_CALL_LANDING_TRAP		8	/* kernel entries in the landing view */
#define SB_EV_ENTRY_MSR_WRITE		9	/* WRMSR to LSTAR, CSTAR, SYSENTER_EIP */
#define SB_EV_ENTRY_IDT_LOAD		10	/* LIDT that changed the IDTR */
#define SB_EV_ENTRY_IDT_WRITE_REFUSED	11	/* writes to a loaded IDT refused */
#define SB_EV_ENTRY_PAGE_ADDED		12	/* entry pages found by the above */
#define SB_EV_DESC_EMULATED		13	/* LGDT, LIDT, SGDT, ... carried out */
#define SB_EV_HANDOFF			14	/* handler traps handed off */
#define SB_EV_HANDOFF_ORPHANED		15	/* ... of clients that went away */
#define SB_EV_HANDOFF_ADOPTED		16	/* HC_ADOPT that succeeded */
#define SB_EV_HANDOFF_RETURNED		17	/* adopted handlers that returned */
#define SB_EV_CALL_DEAD_END		18	/* calls with no client frame left */
#define SB_EV_CONT_EXPIRED		19	/* interrupted calls that stalled */
#define SB_EV_NR			20

/* { index, name } pairs, as VMX_EXIT_REASONS in <asm/vmx.h> names exits. */
#define SB_SYSSTATS_EVENT_NAMES \
	{ SB_EV_HIDDEN_MEMORY_VIOLATION,	"HIDDEN_MEMORY_VIOLATION" }, \
	{ SB_EV_HYPERCALL_REFUSED,		"HYPERCALL_REFUSED" }, \
	{ SB_EV_VIEW_TRAP_KERNEL_ENTRY,		"VIEW_TRAP_KERNEL_ENTRY" }, \
	{ SB_EV_VIEW_TRAP_OTHER,		"VIEW_TRAP_OTHER" }, \
	{ SB_EV_CONT_SAVED,			"CONT_SAVED" }, \
	{ SB_EV_CONT_RESUMED,			"CONT_RESUMED" }, \
	{ SB_EV_CONT_TABLE_FULL,		"CONT_TABLE_FULL" }, \
	{ SB_EV_CALL_ABORTED,			"CALL_ABORTED" }, \
	{ SB_EV_CALL_LANDING_TRAP,		"CALL_LANDING_TRAP" }, \
	{ SB_EV_ENTRY_MSR_WRITE,		"ENTRY_MSR_WRITE" }, \
	{ SB_EV_ENTRY_IDT_LOAD,			"ENTRY_IDT_LOAD" }, \
	{ SB_EV_ENTRY_IDT_WRITE_REFUSED,	"ENTRY_IDT_WRITE_REFUSED" }, \
	{ SB_EV_ENTRY_PAGE_ADDED,		"ENTRY_PAGE_ADDED" }, \
	{ SB_EV_DESC_EMULATED,			"DESC_EMULATED" }, \
	{ SB_EV_HANDOFF,			"HANDOFF" }, \
	{ SB_EV_HANDOFF_ORPHANED,		"HANDOFF_ORPHANED" }, \
	{ SB_EV_HANDOFF_ADOPTED,		"HANDOFF_ADOPTED" }, \
	{ SB_EV_HANDOFF_RETURNED,		"HANDOFF_RETURNED" }, \
	{ SB_EV_CALL_DEAD_END,			"CALL_DEAD_END" }, \
	{ SB_EV_CONT_EXPIRED,			"CONT_EXPIRED" }

/* One online CPU (debugfs "state" and "exits"), in CPU order. */
struct sb_sysstats_cpu {
	__u32 cpu;		/* its number */
	__u32 flags;		/* SB_CPU_* */
	__u64 launch_tsc;	/* TSC ticks its launch took (VMXON to guest) */
	__u64 exits_total;	/* VM exits */
	__u64 exits[SB_SYSSTATS_EXIT_REASONS];	/* by basic exit reason (Intel
				 * SDM vol. 3, appendix C; named by
				 * VMX_EXIT_REASONS in <asm/vmx.h>) */
	__u64 events[SB_SYSSTATS_EVENTS];	/* by SB_EV_* */
	__u64 reserved[2];	/* zero */
};
#define SB_CPU_VMX		(1u << 0)	/* runs under the RootKernel */
#define SB_CPU_COUNTED		(1u << 1)	/* the RootKernel gave its counts:
						 * without it, exits and events
						 * are zero ("native") */

/* A registered server (debugfs "servers"): SB_SYSSTATS_SERVERS only. */
struct sb_sysstats_server {
	char name[SKYBRIDGE_NAME_LEN];
	__u32 view;		/* its view index */
	__u32 owner_uid;	/* its owner, in the caller's user namespace */
	__u32 nr_slots;
	__u32 slots_busy;	/* slots in use now */
	__u32 attachments;	/* attached processes now */
	__u32 pad;		/* zero */
	__u64 calls;		/* as struct sb_call_stats */
	__u64 busy;
	__u64 denied;
	__u64 handoffs;
	__u64 handoffs_failed;
	__u64 handoff_faults;
	__u64 reserved[2];	/* zero */
};

/* An attachment of a listed server: SB_SYSSTATS_SERVERS only. */
struct sb_sysstats_attachment {
	__u32 server;		/* its server's index in the server array
				 * (past its end if that was too small) */
	__u32 id;		/* attachment id */
	__u32 uid;		/* the uid it is charged to (caller's namespace) */
	__u32 pad;		/* zero */
	__u64 calls;		/* calls that reached the handler */
	__u64 busy;		/* refused with EBUSY */
	__u64 handoffs;		/* calls handed off */
	__u64 reserved;		/* zero */
};

/* Live objects (debugfs "objects"). */
struct sb_sysstats_objects {
	__u32 sessions;		/* open files of /dev/skybridge (the caller's
				 * own included) */
	__u32 servers;		/* servers registered */
	__u32 connections;	/* connection files */
	__u32 attachments;	/* processes attached to a server */
	__u32 views;		/* server views in use (a pair of indices each) */
	__u32 handoffs;		/* handoffs not yet collected */
};

/* A kind of exec-memory lockdown refusal (debugfs "lockdown"). */
struct sb_sysstats_lockdown {
	char name[SB_SYSSTATS_KIND_LEN];	/* NUL-terminated: "wx", ... */
	__u64 refused;		/* refusals of this kind since load */
};

struct sb_sysstats {
	__u32 size;		/* in: sizeof(struct sb_sysstats) */
	__u32 flags;		/* in: SB_SYSSTATS_* */
	__u64 cpus;		/* in: address of nr_cpus struct sb_sysstats_cpu */
	__u32 cpu_size;		/* in: sizeof(struct sb_sysstats_cpu) */
	__u32 nr_cpus;		/* in: room at @cpus; out: online CPUs */
	__u64 servers;		/* in: address of nr_servers records */
	__u32 server_size;	/* in: sizeof(struct sb_sysstats_server) */
	__u32 nr_servers;	/* in: room at @servers; out: servers */
	__u64 attachments;	/* in: address of nr_attachments records */
	__u32 attachment_size;	/* in: sizeof(struct sb_sysstats_attachment) */
	__u32 nr_attachments;	/* in: room; out: attachments of all servers */
	__u32 hv_version;	/* HV_VERSION (uapi/skybridge_hv.h) */
	__u32 state;		/* SB_STATE_* */
	__u32 cpus_vmx;		/* online CPUs under the RootKernel */
	__u32 nr_exit_reasons;	/* exits[] entries counted (all of them) */
	__u32 nr_events;	/* events[] entries filled (SB_EV_NR today) */
	struct sb_sysstats_objects objects;
	__u32 ept_pool_pages;	/* the RootKernel's pool of view EPT pages */
	__u32 ept_pool_free;	/* ... free now */
	__u32 ept_pool_share;	/* ... that one user may hold */
	__u32 records;		/* continuation and handoff records */
	__u32 records_used;	/* ... in use now */
	__u32 records_share;	/* ... that one user may hold */
	__u32 locked;		/* processes under the exec-memory lockdown */
	__u32 nr_lockdown_kinds;	/* lockdown[] entries filled */
	__u32 pad;		/* in: zero */
	struct sb_sysstats_lockdown lockdown[SB_SYSSTATS_LOCKDOWN_KINDS];
	__u64 reserved[8];	/* in: zero */
};
#define SB_STATE_HV		(1u << 0)	/* the RootKernel answered: the
						 * pool and record figures */
#define SB_STATE_VMFUNC		(1u << 1)	/* direct calls work
						 * (SB_INFO_VMFUNC) */

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
#define SB_IOC_SYSSTATS		_IOWR(SKYBRIDGE_IOCTL_TYPE, 0x0a, struct sb_sysstats)
#endif /* !__ASSEMBLY__ */

#endif /* _UAPI_SKYBRIDGE_H */
