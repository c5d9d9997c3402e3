// SPDX-License-Identifier: GPL-2.0
/*
 * remap.c - who can run in a server's view: remaps_sync() finds, for every
 * live server, the page-table roots of the processes that may be running
 * when its view is entered (its clients and, transitively, the clients of
 * those clients that are servers: a handler may call another server on its
 * client's thread), and remaps_apply() makes the view remap exactly those
 * roots onto the server's, then flushes it on every CPU.  Everything here
 * runs with sb_calls_lock held (server.c), which protects each server's
 * set of remapped roots and the walk's visit marks (sb_reach_gen, a
 * server's reach_gen); nothing here takes a lock.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/list.h>
#include <linux/slab.h>

#include "../hv/hv.h"
#include "kmod.h"
#include "objects.h"

/*
 * Roots here carry an owner id in their low bits (HV_VIEW_REMAP's RSI): a
 * root is the same whoever it is charged to.
 */
#define ROOT(r)		((r) & ~(u64)(HV_MAX_OWNERS - 1))

static bool roots_has(const u64 *roots, unsigned int n, u64 root)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		if (ROOT(roots[i]) == ROOT(root))
			return true;
	return false;
}

/* Append @root to the array at @roots (@n used, @max allocated). */
static int roots_add(u64 **roots, unsigned int *n, unsigned int *max,
		     u64 root)
{
	if (*n == *max) {
		unsigned int grow = *max ? 2 * *max : 16;
		u64 *p = krealloc_array(*roots, grow, sizeof(u64), GFP_KERNEL);

		if (!p)
			return -ENOMEM;
		*roots = p;
		*max = grow;
	}
	(*roots)[(*n)++] = root;
	return 0;
}

static unsigned long sb_reach_gen;

/*
 * The roots that may be running when @target's view is entered: those of
 * its clients, and of the clients of every client that is a live server,
 * transitively (breadth first: the graph may have cycles, and the kernel
 * stack is no place for its depth).  @target's own root is left out: in
 * its own view it is its own address space already.
 */
static int reach_collect(struct sb_server *target, u64 **roots,
			 unsigned int *n, unsigned int *max)
{
	unsigned int head = 0, tail = 0, cap = atomic_read(&sb_nr_views) + 1;
	struct sb_server **queue;
	int err = 0;

	queue = kmalloc_array(cap, sizeof(*queue), GFP_KERNEL);
	if (!queue)
		return -ENOMEM;
	sb_reach_gen++;
	target->reach_gen = sb_reach_gen;
	queue[tail++] = target;
	while (head < tail && !err) {
		struct sb_server *srv = queue[head++];
		unsigned int i;

		for (i = 0; i < SKYBRIDGE_MAX_ATTACH && !err; i++) {
			struct sb_att *att = srv->atts[i];
			struct sb_server *via;

			if (!att)
				continue;
			/* The root, and in its low bits its process's owner id. */
			if (att->root != target->root &&
			    !roots_has(*roots, *n, att->root))
				err = roots_add(roots, n, max, att->root |
						sb_owner_of(att->uid));
			via = att->sess->server;
			if (via && via->live && via->reach_gen != sb_reach_gen &&
			    tail < cap) {
				via->reach_gen = sb_reach_gen;
				queue[tail++] = via;
			}
		}
	}
	kfree(queue);
	return err;
}

/*
 * Make @srv's view remap exactly the @n roots at @want onto its root:
 * removals first, then additions, then one flush on every CPU
 * (sb_calls_lock held).
 *
 * A removal closes the remap first and flushes (HV_VIEW_REMAP_CLOSE): a
 * thread of that root may be running in the view right now, in a call,
 * and with the remap simply gone it would go on in its own address space
 * with the server's registers (a crash, and the server's state shown to
 * the client).  Closed, the flush's IPI takes it out as an interrupted
 * call whose resume fails with ESTALE, and a thread that enters later
 * stops at once the same way.
 */
int remaps_apply(struct sb_server *srv, const u64 *want, unsigned int n)
{
	bool changed = false, closed = false;
	unsigned int i;
	int err = 0;
	long ret;

	for (i = 0; i < srv->nr_remapped; i++) {
		if (roots_has(want, n, srv->remapped[i]))
			continue;
		ret = sb_hypercall(HC_VIEW_REMAP, srv->view, srv->remapped[i],
				   HV_VIEW_REMAP_CLOSE);
		if (ret)
			pr_err("view %d: cannot close a remap: %ld\n",
			       srv->view, ret);
		closed = true;
	}
	if (closed)
		sb_view_flush(srv->view);
	i = 0;
	while (i < srv->nr_remapped) {
		u64 root = srv->remapped[i];

		if (roots_has(want, n, root)) {
			i++;
			continue;
		}
		ret = sb_hypercall(HC_VIEW_REMAP, srv->view, root, 0);
		if (ret)
			pr_err("view %d: cannot remove a remap: %ld\n",
			       srv->view, ret);
		srv->remapped[i] = srv->remapped[--srv->nr_remapped];
		changed = true;
	}
	for (i = 0; i < n && !err; i++) {
		if (roots_has(srv->remapped, srv->nr_remapped, want[i]))
			continue;
		err = roots_add(&srv->remapped, &srv->nr_remapped,
				&srv->max_remapped, want[i]);
		if (err)
			break;
		ret = sb_hypercall(HC_VIEW_REMAP, srv->view, want[i], srv->root);
		changed = true;
		if (ret) {
			/* Half made (the view or its return view): undo. */
			sb_hypercall(HC_VIEW_REMAP, srv->view, want[i], 0);
			srv->nr_remapped--;
			err = ret;
		}
	}
	if (changed)
		sb_view_flush(srv->view);
	return err;
}

/**
 * remaps_sync() - bring every live server's remaps up to date, after an
 * attachment or a server came or went (sb_calls_lock held)
 *
 * Return: 0, or the first error (-ENOMEM: memory or EPT tables); a caller
 * that added something then takes it away and syncs again.
 */
int remaps_sync(void)
{
	struct sb_server *srv;
	int ret = 0;

	list_for_each_entry(srv, &sb_servers, node) {
		unsigned int n = 0, max = 0;
		u64 *want = NULL;
		int err;

		err = reach_collect(srv, &want, &n, &max);
		if (!err)
			err = remaps_apply(srv, want, n);
		kfree(want);
		if (err && !ret)
			ret = err;
	}
	return ret;
}
