// SPDX-License-Identifier: GPL-2.0-only
/*
 * permit.c - access permits (GET, RELEASE).
 *
 * GET checks the caller against the admin's policy and the segment's
 * mode (policy.c) and stores a permit in the caller's context under
 * a new apid. The apid is meaningful only in that context (its tag is
 * the context's, see xpmem_internal.h). RELEASE takes
 * the permit out of the context and kills the attachments made through
 * it; they stay mapped (raising SIGBUS) until unmapped or detached.
 *
 * Locking: ctx->permits is guarded by the xarray's own lock; lookups take
 * a permit reference under it. permit->released and permit->atts are
 * protected by the segment's lock (see segment.c).
 */

#include <linux/slab.h>
#include <linux/mm.h>
#include <linux/sched/mm.h>
#include <linux/cred.h>
#include <linux/capability.h>
#include <linux/uaccess.h>

#include "xpmem_internal.h"
#include "xpmem_trace.h"

static void xpmem_permit_free(struct kref *ref)
{
	struct xpmem_permit *permit = container_of(ref, struct xpmem_permit,
						   ref);

	WARN_ON_ONCE(!list_empty(&permit->atts));
	xpmem_user_uncharge(permit->user, XPMEM_PERMITS);
	xpmem_seg_put(permit->seg);
	kfree(permit);
	atomic_long_dec(&xpmem_nr_permits);
}

/**
 * xpmem_permit_put() - drop a permit reference
 * @permit: the permit
 *
 * Frees the permit with the last reference. Process context only.
 */
void xpmem_permit_put(struct xpmem_permit *permit)
{
	kref_put(&permit->ref, xpmem_permit_free);
}

/**
 * xpmem_permit_lookup() - find a permit of a context by apid
 * @ctx: the context
 * @apid: the id from GET
 *
 * Return: the permit with a new reference, or NULL.
 */
struct xpmem_permit *xpmem_permit_lookup(struct xpmem_ctx *ctx, s64 apid)
{
	struct xpmem_permit *permit;
	u32 tag, index;

	if (!xpmem_id_split(apid, &tag, &index) || tag != ctx->tag)
		return NULL;

	xa_lock(&ctx->permits);
	permit = xa_load(&ctx->permits, index);
	if (permit)
		kref_get(&permit->ref);
	xa_unlock(&ctx->permits);
	return permit;
}

/* Take a permit out of use: no new attachment, the existing ones dead. */
static void xpmem_permit_kill(struct xpmem_permit *permit)
{
	struct xpmem_seg *seg = permit->seg;
	struct xpmem_att *att;

	mutex_lock(&seg->lock);
	permit->released = true;
	list_for_each_entry(att, &permit->atts, permit_node)
		xpmem_att_kill(att);
	mutex_unlock(&seg->lock);
	atomic_dec(&seg->nr_permits);
}

/**
 * xpmem_cmd_get() - GET: ask for access to a segment
 * @ctx: the caller's context (bound to current->mm)
 * @uarg: user pointer to struct xpmem_cmd_get
 *
 * permit_type must be XPMEM_PERMIT_MODE, as for MAKE; permit_value is
 * ignored (clients pass NULL, 0600 or 0666 there).
 *
 * Return: 0 with the apid written back, -EINVAL for bad flags or permit
 * type, -ENOENT
 * for a segment that is not live (removed, or its owner has exited) or
 * not visible from here, -EACCES when the access policy or the mode does
 * not allow the access, -EPERM for a non-dumpable owner, -ENOSPC at the
 * caller's cap of permits, or another negative errno.
 */
