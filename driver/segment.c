// SPDX-License-Identifier: GPL-2.0-only
/*
 * segment.c - exported ranges of an owner's address space (MAKE, REMOVE).
 *
 * Segments are found by segid in a global xarray that holds one
 * reference per live segment. MAKE records the owner's credentials and
 * mm; REMOVE (or the release of the owner's context) takes the segment
 * out of the table and kills every attachment of it: their entries are
 * zapped and the next access raises SIGBUS, but the VMAs stay until the
 * attacher unmaps or detaches them.
 *
 * Locking rules of the locks owned here:
 *
 * xpmem_segs (the xarray's own spinlock)
 *	Lookups take a segment reference under it; a segment is in the
 *	table only while the table's reference is held.
 * seg->lock (mutex)
 *	Protects seg->removed, seg->atts and, for every permit of the
 *	segment, permit->released and permit->atts. Taken outside
 *	att->lock and outside the attacher's i_mmap_rwsem (zapping an
 *	attachment under it); taken under the attacher's mmap_lock by
 *	->close. Never taken from the notifier.
 * Removal of a segment is claimed by taking it off its owner's list
 * (ctx->segs, under ctx->lock), so it runs exactly once.
 */

#include <linux/slab.h>
#include <linux/mm.h>
#include <linux/sched/mm.h>
#include <linux/cred.h>
#include <linux/user_namespace.h>
#include <linux/overflow.h>
#include <linux/random.h>
#include <linux/pid.h>
#include <linux/uaccess.h>

#include "xpmem_internal.h"
#include "xpmem_trace.h"

/* Charged to the memory cgroup of the process whose MAKE grows it. */
static DEFINE_XARRAY_FLAGS(xpmem_segs, XA_FLAGS_ALLOC1 | XA_FLAGS_ACCOUNT);
static u32 xpmem_next_segid;

/**
 * xpmem_id_random_tag() - a random tag for an id
 *
 * Return: a value in 1..INT_MAX.
 */
u32 xpmem_id_random_tag(void)
{
	return get_random_u32() % INT_MAX + 1;
}

/**
 * xpmem_segment_exit() - tear down the segment table at module unload
 *
 * Every context is released by then, so the table is empty.
 */
void xpmem_segment_exit(void)
{
	WARN_ON_ONCE(!xa_empty(&xpmem_segs));
	xa_destroy(&xpmem_segs);
}

static void xpmem_seg_free(struct kref *ref)
{
	struct xpmem_seg *seg = container_of(ref, struct xpmem_seg, ref);

	WARN_ON_ONCE(!list_empty(&seg->atts));
	xpmem_user_uncharge(seg->user, XPMEM_SEGMENTS);
	put_pid(seg->owner_pid);
	mmdrop(seg->mm);
	put_user_ns(seg->user_ns);
	mutex_destroy(&seg->lock);
	kfree(seg);
	atomic_long_dec(&xpmem_nr_segs);
}

/**
 * xpmem_seg_put() - drop a segment reference
 * @seg: the segment
 *
 * Frees the segment with the last reference. Process context only.
 */
void xpmem_seg_put(struct xpmem_seg *seg)
{
	kref_put(&seg->ref, xpmem_seg_free);
}

/**
 * xpmem_seg_lookup() - find a live segment by segid
 * @segid: the id from MAKE
 *
 * Return: the segment with a new reference, or NULL if there is no live
 * segment with that id that the caller may see (segid_scope, policy.c).
 */
struct xpmem_seg *xpmem_seg_lookup(s64 segid)
{
	struct xpmem_seg *seg;
	u32 tag, index;

	if (!xpmem_id_split(segid, &tag, &index))
		return NULL;

	xa_lock(&xpmem_segs);
	seg = xa_load(&xpmem_segs, index);
	if (seg && seg->tag == tag)
		kref_get(&seg->ref);
	else
		seg = NULL;
	xa_unlock(&xpmem_segs);
	if (seg && !xpmem_policy_visible(seg)) {
		xpmem_seg_put(seg);
		seg = NULL;
	}
	return seg;
}

/**
 * xpmem_seg_next() - the live segment with the lowest table index from
 *	*@index on, for the debugfs listings (info.c)
 * @index: in: the first table index to look at; out: the segment's index
 *
 * Not subject to segid_scope: the caller is the admin's listing.
 *
 * Context: process context; takes the table's lock (may be called with
 * any mutex of ours held, never under a spinlock).
 * Return: the segment with a new reference, or NULL when there is none.
 */
struct xpmem_seg *xpmem_seg_next(unsigned long *index)
{
	struct xpmem_seg *seg;

	xa_lock(&xpmem_segs);
	seg = xa_find(&xpmem_segs, index, INT_MAX, XA_PRESENT);
	if (seg)
		kref_get(&seg->ref);
	xa_unlock(&xpmem_segs);
	return seg;
}

/*
 * Tear a segment down: no new attachment, every existing one killed,
 * out of the table. The caller has claimed the removal by taking the
 * segment off its owner's list and holds a reference.
 */
static void xpmem_seg_do_remove(struct xpmem_seg *seg)
{
	struct xpmem_att *att;

	mutex_lock(&seg->lock);
	seg->removed = true;
	list_for_each_entry(att, &seg->atts, seg_node)
		xpmem_att_kill(att);
	mutex_unlock(&seg->lock);

	xa_erase(&xpmem_segs, seg->segid);
	xpmem_seg_put(seg);	/* the table's reference */
}

/**
 * xpmem_cmd_make() - MAKE: export a range of the caller's address space
 * @ctx: the caller's context (bound to current->mm)
 * @uarg: user pointer to struct xpmem_cmd_make
 *
 * Return: 0 with the segid written back, or a negative errno.
 */
