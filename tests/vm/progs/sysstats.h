/* SPDX-License-Identifier: GPL-2.0 */
/*
 * sysstats.h - the module's machine-wide figures through SB_IOC_SYSSTATS
 * (uapi/skybridge.h), for the test programs: what the debugfs files show,
 * without debugfs.
 *
 *	struct sbs st;
 *
 *	if (sbs_get(-1, &st, false) == 0) {	0, or -errno
 *		...st.s, st.cpus[0..st.s.nr_cpus)...
 *		sbs_free(&st);
 *	}
 *
 * sbs_get() asks on @fd, or on a session of its own if @fd is -1 (then it
 * takes that session out of st.s.objects.sessions again, so the counts
 * are what they were without it); with @servers (root only) also the
 * servers and their attachments.
 *
 * The one-figure helpers below ask on one session the process opens at
 * their first use and keeps (so reading a figure opens and closes no
 * session between two readings: the release of a session does work a
 * measurement would see), and leave that session out of the count too.
 * They give -1 when the module cannot be asked.
 */
#ifndef SKYBRIDGE_SYSSTATS_H
#define SKYBRIDGE_SYSSTATS_H

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "uapi/skybridge.h"

struct sbs {
	struct sb_sysstats s;
	struct sb_sysstats_cpu *cpus;
	struct sb_sysstats_server *srv;
	struct sb_sysstats_attachment *att;
};

static inline void sbs_free(struct sbs *st)
{
	free(st->cpus);
	free(st->srv);
	free(st->att);
	memset(st, 0, sizeof(*st));
}

/* Until every record fits; 0 or -errno. */
static inline int sbs_get(int fd, struct sbs *st, bool servers)
{
	uint32_t ncpu = 16, nsrv = 16, natt = 64;
	int own = fd < 0, err = -EAGAIN, tries;

	memset(st, 0, sizeof(*st));
	if (own && (fd = open(SKYBRIDGE_DEVICE_PATH, O_RDONLY | O_CLOEXEC)) < 0)
		return -errno;
	for (tries = 0; tries < 8; tries++) {
		sbs_free(st);
		st->cpus = calloc(ncpu, sizeof(*st->cpus));
		st->srv = calloc(nsrv, sizeof(*st->srv));
		st->att = calloc(natt, sizeof(*st->att));
		if (!st->cpus || !st->srv || !st->att) {
			err = -ENOMEM;
			break;
		}
		st->s.size = sizeof(st->s);
		st->s.cpus = (uintptr_t)st->cpus;
		st->s.cpu_size = sizeof(*st->cpus);
		st->s.nr_cpus = ncpu;
		if (servers) {
			st->s.flags = SB_SYSSTATS_SERVERS;
			st->s.servers = (uintptr_t)st->srv;
			st->s.server_size = sizeof(*st->srv);
			st->s.nr_servers = nsrv;
			st->s.attachments = (uintptr_t)st->att;
			st->s.attachment_size = sizeof(*st->att);
			st->s.nr_attachments = natt;
		}
		if (ioctl(fd, SB_IOC_SYSSTATS, &st->s)) {
			err = -errno;
			break;
		}
		if (st->s.nr_cpus <= ncpu && st->s.nr_servers <= nsrv &&
		    st->s.nr_attachments <= natt) {
			err = 0;
			break;
		}
		ncpu = st->s.nr_cpus + 16;
		nsrv = st->s.nr_servers + 16;
		natt = st->s.nr_attachments + 64;
	}
	if (own) {
		close(fd);
		if (!err && st->s.objects.sessions)
			st->s.objects.sessions--;
	}
	if (err)
		sbs_free(st);
	return err;
}

/* Event @ev (SB_EV_*) summed over the CPUs. */
static inline long long sbs_event_sum(const struct sbs *st, unsigned int ev)
{
	long long sum = 0;
	uint32_t i;

	for (i = 0; i < st->s.nr_cpus; i++)
		sum += st->cpus[i].events[ev];
	return sum;
}

