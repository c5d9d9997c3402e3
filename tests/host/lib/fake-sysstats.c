// SPDX-License-Identifier: GPL-2.0
/*
 * fake-sysstats.c - a stand-in for the module, preloaded (LD_PRELOAD) into
 * skyctl by its host test (tool-skyctl.c): opening /dev/skybridge gives
 * /dev/null, and SB_IOC_SYSSTATS on that file checks the request as the
 * module does (kmod/sysstats.c) and answers with fixed figures.
 *
 * FAKE_SYSSTATS picks the module's behaviour:
 *   ok (default)  answer; EPERM for the server list if FAKE_NOT_ROOT is set
 *   absent        open() fails with ENOENT (no module)
 *   denied        open() fails with EACCES
 *   old           the ioctl fails with ENOTTY (a module without it)
 * FAKE_CPUS sets the number of online CPUs (default 2: cpu 0 under the
 * RootKernel and counted, cpu 1 native).  FAKE_LOG names a file that gets
 * one line per ioctl: "EINVAL" if the request broke a rule, else "ok" and
 * its flags and rooms.
 */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

#include "uapi/skybridge.h"
#include "uapi/skybridge_hv.h"

static int fake_fd = -1;

static const char *mode(void)
{
	const char *m = getenv("FAKE_SYSSTATS");

	return m ? m : "ok";
}

static int fake_open(const char *path, int flags, mode_t m,
		     int (*real)(const char *, int, ...))
{
	if (strcmp(path, SKYBRIDGE_DEVICE_PATH))
		return real(path, flags, m);
	if (!strcmp(mode(), "absent")) {
		errno = ENOENT;
		return -1;
	}
	if (!strcmp(mode(), "denied")) {
		errno = EACCES;
		return -1;
	}
	fake_fd = real("/dev/null", O_RDONLY | O_CLOEXEC, 0);
	return fake_fd;
}

