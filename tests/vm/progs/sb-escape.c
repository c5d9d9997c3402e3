// SPDX-License-Identifier: GPL-2.0
/*
 * sb-escape - issue 20's six ways out of the exec-memory lockdown, and the
 * threat analysis's rows a test can reach, each played as an attacker.
 *
 * The invariant: a locked process (one that registered, connected or
 * attached) never has an executable mapping holding 0F 01 D4 outside the
 * trampoline, and never one that is writable and executable.  Each attack
 * first shows, in an UNLOCKED process, that its operation really works
 * (the bytes really change, the heap really is W+X), so that no check can
 * pass because the operation itself failed; then it makes the same move in
 * a locked process and checks the refusal the lockdown's contract gives
 * (the error code) and, whenever the move went through anyway, that the
 * invariant still holds (exec_check(): every executable mapping read back
 * through /proc/PID/mem and searched).  A check that fails because the
 * move went through says so: "not ok" here is the hole, shown.
 *
 * Usage: sb-escape SUBCOMMAND [N]
 *
 *  private-copy  a written private copy of a file page made R-X before the
 *                lock, then MADV_DONTNEED: connect is refused (EACCES)
 *  brk           a clone(CLONE_VM) child (not a thread) with
 *                READ_IMPLIES_EXEC grows the heap of a locked mm: the
 *                break stays put, its mmap(PROT_READ|PROT_WRITE) is EACCES
 *  brk-race [N]  the same child sets the personality while its parent
 *                locks, N times (default 40): invariant after each
 *  uring         a page-cache page of a file pinned as an io_uring fixed
 *                buffer by a helper before the lock: mapping the file
 *                executable (EBUSY), or connecting with it mapped (EBUSY)
 *  overlay       an unprivileged user's overlay (in a user namespace) over
 *                a lower directory the user owns: the lower file of an
 *                executable overlay mapping cannot be written (ETXTBSY)
 *  fuse          a FUSE file system served by a second process (a raw
 *                daemon here, FOPEN_DIRECT_IO, clean bytes on the first
 *                READ of an open and VMFUNC after): mapping a FUSE file
 *                executable, or connecting with one mapped, is EACCES
 *  mremap        growing an executable mapping is EFAULT (VM_DONTEXPAND),
 *                moving it works
 *  mremap-race [N]  one thread grows a one-page mapping in place while
 *                another swaps it between unchecked anonymous memory and a
 *                checked R-X page of a file whose next page holds VMFUNC,
 *                N tries (default 3000; wants 2 vCPUs)
 *  forced        ptrace pokes, /proc/PID/mem and process_vm_writev into a
 *                locked process's code (refused) and data (allowed)
 *  uffd          userfaultfd over an executable mapping of a locked
 *                process, and mprotect(PROT_EXEC) of a registered one
 *  refusals      the other mapping rules: private copies, memfd, anonymous
 *                memory, SysV shm, files open for writing, writers after
 *                the lock
 *
 * The attacks run as root except overlay and fuse, which run as uid 1000
 * in a user namespace of their own (unprivileged user namespaces are on in
 * Debian's kernel).  Never is a VMFUNC executed: the bytes being
 * executable is the hole.  Files live in /tmp (tmpfs of the initial user
 * namespace, a trusted file system under the new contract).
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/fuse.h>
#include <linux/io_uring.h>
#include <linux/userfaultfd.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/shm.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sbcall.h"
#include "testserver.h"
#include "../../tap.h"

#define PG		4096
#define VM_OFF		0x100		/* where a file holds VMFUNC */
#define ATK_UID		1000		/* the unprivileged attacker */
#define CHILD_SECS	300		/* each test child's time limit */

/* The instruction, in data: this program's code must not contain it. */
static volatile unsigned char vmf[3] = { 0x0f, 0x01, 0xd4 };

static const char *victim = "esc-victim";
static struct testserver srv;

static struct sbt_ret add(uint64_t id, uint64_t a0, uint64_t a1, uint64_t a2,
			  uint64_t a3)
{
	(void)id, (void)a2, (void)a3;
	return (struct sbt_ret){ 0, a0 + a1 };
}

/* ---- small helpers ---------------------------------------------------- */

/* A system call without errno (for a clone(CLONE_VM) child: no TLS). */
static long rsys(long nr, long a1, long a2, long a3, long a4, long a5, long a6)
{
	register long r10 asm("r10") = a4;
	register long r8 asm("r8") = a5;
	register long r9 asm("r9") = a6;
	long ret;

	asm volatile("syscall"
		     : "=a"(ret)
		     : "a"(nr), "D"(a1), "S"(a2), "d"(a3), "r"(r10), "r"(r8),
		       "r"(r9)
		     : "rcx", "r11", "memory");
	return ret;
}

static void put_vmf(volatile unsigned char *p)
{
	p[0] = vmf[0];
	p[1] = vmf[1];
	p[2] = vmf[2];
}

static bool has_vmf(const volatile unsigned char *p)
{
	return p[0] == vmf[0] && p[1] == vmf[1] && p[2] == vmf[2];
}

/*
 * A file of @pages pages of RET (0xc3), VMFUNC at @vm_at unless it is -1,
 * owned by @owner; 0 or -errno.
 */
static int make_file(const char *path, int pages, long vm_at, uid_t owner)
{
	static unsigned char b[4 * PG];
	ssize_t len = (ssize_t)pages * PG;
	int fd, err = 0;

	if (pages > 4)
		return -EINVAL;
	memset(b, 0xc3, (size_t)len);
	if (vm_at >= 0)
		put_vmf(b + vm_at);
	unlink(path);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return -errno;
	if (write(fd, b, (size_t)len) != len || (owner && fchown(fd, owner, owner)))
		err = errno ? -errno : -EIO;
	close(fd);
	return err;
}

static int write_file(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC), err = 0;

	if (fd < 0)
		return -errno;
	if (write(fd, s, strlen(s)) != (ssize_t)strlen(s))
		err = -errno;
	close(fd);
	return err;
}

/* errno of opening @path for writing (0: it could be, and is closed). */
static int open_w_err(const char *path)
{
	int fd = open(path, O_RDWR | O_CLOEXEC);

	if (fd < 0)
		return errno;
	close(fd);
	return 0;
}

/* mmap() of @path, or MAP_FAILED with errno set. */
static unsigned char *map_path(const char *path, size_t len, int prot,
			       int flags, void *at)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC), e;
	void *p;

	if (fd < 0)
		return MAP_FAILED;
	p = mmap(at, len, prot, flags, fd, 0);
	e = errno;
	close(fd);
	errno = e;
	return p;
}

static const char *err_name(int e)
{
	return e ? strerror(e) : "success";
}

/*
 * Fork a test child with a time limit (tap_fork()) that holds nothing of
 * the server's: the server must see EOF on its stop pipe when we stop it.
 */
static pid_t child_fork(void)
{
	pid_t pid = tap_fork(CHILD_SECS);

	if (pid == 0 && srv.stop_fd >= 0) {
		close(srv.stop_fd);
		srv.stop_fd = -1;
		srv.running = 0;
	}
	return pid;
}

/* ---- locking ------------------------------------------------------------ */

static int sess_fd = -1;

/* Connect to the victim server: from then on this process is locked. */
static int lock_me(void)
{
	struct sbt_conn c;

	if (sess_fd < 0) {
		int fd = sbt_open();

		if (fd < 0)
			return fd;
		sess_fd = fd;
	}
	return sbt_connect(sess_fd, victim, &c);
}

/*
 * The lock is in force: anonymous PROT_EXEC is refused under either
 * contract.  A check of its own, so that no refusal below passes in a
 * process that was never locked.
 */
