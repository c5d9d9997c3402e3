// SPDX-License-Identifier: GPL-2.0
/*
 * sb-lockdown - the exec-memory lockdown, played by an attacker: once a
 * process has registered, connected or attached, it must gain no executable
 * memory that was not checked for VMFUNC (kmod/lockdown.c has the rules).
 *
 * Usage: sb-lockdown [DIRTY-PROGRAM]
 * Runs every check and prints TAP lines.  DIRTY-PROGRAM (default
 * sb-lkdirty) is a client with VMFUNC bytes in its code; it is run as it
 * is (refused) and after sb-rewrite (accepted).
 *
 * The attacker is this process, attached to a victim server it forks; a
 * second locked process is the server itself (ptrace, /proc/PID/mem and
 * process_vm_writev target it).  Each refusal is also checked not to have
 * changed the mapping it was aimed at, and each kind of attempt is also
 * made where it must work (an unlocked child, a clean file), so that no
 * check passes because the operation is broken.
 */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/userfaultfd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/personality.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>
#include <x86intrin.h>

#include "sbcall.h"
#include "sysstats.h"
#include "testserver.h"
#include "../../tap.h"

#define PG 4096

static const char *victim = "lk-victim";
static const char *dirty_prog = "sb-lkdirty";	/* argv[1] overrides */
static volatile unsigned char vm_bytes[3] = { 0x0f, 0x01, 0xd4 };
static volatile uint64_t server_word = 0x5ca1ab1e;	/* its data */

static struct sbt_ret add(uint64_t id, uint64_t a0, uint64_t a1, uint64_t a2,
			  uint64_t a3)
{
	(void)id, (void)a2, (void)a3;
	return (struct sbt_ret){ 0, a0 + a1 };
}

/* A file of @pages pages of RET, VMFUNC at @vm_at if not -1; read-only. */
static int make_file(const char *path, int pages, long vm_at)
{
	unsigned char *b = malloc((size_t)pages * PG);
	int fd;

	memset(b, 0xc3, (size_t)pages * PG);
	if (vm_at >= 0) {
		b[vm_at] = vm_bytes[0];
		b[vm_at + 1] = vm_bytes[1];
		b[vm_at + 2] = vm_bytes[2];
	}
	unlink(path);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0755);
	if (fd < 0 || write(fd, b, (size_t)pages * PG) != (ssize_t)pages * PG)
		return -1;
	close(fd);
	free(b);
	return open(path, O_RDONLY);
}

/* Processes under the lockdown (SB_IOC_SYSSTATS: sysstats.h). */
static int lock_count(void)
{
	return sbs_locked();
}

/* errno of an mmap, or 0 (and the mapping unmapped). */
static int try_mmap(int prot, int flags, int fd, off_t off, size_t len)
{
	void *p = mmap(NULL, len, prot, flags, fd, off);

	if (p == MAP_FAILED)
		return errno;
	munmap(p, len);
	return 0;
}

/*
 * Emulated instructions (RDTSC in the 1-vCPU lab) to map a whole library
 * executable and unmap it again: the lockdown's cost per mapping.
 */
static const char *const measure_lib = "/lib/x86_64-linux-gnu/libz.so.1";

static long long map_cost(int *err)
{
	int fd = open(measure_lib, O_RDONLY);
	off_t len = fd < 0 ? 0 : lseek(fd, 0, SEEK_END);
	uint64_t t0;

	if (fd < 0 || len <= 0) {
		*err = fd < 0 ? errno : EINVAL;
		return -1;
	}
	t0 = __rdtsc();
	*err = try_mmap(PROT_READ | PROT_EXEC, MAP_PRIVATE, fd, 0, (size_t)len);
	t0 = __rdtsc() - t0;
	close(fd);
	return (long long)t0;
}

static int open_w(const char *path)
{
	int fd = open(path, O_WRONLY);

	if (fd < 0)
		return errno;
	close(fd);
	return 0;
}

/* ---- the server (a locked process too) ------------------------------ */

static struct testserver srv;

/* In the server, once registered: a file it maps executable afterwards. */
static int server_started(const struct testserver *s, int fd)
{
	int sfd = open("/tmp/lk-srv.bin", O_RDONLY);

	(void)s, (void)fd;
	if (sfd < 0 || mmap(NULL, PG, PROT_READ | PROT_EXEC, MAP_PRIVATE, sfd,
			    0) == MAP_FAILED)
		return -errno;
	return 0;
}

