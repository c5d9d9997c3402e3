/* SPDX-License-Identifier: GPL-2.0 */
/*
 * objects.h - the objects of direct server calls and what the files that
 * implement them share (docs/design.md, "Direct calls"; ABI:
 * uapi/skybridge.h): limits.c (per-user limits), handoff.c (calls handed
 * to a server's own thread), server.c (the registry), remap.c (who can run
 * in a server's view), conn.c (connections and attachments) and device.c
 * (/dev/skybridge: sessions, mappings, ioctls, the trampoline's pages).
 * What the rest of the module uses of them is in kmod.h.
 *
 * Objects and lifetimes:
 *  - a session is one open file of /dev/skybridge, bound to the mm that
 *    opened it.  It owns the process's data pages (the INFO page and the
 *    per-CPU return slots) and, if the process registered, its server.
 *  - a server holds a view index, the pinned slot stacks and TLS pages, an
 *    mmu_notifier on its mm (INVEPT on every CPU after any change of its
 *    page tables) and its attachments.  It is referenced by its session and
 *    by every connection; the view is destroyed with the last reference, so
 *    a client of a server that went away still enters a valid view, lands in
 *    its own address space, fails T1's landing check and gets -EPIPE.
 *  - a connection is an anonymous file; each attachment binds one session
 *    (a process's page-table root) to the server through one connection,
 *    with an id (the server's key-table index) and a random 64-bit key.
 *    Attaching remaps the process's root pair onto the server's in the
 *    server's view; detaching (close() of the connection in that process,
 *    close of the session, or the connection's release) removes the key,
 *    then the remap, then flushes the view on every CPU.  The remap
 *    refers to roots that stay allocated: each session holds a reference
 *    (mmgrab) on its mm, so a root is never freed while remapped.
 *  - a handler may call another server (a chain A -> B -> C), on A's
 *    thread, so C's view also remaps A's root: each view remaps the roots
 *    of every process that can be running when it is entered, its clients
 *    and, transitively, the clients of those clients that are servers
 *    (remaps_sync()).  Reaching a view is not authority: a call into C
 *    still needs a key of C's, and only B holds the one it was given.
 *
 * One mutex (sb_calls_lock) orders every registry change; the call path
 * takes no lock at all.
 */
#ifndef SKYBRIDGE_OBJECTS_H
#define SKYBRIDGE_OBJECTS_H

#include <linux/atomic.h>
#include <linux/kref.h>
#include <linux/list.h>
#include <linux/mm.h>
#include <linux/mmu_notifier.h>
#include <linux/mutex.h>
#include <linux/uidgid.h>
#include <linux/wait.h>
#include <linux/workqueue.h>
#include <asm/page.h>

#include "../uapi/skybridge.h"
#include "tramp.h"

struct sb_session;
struct sb_conn;

struct sb_att {
	struct sb_server *srv;
	struct sb_conn *conn;
	struct sb_session *sess;	/* the attached process */
	struct list_head conn_node;
	unsigned int id;
	u64 root;
	kuid_t uid;			/* charged for it */
	u64 handoffs;			/* its calls that were handed off */
};

struct sb_server {
	struct kref ref;
	struct list_head node;		/* in sb_servers while registered */
	char name[SKYBRIDGE_NAME_LEN];
	int view;
	bool live;			/* registered: name, keys, remaps */
	struct sb_session *sess;	/* its session, while live */
	struct mm_struct *mm;
	u64 root;
	struct mmu_notifier mn;
	bool mn_registered;
	bool charged;			/* counted against its owner */
	u32 access;
	kuid_t owner, uid;
	kgid_t gid;
	u32 nr_slots, buf_size;
	struct page **pinned;
	unsigned int nr_pinned;
	struct sb_att *atts[SKYBRIDGE_MAX_ATTACH];
	u64 gone_calls, gone_busy;	/* counts of detached attachments */
	bool handoff;			/* SB_REGISTER_HANDOFF */
	struct sb_handoff *ho[SKYBRIDGE_MAX_SLOTS];	/* per slot */
	u64 *remapped;			/* roots remapped in its view now */
	unsigned int nr_remapped, max_remapped;
	unsigned long reach_gen;	/* remaps_sync()'s visit mark */
	unsigned long ho_queued;	/* slots whose handoff awaits a thread */
	u64 handoffs, handoffs_failed, handoff_faults;
};