#define OPEN_WRAPPER(name)						\
int name(const char *path, int flags, ...)				\
{									\
	static int (*real)(const char *, int, ...);			\
	mode_t m = 0;							\
	va_list ap;							\
									\
	if (!real)							\
		real = (int (*)(const char *, int, ...))dlsym(RTLD_NEXT, #name); \
	if (flags & (O_CREAT | O_TMPFILE)) {				\
		va_start(ap, flags);					\
		m = va_arg(ap, mode_t);					\
		va_end(ap);						\
	}								\
	return fake_open(path, flags, m, real);				\
}
OPEN_WRAPPER(open)
OPEN_WRAPPER(open64)

static void fake_log(const char *fmt, ...)
{
	const char *path = getenv("FAKE_LOG");
	va_list ap;
	FILE *f;

	if (!path || !(f = fopen(path, "a")))
		return;
	va_start(ap, fmt);
	vfprintf(f, fmt, ap);
	va_end(ap);
	fclose(f);
}

static int check(const struct sb_sysstats *s)
{
	unsigned int i;

	if (s->size != sizeof(*s) || (s->flags & ~SB_SYSSTATS_SERVERS) || s->pad)
		return -1;
	for (i = 0; i < sizeof(s->reserved) / sizeof(s->reserved[0]); i++)
		if (s->reserved[i])
			return -1;
	if ((s->nr_cpus && (!s->cpus || s->cpu_size != sizeof(struct sb_sysstats_cpu))) ||
	    (s->nr_servers && (!s->servers || s->server_size != sizeof(struct sb_sysstats_server))) ||
	    (s->nr_attachments && (!s->attachments ||
				   s->attachment_size != sizeof(struct sb_sysstats_attachment))))
		return -1;
	if (!(s->flags & SB_SYSSTATS_SERVERS) &&
	    (s->servers || s->nr_servers || s->attachments || s->nr_attachments))
		return -1;
	return 0;
}

static const char *const kinds[] = { "wx", "anon_exec", "a_new_kind" };

static int answer(struct sb_sysstats *s)
{
	struct sb_sysstats_cpu *cpus = (void *)(uintptr_t)s->cpus;
	struct sb_sysstats_server *srv = (void *)(uintptr_t)s->servers;
	struct sb_sysstats_attachment *att = (void *)(uintptr_t)s->attachments;
	uint32_t ncpu = getenv("FAKE_CPUS") ? (uint32_t)atoi(getenv("FAKE_CPUS")) : 2;
	uint32_t room_cpu = s->nr_cpus, room_srv = s->nr_servers;
	uint32_t room_att = s->nr_attachments, i;

	if (check(s)) {
		fake_log("EINVAL\n");
		errno = EINVAL;
		return -1;
	}
	fake_log("ok flags %u cpus %u servers %u attachments %u\n", s->flags,
	     s->nr_cpus, s->nr_servers, s->nr_attachments);
	if ((s->flags & SB_SYSSTATS_SERVERS) && getenv("FAKE_NOT_ROOT")) {
		errno = EPERM;
		return -1;
	}
	s->hv_version = HV_VERSION;
	s->state = SB_STATE_HV | SB_STATE_VMFUNC;
	s->nr_cpus = ncpu;
	s->cpus_vmx = 1;
	s->nr_exit_reasons = SB_SYSSTATS_EXIT_REASONS;
	s->nr_events = SB_EV_NR;
	for (i = 0; i < ncpu && i < room_cpu; i++) {
		memset(&cpus[i], 0, sizeof(cpus[i]));
		cpus[i].cpu = i;
		if (i)
			continue;
		cpus[i].flags = SB_CPU_VMX | SB_CPU_COUNTED;
		cpus[i].launch_tsc = 111;
		cpus[i].exits_total = 17;
		cpus[i].exits[10] = 7;	/* CPUID */
		cpus[i].exits[18] = 10;	/* VMCALL */
		cpus[i].events[SB_EV_CONT_SAVED] = 5;
		cpus[i].events[SB_EV_HANDOFF_ADOPTED] = 2;
	}
	s->objects = (struct sb_sysstats_objects){ 3, 1, 1, 1, 1, 0 };
	s->ept_pool_pages = 1024;
	s->ept_pool_free = 1000;
	s->ept_pool_share = 256;
	s->records = 512;
	s->records_used = 4;
	s->records_share = 64;
	s->locked = 2;
	s->nr_lockdown_kinds = 3;
	for (i = 0; i < 3; i++) {
		snprintf(s->lockdown[i].name, sizeof(s->lockdown[i].name), "%s",
			 kinds[i]);
		s->lockdown[i].refused = i * 2 + 1;
	}
	if (s->flags & SB_SYSSTATS_SERVERS) {
		s->nr_servers = 1;
		s->nr_attachments = 2;
		if (room_srv) {
			memset(srv, 0, sizeof(*srv));
			strcpy(srv->name, "echo");
			srv->view = 2;
			srv->owner_uid = 1000;
			srv->nr_slots = 4;
			srv->slots_busy = 1;
			srv->attachments = 2;
			srv->calls = 12;
			srv->busy = 3;
			srv->denied = 1;
			srv->handoffs = 2;
		}
		for (i = 0; i < 2 && i < room_att; i++) {
			memset(&att[i], 0, sizeof(att[i]));
			att[i].id = i;
			att[i].uid = 1000 + i;
			att[i].calls = 6;
			att[i].busy = i;
		}
	}
	return 0;
}

int ioctl(int fd, unsigned long req, ...)
{
	static int (*real)(int, unsigned long, ...);
	va_list ap;
	void *arg;

	va_start(ap, req);
	arg = va_arg(ap, void *);
	va_end(ap);
	if (!real)
		real = (int (*)(int, unsigned long, ...))dlsym(RTLD_NEXT, "ioctl");
	if (fd != fake_fd || fake_fd < 0)
		return real(fd, req, arg);
	if (req != SB_IOC_SYSSTATS || !strcmp(mode(), "old")) {
		errno = ENOTTY;
		return -1;
	}
	return answer(arg);
}