static bool check_locked(const char *who)
{
	void *p = mmap(NULL, PG, PROT_READ | PROT_EXEC,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	int e = p == MAP_FAILED ? errno : 0;
	char name[160];

	if (!e)
		munmap(p, PG);
	snprintf(name, sizeof(name),
		 "%s: the process is locked (anonymous PROT_EXEC: EACCES)", who);
	return tap_result(e == EACCES, name, "%s", err_name(e));
}

/* ---- the invariant: what a process can execute -------------------------- */

static char maps_buf[512 * 1024];
static unsigned char mem_buf[64 * 1024];

struct xstats {
	int wx;			/* mappings writable and executable */
	int xheap;		/* executable [heap] mappings */
	int vmfunc;		/* executable mappings holding VMFUNC */
	int unreadable;		/* executable mappings that cannot be read */
	int mappings;		/* executable mappings read */
};

/*
 * Search @n bytes at @p for VMFUNC, @tail the two bytes before them (0xff
 * when none); the hit's offset (-2 or -1 if it straddles) in *@at.
 */
static bool find_vmf(const unsigned char *p, size_t n, unsigned char tail[2],
		     long *at)
{
	unsigned char a = vmf[0], b = vmf[1], c = vmf[2];
	const unsigned char *q = p;

	while (n && (q = memchr(q, c, n - (size_t)(q - p)))) {
		size_t i = (size_t)(q - p);
		unsigned char p1 = i ? p[i - 1] : tail[1];
		unsigned char p2 = i >= 2 ? p[i - 2] : (i ? tail[1] : tail[0]);

		if (p2 == a && p1 == b) {
			*at = (long)i - 2;
			return true;
		}
		if (++q == p + n)
			break;
	}
	if (n >= 2) {
		tail[0] = p[n - 2];
		tail[1] = p[n - 1];
	}
	return false;
}

/*
 * Check the invariant in process @pid (this one, a child, a target): no
 * mapping both writable and executable, no executable heap, and no
 * executable mapping but the trampoline (/dev/skybridge) holding 0F 01 D4,
 * read through /proc/PID/mem (which reads execute-only pages too), with
 * sequences that straddle pages or adjacent mappings.  [vsyscall] is not
 * memory of the process (a fixed kernel page /proc/PID/mem cannot read).
 * An executable mapping that cannot be read counts as a violation: what
 * cannot be checked is not clean.  Prints "# WHO: ..." for the first
 * violations when @verbose.  Returns the number of violations, or -1 if
 * the process's maps or memory cannot be opened.  No malloc: the brk
 * attack calls it with a heap that glibc does not know about.
 */
static int exec_check(pid_t pid, const char *who, bool verbose,
		      struct xstats *st)
{
	unsigned long prev_end = 0;
	unsigned char tail[2] = { 0xff, 0xff };
	struct xstats dummy;
	char path[64], *line, *nl;
	ssize_t len = 0, r;
	int fd, mem, bad = 0;

	if (!st)
		st = &dummy;
	memset(st, 0, sizeof(*st));
	snprintf(path, sizeof(path), "/proc/%d/maps", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	while ((r = read(fd, maps_buf + len, sizeof(maps_buf) - 1 - (size_t)len)) > 0)
		len += r;
	close(fd);
	if (r < 0)
		return -1;
	maps_buf[len] = 0;
	snprintf(path, sizeof(path), "/proc/%d/mem", (int)pid);
	mem = open(path, O_RDONLY | O_CLOEXEC);
	if (mem < 0)
		return -1;
	for (line = maps_buf; *line; line = nl ? nl + 1 : line + strlen(line)) {
		unsigned long s, e, a;
		char perms[5] = "";
		const char *name;
		int pos = 0;
		long at;

		nl = strchr(line, '\n');
		if (nl)
			*nl = 0;
		if (sscanf(line, "%lx-%lx %4s %*x %*x:%*x %*u %n", &s, &e,
			   perms, &pos) < 3 || !pos)
			continue;
		name = line + pos;
		if (perms[2] != 'x')
			continue;
		if (perms[1] == 'w') {
			st->wx++;
			if (verbose && bad++ < 6)
				printf("# %s: writable and executable: %s\n", who, line);
		}
		if (!strcmp(name, "[heap]")) {
			st->xheap++;
			if (verbose && bad++ < 6)
				printf("# %s: executable heap: %s\n", who, line);
		}
		if (!strcmp(name, "/dev/skybridge") || !strcmp(name, "[vsyscall]"))
			continue;
		st->mappings++;
		if (s != prev_end)
			tail[0] = tail[1] = 0xff;
		for (a = s; a < e; a += (unsigned long)r) {
			size_t n = e - a < sizeof(mem_buf) ? e - a : sizeof(mem_buf);

			r = pread(mem, mem_buf, n, (off_t)a);
			if (r != (ssize_t)n) {
				st->unreadable++;
				if (verbose && bad++ < 6)
					printf("# %s: cannot read executable memory at 0x%lx (%s): %s\n",
					       who, a, r < 0 ? strerror(errno) : "short read",
					       line);
				break;
			}
			if (find_vmf(mem_buf, n, tail, &at)) {
				st->vmfunc++;
				if (verbose && bad++ < 6)
					printf("# %s: VMFUNC bytes executable at 0x%lx: %s\n",
					       who, a + (unsigned long)at, line);
				break;
			}
		}
		prev_end = a >= e ? e : 0;
	}
	close(mem);
	return st->wx + st->xheap + st->vmfunc + st->unreadable;
}

/* The invariant as a check in a locked process. */
static void check_invariant(pid_t pid, const char *who, const char *name)
{
	struct xstats st;
	int n = exec_check(pid, who, true, &st);

	tap_result(n == 0, name,
		   "%d violation(s): %d W+X, %d executable heap, %d executable mapping(s) with VMFUNC, %d unreadable (of %d read)%s",
		   n, st.wx, st.xheap, st.vmfunc, st.unreadable, st.mappings,
		   n < 0 ? ": cannot read /proc/PID/maps or mem" : "");
}

/* The precondition side: the checker sees the bytes the attack planted. */
static void check_violated(pid_t pid, const char *who, const char *name)
{
	struct xstats st;
	int n = exec_check(pid, who, false, &st);

	tap_result(n > 0 && st.vmfunc > 0, name,
		   "the checker found %d violation(s), %d with VMFUNC, in %d executable mapping(s)",
		   n, st.vmfunc, st.mappings);
}

/* ---- 1. a private copy made executable before the lock ------------------ */

static const char *pc_file = "/tmp/esc-pc.bin";	/* VMFUNC at VM_OFF */

/*
 * Map the file privately and writable, overwrite its VMFUNC in the
 * private copy, make that R-X.  The mapping, or NULL (a check failed).
 */
static volatile unsigned char *pc_prepare(const char *who)
{
	volatile unsigned char *p = map_path(pc_file, PG, PROT_READ | PROT_WRITE,
					     MAP_PRIVATE, NULL);
	char name[160];
	int e;

	if (p == MAP_FAILED) {
		tap_result(false, who, "mmap of %s: %s", pc_file, strerror(errno));
		return NULL;
	}
	if (!has_vmf(p + VM_OFF)) {
		tap_result(false, who, "%s does not show its VMFUNC bytes", pc_file);
		return NULL;
	}
	memset((void *)(p + VM_OFF), 0xc3, 3);
	e = mprotect((void *)p, PG, PROT_READ | PROT_EXEC) ? errno : 0;
	snprintf(name, sizeof(name),
		 "%s: unlocked, the written private copy becomes R-X and shows clean bytes",
		 who);
	if (!tap_result(!e && !has_vmf(p + VM_OFF), name, "mprotect: %s",
			err_name(e)))
		return NULL;
	return p;
}

static void attack_private_copy(void)
{
	pid_t pid;

	/* Precondition: unlocked, MADV_DONTNEED brings the file's bytes back. */
	pid = child_fork();
	if (pid == 0) {
		volatile unsigned char *p = pc_prepare("private-copy (precondition)");

		if (p) {
			int e = madvise((void *)p, PG, MADV_DONTNEED) ? errno : 0;

			tap_result(!e && has_vmf(p + VM_OFF),
				   "private-copy: precondition: in an unlocked process MADV_DONTNEED drops the private copy and the R-X mapping shows the file's VMFUNC",
				   "madvise: %s, bytes %02x %02x %02x", err_name(e),
				   p[VM_OFF], p[VM_OFF + 1], p[VM_OFF + 2]);
			check_violated(getpid(), "private-copy",
				       "private-copy: precondition: the invariant checker finds those executable VMFUNC bytes");
		}
		exit(tap_exit());
	}
	tap_wait(pid, "private-copy: precondition");

	/* The attack: lock with the private copy in place. */
	pid = child_fork();
	if (pid == 0) {
		volatile unsigned char *p = pc_prepare("private-copy");
		int r;

		if (!p)
			exit(tap_exit());
		r = lock_me();
		tap_result(r == -EACCES,
			   "private-copy: connect with an executable file mapping that has private copies (anon_vma) is refused (EACCES)",
			   "connect: %s", err_name(-r));
		if (r == 0) {
			/* Locked anyway: play the rest of the attack. */
			check_locked("private-copy");
			madvise((void *)p, PG, MADV_DONTNEED);
			check_invariant(getpid(), "private-copy",
					"private-copy: after the lock and MADV_DONTNEED, no executable mapping holds VMFUNC");
		}
		exit(tap_exit());
	}
	tap_wait(pid, "private-copy");
}

/* ---- 2. brk of a process sharing the mm ---------------------------------- */

/*
 * The clone(CLONE_VM) child: not a thread, so no TLS of its own (glibc's
 * is the parent's): raw system calls and shared variables only.
 */
struct clchild {
	volatile int go1, go2, quit;	/* from the parent */
	volatile int stage;		/* 1: personality called, 2: heap done */
	long spin;			/* busy loops before personality() */
	long pers, brk0, brk1, mm;	/* results (-errno for errors) */
};

static int clchild_fn(void *arg)
{
	struct clchild *c = arg;
	long i, m;

	while (!c->go1)
		rsys(SYS_sched_yield, 0, 0, 0, 0, 0, 0);
	for (i = 0; i < c->spin; i++)
		asm volatile("" ::: "memory");
	c->pers = rsys(SYS_personality, PER_LINUX | READ_IMPLIES_EXEC, 0, 0, 0,
		       0, 0);
	c->stage = 1;
	while (!c->go2)
		rsys(SYS_sched_yield, 0, 0, 0, 0, 0, 0);
	c->brk0 = rsys(SYS_brk, 0, 0, 0, 0, 0, 0);
	c->brk1 = rsys(SYS_brk, c->brk0 + 2 * PG, 0, 0, 0, 0, 0);
	if (c->brk1 >= c->brk0 + 2 * PG)
		put_vmf((volatile unsigned char *)c->brk0 + 16);
	m = rsys(SYS_mmap, 0, PG, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	c->mm = m;
	if (m > 0 || m < -4095)
		put_vmf((volatile unsigned char *)m + 16);
	c->stage = 2;
	while (!c->quit)
		rsys(SYS_sched_yield, 0, 0, 0, 0, 0, 0);
	return 0;
}

static struct clchild *cl;
static char *cl_stack;
#define CL_STACK (64 * 1024)

static pid_t clchild_start(long spin)
{
	cl = mmap(NULL, sizeof(*cl), PROT_READ | PROT_WRITE,
		  MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	cl_stack = mmap(NULL, CL_STACK, PROT_READ | PROT_WRITE,
			MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
	if (cl == MAP_FAILED || cl_stack == MAP_FAILED)
		return -1;
	memset((void *)cl, 0, sizeof(*cl));
	cl->spin = spin;
	return clone(clchild_fn, cl_stack + CL_STACK, CLONE_VM | SIGCHLD, cl);
}

static bool clchild_wait_stage(int stage)
{
	for (int i = 0; i < 200000 && cl->stage < stage; i++)
		usleep(100);
	return cl->stage >= stage;
}

static void clchild_end(pid_t pid)
{
	int st;

	cl->go1 = cl->go2 = cl->quit = 1;
	waitpid(pid, &st, 0);
}

static void attack_brk(void)
{
	for (int locked = 0; locked <= 1; locked++) {
		pid_t pid = child_fork();

		if (pid == 0) {
			const char *who = locked ? "brk" : "brk (precondition)";
			struct xstats st;
			pid_t c;
			int r = 0, n;

			/* The session first: it maps the trampoline for both. */
			if (locked && (sess_fd = sbt_open()) < 0) {
				tap_result(false, "brk: open a session", "%s",
					   strerror(-sess_fd));
				exit(tap_exit());
			}
			c = clchild_start(0);
			cl->go1 = 1;
			if (c < 0 || !clchild_wait_stage(1) || cl->pers < 0) {
				tap_result(false, "brk: a clone(CLONE_VM) child sets READ_IMPLIES_EXEC",
					   "clone %d, personality %ld", (int)c,
					   c < 0 ? 0 : cl->pers);
				exit(tap_exit());
			}
			if (locked) {
				r = lock_me();
				tap_result(r == 0,
					   "brk: the parent connects while its clone(CLONE_VM) child has READ_IMPLIES_EXEC (the contract refuses the heap, not the lock)",
					   "connect: %s", err_name(-r));
				if (r) {
					clchild_end(c);
					exit(tap_exit());
				}
				check_locked("brk");
			}
			cl->go2 = 1;
			if (!clchild_wait_stage(2)) {
				tap_result(false, who, "the child never grew its heap");
				clchild_end(c);
				exit(tap_exit());
			}
			n = exec_check(getpid(), who, locked, &st);
			if (!locked) {
				tap_result(cl->brk1 >= cl->brk0 + 2 * PG && st.xheap > 0 &&
					   st.wx > 0 && st.vmfunc > 0,
					   "brk: precondition: unlocked, the READ_IMPLIES_EXEC child's brk() gives an rwx heap ([heap] rwxp) holding the VMFUNC it wrote",
					   "brk 0x%lx -> 0x%lx, %d W+X, %d executable heap, %d with VMFUNC",
					   cl->brk0, cl->brk1, st.wx, st.xheap, st.vmfunc);
				tap_result(cl->mm > 0 || cl->mm < -4095,
					   "brk: precondition: unlocked, its mmap(PROT_READ|PROT_WRITE) works (and is rwx)",
					   "mmap: %s", strerror((int)-cl->mm));
			} else {
				tap_result(cl->brk1 == cl->brk0,
					   "brk: in a locked mm, the READ_IMPLIES_EXEC child cannot grow the heap (brk returns the old break: sbrk fails with ENOMEM)",
					   "brk 0x%lx -> 0x%lx", cl->brk0, cl->brk1);
				tap_result(cl->mm == -EACCES,
					   "brk: its mmap(PROT_READ|PROT_WRITE), W+X by READ_IMPLIES_EXEC, is refused (EACCES)",
					   "mmap: %s",
					   cl->mm < 0 && cl->mm > -4096 ?
					   strerror((int)-cl->mm) : "mapped");
				tap_result(n == 0,
					   "brk: no executable heap, no W+X mapping, no executable VMFUNC in the locked mm",
					   "%d W+X, %d executable heap, %d with VMFUNC, %d unreadable",
					   st.wx, st.xheap, st.vmfunc, st.unreadable);
			}
			clchild_end(c);
			exit(tap_exit());
		}
		tap_wait(pid, locked ? "brk" : "brk: precondition");
	}
}

/*
 * The race: the child sets the personality while the parent locks.  One
 * process per iteration; its exit status says how it went.
 */
enum { BR_REFUSED = 10, BR_PERS_REFUSED, BR_HEAP_REFUSED, BR_HOLE, BR_SETUP };

static int brk_race_once(int i, bool verbose)
{
	struct xstats st;
	pid_t c;
	int r;

	sess_fd = sbt_open();
	if (sess_fd < 0)
		return BR_SETUP;
	/*
	 * Three timings: the child's personality() likely before the lock
	 * (we sleep a little first), at the same time, or after a while.
	 */
	c = clchild_start(i % 3 == 2 ? (i * 7919L) % 400000 : 0);
	if (c < 0)
		return BR_SETUP;
	cl->go1 = 1;
	if (i % 3 == 0)
		usleep(200 + (i * 37) % 2000);
	r = lock_me();
	if (!clchild_wait_stage(1)) {
		clchild_end(c);
		return BR_SETUP;
	}
	if (r) {
		clchild_end(c);
		return r == -EACCES ? BR_REFUSED : BR_SETUP;
	}
	cl->go2 = 1;
	if (!clchild_wait_stage(2)) {
		clchild_end(c);
		return BR_SETUP;
	}
	r = exec_check(getpid(), "brk-race", verbose, &st);
	clchild_end(c);
	if (r)
		return BR_HOLE;
	return cl->pers < 0 ? BR_PERS_REFUSED : BR_HEAP_REFUSED;
}

static void attack_brk_race(int n)
{
	int count[BR_SETUP + 2] = { 0 }, holes = 0, first = -1;

	for (int i = 0; i < n; i++) {
		pid_t pid;
		int st, k;

		fflush(stdout);
		pid = fork();
		if (pid == 0) {
			alarm(60);
			_exit(brk_race_once(i, holes == 0));
		}
		if (waitpid(pid, &st, 0) != pid)
			st = -1;
		k = WIFEXITED(st) && WEXITSTATUS(st) >= BR_REFUSED &&
		    WEXITSTATUS(st) <= BR_SETUP ? WEXITSTATUS(st) : BR_SETUP + 1;
		count[k]++;
		if (k == BR_HOLE && !holes++)
			first = i;
	}
	printf("# brk-race: %d iterations: %d connect refused, %d personality refused, %d heap refused, %d invariant broken (first at %d), %d setup failures, %d crashed\n",
	       n, count[BR_REFUSED], count[BR_PERS_REFUSED], count[BR_HEAP_REFUSED],
	       count[BR_HOLE], first, count[BR_SETUP], count[BR_SETUP + 1]);
	tap_result(count[BR_SETUP] + count[BR_SETUP + 1] == 0,
		   "brk-race: every iteration ran (clone, connect or refusal, heap)",
		   "%d setup failures, %d crashed", count[BR_SETUP],
		   count[BR_SETUP + 1]);
	tap_result(holes == 0,
		   "brk-race: a CLONE_VM child setting READ_IMPLIES_EXEC while its parent locks never leaves a W+X or VMFUNC-holding executable mapping",
		   "%d of %d iterations broke the invariant", holes, n);
}

/* ---- 3. an io_uring fixed buffer pinned before the lock ----------------- */

/* io_uring by its system calls and ring layout (linux/io_uring.h). */
struct ring {
	int fd;
	unsigned int *sq_tail, *sq_mask, *sq_array;
	unsigned int *cq_head, *cq_tail, *cq_mask;
	struct io_uring_sqe *sqes;
	struct io_uring_cqe *cqes;
};

static int ring_init(struct ring *r)
{
	struct io_uring_params p;
	size_t sqsz, cqsz;
	char *sq, *cq;

	memset(&p, 0, sizeof(p));
	r->fd = (int)syscall(SYS_io_uring_setup, 4, &p);
	if (r->fd < 0)
		return -errno;
	sqsz = p.sq_off.array + p.sq_entries * sizeof(unsigned int);
	cqsz = p.cq_off.cqes + p.cq_entries * sizeof(struct io_uring_cqe);
	if (p.features & IORING_FEAT_SINGLE_MMAP)
		sqsz = cqsz = sqsz > cqsz ? sqsz : cqsz;
	sq = mmap(NULL, sqsz, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE,
		  r->fd, IORING_OFF_SQ_RING);
	if (sq == MAP_FAILED)
		return -errno;
	cq = sq;
	if (!(p.features & IORING_FEAT_SINGLE_MMAP)) {
		cq = mmap(NULL, cqsz, PROT_READ | PROT_WRITE,
			  MAP_SHARED | MAP_POPULATE, r->fd, IORING_OFF_CQ_RING);
		if (cq == MAP_FAILED)
			return -errno;
	}
	r->sqes = mmap(NULL, p.sq_entries * sizeof(struct io_uring_sqe),
		       PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, r->fd,
		       IORING_OFF_SQES);
	if (r->sqes == MAP_FAILED)
		return -errno;
	r->sq_tail = (unsigned int *)(sq + p.sq_off.tail);
	r->sq_mask = (unsigned int *)(sq + p.sq_off.ring_mask);
	r->sq_array = (unsigned int *)(sq + p.sq_off.array);
	r->cq_head = (unsigned int *)(cq + p.cq_off.head);
	r->cq_tail = (unsigned int *)(cq + p.cq_off.tail);
	r->cq_mask = (unsigned int *)(cq + p.cq_off.ring_mask);
	r->cqes = (struct io_uring_cqe *)(cq + p.cq_off.cqes);
	return 0;
}

/* IORING_OP_READ_FIXED of @len bytes of @fd into fixed buffer 0 at @addr. */
static int ring_read_fixed(struct ring *r, int fd, void *addr, unsigned int len)
{
	unsigned int tail = *r->sq_tail, idx = tail & *r->sq_mask, head;
	struct io_uring_sqe *s = &r->sqes[idx];
	int res;

	memset(s, 0, sizeof(*s));
	s->opcode = IORING_OP_READ_FIXED;
	s->fd = fd;
	s->addr = (uint64_t)(uintptr_t)addr;
	s->len = len;
	s->off = 0;
	s->buf_index = 0;
	s->user_data = 42;
	r->sq_array[idx] = idx;
	__atomic_store_n(r->sq_tail, tail + 1, __ATOMIC_RELEASE);
	if (syscall(SYS_io_uring_enter, r->fd, 1, 1, IORING_ENTER_GETEVENTS,
		    NULL, 0) < 0)
		return -errno;
	head = __atomic_load_n(r->cq_head, __ATOMIC_ACQUIRE);
	if (head == __atomic_load_n(r->cq_tail, __ATOMIC_ACQUIRE))
		return -EAGAIN;
	res = r->cqes[head & *r->cq_mask].res;
	__atomic_store_n(r->cq_head, head + 1, __ATOMIC_RELEASE);
	return res;
}

static const char *uring_vm = "/tmp/esc-uring-vm.bin";	/* VMFUNC at VM_OFF */

/* The helper: same user, unlocked, holding a pinned page of a file. */
struct pinner {
	pid_t pid;
	int cmd, ans;
};

static void pinner_main(const char *path, int cmd, int ans)
{
	struct ring r = { .fd = -1 };
	struct iovec iov;
	int fd, res = 0;
	void *p = MAP_FAILED;
	char c;

	fd = open(path, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		res = -errno;
	if (!res) {
		p = mmap(NULL, PG, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
		if (p == MAP_FAILED)
			res = -errno;
	}
	res = res ?: ring_init(&r);
	if (!res) {
		iov.iov_base = p;
		iov.iov_len = PG;
		if (syscall(SYS_io_uring_register, r.fd, IORING_REGISTER_BUFFERS,
			    &iov, 1))
			res = -errno;
	}
	/* Nothing of the file is left open or mapped: only the pin. */
	if (p != MAP_FAILED)
		munmap(p, PG);
	if (fd >= 0)
		close(fd);
	if (write(ans, &res, sizeof(res)) != sizeof(res) || res)
		_exit(1);
	while (read(cmd, &c, 1) == 1 && c == 'w') {
		int g = open(uring_vm, O_RDONLY | O_CLOEXEC);

		res = g < 0 ? -errno : ring_read_fixed(&r, g, p, PG);
		if (g >= 0)
			close(g);
		if (write(ans, &res, sizeof(res)) != sizeof(res))
			_exit(1);
	}
	_exit(0);
}

/* Start a helper pinning the first page of @path; 0 or -errno. */
static int pinner_start(struct pinner *h, const char *path)
{
	int c[2], a[2], res;

	if (pipe(c) || pipe(a))
		return -errno;
	h->pid = child_fork();
	if (h->pid == 0) {
		close(c[1]);
		close(a[0]);
		pinner_main(path, c[0], a[1]);
	}
	close(c[0]);
	close(a[1]);
	h->cmd = c[1];
	h->ans = a[0];
	if (h->pid < 0 || read(h->ans, &res, sizeof(res)) != sizeof(res))
		return -ECHILD;
	return res;
}

/* The helper writes VMFUNC into the pinned page; READ_FIXED's result. */
static int pinner_write(struct pinner *h)
{
	int res;

	if (write(h->cmd, "w", 1) != 1 ||
	    read(h->ans, &res, sizeof(res)) != sizeof(res))
		return -ECHILD;
	return res;
}

static void pinner_stop(struct pinner *h)
{
	int st;

	/* 'q', not EOF: the other helpers hold copies of this pipe. */
	if (write(h->cmd, "q", 1) != 1)
		kill(h->pid, SIGKILL);
	close(h->cmd);
	close(h->ans);
	if (h->pid > 0)
		waitpid(h->pid, &st, 0);
}

static void attack_uring(void)
{
	static const char *const files[3] = {
		"/tmp/esc-uring1.bin", "/tmp/esc-uring2.bin", "/tmp/esc-uring3.bin"
	};
	struct pinner h[3];
	pid_t pid;
	int err;

	for (int i = 0; i < 3; i++) {
		err = pinner_start(&h[i], files[i]);
		if (!tap_result(err == 0,
				"uring: a helper process pins a page of a clean file as an io_uring fixed buffer, then unmaps and closes it",
				"%s: %s", files[i], strerror(-err)))
			return;
	}

	/* Precondition: READ_FIXED changes an unlocked process's R-X mapping. */
	pid = child_fork();
	if (pid == 0) {
		volatile unsigned char *p = map_path(files[0], PG,
						     PROT_READ | PROT_EXEC,
						     MAP_PRIVATE, NULL);
		int clean = p != MAP_FAILED && !has_vmf(p + VM_OFF), res;

		res = pinner_write(&h[0]);
		tap_result(clean && res == PG && has_vmf(p + VM_OFF),
			   "uring: precondition: the helper's IORING_OP_READ_FIXED into the pinned buffer changes the bytes an unlocked process's R-X mapping of the file shows",
			   "mapping %s, clean before %d, READ_FIXED %d",
			   p == MAP_FAILED ? strerror(errno) : "ok", clean, res);
		if (p != MAP_FAILED)
			check_violated(getpid(), "uring",
				       "uring: precondition: the invariant checker finds the bytes");
		exit(tap_exit());
	}
	tap_wait(pid, "uring: precondition");

	/* Locked first, then the executable mapping of the pinned file. */
	pid = child_fork();
	if (pid == 0) {
		volatile unsigned char *p;
		int r = lock_me(), e;

		if (!tap_result(r == 0, "uring: a process connects", "%s",
				strerror(-r)))
			exit(tap_exit());
		check_locked("uring");
		p = map_path(files[1], PG, PROT_READ | PROT_EXEC, MAP_PRIVATE, NULL);
		e = p == MAP_FAILED ? errno : 0;
		tap_result(e == EBUSY,
			   "uring: a locked process's mmap(PROT_EXEC) of a file with a page pinned by io_uring is refused (EBUSY)",
			   "%s", err_name(e));
		if (!e) {
			int res = pinner_write(&h[1]);

			printf("# uring: mapped; the helper's READ_FIXED into the pinned page: %d\n",
			       res);
			check_invariant(getpid(), "uring",
					"uring: after the helper's READ_FIXED, no executable mapping of the locked process holds VMFUNC");
		}
		exit(tap_exit());
	}
	tap_wait(pid, "uring: mmap");

	/* The mapping first, then the lock. */
	pid = child_fork();
	if (pid == 0) {
		volatile unsigned char *p = map_path(files[2], PG,
						     PROT_READ | PROT_EXEC,
						     MAP_PRIVATE, NULL);
		int r;

		if (!tap_result(p != MAP_FAILED && !has_vmf(p + VM_OFF),
				"uring: unlocked, a clean R-X mapping of a pinned file",
				"%s", p == MAP_FAILED ? strerror(errno) : "not clean"))
			exit(tap_exit());
		r = lock_me();
		tap_result(r == -EBUSY,
			   "uring: connect with an executable mapping of a file whose page io_uring pins is refused (EBUSY)",
			   "connect: %s", err_name(-r));
		if (!r) {
			int res = pinner_write(&h[2]);

			check_locked("uring");
			printf("# uring: locked; the helper's READ_FIXED into the pinned page: %d\n",
			       res);
			check_invariant(getpid(), "uring",
					"uring: after the helper's READ_FIXED, no executable mapping of the locked process holds VMFUNC");
		}
		exit(tap_exit());
	}
	tap_wait(pid, "uring: connect");
	for (int i = 0; i < 3; i++)
		pinner_stop(&h[i]);
}

/* ---- the unprivileged attacker ------------------------------------------ */

/*
 * Become uid ATK_UID, then root of a new user namespace (mapped to that
 * uid) with a mount namespace of its own.  0 or -errno.  (mount(2) by
 * number: glibc's <sys/mount.h> and the kernel's <linux/mount.h>, which
 * io_uring.h brings in, cannot both be included.)
 */
static int become_attacker(void)
{
	char map[32];
	int err;

	if (setgroups(0, NULL) || setresgid(ATK_UID, ATK_UID, ATK_UID) ||
	    setresuid(ATK_UID, ATK_UID, ATK_UID))
		return -errno;
	/* The uid change made us undumpable: /proc/self/ would be root's. */
	if (prctl(PR_SET_DUMPABLE, 1, 0, 0, 0))
		return -errno;
	if (unshare(CLONE_NEWUSER | CLONE_NEWNS))
		return -errno;
	snprintf(map, sizeof(map), "0 %d 1", ATK_UID);
	err = write_file("/proc/self/setgroups", "deny");
	err = err ?: write_file("/proc/self/uid_map", map);
	err = err ?: write_file("/proc/self/gid_map", map);
	if (err)
		return err;
	if (syscall(SYS_mount, NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL))
		return -errno;
	return 0;
}

/* The attacker's namespaces, as a check. */
static bool attacker_check(const char *who)
{
	char name[200], v[16] = "?";
	int err = become_attacker(), fd;

	fd = open("/proc/sys/kernel/unprivileged_userns_clone", O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		ssize_t n = read(fd, v, sizeof(v) - 1);

		v[n > 0 ? n - 1 : 0] = 0;
		close(fd);
	}
	snprintf(name, sizeof(name),
		 "%s: uid %d creates a user namespace and a mount namespace (unprivileged user namespaces work)",
		 who, ATK_UID);
	return tap_result(!err, name, "%s (kernel.unprivileged_userns_clone = %s)",
			  strerror(-err), v);
}

/* ---- 4. overlayfs in a user namespace ------------------------------------- */

#define OVL		"/tmp/esc-ovl"

static int overlay_setup(void)
{
	static const char *const dirs[] = { OVL, OVL "/lower", OVL "/lower2",
					    OVL "/mnt" };
	int err = 0;

	for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]) && !err; i++)
		if ((mkdir(dirs[i], 0755) && errno != EEXIST) ||
		    chown(dirs[i], ATK_UID, ATK_UID))
			err = -errno;
	err = err ?: make_file(OVL "/lower/pre", 1, -1, ATK_UID);
	err = err ?: make_file(OVL "/lower/lk", 1, -1, ATK_UID);
	return err;
}

static void overlay_precondition(void)
{
	volatile unsigned char *m = map_path(OVL "/mnt/pre", PG,
					     PROT_READ | PROT_EXEC, MAP_PRIVATE,
					     NULL);
	int clean = m != MAP_FAILED && !has_vmf(m + VM_OFF);
	int fd = open(OVL "/lower/pre", O_RDWR | O_CLOEXEC);
	ssize_t n = fd < 0 ? -1 : pwrite(fd, (const void *)vmf, 3, VM_OFF);

	tap_result(clean && n == 3 && has_vmf(m + VM_OFF),
		   "overlay: precondition: unlocked, open(O_RDWR) + pwrite of the lower file changes what the executable overlay mapping shows",
		   "mapping %s, clean %d, open %s, pwrite %zd",
		   m == MAP_FAILED ? "failed" : "ok", clean,
		   fd < 0 ? strerror(errno) : "ok", n);
	if (m != MAP_FAILED)
		check_violated(getpid(), "overlay",
			       "overlay: precondition: the invariant checker finds the bytes");
	if (fd >= 0)
		close(fd);
}

static void overlay_locked(void)
{
	volatile unsigned char *m;
	int r = lock_me(), fd, e;

	if (!tap_result(r == 0, "overlay: the unprivileged process connects",
			"%s", strerror(-r)))
		return;
	check_locked("overlay");
	m = map_path(OVL "/mnt/lk", PG, PROT_READ | PROT_EXEC, MAP_PRIVATE, NULL);
	e = m == MAP_FAILED ? errno : 0;
	if (!tap_result(!e && !has_vmf(m + VM_OFF),
			"overlay: the locked process maps a clean overlay file executable: allowed",
			"%s", err_name(e)))
		return;
	fd = open(OVL "/lower/lk", O_RDWR | O_CLOEXEC);
	e = fd < 0 ? errno : 0;
	tap_result(e == ETXTBSY,
		   "overlay: open(O_RDWR) of the lower file behind that mapping fails (ETXTBSY)",
		   "%s", err_name(e));
	if (fd >= 0) {
		ssize_t n = pwrite(fd, (const void *)vmf, 3, VM_OFF);

		printf("# overlay: the lower file opened for writing; pwrite of VMFUNC: %zd\n",
		       n);
		close(fd);
	}
	/* Same size: a truncate that went through keeps the mapping readable. */
	e = truncate(OVL "/lower/lk", PG) ? errno : 0;
	tap_result(e == ETXTBSY, "overlay: nor can the lower file be truncated (ETXTBSY)",
		   "%s", err_name(e));
	tap_result(!has_vmf(m + VM_OFF),
		   "overlay: the bytes in the executable overlay mapping stay clean",
		   "the mapping shows VMFUNC at 0x%x", VM_OFF);
	check_invariant(getpid(), "overlay",
			"overlay: no executable mapping of the locked process holds VMFUNC");
}

static void attack_overlay(void)
{
	int err = overlay_setup();
	pid_t pid;

	if (!tap_result(!err, "overlay: setup (" OVL ", owned by the attacker)",
			"%s", strerror(-err)))
		return;
	pid = child_fork();
	if (pid == 0) {
		pid_t c;

		if (!attacker_check("overlay"))
			exit(tap_exit());
		err = syscall(SYS_mount, "esc-ovl", OVL "/mnt", "overlay", 0,
			      "lowerdir=" OVL "/lower:" OVL "/lower2") ? -errno : 0;
		if (!tap_result(!err,
				"overlay: the unprivileged user mounts an overlay whose lower layer is its own directory",
				"%s%s", strerror(-err),
				err == -ENODEV ? " (no overlay module loaded)" : ""))
			exit(tap_exit());
		c = tap_fork(CHILD_SECS);
		if (c == 0) {
			overlay_precondition();
			exit(tap_exit());
		}
		tap_wait(c, "overlay: precondition");
		c = tap_fork(CHILD_SECS);
		if (c == 0) {
			overlay_locked();
			exit(tap_exit());
		}
		tap_wait(c, "overlay: locked");
		exit(tap_exit());
	}
	tap_wait(pid, "overlay");
}

/* ---- 5. FUSE served by a second process ------------------------------------ */

#define FUSE_MNT	"/tmp/esc-fuse"
#define FUSE_FILE	FUSE_MNT "/file"
#define FUSE_MAX_FH	256

static unsigned char fuse_buf[256 * 1024];

static void fuse_reply(int fd, uint64_t unique, int error, const void *data,
		       size_t len)
{
	struct fuse_out_header h = { .len = (uint32_t)(sizeof(h) + len),
				     .error = error, .unique = unique };
	struct iovec iov[2] = { { &h, sizeof(h) }, { (void *)data, len } };

	/* ENOENT: the request was interrupted meanwhile; nothing to do. */
	if (writev(fd, iov, len ? 2 : 1) < 0 && errno != ENOENT)
		_exit(3);
}

static void fuse_attr_of(struct fuse_attr *a, uint64_t ino)
{
	memset(a, 0, sizeof(*a));
	a->ino = ino;
	a->mode = ino == FUSE_ROOT_ID ? S_IFDIR | 0755 : S_IFREG | 0755;
	a->nlink = ino == FUSE_ROOT_ID ? 2 : 1;
	a->size = ino == FUSE_ROOT_ID ? 0 : PG;
	a->blocks = PG / 512;
	a->blksize = PG;
}

/*
 * The daemon: one directory holding "file", one page.  Each open gets a
 * handle of its own; the first READ through a handle gets clean bytes,
 * every later one VMFUNC at VM_OFF.  With FOPEN_DIRECT_IO a read() or the
 * lockdown's kernel_read() goes to the daemon, and so does the first fault
 * of a mapping.  On 'i' from @cmd it drops the file's page cache
 * (FUSE_NOTIFY_INVAL_INODE) and answers on @ans; 'q' or EOF ends it.
 */
static void fuse_serve(int fd, int cmd, int ans)
{
	static unsigned int reads[FUSE_MAX_FH];
	uint64_t next_fh = 1;

	for (;;) {
		struct pollfd pf[2] = { { .fd = fd, .events = POLLIN },
					{ .fd = cmd, .events = POLLIN } };
		struct fuse_in_header *in = (void *)fuse_buf;
		void *arg = fuse_buf + sizeof(*in);
		ssize_t n;

		if (poll(pf, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			_exit(2);
		}
		if (pf[1].revents) {
			struct {
				struct fuse_out_header h;
				struct fuse_notify_inval_inode_out o;
			} note = { { sizeof(note), FUSE_NOTIFY_INVAL_INODE, 0 },
				   { 2, 0, 0 } };
			int res;
			char c;

			if (read(cmd, &c, 1) != 1 || c != 'i')
				_exit(0);
			res = write(fd, &note, sizeof(note)) == sizeof(note) ? 0 : -errno;
			if (write(ans, &res, sizeof(res)) != sizeof(res))
				_exit(2);
		}
		if (!(pf[0].revents & POLLIN)) {
			if (pf[0].revents & (POLLERR | POLLHUP))
				_exit(0);
			continue;
		}
		n = read(fd, fuse_buf, sizeof(fuse_buf));
		if (n < 0) {
			if (errno == EINTR || errno == ENOENT || errno == EAGAIN)
				continue;
			_exit(errno == ENODEV ? 0 : 2);	/* unmounted */
		}
		if ((size_t)n < sizeof(*in))
			_exit(2);
		switch (in->opcode) {
		case FUSE_INIT: {
			const struct fuse_init_in *ii = arg;
			struct fuse_init_out o;

			memset(&o, 0, sizeof(o));
			o.major = FUSE_KERNEL_VERSION;
			o.minor = ii->minor < FUSE_KERNEL_MINOR_VERSION ?
				  ii->minor : FUSE_KERNEL_MINOR_VERSION;
			o.max_readahead = ii->max_readahead;
			o.max_background = 4;
			o.congestion_threshold = 3;
			o.max_write = 65536;
			o.time_gran = 1;
			fuse_reply(fd, in->unique, 0, &o, sizeof(o));
			break;
		}
		case FUSE_LOOKUP: {
			struct fuse_entry_out e;

			if (in->nodeid != FUSE_ROOT_ID || strcmp(arg, "file")) {
				fuse_reply(fd, in->unique, -ENOENT, NULL, 0);
				break;
			}
			memset(&e, 0, sizeof(e));
			e.nodeid = 2;
			e.generation = 1;
			fuse_attr_of(&e.attr, 2);
			fuse_reply(fd, in->unique, 0, &e, sizeof(e));
			break;
		}
		case FUSE_GETATTR: {
			struct fuse_attr_out a;

			memset(&a, 0, sizeof(a));
			fuse_attr_of(&a.attr, in->nodeid);
			fuse_reply(fd, in->unique, 0, &a, sizeof(a));
			break;
		}
		case FUSE_OPEN:
		case FUSE_OPENDIR: {
			struct fuse_open_out o;

			memset(&o, 0, sizeof(o));
			o.fh = next_fh < FUSE_MAX_FH ? next_fh++ : FUSE_MAX_FH - 1;
			reads[o.fh] = 0;
			if (in->opcode == FUSE_OPEN)
				o.open_flags = FOPEN_DIRECT_IO;
			fuse_reply(fd, in->unique, 0, &o, sizeof(o));
			break;
		}
		case FUSE_READ: {
			const struct fuse_read_in *r = arg;
			static unsigned char page[PG];
			size_t len = 0;

			memset(page, 0xc3, PG);
			if (r->fh < FUSE_MAX_FH && reads[r->fh]++)
				put_vmf(page + VM_OFF);
			if (r->offset < PG)
				len = PG - r->offset < r->size ? PG - r->offset : r->size;
			fuse_reply(fd, in->unique, 0, page + (len ? r->offset : 0),
				   len);
			break;
		}
		case FUSE_READDIR:		/* empty */
			fuse_reply(fd, in->unique, 0, NULL, 0);
			break;
		case FUSE_FLUSH:
		case FUSE_RELEASE:
		case FUSE_RELEASEDIR:
			fuse_reply(fd, in->unique, 0, NULL, 0);
			break;
		case FUSE_FORGET:
		case FUSE_BATCH_FORGET:
		case FUSE_INTERRUPT:
			break;			/* no reply */
		default:			/* STATFS, ACCESS, xattrs, ... */
			fuse_reply(fd, in->unique, -ENOSYS, NULL, 0);
			break;
		}
	}
}

static int fuse_cmd = -1, fuse_ans = -1;

/* Ask the daemon to drop the file's page cache; its write's result. */
static int fuse_invalidate(void)
{
	int res;

	if (write(fuse_cmd, "i", 1) != 1 ||
	    read(fuse_ans, &res, sizeof(res)) != sizeof(res))
		return -ECHILD;
	return res;
}

static void fuse_precondition(void)
{
	unsigned char b[PG];
	volatile unsigned char *m = MAP_FAILED;
	int fd = open(FUSE_FILE, O_RDONLY | O_CLOEXEC);
	ssize_t n = fd < 0 ? -1 : read(fd, b, PG);
	int clean = n == PG && !has_vmf(b + VM_OFF), e;

	if (fd >= 0)
		m = mmap(NULL, PG, PROT_READ | PROT_EXEC, MAP_PRIVATE, fd, 0);
	e = m == MAP_FAILED ? errno : 0;
	tap_result(clean && !e && has_vmf(m + VM_OFF),
		   "fuse: precondition: unlocked, an executable mapping of the FUSE file shows VMFUNC although a read() before showed clean bytes",
		   "open %s, read %zd (clean %d), mmap %s", fd < 0 ? "failed" : "ok",
		   n, clean, err_name(e));
	if (!e)
		check_violated(getpid(), "fuse",
			       "fuse: precondition: the invariant checker finds the bytes");
}

static void fuse_locked_mmap(void)
{
	volatile unsigned char *m;
	int r = lock_me(), e;

	if (!tap_result(r == 0, "fuse: the unprivileged process connects", "%s",
			strerror(-r)))
		return;
	check_locked("fuse");
	m = map_path(FUSE_FILE, PG, PROT_READ | PROT_EXEC, MAP_PRIVATE, NULL);
	e = m == MAP_FAILED ? errno : 0;
	tap_result(e == EACCES,
		   "fuse: a locked process's mmap(PROT_EXEC) of a FUSE file is refused (EACCES: not a trusted file system)",
		   "%s", err_name(e));
	if (!e) {
		printf("# fuse: mapped; the first fault reads bytes %02x %02x %02x at 0x%x\n",
		       m[VM_OFF], m[VM_OFF + 1], m[VM_OFF + 2], VM_OFF);
		check_invariant(getpid(), "fuse",
				"fuse: no executable mapping of the locked process holds VMFUNC");
	}
}

static void fuse_locked_existing(void)
{
	volatile unsigned char *m = map_path(FUSE_FILE, PG, PROT_READ | PROT_EXEC,
					     MAP_PRIVATE, NULL);
	int r;

	if (!tap_result(m != MAP_FAILED,
			"fuse: unlocked, a process maps the FUSE file executable",
			"%s", strerror(errno)))
		return;
	r = lock_me();
	tap_result(r == -EACCES,
		   "fuse: connect with an executable mapping of a FUSE file is refused (EACCES)",
		   "connect: %s", err_name(-r));
	if (!r) {
		check_locked("fuse");
		r = fuse_invalidate();
		printf("# fuse: locked; the daemon dropped the page cache (%d); the next fault reads bytes %02x %02x %02x\n",
		       r, m[VM_OFF], m[VM_OFF + 1], m[VM_OFF + 2]);
		check_invariant(getpid(), "fuse",
				"fuse: no executable mapping of the locked process holds VMFUNC");
	}
}

static void attack_fuse(void)
{
	pid_t pid;

	if ((mkdir(FUSE_MNT, 0755) && errno != EEXIST) ||
	    chown(FUSE_MNT, ATK_UID, ATK_UID)) {
		tap_result(false, "fuse: setup (" FUSE_MNT ")", "%s", strerror(errno));
		return;
	}
	pid = child_fork();
	if (pid == 0) {
		char opts[128];
		int fd, cmd[2], ans[2], err, st;
		struct stat sb;
		pid_t d, c;

		if (!attacker_check("fuse"))
			exit(tap_exit());
		fd = open("/dev/fuse", O_RDWR | O_CLOEXEC);
		if (!tap_result(fd >= 0, "fuse: the unprivileged user opens /dev/fuse",
				"%s%s", strerror(errno),
				errno == ENOENT ? " (no fuse module loaded)" :
				errno == EACCES ? " (mode: a distribution's udev makes it 0666)" : ""))
			exit(tap_exit());
		snprintf(opts, sizeof(opts),
			 "fd=%d,rootmode=40000,user_id=0,group_id=0", fd);
		err = syscall(SYS_mount, "esc-fuse", FUSE_MNT, "fuse",
			      MS_NOSUID | MS_NODEV, opts) ? -errno : 0;
		if (!tap_result(!err, "fuse: it mounts a FUSE file system in its user namespace",
				"%s", strerror(-err)) ||
		    pipe(cmd) || pipe(ans))
			exit(tap_exit());
		fflush(stdout);
		d = fork();
		if (d == 0) {
			close(cmd[1]);
			close(ans[0]);
			fuse_serve(fd, cmd[0], ans[1]);
		}
		close(fd);
		close(cmd[0]);
		close(ans[1]);
		fuse_cmd = cmd[1];
		fuse_ans = ans[0];
		err = stat(FUSE_FILE, &sb) ? -errno : 0;
		if (tap_result(d > 0 && !err && sb.st_size == PG,
			       "fuse: a second process serves it (INIT, LOOKUP, GETATTR)",
			       "stat: %s", strerror(-err))) {
			c = tap_fork(CHILD_SECS);
			if (c == 0) {
				fuse_precondition();
				exit(tap_exit());
			}
			tap_wait(c, "fuse: precondition");
			c = tap_fork(CHILD_SECS);
			if (c == 0) {
				fuse_locked_mmap();
				exit(tap_exit());
			}
			tap_wait(c, "fuse: locked mmap");
			c = tap_fork(CHILD_SECS);
			if (c == 0) {
				fuse_locked_existing();
				exit(tap_exit());
			}
			tap_wait(c, "fuse: connect");
		}
		if (write(fuse_cmd, "q", 1) != 1)
			kill(d, SIGKILL);
		waitpid(d, &st, 0);
		tap_result(WIFEXITED(st) && WEXITSTATUS(st) == 0,
			   "fuse: the daemon answered every request and exits normally",
			   "status 0x%x", st);
		exit(tap_exit());
	}
	tap_wait(pid, "fuse");
}

/* ---- 6. mremap growth ---------------------------------------------------- */

/* Page 0 clean, page 1 with VMFUNC at VM_OFF: growth exposes it. */
static const char *mr_file = "/tmp/esc-mremap.bin";

/* Two free pages' address; the second is left free. */
static unsigned char *reserve_two(void)
{
	unsigned char *a = mmap(NULL, 2 * PG, PROT_NONE,
				MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (a == MAP_FAILED)
		return NULL;
	munmap(a, 2 * PG);
	return a;
}

static void mremap_precondition(void)
{
	unsigned char *a = reserve_two(), *m, *g = MAP_FAILED;
	int e;

	m = a ? map_path(mr_file, PG, PROT_READ | PROT_EXEC,
			 MAP_PRIVATE | MAP_FIXED_NOREPLACE, a) : MAP_FAILED;
	if (m != MAP_FAILED)
		g = mremap(m, PG, 2 * PG, 0);
	e = g == MAP_FAILED ? errno : 0;
	tap_result(m != MAP_FAILED && g == m && has_vmf(m + PG + VM_OFF),
		   "mremap: precondition: unlocked, a one-page R-X file mapping grows in place and exposes the next page's VMFUNC",
		   "mmap %s, mremap %s", m == MAP_FAILED ? "failed" : "ok",
		   err_name(e));
	if (g == m)
		check_violated(getpid(), "mremap",
			       "mremap: precondition: the invariant checker finds the bytes");
}

static void mremap_locked(void)
{
	unsigned char *a, *m, *g, *dst;
	int r = lock_me(), e;

	if (!tap_result(r == 0, "mremap: a process connects", "%s", strerror(-r)))
		return;
	check_locked("mremap");
	a = reserve_two();
	m = a ? map_path(mr_file, PG, PROT_READ | PROT_EXEC,
			 MAP_PRIVATE | MAP_FIXED_NOREPLACE, a) : MAP_FAILED;
	if (!tap_result(m != MAP_FAILED,
			"mremap: the locked process maps the clean first page of the file executable",
			"%s", strerror(errno)))
		return;
	g = mremap(m, PG, 2 * PG, 0);
	e = g == MAP_FAILED ? errno : 0;
	tap_result(e == EFAULT,
		   "mremap: growing an executable mapping in place fails (EFAULT: VM_DONTEXPAND)",
		   "%s", err_name(e));
	if (!e)
		munmap(m + PG, PG);
	g = mremap(m, PG, 2 * PG, MREMAP_MAYMOVE);
	e = g == MAP_FAILED ? errno : 0;
	tap_result(e == EFAULT,
		   "mremap: growing it with MREMAP_MAYMOVE fails too (EFAULT)",
		   "%s", err_name(e));
	if (!e) {
		munmap(g, 2 * PG);
		return;
	}
	dst = reserve_two();
	g = dst ? mremap(m, PG, PG, MREMAP_MAYMOVE | MREMAP_FIXED, dst) : MAP_FAILED;
	e = g == MAP_FAILED ? errno : 0;
	tap_result(!e && g == dst && g[0] == 0xc3 && !has_vmf(g + VM_OFF),
		   "mremap: moving it without growth works",
		   "%s", err_name(e));
	check_invariant(getpid(), "mremap",
			"mremap: no executable mapping of the locked process holds VMFUNC");
}

static void attack_mremap(void)
{
	pid_t pid = child_fork();

	if (pid == 0) {
		mremap_precondition();
		exit(tap_exit());
	}
	tap_wait(pid, "mremap: precondition");
	pid = child_fork();
	if (pid == 0) {
		mremap_locked();
		exit(tap_exit());
	}
	tap_wait(pid, "mremap");
}

/*
 * The race: the grower (this thread) grows the one-page mapping at mr.a in
 * place, without MREMAP_MAYMOVE; the swapper replaces that page again and
 * again by unchecked anonymous memory (which may grow) and by the checked
 * R-X first page of mr_file (which may not).  A check of the mapping, then
 * the growth, under two separate holds of the mmap lock, lets the growth
 * land on the file's mapping: then its next page, VMFUNC, is executable.
 */
static struct {
	unsigned char *a;
	int fd;
	volatile int stop;
	long swaps, swap_fail;
} mr;

static void *mr_swapper(void *arg)
{
	(void)arg;
	while (!mr.stop) {
		if (mmap(mr.a, PG, PROT_READ, MAP_PRIVATE | MAP_FIXED | MAP_ANONYMOUS,
			 -1, 0) == MAP_FAILED ||
		    mmap(mr.a, PG, PROT_READ | PROT_EXEC, MAP_PRIVATE | MAP_FIXED,
			 mr.fd, 0) == MAP_FAILED)
			mr.swap_fail++;
		mr.swaps++;
	}
	return NULL;
}

static void mremap_race(long n)
{
	long tries = 0, grew = 0, won = 0;
	pthread_t t;
	int r = lock_me(), e;

	if (!tap_result(r == 0, "mremap-race: a process connects", "%s",
			strerror(-r)))
		return;
	check_locked("mremap-race");
	mr.fd = open(mr_file, O_RDONLY | O_CLOEXEC);
	mr.a = reserve_two();
	if (!tap_result(mr.fd >= 0 && mr.a &&
			mmap(mr.a, PG, PROT_READ | PROT_EXEC, MAP_PRIVATE | MAP_FIXED,
			     mr.fd, 0) == mr.a,
			"mremap-race: the locked process maps the clean first page of the file executable",
			"%s", strerror(errno)))
		return;
	e = pthread_create(&t, NULL, mr_swapper, NULL);
	if (!tap_result(!e, "mremap-race: the swapper thread starts", "%s",
			strerror(e)))
		return;
	for (tries = 0; tries < n && !won; tries++) {
		if (mremap(mr.a, PG, 2 * PG, 0) == MAP_FAILED)
			continue;
		grew++;
		if (has_vmf(mr.a + PG + VM_OFF)) {
			won = tries + 1;
			break;		/* keep it for the check */
		}
		munmap(mr.a + PG, PG);
	}
	if (won)
		tries = won;
	mr.stop = 1;
	pthread_join(t, NULL);
	if (sysconf(_SC_NPROCESSORS_ONLN) < 2)
		printf("# mremap-race: one CPU online: the race wants two, so that the swapper runs while the grower is between check and growth\n");
	printf("# mremap-race: %ld tries, %ld grew (anonymous memory), %ld swaps (%ld failed), won at try %ld (0: never)\n",
	       tries, grew, mr.swaps, mr.swap_fail, won);
	tap_result(mr.swaps > 0 && mr.swap_fail == 0,
		   "mremap-race: the swapper swapped, each mapping allowed",
		   "%ld swaps, %ld failed", mr.swaps, mr.swap_fail);
	tap_result(!won,
		   "mremap-race: in-place growth never lands on the executable file mapping (its next page, VMFUNC, never becomes executable)",
		   "the growth exposed VMFUNC after %ld tries", won);
	check_invariant(getpid(), "mremap-race",
			"mremap-race: after the race, no executable mapping of the locked process holds VMFUNC");
}

static void attack_mremap_race(long n)
{
	pid_t pid = child_fork();

	if (pid == 0) {
		mremap_precondition();
		exit(tap_exit());
	}
	tap_wait(pid, "mremap-race: precondition");
	pid = child_fork();
	if (pid == 0) {
		mremap_race(n);
		exit(tap_exit());
	}
	tap_wait(pid, "mremap-race");
}

/* ---- threat-analysis rows: forced writes from another process ----------- */

/* Code no target ever runs: the pokes' target. */
__attribute__((noinline, used)) static int victim_code(int x)
{
	return x * 3 + 1;
}

static volatile uint64_t target_word = 0x1122334455667788ULL;
static const char *ro_file = "/tmp/esc-ro.bin";	/* clean */

/* A process that waits to be written into: locked or not. */
struct target {
	pid_t pid;
	int cmd, ans;
	uint64_t ro;		/* its read-only private mapping of ro_file */
};

static void target_main(bool lock, int cmd, int ans)
{
	uint64_t msg[2] = { 0, 0 };
	void *ro;
	char c;

	if (lock) {
		int r = lock_me();

		msg[0] = (uint64_t)(int64_t)r;
	}
	ro = map_path(ro_file, PG, PROT_READ, MAP_PRIVATE, NULL);
	if (ro == MAP_FAILED && !msg[0])
		msg[0] = (uint64_t)(int64_t)-errno;
	msg[1] = (uint64_t)(uintptr_t)ro;
	if (write(ans, msg, sizeof(msg)) != sizeof(msg))
		_exit(1);
	/* 'm': make the read-only mapping executable; answer its errno. */
	while (read(cmd, &c, 1) == 1 && c == 'm') {
		int e = mprotect(ro, PG, PROT_READ | PROT_EXEC) ? errno : 0;

		if (write(ans, &e, sizeof(e)) != sizeof(e))
			_exit(1);
	}
	_exit(0);
}

static int target_start(struct target *t, bool lock)
{
	int c[2], a[2];
	uint64_t msg[2];

	if (pipe(c) || pipe(a))
		return -errno;
	t->pid = child_fork();
	if (t->pid == 0) {
		close(c[1]);
		close(a[0]);
		target_main(lock, c[0], a[1]);
	}
	close(c[0]);
	close(a[1]);
	t->cmd = c[1];
	t->ans = a[0];
	if (t->pid < 0 || read(t->ans, msg, sizeof(msg)) != sizeof(msg))
		return -ECHILD;
	t->ro = msg[1];
	return (int)(int64_t)msg[0];
}

static void target_stop(struct target *t)
{
	int st;

	if (write(t->cmd, "q", 1) != 1)
		kill(t->pid, SIGKILL);
	close(t->cmd);
	close(t->ans);
	waitpid(t->pid, &st, 0);
}

static int mem_rw(pid_t pid, uint64_t addr, void *b, size_t n, bool wr)
{
	char path[64];
	ssize_t r;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/mem", (int)pid);
	fd = open(path, (wr ? O_RDWR : O_RDONLY) | O_CLOEXEC);
	if (fd < 0)
		return errno;
	errno = 0;
	r = wr ? pwrite(fd, b, n, (off_t)addr) : pread(fd, b, n, (off_t)addr);
	close(fd);
	return r == (ssize_t)n ? 0 : errno ? errno : EIO;
}

static bool ptrace_attach(pid_t pid)
{
	int st;

	return ptrace(PTRACE_ATTACH, pid, 0, 0) == 0 &&
	       waitpid(pid, &st, __WALL) == pid;
}

/* A word with its low three bytes replaced by VMFUNC. */
static uint64_t with_vmf(uint64_t w)
{
	unsigned char *b = (unsigned char *)&w;

	b[0] = vmf[0];
	b[1] = vmf[1];
	b[2] = vmf[2];
	return w;
}

static void rows_forced(void)
{
	uint64_t code = (uint64_t)(uintptr_t)victim_code;
	uint64_t data = (uint64_t)(uintptr_t)&target_word, orig, w, now;
	unsigned char three[3] = { vmf[0], vmf[1], vmf[2] }, back[3];
	struct target u, t;
	struct iovec l, rv;
	int err, e;
	long peek;

	memcpy(&orig, (const void *)victim_code, sizeof(orig));
	err = target_start(&u, false);
	if (!tap_result(!err, "forced: an unlocked target process", "%s",
			strerror(-err)))
		return;
	err = target_start(&t, true);
	if (!tap_result(!err, "forced: a locked target process (connected)", "%s",
			strerror(-err))) {
		target_stop(&u);
		return;
	}

	/* Preconditions: the same writes into the unlocked target's code. */
	if (ptrace_attach(u.pid)) {
		e = ptrace(PTRACE_POKETEXT, u.pid, (void *)code,
			   (void *)with_vmf(orig)) ? errno : 0;
		errno = 0;
		peek = ptrace(PTRACE_PEEKTEXT, u.pid, (void *)code, 0);
		tap_result(!e && (uint64_t)peek == with_vmf(orig),
			   "forced: precondition: ptrace(POKETEXT) into an unlocked process's code works",
			   "poke %s, peek 0x%lx", err_name(e), peek);
		ptrace(PTRACE_DETACH, u.pid, 0, 0);
	} else {
		tap_result(false, "forced: ptrace(PTRACE_ATTACH) to the unlocked target",
			   "%s", strerror(errno));
	}
	check_violated(u.pid, "forced",
		       "forced: precondition: the invariant checker finds the poked VMFUNC in the unlocked target");
	e = mem_rw(u.pid, code + 8, three, 3, true);
	memset(back, 0, sizeof(back));
	e = e ?: mem_rw(u.pid, code + 8, back, 3, false);
	tap_result(!e && !memcmp(back, three, 3),
		   "forced: precondition: a /proc/PID/mem write into an unlocked process's code works",
		   "%s", err_name(e));

	/* The locked target's code: refused, unchanged. */
	if (ptrace_attach(t.pid)) {
		e = ptrace(PTRACE_POKETEXT, t.pid, (void *)code,
			   (void *)with_vmf(orig)) ? errno : 0;
		errno = 0;
		peek = ptrace(PTRACE_PEEKTEXT, t.pid, (void *)code, 0);
		tap_result(e == EIO && (uint64_t)peek == orig,
			   "forced: ptrace(POKETEXT) into a locked process's code fails (EIO), code unchanged",
			   "poke %s, peek 0x%lx (was 0x%llx)", err_name(e), peek,
			   (unsigned long long)orig);
		w = 0x5eed5eed5eed5eedULL;
		e = ptrace(PTRACE_POKEDATA, t.pid, (void *)data, (void *)w) ? errno : 0;
		errno = 0;
		now = (uint64_t)ptrace(PTRACE_PEEKDATA, t.pid, (void *)data, 0);
		tap_result(!e && now == w,
			   "forced: ptrace(POKEDATA) into a locked process's writable data works (non-executable)",
			   "poke %s, peek 0x%llx", err_name(e), (unsigned long long)now);
		/*
		 * A forced write into a read-only file mapping makes a private
		 * copy: it works, and the copy can never become executable.
		 */
		e = ptrace(PTRACE_POKEDATA, t.pid, (void *)t.ro,
			   (void *)with_vmf(0xc3c3c3c3c3c3c3c3ULL)) ? errno : 0;
		tap_result(!e,
			   "forced: ptrace(POKEDATA) into a locked process's read-only, non-executable file mapping works (a private copy)",
			   "%s", err_name(e));
		ptrace(PTRACE_DETACH, t.pid, 0, 0);
		if (!e) {
			int me = -1;

			if (write(t.cmd, "m", 1) != 1 ||
			    read(t.ans, &me, sizeof(me)) != sizeof(me))
				me = -1;
			tap_result(me == EACCES,
				   "forced: the locked process's mprotect(PROT_EXEC) of that written mapping fails (EACCES)",
				   "%s", me < 0 ? "no answer" : err_name(me));
		}
	} else {
		tap_result(false, "forced: ptrace(PTRACE_ATTACH) to the locked target",
			   "%s", strerror(errno));
	}
	e = mem_rw(t.pid, code + 8, three, 3, true);
	memset(back, 0, sizeof(back));
	mem_rw(t.pid, code + 8, back, 3, false);
	tap_result(e == EIO && !memcmp(back, (const unsigned char *)victim_code + 8, 3),
		   "forced: a /proc/PID/mem write into a locked process's code fails (EIO), code unchanged",
		   "%s", err_name(e));
	w = 0x0dd0dd0dd0dd0dd0ULL;
	e = mem_rw(t.pid, data, &w, sizeof(w), true);
	now = 0;
	mem_rw(t.pid, data, &now, sizeof(now), false);
	tap_result(!e && now == w,
		   "forced: a /proc/PID/mem write into a locked process's writable data works (non-executable)",
		   "%s, reads back 0x%llx", err_name(e), (unsigned long long)now);

	l.iov_base = three;
	l.iov_len = 3;
	rv.iov_base = (void *)code;
	rv.iov_len = 3;
	e = process_vm_writev(t.pid, &l, 1, &rv, 1, 0) < 0 ? errno : 0;
	tap_result(e == EFAULT,
		   "forced: process_vm_writev() into a locked process's code fails (EFAULT)",
		   "%s", err_name(e));
	w = 0xfeedfacefeedfaceULL;
	l.iov_base = &w;
	l.iov_len = sizeof(w);
	rv.iov_base = (void *)data;
	rv.iov_len = sizeof(w);
	e = process_vm_writev(t.pid, &l, 1, &rv, 1, 0) < 0 ? errno : 0;
	now = 0;
	mem_rw(t.pid, data, &now, sizeof(now), false);
	tap_result(!e && now == w,
		   "forced: precondition: process_vm_writev() into the same process's data works",
		   "%s, reads back 0x%llx", err_name(e), (unsigned long long)now);
	check_invariant(t.pid, "forced",
			"forced: no executable mapping of the locked target holds VMFUNC");
	target_stop(&t);
	target_stop(&u);
}

/* ---- threat-analysis rows: userfaultfd ------------------------------------ */

static const char *uffd_file = "/tmp/esc-uffd.bin";	/* clean */

static int uffd_open(void)
{
	struct uffdio_api api = { .api = UFFD_API };
	int u = (int)syscall(SYS_userfaultfd, O_CLOEXEC | O_NONBLOCK);

	if (u < 0)
		return -errno;
	if (ioctl(u, UFFDIO_API, &api)) {
		int e = -errno;

		close(u);
		return e;
	}
	return u;
}

/* UFFDIO_REGISTER (missing faults) of one page: its errno. */
static int uffd_register(int u, void *p)
{
	struct uffdio_register r;

	memset(&r, 0, sizeof(r));
	r.range.start = (uint64_t)(uintptr_t)p;
	r.range.len = PG;
	r.mode = UFFDIO_REGISTER_MODE_MISSING;
	return ioctl(u, UFFDIO_REGISTER, &r) ? errno : 0;
}

static void uffd_try(bool locked)
{
	const char *who = locked ? "uffd" : "uffd (precondition)";
	void *x, *ro, *ro2;
	int u, e, r;

	if (locked) {
		r = lock_me();
		if (!tap_result(r == 0, "uffd: a process connects", "%s",
				strerror(-r)))
			return;
		check_locked(who);
	}
	u = uffd_open();
	if (!tap_result(u >= 0, "uffd: a userfaultfd", "%s", strerror(-u)))
		return;
	x = map_path(uffd_file, PG, PROT_READ | PROT_EXEC, MAP_PRIVATE, NULL);
	if (!tap_result(x != MAP_FAILED, "uffd: a clean tmpfs file mapped R-X",
			"%s", strerror(errno)))
		return;
	e = uffd_register(u, x);
	if (!locked) {
		tap_result(!e,
			   "uffd: precondition: unlocked, UFFDIO_REGISTER over an executable (tmpfs) file mapping works",
			   "%s", err_name(e));
	} else {
		printf("# uffd: UFFDIO_REGISTER over the locked process's executable mapping: %s\n",
		       err_name(e));
		tap_result(e == EPERM || e == EINVAL,
			   "uffd: UFFDIO_REGISTER over an executable mapping of a locked process fails (EPERM or EINVAL)",
			   "%s", err_name(e));
	}
	/* A registered mapping cannot become executable (an unregistered one can). */
	ro = map_path(uffd_file, PG, PROT_READ, MAP_PRIVATE, NULL);
	ro2 = map_path(uffd_file, PG, PROT_READ, MAP_PRIVATE, NULL);
	if (!tap_result(ro != MAP_FAILED && ro2 != MAP_FAILED,
			"uffd: the file mapped read-only, twice", "%s",
			strerror(errno)))
		return;
	e = mprotect(ro2, PG, PROT_READ | PROT_EXEC) ? errno : 0;
	tap_result(!e,
		   locked ? "uffd: mprotect(PROT_EXEC) of an unregistered read-only mapping of the file works in the locked process" :
			    "uffd: precondition: unlocked, mprotect(PROT_EXEC) of a read-only mapping works",
		   "%s", err_name(e));
	e = uffd_register(u, ro);
	if (!tap_result(!e,
			locked ? "uffd: UFFDIO_REGISTER over a non-executable mapping works in the locked process" :
				 "uffd: precondition: unlocked, UFFDIO_REGISTER over a read-only mapping works",
			"%s", err_name(e)))
		return;
	e = mprotect(ro, PG, PROT_READ | PROT_EXEC) ? errno : 0;
	if (!locked)
		tap_result(!e,
			   "uffd: precondition: unlocked, mprotect(PROT_EXEC) of a userfaultfd-registered mapping works",
			   "%s", err_name(e));
	else
		tap_result(e == EACCES,
			   "uffd: mprotect(PROT_EXEC) of a userfaultfd-registered mapping of a locked process fails (EACCES)",
			   "%s", err_name(e));
}

static void rows_uffd(void)
{
	for (int locked = 0; locked <= 1; locked++) {
		pid_t pid = child_fork();

		if (pid == 0) {
			uffd_try(locked);
			exit(tap_exit());
		}
		tap_wait(pid, locked ? "uffd" : "uffd: precondition");
	}
}

/* ---- threat-analysis rows: the other mapping rules ------------------------ */

static const char *rf_clean = "/tmp/esc-clean.bin";	/* clean, 1 page */
static const char *rf_busy = "/tmp/esc-busy.bin";	/* open for writing */
static const char *rf_mapped = "/tmp/esc-mapped.bin";	/* mapped, then written */
static const char *rf_mapped2 = "/tmp/esc-mapped2.bin";

/* Every move of the list, in this process; "PRE" as the precondition. */
static void refusals_try(bool locked, int other_w)
{
	char name[200];
	const char *pre = locked ? "" : "precondition: unlocked, ";
	volatile unsigned char *p;
	void *q;
	int e, fd, id;

	/* Before locking: a file this process maps executable. */
	q = map_path(locked ? rf_mapped : rf_mapped2, PG, PROT_READ | PROT_EXEC,
		     MAP_PRIVATE, NULL);
	if (!tap_result(q != MAP_FAILED, "refusals: a clean file mapped R-X",
			"%s", strerror(errno)))
		return;
	if (locked) {
		int r = lock_me();

		if (!tap_result(r == 0, "refusals: a process connects", "%s",
				strerror(-r)))
			return;
		check_locked("refusals");
	}

	/* mprotect(PROT_EXEC) of a file mapping with private copies. */
	p = map_path(rf_clean, PG, PROT_READ | PROT_WRITE, MAP_PRIVATE, NULL);
	if (p != MAP_FAILED) {
		p[0] = 0x90;
		e = mprotect((void *)p, PG, PROT_READ | PROT_EXEC) ? errno : 0;
	} else {
		e = -1;
	}
	snprintf(name, sizeof(name),
		 "refusals: %smprotect(PROT_EXEC) of a file mapping with a private copy %s",
		 pre, locked ? "fails (EACCES)" : "works");
	tap_result(locked ? e == EACCES : e == 0, name, "%s",
		   e < 0 ? "mmap failed" : err_name(e));

	/* Anonymous memory and memfds, executable. */
	q = mmap(NULL, PG, PROT_READ | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	e = q == MAP_FAILED ? errno : 0;
	snprintf(name, sizeof(name), "refusals: %sanonymous mmap(PROT_EXEC) %s",
		 pre, locked ? "fails (EACCES)" : "works");
	tap_result(locked ? e == EACCES : e == 0, name, "%s", err_name(e));
	fd = memfd_create("esc", MFD_CLOEXEC);
	if (fd < 0 || ftruncate(fd, PG)) {
		tap_result(false, "refusals: a memfd", "%s", strerror(errno));
	} else {
		q = mmap(NULL, PG, PROT_READ | PROT_EXEC, MAP_SHARED, fd, 0);
		e = q == MAP_FAILED ? errno : 0;
		snprintf(name, sizeof(name), "refusals: %smemfd mmap(PROT_EXEC) %s",
			 pre, locked ? "fails (EACCES)" : "works");
		tap_result(locked ? e == EACCES : e == 0, name, "%s", err_name(e));
	}

	/* SysV shm, executable. */
	id = shmget(IPC_PRIVATE, PG, IPC_CREAT | 0600);
	q = id < 0 ? (void *)-1 : shmat(id, NULL, SHM_EXEC | SHM_RDONLY);
	e = q == (void *)-1 ? errno : 0;
	if (id >= 0)
		shmctl(id, IPC_RMID, NULL);
	snprintf(name, sizeof(name), "refusals: %sshmat(SHM_EXEC) of SysV shm %s",
		 pre, locked ? "fails (EACCES)" : "works");
	tap_result(id >= 0 && (locked ? e == EACCES : e == 0), name, "%s",
		   id < 0 ? "shmget failed" : err_name(e));

	/* A file another process holds open for writing. */
	q = map_path(rf_busy, PG, PROT_READ | PROT_EXEC, MAP_PRIVATE, NULL);
	e = q == MAP_FAILED ? errno : 0;
	snprintf(name, sizeof(name),
		 "refusals: %sexecutable mapping of a file another process has open for writing %s",
		 pre, locked ? "fails (ETXTBSY)" : "works");
	tap_result(other_w >= 0 && (locked ? e == ETXTBSY : e == 0), name, "%s",
		   err_name(e));

	/* The file mapped before the lock: no writer, no truncate now. */
	e = open_w_err(locked ? rf_mapped : rf_mapped2);
	snprintf(name, sizeof(name),
		 "refusals: %sopen(O_RDWR) of a file the process maps executable %s",
		 pre, locked ? "fails (ETXTBSY)" : "works");
	tap_result(locked ? e == ETXTBSY : e == 0, name, "%s", err_name(e));
	if (locked) {
		e = truncate(rf_mapped, PG) ? errno : 0;
		tap_result(e == ETXTBSY,
			   "refusals: truncate() of a file the locked process maps executable fails (ETXTBSY)",
			   "%s", err_name(e));
	}
}

static void rows_refusals(void)
{
	int w = open(rf_busy, O_RDWR | O_CLOEXEC);	/* held here, unlocked */

	for (int locked = 0; locked <= 1; locked++) {
		int up[2], down[2], e;
		pid_t pid;
		char c;

		if (pipe(up) || pipe(down)) {
			tap_result(false, "refusals: pipes", "%s", strerror(errno));
			break;
		}
		pid = child_fork();
		if (pid == 0) {
			/* The writer is the parent's: ours would be our own. */
			if (w >= 0)
				close(w);
			close(up[0]);
			close(down[1]);
			refusals_try(locked, w);
			/* Alive and locked while another process tries. */
			if (write(up[1], "r", 1) == 1 && read(down[0], &c, 1) < 0)
				c = 0;
			exit(tap_exit());
		}
		close(up[1]);
		close(down[0]);
		if (read(up[0], &c, 1) == 1 && locked) {
			e = open_w_err(rf_mapped);
			tap_result(e == ETXTBSY,
				   "refusals: another (unlocked) process's open(O_RDWR) of a file the locked process maps executable fails (ETXTBSY)",
				   "%s", err_name(e));
			e = truncate(rf_mapped, PG) ? errno : 0;
			tap_result(e == ETXTBSY,
				   "refusals: and its truncate() (ETXTBSY)", "%s",
				   err_name(e));
		}
		close(down[1]);
		close(up[0]);
		tap_wait(pid, locked ? "refusals" : "refusals: precondition");
	}
	if (w >= 0)
		close(w);
}

/* ---- main ------------------------------------------------------------------ */

static const char usage[] =
	"usage: sb-escape private-copy | brk | brk-race [N] | uring | overlay | fuse |\n"
	"                 mremap | mremap-race [N] | forced | uffd | refusals\n";

static bool known(const char *cmd)
{
	static const char *const names[] = {
		"private-copy", "brk", "brk-race", "uring", "overlay", "fuse",
		"mremap", "mremap-race", "forced", "uffd", "refusals"
	};

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (!strcmp(cmd, names[i]))
			return true;
	return false;
}

static int setup_files(void)
{
	int err = make_file(pc_file, 1, VM_OFF, 0);

	err = err ?: make_file(uring_vm, 1, VM_OFF, 0);
	err = err ?: make_file("/tmp/esc-uring1.bin", 1, -1, 0);
	err = err ?: make_file("/tmp/esc-uring2.bin", 1, -1, 0);
	err = err ?: make_file("/tmp/esc-uring3.bin", 1, -1, 0);
	err = err ?: make_file(mr_file, 2, PG + VM_OFF, 0);
	err = err ?: make_file(ro_file, 1, -1, 0);
	err = err ?: make_file(uffd_file, 1, -1, 0);
	err = err ?: make_file(rf_clean, 1, -1, 0);
	err = err ?: make_file(rf_busy, 1, -1, 0);
	err = err ?: make_file(rf_mapped, 1, -1, 0);
	err = err ?: make_file(rf_mapped2, 1, -1, 0);
	return err;
}

int main(int argc, char **argv)
{
	const char *cmd = argc > 1 ? argv[1] : "";
	long n = -1;
	int err, st;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc > 2) {
		char *end;

		n = strtol(argv[2], &end, 10);
		if (*end || n <= 0 || (strcmp(cmd, "brk-race") &&
				       strcmp(cmd, "mremap-race")))
			n = 0;
	}
	if (argc < 2 || argc > 3 || !n || !known(cmd)) {
		fputs(usage, stderr);
		return 2;
	}
	err = setup_files();
	if (!tap_result(!err, "setup: the test files in /tmp", "%s", strerror(-err)))
		return tap_exit();
	srv = (struct testserver){ .name = victim, .handler = add, .slots = 1 };
	err = testserver_start(&srv);
	if (!tap_result(!err, "setup: the victim server registers", "%s",
			strerror(-err)))
		return tap_exit();

	if (!strcmp(cmd, "private-copy"))
		attack_private_copy();
	else if (!strcmp(cmd, "brk"))
		attack_brk();
	else if (!strcmp(cmd, "brk-race"))
		attack_brk_race(n > 0 ? (int)n : 40);
	else if (!strcmp(cmd, "uring"))
		attack_uring();
	else if (!strcmp(cmd, "overlay"))
		attack_overlay();
	else if (!strcmp(cmd, "fuse"))
		attack_fuse();
	else if (!strcmp(cmd, "mremap"))
		attack_mremap();
	else if (!strcmp(cmd, "mremap-race"))
		attack_mremap_race(n > 0 ? n : 3000);
	else if (!strcmp(cmd, "forced"))
		rows_forced();
	else if (!strcmp(cmd, "uffd"))
		rows_uffd();
	else
		rows_refusals();

	st = testserver_stop(&srv);
	tap_result(st == 0, "the victim server exits normally", "status 0x%x",
		   srv.status);
	return tap_exit();
}