struct sb_session {
	struct mm_struct *mm;		/* mmgrab()ed: its root outlives remaps */
	struct page *data[SB_TRAMP_DATA_PAGES];
	struct sb_server *server;
	bool was_server;		/* registered once: handoffs to cancel */
	unsigned long buf_addr;		/* the server's buffer mapping, or 0 */
	unsigned long buf_len;
};

struct sb_conn {
	struct sb_server *srv;
	struct list_head atts;
	struct page **buf;
	unsigned int nr_buf;
};

/* A call handed off to a server's parked thread (handoff.c). */
enum sb_ho_state { HO_QUEUED, HO_ADOPTED, HO_DONE };

struct sb_handoff {
	struct list_head node;		/* in sb_handoffs */
	u64 token;
	u64 client_root;
	struct sb_server *srv;		/* NULL once the server is released */
	struct mm_struct *server_mm;	/* compared, never dereferenced */
	unsigned int slot;
	enum sb_ho_state state;
	bool orphan;			/* no client will collect the result */
	bool waiting;			/* a client thread is in SB_IOC_WAIT */
	s64 status;
	u64 value;
};

static inline u64 *info_u64(struct sb_session *s, unsigned int off)
{
	return page_address(s->data[0]) + off;
}

/* The trampoline's counters of attachment @id (tramp.h, COUNT page). */
static inline u64 *count_u64(struct sb_session *s, unsigned int off,
			     unsigned int id)
{
	return (u64 *)page_address(s->data[SB_TRAMP_DATA_PAGES - 1]) +
	       off / 8 + id;
}

static inline u64 root_of_mm(struct mm_struct *mm)
{
	return __pa(mm->pgd);
}

/* limits.c */
int user_charge(kuid_t uid, bool server);
u16 sb_owner_of(kuid_t uid);
void user_uncharge(kuid_t uid, bool server);

/* server.c: the registry */
extern struct mutex sb_calls_lock;
extern struct list_head sb_servers;
/* Live objects, for the debugfs "objects" file: the lab's leak checks. */
extern atomic_t sb_nr_servers, sb_nr_conns, sb_nr_atts;
extern atomic_t sb_nr_views;	/* server views in use */
void server_put(struct sb_server *srv);
void server_kill(struct sb_server *srv);
void server_destroy(struct sb_server *srv);
bool name_ok(const char *name);
struct sb_server *server_find(const char *name);
long sb_register(struct sb_session *sess, void __user *arg);
long sb_unregister(struct sb_session *sess);
long sb_lookup(void __user *arg);

/* handoff.c */
extern struct list_head sb_handoffs;
extern unsigned int sb_nr_handoffs;
extern struct wait_queue_head sb_handoff_wq;
extern struct work_struct sb_handoff_work;
void handoffs_server_gone(struct sb_server *srv);
void handoffs_session_gone(struct sb_session *sess);
long sb_park(struct sb_session *sess, void __user *arg);
long sb_complete(struct sb_session *sess, void __user *arg);
long sb_conn_wait(struct sb_conn *conn, void __user *arg);

/* remap.c */
int remaps_apply(struct sb_server *srv, const u64 *want, unsigned int n);
int remaps_sync(void);

/* conn.c */
void att_detach(struct sb_att *att);
long sb_connect(struct sb_session *sess, void __user *arg);
long sb_attach(struct sb_session *sess, void __user *arg);

/* device.c */
extern bool sb_vmfunc_ok;
bool is_tramp_vma(struct vm_area_struct *vma);
int insert_pages(struct vm_area_struct *vma, struct page **pages,
		 unsigned int n);
int vma_setup(struct vm_area_struct *vma, unsigned long len);
int stats_in(struct sb_call_stats *st, void __user *arg);

#endif /* SKYBRIDGE_OBJECTS_H */