/* Its exit status: 3 if its data changed. */
static int server_finish(const struct testserver *s)
{
	(void)s;
	return server_word == 0x5ca1ab1e ? 0 : 3;
}

static int server_up(void)
{
	srv = (struct testserver){ .name = victim, .handler = add, .slots = 2,
				   .started = server_started,
				   .finish = server_finish };
	return testserver_start(&srv);
}

/* ---- 1. registration: what is there already ------------------------- */

static void registration(struct sbt_conn *c)
{
	char cmd[512];
	int st, fd;
	pid_t pid;

	/* A W+X mapping refuses the connect; then the child is not locked. */
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		void *p = mmap(NULL, PG, PROT_READ | PROT_WRITE | PROT_EXEC,
			       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		struct sbt_conn cc;
		int sfd = sbt_open(), r;

		if (p == MAP_FAILED || sfd < 0)
			_exit(100);
		r = sbt_connect(sfd, victim, &cc);
		if (r != -EACCES)
			_exit(101);
		/* Not locked after the refusal: anonymous exec is allowed. */
		if (try_mmap(PROT_READ | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS,
			     -1, 0, PG))
			_exit(102);
		munmap(p, PG);
		_exit(sbt_connect(sfd, victim, &cc) ? 103 : 0);
	}
	waitpid(pid, &st, 0);
	tap_result(WIFEXITED(st) && WEXITSTATUS(st) == 0,
		   "registration: a W+X mapping refuses connect (EACCES); the refused process is not locked, and connects once it is gone",
		   "child status 0x%x (100 setup, 101 not EACCES, 102 still locked, 103 no connect)",
		   st);

	/* A file mapped executable while open for writing: ETXTBSY. */
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		int w = open("/tmp/lk-clean.bin", O_RDWR);
		int r = open("/tmp/lk-clean2.bin", O_RDONLY);
		int w2 = open("/tmp/lk-clean2.bin", O_RDWR);
		struct sbt_conn cc;
		int sfd = sbt_open();

		(void)w;
		if (r < 0 || w2 < 0 || sfd < 0 ||
		    mmap(NULL, PG, PROT_READ | PROT_EXEC, MAP_PRIVATE, r, 0) ==
		    MAP_FAILED)
			_exit(100);
		_exit(sbt_connect(sfd, victim, &cc) == -ETXTBSY ? 0 : 101);
	}
	waitpid(pid, &st, 0);
	tap_result(WIFEXITED(st) && WEXITSTATUS(st) == 0,
		   "registration: an executable file mapping whose file is open for writing refuses connect (ETXTBSY)",
		   "child status 0x%x", st);

	/* The rewriter makes a refused binary acceptable. */
	snprintf(cmd, sizeof(cmd), "%s %s", dirty_prog, victim);
	st = system(cmd);
	tap_result(WIFEXITED(st) && WEXITSTATUS(st) == ENOEXEC,
		   "registration: a client with VMFUNC bytes in its code is refused (ENOEXEC)",
		   "status 0x%x", st);
	snprintf(cmd, sizeof(cmd),
		 "sb-rewrite \"$(command -v %s)\" /tmp/lk-rewritten >/dev/null && /tmp/lk-rewritten %s",
		 dirty_prog, victim);
	st = system(cmd);
	tap_result(WIFEXITED(st) && WEXITSTATUS(st) == 0,
		   "registration: the same client connects after sb-rewrite",
		   "status 0x%x", st);

	/* Now this process. */
	fd = sbt_open();
	{
		uint64_t t0 = __rdtsc();

		st = fd < 0 ? fd : sbt_connect(fd, victim, c);
		printf("# measure lockdown: connect, with the lock and scan of this glibc-linked program: %llu ticks\n",
		       (unsigned long long)(__rdtsc() - t0));
	}
	tap_result(st == 0, "this process connects (and is locked from now on)",
		   "%s", strerror(-st));
	if (st)
		exit(tap_exit());
	{
		struct sbt_conn c2;
		uint64_t t0 = __rdtsc();

		st = sbt_connect(fd, victim, &c2);
		printf("# measure lockdown: a second connect, already locked (no scan): %llu ticks\n",
		       (unsigned long long)(__rdtsc() - t0));
		tap_result(st == 0, "a second connect of the locked process works",
			   "%s", strerror(-st));
		if (!st)
			close(c2.fd);
	}
}