int xpmem_cmd_make(struct xpmem_ctx *ctx, struct xpmem_cmd_make __user *uarg)
{
	struct xpmem_cmd_make args;
	unsigned long limit = TASK_SIZE;
	unsigned long vaddr, size;
	struct xpmem_user *user;
	struct xpmem_seg *seg;
	int ret;

	if (copy_from_user(&args, uarg, sizeof(args)))
		return -EFAULT;

	if (args.permit_type != XPMEM_PERMIT_MODE || args.permit_value & ~0777ULL)
		return -EINVAL;
	if (!PAGE_ALIGNED(args.vaddr) || args.vaddr >= limit)
		return -EINVAL;
	vaddr = args.vaddr;
	if (args.size == XPMEM_MAXADDR_SIZE) {
		size = limit - vaddr;
	} else {
		if (!args.size || !PAGE_ALIGNED(args.size) ||
		    args.size > limit - vaddr)
			return -EINVAL;
		size = args.size;
	}

	user = xpmem_user_charge(XPMEM_SEGMENTS, NULL);
	if (IS_ERR(user))
		return PTR_ERR(user);
	seg = kzalloc(sizeof(*seg), GFP_KERNEL_ACCOUNT);
	if (!seg) {
		xpmem_user_uncharge(user, XPMEM_SEGMENTS);
		return -ENOMEM;
	}
	kref_init(&seg->ref);
	seg->user = user;
	seg->ipc_ns = xpmem_ipc_ns_id();
	seg->owner_pid = get_pid(ctx->pid);
	seg->tag = xpmem_id_random_tag();
	mutex_init(&seg->lock);
	INIT_LIST_HEAD(&seg->atts);
	INIT_LIST_HEAD(&seg->ctx_node);
	seg->vaddr = vaddr;
	seg->size = size;
	seg->mode = args.permit_value;
	seg->euid = current_euid();
	seg->egid = current_egid();
	seg->user_ns = get_user_ns(current_user_ns());
	seg->mm = ctx->mm;
	mmgrab(seg->mm);
	seg->owner = ctx;
	atomic_set(&seg->nr_permits, 0);
	atomic_long_inc(&xpmem_nr_segs);
	/* Ours until we return: once visible, REMOVE may drop the table's. */
	kref_get(&seg->ref);

	/* Put it on the owner's list first: it is removable once visible. */
	mutex_lock(&ctx->lock);
	list_add_tail(&seg->ctx_node, &ctx->segs);
	mutex_unlock(&ctx->lock);

	ret = xa_alloc_cyclic(&xpmem_segs, &seg->segid, seg,
			      XA_LIMIT(1, INT_MAX), &xpmem_next_segid,
			      GFP_KERNEL_ACCOUNT);
	if (ret < 0) {
		mutex_lock(&ctx->lock);
		list_del(&seg->ctx_node);
		mutex_unlock(&ctx->lock);
		xpmem_seg_put(seg);	/* the table's reference */
		ret = ret == -EBUSY ? -ENOSPC : ret;
		goto out;
	}

	ret = 0;
	if (put_user(xpmem_seg_id(seg), &uarg->segid)) {
		bool mine;

		mutex_lock(&ctx->lock);
		mine = !list_empty(&seg->ctx_node);
		list_del_init(&seg->ctx_node);
		mutex_unlock(&ctx->lock);
		if (mine)
			xpmem_seg_do_remove(seg);
		ret = -EFAULT;
	} else {
		trace_xpmem_make(xpmem_seg_id(seg), vaddr,
				 size, seg->mode);
	}
out:
	xpmem_seg_put(seg);
	return ret;
}

/**
 * xpmem_cmd_remove() - REMOVE: withdraw a segment made by this context
 * @ctx: the caller's context, or NULL when the caller is not the process
 *	that opened the file (it owns nothing here)
 * @uarg: user pointer to struct xpmem_cmd_remove
 *
 * Return: 0, -ENOENT for an unknown segid, -EPERM if another context
 * made the segment, or another negative errno.
 */
int xpmem_cmd_remove(struct xpmem_ctx *ctx,
		     struct xpmem_cmd_remove __user *uarg)
{
	struct xpmem_cmd_remove args;
	struct xpmem_seg *seg;
	bool mine;

	if (copy_from_user(&args, uarg, sizeof(args)))
		return -EFAULT;

	seg = xpmem_seg_lookup(args.segid);
	if (!seg)
		return -ENOENT;
	if (!ctx || seg->owner != ctx) {
		xpmem_seg_put(seg);
		return -EPERM;
	}

	mutex_lock(&ctx->lock);
	mine = !list_empty(&seg->ctx_node);
	list_del_init(&seg->ctx_node);
	mutex_unlock(&ctx->lock);

	if (mine)
		xpmem_seg_do_remove(seg);
	xpmem_seg_put(seg);
	return mine ? 0 : -ENOENT;
}

/**
 * xpmem_seg_remove_all() - remove every segment made by a context
 * @ctx: the context being released
 */
void xpmem_seg_remove_all(struct xpmem_ctx *ctx)
{
	struct xpmem_seg *seg;

	for (;;) {
		mutex_lock(&ctx->lock);
		seg = list_first_entry_or_null(&ctx->segs, struct xpmem_seg,
					       ctx_node);
		if (seg)
			list_del_init(&seg->ctx_node);
		mutex_unlock(&ctx->lock);
		if (!seg)
			break;
		xpmem_seg_do_remove(seg);
	}
}