int xpmem_cmd_get(struct xpmem_ctx *ctx, struct xpmem_cmd_get __user *uarg)
{
	struct xpmem_cmd_get args;
	struct xpmem_permit *permit;
	struct xpmem_user *user;
	struct xpmem_seg *seg;
	int ret;

	if (copy_from_user(&args, uarg, sizeof(args)))
		return -EFAULT;
	if (args.flags != XPMEM_RDONLY && args.flags != XPMEM_RDWR)
		return -EINVAL;
	if (args.permit_type != XPMEM_PERMIT_MODE)
		return -EINVAL;

	seg = xpmem_seg_lookup(args.segid);
	if (!seg)
		return -ENOENT;
	if (READ_ONCE(seg->removed) || !mmget_not_zero(seg->mm)) {
		ret = -ENOENT;
		goto err_seg;
	}
	mmput(seg->mm);

	ret = xpmem_policy_get(seg, args.flags == XPMEM_RDWR);
	if (ret)
		goto err_seg;

	user = xpmem_user_charge(XPMEM_PERMITS, seg);
	if (IS_ERR(user)) {
		ret = PTR_ERR(user);
		goto err_seg;
	}
	permit = kzalloc(sizeof(*permit), GFP_KERNEL_ACCOUNT);
	if (!permit) {
		xpmem_user_uncharge(user, XPMEM_PERMITS);
		ret = -ENOMEM;
		goto err_seg;
	}
	kref_init(&permit->ref);
	permit->user = user;
	INIT_LIST_HEAD(&permit->atts);
	permit->seg = seg;	/* takes over the lookup's reference */
	permit->writable = args.flags == XPMEM_RDWR;
	atomic_inc(&seg->nr_permits);
	atomic_long_inc(&xpmem_nr_permits);
	/* Ours until we return: once visible, RELEASE may drop the table's. */
	kref_get(&permit->ref);

	ret = xa_alloc_cyclic(&ctx->permits, &permit->apid, permit,
			      XA_LIMIT(1, INT_MAX), &ctx->next_apid,
			      GFP_KERNEL_ACCOUNT);
	if (ret < 0) {
		atomic_dec(&seg->nr_permits);	/* never visible, never killed */
		xpmem_permit_put(permit);	/* the table's reference */
		ret = ret == -EBUSY ? -ENOSPC : ret;
		goto out;
	}

	ret = 0;
	if (put_user(xpmem_id_make(ctx->tag, permit->apid), &uarg->apid)) {
		/* Unless another thread released it already. */
		if (xa_cmpxchg(&ctx->permits, permit->apid, permit, NULL,
			       GFP_KERNEL) == permit) {
			xpmem_permit_kill(permit);
			xpmem_permit_put(permit);
		}
		ret = -EFAULT;
	} else {
		trace_xpmem_get(args.segid,
				xpmem_id_make(ctx->tag, permit->apid),
				permit->writable);
	}
out:
	xpmem_permit_put(permit);
	return ret;

err_seg:
	xpmem_seg_put(seg);
	return ret;
}

/**
 * xpmem_cmd_release() - RELEASE: give a permit back
 * @ctx: the caller's context
 * @uarg: user pointer to struct xpmem_cmd_release
 *
 * Return: 0, -EINVAL for an apid that is not valid in this context, or
 * -EFAULT.
 */
int xpmem_cmd_release(struct xpmem_ctx *ctx,
		      struct xpmem_cmd_release __user *uarg)
{
	struct xpmem_cmd_release args;
	struct xpmem_permit *permit;
	u32 tag, index;

	if (copy_from_user(&args, uarg, sizeof(args)))
		return -EFAULT;
	if (!xpmem_id_split(args.apid, &tag, &index) || tag != ctx->tag)
		return -EINVAL;

	permit = xa_erase(&ctx->permits, index);
	if (!permit)
		return -EINVAL;

	xpmem_permit_kill(permit);
	xpmem_permit_put(permit);	/* the table's reference */
	return 0;
}

/**
 * xpmem_permit_release_all() - release every permit of a context
 * @ctx: the context being released
 */
void xpmem_permit_release_all(struct xpmem_ctx *ctx)
{
	struct xpmem_permit *permit;
	unsigned long apid;

	xa_for_each(&ctx->permits, apid, permit) {
		if (xa_erase(&ctx->permits, apid) != permit)
			continue;
		xpmem_permit_kill(permit);
		xpmem_permit_put(permit);
	}
}