/* ---- 2. mmap and mprotect ------------------------------------------- */

static void mappings(void)
{
	int clean = open("/tmp/lk-clean.bin", O_RDONLY);
	int dirty = open("/tmp/lk-dirty.bin", O_RDONLY);
	unsigned char *p, *q;
	int e, fd, wfd, st;
	pid_t pid;

	for (int i = 0; i < 2; i++) {
		int err;
		long long t = map_cost(&err);

		printf("# measure lockdown: mmap(PROT_EXEC) + munmap of all of %s, locked (%s time: %s): %lld ticks (%s)\n",
		       measure_lib, i ? "second" : "first",
		       i ? "scan" : "deny writers and scan", t, strerror(err));
		if (err)
			tap_result(0, "map a clean library executable", "%s",
				   strerror(err));
	}
	e = try_mmap(PROT_READ | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0, PG);
	tap_result(e == EACCES, "mmap(PROT_EXEC) of anonymous memory: EACCES",
		   "%s", strerror(e));
	e = try_mmap(PROT_READ | PROT_WRITE | PROT_EXEC,
		     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0, PG);
	tap_result(e == EACCES, "mmap(PROT_WRITE|PROT_EXEC): EACCES", "%s",
		   strerror(e));

	p = mmap(NULL, PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
		 -1, 0);
	p[0] = vm_bytes[0], p[1] = vm_bytes[1], p[2] = vm_bytes[2];
	e = mprotect(p, PG, PROT_READ | PROT_EXEC) ? errno : 0;
	tap_result(e == EACCES,
		   "mprotect(PROT_EXEC) of anonymous memory holding VMFUNC: EACCES",
		   "%s", strerror(e));
	munmap(p, PG);

	/* Our own code page: W+X refused, the page unchanged. */
	p = (unsigned char *)((uintptr_t)add & ~(uintptr_t)(PG - 1));
	e = mprotect(p, PG, PROT_READ | PROT_WRITE | PROT_EXEC) ? errno : 0;
	{
		uint64_t v = 0;

		v = add(0, 20, 22, 0, 0).value;
		tap_result(e == EACCES && v == 42,
			   "mprotect(PROT_WRITE|PROT_EXEC) of this program's code: EACCES, the code still runs",
			   "%s, add = %llu", strerror(e), (unsigned long long)v);
	}

	/* A clean, read-only file: allowed, and nobody may write it now. */
	e = try_mmap(PROT_READ | PROT_EXEC, MAP_PRIVATE, clean, 0, 2 * PG);
	tap_result(clean >= 0 && e == 0,
		   "mmap(PROT_EXEC) of a clean file opened read-only: allowed",
		   "%s", strerror(e));
	e = open_w("/tmp/lk-clean.bin");
	tap_result(e == ETXTBSY,
		   "that file can no longer be opened for writing (ETXTBSY)",
		   "%s", strerror(e));
	e = truncate("/tmp/lk-clean.bin", 0) ? errno : 0;
	tap_result(e == ETXTBSY, "nor truncated (ETXTBSY)", "%s", strerror(e));
	{
		pid_t pid;
		int st;

		fflush(stdout);
		pid = fork();
		if (pid == 0)
			_exit(open_w("/tmp/lk-clean.bin"));
		waitpid(pid, &st, 0);
		tap_result(WIFEXITED(st) && WEXITSTATUS(st) == ETXTBSY,
			   "nor by another (unlocked) process (ETXTBSY)",
			   "child status 0x%x", st);
	}

	/* VMFUNC bytes straddling two pages: refused, nothing replaced. */
	q = mmap(NULL, 2 * PG, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	memset(q, 0x5a, 2 * PG);
	p = mmap(q, 2 * PG, PROT_READ | PROT_EXEC, MAP_PRIVATE | MAP_FIXED,
		 dirty, 0);
	e = p == MAP_FAILED ? errno : 0;
	tap_result(e == ENOEXEC && q[0] == 0x5a && q[2 * PG - 1] == 0x5a,
		   "mmap(PROT_EXEC, MAP_FIXED) of a file with VMFUNC across a page boundary: ENOEXEC, the mapping it would replace is intact",
		   "%s", strerror(e));
	munmap(q, 2 * PG);
	e = try_mmap(PROT_READ, MAP_PRIVATE, dirty, 0, 2 * PG);
	tap_result(e == 0, "the same file without PROT_EXEC: allowed", "%s",
		   strerror(e));

	/* A file open for writing elsewhere: ETXTBSY. */
	wfd = open("/tmp/lk-clean3.bin", O_RDWR);
	fd = open("/tmp/lk-clean3.bin", O_RDONLY);
	e = try_mmap(PROT_READ | PROT_EXEC, MAP_PRIVATE, fd, 0, PG);
	tap_result(wfd >= 0 && e == ETXTBSY,
		   "mmap(PROT_EXEC) of a file someone has open for writing: ETXTBSY",
		   "%s", strerror(e));
	close(wfd);
	close(fd);

	/*
	 * Another process's shared writable mapping of a file (its fd closed
	 * already): its file stays open for writing, so ETXTBSY.
	 */
	{
		int up[2], down[2], st2;
		pid_t pid;
		char ch;

		if (pipe(up) || pipe(down))
			up[0] = up[1] = down[0] = down[1] = -1;
		fflush(stdout);
		pid = fork();
		if (pid == 0) {
			int w = open("/tmp/lk-clean4.bin", O_RDWR);
			void *m = w < 0 ? MAP_FAILED :
				  mmap(NULL, PG, PROT_READ | PROT_WRITE,
				       MAP_SHARED, w, 0);

			close(w);
			if (write(up[1], m == MAP_FAILED ? "f" : "r", 1) != 1 ||
			    read(down[0], &ch, 1) != 1)
				_exit(1);
			_exit(0);
		}
		e = read(up[0], &ch, 1) == 1 && ch == 'r' ? 0 : -1;
		fd = open("/tmp/lk-clean4.bin", O_RDONLY);
		if (!e)
			e = try_mmap(PROT_READ | PROT_EXEC, MAP_PRIVATE, fd, 0, PG);
		tap_result(e == ETXTBSY,
			   "mmap(PROT_EXEC) of a file another process maps shared and writable: ETXTBSY",
			   "%s", e < 0 ? "child setup failed" : strerror(e));
		close(fd);
		if (write(down[1], "x", 1) != 1)
			kill(pid, SIGKILL);
		waitpid(pid, &st2, 0);
		close(up[0]);
		close(up[1]);
		close(down[0]);
		close(down[1]);
	}

	/*
	 * memfd: its own fd writes without being counted in i_writecount, so
	 * denying writers cannot work; refused, sealed or not.
	 */
	fd = memfd_create("lk", MFD_ALLOW_SEALING);
	if (ftruncate(fd, PG))
		e = errno;
	p = mmap(NULL, PG, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	e = try_mmap(PROT_READ | PROT_EXEC, MAP_SHARED, fd, 0, PG);
	tap_result(p != MAP_FAILED && e == EACCES,
		   "a memfd mapped writable and then executable: EACCES",
		   "%s", strerror(e));
	munmap(p, PG);
	e = fcntl(fd, F_ADD_SEALS, F_SEAL_WRITE | F_SEAL_SHRINK | F_SEAL_GROW) ?
	    errno : 0;
	e = e ?: try_mmap(PROT_READ | PROT_EXEC, MAP_PRIVATE, fd, 0, PG);
	tap_result(e == EACCES, "a write-sealed memfd mapped executable: EACCES (refused too)",
		   "%s", strerror(e));
	close(fd);

	/* mprotect(PROT_EXEC) of a file mapping: only if never written. */
	p = mmap(NULL, PG, PROT_READ, MAP_PRIVATE, clean, 0);
	e = mprotect(p, PG, PROT_READ | PROT_EXEC) ? errno : 0;
	tap_result(e == 0, "mprotect(PROT_EXEC) of an unwritten private mapping of a clean file: allowed",
		   "%s", strerror(e));
	munmap(p, PG);
	p = mmap(NULL, PG, PROT_READ | PROT_WRITE, MAP_PRIVATE, clean, 0);
	p[0] = vm_bytes[0], p[1] = vm_bytes[1], p[2] = vm_bytes[2];
	e = mprotect(p, PG, PROT_READ | PROT_EXEC) ? errno : 0;
	tap_result(e == EACCES, "mprotect(PROT_EXEC) of a private file mapping after a write to it: EACCES",
		   "%s", strerror(e));
	munmap(p, PG);

	/*
	 * mremap() may not grow an executable file mapping (the kernel's own
	 * VM_DONTEXPAND: EFAULT), but may move it; an unlocked child may grow
	 * the same mapping over the VMFUNC page.
	 */
	fd = open("/tmp/lk-tail.bin", O_RDONLY);
	p = mmap(NULL, PG, PROT_READ | PROT_EXEC, MAP_PRIVATE, fd, 0);
	q = p == MAP_FAILED ? MAP_FAILED : mremap(p, PG, 4 * PG, MREMAP_MAYMOVE);
	e = q == MAP_FAILED ? errno : 0;
	tap_result(p != MAP_FAILED && e == EFAULT,
		   "mremap() growing an executable file mapping over unchecked bytes (VMFUNC on page 3): EFAULT",
		   "mmap %s, mremap %s", p == MAP_FAILED ? "failed" : "ok",
		   strerror(e));
	if (q != MAP_FAILED)
		p = q;
	/* To a place of our own: MREMAP_FIXED unmaps whatever is there. */
	q = mmap(NULL, PG, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	q = p == MAP_FAILED || q == MAP_FAILED ? MAP_FAILED :
	    mremap(p, PG, PG, MREMAP_MAYMOVE | MREMAP_FIXED, q);
	e = q == MAP_FAILED ? errno : 0;
	tap_result(q != MAP_FAILED && ((unsigned char *)q)[0] == 0xc3,
		   "mremap() moving an executable file mapping without growing it: allowed",
		   "%s", strerror(e));
	if (q != MAP_FAILED)
		p = q;
	if (p != MAP_FAILED)
		munmap(p, PG);
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		unsigned char *r;

		p = mmap(NULL, PG, PROT_READ | PROT_EXEC, MAP_PRIVATE, fd, 0);
		r = p == MAP_FAILED ? MAP_FAILED :
		    mremap(p, PG, 4 * PG, MREMAP_MAYMOVE);
		_exit(r == MAP_FAILED ? 100 : r[3 * PG + 100] == 0x0f ? 0 : 101);
	}
	waitpid(pid, &st, 0);
	tap_result(WIFEXITED(st) && WEXITSTATUS(st) == 0,
		   "(in an unlocked child the same growth works and shows the VMFUNC page)",
		   "child status 0x%x", st);
	close(fd);
	p = mmap(NULL, PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
		 -1, 0);
	q = mremap(p, PG, 16 * PG, MREMAP_MAYMOVE);
	tap_result(q != MAP_FAILED, "mremap() growing anonymous memory: allowed",
		   "%s", strerror(errno));
	munmap(q == MAP_FAILED ? p : q, q == MAP_FAILED ? PG : 16 * PG);

	/*
	 * READ_IMPLIES_EXEC may be set, but then the task's brk() is refused
	 * and its readable mappings count as executable (so W+X is refused).
	 * A forked child has an mm of its own: it locks itself first.
	 */
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		void *b0, *b1, *m;

		if (sbt_connect(sbt_open(), victim, &(struct sbt_conn){ 0 }) ||
		    personality(PER_LINUX | READ_IMPLIES_EXEC) == -1)
			_exit(100);
		b0 = sbrk(0);
		b1 = sbrk(PG);
		m = mmap(NULL, PG, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		_exit(b1 != (void *)-1 || sbrk(0) != b0 ? 101 :
		      m != MAP_FAILED ? 102 : errno != EACCES ? 103 : 0);
	}
	waitpid(pid, &st, 0);
	tap_result(WIFEXITED(st) && WEXITSTATUS(st) == 0,
		   "a READ_IMPLIES_EXEC task of a locked process: brk() refused (break unchanged), mmap(PROT_READ|PROT_WRITE) EACCES",
		   "child status 0x%x (100 connect or personality, 101 brk grew, 102 mmap worked, 103 wrong errno)",
		   st);
	close(clean);
	close(dirty);
}

/* ---- 3. writes from outside ----------------------------------------- */

static int mem_write(pid_t pid, uint64_t addr, const void *b, size_t n)
{
	char path[64];
	int fd, e = 0;

	snprintf(path, sizeof(path), "/proc/%d/mem", pid);
	fd = open(path, O_RDWR);
	if (fd < 0)
		return errno;
	if (pwrite(fd, b, n, (off_t)addr) != (ssize_t)n)
		e = errno ? errno : EIO;
	close(fd);
	return e;
}

static void writes(void)
{
	uint64_t text = (uint64_t)add, word = (uint64_t)&server_word;
	unsigned char before[3], now[3];
	struct iovec l, r;
	long peek;
	int e, st;
	pid_t pid;

	memcpy(before, (void *)text, 3);
	e = mem_write(getpid(), text, (const void *)vm_bytes, 3);
	memcpy(now, (void *)text, 3);
	tap_result(e == EIO && !memcmp(before, now, 3),
		   "/proc/self/mem write into this program's code: EIO, code unchanged",
		   "%s", strerror(e));
	e = mem_write(srv.pid, text, (const void *)vm_bytes, 3);
	tap_result(e == EIO, "/proc/PID/mem write into the server's code: EIO",
		   "%s", strerror(e));

	/* ptrace: the server is our child, so Yama lets us attach. */
	if (ptrace(PTRACE_ATTACH, srv.pid, 0, 0) == 0 &&
	    waitpid(srv.pid, &st, __WALL) == srv.pid) {
		uint64_t w = 0;

		memcpy(&w, (const void *)vm_bytes, 3);
		errno = 0;
		peek = ptrace(PTRACE_PEEKTEXT, srv.pid, (void *)text, 0);
		tap_result(errno == 0 && !memcmp(&peek, before, 3),
			   "ptrace(PEEKTEXT) of the server's code works", "%s",
			   strerror(errno));
		e = ptrace(PTRACE_POKETEXT, srv.pid, (void *)text,
			   (void *)(w | ((uint64_t)peek & ~0xffffffULL))) ? errno : 0;
		tap_result(e == EIO, "ptrace(POKETEXT) into the server's code: EIO",
			   "%s", strerror(e));
		e = ptrace(PTRACE_POKEDATA, srv.pid, (void *)word,
			   (void *)0x5ca1ab1eUL) ? errno : 0;
		tap_result(e == 0, "ptrace(POKEDATA) into the server's data (its own value): allowed, data cannot execute",
			   "%s", strerror(e));
		ptrace(PTRACE_DETACH, srv.pid, 0, 0);
	} else {
		tap_result(0, "ptrace(PTRACE_ATTACH) to the server", "%s",
			   strerror(errno));
	}

	/* process_vm_writev honours page protections: code is not writable. */
	l.iov_base = (void *)vm_bytes;
	l.iov_len = 3;
	r.iov_base = (void *)text;
	r.iov_len = 3;
	e = process_vm_writev(srv.pid, &l, 1, &r, 1, 0) < 0 ? errno : 0;
	tap_result(e == EFAULT, "process_vm_writev() into the server's code: EFAULT",
		   "%s", strerror(e));
	{
		uint64_t same = 0x5ca1ab1e;

		l.iov_base = &same;
		l.iov_len = sizeof(same);
		r.iov_base = (void *)word;
		r.iov_len = sizeof(same);
		e = process_vm_writev(srv.pid, &l, 1, &r, 1, 0) < 0 ? errno : 0;
		tap_result(e == 0, "process_vm_writev() into the server's data: allowed (it cannot execute)",
			   "%s", strerror(e));
	}

	/*
	 * userfaultfd cannot register an executable mapping of a locked
	 * process (it is sealed: no VM_MAYWRITE); in an unlocked child it can,
	 * and UFFDIO_COPY then puts a page of its choosing there.
	 */
	for (int locked = 1; locked >= 0; locked--) {
		fflush(stdout);
		pid = fork();
		if (pid == 0) {
			int u = syscall(SYS_userfaultfd, O_CLOEXEC);
			int fd = open("/tmp/lk-clean.bin", O_RDONLY);
			struct uffdio_api api = { .api = UFFD_API };
			struct uffdio_register reg;
			struct uffdio_copy cp;
			unsigned char *dst, *src = malloc(PG);

			if (locked && sbt_connect(sbt_open(), victim,
						  &(struct sbt_conn){ 0 }))
				_exit(100);
			dst = mmap(NULL, PG, PROT_READ | PROT_EXEC, MAP_PRIVATE,
				   fd, 0);
			if (u < 0 || ioctl(u, UFFDIO_API, &api) ||
			    dst == MAP_FAILED)
				_exit(101);
			memset(&reg, 0, sizeof(reg));
			reg.range.start = (uint64_t)dst;
			reg.range.len = PG;
			reg.mode = UFFDIO_REGISTER_MODE_MISSING;
			if (ioctl(u, UFFDIO_REGISTER, &reg))
				_exit(errno == EPERM || errno == EINVAL ? 1 : 102);
			memset(src, 0x90, PG);
			memcpy(src, (const void *)vm_bytes, 3);
			memset(&cp, 0, sizeof(cp));
			cp.dst = (uint64_t)dst;
			cp.src = (uint64_t)src;
			cp.len = PG;
			if (ioctl(u, UFFDIO_COPY, &cp))
				_exit(103);
			_exit(dst[0] == 0x0f ? 0 : 104);
		}
		waitpid(pid, &st, 0);
		if (locked)
			tap_result(WIFEXITED(st) && WEXITSTATUS(st) == 1,
				   "userfaultfd cannot register an executable mapping of a locked process",
				   "child status 0x%x (0 VMFUNC placed, 1 refused, 100+ setup)",
				   st);
		else
			tap_result(WIFEXITED(st) && WEXITSTATUS(st) == 0,
				   "(in an unlocked process UFFDIO_COPY puts VMFUNC into an executable mapping)",
				   "child status 0x%x", st);
	}
}

/* ---- 4. ordinary programs keep working ------------------------------ */

static void *thread_fn(void *p)
{
	return p;
}

static void ordinary(struct sbt_conn *c)
{
	void *h = dlopen("libz.so.1", RTLD_NOW | RTLD_LOCAL);
	const char *(*ver)(void) = h ? (const char *(*)(void))dlsym(h, "zlibVersion") : NULL;
	const char *v = ver ? ver() : NULL;
	pthread_t t;
	void *ret = NULL;
	char *big;
	uint64_t val = 0;
	int64_t st;
	int e;

	tap_result(v && *v, "dlopen() of a clean library after locking works, and its code runs",
		   "%s", h ? "no zlibVersion" : dlerror());
	e = pthread_create(&t, NULL, thread_fn, (void *)7);
	if (!e)
		pthread_join(t, &ret);
	tap_result(!e && ret == (void *)7, "pthread_create() after locking works",
		   "%s", strerror(e));
	big = malloc(1 << 20);
	if (big)
		memset(big, 1, 1 << 20);
	tap_result(big != NULL, "malloc() of 1 MiB (mmap) after locking works",
		   "%s", "malloc failed");
	free(big);
	st = sbt_call(c, 20, 22, 0, 0, &val);
	tap_result(st == 0 && val == 42, "the server still answers", "status %lld value %llu",
		   (long long)st, (unsigned long long)val);
}

int main(int argc, char **argv)
{
	struct sbt_conn c;
	int before, st, e;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc > 2 || (argc == 2 && argv[1][0] == '-')) {
		fprintf(stderr, "usage: sb-lockdown [DIRTY-PROGRAM]\n");
		return 2;
	}
	if (argc > 1)
		dirty_prog = argv[1];
	before = lock_count();
	{
		int err;
		long long t = map_cost(&err);

		printf("# measure lockdown: mmap(PROT_EXEC) + munmap of all of %s, unlocked: %lld ticks (%s)\n",
		       measure_lib, t, strerror(err));
	}
	if (make_file("/tmp/lk-clean.bin", 2, -1) < 0 ||
	    make_file("/tmp/lk-clean2.bin", 1, -1) < 0 ||
	    make_file("/tmp/lk-clean3.bin", 1, -1) < 0 ||
	    make_file("/tmp/lk-clean4.bin", 1, -1) < 0 ||
	    make_file("/tmp/lk-srv.bin", 1, -1) < 0 ||
	    make_file("/tmp/lk-dirty.bin", 2, PG - 1) < 0 ||
	    make_file("/tmp/lk-tail.bin", 4, 3 * PG + 100) < 0 || server_up()) {
		tap_result(0, "setup", "%s", strerror(errno));
		return tap_exit();
	}
	e = open_w("/tmp/lk-srv.bin");
	tap_result(e == ETXTBSY, "a file the server mapped executable after registering cannot be opened for writing",
		   "%s", strerror(e));

	registration(&c);
	tap_result(lock_count() >= before + 2, "SB_IOC_SYSSTATS counts the locked processes",
		   "before %d, now %d", before, lock_count());
	mappings();
	writes();
	ordinary(&c);

	st = testserver_stop(&srv);
	tap_result(st == 0, "the server exits normally, its data unchanged",
		   "status 0x%x", srv.status);
	e = open_w("/tmp/lk-srv.bin");
	tap_result(e == 0, "once the server has exited, its file may be written again",
		   "%s", strerror(e));
	return tap_exit();
}