/* --- one figure, on a session kept for them ----------------------------- */

/* sbs_get() on the kept session, opened at the first call. */
static inline int sbs_get_kept(struct sbs *st, bool servers)
{
	static int fd = -1;
	int err;

	if (fd < 0 && (fd = open(SKYBRIDGE_DEVICE_PATH, O_RDONLY | O_CLOEXEC)) < 0)
		return -errno;
	err = sbs_get(fd, st, servers);
	if (!err && st->s.objects.sessions)
		st->s.objects.sessions--;
	return err;
}

/* Event @ev (SB_EV_*) summed over the CPUs. */
static inline long long sbs_event(unsigned int ev)
{
	struct sbs st;
	long long n;

	if (sbs_get_kept(&st, false))
		return -1;
	n = sbs_event_sum(&st, ev);
	sbs_free(&st);
	return n;
}

/* VM exits, summed over the CPUs. */
static inline long long sbs_exits(void)
{
	struct sbs st;
	long long n = 0;
	uint32_t i;

	if (sbs_get_kept(&st, false))
		return -1;
	for (i = 0; i < st.s.nr_cpus; i++)
		n += st.cpus[i].exits_total;
	sbs_free(&st);
	return n;
}

/* Free view EPT pages. */
static inline long long sbs_pool_free(void)
{
	struct sbs st;
	long long n;

	if (sbs_get_kept(&st, false))
		return -1;
	n = (st.s.state & SB_STATE_HV) ? (long long)st.s.ept_pool_free : -1;
	sbs_free(&st);
	return n;
}

/* Processes under the exec-memory lockdown. */
static inline int sbs_locked(void)
{
	struct sbs st;
	int n;

	if (sbs_get_kept(&st, false))
		return -1;
	n = (int)st.s.locked;
	sbs_free(&st);
	return n;
}

/* The objects as debugfs "objects" has them, on one line. */
static inline void sbs_objects_line(const struct sbs *st, char *out,
				    size_t len)
{
	const struct sb_sysstats_objects *o = &st->s.objects;

	snprintf(out, len,
		 "sessions %u servers %u connections %u attachments %u views %u handoffs %u ",
		 o->sessions, o->servers, o->connections, o->attachments,
		 o->views, o->handoffs);
}

/* The objects as debugfs "objects" has them, on one line ("" if none). */
static inline void sbs_objects(char *out, size_t len)
{
	struct sbs st;

	out[0] = 0;
	if (sbs_get_kept(&st, false))
		return;
	sbs_objects_line(&st, out, len);
	sbs_free(&st);
}

/* The line of server @i as debugfs "servers" has it, without newline. */
static inline void sbs_server_line(const struct sbs *st, uint32_t i,
				   char *out, size_t len)
{
	const struct sb_sysstats_server *s = &st->srv[i];

	snprintf(out, len,
		 "server %.*s view %u owner %u slots %u busy_now %u attachments %u calls %llu busy %llu denied %llu handoffs %llu handoffs_failed %llu faults %llu",
		 SKYBRIDGE_NAME_LEN, s->name, s->view, s->owner_uid,
		 s->nr_slots, s->slots_busy, s->attachments,
		 (unsigned long long)s->calls, (unsigned long long)s->busy,
		 (unsigned long long)s->denied,
		 (unsigned long long)s->handoffs,
		 (unsigned long long)s->handoffs_failed,
		 (unsigned long long)s->handoff_faults);
}

/* Server @name's debugfs-style line (root), or "" if there is none. */
static inline void sbs_server_named(const char *name, char *out, size_t len)
{
	struct sbs st;
	uint32_t i;

	out[0] = 0;
	if (sbs_get_kept(&st, true))
		return;
	for (i = 0; i < st.s.nr_servers; i++)
		if (!strncmp(st.srv[i].name, name, SKYBRIDGE_NAME_LEN))
			sbs_server_line(&st, i, out, len);
	sbs_free(&st);
}

#endif /* SKYBRIDGE_SYSSTATS_H */
